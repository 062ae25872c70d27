package dev.reason.sampling;

/**
 * How one row of logits becomes a token. Filters are applied in the HF/vLLM order: temperature, min-p,
 * top-k, top-p (on the distribution renormalised after the earlier filters).
 *
 * @param temperature divides the logits; 0 means greedy (argmax), which ignores the other options
 * @param topP        keep the smallest most-likely set reaching this probability mass; 1 = off
 * @param topK        keep the k most likely tokens; 0 = off
 * @param minP        keep tokens whose probability is at least {@code minP} times the top one's; 0 = off
 */
public record SamplingParams(float temperature, float topP, int topK, float minP) {

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
    }

    /** Argmax decoding, no filters. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 1f, 0, 0f);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
