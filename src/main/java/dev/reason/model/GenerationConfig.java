package dev.reason.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** Sampling defaults from {@code generation_config.json}; the CLI's options override them. */
public record GenerationConfig(float temperature, float topP, int topK, float minP, float repetitionPenalty,
                               int maxNewTokens, List<Integer> eosTokenIds) {

    /** What a directory without generation_config.json gets: the usual chain-of-thought sampling. */
    public static final GenerationConfig DEFAULT = new GenerationConfig(0.8f, 0.95f, 0, 0f, 1f, 512, List.of());

    static GenerationConfig fromJson(JsonNode n) {
        boolean sample = n.path("do_sample").asBoolean(true);
        return new GenerationConfig(
                sample ? (float) n.path("temperature").asDouble(DEFAULT.temperature) : 0f,
                (float) n.path("top_p").asDouble(DEFAULT.topP),
                n.path("top_k").asInt(DEFAULT.topK),
                (float) n.path("min_p").asDouble(DEFAULT.minP),
                (float) n.path("repetition_penalty").asDouble(DEFAULT.repetitionPenalty),
                n.has("max_new_tokens") ? n.get("max_new_tokens").asInt() : DEFAULT.maxNewTokens,
                ModelConfig.ids(n.path("eos_token_id")));
    }
}
