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
#SBATCH --job-name=promosim-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=02:00:00
#SBATCH --output=promosim-%A_%a.log
set -euo pipefail

SCENARIO=${SCENARIO:-scenarios/tailspin.yaml}
RESULTS=${RESULTS:-$PWD/results}

promosim sweep "$SCENARIO" \
  --set build.agents=1..4 \
  --set 'stages.test.trigger=auto,{schedule: "0 3 * * *"}' \
  --replications 1000 \
  --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --shard auto \
  --out "$RESULTS" \
  --quiet
