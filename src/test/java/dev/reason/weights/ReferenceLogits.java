package dev.reason.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;

/** A model directory's reference_logits.json (PyTorch fp32, written by the recipe): full and cached-step logits. */
record ReferenceLogits(int[] ids, int prefill, float[][] full, float[][] steps) {
    static ReferenceLogits read(Path dir) throws IOException {
        JsonNode n = new ObjectMapper().readTree(dir.resolve("reference_logits.json").toFile());
        int[] ids = new int[n.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = n.get("input_ids").get(i).asInt();
        }
        return new ReferenceLogits(ids, n.get("prefill").asInt(), matrix(n.get("full_logits")), matrix(n.get("step_logits")));
    }

    private static float[][] matrix(JsonNode n) {
        float[][] m = new float[n.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new float[n.get(i).size()];
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = (float) n.get(i).get(j).asDouble();
            }
        }
        return m;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            return Float.POSITIVE_INFINITY;
        }
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
