#!/usr/bin/env bash
# Today's CPU engine against an earlier commit's, on the same model, side by side in one run (issue 36: find and
# undo a regression). Builds BASE's jar in a temporary worktree, then runs `reason throughput` with each jar in turn,
# ROUNDS times, and keeps each one's best warm tokens/s per chain count. Prints one markdown table, also OUT/table.md.
#
#   bash benchmarks/regression.sh [BASE] [OUT]   (default 988ad32, build/regression; a few minutes on a quiet CPU)
#
# Environment: MODEL (default models/reason-mini), CHAINS (default "16 64"), ROUNDS (default 3), THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-988ad32}
out=${2:-build/regression}
model=${MODEL:-models/reason-mini}
chains=${CHAINS:-16 64}
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
git rev-parse --verify -q "$base^{commit}" >/dev/null \
    || { echo "regression.sh: $base is not a commit of this repository; give a commit or a tag" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# each chain count runs three times in one process and the third run counts: the first ones pay for the JIT's
# warm-up (measured: 64 chains ran 9,000 to 11,000 tok/s in the first two runs and 13,500 to 14,600 in the next)
thrice=$(for n in $chains; do printf '%s,%s,%s,' "$n" "$n" "$n"; done)
thrice=${thrice%,}

# the two jars: BASE's, built once in a worktree that is removed after, and today's working tree's
if [ ! -s "$out/base.jar" ]; then
    tree=$(mktemp -d)
    git worktree add -q --detach "$tree" "$base"
    (cd "$tree" && mvn -q -B -Dstyle.color=never -DskipTests package) >"$out/build-base.log" 2>&1 \
        || { echo "regression.sh: building $base failed, see $out/build-base.log" >&2; git worktree remove --force "$tree"; exit 1; }
    cp "$tree/target/reason.jar" "$out/base.jar"
    git worktree remove --force "$tree"
fi
mvn -q -B -Dstyle.color=never -DskipTests package >"$out/build-today.log" 2>&1 \
    || { echo "regression.sh: building today's tree failed, see $out/build-today.log" >&2; exit 1; }
cp target/reason.jar "$out/today.jar"

# decode tok/s for each chain count of one run: the rows of `reason throughput`'s table, "chains tok/s"
run() {
    local jar=$1 log=$2
    java -Dreason.home="$PWD" -jar "$jar" throughput --model "$model" --parallel "$thrice" --prompt-len 128 \
        --gen-len 256 --threads "$threads" >"$log" 2>&1 || { echo "regression.sh: a run failed, see $log" >&2; exit 1; }
    awk -F'|' '$2 ~ /cpu/ { gsub(/ /, "", $3); gsub(/ /, "", $4); if (++seen[$3] == 3) print $3, $4 }' "$log"
}

declare -A best
for ((r = 1; r <= rounds; r++)); do
    for build in base today; do
        while read -r n v; do
            key=$build-$n
            best[$key]=$(awk -v a="${best[$key]:-0}" -v b="$v" 'BEGIN { print (b > a ? b : a) }')
        done < <(run "$out/$build.jar" "$out/$build-$r.log")
    done
done
{
    echo "| chains | $base tok/s | today ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml || echo '+')) tok/s | today / $base |"
    echo "|---:|---:|---:|---:|"
    for n in $chains; do
        awk -v n="$n" -v a="${best[base-$n]:-0}" -v b="${best[today-$n]:-0}" \
            'BEGIN { printf "| %d | %.0f | %.0f | %.2fx |\n", n, a, b, (a > 0 ? b / a : 0) }'
    done
} >"$out/table.md"
echo "best of $rounds rounds each, taken in turn, each after two warm-up runs; model $model, prompt 128, 256 new tokens, $threads threads" >>"$out/table.md"
cat "$out/table.md"
