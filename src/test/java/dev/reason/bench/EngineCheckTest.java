package dev.reason.bench;

import dev.reason.engine.Engine;
import dev.reason.engine.Prefill;
import dev.reason.runtime.ForwardingBatch;
import dev.reason.testing.ShippedModel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine check on CPU engines: an engine agrees with itself, and a slightly wrong one is caught. */
class EngineCheckTest {
    private static List<int[]> prompts() {
        var model = ShippedModel.model();
        return List.of(model.promptIds("What is 12 * 7 - 5?"), model.promptIds("Compute 47 + 38."));
    }

    @Test
    void diffIsTheLargestAbsoluteDifferenceAndTheRelativeL2Error() {
        EngineCheck.Diff d = EngineCheck.Diff.of(new float[] {1, 2, 3}, 0, new float[] {1, 2.5f, 3}, 0, 3);
        assertEquals(0.5, d.maxAbs(), 1e-12);
        assertEquals(0.5 / Math.sqrt(1 + 6.25 + 9), d.relL2(), 1e-12); // relative to the reference, b
        EngineCheck.Diff nan = EngineCheck.Diff.of(new float[] {Float.NaN}, 0, new float[] {1}, 0, 1);
        assertEquals(Double.POSITIVE_INFINITY, nan.maxAbs());
        assertEquals(Double.POSITIVE_INFINITY, nan.relL2());
    }

    @Test
    void rowsAddUpToOneRelativeErrorAndTheWorstRowIsKept() {
        EngineCheck.Diff small = EngineCheck.Diff.of(new float[] {0.1f, 0}, 0, new float[] {0.2f, 0}, 0, 2);
        EngineCheck.Diff large = EngineCheck.Diff.of(new float[] {10, 0}, 0, new float[] {10, 0.1f}, 0, 2);
        EngineCheck.Diff both = small.plus(large);
        assertEquals(0.5, small.relL2(), 1e-6);
        assertEquals(0.5, both.worstRowRelL2(), 1e-6);
        double whole = Math.sqrt((0.1 * 0.1 + 0.1 * 0.1) / (0.2 * 0.2 + 10 * 10 + 0.1 * 0.1));
        assertEquals(whole, both.relL2(), 1e-6);  // the small row's large relative error is diluted by the other
        assertEquals(0.1, both.maxAbs(), 1e-6);
    }

    @Test
    void anEngineAgreesWithItself() {
        Engine cpu = ShippedModel.engine();
        EngineCheck.Report r = EngineCheck.run(cpu, cpu, prompts(), 6, ShippedModel.model().eosIds(),
                EngineCheck.Tolerance.FP32, () -> false);
        assertTrue(r.passed(), r.table());
        assertEquals(0.0, r.prompt().maxAbs());
        assertEquals(0.0, r.decode().maxAbs());
        assertTrue(r.cacheVsFull().maxAbs() < 1e-4, "ONNX Runtime's cached decoding matches its full forward");
        assertEquals(2, r.greedyAgreed());
    }

    @Test
    void aStoppedCheckReportsThePromptsItCheckedAndHasNotPassed() {
        Engine cpu = ShippedModel.engine();
        int[] asked = {0};
        EngineCheck.Report r = EngineCheck.run(cpu, cpu, prompts(), 4, ShippedModel.model().eosIds(),
                EngineCheck.Tolerance.FP32, () -> asked[0]++ >= 1);  // true from the second prompt on
        assertTrue(r.interrupted());
        assertEquals(1, r.prompts(), r.table());
        assertEquals(0, r.greedyPrompts(), "greedy continuations come after the logits: none ran");
        assertTrue(r.withinTolerance(), r.table());
        assertFalse(r.passed(), "a check of 1 of 2 prompts has not passed");
        assertTrue(r.table().contains("prompt logits (1 prompts)"), r.table());
    }

