package dev.reason.sampling;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplersTest {
    private static final SamplingParams FILTERED = new SamplingParams(0.8f, 0.95f, 0, 0.01f);

    private static float[] rows(int n, int vocab, long seed) {
        Random random = new Random(seed);
        float[] logits = new float[n * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * random.nextGaussian());
        }
        return logits;
    }

    @Test
    void drawsSpreadOverWorkersAreEachRowsDrawAlone() {
        int n = 12, vocab = 40_000;  // 480k logits: past PARALLEL_FROM
        float[] logits = rows(n, vocab, 1);
        Samplers samplers = new Samplers(FILTERED, 2, 4);
        TokenChoice[] spread = new TokenChoice[n];
        Set<Sampler> inUse = ConcurrentHashMap.newKeySet();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        samplers.forEach(n, vocab, (sampler, i) -> {
            assertTrue(inUse.add(sampler), "a sampler drawing for two rows at once");
            threads.add(Thread.currentThread());
            spread[i] = sampler.sample(logits, i * vocab, vocab, new SplittableRandom(100 + i));
            inUse.remove(sampler);
        });
        Sampler alone = new Sampler(FILTERED, 2);
        for (int i = 0; i < n; i++) {
            TokenChoice expected = alone.sample(logits, i * vocab, vocab, new SplittableRandom(100 + i));
            assertEquals(expected.token(), spread[i].token(), "row " + i);
            assertEquals(expected.logprob(), spread[i].logprob(), "row " + i);
            assertEquals(expected.topLogprobs()[1], spread[i].topLogprobs()[1], "row " + i);
        }
        assertTrue(threads.size() <= 4, threads.size() + " threads for 4 workers");
    }

    @Test
    void aSmallRoundStaysOnTheCallingThreadWithOneSampler() {
        Samplers samplers = new Samplers(FILTERED, 0, 4);
        Set<Sampler> used = Collections.newSetFromMap(new IdentityHashMap<>());
        Thread caller = Thread.currentThread();
        int vocab = 128;
        samplers.forEach(16, vocab, (sampler, i) -> {
            assertEquals(caller, Thread.currentThread());
            used.add(sampler);
        });
        assertEquals(Set.of(samplers.one()), used);
    }

    @Test
    void everyRowIsDrawnOnceAndADrawsErrorReachesTheCaller() {
        int n = 9, vocab = 20_000;
        int[] calls = new int[n];
        new Samplers(FILTERED, 0, 3).forEach(n, vocab, (sampler, i) -> {
            synchronized (calls) {
                calls[i]++;
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, calls[i], "row " + i);
        }
        float[] logits = rows(n, vocab, 2);
        logits[5 * vocab + 7] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                new Samplers(FILTERED, 0, 3).forEach(n, vocab,
                        (sampler, i) -> sampler.sample(logits, i * vocab, vocab, 0.5)));
        assertTrue(e.getMessage().contains("logit 7 is NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Samplers(FILTERED, 0, 0));
    }
}
