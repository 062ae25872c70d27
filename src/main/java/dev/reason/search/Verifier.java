package dev.reason.search;

/**
 * Checks one chain of thought on its own terms: its steps or its final answer against the rules of the
 * task, never by solving the task itself (a verifier that computed the right answer from the question
 * would replace the model, not check it). Implementations are stateless and thread-safe.
 */
public interface Verifier {

    /** What a verifier concluded about one chain. */
    enum Verdict {
        /** Everything the verifier could check was right (and it could check something). */
        PASS,
        /** Something it checked was wrong. */
        FAIL,
        /** Nothing it could check. */
        UNKNOWN
    }

    /** Short stable name for output, e.g. {@code game24}. */
    String name();

    /**
     * @param question  the user's question, as asked
     * @param chainText the chain's full text
     * @param answer    the chain's extracted, normalized answer ({@link AnswerExtractor}), or null when it
     *                  has none
     */
    Verdict check(String question, String chainText, String answer);

    /**
     * The steps of a chain still being written, up to its last complete line: {@link Verdict#FAIL} when one of them
     * is already wrong in a way that makes {@link #check} fail the whole chain however it goes on, else
     * {@link Verdict#UNKNOWN}; never PASS. Lets the search cut such a chain at once. By default: never FAIL.
     */
    default Verdict checkSteps(String question, String partialText) {
        return Verdict.UNKNOWN;
    }

    /** A verifier that knows nothing: always {@link Verdict#UNKNOWN}. */
    static Verifier none() {
        return Verifiers.NONE;
    }
}
