// Each kernel of reason_kernels.cu against a plain C++ reference in double: odd GEMM shapes with and without
// accumulation, RoPE and the KV cache writes, attention over the prompt and slot caches (head dims 8 to 256, GQA,
// idle and restarted slots), RMSNorm, SwiGLU and the embedding lookup, in both cache and weight precisions; and the
// repetition penalty and the fused ends of split-K GEMMs, exactly.
// Launch shapes are those of dev.reason.engine.cuda.Kernels.
#include "cuda_emulator.h"
#include "reason_kernels.cu"
#include "attention_by_head.h"

#include <random>
#include <string>

static std::mt19937 rng(1);
static int failures = 0;

static std::vector<float> random_vector(size_t n) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(n);
    for (float& e : v) {
        e = normal(rng);
    }
    return v;
}

static float round_bf16(float f) { return __bfloat162float(__float2bfloat16(f)); }
static float as_float(float f) { return f; }
static float as_float(bf16 h) { return __bfloat162float(h); }
static void set(float& e, float f) { e = f; }
static void set(bf16& e, float f) { e = __float2bfloat16(f); }
template <typename T> constexpr const char* type_name() { return std::is_same_v<T, float> ? "f32" : "bf16"; }

static void check(const std::string& what, double error, double tolerance) {
    bool pass = error <= tolerance;  // false for NaN
    std::printf("  %-52s error %-9.3g tol %-8.3g %s\n", what.c_str(), error, tolerance, pass ? "ok" : "FAIL");
    failures += !pass;
}

static unsigned blocks(int n, int per) { return (unsigned) ((n + per - 1) / per); }

// y = x w^T + bias (+ y): the bf16 kernel takes x and w in bf16, so the reference rounds them too. parts:
// gemm_bf16's split-K (gridDim.z), finished by gemm_reduce when above 1; xOffset: x starts that many elements into
// its buffer (1 makes it misaligned for the 16-byte loads, so the element-wise path runs).
template <typename W>
static void test_gemm(int rows, int outs, int ins, int parts = 1, int xOffset = 0) {
    bool fp32 = std::is_same_v<W, float>;
    auto xBuffer = random_vector((size_t) rows * ins + xOffset), w = random_vector((size_t) outs * ins);
    const float* x = xBuffer.data() + xOffset;
    std::vector<bf16> xStored(xBuffer.size());  // gemm_bf16's input type
    for (size_t i = 0; i < xBuffer.size(); i++) {
        set(xStored[i], xBuffer[i]);
    }
    auto bias = random_vector(outs), y0 = random_vector((size_t) rows * outs);
    std::vector<W> weights(w.size());
    for (size_t i = 0; i < w.size(); i++) {
        set(weights[i], w[i]);
    }
    std::vector<float> partial((size_t) parts * rows * outs, NAN);
    for (int accumulate = 0; accumulate < 2; accumulate++) {
        std::vector<float> y = y0;
        if constexpr (std::is_same_v<W, float>) {
            launch({blocks(rows, 16), blocks(outs, 16), 1}, 256, [&] {
                gemm_f32(x, weights.data(), bias.data(), y.data(), rows, outs, ins, accumulate);
            });
        } else {
            launch({blocks(rows, GEMM_TILE), blocks(outs, GEMM_TILE), (unsigned) parts}, 128, [&] {
                gemm_bf16(xStored.data() + xOffset, weights.data(), bias.data(), y.data(), partial.data(), rows, outs,
                          ins, accumulate);
            });
            if (parts > 1) {
                launch({blocks(rows * outs, 256), 1, 1}, 256, [&] {
                    gemm_reduce(partial.data(), bias.data(), y.data(), rows, outs, parts, accumulate);
                });
            }
        }
        double error = 0.0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < outs; c++) {
                double sum = bias[c] + (accumulate ? y0[(size_t) r * outs + c] : 0.0);
                for (int k = 0; k < ins; k++) {
                    float a = x[(size_t) r * ins + k], b = w[(size_t) c * ins + k];
                    sum += (double) (fp32 ? a : round_bf16(a)) * (fp32 ? b : round_bf16(b));
                }
                error = std::max(error, std::fabs(sum - y[(size_t) r * outs + c]));
            }
        }
        check("gemm_" + std::string(type_name<W>()) + " " + std::to_string(rows) + "x" + std::to_string(outs) + "x"
                      + std::to_string(ins) + (parts > 1 ? " split " + std::to_string(parts) : "")
                      + (xOffset ? " unaligned x" : "") + (accumulate ? " accumulate" : ""),
              error, 1e-3);
    }
}

