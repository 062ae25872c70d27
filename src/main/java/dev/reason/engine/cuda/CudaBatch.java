package dev.reason.engine.cuda;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Prefill;
import dev.reason.model.ModelConfig;
import dev.reason.sampling.RepeatedNgrams;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.function.Supplier;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

/**
 * The decode rows of one search on the GPU. The prompt is prefilled once into a shared per-layer cache; each slot
 * appends its own tokens to its own cache, and attention reads both, so a new chain costs nothing but resetting
 * its length. All buffers are allocated up front for {@code slots} rows (activations for max(prompt, slots) rows).
 */
final class CudaBatch implements DecodeBatch {
    private final CudaEngine engine;
    private final Kernels k;
    private final DeviceWeights w;
    private final DeviceMemory memory;
    private final int slots;
    private final int promptLen;
    private final int maxNew;
    private final int vocab;
    private final int hidden;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int inter;
    private final int qkvDim;
    private final float eps;

    private final CUdeviceptr tokens;    // [rows] token ids
    private final CUdeviceptr lengths;   // [slots] each slot's own cached tokens before this step; -1: inactive
    private final IntBuffer tokensHost;
    private final IntBuffer lengthsHost;
    private final DeviceMemory.Pinned tokensPinned;
    private final DeviceMemory.Pinned lengthsPinned;
    private final CUdeviceptr x;         // [rows, hidden] the residual stream, fp32
    private final CUdeviceptr xn;        // [rows, hidden] normed; this and attn, act: in the precision's type
    private final CUdeviceptr qkv;       // [rows, qkvDim]
    private final CUdeviceptr attn;      // [rows, heads * headDim]
    private final CUdeviceptr gateUp;    // [rows, 2 * inter]
    private final CUdeviceptr act;       // [rows, inter]
    private final CUdeviceptr logits;    // [slots, vocab]; prefill writes row 0
    private final CUdeviceptr firstLogits; // [vocab] the prompt's, as the host adjusted them: chains' first draws
    private float[] firstUploaded;       // the host array firstLogits holds
    private final CUdeviceptr history;   // [slots, vocab] ints: each slot's tokens so far, for the penalties (1 in
                                         // the prompt + 2 per time generated)
    private final CUdeviceptr promptHistory; // [vocab] ints: the prompt's, where a new chain's row starts
    private final CUdeviceptr bans;      // [slots, width] ints: each slot's tokens that would repeat an n-gram, -1 pads
    private final int maxBans;           // the most a slot can have: one per token of its sequence
    private final CUdeviceptr workspace; // split-K partial sums of the GEMMs (Kernels.gemm)
    private final CUdeviceptr[] promptK; // per layer [kvHeads, promptLen, headDim]
    private final CUdeviceptr[] promptV;
    private final CUdeviceptr[] slotK;   // per layer [slots, kvHeads, maxNew, headDim]
    private final CUdeviceptr[] slotV;
    private final DeviceSampler sampler;
    private Kernels.Replay decodeStep;   // the decode forward as a CUDA graph, recorded at the first step

    private final int[] length;          // per slot: tokens in its own cache
    private final int[] prompt;
    private int[] promptRow;             // host copy of promptHistory, once penalties have been applied
    private final int[][] fed;           // per slot, the tokens fed since its chain started (grown as they come)
    private boolean historyCurrent;      // whether history holds them: penalized steps keep it so, the others do not
    private final float[] promptLogits;
    private final Prefill handle = new Prefill() {
        @Override
        public int length() {
            return promptLen;
        }

        @Override
        public float[] logits() {
            return promptLogits.clone();
        }

        @Override
        public void release() {
            // the prompt's cache lives as long as the batch: it is the only one
        }
    };
    private float[] stepLogits;
    private long backendNanos;
    private boolean closed;

