package dev.reason.runtime;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** When a chain counts as looping: four copies of a block running, or a short block over 64 tokens. */
class RepetitionLoopTest {

    /** The number of tokens after which the detector first says the chain loops, or -1. */
    private static int loopsAt(int[] tokens) {
        RepetitionLoop loop = new RepetitionLoop();
        for (int n = 1; n <= tokens.length; n++) {
            if (loop.add(tokens, n)) {
                return n;
            }
        }
        return -1;
    }

    /** A prefix of distinct tokens (ids from 1000 on), then a block of {@code period} tokens over and over. */
    private static int[] prefixThenBlock(int prefix, int period, int length) {
        int[] t = new int[length];
        for (int i = 0; i < length; i++) {
            t[i] = i < prefix ? 1000 + i : (i - prefix) % period;
        }
        return t;
    }

    @Test
    void oneTokenOnEndLoopsAfter64Repeats() {
        assertEquals(65, loopsAt(prefixThenBlock(0, 1, 200)), "the 65th copy: 64 tokens equal to the one before");
        assertEquals(10 + 65, loopsAt(prefixThenBlock(10, 1, 200)));
    }

    @Test
    void aShortBlockLoopsAfter64RepeatedTokens() {
        assertEquals(10 + 64, loopsAt(prefixThenBlock(0, 10, 300)));
        assertEquals(21 + 64, loopsAt(prefixThenBlock(0, 21, 300)));
    }

    @Test
    void aLongBlockLoopsAtItsFourthCopy() {
        assertEquals(4 * 30, loopsAt(prefixThenBlock(0, 30, 400)));
        assertEquals(50 + 4 * 100, loopsAt(prefixThenBlock(50, 100, 900)));
        assertEquals(4 * RepetitionLoop.MAX_PERIOD, loopsAt(prefixThenBlock(0, RepetitionLoop.MAX_PERIOD, 1500)));
        assertEquals(-1, loopsAt(prefixThenBlock(0, RepetitionLoop.MAX_PERIOD + 1, 2000)), "longer than it looks for");
    }

    @Test
    void threeCopiesOrABrokenRunAreNotALoop() {
        assertEquals(-1, loopsAt(prefixThenBlock(0, 40, 3 * 40 + 39)));
        int[] broken = prefixThenBlock(0, 30, 400);
        for (int i = 100; i < broken.length; i += 100) {
            broken[i] = 999;  // each change restarts the count
        }
        assertEquals(-1, loopsAt(broken));
    }

    @Test
    void reasoningThatRepeatsPhrasesIsNotALoop() {
        // 5,000 tokens over a 12-token vocabulary: phrases recur all the time, blocks do not run on
        Random random = new Random(7);
        int[] tokens = random.ints(5000, 0, 12).toArray();
        assertEquals(-1, loopsAt(tokens));
        // worked steps in the shipped model's format: similar lines, never the same block four times running
        StringBuilder chain = new StringBuilder();
        int value = 47;
        for (int step = 0; step < 40; step++) {
            chain.append(String.format("%03d+%03d=%03d%n", value, step + 1, value + step + 1));
            value += step + 1;
        }
        assertEquals(-1, loopsAt(chain.chars().toArray()));
    }
}
