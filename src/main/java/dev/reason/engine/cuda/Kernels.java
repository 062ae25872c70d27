package dev.reason.engine.cuda;

import dev.reason.engine.KernelTime;
import dev.reason.engine.DeviceException;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.CUstream_flags;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphGetNodes;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/**
 * The kernels of {@code native/reason_kernels.cu}, one typed method each: the arguments in the kernel's order and
 * types (pointers as {@link CUdeviceptr}, C int / float / double as Java int / float / double), and the launch
 * shape the kernel's comment asks for. The types of the weights, the KV cache and the GEMM inputs (normed rows,
 * attention and SwiGLU outputs) follow the precision: fp32 or bf16.
 *
 * <p>Launches are asynchronous, so an error usually surfaces at a later call. With {@code REASON_CUDA_DEBUG=1}
 * every launch is followed by a synchronization, and an error names the kernel that caused it.
 *
 * <p>A sequence of launches that repeats unchanged (the decode step) can be recorded once as a CUDA graph and
 * replayed with one call ({@link #record}): a decode step of a 24-layer model is about 300 launches, each a JNI
 * call that costs microseconds of host time, more than the GPU needs for many of them. {@code
 * REASON_CUDA_GRAPHS=0} launches one by one instead (and so do {@code REASON_CUDA_DEBUG=1} and {@code
 * REASON_CUDA_PROFILE=1}, which times every kernel with CUDA events: {@link #takeProfile}).
 */
final class Kernels {
    // gzip'd, for a smaller repository, jar and device bundle (the sizes: native/README.md).
    static final String FATBIN = "/dev/reason/engine/cuda/reason_kernels.fatbin.gz";
    static final String FATBIN_CUDA_VERSION = "/dev/reason/engine/cuda/reason_kernels.cuda-version";  // of the toolkit
    static final boolean DEBUG = "1".equals(System.getenv("REASON_CUDA_DEBUG"));
    static final boolean PROFILE = "1".equals(System.getenv("REASON_CUDA_PROFILE"));
    static final boolean GRAPHS = !DEBUG && !PROFILE && !"0".equals(System.getenv("REASON_CUDA_GRAPHS"));
    // Handle 0: JCuda's cuGraphLaunch rejects a null stream (cuLaunchKernel and cuEventRecord take null for it).
    static final CUstream DEFAULT_STREAM = new CUstream();
    static final int MAX_HEAD_DIM = 256;      // MAX_HEAD_DIM in reason_kernels.cu
    private static final int MAX_GRID_Y = 65535;
    private static final int MAX_GRID_Z = 65535;
    static final int GEMM_TILE = 64;          // GEMM_TILE in reason_kernels.cu: gemm_bf16's square output tile
    static final int GEMM_CHUNK = 32;         // GEMM_CHUNK in reason_kernels.cu: the K step of gemm_bf16
    static final int ATTENTION_MAX_WARPS = 16;  // ATTENTION_MAX_WARPS in reason_kernels.cu
    static final int ATTENTION_GROUP = 4;       // ATTENTION_GROUP in reason_kernels.cu: query heads per block
    static final int SAMPLE_THREADS = 256;      // SAMPLE_THREADS in sampling.cuh: a block per slice of a row
    static final int SAMPLE_MAX_SLICES = 128;   // SAMPLE_MAX_SLICES in sampling.cuh
    static final int SAMPLE_ROW_BYTES = 50440;  // SAMPLE_ROW_BYTES in sampling.cuh: a row's RowSample
    /** The fewest logits a sampling slice takes: eight per thread, one load of each_slot's. */
    static final int SAMPLE_MIN_SLICE = 8 * SAMPLE_THREADS;
    private static final int SEARCH_TOP_K = 0;  // SearchKind in sampling.cuh
    private static final int SEARCH_TOP_P = 1;
    private static final int SEARCH_DRAW = 2;
    private static final int TIE_ROUND = 4;     // TIE_ROUND in sampling.cuh
    static final int ROW_THREADS = 1024;        // ROW_THREADS in reason_kernels.cu: RMSNorm's and the fused reductions'
    /** Every kernel the methods below launch, in both precisions (KernelSignaturesTest keeps the list whole). */
    static final List<String> NAMES = List.of("embed_f32", "embed_bf16", "rmsnorm_f32", "rmsnorm_bf16", "gemm_f32",
            "gemm_bf16", "gemm_reduce", "reduce_rmsnorm_bf16", "reduce_swiglu_bf16",
            "reduce_rope_store_bf16", "head_rmsnorm", "rope_store_f32", "rope_store_bf16", "attention_f32", "attention_bf16",
            "attention_bf16_d128", "attention_bf16_d64",
            "swiglu_f32", "swiglu_bf16", "penalize_rows", "ban_tokens", "sample_stats", "sample_search",
            "sample_rows");

