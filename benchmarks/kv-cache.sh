#!/usr/bin/env bash
# The CPU engine's three kinds of graph on the same weights, side by side in one run (issue 36): Optimum's present
# graph, which returns the whole cache each step (a copy of it); the recipe's append graph, which returns only the
# new columns, written into the cache in place; and the GroupQueryAttention graph, whose rows keep their own lengths
# in one buffer that the graph writes in place. All come from models/recipe/onnx_graph.py, so the cache is the only
# difference. Prints one markdown table and writes it to OUT/table.md, beside each run's log.
#
#   bash benchmarks/kv-cache.sh [OUT]         (default build/kv-cache; about 25 minutes on a quiet 2-core CPU)
#
# Rows: the shipped model at 1, 16 and 64 chains (prompt 128, 256 new tokens), the best of three runs of each; then
# a context sweep on a random-weight model of SmolLM-135M's shape at 16 chains, chains of 256, 1,024 and 2,048
# tokens (its context), one run each. Set SWEEP=none to leave the sweep out, or SWEEP="256 1024" for some of it.
# Environment: REASON (default ./reason), PYTHON (default /usr/bin/python3, with torch and onnx), THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/kv-cache}
reason=${REASON:-./reason}
python=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
small=build/random-llama-small
caches="concat append gqa"
mkdir -p "$out"

[ -s "$small/model.safetensors" ] || $python models/recipe/random_model.py --shape llama-small --seed 1 --out "$small" \
    --no-reference >"$out/random-model.log" 2>&1
for model in models/reason-mini "$small"; do
    dir=$out/graphs/$(basename "$model")
    mkdir -p "$dir"
    for cache in $caches; do
        [ -s "$dir/$cache.onnx" ] || $python models/recipe/onnx_graph.py --model-dir "$model" --cache $cache \
            --out "$dir/$cache.onnx" >/dev/null
    done
done

# decode tok/s of one run: the table row of `reason throughput` for that number of chains
run() {
    local model=$1 graph=$2 chains=$3 gen=$4 log=$5
    $reason throughput --model "$model" --onnx "$graph" --parallel "$chains" --prompt-len 128 --gen-len "$gen" \
        --threads "$threads" >"$log" 2>&1 || { echo "kv-cache.sh: a run failed, see $log" >&2; exit 1; }
    awk -F'|' -v n="$chains" '$2 ~ /cpu/ && $3 + 0 == n { gsub(/ /, "", $4); print $4 }' "$log"
}

table=$out/table.md
{
    echo "| model | chains | chain length | present tok/s | append tok/s | gqa tok/s | append / present | gqa / present | ms a step: present, append, gqa |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
} >"$table"
# the best of ROUNDS runs of each graph, taken in turn: a run of the small model lasts seconds, and one slow
# second of a shared machine would decide it
row() {
    local model=$1 chains=$2 gen=$3 name=$4 rounds=$5
    local dir=$out/graphs/$(basename "$model") tag=$name-$chains-$gen
    local -A best=([concat]=0 [append]=0 [gqa]=0)
    local r v cache
    for ((r = 1; r <= rounds; r++)); do
        for cache in $caches; do
            v=$(run "$model" "$dir/$cache.onnx" "$chains" "$gen" "$out/$tag-$cache-$r.log")
            best[$cache]=$(awk -v a="${best[$cache]}" -v b="$v" 'BEGIN { print (b > a ? b : a) }')
        done
    done
    awk -v m="$name" -v c="$chains" -v l=$((128 + gen)) -v p="${best[concat]}" -v a="${best[append]}" \
        -v g="${best[gqa]}" 'BEGIN {
        printf "| %s | %d | %d | %.0f | %.0f | %.0f | %.2fx | %.2fx | %.1f, %.1f, %.1f |\n", m, c, l, p, a, g, a / p,
            g / p, 1000 * c / p, 1000 * c / a, 1000 * c / g }' >>"$table"
    tail -1 "$table"
}
for chains in 1 16 64; do
    row models/reason-mini $chains 256 shipped 3
done
for length in ${SWEEP:-256 1024 2048}; do
    [ "$length" = none ] && break
    row "$small" 16 $((length - 128)) llama-small 1
done
echo
cat "$table"