// Rotate-half RoPE of one head vector at a position, in double.
static void rotate(const float* v, int position, const std::vector<float>& invFreq, int headDim, double* out) {
    int half = headDim / 2;
    for (int i = 0; i < half; i++) {
        double angle = position * (double) invFreq[i];
        out[i] = v[i] * std::cos(angle) - v[i + half] * std::sin(angle);
        out[i + half] = v[i + half] * std::cos(angle) + v[i] * std::sin(angle);
    }
}

// A stored value (cache entry, or a GEMM input a kernel wrote) against the reference: the absolute difference for
// fp32; for bf16 relative to the value (at least 0.01), where rounding alone gives up to 2^-8 = 0.0039.
template <typename KV>
static double stored_error(KV got, double expected) {
    double difference = std::fabs(as_float(got) - expected);
    return std::is_same_v<KV, float> ? difference : difference / std::max(std::fabs(expected), 1e-2);
}

// Softmax attention of q over the given keys and values, in double, as the reference for attention_*.
static void attend_reference(const float* q, const std::vector<const float*>& keys,
                             const std::vector<const float*>& values, int headDim, float scale, double* out) {
    std::vector<double> score(keys.size());
    double top = -INFINITY;
    for (size_t j = 0; j < keys.size(); j++) {
        double dot = 0.0;
        for (int d = 0; d < headDim; d++) {
            dot += (double) (q[d] * scale) * keys[j][d];
        }
        score[j] = dot;
        top = std::max(top, dot);
    }
    double total = 0.0;
    for (double& s : score) {
        s = std::exp(s - top);
        total += s;
    }
    for (int d = 0; d < headDim; d++) {
        double sum = 0.0;
        for (size_t j = 0; j < keys.size(); j++) {
            sum += score[j] * values[j][d];
        }
        out[d] = sum / total;
    }
}

