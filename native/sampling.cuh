// Sampling on the device with the semantics of dev.reason.sampling.Sampler.sample(logits, offset, vocab, u).
//
// Every filter keeps a prefix of the tokens in sort order (logit descending, index ascending): min-p keeps the
// tokens whose tempered distance from the top logit is small enough, top-k the first k, top-p the shortest prefix
// whose mass reaches topP, and the draw picks the token where the running mass passes u * kept mass. So one search
// answers all of them: the first token in sort order at which the running count or mass of the kept tokens
// reaches a target. It bisects on the logit (as an order-preserving 32-bit key) with one block reduction per step,
// then walks the tokens tied at the boundary logit in index order with a block scan. No sort of the vocabulary.
#pragma once

#include "common.cuh"

#define SAMPLE_THREADS 512
#define NO_TOKEN 0xffffffffffffffffull  // larger than every sort key (indices are below 2^31)

// Order-preserving map of a float to 32 bits: a larger float gives a larger key; -0 and +0 share one key.
__device__ __forceinline__ uint32_t ordered(float x) {
    uint32_t bits = x == 0.0f ? 0u : __float_as_uint(x);
    return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

// Ascending sort key of (logit descending, index ascending).
__device__ __forceinline__ uint64_t sort_key(float x, int index) {
    return ((uint64_t) (~ordered(x)) << 32) | (uint32_t) index;
}

// The tokens still in play: min-p survivors up to `last` in sort order (NO_TOKEN: no cut yet).
struct Kept {
    float maxLogit;
    double invTemperature;
    double maxDistance;  // min-p as a bound on the tempered distance; +infinity when off
    uint64_t last;

    // Same formula as the host sampler, so weights and min-p agree with it to the last bit of exp.
    __device__ double distance(float x) const { return ((double) maxLogit - x) * invTemperature; }

    __device__ bool keeps(float x, int i) const { return distance(x) <= maxDistance && sort_key(x, i) <= last; }

    __device__ double weight(float x) const { return exp(-distance(x)); }
};

__device__ __forceinline__ bool reaches(double amount, double target, bool strict) {
    return strict ? amount > target : amount >= target;
}

// Count (mass = false) or tempered mass of the kept tokens whose logit key is at least v; the same in every thread.
__device__ double amount_from(const float* row, int vocab, const Kept& kept, uint32_t v, bool mass) {
    double sum = 0.0;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        float x = row[i];
        if (ordered(x) >= v && kept.keeps(x, i)) {
            sum += mass ? kept.weight(x) : 1.0;
        }
    }
    return block_sum(sum);
}

// Among the kept tokens whose logit key is v, in index order: the first at which before + their running amount
// reaches target; the last one with a positive amount if rounding keeps it from ever reaching.
__device__ uint64_t first_reaching_tie(const float* row, int vocab, const Kept& kept, uint32_t v, bool mass,
                                       double before, double target, bool strict) {
    __shared__ double scan[SAMPLE_THREADS];
    __shared__ int found;
    __shared__ int lastPositive;
    if (threadIdx.x == 0) {
        lastPositive = -1;
    }
    for (int base = 0; base < vocab; base += blockDim.x) {
        int i = base + threadIdx.x;
        bool tie = false;
        double amount = 0.0;
        if (i < vocab) {
            float x = row[i];
            tie = ordered(x) == v && kept.keeps(x, i);
            amount = tie ? (mass ? kept.weight(x) : 1.0) : 0.0;
        }
        if (!__syncthreads_or(tie)) {
            continue;  // most chunks hold no tied token
        }
        scan[threadIdx.x] = amount;
        if (threadIdx.x == 0) {
            found = vocab;
        }
        __syncthreads();
        for (int offset = 1; offset < (int) blockDim.x; offset <<= 1) {  // inclusive Hillis-Steele scan
            double add = threadIdx.x >= offset ? scan[threadIdx.x - offset] : 0.0;
            __syncthreads();
            scan[threadIdx.x] += add;
            __syncthreads();
        }
        if (tie && reaches(before + scan[threadIdx.x], target, strict)) {
            atomicMin(&found, i);
        }
        if (tie && amount > 0.0) {
            atomicMax(&lastPositive, i);
        }
        __syncthreads();
        if (found < vocab) {
            return sort_key(row[found], found);
        }
        before += scan[blockDim.x - 1];
        __syncthreads();  // scan and found are rewritten by the next chunk
    }
    return lastPositive >= 0 ? sort_key(row[lastPositive], lastPositive) : NO_TOKEN;
}

