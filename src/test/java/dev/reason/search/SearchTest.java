package dev.reason.search;

import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.search.stop.AcBeta;
import dev.reason.search.stop.DeepConfOnline;
import dev.reason.search.stop.Esc;
import dev.reason.search.stop.FirstVerified;
import dev.reason.search.stop.StopRule;
import dev.reason.search.verify.ArithmeticStepVerifier;
import dev.reason.search.verify.Verifiers;
import dev.reason.search.vote.DeepConf;
import dev.reason.search.vote.Strategy;
import dev.reason.search.vote.VerifiedVote;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The search controller over a scripted engine: votes, budgets, stopping rules and anytime answers. */
class SearchTest {
    private static final int[] PROMPT = {1, 2, 3};
    /** Verified voting that drops failing chains, with its defaults; each test changes what it checks. */
    private static final VerifiedVote DROP = Strategy.verified(VerifiedVote.Mode.DROP);

    private static SearchResult search(List<String> scripts, String budget, StopRule rule, int parallel,
                                       FakeClock clock, BooleanSupplier interrupted) {
        ScriptedEngine engine = new ScriptedEngine(scripts, clock, Duration.ofMillis(10));
        Generator.Params params = new Generator.Params(new SamplingParams(0.8f, 0.95f, 0, 0f), parallel, 200, 7,
                new int[] {ScriptedEngine.EOS}, 3);
        return new Search(engine, () -> ScriptedEngine::piece, params, Budget.parse(budget), rule, clock)
                .run("q", PROMPT, interrupted, r -> { });
    }

    private static SearchResult search(List<String> scripts, String budget, Strategy strategy, StopRule rule,
                                       String question) {
        return search(scripts, budget, strategy, rule, question, 2);
    }

    private static SearchResult search(List<String> scripts, String budget, Strategy strategy, StopRule rule,
                                       String question, int parallel) {
        FakeClock clock = new FakeClock();
        ScriptedEngine engine = new ScriptedEngine(scripts, clock, Duration.ofMillis(10));
        Generator.Params params = new Generator.Params(new SamplingParams(0.8f, 0.95f, 0, 0f), parallel, 200, 7,
                new int[] {ScriptedEngine.EOS}, 3);
        return new Search(engine, () -> ScriptedEngine::piece, params, Budget.parse(budget), strategy, rule,
                Verifiers.forQuestion(question), Search.Steps.ASSERTED, clock)
                .run(question, PROMPT, () -> false, r -> { });
    }

    /**
     * Once a chain's answer has passed, a chain whose step fails can no longer vote (verified-drop): it is cut at
     * that step, the answer is the same, the tokens it would have spent are saved. Before any chain passed nothing is
     * cut, so that a question every chain fails still gets its warned plain vote.
     */
    @Test
    void aChainWhoseStepFailsIsCutOnceFailingChainsNoLongerVote() {
        String q = "What is 47 + 38?";
        String right = "047+038\n047+038=085\n#### 85\n";
        String wrong = "047+038\n047+038=095\n" + "then some more words to write before the answer\n".repeat(3) + "#### 95\n";
        for (boolean cut : new boolean[] {true, false}) {
            SearchResult r = search(List.of(right, wrong, wrong, right, wrong), "5x",
                    DROP.withFailedStepsCut(cut).withRedrawsPerLine(0), StopRule.none(), q, 1);
            assertEquals("85", r.answer());
            assertEquals(2, r.votes());
            long cutChains = r.chains().stream().filter(c -> c.finish().equals("cut")).count();
            assertEquals(cut ? 3 : 0, cutChains);
            assertTrue(r.chains().stream().filter(c -> c.finish().equals("cut")).allMatch(c -> c.verdict().equals("fail")
                    && c.tokens() == "047+038\n047+038=095\n".length()), "cut at the failing step's line end");
        }
        // a model that thinks first (Steps.TRIED): its steps are tried, not asserted, and are never cut
        ScriptedEngine engine = new ScriptedEngine(List.of(right, wrong, wrong), new FakeClock(), Duration.ofMillis(10));
        Generator.Params params = new Generator.Params(new SamplingParams(0.8f, 0.95f, 0, 0f), 1, 200, 7,
                new int[] {ScriptedEngine.EOS}, 3);
        SearchResult thinking = new Search(engine, () -> ScriptedEngine::piece, params, Budget.parse("3x"),
                DROP.withRedrawsPerLine(0), StopRule.none(), Verifiers.forQuestion(q),
                Search.Steps.TRIED, new FakeClock()).run(q, PROMPT, () -> false, x -> { });
        assertEquals(0, thinking.chains().stream().filter(c -> c.finish().equals("cut")).count());
        // every chain fails: none is cut before a chain passed, and the plain vote of the failing chains answers
        SearchResult allWrong = search(List.of(wrong, wrong, wrong), "3x", DROP.withRedrawsPerLine(0),
                StopRule.none(), q, 1);
        assertEquals("95", allWrong.answer());
        assertEquals(0, allWrong.chains().stream().filter(c -> c.finish().equals("cut")).count());
    }

