#!/bin/bash
# Scale-out proven on a real Slurm: a one-node cluster on this machine runs
# deploy/slurm-array.sh at reduced size (a `run` and a `sweep`, 3 shards each),
# a merge job waits for each array (--dependency=afterok), and the merged files
# must equal the unsharded command's byte for byte.
#
#   sudo scripts/slurm-check.sh [path/to/promosim]      (default target/release/promosim)
#
# Needs root and Debian packages: installs slurm-wlm and munge with apt-get
# when they are missing. Everything else (keys, sockets, state, logs) lives
# in a fresh temporary folder; the daemons (munged, slurmctld, slurmd) are
# started in the foreground of this script, their PIDs recorded, and stopped
# by PID when it ends, however it ends. Ports 16817/16818, so a Slurm already
# on the machine is left alone. Sizes: REPLICATIONS_RUN (default 40),
# REPLICATIONS_SWEEP (12), SHARDS (3). Exit 0 when every check passed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
PROMOSIM=$(realpath "${1:-${PROMOSIM:-$repo/target/release/promosim}}")
SCENARIO=${SCENARIO:-$repo/scenarios/tailspin.yaml}
REPLICATIONS_RUN=${REPLICATIONS_RUN:-40}
REPLICATIONS_SWEEP=${REPLICATIONS_SWEEP:-12}
SHARDS=${SHARDS:-3}
t0=$(date +%s)
say() { echo "[slurm-check $(($(date +%s) - t0)) s] $*"; }
fail() { echo "slurm-check: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (it installs packages and starts daemons)"
[ -x "$PROMOSIM" ] || fail "no promosim binary at $PROMOSIM (cargo build --release, or give its path)"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi

W=$(mktemp -d /tmp/slurm-check.XXXXXX)
chmod 700 "$W"
mkdir -p "$W/munge" "$W/state" "$W/spool" "$W/logs"
chmod 711 "$W/munge"
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  [ ${#pids[@]} -eq 0 ] || echo "[slurm-check] stopped daemons ${pids[*]}; logs in $W"
  exit $rc
}
trap cleanup EXIT

# munge: a key of our own and a socket of our own.
dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$W/munge/munge.key"
socket="$W/munge/munge.socket"
munged --foreground --force --socket="$socket" --key-file="$W/munge/munge.key" \
  --log-file="$W/logs/munged.log" --pid-file="$W/munge/munged.pid" \
  --seed-file="$W/munge/munged.seed" 2>>"$W/logs/munged.out" &
pids+=($!)
say "munged started (PID ${pids[-1]})"
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "munged did not open its socket (see $W/logs/munged.log)"

# A one-node cluster. No cgroups (a container rarely grants them): processes
# are tracked through /proc and tasks are not confined.
host=$(hostname -s)
node=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //')
export SLURM_CONF="$W/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=promosim-check
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/logs/slurmctld.log
SlurmdLogFile=$W/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -c -f "$SLURM_CONF" >"$W/logs/slurmctld.out" 2>&1 &
pids+=($!)
say "slurmctld started (PID ${pids[-1]})"
slurmd -D -f "$SLURM_CONF" >"$W/logs/slurmd.out" 2>&1 &
pids+=($!)
say "slurmd started (PID ${pids[-1]})"
state=""
for _ in $(seq 120); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
  case "$state" in idle*|mix*|alloc*) break ;; esac
  sleep 0.5
done
case "$state" in idle*|mix*|alloc*) ;; *) fail "the node did not come up (state '$state'; see $W/logs)" ;; esac
say "node $host is $state"

# Submit both arrays and their merges; Slurm orders them.
cd "$repo"
submit() { # COMMAND REPLICATIONS → "array_id merge_id"
  local cmd=$1 reps=$2 results="$W/$1-parts"
  mkdir -p "$results"
  local jid mid
  jid=$(COMMAND=$cmd PROMOSIM="$PROMOSIM" SCENARIO="$SCENARIO" RESULTS="$results" \
    REPLICATIONS=$reps sbatch --parsable --array=1-"$SHARDS" --cpus-per-task=1 --mem=1G \
    --output="$W/logs/$cmd-%A_%a.log" deploy/slurm-array.sh)
  mid=$(sbatch --parsable --dependency=afterok:"$jid" --job-name="merge-$cmd" \
    --cpus-per-task=1 --mem=1G --output="$W/logs/merge-$cmd-%j.log" \
    --wrap "'$PROMOSIM' merge '$results' --out '$results/report'")
  echo "$jid $mid"
}
read -r run_array run_merge < <(submit run "$REPLICATIONS_RUN")
read -r sweep_array sweep_merge < <(submit sweep "$REPLICATIONS_SWEEP")
say "submitted: run array $run_array → merge $run_merge; sweep array $sweep_array → merge $sweep_merge"

# The unsharded commands, meanwhile, outside Slurm.
"$PROMOSIM" run "$SCENARIO" -r "$REPLICATIONS_RUN" --quiet --no-report --out "$W/run-whole" >/dev/null
"$PROMOSIM" sweep "$SCENARIO" --set build.agents=1..4 \
  --set 'stages.test.trigger=auto,{schedule: "0 3 * * *"}' \
  -r "$REPLICATIONS_SWEEP" --quiet --no-report --out "$W/sweep-whole" >/dev/null
say "unsharded runs done"

job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }
for _ in $(seq 1800); do
  a=$(job_state "$run_merge"); b=$(job_state "$sweep_merge")
  case "$a$b" in *PENDING*|*RUNNING*|*CONFIGURING*|*COMPLETING*) sleep 1 ;; *) break ;; esac
done
[ "$a" = COMPLETED ] || fail "run merge job $run_merge ended $a (see $W/logs)"
[ "$b" = COMPLETED ] || fail "sweep merge job $sweep_merge ended $b (see $W/logs)"
say "both merge jobs completed"
for j in $run_array $sweep_array; do
  done_tasks=$(scontrol show job "$j" | grep -c 'JobState=COMPLETED' || true)
  [ "$done_tasks" = "$SHARDS" ] || fail "array $j: $done_tasks of $SHARDS tasks completed"
done
say "all $((2 * SHARDS)) array tasks completed on Slurm ($(ls "$W"/logs/*-*_*.log | wc -l) task logs)"

# Every data file of the unsharded command, byte for byte.
compare() { # whole merged
  local n=0 f
  while IFS= read -r f; do
    cmp -s "$1/$f" "$2/$f" || fail "$2/$f differs from the unsharded $1/$f"
    n=$((n + 1))
  done < <(cd "$1" && find . -type f \( -name '*.json' -o -name '*.csv' \) | sort)
  [ "$n" -gt 0 ] || fail "no files in $1"
  say "$2: $n files equal the unsharded run ($(cd "$1" && find . -type f \( -name '*.json' -o -name '*.csv' \) | sort | tr '\n' ' '))"
}
compare "$W/run-whole" "$W/run-parts/report"
compare "$W/sweep-whole" "$W/sweep-parts/report"
ls "$W"/run-parts/part-*-of-"$SHARDS".json "$W"/sweep-parts/part-*-of-"$SHARDS".json >/dev/null

# The page: only once promosim can render one from a result folder.
if "$PROMOSIM" report --help >/dev/null 2>&1; then
  for d in run sweep; do
    [ -s "$W/$d-parts/report/index.html" ] || fail "merge wrote no index.html in $W/$d-parts/report"
  done
  say "merged folders have their index.html"
else
  say "page not checked: this promosim has no 'report' command yet, so merge writes no page"
fi
say "PASS in $(($(date +%s) - t0)) s"