    /** Allocates everything (a CUDA out-of-memory error leaves the freeing to the caller) and prefills the prompt. */
    CudaBatch(CudaEngine engine, DeviceMemory memory, int[] prompt, int slots, int maxNew) {
        ModelConfig c = engine.config();
        this.engine = engine;
        this.k = engine.kernels();
        this.w = engine.weights();
        this.memory = memory;
        this.slots = slots;
        this.promptLen = prompt.length;
        this.maxNew = maxNew;
        this.vocab = c.vocabSize();
        this.hidden = c.hiddenSize();
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.headDim = c.headDim();
        this.inter = c.intermediateSize();
        this.qkvDim = (heads + 2 * kvHeads) * headDim;
        this.eps = (float) c.rmsNormEps();

        long rows = Math.max(promptLen, slots);
        tokens = memory.alloc(4 * rows);
        lengths = memory.alloc(4L * slots);
        tokensPinned = memory.pinned(4L * slots);
        lengthsPinned = memory.pinned(4L * slots);
        tokensHost = tokensPinned.buffer().asIntBuffer();
        lengthsHost = lengthsPinned.buffer().asIntBuffer();
        int element = DeviceWeights.bytesPerElement(engine.precision());  // of the GEMM inputs and the KV cache
        x = memory.alloc(4 * rows * hidden);
        xn = memory.alloc(element * rows * hidden);
        qkv = memory.alloc(4 * rows * qkvDim);
        attn = memory.alloc(element * rows * heads * headDim);
        gateUp = memory.alloc(4 * rows * 2 * inter);
        act = memory.alloc(element * rows * inter);
        logits = memory.alloc(4L * slots * vocab);
        firstLogits = memory.alloc(4L * vocab);
        history = memory.alloc(4L * slots * vocab);  // as large as the logits: allocated with the batch's memory
        promptHistory = memory.alloc(4L * vocab);
        maxBans = Math.min(vocab, promptLen + maxNew);
        bans = memory.alloc(4L * slots * maxBans);
        workspace = memory.alloc(4L * Math.max(workspaceFloats(promptLen), workspaceFloats(slots)));
        int layers = c.numLayers();
        promptK = new CUdeviceptr[layers];
        promptV = new CUdeviceptr[layers];
        slotK = new CUdeviceptr[layers];
        slotV = new CUdeviceptr[layers];
        for (int l = 0; l < layers; l++) {
            promptK[l] = memory.alloc((long) element * kvHeads * promptLen * headDim);
            promptV[l] = memory.alloc((long) element * kvHeads * promptLen * headDim);
            slotK[l] = memory.alloc((long) element * slots * kvHeads * maxNew * headDim);
            slotV[l] = memory.alloc((long) element * slots * kvHeads * maxNew * headDim);
        }
        sampler = new DeviceSampler(k, memory, slots, vocab);
        length = new int[slots];
        this.prompt = prompt.clone();
        fed = new int[slots][];
        promptLogits = new float[vocab];

        long t0 = System.nanoTime();
        cuMemcpyHtoD(tokens, Pointer.to(prompt), 4L * promptLen);
        forward(promptLen, false);
        cuMemcpyDtoH(Pointer.to(promptLogits), logits, 4L * vocab);
        backendNanos += System.nanoTime() - t0;
    }

    /** The split-K workspace the GEMMs of {@link #forward} need over {@code rows} rows (the largest of them). */
    private long workspaceFloats(int rows) {
        long[] each = {
            k.workspaceFloats(rows, qkvDim, hidden),
            k.workspaceFloats(rows, hidden, heads * headDim),
            k.workspaceFloats(rows, 2 * inter, hidden),
            k.workspaceFloats(rows, hidden, inter),
            k.workspaceFloats(1, vocab, hidden),
            k.workspaceFloats(rows, vocab, hidden),
        };
        long most = 0;
        for (long floats : each) {
            most = Math.max(most, floats);
        }
        return most;
    }

