#!/bin/bash
# Peak memory (maximum resident set size) of `promosim run` on a 5-year
# Tailspin, with and without the report, measured by /usr/bin/time -v.
# A measurement, not a test: issue 14's target is <= 64 MB with the report.
#
# usage: scripts/peak-memory.sh [BIN] [REPLICATIONS]   (default: target/release/promosim, 10)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/promosim}
R=${2:-10}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
sed 's/^  horizon: 365d/  horizon: 1825d/' scenarios/tailspin.yaml > "$T/tailspin-5y.yaml"
grep -q 'horizon: 1825d' "$T/tailspin-5y.yaml"
for mode in report no-report; do
  flag=(); [ "$mode" = no-report ] && flag=(--no-report)
  /usr/bin/time -v "$BIN" run "$T/tailspin-5y.yaml" -r "$R" --quiet "${flag[@]}" --out "$T/out-$mode" \
    >/dev/null 2>"$T/time-$mode.txt"
  kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$T/time-$mode.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$T/time-$mode.txt")
  printf '%-10s 5-year Tailspin, %s replications: peak %s MB, wall %s\n' "$mode" "$R" "$((kb / 1024))" "$wall"
done
