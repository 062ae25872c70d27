package dev.reason.cli;

import dev.reason.engine.KernelTime;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel breakdown `reason throughput` prints under REASON_CUDA_PROFILE=1, from given kernel times. */
class ThroughputKernelsTest {
    private static String printed(List<ThroughputCommand.KernelRow> rows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ThroughputCommand.printKernels(new PrintStream(bytes, true, StandardCharsets.UTF_8), rows);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachChainCountGetsATableOfTimePerStepAndShare() {
        // 256 steps taking 512 ms: gemm_bf16 200 ms of it, attention 50 ms; then 64 chains
        String out = printed(List.of(
                new ThroughputCommand.KernelRow(16, 256, 512, new KernelTime("gemm_bf16", 2560, 200)),
                new ThroughputCommand.KernelRow(16, 256, 512, new KernelTime("attention_bf16", 6144, 50)),
                new ThroughputCommand.KernelRow(64, 100, 400, new KernelTime("gemm_bf16", 1000, 100))));
        assertTrue(out.contains("cuda kernels at 16 chains"), out);
        assertTrue(out.contains("| gemm_bf16 | 2560 | 781.3 | 39.1% |"), out);       // 200 ms / 256 steps
        assertTrue(out.contains("| attention_bf16 | 6144 | 195.3 | 9.8% |"), out);
        assertTrue(out.contains("cuda kernels at 64 chains"), out);
        assertTrue(out.contains("| gemm_bf16 | 1000 | 1000.0 | 25.0% |"), out);
        assertEquals(2, out.split("\\| kernel \\|", -1).length - 1, "one table per chain count");
    }

    @Test
    void nothingIsPrintedWithoutProfiling() {
        assertEquals("", printed(List.of()));
    }
}
