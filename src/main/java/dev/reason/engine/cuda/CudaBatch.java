package dev.reason.engine.cuda;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Prefill;
import dev.reason.model.ModelConfig;
import dev.reason.sampling.RepeatedNgrams;
import dev.reason.sampling.Sampler;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

/**
 * The decode rows of one batch on the GPU. Each prompt is prefilled once into a range of a per-layer prompt pool; each
 * slot appends its own tokens to its own cache and attention reads its prompt's range and its own cache, so a new
 * chain costs nothing but resetting its length, and chains of different prompts decode together. Buffers are
 * allocated up front for {@code slots} rows (activations for max(first prompt, slots) rows: a longer prompt is
 * prefilled in chunks of as many); the pool grows, packing the live prompts, when a new one finds no room.
 */
final class CudaBatch implements DecodeBatch {
    /** Chains starting together times the vocabulary from which their first draws go to the device. */
    private static final long FIRST_DRAWS_ON_DEVICE = 65_536;

    private final CudaEngine engine;
    private final Kernels k;
    private final DeviceWeights w;
    private final DeviceMemory memory;
    private final int slots;
    private final int maxNew;
    private final int vocab;
    private final int hidden;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int inter;
    private final int qkvDim;
    private final float eps;

    private final int rows;              // activation rows: max(first prompt, slots)
    private final CUdeviceptr tokens;    // [rows] token ids
    private final CUdeviceptr lengths;   // [slots] each slot's own cached tokens before this step; -1: inactive
    private final CUdeviceptr slotPrompts; // [slots, 2] the (start, length) in the pool of each slot's prompt
    private final CUdeviceptr prefillAt; // [2] a prefill chunk's prompt start in the pool and first position
    private final CUdeviceptr penalties; // [slots, 3] each slot's repetition, presence and frequency penalties
    private final IntBuffer tokensHost;
    private final IntBuffer lengthsHost;
    private final IntBuffer slotPromptsHost;
    private final FloatBuffer penaltiesHost;
    private final DeviceMemory.Pinned tokensPinned;
    private final DeviceMemory.Pinned lengthsPinned;
    private final DeviceMemory.Pinned slotPromptsPinned;
    private final DeviceMemory.Pinned penaltiesPinned;
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
    private CUdeviceptr bans;            // [slots, maxBans] ints: each slot's tokens that would repeat an n-gram, -1 pads
    private int maxBans;                 // the most a slot can have: one per token of its sequence
    private final CUdeviceptr workspace; // split-K partial sums of the GEMMs (Kernels.gemm)
    private int promptCap;               // the pool's positions per KV head
    private final CUdeviceptr[] promptK; // per layer [kvHeads, promptCap, headDim]: every live prompt's range
    private final CUdeviceptr[] promptV;
    private final List<Handle> live = new ArrayList<>();  // the prompts holding a range of the pool
    private final CUdeviceptr[] slotK;   // per layer [slots, kvHeads, maxNew, headDim]
    private final CUdeviceptr[] slotV;
    private final DeviceSampler sampler;
    private Kernels.Replay decodeStep;   // the decode forward as a CUDA graph, recorded at the first step

    private final int[] length;          // per slot: tokens in its own cache
    private final Handle[] slotPrompt;   // per slot: the prompt its chain continues, null when it has none
    private final int[][] fed;           // per slot, the tokens fed since its chain started (grown as they come)
    private boolean historyCurrent;      // whether history holds them: penalized steps keep it so, the others do not
    private final Handle first;
    private final TokenChoice[] drawn;   // a step's draws, gathered from the sampler's runs (one per sampling setting)
    private final boolean[] done;        // scratch of stepAndSample: slots drawn already, and those of one setting
    private final boolean[] group;
    private float[] stepLogits;
    private long backendNanos;
    private boolean closed;

    /** A prompt in the pool: its range, its next-token logits and the chains that read it. */
    private final class Handle implements Prefill {
        final int[] tokens;
        final float[] logits;
        int start;
        int chains;
        boolean released;
        int[] historyRow;  // 1 for each of its tokens: where a chain's penalty history starts (made when first needed)

        Handle(int[] tokens, int start) {
            this.tokens = tokens.clone();
            this.start = start;
            this.logits = new float[vocab];
        }

