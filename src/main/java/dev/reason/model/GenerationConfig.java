package dev.reason.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** Sampling defaults from {@code generation_config.json}; the CLI's options override them. */
public record GenerationConfig(float temperature, float topP, int topK, float minP, float repetitionPenalty,
                               int maxNewTokens, List<Integer> eosTokenIds) {

    /** What a directory without generation_config.json gets: the usual chain-of-thought sampling. */
    public static final GenerationConfig DEFAULT = defaults(512);

    /**
     * The token limit of a model that thinks before answering ({@code <think>} in its chat template: Qwen3, QwQ, the
     * DeepSeek-R1 distills) when generation_config.json names none: 512 tokens cut most of its chains inside the
     * thinking, where they have no answer yet.
     */
    public static final int THINKING_MAX_NEW_TOKENS = 4096;

    /** {@link #DEFAULT} with another token limit. */
    static GenerationConfig defaults(int maxNewTokens) {
        return new GenerationConfig(0.8f, 0.95f, 0, 0f, 1f, maxNewTokens, List.of());
    }

    /** @param defaultMaxNewTokens the limit when the file names none */
    static GenerationConfig fromJson(JsonNode n, int defaultMaxNewTokens) {
        boolean sample = n.path("do_sample").asBoolean(true);
        return new GenerationConfig(
                sample ? (float) n.path("temperature").asDouble(DEFAULT.temperature) : 0f,
                (float) n.path("top_p").asDouble(DEFAULT.topP),
                n.path("top_k").asInt(DEFAULT.topK),
                (float) n.path("min_p").asDouble(DEFAULT.minP),
                (float) n.path("repetition_penalty").asDouble(DEFAULT.repetitionPenalty),
                n.has("max_new_tokens") ? n.get("max_new_tokens").asInt() : defaultMaxNewTokens,
                ModelConfig.ids(n.path("eos_token_id")));
    }
}
