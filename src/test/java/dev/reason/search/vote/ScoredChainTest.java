package dev.reason.search.vote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reason.runtime.Chain;
import dev.reason.runtime.FinishReason;
import dev.reason.search.verify.ArithmeticStepVerifier;
import dev.reason.search.verify.Verifier;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScoredChainTest {

    private static Chain chain(String text) {
        return new Chain(0, new int[] {1, 2, 3}, text, new float[] {-0.5f, -1f, -0.25f},
                List.of(new float[] {-0.5f, -1.5f}, new float[] {-1f, -1f}, new float[0]), FinishReason.EOS, 0.1);
    }

    @Test
    void fromChain() {
        ScoredChain c = ScoredChain.of(chain("5+3=8\n#### 8"), "8");
        assertEquals("8", c.answer());
        assertEquals(-1.75, c.sumLogprob(), 1e-12);
        assertEquals(-1.75 / 3, c.meanLogprob(), 1e-12);
        // -mean(-0.5, -1.5) = 1, -mean(-1, -1) = 1, no top-k: -logprob = 0.25
        assertArrayEquals(new double[] {1.0, 1.0, 0.25}, c.tokenConfidence(), 1e-12);
        assertEquals(Verifier.Verdict.UNKNOWN, c.verdict());
        assertEquals(3, c.tokenCount());
    }

    @Test
    void fromChainWithVerifier() {
        assertEquals(Verifier.Verdict.PASS,
                ScoredChain.of(chain("5+3=8\n#### 8"), "8", ArithmeticStepVerifier.INSTANCE, "5+3?").verdict());
        assertEquals(Verifier.Verdict.FAIL,
                ScoredChain.of(chain("5+3=9\n#### 9"), "9", ArithmeticStepVerifier.INSTANCE, "5+3?").verdict());
        ScoredChain c = ScoredChain.of(chain("x"), null).withVerdict(Verifier.Verdict.FAIL);
        assertEquals(Verifier.Verdict.FAIL, c.verdict());
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> new ScoredChain("", 0, 0, new double[0]));
        assertThrows(IllegalArgumentException.class, () -> new ScoredChain("1", Double.NaN, 0, new double[0]));
        assertThrows(IllegalArgumentException.class, () -> new ScoredChain("1", 0, 0, new double[] {Double.NaN}));
        assertThrows(NullPointerException.class, () -> new ScoredChain("1", 0, 0, null));
    }
}