        @Override
        public int length() {
            return tokens.length;
        }

        @Override
        public float[] logits() {
            return logits.clone();
        }

        @Override
        public void release() {
            released = true;
            freeIfDone(this);
        }

        int[] historyRow() {
            if (historyRow == null) {
                historyRow = new int[vocab];
                for (int t : tokens) {
                    if (inVocabulary(t)) {
                        historyRow[t] = 1;
                    }
                }
            }
            return historyRow;
        }
    }

    /** Allocates everything (a CUDA out-of-memory error leaves the freeing to the caller) and prefills the prompt. */
    CudaBatch(CudaEngine engine, DeviceMemory memory, int[] prompt, int slots, int maxNew) {
        ModelConfig c = engine.config();
        this.engine = engine;
        this.k = engine.kernels();
        this.w = engine.weights();
        this.memory = memory;
        this.slots = slots;
        this.maxNew = maxNew;
        this.vocab = c.vocabSize();
        this.hidden = c.hiddenSize();
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.headDim = c.headDim();
        this.inter = c.intermediateSize();
        this.qkvDim = (heads + 2 * kvHeads) * headDim;
        this.eps = (float) c.rmsNormEps();

        this.rows = Math.max(prompt.length, slots);
        long rows = this.rows;
        tokens = memory.alloc(4 * rows);
        lengths = memory.alloc(4L * slots);
        slotPrompts = memory.alloc(8L * slots);
        prefillAt = memory.alloc(8);
        penalties = memory.alloc(12L * slots);
        tokensPinned = memory.pinned(4L * slots);
        lengthsPinned = memory.pinned(4L * slots);
        slotPromptsPinned = memory.pinned(8L * slots);
        penaltiesPinned = memory.pinned(12L * slots);
        tokensHost = tokensPinned.buffer().asIntBuffer();
        lengthsHost = lengthsPinned.buffer().asIntBuffer();
        slotPromptsHost = slotPromptsPinned.buffer().asIntBuffer();
        penaltiesHost = penaltiesPinned.buffer().asFloatBuffer();
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
        maxBans = Math.min(vocab, prompt.length + maxNew);
        bans = memory.alloc(4L * slots * maxBans);
        workspace = memory.alloc(4L * Math.max(workspaceFloats(this.rows), workspaceFloats(slots)));
        int layers = c.numLayers();
        promptCap = prompt.length;
        promptK = new CUdeviceptr[layers];
        promptV = new CUdeviceptr[layers];
        slotK = new CUdeviceptr[layers];
        slotV = new CUdeviceptr[layers];
        for (int l = 0; l < layers; l++) {
            promptK[l] = memory.alloc(poolBytes(promptCap));
            promptV[l] = memory.alloc(poolBytes(promptCap));
            slotK[l] = memory.alloc((long) element * slots * kvHeads * maxNew * headDim);
            slotV[l] = memory.alloc((long) element * slots * kvHeads * maxNew * headDim);
        }
        sampler = new DeviceSampler(k, memory, slots, vocab);
        length = new int[slots];
        slotPrompt = new Handle[slots];
        fed = new int[slots][];
        drawn = new TokenChoice[slots];
        done = new boolean[slots];
        group = new boolean[slots];

        long t0 = System.nanoTime();
        first = new Handle(prompt, 0);
        live.add(first);
        run(first);
        backendNanos += System.nanoTime() - t0;
    }

    /** Bytes of one layer's keys (or values) in a pool of {@code positions} per KV head. */
    private long poolBytes(long positions) {
        return (long) DeviceWeights.bytesPerElement(engine.precision()) * kvHeads * positions * headDim;
    }

    /**
     * Runs a placed prompt through the model in chunks of up to {@link #rows} positions, each attending to the
     * positions cached before it, and keeps the last position's logits.
     */
    private void run(Handle h) {
        int n = h.tokens.length;
        for (int done = 0; done < n; ) {
            int chunk = Math.min(rows, n - done);
            cuMemcpyHtoD(tokens, Pointer.to(Arrays.copyOfRange(h.tokens, done, done + chunk)), 4L * chunk);
            cuMemcpyHtoD(prefillAt, Pointer.to(new int[] {h.start, done}), 8);
            forward(chunk, false);
            done += chunk;
        }
        cuMemcpyDtoH(Pointer.to(h.logits), logits, 4L * vocab);
    }

