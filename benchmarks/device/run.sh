#!/usr/bin/env bash
# Measures reason on the rented GPU machine: correctness of the CUDA engine against ONNX Runtime, accuracy on
# the held-out arithmetic set, and decode throughput against Hugging Face transformers on a Qwen2-0.5B-shape
# model. Runs anywhere; without a GPU every CUDA step says "skipped: no GPU (...)" and CPU smoke runs stand in.
#
#   bash benchmarks/device/run.sh [steps...]        (from the repository root, with the bundle carried)
#
# Steps, in this order by default: models tests check throughput hf tune bench profile check-large throughput-cpu
# ncu.
# What the issue asks to be shown comes first (a session gets about one call of this script: 15 minutes of device
# time, the machine's start included); the rest explains or extends it. Before the steps the bundle is unpacked,
# the machine described and the CUDA engine probed; after them the results are packed and a short summary is
# printed, last.
#   models      random test models from models/recipe/random_model.py: llama-small and qwen2-tiny (correctness),
#               qwen2-0.5b (throughput; GPU machine only, about 2 GB, in the work folder, never under $OUT); all
#               made in the background while tests and check run, which time nothing
#   tests       the GPU tests (CudaEngineTest, DeviceSamplerTest, CudaAvailabilityTest) with the bundle's bin/junit;
#               on a GPU machine a test that finds no CUDA counts as a failure
#   check       reason check --precision fp32|bf16 on reason-mini, llama-small, qwen2-tiny (GPU only)
#   throughput  reason throughput: cuda on the 0.5B shape at 1,16,64,256 chains; cpu,cuda on reason-mini
#   hf          benchmarks/device/hf_generate.py: transformers bf16 on the same 0.5B-shape weights (GPU only)
#   tune        the throughput table's 64-chain row again under other launch settings (cuda/Tuning.java: split-K's
#               shortest part and blocks, attention's warps, sampling's blocks), one changed at a time, then the fastest of
#               each together (the whole table, and reason check on reason-mini and the 0.5B shape) and the defaults
#               again: which the defaults should be, with what making them so would give and whether it still passes
#   bench       reason bench --device cuda --dataset arithmetic --samples 16 --no-greedy (it resumes where a
#               killed run stopped)
#   profile     the 0.5B shape at 1,64 chains launching kernel by kernel (REASON_CUDA_GRAPHS=0: what the decode
#               step's CUDA graph gains) and with every kernel timed (REASON_CUDA_PROFILE=1: kernels.csv, where a
#               decode step's time goes)
#   check-large reason check on the committed tiny-qwen3 (Qwen3's per-head q/k norms), then on the 0.5B shape
#               itself, fp32 and bf16, 5 prompts of 8 steps (its 152k vocabulary and large GEMMs; ONNX Runtime's CPU
#               reference is slow at that size, so few prompts)
#   throughput-cpu  reason throughput --device cpu on the 0.5B shape at 1,16 chains, 64 new tokens (for scale)
#   ncu         Nsight Compute's speed of light (duration, DRAM and SM throughput as shares of the peak) of every
#               kernel of one decode step of the 0.5B shape at 64 chains, when ncu is there and reads the counters
#               (--clock-control none: the card's clocks are left as they are); then the sampling kernels and attention
#               alone with the occupancy, scheduler and warp-state sections (ncu-detail-qwen-64.csv)
#
# Outputs: $OUT/run.log (these progress lines), $OUT/summary.md and summary.json (the table), and
# $OUT/results.tar.gz (every step's log and result files). The device tool returns at most 8 files, so the
# detailed results travel as one archive. Both the archive and the summary (marked PARTIAL) are also written after
# every step, so a call cut off before its end still returns what it finished. Without $OUT (this machine) they go
# to benchmarks/device/out/.
#
# It stays inside one device command (10 minutes): each step runs under `timeout` with the smaller of its own cap
# and what is left of REASON_DEVICE_BUDGET_S (default 560 s from the start), so that a step that hangs cannot
# take the rest of the run with it; steps that no longer fit are skipped. When the probe (one short question on
# the CUDA engine) fails, it is run again with REASON_CUDA_DEBUG=1 and REASON_DEBUG=1, which name the failing
# kernel and print the stack trace (logs/probe-debug.log); when it hangs, that run ends with a JVM thread dump
# (SIGQUIT) and the CUDA steps are skipped, unless that second run answers. State lives in REASON_DEVICE_WORK
# (default /tmp/reason-device): on a machine still warm from an earlier call with the same bundle, finished steps
# are not repeated (FORCE=1 repeats them) and the bench resumes; with another bundle the earlier results and logs
# are moved aside to earlier-<time>/ (the models stay).
#
# Environment: OUT, REASON_DEVICE_WORK, REASON_DEVICE_BUDGET_S, FORCE, REASON_DEVICE_CHECK_MODELS (the models the
# check step takes, default "reason-mini llama-small qwen2-tiny"), REASON_DEVICE_CPU_ONLY=1 (act as if no GPU),
# REASON_BUNDLE (tarball, default benchmarks/device/bundle/reason-device.tar.xz), REASON_RANDOM_MODEL (default
# models/recipe/random_model.py), PYTHON (python3 with torch, for models and hf).
set -uo pipefail

