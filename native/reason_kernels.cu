// The forward pass of a Llama-family decoder and the sampler, as launched by dev.reason.engine.cuda.Kernels.
//
// Activations are row-major [rows, width]: a row is a prompt position in prefill and a slot in decode. The
// residual stream and every GEMM output are fp32; weights ([out, in] row-major), the KV cache and the GEMM inputs
// (normed rows, attention output, SwiGLU output) are fp32 or bf16 (the _f32 / _bf16 kernels): a bf16 GEMM reads
// its input as bf16 anyway, and every block of it reads the input rows again.
// Cache layout: the prompts' keys and values once per layer in a pool [kvHeads, promptCap, headDim], each prompt a
// range of its positions, shared by the slots that decode its chains; each slot's own tokens in
// [slots, kvHeads, maxNew, headDim]. prompts: in decode, a pair per slot, the (start, length) in the pool of the
// prompt the slot's chain continues; in prefill, one pair for all rows, the prompt's start in the pool and the
// position of the first row (a long prompt is prefilled in chunks of rows, each attending to the ones before). lengths[slot] = the slot's own tokens before this
// step, or -1 for a slot with no chain (its rows are skipped or left as garbage, never written to the cache).
// Every pointer argument is a valid allocation: the host passes zeros instead of a missing bias.

#include <cuda_pipeline.h>
#include <mma.h>

#include "common.cuh"
#include "sampling.cuh"

#define MAX_HEAD_DIM 256
#define ATTENTION_MAX_WARPS 16
#define ATTENTION_GROUP 4
// The kernels that take a row per block on the decode path (RMSNorm, and the fused reductions that end a split
// GEMM with it or with RoPE): at 64 decode rows a block is all a multiprocessor has, and a reduction's thread reads
// every part of its elements, so a row gets as many threads as a block holds rather than a few elements each.
#define ROW_THREADS 1024

// x[r] = table[tokens[r]] (zeros for an out-of-range id). Grid: rows; any block size.
template <typename W>
__device__ void embed_rows(const int* tokens, const W* table, float* x, int hidden, int vocab) {
    int token = tokens[blockIdx.x];
    bool valid = token >= 0 && token < vocab;
    float* out = x + (size_t) blockIdx.x * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        out[i] = valid ? to_float(table[(size_t) token * hidden + i]) : 0.0f;
    }
}

extern "C" __global__ void embed_f32(const int* tokens, const float* table, float* x, int hidden, int vocab) {
    embed_rows(tokens, table, x, hidden, vocab);
}

extern "C" __global__ void embed_bf16(const int* tokens, const bf16* table, float* x, int hidden, int vocab) {
    embed_rows(tokens, table, x, hidden, vocab);
}

// SwiGLU of one gate and up value: silu(gate) * up.
__device__ __forceinline__ float silu_times(float gate, float up) {
    return gate / (1.0f + expf(-gate)) * up;
}

// y[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight. Grid: rows; block: a multiple of 32 (ROW_THREADS as launched).
template <typename Y>
__device__ void rmsnorm_rows(const float* x, const float* weight, Y* y, int hidden, float eps) {
    const float* in = x + (size_t) blockIdx.x * hidden;
    Y* out = y + (size_t) blockIdx.x * hidden;
    float squares = 0.0f;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        squares += in[i] * in[i];
    }
    float scale = rsqrtf(block_sum(squares) / hidden + eps);
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        store(&out[i], in[i] * scale * weight[i]);
    }
}

extern "C" __global__ void rmsnorm_f32(const float* x, const float* weight, float* y, int hidden, float eps) {
    rmsnorm_rows(x, weight, y, hidden, eps);
}

extern "C" __global__ void rmsnorm_bf16(const float* x, const float* weight, bf16* y, int hidden, float eps) {
    rmsnorm_rows(x, weight, y, hidden, eps);
}

