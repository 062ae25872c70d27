package dev.reason.search.vote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeepConfTest {

    @Test
    void tokenConfidenceIsMinusMeanOfTopLogprobs() {
        // -( -0.5 - 1.5 - 4.0 ) / 3 = 2
        assertEquals(2.0, DeepConf.tokenConfidence(new float[] {-0.5f, -1.5f, -4.0f}, -0.5f), 1e-12);
        // A peaked step (alternatives improbable) is more confident than a flat one.
        double peaked = DeepConf.tokenConfidence(new float[] {-0.01f, -6f, -7f}, -0.01f);
        double flat = DeepConf.tokenConfidence(new float[] {-1.0f, -1.1f, -1.2f}, -1.0f);
        assertTrue(peaked > flat);
    }

    @Test
    void tokenConfidenceSkipsInfiniteEntriesAndFallsBackToChosenToken() {
        assertEquals(2.0, DeepConf.tokenConfidence(new float[] {-1f, -3f, Float.NEGATIVE_INFINITY}, -1f), 1e-12);
        assertEquals(0.25, DeepConf.tokenConfidence(new float[0], -0.25f), 1e-12);
        assertEquals(0.25, DeepConf.tokenConfidence(null, -0.25f), 1e-12);
        assertEquals(0.0, DeepConf.tokenConfidence(new float[0], Float.NEGATIVE_INFINITY), 0);
    }

    @Test
    void groupsAreFullSlidingWindowsOrTheWholeChain() {
        double[] c = {1, 2, 3, 4, 5};
        assertArrayEquals(new double[] {1.5, 2.5, 3.5, 4.5}, DeepConf.groupConfidences(c, 2), 1e-12);
        assertArrayEquals(new double[] {2, 3, 4}, DeepConf.groupConfidences(c, 3), 1e-12);
        assertArrayEquals(new double[] {3}, DeepConf.groupConfidences(c, 5), 1e-12);
        assertArrayEquals(new double[] {3}, DeepConf.groupConfidences(c, 2048), 1e-12); // shorter: one group
        assertArrayEquals(new double[0], DeepConf.groupConfidences(new double[0], 4), 0);
        assertThrows(IllegalArgumentException.class, () -> DeepConf.groupConfidences(c, 0));
    }

    @Test
    void chainScores() {
        double[] dip = {5, 5, 1, 1, 5, 5}; // groups of 2: 5, 3, 1, 3, 5
        assertEquals(1.0, DeepConf.lowestGroup(dip, 2), 1e-12);
        assertEquals(1.0, DeepConf.bottomPercent(dip, 2, 10), 1e-12); // 5 groups: max(1, 0) = 1 group
        assertEquals(22.0 / 6, DeepConf.tail(dip, 2048), 1e-12); // shorter than the tail: (5+5+1+1+5+5)/6
        assertEquals(5.0, DeepConf.tail(dip, 2), 1e-12);
        assertEquals(11.0 / 3, DeepConf.tail(dip, 3), 1e-12); // (1+5+5)/3

        double[] ramp = new double[20]; // 1..20, window 1: the groups are the tokens
        for (int i = 0; i < 20; i++) {
            ramp[i] = i + 1;
        }
        assertEquals(1.0, DeepConf.lowestGroup(ramp, 1), 1e-12);
        assertEquals(1.5, DeepConf.bottomPercent(ramp, 1, 10), 1e-12); // 20 groups: the lowest 2
        assertEquals(2.5, DeepConf.bottomPercent(ramp, 1, 20), 1e-12); // the lowest 4
        assertEquals(18.5, DeepConf.tail(ramp, 4), 1e-12); // 17..20
        // Window 5 on 1..20: groups 3, 4, ..., 18 (16 groups): lowest 3, bottom 10% = 1 group = 3.
        assertEquals(3.0, DeepConf.lowestGroup(ramp, 5), 1e-12);
        assertEquals(3.0, DeepConf.bottomPercent(ramp, 5, 10), 1e-12);

        assertEquals(0.0, DeepConf.lowestGroup(new double[0], 3), 0);
        assertEquals(0.0, DeepConf.bottomPercent(new double[0], 3, 10), 0);
        assertEquals(0.0, DeepConf.tail(new double[0], 3), 0);
    }

    @Test
    void percentileInterpolatesLinearlyLikeNumpy() {
        double[] x = {4, 1, 3, 2};
        assertEquals(1.0, DeepConf.percentile(x, 0), 1e-12);
        assertEquals(1.3, DeepConf.percentile(x, 10), 1e-12); // h = 0.3
        assertEquals(2.5, DeepConf.percentile(x, 50), 1e-12);
        assertEquals(3.7, DeepConf.percentile(x, 90), 1e-12); // h = 2.7
        assertEquals(4.0, DeepConf.percentile(x, 100), 1e-12);
        assertEquals(7.0, DeepConf.percentile(new double[] {7}, 90), 0);
        assertThrows(IllegalArgumentException.class, () -> DeepConf.percentile(new double[0], 50));
        assertThrows(IllegalArgumentException.class, () -> DeepConf.percentile(x, 101));
    }

    @Test
    void runningWindowMatchesGroupConfidencesBitForBit() {
        SplittableRandom r = new SplittableRandom(7);
        double[] c = new double[3000];
        for (int i = 0; i < c.length; i++) {
            c[i] = r.nextDouble() * 20;
        }
        int w = 64;
        double[] g = DeepConf.groupConfidences(c, w);
        DeepConf.Window win = new DeepConf.Window(w);
        for (int i = 0; i < c.length; i++) {
            win.add(c[i]);
            if (i + 1 < w) {
                assertFalse(win.full());
                assertTrue(Double.isNaN(win.groupConfidence()));
            } else {
                assertEquals(g[i + 1 - w], win.groupConfidence(), 0.0);
            }
        }
        assertEquals(3000, win.count());
    }

    /** A window that forgets its last tokens (a redrawn line) is the window of the tokens kept and those after. */
    @Test
    void aWindowThatGoesBackScoresOnlyTheTokensKept() {
        SplittableRandom r = new SplittableRandom(11);
        double[] written = new double[300];
        for (int i = 0; i < written.length; i++) {
            written[i] = r.nextDouble() * 20;
        }
        int w = 32;
        DeepConf.Window win = new DeepConf.Window(w);
        for (double c : written) {
            win.add(c);
        }
        win.keepFirst(250);
        double[] kept = Arrays.copyOf(written, 270);
        for (int i = 250; i < 270; i++) {
            kept[i] = 100 + i;  // the line written again
            win.add(kept[i]);
        }
        double[] g = DeepConf.groupConfidences(kept, w);
        assertEquals(g[g.length - 1], win.groupConfidence(), 0.0);
        assertEquals(270, win.count());
        win.keepFirst(10);
        assertFalse(win.full(), "fewer tokens than a window are left");
        assertThrows(IllegalArgumentException.class, () -> win.keepFirst(11));
    }
}
