package dev.reason.sampling;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The repetition penalty of CTRL (Keskar et al., 2019) as Hugging Face's {@code RepetitionPenaltyLogitsProcessor}
 * applies it: the logit of every token already in the sequence, the prompt's included, is divided by the penalty
 * when positive and multiplied by it when negative, once however often the token occurred. One instance per chain:
 * the distinct tokens it has seen.
 */
public final class RepetitionPenalty {
    private final float penalty;
    private final BitSet seen;
    private int[] distinct;  // the seen tokens in first-seen order: applying touches only these
    private int count;

    /** The prompt's penalty, which every chain of it starts from ({@link #copy}). */
    public RepetitionPenalty(float penalty, int[] prompt) {
        if (!(penalty > 0f && penalty < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("repetition penalty must be finite and > 0, got " + penalty);
        }
        this.penalty = penalty;
        this.seen = new BitSet();
        this.distinct = new int[Math.max(16, prompt.length)];
        for (int token : prompt) {
            add(token);
        }
    }

    private RepetitionPenalty(RepetitionPenalty from) {
        penalty = from.penalty;
        seen = (BitSet) from.seen.clone();
        distinct = Arrays.copyOf(from.distinct, from.count + 64);
        count = from.count;
    }

    /** A chain's own set, starting from this one's tokens. */
    public RepetitionPenalty copy() {
        return new RepetitionPenalty(this);
    }

    /** The chain took {@code token}: its logit is penalized from the next step on. */
    public void add(int token) {
        if (token < 0) {
            throw new IllegalArgumentException("token " + token + " is negative");
        }
        if (!seen.get(token)) {
            seen.set(token);
            if (count == distinct.length) {
                distinct = Arrays.copyOf(distinct, 2 * count);
            }
            distinct[count++] = token;
        }
    }

    /** Penalizes the seen tokens' logits of the row {@code logits[offset, offset + vocab)} in place. */
    public void apply(float[] logits, int offset, int vocab) {
        for (int j = 0; j < count; j++) {
            int token = distinct[j];
            if (token < vocab) {  // an id past the row (a tokenizer larger than the model) must not touch the next row
                logits[offset + token] = penalize(logits[offset + token], penalty);
            }
        }
    }

    /** The formula, on one logit; the CUDA kernel penalize_rows computes the same in IEEE float. */
    public static float penalize(float logit, float penalty) {
        return logit < 0f ? logit * penalty : logit / penalty;
    }
}
