package dev.reason.sampling;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The penalties on a chain's history: Hugging Face's repetition penalty (once per distinct token, the prompt
 * included), then OpenAI's frequency and presence penalties (on the chain's own tokens only).
 */
class PenaltiesTest {

    private static SamplingParams params(float repetition, float presence, float frequency) {
        return new SamplingParams(1f, 1f, 0, 0f, repetition, presence, frequency);
    }

    @Test
    void positiveLogitsAreDividedAndNegativeOnesMultiplied() {
        assertEquals(2f, Penalties.penalize(3f, 1.5f, 0, 0f, 0f));
        assertEquals(-4.5f, Penalties.penalize(-3f, 1.5f, 0, 0f, 0f));
        assertEquals(0f, Penalties.penalize(0f, 1.5f, 0, 0f, 0f));
        assertEquals(Float.NEGATIVE_INFINITY, Penalties.penalize(Float.NEGATIVE_INFINITY, 1.5f, 0, 0f, 0f));
        // Below 1 the penalty is a reward: seen tokens become likelier, both signs.
        assertEquals(4f, Penalties.penalize(2f, 0.5f, 0, 0f, 0f));
        assertEquals(-1f, Penalties.penalize(-2f, 0.5f, 0, 0f, 0f));
    }

    @Test
    void generatedTokensLoseFrequencyTimesTheirCountThenPresence() {
        assertEquals(3f - 0.5f - 0.5f, Penalties.penalize(3f, 1f, 2, 0.5f, 0.25f));
        assertEquals(1.5f - 3 * 0.25f - 0.5f, Penalties.penalize(3f, 2f, 3, 0.5f, 0.25f), "after the repetition penalty");
        assertEquals(3f, Penalties.penalize(3f, 1f, 0, 0.5f, 0.25f), "a prompt token only: no output penalty");
        assertEquals(-1f + 0.5f + 0.25f, Penalties.penalize(-1f, 1f, 1, -0.5f, -0.25f), "negative values reward");
    }

    @Test
    void eachSeenTokenIsPenalizedOnceWhateverItsCount() {
        Penalties p = new Penalties(params(2f, 0f, 0f), new int[] {1, 1, 3, 1});
        p.add(3);
        p.add(0);
        p.add(0);
        float[] logits = {4f, 4f, 4f, -4f, 4f};
        p.apply(logits, 0, 5);
        assertArrayEquals(new float[] {2f, 2f, 4f, -8f, 4f}, logits);
    }

    @Test
    void presenceAndFrequencyCountOnlyTheChainsOwnTokens() {
        Penalties p = new Penalties(params(1f, 1f, 0.5f), new int[] {1, 1, 3});
        p.add(3);
        p.add(0);
        p.add(0);
        p.add(0);
        float[] logits = {4f, 4f, 4f, 4f, 4f};
        p.apply(logits, 0, 5);
        // token 0: generated 3 times; 1: prompt only; 3: prompt and generated once
        assertArrayEquals(new float[] {4f - 1.5f - 1f, 4f, 4f, 4f - 0.5f - 1f, 4f}, logits);
    }

    @Test
    void aChainsCopyStartsFromThePromptAndGrowsAlone() {
        Penalties prompt = new Penalties(params(2f, 0f, 0f), new int[] {2});
        Penalties a = prompt.copy();
        Penalties b = prompt.copy();
        a.add(0);
        b.add(1);
        float[] rows = {2f, 2f, 2f, 2f, 2f, 2f, 2f, 2f, 2f};  // three rows of three: a, b, the prompt's
        a.apply(rows, 0, 3);
        b.apply(rows, 3, 3);
        prompt.apply(rows, 6, 3);
        assertArrayEquals(new float[] {1f, 2f, 1f, 2f, 1f, 1f, 2f, 2f, 1f}, rows);
    }

    @Test
    void onlyTheRowIsTouched() {
        Penalties p = new Penalties(params(2f, 0f, 0f), new int[] {0, 7});  // 7 is past a row of 4
        float[] rows = {8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f};
        p.apply(rows, 0, 4);
        assertArrayEquals(new float[] {4f, 8f, 8f, 8f, 8f, 8f, 8f, 8f}, rows);
        assertThrows(IllegalArgumentException.class, () -> p.add(-1));
    }

    @Test
    void aLongHistoryGrowsAndKeepsEveryCount() {
        Penalties p = new Penalties(params(1f, 0f, 1f), new int[0]);  // room for 16 tokens at first
        for (int t = 0; t < 100; t++) {
            for (int times = 0; times <= t % 3; times++) {
                p.add(t);
            }
        }
        float[] logits = new float[120];
        p.apply(logits, 0, logits.length);
        for (int t = 0; t < 120; t++) {
            assertEquals(t < 100 ? -(1 + t % 3) : 0f, logits[t], "token " + t);
        }
    }

    @Test
    void matchesThePenaltiesComputedFromTheWholeSequence() {
        // vLLM's definition: the repetition penalty over the set of prompt and output tokens, then frequency times
        // each token's count in the output, then presence for each token in the output. Random sequences, grown one
        // token at a time (many repeats: a small vocabulary), against that definition.
        Random random = new Random(5);
        int vocab = 60;
        for (int trial = 0; trial < 50; trial++) {
            int[] prompt = random.ints(1 + random.nextInt(40), 0, vocab).toArray();
            float repetition = trial % 3 == 0 ? 1f : 0.5f + 1.5f * random.nextFloat();
            float presence = trial % 3 == 1 ? 0f : 4 * random.nextFloat() - 2;
            float frequency = trial % 5 == 2 ? 0f : 4 * random.nextFloat() - 2;
            Penalties chain = new Penalties(params(repetition, presence, frequency), prompt).copy();
            Set<Integer> sequence = new HashSet<>();
            for (int t : prompt) {
                sequence.add(t);
            }
            Map<Integer, Integer> output = new HashMap<>();
            for (int step = 0; step < 30; step++) {
                float[] logits = new float[vocab];
                for (int i = 0; i < vocab; i++) {
                    logits[i] = (float) (random.nextGaussian() * 4);
                }
                float[] expected = logits.clone();
                for (int id : sequence) {
                    expected[id] = expected[id] < 0 ? expected[id] * repetition : expected[id] / repetition;
                }
                for (Map.Entry<Integer, Integer> e : output.entrySet()) {
                    expected[e.getKey()] -= frequency * e.getValue();
                    expected[e.getKey()] -= presence;
                }
                chain.apply(logits, 0, vocab);
                assertArrayEquals(expected, logits, "trial " + trial + " step " + step);
                int next = random.nextInt(vocab);
                chain.add(next);
                sequence.add(next);
                output.merge(next, 1, Integer::sum);
            }
        }
    }
}
