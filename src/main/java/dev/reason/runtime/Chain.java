package dev.reason.runtime;

import java.util.List;

/**
 * One sampled chain of thought.
 *
 * @param index        order in which the chain was started (its random stream is derived from it)
 * @param tokens       generated token ids
 * @param text         decoded text of the tokens
 * @param logprobs     per token, the model's log-probability of the chosen token
 * @param topLogprobs  per token, the largest log-probabilities of that step (for confidence measures)
 * @param seconds      wall time from the chain's start to its end
 */
public record Chain(int index, int[] tokens, String text, float[] logprobs, List<float[]> topLogprobs,
                    FinishReason finish, double seconds) {

    public int tokenCount() {
        return tokens.length;
    }

    public double sumLogprob() {
        double s = 0;
        for (float l : logprobs) {
            s += l;
        }
        return s;
    }

    public double meanLogprob() {
        return logprobs.length == 0 ? 0 : sumLogprob() / logprobs.length;
    }

    public double minLogprob() {
        double m = 0;
        for (float l : logprobs) {
            m = Math.min(m, l);
        }
        return m;
    }
}