// rope_store_* then attention_*: a prefill of promptLen rows into a range of a larger pool, then decode steps over
// three slots: slot 0 runs throughout, slot 1 stays idle (length -1: no cache writes, zero output), slot 2 reads a
// shorter prompt (the prefill's first promptLen - 1 positions), pauses at step 1 and starts a new chain at step 2
// (length 0 again). The pool's positions outside the prompt keep their sentinel. RoPE and the cache writes are checked against rotate(); attention against
// attend_reference() over the kernel's own cache, so that the two checks stay separate.
template <typename KV>
static void test_rope_attention(int headDim, int heads, int kvHeads, int promptLen, int warps) {
    const int slots = 3, maxNew = 4, steps = 3;
    const int qkvDim = (heads + 2 * kvHeads) * headDim, group = heads / kvHeads;
    const float scale = (float) (1.0 / std::sqrt((double) headDim));
    std::vector<float> invFreq(headDim / 2);
    for (int i = 0; i < headDim / 2; i++) {
        invFreq[i] = (float) (1.0 / std::pow(10000.0, 2.0 * i / headDim));
    }
    const float SENTINEL = 1024.0f;  // exact in bf16 too
    const int start = 3, cap = promptLen + 5;  // the prompt's range in the pool
    std::vector<KV> promptK((size_t) kvHeads * cap * headDim), promptV(promptK.size());
    std::vector<KV> slotK((size_t) slots * kvHeads * maxNew * headDim), slotV(slotK.size());
    for (auto* cache : {&promptK, &promptV, &slotK, &slotV}) {
        for (KV& e : *cache) {
            set(e, SENTINEL);
        }
    }
    std::vector<int> lengths(slots, -1);
    auto pk = [&](int g, int j) { return &promptK[((size_t) g * cap + start + j) * headDim]; };
    auto pv = [&](int g, int j) { return &promptV[((size_t) g * cap + start + j) * headDim]; };
    std::vector<int> prompts;  // prefill: the prompt's start and the first row's position; decode: a pair a slot
    const int shorter = std::max(1, promptLen - 1);  // slot 2's prompt
    auto sk = [&](int s, int g, int j) { return &slotK[(((size_t) s * kvHeads + g) * maxNew + j) * headDim]; };
    auto sv = [&](int s, int g, int j) { return &slotV[(((size_t) s * kvHeads + g) * maxNew + j) * headDim]; };
    auto floats = [&](const KV* p) {  // the cache as the reference reads it
        std::vector<float> f(headDim);
        for (int d = 0; d < headDim; d++) {
            f[d] = as_float(p[d]);
        }
        return f;
    };
    std::string shape = std::string(type_name<KV>()) + " head_dim " + std::to_string(headDim) + ", "
            + std::to_string(heads) + "/" + std::to_string(kvHeads) + " heads, prompt " + std::to_string(promptLen)
            + ", " + std::to_string(warps) + " warps";
    std::vector<double> rotated(headDim), expected(headDim);

    // Prefill: row r is position r, in two chunks (the second's rows attend to the first's cached positions).
    auto qkv = random_vector((size_t) promptLen * qkvDim);
    const auto input = qkv;
    std::vector<KV> out((size_t) promptLen * heads * headDim);
    const int half = promptLen / 2;
    for (auto [first, rows] : {std::pair{0, half}, {half, promptLen - half}}) {
        if (rows == 0) {
            continue;
        }
        prompts = {start, first};
        float* chunk = qkv.data() + (size_t) first * qkvDim;
        KV* chunkOut = out.data() + (size_t) first * heads * headDim;
        launch({(unsigned) rows, 1, 1}, 128, [&] {
            if constexpr (std::is_same_v<KV, float>) {
                rope_store_f32(chunk, invFreq.data(), heads, kvHeads, headDim, promptK.data(), promptV.data(), cap,
                               prompts.data(), slotK.data(), slotV.data(), maxNew, lengths.data(), 0);
            } else {
                rope_store_bf16(chunk, invFreq.data(), heads, kvHeads, headDim, promptK.data(), promptV.data(), cap,
                                prompts.data(), slotK.data(), slotV.data(), maxNew, lengths.data(), 0);
            }
        });
        launch({(unsigned) rows, (unsigned) kvHeads, blocks(group, ATTENTION_GROUP)}, 32u * warps, [&] {
            attention_by_head(chunk, chunkOut, heads, kvHeads, headDim,
                              promptK.data(), promptV.data(), cap, prompts.data(), slotK.data(), slotV.data(), maxNew,
                              lengths.data(), 0, scale);
        });
    }
    double ropeError = 0.0, cacheError = 0.0, attentionError = 0.0;
    for (int r = 0; r < promptLen; r++) {
        const float* in = &input[(size_t) r * qkvDim];
        for (int h = 0; h < heads + kvHeads; h++) {  // q and k rotated in place
            rotate(in + h * headDim, r, invFreq, headDim, rotated.data());
            for (int d = 0; d < headDim; d++) {
                ropeError = std::max(ropeError, std::fabs(rotated[d] - qkv[(size_t) r * qkvDim + h * headDim + d]));
            }
        }
        for (int g = 0; g < kvHeads; g++) {
            rotate(in + (heads + g) * headDim, r, invFreq, headDim, rotated.data());
            for (int d = 0; d < headDim; d++) {
                cacheError = std::max(cacheError, stored_error(pk(g, r)[d], rotated[d]));
                cacheError = std::max(cacheError, stored_error(pv(g, r)[d], in[(heads + kvHeads + g) * headDim + d]));
            }
        }
    }
    for (int r = 0; r < promptLen; r++) {
        for (int h = 0; h < heads; h++) {
            std::vector<std::vector<float>> k, v;
            for (int j = 0; j <= r; j++) {
                k.push_back(floats(pk(h / group, j)));
                v.push_back(floats(pv(h / group, j)));
            }
            std::vector<const float*> kp, vp;
            for (size_t j = 0; j < k.size(); j++) {
                kp.push_back(k[j].data());
                vp.push_back(v[j].data());
            }
            attend_reference(&qkv[(size_t) r * qkvDim + h * headDim], kp, vp, headDim, scale, expected.data());
            for (int d = 0; d < headDim; d++) {
                attentionError = std::max(attentionError,
                                          stored_error(out[((size_t) r * heads + h) * headDim + d], expected[d]));
            }
        }
    }
    bool fp32 = std::is_same_v<KV, float>;
    check("prefill rope " + shape, ropeError, 2e-5);
    check("prefill cache writes " + shape, cacheError, fp32 ? 2e-5 : 5e-3);
    check("prefill attention " + shape, attentionError, fp32 ? 1e-4 : 5e-3);

    // Decode: row s is slot s at position (its prompt's length) + lengths[s].
    ropeError = cacheError = attentionError = 0.0;
    prompts = {start, promptLen, start, promptLen, start, shorter};
    const int promptOf[slots] = {promptLen, promptLen, shorter};
    double idleOutput = 0.0;
    int length[slots] = {0, 0, 0};
    for (int step = 0; step < steps; step++) {
        bool active[slots] = {true, false, step != 1};
        if (step == 2) {
            length[2] = 0;  // a new chain in slot 2
        }
        for (int s = 0; s < slots; s++) {
            lengths[s] = active[s] ? length[s] : -1;
        }
        auto rows = random_vector((size_t) slots * qkvDim);
        const auto rowsIn = rows;
        std::vector<KV> rowsOut((size_t) slots * heads * headDim);
        for (KV& e : rowsOut) {
            set(e, SENTINEL);
        }
        launch({slots, 1, 1}, 128, [&] {
            if constexpr (std::is_same_v<KV, float>) {
                rope_store_f32(rows.data(), invFreq.data(), heads, kvHeads, headDim, promptK.data(), promptV.data(),
                               cap, prompts.data(), slotK.data(), slotV.data(), maxNew, lengths.data(), 1);
            } else {
                rope_store_bf16(rows.data(), invFreq.data(), heads, kvHeads, headDim, promptK.data(),
                                promptV.data(), cap, prompts.data(), slotK.data(), slotV.data(), maxNew,
                                lengths.data(), 1);
            }
        });
        launch({slots, (unsigned) kvHeads, blocks(group, ATTENTION_GROUP)}, 32u * warps, [&] {
            attention_by_head(rows.data(), rowsOut.data(), heads, kvHeads, headDim, promptK.data(), promptV.data(),
                              cap, prompts.data(), slotK.data(), slotV.data(), maxNew, lengths.data(), 1, scale);
        });
        for (int s = 0; s < slots; s++) {
            if (!active[s]) {
                for (int e = 0; e < heads * headDim; e++) {
                    idleOutput = std::max(idleOutput,
                                          (double) std::fabs(as_float(rowsOut[(size_t) s * heads * headDim + e])));
                }
                continue;
            }
            int position = promptOf[s] + length[s];
            const float* in = &rowsIn[(size_t) s * qkvDim];
            for (int h = 0; h < heads + kvHeads; h++) {
                rotate(in + h * headDim, position, invFreq, headDim, rotated.data());
                for (int d = 0; d < headDim; d++) {
                    ropeError = std::max(ropeError,
                                         std::fabs(rotated[d] - rows[(size_t) s * qkvDim + h * headDim + d]));
                }
            }
            for (int g = 0; g < kvHeads; g++) {
                rotate(in + (heads + g) * headDim, position, invFreq, headDim, rotated.data());
                for (int d = 0; d < headDim; d++) {
                    cacheError = std::max(cacheError, stored_error(sk(s, g, length[s])[d], rotated[d]));
                    double value = in[(heads + kvHeads + g) * headDim + d];
                    cacheError = std::max(cacheError, stored_error(sv(s, g, length[s])[d], value));
                }
            }
            for (int h = 0; h < heads; h++) {  // the whole prompt, then the slot's own keys including this one
                int g = h / group;
                std::vector<std::vector<float>> k, v;
                for (int j = 0; j < promptOf[s]; j++) {
                    k.push_back(floats(pk(g, j)));
                    v.push_back(floats(pv(g, j)));
                }
                for (int j = 0; j <= length[s]; j++) {
                    k.push_back(floats(sk(s, g, j)));
                    v.push_back(floats(sv(s, g, j)));
                }
                std::vector<const float*> kp, vp;
                for (size_t j = 0; j < k.size(); j++) {
                    kp.push_back(k[j].data());
                    vp.push_back(v[j].data());
                }
                attend_reference(&rows[(size_t) s * qkvDim + h * headDim], kp, vp, headDim, scale, expected.data());
                for (int d = 0; d < headDim; d++) {
                    attentionError = std::max(
                            attentionError, stored_error(rowsOut[((size_t) s * heads + h) * headDim + d], expected[d]));
                }
            }
            length[s]++;
        }
    }
    double idleCache = 0.0;  // slot 1 never ran: its cache must still hold the sentinel, as the pool outside the prompt
    for (int g = 0; g < kvHeads; g++) {
        for (int j = 0; j < cap; j++) {
            for (int d = 0; d < headDim && (j < start || j >= start + promptLen); d++) {
                idleCache = std::max(idleCache, std::fabs((double) as_float(promptK[((size_t) g * cap + j) * headDim + d]) - SENTINEL));
                idleCache = std::max(idleCache, std::fabs((double) as_float(promptV[((size_t) g * cap + j) * headDim + d]) - SENTINEL));
            }
        }
    }
    for (int g = 0; g < kvHeads; g++) {
        for (int j = 0; j < maxNew; j++) {
            for (int d = 0; d < headDim; d++) {
                idleCache = std::max(idleCache, std::fabs((double) as_float(sk(1, g, j)[d]) - SENTINEL));
                idleCache = std::max(idleCache, std::fabs((double) as_float(sv(1, g, j)[d]) - SENTINEL));
            }
        }
    }
    check("decode rope " + shape, ropeError, 2e-5);
    check("decode cache writes " + shape, cacheError, fp32 ? 2e-5 : 5e-3);
    check("decode attention " + shape, attentionError, fp32 ? 1e-4 : 5e-3);
    check("idle slot: zero output, cache untouched; pool outside the prompt untouched", std::max(idleOutput, idleCache), 0.0);
}