T0=$(date +%s)
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo" || exit 1
OUT="${OUT:-$repo/benchmarks/device/out}"
WORK="${REASON_DEVICE_WORK:-/tmp/reason-device}"
BUDGET="${REASON_DEVICE_BUDGET_S:-560}"
RESERVE=40 # seconds kept for a step's SIGKILL grace (20), packing and the summary
R="$WORK/results"
LOGS="$WORK/logs"
STATUS="$WORK/status.tsv"
ENVF="$WORK/env.txt"
MINI="$repo/models/reason-mini"
QWEN="$WORK/models/qwen2-0.5b"

all_steps=(models tests check throughput hf tune bench profile check-large throughput-cpu ncu)
read -r -a check_models <<< "${REASON_DEVICE_CHECK_MODELS:-reason-mini llama-small qwen2-tiny}"
steps=()
for s in "$@"; do
  case " ${all_steps[*]} " in
    *" $s "*) steps+=("$s") ;;
    *) echo "run.sh: unknown step '$s': choose from ${all_steps[*]} (default: all)" >&2; exit 2 ;;
  esac
done
[ ${#steps[@]} -gt 0 ] || steps=("${all_steps[@]}")
mkdir -p "$OUT" "$R" "$LOGS" "$WORK/models"
: > "$OUT/run.log"

now() { date +%s; }
say() { printf '[%4ds] %s\n' "$(( $(now) - T0 ))" "$*" | tee -a "$OUT/run.log"; }
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >> "$STATUS"; } # key status rc seconds note
skip() { say "$1: skipped: $2"; record "$1" skipped - 0 "$2"; }
wants() { case " ${steps[*]} " in *" $1 "*) return 0 ;; esac; return 1; }
left() { echo $(( T0 + BUDGET - RESERVE - $(now) )); }
# done_before KEY FILE: KEY finished ok in an earlier run on this machine and FILE is still there.
done_before() {
  [ "${FORCE:-0}" != 1 ] && [ -e "$2" ] && [ -f "$STATUS" ] \
    && awk -F'\t' -v k="$1" '$1 == k { s = $2 } END { exit s == "ok" ? 0 : 1 }' "$STATUS"
}
tail_log() { tail -n "${2:-6}" "$1" 2>/dev/null | cut -c1-200 | sed 's/^/        /' | tee -a "$OUT/run.log"; }

# fits KEY MIN_SECONDS: whether MIN_SECONDS are left of the budget; if not, records KEY as skipped. Steps ask
# before they clear an earlier run's results, so that a step skipped for time loses nothing.
fits() {
  local limit
  limit=$(left)
  [ "$limit" -ge "$2" ] && return 0
  skip "$1" "not enough time left (${limit}s of the budget, needs about ${2}s): run again on the warm machine"
  return 1
}

# pack: every step's logs and results into $OUT/results.tar.gz, replaced whole (the SVG charts stay behind, the
# PNGs come back: the device tool returns files of at most 16 MiB). checkpoint STEP: that, and a summary marked
# partial, after each step, so that a call the device tool cuts short (its limit shrinks when the machine's start
# took long) still brings back everything finished before; the final summary replaces it.
SUMPY="$(command -v python3 || echo /usr/bin/python3)"
pack() {
  local parts=() p
  for p in results logs status.tsv env.txt; do [ ! -e "$WORK/$p" ] || parts+=("$p"); done
  tar -C "$WORK" --exclude='*.svg' -czf "$OUT/results.tar.gz.part" "${parts[@]}" 2>> "$OUT/run.log"
  [ $? -le 1 ] && mv -f "$OUT/results.tar.gz.part" "$OUT/results.tar.gz"  # 1: a log grew while it was read
  rm -f "$OUT/results.tar.gz.part"
}
checkpoint() {
  wants "$1" || return 0
  pack
  "$SUMPY" "$repo/benchmarks/device/summarize.py" --work "$WORK" --repo "$repo" --out "$OUT" --partial "$1" --quiet \
    2>> "$OUT/run.log"
}