    /**
     * The engine's prompt logits for a prompt of {@code length} tokens with the runner-up token set to the top
     * logit + {@code delta}: a near-tie the engines break differently when the deltas' signs differ.
     */
    private static Engine tiedAfter(Engine inner, int length, float delta) {
        return ForwardingBatch.engine(inner, (prompt, batch) -> prompt.length != length ? batch
                : new ForwardingBatch(batch) {
                    private final Prefill tied = tied(batch.prompt(), delta);

                    @Override
                    public Prefill prompt() {
                        return tied;
                    }

                    @Override
                    public void startChain(int slot, Prefill from) {
                        inner.startChain(slot, from == tied ? inner.prompt() : from);
                    }
                });
    }

    /** The same prompt, its runner-up logit set to the top logit + {@code delta}. */
    private static Prefill tied(Prefill prompt, float delta) {
        return new Prefill() {
            public int length() {
                return prompt.length();
            }

            public float[] logits() {
                float[] l = prompt.logits();
                int top = 0;
                for (int i = 1; i < l.length; i++) {
                    top = l[i] > l[top] ? i : top;
                }
                int second = top == 0 ? 1 : 0;
                for (int i = 0; i < l.length; i++) {
                    second = i != top && l[i] > l[second] ? i : second;
                }
                l[second] = l[top] + delta;
                return l;
            }

            public void release() {
                prompt.release();
            }
        };
    }

    @Test
    void greedyContinuationsMayPartAtANearTieButNotElsewhere() {
        Engine cpu = ShippedModel.engine();
        int length = prompts().get(0).length;
        int[] eos = ShippedModel.model().eosIds();
        // 2e-4 apart: within the logit tolerance, so either order is right
        EngineCheck.Report tie = EngineCheck.run(tiedAfter(cpu, length, 1e-4f), tiedAfter(cpu, length, -1e-4f),
                prompts(), 6, eos, EngineCheck.Tolerance.FP32, () -> false);
        assertEquals(1, tie.greedyAgreed(), tie.table());
        assertEquals(1, tie.greedyNearTies(), tie.table());
        assertTrue(tie.passed(), tie.table());
        assertTrue(tie.table().contains("1 of 2, 1 more up to a near-tie"), tie.table());
        assertTrue(tie.firstNearTie().startsWith("prompt 0, token 0:"), tie.firstNearTie());
        // 0.1 apart: a real disagreement
        EngineCheck.Report apart = EngineCheck.run(tiedAfter(cpu, length, 0.05f), tiedAfter(cpu, length, -0.05f),
                prompts(), 6, eos, EngineCheck.Tolerance.FP32, () -> false);
        assertEquals(0, apart.greedyNearTies(), apart.table());
        assertFalse(apart.passed(), apart.table());
        assertTrue(apart.firstMismatch().startsWith("prompt 0, token 0:"), apart.firstMismatch());
    }

    @Test
    void anEngineWhoseCachedStepsAreOffIsCaught() {
        Engine cpu = ShippedModel.engine();
        // Adds 0.01 to every logit of cached steps; the prompt's logits stay right.
        Engine off = ForwardingBatch.engine(cpu, batch -> new ForwardingBatch(batch) {
            @Override
            public float[] step(int[] tokens, boolean[] active) {
                float[] l = inner.step(tokens, active).clone();
                for (int i = 0; i < l.length; i++) {
                    l[i] += 0.01f;
                }
                return l;
            }
        });
        EngineCheck.Report r = EngineCheck.run(off, cpu, prompts(), 4, ShippedModel.model().eosIds(),
                EngineCheck.Tolerance.FP32, () -> false);
        assertFalse(r.passed());
        assertEquals(0.0, r.prompt().maxAbs());
        assertEquals(0.01, r.decode().maxAbs(), 1e-5);
        assertEquals(0.01, r.cacheVsFull().maxAbs(), 1e-4, "cached steps disagree with the engine's own full forward");
        assertTrue(r.table().contains("| cached decoding logits | 0.01"), r.table());
    }
}