template <typename Y>
static void test_rmsnorm(int rows, int hidden) {
    auto x = random_vector((size_t) rows * hidden), weight = random_vector(hidden);
    std::vector<Y> y(x.size());
    const float eps = 1e-5f;
    launch({(unsigned) rows, 1, 1}, ROW_THREADS, [&] {
        if constexpr (std::is_same_v<Y, float>) {
            rmsnorm_f32(x.data(), weight.data(), y.data(), hidden, eps);
        } else {
            rmsnorm_bf16(x.data(), weight.data(), y.data(), hidden, eps);
        }
    });
    double error = 0.0;
    for (int r = 0; r < rows; r++) {
        double squares = 0.0;
        for (int i = 0; i < hidden; i++) {
            squares += (double) x[(size_t) r * hidden + i] * x[(size_t) r * hidden + i];
        }
        double scale = 1.0 / std::sqrt(squares / hidden + eps);
        for (int i = 0; i < hidden; i++) {
            size_t at = (size_t) r * hidden + i;
            error = std::max(error, stored_error(y[at], x[at] * scale * weight[i]));
        }
    }
    check(std::string("rmsnorm_") + type_name<Y>() + " hidden " + std::to_string(hidden), error,
          std::is_same_v<Y, float> ? 1e-5 : 5e-3);
}