    /** Runs one kernel; the CUDA one, or a recorder in tests. */
    interface Launcher {
        void launch(String kernel, int gridX, int gridY, int gridZ, int block, Object... args);

        /** Records the launches {@code body} makes, without running them, for replay; null where it cannot. */
        default Replay record(Runnable body) {
            return null;
        }

        /** GPU time per kernel since the last call, when profiling; else empty. */
        default List<KernelTime> takeProfile() {
            return List.of();
        }
    }

    /**
     * What the launch shapes are fitted to: the GPU's multiprocessors and how many threads each holds at once.
     * Split-K aims for {@link Tuning#splitBlocksPerSm} gemm_bf16 blocks per multiprocessor; attention takes as many
     * warps as the GPU holds.
     */
    record Gpu(int multiprocessors, int threadsPerMultiprocessor) {
        /** An H100 or H200: 132 multiprocessors of 2,048 threads. */
        static final Gpu HOPPER = new Gpu(132, 2048);

        Gpu {
            if (multiprocessors < 1 || threadsPerMultiprocessor < 32) {
                throw new IllegalArgumentException("a GPU of " + multiprocessors + " multiprocessors of "
                        + threadsPerMultiprocessor + " threads");
            }
        }

        /** Warps the GPU holds at once: what attention blocks may fill. */
        long residentWarps() {
            return (long) multiprocessors * threadsPerMultiprocessor / 32;
        }
    }

    /** Launches recorded once, replayed in the same order with one call. */
    interface Replay extends AutoCloseable {
        void replay();

        @Override
        void close();
    }

    private final Launcher launcher;
    private final boolean fp32;
    private final String suffix;
    private final Gpu gpu;
    private final Tuning tuning;

    Kernels(Launcher launcher, CudaEngine.Precision precision, Gpu gpu) {
        this(launcher, precision, gpu, Tuning.DEFAULT);
    }

    Kernels(Launcher launcher, CudaEngine.Precision precision, Gpu gpu, Tuning tuning) {
        this.launcher = launcher;
        this.fp32 = precision == CudaEngine.Precision.FP32;
        this.suffix = fp32 ? "_f32" : "_bf16";
        this.gpu = gpu;
        this.tuning = tuning;
    }

    /**
     * The launches {@code body} makes, recorded as a graph instead of run (null when the launcher cannot record).
     * Every argument is fixed at recording, so body must launch the same kernels on the same buffers each time.
     */
    Replay record(Runnable body) {
        return launcher.record(body);
    }

    /** GPU time per kernel since the last call, longest first, with {@code REASON_CUDA_PROFILE=1}; else empty. */
    List<KernelTime> takeProfile() {
        return launcher.takeProfile();
    }

    /** A CUDA version number as cuDriverGetVersion gives it (13000) in the usual form ("13.0"). */
    static String cudaVersion(int version) {
        return version / 1000 + "." + version % 1000 / 10;
    }