// y = x * w^T + bias (+ y when accumulate): x [rows, ins], w [outs, ins], y [rows, outs]; fp32 throughout, for
// exactness. 16 x 16 output tiles. Grid: (ceil(rows / 16), ceil(outs / 16)); block: 256.
extern "C" __global__ void __launch_bounds__(256)
gemm_f32(const float* x, const float* w, const float* bias, float* y, int rows, int outs, int ins, int accumulate) {
    __shared__ float xs[16][17];
    __shared__ float ws[16][17];
    int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    int row = blockIdx.x * 16 + ty;
    int col0 = blockIdx.y * 16;
    float sum = 0.0f;
    for (int k0 = 0; k0 < ins; k0 += 16) {
        int k = k0 + tx;
        xs[ty][tx] = row < rows && k < ins ? x[(size_t) row * ins + k] : 0.0f;
        ws[ty][tx] = col0 + ty < outs && k < ins ? w[(size_t) (col0 + ty) * ins + k] : 0.0f;
        __syncthreads();
        for (int kk = 0; kk < 16; kk++) {
            sum += xs[ty][kk] * ws[tx][kk];
        }
        __syncthreads();
    }
    int col = col0 + tx;
    if (row < rows && col < outs) {
        float* out = y + (size_t) row * outs + col;
        float v = sum + bias[col];
        *out = accumulate ? *out + v : v;
    }
}

// The same product on tensor cores: x and w in bf16, fp32 accumulation. 64 x 64 output tiles, K in chunks of
// GEMM_CHUNK; each of the 4 warps owns a 32 x 32 quarter (four 16 x 16 wmma tiles). The tile is wide because every
// block reads its rows of x whole: at 64 decode rows, 32-wide tiles read x from L2 twice as often as the weights
// themselves. A decode step's GEMMs read each weight once and have little to compute, so a block's time is the
// latency of its loads: chunks go through GEMM_STAGES buffers of shared memory, copied asynchronously (cp.async,
// straight from global memory, no registers), so that while the tensor cores work on one chunk the next
// GEMM_STAGES - 1 are on their way. When ins % 8 == 0 and x and w are 16-byte aligned, rows are copied 8 bf16 at a
// time; otherwise element by element, as plain stores.
// Split-K: block z of gridDim.z parts takes a contiguous run of whole chunks of K. With one part the block writes
// y = tile + bias (+ y when accumulate); with several it writes its partial tile to partial[z][rows][outs] and a
// reduce kernel (gemm_reduce, or the fused ones below) adds the parts, in a fixed order (no atomics: the result does
// not depend on scheduling).
// Grid: (ceil(rows / GEMM_TILE), ceil(outs / GEMM_TILE), parts); block: 128. Rows sit in grid x so that the blocks
// sharing a weight tile run together and hit it in L2.
#define GEMM_CHUNK 32
#define GEMM_TILE 64
#define GEMM_STAGES 4

