package dev.reason.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * How a model scales its rotary frequencies: {@code rope_scaling} in config.json, or the same fields under
 * {@code rope_parameters} in newer files. {@code type} is {@code default}, {@code linear} or {@code llama3}
 * (others are read but rejected when frequencies are asked for); unused fields are NaN.
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          double originalMaxPositions) {

    public static final RopeScaling DEFAULT = new RopeScaling("default", Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    /** The types {@link #inverseFrequencies} computes. */
    public static final List<String> TYPES = List.of("default", "linear", "llama3");

    static RopeScaling fromJson(JsonNode config) {
        JsonNode r = config.path("rope_scaling").isObject() ? config.get("rope_scaling") : config.path("rope_parameters");
        if (!r.isObject()) {
            return DEFAULT;
        }
        String type = r.path("rope_type").asText(r.path("type").asText("default")); // "type" in older files
        return new RopeScaling(type, number(r, "factor"), number(r, "low_freq_factor"), number(r, "high_freq_factor"),
                number(r, "original_max_position_embeddings"));
    }

    private static double number(JsonNode n, String field) {
        return n.path(field).isNumber() ? n.get(field).asDouble() : Double.NaN;
    }

    /** Inverse frequencies theta^(-2i/headDim), i < headDim/2, scaled as transformers does for this type. */
    double[] inverseFrequencies(double theta, int headDim) {
        double[] f = new double[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = 1.0 / Math.pow(theta, 2.0 * i / headDim);
        }
        switch (type) {
            case "default":
                return f;
            case "linear": // positions divided by factor, which is the same as frequencies divided by it
                require("factor", factor);
                for (int i = 0; i < f.length; i++) {
                    f[i] /= factor;
                }
                return f;
            case "llama3":
                return llama3(f);
            default:
                throw new ModelException("config.json asks for rope_type \"" + type
                        + "\", which is not supported (" + String.join(", ", TYPES) + " are)");
        }
    }

    /** Long wavelengths slowed by factor, short ones kept, the band between blended linearly in 1/wavelength. */
    private double[] llama3(double[] f) {
        require("factor", factor);
        require("low_freq_factor", lowFreqFactor);
        require("high_freq_factor", highFreqFactor);
        require("original_max_position_embeddings", originalMaxPositions);
        double longest = originalMaxPositions / lowFreqFactor;
        double shortest = originalMaxPositions / highFreqFactor;
        for (int i = 0; i < f.length; i++) {
            double wavelength = 2 * Math.PI / f[i];
            if (wavelength > longest) {
                f[i] /= factor;
            } else if (wavelength >= shortest) {
                double smooth = (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                f[i] = (1 - smooth) * f[i] / factor + smooth * f[i];
            }
        }
        return f;
    }

    private void require(String field, double value) {
        if (Double.isNaN(value)) {
            throw new ModelException("config.json's rope_type \"" + type + "\" needs a number \"" + field + "\"");
        }
    }
}
