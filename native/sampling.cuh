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
// vocabulary's weights below 2^63. Integer sums are exact in any order, so the atomics give the same bits on every
// run and the prefix masses need no second pass. Rounding moves each weight by at most 2^-(fracBits + 1), the kept
// mass by at most vocab * 2^-(fracBits + 1) (3.7e-9 of it for a 152k vocabulary), so a draw can differ from the
// host's (double sums) only when u lands that close to a boundary between two tokens.
//
// A row is cut into slices of a block each: one block per row would keep only 64 of an H200's 132 multiprocessors
// busy for the whole draw at 64 chains, and one at one chain (what that cost: native/README.md, sampling).
// The blocks of a row meet in its RowSample in global memory, between launches that the host makes in this
// order (Kernels.sample): sample_stats (each slice's best keys and exp sum), sample_search for each round and then
// the tie of each search (top-k, top-p, the draw), and sample_rows, which writes each row's token and
// log-probabilities. A round's histogram is the sum of its slices', exact in any order, so slicing changes no token;
// every block of a launch makes the previous round's choice itself from that sum (the same bits in each), and the
// row's first block records it for the launches after.
#pragma once

#include "common.cuh"

#define SAMPLE_THREADS 256      // a block per slice of a row: one histogram copy per warp
#define SAMPLE_MAX_SLICES 128   // at most SAMPLE_THREADS: a block reads each slice's stats with a thread of its own
#define SAMPLE_MAX_TOP 20       // DeviceSampler.MAX_TOP_LOGPROBS
#define SAMPLE_ROW_BYTES 50440  // sizeof(RowSample): the host allocates rows of it
#define NO_TOKEN 0xffffffffffffffffull  // larger than every sort key (indices are below 2^31)
#define RADIX_BINS 256                  // 8 bits of the key per round
#define HIST_COPIES 8                   // warp w adds into copy w % 8
#define TOP_P_TOLERANCE 1e-6            // Sampler.TOP_P_TOLERANCE
#define SAMPLE_UNROLL 8                 // logits a thread loads before it uses the first of them
#define TIE_ROUND 4                     // sample_search's round after the four radix rounds
#define SAMPLE_TOP_IN_PASS 8            // top keys a thread keeps in sample_stats' pass; more take a pass each

enum SearchKind { SEARCH_TOP_K = 0, SEARCH_TOP_P = 1, SEARCH_DRAW = 2 };

typedef unsigned long long amount_t;    // a count, or a mass in fixed point

// What sample_stats found in one slice of a row.
struct SliceStats {
    uint64_t top[SAMPLE_MAX_TOP];  // the slice's first sort keys (top[0] its best; the first nTop), NO_TOKEN past its end
    double sum;                    // sum of exp(x - maxLogit) over the slice; 0 when maxLogit is -infinity
    float maxLogit;                // the logit of top[0]; -infinity for an empty slice
    int invalid;                   // a NaN or +infinity in the slice
};

// One search of a row, summed over its slices. Cleared by sample_stats.
struct Search {
    amount_t hist[4][RADIX_BINS];  // each round's histogram of the next 8 bits
    amount_t before[5];            // the kept amount above the bits fixed before round r (r = 4: before the key found)
    amount_t goal;                 // the amount to reach, known after round 0; 0: no token reaches it
    uint64_t key;                  // the token found: NO_TOKEN until the tie, and when no token reaches the goal
    amount_t through;              // the running amount through that token (the kept mass, for a top-p cut)
    unsigned tied[RADIX_BINS];     // the last round's tokens per bin
    uint32_t prefix[5];            // the key bits fixed before round r (prefix[4]: the whole key)
};

struct RowSample {
    SliceStats slices[SAMPLE_MAX_SLICES];
    Search search[3];  // by SearchKind
};
static_assert(sizeof(RowSample) == SAMPLE_ROW_BYTES, "SAMPLE_ROW_BYTES, and Kernels.SAMPLE_ROW_BYTES with it");

// Calls f(x, i, valid) for the logits a thread owns, i = threadIdx.x + k * blockDim.x in ascending k as a plain
// strided loop would, and for the lanes past the row's end with valid false, so that all 32 lanes of a warp make
// every call (warp-wide exchanges inside f need them all). A pass waits on its loads: loading SAMPLE_UNROLL of them
// before using any keeps that many in flight per thread. Same tokens, same order: same results as the plain loop.
// blockDim.x: a multiple of 32.
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

// The tokens [begin, end) of a row that block blockIdx.x of `slices` takes: equal parts, the last one shorter.
struct Slice {
    int begin, end;