    /** The CUDA release the kernels were built with ("13.0"), recorded beside the fatbin, or "?". */
    static String builtWith() {
        byte[] version = Module.resource(FATBIN_CUDA_VERSION);
        return version == null ? "?" : new String(version, StandardCharsets.US_ASCII).strip();
    }

    /**
     * Why the module did not load, in one line: a driver for an older CUDA than the kernels were built with
     * (the usual case), or else the driver's own error.
     *
     * @param driver as cuDriverGetVersion gives it (13000)
     * @param built  the toolkit's release recorded beside the fatbin ("13.0"), or "?"
     */
    static String loadFailure(int driver, String built, String error) {
        String[] parts = built.split("\\.");
        boolean tooOld = parts.length == 2 && parts[0].matches("\\d+") && parts[1].matches("\\d+")
                && driver < Integer.parseInt(parts[0]) * 1000 + Integer.parseInt(parts[1]) * 10;
        if (tooOld) {
            return "--device cuda: the NVIDIA driver (for CUDA " + cudaVersion(driver) + ") cannot load the kernels,"
                    + " built with CUDA " + built + " (" + error + "); a driver for CUDA " + built + " or newer runs"
                    + " them, --device cpu works without one";
        }
        return "--device cuda: the NVIDIA driver (for CUDA " + cudaVersion(driver) + ") cannot load the kernels"
                + " (built with CUDA " + built + "): " + error + "; --device cpu works without it";
    }

    /** x[r] = table[tokens[r]]. */
    void embed(CUdeviceptr tokens, CUdeviceptr table, CUdeviceptr x, int rows, int hidden, int vocab) {
        launcher.launch("embed" + suffix, rows, 1, 1, 256, tokens, table, x, hidden, vocab);
    }

    void rmsnorm(CUdeviceptr x, CUdeviceptr weight, CUdeviceptr y, int rows, int hidden, float eps) {
        launcher.launch("rmsnorm" + suffix, rows, 1, 1, ROW_THREADS, x, weight, y, hidden, eps);
    }

    /**
     * y = x * w^T + bias, or y += that when accumulate: x [rows, ins], w [outs, ins]. In bf16, a product with few
     * output tiles and a long K is split along K ({@link #splitK}): the parts go to {@code workspace}, at least
     * {@link #workspaceFloats} floats, and gemm_reduce adds them in a fixed order (deterministic, no atomics).
     */
    void gemm(CUdeviceptr x, CUdeviceptr w, CUdeviceptr bias, CUdeviceptr y, int rows, int outs, int ins,
              boolean accumulate, CUdeviceptr workspace) {
        int parts = product(x, w, bias, y, rows, outs, ins, accumulate, workspace);
        if (parts > 1) {
            launcher.launch("gemm_reduce", blocks(rows * outs, 256), 1, 1, 256, workspace, bias, y, rows, outs,
                    parts, accumulate ? 1 : 0);
        }
    }

    /**
     * The end of a layer's attention or MLP: x += a * w^T + bias (x [rows, hidden], a [rows, ins]), then xn =
     * rmsnorm(x) * norm, the next GEMM's input. A product split along K is finished by one kernel that does both
     * (reduce_rmsnorm_bf16, the same bits as gemm_reduce then rmsnorm).
     */
    void gemmAddNorm(CUdeviceptr a, CUdeviceptr w, CUdeviceptr bias, CUdeviceptr x, CUdeviceptr norm, CUdeviceptr xn,
                     int rows, int hidden, int ins, float eps, CUdeviceptr workspace) {
        int parts = product(a, w, bias, x, rows, hidden, ins, true, workspace);
        if (parts > 1) {
            launcher.launch("reduce_rmsnorm_bf16", rows, 1, 1, ROW_THREADS, workspace, bias, x, norm, xn, rows, hidden,
                    parts, eps);
        } else {
            rmsnorm(x, norm, xn, rows, hidden, eps);
        }
    }

