// Sampling on the device with the semantics of dev.reason.sampling.Sampler.sample(logits, offset, vocab, u).
//
// Every filter keeps a prefix of the tokens in sort order (logit descending, index ascending): min-p keeps the
// tokens whose tempered distance from the top logit is small enough, top-k the first k, top-p the shortest prefix
// whose mass reaches topP of the kept mass, and the draw picks the first token at which the running mass passes
// u times the kept mass. So one search answers all of them: the first kept token, in sort order, at which the
// running count or mass reaches a target. It is a radix select on the logit's order-preserving 32-bit key: four
// rounds, each one pass that histograms the next 8 bits of the tokens sharing the bits fixed so far, then index
// order among the tokens tied on the whole key. No sort of the vocabulary; the first round's histogram also gives
// the total the target is a fraction of, so a search costs about two passes' worth of exps (a bisection on the
// key cost 33).
//
// Masses are integers: weights (<= 1) in fixed point with fracBits binary places, as many as keep the sum of the
// vocabulary's weights below 2^63. Integer sums are exact in any order, so the block's atomics give the same bits
// on every run and the prefix masses need no second pass. Rounding moves each weight by at most 2^-(fracBits + 1),
// the kept mass by at most vocab * 2^-(fracBits + 1) (3.7e-9 of it for a 152k vocabulary), so a draw can differ
// from the host's (double sums) only when u lands that close to a boundary between two tokens.
#pragma once

#include "common.cuh"

#define SAMPLE_THREADS 1024  // one block per row: a row's passes are one multiprocessor's, so it takes all it holds
#define NO_TOKEN 0xffffffffffffffffull  // larger than every sort key (indices are below 2^31)
#define RADIX_BINS 256                  // 8 bits of the key per round
#define HIST_COPIES 8                   // warp w adds into copy w % 8
#define TOP_P_TOLERANCE 1e-6            // Sampler.TOP_P_TOLERANCE
#define SAMPLE_UNROLL 8                 // logits a thread loads before it uses the first of them

typedef unsigned long long amount_t;    // a count, or a mass in fixed point

// Calls f(x, i, valid) for the logits a thread owns, i = threadIdx.x + k * blockDim.x in ascending k as a plain
// strided loop would, and for the lanes past the row's end with valid false, so that all 32 lanes of a warp make
// every call (warp-wide exchanges inside f need them all). A row is read a dozen times per draw by one block, so
// a pass waits on its loads: loading SAMPLE_UNROLL of them before using any keeps that many in flight per thread.
// Same tokens, same order: same results as the plain loop. blockDim.x: a multiple of 32.
template <typename F>
__device__ __forceinline__ void each_slot(const float* row, int vocab, F f) {
    const int step = (int) blockDim.x;
    const int warpStart = (int) (threadIdx.x & ~31u);  // the loop's bounds are the warp's, the same in its lanes
    for (int base = warpStart; base < vocab; base += SAMPLE_UNROLL * step) {
        float x[SAMPLE_UNROLL];
#pragma unroll
        for (int u = 0; u < SAMPLE_UNROLL; u++) {
            int i = base + (int) (threadIdx.x & 31) + u * step;
            x[u] = i < vocab ? row[i] : 0.0f;
        }
#pragma unroll
        for (int u = 0; u < SAMPLE_UNROLL; u++) {
            int i = base + (int) (threadIdx.x & 31) + u * step;
            if (base + u * step < vocab) {  // the warp's lanes together
                f(x[u], i, i < vocab);
            }
        }
    }
}

// f(x, i) for every logit of the row a thread owns (each_slot without the lanes past the end).
template <typename F>
__device__ __forceinline__ void each_logit(const float* row, int vocab, F f) {
    each_slot(row, vocab, [&](float x, int i, bool valid) {
        if (valid) {
            f(x, i);
        }
    });
}