// head_rmsnorm: each query head with qNorm, each key head with kNorm, the values untouched.
static void test_head_rmsnorm(int rows, int heads, int kvHeads, int headDim) {
    int width = (heads + 2 * kvHeads) * headDim;
    auto qkv = random_vector((size_t) rows * width), qNorm = random_vector(headDim), kNorm = random_vector(headDim);
    std::vector<float> out = qkv;
    const float eps = 1e-6f;
    launch({(unsigned) rows, (unsigned) (heads + kvHeads), 1}, 64,
           [&] { head_rmsnorm(out.data(), qNorm.data(), kNorm.data(), heads, kvHeads, headDim, eps); });
    double error = 0.0;
    for (int r = 0; r < rows; r++) {
        for (int h = 0; h < heads + 2 * kvHeads; h++) {
            const float* v = qkv.data() + (size_t) r * width + (size_t) h * headDim;
            double squares = 0.0;
            for (int i = 0; i < headDim; i++) {
                squares += (double) v[i] * v[i];
            }
            double scale = h < heads + kvHeads ? 1.0 / std::sqrt(squares / headDim + eps) : 1.0;
            const float* w = h < heads ? qNorm.data() : h < heads + kvHeads ? kNorm.data() : nullptr;
            for (int i = 0; i < headDim; i++) {
                double want = w ? v[i] * scale * w[i] : v[i];
                error = std::max(error, std::abs(out[(size_t) r * width + (size_t) h * headDim + i] - want));
            }
        }
    }
    check("head_rmsnorm heads " + std::to_string(heads) + "/" + std::to_string(kvHeads) + " head_dim "
          + std::to_string(headDim), error, 1e-5);
}

template <typename A>
static void test_swiglu(int rows, int inter) {
    auto gateUp = random_vector((size_t) rows * 2 * inter);
    std::vector<A> act((size_t) rows * inter);
    launch({(unsigned) rows, blocks(inter, 256), 1}, 256, [&] {
        if constexpr (std::is_same_v<A, float>) {
            swiglu_f32(gateUp.data(), act.data(), inter);
        } else {
            swiglu_bf16(gateUp.data(), act.data(), inter);
        }
    });
    double error = 0.0;
    for (int r = 0; r < rows; r++) {
        for (int i = 0; i < inter; i++) {
            double gate = gateUp[(size_t) r * 2 * inter + i], up = gateUp[(size_t) r * 2 * inter + inter + i];
            error = std::max(error, stored_error(act[(size_t) r * inter + i], gate / (1.0 + std::exp(-gate)) * up));
        }
    }
    check(std::string("swiglu_") + type_name<A>() + " intermediate " + std::to_string(inter), error,
          std::is_same_v<A, float> ? 1e-5 : 5e-3);
}