    /**
     * The MLP's gate and up projections and SwiGLU: act = silu(gate) * up, where x * w^T + bias = [gate | up] ([rows,
     * 2 * inter], written to gateUp). A product split along K is finished by one kernel that computes act from the
     * parts (reduce_swiglu_bf16, the same bits as gemm_reduce then swiglu) and never writes gateUp.
     */
    void gemmSwiglu(CUdeviceptr x, CUdeviceptr w, CUdeviceptr bias, CUdeviceptr gateUp, CUdeviceptr act, int rows,
                    int inter, int ins, CUdeviceptr workspace) {
        int parts = product(x, w, bias, gateUp, rows, 2 * inter, ins, false, workspace);
        if (parts > 1) {
            launcher.launch("reduce_swiglu_bf16", blocks(rows * inter, 256), 1, 1, 256, workspace, bias, act, rows,
                    inter, parts);
        } else {
            swiglu(gateUp, act, rows, inter);
        }
    }

    /**
     * The q/k/v projection (qkv = x * w^T + bias, [rows, (heads + 2 kvHeads) * headDim]), then {@link #ropeStore}. A
     * product split along K is finished by one kernel that does both (reduce_rope_store_bf16, the same bits as
     * gemm_reduce then rope_store). Not for Qwen3, whose heads are normed between the two.
     */
    void gemmRopeStore(CUdeviceptr x, CUdeviceptr w, CUdeviceptr bias, CUdeviceptr qkv, int rows, int ins,
                       CUdeviceptr invFreq, int heads, int kvHeads, int headDim, CUdeviceptr promptK,
                       CUdeviceptr promptV, int promptCap, CUdeviceptr prompts, CUdeviceptr slotK, CUdeviceptr slotV,
                       int maxNew, CUdeviceptr lengths, boolean decode, CUdeviceptr workspace) {
        int parts = product(x, w, bias, qkv, rows, (heads + 2 * kvHeads) * headDim, ins, false, workspace);
        if (parts > 1) {
            launcher.launch("reduce_rope_store_bf16", rows, 1, 1, ROW_THREADS, workspace, bias, qkv, rows, invFreq, heads,
                    kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV, maxNew, lengths, decode ? 1 : 0,
                    parts);
        } else {
            ropeStore(qkv, invFreq, rows, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV,
                    maxNew, lengths, decode);
        }
    }

    /**
     * Launches the GEMM proper and returns its number of K parts: with one, y holds the result; with more, the
     * parts wait in workspace for a reduce kernel (which adds bias, and y when accumulating).
     */
    private int product(CUdeviceptr x, CUdeviceptr w, CUdeviceptr bias, CUdeviceptr y, int rows, int outs, int ins,
                        boolean accumulate, CUdeviceptr workspace) {
        int acc = accumulate ? 1 : 0;
        if (fp32) {
            launcher.launch("gemm_f32", blocks(rows, 16), blocks(outs, 16), 1, 256, x, w, bias, y, rows, outs, ins,
                    acc);
            return 1;
        }
        int parts = splitK(rows, outs, ins);
        launcher.launch("gemm_bf16", blocks(rows, GEMM_TILE), blocks(outs, GEMM_TILE), parts, 128,
                x, w, bias, y, workspace, rows, outs, ins, acc);
        return parts;
    }

    /** The floats of workspace {@link #gemm} needs for this shape (0 without a split). */
    long workspaceFloats(int rows, int outs, int ins) {
        int parts = fp32 ? 1 : splitK(rows, outs, ins);
        return parts > 1 ? (long) parts * rows * outs : 0;
    }

