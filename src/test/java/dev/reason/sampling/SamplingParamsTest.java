package dev.reason.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    private static String message(float temperature, float topP, int topK, float minP) {
        return assertThrows(IllegalArgumentException.class,
                () -> new SamplingParams(temperature, topP, topK, minP)).getMessage();
    }

    @Test
    void greedyIsTemperatureZeroWithoutFilters() {
        SamplingParams g = SamplingParams.greedy();
        assertTrue(g.isGreedy());
        assertEquals(new SamplingParams(0f, 1f, 0, 0f), g);
        assertFalse(new SamplingParams(0.7f, 0.95f, 40, 0.05f).isGreedy());
    }

    @Test
    void acceptsBoundaryValues() {
        new SamplingParams(0f, 1f, 0, 0f);
        new SamplingParams(1e-6f, Float.MIN_VALUE, Integer.MAX_VALUE, 0.999f);
    }

    @Test
    void rejectsBadTemperature() {
        assertEquals("--temperature must be finite and >= 0, got -0.5", message(-0.5f, 1f, 0, 0f));
        assertEquals("--temperature must be finite and >= 0, got NaN", message(Float.NaN, 1f, 0, 0f));
        assertEquals("--temperature must be finite and >= 0, got Infinity",
                message(Float.POSITIVE_INFINITY, 1f, 0, 0f));
    }

    @Test
    void rejectsBadTopP() {
        assertEquals("--top-p must be in (0, 1], got 1.5", message(1f, 1.5f, 0, 0f));
        assertEquals("--top-p must be in (0, 1], got 0.0", message(1f, 0f, 0, 0f));
        assertEquals("--top-p must be in (0, 1], got NaN", message(1f, Float.NaN, 0, 0f));
    }

    @Test
    void rejectsBadTopK() {
        assertEquals("--top-k must be >= 0 (0 = off), got -1", message(1f, 1f, -1, 0f));
    }

    @Test
    void rejectsBadMinP() {
        assertEquals("--min-p must be in [0, 1), got 1.0", message(1f, 1f, 0, 1f));
        assertEquals("--min-p must be in [0, 1), got -0.1", message(1f, 1f, 0, -0.1f));
        assertEquals("--min-p must be in [0, 1), got NaN", message(1f, 1f, 0, Float.NaN));
    }

    @Test
    void rejectsBadRepetitionPenalty() {
        for (float bad : new float[] {0f, -1.1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            String m = assertThrows(IllegalArgumentException.class,
                    () -> SamplingParams.greedy().withRepetitionPenalty(bad)).getMessage();
            assertEquals("--repetition-penalty must be finite and > 0 (1 = off), got " + bad, m);
        }
    }

    @Test
    void rejectsPresenceAndFrequencyPenaltiesOutsideOpenAIsRange() {
        for (float bad : new float[] {-2.5f, 2.01f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertEquals("--presence-penalty must be in [-2, 2] (0 = off), got " + bad, assertThrows(IllegalArgumentException.class,
                    () -> SamplingParams.greedy().withPresenceAndFrequencyPenalties(bad, 0f)).getMessage());
            assertEquals("--frequency-penalty must be in [-2, 2] (0 = off), got " + bad, assertThrows(IllegalArgumentException.class,
                    () -> SamplingParams.greedy().withPresenceAndFrequencyPenalties(0f, bad)).getMessage());
        }
    }

    @Test
    void penaltiesAreOffAtTheirNeutralValuesAndNamedOnlyWhenInForce() {
        SamplingParams plain = new SamplingParams(0.8f, 0.95f, 0, 0f);
        assertEquals(1f, plain.repetitionPenalty());
        assertEquals(0f, plain.presencePenalty());
        assertEquals(0f, plain.frequencyPenalty());
        assertFalse(plain.penalizes());
        // The settings string of benchmark runs recorded before the penalties existed, which --resume compares.
        assertEquals("SamplingParams[temperature=0.8, topP=0.95, topK=0, minP=0.0]", plain.toString());
        SamplingParams penalized = plain.withRepetitionPenalty(1.05f);
        assertTrue(penalized.penalizes());
        assertEquals("SamplingParams[temperature=0.8, topP=0.95, topK=0, minP=0.0, repetitionPenalty=1.05]",
                penalized.toString());
        assertTrue(new SamplingParams(0.5f, 1f, 0, 0f, 0.9f).penalizes(), "below 1 favours repeats");
        SamplingParams presence = plain.withPresenceAndFrequencyPenalties(1.5f, 0f);
        assertTrue(presence.penalizes());
        assertEquals("SamplingParams[temperature=0.8, topP=0.95, topK=0, minP=0.0, presencePenalty=1.5]", presence.toString());
        SamplingParams frequency = plain.withPresenceAndFrequencyPenalties(0f, -0.5f);
        assertTrue(frequency.penalizes());
        assertEquals("SamplingParams[temperature=0.8, topP=0.95, topK=0, minP=0.0, frequencyPenalty=-0.5]", frequency.toString());
    }

    @Test
    void theNgramBanIsOffAtZeroNamedOnlyWhenInForceAndNeverNegative() {
        SamplingParams plain = new SamplingParams(0.8f, 0.95f, 0, 0f);
        assertEquals(0, plain.noRepeatNgramSize());
        assertFalse(plain.bansRepeatedNgrams());
        SamplingParams banning = plain.withRepetitionPenalty(1.1f).withNoRepeatNgramSize(3);
        assertTrue(banning.bansRepeatedNgrams());
        assertFalse(plain.withNoRepeatNgramSize(3).penalizes(), "a ban is no penalty: no histories of counts");
        assertEquals(3, banning.withPresenceAndFrequencyPenalties(0.5f, 0f).withRepetitionPenalty(1f).noRepeatNgramSize(),
                "the other withers keep it");
        assertEquals("SamplingParams[temperature=0.8, topP=0.95, topK=0, minP=0.0, repetitionPenalty=1.1,"
                + " noRepeatNgramSize=3]", banning.toString());
        assertEquals("--no-repeat-ngram must be >= 0 (0 = off), got -1", assertThrows(IllegalArgumentException.class,
                () -> plain.withNoRepeatNgramSize(-1)).getMessage());
    }
}
