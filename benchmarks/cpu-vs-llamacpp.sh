#!/usr/bin/env bash
# reason's CPU engine against llama.cpp (node-llama-cpp's prebuilt CPU build, benchmarks/llamacpp/) on the same weights,
# prompt, sampling, threads and number of parallel chains (issue 36). For each model: fp32 model.onnx against the F32
# GGUF and int8 model_quantized.onnx against the Q8_0 GGUF at each number of chains; then a context sweep at one
# number of chains (chains of 256, 1,024 and 4,096 tokens, prompt included, fp32 against F32), where a model's context
# allows it. Prints one markdown table (decode tokens/s of each, their ratio, each decode step's time) and writes it
# to OUT/table.md, beside each run's log and OUT/results.jsonl.
#
#   bash benchmarks/cpu-vs-llamacpp.sh                       the issue's run (on a quiet machine: it takes hours)
#   bash benchmarks/cpu-vs-llamacpp.sh --models models/reason-mini --chains 1,4 --gen-len 32 --sweep none
#
# Options (defaults in brackets):
#   --out DIR          where the results go [build/cpu-vs-llamacpp]
#   --models LIST      model directories [models/reason-mini,build/random-qwen2-0.5b]; the random-weight
#                      Qwen2-0.5B-shape model is made when it is missing
#   --chains LIST      numbers of parallel chains [1,16,64]
#   --prompt-len N     prompt tokens [128]
#   --gen-len N        new tokens per chain [256]
#   --sweep LIST       chain lengths of the context sweep, prompt included [256,1024,4096], or none
#   --sweep-chains N   chains in the sweep [16]
#   --threads N        threads of each engine [2]
# The GGUF files (build/gguf/), the int8 ONNX files (build/int8/) and the random model are made when missing.
# Environment: REASON (the command, default ./reason); PYTHON (default /usr/bin/python3: numpy for the GGUF exporter,
# onnx for the int8 file, torch for the random model).
# Exit codes: 2 bad options, 3 a program or file it needs is missing, 1 a step failed (its log is named).
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/cpu-vs-llamacpp
models=models/reason-mini,build/random-qwen2-0.5b
chains=1,16,64
prompt_len=128
gen_len=256
sweep=256,1024,4096
sweep_chains=16
threads=2
reason=${REASON:-./reason}
python=${PYTHON:-/usr/bin/python3}
random_qwen=build/random-qwen2-0.5b

die() {
    echo "cpu-vs-llamacpp.sh: $2" >&2
    exit "$1"
}

while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die 2 "$1 needs a value (see the options at the top of benchmarks/cpu-vs-llamacpp.sh)"
    case $1 in
        --out) out=$2 ;;
        --models) models=$2 ;;
        --chains) chains=$2 ;;
        --prompt-len) prompt_len=$2 ;;
        --gen-len) gen_len=$2 ;;
        --sweep) sweep=$2 ;;
        --sweep-chains) sweep_chains=$2 ;;
        --threads) threads=$2 ;;
        *) die 2 "unknown option $1 (see the options at the top of benchmarks/cpu-vs-llamacpp.sh)" ;;
    esac
    shift 2