// Rows of the table; zeros for ids outside the vocabulary.
template <typename W>
static void test_embed() {
    const int hidden = 50, vocab = 7;
    std::vector<int> tokens = {3, vocab, -1, 0, vocab - 1};
    auto table = random_vector((size_t) vocab * hidden);
    std::vector<W> stored(table.size());
    for (size_t i = 0; i < table.size(); i++) {
        set(stored[i], table[i]);
    }
    std::vector<float> x(tokens.size() * hidden, 5.0f);
    launch({(unsigned) tokens.size(), 1, 1}, 256, [&] {
        if constexpr (std::is_same_v<W, float>) {
            embed_f32(tokens.data(), stored.data(), x.data(), hidden, vocab);
        } else {
            embed_bf16(tokens.data(), stored.data(), x.data(), hidden, vocab);
        }
    });
    double error = 0.0;
    for (size_t r = 0; r < tokens.size(); r++) {
        bool valid = tokens[r] >= 0 && tokens[r] < vocab;
        for (int i = 0; i < hidden; i++) {
            float expected = valid ? as_float(stored[(size_t) tokens[r] * hidden + i]) : 0.0f;
            error = std::max(error, (double) std::fabs(x[r * hidden + i] - expected));
        }
    }
    check(std::string("embed_") + type_name<W>() + " with out-of-range ids", error, 0.0);
}

// penalize_rows: the fed token is counted in each active row's history, every logit with a history is penalized with
// the host's float formula (bit for bit: each operation rounded once, as Java does), an inactive row keeps its logits
// and history. A vocabulary not a multiple of the block; logits of both signs, zeros and -infinity; histories of
// prompt tokens, generated ones and both; a fed token already counted. Each row has its own penalties: row 1 none
// (1, 0, 0), which must leave its logits bit for bit while its history still counts the fed token.
static void test_penalize(float repetition, float presence, float frequency) {
    const int rows = 4, vocab = 1000;
    std::vector<float> logits = random_vector((size_t) rows * vocab);
    std::vector<int> history((size_t) rows * vocab);
    std::uniform_int_distribution<int> pick(0, 9);
    for (size_t i = 0; i < history.size(); i++) {
        int p = pick(rng);
        history[i] = p == 0 ? 1 : p == 1 ? 2 * (1 + pick(rng)) : p == 2 ? 1 + 2 * (1 + pick(rng)) : 0;
        logits[i] = i % 97 == 0 ? 0.0f : i % 89 == 0 ? -INFINITY : 4.0f * logits[i];
    }
    std::vector<int> tokens = {999, 5, 17, 0};
    std::vector<int> lengths = {0, 3, -1, 7};  // row 2 is an inactive slot
    history[3 * vocab + 0] = 5;                // row 3's fed token is in the prompt and was generated twice
    std::vector<float> penalties;  // [rows, 3]: repetition, presence, frequency
    for (int r = 0; r < rows; r++) {
        penalties.insert(penalties.end(), r == 1 ? std::initializer_list<float>{1.0f, 0.0f, 0.0f}
                                                 : std::initializer_list<float>{repetition, presence, frequency});
    }
    std::vector<float> expectedLogits = logits;
    std::vector<int> expectedHistory = history;
    for (int r = 0; r < rows; r++) {
        if (lengths[r] < 0) {
            continue;
        }
        expectedHistory[(size_t) r * vocab + tokens[r]] += 2;
        for (int v = 0; v < vocab; v++) {
            float& x = expectedLogits[(size_t) r * vocab + v];
            int h = expectedHistory[(size_t) r * vocab + v];
            if (h != 0 && r != 1) {
                x = x < 0.0f ? x * repetition : x / repetition;
                if (h / 2 > 0) {
                    x = x - frequency * (float) (h / 2);
                    x = x - presence;
                }
            }
        }
    }
    launch({blocks(vocab, 256), rows, 1}, 256, [&] {
        penalize_rows(logits.data(), history.data(), tokens.data(), lengths.data(), vocab, penalties.data());
    });
    double differing = 0;
    for (size_t i = 0; i < logits.size(); i++) {
        differing += std::memcmp(&logits[i], &expectedLogits[i], 4) != 0 || history[i] != expectedHistory[i];
    }
    check("penalize_rows " + std::to_string(repetition) + " " + std::to_string(presence) + " "
          + std::to_string(frequency) + ": logits or history not bit-equal", differing, 0.0);
}