    /**
     * A line whose step fails is written again (the scripted chain moves to its next variant), up to the redraws
     * allowed per line; the tokens of the lines dropped count against the budget, the chain's own are those kept.
     */
    @Test
    void aFailingLineIsDrawnAgainUpToTheRedrawsAllowed() {
        String q = "What is 47 + 38?";
        String wrong = "047+038\n047+038=095\n#### 95\n";
        String wrongAgain = "047+038\n047+038=075\n#### 75\n";
        String right = "047+038\n047+038=085\n#### 85\n";
        SearchResult fixed = search(List.of(wrong + "|" + wrongAgain + "|" + right), "1x",
                DROP.withRedrawsPerLine(2), StopRule.none(), q, 1);
        assertEquals("85", fixed.answer());
        SearchResult.ChainReport chain = fixed.chains().get(0);
        assertEquals(2, chain.redrawn());
        assertEquals("pass", chain.verdict());
        assertEquals(right, chain.text());
        assertEquals(right.length(), chain.tokens());
        assertEquals(right.length() + 2 * "047+038=095\n".length(), fixed.tokens(), "the dropped lines were paid for");

        // one redraw allowed: the second wrong line stands, and with no chain passed yet the chain is not cut
        SearchResult givenUp = search(List.of(wrong + "|" + wrongAgain + "|" + right), "1x",
                DROP.withRedrawsPerLine(1), StopRule.none(), q, 1);
        assertEquals("75", givenUp.answer());
        assertEquals(1, givenUp.chains().get(0).redrawn());
        assertEquals("fail", givenUp.chains().get(0).verdict());

        // no redraws: the line stands as first written
        assertEquals("95", search(List.of(wrong + "|" + right), "1x", DROP.withRedrawsPerLine(0),
                StopRule.none(), q, 1).answer());
    }

    /**
     * Unless told otherwise, a line gets the redraws its verifier finds worth their tokens: 16 for arithmetic steps,
     * none for Game of 24 steps (whose dead ends a redraw cannot mend); verified:redraw=N applies to both.
     */
    @Test
    void theVerifierSetsTheRedrawsUnlessTheyAreGiven() {
        String sum = "What is 47 + 38?";
        SearchResult arithmetic = search(List.of("047+038\n047+038=095\n#### 95\n|047+038\n047+038=085\n#### 85\n"),
                "1x", DROP, StopRule.none(), sum, 1);
        assertEquals("85", arithmetic.answer());
        assertEquals(1, arithmetic.chains().get(0).redrawn());
        assertEquals(16, ArithmeticStepVerifier.INSTANCE.redrawsPerLine());

        String puzzle = "Use 4 5 6 10 to make 24.";
        String wrong = "010/004=001, left 001 005 006\n005-001=004, left 004 006\n006*004=024, left 024\n#### 6*(5-(10/4))\n";
        String right = "010-006=004, left 004 004 005\n004*005=020, left 004 020\n004+020=024, left 024\n#### (10-6)+(4*5)\n";
        SearchResult plain = search(List.of(wrong + "|" + right), "1x", DROP,
                StopRule.none(), puzzle, 1);
        assertEquals(0, plain.chains().get(0).redrawn());
        assertEquals("fail", plain.chains().get(0).verdict());
        SearchResult redrawn = search(List.of(wrong + "|" + right), "1x", DROP.withRedrawsPerLine(3),
                StopRule.none(), puzzle, 1);
        assertEquals(1, redrawn.chains().get(0).redrawn());
        assertEquals("pass", redrawn.chains().get(0).verdict());
    }

