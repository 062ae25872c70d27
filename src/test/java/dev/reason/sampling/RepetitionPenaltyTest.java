package dev.reason.sampling;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Hugging Face's repetition penalty: the formula, once per distinct token, the prompt included. */
class RepetitionPenaltyTest {

    @Test
    void positiveLogitsAreDividedAndNegativeOnesMultiplied() {
        assertEquals(2f, RepetitionPenalty.penalize(3f, 1.5f));
        assertEquals(-4.5f, RepetitionPenalty.penalize(-3f, 1.5f));
        assertEquals(0f, RepetitionPenalty.penalize(0f, 1.5f));
        assertEquals(Float.NEGATIVE_INFINITY, RepetitionPenalty.penalize(Float.NEGATIVE_INFINITY, 1.5f));
        // Below 1 the penalty is a reward: seen tokens become likelier, both signs.
        assertEquals(4f, RepetitionPenalty.penalize(2f, 0.5f));
        assertEquals(-1f, RepetitionPenalty.penalize(-2f, 0.5f));
    }

    @Test
    void eachSeenTokenIsPenalizedOnceWhateverItsCount() {
        RepetitionPenalty p = new RepetitionPenalty(2f, new int[] {1, 1, 3, 1});
        p.add(3);
        p.add(0);
        p.add(0);
        float[] logits = {4f, 4f, 4f, -4f, 4f};
        p.apply(logits, 0, 5);
        assertArrayEquals(new float[] {2f, 2f, 4f, -8f, 4f}, logits);
    }

    @Test
    void aChainsCopyStartsFromThePromptAndGrowsAlone() {
        RepetitionPenalty prompt = new RepetitionPenalty(2f, new int[] {2});
        RepetitionPenalty a = prompt.copy();
        RepetitionPenalty b = prompt.copy();
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
        RepetitionPenalty p = new RepetitionPenalty(2f, new int[] {0, 7});  // 7 is past a row of 4
        float[] rows = {8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f};
        p.apply(rows, 0, 4);
        assertArrayEquals(new float[] {4f, 8f, 8f, 8f, 8f, 8f, 8f, 8f}, rows);
        assertThrows(IllegalArgumentException.class, () -> p.add(-1));
        assertThrows(IllegalArgumentException.class, () -> new RepetitionPenalty(0f, new int[0]));
    }

    @Test
    void matchesTheProcessorComputedFromTheWholeSequence() {
        // HF gathers the logits of every id in the sequence, penalizes them and scatters them back: the same as
        // penalizing each distinct id once. Random sequences, grown one token at a time, against that definition.
        Random random = new Random(5);
        int vocab = 300;
        for (int trial = 0; trial < 50; trial++) {
            int[] prompt = random.ints(1 + random.nextInt(40), 0, vocab).toArray();
            float penalty = 0.5f + 1.5f * random.nextFloat();
            RepetitionPenalty chain = new RepetitionPenalty(penalty, prompt).copy();
            Set<Integer> sequence = new HashSet<>();
            for (int t : prompt) {
                sequence.add(t);
            }
            for (int step = 0; step < 30; step++) {
                float[] logits = new float[vocab];
                for (int i = 0; i < vocab; i++) {
                    logits[i] = (float) (random.nextGaussian() * 4);
                }
                float[] expected = logits.clone();
                for (int id : sequence) {
                    expected[id] = expected[id] < 0 ? expected[id] * penalty : expected[id] / penalty;
                }
                chain.apply(logits, 0, vocab);
                assertArrayEquals(expected, logits, "trial " + trial + " step " + step);
                int next = random.nextInt(vocab);
                chain.add(next);
                sequence.add(next);
            }
        }
    }
}
