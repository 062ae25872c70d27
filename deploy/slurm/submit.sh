#!/usr/bin/env bash
# Submits a reason bench as an array of SHARDS tasks, and its merge as a job that starts once all of them
# succeeded (--dependency=afterok). Prints the two job ids.
#
#   RUN_DIR=/shared/runs/arith SHARDS=16 deploy/slurm/submit.sh [SBATCH OPTION...]
#
# SBATCH OPTIONs go to both jobs, e.g. --partition=cpu or --nice=100; BENCH_ARGS and REASON reach the jobs
# through the environment (sbatch exports it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${RUN_DIR:?set RUN_DIR to a folder every node sees}"
shards="${SHARDS:-16}"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: SHARDS must be a number >= 1, not $shards" >&2; exit 2; }
mkdir -p "$RUN_DIR"
export RUN_DIR
# --parsable prints JOBID or JOBID;CLUSTER.
array="$(sbatch --parsable --array="0-$((shards - 1))" --chdir="$RUN_DIR" "$@" "$here/bench-array.sbatch")"
array="${array%%;*}"
merge="$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes --chdir="$RUN_DIR" "$@" \
    "$here/merge.sbatch")"
merge="${merge%%;*}"
echo "submitted: bench array $array ($shards shards into $RUN_DIR/shard-*), merge $merge into $RUN_DIR/merged"
