#!/usr/bin/env bash
# The bootstrap: each round asks the current model fresh questions through reason's search, keeps the chains the
# search trusts (reason distill), fine-tunes the next model on them mixed with the synthetic stream, exports it and
# evaluates it. Every step skips what is already done, so a killed run continues where it stopped.
#
#   bash models/recipe/bootstrap.sh [--rounds 2] [--start models/reason-mini] [--work build/bootstrap]
#        [--questions 300] [--distill-budget 16x] [--minutes 30 | --steps N] [--filter vote|label] [--synthetic-share 0.5]
#        [--families LIST] [--from ROUND] [--search-every N]
#   bash models/recipe/bootstrap.sh evaluate MODEL_DIR OUT_DIR [N]  (the measurements of one model)
#   /usr/bin/python3 models/recipe/loop_table.py v0=DIR v1=DIR ...   (the table of several)
#
# Round N lives in WORK/FILTER-rN/: questions.jsonl (no answers), labelled.jsonl, distilled.jsonl, train/, model/,
# eval/. --filter label distils with the questions' answers (STaR, rejection sampling) instead of the vote.
# Environment: REASON (the command, default ./reason), PYTHON (default /usr/bin/python3, where Debian's torch is),
# EVAL_SETS (the sets evaluate measures, default: general basic word game24 arithmetic).
set -euo pipefail
cd "$(dirname "$0")/../.."
reason=${REASON:-./reason}
python=${PYTHON:-/usr/bin/python3}
recipe=models/recipe

# The measurements of one model: greedy, pass@1 and maj@16 of 16 samples (reason bench), the default search
# (reason --questions, a 32-sample budget so runs do not depend on the clock), and the out-of-scope questions.
# With N > 1 the arithmetic search asks every Nth problem, 20 of each length: all 500 take hours on two cores.
evaluate() {
    local model=$1 out=$2 every=${3:-1} set
    mkdir -p "$out"
    # the quick, user-facing sets first, so a run cut short still says the most
    for set in ${EVAL_SETS:-general basic word game24 arithmetic}; do
        local file=$model/eval/$set.jsonl
        [ "$set" = general ] && file=src/test/resources/general-questions.txt
        if [ "$set" != general ] && [ ! -s "$out/bench-$set/summary.json" ]; then
            local resume=()
            [ -s "$out/bench-$set/results.jsonl" ] && resume=(--resume)
            $reason bench --model "$model" --dataset "$file" --prompt '{question}' --samples 16 --seed 0 \
                --out "$out/bench-$set" \
                "${resume[@]}" >"$out/bench-$set.log" 2>&1
        fi
        if [ "$set" = arithmetic ] && [ "$every" -gt 1 ]; then
            # the asked lines keep their line number as id, so loop_table.py matches them to the whole set
            awk -v n="$every" '(NR - 1) % n == 0 { sub(/^\{/, "{\"id\": \"" NR "\", "); print }' "$file" \
                >"$out/search-$set.questions.jsonl"
            file=$out/search-$set.questions.jsonl
        fi
        if [ "$( { wc -l <"$out/search-$set.jsonl"; } 2>/dev/null || echo 0)" -ne "$(grep -c . "$file")" ]; then
            $reason --model "$model" --questions "$file" --budget 32x --seed 1 --json \
                >"$out/search-$set.jsonl" 2>"$out/search-$set.log" || true  # a question's own exit code is no failure
        fi
    done
}

if [ "${1:-}" = evaluate ]; then
    [ $# -eq 3 ] || [ $# -eq 4 ] || { echo "usage: bootstrap.sh evaluate MODEL_DIR OUT_DIR [SEARCH_EVERY]" >&2; exit 2; }
    evaluate "$2" "$3" "${4:-1}"
    exit 0
fi

rounds=2 start=models/reason-mini work=build/bootstrap count=300 budget=16x minutes= steps=0 filter=vote share=0.5 from=1 every=1
families=arithmetic,word,game24,arithmetic1,spoken,story,refusal
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) rounds=$2 ;;
        --start) start=$2 ;;
        --work) work=$2 ;;
        --questions) count=$2 ;;
        --distill-budget) budget=$2 ;;
        --minutes) minutes=$2 ;;
        --steps) steps=$2 ;;
        --filter) filter=$2 ;;
        --synthetic-share) share=$2 ;;
        --from) from=$2 ;;
        --families) families=$2 ;;
        --search-every) every=$2 ;;
        *) echo "bootstrap.sh: unknown option $1 (see the comment at the top of the script)" >&2; exit 2 ;;
    esac
    shift 2
done
[ -n "$minutes" ] || { [ "$steps" -gt 0 ] && minutes=0 || minutes=30; }  # --steps alone: no wall-clock ceiling
case $filter in vote|label) ;; *) echo "bootstrap.sh: --filter is vote or label, not $filter" >&2; exit 2 ;; esac

model=$start
[ "$from" -gt 1 ] && model=$work/$filter-r$((from - 1))/model
for ((round = from; round <= rounds; round++)); do
    dir=$work/$filter-r$round
    mkdir -p "$dir"
    echo "== round $round: $model -> $dir/model ($(date -u +%H:%M:%S))"
    [ -s "$dir/questions.jsonl" ] || $python $recipe/questions.py --count "$count" --seed "$round" \
        --families "$families" --out "$dir/questions.jsonl" --labelled "$dir/labelled.jsonl"
    questions=$dir/questions.jsonl
    [ "$filter" = label ] && questions=$dir/labelled.jsonl
    resume=()
    [ -e "$dir/distilled.jsonl" ] && resume=(--resume)
    t=$SECONDS
    $reason distill --model "$model" --questions "$questions" --filter "$filter" --budget "$budget" \
        --out "$dir/distilled.jsonl" "${resume[@]}"
    echo "distill: $((SECONDS - t)) s" >>"$dir/times.txt"
    if [ ! -e "$dir/train/done" ]; then
        t=$SECONDS
        $python $recipe/finetune.py --init "$model" --distilled "$dir/distilled.jsonl" --synthetic-share "$share" \
            --minutes "$minutes" --steps "$steps" --out "$dir/train" --resume
        touch "$dir/train/done"
        echo "finetune: $((SECONDS - t)) s" >>"$dir/times.txt"
    fi
    if [ ! -s "$dir/model/SHA256SUMS" ]; then
        $python $recipe/export.py --checkpoint "$dir/train/checkpoint.pt" --out "$dir/model"
    fi
    t=$SECONDS
    evaluate "$dir/model" "$dir/eval" "$every"
    echo "evaluate: $((SECONDS - t)) s" >>"$dir/times.txt"
    model=$dir/model
done
echo "done: $model"
