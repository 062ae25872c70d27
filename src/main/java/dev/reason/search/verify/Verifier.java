package dev.reason.search.verify;

import dev.reason.search.answer.AnswerExtractor;

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

    /**
     * Whether a chain's text just ended a line on which {@link #checkSteps} fails: where the search cuts it. Only
     * a line end is checked (cheap to test for, once per token): tokenizers keep a newline out of the tokens after
     * it (its own pre-token or byte), so a line ends with a token.
     */
    default boolean failsAtLineEnd(String question, CharSequence text) {
        return text.length() > 0 && text.charAt(text.length() - 1) == '\n'
                && checkSteps(question, text.toString()) == Verdict.FAIL;
    }

    /**
     * How many times the search draws a line on which {@link #checkSteps} fails again, unless told otherwise
     * ({@code --strategy verified:redraw=N}): as many as pay for their tokens on this verifier's task, measured. By
     * default none.
     */
    default int redrawsPerLine() {
        return 0;
    }

    /**
     * Whether a line whose redraws ran out sends the chain back to draw an earlier line again (with redraws left), unless
     * told otherwise ({@code verified:backtrack=on|off}): where a failing line can be the fault of a line before it
     * that passed. By default not.
     */
    default boolean backtracks() {
        return false;
    }

    /**
     * Whether every chain of this question ought to give the verifier something to check (a Game of 24 puzzle's
     * numbers, an expression a worked chain restates): then a chain it finds nothing in is not vouched for. By
     * default not.
     */
    default boolean appliesTo(String question) {
        return false;
    }

    /** A verifier that knows nothing: always {@link Verdict#UNKNOWN}. */
    static Verifier none() {
        return Verifiers.NONE;
    }
}