// hist[bin] += amount for each lane of the warp (bin < 0: nothing), all 32 lanes calling. Lanes with the same bin
// are summed first and one of them adds: a round's first histogram puts most of a vocabulary into two to four
// bins (logits share their sign and exponent), and 64-bit atomics on one shared address take turns. Up to 4
// distinct bins per call go that way; lanes of further bins add their own (later rounds spread over many bins).
__device__ __forceinline__ void add_to_bins(amount_t* hist, int bin, amount_t amount) {
    const unsigned all = 0xffffffffu;
    unsigned lane = threadIdx.x & 31;
    unsigned left = __ballot_sync(all, bin >= 0);
    for (int k = 0; k < 4 && left != 0; k++) {  // the same in every lane
        int leader = __ffs(left) - 1;
        int b = __shfl_sync(all, bin, leader);
        bool same = bin == b;
        amount_t sum = warp_sum(same ? amount : 0ull);
        if (lane == (unsigned) leader) {
            atomicAdd(&hist[b], sum);
        }
        left &= ~__ballot_sync(all, same);
    }
    if (left & (1u << lane)) {
        atomicAdd(&hist[bin], amount);
    }
}

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
    double scale;        // 2^fracBits
    uint64_t last;

    // Same formula as the host sampler, so weights and min-p agree with it to the last bit of exp.
    __device__ double distance(float x) const { return ((double) maxLogit - x) * invTemperature; }

    __device__ bool keeps(float x, int i) const { return distance(x) <= maxDistance && sort_key(x, i) <= last; }

    // 1 for a count; the fixed-point weight exp(-distance) for a mass (the top token's is exactly `scale`).
    __device__ amount_t amount(float x, bool mass) const {
        return mass ? (amount_t) (exp(-distance(x)) * scale + 0.5) : 1ull;
    }
};

// What a search looks for, as a function of the kept tokens' total amount (count or mass).
struct Target {
    enum Kind { COUNT, TOP_P, DRAW } kind;
    double value;  // k; topP; u

    // The amount the running sum has to reach (>= 1); 0: the kept tokens never reach it (top-k beyond them).
    __device__ amount_t of(amount_t total) const {
        if (kind == COUNT) {
            return (amount_t) value <= total ? (amount_t) value : 0ull;
        }
        if (total == 0) {
            return 0ull;  // nothing kept has weight (sample_rows refuses such rows before searching)
        }
        if (kind == TOP_P) {  // the shortest prefix with mass >= (topP - tolerance) * total; at least one token
            double reach = ceil((value - TOP_P_TOLERANCE) * (double) total);
            return reach <= 1.0 ? 1ull : reach >= (double) total ? total : (amount_t) reach;
        }
        // DRAW: the first token whose running mass exceeds floor(u * total), which is below the total
        amount_t t = (amount_t) (value * (double) total);
        return (t < total ? t : total - 1) + 1;
    }
};

// The token a search found, and the running amount through it (the kept mass when it is a top-p cut).
struct Reached {
    uint64_t key;
    amount_t through;
};

// Among the kept tokens whose logit key is v, in index order: the first at which before + their running amount
// reaches target (the caller knows they do). The usual case, one token on that key, costs one pass and no scan.
__device__ Reached first_reaching_tie(const float* row, int vocab, const Kept& kept, uint32_t v, bool mass,
                                      amount_t before, amount_t target, unsigned tied) {
    if (tied == 1) {
        uint64_t only = NO_TOKEN;
        each_logit(row, vocab, [&](float x, int i) {
            if (ordered(x) == v && kept.keeps(x, i)) {
                only = sort_key(x, i);
            }
        });
        only = block_min(only);
        return {only, before + kept.amount(row[(uint32_t) only], mass)};
    }
    __shared__ amount_t scan[SAMPLE_THREADS];
    __shared__ int found;
    for (int base = 0; base < vocab; base += blockDim.x) {
        int i = base + threadIdx.x;
        bool tie = false;
        amount_t amount = 0;
        if (i < vocab) {
            float x = row[i];
            tie = ordered(x) == v && kept.keeps(x, i);
            amount = tie ? kept.amount(x, mass) : 0ull;
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
            amount_t add = threadIdx.x >= offset ? scan[threadIdx.x - offset] : 0ull;
            __syncthreads();
            scan[threadIdx.x] += add;
            __syncthreads();
        }
        if (tie && before + scan[threadIdx.x] >= target) {
            atomicMin(&found, i);
        }
        __syncthreads();
        if (found < vocab) {
            return {sort_key(row[found], found), before + scan[found - base]};
        }
        before += scan[blockDim.x - 1];
        __syncthreads();  // scan and found are rewritten by the next chunk
    }
    return {NO_TOKEN, before};  // unreachable while the caller's invariant holds
}

