package dev.reason.weights;

import dev.reason.model.ModelConfig;

import java.util.Arrays;

/**
 * A plain-Java forward pass of a Llama-family decoder over LlamaWeights, in the style of llama2.c: test-only,
 * slow and readable, to prove the mapping right without a GPU. Sums are accumulated in double.
 */
final class ReferenceForward {
    private record LayerFloats(float[] attnNorm, float[] q, float[] k, float[] v, float[] o,
                               float[] qBias, float[] kBias, float[] vBias,
                               float[] mlpNorm, float[] gate, float[] up, float[] down,
                               float[] qNorm, float[] kNorm) {
    }

    private final ModelConfig c;
    private final float[] embedding;
    private final float[] finalNorm;
    private final float[] lmHead;
    private final LayerFloats[] layers;
    private final double[] invFreq;

    ReferenceForward(LlamaWeights w, ModelConfig config) {
        c = config;
        embedding = w.embedding().toFloats();
        finalNorm = w.finalNorm().toFloats();
        lmHead = w.lmHead().toFloats();
        layers = w.layers().stream().map(l -> new LayerFloats(l.attnNorm().toFloats(), l.q().toFloats(),
                l.k().toFloats(), l.v().toFloats(), l.o().toFloats(), floats(l.qBias()), floats(l.kBias()),
                floats(l.vBias()), l.mlpNorm().toFloats(), l.gate().toFloats(), l.up().toFloats(),
                l.down().toFloats(), floats(l.qNorm()), floats(l.kNorm()))).toArray(LayerFloats[]::new);
        invFreq = config.inverseFrequencies();
    }

    private static float[] floats(WeightTensor t) {
        return t == null ? null : t.toFloats();
    }

    /** Logits at every position of ids (a full causal forward from position 0). */
    float[][] logits(int[] ids) {
        int n = ids.length;
        int hidden = c.hiddenSize();
        int hd = c.headDim();
        float[][] x = new float[n][];
        for (int t = 0; t < n; t++) {
            x[t] = new float[hidden];
            System.arraycopy(embedding, ids[t] * hidden, x[t], 0, hidden);
        }
        for (LayerFloats l : layers) {
            float[][] q = new float[n][];
            float[][] k = new float[n][];
            float[][] v = new float[n][];
            for (int t = 0; t < n; t++) {
                float[] h = rmsNorm(x[t], l.attnNorm);
                q[t] = matVec(l.q, h, l.qBias);
                k[t] = matVec(l.k, h, l.kBias);
                v[t] = matVec(l.v, h, l.vBias);
                if (l.qNorm != null) {  // Qwen3: each query and key head RMS-normed before RoPE
                    headNorm(q[t], l.qNorm, hd);
                    headNorm(k[t], l.kNorm, hd);
                }
                rope(q[t], t, c.numHeads(), hd);
                rope(k[t], t, c.numKvHeads(), hd);
            }
            for (int t = 0; t < n; t++) {
                float[] attended = attention(q[t], k, v, t);
                add(x[t], matVec(l.o, attended, null));
            }
            for (int t = 0; t < n; t++) {
                float[] h = rmsNorm(x[t], l.mlpNorm);
                float[] gate = matVec(l.gate, h, null);
                float[] up = matVec(l.up, h, null);
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = (float) (gate[i] / (1 + Math.exp(-gate[i])) * up[i]); // SiLU(gate) * up
                }
                add(x[t], matVec(l.down, gate, null));
            }
        }
        float[][] logits = new float[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = matVec(lmHead, rmsNorm(x[t], finalNorm), null);
        }
        return logits;
    }

    private float[] rmsNorm(float[] x, float[] weight) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        double scale = 1 / Math.sqrt(sum / x.length + c.rmsNormEps());
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (weight[i] * (x[i] * scale));
        }
        return out;
    }

    /** RMSNorm of each head of x (heads of hd values) with the one weight. */
    private void headNorm(float[] x, float[] weight, int hd) {
        for (int h = 0; h < x.length / hd; h++) {
            float[] head = Arrays.copyOfRange(x, h * hd, (h + 1) * hd);
            System.arraycopy(rmsNorm(head, weight), 0, x, h * hd, hd);
        }
    }

    /** w is [out, in] row-major (Hugging Face orientation). */
    private static float[] matVec(float[] w, float[] x, float[] bias) {
        int in = x.length;
        float[] out = new float[w.length / in];
        for (int r = 0; r < out.length; r++) {
            double s = bias == null ? 0 : bias[r];
            for (int i = 0; i < in; i++) {
                s += (double) w[r * in + i] * x[i];
            }
            out[r] = (float) s;
        }
        return out;
    }

    /** Rotate-half RoPE (Hugging Face): dimension i pairs with i + headDim/2 at angle pos * invFreq[i]. */
    private void rope(float[] x, int pos, int heads, int hd) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                double angle = pos * invFreq[i];
                double cos = Math.cos(angle);
                double sin = Math.sin(angle);
                int a = h * hd + i;
                int b = a + hd / 2;
                double xa = x[a];
                double xb = x[b];
                x[a] = (float) (xa * cos - xb * sin);
                x[b] = (float) (xb * cos + xa * sin);
            }
        }
    }

    /** Causal attention of position t over 0..t; query head h reads KV head h / (heads / kvHeads). */
    private float[] attention(float[] q, float[][] k, float[][] v, int t) {
        int hd = c.headDim();
        int group = c.numHeads() / c.numKvHeads();
        float[] out = new float[c.numHeads() * hd];
        double[] scores = new double[t + 1];
        for (int h = 0; h < c.numHeads(); h++) {
            int kv = (h / group) * hd;
            double max = Double.NEGATIVE_INFINITY;
            for (int s = 0; s <= t; s++) {
                double dot = 0;
                for (int i = 0; i < hd; i++) {
                    dot += (double) q[h * hd + i] * k[s][kv + i];
                }
                scores[s] = dot / Math.sqrt(hd);
                max = Math.max(max, scores[s]);
            }
            double total = 0;
            for (int s = 0; s <= t; s++) {
                scores[s] = Math.exp(scores[s] - max);
                total += scores[s];
            }
            for (int i = 0; i < hd; i++) {
                double sum = 0;
                for (int s = 0; s <= t; s++) {
                    sum += scores[s] * v[s][kv + i];
                }
                out[h * hd + i] = (float) (sum / total);
            }
        }
        return out;
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
