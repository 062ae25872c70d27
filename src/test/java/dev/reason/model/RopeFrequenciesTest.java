package dev.reason.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ModelConfig.inverseFrequencies() against values worked out by hand (head_dim 8: four frequencies). */
class RopeFrequenciesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "{\"vocab_size\": 100, \"hidden_size\": 32, \"intermediate_size\": 64,"
            + " \"num_hidden_layers\": 1, \"num_attention_heads\": 4, ";

    private static double[] frequencies(String rest) throws Exception {
        return ModelConfig.fromJson(JSON.readTree(BASE + rest + "}")).inverseFrequencies();
    }

    @Test
    void defaultRopeIsThetaToTheMinusTwoIOverHeadDim() throws Exception {
        // 10000^(-0/8), 10000^(-2/8) = 1/10, 10000^(-4/8) = 1/100, 10000^(-6/8) = 1/1000
        assertArrayEquals(new double[] {1, 0.1, 0.01, 0.001}, frequencies("\"rope_theta\": 10000"), 1e-15);
        assertArrayEquals(new double[] {1, 0.1, 0.01, 0.001}, frequencies("\"rope_scaling\": null"), 1e-15,
                "theta defaults to 10000");
        assertArrayEquals(new double[] {1, 0.1, 0.01, 0.001},
                frequencies("\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 10000.0}"), 1e-15);
    }

    @Test
    void linearScalingDividesEveryFrequencyByTheFactor() throws Exception {
        double[] expected = {0.25, 0.025, 0.0025, 0.00025};
        assertArrayEquals(expected, frequencies("\"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}"), 1e-15);
        assertArrayEquals(expected, frequencies(
                "\"rope_parameters\": {\"rope_type\": \"linear\", \"factor\": 4.0, \"rope_theta\": 10000}"), 1e-15);
    }

    @Test
    void llama3KeepsShortWavelengthsSlowsLongOnesAndBlendsBetween() throws Exception {
        // theta 1e6: 1, 1e6^(-1/4) = 0.0316228, 1e-3, 1e6^(-3/4) = 3.16228e-5; wavelengths 2 pi / f:
        // 6.3 and 198.7 are under 8192 / 4 = 2048 (kept); 198692 is over 8192 / 1 (divided by 8: 3.95285e-6);
        // 6283.2 lies between: smooth = (8192 / 6283.185 - 1) / (4 - 1) = 0.1012657,
        // f = (1 - smooth) * 1e-3 / 8 + smooth * 1e-3 = 2.136075e-4.
        String scaling = "\"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192";
        double[] expected = {1, 0.0316227766, 2.136075e-4, 3.952847e-6};
        assertArrayEquals(expected, frequencies("\"rope_theta\": 1000000.0, \"rope_scaling\": {\"rope_type\": \"llama3\", "
                + scaling + "}"), 1e-10);
        assertArrayEquals(expected, frequencies("\"rope_parameters\": {\"rope_type\": \"llama3\", \"rope_theta\": 1e6, "
                + scaling + "}"), 1e-10);
    }

    @Test
    void unsupportedOrIncompleteScalingIsAOneLineError() throws Exception {
        ModelConfig yarn = ModelConfig.fromJson(JSON.readTree(BASE + "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}}"));
        ModelException e = assertThrows(ModelException.class, yarn::inverseFrequencies);
        assertTrue(e.getMessage().contains("yarn") && !e.getMessage().contains("\n"), e.getMessage());
        ModelConfig noFactor = ModelConfig.fromJson(JSON.readTree(BASE + "\"rope_scaling\": {\"rope_type\": \"linear\"}}"));
        e = assertThrows(ModelException.class, noFactor::inverseFrequencies);
        assertTrue(e.getMessage().contains("factor"), e.getMessage());
    }
}
