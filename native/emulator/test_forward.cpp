// The forward pass of the shipped model on the kernels, as dev.reason.engine.cuda.CudaBatch runs it (weights stacked as
// DeviceWeights does, launch shapes as Kernels), against PyTorch's fp32 logits in the model's
// reference_logits.json (models/recipe/export.py): the prefill of the prompt, then decode steps over three slots.
// Slot 0 decodes throughout; slot 1 is idle for the first steps, then starts; slot 2 decodes, goes idle, and is
// refilled with a new chain, which must not see its old cache entries. Each decoded row is compared with the
// reference row of the same chain position. fp32: max abs difference <= 1e-4 per row; bf16 (weights, KV cache
// and tensor-core GEMMs): relative L2 error <= 2e-2 per row.
//
// Usage: test_forward MODEL_DIR fp32|bf16 (MODEL_DIR holds config.json, model.safetensors, reference_logits.json).
#include "cuda_emulator.h"
#include "reason_kernels.cu"
#include "attention_by_head.h"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

// ---- Just enough JSON for config.json, the safetensors header and reference_logits.json ----

struct Json {
    enum Kind { NUL, BOOLEAN, NUMBER, STRING, ARRAY, OBJECT } kind = NUL;
    double number = 0.0;
    std::string text;
    std::vector<Json> items;
    std::map<std::string, Json> fields;

    bool has(const std::string& key) const {
        return kind == OBJECT && fields.count(key) && fields.at(key).kind != NUL;
    }

    const Json& operator[](const std::string& key) const {
        if (!has(key)) {
            throw std::runtime_error("JSON field \"" + key + "\" is missing");
        }
        return fields.at(key);
    }

    double number_or(const std::string& key, double fallback) const {
        return has(key) ? (*this)[key].number : fallback;
    }
};

class JsonParser {
public:
    explicit JsonParser(const std::string& text) : s(text) {}

    Json parse() {
        Json v = value();
        skip_space();
        if (at != s.size()) {
            fail("trailing characters");
        }
        return v;
    }

private:
    const std::string& s;
    size_t at = 0;

    [[noreturn]] void fail(const char* what) const {
        throw std::runtime_error("bad JSON at offset " + std::to_string(at) + ": " + what);
    }

    void skip_space() {
        while (at < s.size() && std::isspace((unsigned char) s[at])) {
            at++;
        }
    }

    bool take(char c) {
        skip_space();
        if (at < s.size() && s[at] == c) {
            at++;
            return true;
        }
        return false;
    }

    void expect(char c) {
        if (!take(c)) {
            fail("unexpected character");
        }
    }

    std::string string() {
        expect('"');
        std::string out;
        while (at < s.size() && s[at] != '"') {
            char c = s[at++];
            if (c == '\\' && at < s.size()) {
                char e = s[at++];
                if (e == 'u') {
                    at += 4;  // no names or numbers here need it decoded
                    c = '?';
                } else {
                    c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
                }
            }
            out += c;
        }
        expect('"');
        return out;
    }

    Json value() {
        Json v;
        skip_space();
        if (at >= s.size()) {
            fail("unexpected end");
        }
        char c = s[at];
        if (c == '{') {
            v.kind = Json::OBJECT;
            at++;
            if (!take('}')) {
                do {
                    std::string key = string();
                    expect(':');
                    v.fields[key] = value();
                } while (take(','));
                expect('}');
            }
        } else if (c == '[') {
            v.kind = Json::ARRAY;
            at++;
            if (!take(']')) {
                do {
                    v.items.push_back(value());
                } while (take(','));
                expect(']');
            }
        } else if (c == '"') {
            v.kind = Json::STRING;
            v.text = string();
        } else if (s.compare(at, 4, "true") == 0 || s.compare(at, 5, "false") == 0) {
            v.kind = Json::BOOLEAN;
            v.number = s[at] == 't';
            at += s[at] == 't' ? 4 : 5;
        } else if (s.compare(at, 4, "null") == 0) {
            at += 4;
        } else {
            char* end;
            v.kind = Json::NUMBER;
            v.number = std::strtod(s.c_str() + at, &end);
            if (end == s.c_str() + at) {
                fail("not a value");
            }
            at = end - s.c_str();
        }
        return v;
    }
};

static std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

static Json read_json(const std::string& path) {
    std::string text = read_file(path);
    return JsonParser(text).parse();
}

