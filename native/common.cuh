// Shared helpers of the kernels: element types and block-wide reductions.
#pragma once

#include <cuda_bf16.h>
#include <stdint.h>

typedef __nv_bfloat16 bf16;

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(bf16 x) { return __bfloat162float(x); }

__device__ __forceinline__ void store(float* p, float x) { *p = x; }
__device__ __forceinline__ void store(bf16* p, float x) { *p = __float2bfloat16(x); }  // round to nearest even

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

// Sum over the block, returned to every thread. Every thread adds the per-warp partials in the same order, so all
// threads get bit-identical results and can take the same branches on them. blockDim.x: a multiple of 32.
template <typename T>
__device__ T block_sum(T v) {
    __shared__ T partial[32];
    v = warp_sum(v);
    __syncthreads();  // a previous call may still be reading partial
    if ((threadIdx.x & 31) == 0) {
        partial[threadIdx.x >> 5] = v;
    }
    __syncthreads();
    T total = 0;
    for (int w = 0; w < (int) (blockDim.x >> 5); w++) {
        total += partial[w];
    }
    return total;
}

// Minimum over the block, returned to every thread. blockDim.x: a multiple of 32.
__device__ uint64_t block_min(uint64_t v) {
    __shared__ uint64_t partial[32];
    for (int offset = 16; offset > 0; offset >>= 1) {
        uint64_t other = __shfl_xor_sync(0xffffffffu, v, offset);
        v = other < v ? other : v;
    }
    __syncthreads();
    if ((threadIdx.x & 31) == 0) {
        partial[threadIdx.x >> 5] = v;
    }
    __syncthreads();
    uint64_t m = partial[0];
    for (int w = 1; w < (int) (blockDim.x >> 5); w++) {
        m = partial[w] < m ? partial[w] : m;
    }
    return m;
}