extern "C" __global__ void __launch_bounds__(128)
gemm_bf16(const bf16* __restrict__ x, const bf16* __restrict__ w, const float* bias, float* y, float* partial,
          int rows, int outs, int ins, int accumulate) {
    using namespace nvcuda;
    constexpr int ld = GEMM_CHUNK + 8;  // 80-byte rows: 16-byte aligned for wmma and the copies, spread over banks
    constexpr int ldy = GEMM_TILE + 4;
    struct Stage {
        bf16 x[GEMM_TILE][ld];
        bf16 w[GEMM_TILE][ld];
    };
    // 40 KiB: the stages, then (once every chunk is used) the output tile
    __shared__ __align__(32) union {
        Stage stage[GEMM_STAGES];
        float y[GEMM_TILE][ldy];
    } tile;
    int row0 = blockIdx.x * GEMM_TILE, col0 = blockIdx.y * GEMM_TILE;
    int warp = threadIdx.x >> 5;
    int wr = (warp >> 1) * 32, wc = (warp & 1) * 32;
    int chunks = (ins + GEMM_CHUNK - 1) / GEMM_CHUNK;
    int perPart = (chunks + gridDim.z - 1) / gridDim.z;
    int kBegin = min(ins, (int) blockIdx.z * perPart * GEMM_CHUNK);
    int kEnd = min(ins, kBegin + perPart * GEMM_CHUNK);
    int ownChunks = (kEnd - kBegin + GEMM_CHUNK - 1) / GEMM_CHUNK;
    bool vector = ins % 8 == 0 && (((uintptr_t) x | (uintptr_t) w) & 15) == 0;

    // Row r of m (a row of this block's tile when firstRow + r < lastRow), elements [k, k + 8), into to: an
    // asynchronous copy on the vector path, else plain stores of the elements or zeros (outside the matrix or past
    // kEnd; kEnd - k is a multiple of 8 on the vector path, so a vector is wholly inside or outside).
    auto eight = [&](bf16* to, const bf16* m, int r, int lastRow, int k) {
        const size_t at = (size_t) r * ins + k;
        if (vector && r < lastRow && k < kEnd) {
            __pipeline_memcpy_async(to, m + at, 16);
            return;
        }
        const unsigned short* bits = reinterpret_cast<const unsigned short*>(m);
        unsigned h[8];
        for (int j = 0; j < 8; j++) {
            h[j] = !vector && r < lastRow && k + j < kEnd ? bits[at + j] : 0u;
        }
        *reinterpret_cast<uint4*>(to) = make_uint4(h[0] | h[1] << 16, h[2] | h[3] << 16, h[4] | h[5] << 16,
                                                   h[6] | h[7] << 16);
    };
    // Chunk c of this part into its stage, as one commit group: 256 vectors of 8 of each matrix, two of each per
    // thread, vector e = row e / 4, elements (e % 4) * 8 onwards. Every thread commits a group for every c, copies
    // or none, so that the groups' count says which chunks have landed.
    auto load = [&](int c) {
        if (c < ownChunks) {
            Stage& s = tile.stage[c % GEMM_STAGES];
            int k0 = kBegin + c * GEMM_CHUNK;
            for (int i = 0; i < 2; i++) {
                int e = threadIdx.x + 128 * i;
                int r = e >> 2, k = (e & 3) * 8;
                eight(&s.w[r][k], w, col0 + r, outs, k0 + k);
                eight(&s.x[r][k], x, row0 + r, rows, k0 + k);
            }
        }
        __pipeline_commit();
    };

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];  // [row half][column half] of the quarter
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
            wmma::fill_fragment(acc[i][j], 0.0f);
        }
    }
    for (int c = 0; c < GEMM_STAGES - 1; c++) {
        load(c);
    }
    for (int c = 0; c < ownChunks; c++) {
        __pipeline_wait_prior(GEMM_STAGES - 2);  // this thread's copies of chunk c have landed
        __syncthreads();  // everyone's have, and everyone is done with chunk c - 1, whose stage the next load takes
        load(c + GEMM_STAGES - 1);
        Stage& s = tile.stage[c % GEMM_STAGES];
        for (int kk = 0; kk < GEMM_CHUNK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> a[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major> b[2];  // w[n][k] is w^T column-major
            for (int h = 0; h < 2; h++) {
                wmma::load_matrix_sync(a[h], &s.x[wr + 16 * h][kk], ld);
                wmma::load_matrix_sync(b[h], &s.w[wc + 16 * h][kk], ld);
            }
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
                }
            }
        }
    }
    __pipeline_wait_prior(0);  // no copy may land in the output tile
    __syncthreads();           // every warp is done with the stages
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
            wmma::store_matrix_sync(&tile.y[wr + 16 * i][wc + 16 * j], acc[i][j], ldy, wmma::mem_row_major);
        }
    }
    __syncthreads();
    bool split = gridDim.z > 1;
    for (int e = threadIdx.x; e < GEMM_TILE * GEMM_TILE; e += blockDim.x) {
        int r = e / GEMM_TILE, c = e % GEMM_TILE;
        int row = row0 + r, col = col0 + c;
        if (row < rows && col < outs) {
            if (split) {
                partial[((size_t) blockIdx.z * rows + row) * outs + col] = tile.y[r][c];
            } else {
                float* out = y + (size_t) row * outs + col;
                float v = tile.y[r][c] + bias[col];
                *out = accumulate ? *out + v : v;
            }
        }
    }
}

// The sum of split-K parts at element i of a [rows, outs] product of n elements: partial[0 .. parts) in that order.
__device__ __forceinline__ float parts_sum(const float* partial, size_t n, size_t i, int parts) {
    float sum = 0.0f;
#pragma unroll 8
    for (int p = 0; p < parts; p++) {  // added in order; the unrolling only puts 8 loads in flight
        sum += partial[p * n + i];
    }
    return sum;
}

// Finishes a split-K gemm_bf16: y = the sum of its parts + bias (+ y when accumulate). Grid: ceil(rows * outs /
// 256); block: 256.
extern "C" __global__ void __launch_bounds__(256)
gemm_reduce(const float* partial, const float* bias, float* y, int rows, int outs, int parts, int accumulate) {
    size_t n = (size_t) rows * outs;
    size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = parts_sum(partial, n, i, parts) + bias[i % outs];
        y[i] = accumulate ? y[i] + v : v;
    }
}

