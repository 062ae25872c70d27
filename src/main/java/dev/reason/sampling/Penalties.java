package dev.reason.sampling;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The penalties a chain's history puts on its next logits, in vLLM's order, before temperature and the filters:
 * <ol>
 *   <li>the repetition penalty of CTRL (Keskar et al., 2019) as Hugging Face's {@code RepetitionPenaltyLogitsProcessor}
 *   applies it: the logit of every token already in the sequence, the prompt's included, is divided by the penalty
 *   when positive and multiplied by it when negative, once however often the token occurred;</li>
 *   <li>OpenAI's frequency and presence penalties, on the chain's own tokens only (not the prompt's): a token
 *   generated n times loses {@code frequency * n}, then {@code presence} once.</li>
 * </ol>
 * One instance per chain: the distinct tokens it has seen and how often it generated each.
 */
public final class Penalties {
    private final float repetition;
    private final float presence;
    private final float frequency;
    private final BitSet seen;
    private int[] distinct;  // the seen tokens in first-seen order: applying touches only these
    private int[] generated; // per entry of distinct: how often the chain itself generated it
    private int count;

    /** The prompt's penalties, which every chain of it starts from ({@link #copy}). */
    public Penalties(SamplingParams params, int[] prompt) {
        this.repetition = params.repetitionPenalty();
        this.presence = params.presencePenalty();
        this.frequency = params.frequencyPenalty();
        this.seen = new BitSet();
        this.distinct = new int[Math.max(16, prompt.length)];
        this.generated = new int[distinct.length];
        for (int token : prompt) {
            entry(token);
        }
    }

    private Penalties(Penalties from) {
        repetition = from.repetition;
        presence = from.presence;
        frequency = from.frequency;
        seen = (BitSet) from.seen.clone();
        distinct = Arrays.copyOf(from.distinct, from.count + 64);
        generated = Arrays.copyOf(from.generated, distinct.length);
        count = from.count;
    }

    /** A chain's own history, starting from this one's tokens. */
    public Penalties copy() {
        return new Penalties(this);
    }

    /** The chain generated {@code token}: its logit is penalized from the next step on. */
    public void add(int token) {
        int j = entry(token);  // first: it may grow the arrays
        generated[j]++;
    }

    /** The index of the token's entry, made when the token is new. */
    private int entry(int token) {
        if (token < 0) {
            throw new IllegalArgumentException("token " + token + " is negative");
        }
        if (seen.get(token)) {
            for (int j = count - 1; j >= 0; j--) {  // recent tokens recur most: search from the end
                if (distinct[j] == token) {
                    return j;
                }
            }
        }
        seen.set(token);
        if (count == distinct.length) {
            distinct = Arrays.copyOf(distinct, 2 * count);
            generated = Arrays.copyOf(generated, 2 * count);
        }
        distinct[count] = token;
        return count++;
    }

    /** Penalizes the seen tokens' logits of the row {@code logits[offset, offset + vocab)} in place. */
    public void apply(float[] logits, int offset, int vocab) {
        for (int j = 0; j < count; j++) {
            int token = distinct[j];
            if (token < vocab) {  // an id past the row (a tokenizer larger than the model) must not touch the next row
                logits[offset + token] = penalize(logits[offset + token], repetition, generated[j], presence, frequency);
            }
        }
    }

    /**
     * The formula, on the logit of a token in the sequence that the chain generated {@code times} times; the CUDA
     * kernel penalize_rows computes the same in IEEE float, rounding after each operation as Java does.
     */
    public static float penalize(float logit, float repetition, int times, float presence, float frequency) {
        float x = logit < 0f ? logit * repetition : logit / repetition;
        if (times > 0) {
            x = x - frequency * times;
            x = x - presence;
        }
        return x;
    }
}
