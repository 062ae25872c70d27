package dev.reason.runtime;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Engine;
import dev.reason.engine.Prefill;
import dev.reason.sampling.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many jobs in one batch, without a model: a fake engine whose prompt is one token q, and whose chains of prompt q
 * write q until their limit. What is checked is the scheduling: free slots go to the job with the fewest chains
 * running, a stopped job's slots are reused at once, and the memory budget bounds the prompts held together.
 */
class SchedulingTest {
    private static final int VOCAB = 16;
    private static final int EOS = 0;

    /** What the fake batch saw: per decode step, the prompt of each active slot's chain (0: none). */
    private static final class Trace {
        final List<int[]> steps = new ArrayList<>();
        int livePrompts;
        int mostLivePrompts;
    }

    /** An engine whose batches mix any number of prompts; each prompt's KV "costs" 1,000 bytes a token. */
    private static Engine engine(Trace trace) {
        return engine(trace, Long.MAX_VALUE);
    }

    /** The same, whose device offers {@code kvMemory} bytes of cache when the run sets no limit. */
    private static Engine engine(Trace trace, long kvMemory) {
        return new Engine() {
            public long kvMemory() {
                return kvMemory;
            }

            public String device() {
                return "fake";
            }

            public String description() {
                return "fake (prompts mixed)";
            }

            public DecodeBatch start(int[] prompt, int slots, int maxNewTokens) {
                return new Batch(prompt, slots, trace);
            }

            public void close() {
            }
        };
    }

    private static final class Batch implements DecodeBatch {
        final int slots;
        final Trace trace;
        final Prefill first;
        final int[] of;  // per slot: the prompt token of its chain, 0 when free
        final float[] logits;

        Batch(int[] prompt, int slots, Trace trace) {
            this.slots = slots;
            this.trace = trace;
            this.of = new int[slots];
            this.logits = new float[slots * VOCAB];
            this.first = prefill(prompt);
        }

        public int slots() {
            return slots;
        }

        public int vocabSize() {
            return VOCAB;
        }

        public Prefill prompt() {
            return first;
        }

        public Prefill prefill(int[] prompt) {
            int q = prompt[0];
            trace.livePrompts++;
            trace.mostLivePrompts = Math.max(trace.mostLivePrompts, trace.livePrompts);
            return new Prefill() {
                boolean released;

                public int length() {
                    return 1;
                }

                public float[] logits() {
                    float[] l = new float[VOCAB];
                    Arrays.fill(l, -100f);
                    l[q] = 100f;
                    return l;
                }

                public void release() {
                    if (!released) {
                        released = true;
                        trace.livePrompts--;
                    }
                }
            };
        }

        public long kvBytes(long promptTokens, int longestPrompt) {
            return 1000 * promptTokens;
        }

        public void startChain(int slot, Prefill prompt) {
            float[] l = prompt.logits();
            int q = 0;
            for (int i = 1; i < VOCAB; i++) {
                q = l[i] > l[q] ? i : q;
            }
            of[slot] = q;
        }

        public void endChain(int slot) {
            of[slot] = 0;
        }

        public void rewind(int slot, int keep) {
            throw new UnsupportedOperationException();
        }

        public float[] step(int[] tokens, boolean[] active) {
            int[] seen = new int[slots];
            Arrays.fill(logits, -100f);
            for (int s = 0; s < slots; s++) {
                seen[s] = active[s] ? of[s] : 0;
                logits[s * VOCAB + of[s]] = 100f;  // a chain writes its prompt's token; its limit ends it
            }
            trace.steps.add(seen);
            return logits;
        }

        public long backendNanos() {
            return 0;
        }

        public void close() {
        }
    }

    private static Generator.Params params(int slots, int limit) {
        return new Generator.Params(SamplingParams.greedy(), slots, limit, 1, new int[] {EOS}, 0, false, false);
    }