// A search's rounds as they went: the histogram each round made of the tokens sharing the bits fixed before it,
// for a second search over the same tokens and amounts to reuse while its bits agree. 9 KiB of shared memory.
struct Rounds {
    amount_t hist[4][RADIX_BINS];
    unsigned tied[RADIX_BINS];  // the last round's tokens per bin
    uint32_t prefix[4];         // the bits fixed before each round
    int count;                  // rounds made
};

// The first kept token, in sort order, at which the running amount of kept tokens reaches target.of(total), where
// total is the kept tokens' whole amount or, when given (> 0), the caller's; NO_TOKEN when that is 0 (top-k larger
// than what min-p left). Each round's histogram goes to `record` when given, and a round whose bits so far are
// those of a round in `replay` takes its histogram from there instead of a pass over the row. Not inlined: one
// copy serves the three searches of a draw (its unrolled passes would otherwise triple the kernel's code).
__device__ __noinline__ Reached find_reaching(const float* row, int vocab, const Kept& kept, bool mass, Target target,
                                              amount_t given, Rounds* record, const Rounds* replay) {
    __shared__ amount_t hist[HIST_COPIES][RADIX_BINS];
    __shared__ amount_t groupSum[RADIX_BINS / 8];
    __shared__ unsigned tiedCount[RADIX_BINS];  // the last round's tokens per bin
    __shared__ int chosen;
    __shared__ amount_t chosenBefore;
    __shared__ amount_t goal;
    uint32_t prefix = 0, prefixMask = 0;
    amount_t before = 0;  // the kept amount above the bits fixed so far (larger logits)
    for (int shift = 24; shift >= 0; shift -= 8) {
        bool lastRound = shift == 0;
        int round = (24 - shift) / 8;
        if (replay != nullptr && round < replay->count && replay->prefix[round] == prefix) {  // the same in every thread
            for (int d = threadIdx.x; d < RADIX_BINS; d += blockDim.x) {
                hist[0][d] = replay->hist[round][d];
                tiedCount[d] = replay->tied[d];  // used after the last round only
            }
        } else {
            for (int e = threadIdx.x; e < HIST_COPIES * RADIX_BINS; e += blockDim.x) {
                hist[e / RADIX_BINS][e % RADIX_BINS] = 0ull;
            }
            for (int e = threadIdx.x; lastRound && e < RADIX_BINS; e += blockDim.x) {
                tiedCount[e] = 0u;
            }
            __syncthreads();
            amount_t* mine = hist[(threadIdx.x >> 5) % HIST_COPIES];
            each_slot(row, vocab, [&](float x, int i, bool valid) {
                uint32_t v = ordered(x);
                bool inPlay = valid && (v & prefixMask) == prefix && kept.keeps(x, i);
                int bin = inPlay ? (int) ((v >> shift) & (RADIX_BINS - 1)) : -1;
                add_to_bins(mine, bin, inPlay ? kept.amount(x, mass) : 0ull);
                if (lastRound && inPlay) {
                    atomicAdd(&tiedCount[bin], 1u);
                }
            });
            __syncthreads();
            for (int d = threadIdx.x; d < RADIX_BINS; d += blockDim.x) {  // merge the copies into copy 0
                amount_t sum = 0;
                for (int c = 0; c < HIST_COPIES; c++) {
                    sum += hist[c][d];
                }
                hist[0][d] = sum;
            }
        }
        if (record != nullptr) {
            for (int d = threadIdx.x; d < RADIX_BINS; d += blockDim.x) {
                record->hist[round][d] = hist[0][d];
                record->tied[d] = lastRound ? tiedCount[d] : 0u;
            }
            if (threadIdx.x == 0) {
                record->prefix[round] = prefix;
                record->count = round + 1;
            }
        }
        __syncthreads();
        for (int g = threadIdx.x; g < RADIX_BINS / 8; g += blockDim.x) {  // groups of 8 bins, from the largest logits down
            amount_t sum = 0;
            for (int d = RADIX_BINS - 1 - 8 * g; d > RADIX_BINS - 9 - 8 * g; d--) {
                sum += hist[0][d];
            }
            groupSum[g] = sum;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            if (shift == 24) {
                amount_t total = 0;
                for (int g = 0; g < RADIX_BINS / 8; g++) {
                    total += groupSum[g];
                }
                goal = target.of(given > 0 ? given : total);
            }
            amount_t run = before;
            int g = 0;
            while (g < RADIX_BINS / 8 - 1 && run + groupSum[g] < goal) {
                run += groupSum[g++];
            }
            int d = RADIX_BINS - 1 - 8 * g;
            while (d > RADIX_BINS - 8 - 8 * g && run + hist[0][d] < goal) {
                run += hist[0][d--];
            }
            chosen = goal == 0 ? -1 : d;
            chosenBefore = run;
        }
        __syncthreads();
        int d = chosen;
        if (d < 0) {
            return {NO_TOKEN, 0ull};
        }
        before = chosenBefore;
        prefix |= (uint32_t) d << shift;
        prefixMask |= (uint32_t) (RADIX_BINS - 1) << shift;
    }
    return first_reaching_tie(row, vocab, kept, prefix, mass, before, goal, tiedCount[prefix & (RADIX_BINS - 1)]);
}