// The end of a layer's attention or MLP in one kernel, when its last GEMM was split along K: x[r] += the parts' sum
// + bias (as gemm_reduce with accumulate), then y[r] = rmsnorm(x[r]) * weight (as rmsnorm_bf16), the input of the
// next GEMM. Same operations in the same order as those two kernels, so the same bits, one launch and one read of
// x fewer. Grid: rows; block: ROW_THREADS, as rmsnorm's (block_sum's order depends on the block size).
extern "C" __global__ void __launch_bounds__(ROW_THREADS)
reduce_rmsnorm_bf16(const float* partial, const float* bias, float* x, const float* weight, bf16* y, int rows,
                    int hidden, int parts, float eps) {
    size_t n = (size_t) rows * hidden;
    float* row = x + (size_t) blockIdx.x * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        row[i] += parts_sum(partial, n, (size_t) blockIdx.x * hidden + i, parts) + bias[i];
    }
    rmsnorm_rows(x, weight, y, hidden, eps);  // each thread reads back only the elements it wrote
}

// A split-K gate/up GEMM finished with SwiGLU: act[r, i] = silu(g) * u, where g and u are the parts' sums + bias of
// columns i and inter + i (as gemm_reduce, then swiglu_bf16, bit for bit); the [rows, 2 * inter] product itself is
// never written. Grid: ceil(rows * inter / 256); block: 256.
extern "C" __global__ void __launch_bounds__(256)
reduce_swiglu_bf16(const float* partial, const float* bias, bf16* act, int rows, int inter, int parts) {
    size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < (size_t) rows * inter) {
        size_t n = (size_t) rows * 2 * inter;
        size_t r = i / inter, c = i % inter;
        size_t gate = r * 2 * inter + c;
        float g = parts_sum(partial, n, gate, parts) + bias[c];
        float u = parts_sum(partial, n, gate + inter, parts) + bias[inter + c];
        store(&act[i], silu_times(g, u));
    }
}

// Qwen3's RMSNorm of each query and key head, in place, before RoPE: v = v / sqrt(mean(v^2) + eps) * weight, with
// qNorm ([headDim]) on the query heads and kNorm on the key heads; values are left alone. Rows of idle slots are
// normed too and never read. Grid: (rows, heads + kvHeads); block: a multiple of 32.
extern "C" __global__ void head_rmsnorm(float* qkv, const float* qNorm, const float* kNorm, int heads, int kvHeads,
                                        int headDim, float eps) {
    int h = blockIdx.y;
    float* v = qkv + ((size_t) blockIdx.x * (heads + 2 * kvHeads) + h) * headDim;
    const float* weight = h < heads ? qNorm : kNorm;
    float squares = 0.0f;
    for (int i = threadIdx.x; i < headDim; i += blockDim.x) {
        squares += v[i] * v[i];
    }
    float scale = rsqrtf(block_sum(squares) / headDim + eps);
    for (int i = threadIdx.x; i < headDim; i += blockDim.x) {
        v[i] = v[i] * scale * weight[i];
    }
}

// Rotates the query and key heads of each row in place (Hugging Face rotate-half: pairs i and i + headDim/2, angle
// position * invFreq[i]) and appends the row's key and value to the cache. qkv rows: [heads | kvHeads | kvHeads] x
// headDim. Prefill (decode = 0): row r is position prompts[1] + r of the prompt at prompts[0] of the pool.
// Decode: row = slot at position (its prompt's length) + lengths[slot], cached in the slot's own cache. Grid: rows; any block size.
template <typename KV>
__device__ void rope_store_rows(float* qkv, const float* invFreq, int heads, int kvHeads, int headDim,
                                KV* promptK, KV* promptV, int promptCap, const int* prompts, KV* slotK, KV* slotV, int maxNew,
                                const int* lengths, int decode) {
    int r = blockIdx.x;
    int length = decode ? lengths[r] : 0;
    if (length < 0) {
        return;
    }
    const int* prompt = prompts + (decode ? 2 * r : 0);  // (start, length) in the pool
    int position = prompt[1] + (decode ? length : r);
    float* row = qkv + (size_t) r * (heads + 2 * kvHeads) * headDim;
    int half = headDim / 2;
    for (int e = threadIdx.x; e < (heads + kvHeads) * half; e += blockDim.x) {
        int h = e / half, i = e % half;
        float s, c;
        sincosf((float) position * invFreq[i], &s, &c);
        float* v = row + h * headDim;
        float a = v[i], b = v[i + half];
        v[i] = a * c - b * s;
        v[i + half] = b * c + a * s;
    }
    __syncthreads();
    for (int e = threadIdx.x; e < kvHeads * headDim; e += blockDim.x) {
        int g = e / headDim, d = e % headDim;
        size_t at = decode ? (((size_t) r * kvHeads + g) * maxNew + length) * headDim + d
                           : ((size_t) g * promptCap + prompt[0] + position) * headDim + d;
        store(&(decode ? slotK : promptK)[at], row[(heads + g) * headDim + d]);
        store(&(decode ? slotV : promptV)[at], row[(heads + kvHeads + g) * headDim + d]);
    }
}

