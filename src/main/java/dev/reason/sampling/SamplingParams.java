package dev.reason.sampling;

/**
 * How one row of logits becomes a token. The penalties and the n-gram ban come first (they need the chain's history,
 * so the decode loop applies them: {@link Penalties}, {@link RepeatedNgrams}); the filters then follow in the HF/vLLM order: temperature, min-p, top-k, top-p (on
 * the distribution renormalised after the earlier filters).
 *
 * @param temperature       divides the logits; 0 means greedy (argmax), which ignores the filters
 * @param topP              keep the smallest most-likely set reaching this probability mass; 1 = off
 * @param topK              keep the k most likely tokens; 0 = off
 * @param minP              keep tokens whose probability is at least {@code minP} times the top one's; 0 = off
 * @param repetitionPenalty Hugging Face's {@code repetition_penalty}: the logits of tokens already in the sequence
 *                          (prompt included) are divided by it when positive, multiplied when negative; applied in
 *                          greedy decoding too; 1 = off
 * @param presencePenalty   OpenAI's {@code presence_penalty}: subtracted once from the logit of every token the chain
 *                          itself has generated (not the prompt's); in [-2, 2], 0 = off
 * @param frequencyPenalty  OpenAI's {@code frequency_penalty}: subtracted from a generated token's logit once per time
 *                          the chain generated it; in [-2, 2], 0 = off
 * @param noRepeatNgramSize Hugging Face's {@code no_repeat_ngram_size}: a token that would complete an n-gram of this
 *                          size already in the sequence (prompt included) is never drawn; in greedy decoding too;
 *                          0 = off
 */
public record SamplingParams(float temperature, float topP, int topK, float minP, float repetitionPenalty,
                             float presencePenalty, float frequencyPenalty, int noRepeatNgramSize) {

    public SamplingParams {
        // Messages name the CLI option, since that is where bad values come from.
        if (!(temperature >= 0f && temperature < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--temperature must be finite and >= 0, got " + temperature);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("--top-k must be >= 0 (0 = off), got " + topK);
        }
        if (!(minP >= 0f && minP < 1f)) {
            throw new IllegalArgumentException("--min-p must be in [0, 1), got " + minP);
        }
        if (!(repetitionPenalty > 0f && repetitionPenalty < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--repetition-penalty must be finite and > 0 (1 = off), got "
                    + repetitionPenalty);
        }
        if (!(presencePenalty >= -2f && presencePenalty <= 2f)) {
            throw new IllegalArgumentException("--presence-penalty must be in [-2, 2] (0 = off), got " + presencePenalty);
        }
        if (!(frequencyPenalty >= -2f && frequencyPenalty <= 2f)) {
            throw new IllegalArgumentException("--frequency-penalty must be in [-2, 2] (0 = off), got " + frequencyPenalty);
        }
        if (noRepeatNgramSize < 0) {
            throw new IllegalArgumentException("--no-repeat-ngram must be >= 0 (0 = off), got " + noRepeatNgramSize);
        }
    }

    /** Without the n-gram ban. */
    public SamplingParams(float temperature, float topP, int topK, float minP, float repetitionPenalty,
                          float presencePenalty, float frequencyPenalty) {
        this(temperature, topP, topK, minP, repetitionPenalty, presencePenalty, frequencyPenalty, 0);
    }

    /** With a repetition penalty only. */
    public SamplingParams(float temperature, float topP, int topK, float minP, float repetitionPenalty) {
        this(temperature, topP, topK, minP, repetitionPenalty, 0f, 0f);
    }

    /** Without penalties. */
    public SamplingParams(float temperature, float topP, int topK, float minP) {
        this(temperature, topP, topK, minP, 1f);
    }

    /** Argmax decoding, no filters. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 1f, 0, 0f);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** Whether any penalty is in force, so the chains' histories must be kept. */
    public boolean penalizes() {
        return repetitionPenalty != 1f || presencePenalty != 0f || frequencyPenalty != 0f;
    }

    /** Whether n-grams may not repeat, so the chains' tokens must be scanned before each draw. */
    public boolean bansRepeatedNgrams() {
        return noRepeatNgramSize > 0;
    }

    public SamplingParams withRepetitionPenalty(float penalty) {
        return new SamplingParams(temperature, topP, topK, minP, penalty, presencePenalty, frequencyPenalty,
                noRepeatNgramSize);
    }

    public SamplingParams withPresenceAndFrequencyPenalties(float presence, float frequency) {
        return new SamplingParams(temperature, topP, topK, minP, repetitionPenalty, presence, frequency,
                noRepeatNgramSize);
    }

    public SamplingParams withNoRepeatNgramSize(int size) {
        return new SamplingParams(temperature, topP, topK, minP, repetitionPenalty, presencePenalty, frequencyPenalty,
                size);
    }

    /**
     * The record's form, naming each penalty and the n-gram ban only when in force: benchmark runs recorded before they existed
     * keep their settings string ({@code run.json}), so {@code bench --resume} still continues them.
     */
    @Override
    public String toString() {
        return "SamplingParams[temperature=" + temperature + ", topP=" + topP + ", topK=" + topK + ", minP=" + minP
                + (repetitionPenalty != 1f ? ", repetitionPenalty=" + repetitionPenalty : "")
                + (presencePenalty != 0f ? ", presencePenalty=" + presencePenalty : "")
                + (frequencyPenalty != 0f ? ", frequencyPenalty=" + frequencyPenalty : "")
                + (noRepeatNgramSize != 0 ? ", noRepeatNgramSize=" + noRepeatNgramSize : "") + "]";
    }
}