    @Override
    public Prefill prefill(int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prefill needs a prompt");
        }
        for (int t : prompt) {
            if (!inVocabulary(t)) {
                throw new IllegalArgumentException("prompt token " + t + " is outside the " + vocab
                        + "-token vocabulary");
            }
        }
        return onDevice(() -> {
            if (prompt.length + maxNew > maxBans && maxBans < vocab) {  // the n-gram ban's lists: one per token at most
                memory.free(bans);
                maxBans = Math.min(vocab, prompt.length + maxNew);
                bans = memory.alloc(4L * slots * maxBans);
            }
            Handle h = new Handle(prompt, place(prompt.length));
            live.add(h);
            run(h);
            return h;
        });
    }

    /** The start of a free range of {@code n} positions in the pool, grown (live prompts packed) where none is. */
    private int place(int n) {
        live.sort(Comparator.comparingInt(h -> h.start));
        int end = 0;
        for (Handle h : live) {
            if (h.start - end >= n) {
                return end;
            }
            end = h.start + h.tokens.length;
        }
        if (promptCap - end >= n) {
            return end;
        }
        int used = 0;
        for (Handle h : live) {
            used += h.tokens.length;
        }
        grow(Math.max(2 * promptCap, used + n));
        return used;
    }

    /**
     * Moves the live prompts, packed from position 0, into a pool of {@code cap} positions a KV head. The decode graph
     * reads the old pool and its size: it is recorded again at the next step.
     */
    private void grow(int cap) {
        long element = DeviceWeights.bytesPerElement(engine.precision());
        long row = element * headDim;
        for (int l = 0; l < promptK.length; l++) {
            for (CUdeviceptr[] pool : List.of(promptK, promptV)) {
                CUdeviceptr old = pool[l];
                CUdeviceptr grown = memory.alloc(poolBytes(cap));
                int at = 0;
                for (Handle h : live) {
                    for (int g = 0; g < kvHeads; g++) {
                        cuMemcpyDtoD(grown.withByteOffset(row * ((long) g * cap + at)),
                                old.withByteOffset(row * ((long) g * promptCap + h.start)), row * h.tokens.length);
                    }
                    at += h.tokens.length;
                }
                memory.free(old);
                pool[l] = grown;
            }
        }
        int at = 0;
        for (Handle h : live) {
            h.start = at;
            at += h.tokens.length;
        }
        promptCap = cap;
        if (decodeStep != null) {
            decodeStep.close();
            decodeStep = null;
        }
    }

    /** A released prompt leaves the pool with its last chain. */
    private void freeIfDone(Handle h) {
        if (h.released && h.chains == 0) {
            live.remove(h);
        }
    }

    /** Slot {@code slot} no longer continues its prompt. */
    private void detach(int slot) {
        Handle h = slotPrompt[slot];
        if (h != null) {
            slotPrompt[slot] = null;
            h.chains--;
            freeIfDone(h);
        }
    }

    /** The slots' caches, and a pool up to twice the prompts' tokens with, while it grows, the old one beside it. */
    @Override
    public long kvBytes(long promptTokens, int longestPrompt) {
        return engine.kvBytesPerToken() * (3 * promptTokens + (long) slots * maxNew);
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
     * The model over {@code rows} rows, leaving next-token logits in {@link #logits}. Prefill: the rows are positions
     * of the prompt that {@link #prefillAt} places (causal attention; only the last row's logits). Decode: the rows are
     * the slots, each one token at its own position after its own prompt.
     */
    private void forward(int rows, boolean decode) {
        CUdeviceptr prompts = decode ? slotPrompts : prefillAt;
        int layers = w.layers.size();
        k.embed(tokens, w.embedding, x, rows, hidden, vocab);
        k.rmsnorm(x, w.layers.get(0).attnNorm(), xn, rows, hidden, eps);
        for (int l = 0; l < layers; l++) {
            DeviceWeights.Layer layer = w.layers.get(l);
            if (layer.qNorm() == null) {
                k.gemmRopeStore(xn, layer.qkv(), layer.qkvBias(), qkv, rows, hidden, w.invFreq, heads, kvHeads,
                        headDim, promptK[l], promptV[l], promptCap, prompts, slotK[l], slotV[l], maxNew, lengths,
                        decode, workspace);
            } else {  // Qwen3: each query and key head is normed between the projection and RoPE
                k.gemm(xn, layer.qkv(), layer.qkvBias(), qkv, rows, qkvDim, hidden, false, workspace);
                k.headNorm(qkv, layer.qNorm(), layer.kNorm(), rows, heads, kvHeads, headDim, eps);
                k.ropeStore(qkv, w.invFreq, rows, heads, kvHeads, headDim, promptK[l], promptV[l], promptCap,
                        prompts, slotK[l], slotV[l], maxNew, lengths, decode);
            }
            k.attention(qkv, attn, rows, heads, kvHeads, headDim, promptK[l], promptV[l], promptCap, prompts,
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
            if (active[s] && slotPrompt[s] == null) {
                throw new IllegalStateException("slot " + s + " is fed a token but holds no chain: startChain first");
            }
            tokensHost.put(s, active[s] ? tokenIds[s] : 0);
            lengthsHost.put(s, active[s] ? length[s] : -1);
            slotPromptsHost.put(2 * s, active[s] ? slotPrompt[s].start : 0);
            slotPromptsHost.put(2 * s + 1, active[s] ? slotPrompt[s].tokens.length : 0);
        }
        // asynchronous, in order before the step's kernels; the pinned buffers are written again only after the
        // step's results came back
        cuMemcpyHtoDAsync(tokens, tokensPinned.pointer(), 4L * slots, Kernels.DEFAULT_STREAM);
        cuMemcpyHtoDAsync(lengths, lengthsPinned.pointer(), 4L * slots, Kernels.DEFAULT_STREAM);
        cuMemcpyHtoDAsync(slotPrompts, slotPromptsPinned.pointer(), 8L * slots, Kernels.DEFAULT_STREAM);
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
     * The penalties (repetition, presence, frequency) on the logits of the step just decoded, each slot's own
     * ({@code params[slot]}; a slot without penalties gets none). Each slot's history is kept on the device, the
     * step's own tokens counted by the kernel; after a step without penalties it is written again from the slot's
     * prompt and the tokens fed before this step.
     */
    private void penalize(SamplingParams[] params, boolean[] active) {
        if (!historyCurrent) {
            int[] row = new int[vocab];
            for (int s = 0; s < slots; s++) {  // a row at a time: no host array of slots x vocab
                if (slotPrompt[s] == null) {
                    continue;  // written when a chain starts in it
                }
                System.arraycopy(slotPrompt[s].historyRow(), 0, row, 0, vocab);
                // the chain's tokens before this step: the kernel counts an active slot's token of this step itself
                writeHistory(s, row, lengthsHost.get(s) >= 0 ? length[s] - 1 : length[s]);
            }
            historyCurrent = true;
        }
        for (int s = 0; s < slots; s++) {
            SamplingParams p = active[s] ? params[s] : null;
            penaltiesHost.put(3 * s, p != null ? p.repetitionPenalty() : 1f);
            penaltiesHost.put(3 * s + 1, p != null ? p.presencePenalty() : 0f);
            penaltiesHost.put(3 * s + 2, p != null ? p.frequencyPenalty() : 0f);
        }
        cuMemcpyHtoDAsync(penalties, penaltiesPinned.pointer(), 12L * slots, Kernels.DEFAULT_STREAM);
        k.penalize(logits, history, tokens, lengths, slots, vocab, penalties);
    }

    /**
     * Sets to -infinity the logits of the tokens that would repeat an n-gram of each active slot's sequence (its
     * prompt and the tokens fed to it, n its own setting), found on the host, which knows them; only the lists cross,
     * as [slots, width] with width the longest of them.
     */
    private void banRepeatedNgrams(SamplingParams[] params, boolean[] active) {
        int[][] each = new int[slots][];
        int width = 0;
        for (int s = 0; s < slots; s++) {
            int n = active[s] ? params[s].noRepeatNgramSize() : 0;
            each[s] = n > 0 ? RepeatedNgrams.banned(n, slotPrompt[s].tokens, fed[s], length[s]) : new int[0];
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

    /** Writes slot {@code s}'s history row: {@code row} (its prompt's counts) plus its first {@code count} fed tokens. */
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
    public TokenChoice[] stepAndSample(int[] tokenIds, boolean[] active, double[] uniforms, SamplingParams[] params,
                                       int[] topLogprobs) {
        return onDevice(() -> {
            decode(tokenIds, active);
            boolean penalizes = false;
            boolean bans = false;
            for (int s = 0; s < slots; s++) {
                penalizes |= active[s] && params[s].penalizes();
                bans |= active[s] && params[s].bansRepeatedNgrams();
            }
            if (penalizes) {
                penalize(params, active);
            } else {
                historyCurrent = false;
            }
            if (bans) {
                banRepeatedNgrams(params, active);
            }
            // one run of the sampler for each setting among the active slots: most batches have one
            Arrays.fill(done, false);
            Arrays.fill(group, false);
            Arrays.fill(drawn, null);
            for (int s = 0; s < slots; s++) {
                if (!active[s] || done[s]) {
                    continue;
                }
                for (int t = s; t < slots; t++) {
                    group[t] = active[t] && !done[t] && params[t].equals(params[s]) && topLogprobs[t] == topLogprobs[s];
                    done[t] |= group[t];
                }
                TokenChoice[] got = sampler.sample(logits, group, uniforms, params[s], topLogprobs[s]);
                for (int t = s; t < slots; t++) {
                    if (group[t]) {
                        drawn[t] = got[t];
                    }
                }
                Arrays.fill(group, false);
            }
            return drawn;
        });
    }

    /**
     * New chains' first tokens: drawn on the device when that saves time, since the host sampler reads the whole
     * vocabulary for each chain and a device draw costs one round trip for all of them (docs/gpu.md); else on the host.
     */
    @Override
    public TokenChoice[] sampleFirst(float[] firstLogits, boolean[] starting, double[] uniforms,
                                     SamplingParams params, int topLogprobs) {
        int count = 0;
        for (boolean s : starting) {
            count += s ? 1 : 0;
        }
        if ((long) count * vocab >= FIRST_DRAWS_ON_DEVICE) {
            return sampleFirstOnDevice(firstLogits, starting, uniforms, params, topLogprobs);
        }
        Sampler host = new Sampler(params, topLogprobs);
        TokenChoice[] out = new TokenChoice[slots];
        for (int s = 0; s < slots; s++) {
            if (starting[s]) {
                out[s] = host.sample(firstLogits, 0, vocab, uniforms[s]);
            }
        }
        return out;
    }

    /** The first draws on the device, however few (tests check the kernels' path with the shipped model's vocabulary). */
    TokenChoice[] sampleFirstOnDevice(float[] firstLogits, boolean[] starting, double[] uniforms,
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

    /** The prompt the batch was opened with. */
    @Override
    public Prefill prompt() {
        return first;
    }

    @Override
    public void startChain(int slot, Prefill from) {
        int i = live.indexOf(from);
        if (i < 0) {
            throw new IllegalArgumentException("a chain starts from a live prompt of this batch");
        }
        Handle h = live.get(i);
        detach(slot);
        slotPrompt[slot] = h;
        h.chains++;
        length[slot] = 0;
        if (historyCurrent) {
            engine.bind();
            try {
                cuMemcpyHtoD(history.withByteOffset(4L * slot * vocab), Pointer.to(h.historyRow()), 4L * vocab);
            } catch (CudaException e) {
                throw failed(e);
            }
        }
    }

    @Override
    public void endChain(int slot) {
        detach(slot);
    }

    /** Shortens the slot's own cache; a history kept on the device gets the slot's row written again. */
    @Override
    public void rewind(int slot, int keep) {
        if (keep < 0 || keep > length[slot]) {
            throw new IllegalArgumentException("slot " + slot + " holds " + length[slot] + " tokens of its own,"
                    + " cannot keep " + keep);
        }
        length[slot] = keep;
        if (historyCurrent && slotPrompt[slot] != null) {
            engine.bind();
            try {
                writeHistory(slot, slotPrompt[slot].historyRow().clone(), keep);
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
