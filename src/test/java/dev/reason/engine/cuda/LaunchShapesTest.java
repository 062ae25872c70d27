package dev.reason.engine.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Launch shapes chosen on the host for the GPU at hand: split-K ({@link Kernels#splitK}) with its workspace,
 * attention's warps and sampling's slices, and the settings a device run's tune step varies ({@link Tuning}).
 */
class LaunchShapesTest {
    // Qwen2-0.5B: hidden 896, intermediate 4864, 14 heads / 2 KV heads of 64, vocab 151936.
    private static final int HIDDEN = 896;
    private static final int INTER = 4864;
    private static final int QKV = (14 + 2 * 2) * 64;
    private static final int VOCAB = 151936;
    private static final Kernels HOPPER = shapes(Kernels.Gpu.HOPPER, CudaEngine.Precision.BF16);
    private static final Kernels.Gpu L4 = new Kernels.Gpu(58, 1536);  // Ada: 58 multiprocessors of 1,536 threads

    private static Kernels shapes(Kernels.Gpu gpu, CudaEngine.Precision precision) {
        return new Kernels((kernel, gx, gy, gz, block, args) -> { }, precision, gpu);
    }

    /** Parts of qkv, o_proj, gate_up, down_proj and lm_head at a number of decode rows. */
    private static String qwenSplits(Kernels k, int rows) {
        return k.splitK(rows, QKV, HIDDEN) + " " + k.splitK(rows, HIDDEN, HIDDEN) + " "
                + k.splitK(rows, 2 * INTER, HIDDEN) + " " + k.splitK(rows, HIDDEN, INTER) + " "
                + k.splitK(rows, VOCAB, HIDDEN);
    }

    @Test
    void qwen2HalfBillionShapes() {
        assertEquals("3 3 2 19 1", qwenSplits(HOPPER, 1));
        assertEquals("3 3 2 19 1", qwenSplits(HOPPER, 16));
        assertEquals("3 3 2 19 1", qwenSplits(HOPPER, 64));
        assertEquals("3 3 1 5 1", qwenSplits(HOPPER, 256));
    }

    /** bf16 has kernels for heads up to 64 and 128 and one for larger; fp32 one for all. */
    @Test
    void attentionKernelForEachHeadSize() {
        assertEquals("attention_bf16_d64", HOPPER.attentionKernel(32));
        assertEquals("attention_bf16_d64", HOPPER.attentionKernel(64));
        assertEquals("attention_bf16_d128", HOPPER.attentionKernel(96));
        assertEquals("attention_bf16_d128", HOPPER.attentionKernel(128));
        assertEquals("attention_bf16", HOPPER.attentionKernel(256));
        Kernels fp32 = shapes(Kernels.Gpu.HOPPER, CudaEngine.Precision.FP32);
        assertEquals("attention_f32", fp32.attentionKernel(64));
        assertEquals("attention_f32", fp32.attentionKernel(256));
    }

    @Test
    void theDefaultsHoldWhereNothingIsSet() {
        assertEquals(Tuning.DEFAULT, Tuning.from(Map.of()));
        assertEquals(Tuning.DEFAULT, Tuning.from(Map.of(Tuning.SPLIT_MIN_K_ENV, " ", Tuning.ATTENTION_WARPS_ENV, "")));
        assertEquals("", Tuning.DEFAULT.changed());
    }

    @Test
    void theShortestPartCanBeSetForTuning() {
        Tuning tuning = Tuning.from(Map.of(Tuning.SPLIT_MIN_K_ENV, " 128 "));
        assertEquals(new Tuning(128, Tuning.SPLIT_BLOCKS_PER_SM, 0, Tuning.SAMPLE_BLOCKS_PER_SM), tuning);
        assertEquals("REASON_CUDA_SPLIT_MIN_K=128", tuning.changed());
        // q/k/v and o_proj: 7 parts of 128 instead of 3 of about 299; gate_up and down_proj reach 264 blocks anyway
        assertEquals("7 7 2 19 1", qwenSplits(tuned(tuning), 64));
        assertRefused(Tuning.SPLIT_MIN_K_ENV, "is not a multiple of 32 from 32 to 65536: set one (the default is 256)"
                + " or unset it", "100", "16", "0", "-64", "131072", "abc", "1e3");
    }

    @Test
    void splitKsBlocksPerMultiprocessorCanBeSetForTuning() {
        Tuning tuning = Tuning.from(Map.of(Tuning.SPLIT_BLOCKS_ENV, "4"));
        assertEquals("REASON_CUDA_SPLIT_BLOCKS=4", tuning.changed());
        assertEquals(528, tuned(tuning).splitTargetBlocks());
        // gate_up's 152 tiles take 3 parts (the shortest part still 256 of K): the rest stay as they were
        assertEquals("3 3 3 19 1", qwenSplits(tuned(tuning), 64));
        // one block per multiprocessor: gate_up's 152 tiles are enough alone, down_proj takes 10 parts, not 19
        assertEquals("3 3 1 10 1", qwenSplits(tuned(Tuning.from(Map.of(Tuning.SPLIT_BLOCKS_ENV, "1"))), 64));
        assertRefused(Tuning.SPLIT_BLOCKS_ENV, "is not a whole number from 1 to 16: set one (the default is 2) or unset"
                + " it", "0", "17", "two");
    }

    @Test
    void attentionWarpsCanBeFixedForTuning() {
        Tuning tuning = Tuning.from(Map.of(Tuning.ATTENTION_WARPS_ENV, "6"));
        assertEquals("REASON_CUDA_ATTENTION_WARPS=6", tuning.changed());
        assertEquals(6, tuned(tuning).attentionWarps(4));
        assertEquals(6, tuned(tuning).attentionWarps(100_000));  // fixed, even where the GPU holds fewer at once
        assertRefused(Tuning.ATTENTION_WARPS_ENV, "is not a whole number from 1 to 16: set one (the default is as many"
                + " as the GPU holds, up to 16) or unset it", "0", "17", "-1", "x");
    }

    @Test
    void samplingBlocksPerMultiprocessorCanBeSetForTuning() {
        Tuning tuning = Tuning.from(Map.of(Tuning.SAMPLE_BLOCKS_ENV, "8", Tuning.SPLIT_MIN_K_ENV, "512"));
        assertEquals("REASON_CUDA_SPLIT_MIN_K=512 REASON_CUDA_SAMPLE_BLOCKS=8", tuning.changed());
        assertEquals(17, tuned(tuning).sampleSlices(64, VOCAB));
        assertEquals(75, tuned(tuning).sampleSlices(1, VOCAB));  // never slices under 2,048 logits (75 at most here)
        assertRefused(Tuning.SAMPLE_BLOCKS_ENV, "is not a whole number from 1 to 64: set one (the default is 4) or"
                + " unset it", "0", "65");
    }

    private static Kernels tuned(Tuning tuning) {
        return new Kernels((kernel, gx, gy, gz, block, args) -> { }, CudaEngine.Precision.BF16, Kernels.Gpu.HOPPER,
                tuning);
    }

    /** Each value of the variable is refused with the one-line message "VARIABLE=value " + why. */
    private static void assertRefused(String variable, String why, String... values) {
        for (String bad : values) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Tuning.from(Map.of(variable, bad)));
            assertEquals(variable + "=" + bad + " " + why, e.getMessage());
        }
    }

    @Test
    void aSmallerGpuSplitsLessAndGivesAttentionFewerWarps() {
        Kernels l4 = shapes(L4, CudaEngine.Precision.BF16);
        assertEquals(116, l4.splitTargetBlocks());
        assertEquals(58 * 48, L4.residentWarps());
        // 116 blocks: gate_up's 152 tiles are enough alone; down_proj's 14 tiles take 9 parts, not 19
        assertEquals("3 3 1 9 1", qwenSplits(l4, 64));
        assertEquals(16, l4.attentionWarps(4 * 16));
        assertEquals(4, l4.attentionWarps(4 * 256));     // 1024 blocks: even 4 warps each (4,096) exceed 2,784
        assertEquals(8, HOPPER.attentionWarps(4 * 256));
    }

    @Test
    void everyPartHasWorkAndEnoughOfK() {
        for (int rows : new int[] {1, 2, 7, 16, 33, 64, 100, 256, 1000}) {
            for (int outs = 1; outs <= 5000; outs += 37) {
                for (int ins = 1; ins <= 9000; ins += 53) {
                    int parts = HOPPER.splitK(rows, outs, ins);
                    int t = Kernels.GEMM_TILE;
                    long tiles = (long) ((rows + t - 1) / t) * ((outs + t - 1) / t);
                    String shape = rows + "x" + outs + "x" + ins + ": " + parts + " parts";
                    assertTrue(parts >= 1, shape);
                    int target = HOPPER.splitTargetBlocks();
                    if (tiles >= target || ins < 2 * Tuning.SPLIT_MIN_K) {
                        assertEquals(1, parts, shape);
                    }
                    if (parts > 1) {
                        int chunks = (ins + Kernels.GEMM_CHUNK - 1) / Kernels.GEMM_CHUNK;
                        int perPart = (chunks + parts - 1) / parts;  // as gemm_bf16 divides K
                        assertTrue((parts - 1) * perPart < chunks, shape + ": an empty part");
                        assertTrue(perPart * Kernels.GEMM_CHUNK >= Tuning.SPLIT_MIN_K, shape + ": parts too short");
                        assertTrue(tiles * parts < 2L * target + tiles, shape + ": too many");
                    }
                }
            }
        }
    }

    @Test
    void workspaceIsThePartsTimesTheOutput() {
        Kernels fp32 = shapes(Kernels.Gpu.HOPPER, CudaEngine.Precision.FP32);
        assertEquals(19L * 64 * HIDDEN, HOPPER.workspaceFloats(64, HIDDEN, INTER));
        assertEquals(0, HOPPER.workspaceFloats(64, VOCAB, HIDDEN));
        assertEquals(0, fp32.workspaceFloats(64, HIDDEN, INTER));  // gemm_f32 does not split
    }

    @Test
    void attentionTakesAsManyWarpsAsTheGpuHolds() {
        int blocksPerRow = 2 * 2;  // Qwen2-0.5B: 2 KV heads, each with 7 query heads in 2 blocks of up to 4
        assertEquals(16, HOPPER.attentionWarps(blocksPerRow));
        assertEquals(16, HOPPER.attentionWarps(64 * blocksPerRow));
        assertEquals(8, HOPPER.attentionWarps(256 * blocksPerRow));  // 1024 blocks
        assertEquals(4, HOPPER.attentionWarps(100_000));             // never fewer than 4
        for (long blocks = 1; blocks < 5000; blocks += 7) {
            int warps = HOPPER.attentionWarps(blocks);
            assertTrue(warps == 4 || blocks * warps <= Kernels.Gpu.HOPPER.residentWarps(), blocks + " blocks");
        }
    }

    @Test
    void samplingFillsTheGpuWithSlicesOfARow() {
        // four blocks per multiprocessor (528 on an H200) over the rows, each slice at least 2,048 logits
        assertEquals(75, HOPPER.sampleSlices(1, VOCAB));   // 151936 / 2048, rounded up
        assertEquals(9, HOPPER.sampleSlices(64, VOCAB));   // 576 blocks
        assertEquals(3, HOPPER.sampleSlices(256, VOCAB));
        assertEquals(1, HOPPER.sampleSlices(1024, VOCAB));
        assertEquals(1, HOPPER.sampleSlices(1, 37));       // a tiny vocabulary: one slice
        assertEquals(2, HOPPER.sampleSlices(16, 4096));
        assertEquals(Kernels.SAMPLE_MAX_SLICES, HOPPER.sampleSlices(1, 1 << 20));
    }

    @Test
    void constantsMatchTheKernels() throws IOException {
        String source = Files.readString(Path.of("native", "reason_kernels.cu"));
        assertEquals(define(source, "GEMM_CHUNK"), Kernels.GEMM_CHUNK);
        assertEquals(define(source, "GEMM_TILE"), Kernels.GEMM_TILE);
        assertEquals(define(source, "ATTENTION_MAX_WARPS"), Kernels.ATTENTION_MAX_WARPS);
        assertEquals(define(source, "ATTENTION_GROUP"), Kernels.ATTENTION_GROUP);
        assertEquals(define(source, "ROW_THREADS"), Kernels.ROW_THREADS);
        String sampling = Files.readString(Path.of("native", "sampling.cuh"));
        assertEquals(define(sampling, "SAMPLE_THREADS"), Kernels.SAMPLE_THREADS);
        assertEquals(define(sampling, "SAMPLE_MAX_SLICES"), Kernels.SAMPLE_MAX_SLICES);
        assertEquals(define(sampling, "SAMPLE_ROW_BYTES"), Kernels.SAMPLE_ROW_BYTES);
        assertEquals(define(sampling, "SAMPLE_MAX_TOP"), DeviceSampler.MAX_TOP_LOGPROBS);
        assertTrue(Kernels.SAMPLE_MAX_SLICES <= Kernels.SAMPLE_THREADS, "a block reads each slice's stats with a thread");
    }

    private static int define(String source, String name) {
        Matcher m = Pattern.compile("#define\\s+" + name + "\\s+(\\d+)").matcher(source);
        assertTrue(m.find(), "no #define " + name + " in native/reason_kernels.cu");
        return Integer.parseInt(m.group(1));
    }
}