    /**
     * Backtracking: a line whose redraws ran out sends the chain back to draw the line before it again (here the step
     * that led into a dead end), whose later lines then get their redraws afresh; without it the failing line stands.
     */
    @Test
    void aLineWhoseRedrawsRanOutSendsTheChainBackAStep() {
        String puzzle = "Use 4 5 6 10 to make 24.";
        String first = "010-006=004, left 004 004 005\n";
        String deadEnd = "004+004=008, left 005 008\n";
        String good = "004*005=020, left 004 020\n";
        String answer = "004+020=024, left 024\n#### (10-6)+(4*5)\n";
        List<String> variants = List.of(
                first + deadEnd + "005+008=024, left 024\n#### 5+4+4\n",   // no 24 from 5 and 8: the last step fails
                first + deadEnd + "008*005=024, left 024\n#### 8*5\n",     // redrawn once: fails again
                first + good + "004-020=024, left 024\n#### 4-20\n",       // back a step: a good step, then a slip
                first + good + answer);                                       // that slip redrawn afresh: solved
        String script = String.join("|", variants);
        for (VerifiedVote.Backtrack backtrack : VerifiedVote.Backtrack.values()) {
            SearchResult r = search(List.of(script), "1x", DROP.withRedrawsPerLine(1).withBacktrack(backtrack),
                    StopRule.none(), puzzle, 1);
            SearchResult.ChainReport chain = r.chains().get(0);
            if (backtrack == VerifiedVote.Backtrack.ON) {
                assertEquals(first + good + answer, chain.text());
                assertEquals("pass", chain.verdict());
                assertEquals(3, chain.redrawn());
                int dropped = "005+008=024, left 024\n".length() + deadEnd.length() + "008*005=024, left 024\n".length()
                        + "004-020=024, left 024\n".length();
                assertEquals(chain.tokens() + dropped, r.tokens(), "the lines dropped were paid for");
            } else {  // Game of 24's verifier does not backtrack unless told to
                assertEquals(variants.get(1), chain.text(), backtrack.name());
                assertEquals("fail", chain.verdict());
                assertEquals(1, chain.redrawn());
            }
        }
    }

    /**
     * Going back makes the search a tree: a chain goes back only while it has drawn fewer tokens than its token limit
     * (200 here). A chain whose failing lines already cost that much still redraws its line, but then gives it up.
     */
    @Test
    void aChainGoesBackOnlyWhileItHasDrawnLessThanItsTokenLimit() {
        String puzzle = "Use 4 5 6 10 to make 24.";
        String first = "010-006=004, left 004 004 005\n";
        String deadEnd = "004+004=008, left 005 008\n";
        String padding = " ".repeat(100);  // a step's line may be indented: its length is what counts here
        List<String> variants = List.of(
                first + deadEnd + padding + "005+008=024, left 024\n#### 5+4+4\n",
                first + deadEnd + padding + "008*005=024, left 024\n#### 8*5\n",
                first + deadEnd + padding + "008-005=024, left 024\n#### 8-5\n",
                first + "004*005=020, left 004 020\n004+020=024, left 024\n#### (10-6)+(4*5)\n");
        SearchResult r = search(List.of(String.join("|", variants)), "1x",
                DROP.withRedrawsPerLine(2).withBacktrack(VerifiedVote.Backtrack.ON), StopRule.none(), puzzle, 1);
        SearchResult.ChainReport chain = r.chains().get(0);
        assertEquals(variants.get(2), chain.text(), "its line redrawn twice, then given up, not gone back past");
        assertEquals(2, chain.redrawn());
        assertEquals("fail", chain.verdict());
    }

    /** A failing first line (the question copied wrong) is drawn again from the prompt: the chain starts over. */
    @Test
    void aFailingFirstLineStartsTheChainOver() {
        String q = "What is 47 + 38?";
        String miscopied = "047+083\n047+083=130\n#### 130\n";
        String right = "047+038\n047+038=085\n#### 85\n";
        SearchResult r = search(List.of(miscopied + "|" + right), "1x", DROP.withRedrawsPerLine(3),
                StopRule.none(), q, 1);
        assertEquals("85", r.answer());
        assertEquals(1, r.chains().get(0).redrawn());
        assertEquals(right, r.chains().get(0).text());
        assertEquals(right.length() + "047+083\n".length(), r.tokens());
    }

