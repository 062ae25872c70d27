// The sampling kernels against the host Sampler: replays the cases SamplerCases.java wrote with Sampler.sample(logits,
// offset, vocab, u). The token must be the same in every case, except within 1e-9 of a boundary between two
// tokens (see below), the log-probabilities within 1e-4. Each case runs as one of two rows, the other one inactive
// (u < 0), whose output must stay untouched.
#include "cuda_emulator.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <random>

// The kernel's double exps, counted: on a GPU they are the sampler's main cost (FP64 units), so the search is held
// to a few per vocabulary token (a 32-step bisection per filter, the first version, needed 22.5).
static unsigned long long expCalls = 0;
static double counted_exp(double x) {
    expCalls++;
    return std::exp(x);
}
#define exp counted_exp
#include "reason_kernels.cu"
#undef exp
static const double MAX_EXPS_PER_TOKEN = 4.0;

// One draw as dev.reason.engine.cuda.Kernels.sample launches it: the stats, each search that cuts (its four rounds
// and its tie), then the rows' results; each row cut into `slices`.
static void sample(const float* logits, int rows, int vocab, long long rowStride, const double* uniforms, int* out,
                   int nTop, int greedy, double invTemperature, double maxDistance, int topK, double topP, int slices) {
    std::vector<RowSample> samples(rows);
    launch({(unsigned) slices, (unsigned) rows, 1}, SAMPLE_THREADS, [&] {
        sample_stats(logits, vocab, rowStride, uniforms, samples.data(), slices, nTop);
    });
    for (int kind = SEARCH_TOP_K; !greedy && kind <= SEARCH_DRAW; kind++) {
        bool cuts = kind == SEARCH_TOP_K ? topK > 0 && topK < vocab : kind != SEARCH_TOP_P || topP < 1.0;
        for (int round = 0; cuts && round <= TIE_ROUND; round++) {
            launch({(unsigned) slices, (unsigned) rows, 1}, SAMPLE_THREADS, [&] {
                sample_search(logits, vocab, rowStride, uniforms, samples.data(), slices, invTemperature,
                              maxDistance, topK, topP, kind, round);
            });
        }
    }
    launch({1, (unsigned) rows, 1}, SAMPLE_THREADS, [&] {
        sample_rows(logits, vocab, rowStride, uniforms, samples.data(), slices, out, nTop, greedy);
    });
}

// Double exps per vocabulary token of a draw as `reason throughput` makes it (temperature 0.8, top-p 0.95, 5 top
// log-probabilities) on a 152k vocabulary of normal logits, over four rows of 9 slices (as at 64 chains on an H200).
// Rows the host sampler refuses (a NaN; +infinity; every logit -infinity), drawn and greedy: how many of the
// six get token -1.
static int refused_rows() {
    const int vocab = 37, rows = 3, stride = 2 + 5;
    std::vector<float> logits((size_t) rows * vocab, 0.5f);
    logits[5] = NAN;
    logits[vocab + 7] = INFINITY;
    std::fill(logits.begin() + 2 * vocab, logits.end(), -INFINITY);
    int refused = 0;
    for (int greedy = 0; greedy < 2; greedy++) {
        double uniforms[rows] = {0.3, 0.3, 0.3};
        std::vector<int> out(rows * stride, 7);
        sample(logits.data(), rows, vocab, vocab, uniforms, out.data(), 5, greedy, 1.0, INFINITY, 0, 0.9, 2 + greedy);
        for (int r = 0; r < rows; r++) {
            refused += out[r * stride] == -1;
        }
    }
    return refused;
}

static double throughput_exps_per_token() {
    const int vocab = 151936, rows = 4;
    std::mt19937 random(7);
    std::normal_distribution<float> normal(0.0f, 1.5f);
    std::vector<float> logits((size_t) rows * vocab);
    for (float& x : logits) {
        x = normal(random);
    }
    double uniforms[rows] = {0.1, 0.5, 0.9, 0.99};
    std::vector<int> out(rows * 7);
    expCalls = 0;
    sample(logits.data(), rows, vocab, vocab, uniforms, out.data(), 5, 0, 1.0 / 0.8, INFINITY, 0, 0.95, 9);
    return (double) expCalls / ((double) rows * vocab);
}