    /**
     * The model over {@code rows} rows, leaving next-token logits in {@link #logits}. Prefill: the rows are the
     * prompt's positions (causal attention; only the last row's logits). Decode: the rows are the slots, each one
     * token at its own position.
     */
    private void forward(int rows, boolean decode) {
        int layers = w.layers.size();
        k.embed(tokens, w.embedding, x, rows, hidden, vocab);
        k.rmsnorm(x, w.layers.get(0).attnNorm(), xn, rows, hidden, eps);
        for (int l = 0; l < layers; l++) {
            DeviceWeights.Layer layer = w.layers.get(l);
            if (layer.qNorm() == null) {
                k.gemmRopeStore(xn, layer.qkv(), layer.qkvBias(), qkv, rows, hidden, w.invFreq, heads, kvHeads,
                        headDim, promptK[l], promptV[l], promptLen, slotK[l], slotV[l], maxNew, lengths, decode,
                        workspace);
            } else {  // Qwen3: each query and key head is normed between the projection and RoPE
                k.gemm(xn, layer.qkv(), layer.qkvBias(), qkv, rows, qkvDim, hidden, false, workspace);
                k.headNorm(qkv, layer.qNorm(), layer.kNorm(), rows, heads, kvHeads, headDim, eps);
                k.ropeStore(qkv, w.invFreq, rows, heads, kvHeads, headDim, promptK[l], promptV[l], promptLen,
                        slotK[l], slotV[l], maxNew, lengths, decode);
            }
            k.attention(qkv, attn, rows, heads, kvHeads, headDim, promptK[l], promptV[l], promptLen,
                    slotK[l], slotV[l], maxNew, lengths, decode);
            // x += attention, then xn = the MLP's norm of x
            k.gemmAddNorm(attn, layer.o(), w.zeros, x, layer.mlpNorm(), xn, rows, hidden, heads * headDim, eps,
                    workspace);
            k.gemmSwiglu(xn, layer.gateUp(), w.zeros, gateUp, act, rows, inter, hidden, workspace);
            if (l + 1 < layers || decode) {
                // x += MLP, then xn = the next layer's norm of x, or the final norm of every slot's row
                CUdeviceptr next = l + 1 < layers ? w.layers.get(l + 1).attnNorm() : w.finalNorm;
                k.gemmAddNorm(act, layer.down(), w.zeros, x, next, xn, rows, hidden, inter, eps, workspace);
            } else {
                // prefill: only the last position's logits are wanted
                k.gemm(act, layer.down(), w.zeros, x, rows, hidden, inter, true, workspace);
                k.rmsnorm(x.withByteOffset(4L * (rows - 1) * hidden), w.finalNorm, xn, 1, hidden, eps);
            }
        }
        k.gemm(xn, w.lmHead, w.zeros, logits, decode ? rows : 1, vocab, hidden, false, workspace);
    }

    /**
     * The decode forward over all slots. Its launches are the same at every step (sizes and buffers are fixed per
     * batch; tokens and lengths are read from device memory), so the first step records them as a graph that the
     * later steps replay; if recording or the first replay fails, the engine says so once and launches one by one
     * from then on.
     */
    private void forwardDecode() {
        if (decodeStep != null) {
            decodeStep.replay();
            return;
        }
        if (engine.graphs()) {
            Kernels.Replay recorded = null;
            try {
                recorded = k.record(() -> forward(slots, true));
                if (recorded != null) {
                    recorded.replay();  // part of the trial: a launch that throws has run nothing
                    decodeStep = recorded;
                    return;
                }
            } catch (RuntimeException e) {
                if (recorded != null) {
                    try {
                        recorded.close();
                    } catch (RuntimeException closing) {
                        e.addSuppressed(closing);
                    }
                }
                engine.graphsFailed(e);
            }
        }
        forward(slots, true);
    }

