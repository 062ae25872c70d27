package dev.reason.engine.cuda;

import dev.reason.engine.DeviceException;
import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import dev.reason.model.RopeScaling;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Without a GPU the engine says why in one line, and loading it is a DeviceException, never a crash. */
class CudaAvailabilityTest {
    private static boolean noNvidiaDevice() {
        return !Files.exists(Path.of("/dev/nvidiactl"));
    }

    @Test
    void unavailableGivesOneLineReasonWithoutAGpu() {
        Optional<String> reason = CudaEngine.unavailable();
        if (noNvidiaDevice()) {
            assertTrue(reason.isPresent(), "no /dev/nvidiactl, yet CUDA claims to be available");
        }
        reason.ifPresent(r -> {
            assertFalse(r.isBlank());
            assertEquals(1, r.lines().count(), r);
        });
        assertEquals(reason, CudaEngine.unavailable(), "asked twice, answered the same");
    }

    @Test
    void loadingWithoutCudaIsADeviceException() {
        assumeTrue(CudaEngine.unavailable().isPresent(), "CUDA is available here");
        try (ModelDirectory model = ModelDirectory.open(Path.of("models", "reason-mini"))) {
            DeviceException e = assertThrows(DeviceException.class,
                    () -> CudaEngine.load(model, CudaEngine.Precision.BF16, notice -> { }));
            assertTrue(e.getMessage().startsWith("--device cuda: "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    @Test
    void cudaNamesTheFirstGpuTheKernelsRunOnAndCudaNTheDriversGpuN() {
        List<CudaEngine.CudaDevice> gpus = List.of(new CudaEngine.CudaDevice(0, "Tesla T4", 75),
                new CudaEngine.CudaDevice(1, "NVIDIA A100", 80), new CudaEngine.CudaDevice(2, "NVIDIA H200", 90));
        assertEquals(1, CudaEngine.choose(gpus, OptionalInt.empty(), "cuda").ordinal(), "the T4 is skipped");
        assertEquals(2, CudaEngine.choose(gpus, OptionalInt.of(2), "cuda:2").ordinal());
        assertEquals("--device cuda:0: cuda:0 (Tesla T4, compute capability 7.5) is older than the CUDA engine's"
                        + " kernels, which need compute capability 8.0 or newer; use --device cuda:1 or --device cpu",
                assertThrows(DeviceException.class, () -> CudaEngine.choose(gpus, OptionalInt.of(0), "cuda:0"))
                        .getMessage());
        assertEquals("--device cuda:3: the NVIDIA driver lists 3 GPUs, cuda:0 (Tesla T4, compute capability 7.5),"
                        + " cuda:1 (NVIDIA A100, compute capability 8.0), cuda:2 (NVIDIA H200, compute capability 9.0);"
                        + " use --device cuda:1 or --device cpu",
                assertThrows(DeviceException.class, () -> CudaEngine.choose(gpus, OptionalInt.of(3), "cuda:3"))
                        .getMessage());
        List<CudaEngine.CudaDevice> one = List.of(new CudaEngine.CudaDevice(0, "NVIDIA L4", 89));
        assertEquals("--device cuda:1: the NVIDIA driver lists one GPU, cuda:0 (NVIDIA L4, compute capability 8.9);"
                        + " use --device cuda:0 or --device cpu",
                assertThrows(DeviceException.class, () -> CudaEngine.choose(one, OptionalInt.of(1), "cuda:1"))
                        .getMessage());
    }

    @Test
    void cudaIsUnavailableOnlyWhenNoGpuRunsTheKernels() {
        assertEquals(Optional.of("the NVIDIA driver sees no CUDA device"), CudaEngine.whyNone(List.of()));
        assertEquals(Optional.of("the GPU has compute capability 7.5; the CUDA engine needs 8.0 or newer (Ampere, Ada,"
                + " Hopper and later)"), CudaEngine.whyNone(List.of(new CudaEngine.CudaDevice(0, "Tesla T4", 75))));
        assertEquals(Optional.of("none of the 2 GPUs (cuda:0 (Tesla T4, compute capability 7.5), cuda:1 (Tesla P100,"
                        + " compute capability 6.0)) has compute capability 8.0 or newer, which the CUDA engine needs"
                        + " (Ampere, Ada, Hopper and later)"),
                CudaEngine.whyNone(List.of(new CudaEngine.CudaDevice(0, "Tesla T4", 75),
                        new CudaEngine.CudaDevice(1, "Tesla P100", 60))));
        assertEquals(Optional.empty(), CudaEngine.whyNone(List.of(new CudaEngine.CudaDevice(0, "Tesla T4", 75),
                new CudaEngine.CudaDevice(1, "NVIDIA H200", 90))), "one GPU the kernels run on is enough");
    }

    @Test
    void onlyTheLlamaFamilyRunsOnTheKernels() {
        try (ModelDirectory model = ModelDirectory.open(Path.of("models", "reason-mini"))) {
            ModelConfig c = model.config();
            assertNull(CudaEngine.unsupported(c));
            for (String type : List.of("llama", "mistral", "qwen2", "qwen3")) {
                assertNull(CudaEngine.unsupported(with(c, type, "silu", c.numKvHeads())), type);
            }
            assertEquals("model_type gemma (they run the Llama family: llama, mistral, qwen2, qwen3)",
                    CudaEngine.unsupported(with(c, "gemma", "silu", c.numKvHeads())));
            assertEquals("hidden_act gelu_pytorch_tanh (their MLP is SwiGLU, silu)",
                    CudaEngine.unsupported(with(c, "llama", "gelu_pytorch_tanh", c.numKvHeads())));
            assertEquals(c.numHeads() + " heads over 4 KV heads", CudaEngine.unsupported(with(c, "llama", "silu", 4)));
            ModelConfig yarn = with(c, "llama", "silu", c.numKvHeads(),
                    new RopeScaling("yarn", 4, Double.NaN, Double.NaN, 32768));
            assertEquals("rope_type yarn (they scale RoPE as default, linear, llama3)", CudaEngine.unsupported(yarn),
                    "refused before loading, so that auto falls back to the CPU, which runs the graph's own RoPE");
        }
    }

    @Test
    void aQwen3ExportRunsOnTheKernelsWithItsHeadNorms() {
        // A Qwen3-shaped export (q/k norms, head_dim twice hidden / heads): the kernels norm each head (head_rmsnorm;
        // CudaEngineTest checks the logits against ONNX Runtime on the emulated driver).
        try (ModelDirectory model = ModelDirectory.open(Path.of("src", "test", "resources", "models", "tiny-qwen3"))) {
            assertEquals(16, model.config().headDim(), "head_dim from config.json, not hidden / heads");
            assertTrue(model.config().qkNorm());
            assertEquals(Optional.empty(), CudaEngine.cannotRun(model.config()));
        }
    }

    private static ModelConfig with(ModelConfig c, String modelType, String hiddenAct, int kvHeads) {
        return with(c, modelType, hiddenAct, kvHeads, c.ropeScaling());
    }

    private static ModelConfig with(ModelConfig c, String modelType, String hiddenAct, int kvHeads, RopeScaling rope) {
        return new ModelConfig(modelType, hiddenAct, c.vocabSize(), c.hiddenSize(), c.intermediateSize(),
                c.numLayers(), c.numHeads(), kvHeads, c.headDim(), c.maxPositions(), c.ropeTheta(), c.rmsNormEps(),
                c.tieWordEmbeddings(), c.qkvBias(), c.bosTokenId(), c.eosTokenIds(), rope);
    }

    @Test
    void sizesReadInGibOrInMibBelowOneGib() {
        assertEquals("2.6 MiB", CudaEngine.size(2_700_000));
        assertEquals("1023.0 MiB", CudaEngine.size(1023L << 20));
        assertEquals("1.0 GiB", CudaEngine.size(1L << 30));
        assertEquals("139.8 GiB", CudaEngine.size(150_100_000_000L));
    }

    @Test
    void bf16RoundsToNearestEven() {
        short[] b = DeviceWeights.bf16(new float[] {1f, -2.5f, Float.intBitsToFloat(0x3f808000),
                Float.intBitsToFloat(0x3f818000), Float.intBitsToFloat(0x3f808001), Float.NaN,
                Float.POSITIVE_INFINITY});
        assertEquals((short) 0x3f80, b[0]);
        assertEquals((short) 0xc020, b[1]);
        assertEquals((short) 0x3f80, b[2], "a tie rounds to the even neighbour below");
        assertEquals((short) 0x3f82, b[3], "a tie rounds to the even neighbour above");
        assertEquals((short) 0x3f81, b[4], "above the tie rounds up");
        assertEquals((short) 0x7fc0, b[5]);
        assertEquals((short) 0x7f80, b[6]);
    }
}