    /**
     * The number of K parts of gemm_bf16 for a shape: 1 when the output tiles alone give {@link
     * #splitTargetBlocks} blocks; otherwise enough parts to reach it, but none shorter than {@link
     * Tuning#splitMinK}, then evened out over whole chunks so that no part is empty.
     * native/emulator/test_forward.cpp has a copy, with {@link Gpu#HOPPER}'s target.
     */
    int splitK(int rows, int outs, int ins) {
        int target = splitTargetBlocks();
        long tiles = (long) blocks(rows, GEMM_TILE) * blocks(outs, GEMM_TILE);
        if (tiles >= target) {
            return 1;
        }
        int parts = (int) Math.min((target + tiles - 1) / tiles, ins / tuning.splitMinK());
        if (parts <= 1) {
            return 1;
        }
        int chunks = blocks(ins, GEMM_CHUNK);
        return blocks(chunks, blocks(chunks, parts));  // the parts that whole chunks of ceil(chunks / parts) fill
    }

    /** The launch settings these shapes follow. */
    Tuning tuning() {
        return tuning;
    }

    /** The gemm_bf16 blocks split-K aims for: {@link Tuning#splitBlocksPerSm} per multiprocessor (two by default). */
    int splitTargetBlocks() {
        return tuning.splitBlocksPerSm() * gpu.multiprocessors();
    }

    /** Qwen3: RMSNorm of every query head (qNorm) and key head (kNorm) of the fp32 qkv rows, in place, before RoPE. */
    void headNorm(CUdeviceptr qkv, CUdeviceptr qNorm, CUdeviceptr kNorm, int rows, int heads, int kvHeads, int headDim,
                  float eps) {
        launcher.launch("head_rmsnorm", rows, heads + kvHeads, 1, 64, qkv, qNorm, kNorm, heads, kvHeads, headDim, eps);
    }

    /**
     * Rotary embedding of the query and key heads of each row, and the row's key and value into the cache: the prompt
     * pool ({@code promptCap} positions a KV head) in prefill, the slot's own cache in decode. {@code prompts} holds
     * the (start, length) of the prompt each row reads: one pair per slot in decode, one for all rows in prefill.
     */
    void ropeStore(CUdeviceptr qkv, CUdeviceptr invFreq, int rows, int heads, int kvHeads, int headDim,
                   CUdeviceptr promptK, CUdeviceptr promptV, int promptCap, CUdeviceptr prompts, CUdeviceptr slotK,
                   CUdeviceptr slotV, int maxNew, CUdeviceptr lengths, boolean decode) {
        launcher.launch("rope_store" + suffix, rows, 1, 1, 128, qkv, invFreq, heads, kvHeads, headDim,
                promptK, promptV, promptCap, prompts, slotK, slotV, maxNew, lengths, decode ? 1 : 0);
    }

    /** Each row's attention over its prompt's range of the pool, then (in decode) the slot's own keys. */
    void attention(CUdeviceptr qkv, CUdeviceptr out, int rows, int heads, int kvHeads, int headDim,
                   CUdeviceptr promptK, CUdeviceptr promptV, int promptCap, CUdeviceptr prompts, CUdeviceptr slotK,
                   CUdeviceptr slotV, int maxNew, CUdeviceptr lengths, boolean decode) {
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int chunks = blocks(heads / kvHeads, ATTENTION_GROUP);  // blocks per KV head
        launcher.launch(attentionKernel(headDim), rows, kvHeads, chunks, 32 * attentionWarps(rows * kvHeads * chunks),
                qkv, out, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV, maxNew, lengths,
                decode ? 1 : 0, scale);
    }

    /**
     * The attention kernel for a head size: in bf16, those for up to 64 and 128 keep fewer registers (more blocks at
     * once); fp32, for checks, has one for all.
     */
    String attentionKernel(int headDim) {
        String name = "attention" + suffix;
        if (fp32 || headDim > 128) {
            return name;
        }
        return name + (headDim <= 64 ? "_d64" : "_d128");
    }

