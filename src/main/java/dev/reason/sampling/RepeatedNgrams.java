package dev.reason.sampling;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Hugging Face's {@code no_repeat_ngram_size} ({@code NoRepeatNGramLogitsProcessor}): no n-gram may occur twice in
 * the sequence, the prompt's tokens included, so a token that would complete one already there is banned (its logit
 * becomes -infinity). Found by scanning the sequence at each step rather than by keeping a table of n-grams, so a
 * chain that goes back to redraw a line needs nothing undone.
 */
public final class RepeatedNgrams {
    private RepeatedNgrams() {
    }

    /**
     * The tokens that would complete an n-gram already in the sequence {@code prompt} followed by
     * {@code chain[0, chainLength)}: each token that followed an earlier occurrence of the sequence's last
     * {@code n - 1} tokens (for {@code n = 1}, every token in it). Distinct, in the order of their first occurrence;
     * empty when {@code n} is 0 (off) or the sequence is shorter than {@code n - 1} tokens.
     */
    public static int[] banned(int n, int[] prompt, int[] chain, int chainLength) {
        if (n < 0) {
            throw new IllegalArgumentException("n-gram size " + n + " is negative");
        }
        int length = prompt.length + chainLength;
        if (n == 0 || length < n - 1) {
            return new int[0];
        }
        int suffix = length - (n - 1);  // where the last n - 1 tokens start
        int[] out = new int[8];
        int count = 0;
        BitSet seen = new BitSet();
        for (int i = 0; i + n <= length; i++) {  // each complete n-gram [i, i + n)
            int j = 0;
            while (j < n - 1 && at(prompt, chain, i + j) == at(prompt, chain, suffix + j)) {
                j++;
            }
            if (j == n - 1) {
                int next = at(prompt, chain, i + n - 1);
                if (next >= 0 && !seen.get(next)) {
                    seen.set(next);
                    if (count == out.length) {
                        out = Arrays.copyOf(out, 2 * count);
                    }
                    out[count++] = next;
                }
            }
        }
        return Arrays.copyOf(out, count);
    }

    private static int at(int[] prompt, int[] chain, int i) {
        return i < prompt.length ? prompt[i] : chain[i - prompt.length];
    }

    /** Sets the logits of the {@code banned} tokens in the row {@code logits[offset, offset + vocab)} to -infinity. */
    public static void ban(float[] logits, int offset, int vocab, int[] banned) {
        for (int token : banned) {
            if (token < vocab) {  // an id past the row (a tokenizer larger than the model) must not touch the next row
                logits[offset + token] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