// ---- The model ----

struct Config {
    int vocab, hidden, inter, layers, heads, kvHeads, headDim;
    double ropeTheta, eps;
    bool tied;

    explicit Config(const Json& c) {
        vocab = (int) c["vocab_size"].number;
        hidden = (int) c["hidden_size"].number;
        inter = (int) c["intermediate_size"].number;
        layers = (int) c["num_hidden_layers"].number;
        heads = (int) c["num_attention_heads"].number;
        kvHeads = (int) c.number_or("num_key_value_heads", heads);
        headDim = (int) c.number_or("head_dim", hidden / heads);
        // Newer transformers write rope_theta under rope_parameters (ModelConfig reads both forms).
        ropeTheta = c.has("rope_parameters") ? c["rope_parameters"].number_or("rope_theta", 10000.0)
                                             : c.number_or("rope_theta", 10000.0);
        eps = c.number_or("rms_norm_eps", 1e-6);
        tied = c.has("tie_word_embeddings") && c["tie_word_embeddings"].number != 0.0;
        if (c.has("rope_scaling")) {
            throw std::runtime_error("rope_scaling is not part of this check: add it to test_forward.cpp");
        }
    }
};

// model.safetensors: an 8-byte little-endian header length, a JSON header, the raw tensors. F32 only.
class Safetensors {
public:
    explicit Safetensors(const std::string& path) : bytes(read_file(path)) {
        uint64_t n = 0;
        for (int i = 7; i >= 0; i--) {
            n = n << 8 | (unsigned char) bytes.at(i);
        }
        header = JsonParser(bytes.substr(8, n)).parse();
        dataStart = 8 + n;
    }

    bool has(const std::string& name) const { return header.has(name); }

    std::vector<float> get(const std::string& name, std::vector<int> shape) const {
        const Json& t = header[name];
        if (t["dtype"].text != "F32") {
            throw std::runtime_error(name + " is " + t["dtype"].text + ": this check reads F32 tensors");
        }
        std::vector<int> actual;
        for (const Json& d : t["shape"].items) {
            actual.push_back((int) d.number);
        }
        if (actual != shape) {
            throw std::runtime_error(name + " does not have the shape config.json implies");
        }
        size_t from = (size_t) t["data_offsets"].items.at(0).number, to = (size_t) t["data_offsets"].items.at(1).number;
        std::vector<float> out((to - from) / 4);
        std::memcpy(out.data(), bytes.data() + dataStart + from, to - from);  // little-endian host assumed
        return out;
    }

private:
    std::string bytes;
    Json header;
    size_t dataStart;
};