// The fused ends of split-K GEMMs against the kernels they stand for, bit for bit: reduce_rmsnorm_bf16 as gemm_reduce
// (accumulating into x) then rmsnorm_bf16, reduce_swiglu_bf16 as gemm_reduce then swiglu_bf16, from the same parts.
static void test_fused_reduces(int rows, int width, int parts) {
    auto partial = random_vector((size_t) parts * rows * 2 * width), bias = random_vector(2 * width);
    auto x0 = random_vector((size_t) rows * width), weight = random_vector(width);
    float eps = 1e-5f;
    std::vector<float> xFused = x0, xPlain = x0;
    std::vector<bf16> yFused((size_t) rows * width), yPlain((size_t) rows * width);
    launch({(unsigned) rows, 1, 1}, ROW_THREADS, [&] {
        reduce_rmsnorm_bf16(partial.data(), bias.data(), xFused.data(), weight.data(), yFused.data(), rows, width,
                            parts, eps);
    });
    launch({blocks(rows * width, 256), 1, 1}, 256,
           [&] { gemm_reduce(partial.data(), bias.data(), xPlain.data(), rows, width, parts, 1); });
    launch({(unsigned) rows, 1, 1}, ROW_THREADS,
           [&] { rmsnorm_bf16(xPlain.data(), weight.data(), yPlain.data(), width, eps); });
    double differing = 0;
    for (size_t i = 0; i < xFused.size(); i++) {
        differing += xFused[i] != xPlain[i] || yFused[i].bits != yPlain[i].bits;
    }
    check("reduce_rmsnorm_bf16 " + std::to_string(rows) + "x" + std::to_string(width) + " of " + std::to_string(parts)
                  + " parts: x or y not bit-equal",
          differing, 0.0);

    std::vector<float> gateUp((size_t) rows * 2 * width);
    std::vector<bf16> actFused((size_t) rows * width), actPlain((size_t) rows * width);
    launch({blocks(rows * width, 256), 1, 1}, 256,
           [&] { reduce_swiglu_bf16(partial.data(), bias.data(), actFused.data(), rows, width, parts); });
    launch({blocks(rows * 2 * width, 256), 1, 1}, 256,
           [&] { gemm_reduce(partial.data(), bias.data(), gateUp.data(), rows, 2 * width, parts, 0); });
    launch({(unsigned) rows, blocks(width, 256), 1}, 256, [&] { swiglu_bf16(gateUp.data(), actPlain.data(), width); });
    differing = 0;
    for (size_t i = 0; i < actFused.size(); i++) {
        differing += actFused[i].bits != actPlain[i].bits;
    }
    check("reduce_swiglu_bf16 " + std::to_string(rows) + "x" + std::to_string(width) + " of " + std::to_string(parts)
                  + " parts: act not bit-equal",
          differing, 0.0);
}

// reduce_rope_store_bf16 against gemm_reduce then rope_store_bf16, bit for bit: the q/k/v rows and both caches, in
// prefill (row r at position r) and in decode (slots at their own lengths, an idle one among them).
static void test_reduce_rope_store(int decode) {
    const int rows = 3, heads = 4, kvHeads = 2, headDim = 16, promptLen = 5, maxNew = 6, parts = 3;
    const int width = (heads + 2 * kvHeads) * headDim;
    std::vector<float> invFreq(headDim / 2);
    for (int i = 0; i < headDim / 2; i++) {
        invFreq[i] = (float) (1.0 / std::pow(10000.0, 2.0 * i / headDim));
    }
    auto partial = random_vector((size_t) parts * rows * width), bias = random_vector(width);
    std::vector<int> lengths = decode ? std::vector<int>{2, -1, 0} : std::vector<int>(rows, 0);
    // decode: each slot its own prompt in the pool; prefill: positions 1.. of the pool
    std::vector<int> prompts = decode ? std::vector<int>{0, 2, 0, 0, 2, 3} : std::vector<int>{1, 0};
    struct Run {
        std::vector<float> qkv;
        std::vector<bf16> pk, pv, sk, sv;
    };
    auto fresh = [&] {
        return Run{std::vector<float>((size_t) rows * width), std::vector<bf16>((size_t) kvHeads * promptLen * headDim),
                   std::vector<bf16>((size_t) kvHeads * promptLen * headDim),
                   std::vector<bf16>((size_t) rows * kvHeads * maxNew * headDim),
                   std::vector<bf16>((size_t) rows * kvHeads * maxNew * headDim)};
    };
    Run fused = fresh(), plain = fresh();
    launch({(unsigned) rows, 1, 1}, ROW_THREADS, [&] {
        reduce_rope_store_bf16(partial.data(), bias.data(), fused.qkv.data(), rows, invFreq.data(), heads, kvHeads,
                               headDim, fused.pk.data(), fused.pv.data(), promptLen, prompts.data(), fused.sk.data(),
                               fused.sv.data(),
                               maxNew, lengths.data(), decode, parts);
    });
    launch({blocks(rows * width, 256), 1, 1}, 256,
           [&] { gemm_reduce(partial.data(), bias.data(), plain.qkv.data(), rows, width, parts, 0); });
    launch({(unsigned) rows, 1, 1}, 128, [&] {
        rope_store_bf16(plain.qkv.data(), invFreq.data(), heads, kvHeads, headDim, plain.pk.data(), plain.pv.data(),
                        promptLen, prompts.data(), plain.sk.data(), plain.sv.data(), maxNew, lengths.data(), decode);
    });
    double differing = 0;
    for (size_t i = 0; i < fused.qkv.size(); i++) {
        differing += fused.qkv[i] != plain.qkv[i];
    }
    for (auto [a, b] : {std::pair{&fused.pk, &plain.pk}, {&fused.pv, &plain.pv}, {&fused.sk, &plain.sk},
                        {&fused.sv, &plain.sv}}) {
        for (size_t i = 0; i < a->size(); i++) {
            differing += (*a)[i].bits != (*b)[i].bits;
        }
    }
    check(std::string("reduce_rope_store_bf16 ") + (decode ? "decode" : "prefill") + ": qkv or cache not bit-equal",
          differing, 0.0);
}

