package dev.reason.distill;

import dev.reason.bench.Problem;
import dev.reason.search.SearchResult;
import dev.reason.search.StopReason;
import dev.reason.search.verify.Game24Verifier;
import dev.reason.search.verify.Verifier;
import dev.reason.search.verify.Verifiers;
import dev.reason.search.vote.VoteTally;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which chains of a hand-made search are kept, and why a question keeps none. */
class ChainFilterTest {
    private static final String QUESTION = "What is 12 * 7 - 5?";
    private static final ChainFilter VOTE = new ChainFilter(Filter.VOTE, 0.5, 4);

    /** A verifier that fails a text with "bad" in it, passes one with "=" and finds nothing in the rest. */
    private static Verifier verifier(boolean applies) {
        return new Verifier() {
            @Override
            public String name() {
                return "test";
            }

            @Override
            public Verdict check(String question, String chainText, String answer) {
                return chainText.contains("bad") ? Verdict.FAIL : chainText.contains("=") ? Verdict.PASS : Verdict.UNKNOWN;
            }

            @Override
            public boolean appliesTo(String question) {
                return applies;
            }
        };
    }

    private static SearchResult.ChainReport chain(int index, String answer, String finish, String text) {
        return new SearchResult.ChainReport(index, answer, 10, -0.1, -1.0 - index, -0.5, finish, "unknown", 0, 0.1, text);
    }

    private static SearchResult.ChainReport chain(int index, String answer, String text) {
        return chain(index, answer, "answer_line", text);
    }

    /** Every chain with an answer votes, as plain majority voting has it. */
    private static SearchResult result(SearchResult.ChainReport... chains) {
        VoteTally tally = new VoteTally();
        for (SearchResult.ChainReport c : chains) {
            if (c.answer() != null) {
                tally.add(c.answer(), c.sumLogprob());
            }
        }
        return new SearchResult(tally.leader().map(VoteTally.Candidate::answer).orElse(null), tally.ranking(),
                tally.totalVotes(), 0.9, "majority", "none", List.of(chains), chains.length, 0, 100, 1.0, "cpu",
                StopReason.NO_MORE_CHAINS, "8x", 0.5);
    }

    private static List<Integer> indexes(Selection s) {
        List<Integer> out = new ArrayList<>();
        s.kept().forEach(k -> out.add(k.chain().index()));
        return out;
    }

    @Test
    void keepsTheWinnersChainsAndDropsTheLosers() {
        Selection s = VOTE.select(QUESTION, result(chain(0, "79", "12*7=84\n#### 79"), chain(1, "80", "12*7=85\n#### 80"),
                chain(2, "79", "12*7=84, 84-5=79\n#### 79")), null, verifier(true));
        assertEquals(List.of(0, 2), indexes(s));
        assertNull(s.dropped());
        assertEquals(2.0 / 3, s.share(), 1e-12);
        assertEquals(2, s.votes());
        assertEquals(3, s.voters());
        assertEquals(Verifier.Verdict.PASS, s.kept().get(0).verdict());
    }

    @Test
    void answersTheVoteCountsAsOneAreTheWinners() {
        Selection s = VOTE.select(QUESTION, result(chain(0, "0.5", "a=1\n#### 0.5"), chain(1, "1/2", "b=1\n#### 1/2"),
                chain(2, "3", "c=1\n#### 3")), null, verifier(false));
        assertEquals(List.of(0, 1), indexes(s));
    }

    @Test
    void aWinnerUnderTheMinimumShareKeepsNothing() {
        SearchResult r = result(chain(0, "1", "x=1\n#### 1"), chain(1, "2", "x=2\n#### 2"), chain(2, "3", "x=3\n#### 3"), chain(3, "1", "y=1\n#### 1"));
        assertEquals(Drop.NO_WINNER, new ChainFilter(Filter.VOTE, 0.6, 4).select(QUESTION, r, null, verifier(true)).dropped());
        assertEquals(List.of(0, 3), indexes(new ChainFilter(Filter.VOTE, 0.5, 4).select(QUESTION, r, null, verifier(true))));
    }

