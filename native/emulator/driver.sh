#!/usr/bin/env bash
# Runs the GPU engine's own tests without a GPU: builds libcuda.so.1 from libcuda.cpp (the CUDA driver API calls
# the engine makes, on the kernel emulator) and runs CudaEngineTest and DeviceSamplerTest in a JVM whose JCuda
# links against it, then through the CLI: two questions (the driver on the loader's path, and named by
# REASON_CUDA_DRIVER), a Qwen3 model that auto runs on the CPU, reason --version, reason check, two GPUs of which
# the first is too old, reason throughput and reason bench. Every test must run and pass: a skipped one (no CUDA
# found) is a failure here. About 5 minutes on two cores. Needs g++ (C++17), a JDK 17+ and the compiled main and test classes with the test dependencies
# (mvn -q -B test-compile).
#
# Environment: CXX (g++), JAVA (java), REASON_TEST_CLASSPATH (required: target/test-classes, target/classes and
# the test-scope jars, JUnit's console launcher among them), CUDA_EMULATOR_MEMORY_MIB (1024; see libcuda.cpp).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
build=target/kernel-emulator/driver
cxx=${CXX:-g++}
java=${JAVA:-java}
if [ -z "${REASON_TEST_CLASSPATH:-}" ]; then
    echo "driver.sh: set REASON_TEST_CLASSPATH to the test classpath (EmulatedDriverTest does)" >&2
    exit 2
fi
if ! command -v "$cxx" >/dev/null; then
    echo "driver.sh: $cxx not found: the emulated CUDA driver needs a C++17 compiler" >&2
    exit 2
fi
mkdir -p "$build"
if ! "$cxx" -O2 -std=c++17 -fno-strict-aliasing -Wall -Wno-unknown-pragmas -Wno-sign-compare \
        -I native/emulator/include -I native -I native/emulator -shared -fPIC -fvisibility=hidden \
        -Wl,-soname,libcuda.so.1 native/emulator/libcuda.cpp -o "$build/libcuda.so.1" >"$build/compile.log" 2>&1; then
    echo "FAIL  building libcuda.so.1:"
    sed 's/^/      /' "$build/compile.log" | head -30
    exit 1
fi