static std::vector<float> concat(std::initializer_list<std::vector<float>> parts) {
    std::vector<float> out;
    for (const auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

// ---- The kernels with Kernels.java's launch shapes, chosen by the weight / cache type ----

static unsigned blocks(int n, int per) { return (unsigned) ((n + per - 1) / per); }

static void embed(const int* tokens, const float* table, float* x, int rows, int hidden, int vocab) {
    launch({(unsigned) rows, 1, 1}, 256, [=] { embed_f32(tokens, table, x, hidden, vocab); });
}

static void embed(const int* tokens, const bf16* table, float* x, int rows, int hidden, int vocab) {
    launch({(unsigned) rows, 1, 1}, 256, [=] { embed_bf16(tokens, table, x, hidden, vocab); });
}

static void norm(const float* x, const float* weight, float* y, int rows, int hidden, float eps) {
    launch({(unsigned) rows, 1, 1}, ROW_THREADS, [=] { rmsnorm_f32(x, weight, y, hidden, eps); });
}

static void norm(const float* x, const float* weight, bf16* y, int rows, int hidden, float eps) {
    launch({(unsigned) rows, 1, 1}, ROW_THREADS, [=] { rmsnorm_bf16(x, weight, y, hidden, eps); });
}

// Qwen3's per-head norm of q and k, as Kernels.headNorm launches it.
static void head_norm(float* qkv, const float* qNorm, const float* kNorm, int rows, int heads, int kvHeads, int headDim,
                      float eps) {
    launch({(unsigned) rows, (unsigned) (heads + kvHeads), 1}, 64,
           [=] { head_rmsnorm(qkv, qNorm, kNorm, heads, kvHeads, headDim, eps); });
}

static void swiglu(const float* gateUp, float* act, int rows, int inter) {
    launch({(unsigned) rows, blocks(inter, 256), 1}, 256, [=] { swiglu_f32(gateUp, act, inter); });
}

static void swiglu(const float* gateUp, bf16* act, int rows, int inter) {
    launch({(unsigned) rows, blocks(inter, 256), 1}, 256, [=] { swiglu_bf16(gateUp, act, inter); });
}

// The shortest part of K a split takes: Tuning.SPLIT_MIN_K, or less (test_forward's third argument) so that the
// small models' GEMMs split too and the fused reductions run in their forward.
static long splitMinK = 256;

// Kernels.splitK, copied (keep the two in step): the parts of gemm_bf16 along K for a shape. 264 blocks: two per
// SM of an H100 or H200 (Kernels.Gpu.HOPPER; the engine uses the GPU's own count); no part shorter than splitMinK of
// K; evened out over whole GEMM_CHUNKs so that no part is empty.
static int split_k(int rows, int outs, int ins) {
    const long target = 264, minK = splitMinK;
    long tiles = (long) blocks(rows, GEMM_TILE) * blocks(outs, GEMM_TILE);
    if (tiles >= target) {
        return 1;
    }
    int parts = (int) std::min((target + tiles - 1) / tiles, ins / minK);
    if (parts <= 1) {
        return 1;
    }
    int chunks = (int) blocks(ins, GEMM_CHUNK);
    return (int) blocks(chunks, (int) blocks(chunks, parts));
}

// Kernels.workspaceFloats: gemm_f32 never splits.
template <typename W>
static size_t workspace_floats(int rows, int outs, int ins) {
    int parts = std::is_same_v<W, float> ? 1 : split_k(rows, outs, ins);
    return parts > 1 ? (size_t) parts * rows * outs : 0;
}

static int splitGemms = 0;  // gemm_bf16 launches split along K, for the summary

// Kernels.product: the GEMM proper; returns its parts along K (with more than one, their sums wait in workspace).
static int product(const float* x, const float* w, const float* bias, float* y, int rows, int outs, int ins, int acc,
                   float*) {
    launch({blocks(rows, 16), blocks(outs, 16), 1}, 256, [=] { gemm_f32(x, w, bias, y, rows, outs, ins, acc); });
    return 1;
}

static int product(const bf16* x, const bf16* w, const float* bias, float* y, int rows, int outs, int ins, int acc,
                   float* workspace) {
    unsigned parts = (unsigned) split_k(rows, outs, ins);
    launch({blocks(rows, GEMM_TILE), blocks(outs, GEMM_TILE), parts}, 128,
           [=] { gemm_bf16(x, w, bias, y, workspace, rows, outs, ins, acc); });
    splitGemms += parts > 1;
    return (int) parts;
}

// Kernels.gemm
template <typename T>
static void gemm(const T* x, const T* w, const float* bias, float* y, int rows, int outs, int ins, int acc,
                 float* workspace) {
    int parts = product(x, w, bias, y, rows, outs, ins, acc, workspace);
    if (parts > 1) {
        launch({blocks(rows * outs, 256), 1, 1}, 256,
               [=] { gemm_reduce(workspace, bias, y, rows, outs, parts, acc); });
    }
}

// Kernels.gemmAddNorm: x += a * w^T + bias, then xn = rmsnorm(x) * weight.
template <typename T>
static void gemm_add_norm(const T* a, const T* w, const float* bias, float* x, const float* weight, T* xn, int rows,
                          int hidden, int ins, float eps, float* workspace) {
    int parts = product(a, w, bias, x, rows, hidden, ins, 1, workspace);
    if constexpr (std::is_same_v<T, bf16>) {
        if (parts > 1) {
            launch({(unsigned) rows, 1, 1}, ROW_THREADS,
                   [=] { reduce_rmsnorm_bf16(workspace, bias, x, weight, xn, rows, hidden, parts, eps); });
            return;
        }
    }
    norm(x, weight, xn, rows, hidden, eps);
}

// Kernels.gemmSwiglu: act = silu(gate) * up of x * w^T + bias = [gate | up].
template <typename T>
static void gemm_swiglu(const T* x, const T* w, const float* bias, float* gateUp, T* act, int rows, int inter, int ins,
                        float* workspace) {
    int parts = product(x, w, bias, gateUp, rows, 2 * inter, ins, 0, workspace);
    if constexpr (std::is_same_v<T, bf16>) {
        if (parts > 1) {
            launch({blocks(rows * inter, 256), 1, 1}, 256,
                   [=] { reduce_swiglu_bf16(workspace, bias, act, rows, inter, parts); });
            return;
        }
    }
    swiglu(gateUp, act, rows, inter);
}

static void rope_store(float* qkv, const float* invFreq, int rows, int heads, int kvHeads, int headDim, float* pk,
                       float* pv, int promptLen, const int* prompts, float* sk, float* sv, int maxNew, const int* lengths, int decode) {
    launch({(unsigned) rows, 1, 1}, 128, [=] {
        rope_store_f32(qkv, invFreq, heads, kvHeads, headDim, pk, pv, promptLen, prompts, sk, sv, maxNew, lengths, decode);
    });
}

static void rope_store(float* qkv, const float* invFreq, int rows, int heads, int kvHeads, int headDim, bf16* pk,
                       bf16* pv, int promptLen, const int* prompts, bf16* sk, bf16* sv, int maxNew, const int* lengths, int decode) {
    launch({(unsigned) rows, 1, 1}, 128, [=] {
        rope_store_bf16(qkv, invFreq, heads, kvHeads, headDim, pk, pv, promptLen, prompts, sk, sv, maxNew, lengths, decode);
    });
}

// Kernels.gemmRopeStore: qkv = x * w^T + bias, then RoPE and the cache writes.
template <typename T>
static void gemm_rope_store(const T* x, const T* w, const float* bias, float* qkv, int rows, int ins,
                            const float* invFreq, int heads, int kvHeads, int headDim, T* pk, T* pv, int promptLen, const int* prompts,
                            T* sk, T* sv, int maxNew, const int* lengths, int decode, float* workspace) {
    int parts = product(x, w, bias, qkv, rows, (heads + 2 * kvHeads) * headDim, ins, 0, workspace);
    if constexpr (std::is_same_v<T, bf16>) {
        if (parts > 1) {
            launch({(unsigned) rows, 1, 1}, ROW_THREADS, [=] {
                reduce_rope_store_bf16(workspace, bias, qkv, rows, invFreq, heads, kvHeads, headDim, pk, pv,
                                       promptLen, prompts, sk, sv, maxNew, lengths, decode, parts);
            });
            return;
        }
    }
    rope_store(qkv, invFreq, rows, heads, kvHeads, headDim, pk, pv, promptLen, prompts, sk, sv, maxNew, lengths, decode);
}

// Kernels.attention's launch shape, copied (keep the two in step): blocks of up to ATTENTION_GROUP query heads
// per KV head; as many warps per block as keep the launch within the warps an H100 holds (132 x 64,
// Kernels.Gpu.HOPPER), 16 down to 4.
static dim3 attention_grid(int rows, int heads, int kvHeads) {
    return {(unsigned) rows, (unsigned) kvHeads, blocks(heads / kvHeads, ATTENTION_GROUP)};
}

static unsigned attention_threads(dim3 grid) {
    long blocks = (long) grid.x * grid.y * grid.z;
    int warps = ATTENTION_MAX_WARPS;
    while (warps > 4 && blocks * warps > 132 * 64) {
        warps /= 2;
    }
    return 32u * warps;
}

template <typename KV>
static void attention(const float* qkv, KV* out, int rows, int heads, int kvHeads, int headDim, const KV* pk,
                      const KV* pv, int promptLen, const int* prompts, const KV* sk, const KV* sv, int maxNew, const int* lengths,
                      int decode) {
    float scale = (float) (1.0 / std::sqrt((double) headDim));
    dim3 grid = attention_grid(rows, heads, kvHeads);
    launch(grid, attention_threads(grid), [=] {
        attention_by_head(qkv, out, heads, kvHeads, headDim, pk, pv, promptLen, prompts, sk, sv, maxNew, lengths, decode,
                          scale);
    });
}

// CudaBatch on the emulator: weights in type W (float or bf16) for matrices and the KV cache; norms, biases and
// RoPE frequencies in fp32.
template <typename W>
class Batch {
public:
    Batch(const Config& c, const Safetensors& st, int promptLen, int slots, int maxNew)
        : c(c), promptLen(promptLen), slots(slots), maxNew(maxNew), qkvDim((c.heads + 2 * c.kvHeads) * c.headDim) {
        int q = c.heads * c.headDim, kv = c.kvHeads * c.headDim;
        zeros.assign(std::max({c.vocab, c.hidden, 2 * c.inter, qkvDim}), 0.0f);
        for (int i = 0; i < c.headDim / 2; i++) {
            invFreq.push_back((float) (1.0 / std::pow(c.ropeTheta, 2.0 * i / c.headDim)));
        }
        embedding = matrix(st.get("model.embed_tokens.weight", {c.vocab, c.hidden}));
        for (int l = 0; l < c.layers; l++) {
            std::string p = "model.layers." + std::to_string(l) + ".";
            auto bias = [&](const std::string& name, int n) {
                return st.has(p + name) ? st.get(p + name, {n}) : std::vector<float>(n, 0.0f);
            };
            Layer layer;
            layer.attnNorm = st.get(p + "input_layernorm.weight", {c.hidden});
            layer.qkv = matrix(concat({st.get(p + "self_attn.q_proj.weight", {q, c.hidden}),
                                       st.get(p + "self_attn.k_proj.weight", {kv, c.hidden}),
                                       st.get(p + "self_attn.v_proj.weight", {kv, c.hidden})}));
            layer.qkvBias = concat({bias("self_attn.q_proj.bias", q), bias("self_attn.k_proj.bias", kv),
                                    bias("self_attn.v_proj.bias", kv)});
            if (st.has(p + "self_attn.q_norm.weight")) {  // Qwen3
                layer.qNorm = st.get(p + "self_attn.q_norm.weight", {c.headDim});
                layer.kNorm = st.get(p + "self_attn.k_norm.weight", {c.headDim});
            }
            layer.o = matrix(st.get(p + "self_attn.o_proj.weight", {c.hidden, q}));
            layer.mlpNorm = st.get(p + "post_attention_layernorm.weight", {c.hidden});
            layer.gateUp = matrix(concat({st.get(p + "mlp.gate_proj.weight", {c.inter, c.hidden}),
                                          st.get(p + "mlp.up_proj.weight", {c.inter, c.hidden})}));
            layer.down = matrix(st.get(p + "mlp.down_proj.weight", {c.hidden, c.inter}));
            layer.promptK.resize((size_t) kv * promptLen);
            layer.promptV.resize((size_t) kv * promptLen);
            layer.slotK.resize((size_t) slots * kv * maxNew);
            layer.slotV.resize((size_t) slots * kv * maxNew);
            layers.push_back(std::move(layer));
        }
        finalNorm = st.get("model.norm.weight", {c.hidden});
        lmHead = c.tied ? embedding : matrix(st.get("lm_head.weight", {c.vocab, c.hidden}));
        size_t rows = std::max(promptLen, slots);
        tokens.assign(rows, 0);
        lengths.assign(slots, -1);
        x.assign(rows * c.hidden, 0.0f);
        xn.assign(rows * c.hidden, W());
        qkv.assign(rows * qkvDim, 0.0f);
        attn.assign(rows * q, W());
        gateUp.assign(rows * 2 * c.inter, 0.0f);
        act.assign(rows * c.inter, W());
        logits.assign((size_t) slots * c.vocab, 0.0f);
        size_t most = 1;  // as CudaBatch.workspaceFloats, over the prompt's rows and the slots
        for (int r : {promptLen, slots}) {
            most = std::max({most, workspace_floats<W>(r, qkvDim, c.hidden), workspace_floats<W>(r, c.hidden, q),
                             workspace_floats<W>(r, 2 * c.inter, c.hidden), workspace_floats<W>(r, c.hidden, c.inter),
                             workspace_floats<W>(1, c.vocab, c.hidden), workspace_floats<W>(r, c.vocab, c.hidden)});
        }
        workspace.assign(most, NAN);
    }

    // The last prompt position's logits.
    std::vector<float> prefill(const std::vector<int>& prompt) {
        std::copy(prompt.begin(), prompt.end(), tokens.begin());
        prompts = {0, 0};  // the prompt at the pool's start, from its first position
        forward(promptLen, false);
        return std::vector<float>(logits.begin(), logits.begin() + c.vocab);
    }

    // One decode step: length[s] = the slot's own tokens so far, or -1 for an idle slot. Logits [slots, vocab].
    const std::vector<float>& step(const std::vector<int>& slotTokens, const std::vector<int>& slotLengths) {
        std::copy(slotTokens.begin(), slotTokens.end(), tokens.begin());
        lengths = slotLengths;
        prompts.clear();
        for (int s = 0; s < slots; s++) {  // every slot's chain continues the one prompt
            prompts.insert(prompts.end(), {0, promptLen});
        }
        forward(slots, true);
        return logits;
    }

private:
    struct Layer {
        std::vector<float> attnNorm, qkvBias, mlpNorm, qNorm, kNorm;  // qNorm, kNorm: Qwen3 only
        std::vector<W> qkv, o, gateUp, down, promptK, promptV, slotK, slotV;
    };

    static std::vector<W> matrix(const std::vector<float>& m) {
        std::vector<W> out(m.size());
        for (size_t i = 0; i < m.size(); i++) {
            if constexpr (std::is_same_v<W, float>) {
                out[i] = m[i];
            } else {
                out[i] = __float2bfloat16(m[i]);
            }
        }
        return out;
    }

    // CudaBatch.forward, call for call.
    void forward(int rows, bool decode) {
        int q = c.heads * c.headDim;
        float eps = (float) c.eps;
        float* ws = workspace.data();
        embed(tokens.data(), embedding.data(), x.data(), rows, c.hidden, c.vocab);
        norm(x.data(), layers[0].attnNorm.data(), xn.data(), rows, c.hidden, eps);
        for (size_t i = 0; i < layers.size(); i++) {
            Layer& l = layers[i];
            if (l.qNorm.empty()) {
                gemm_rope_store(xn.data(), l.qkv.data(), l.qkvBias.data(), qkv.data(), rows, c.hidden, invFreq.data(),
                                c.heads, c.kvHeads, c.headDim, l.promptK.data(), l.promptV.data(), promptLen, prompts.data(),
                                l.slotK.data(), l.slotV.data(), maxNew, lengths.data(), decode, ws);
            } else {
                gemm(xn.data(), l.qkv.data(), l.qkvBias.data(), qkv.data(), rows, qkvDim, c.hidden, 0, ws);
                head_norm(qkv.data(), l.qNorm.data(), l.kNorm.data(), rows, c.heads, c.kvHeads, c.headDim, eps);
                rope_store(qkv.data(), invFreq.data(), rows, c.heads, c.kvHeads, c.headDim, l.promptK.data(),
                           l.promptV.data(), promptLen, prompts.data(), l.slotK.data(), l.slotV.data(), maxNew, lengths.data(),
                           decode);
            }
            attention(qkv.data(), attn.data(), rows, c.heads, c.kvHeads, c.headDim, l.promptK.data(),
                      l.promptV.data(), promptLen, prompts.data(), l.slotK.data(), l.slotV.data(), maxNew, lengths.data(), decode);
            gemm_add_norm(attn.data(), l.o.data(), zeros.data(), x.data(), l.mlpNorm.data(), xn.data(), rows,
                          c.hidden, q, eps, ws);
            gemm_swiglu(xn.data(), l.gateUp.data(), zeros.data(), gateUp.data(), act.data(), rows, c.inter, c.hidden,
                        ws);
            bool lastLayer = i + 1 == layers.size();
            if (!lastLayer || decode) {
                const float* next = lastLayer ? finalNorm.data() : layers[i + 1].attnNorm.data();
                gemm_add_norm(act.data(), l.down.data(), zeros.data(), x.data(), next, xn.data(), rows, c.hidden,
                              c.inter, eps, ws);
            } else {
                gemm(act.data(), l.down.data(), zeros.data(), x.data(), rows, c.hidden, c.inter, 1, ws);
                norm(x.data() + (size_t) (rows - 1) * c.hidden, finalNorm.data(), xn.data(), 1, c.hidden, eps);
            }
        }
        gemm(xn.data(), lmHead.data(), zeros.data(), logits.data(), decode ? rows : 1, c.vocab, c.hidden, 0, ws);
    }

    const Config& c;
    int promptLen, slots, maxNew, qkvDim;
    std::vector<float> zeros, invFreq, finalNorm;
    std::vector<W> embedding, lmHead;
    std::vector<Layer> layers;
    std::vector<int> tokens, lengths, prompts;  // prompts: (start, length) in the pool, as rope_store reads them
    std::vector<float> x, qkv, gateUp, logits, workspace;
    std::vector<W> xn, attn, act;  // the GEMM inputs, in the weights' type as in CudaBatch
};

// ---- The check ----

struct RowError {
    double maxAbs, relL2;
};

static RowError compare(const float* got, const Json& expected) {
    double maxAbs = 0.0, diff2 = 0.0, norm2 = 0.0;
    for (size_t i = 0; i < expected.items.size(); i++) {
        double e = expected.items[i].number, d = got[i] - e;
        maxAbs = std::max(maxAbs, std::fabs(d));
        diff2 += d * d;
        norm2 += e * e;
    }
    return {maxAbs, std::sqrt(diff2 / norm2)};
}

template <typename W>
static bool run(const std::string& modelDir, const char* precision) {
    Config config(read_json(modelDir + "/config.json"));
    Safetensors weights(modelDir + "/model.safetensors");
    Json reference = read_json(modelDir + "/reference_logits.json");
    std::vector<int> ids;
    for (const Json& id : reference["input_ids"].items) {
        ids.push_back((int) id.number);
    }
    const int promptLen = (int) reference["prefill"].number, slots = 3, maxNew = 16, steps = 10;
    const Json& stepLogits = reference["step_logits"];  // row i: after prefill and decoding ids[prompt .. prompt + i]
    if ((int) stepLogits.items.size() < steps || (int) ids.size() < promptLen + steps) {
        throw std::runtime_error("reference_logits.json is too short for " + std::to_string(steps) + " steps");
    }
    bool fp32 = std::is_same_v<W, float>;
    auto within = [&](RowError e) { return fp32 ? e.maxAbs <= 1e-4 : e.relL2 <= 2e-2; };
    RowError worst = {0.0, 0.0};
    int rows = 0, failed = 0;
    auto record = [&](const char* what, int step, int slot, RowError e) {
        bool ok = within(e);
        std::printf("  %-8s step %2d slot %d: max abs %.3g, rel L2 %.3g%s\n", what, step, slot, e.maxAbs, e.relL2,
                    ok ? "" : "  FAIL");
        worst = {std::max(worst.maxAbs, e.maxAbs), std::max(worst.relL2, e.relL2)};
        rows++;
        failed += !ok;
    };

    Batch<W> batch(config, weights, promptLen, slots, maxNew);
    std::vector<float> first = batch.prefill(std::vector<int>(ids.begin(), ids.begin() + promptLen));
    record("prefill", -1, -1, compare(first.data(), reference["full_logits"].items.at(promptLen - 1)));

    int length[slots] = {0, 0, 0};
    for (int step = 0; step < steps; step++) {
        bool active[slots] = {true, step >= 3, step < 2 || step >= 5};
        if (step == 5) {
            length[2] = 0;  // slot 2 is refilled: a new chain from the prompt
        }
        std::vector<int> tokens(slots), lengths(slots);
        for (int s = 0; s < slots; s++) {
            tokens[s] = active[s] ? ids[promptLen + length[s]] : 0;
            lengths[s] = active[s] ? length[s] : -1;
        }
        const std::vector<float>& logits = batch.step(tokens, lengths);
        for (int s = 0; s < slots; s++) {
            if (active[s]) {
                record("decode", step, s, compare(&logits[(size_t) s * config.vocab], stepLogits.items[length[s]]));
                length[s]++;
            }
        }
    }
    bool pass = failed == 0;
    std::printf("forward %s: prefill of %d tokens, %d decode steps over %d slots, %d rows, %d split-K GEMMs: worst "
                "max abs %.3g, rel L2 %.3g (tol %s): %s\n", precision, promptLen, steps, slots, rows, splitGemms,
                worst.maxAbs, worst.relL2, fp32 ? "max abs 1e-4" : "rel L2 2e-2", pass ? "PASS" : "FAIL");
    return pass;
}

int main(int argc, char** argv) {
    std::string precision = argc == 3 || argc == 4 ? argv[2] : "";
    if (argc == 4) {
        splitMinK = std::atol(argv[3]);
    }
    if ((precision != "fp32" && precision != "bf16") || splitMinK < GEMM_CHUNK) {
        std::fprintf(stderr, "usage: test_forward MODEL_DIR fp32|bf16 [SPLIT_MIN_K, default 256, at least %d]\n",
                     GEMM_CHUNK);
        return 2;
    }
    try {
        bool pass = precision == "fp32" ? run<float>(argv[1], "fp32") : run<bf16>(argv[1], "bf16");
        return pass ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "test_forward: %s\n", e.what());
        return 2;
    }
}