extern "C" __global__ void rope_store_f32(float* qkv, const float* invFreq, int heads, int kvHeads, int headDim,
                                          float* promptK, float* promptV, int promptCap, const int* prompts, float* slotK, float* slotV,
                                          int maxNew, const int* lengths, int decode) {
    rope_store_rows(qkv, invFreq, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV, maxNew,
                    lengths, decode);
}

extern "C" __global__ void rope_store_bf16(float* qkv, const float* invFreq, int heads, int kvHeads, int headDim,
                                           bf16* promptK, bf16* promptV, int promptCap, const int* prompts, bf16* slotK, bf16* slotV,
                                           int maxNew, const int* lengths, int decode) {
    rope_store_rows(qkv, invFreq, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV, maxNew,
                    lengths, decode);
}

// A split-K q/k/v GEMM finished with RoPE and the cache writes: qkv[r] = the parts' sum + bias (as gemm_reduce),
// then rope_store_bf16 of the row, bit for bit, in one launch. Grid: rows; block: ROW_THREADS.
extern "C" __global__ void __launch_bounds__(ROW_THREADS)
reduce_rope_store_bf16(const float* partial, const float* bias, float* qkv, int rows, const float* invFreq, int heads,
                       int kvHeads, int headDim, bf16* promptK, bf16* promptV, int promptCap, const int* prompts, bf16* slotK,
                       bf16* slotV, int maxNew, const int* lengths, int decode, int parts) {
    int width = (heads + 2 * kvHeads) * headDim;
    size_t n = (size_t) rows * width;
    float* row = qkv + (size_t) blockIdx.x * width;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        row[i] = parts_sum(partial, n, (size_t) blockIdx.x * width + i, parts) + bias[i];
    }
    __syncthreads();  // the rotation pairs elements other threads wrote
    rope_store_rows(qkv, invFreq, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV, maxNew,
                    lengths, decode);
}

// Eight consecutive elements of a cache row, as loaded (one 16-byte load in bf16, two in fp32), then as floats.
template <typename KV>
struct Eight;

template <>
struct Eight<bf16> {
    uint4 raw;
    __device__ __forceinline__ void load(const bf16* p) { raw = *reinterpret_cast<const uint4*>(p); }  // 16-byte aligned
    __device__ __forceinline__ void get(float* e) const {  // a bf16 is a float's upper half
        unsigned w[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
        for (int k = 0; k < 4; k++) {
            e[2 * k] = __uint_as_float(w[k] << 16);
            e[2 * k + 1] = __uint_as_float(w[k] & 0xffff0000u);
        }
    }
};

template <>
struct Eight<float> {
    float4 a, b;
    __device__ __forceinline__ void load(const float* p) {
        a = *reinterpret_cast<const float4*>(p);
        b = *reinterpret_cast<const float4*>(p + 4);
    }
    __device__ __forceinline__ void get(float* e) const {
        e[0] = a.x, e[1] = a.y, e[2] = a.z, e[3] = a.w, e[4] = b.x, e[5] = b.y, e[6] = b.z, e[7] = b.w;
    }
};

// Elements d and d + 1 of a cache row as floats, 0 past headDim: one 4-byte load in bf16, 8-byte in fp32, when
// `vector` (headDim % 8 == 0 and the row 16-byte aligned, d even), else element by element.
__device__ __forceinline__ float2 load_pair(const bf16* row, int d, int headDim, bool vector) {
    if (vector) {
        unsigned w = *reinterpret_cast<const unsigned*>(row + d);
        return make_float2(__uint_as_float(w << 16), __uint_as_float(w & 0xffff0000u));
    }
    return make_float2(d < headDim ? to_float(row[d]) : 0.0f, d + 1 < headDim ? to_float(row[d + 1]) : 0.0f);
}

__device__ __forceinline__ float2 load_pair(const float* row, int d, int headDim, bool vector) {
    if (vector) {
        return *reinterpret_cast<const float2*>(row + d);
    }
    return make_float2(d < headDim ? row[d] : 0.0f, d + 1 < headDim ? row[d + 1] : 0.0f);
}

template <typename T>
__device__ __forceinline__ T warp_max(T v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    }
    return v;
}

