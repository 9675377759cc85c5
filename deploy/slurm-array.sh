#!/bin/bash
# A promosim sweep as a Slurm job array: one task per shard.
# Slurm sets SLURM_ARRAY_TASK_ID (1..8 here), SLURM_ARRAY_TASK_MIN and
# SLURM_ARRAY_TASK_COUNT; `--shard auto` turns them into shard I of N
# (I = id - min + 1, so --array=0-7 works as well) and writes
# $RESULTS/part-<I>-of-8.json.
#
#   export RESULTS=$PWD/results
#   jid=$(sbatch --parsable deploy/slurm-array.sh)
#   sbatch --dependency=afterok:$jid --wrap "promosim merge $RESULTS --out $RESULTS/report"
#
# Sizes come from the environment (sbatch passes it on), the defaults being
# the full sweep: PROMOSIM (the binary), SCENARIO, RESULTS, REPLICATIONS, and
# COMMAND=sweep (the grid below) or COMMAND=run (the scenario alone). Fewer
# shards: sbatch --array=1-3 (the command line overrides the line below).
# scripts/slurm-check.sh runs it at reduced size on a one-node cluster.
#
#SBATCH --job-name=promosim-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=02:00:00
#SBATCH --output=promosim-%A_%a.log
set -euo pipefail

PROMOSIM=${PROMOSIM:-promosim}
SCENARIO=${SCENARIO:-scenarios/tailspin.yaml}
RESULTS=${RESULTS:-$PWD/results}
REPLICATIONS=${REPLICATIONS:-1000}
COMMAND=${COMMAND:-sweep}

case "$COMMAND" in
  sweep)
    "$PROMOSIM" sweep "$SCENARIO" \
      --set build.agents=1..4 \
      --set 'stages.test.trigger=auto,{schedule: "0 3 * * *"}' \
      --replications "$REPLICATIONS" \
      --threads "${SLURM_CPUS_PER_TASK:-1}" \
      --shard auto \
      --out "$RESULTS" \
      --quiet
    ;;
  run)
    "$PROMOSIM" run "$SCENARIO" \
      --replications "$REPLICATIONS" \
      --threads "${SLURM_CPUS_PER_TASK:-1}" \
      --shard auto \
      --out "$RESULTS" \
      --quiet
    ;;
  *)
    echo "COMMAND must be sweep or run, not $COMMAND" >&2
    exit 2
    ;;
esac
