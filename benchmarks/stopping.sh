#!/usr/bin/env bash
# The search as `reason QUESTION` runs it (the verified strategy with its redraws, a 32-sample budget), live over a
# whole set, with a stopping rule and a number of parallel chains per cell: how often it is right and what a question
# costs when the search stops itself (redraw.sh runs every question to its whole sample budget instead). Each cell
# runs `reason --questions SET --json` (seed 1) and keeps its graded summary line (OUT/NAME.summary) and one row per
# question (OUT/NAME.csv: id, answer, right, chains, tokens); a markdown table last. A killed run resumes at the first
# cell without a summary.
#
#   bash benchmarks/stopping.sh [OUT]     (default OUT: benchmarks/results/stopping; 5 to 15 minutes a cell of 500
#                                          arithmetic problems on two cores)
#   D=/tmp/dev/arithmetic-dev.jsonl; CELLS="$D@ac-beta@16 $D@ac-beta@4 $D@first-verified@16 $D@first-verified@4
#     $D@first-verified:give-up=16@4 $D@first-verified:give-up=24@4" bash benchmarks/stopping.sh /tmp/stopping-dev
#                                         (the development set: models/recipe/data.py --dev 100 --out /tmp/dev)
#
# Environment: REASON (the command, default ./reason); CELLS ("set@stop@parallel ...", default below), where a set is
# one of the shipped model's held-out sets (models/reason-mini/eval/SET.jsonl) or a path to a JSON Lines file, and a
# stop is a --stop rule with its parameters (first-verified:give-up=16).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results/stopping}
reason=${REASON:-./reason}
cells=${CELLS:-"arithmetic@ac-beta@16 arithmetic@first-verified@4"}
mkdir -p "$out"

file_of() { [[ $1 == */* ]] && echo "$1" || echo "models/reason-mini/eval/$1.jsonl"; }
name_of() { local base stop; base=$(basename "$1"); stop=${2//[:=,]/-}; echo "${base%.jsonl}-$stop-p$3"; }

for cell in $cells; do
    IFS=@ read -r set stop parallel <<<"$cell"
    name=$(name_of "$set" "$stop" "$parallel")
    if [ -s "$out/$name.summary" ]; then
        continue
    fi
    results=$(mktemp)
    $reason --model models/reason-mini --questions "$(file_of "$set")" --budget 32x --stop "$stop" --parallel "$parallel" \
        --seed 1 --json >"$results" 2>"$out/$name.log"
    python3 - "$results" >"$out/$name.csv" <<'PY'
import json, sys
print("id,answer,right,chains,tokens")
for line in open(sys.argv[1]):
    r = json.loads(line)
    answer = (r.get("answer") or "").replace('"', '""')
    print('%s,"%s",%s,%d,%d' % (r["id"], answer, str(r.get("correct")).lower(), r["chains_started"], r["tokens"]))
PY
    rm -f "$results"
    grep "graded answers right" "$out/$name.log" | sed 's/^reason: //' >"$out/$name.summary"
    rm -f "$out/$name.log"
    echo "$name: $(cat "$out/$name.summary")"
done
echo
echo "| set | stopping rule | parallel | right | accuracy | tokens per question | seconds per question |"
echo "|---|---|---:|---:|---:|---:|---:|"
for cell in $cells; do
    IFS=@ read -r set stop parallel <<<"$cell"
    s=$(cat "$out/$(name_of "$set" "$stop" "$parallel").summary")
    right=$(sed -E 's/^([0-9]+) of ([0-9]+).*/\1\/\2/' <<<"$s")
    acc=$(sed -E 's/.*\(([0-9.]+%)\).*/\1/' <<<"$s")
    tok=$(sed -E 's/.*, ([0-9,]+) tokens a question.*/\1/' <<<"$s")
    sec=$(sed -E 's/.*, ([0-9.]+) s a question.*/\1/' <<<"$s")
    echo "| $(basename "${set%.jsonl}") | $stop | $parallel | $right | $acc | $tok | $sec |"
done
