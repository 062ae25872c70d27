// Stand-in for CUDA's mma.h under the emulator: the 16x16x16 wmma subset gemm_bf16 uses. Lane 0 of a warp holds
// the whole tile and computes the whole product for the warp (the GPU spreads it over the lanes in an unspecified
// layout, which the kernel never touches; it only fills, loads, multiplies and stores fragments, and lane 0 stores
// them); the other lanes check their pointers and skip the arithmetic, 31 copies of it that made the emulated
// bf16 GEMMs 85% of a forward pass. Products of bf16 values are exact in fp32; the sum runs in k order in
// fp32, not in the tensor cores' order. Pointers and strides are checked against the wmma rules: 256-bit aligned
// pointers, strides a multiple of 16 bytes.
#pragma once

#include <cstdint>

#include "cuda_bf16.h"

namespace nvcuda {
namespace wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    float x[16 * 16];  // [row][column] of the tile (for matrix_b: [k][n])
};

template <class T>
void check_tile(const T* p, unsigned ldm) {
    if ((uintptr_t) p % 32 != 0 || (ldm * sizeof(T)) % 16 != 0) {
        emu::fail("wmma tile pointer not 256-bit aligned or stride not a multiple of 16 bytes");
    }
}

template <class Use, class T, class Layout>
void fill_fragment(fragment<Use, 16, 16, 16, T, Layout>& f, float value) {
    for (float& e : f.x) {
        e = value;
    }
}

inline void load_matrix_sync(fragment<matrix_a, 16, 16, 16, __nv_bfloat16, row_major>& f, const __nv_bfloat16* p,
                             unsigned ldm) {
    check_tile(p, ldm);
    if ((threadIdx.x & 31) != 0) {
        return;
    }
    for (int i = 0; i < 16; i++) {
        for (int k = 0; k < 16; k++) {
            f.x[i * 16 + k] = __bfloat162float(p[i * ldm + k]);
        }
    }
}

inline void load_matrix_sync(fragment<matrix_b, 16, 16, 16, __nv_bfloat16, col_major>& f, const __nv_bfloat16* p,
                             unsigned ldm) {
    check_tile(p, ldm);
    if ((threadIdx.x & 31) != 0) {
        return;
    }
    for (int k = 0; k < 16; k++) {
        for (int n = 0; n < 16; n++) {
            f.x[k * 16 + n] = __bfloat162float(p[n * ldm + k]);
        }
    }
}

template <class A, class B>
void mma_sync(fragment<accumulator, 16, 16, 16, float>& d, const A& a, const B& b,
              const fragment<accumulator, 16, 16, 16, float>& c) {
    if ((threadIdx.x & 31) != 0) {
        return;
    }
    float out[16 * 16];
    for (int i = 0; i < 16; i++) {
        for (int n = 0; n < 16; n++) {
            float sum = c.x[i * 16 + n];
            for (int k = 0; k < 16; k++) {
                sum += a.x[i * 16 + k] * b.x[k * 16 + n];
            }
            out[i * 16 + n] = sum;
        }
    }
    for (int i = 0; i < 16 * 16; i++) {
        d.x[i] = out[i];
    }
}

// Lane 0 writes the tile for the warp, and the kernel synchronizes before reading it.
inline void store_matrix_sync(float* p, const fragment<accumulator, 16, 16, 16, float>& f, unsigned ldm,
                              layout_t layout) {
    check_tile(p, ldm);
    if (layout != mem_row_major) {
        emu::fail("only row-major accumulator stores are emulated");
    }
    if ((threadIdx.x & 31) != 0) {
        return;
    }
    for (int i = 0; i < 16; i++) {
        for (int n = 0; n < 16; n++) {
            p[i * ldm + n] = f.x[i * 16 + n];
        }
    }
}

}  // namespace wmma
}  // namespace nvcuda