// Top-k, then top-p, then the draw. The draw looks among the tokens top-p keeps, a prefix in sort order whose mass
// top-p found: searching all of top-k's tokens for the same target (a fraction of that mass) finds the same token,
// and then its rounds are top-p's while their bits agree, the first always, so they come from top-p's histograms.
__device__ int draw_token(const float* row, int vocab, float maxLogit, double u, double invTemperature,
                          double maxDistance, int topK, double topP) {
    __shared__ Rounds topPRounds;
    int vocabBits = 0;
    while ((1ll << vocabBits) < vocab) {
        vocabBits++;
    }
    Kept kept = {maxLogit, invTemperature, maxDistance, ldexp(1.0, 63 - vocabBits), NO_TOKEN};
    if (topK > 0 && topK < vocab) {
        Reached kth = find_reaching(row, vocab, kept, false, {Target::COUNT, (double) topK}, 0, nullptr, nullptr);
        kept.last = kth.key;  // NO_TOKEN when min-p left fewer than k tokens
    }
    if (topP < 1.0) {
        Reached cut = find_reaching(row, vocab, kept, true, {Target::TOP_P, topP}, 0, &topPRounds, nullptr);
        return (int) (uint32_t) find_reaching(row, vocab, kept, true, {Target::DRAW, u}, cut.through, nullptr,
                                              &topPRounds).key;
    }
    return (int) (uint32_t) find_reaching(row, vocab, kept, true, {Target::DRAW, u}, 0, nullptr, nullptr).key;
}