// Attention of one query row over its keys for up to ATTENTION_GROUP of the query heads that share one KV head,
// with an online softmax in fp32. Prefill: row r sees prompt keys 0..r. Decode: the slot sees the whole prompt,
// then its own lengths[slot] + 1 keys (this step's included); a slot with length -1 gets zeros. Block (r, g, z)
// takes query heads g * group + z * ATTENTION_GROUP onwards (group = heads / kvHeads), so each key and value is
// read once for all of them rather than once per head.
// A decode step has few keys and a few heads per block, so the time goes to instructions, not bytes: each warp
// takes 32 keys at a time, a key per lane. A lane scores its key against the block's heads alone (its row in
// 16-byte loads, no cross-lane sums), the warp updates its softmax once per 32 keys, and then adds the 32 values
// with the lanes over the head's elements, two each (a coalesced row per key). The warps (blockDim / 32, up to
// ATTENTION_MAX_WARPS) take every warps-th group of 32 keys; their partial results are merged at the end, one head
// at a time.
// Grid: (rows, kvHeads, ceil(group / ATTENTION_GROUP)); block: a multiple of 32 up to 32 * ATTENTION_MAX_WARPS.
// headDim <= D, a multiple of 64 (D = MAX_HEAD_DIM serves any head; the _d64 and _d128 kernels keep fewer registers
// and less shared memory, so that more blocks run at once). Rows go 8 elements at a time when headDim % 8 == 0 and
// the caches are 16-byte aligned, else element by element.
template <typename KV, int D>
__device__ void attend(const float* qkv, KV* out, int heads, int kvHeads, int headDim,
                       const KV* promptK, const KV* promptV, int promptCap, const int* prompts, const KV* slotK, const KV* slotV,
                       int maxNew, const int* lengths, int decode, float scale) {
    constexpr int G = ATTENTION_GROUP, P = D / 64;  // P: pairs of a value row's elements per lane
    // Loads in flight per lane: KC chunks of 8 of a key, U keys' values (more spill at the _d64 kernel's 64 registers)
    constexpr int KC = 2, U = 4;
    __shared__ __align__(16) float q[G][D];
    __shared__ __align__(16) float prob[ATTENTION_MAX_WARPS][G][32];  // a warp's 32 keys' weights, per head
    __shared__ float warpMax[ATTENTION_MAX_WARPS];
    __shared__ float warpSum[ATTENTION_MAX_WARPS];
    __shared__ float warpAcc[ATTENTION_MAX_WARPS][D];
    int r = blockIdx.x, g = blockIdx.y;
    int group = heads / kvHeads;
    int h0 = g * group + blockIdx.z * G;
    int count = min(G, group - (int) blockIdx.z * G);  // this block's heads: h0 .. h0 + count - 1
    int length = decode ? lengths[r] : 0;
    if (length < 0) {
        for (int e = threadIdx.x; e < count * headDim; e += blockDim.x) {
            store(&out[((size_t) r * heads + h0) * headDim + e], 0.0f);
        }
        return;
    }
    const int* prompt = prompts + (decode ? 2 * r : 0);  // (start, length) in the pool
    int fromPrompt = decode ? prompt[1] : prompt[1] + r + 1;
    int keys = fromPrompt + (decode ? length + 1 : 0);
    const KV* pk = promptK + ((size_t) g * promptCap + prompt[0]) * headDim;
    const KV* pv = promptV + ((size_t) g * promptCap + prompt[0]) * headDim;
    size_t own = decode ? ((size_t) r * kvHeads + g) * maxNew * headDim : 0;
    const KV* sk = slotK + own;
    const KV* sv = slotV + own;
    auto key = [&](int j) {
        return j < fromPrompt ? pk + (size_t) j * headDim : sk + (size_t) (j - fromPrompt) * headDim;
    };
    auto value = [&](int j) {
        return j < fromPrompt ? pv + (size_t) j * headDim : sv + (size_t) (j - fromPrompt) * headDim;
    };
    bool vector = headDim % 8 == 0
            && (((uintptr_t) promptK | (uintptr_t) promptV | (uintptr_t) slotK | (uintptr_t) slotV) & 15) == 0;

    const float* qr = qkv + (size_t) r * (heads + 2 * kvHeads) * headDim + (size_t) h0 * headDim;
    for (int e = threadIdx.x; e < G * D; e += blockDim.x) {  // heads past count score zeros, never stored
        int i = e / D, d = e % D;
        q[i][d] = i < count && d < headDim ? qr[i * headDim + d] * scale : 0.0f;
    }
    __syncthreads();

    int warps = blockDim.x >> 5;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    float m[G], l[G], acc[G][P][2];  // m: the warp's running maximum; l: this lane's keys' share of the sum
#pragma unroll
    for (int i = 0; i < G; i++) {
        m[i] = -INFINITY;
        l[i] = 0.0f;
#pragma unroll
        for (int t = 0; t < P; t++) {
            acc[i][t][0] = acc[i][t][1] = 0.0f;
        }
    }
    for (int j0 = warp * 32; j0 < keys; j0 += warps * 32) {
        int j = j0 + lane;
        bool valid = j < keys;
        float s[G];
#pragma unroll
        for (int i = 0; i < G; i++) {
            s[i] = 0.0f;
        }
        if (valid) {
            const KV* k = key(j);
            if (vector) {  // KC chunks of 8 loaded at a time, so that a key waits on D / (8 KC) loads, not D / 8
#pragma unroll 4
                for (int d0 = 0; d0 < D; d0 += 8 * KC) {
                    Eight<KV> chunk[KC];
#pragma unroll
                    for (int c = 0; c < KC; c++) {
                        if (d0 + 8 * c < headDim) {
                            chunk[c].load(k + d0 + 8 * c);
                        }
                    }
#pragma unroll
                    for (int c = 0; c < KC; c++) {
                        int d = d0 + 8 * c;
                        if (d < headDim) {
                            float e[8];
                            chunk[c].get(e);
#pragma unroll
                            for (int i = 0; i < G; i++) {
                                float4 a = *reinterpret_cast<const float4*>(&q[i][d]);
                                float4 b = *reinterpret_cast<const float4*>(&q[i][d + 4]);
                                s[i] += a.x * e[0] + a.y * e[1] + a.z * e[2] + a.w * e[3]
                                        + b.x * e[4] + b.y * e[5] + b.z * e[6] + b.w * e[7];
                            }
                        }
                    }
                }
            } else {
                for (int d = 0; d < headDim; d++) {
                    float e = to_float(k[d]);
#pragma unroll
                    for (int i = 0; i < G; i++) {
                        s[i] += q[i][d] * e;
                    }
                }
            }
        }
#pragma unroll
        for (int i = 0; i < G; i++) {
            float mNew = fmaxf(m[i], warp_max(valid ? s[i] : -INFINITY));  // lane 0's key is always valid
            float correction = expf(m[i] - mNew);  // 0 for the warp's first keys (m = -inf)
            float p = valid ? expf(s[i] - mNew) : 0.0f;
            l[i] = l[i] * correction + p;
#pragma unroll
            for (int t = 0; t < P; t++) {
                acc[i][t][0] *= correction;
                acc[i][t][1] *= correction;
            }
            m[i] = mNew;
            prob[warp][i][lane] = p;
        }
        __syncwarp();
        int n = min(32, keys - j0);  // the same in every lane
        for (int u0 = 0; u0 < n; u0 += U) {
            float v[U][P][2];  // U keys' values, all loaded before the first is used
#pragma unroll
            for (int u = 0; u < U; u++) {
                const KV* row = value(j0 + u0 + u);
#pragma unroll
                for (int t = 0; t < P; t++) {
                    int d = 2 * lane + 64 * t;
                    float2 pair = u0 + u < n && d < headDim ? load_pair(row, d, headDim, vector) : make_float2(0, 0);
                    v[u][t][0] = pair.x;
                    v[u][t][1] = pair.y;
                }
            }
#pragma unroll
            for (int i = 0; i < G; i++) {
                float4 p = *reinterpret_cast<const float4*>(&prob[warp][i][u0]);  // 0 past the keys
                float pu[U] = {p.x, p.y, p.z, p.w};
#pragma unroll
                for (int u = 0; u < U; u++) {
#pragma unroll
                    for (int t = 0; t < P; t++) {
                        acc[i][t][0] += pu[u] * v[u][t][0];
                        acc[i][t][1] += pu[u] * v[u][t][1];
                    }
                }
            }
        }
        __syncwarp();  // prob is rewritten by the warp's next keys
    }
#pragma unroll
    for (int i = 0; i < G; i++) {
        if (i < count) {  // the same in every thread, so the barriers are too
            float sum = warp_sum(l[i]);
            if (lane == 0) {
                warpMax[warp] = m[i];
                warpSum[warp] = sum;
            }
#pragma unroll
            for (int t = 0; t < P; t++) {
                int d = 2 * lane + 64 * t;
                if (d < headDim) {
                    warpAcc[warp][d] = acc[i][t][0];
                }
                if (d + 1 < headDim) {
                    warpAcc[warp][d + 1] = acc[i][t][1];
                }
            }
            __syncthreads();
            float mAll = warpMax[0];
            for (int w = 1; w < warps; w++) {
                mAll = fmaxf(mAll, warpMax[w]);
            }
            KV* o = out + ((size_t) r * heads + h0 + i) * headDim;
            for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
                float num = 0.0f, den = 0.0f;
                for (int w = 0; w < warps; w++) {
                    float f = expf(warpMax[w] - mAll);  // 0 for a warp that had no key
                    num += warpAcc[w][d] * f;
                    den += warpSum[w] * f;
                }
                store(&o[d], num / den);
            }
            __syncthreads();  // the next head rewrites warpMax, warpSum and warpAcc
        }
    }
}