// Top log-probabilities beyond what sample_stats' threads keep in registers (SAMPLE_TOP_IN_PASS): nTop 1, 8, 9 and
// 20 on rows of distinct logits and some -infinity (the cases above have the ties), in one slice (about 120 logits
// a thread, so that the first keys often share a thread; with more slices the merge rarely needs a slice's last
// keys), against the sorted logits. Returns the mismatches.
static int many_top_logprobs() {
    const int vocab = 30001, rows = 6;
    std::mt19937 random(5);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    std::vector<float> logits((size_t) rows * vocab);
    for (size_t i = 0; i < logits.size(); i++) {
        logits[i] = i % 7 == 0 ? -INFINITY : normal(random);  // distinct: a wrong key shows as a wrong value
    }
    int mismatches = 0;
    for (int nTop : {1, 8, 9, 20}) {
        double uniforms[rows] = {0.1, 0.25, 0.4, 0.6, 0.75, 0.9};
        std::vector<int> out((size_t) rows * (2 + nTop));
        sample(logits.data(), rows, vocab, vocab, uniforms, out.data(), nTop, 0, 1.0, INFINITY, 0, 1.0, 1);
        for (int r = 0; r < rows; r++) {
            const float* row = &logits[(size_t) r * vocab];
            std::vector<int> order(vocab);
            for (int i = 0; i < vocab; i++) {
                order[i] = i;
            }
            std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });
            double sum = 0.0;
            for (int i = 0; i < vocab; i++) {
                sum += std::exp((double) row[i] - row[order[0]]);
            }
            double logZ = row[order[0]] + std::log(sum);
            for (int j = 0; j < nTop; j++) {
                int32_t bits = out[(size_t) r * (2 + nTop) + 2 + j];
                float got;
                std::memcpy(&got, &bits, 4);
                if (std::fabs(got - (row[order[j]] - logZ)) > 1e-4) {
                    mismatches++;
                    std::printf("top logprob %d of %d, row %d: %g, sorted %g\n", j, nTop, r, got, row[order[j]] - logZ);
                }
            }
        }
    }
    return mismatches;
}

static float float_bits(long long b) {
    int32_t i = (int32_t) b;
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}

static double double_bits(long long b) {
    double d;
    std::memcpy(&d, &b, 8);
    return d;
}

