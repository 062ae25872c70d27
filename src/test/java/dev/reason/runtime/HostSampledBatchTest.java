package dev.reason.runtime;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Prefill;
import dev.reason.sampling.RepeatedNgrams;
import dev.reason.sampling.Sampler;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;
import dev.reason.testing.HostDraw;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host's draws for a logits batch: each slot as the host sampler draws it, with its own settings and history. */
class HostSampledBatchTest {
    private static final int VOCAB = 40;

    /** A batch whose logits are random but fixed by the step: the test computes the same ones. */
    private static final class RandomLogits implements DecodeBatch {
        final int slots;
        final Prefill first;
        int steps;
        final List<String> calls = new ArrayList<>();

        RandomLogits(int slots, int[] prompt) {
            this.slots = slots;
            this.first = prefill(prompt);
        }

        static float[] logits(int step, int rows) {
            SplittableRandom r = new SplittableRandom(step);
            float[] l = new float[rows * VOCAB];
            for (int i = 0; i < l.length; i++) {
                l[i] = (float) (4 * r.nextDouble() - 2);
            }
            return l;
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
            return new Prefill() {
                public int length() {
                    return prompt.length;
                }

                public float[] logits() {
                    return RandomLogits.logits(-prompt.length, 1);
                }

                public void release() {
                    calls.add("release " + prompt.length);
                }
            };
        }

        public long kvBytes(long promptTokens, int longestPrompt) {
            return promptTokens;
        }

        public void startChain(int slot, Prefill prompt) {
            calls.add("start " + slot + " " + prompt.length());
        }

        public void rewind(int slot, int keep) {
            calls.add("rewind " + slot + " " + keep);
        }

        public float[] step(int[] tokens, boolean[] active) {
            return logits(steps++, slots);
        }

        public long backendNanos() {
            return 0;
        }

        public void close() {
        }
    }

    @Test
    void eachSlotDrawsWithItsOwnSettingsPenaltiesAndBans() {
        int[] promptA = {1, 2, 3, 2};
        int[] promptB = {5, 6};
        RandomLogits inner = new RandomLogits(3, promptA);
        DecodeBatch batch = HostSampledBatch.over(inner, promptA, 2);
        Prefill a = batch.prompt();
        Prefill b = batch.prefill(promptB);
        SamplingParams penalizing = SamplingParams.greedy().withRepetitionPenalty(1.5f)
                .withPresenceAndFrequencyPenalties(0.5f, 0.3f).withNoRepeatNgramSize(2);
        SamplingParams warm = new SamplingParams(0.7f, 0.9f, 0, 0f);
        SamplingParams[] params = {penalizing, SamplingParams.greedy(), warm};
        int[] top = {3, 0, 2};
        int[][] prompts = {promptA, promptA, promptB};
        List<List<Integer>> fed = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        batch.startChain(0, a);
        batch.startChain(1, a);
        batch.startChain(2, b);
        int banned = 0;
        for (int step = 0; step < 8; step++) {
            if (step == 5) {  // slot 0 goes back to its first two tokens: its history is those
                batch.rewind(0, 2);
                fed.get(0).subList(2, fed.get(0).size()).clear();
            }
            boolean[] active = {true, step != 3, true};
            int[] tokens = new int[3];
            double[] u = new double[3];
            for (int s = 0; s < 3; s++) {
                tokens[s] = 1 + (step * 7 + s * 3) % 5;  // few distinct tokens: bigrams repeat
                u[s] = (step * 0.37 + s * 0.11) % 1.0;
                if (active[s]) {
                    fed.get(s).add(tokens[s]);
                }
            }
            float[] expected = RandomLogits.logits(step, 3);
            TokenChoice[] got = batch.stepAndSample(tokens, active, u, params, top);
            for (int s = 0; s < 3; s++) {
                if (!active[s]) {
                    assertNull(got[s]);
                    continue;
                }
                SamplingParams p = params[s];
                int[] chain = fed.get(s).stream().mapToInt(i -> i).toArray();
                if (p.bansRepeatedNgrams()) {
                    banned += RepeatedNgrams.banned(2, prompts[s], chain, chain.length).length;
                }
                TokenChoice want = HostDraw.of(expected, s, VOCAB, p, prompts[s], chain, top[s], u[s]);
                String where = "step " + step + " slot " + s;
                assertEquals(want.token(), got[s].token(), where);
                assertEquals(want.logprob(), got[s].logprob(), where);
                assertArrayEquals(want.topLogprobs(), got[s].topLogprobs(), where);
            }
        }
        assertTrue(banned > 0, "the steps must ban some repeated bigram");
        assertTrue(inner.calls.contains("start 2 2") && inner.calls.contains("rewind 0 2"), inner.calls.toString());
        b.release();
        assertTrue(inner.calls.contains("release 2"));
        assertThrows(IllegalArgumentException.class, () -> batch.startChain(2, b), "a released prompt is gone");
    }

    @Test
    void firstTokensAreTheHostSamplersDrawsFromTheGivenLogits() {
        RandomLogits inner = new RandomLogits(4, new int[] {1, 2});
        DecodeBatch batch = HostSampledBatch.over(inner, new int[] {1, 2}, 2);
        float[] first = RandomLogits.logits(99, 1);
        boolean[] starting = {true, false, true, true};
        double[] u = {0.1, 0, 0.5, 0.9};
        SamplingParams warm = new SamplingParams(1.2f, 0.8f, 10, 0.05f);
        TokenChoice[] got = batch.sampleFirst(first, starting, u, warm, 2);
        for (int s = 0; s < 4; s++) {
            if (!starting[s]) {
                assertNull(got[s]);
                continue;
            }
            TokenChoice want = new Sampler(warm, 2).sample(first, 0, VOCAB, u[s]);
            assertEquals(want.token(), got[s].token(), "slot " + s);
            assertEquals(want.logprob(), got[s].logprob(), "slot " + s);
        }
    }

    @Test
    void aBatchThatDrawsOnItsDeviceIsLeftAsItIs() {
        DecodeBatch device = new ForwardingBatch(new RandomLogits(2, new int[] {1})) {
            @Override
            public boolean samplesOnDevice() {
                return true;
            }
        };
        assertSame(device, HostSampledBatch.over(device, new int[] {1}, 2));
    }
}