# run_step KEY MIN_SECONDS CAP_SECONDS LOG COMMAND...: runs COMMAND for at most CAP_SECONDS and what is left of
# the budget, records the outcome and returns COMMAND's exit status (99: skipped for want of time).
# SIGINT first (reason bench then finishes the problem at hand and keeps results.jsonl whole), SIGKILL 20 s later.
run_step() {
  local key=$1 min=$2 cap=$3 log=$4 t rc dt limit
  shift 4
  fits "$key" "$min" || return 99
  limit=$(left)
  [ "$limit" -le "$cap" ] || limit=$cap
  say "$key: running (at most ${limit}s), log ${log#"$WORK"/}"
  t=$(now)
  timeout -s INT -k 20 "$limit" "$@" > "$log" 2>&1
  rc=$?
  dt=$(( $(now) - t ))
  if [ "$rc" -eq 0 ]; then
    say "$key: ok (${dt}s)"
    record "$key" ok 0 "$dt"
  elif { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && [ "$dt" -ge "$limit" ]; then
    say "$key: timed out after ${dt}s; last lines:"
    tail_log "$log"
    record "$key" timeout "$rc" "$dt" "timed out"
  else
    say "$key: FAILED with exit $rc (${dt}s); last lines:"
    tail_log "$log"
    record "$key" fail "$rc" "$dt" "$(grep -v '^\s*$' "$log" | tail -n 1 | cut -c1-160 | tr '\t' ' ')"
  fi
  return "$rc"
}

# ---------------------------------------------------------------------------------------------------------
# The machine, the bundle, the tools.
say "reason device run: steps ${steps[*]}; work folder $WORK; results to $OUT"
: > "$ENVF"
envset() { printf '%s=%s\n' "$1" "$2" >> "$ENVF"; }
envset date "$(date -u +%Y-%m-%d)"
gpu=0
if [ "${REASON_DEVICE_CPU_ONLY:-0}" = 1 ]; then
  gpu_note="REASON_DEVICE_CPU_ONLY=1"
elif ! command -v nvidia-smi > /dev/null 2>&1; then
  gpu_note="nvidia-smi not found"
elif ! timeout 20 nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
  gpu_note="nvidia-smi lists no GPU"
else
  gpu=1
  gpu_note=""
fi
envset gpu "$gpu"
envset gpu_note "$gpu_note"
say "machine: $(uname -m), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) memory, $(df -h "$WORK" | awk 'NR == 2 { print $4 }') free in $WORK"
if [ "$gpu" = 1 ]; then
  q="$(timeout 20 nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,power.limit --format=csv,noheader 2>/dev/null | head -1)"
  cuda_v="$(timeout 20 nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' | awk '{ print $3 }')"
  say "gpu: $q; CUDA $cuda_v"
  envset gpu_name "$(printf '%s' "$q" | cut -d, -f1)"
  envset driver "$(printf '%s' "$q" | cut -d, -f3 | tr -d ' ')"
  envset cuda "$cuda_v"
else
  say "gpu: none ($gpu_note): CUDA steps are skipped, CPU smoke runs stand in"
fi

bundle_tar="${REASON_BUNDLE:-$repo/benchmarks/device/bundle/reason-device.tar.xz}"
B="$WORK/bundle/reason-device"
BIN="$B/bin/reason"
have_bin=0
if [ -f "$bundle_tar" ]; then
  sum="$(md5sum < "$bundle_tar" | cut -c1-32)"
  if [ -x "$BIN" ] && [ "$(cat "$WORK/bundle.md5" 2>/dev/null)" = "$sum" ]; then
    say "bundle: reusing $WORK/bundle (same tarball)"
    have_bin=1
  else
    t=$(now)
    if [ -s "$STATUS" ]; then  # an earlier run's results come from another build: never credit them to this one
      old="$WORK/earlier-$(date +%Y%m%d-%H%M%S)"
      mkdir -p "$old" && mv "$R" "$LOGS" "$STATUS" "$old/" && mkdir -p "$R" "$LOGS"
      say "bundle: not the build of the last run on this machine; its results and logs moved to $old"
    fi
    rm -rf "$WORK/bundle" "$WORK/bundle.md5"
    mkdir -p "$WORK/bundle"
    if command -v xz > /dev/null 2>&1; then
      unpack=(tar -C "$WORK/bundle" -xJf "$bundle_tar")
    else # no xz program: Python's lzma reads the same file
      unpack=(python3 -c 'import sys, tarfile
with tarfile.open(sys.argv[1], "r:xz") as t:
    t.extractall(sys.argv[2], **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))' "$bundle_tar" "$WORK/bundle")
    fi
    if "${unpack[@]}"; then
      echo "$sum" > "$WORK/bundle.md5"
      have_bin=1
      say "bundle: unpacked $(du -h "$bundle_tar" | cut -f1) into $WORK/bundle in $(( $(now) - t ))s"
    else
      say "bundle: could not unpack $bundle_tar"
    fi
  fi
else
  say "bundle: $bundle_tar is missing: build it with 'bash benchmarks/device/build-bundle.sh --no-model' and carry benchmarks/device/bundle; steps that run reason are skipped"
fi
no_bin="no bundle (benchmarks/device/bundle/reason-device.tar.xz)"
has_check=0
if [ "$have_bin" = 1 ]; then
  say "bundle: $(grep '^built:' "$B/BUNDLE.txt" 2>/dev/null | cut -d' ' -f2-)"
  envset bundle "$(grep '^built:' "$B/BUNDLE.txt" 2>/dev/null | awk '{ print $4 }')"
  say "java: $(timeout 30 "$B/jre/bin/java" -version 2>&1 | head -1); $(timeout 30 "$BIN" --version 2>&1 | head -1)"
  say "$(timeout 60 "$BIN" --version 2>&1 | grep -m 1 '^cuda: ' || echo 'cuda: (this build does not say)')"
  if timeout 30 "$BIN" --help 2>/dev/null | grep -qE '^\s+check\b'; then has_check=1; fi
  envset has_check "$has_check"
  if ldd "$B/jre/lib/libfontmanager.so" > /dev/null 2>&1 && ! LD_LIBRARY_PATH="$B/jre/lib:$B/jre/lib/server" ldd "$B/jre/lib/libfontmanager.so" 2>&1 | grep -v libjvm | grep -q 'not found'; then
    say "fonts: the system has FreeType and HarfBuzz (the bundle's lib/sys copies are not needed here)"
  else
    say "fonts: the system lacks FreeType or HarfBuzz: bin/reason uses the bundle's lib/sys copies"
  fi
fi

PY=""
for p in ${PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$p" > /dev/null 2>&1 && "$p" -c 'import torch' > /dev/null 2>&1; then PY="$(command -v "$p")"; break; fi
done
have_tf=0
if [ -n "$PY" ]; then
  vers="$("$PY" - 2>/dev/null <<'EOF'
import importlib
out = []
for m in ("torch", "transformers", "onnxruntime", "onnx"):
    try:
        out.append("%s %s" % (m, importlib.import_module(m).__version__))
    except Exception:
        out.append("%s -" % m)
print(", ".join(out))
EOF
)"
  say "python: $PY ($vers)"
  case "$vers" in *"transformers -"*) ;; *) have_tf=1 ;; esac