// Any head size up to MAX_HEAD_DIM; in bf16, heads of up to 128 and 64 (most models) on kernels of fewer
// registers and less shared memory (fp32 is for checks, not speed).
extern "C" __global__ void __launch_bounds__(32 * ATTENTION_MAX_WARPS)
attention_f32(const float* qkv, float* out, int heads, int kvHeads, int headDim, const float* promptK,
              const float* promptV, int promptCap, const int* prompts, const float* slotK, const float* slotV, int maxNew,
              const int* lengths, int decode, float scale) {
    attend<float, MAX_HEAD_DIM>(qkv, out, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV,
                                maxNew, lengths, decode, scale);
}

extern "C" __global__ void __launch_bounds__(32 * ATTENTION_MAX_WARPS)
attention_bf16(const float* qkv, bf16* out, int heads, int kvHeads, int headDim, const bf16* promptK,
               const bf16* promptV, int promptCap, const int* prompts, const bf16* slotK, const bf16* slotV, int maxNew,
               const int* lengths, int decode, float scale) {
    attend<bf16, MAX_HEAD_DIM>(qkv, out, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV,
                               maxNew, lengths, decode, scale);
}

extern "C" __global__ void __launch_bounds__(32 * ATTENTION_MAX_WARPS)
attention_bf16_d128(const float* qkv, bf16* out, int heads, int kvHeads, int headDim, const bf16* promptK,
                    const bf16* promptV, int promptCap, const int* prompts, const bf16* slotK, const bf16* slotV, int maxNew,
                    const int* lengths, int decode, float scale) {
    attend<bf16, 128>(qkv, out, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV,
                      maxNew, lengths, decode, scale);
}