    /**
     * Warps per block of an attention launch of {@code blocks} blocks: a block's time is the chain of keys each of
     * its warps walks, so as many as keep the launch within what the GPU holds ({@link Gpu#residentWarps}), from
     * {@link #ATTENTION_MAX_WARPS} down to 4, unless {@link Tuning#attentionWarps} fixes them.
     * native/emulator/test_forward.cpp has a copy, with {@link Gpu#HOPPER}'s figure.
     */
    int attentionWarps(long blocks) {
        if (tuning.attentionWarps() > 0) {
            return tuning.attentionWarps();
        }
        int warps = ATTENTION_MAX_WARPS;
        while (warps > 4 && blocks * warps > gpu.residentWarps()) {
            warps /= 2;
        }
        return warps;
    }

    /** act = silu(gate) * up, with gateUp rows = [gate | up]. */
    void swiglu(CUdeviceptr gateUp, CUdeviceptr act, int rows, int inter) {
        launcher.launch("swiglu" + suffix, rows, blocks(inter, 256), 1, 256, gateUp, act, inter);
    }

    /**
     * The penalties on logits [rows, vocab]: {@code history} [rows, vocab] ints hold each slot's tokens so far (1 in
     * the prompt, plus 2 per time generated), and the token each active slot was fed at this step ({@code tokens})
     * is counted in; inactive slots (length -1) are skipped. {@code penalties} [rows, 3] floats: each row's
     * repetition, presence and frequency penalties ((1, 0, 0): none).
     */
    void penalize(CUdeviceptr logits, CUdeviceptr history, CUdeviceptr tokens, CUdeviceptr lengths, int rows, int vocab,
                  CUdeviceptr penalties) {
        launcher.launch("penalize_rows", blocks(vocab, 256), rows, 1, 256, logits, history, tokens, lengths, vocab,
                penalties);
    }

    /** Sets logits[row, bans[row, j]] to -infinity for each of the {@code width} ids of each row (-1: none). */
    void ban(CUdeviceptr logits, CUdeviceptr bans, int rows, int width, int vocab) {
        launcher.launch("ban_tokens", blocks(width, 128), rows, 1, 128, logits, bans, width, vocab);
    }

    /**
     * One sampled token per row, row r at logits + r * rowStride floats; see sampling.cuh for the arguments. Each
     * row is cut into {@link #sampleSlices} slices, a block each: the slices' stats, then each search that cuts
     * (top-k, top-p, the draw) as four radix rounds and a tie, then the rows' results. {@code samples} holds
     * {@link #SAMPLE_ROW_BYTES} per row.
     */
    void sample(CUdeviceptr logits, int rows, int vocab, long rowStride, CUdeviceptr uniforms, CUdeviceptr samples,
                CUdeviceptr out, int nTop, boolean greedy, double invTemperature, double maxDistance, int topK,
                double topP) {
        int slices = sampleSlices(rows, vocab);
        launcher.launch("sample_stats", slices, rows, 1, SAMPLE_THREADS, logits, vocab, rowStride, uniforms, samples,
                slices, nTop);
        for (int kind = SEARCH_TOP_K; !greedy && kind <= SEARCH_DRAW; kind++) {
            boolean cuts = kind == SEARCH_TOP_K ? topK > 0 && topK < vocab : kind != SEARCH_TOP_P || topP < 1.0;
            for (int round = 0; cuts && round <= TIE_ROUND; round++) {
                launcher.launch("sample_search", slices, rows, 1, SAMPLE_THREADS, logits, vocab, rowStride, uniforms,
                        samples, slices, invTemperature, maxDistance, topK, topP, kind, round);
            }
        }
        launcher.launch("sample_rows", 1, rows, 1, SAMPLE_THREADS, logits, vocab, rowStride, uniforms, samples,
                slices, out, nTop, greedy ? 1 : 0);
    }