else
  say "python: no python3 with torch (set PYTHON): models and hf are skipped"
fi
envset python "$PY"

# The probe: one short question on the CUDA engine. If it fails, once more with every launch synchronized
# (REASON_CUDA_DEBUG=1 names the kernel) and the stack trace (REASON_DEBUG=1); if it hangs, that second run ends
# with a JVM thread dump (SIGQUIT: where the engine waits), and no CUDA step is started (each would hang too).
cuda_hung=0
if [ "$gpu" = 1 ] && [ "$have_bin" = 1 ]; then
  probe_args=(--device cuda --budget 1x --quiet --model "$MINI" "What is 2 + 3?")
  t=$(now)
  timeout -k 10 60 "$BIN" "${probe_args[@]}" > "$LOGS/probe.log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    envset cuda_engine yes
    say "cuda engine: answers (exit 0, $(( $(now) - t ))s)"
  else
    [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && cuda_hung=1
    envset cuda_engine "no (exit $rc$([ "$cuda_hung" = 1 ] && echo ', hung'))"
    say "cuda engine: exit $rc$([ "$cuda_hung" = 1 ] && echo ' (no answer in 60s)'): $(grep -v '^\s*$' "$LOGS/probe.log" | tail -n 1 | cut -c1-200)"
    say "cuda engine: again with REASON_CUDA_DEBUG=1 REASON_DEBUG=1, log logs/probe-debug.log"
    REASON_CUDA_DEBUG=1 REASON_DEBUG=1 timeout -s QUIT -k 15 60 "$BIN" "${probe_args[@]}" > "$LOGS/probe-debug.log" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then  # a slow first start (the driver compiling PTX for a newer GPU, say), not a hang
      cuda_hung=0
      envset cuda_engine "yes (the second try answered)"
      say "cuda engine: the debug run answers (exit 0): CUDA steps go ahead"
    else
      say "cuda engine: debug run exit $rc; the error and the engine's frames (of the thread dump, if it hung):"
      { grep -m 6 -E 'reason: |Exception|Error:|CUDA_ERROR|failed' "$LOGS/probe-debug.log"
        grep -m 6 -E 'at dev[.]reason[.]cuda[.]' "$LOGS/probe-debug.log"; } | tail_log /dev/stdin 12
    fi
  fi
fi
no_cuda_reason() { # why a CUDA step cannot run here, or nothing
  if [ "$gpu" = 0 ]; then echo "no GPU ($gpu_note)"
  elif [ "$have_bin" = 0 ]; then echo "$no_bin"
  elif [ "$cuda_hung" = 1 ]; then echo "the CUDA engine hung in the probe (logs/probe-debug.log has a thread dump)"
  fi
}

# ---------------------------------------------------------------------------------------------------------
# models: random test models with the recipe's random_model.py, each made in the background while the tests and
# the checks of the shipped model run (they time nothing); a step that needs one waits for it, and every job is
# done before the first step that times something. No reference_logits.json for the large ones: reason check
# compares with ONNX Runtime itself (here, 2 cores: llama-small 10 s, the 0.5B shape 36 s). Their graphs come from
# the recipe's onnx_graph.py (--exporter onnx), the kind BuiltGraphTest checks against PyTorch here, not from that
# machine's torch (2.11), whose TorchScript exporter is deprecated and untried here.
model_dir() { # the committed fixtures as they are, the others as the models step makes them
  case "$1" in
    reason-mini) echo "$MINI" ;;
    qwen3-tiny) echo "$repo/src/test/resources/models/tiny-qwen3" ;;
    *) echo "$WORK/models/$1" ;;
  esac
}
RM="${REASON_RANDOM_MODEL:-$repo/models/recipe/random_model.py}"
make_model() { # NAME GPU_ONLY MIN_SECONDS CAP_SECONDS ARGS...
  local name=$1 gpu_only=$2 min=$3 cap=$4 dir
  dir="$(model_dir "$1")"
  shift 4
  if [ -f "$dir/config.json" ] && [ -f "$dir/model.onnx" ] && [ "${FORCE:-0}" != 1 ]; then
    say "model:$name: exists ($dir)"
    return 0
  fi
  if [ "$gpu_only" = 1 ] && [ "$gpu" = 0 ]; then skip "model:$name" "no GPU ($gpu_note): made only on the GPU machine"; return 0; fi
  if [ ! -f "$RM" ]; then skip "model:$name" "${RM#"$repo"/} not found"; return 0; fi
  if [ -z "$PY" ]; then skip "model:$name" "no python3 with torch"; return 0; fi
  fits "model:$name" "$min" || return 0
  rm -rf "$dir" "$dir.part"
  if run_step "model:$name" "$min" "$cap" "$LOGS/model-$name.log" "$PY" "$RM" "$@" --out "$dir.part"; then
    mv "$dir.part" "$dir"
    say "model:$name: $(du -sh "$dir" | cut -f1) in $dir"
  fi
}
declare -A model_jobs=()
if wants models; then
  make_model qwen2-0.5b 1 120 400 --arch qwen2 --shape qwen2-0.5b --seed 3 --external-data --no-reference --exporter onnx &
  model_jobs[qwen2-0.5b]=$!
  if [[ " ${check_models[*]} " == *" llama-small "* ]]; then
    make_model llama-small 0 20 240 --arch llama --shape llama-small --seed 1 --no-reference --exporter onnx &
    model_jobs[llama-small]=$!
  fi
  make_model qwen2-tiny 0 20 120 --arch qwen2 --shape tiny --seed 2 --exporter onnx &
  model_jobs[qwen2-tiny]=$!