extern "C" __global__ void __launch_bounds__(32 * ATTENTION_MAX_WARPS, 2)
attention_bf16_d64(const float* qkv, bf16* out, int heads, int kvHeads, int headDim, const bf16* promptK,
                   const bf16* promptV, int promptCap, const int* prompts, const bf16* slotK, const bf16* slotV, int maxNew,
                   const int* lengths, int decode, float scale) {
    attend<bf16, 64>(qkv, out, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV,
                     maxNew, lengths, decode, scale);
}

// act[r, i] = silu(gateUp[r, i]) * gateUp[r, inter + i]. Grid: (rows, ceil(inter / blockDim)).
template <typename A>
__device__ void swiglu_rows(const float* gateUp, A* act, int inter) {
    int i = blockIdx.y * blockDim.x + threadIdx.x;
    if (i < inter) {
        const float* in = gateUp + (size_t) blockIdx.x * 2 * inter;
        store(&act[(size_t) blockIdx.x * inter + i], silu_times(in[i], in[inter + i]));
    }
}

extern "C" __global__ void swiglu_f32(const float* gateUp, float* act, int inter) {
    swiglu_rows(gateUp, act, inter);
}

extern "C" __global__ void swiglu_bf16(const float* gateUp, bf16* act, int inter) {
    swiglu_rows(gateUp, act, inter);
}