// The first kept token, in sort order, at which the running amount of kept tokens reaches target; when even all of
// them do not, the token where the running amount reaches the total (clampToTotal) or NO_TOKEN.
__device__ uint64_t find_reaching(const float* row, int vocab, const Kept& kept, uint64_t firstKey, bool mass,
                                  double target, bool strict, bool clampToTotal) {
    if (reaches(0.0, target, strict)) {
        return firstKey;  // the first token already reaches it
    }
    double total = amount_from(row, vocab, kept, 0u, mass);
    if (!reaches(total, target, strict)) {
        if (!clampToTotal) {
            return NO_TOKEN;
        }
        target = total;
        strict = false;
    }
    // Invariant: the amount from key lo reaches target, the amount from key hi does not (it is `above`).
    uint64_t lo = 0, hi = 1ull << 32;
    double above = 0.0;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        double amount = amount_from(row, vocab, kept, (uint32_t) mid, mass);
        if (reaches(amount, target, strict)) {
            lo = mid;
        } else {
            hi = mid;
            above = amount;
        }
    }
    return first_reaching_tie(row, vocab, kept, (uint32_t) lo, mass, above, target, strict);
}

__device__ int draw_token(const float* row, int vocab, float maxLogit, uint64_t firstKey, double u,
                          double invTemperature, double maxDistance, int topK, double topP) {
    Kept kept = {maxLogit, invTemperature, maxDistance, NO_TOKEN};
    if (topK > 0 && topK < vocab) {
        uint64_t kth = find_reaching(row, vocab, kept, firstKey, false, (double) topK, false, false);
        if (kth != NO_TOKEN) {  // NO_TOKEN: min-p left fewer than k tokens
            kept.last = kth;
        }
    }
    double mass = amount_from(row, vocab, kept, 0u, true);
    if (topP < 1.0) {
        uint64_t last = find_reaching(row, vocab, kept, firstKey, true, (topP - 1e-6) * mass, false, false);
        if (last != NO_TOKEN) {
            kept.last = last;
            mass = amount_from(row, vocab, kept, 0u, true);
        }
    }
    uint64_t pick = find_reaching(row, vocab, kept, firstKey, true, u * mass, true, true);
    return (int) (uint32_t) (pick == NO_TOKEN ? firstKey : pick);
}

// One block of SAMPLE_THREADS per row of logits [rows, vocab]. uniforms[row] < 0 marks an inactive row (skipped).
// out[row] = {token, logprob bits, top logprob bits...}: (2 + nTop) ints, log-probabilities of the raw logits.
// nTop is at most vocab. greedy != 0: argmax (lowest index on ties), the other settings unused.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
sample_rows(const float* logits, int vocab, const double* uniforms, int* out, int nTop, int greedy,
            double invTemperature, double maxDistance, int topK, double topP) {
    double u = uniforms[blockIdx.x];
    if (u < 0.0) {
        return;
    }
    const float* row = logits + (size_t) blockIdx.x * vocab;
    int* result = out + (size_t) blockIdx.x * (2 + nTop);

    uint64_t best = NO_TOKEN;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        uint64_t key = sort_key(row[i], i);
        best = key < best ? key : best;
    }
    best = block_min(best);
    int argmax = (int) (uint32_t) best;
    float maxLogit = row[argmax];

    double sum = 0.0;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        sum += exp((double) row[i] - maxLogit);
    }
    double logZ = maxLogit + log(block_sum(sum));

    uint64_t previous = best;  // top log-probabilities: the next key after the previous one, nTop times
    for (int j = 0; j < nTop; j++) {
        uint64_t next = best;
        if (j > 0) {
            next = NO_TOKEN;
            for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
                uint64_t key = sort_key(row[i], i);
                next = key > previous && key < next ? key : next;
            }
            next = block_min(next);
        }
        if (threadIdx.x == 0) {
            result[2 + j] = __float_as_int((float) ((double) row[(uint32_t) next] - logZ));
        }
        previous = next;
    }

    int token = greedy ? argmax
            : draw_token(row, vocab, maxLogit, best, u, invTemperature, maxDistance, topK, topP);
    if (threadIdx.x == 0) {
        result[0] = token;
        result[1] = __float_as_int((float) ((double) row[token] - logZ));
    }
}
