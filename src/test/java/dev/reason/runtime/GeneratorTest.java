package dev.reason.runtime;

import dev.reason.sampling.Sampler;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The decode loop on the shipped model: seeds reproduce runs, refilled slots sample like fresh chains. */
class GeneratorTest {
    private static List<Chain> run(int parallel, int chains, long seed) {
        return run(ShippedModel.engine(), parallel, chains, seed);
    }

    private static List<Chain> run(Engine engine, int parallel, int chains, long seed) {
        var model = ShippedModel.model();
        int[] eos = model.eosIds();
        var params = new Generator.Params(new SamplingParams(1.0f, 1.0f, 0, 0f), parallel, 48, seed, eos, 3, true);
        List<Chain> done = new ArrayList<>();
        new Generator(engine, model.tokenizer()::stream, params)
                .runChains(model.promptIds("What is 12 * 7 - 5?"), chains, done);
        return done;
    }

    @Test
    void aSeedReproducesTheRun() {
        List<Chain> a = run(3, 6, 11);
        List<Chain> b = run(3, 6, 11);
        assertEquals(6, a.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
            assertArrayEquals(a.get(i).logprobs(), b.get(i).logprobs());
        }
        List<Chain> other = run(3, 6, 12);
        boolean differs = false;
        for (int i = 0; i < 6; i++) {
            differs |= !java.util.Arrays.equals(a.get(i).tokens(), other.get(i).tokens());
        }
        assertEquals(true, differs, "another seed gives other chains at temperature 1");
    }

    @Test
    void refilledSlotsProduceTheTokensOfAFreshSingleChain() {
        // 2 slots, 7 chains: chains 2..6 run in refilled slots
        List<Chain> batched = run(2, 7, 5);
        List<Chain> single = run(1, 7, 5);
        assertEquals(7, batched.size());
        for (int i = 0; i < 7; i++) {
            assertEquals(i, batched.get(i).index());
            assertArrayEquals(single.get(i).tokens(), batched.get(i).tokens(), "chain " + i);
        }
        assertNotEquals(0, batched.get(6).tokens().length);
    }

    @Test
    void aBatchWithFewerSlotsThanAskedRunsEveryChainTheSame() {
        // A GPU batch halves its slots when memory is short: the loop must use the batch's count.
        Engine cpu = ShippedModel.engine();
        Engine halving = new Engine() {
            public String device() {
                return cpu.device();
            }

            public String description() {
                return cpu.description();
            }

            public DecodeBatch start(int[] prompt, int slots, int maxNewTokens) {
                return cpu.start(prompt, Math.max(1, slots / 2), maxNewTokens);
            }

            public void close() {
            }
        };
        List<Chain> asked = run(4, 6, 3);
        List<Chain> halved = run(halving, 4, 6, 3);
        assertEquals(6, halved.size());
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(asked.get(i).tokens(), halved.get(i).tokens(), "chain " + i);
        }
    }

    @Test
    void samplingOnTheDeviceWithEachChainsDrawsGivesTheHostsChains() {
        // A batch that "samples on the device" with the host sampler and the uniforms the loop hands it: the
        // chains must be the host path's, so the GPU sampler only has to match Sampler.sample(logits, u).
        Engine deviceSampling = ForwardingBatch.engine(ShippedModel.engine(), DeviceSamplingBatch::new);
        List<Chain> host = run(3, 7, 9);
        List<Chain> device = run(deviceSampling, 3, 7, 9);
        for (int i = 0; i < 7; i++) {
            assertArrayEquals(host.get(i).tokens(), device.get(i).tokens(), "chain " + i);
            assertArrayEquals(host.get(i).logprobs(), device.get(i).logprobs(), "chain " + i);
        }
    }

    private static final class DeviceSamplingBatch extends ForwardingBatch {
        DeviceSamplingBatch(DecodeBatch inner) {
            super(inner);
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            throw new AssertionError("a device-sampling batch is driven through stepAndSample");
        }

        @Override
        public boolean samplesOnDevice() {
            return true;
        }

        @Override
        public TokenChoice[] stepAndSample(int[] tokens, boolean[] active, double[] uniforms, SamplingParams params,
                                           int topLogprobs) {
            float[] logits = inner.step(tokens, active);
            Sampler sampler = new Sampler(params, topLogprobs);
            TokenChoice[] out = new TokenChoice[slots()];
            for (int s = 0; s < out.length; s++) {
                out[s] = active[s] ? sampler.sample(logits, s * vocabSize(), vocabSize(), uniforms[s]) : null;
            }
            return out;
        }
    }
}
