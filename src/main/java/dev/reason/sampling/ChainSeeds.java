package dev.reason.sampling;

import java.util.SplittableRandom;

/** Per-chain random streams, so a run's seed reproduces every chain no matter how chains are scheduled. */
public final class ChainSeeds {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private ChainSeeds() {
    }

    /**
     * Independent, reproducible random stream for chain number {@code chain} of a run seeded with
     * {@code seed}: the same (seed, chain) always gives the same stream. Seed and chain index are mixed
     * with the SplitMix64 finalizer (a bijection), so distinct chains start at unrelated, well-scattered
     * points of the generator and do not overlap in practice, unlike {@code new SplittableRandom(seed + chain)},
     * whose streams are shifted copies of one another.
     */
    public static SplittableRandom forChain(long seed, int chain) {
        if (chain < 0) {
            throw new IllegalArgumentException("chain must be >= 0, got " + chain);
        }
        return new SplittableRandom(mix64(mix64(seed) + GOLDEN_GAMMA * (chain + 1L)));
    }

    /** SplitMix64 finalizer (Stafford variant 13). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
