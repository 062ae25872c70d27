package dev.reason.search.stop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.stop.StopRule.Decision;
import dev.reason.search.vote.DeepConf;
import dev.reason.search.vote.ScoredChain;
import dev.reason.search.vote.VoteTally;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

class DeepConfOnlineTest {

    private static ScoredChain chain(String answer, double... confidence) {
        return new ScoredChain(answer, -1, -0.5, confidence);
    }

    /** Warm-up 4, threshold at the 50th percentile (keep the top half), tau 0.9, window 2. */
    private static DeepConfOnline warmedUp() {
        DeepConfOnline d = new DeepConfOnline(4, 50, 0.9, 2);
        d.chainFinished(chain("A", 4, 4, 4)); // lowest group 4
        d.chainFinished(chain("B", 2, 2)); // 2
        d.chainFinished(chain("A", 6, 6, 6)); // 6
        d.chainFinished(chain("B", 5, 5)); // 5
        return d;
    }

    @Test
    void warmupSetsThePercentileThresholdAndFiltersItsOwnVotes() {
        DeepConfOnline d = new DeepConfOnline(4, 50, 0.9, 2);
        VoteTally unused = new VoteTally();
        d.chainFinished(chain("A", 4, 4, 4));
        d.chainFinished(chain("B", 2, 2));
        // During the warm-up: no threshold, no stop, the warm-up chains vote unfiltered (anytime answer).
        assertTrue(d.threshold().isEmpty());
        assertFalse(d.shouldCut(new double[] {0, 0, 0}));
        assertEquals(6.0, d.tally().totalWeight(), 1e-12);
        assertEquals("A", d.tally().leader().orElseThrow().answer());
        assertEquals(new Decision(false, 4.0 / 6), d.check(unused, 10));

        d = warmedUp();
        // scores 4, 2, 6, 5 -> sorted 2 4 5 6, 50th percentile: h = 1.5 -> 4.5
        assertEquals(4.5, d.threshold().orElseThrow(), 1e-12);
        // votes: A 6 (the 4 and the 2 are below 4.5), B 5 -> share 6/11
        VoteTally t = d.tally();
        assertEquals(2, t.totalVotes());
        assertEquals(6.0, t.leader().orElseThrow().weight(), 1e-12);
        assertEquals(new Decision(false, 6.0 / 11), d.check(unused, 10));
        assertEquals(2, d.belowThreshold());
    }

    @Test
    void cutsARunningChainWhenItsLastWindowDropsBelowTheThreshold() {
        DeepConfOnline d = warmedUp(); // s = 4.5, window 2
        assertFalse(d.shouldCut(new double[] {1})); // window not full yet: never cut
        assertFalse(d.shouldCut(new double[] {5, 5}));
        assertFalse(d.shouldCut(new double[] {5, 5, 4})); // (5+4)/2 = 4.5 is not below 4.5
        assertTrue(d.shouldCut(new double[] {5, 5, 4, 4})); // 4 < 4.5
        assertFalse(d.shouldCut(new double[] {5, 1, 9})); // only the last window counts: (1+9)/2 = 5

        DeepConf.Window w = d.newWindow();
        double[] live = {5, 5, 4, 4, 9};
        boolean[] cut = new boolean[live.length];
        for (int i = 0; i < live.length; i++) {
            w.add(live[i]);
            cut[i] = d.shouldCut(w);
        }
        assertEquals("[false, false, false, true, false]", Arrays.toString(cut));
        assertEquals(4, d.cutPoint(live));
        assertEquals(-1, d.cutPoint(new double[] {5, 5, 5}));
        assertEquals(-1, new DeepConfOnline(4, 50, 0.9, 2).cutPoint(live)); // no threshold yet
    }

    @Test
    void stopsWhenTheWeightedLeaderReachesTau() {
        DeepConfOnline d = warmedUp(); // A 6, B 5
        VoteTally unused = new VoteTally();
        double[][] next = {{6, 6}, {7, 7}, {5, 4, 4}, {9, 9}, {10, 10}, {8, 8}};
        String[] answers = {"A", "A", "A", "A", "A", "A"};
        // A: 12/17, 19/24, (cut chain: lowest group 4 < 4.5, no vote) 19/24, 28/33, 38/43, 46/51 >= 0.9
        double[] shares = {12.0 / 17, 19.0 / 24, 19.0 / 24, 28.0 / 33, 38.0 / 43, 46.0 / 51};
        for (int i = 0; i < next.length; i++) {
            d.chainFinished(chain(answers[i], next[i]));
            Decision dec = d.check(unused, 100);
            assertEquals(shares[i], dec.confidence(), 1e-12, "after chain " + i);
            assertEquals(i == next.length - 1, dec.stop(), "after chain " + i);
        }
        assertEquals(3, d.belowThreshold());
        assertEquals(7, d.tally().totalVotes()); // warm-up: A (6) and B (5); then 5 of the 6 (one was cut)
        d.reset();
        assertTrue(d.threshold().isEmpty());
        assertEquals(0, d.tally().totalVotes());
        assertEquals(0, d.belowThreshold());
    }

    @Test
    void chainsWithoutAnAnswerSetTheThresholdButDoNotVote() {
        DeepConfOnline d = new DeepConfOnline(2, 90, 0.95, 4);
        d.chainFinished(chain(null, 9, 9, 9, 9, 9));
        d.chainFinished(chain("7", 3, 3, 3, 3));
        // 10th percentile of 3, 9: 3 + 0.1 * 6 = 3.6 -> the 3 is below: nobody votes
        assertEquals(3.6, d.threshold().orElseThrow(), 1e-12);
        assertEquals(0, d.tally().totalVotes());
        assertFalse(d.check(new VoteTally(), 10).stop());
        d.chainFinished(chain("7", 4, 4, 4));
        assertEquals(new Decision(true, 1.0), d.check(new VoteTally(), 10));
    }

    @Test
    void lowAndHighThresholds() {
        DeepConfOnline low = DeepConfOnline.low(16, 0.95, 8);
        DeepConfOnline high = DeepConfOnline.high(16, 0.95, 8);
        for (int s = 1; s <= 16; s++) {
            low.chainFinished(chain("A", s));
            high.chainFinished(chain("A", s));
        }
        // scores 1..16: 90th percentile h = 13.5 -> 14.5; 10th percentile h = 1.5 -> 2.5
        assertEquals(14.5, low.threshold().orElseThrow(), 1e-12);
        assertEquals(2.5, high.threshold().orElseThrow(), 1e-12);
        assertEquals(2, low.tally().totalVotes()); // 15 and 16
        assertEquals(14, high.tally().totalVotes()); // 3..16
    }

    @Test
    void defaultsAndValidation() {
        DeepConfOnline d = new DeepConfOnline();
        assertEquals(16, d.warmup());
        assertEquals(90, d.keepPercent());
        assertEquals(0.95, d.tau());
        assertEquals(2048, d.window());
        assertEquals("deepconf-online", d.name());
        assertThrows(IllegalArgumentException.class, () -> new DeepConfOnline(0, 90, 0.95, 16));
        assertThrows(IllegalArgumentException.class, () -> new DeepConfOnline(4, 0, 0.95, 16));
        assertThrows(IllegalArgumentException.class, () -> new DeepConfOnline(4, 90, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new DeepConfOnline(4, 90, 0.95, 0));
    }
}
