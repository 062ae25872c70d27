package dev.reason.bench;

import dev.reason.search.stop.AcBeta;
import dev.reason.search.stop.Esc;
import dev.reason.search.stop.StopRule;
import dev.reason.search.vote.Strategy;
import dev.reason.search.vote.VerifiedVote;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReplayTest {
    private static ProblemResult.ChainResult chain(String answer, boolean correct, int tokens, String verdict) {
        return new ProblemResult.ChainResult(answer, correct, tokens, 0.1, -0.1, -1, -0.1 * tokens, null, verdict, null,
                verdict.equals("fail") ? 6 : null);
    }

    /** Problem 1: eight chains agree on the right answer. Problem 2: wrong majority, but only the right chains verify. */
    private static List<ProblemResult> pools() {
        List<ProblemResult.ChainResult> easy = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            easy.add(chain("7", true, 10, "pass"));
        }
        List<ProblemResult.ChainResult> hard = List.of(chain("5", false, 20, "fail"), chain("6", true, 20, "pass"),
                chain("5", false, 20, "fail"), chain("5", false, 20, "fail"), chain("6", true, 20, "pass"),
                chain("5", false, 20, "fail"), chain("4", false, 20, "fail"), chain("5", false, 20, "fail"));
        return List.of(new ProblemResult("easy", "t", null, "7", null, easy), new ProblemResult("hard", "t", null, "6", null, hard));
    }

    @Test
    void majorityUsesTheWholePool() {
        List<Replay.Row> rows = Replay.run(pools(), List.of(new Replay.Method("m", Strategy.majority(), StopRule::none)), 8);
        assertEquals(0.5, rows.get(0).accuracy(), 1e-12);
        assertEquals((80 + 160) / 2.0, rows.get(0).tokens(), 1e-12);
        assertEquals(8.0, rows.get(0).chains(), 1e-12);
    }

    @Test
    void verifiedVotingFindsTheAnswerTheMajorityMisses() {
        List<Replay.Row> rows = Replay.run(pools(),
                List.of(new Replay.Method("v", Strategy.verified(VerifiedVote.Mode.DROP), StopRule::none)), 8);
        assertEquals(1.0, rows.get(0).accuracy(), 1e-12);
    }

    @Test
    void stoppingRulesSpendFewerTokensOnTheEasyProblem() {
        // AC-Beta stops the unanimous problem after 4 chains (P = 0.96875); the split one runs to the end
        List<Replay.Row> beta = Replay.run(pools(), List.of(new Replay.Method("b", Strategy.majority(), AcBeta::new)), 8);
        assertEquals((4 * 10 + 8 * 20) / 2.0, beta.get(0).tokens(), 1e-12);
        assertEquals(6.0, beta.get(0).chains(), 1e-12);
        // ESC with a window of 5: five agreeing answers
        List<Replay.Row> esc = Replay.run(pools(), List.of(new Replay.Method("e", Strategy.majority(), Esc::new)), 8);
        assertEquals((5 * 10 + 8 * 20) / 2.0, esc.get(0).tokens(), 1e-12);
    }

    /**
     * The hard problem's failing chains fail on a line ending at their 6th token: verified voting's early cut charges
     * them 6 tokens instead of 20 once a chain's answer has passed (the second chain), not before; the vote is the
     * same. Without recorded fail points, or with the cut off, nothing changes.
     */
    @Test
    void verifiedVotingsEarlyCutChargesFailingChainsUpToTheirFailingLine() {
        VerifiedVote cutting = Strategy.verified(VerifiedVote.Mode.DROP).withRedrawsPerLine(0);
        Replay.Method cut = new Replay.Method("c", cutting, StopRule::none);
        Replay.Method whole = new Replay.Method("w", cutting.withFailedStepsCut(false), StopRule::none);
        List<Replay.Row> rows = Replay.run(pools(), List.of(cut, whole), 8);
        assertEquals(1.0, rows.get(0).accuracy(), 1e-12);
        assertEquals(1.0, rows.get(1).accuracy(), 1e-12);
        // hard: chain 1 fails before any pass (20), chain 2 passes (20), then 4 failing chains at 6 and one pass
        assertEquals((80 + 20 + 20 + 6 + 6 + 20 + 6 + 6 + 6) / 2.0, rows.get(0).tokens(), 1e-12);
        assertEquals((80 + 160) / 2.0, rows.get(1).tokens(), 1e-12);
        assertEquals(true, Replay.standard(false, true, 32).stream().anyMatch(m -> m.name().contains("first failing line")));
        assertEquals(false, Replay.standard(false, false, 32).stream().anyMatch(m -> m.name().contains("first failing line")));
    }

    @Test
    void voteShareCalibration() {
        // easy: share 8/8 = 1.0, right; hard: "5" leads with 5/8 = 0.625, wrong
        Estimators.Calibration c = Replay.voteShareCalibration(pools(), 8);
        assertEquals(1, c.bins().get(9).count());
        assertEquals(1.0, c.bins().get(9).accuracy(), 1e-12);
        assertEquals(1, c.bins().get(6).count());
        assertEquals(0.0, c.bins().get(6).accuracy(), 1e-12);
        assertEquals(0.5 * 0 + 0.5 * 0.625, c.ece(), 1e-12);
    }

    @Test
    void markdownComparesWithTheFirstMethod() {
        List<Replay.Row> rows = Replay.run(pools(), List.of(new Replay.Method("majority", Strategy.majority(), StopRule::none),
                new Replay.Method("beta", Strategy.majority(), AcBeta::new)), 8);
        String md = Replay.markdown(rows);
        assertEquals(true, md.contains("| beta | 0.500 |"), md);
        assertEquals(true, md.contains("| 83% |"), md); // 100 of 120 tokens per problem
    }
}