    /** Feeds each active slot's token at its own next position. */
    private void decode(int[] tokenIds, boolean[] active) {
        for (int s = 0; s < slots; s++) {
            if (active[s] && length[s] >= maxNew) {
                throw new IllegalStateException("slot " + s + " already holds " + length[s]
                        + " tokens, as many as the batch was started for");
            }
            if (active[s] && (tokenIds[s] < 0 || tokenIds[s] >= vocab)) {
                throw new IllegalArgumentException("token " + tokenIds[s] + " of slot " + s + " is outside the "
                        + vocab + "-token vocabulary");
            }
            tokensHost.put(s, active[s] ? tokenIds[s] : 0);
            lengthsHost.put(s, active[s] ? length[s] : -1);
        }
        // asynchronous, in order before the step's kernels; the pinned buffers are written again only after the
        // step's results came back
        cuMemcpyHtoDAsync(tokens, tokensPinned.pointer(), 4L * slots, Kernels.DEFAULT_STREAM);
        cuMemcpyHtoDAsync(lengths, lengthsPinned.pointer(), 4L * slots, Kernels.DEFAULT_STREAM);
        forwardDecode();
        for (int s = 0; s < slots; s++) {
            if (active[s]) {
                if (fed[s] == null || fed[s].length == length[s]) {
                    fed[s] = Arrays.copyOf(fed[s] == null ? new int[0] : fed[s],
                            Math.min(maxNew, Math.max(16, 2 * length[s])));
                }
                fed[s][length[s]] = tokenIds[s];
                length[s]++;
            }
        }
    }

    /**
     * The penalties (repetition, presence, frequency) on the logits of the step just decoded. Each slot's history is
     * kept on the device, the step's own tokens counted by the kernel; after a step without penalties it is written
     * again from the prompt and the tokens fed before this step.
     */
    private void penalize(SamplingParams params) {
        if (!historyCurrent) {
            int[] promptRow = promptRow();
            cuMemcpyHtoD(promptHistory, Pointer.to(promptRow), 4L * vocab);
            int[] row = new int[vocab];
            for (int s = 0; s < slots; s++) {  // a row at a time: no host array of slots x vocab
                System.arraycopy(promptRow, 0, row, 0, vocab);
                // the chain's tokens before this step: the kernel counts an active slot's token of this step itself
                writeHistory(s, row, lengthsHost.get(s) >= 0 ? length[s] - 1 : length[s]);
            }
            historyCurrent = true;
        }
        k.penalize(logits, history, tokens, lengths, slots, vocab, params);
    }

    /**
     * Sets to -infinity the logits of the tokens that would repeat an n-gram of each active slot's sequence (the
     * prompt and the tokens fed to it), found on the host, which knows them; only the lists cross, as [slots, width]
     * with width the longest of them.
     */
    private void banRepeatedNgrams(int n, boolean[] active) {
        int[][] each = new int[slots][];
        int width = 0;
        for (int s = 0; s < slots; s++) {
            each[s] = active[s] ? RepeatedNgrams.banned(n, prompt, fed[s], length[s]) : new int[0];
            width = Math.max(width, each[s].length);
        }
        if (width == 0) {
            return;
        }
        int[] rows = new int[slots * width];
        Arrays.fill(rows, -1);
        for (int s = 0; s < slots; s++) {
            System.arraycopy(each[s], 0, rows, s * width, each[s].length);
        }
        cuMemcpyHtoD(bans, Pointer.to(rows), 4L * rows.length);
        k.ban(logits, bans, slots, width, vocab);
    }

    /** The prompt's history row (1 for each of its tokens), made at the first penalized step and kept. */
    private int[] promptRow() {
        if (promptRow == null) {
            promptRow = new int[vocab];
            for (int t : prompt) {
                if (inVocabulary(t)) {
                    promptRow[t] = 1;
                }
            }
        }
        return promptRow;
    }

    /** Writes slot {@code s}'s history row: {@code row} (the prompt's counts) plus its first {@code count} fed tokens. */
    private void writeHistory(int s, int[] row, int count) {
        for (int i = 0; fed[s] != null && i < count; i++) {
            if (inVocabulary(fed[s][i])) {
                row[fed[s][i]] += 2;
            }
        }
        cuMemcpyHtoD(history.withByteOffset(4L * s * vocab), Pointer.to(row), 4L * vocab);
    }

    /** Whether a token has a logit: the embedding reads an id past the vocabulary as zeros. */
    private boolean inVocabulary(int id) {
        return id >= 0 && id < vocab;
    }