fi
# model_ready NAME: waits for NAME's background job, if any, then says whether the model is there.
model_ready() {
  local pid="${model_jobs[$1]:-}"
  if [ -n "$pid" ]; then
    ! kill -0 "$pid" 2>/dev/null || say "model:$1: waiting for the background job"
    wait "$pid"
    unset "model_jobs[$1]"
  fi
  [ -f "$(model_dir "$1")/model.onnx" ]
}
qwen_ready() { model_ready qwen2-0.5b; }
# settle_models: no background job left (before steps that time something, and at the end).
settle_models() {
  local name
  for name in "${!model_jobs[@]}"; do model_ready "$name" || true; done
}

# ---------------------------------------------------------------------------------------------------------
# tests: the project's GPU tests, run by JUnit's console launcher from the bundle (bin/junit), in the repository
# root (they read models/ and src/test/resources/). On a GPU machine a test that finds no CUDA is a failure: the
# probe found it. Without a GPU they run as a smoke test of the launcher.
if wants tests; then
  if [ "$have_bin" = 0 ]; then skip tests "$no_bin"
  elif [ ! -x "$B/bin/junit" ]; then skip tests "this bundle has no bin/junit (build it again with build-bundle.sh)"
  elif [ "$cuda_hung" = 1 ]; then skip tests "$(no_cuda_reason)"
  elif done_before tests "$R/tests/TEST-junit-jupiter.xml"; then say "tests: done earlier"
  elif fits tests 30; then
    rm -rf "$R/tests" "$LOGS/tests.log"
    run_step tests 30 240 "$LOGS/tests.log" "$B/bin/junit" --select-class dev.reason.engine.cuda.CudaEngineTest \
      --select-class dev.reason.engine.cuda.DeviceSamplerTest --select-class dev.reason.engine.cuda.CudaAvailabilityTest \
      --details tree --reports-dir "$R/tests"
    grep -E 'tests (successful|skipped|aborted|failed)' "$LOGS/tests.log" | sed 's/^/        /' | tee -a "$OUT/run.log"
    # A GPU test that finds no CUDA aborts on its assumption "no CUDA here" (an aborted test in the launcher's
    # count, a skipped one in the XML). Others abort by design where CUDA works (the no-CUDA error message test).
    no_cuda="$(grep -c 'Assumption failed: no CUDA here' "$LOGS/tests.log")"
    if [ "$gpu" = 1 ] && [ "${no_cuda:-0}" -gt 0 ]; then
      say "tests: $no_cuda GPU tests found no CUDA on a GPU machine, which counts as a failure"
      record tests fail 1 0 "$no_cuda GPU tests found no CUDA on a GPU machine"
    fi
  fi
fi
checkpoint tests

# ---------------------------------------------------------------------------------------------------------
# check: the CUDA engine against ONNX Runtime on the CPU, per model and precision.
# check_model KEY MODEL_DIR JSON CAP_SECONDS ARGS...
check_model() {
  local key=$1 dir=$2 json=$3 cap=$4 why log
  shift 4
  log="$LOGS/${json##*/}"
  log="${log%.json}.log"
  why="$(no_cuda_reason)"
  if [ -n "$why" ]; then skip "$key" "$why"; return 0; fi
  if [ "$has_check" = 0 ]; then skip "$key" "this build has no 'reason check' command"; return 0; fi
  if [ ! -f "$dir/model.onnx" ]; then skip "$key" "no model in $dir (step models)"; return 0; fi
  if done_before "$key" "$json"; then say "$key: done earlier"; return 0; fi
  fits "$key" 30 || return 0
  rm -f "$json"
  run_step "$key" 30 "$cap" "$log" "$BIN" check --model "$dir" --json "$json" "$@"
}
if wants check; then
  for m in "${check_models[@]}"; do
    [ -n "$(no_cuda_reason)" ] || model_ready "$m" || true  # check_model says so when the model is missing
    for p in fp32 bf16; do
      check_model "check:$m:$p" "$(model_dir "$m")" "$R/check-$m-$p.json" 150 --precision "$p" --prompts 50
    done
  done
fi
checkpoint check

# From here on steps time things (and the rest need the models): no background job may share the CPU.
settle_models