done
for value in "$chains" "$prompt_len" "$gen_len" "$sweep_chains" "$threads"; do
    [[ $value =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die 2 "chains, lengths and threads are whole numbers of at least 1, got $value"
done
[ "$sweep" = none ] || [[ $sweep =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die 2 "--sweep is a list of chain lengths or none, got $sweep"

command -v node >/dev/null || die 3 "node is not on PATH: the llama.cpp peer needs node 20"
[ -d benchmarks/llamacpp/node_modules/node-llama-cpp ] \
    || die 3 "node-llama-cpp is not installed: run npm ci in benchmarks/llamacpp (docs/llamacpp.md)"
"$python" -c "import numpy, onnx" 2>/dev/null || die 3 "$python cannot import numpy and onnx: apt-get install python3-numpy python3-onnx"

mkdir -p "$out"
results=$out/results.jsonl
: >"$results"

# step LOG COMMAND...: runs the command with its output in LOG; stops the run, naming the log, when it fails
step() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 || die 1 "failed: $* (its output: $log)"
}

# record ENGINE MODEL WEIGHTS CHAINS PROMPT NEW TOKENS_PER_S: one line of results.jsonl
record() {
    printf '{"engine":"%s","model":"%s","weights":"%s","chains":%d,"prompt":%d,"new":%d,"tps":%s}\n' "$@" >>"$results"
}

# reason_run NAME MODEL ONNX WEIGHTS PARALLEL PROMPT NEW: reason throughput, one result line per number of chains
reason_run() {
    local name=$1 model=$2 onnx=$3 weights=$4 parallel=$5 p=$6 g=$7
    local dir=$out/reason-$name-$weights-p$p-g$g
    step "$dir.log" "$reason" throughput --model "$model" --onnx "$onnx" --parallel "$parallel" --prompt-len "$p" \
        --gen-len "$g" --threads "$threads" --out "$dir"
    while IFS=, read -r device n tps _; do
        if [ "$device" = cpu ]; then
            record reason "$name" "$weights" "$n" "$p" "$g" "$tps"
        fi
    done <"$dir/throughput.csv"
}

# llama_run NAME GGUF WEIGHTS CHAINS PROMPT NEW: decode.mjs once
llama_run() {
    local name=$1 gguf=$2 weights=$3 n=$4 p=$5 g=$6
    local log=$out/llamacpp-$name-$weights-c$n-p$p-g$g.log
    step "$log" node benchmarks/llamacpp/decode.mjs --model "$gguf" --chains "$n" --prompt-len "$p" --gen-len "$g" \
        --threads "$threads"
    record llama.cpp "$name" "$weights" "$n" "$p" "$g" "$(tail -n 1 "$log" | grep -o '"decode_tokens_per_s":[0-9.]*' | cut -d: -f2)"
}

IFS=, read -ra model_list <<<"$models"
for model in "${model_list[@]}"; do
    name=$(basename "$model")
    if [ "$model" = "$random_qwen" ] && [ ! -s "$model/SHA256SUMS" ]; then
        mkdir -p build
        step "$out/random-qwen2-0.5b.log" "$python" models/recipe/random_model.py --shape qwen2-0.5b --seed 1 \
            --no-reference --out "$model"
    fi
    [ -f "$model/model.onnx" ] && [ -f "$model/model.safetensors" ] \
        || die 3 "$model has no model.onnx and model.safetensors: pass model directories the recipe wrote"
    for type in F32 Q8_0; do
        gguf=build/gguf/$name-$type.gguf
        [ -s "$gguf" ] || step "$out/gguf-$name-$type.log" "$python" models/recipe/gguf_export.py --model-dir "$model" \
            --type "${type,,}" --out "$gguf"
    done
    int8=build/int8/$name/model_quantized.onnx
    if [ ! -s "$int8" ]; then
        mkdir -p "$(dirname "$int8")"
        step "$out/int8-$name.log" "$python" models/recipe/quantize.py --model "$model/model.onnx" --scheme int8 --out "$int8"
    fi

    reason_run "$name" "$model" "$model/model.onnx" fp32 "$chains" "$prompt_len" "$gen_len"
    reason_run "$name" "$model" "$int8" int8 "$chains" "$prompt_len" "$gen_len"
    IFS=, read -ra chain_list <<<"$chains"
    for n in "${chain_list[@]}"; do
        llama_run "$name" "build/gguf/$name-F32.gguf" fp32 "$n" "$prompt_len" "$gen_len"
        llama_run "$name" "build/gguf/$name-Q8_0.gguf" int8 "$n" "$prompt_len" "$gen_len"
    done

    [ "$sweep" = none ] && continue
    context=$("$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['max_position_embeddings'])" "$model/config.json")
    IFS=, read -ra sweep_list <<<"$sweep"
    for length in "${sweep_list[@]}"; do
        if [ "$length" -gt "$context" ] || [ "$length" -le "$prompt_len" ]; then
            echo "$name: no sweep row for chains of $length tokens (context $context, prompt $prompt_len)" >&2
            continue
        fi
        reason_run "$name" "$model" "$model/model.onnx" fp32 "$sweep_chains" "$prompt_len" $((length - prompt_len))
        llama_run "$name" "build/gguf/$name-F32.gguf" fp32 "$sweep_chains" "$prompt_len" $((length - prompt_len))
    done
done

"$python" - "$results" "$threads" >"$out/table.md" <<'PY'
import json, os, platform, sys

rows, threads = [json.loads(line) for line in open(sys.argv[1])], sys.argv[2]
tps = {(r["engine"], r["model"], r["weights"], r["chains"], r["prompt"], r["new"]): float(r["tps"]) for r in rows}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
peer = json.load(open("benchmarks/llamacpp/package-lock.json"))["packages"]["node_modules/node-llama-cpp"]["version"]
print("Decode tokens/s, %s threads each, on %s (%s cores); llama.cpp through node-llama-cpp %s with its defaults "
      "(fp16 KV cache, flash attention auto). A step decodes one token of every chain." % (threads, cpu,
      os.cpu_count(), peer))
print()
print("| model | weights (reason / llama.cpp) | chains | prompt + new tokens | reason tok/s | llama.cpp tok/s "
      "| reason / llama.cpp | ms a step (reason / llama.cpp) |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
labels = {"fp32": "fp32 / F32", "int8": "int8 / Q8_0"}


def number(x):  # three significant figures or more: 0.72, 8.8, 624, 11216
    return "%.0f" % x if x >= 100 else "%.3g" % x


for key in dict.fromkeys(k[1:] for k in tps):
    model, weights, chains, prompt, new = key
    ours, theirs = tps.get(("reason",) + key), tps.get(("llama.cpp",) + key)
    if ours is None or theirs is None:
        continue
    print("| %s | %s | %d | %d + %d | %s | %s | %.2fx | %s / %s |" % (model, labels[weights], chains, prompt, new,
          number(ours), number(theirs), ours / theirs, number(1000 * chains / ours), number(1000 * chains / theirs)))
PY
cat "$out/table.md"
