#!/bin/bash
# Issue 14's M/M/1 target, read robustly on a shared machine: the engine's
# events/s over the bare BinaryHeap + ChaCha8 loop's (benches/engine/bare.rs),
# both measured by `cargo bench --bench engine` back to back, ROUNDS times.
# One round's ratio moves with the neighbours' load; the median of the rounds
# is the figure. A measurement, not a test (target: >= 0.5).
#
# usage: scripts/bench-ratio.sh [ROUNDS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
dir=target/criterion/engine
ratios=()
for i in $(seq 1 "$ROUNDS"); do
  cargo bench --quiet --bench engine -- '^engine/(bare_)?mm1_events$' >/dev/null 2>&1
  r=$(python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
def rate(name):
    n = json.load(open(f"{d}/{name}/new/benchmark.json"))["throughput"]["Elements"]
    t = json.load(open(f"{d}/{name}/new/estimates.json"))["median"]["point_estimate"]
    return n / t * 1e9
e, b = rate("mm1_events"), rate("bare_mm1_events")
print(f"{e / b:.3f} {e / 1e6:.1f} {b / 1e6:.1f}")
PY
)
  set -- $r
  printf 'round %d: engine %s M events/s, bare loop %s M events/s: %s of the bare loop\n' "$i" "$2" "$3" "$1"
  ratios+=("$1")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median of $ROUNDS rounds: $median of the bare loop's events/s (target >= 0.5)"