// One block of SAMPLE_THREADS per row of logits, row r at logits + r * rowStride: rowStride vocab for the rows of a
// decode step, 0 for drawing several chains' first tokens from the prompt's one row. uniforms[row] < 0 marks an
// inactive row (skipped).
// out[row] = {token, logprob bits, top logprob bits...}: (2 + nTop) ints, log-probabilities of the raw logits.
// nTop is at most vocab. greedy != 0: argmax (lowest index on ties), the other settings unused. A row the host
// sampler would refuse (a NaN or +infinity, or every logit -infinity) gets token -1 and nothing else.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
sample_rows(const float* logits, int vocab, long long rowStride, const double* uniforms, int* out, int nTop,
            int greedy, double invTemperature, double maxDistance, int topK, double topP) {
    double u = uniforms[blockIdx.x];
    if (u < 0.0) {
        return;
    }
    const float* row = logits + (size_t) blockIdx.x * rowStride;
    int* result = out + (size_t) blockIdx.x * (2 + nTop);

    uint64_t best = NO_TOKEN;
    bool invalid = false;
    each_logit(row, vocab, [&](float x, int i) {
        invalid |= !(x < INFINITY);  // NaN or +infinity
        uint64_t key = sort_key(x, i);
        best = key < best ? key : best;
    });
    best = block_min(best);
    int argmax = (int) (uint32_t) best;
    float maxLogit = row[argmax];
    if (__syncthreads_or(invalid) || !(maxLogit > -INFINITY)) {
        if (threadIdx.x == 0) {
            result[0] = -1;
        }
        return;
    }

    double sum = 0.0;
    each_logit(row, vocab, [&](float x, int) { sum += exp((double) x - maxLogit); });
    double logZ = maxLogit + log(block_sum(sum));

    uint64_t previous = best;  // top log-probabilities: the next key after the previous one, nTop times
    for (int j = 0; j < nTop; j++) {
        uint64_t next = best;
        if (j > 0) {
            next = NO_TOKEN;
            each_logit(row, vocab, [&](float x, int i) {
                uint64_t key = sort_key(x, i);
                next = key > previous && key < next ? key : next;
            });
            next = block_min(next);
        }
        if (threadIdx.x == 0) {
            result[2 + j] = __float_as_int((float) ((double) row[(uint32_t) next] - logZ));
        }
        previous = next;
    }

    int token = greedy ? argmax : draw_token(row, vocab, maxLogit, u, invTemperature, maxDistance, topK, topP);
    if (threadIdx.x == 0) {
        result[0] = token;
        result[1] = __float_as_int((float) ((double) row[token] - logZ));
    }
}

// The penalties of dev.reason.sampling.Penalties, launched before sample_rows on the logits [rows, vocab]: Hugging
// Face's repetition penalty, then OpenAI's frequency and presence penalties. history [rows, vocab] holds, per slot and
// token, 1 when the token is in the slot's prompt plus twice the number of times the slot's chain generated it; the
// token fed to the slot at this step, tokens[row], is counted here. Every logit with a history is divided by the
// repetition penalty when positive and multiplied by it when negative; a generated token's then loses frequency
// times its count, then presence. Each operation rounds as Java's float arithmetic does: the _rn intrinsics keep
// nvcc from fusing a multiply and a subtraction. Inactive slots (lengths[row] < 0) are left alone, their history
// too. Grid: (ceil(vocab / 256), rows) x 256.
extern "C" __global__ void penalize_rows(float* logits, int* history, const int* tokens, const int* lengths, int vocab,
                                         float repetition, float presence, float frequency) {
    int row = blockIdx.y;
    int v = blockIdx.x * blockDim.x + threadIdx.x;
    if (v >= vocab || lengths[row] < 0) {
        return;
    }
    size_t at = (size_t) row * vocab + v;
    int h = history[at];
    if (v == tokens[row]) {
        h += 2;
        history[at] = h;
    }
    if (h != 0) {
        float x = logits[at];
        x = x < 0.0f ? x * repetition : x / repetition;
        int times = h >> 1;
        if (times > 0) {
            x = __fsub_rn(x, __fmul_rn(frequency, (float) times));
            x = __fsub_rn(x, presence);
        }
        logits[at] = x;
    }
}

// Hugging Face's no_repeat_ngram_size: the tokens that would repeat an n-gram of a row's sequence (found by the host,
// which holds the sequences) get no probability. bans is [rows, width], padded with -1; grid (ceil(width / block),
// rows).
extern "C" __global__ void ban_tokens(float* logits, const int* bans, int width, int vocab) {
    int row = blockIdx.y;
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= width) {
        return;
    }
    int token = bans[(size_t) row * width + j];
    if (token >= 0 && token < vocab) {
        logits[(size_t) row * vocab + token] = -INFINITY;
    }
}
