#!/usr/bin/env bash
# Live verified search with and without redrawing failing lines: each cell (set, redraws per line, samples) runs
# `reason --questions` over a whole set with --stop none, so that every question spends its whole sample budget, and
# keeps the run's graded summary line (--questions grades lines that carry their answers). Prints a markdown table
# last, and writes OUT/cells.csv and a chart per set of accuracy against tokens per question
# (OUT/accuracy_vs_tokens_SET.png, benchmarks/CellsChart.java). A killed run resumes at the first cell without a
# summary.
#
#   bash benchmarks/redraw.sh [OUT]        (default OUT: benchmarks/results/redraw; about 40 minutes on two cores)
#
# Environment: REASON (the command, default ./reason); CELLS ("set:redraws:samples[:backtrack] ...", default below),
# where a set is one of the shipped model's held-out sets (models/reason-mini/eval/SET.jsonl) or a path to a JSON Lines
# file, and a fourth field "backtrack" turns backtracking on (verified:backtrack=on; without it, off).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results/redraw}
reason=${REASON:-./reason}
cells=${CELLS:-"arithmetic:0:8 arithmetic:0:16 arithmetic:0:32 arithmetic:3:4 arithmetic:3:8 arithmetic:3:16
arithmetic:8:4 arithmetic:8:8 arithmetic:16:4 arithmetic:16:8 word:0:8 word:0:16 word:3:8 word:3:16 word:16:4 word:16:8
game24:0:8 game24:0:16 game24:0:32 game24:16:4 game24:16:8 game24:1:4:backtrack game24:1:8:backtrack game24:1:16:backtrack"}
mkdir -p "$out"

file_of() { [[ $1 == */* ]] && echo "$1" || echo "models/reason-mini/eval/$1.jsonl"; }
name_of() { local base; base=$(basename "$1"); echo "${base%.jsonl}-redraw$2-$3x${4:+-$4}"; }

for cell in $cells; do
    IFS=: read -r set redraws samples backtrack <<<"$cell"
    name=$(name_of "$set" "$redraws" "$samples" "$backtrack")
    if [ -s "$out/$name.summary" ]; then
        continue
    fi
    $reason --model models/reason-mini --questions "$(file_of "$set")" --budget "${samples}x" --stop none --seed 1 \
        --strategy "verified:redraw=$redraws,backtrack=$([ -n "$backtrack" ] && echo on || echo off)" --quiet >"$out/$name.answers" 2>"$out/$name.log"
    grep "graded answers right" "$out/$name.log" | sed 's/^reason: //' >"$out/$name.summary"
    echo "$name: $(cat "$out/$name.summary")"
done
echo
echo "| set | redraws per line | backtrack | samples | right | accuracy | tokens per question |"
echo "|---|---:|---|---:|---:|---:|---:|"
echo "set,redraws,backtrack,samples,right,total,accuracy,tokens" >"$out/cells.csv"
for cell in $cells; do
    IFS=: read -r set redraws samples backtrack <<<"$cell"
    s=$(cat "$out/$(name_of "$set" "$redraws" "$samples" "$backtrack").summary")
    right=$(sed -E 's/^([0-9]+) of ([0-9]+).*/\1\/\2/' <<<"$s")
    acc=$(sed -E 's/.*\(([0-9.]+%)\).*/\1/' <<<"$s")
    tok=$(sed -E 's/.*, ([0-9,]+) tokens a question.*/\1/' <<<"$s")
    bt=$([ -n "$backtrack" ] && echo yes || echo no)
    echo "| $(basename "${set%.jsonl}") | $redraws | $bt | $samples | $right | $acc | $tok |"
    echo "$(basename "${set%.jsonl}"),$redraws,$bt,$samples,${right%/*},${right#*/},$(awk -v r="${right%/*}" -v n="${right#*/}" \
        'BEGIN { printf "%.4f", r / n }'),${tok//,/}" >>"$out/cells.csv"
done
echo
# the chart needs the project's jar (./reason builds it on first use)
./reason --version >/dev/null
java -cp target/reason.jar benchmarks/CellsChart.java "$out"