    /**
     * Online DeepConf cuts a chain once its last window of tokens is less confident than the warm-up's threshold,
     * judged on the chain's whole text: a chain begun during the warm-up is cut at the warm-up's end when its last
     * window already falls short, not a window later.
     */
    @Test
    void deepConfCutsAChainWhoseLastWindowIsUnsureFromTheWarmUpsEnd() {
        String sure = "s\n#### 7\n";
        String unsure = "s" + "~".repeat(12) + "\n#### 9\n";
        SearchResult r = search(List.of(sure, unsure), "2x", Strategy.majority(), new DeepConfOnline(1, 90, 1.0, 4),
                "q", 2);
        assertEquals("7", r.answer());
        assertEquals(List.of("answer_line", "cut"), r.chains().stream().map(SearchResult.ChainReport::finish).toList());
        assertEquals(sure.length(), r.chains().get(1).tokens(), "cut at the token written as the warm-up chain finished");
    }

    /** A chain caught in a loop ends there without an answer: whatever number it repeats does not vote. */
    @Test
    void aLoopingChainDoesNotVote() {
        String loop = "s " + "12+3=15, ".repeat(15) + "\n";
        List<String> scripts = List.of(loop, "s\n#### 7\n", loop, "s\n#### 7\n", loop);
        for (boolean cut : new boolean[] {true, false}) {
            ScriptedEngine engine = new ScriptedEngine(scripts, new FakeClock(), Duration.ofMillis(10));
            Generator.Params params = new Generator.Params(new SamplingParams(0.8f, 0.95f, 0, 0f), 2, 200, 7,
                    new int[] {ScriptedEngine.EOS}, 3).withLoopsCut(cut);
            SearchResult r = new Search(engine, () -> ScriptedEngine::piece, params, Budget.parse("5x"),
                    Strategy.majority(), StopRule.none(), Verifiers.forQuestion("q"), Search.Steps.ASSERTED,
                    new FakeClock())
                    .run("q", PROMPT, () -> false, x -> { });
            long looped = r.chains().stream().filter(c -> c.finish().equals("loop")).count();
            if (cut) {
                assertEquals(3, looped);
                assertTrue(r.chains().stream().filter(c -> c.finish().equals("loop")).allMatch(c -> c.answer() == null));
                assertEquals("7", r.answer());
            } else {
                assertEquals(0, looped);
                assertEquals("15", r.answer(), "kept whole, each loop ends on its last number");
            }
        }
    }

    @Test
    void verifiedVotingDropsChainsWithWrongSteps() {
        // three chains agree on a wrong answer reached through a wrong step; two check out
        List<String> scripts = List.of("s 047+038=095\n#### 95\n", "s 047+038=085\n#### 85\n",
                "s 047+038=095\n#### 95\n", "s 038+047=085\n#### 85\n", "s 047+038=095\n#### 95\n");
        String q = "What is 47 + 38?";
        assertEquals("95", search(scripts, "5x", Strategy.majority(), StopRule.none(), q).answer());
        SearchResult verified = search(scripts, "5x", DROP, StopRule.none(), q);
        assertEquals("85", verified.answer());
        assertEquals(2, verified.votes());
        assertEquals(3, verified.chains().stream().filter(c -> c.verdict().equals("fail")).count());
    }

    @Test
    void firstVerifiedStopsAtTheFirstCheckedGame24Answer() {
        List<String> scripts = List.of("s\n#### 4*6\n", "s 013-009=004, left 004 004 010\n#### (13-9)*(10-4)\n");
        SearchResult r = search(scripts, "20x", DROP, new FirstVerified(),
                "Use 4 9 10 13 to make 24.");
        assertEquals(StopReason.DECIDED, r.stopReason());
        assertEquals("(13-9)*(10-4)", r.answer());
        assertTrue(r.chainsStarted() < 20);
    }

