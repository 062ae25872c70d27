package dev.reason.runtime;

import dev.reason.sampling.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The decode loop on the shipped model: seeds reproduce runs, refilled slots sample like fresh chains. */
class GeneratorTest {
    private static List<Chain> run(int parallel, int chains, long seed) {
        var model = ShippedModel.model();
        int[] eos = model.eosIds();
        var params = new Generator.Params(new SamplingParams(1.0f, 1.0f, 0, 0f), parallel, 48, seed, eos, 3, true);
        List<Chain> done = new ArrayList<>();
        new Generator(ShippedModel.engine(), model.tokenizer()::piece, params)
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
}