    /** A job of prompt q that wants {@code chains} chains of {@code limit} tokens; its finished chains go to done. */
    private static Generator.Job job(int q, int slots, int chains, int limit, Map<Integer, List<Chain>> done) {
        return Generator.pool(new int[] {q}, params(slots, limit), chains, c -> done.put(q, c));
    }

    private static int count(int[] step, int q) {
        int n = 0;
        for (int p : step) {
            n += p == q ? 1 : 0;
        }
        return n;
    }

    @Test
    void chainsOfSeveralJobsShareTheBatchAndEachJobGetsItsOwnChains() {
        Trace trace = new Trace();
        Map<Integer, List<Chain>> done = new HashMap<>();
        List<Generator.Job> jobs = List.of(job(1, 8, 6, 5, done), job(2, 8, 6, 7, done), job(3, 8, 6, 3, done));
        new Generator(engine(trace), () -> t -> String.valueOf((char) ('a' + t)), params(8, 16))
                .run(jobs.iterator(), new Generator.Admission(3, Long.MAX_VALUE));
        for (int q = 1; q <= 3; q++) {
            assertEquals(6, done.get(q).size(), "job " + q);
            for (Chain c : done.get(q)) {
                assertEquals(String.valueOf((char) ('a' + q)).repeat(c.tokens().length), c.text());
            }
            assertEquals(6, jobs.get(q - 1).stats().chainsStarted());
        }
        assertTrue(trace.steps.stream().anyMatch(s -> count(s, 1) > 0 && count(s, 2) > 0 && count(s, 3) > 0),
                "the three jobs decoded in the same steps");
        assertEquals(0, trace.livePrompts, "every prompt was released");
    }

    @Test
    void aJobRunsNoMoreChainsAtOnceThanItsOwnWidthThoughSlotsAreFree() {
        Trace trace = new Trace();
        Map<Integer, List<Chain>> done = new HashMap<>();
        // 8 slots, two jobs that each run 3 chains at once alone: sharing the batch neither widens nor narrows them
        List<Generator.Job> jobs = List.of(job(1, 3, 9, 4, done), job(2, 3, 9, 6, done));
        new Generator(engine(trace), () -> t -> "", params(8, 16)).run(jobs.iterator(),
                new Generator.Admission(2, Long.MAX_VALUE));
        assertEquals(9, done.get(1).size());
        assertEquals(9, done.get(2).size());
        for (int[] step : trace.steps) {
            assertTrue(count(step, 1) <= 3 && count(step, 2) <= 3, Arrays.toString(step));
        }
        assertEquals(3, count(trace.steps.get(0), 1), "each job runs its full width from the first step");
        assertEquals(3, count(trace.steps.get(0), 2));
    }

    @Test
    void aJobThatArrivesLaterGetsTheNextFreeSlotsUntilItHasItsShare() {
        Trace trace = new Trace();
        Map<Integer, List<Chain>> done = new HashMap<>();
        // job 1 fills the 4 slots with chains of 6 tokens; job 2 comes once job 1 has run 2 steps
        Generator.Job first = job(1, 4, 40, 6, done);
        Generator.Job second = job(2, 4, 8, 6, done);
        Iterator<Generator.Job> arriving = new Iterator<>() {
            int given;

            public boolean hasNext() {
                return given == 0 || given == 1 && trace.steps.size() >= 2;
            }

            public Generator.Job next() {
                return given++ == 0 ? first : second;
            }
        };
        new Generator(engine(trace), () -> t -> "", params(4, 16)).run(arriving, new Generator.Admission(2,
                Long.MAX_VALUE));
        assertEquals(40, done.get(1).size());
        assertEquals(8, done.get(2).size());
        int firstOfTwo = -1;
        for (int i = 0; i < trace.steps.size(); i++) {
            if (count(trace.steps.get(i), 2) > 0) {
                firstOfTwo = i;
                break;
            }
        }
        assertEquals(5, firstOfTwo, "job 2 runs from the first step after job 1's first chains end");
        int[] shared = trace.steps.get(firstOfTwo);
        assertEquals(2, count(shared, 2), "of the 4 slots job 1 freed, job 2 got its share: " + Arrays.toString(shared));
        assertEquals(2, count(shared, 1));
    }

