package dev.reason.sampling;

import java.util.Arrays;
import java.util.Objects;

/**
 * One sampled token.
 *
 * @param token       index into the vocabulary
 * @param logprob     log-probability of {@code token} under the model's raw distribution (log-softmax of
 *                    the logits, without temperature or filters), so chain confidence does not depend on
 *                    the sampling settings
 * @param topLogprobs the largest raw log-probabilities of the step, descending (length = the sampler's
 *                    {@code topLogprobs}, capped at the vocabulary size); not copied, do not modify
 */
public record TokenChoice(int token, float logprob, float[] topLogprobs) {

    public TokenChoice {
        Objects.requireNonNull(topLogprobs, "topLogprobs");
    }

    // Value semantics for the array too, so choices compare by content (reproducibility checks).
    @Override
    public boolean equals(Object o) {
        return o instanceof TokenChoice c && token == c.token
                && Float.compare(logprob, c.logprob) == 0 && Arrays.equals(topLogprobs, c.topLogprobs);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * token + Float.hashCode(logprob)) + Arrays.hashCode(topLogprobs);
    }

    @Override
    public String toString() {
        return "TokenChoice[token=" + token + ", logprob=" + logprob
                + ", topLogprobs=" + Arrays.toString(topLogprobs) + "]";
    }
}
