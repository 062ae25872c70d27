package dev.reason.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The architecture a {@code config.json} describes (Llama family: Llama, Qwen2, Mistral, SmolLM).
 * Reads both config forms: {@code rope_theta} and {@code rope_scaling} at the top level, or under
 * {@code rope_parameters} in newer files.
 */
public record ModelConfig(
        String modelType,
        String hiddenAct,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int maxPositions,
        double ropeTheta,
        double rmsNormEps,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        int bosTokenId,
        List<Integer> eosTokenIds,
        RopeScaling ropeScaling) {

    static ModelConfig fromJson(JsonNode n) {
        int hidden = required(n, "hidden_size");
        int heads = required(n, "num_attention_heads");
        String type = n.path("model_type").asText("llama");
        JsonNode rope = n.path("rope_parameters");
        double theta = n.has("rope_theta") ? n.get("rope_theta").asDouble()
                : rope.path("rope_theta").asDouble(10000.0);
        boolean bias = n.has("attention_bias") ? n.get("attention_bias").asBoolean() : type.equals("qwen2");
        return new ModelConfig(type,
                n.path("hidden_act").asText("silu"),
                required(n, "vocab_size"),
                hidden,
                required(n, "intermediate_size"),
                required(n, "num_hidden_layers"),
                heads,
                n.path("num_key_value_heads").asInt(heads),
                n.path("head_dim").asInt(hidden / heads),
                context(n, type),
                theta,
                n.path("rms_norm_eps").asDouble(1e-6),
                n.path("tie_word_embeddings").asBoolean(false),
                bias,
                n.path("bos_token_id").asInt(-1),
                ids(n.path("eos_token_id")),
                RopeScaling.fromJson(n));
    }

    /** Whether each query and key head is RMS-normed before RoPE (Qwen3's q_norm and k_norm). */
    public boolean qkNorm() {
        return modelType.equals("qwen3");
    }

    /** RoPE inverse frequencies, one per pair of head dimensions (headDim / 2), after the config's scaling. */
    public double[] inverseFrequencies() {
        return ropeScaling.inverseFrequencies(ropeTheta, headDim);
    }

    /**
     * The positions a chain may use: max_position_embeddings, or the sliding window when the model has one in
     * force (Mistral's sliding_window; Qwen2's only with use_sliding_window). Within the window, sliding and full
     * attention are the same, so neither engine has to implement the window.
     */
    private static int context(JsonNode n, String type) {
        int positions = n.path("max_position_embeddings").asInt(2048);
        JsonNode window = n.path("sliding_window");
        boolean inForce = n.path("use_sliding_window").asBoolean(type.equals("mistral"));
        return inForce && window.canConvertToInt() && window.asInt() > 0 ? Math.min(positions, window.asInt())
                : positions;
    }

    private static int required(JsonNode n, String field) {
        if (!n.hasNonNull(field) || !n.get(field).canConvertToInt() || n.get(field).asInt() <= 0) {
            throw new ModelException("config.json has no positive integer \"" + field
                    + "\": is this a decoder-only (Llama-family) model directory?");
        }
        return n.get(field).asInt();
    }

    static List<Integer> ids(JsonNode node) {
        List<Integer> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(x -> out.add(x.asInt()));
        } else if (node.canConvertToInt()) {
            out.add(node.asInt());
        }
        return List.copyOf(out);
    }
}
