#!/usr/bin/env bash
# Checks the CUDA kernels on the CPU, no GPU or CUDA toolkit needed: compiles the real native/*.cu sources with g++
# against the emulator (cuda_emulator.h and the stand-in CUDA headers in include/) and runs three tests:
#   test_sampling  sample_rows against the Java Sampler on generated cases (SamplerCases.java)
#   test_kernels   every kernel against a plain C++ reference
#   test_forward   the forward pass (prefill + decode over several slots) against PyTorch's logits in the model's
#                  reference_logits.json, in fp32 and bf16: the shipped model (Llama, GQA, tied), and the test
#                  fixtures tiny-qwen2 (q/k/v biases, rope_parameters) and tiny-llama (untied LM head); and the
#                  shipped model in bf16 with split-K parts of 64 (not 256), so that all its layer GEMMs split and
#                  the fused reductions (RoPE, residual + RMSNorm, SwiGLU) run in a whole forward
# Each runs twice, with the threads of a block scheduled in ascending and in descending order between barriers
# (and a launch's blocks in the same order).
# Prints one line per check and exits non-zero if any failed. Needs g++ (C++17), bash, a JDK 17+ and the compiled
# Java classes (mvn -q -B compile) for the sampler's reference. Inputs and binaries go to target/kernel-emulator/.
#
# Environment: CXX (g++), JAVA (java), REASON_CLASSPATH (target/classes, else target/reason.jar),
# SAMPLER_CASES (600).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
build=target/kernel-emulator
cxx=${CXX:-g++}
java=${JAVA:-java}
cases=${SAMPLER_CASES:-600}
model=models/reason-mini
fixtures=src/test/resources/models
mkdir -p "$build"

classpath=${REASON_CLASSPATH:-}
if [ -z "$classpath" ]; then
    if [ -f target/classes/dev/reason/sampling/Sampler.class ]; then
        classpath=target/classes
    elif [ -f target/reason.jar ]; then
        classpath=target/reason.jar
    else
        echo "run.sh: no compiled dev.reason.sampling.Sampler (the sampler's reference): run mvn -q -B compile" >&2
        exit 2
    fi
fi
if ! command -v "$cxx" >/dev/null; then
    echo "run.sh: $cxx not found: the emulator check needs a C++17 compiler" >&2
    exit 2
fi

# Compile the tests and generate the sampler cases side by side.
flags=(-O2 -std=c++17 -fno-strict-aliasing -Wall -Wno-unknown-pragmas -Wno-sign-compare
       -I native/emulator/include -I native -I native/emulator)  # the stand-in CUDA headers come first
# With AddressSanitizer and UndefinedBehaviorSanitizer where the compiler has them: a kernel that reads or writes
# past a buffer the tests allocate (on the GPU: another buffer's bytes, or a fault), loads a vector from an address
# not aligned for it (on the GPU: a misaligned-address error), or overflows a signed index stops its check with
# the line.
sanitizers=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
sanitizer="with AddressSanitizer and UndefinedBehaviorSanitizer"
if echo 'int main() { return 0; }' | "$cxx" "${sanitizers[@]}" -x c++ - -o "$build/sanitizer-probe" 2>/dev/null \
        && "$build/sanitizer-probe"; then
    flags+=(-g1 "${sanitizers[@]}" -fno-omit-frame-pointer)
else
    sanitizer="without sanitizers ($cxx cannot build with ${sanitizers[0]}: out-of-bounds and misaligned accesses go unseen)"
fi
pids=()
for test in test_sampling test_kernels test_forward; do
    "$cxx" "${flags[@]}" "native/emulator/$test.cpp" -o "$build/$test" >"$build/$test.compile.log" 2>&1 &
    pids+=($!)
done
"$java" -cp "$classpath" native/emulator/SamplerCases.java "$cases" "$build/sampler-cases.txt" \
    >"$build/sampler-cases.log" 2>&1 &
pids+=($!)
setup_failed=0
for step in test_sampling test_kernels test_forward sampler-cases; do
    pid=${pids[0]}
    pids=("${pids[@]:1}")
    if ! wait "$pid"; then
        log=$build/$step.log
        [ "$step" = sampler-cases ] || log=$build/$step.compile.log
        echo "FAIL  building $step:"
        sed 's/^/      /' "$log" | head -30
        setup_failed=1
    fi
done
[ "$setup_failed" = 0 ] || exit 1

checks=(
    "sampling:$build/test_sampling $build/sampler-cases.txt"
    "kernels:$build/test_kernels"
    "forward-fp32:$build/test_forward $model fp32"
    "forward-bf16:$build/test_forward $model bf16"
    "split-bf16:$build/test_forward $model bf16 64"
    "qwen2-fp32:$build/test_forward $fixtures/tiny-qwen2 fp32"
    "qwen2-bf16:$build/test_forward $fixtures/tiny-qwen2 bf16"
    "llama-fp32:$build/test_forward $fixtures/tiny-llama fp32"
    "llama-bf16:$build/test_forward $fixtures/tiny-llama bf16"
    "qwen3-fp32:$build/test_forward $fixtures/tiny-qwen3 fp32"
    "qwen3-bf16:$build/test_forward $fixtures/tiny-qwen3 bf16"
)
passed=0
failed=0
for check in "${checks[@]}"; do
    name=${check%%:*}
    for order in ascending descending; do  # side by side: each is one single-threaded process
        CUDA_EMULATOR_ORDER=$order ${check#*:} >"$build/$name-$order.log" 2>&1 &
        eval "pid_$order=\$!"
    done
    for order in ascending descending; do
        log="$build/$name-$order.log"
        pid_var=pid_$order
        # The tests' last line is their summary; a crash (the emulator aborts on a deadlock) leaves its message.
        if wait "${!pid_var}"; then
            passed=$((passed + 1))
            printf 'PASS  %-13s %-10s %s\n' "$name" "$order" "$(tail -n 1 "$log")"
        else
            failed=$((failed + 1))
            printf 'FAIL  %-13s %-10s (all output: %s)\n' "$name" "$order" "$log"
            { grep -E 'FAIL$|emulator:|test_' "$log" | head -n 6; tail -n 1 "$log"; } | awk '!seen[$0]++' \
                | sed 's/^/      /'
        fi
    done
done
echo "kernel emulator: $passed passed, $failed failed, in $((SECONDS - start)) s, $sanitizer"
[ "$failed" = 0 ]
