package dev.reason.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChainSeedsTest {

    private static long[] first(SplittableRandom r, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextLong();
        }
        return out;
    }

    @Test
    void sameSeedAndChainGiveSameStream() {
        assertArrayEquals(first(ChainSeeds.forChain(42, 3), 100), first(ChainSeeds.forChain(42, 3), 100));
    }

    @Test
    void chainsAndSeedsGiveDistinctStreams() {
        // Neither the first value nor any of the first 50 of 1000 streams collide (including shifted copies).
        Set<Long> seen = new HashSet<>();
        for (long seed : new long[] {0, 1, 42}) {
            for (int chain = 0; chain < 1000; chain++) {
                for (long v : first(ChainSeeds.forChain(seed, chain), 50)) {
                    assertTrue(seen.add(v), "repeated value for seed " + seed + " chain " + chain);
                }
            }
        }
    }

    @Test
    void neighbouringChainsAreUncorrelated() {
        // Correlation of nextDouble() between chain 0 and chain 1 over 20000 draws is ~0 (sd ~ 0.007).
        SplittableRandom a = ChainSeeds.forChain(7, 0);
        SplittableRandom b = ChainSeeds.forChain(7, 1);
        int n = 20000;
        double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++) {
            double x = a.nextDouble();
            double y = b.nextDouble();
            sa += x;
            sb += y;
            sab += x * y;
            saa += x * x;
            sbb += y * y;
        }
        double cov = sab / n - (sa / n) * (sb / n);
        double corr = cov / Math.sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
        assertTrue(Math.abs(corr) < 0.04, "correlation " + corr);
    }

    @Test
    void seedMattersForChainZero() {
        assertNotEquals(ChainSeeds.forChain(1, 0).nextLong(), ChainSeeds.forChain(2, 0).nextLong());
    }

    @Test
    void rejectsNegativeChain() {
        assertEquals("chain must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> ChainSeeds.forChain(1, -1)).getMessage());
    }
}