    @Test
    void firstVerifiedGivesUpAfterItsChainsWithoutAPass() {
        List<String> scripts = List.of("s\n#### 4*6\n");  // never a checked solution of this puzzle
        for (int giveUp : new int[] {3, 5}) {
            FirstVerified rule = new FirstVerified(giveUp);
            SearchResult r = search(scripts, "20x", DROP, rule,
                    "Use 4 9 10 13 to make 24.");
            assertEquals(StopReason.DECIDED, r.stopReason(), "given up: " + rule.name());
            assertTrue(r.chains().stream().filter(c -> !c.finish().equals("unfinished")).count() >= giveUp);
            assertTrue(r.chainsStarted() < 20, r.chainsStarted() + " chains");
            assertEquals("first-verified:give-up=" + giveUp, rule.name());
        }
        SearchResult never = search(scripts, "20x", DROP, new FirstVerified(),
                "Use 4 9 10 13 to make 24.");
        assertEquals(20, never.chainsStarted(), "without a give-up the budget runs out");
        assertThrows(IllegalArgumentException.class, () -> new FirstVerified(-1));
    }

    /** Greedy chains are all the same: a greedy search runs one, whatever the budget and parallelism, and says why. */
    @Test
    void greedyDecodingRunsOneChain() {
        FakeClock clock = new FakeClock();
        ScriptedEngine engine = new ScriptedEngine(List.of("s\n#### 7\n"), clock, Duration.ofMillis(10));
        Generator.Params params = new Generator.Params(SamplingParams.greedy(), 8, 200, 7,
                new int[] {ScriptedEngine.EOS}, 3);
        SearchResult r = new Search(engine, () -> ScriptedEngine::piece, params, Budget.parse("32x"), StopRule.none(),
                clock).run("q", PROMPT, () -> false, x -> { });
        assertEquals(1, r.chainsStarted());
        assertEquals("7", r.answer());
        assertEquals(StopReason.GREEDY, r.stopReason());
        assertEquals(1, engine.slots, "one slot: the others would idle through every step");
    }

    /** No more slots than chains can ever run: an idle slot still costs its row of every decode step. */
    @Test
    void theBatchHasNoMoreSlotsThanTheSampleBudgetAllows() {
        for (String budget : new String[] {"3x", "30s", "3x,30s"}) {
            FakeClock clock = new FakeClock();
            ScriptedEngine engine = new ScriptedEngine(List.of("s\n#### 7\n"), clock, Duration.ofMillis(10));
            Generator.Params params = new Generator.Params(new SamplingParams(0.8f, 0.95f, 0, 0f), 8, 200, 7,
                    new int[] {ScriptedEngine.EOS}, 3);
            SearchResult r = new Search(engine, () -> ScriptedEngine::piece, params, Budget.parse(budget),
                    StopRule.none(), clock).run("q", PROMPT, () -> false, x -> { });
            assertEquals(budget.contains("3x") ? 3 : 8, engine.slots, budget);
            if (budget.contains("3x")) {
                assertEquals(3, r.chainsStarted(), budget);
            }
        }
    }

    @Test
    void escStopsWhenAWindowOfAnswersAgrees() {
        SearchResult r = search(List.of("s\n#### 7\n"), "40x", Strategy.majority(), new Esc(5), "What is 3+4?");
        assertEquals(StopReason.DECIDED, r.stopReason());
        // the fifth agreeing answer decides; its twin slot may finish in the same decode step and still counts
        assertTrue(r.votes() == 5 || r.votes() == 6, "votes " + r.votes());
        assertTrue(r.chainsStarted() <= 6);
    }

    private static SearchResult search(List<String> scripts, String budget, StopRule rule, int parallel) {
        return search(scripts, budget, rule, parallel, new FakeClock(), () -> false);
    }

    @Test
    void majorityOfTheSampleBudgetWins() {
        SearchResult r = search(List.of("s 1+1=2\n#### 2\n", "s 1+1=3\n#### 3\n", "s\n#### 2\n"), "6x", StopRule.none(), 4);
        assertEquals("2", r.answer());
        assertEquals(4, r.leaderVotes());
        assertEquals(6, r.votes());
        assertEquals(6, r.chainsStarted());
        assertEquals(StopReason.SAMPLES, r.stopReason());
        assertEquals("3", r.ranking().get(1).answer());
    }