    @Test
    void aChainTheVerifierFailsIsDropped() {
        Selection s = VOTE.select(QUESTION, result(chain(0, "79", "bad=1\n#### 79"), chain(1, "79", "ok=1\n#### 79")),
                null, verifier(true));
        assertEquals(List.of(1), indexes(s));
        Selection none = VOTE.select(QUESTION, result(chain(0, "79", "bad=1\n#### 79"), chain(1, "79", "bad=2\n#### 79")),
                null, verifier(true));
        assertEquals(Drop.FAILED_CHECK, none.dropped());
        assertTrue(none.kept().isEmpty());
    }

    @Test
    void nothingToCheckPassesOnlyWhereTheVerifierDoesNotApply() {
        SearchResult r = result(chain(0, "79", "#### 79"), chain(1, "79", "84 - 5\n#### 79"));
        Selection unchecked = VOTE.select(QUESTION, r, null, verifier(false));
        assertEquals(List.of(0, 1), indexes(unchecked));
        assertEquals(Verifier.Verdict.UNKNOWN, unchecked.kept().get(0).verdict());
        assertEquals(Drop.FAILED_CHECK, VOTE.select(QUESTION, r, null, verifier(true)).dropped());
    }

    /** The shipped verifiers: an expression question wants worked lines; a word question takes a bare answer. */
    @Test
    void theArithmeticVerifierAppliesToQuestionsWithAnExpression() {
        SearchResult expression = result(chain(0, "79", "#### 79"), chain(1, "79", "012*007-005\n012*007=084, 084-005\n"
                + "084-005=079\n#### 79"), chain(2, "79", "012*007-005\n012*007=074, 074-005\n074-005=079\n#### 79"));
        Selection s = VOTE.select(QUESTION, expression, null, Verifiers.forQuestion(QUESTION));
        assertEquals(List.of(1), indexes(s));
        String word = "Tom has 3 apples and buys 4 more. How many apples does he have?";
        SearchResult bare = result(chain(0, "7", "#### 7"), chain(1, "7", "3 + 4 = 8\n#### 7"));
        Selection w = VOTE.select(word, bare, null, Verifiers.forQuestion(word));
        assertEquals(List.of(0), indexes(w));
        assertEquals(Verifier.Verdict.UNKNOWN, w.kept().get(0).verdict());
    }

    @Test
    void aChainThatDidNotEndOnItsOwnIsNeverKept() {
        SearchResult r = result(chain(0, "79", "max_tokens", "x=1 79"), chain(1, "79", "unfinished", "x=2 79"),
                chain(2, "79", "eos", "x=3\n#### 79"), chain(3, "79", "loop", "x=4 79"));
        assertEquals(List.of(2), indexes(VOTE.select(QUESTION, r, null, verifier(true))));
        SearchResult cut = result(chain(0, "79", "unfinished", "x=1 79"), chain(1, "79", "max_tokens", "x=2 79"));
        assertEquals(Drop.UNFINISHED, VOTE.select(QUESTION, cut, null, verifier(true)).dropped());
    }

    @Test
    void aChainThatNeverStatesItsAnswerIsNeverKept() {
        // The answer of a chain without a #### line (or "the answer is", or \\boxed) is only its last number.
        SearchResult r = result(chain(0, "0", "eos", "0000000"), chain(1, "0", "eos", "000*000\n0000=0"),
                chain(2, "0", "eos", "000-000\n#### 0"));
        assertEquals(List.of(2), indexes(VOTE.select("Do elephants dream?", r, null, verifier(false))));
        SearchResult none = result(chain(0, "0", "eos", "0000000"), chain(1, "0", "eos", "00000"));
        assertEquals(Drop.UNFINISHED, VOTE.select("Do elephants dream?", none, null, verifier(false)).dropped());
    }

