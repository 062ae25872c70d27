#!/usr/bin/env bash
# A real Slurm run on this one machine: installs Debian's slurm-wlm and munge, starts a one-node cluster, submits
# a 4-task array of reason bench over 40 held-out problems with its dependent merge (submit.sh), runs the same
# benchmark in one process, and compares the two summary.json files. The daemons stop when it ends.
#
#   sudo deploy/slurm/local-cluster.sh [OUT]    # OUT defaults to target/slurm-local; needs root, not for CI
#
# BENCH_ARGS and SHARDS change the benchmark (default: --dataset arithmetic --limit 40 --samples 16 --seed 0, 4);
# WAIT_S bounds the wait for the merge (default 3600).
# Everything of the cluster (config, state, logs) stays in OUT/cluster; /etc/slurm is left alone.
# Exit 0 when the merged summary.json is byte-identical to the one-process run's, 1 when not.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(realpath -m "${1:-$repo/target/slurm-local}")"
shards="${SHARDS:-4}"
export BENCH_ARGS="${BENCH_ARGS:---dataset arithmetic --limit 40 --samples 16 --seed 0}"

[ "$(id -u)" = 0 ] || { echo "local-cluster.sh: it installs and starts system daemons: run it as root" >&2; exit 2; }
[ ! -e "$out/run" ] || { echo "local-cluster.sh: $out/run exists: give another OUT" >&2; exit 2; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "local-cluster: apt-get install slurm-wlm munge" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# One jar for every task: ./reason builds it here, so no task builds it again.
nice -n 19 "$repo/reason" --version >/dev/null
export REASON="nice -n 19 $repo/reason"

cluster="$out/cluster"
mkdir -p "$cluster/state" "$cluster/spool" "$out/run"
node="$(hostname -s)"
# slurmd -C describes this machine as a node line: its CPUs, sockets, cores and memory.
node_line="$(slurmd -C | head -1)"
export SLURM_CONF="$cluster/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=local
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/slurmctld.log
SlurmdLogFile=$cluster/slurmd.log
# No cgroups in a container or VM without systemd: processes are tracked by their parents, tasks not bound.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
# Finished jobs stay visible to scontrol for an hour, so their states and times can be read after.
MinJobAge=3600
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

munge_started=""
stop() {
  scontrol shutdown >/dev/null 2>&1 || true
  for pidfile in "$cluster/slurmctld.pid" "$cluster/slurmd.pid"; do
    for _ in $(seq 50); do [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.2; done
  done
  if [ -n "$munge_started" ]; then kill "$munge_started" 2>/dev/null || true; fi
  echo "local-cluster: daemons stopped" >&2
}
trap stop EXIT

if ! pgrep -x munged >/dev/null; then
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  munge_started="$(cat /run/munge/munged.pid)"
fi
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  [ "$(sinfo -h -n "$node" -o %t 2>/dev/null)" = idle ] && break
  sleep 1
done
echo "local-cluster: $(sinfo -h -o '%P %D node, %c CPUs, state %t') ($(sinfo -V))" >&2

# Both jobs get one CPU a task and 2 GB: up to two tasks run at once on two CPUs.
start=$(date +%s)
RUN_DIR="$out/run" SHARDS="$shards" "$repo/deploy/slurm/submit.sh" --cpus-per-task=1 --mem=2G | tee "$out/submitted.txt"
array="$(sed -E 's/.*bench array ([0-9]+).*/\1/' "$out/submitted.txt")"
merge="$(sed -E 's/.*, merge ([0-9]+) .*/\1/' "$out/submitted.txt")"
state() { scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
deadline=$((start + ${WAIT_S:-3600}))
while :; do
  s="$(state "$merge")"
  case "$s" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  if [ "$(date +%s)" -gt "$deadline" ]; then
    echo "local-cluster: the merge is still $s after ${WAIT_S:-3600} s: see squeue and $out/run" >&2
    exit 1
  fi
  sleep 5
done
cluster_s=$(($(date +%s) - start))

# One line a job, from scontrol's own record of it: its state, exit code, and when it ran (seconds after submit).
{
  echo "| job | state | exit code | started (s) | ran (s) |"
  echo "|---|---|---:|---:|---:|"
  { scontrol -o show job "$array"; scontrol -o show job "$merge"; } | while read -r line; do
    f() { grep -o " $1=[^ ]*" <<<" $line" | head -1 | cut -d= -f2- || true; }
    began="$(date -d "$(f StartTime)" +%s)"; ended="$(date -d "$(f EndTime)" +%s)"
    task="$(f ArrayTaskId)"
    echo "| $(f JobName) $(f JobId)${task:+ (array task $task)} | $(f JobState) | $(f ExitCode) |" \
      "$((began - start)) | $((ended - began)) |"
  done | sort -t'|' -k5,5n -k2,2
} >"$out/jobs.md"
cat "$out/jobs.md" >&2
[ "$s" = COMPLETED ] || { echo "local-cluster: the merge ended $s: see $out/run/reason-*.out" >&2; exit 1; }
echo "local-cluster: the array and its merge took $cluster_s s" >&2

start=$(date +%s)
# shellcheck disable=SC2086  # BENCH_ARGS are words on purpose
nice -n 19 "$repo/reason" bench $BENCH_ARGS --threads 1 --out "$out/one-process" >"$out/one-process.out" 2>&1 \
    || { echo "local-cluster: the one-process run failed: see $out/one-process.out" >&2; exit 1; }
echo "local-cluster: the one-process run took $(($(date +%s) - start)) s" >&2

if cmp "$out/run/merged/summary.json" "$out/one-process/summary.json"; then
  echo "local-cluster: summary.json of $shards merged shards = summary.json of one process, byte for byte" >&2
else
  echo "local-cluster: summary.json differs between $out/run/merged and $out/one-process" >&2
  exit 1
fi