static bool close(float got, float expected) {
    return got == expected || std::fabs((double) got - expected) <= 1e-4;  // == covers -infinity
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: test_sampling CASES_FILE\n");
        return 2;
    }
    std::ifstream in(argv[1]);
    int vocab, nTop, greedy, topK;
    long long invTemperature, maxDistance, topP, u;
    int cases = 0, tokenMismatches = 0, boundaryCases = 0, logprobMismatches = 0, inactiveWritten = 0;
    double worstLogprob = 0.0;
    while (in >> vocab >> nTop >> greedy >> invTemperature >> maxDistance >> topK >> topP >> u) {
        int active = cases % 2;  // the case's row; the other row is inactive
        std::vector<float> logits(2 * (size_t) vocab);
        for (int i = 0; i < vocab; i++) {
            long long b;
            in >> b;
            logits[(size_t) active * vocab + i] = float_bits(b);
            logits[(size_t) (1 - active) * vocab + i] = float_bits(b);
        }
        int token;
        long long logprob;
        in >> token >> logprob;
        std::vector<float> tops(nTop);
        for (float& t : tops) {
            long long b;
            in >> b;
            t = float_bits(b);
        }
        int near[6];  // the host's tokens at u -/+ 1e-9 for three top-p values; -1: that side is open
        for (int& t : near) {
            in >> t;
        }
        if (!in) {
            std::fprintf(stderr, "%s: truncated case %d\n", argv[1], cases + 1);
            return 2;
        }
        const int SENTINEL = -7;
        int stride = 2 + nTop;
        std::vector<int> out(2 * (size_t) stride, SENTINEL);
        double uniforms[2];
        uniforms[active] = double_bits(u);
        uniforms[1 - active] = -1.0;
        // odd cases read row 0 for both rows (stride 0, as a chain's first draw does); it holds the same logits.
        // Slices 1 to 7 in turn, more than a small vocabulary has tokens among them (empty slices).
        sample(logits.data(), 2, vocab, cases % 2 ? 0 : vocab, uniforms, out.data(), nTop, greedy,
               double_bits(invTemperature), double_bits(maxDistance), topK, double_bits(topP), 1 + cases % 7);
        cases++;

        const int* got = &out[(size_t) active * stride];
        for (int j = 0; j < stride; j++) {
            inactiveWritten += out[(size_t) (1 - active) * stride + j] != SENTINEL;
        }
        // Masses are fixed point on the device, doubles on the host: when u lands within 1e-9 of a boundary
        // between two tokens, either side is right. So a token between the host's draws at u -/+ 1e-9, in sort
        // order, counts as a boundary case, not a mismatch.
        bool nearBoundary = false;
        if (got[0] != token && got[0] >= 0 && got[0] < vocab) {
            const float* row = &logits[(size_t) active * vocab];
            uint64_t key = sort_key(row[got[0]], got[0]);
            for (int v = 0; v < 3; v++) {
                uint64_t low = near[2 * v] < 0 ? 0 : sort_key(row[near[2 * v]], near[2 * v]);
                uint64_t high = near[2 * v + 1] < 0 ? NO_TOKEN : sort_key(row[near[2 * v + 1]], near[2 * v + 1]);
                nearBoundary |= low <= key && key <= high;
            }
        }
        if (nearBoundary) {
            boundaryCases++;
            std::printf("case %d: u %.17g top-p %g: kernel token %d, Sampler %d, both within 1e-9 of u\n", cases,
                        double_bits(u), double_bits(topP), got[0], token);
        } else if (got[0] != token) {
            tokenMismatches++;
            std::printf("case %d: vocab %d greedy %d 1/T %g min-p distance %g top-k %d top-p %g u %.17g: "
                        "kernel token %d, Sampler %d\n", cases, vocab, greedy, double_bits(invTemperature),
                        double_bits(maxDistance), topK, double_bits(topP), double_bits(u), got[0], token);
        }
        bool logprobsClose = nearBoundary || close(float_bits(got[1]), float_bits(logprob));
        if (!nearBoundary) {
            worstLogprob = std::max(worstLogprob, std::fabs((double) float_bits(got[1]) - float_bits(logprob)));
        }
        for (int j = 0; j < nTop; j++) {
            float g = float_bits(got[2 + j]);
            logprobsClose &= close(g, tops[j]);
            if (g != tops[j]) {
                worstLogprob = std::max(worstLogprob, std::fabs((double) g - tops[j]));
            }
        }
        if (!logprobsClose) {
            logprobMismatches++;
            std::printf("case %d: logprob %g, Sampler %g; top logprobs", cases, float_bits(got[1]),
                        float_bits(logprob));
            for (int j = 0; j < nTop; j++) {
                std::printf(" %g/%g", float_bits(got[2 + j]), tops[j]);
            }
            std::printf("\n");
        }
    }
    double expsPerToken = throughput_exps_per_token();
    int refusedRows = refused_rows();
    int topMismatches = many_top_logprobs();
    bool pass = cases > 0 && tokenMismatches == 0 && logprobMismatches == 0 && inactiveWritten == 0
                && expsPerToken <= MAX_EXPS_PER_TOKEN && refusedRows == 6 && topMismatches == 0;
    std::printf("sampling: %d cases (%d at a boundary), %d token mismatches, %d logprob mismatches (worst %.2g, "
                "tol 1e-4), %d writes to inactive rows; %d of 6 invalid rows refused; %d mismatches of 1 to 20 top "
                "logprobs; throughput draw: %.2f double exps per token (max %g): %s\n", cases, boundaryCases,
                tokenMismatches, logprobMismatches, worstLogprob, inactiveWritten, refusedRows, topMismatches,
                expsPerToken, MAX_EXPS_PER_TOKEN, pass ? "PASS" : "FAIL");
    return pass ? 0 : 1;
}
