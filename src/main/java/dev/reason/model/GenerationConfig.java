package dev.reason.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sampling defaults from {@code generation_config.json}; the CLI's options override them.
 *
 * @param unapplied the file's settings that would change how Hugging Face generates but that reason does not apply
 *                  (bans of word lists, typical sampling, beam search, ...), by name, for a notice
 */
public record GenerationConfig(float temperature, float topP, int topK, float minP, float repetitionPenalty,
                               int noRepeatNgramSize, int maxNewTokens, List<Integer> eosTokenIds,
                               List<String> unapplied) {

    /** Settings of transformers' GenerationConfig whose neutral value (what changes nothing) is this number. */
    private static final Map<String, Double> NEUTRAL_NUMBERS = Map.of("typical_p", 1.0, "epsilon_cutoff", 0.0,
            "eta_cutoff", 0.0, "min_length", 0.0, "min_new_tokens", 0.0, "num_beams", 1.0, "penalty_alpha", 0.0,
            "guidance_scale", 1.0, "encoder_repetition_penalty", 1.0);
    /** Settings that change nothing when absent, null or empty. */
    private static final List<String> NEUTRAL_WHEN_EMPTY = List.of("bad_words_ids", "force_words_ids",
            "suppress_tokens", "begin_suppress_tokens", "sequence_bias", "exponential_decay_length_penalty");

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
        return new GenerationConfig(0.8f, 0.95f, 0, 0f, 1f, 0, maxNewTokens, List.of(), List.of());
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
                n.path("no_repeat_ngram_size").asInt(DEFAULT.noRepeatNgramSize),
                n.has("max_new_tokens") ? n.get("max_new_tokens").asInt() : defaultMaxNewTokens,
                ModelConfig.ids(n.path("eos_token_id")),
                unapplied(n));
    }

    /** The notice naming {@link #unapplied} settings, or empty when there are none. */
    public Optional<String> unappliedNotice() {
        return unapplied.isEmpty() ? Optional.empty() : Optional.of("sampling: generation_config.json sets "
                + String.join(", ", unapplied) + ", which reason does not apply (it samples with temperature, top-k,"
                + " top-p, min-p, the penalties and no_repeat_ngram_size)");
    }

    private static List<String> unapplied(JsonNode n) {
        List<String> found = new ArrayList<>();
        n.fieldNames().forEachRemaining(name -> {
            JsonNode v = n.get(name);
            Double neutral = NEUTRAL_NUMBERS.get(name);
            boolean set = neutral != null ? v.isNumber() && v.asDouble() != neutral
                    : NEUTRAL_WHEN_EMPTY.contains(name) && !v.isNull() && !(v.isContainerNode() && v.isEmpty());
            if (set) {
                found.add(name);
            }
        });
        return List.copyOf(found);
    }
}
