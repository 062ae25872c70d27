package dev.reason.cli;

import dev.reason.bench.Equivalence;
import dev.reason.search.SearchResult;

import java.util.Locale;

/**
 * The grades of a {@code --questions} run over a file whose lines carry their answers: each answer is graded as
 * {@code reason bench} grades one ({@link Equivalence#correct}: the same math, or a Game of 24 expression that
 * checks), and the run ends with one line of accuracy and cost, so a strategy or budget can be tried on a set of one's
 * own without a benchmark run.
 */
final class Scorecard {
    private int graded;
    private int right;
    private long tokens;
    private double seconds;
    private final long started = System.nanoTime();

    /** Whether the answer given (none when it abstained) is right; null when the question has no expected answer. */
    Boolean grade(Questions.Question q, SearchResult r, boolean abstained) {
        if (q.expected() == null) {
            return null;
        }
        boolean correct = !abstained && Equivalence.correct(q.expected(), r.answer());
        graded++;
        right += correct ? 1 : 0;
        tokens += r.tokens();
        seconds += r.seconds();
        return correct;
    }

    /** One line on the graded questions, or null when none was. */
    String summary() {
        if (graded == 0) {
            return null;
        }
        return String.format(Locale.ROOT, "%d of %d graded answers right (%.1f%%), %,d tokens a question, %.2f s a"
                + " question, %.1f s in all", right, graded, 100.0 * right / graded, tokens / graded, seconds / graded,
                (System.nanoTime() - started) / 1e9);
    }
}