# ---------------------------------------------------------------------------------------------------------
# throughput: reason throughput (decode and prefill tokens/s per number of chains).
# A device the command cannot open is reported as "DEVICE: not measured (...)", exit 4 (the other devices' rows
# are still printed and written): the step fails with that line as its note.
throughput() { # KEY DEVICES MIN_SECONDS CAP_SECONDS OUTDIR ARGS...
  local key=$1 devices=$2 min=$3 cap=$4 dir=$5 log="$LOGS/${1//:/-}.log"
  shift 5
  if done_before "$key" "$dir/throughput.csv"; then say "$key: done earlier"; return 0; fi
  fits "$key" "$min" || return 0
  rm -rf "$dir"
  run_step "$key" "$min" "$cap" "$log" "$BIN" throughput --device "$devices" --out "$dir" "$@"
  [ $? -ne 99 ] || return 0
  local miss
  miss="$(grep -E '^[a-z]+: not measured' "$log" | head -1)"
  if [ -n "$miss" ]; then
    say "$key: $miss"
    record "$key" fail 4 0 "$miss"
  fi
  grep -E '^\| (cpu|cuda) \|' "$log" | sed 's/^/        /' | tee -a "$OUT/run.log"
}
# qwen_cuda KEY: whether a CUDA step on the 0.5B shape can run; if not, records why.
qwen_cuda() {
  local why
  why="$(no_cuda_reason)"
  if [ -n "$why" ]; then skip "$1" "$why"; return 1; fi
  if ! qwen_ready; then skip "$1" "no Qwen2-0.5B-shape model (step models)"; return 1; fi
}
if wants throughput; then
  if qwen_cuda throughput:qwen-cuda; then
    throughput throughput:qwen-cuda cuda 60 240 "$R/throughput-qwen" --model "$QWEN" --parallel 1,16,64,256 \
      --prompt-len 128 --gen-len 256
  fi
  why="$(no_cuda_reason)"
  if [ -z "$why" ]; then
    throughput throughput:mini cpu,cuda 60 180 "$R/throughput-mini" --model "$MINI" --parallel 1,16,64,256 \
      --prompt-len 128 --gen-len 256
  else
    skip throughput:mini "$why; a CPU smoke run instead"
    [ "$have_bin" = 1 ] && throughput throughput:mini-cpu-smoke cpu 30 120 "$R/throughput-mini-cpu-smoke" \
      --model "$MINI" --parallel 1,16 --prompt-len 128 --gen-len 32
  fi
fi
checkpoint throughput

# ---------------------------------------------------------------------------------------------------------
# hf: transformers on the same weights, same shape of work.
if wants hf; then
  if [ "$gpu" = 0 ]; then skip hf:qwen "no GPU ($gpu_note)"
  elif [ -z "$PY" ]; then skip hf:qwen "no python3 with torch"
  elif [ "$have_tf" = 0 ]; then skip hf:qwen "transformers is not installed for $PY"
  elif ! qwen_ready; then skip hf:qwen "no Qwen2-0.5B-shape model (step models)"
  elif done_before hf:qwen "$R/hf-qwen.csv"; then say "hf:qwen: done earlier"
  elif fits hf:qwen 60; then
    rm -f "$R/hf-qwen.csv"
    PYTHONUNBUFFERED=1 run_step hf:qwen 60 300 "$LOGS/hf-qwen.log" "$PY" "$repo/benchmarks/device/hf_generate.py" \
      --model "$QWEN" --parallel 1,16,64,256 --prompt-len 128 --gen-len 256 --out "$R/hf-qwen.csv"
    grep '^{' "$LOGS/hf-qwen.log" 2>/dev/null | cut -c1-160 | sed 's/^/        /' | tee -a "$OUT/run.log"
  fi
fi
checkpoint hf

# ---------------------------------------------------------------------------------------------------------
# tune: the throughput table's 64-chain row again under other launch settings (src/main/java/dev/reason/engine/cuda/
# Tuning.java), each set against transformers' figure of this run: the defaults, then one setting changed at a
# time, then each setting's fastest value together (when any beat the defaults; at 1 to 256 chains, the whole
# table), then the defaults again (how far two runs of the same settings drift), then reason check under the
# fastest values (tune_check). At 64 chains split-K aims for 2 blocks per multiprocessor (264): the q/k/v
# and o_proj GEMMs (18 and 14 output tiles) split into 3 parts of about 299 of K (its shortest part 256; 128 gives
# 7 parts, 64 gives 14), gate_up (152 tiles) into 2 (3 at 4 blocks per multiprocessor, 1 at 1), down_proj (14
# tiles) into 19 (10 at 1 block per multiprocessor); attention takes 16 warps a block (256 blocks); a draw cuts
# each row into 9 slices (4 blocks per multiprocessor).
tune_settings=(default: split-64:REASON_CUDA_SPLIT_MIN_K=64 split-128:REASON_CUDA_SPLIT_MIN_K=128
  split-512:REASON_CUDA_SPLIT_MIN_K=512 split-blocks-1:REASON_CUDA_SPLIT_BLOCKS=1
  split-blocks-4:REASON_CUDA_SPLIT_BLOCKS=4 attention-4:REASON_CUDA_ATTENTION_WARPS=4
  attention-8:REASON_CUDA_ATTENTION_WARPS=8 sample-2:REASON_CUDA_SAMPLE_BLOCKS=2
  sample-8:REASON_CUDA_SAMPLE_BLOCKS=8 sample-16:REASON_CUDA_SAMPLE_BLOCKS=16)
