package dev.reason.search.stop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.stop.StopRule.Decision;
import dev.reason.search.vote.ScoredChain;
import dev.reason.search.vote.VoteTally;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

class EscTest {

    /** Feeds answers to both the rule and a tally, as the search does; returns the decision after each. */
    private static boolean[] run(Esc esc, String... answers) {
        VoteTally t = new VoteTally();
        boolean[] stops = new boolean[answers.length];
        for (int i = 0; i < answers.length; i++) {
            esc.observe(answers[i]);
            if (answers[i] != null) {
                t.add(answers[i], -1);
            }
            stops[i] = esc.check(t, 100).stop();
        }
        return stops;
    }

    @Test
    void slidingWindowStopsAtTheFirstFiveAgreeingInARow() {
        boolean[] s = run(new Esc(), "A", "B", "A", "A", "A", "A", "A", "B");
        // windows: 1-5 ABAAA, 2-6 BAAAA, 3-7 AAAAA -> stops after the 7th answer
        assertEquals("[false, false, false, false, false, false, true, false]", Arrays.toString(s));
    }

    @Test
    void alignedWindowsAreFixedBlocks() {
        Esc esc = new Esc(5, true);
        boolean[] s = run(esc, "A", "B", "A", "A", "A", "A", "A", "A", "A", "A");
        // blocks 1-5 ABAAA (no), 6-10 AAAAA (yes, at the 10th); answers 3-7 agree but are not a block
        assertEquals("[false, false, false, false, false, false, false, false, false, true]",
                Arrays.toString(s));
        assertEquals(10, esc.observed());
    }

    @Test
    void aChainWithoutAnAnswerBreaksTheRun() {
        boolean[] s = run(new Esc(3), "7", "7", null, "7", "7", "7");
        assertEquals("[false, false, false, false, false, true]", Arrays.toString(s));
        assertFalse(run(new Esc(2), null, null)[1]);
    }

    @Test
    void confidenceIsTheWindowShareOfTheLeader() {
        Esc esc = new Esc(4);
        VoteTally t = new VoteTally();
        for (String a : new String[] {"A", "A", "A", "B", "A"}) {
            esc.observe(a);
            t.add(a, -1);
        }
        // leader A (4 votes); window A A B A -> 3/4
        assertEquals(new Decision(false, 0.75), esc.check(t, 10));
        esc.observe("A");
        t.add("A", -1);
        assertEquals(new Decision(false, 0.75), esc.check(t, 10)); // A B A A
        esc.observe("A");
        t.add("A", -1);
        assertEquals(new Decision(false, 0.75), esc.check(t, 10)); // B A A A
        esc.observe("A");
        t.add("A", -1);
        assertEquals(new Decision(true, 1.0), esc.check(t, 10)); // A A A A
        assertEquals(new Decision(false, 0.0), new Esc().check(new VoteTally(), 10));
    }

    @Test
    void observesScoredChainsAndResets() {
        Esc esc = new Esc(2);
        esc.chainFinished(new ScoredChain("9", -1, -1, new double[0]));
        esc.chainFinished(new ScoredChain("9", -1, -1, new double[0]));
        assertTrue(esc.unanimous());
        esc.reset();
        assertFalse(esc.unanimous());
        assertEquals(0, esc.observed());
        assertEquals("esc", esc.name());
        assertThrows(IllegalArgumentException.class, () -> new Esc(0));
    }

    @Test
    void windowOfOneStopsAtTheFirstAnswer() {
        assertTrue(run(new Esc(1), "5")[0]);
    }

    @Test
    void equivalentAnswersAgree() {
        Esc esc = new Esc(3);
        for (String a : new String[] {"0.5", "\\frac{1}{2}", "1/2"}) {
            esc.observe(a);
        }
        assertTrue(esc.unanimous(), "one answer in three spellings");
        esc.observe("0.25");
        assertFalse(esc.unanimous());
    }
}