    /**
     * Slices per row of a draw: enough for {@link Tuning#sampleBlocksPerSm} sampling blocks per multiprocessor over
     * all rows (four by default; one block per row left most of the GPU idle below 132 rows), each of at least
     * {@link #SAMPLE_MIN_SLICE} logits.
     */
    int sampleSlices(int rows, int vocab) {
        long wanted = ((long) tuning.sampleBlocksPerSm() * gpu.multiprocessors() + rows - 1) / rows;
        long most = Math.min(SAMPLE_MAX_SLICES, (vocab + SAMPLE_MIN_SLICE - 1) / SAMPLE_MIN_SLICE);
        return (int) Math.max(1, Math.min(wanted, most));
    }

    /** The fatbin the driver loads, from its gzip'd resource. */
    static byte[] gunzip(byte[] gzipped) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("the jar's " + FATBIN + " is damaged (" + e.getMessage()
                    + "): rebuild it (mvn package)", e);
        }
    }

    private static int blocks(int n, int per) {
        return (n + per - 1) / per;
    }

    /** Launches through the CUDA driver from the module loaded out of the jar. */
    static final class Module implements Launcher, AutoCloseable {
        private final CUmodule module = new CUmodule();
        private final Map<String, CUfunction> functions = new HashMap<>();
        private CUstream capturing;  // while recording: the stream whose launches become the graph
        private int launched;        // launches made while recording
        private final KernelProfile profile = PROFILE ? new KernelProfile() : null;

        Module() {
            try {
                cuModuleLoadData(module, fatbin());
            } catch (CudaException e) {
                int[] driver = new int[1];
                cuDriverGetVersion(driver);
                throw new DeviceException(loadFailure(driver[0], builtWith(), e.getMessage()));
            }
            // Since CUDA 12.2 a module's kernels load lazily, at their first cuModuleGetFunction. Load them all
            // now: never inside a graph capture, nor after a batch has taken the GPU's memory (where the load's
            // own out-of-memory error would escape the batch's halving of its chains).
            for (String name : NAMES) {
                try {
                    function(name);
                } catch (CudaException e) {
                    cuModuleUnload(module);
                    throw new DeviceException("--device cuda: cannot load kernel " + name + " (" + e.getMessage()
                            + ")" + (e.getMessage() != null && e.getMessage().contains("NOT_FOUND")
                            ? ": the jar's fatbin is older than its code, rebuild it with native/build.sh" : "")
                            + "; --device cpu works without it");
                }
            }
        }

        private static byte[] fatbin() {
            byte[] bytes = resource(FATBIN);
            if (bytes == null) {
                throw new IllegalStateException(FATBIN + " is missing from the jar: rebuild it (mvn package)");
            }
            return gunzip(bytes);
        }

        /** A resource of the jar, or null when it is missing. */
        private static byte[] resource(String name) {
            try (InputStream in = Kernels.class.getResourceAsStream(name)) {
                return in == null ? null : in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + name + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void launch(String kernel, int gridX, int gridY, int gridZ, int block, Object... args) {
            if (gridX < 1 || gridY < 1 || gridY > MAX_GRID_Y || gridZ < 1 || gridZ > MAX_GRID_Z) {
                throw new IllegalArgumentException("kernel " + kernel + ": grid " + gridX + " x " + gridY + " x "
                        + gridZ + " is outside what CUDA launches (model or batch too large for this kernel)");
            }
            Pointer[] params = new Pointer[args.length];
            for (int i = 0; i < args.length; i++) {
                params[i] = param(args[i]);
            }
            try {
                CUevent start = profile == null ? null : profile.before();
                cuLaunchKernel(function(kernel), gridX, gridY, gridZ, block, 1, 1, 0, capturing, Pointer.to(params),
                        null);
                if (profile != null) {  // by grid too: it tells the GEMMs of a layer apart
                    profile.after(kernel + " " + gridX + "x" + gridY + "x" + gridZ, start);
                }
                if (capturing != null) {
                    launched++;
                }
                if (DEBUG) {
                    cuCtxSynchronize();
                }
            } catch (CudaException e) {
                throw new IllegalStateException("CUDA kernel " + kernel + " (grid " + gridX + " x " + gridY + " x "
                        + gridZ + ", block " + block + ") failed: " + e.getMessage()
                        + (DEBUG ? "" : " (or an earlier kernel did; REASON_CUDA_DEBUG=1 names the one)"), e);
            }
        }

        /**
         * Captures body's launches on a stream of their own (the rest of the engine works on the default stream,
         * where the graph is then replayed, so its order with the copies around it is the launches' order). The
         * graph must hold one node per launch: launches that escaped the capture would have run, and replaying an
         * incomplete graph would compute wrong logits without an error.
         */
        @Override
        public Replay record(Runnable body) {
            CUstream stream = new CUstream();
            cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            Graph graph = null;
            try {
                graph = instantiate(capture(stream, body));
            } finally {
                try {
                    cuStreamSynchronize(stream);  // launches that escaped the capture ran here
                } catch (RuntimeException e) {
                    if (graph != null) {
                        graph.close();
                    }
                    throw e;
                } finally {
                    cuStreamDestroy(stream);
                }
            }
            return graph;
        }

        /** The launches body makes, captured from stream into a graph. */
        private CUgraph capture(CUstream stream, Runnable body) {
            cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED);
            CUgraph graph = new CUgraph();
            capturing = stream;
            launched = 0;
            try {
                body.run();
            } catch (Throwable e) {  // an Error too: the stream must not stay in capture mode
                try {
                    cuStreamEndCapture(stream, graph);  // ends the capture; fails when a launch invalidated it
                    cuGraphDestroy(graph);
                } catch (RuntimeException end) {
                    e.addSuppressed(end);
                }
                throw e;
            } finally {
                capturing = null;
            }
            cuStreamEndCapture(stream, graph);
            return graph;
        }

        /** An executable graph of the capture, which must hold one node per launch; the capture is destroyed. */
        private Graph instantiate(CUgraph captured) {
            try {
                long[] nodes = new long[1];
                cuGraphGetNodes(captured, null, nodes);
                if (nodes[0] != launched) {
                    throw new IllegalStateException("the CUDA graph holds " + nodes[0] + " of the " + launched
                            + " launches recorded");
                }
                CUgraphExec exec = new CUgraphExec();
                cuGraphInstantiate(exec, captured, 0);
                return new Graph(exec);
            } finally {
                cuGraphDestroy(captured);
            }
        }

        @Override
        public List<KernelTime> takeProfile() {
            return profile == null ? List.of() : profile.take();
        }

        /** A recorded graph, replayed on the default stream. */
        private record Graph(CUgraphExec exec) implements Replay {
            @Override
            public void replay() {
                cuGraphLaunch(exec, DEFAULT_STREAM);  // never under REASON_CUDA_DEBUG, which turns graphs off
            }

            @Override
            public void close() {
                cuGraphExecDestroy(exec);
            }
        }

        private CUfunction function(String kernel) {
            return functions.computeIfAbsent(kernel, name -> {
                CUfunction f = new CUfunction();
                cuModuleGetFunction(f, module, name);
                return f;
            });
        }

        private static Pointer param(Object arg) {
            if (arg instanceof CUdeviceptr p) {
                return Pointer.to(p);
            } else if (arg instanceof Integer v) {
                return Pointer.to(new int[] {v});
            } else if (arg instanceof Long v) {
                return Pointer.to(new long[] {v});
            } else if (arg instanceof Float v) {
                return Pointer.to(new float[] {v});
            } else if (arg instanceof Double v) {
                return Pointer.to(new double[] {v});
            }
            throw new IllegalArgumentException("no kernel parameter of type " + arg.getClass().getName());
        }

        @Override
        public void close() {
            cuModuleUnload(module);
        }
    }
}
