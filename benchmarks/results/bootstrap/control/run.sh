#!/usr/bin/env bash
# The control beside round 9: from v6 (the model shipped at b14a511), 5,000 steps with every label-free round's kept
# chains (synthetic share 0.7) against 5,000 steps of the synthetic stream alone; then each one's greedy, pass@1 and
# maj@16 on the held-out arithmetic and first questions. About 30 minutes on two cores with bf16.
#
#   bash benchmarks/results/bootstrap/control/run.sh [WORK]     (default build/control)
set -euo pipefail
cd "$(dirname "$0")/../../../.."
B=benchmarks/results/bootstrap
W=${1:-build/control}
reason=${REASON:-./reason}
V6=$W/v6
mkdir -p "$V6"
git show b14a511:models/reason-mini/model.safetensors >"$V6/model.safetensors"
git show b14a511:models/reason-mini/config.json >"$V6/config.json"
for arm in chains synthetic; do
    if [ $arm = chains ]; then share=0.7; else share=1; fi
    [ -e "$W/$arm/train/done" ] || { /usr/bin/python3 models/recipe/finetune.py --init "$V6" --mix everyday \
        --synthetic-share $share --steps 5000 --lr 1e-3 --warmup 200 \
        --distilled $B/vote-r1/distilled.jsonl --distilled $B/vote-r2/distilled.jsonl --distilled $B/vote-r5/distilled.jsonl \
        --distilled $B/vote-r6/distilled.jsonl --distilled $B/vote-r7/distilled.jsonl --distilled $B/hard-r8/distilled.jsonl \
        --out "$W/$arm/train" --resume && touch "$W/$arm/train/done"; }
    [ -s "$W/$arm/model/SHA256SUMS" ] || /usr/bin/python3 models/recipe/export.py --checkpoint "$W/$arm/train/checkpoint.pt" --out "$W/$arm/model"
    mkdir -p "$W/$arm/eval"
    for set in arithmetic basic; do
        [ -s "$W/$arm/eval/bench-$set/summary.json" ] || $reason bench --model "$W/$arm/model" \
            --dataset "$W/$arm/model/eval/$set.jsonl" --prompt '{question}' --samples 16 --seed 0 \
            --out "$W/$arm/eval/bench-$set" >"$W/$arm/eval-$set.log" 2>&1
    done
done
/usr/bin/python3 models/recipe/loop_table.py chains="$W/chains/eval" synthetic="$W/synthetic/eval"
