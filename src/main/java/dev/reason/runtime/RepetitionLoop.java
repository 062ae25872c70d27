package dev.reason.runtime;

/**
 * Whether a chain has fallen into a loop: its latest tokens repeat one block verbatim, again and again, as small
 * models (and reasoning models late in a long thought) sometimes do until the token limit. Such a chain has nothing
 * left to say, and every token it still takes is budget the other chains lose.
 *
 * <p>A chain loops when, for some period p of at most {@link #MAX_PERIOD} tokens, each of its last
 * max(3p, {@link #MIN_SPAN}) tokens equals the token p before it: a block of p tokens written four times running,
 * or a short one (a token, a pair) at least 64 tokens on end. Legitimate reasoning repeats phrases, not whole blocks
 * four times in a row. Each new token updates, per period, how many latest tokens match the one p before, so the
 * check costs {@code MAX_PERIOD} comparisons a token.
 */
final class RepetitionLoop {
    static final int MAX_PERIOD = 256;
    static final int MIN_SPAN = 64;

    private final int[] matching = new int[MAX_PERIOD + 1];  // per period p: the latest tokens equal to the one p before

    /** Takes the chain's newest token, {@code tokens[n - 1]}; true when the chain now loops. */
    boolean add(int[] tokens, int n) {
        int token = tokens[n - 1];
        boolean loops = false;
        for (int p = 1; p <= Math.min(MAX_PERIOD, n - 1); p++) {
            matching[p] = tokens[n - 1 - p] == token ? matching[p] + 1 : 0;
            loops |= matching[p] >= Math.max(3 * p, MIN_SPAN);
        }
        return loops;
    }
}