    @Test
    void chainsEndAtTheirAnswerLine() {
        SearchResult r = search(List.of("s\n#### 5\nthen more text that is never generated"), "2x", StopRule.none(), 2);
        assertEquals("5", r.answer());
        for (SearchResult.ChainReport c : r.chains()) {
            assertEquals("answer_line", c.finish());
            assertEquals("s\n#### 5\n".length(), c.tokens());
        }
    }

    @Test
    void acBetaStopsAUnanimousVoteEarly() {
        SearchResult r = search(List.of("s\n#### 9\n"), "64x", new AcBeta(0.95, 3), 2);
        // 4-0 is the first unanimous tally with P = 0.96875 >= 0.95
        assertEquals(StopReason.DECIDED, r.stopReason());
        assertEquals(4, r.votes());
        assertTrue(r.chainsStarted() < 64);
        assertEquals(0.96875, r.confidence(), 1e-12);
    }

    @Test
    void decidedStopsWhenTheRestCannotOvertakeTheLeader() {
        SearchResult r = search(List.of("s\n#### 1\n"), "5x", StopRule.decided(), 1);
        // after 3 votes for "1", the 2 chains left cannot overtake it
        assertEquals(StopReason.DECIDED, r.stopReason());
        assertEquals(3, r.votes());
    }

    @Test
    void tokenBudgetIsNeverExceeded() {
        SearchResult r = search(List.of("s a long chain of thought\n#### 4\n"), "50tok", StopRule.none(), 4);
        assertEquals(StopReason.TOKENS, r.stopReason());
        assertTrue(r.tokens() <= 50, "tokens " + r.tokens());
        assertTrue(r.tokens() > 50 - 4, "the budget is spent up to the last full step, got " + r.tokens());
    }

    @Test
    void timeBudgetReturnsTheAnytimeAnswer() {
        // 10 ms per step on the fake clock; chains need 11 steps each; 0.5 s allows ~50 steps
        SearchResult r = search(List.of("s\n#### 12\n", "s\n#### 13\n", "s\n#### 12\n"), "500ms", StopRule.none(), 2);
        assertEquals(StopReason.TIME, r.stopReason());
        assertEquals("12", r.answer());
        assertTrue(r.seconds() >= 0.5 && r.seconds() < 0.52, "seconds " + r.seconds());
    }

    @Test
    void unfinishedChainsGiveAnAnswerWhenNothingFinished() {
        // the time budget ends before any chain finishes: their partial text still has a number
        SearchResult r = search(List.of("s 6*7=42 and then a very long tail of text ...............\n#### 42\n"),
                "100ms", StopRule.none(), 2);
        assertEquals(StopReason.TIME, r.stopReason());
        assertEquals("42", r.answer());
        assertTrue(r.chains().stream().allMatch(c -> c.finish().equals("unfinished")));
    }

    @Test
    void interruptionKeepsTheBestAnswerSoFar() {
        AtomicInteger polls = new AtomicInteger();
        SearchResult r = search(List.of("s\n#### 8\n"), "100x", StopRule.none(), 2, new FakeClock(),
                () -> polls.incrementAndGet() > 40);
        assertEquals(StopReason.INTERRUPTED, r.stopReason());
        assertEquals("8", r.answer());
        assertTrue(r.votes() > 0 && r.chainsStarted() < 100);
    }

    @Test
    void chainsWithoutAnAnswerDoNotVote() {
        SearchResult r = search(List.of("s no idea\n", "s\n#### 3\n"), "4x", StopRule.none(), 2);
        assertEquals("3", r.answer());
        assertEquals(2, r.votes());
        assertEquals(4, r.chains().size());
        assertNull(r.chains().stream().filter(c -> c.text().contains("idea")).findFirst().orElseThrow().answer());
    }

    @Test
    void tiesGoToTheHigherSummedLogprob() {
        // both answers get 2 votes; scripted tokens all have log-probability ~0, so the longer chains
        // sum to the same value: the tally then falls back to the answer string, deterministically
        SearchResult a = search(List.of("s\n#### 1\n", "s\n#### 2\n"), "4x", StopRule.none(), 2);
        SearchResult b = search(List.of("s\n#### 1\n", "s\n#### 2\n"), "4x", StopRule.none(), 2);
        assertNotNull(a.answer());
        assertEquals(a.answer(), b.answer());
        assertEquals(2, a.leaderVotes());
    }
}
