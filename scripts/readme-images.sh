#!/usr/bin/env bash
# Regenerates the example charts in docs/images/ that the README shows, from
# the shipped scenarios (20 replications each; charts drawn from replication 0
# do not depend on the count).
#
# Usage: scripts/readme-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/readme-images
rm -rf "$out"
for s in tailspin saas-canary; do
    cargo run --release --quiet -- run "scenarios/$s.yaml" --replications 20 --quiet --out "$out/$s" >/dev/null
done
mkdir -p docs/images
cp "$out/tailspin/charts/where.png"     docs/images/tailspin-where.png
cp "$out/tailspin/charts/lead-time.png" docs/images/tailspin-lead-time.png
cp "$out/tailspin/charts/timeline.png"  docs/images/tailspin-timeline.png
cp "$out/saas-canary/charts/incidents.png" docs/images/saas-canary-incidents.png
ls -l docs/images