    @Test
    void noAnswerKeepsNothing() {
        SearchResult r = result(chain(0, null, "cut", "x=1"), chain(1, null, "loop", "x=2"));
        assertEquals(Drop.NO_ANSWER, VOTE.select(QUESTION, r, null, verifier(true)).dropped());
        Problem expected = new Problem("q", QUESTION, "79", "questions", null, null);
        assertEquals(Drop.NO_ANSWER,
                new ChainFilter(Filter.LABEL, 0.5, 4).select(QUESTION, r, expected, verifier(true)).dropped());
    }

    @Test
    void theLabelFilterKeepsRightChainsWhateverTheVote() {
        ChainFilter label = new ChainFilter(Filter.LABEL, 0.9, 4);
        Problem expected = new Problem("q", QUESTION, "79", "questions", null, null);
        SearchResult r = result(chain(0, "80", "a=80\n#### 80"), chain(1, "80", "b=80\n#### 80"), chain(2, "79", "c=79\n#### 79"));
        Selection s = label.select(QUESTION, r, expected, verifier(true));
        assertEquals(List.of(2), indexes(s));
        assertEquals(2.0 / 3, s.share(), 1e-12);  // the vote it came from, whose winner was wrong
        SearchResult wrong = result(chain(0, "80", "a=80\n#### 80"), chain(1, "81", "b=81\n#### 81"));
        assertEquals(Drop.WRONG, label.select(QUESTION, wrong, expected, verifier(true)).dropped());
        assertThrows(IllegalArgumentException.class, () -> label.select(QUESTION, r, null, verifier(true)));
    }

    @Test
    void theLabelFilterGradesGameOf24ByTheCheckerAndItsVerifierMustPass() {
        String puzzle = "Use 4 5 6 10 to make 24.";
        Problem expected = new Problem("g", puzzle, null, "questions", null, new int[] {4, 5, 6, 10});
        SearchResult r = result(chain(0, "(4*5)+(10-6)", "#### (4*5)+(10-6)"), chain(1, "4*5+10", "#### 4*5+10"),
                chain(2, "(5*(10-4))-6", "#### (5*(10-4))-6"));
        Selection s = new ChainFilter(Filter.LABEL, 0.5, 4).select(puzzle, r, expected, Game24Verifier.INSTANCE);
        assertEquals(List.of(0, 2), indexes(s));
        assertEquals(Verifier.Verdict.PASS, s.kept().get(1).verdict());
    }

    @Test
    void keepsAtMostKDistinctTextsByChainIndex() {
        SearchResult r = result(chain(5, "79", "x=1\n#### 79"), chain(1, "79", "x=1  \n####   79 "),
                chain(3, "79", "x=2\n#### 79"), chain(0, "79", "x=3\n#### 79"), chain(4, "79", "x=4\n#### 79"));
        assertEquals(List.of(0, 1, 3), indexes(new ChainFilter(Filter.VOTE, 0.5, 3).select(QUESTION, r, null, verifier(true))));
        // 1 and 5 are one text written with other spaces: 5 is a copy
        assertEquals(List.of(0, 1, 3, 4), indexes(new ChainFilter(Filter.VOTE, 0.5, 9).select(QUESTION, r, null, verifier(true))));
        assertEquals(List.of(0), indexes(new ChainFilter(Filter.VOTE, 0.5, 1).select(QUESTION, r, null, verifier(true))));
    }

    @Test
    void refusesSettingsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new ChainFilter(Filter.VOTE, 1.5, 4));
        assertThrows(IllegalArgumentException.class, () -> new ChainFilter(Filter.VOTE, -0.1, 4));
        assertThrows(IllegalArgumentException.class, () -> new ChainFilter(Filter.VOTE, Double.NaN, 4));
        assertThrows(IllegalArgumentException.class, () -> new ChainFilter(Filter.VOTE, 0.5, 0));
        assertEquals(Filter.LABEL, Filter.parse(" Label"));
        assertThrows(IllegalArgumentException.class, () -> Filter.parse("best"));
    }
}