int main() {
    std::printf("kernels:\n");
    for (auto [rows, outs, ins] :
         {std::tuple{1, 45, 70}, {37, 33, 64}, {5, 130, 200}, {64, 96, 192}, {130, 150, 72}}) {
        test_gemm<float>(rows, outs, ins);
        test_gemm<bf16>(rows, outs, ins);
    }
    // Split-K over K not a multiple of the GEMM_CHUNK-wide chunk: vector loads (ins % 8 == 0) and element-wise
    // ones (odd ins, or x misaligned); 5x33x100 in 7 parts leaves parts with no chunk at all (they contribute
    // zeros); 2x64x4864 in 7 parts runs 22 chunks a part through the GEMM_STAGES buffers.
    for (auto [rows, outs, ins, parts, xOffset] :
         {std::tuple{1, 45, 520, 2, 0}, {3, 40, 1000, 3, 0}, {37, 70, 777, 7, 0}, {5, 33, 100, 7, 0},
          {4, 50, 256, 2, 1}, {33, 31, 136, 1, 1}, {2, 64, 4864, 7, 0}, {66, 40, 904, 3, 0}}) {
        test_gemm<bf16>(rows, outs, ins, parts, xOffset);
    }
    // Warps per block from 1 to ATTENTION_MAX_WARPS, each taking 32 keys at a time: 30 keys leave all warps but
    // the first without any, 100 keys on one warp take four rounds (the last partial), 130 on two warps three
    // and two. Query heads per KV head from 1 to 9: 7 and 9 take two and three blocks of up to
    // ATTENTION_GROUP, the last one partial. Head sizes 12 and 6 (not multiples of 8) read the caches element by
    // element; the others 8 at a time.
    for (auto [headDim, heads, kvHeads, promptLen, warps] :
         {std::tuple{32, 6, 2, 30, 16}, {128, 4, 2, 9, 4}, {80, 3, 1, 5, 1}, {8, 4, 2, 70, 16}, {256, 2, 1, 3, 8},
          {64, 2, 2, 1, 4}, {64, 7, 1, 45, 2}, {64, 18, 2, 12, 4}, {64, 4, 1, 100, 1}, {128, 8, 2, 130, 2},
          {12, 4, 2, 40, 2}, {6, 3, 3, 33, 1}}) {
        test_rope_attention<float>(headDim, heads, kvHeads, promptLen, warps);
        test_rope_attention<bf16>(headDim, heads, kvHeads, promptLen, warps);
    }
    test_rmsnorm<float>(3, 77);
    test_rmsnorm<float>(2, 1000);
    test_rmsnorm<bf16>(3, 77);
    test_rmsnorm<bf16>(2, 2500);
    test_head_rmsnorm(3, 4, 2, 16);
    test_head_rmsnorm(2, 16, 8, 128);
    test_head_rmsnorm(1, 3, 1, 200);
    test_swiglu<float>(2, 300);
    test_swiglu<bf16>(2, 300);
    test_fused_reduces(3, 300, 4);
    test_fused_reduces(2, 1000, 19);
    test_fused_reduces(2, 2100, 5);  // wider than ROW_THREADS: threads of reduce_rmsnorm_bf16 take 2 or 3 elements
    test_reduce_rope_store(0);
    test_reduce_rope_store(1);
    test_embed<float>();
    test_embed<bf16>();
    test_penalize(1.3f, 0.0f, 0.0f);
    test_penalize(0.7f, 0.0f, 0.0f);
    test_penalize(1.0f, 1.5f, 0.0f);
    test_penalize(1.0f, 0.0f, 0.3f);
    test_penalize(1.1f, -0.4f, 0.7f);
    std::printf("kernels: %d failed checks: %s\n", failures, failures == 0 ? "PASS" : "FAIL");
    return failures == 0 ? 0 : 1;
}
