package dev.reason.search.stop;

import dev.reason.search.vote.ScoredChain;
import dev.reason.search.vote.VoteTally;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Early-Stopping Self-Consistency (Li et al., 2024): stop once the last {@code window} answers, in the
 * order the chains finished, are all the same. A chain without an answer breaks the run. With
 * {@code aligned} the windows are the paper's fixed blocks (answers 1-5, 6-10, ...; checked only when a
 * block is complete); by default the window slides (answers 3-7 count too), which stops at least as early.
 *
 * <p>The tally does not keep the order of votes, so this rule observes it: the search must call
 * {@link #observe} (or {@link #chainFinished}) for every finished chain, in finishing order, before
 * {@link #check}. Stateful: one instance per search; not thread-safe.
 *
 * <p>Confidence: the share of the window's answers equal to the tally's leader (1 when it fires on the
 * leader).
 */
public final class Esc implements StopRule {

    public static final int DEFAULT_WINDOW = 5;

    // A distinct object standing for "no answer", compared by identity (never equal to a real answer).
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String NO_ANSWER = new String("<no answer>");

    private final int window;
    private final boolean aligned;
    private final Deque<String> last = new ArrayDeque<>();
    private long observed;

    public Esc() {
        this(DEFAULT_WINDOW, false);
    }

    public Esc(int window) {
        this(window, false);
    }

    /**
     * @param window  answers that must agree, &gt;= 1
     * @param aligned whether windows are fixed blocks rather than sliding
     */
    public Esc(int window, boolean aligned) {
        if (window < 1) {
            throw new IllegalArgumentException("esc window must be >= 1, got " + window);
        }
        this.window = window;
        this.aligned = aligned;
    }

    public int window() {
        return window;
    }

    public boolean aligned() {
        return aligned;
    }

    @Override
    public String name() {
        return "esc";
    }

    /** The next finished chain's normalized answer, or null when it has none. */
    public void observe(String answer) {
        if (last.size() == window) {
            last.removeFirst();
        }
        last.addLast(answer == null ? NO_ANSWER : VoteTally.group(answer));  // agreeing as the vote groups answers
        observed++;
    }

    @Override
    public void chainFinished(ScoredChain chain) {
        observe(chain.answer());
    }

    /** Answers observed so far. */
    public long observed() {
        return observed;
    }

    /** Forgets every answer, for reuse in a new search. */
    public void reset() {
        last.clear();
        observed = 0;
    }

    /** Whether the current window is complete and unanimous on an answer. */
    public boolean unanimous() {
        if (last.size() < window || aligned && observed % window != 0) {
            return false;
        }
        String first = last.peekFirst();
        if (first == NO_ANSWER) {
            return false;
        }
        for (String a : last) {
            if (a == NO_ANSWER || !a.equals(first)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Decision check(VoteTally tally, int chainsStillPossible) {
        String leader = tally.leader().map(c -> VoteTally.group(c.answer())).orElse(null);
        double confidence = 0;
        if (leader != null && !last.isEmpty()) {
            int agree = 0;
            for (String a : last) {
                if (a != NO_ANSWER && a.equals(leader)) {
                    agree++;
                }
            }
            confidence = (double) agree / window;
        }
        return new Decision(unanimous(), Math.min(1.0, confidence));
    }

    @Override
    public String toString() {
        return "esc(" + window + (aligned ? ", aligned" : "") + ")";
    }
}