    @Override
    public float[] step(int[] tokenIds, boolean[] active) {
        return onDevice(() -> {
            decode(tokenIds, active);
            historyCurrent = false;
            if (stepLogits == null) {
                stepLogits = new float[slots * vocab];
            }
            cuMemcpyDtoH(Pointer.to(stepLogits), logits, 4L * slots * vocab);
            return stepLogits;
        });
    }

    /** Runs work on this batch's context, its time counted as the backend's; a CUDA error says it was a step's. */
    private <T> T onDevice(Supplier<T> work) {
        engine.bind();
        long t0 = System.nanoTime();
        try {
            return work.get();
        } catch (CudaException e) {
            throw failed(e);
        } finally {
            backendNanos += System.nanoTime() - t0;
        }
    }

    @Override
    public boolean samplesOnDevice() {
        return true;
    }

    @Override
    public TokenChoice[] stepAndSample(int[] tokenIds, boolean[] active, double[] uniforms, SamplingParams params,
                                       int topLogprobs) {
        return onDevice(() -> {
            decode(tokenIds, active);
            if (params.penalizes()) {
                penalize(params);
            } else {
                historyCurrent = false;
            }
            if (params.bansRepeatedNgrams()) {
                banRepeatedNgrams(params.noRepeatNgramSize(), active);
            }
            return sampler.sample(logits, active, uniforms, params, topLogprobs);
        });
    }

    @Override
    public TokenChoice[] sampleFirst(float[] firstLogits, boolean[] starting, double[] uniforms,
                                     SamplingParams params, int topLogprobs) {
        if (firstLogits.length != vocab) {
            throw new IllegalArgumentException("first logits hold " + firstLogits.length + " values, not the "
                    + vocab + " of the vocabulary");
        }
        return onDevice(() -> {
            if (firstLogits != firstUploaded) {
                cuMemcpyHtoD(this.firstLogits, Pointer.to(firstLogits), 4L * vocab);
                firstUploaded = firstLogits;
            }
            return sampler.sampleOneRow(this.firstLogits, starting, uniforms, params, topLogprobs);
        });
    }

    /** Samples the logits of the last step again (tests compare the device's draws with the host sampler's). */
    TokenChoice[] sampleLastLogits(boolean[] active, double[] uniforms, SamplingParams params, int topLogprobs) {
        engine.bind();
        return sampler.sample(logits, active, uniforms, params, topLogprobs);
    }

    private static IllegalStateException failed(CudaException e) {
        return new IllegalStateException("CUDA failed in a decode step: " + e.getMessage()
                + (Kernels.DEBUG ? "" : " (REASON_CUDA_DEBUG=1 names the kernel)"), e);
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    /** The batch's one prompt, on the device until the batch closes. */
    @Override
    public Prefill prompt() {
        return handle;
    }

    @Override
    public void startChain(int slot, Prefill from) {
        if (from != handle) {
            throw new IllegalArgumentException("a CUDA batch decodes chains of its own prompt only");
        }
        length[slot] = 0;
        if (historyCurrent) {
            engine.bind();
            try {
                cuMemcpyDtoD(history.withByteOffset(4L * slot * vocab), promptHistory, 4L * vocab);
            } catch (CudaException e) {
                throw failed(e);
            }
        }
    }

    /** Shortens the slot's own cache; a history kept on the device gets the slot's row written again. */
    @Override
    public void rewind(int slot, int keep) {
        if (keep < 0 || keep > length[slot]) {
            throw new IllegalArgumentException("slot " + slot + " holds " + length[slot] + " tokens of its own,"
                    + " cannot keep " + keep);
        }
        length[slot] = keep;
        if (historyCurrent) {
            engine.bind();
            try {
                writeHistory(slot, promptRow().clone(), keep);
            } catch (CudaException e) {
                throw failed(e);
            }
        }
    }

    @Override
    public long backendNanos() {
        return backendNanos;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            engine.bind();
            try {
                if (decodeStep != null) {
                    decodeStep.close();
                }
            } finally {
                memory.close();
            }
        }
    }
}
