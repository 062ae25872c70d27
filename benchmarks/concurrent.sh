#!/usr/bin/env bash
# Many questions in one batch: `reason bench` with --concurrent 1 (one problem at a time, as before) against the
# default (problems decoded together), side by side in one run, on the shipped model (200 held-out arithmetic
# problems, 16 samples) and on a random-weight Qwen2-0.5B-shape model (20 problems, 8 samples, 32 tokens a chain).
# Prints tokens/s and problems/minute of each, their ratio, and whether the two runs wrote the same summary.json;
# then `reason --questions` on 50 problems with --concurrent 1 and 8: the wall time of each, and whether they agree.
#
#   bash benchmarks/concurrent.sh [OUT]     (default OUT: benchmarks/results/concurrent; about 25 minutes on two
#                                            cores, a fifth of it to make the random model once)
#
# Environment: REASON (the command, default ./reason), PYTHON (python3 with torch, for the random model),
# ONLY=shipped|qwen2|questions (one part), ONNX (another graph of the shipped model's weights, as --onnx takes it).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results/concurrent}
reason=${REASON:-./reason}
python=${PYTHON:-/usr/bin/python3}
mkdir -p "$out"
qwen=build/random-qwen2-0.5b

if [ "${ONLY:-qwen2}" = qwen2 ] && [ ! -s "$qwen/SHA256SUMS" ]; then
    $python models/recipe/random_model.py --shape qwen2-0.5b --seed 1 --no-reference --out "$qwen" >"$out/model.log" 2>&1
fi
head -n 20 models/reason-mini/eval/arithmetic.jsonl >"$out/twenty.jsonl"

# one cell: NAME MODEL DATASET ARGS...; writes OUT/NAME/ and OUT/NAME.time (wall seconds)
cell() {
    local name=$1 model=$2 set=$3
    shift 3
    rm -rf "${out:?}/$name"
    date +%s.%N >"$out/$name.time"
    $reason bench --model "$model" --dataset "$set" --seed 0 --out "$out/$name" "$@" >"$out/$name.log" 2>&1
    date +%s.%N >>"$out/$name.time"
}

onnx=()
[ -n "${ONNX:-}" ] && onnx=(--onnx "$ONNX")
if [ "${ONLY:-shipped}" = shipped ]; then
    cell shipped-c1 models/reason-mini arithmetic --limit 200 --samples 16 --concurrent 1 "${onnx[@]}"
    cell shipped-default models/reason-mini arithmetic --limit 200 --samples 16 "${onnx[@]}"
fi
if [ "${ONLY:-qwen2}" = qwen2 ]; then
    cell qwen2-c1 "$qwen" "$out/twenty.jsonl" --samples 8 --max-tokens 32 --concurrent 1
    cell qwen2-default "$qwen" "$out/twenty.jsonl" --samples 8 --max-tokens 32
fi

# --questions: 50 held-out problems (every 10th), one at a time and 8 together; a 32-sample budget and no clock, so
# what a question gets depends on its seed alone
if [ "${ONLY:-questions}" = questions ]; then
    awk 'NR % 10 == 1' models/reason-mini/eval/arithmetic.jsonl >"$out/fifty.jsonl"
    for c in 1 8; do
        date +%s.%N >"$out/questions-c$c.time"
        $reason --model models/reason-mini --questions "$out/fifty.jsonl" --budget 32x --seed 0 --json \
            --concurrent $c >"$out/questions-c$c.jsonl" 2>"$out/questions-c$c.log" || true
        date +%s.%N >>"$out/questions-c$c.time"
    done
fi

$python - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = []
for model in ("shipped", "qwen2"):
    cells = {}
    for how in ("c1", "default"):
        d = os.path.join(out, "%s-%s" % (model, how))
        if not os.path.exists(os.path.join(d, "summary.json")):
            continue
        start, end = (float(x) for x in open(d + ".time").read().split())
        seconds = end - start
        problems, tokens = 0, 0
        for line in open(os.path.join(d, "results.jsonl")):
            r = json.loads(line)
            problems += 1
            tokens += sum(c["tokens"] for c in r["pool"]) + (r["greedy"]["tokens"] if r.get("greedy") else 0)
        cells[how] = (seconds, problems, tokens, open(os.path.join(d, "summary.json")).read())
    if len(cells) < 2:
        continue
    for how, (s, p, t, _) in cells.items():
        rows.append("| %s | %s | %d | %s | %.0f | %.1f | %.1f |" % (model, "1" if how == "c1" else "default", p,
                    "{:,}".format(t), s, t / s, 60 * p / s))
    (s1, p1, t1, sum1), (s2, p2, t2, sum2) = cells["c1"], cells["default"]
    rows.append("| %s | ratio | | | | %.2fx | %.2fx |" % (model, (t2 / s2) / (t1 / s1), (p2 / s2) / (p1 / s1)))
    rows.append("| %s | same summary.json | %s | | | | |" % (model, "yes" if sum1 == sum2 else "NO"))
print("| model | --concurrent | problems | tokens | seconds | tokens/s | problems/min |")
print("|---|---|---:|---:|---:|---:|---:|")
print("\n".join(rows))

runs = {}
for c in (1, 8):
    f = os.path.join(out, "questions-c%d.jsonl" % c)
    if os.path.exists(f):
        start, end = (float(x) for x in open(f[:-len("jsonl")] + "time").read().split())
        runs[c] = (end - start, [json.loads(line) for line in open(f) if line.strip()])
if len(runs) == 2:
    key = lambda r: (r.get("id"), r.get("answer"), r.get("tokens"))
    (s1, a), (s8, b) = runs[1], runs[8]
    same = sum(1 for x, y in zip(a, b) if key(x) == key(y))
    print()
    print("| reason --questions | questions | same answer and tokens as --concurrent 1 | seconds | speed-up |")
    print("|---|---:|---:|---:|---:|")
    print("| --concurrent 1 | %d | | %.0f | |" % (len(a), s1))
    print("| --concurrent 8 | %d | %d of %d | %.0f | %.2fx |" % (len(b), same, len(a), s8, s1 / s8))
PY