# on_driver ARGS: java in a JVM whose JCuda links against the emulated driver. A kernel that runs past the end of its buffer
# faults on the page after it: the JVM's crash report (its first lines name the kernel) goes to the build folder,
# not the repository root.
rm -f "$build"/hs_err_*.log
# DRIVER_BY_NAME=1: the driver stays off the loader's path and REASON_CUDA_DRIVER names its folder instead.
on_driver() {
    local found_by=(LD_LIBRARY_PATH="$PWD/$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
    [ "${DRIVER_BY_NAME:-0}" != 1 ] || found_by=(REASON_CUDA_DRIVER="$PWD/$build")
    env "${found_by[@]}" "$java" -Djava.awt.headless=true "-XX:ErrorFile=$PWD/$build/hs_err_%p.log" \
        -cp "$REASON_TEST_CLASSPATH" "$@"
}

# -Xss64m: the launcher runs the tests on the main thread, and ONNX Runtime overflows its default 1 MB stack.
log=$build/tests.log
status=0
on_driver -Xss64m org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors \
    --details tree --select-class dev.reason.engine.cuda.CudaEngineTest --select-class dev.reason.engine.cuda.DeviceSamplerTest \
    >"$log" 2>&1 || status=$?
cat "$log"
count() { grep -oE "[0-9]+ tests $1" "$log" | grep -oE '^[0-9]+' || echo 0; }
passed=$(count successful)
not_run=$(( $(count skipped) + $(count aborted) ))

# The CLI's CUDA paths, as the device run takes them: --device auto picks the driver for a question (exit 0, or 6
# when the vote finds no answer), and reason check passes. Main runs its work on a 64 MB thread of its own.
cli_failed=()
cli_runs=0
cli() { # NAME PATTERN ARGS...: runs reason ARGS, which must exit 0 (or 6) and print a line matching PATTERN
    local name=$1 pattern=$2 out=$build/cli-$1.log rc=0
    shift 2
    cli_runs=$((cli_runs + 1))
    on_driver dev.reason.cli.Main "$@" >"$out" 2>&1 || rc=$?
    echo "reason $* (exit $rc):"
    sed 's/^/    /' "$out"
    if { [ "$rc" != 0 ] && [ "$rc" != 6 ]; } || ! grep -qE "$pattern" "$out"; then
        cli_failed+=("$name")
    fi
}
cli_error() { # NAME CODE PATTERN ARGS...: runs reason ARGS, which must exit CODE with one line matching PATTERN
    local name=$1 code=$2 pattern=$3 out=$build/cli-$1.log rc=0
    shift 3
    cli_runs=$((cli_runs + 1))
    on_driver dev.reason.cli.Main "$@" >"$out" 2>&1 || rc=$?
    echo "reason $* (exit $rc, $code expected):"
    sed 's/^/    /' "$out"
    if [ "$rc" != "$code" ] || [ "$(wc -l < "$out")" != 1 ] || ! grep -qE "$pattern" "$out"; then
        cli_failed+=("$name")
    fi
}
cli question '^device: cuda \(CUDA emulator' --budget 4x --seed 1 "What is 12 * 7 - 5?"
# A driver outside the loader's path (containers, WSL): loaded by the path REASON_CUDA_DRIVER gives.
DRIVER_BY_NAME=1 cli driver-by-name '^device: cuda \(CUDA emulator' --device cuda --budget 2x --seed 1 "What is 12 * 7 - 5?"
# Qwen3's per-head q/k norms run on the kernels (head_rmsnorm).
cli qwen3 '^device: cuda \(CUDA emulator' --model src/test/resources/models/tiny-qwen3 --device auto --budget 2x \
    --parallel 2 --max-tokens 8 "What is 12 * 7 - 5?"
# An architecture the kernels do not compute (here tiny-llama's graph under another model_type): auto says why and
# runs it on the CPU, which runs any graph.
other="$build/tiny-other-architecture"
rm -rf "$other" && cp -r src/test/resources/models/tiny-llama "$other"
sed -i 's/"model_type": *"llama"/"model_type": "olmo"/' "$other/config.json"
cli other-on-cpu '^device: cpu \(auto: the CUDA kernels do not support model_type olmo' --model "$other" \
    --budget 2x --parallel 2 --max-tokens 8 "What is 12 * 7 - 5?"
# Weights the CUDA engine does not read (an onnx-community q4 variant): auto says why and runs it on the CPU.
cli q4-on-cpu '^device: cpu \(auto: the CUDA engine cannot read the weights: .*stores its weights quantized \(MatMulNBits\)' \
    --model src/test/resources/models/tiny-llama-community --onnx model_q4.onnx --budget 2x --parallel 2 \
    --max-tokens 8 "What is 12 * 7 - 5?"
cli version '^cuda: CUDA emulator on the CPU, compute capability 9[.]0, driver for CUDA 13[.]0; kernels built with CUDA ' \
    --version
cli check '^check passed$' check --precision fp32 --prompts 2 --steps 4
# Two GPUs, the first older than the kernels (CUDA_EMULATOR_DEVICES lists compute capabilities): auto takes
# cuda:1 and names it, cuda:0 is a one-line error that says which to use, --version lists both.
CUDA_EMULATOR_DEVICES=7.5,9.0 cli two-gpus-auto '^device: cuda:1 \(CUDA emulator on the CPU, bf16' --budget 2x \
    --parallel 2 --max-tokens 8 "What is 12 * 7 - 5?"
CUDA_EMULATOR_DEVICES=7.5,9.0 cli_error two-gpus-old 4 \
    '^reason: --device cuda:0: cuda:0 \(CUDA emulator on the CPU, compute capability 7[.]5\) is older .*; use --device cuda:1 or --device cpu$' \
    --device cuda:0 --budget 2x "What is 12 * 7 - 5?"
CUDA_EMULATOR_DEVICES=7.5,9.0 cli two-gpus-version '^cuda: 2 GPUs: cuda:0 \(CUDA emulator on the CPU, compute capability 7[.]5\) too old for the kernels, cuda:1 \(CUDA emulator on the CPU, compute capability 9[.]0\); --device cuda takes cuda:1; driver for CUDA 13[.]0' \
    --version
# Launch settings other than the defaults, as the device run's tune step sets them (cuda/Tuning.java): split-K parts
# of 32 of K aiming for 5 blocks per multiprocessor, 3 warps an attention block, 64 sampling blocks per
# multiprocessor. The logits still match ONNX Runtime; a value out of range is a one-line error.
REASON_CUDA_SPLIT_MIN_K=32 REASON_CUDA_SPLIT_BLOCKS=5 REASON_CUDA_ATTENTION_WARPS=3 REASON_CUDA_SAMPLE_BLOCKS=64 cli tuned-check '^check passed$' \
    check --model src/test/resources/models/tiny-qwen2 --precision bf16 --prompts 2 --steps 4
REASON_CUDA_ATTENTION_WARPS=17 cli_error tuned-badly 4 \
    '^reason: --device cuda: REASON_CUDA_ATTENTION_WARPS=17 is not a whole number from 1 to 16: set one \(the default is as many as the GPU holds, up to 16\) or unset it$' \
    --device cuda --budget 2x "What is 12 * 7 - 5?"
# reason throughput as the device run's cpu,cuda step takes it: a CUDA row with its roofline (the copy bandwidth
# measured through the driver) and, under REASON_CUDA_PROFILE=1, every kernel timed with events into kernels.csv.
rm -rf "$build/throughput"
REASON_CUDA_PROFILE=1 cli throughput '^[|] cuda [|] 2 [|] [0-9]+ [|] [0-9]+ [|] [0-9.]+% [|] [0-9]+ [|]' throughput \
    --device cpu,cuda --model src/test/resources/models/tiny-qwen2 --parallel 1,2 --prompt-len 8 --gen-len 4 \
    --out "$build/throughput"
grep -qE '^2,attention_bf16(_d64|_d128)? ' "$build/throughput/kernels.csv" 2>/dev/null || cli_failed+=("throughput (kernels.csv)")
# reason bench as the device run's majority-of-16 step takes it (here 2 problems, 2 samples each).
rm -rf "$build/bench"
cli bench '^[|] majority [|] 2 [|]' bench --device cuda --dataset arithmetic --samples 2 --limit 2 --no-greedy \
    --out "$build/bench"
[ -s "$build/bench/summary.json" ] || cli_failed+=("bench (summary.json)")

if [ "$status" != 0 ] || [ "$not_run" != 0 ] || [ "$passed" = 0 ] || [ ${#cli_failed[@]} != 0 ]; then
    echo "emulated CUDA driver: FAIL ($passed GPU tests passed, $not_run skipped or aborted, JUnit exit $status;" \
        "CLI runs failed: ${cli_failed[*]:-none}; logs in $build)"
    exit 1
fi
echo "emulated CUDA driver: $passed GPU tests and $cli_runs CLI runs passed in $((SECONDS - start)) s"
