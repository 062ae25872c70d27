#!/usr/bin/env bash
# The shipped model's whole lineage, from nothing: v0 from scratch, two label-free bootstrap rounds (v1, v2), the
# mix round (v3: v1 on both rounds' kept chains beside v0's synthetic mix), the everyday round (v4: v3 briefly on
# the same chains beside the everyday mix) and rounds 5 and 6 (v5, v6: the last model's search on fresh
# questions, every round's chains). Every step skips what is already done, so a killed run continues.
#
#   bash models/recipe/reason-mini.sh [WORK]     (default build/reason-mini; the model lands in WORK/vote-r6/model)
#
# Hours on two cores: the card of models/reason-mini lists each step's wall time. Steps are fixed where the
# shipped run fixed them; v0 trains for 70 minutes of wall clock, so a rerun gives the same recipe, not the same bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-build/reason-mini}
python=${PYTHON:-/usr/bin/python3}
reason=${REASON:-./reason}
recipe=models/recipe

if [ ! -s "$work/v0/model/SHA256SUMS" ]; then
    $python $recipe/train.py --minutes 70 --out "$work/v0/train" --resume
    $python $recipe/export.py --checkpoint "$work/v0/train/checkpoint.pt" --out "$work/v0/model"
fi
bash $recipe/bootstrap.sh --start "$work/v0/model" --work "$work" --rounds 1 --questions 300 --steps 1606
bash $recipe/bootstrap.sh --start "$work/v0/model" --work "$work" --from 2 --rounds 2 --questions 360 \
    --steps 1190 --search-every 5

# A round without new questions: the kept chains of rounds 1 and 2 trained into the model of round 1.
mixround() {
    local name=$1 init=$2 mix=$3 steps=$4 lr=$5 warmup=$6
    local dir=$work/$name
    if [ ! -e "$dir/train/done" ]; then
        $python $recipe/finetune.py --init "$init" --mix "$mix" --synthetic-share 0.6 --steps "$steps" --lr "$lr" \
            --warmup "$warmup" --distilled "$work/vote-r1/distilled.jsonl" \
            --distilled "$work/vote-r2/distilled.jsonl" --out "$dir/train" --resume
        touch "$dir/train/done"
    fi
    [ -s "$dir/model/SHA256SUMS" ] || $python $recipe/export.py --checkpoint "$dir/train/checkpoint.pt" --out "$dir/model"
    EVAL_SETS="general basic arithmetic word game24" bash $recipe/bootstrap.sh evaluate "$dir/model" "$dir/eval" 5
}
mixround mix-r3 "$work/vote-r1/model" v0 2800 1e-3 100
mixround mix-r4 "$work/mix-r3/model" everyday 900 5e-4 50

# A round of fresh questions from a model that is not a bootstrap.sh round's: NAME INIT SEED STEPS, then the
# earlier rounds whose kept chains it trains on beside its own.
freshround() {
    local name=$1 init=$2 seed=$3 steps=$4
    shift 4
    local dir=$work/$name chains=() r
    for r in "$@"; do chains+=(--distilled "$work/$r/distilled.jsonl"); done
    mkdir -p "$dir"
    [ -s "$dir/questions.jsonl" ] || $python $recipe/questions.py --count 400 --seed "$seed" \
        --families arithmetic,word,game24,arithmetic1,spoken,story,refusal --out "$dir/questions.jsonl" \
        --labelled "$dir/labelled.jsonl"
    if [ ! -e "$dir/distill.done" ]; then
        local resume=()
        [ -e "$dir/distilled.jsonl" ] && resume=(--resume)
        $reason distill --model "$init" --questions "$dir/questions.jsonl" --filter vote --budget 16x \
            --out "$dir/distilled.jsonl" "${resume[@]}"
        touch "$dir/distill.done"
    fi
    if [ ! -e "$dir/train/done" ]; then
        $python $recipe/finetune.py --init "$init" --mix everyday --synthetic-share 0.6 --steps "$steps" --lr 5e-4 \
            --warmup 50 "${chains[@]}" --distilled "$dir/distilled.jsonl" --out "$dir/train" --resume
        touch "$dir/train/done"
    fi
    [ -s "$dir/model/SHA256SUMS" ] || $python $recipe/export.py --checkpoint "$dir/train/checkpoint.pt" --out "$dir/model"
    EVAL_SETS="general basic arithmetic word game24" bash $recipe/bootstrap.sh evaluate "$dir/model" "$dir/eval" 5
}
# Round 5: v4 distils 400 fresh questions (seed 5); v5 is v4 trained on the chains of rounds 1, 2 and 5.
freshround vote-r5 "$work/mix-r4/model" 5 1500 vote-r1 vote-r2
# Round 6: v5 distils 400 more (seed 6); v6 is v5 trained on the chains of rounds 1, 2, 5 and 6.
freshround vote-r6 "$work/vote-r5/model" 6 1200 vote-r1 vote-r2 vote-r5
echo "done: $work/vote-r6/model"
