#!/usr/bin/env bash
# Compiles the CUDA kernels into the fatbin that ships inside the jar, with its sha256 and the hash of the sources
# it was built from (FatbinTest fails when native/ changed since). Needs nvcc 12.8+; users and CI never run this.
# Machine code for Ampere, Ada and Hopper; PTX for newer chips, compiled by their driver on first load.
# Committed gzip'd (-n: no name or time, so the same fatbin gives the same bytes), about a quarter of its size in
# the repository, the jar and every device call (native/README.md); Kernels unzips it before cuModuleLoadData. The recorded sha256 is
# the fatbin's own, the bytes the driver gets.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/main/resources/dev/reason/engine/cuda
mkdir -p "$out"
fatbin="$(mktemp --suffix=.fatbin)"
trap 'rm -f "$fatbin"' EXIT

nvcc -fatbin -O3 -lineinfo -std=c++17 \
    -gencode arch=compute_80,code=sm_80 \
    -gencode arch=compute_86,code=sm_86 \
    -gencode arch=compute_89,code=sm_89 \
    -gencode arch=compute_90,code=sm_90 \
    -gencode arch=compute_90,code=compute_90 \
    -o "$fatbin" native/reason_kernels.cu

sha256sum "$fatbin" | cut -d' ' -f1 > "$out/reason_kernels.fatbin.sha256"
gzip -9 -n -c "$fatbin" > "$out/reason_kernels.fatbin.gz"
# The toolkit's CUDA version: a driver too old for it cannot load the fatbin, and the error says which it needs.
nvcc --version | sed -n 's/.*release \([0-9][0-9.]*\),.*/\1/p' > "$out/reason_kernels.cuda-version"
# The sources' hash: each file's name, a newline, then its bytes, in byte order of the names (as FatbinTest does).
for f in $(cd native && LC_ALL=C ls -- *.cu *.cuh); do
    printf '%s\n' "$f"
    cat "native/$f"
done | sha256sum | cut -d' ' -f1 > "$out/reason_kernels.sources.sha256"
ls -l "$fatbin" "$out/reason_kernels.fatbin.gz"