    @Test
    void aJobThatStopsFreesItsSlotsForTheNextJobAtOnce() {
        Trace trace = new Trace();
        List<Integer> stoppedAt = new ArrayList<>();
        Map<Integer, List<Chain>> done = new HashMap<>();
        // job 1 would run long chains; its listener stops it after 3 rounds
        Generator.Job stopping = new Generator.Job(new int[] {1}, params(4, 100), () -> new Generator.Listener() {
            int rounds;

            public boolean mayStartChain() {
                return true;
            }

            public boolean stopNow(int active) {
                if (++rounds > 3) {
                    stoppedAt.add(trace.steps.size());
                    return true;
                }
                return false;
            }

            public void onTokens(int count) {
            }

            public void onChainFinished(Chain chain) {
            }
        });
        Generator.Job next = job(2, 4, 4, 5, done);
        new Generator(engine(trace), () -> t -> "", params(4, 100)).run(List.of(stopping, next).iterator(),
                new Generator.Admission(1, Long.MAX_VALUE));
        assertEquals(List.of(3), stoppedAt);
        assertEquals(4, count(trace.steps.get(2), 1), "job 1 held every slot");
        assertEquals(4, count(trace.steps.get(3), 2), "the step after it stopped, job 2 holds them");
        assertEquals(4, done.get(2).size());
    }

    @Test
    void theMemoryBudgetBoundsThePromptsHeldTogether() {
        Trace trace = new Trace();
        Map<Integer, List<Chain>> done = new HashMap<>();
        List<Generator.Job> jobs = new ArrayList<>();
        for (int q = 1; q <= 6; q++) {
            jobs.add(job(q, 8, 4, 3 + q, done));
        }
        // room for two one-token prompts (1,000 bytes each), though six may run at once
        new Generator(engine(trace), () -> t -> "", params(8, 16)).run(jobs.iterator(), new Generator.Admission(6,
                2_500));
        assertEquals(6, done.size(), "every job ran");
        assertEquals(2, trace.mostLivePrompts, "never more than two prompts held");
        Trace unbounded = new Trace();
        List<Generator.Job> again = new ArrayList<>();
        for (int q = 1; q <= 6; q++) {
            again.add(job(q, 8, 4, 3 + q, new HashMap<>()));
        }
        new Generator(engine(unbounded), () -> t -> "", params(8, 16)).run(again.iterator(), new Generator.Admission(6,
                Long.MAX_VALUE));
        assertEquals(6, unbounded.mostLivePrompts, "without the budget all six are held");
        Trace device = new Trace();
        List<Generator.Job> third = new ArrayList<>();
        for (int q = 1; q <= 6; q++) {
            third.add(job(q, 8, 4, 3 + q, new HashMap<>()));
        }
        new Generator(engine(device, 3_500), () -> t -> "", params(8, 16)).run(third.iterator(),
                new Generator.Admission(6, Generator.Admission.ENGINE_DEFAULT));
        assertEquals(3, device.mostLivePrompts, "with no limit set, the engine's memory bounds them");
    }

    @Test
    void aBudgetTooSmallForOnePromptStillRunsItAlone() {
        Trace trace = new Trace();
        Map<Integer, List<Chain>> done = new HashMap<>();
        new Generator(engine(trace), () -> t -> "", params(4, 16)).run(
                List.of(job(1, 4, 4, 3, done), job(2, 4, 4, 3, done)).iterator(), new Generator.Admission(2, 10));
        assertEquals(2, done.size());
        assertEquals(1, trace.mostLivePrompts);
    }
}
