#!/usr/bin/env bash
# The shipped model's whole lineage, from nothing: v0 from scratch; two label-free bootstrap rounds (v1, v2); the
# mix round (v3: v1 on both rounds' kept chains beside v0's synthetic mix); the everyday round (v4: v3 briefly on the
# same chains beside the everyday mix); rounds 5 and 6 (v5, v6: the last model's search on fresh questions, every
# round's chains); two more rounds of v6's search, whose chains alone are kept; round 9 (v9: v6 trained long on
# every label-free round's chains); round 10 (v10: v9's search on fresh questions, every round's chains); round 11
# (v11: v10 on the synthetic stream in the aligned chain format); and round 12 (v12: v11's search on 1,200 fresh
# questions, its chains beside the aligned stream).
# Every step skips what is already done, so a killed run continues.
#
#   bash models/recipe/reason-mini.sh [WORK]     (default build/reason-mini; the model lands in WORK/vote-r12/model)
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

# A round's training, export and evaluation: NAME INIT MIX STEPS LR WARMUP SHARE, then the rounds whose kept chains
# it trains on. Alone, it is a round without new questions. FORMAT and SEED (default fixed and 1) set finetune.py's
# --chain-format and --seed.
mixround() {
    local name=$1 init=$2 mix=$3 steps=$4 lr=$5 warmup=$6 share=$7 format=${FORMAT:-fixed} seed=${SEED:-1}
    shift 7
    local dir=$work/$name chains=() r
    for r in "$@"; do chains+=(--distilled "$work/$r/distilled.jsonl"); done
    if [ ! -e "$dir/train/done" ]; then
        $python $recipe/finetune.py --init "$init" --mix "$mix" --synthetic-share "$share" --steps "$steps" --lr "$lr" \
            --warmup "$warmup" --chain-format "$format" --seed "$seed" "${chains[@]}" --out "$dir/train" --resume
        touch "$dir/train/done"
    fi
    [ -s "$dir/model/SHA256SUMS" ] || $python $recipe/export.py --checkpoint "$dir/train/checkpoint.pt" --out "$dir/model"
    EVAL_SETS="general basic arithmetic word game24" bash $recipe/bootstrap.sh evaluate "$dir/model" "$dir/eval" 5
}
# v3: the kept chains of rounds 1 and 2 trained into the model of round 1; v4: the same, briefly, beside the everyday mix.
mixround mix-r3 "$work/vote-r1/model" v0 2800 1e-3 100 0.6 vote-r1 vote-r2
mixround mix-r4 "$work/mix-r3/model" everyday 900 5e-4 50 0.6 vote-r1 vote-r2

# The questions of a round and the chains the model's search keeps of them: NAME INIT SEED, then questions.py's options.
# COUNT (default 400) is how many questions it asks.
distillround() {
    local name=$1 init=$2 seed=$3
    shift 3
    local dir=$work/$name
    mkdir -p "$dir"
    [ -s "$dir/questions.jsonl" ] || $python $recipe/questions.py --count "${COUNT:-400}" --seed "$seed" "$@" \
        --out "$dir/questions.jsonl" --labelled "$dir/labelled.jsonl"
    if [ ! -e "$dir/distill.done" ]; then
        local resume=()
        [ -e "$dir/distilled.jsonl" ] && resume=(--resume)
        $reason distill --model "$init" --questions "$dir/questions.jsonl" --filter vote --budget 16x \
            --out "$dir/distilled.jsonl" "${resume[@]}"
        touch "$dir/distill.done"
    fi
}

# A round of fresh questions from a model that is not a bootstrap.sh round's: NAME INIT SEED STEPS, then the
# earlier rounds whose kept chains it trains on beside its own.
freshround() {
    local name=$1 init=$2 seed=$3 steps=$4
    shift 4
    distillround "$name" "$init" "$seed" --families arithmetic,word,game24,arithmetic1,spoken,story,refusal
    mixround "$name" "$init" everyday "$steps" 5e-4 50 0.6 "$@" "$name"
}
# Round 5: v4 distils 400 fresh questions (seed 5); v5 is v4 trained on the chains of rounds 1, 2 and 5.
freshround vote-r5 "$work/mix-r4/model" 5 1500 vote-r1 vote-r2
# Round 6: v5 distils 400 more (seed 6); v6 is v5 trained on the chains of rounds 1, 2, 5 and 6.
freshround vote-r6 "$work/vote-r5/model" 6 1200 vote-r1 vote-r2 vote-r5
# v6's search on 400 more fresh questions (seed 7), and on 400 arithmetic questions of 3 to 6 operations (seed 8).
distillround vote-r7 "$work/vote-r6/model" 7 --families arithmetic,word,game24,arithmetic1,spoken,story,refusal
distillround hard-r8 "$work/vote-r6/model" 8 --families arithmetic --min-difficulty 3
# Round 9: v6 trained 20,000 steps on every label-free round's kept chains (bf16 autocast where the CPU has bf16).
mixround mix-r9 "$work/vote-r6/model" everyday 20000 1e-3 200 0.7 vote-r1 vote-r2 vote-r5 vote-r6 vote-r7 hard-r8
# Round 10: v9 distils 400 fresh questions (seed 10); v10 is v9 trained 10,000 steps on every round's chains.
freshround vote-r10 "$work/mix-r9/model" 10 10000 vote-r1 vote-r2 vote-r5 vote-r6 vote-r7 hard-r8
# Round 11: v10 trained 15,000 steps on the synthetic stream alone, in the aligned chain format (the earlier rounds'
# chains are in the fixed one).
FORMAT=aligned SEED=11 mixround align-r11 "$work/vote-r10/model" everyday 15000 7e-4 200 1
# Round 12: v11 distils 1,200 fresh questions (seed 12); v12 is v11 trained 15,000 steps on them beside the aligned stream.
COUNT=1200 distillround vote-r12 "$work/align-r11/model" 12 --families arithmetic,word,game24,arithmetic1,spoken,story,refusal
FORMAT=aligned SEED=12 mixround vote-r12 "$work/align-r11/model" everyday 15000 5e-4 100 0.85 vote-r12
echo "done: $work/vote-r12/model"