# tune_run NAME CHAINS [VAR=VALUE ...]: one run at CHAINS (a --parallel list), its settings written beside its
# throughput.csv.
tune_run() {
  local name=$1 chains=$2
  shift 2
  qwen_cuda "tune:$name" || return 0
  # a warm machine's earlier run of this name stands only if it had the same settings (best may differ)
  [ "$(cat "$R/tune-$name/settings.txt" 2>/dev/null)" = "$*" ] || rm -rf "$R/tune-$name"
  ( [ $# -eq 0 ] || export "$@"
    throughput "tune:$name" cuda 20 90 "$R/tune-$name" --model "$QWEN" --parallel "$chains" --prompt-len 128 \
      --gen-len 256 )
  [ ! -d "$R/tune-$name" ] || echo "$*" > "$R/tune-$name/settings.txt"
}
# tune_tps NAME: decode tok/s at 64 chains of that run, or nothing.
tune_tps() {
  awk -F, '$1 == "cuda" && $2 == 64 { print $3 }' "$R/tune-$1/throughput.csv" 2>/dev/null
}
# tune_check VAR=VALUE ...: reason check as the check steps run it, under those settings, on the shipped model and
# on the 0.5B shape (the one whose GEMMs the split settings change): the defaults may become them only if these
# pass too.
tune_check() {
  local m p dir prompts
  [ "$(cat "$R/tune-check-settings.txt" 2>/dev/null)" = "$*" ] || rm -f "$R"/tune-check-*.json
  echo "$*" > "$R/tune-check-settings.txt"
  for m in reason-mini qwen2-0.5b; do
    for p in fp32 bf16; do
      if [ "$m" = qwen2-0.5b ]; then
        qwen_cuda "tune-check:$m:$p" || continue
        dir=$QWEN prompts=(--prompts 5 --steps 8)
      else
        dir="$(model_dir "$m")" prompts=(--prompts 50)
      fi
      ( export "$@"
        check_model "tune-check:$m:$p" "$dir" "$R/tune-check-$m-$p.json" 150 --precision "$p" "${prompts[@]}" )
    done
  done
}
if wants tune; then
  for t in "${tune_settings[@]}"; do
    setting="${t#*:}"
    # shellcheck disable=SC2086  # no setting or one VAR=VALUE
    tune_run "${t%%:*}" 64 $setting
  done
  # each variable's fastest value, where it beat the defaults
  best=()
  for var in $(for t in "${tune_settings[@]}"; do s="${t#*:}"; [ -z "$s" ] || echo "${s%%=*}"; done | uniq); do
    top="$(tune_tps default)"
    pick=""
    for t in "${tune_settings[@]}"; do
      case "${t#*:}" in "$var="*) ;; *) continue ;; esac
      tps="$(tune_tps "${t%%:*}")"
      if [ -n "$tps" ] && [ -n "$top" ] && awk -v a="$tps" -v b="$top" 'BEGIN { exit !(a > b) }'; then
        top=$tps
        pick="${t#*:}"
      fi
    done
    [ -z "$pick" ] || best+=("$pick")
  done
  if [ ${#best[@]} -gt 0 ]; then
    tune_run best 1,16,64,256 "${best[@]}"  # the whole table, as the defaults would give it
    tune_run default-again 64
    tune_check "${best[@]}"
  elif [ -n "$(tune_tps default)" ]; then
    say "tune: no setting beat the defaults"
  fi
fi
checkpoint tune

# ---------------------------------------------------------------------------------------------------------
# bench: majority-of-16 accuracy on the held-out arithmetic set with the CUDA engine.
if wants bench; then
  dir="$R/bench-arith-cuda"
  why="$(no_cuda_reason)"
  if [ -n "$why" ]; then skip bench:arith-cuda "$why"
  elif done_before bench:arith-cuda "$dir/summary.json"; then say "bench:arith-cuda: done earlier"
  elif fits bench:arith-cuda 60; then
    resume=()
    if [ -s "$dir/results.jsonl" ]; then
      resume=(--resume)
      say "bench:arith-cuda: resuming after $(grep -c . "$dir/results.jsonl") problems"
    else
      rm -rf "$dir"
    fi
    run_step bench:arith-cuda 60 360 "$LOGS/bench-arith-cuda.log" "$BIN" bench --device cuda --dataset arithmetic \
      --samples 16 --no-greedy --model "$MINI" --out "$dir" "${resume[@]}"
    grep -E '^\| majority \| 16 \|' "$LOGS/bench-arith-cuda.log" 2>/dev/null | sed 's/^/        /' | tee -a "$OUT/run.log"
  fi
  if [ "$gpu" = 0 ] && [ "$have_bin" = 1 ]; then
    dir="$R/bench-arith-cpu-smoke"
    if done_before bench:arith-cpu-smoke "$dir/summary.json"; then say "bench:arith-cpu-smoke: done earlier"
    elif fits bench:arith-cpu-smoke 30; then
      rm -rf "$dir"
      run_step bench:arith-cpu-smoke 30 120 "$LOGS/bench-arith-cpu-smoke.log" "$BIN" bench --device cpu \
        --dataset arithmetic --samples 4 --limit 4 --no-greedy --model "$MINI" --out "$dir"
    fi
  fi
fi
checkpoint bench

# ---------------------------------------------------------------------------------------------------------
# profile: what the decode step's CUDA graph gains, and where a decode step's time goes.
if wants profile; then
  if qwen_cuda throughput:qwen-cuda-profile; then
    REASON_CUDA_PROFILE=1 throughput throughput:qwen-cuda-profile cuda 45 120 "$R/throughput-qwen-profile" \
      --model "$QWEN" --parallel 1,64 --prompt-len 128 --gen-len 64
  fi
  if qwen_cuda throughput:qwen-cuda-nographs; then
    REASON_CUDA_GRAPHS=0 throughput throughput:qwen-cuda-nographs cuda 45 120 "$R/throughput-qwen-nographs" \
      --model "$QWEN" --parallel 1,64 --prompt-len 128 --gen-len 256
  fi
fi
checkpoint profile

# ---------------------------------------------------------------------------------------------------------
# check-large: the CUDA engine against ONNX Runtime on the committed tiny-qwen3 (per-head q/k norms, beyond what
# the issue lists, so after its steps) and on the throughput model itself.
if wants check-large; then
  for p in fp32 bf16; do
    check_model "check:qwen3-tiny:$p" "$(model_dir qwen3-tiny)" "$R/check-qwen3-tiny-$p.json" 60 --precision "$p" --prompts 50
  done
  for p in fp32 bf16; do
    if qwen_cuda "check:qwen2-0.5b:$p"; then
      check_model "check:qwen2-0.5b:$p" "$QWEN" "$R/check-qwen2-0.5b-$p.json" 150 --precision "$p" --prompts 5 --steps 8
    fi
  done
fi
checkpoint check-large

# ---------------------------------------------------------------------------------------------------------
# throughput-cpu: ONNX Runtime on the 0.5B shape, for scale.
if wants throughput-cpu; then
  if [ "$gpu" = 0 ]; then skip throughput:qwen-cpu "no GPU ($gpu_note): the Qwen2-0.5B shape is made only on the GPU machine"
  elif [ "$have_bin" = 0 ]; then skip throughput:qwen-cpu "$no_bin"
  elif ! qwen_ready; then skip throughput:qwen-cpu "no Qwen2-0.5B-shape model (step models)"
  else
    throughput throughput:qwen-cpu cpu 90 180 "$R/throughput-qwen-cpu" --model "$QWEN" --parallel 1,16 \
      --prompt-len 128 --gen-len 64
  fi
fi
checkpoint throughput-cpu

# ---------------------------------------------------------------------------------------------------------
# ncu: why each kernel of a decode step takes its time. The run: one warm-up chain of 8 tokens (a prefill and 7
# decode steps of about 220 launches each on this shape since the fused reductions, 316 before), then 64 chains of
# 16 tokens; skipping 4,000 launches lands inside the 64 chains' decode steps. A step ends with its one sample_rows,
# and summarize.py keeps the whole steps between the first and the last in the window: 480 launches hold at least
# one whole step (the first run's 316, cut short by the time cap at 191, held none). About 0.4 s a launch. Kernel by
# kernel (no graph), so that every launch is its own kernel to profile.
if wants ncu; then
  ncu_bin="$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | sort -V | tail -1)"
  if [ -z "$ncu_bin" ]; then skip ncu:qwen-64 "ncu not found"
  elif qwen_cuda ncu:qwen-64; then
    csv="$R/ncu-qwen-64.csv"
    if done_before ncu:qwen-64 "$csv"; then say "ncu:qwen-64: done earlier"
    elif fits ncu:qwen-64 60; then
      rm -f "$csv"
      if REASON_CUDA_GRAPHS=0 run_step ncu:qwen-64 60 240 "$LOGS/ncu-qwen-64.log" "$ncu_bin" --target-processes all \
        --clock-control none --section SpeedOfLight --launch-skip 4000 --launch-count 480 --csv --page details \
        --print-units base --log-file "$csv" "$BIN" throughput --device cuda --model "$QWEN" --parallel 64 \
        --prompt-len 128 --gen-len 16 --out "$R/ncu-throughput" && ! grep -q '^"ID"' "$csv" 2>/dev/null; then
        say "ncu:qwen-64: no kernel profiled (the counters may be unreadable on this machine); see logs/ncu-qwen-64.log"
        record ncu:qwen-64 fail 1 0 "no kernel profiled"
      fi
    fi
    # ncu-detail: what the time of the sampling kernels and attention is made of (issue rate, stalls between a
    # warp's instructions, occupancy), which the speed of light above does not say. Only those kernels are counted:
    # 36 a step (24 attention, then sample_stats, five sample_search rounds each for top-p and the draw, and
    # sample_rows), so skipping the warm-up chain's 8 steps and the 64 chains' prefill and first draws (about 325)
    # lands in their decode, and 40 launches hold a step.
    csv="$R/ncu-detail-qwen-64.csv"
    if done_before ncu:detail-qwen-64 "$csv"; then say "ncu:detail-qwen-64: done earlier"
    elif fits ncu:detail-qwen-64 45; then
      rm -f "$csv"
      if REASON_CUDA_GRAPHS=0 run_step ncu:detail-qwen-64 45 150 "$LOGS/ncu-detail-qwen-64.log" "$ncu_bin" \
        --target-processes all --clock-control none --kernel-name regex:'^(sample_.*|attention_bf16.*)$' \
        --launch-skip 350 --launch-count 40 --section SpeedOfLight --section Occupancy --section SchedulerStats \
        --section WarpStateStats --section LaunchStats --csv --page details --print-units base --log-file "$csv" \
        "$BIN" throughput --device cuda --model "$QWEN" --parallel 64 --prompt-len 128 --gen-len 16 \
        --out "$R/ncu-detail-throughput" && ! grep -q '^"ID"' "$csv" 2>/dev/null; then
        record ncu:detail-qwen-64 fail 1 0 "no kernel profiled"
      fi
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------------------
# The summary, last.
pack
say "packed $(du -h "$OUT/results.tar.gz" 2>/dev/null | cut -f1) of logs and results into ${OUT%/}/results.tar.gz"
say "done in $(( $(now) - T0 ))s"
echo
"$SUMPY" "$repo/benchmarks/device/summarize.py" --work "$WORK" --repo "$repo" --out "$OUT" \
  || { echo "summary failed; the steps' outcomes:"; column -t -s $'\t' "$STATUS" 2>/dev/null || cat "$STATUS"; }