    __device__ static Slice of(int vocab, int slices) {
        int length = (vocab + slices - 1) / slices;
        int begin = min((int) blockIdx.x * length, vocab);
        return {begin, min(begin + length, vocab)};
    }

    // f(x, i) as each_logit does over the slice's logits, i the index in the row.
    template <typename F>
    __device__ __forceinline__ void each_logit(const float* row, F f) const {
        ::each_logit(row + begin, end - begin, [&](float x, int j) { f(x, begin + j); });
    }

    template <typename F>
    __device__ __forceinline__ void each_slot(const float* row, F f) const {
        ::each_slot(row + begin, end - begin, [&](float x, int j, bool valid) { f(x, begin + j, valid); });
    }
};

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

// Among the kept tokens of the whole row whose logit key is v, in index order: the first at which before + their
// running amount reaches target (the caller knows they do). For two or more tokens tied on the key, which is rare
// enough to take one block over the row: a single tied token is found by every slice (sample_search).
__device__ Reached first_reaching_tie(const float* row, int vocab, const Kept& kept, uint32_t v, bool mass,
                                      amount_t before, amount_t target) {
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

// Where a search stands before a round: the key bits fixed so far, the kept amount above them, and the goal.
struct Position {
    uint32_t prefix;
    amount_t before;
    amount_t goal;  // 0 before round 0's histogram, and when no token reaches it
};

// The position after `round`, from its histogram summed over the slices: the bin, from the largest keys down, in
// which the running amount reaches the goal. After round 0 the goal is first set, a fraction of the histogram's
// total or of `given` when that is > 0. Every thread gets the same result.
__device__ Position after_round(const amount_t* histogram, Position at, int round, Target target, amount_t given) {
    __shared__ amount_t hist[RADIX_BINS];
    __shared__ amount_t groupSum[RADIX_BINS / 8];
    __shared__ Position next;
    for (int d = threadIdx.x; d < RADIX_BINS; d += blockDim.x) {
        hist[d] = histogram[d];
    }
    __syncthreads();
    for (int g = threadIdx.x; g < RADIX_BINS / 8; g += blockDim.x) {  // groups of 8 bins, from the largest logits down
        amount_t sum = 0;
        for (int d = RADIX_BINS - 1 - 8 * g; d > RADIX_BINS - 9 - 8 * g; d--) {
            sum += hist[d];
        }
        groupSum[g] = sum;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        amount_t goal = at.goal;
        if (round == 0) {
            amount_t total = 0;
            for (int g = 0; g < RADIX_BINS / 8; g++) {
                total += groupSum[g];
            }
            goal = target.of(given > 0 ? given : total);
        }
        amount_t run = at.before;
        int g = 0;
        while (g < RADIX_BINS / 8 - 1 && run + groupSum[g] < goal) {
            run += groupSum[g++];
        }
        int d = RADIX_BINS - 1 - 8 * g;
        while (d > RADIX_BINS - 8 - 8 * g && run + hist[d] < goal) {
            run += hist[d--];
        }
        next = {at.prefix | (uint32_t) d << (24 - 8 * round), run, goal};
    }
    __syncthreads();
    Position result = next;
    __syncthreads();  // next and hist are rewritten by the next call
    return result;
}

// The search whose histogram of `round` a search uses: top-p's (cut) when the draw's bits before the round are
// top-p's. The draw looks among the tokens top-p keeps, a prefix in sort order whose mass top-p found: searching all
// of top-k's tokens for the same target (a fraction of that mass) finds the same token, so its rounds are top-p's
// while their bits agree, the first always, and they need no pass of their own.
__device__ const Search* histogram_of(const Search* search, const Search* cut, int round, uint32_t prefix) {
    return cut != nullptr && cut->prefix[round] == prefix ? cut : search;
}

// Adds the slice's in-play tokens (kept, sharing the bits fixed before the round) to the round's histogram of the
// search, by the next 8 bits of their keys; in the last round also their number per bin.
__device__ void histogram_slice(const float* row, Slice slice, const Kept& kept, bool mass, int round, uint32_t prefix,
                                Search* search) {
    __shared__ amount_t hist[HIST_COPIES][RADIX_BINS];
    __shared__ unsigned tiedCount[RADIX_BINS];
    const int shift = 24 - 8 * round;
    const uint32_t prefixMask = round == 0 ? 0u : ~0u << (shift + 8);
    const bool lastRound = round == 3;
    for (int e = threadIdx.x; e < HIST_COPIES * RADIX_BINS; e += blockDim.x) {
        hist[e / RADIX_BINS][e % RADIX_BINS] = 0ull;
    }
    for (int e = threadIdx.x; e < RADIX_BINS; e += blockDim.x) {
        tiedCount[e] = 0u;
    }
    __syncthreads();
    amount_t* mine = hist[(threadIdx.x >> 5) % HIST_COPIES];
    slice.each_slot(row, [&](float x, int i, bool valid) {
        uint32_t v = ordered(x);
        bool inPlay = valid && (v & prefixMask) == prefix && kept.keeps(x, i);
        int bin = inPlay ? (int) ((v >> shift) & (RADIX_BINS - 1)) : -1;
        add_to_bins(mine, bin, inPlay ? kept.amount(x, mass) : 0ull);
        if (lastRound && inPlay) {
            atomicAdd(&tiedCount[bin], 1u);
        }
    });
    __syncthreads();
    for (int d = threadIdx.x; d < RADIX_BINS; d += blockDim.x) {  // the copies' sum, into the row's histogram
        amount_t sum = 0;
        for (int c = 0; c < HIST_COPIES; c++) {
            sum += hist[c][d];
        }
        if (sum != 0) {
            atomicAdd(&search->hist[round][d], sum);
        }
        if (tiedCount[d] != 0) {
            atomicAdd(&search->tied[d], tiedCount[d]);
        }
    }
}

// The row's best sort key, over its slices' (sample_stats); false when the host sampler would refuse the row (a
// NaN or +infinity, or every logit -infinity). The same in every thread.
__device__ bool row_best(const RowSample* sample, int slices, const float* row, uint64_t* best) {
    uint64_t key = NO_TOKEN;
    bool invalid = false;
    if ((int) threadIdx.x < slices) {
        key = sample->slices[threadIdx.x].top[0];
        invalid = sample->slices[threadIdx.x].invalid != 0;
    }
    key = block_min(key);
    invalid = __syncthreads_or(invalid);
    *best = key;
    return !invalid && key != NO_TOKEN && row[(uint32_t) key] > -INFINITY;
}

// Row r of the logits at logits + r * rowStride: rowStride vocab for the rows of a decode step, 0 for drawing
// several chains' first tokens from the prompt's one row. uniforms[row] < 0 marks an inactive row, which every
// kernel here skips. Grids: (slices, rows) for sample_stats and sample_search, (1, rows) for sample_rows; the
// same slices (1 to SAMPLE_MAX_SLICES) and samples ([rows] RowSample) throughout one draw.

// A thread's first sort keys among those it saw, ascending in registers, NO_TOKEN past them: sample_stats keeps
// them in its one pass over the slice, instead of a pass per top log-probability.
struct TopKeys {
    uint64_t key[SAMPLE_TOP_IN_PASS];

    __device__ TopKeys() {
#pragma unroll
        for (int j = 0; j < SAMPLE_TOP_IN_PASS; j++) {
            key[j] = NO_TOKEN;
        }
    }

    // Insertion; keys are unique (they hold the index), so no two compare equal.
    __device__ void add(uint64_t k) {
        if (k >= key[SAMPLE_TOP_IN_PASS - 1]) {
            return;  // the usual case once the list has filled
        }
#pragma unroll
        for (int j = SAMPLE_TOP_IN_PASS - 1; j > 0; j--) {
            key[j] = k < key[j - 1] ? key[j - 1] : k < key[j] ? k : key[j];
        }
        key[0] = k < key[0] ? k : key[0];
    }

    // Drops key[0] (the block took it).
    __device__ void pop() {
#pragma unroll
        for (int j = 0; j < SAMPLE_TOP_IN_PASS - 1; j++) {
            key[j] = key[j + 1];
        }
        key[SAMPLE_TOP_IN_PASS - 1] = NO_TOKEN;
    }
};

// Each slice's first nTop sort keys (at least its best), whether it holds a NaN or +infinity, its largest logit
// and its sum of exp(x - that), in one pass: each thread keeps its own first keys (up to SAMPLE_TOP_IN_PASS; the
// slice's first ones are among the threads' first ones) and a running sum of exp(x - its running maximum),
// rescaled when the maximum grows. The row's first block also clears the row's searches.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
sample_stats(const float* logits, int vocab, long long rowStride, const double* uniforms, RowSample* samples,
             int slices, int nTop) {
    if (uniforms[blockIdx.y] < 0.0) {
        return;
    }
    const float* row = logits + (size_t) blockIdx.y * rowStride;
    RowSample* sample = samples + blockIdx.y;
    if (blockIdx.x == 0) {
        amount_t* words = (amount_t*) sample->search;
        for (size_t w = threadIdx.x; w < 3 * sizeof(Search) / sizeof(amount_t); w += blockDim.x) {
            words[w] = 0ull;
        }
        __syncthreads();
        if (threadIdx.x < 3) {
            sample->search[threadIdx.x].key = NO_TOKEN;
        }
    }
    Slice slice = Slice::of(vocab, slices);
    TopKeys top;
    bool invalid = false;
    float runMax = -INFINITY;
    double runSum = 0.0;  // sum of exp(x - runMax) over the thread's logits so far
    slice.each_logit(row, [&](float x, int i) {
        if (!(x < INFINITY)) {
            invalid = true;  // NaN or +infinity: the row is refused, its sums unused
            return;
        }
        top.add(sort_key(x, i));
        if (x > runMax) {
            runSum = (runMax > -INFINITY ? runSum * exp((double) runMax - x) : 0.0) + 1.0;
            runMax = x;
        } else if (x > -INFINITY) {
            runSum += exp((double) x - runMax);
        }
    });
    invalid = __syncthreads_or(invalid);
    SliceStats* stats = &sample->slices[blockIdx.x];
    int inPass = min(nTop > 1 ? nTop : 1, SAMPLE_TOP_IN_PASS);
    uint64_t best = NO_TOKEN, previous = NO_TOKEN;
    for (int j = 0; j < inPass; j++) {  // the slice's first keys: the smallest of the threads' first, in turn
        uint64_t next = block_min(top.key[0]);
        if (top.key[0] == next) {
            top.pop();
        }
        if (threadIdx.x == 0) {
            stats->top[j] = next;
        }
        best = j == 0 ? next : best;
        previous = next;
    }
    for (int j = inPass; j < nTop; j++) {  // beyond what the threads kept: a pass each
        uint64_t next = NO_TOKEN;
        slice.each_logit(row, [&](float x, int i) {
            uint64_t key = sort_key(x, i);
            next = key > previous && key < next ? key : next;
        });
        next = block_min(next);
        if (threadIdx.x == 0) {
            stats->top[j] = next;
        }
        previous = next;
    }
    float maxLogit = best == NO_TOKEN ? -INFINITY : row[(uint32_t) best];
    double sum = !invalid && runMax > -INFINITY ? runSum * exp((double) runMax - maxLogit) : 0.0;
    sum = block_sum(sum);
    if (threadIdx.x == 0) {
        stats->sum = sum;
        stats->maxLogit = maxLogit;
        stats->invalid = invalid;
    }
}

// One round (0 to 3) of a search over every slice of the row, or its tie (TIE_ROUND): the search's kind, and its
// filters as the host sampler takes them (topK 0 or >= vocab: none; topP 1: none; the draw's u is the row's
// uniform). Top-k's search runs only when it cuts, top-p's only when it does; the draw always.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
sample_search(const float* logits, int vocab, long long rowStride, const double* uniforms, RowSample* samples,
              int slices, double invTemperature, double maxDistance, int topK, double topP, int kind, int round) {
    double u = uniforms[blockIdx.y];
    if (u < 0.0) {
        return;
    }
    const float* row = logits + (size_t) blockIdx.y * rowStride;
    RowSample* sample = samples + blockIdx.y;
    uint64_t best;
    if (!row_best(sample, slices, row, &best)) {
        return;
    }
    int vocabBits = 0;
    while ((1ll << vocabBits) < vocab) {
        vocabBits++;
    }
    bool cutsTopK = topK > 0 && topK < vocab;
    uint64_t last = kind != SEARCH_TOP_K && cutsTopK ? sample->search[SEARCH_TOP_K].key : NO_TOKEN;
    Kept kept = {row[(uint32_t) best], invTemperature, maxDistance, ldexp(1.0, 63 - vocabBits), last};
    Search* search = &sample->search[kind];
    const Search* cut = kind == SEARCH_DRAW && topP < 1.0 ? &sample->search[SEARCH_TOP_P] : nullptr;
    Target target = kind == SEARCH_TOP_K ? Target{Target::COUNT, (double) topK}
                  : kind == SEARCH_TOP_P ? Target{Target::TOP_P, topP} : Target{Target::DRAW, u};
    bool mass = kind != SEARCH_TOP_K;

    Position at = {0u, 0ull, 0ull};
    if (round > 0) {  // the previous round's choice, made again from its histogram in every block
        if (round > 1 && search->goal == 0) {
            return;  // no token reaches the goal: the key stays NO_TOKEN
        }
        Position was = {search->prefix[round - 1], search->before[round - 1], search->goal};
        const Search* from = histogram_of(search, cut, round - 1, was.prefix);
        at = after_round(from->hist[round - 1], was, round - 1, target, cut != nullptr ? cut->through : 0ull);
        if (blockIdx.x == 0 && threadIdx.x == 0) {  // for the launches after this one
            search->prefix[round] = at.prefix;
            search->before[round] = at.before;
            if (round == 1) {
                search->goal = at.goal;  // read by the later rounds' blocks (this launch's read the cleared 0)
            }
        }
        if (at.goal == 0) {
            return;
        }
    }
    Slice slice = Slice::of(vocab, slices);
    if (round < TIE_ROUND) {
        if (histogram_of(search, cut, round, at.prefix) == search) {
            histogram_slice(row, slice, kept, mass, round, at.prefix, search);
        }
        return;
    }
    unsigned tied = histogram_of(search, cut, 3, search->prefix[3])->tied[at.prefix & (RADIX_BINS - 1)];
    if (tied == 1) {  // the slice that holds the one token writes it
        uint64_t only = NO_TOKEN;
        slice.each_logit(row, [&](float x, int i) {
            if (ordered(x) == at.prefix && kept.keeps(x, i)) {
                only = sort_key(x, i);
            }
        });
        only = block_min(only);
        if (only != NO_TOKEN && threadIdx.x == 0) {
            search->key = only;
            search->through = at.before + kept.amount(row[(uint32_t) only], mass);
        }
    } else if (blockIdx.x == 0) {
        Reached found = first_reaching_tie(row, vocab, kept, at.prefix, mass, at.before, at.goal);
        if (threadIdx.x == 0) {
            search->key = found.key;
            search->through = found.through;
        }
    }
}

// Each active row's result, from its slices' stats and its draw: out[row] = {token, logprob bits, top logprob
// bits...}, (2 + nTop) ints, log-probabilities of the raw logits. nTop is at most vocab and SAMPLE_MAX_TOP.
// greedy != 0: argmax (lowest index on ties), and no search ran. A row the host sampler would refuse gets token -1
// and nothing else.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
sample_rows(const float* logits, int vocab, long long rowStride, const double* uniforms, const RowSample* samples,
            int slices, int* out, int nTop, int greedy) {
    if (uniforms[blockIdx.y] < 0.0) {
        return;
    }
    const float* row = logits + (size_t) blockIdx.y * rowStride;
    const RowSample* sample = samples + blockIdx.y;
    int* result = out + (size_t) blockIdx.y * (2 + nTop);
    uint64_t best;
    if (!row_best(sample, slices, row, &best)) {
        if (threadIdx.x == 0) {
            result[0] = -1;
        }
        return;
    }
    float maxLogit = row[(uint32_t) best];
    double sum = 0.0;  // the slices' sums, each taken to the row's largest logit
    if ((int) threadIdx.x < slices && sample->slices[threadIdx.x].maxLogit > -INFINITY) {
        const SliceStats& s = sample->slices[threadIdx.x];
        sum = s.sum * exp((double) s.maxLogit - maxLogit);
    }
    double logZ = maxLogit + log(block_sum(sum));

    int taken = 0;  // top log-probabilities: a merge of the slices' sorted keys, thread t taking slice t's
    for (int j = 0; j < nTop; j++) {
        uint64_t head = (int) threadIdx.x < slices && taken < nTop ? sample->slices[threadIdx.x].top[taken] : NO_TOKEN;
        uint64_t next = block_min(head);
        taken += head == next ? 1 : 0;  // keys hold their index: one slice has it
        if (threadIdx.x == 0) {
            result[2 + j] = __float_as_int((float) ((double) row[(uint32_t) next] - logZ));
        }
    }

    int token = (int) (uint32_t) (greedy ? best : sample->search[SEARCH_DRAW].key);
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
// nvcc from fusing a multiply and a subtraction. Each row has its own penalties, [rows, 3] (repetition, presence,
// frequency): (1, 0, 0) leaves the logits as they are. Inactive slots (lengths[row] < 0) are left alone, their history
// too. Grid: (ceil(vocab / 256), rows) x 256.
extern "C" __global__ void penalize_rows(float* logits, int* history, const int* tokens, const int* lengths, int vocab,
                                         const float* penalties) {
    int row = blockIdx.y;
    int v = blockIdx.x * blockDim.x + threadIdx.x;
    if (v >= vocab || lengths[row] < 0) {
        return;
    }
    float repetition = penalties[3 * row], presence = penalties[3 * row + 1], frequency = penalties[3 * row + 2];
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
