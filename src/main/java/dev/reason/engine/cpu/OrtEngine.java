package dev.reason.engine.cpu;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.reason.engine.DecodeBatch;
import dev.reason.engine.DeviceException;
import dev.reason.engine.Engine;
import dev.reason.engine.Prefill;
import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import dev.reason.model.ModelException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The CPU engine: the model's own {@code model.onnx} run by ONNX Runtime, with the KV cache fed back. Optimum's
 * graphs return the whole cache each step ({@code present.*}); the recipe's append graphs return only the new
 * columns ({@code new_key_values.*}), which the batch writes into its cache in place; its GroupQueryAttention graphs
 * write each row's new column into the cache themselves ({@code seqlens_k} in, past and present one buffer).
 */
public final class OrtEngine implements Engine {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelConfig config;
    private final int threads;
    private final Io io;
    private final Consumer<String> notice;

    /** What the graph's interface holds beyond the Optimum layout's fixed part. */
    private record Io(boolean positionIds, FloatFormat kv, FloatFormat logits, Cache cache) {
    }

    /** How a graph hands the KV cache back. */
    private enum Cache {
        /** present.*: the past with the new columns, so ONNX Runtime copies the whole cache every step. */
        PRESENT,
        /** new_key_values.*: only the new columns, which the batch writes into its cache in place. */
        APPEND,
        /**
         * present.* bound to the past's own buffer, rows of their own lengths (seqlens_k): GroupQueryAttention writes
         * each row's new column in place and reads only that row's columns.
         */
        SHARED
    }

    private OrtEngine(OrtEnvironment env, OrtSession session, ModelConfig config, int threads, Io io,
                      Consumer<String> notice) {
        this.env = env;
        this.session = session;
        this.config = config;
        this.threads = threads;
        this.io = io;
        this.notice = notice;
    }

    /**
     * Loads the model's ONNX file and checks its inputs and outputs against {@code config.json}. {@code notice}
     * receives one line when a batch has to run fewer chains than asked (memory).
     */
    public static OrtEngine load(ModelDirectory model, int threads, Consumer<String> notice) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            String profile = System.getenv("REASON_ORT_PROFILE");
            if (profile != null && !profile.isBlank()) {  // where each node's time goes, for benchmarks/ort-profile.py
                options.enableProfiling(profile);
            }
            session = env.createSession(model.onnxFile().toString(), options);
        } catch (OrtException e) {
            throw new ModelException(model.onnxFile() + " cannot be loaded by ONNX Runtime ("
                    + e.getMessage().lines().findFirst().orElse("") + "): re-export the model");
        }
        try {
            Io io = checkIo(session, model.config(), model.onnxFile().getFileName().toString());
            return new OrtEngine(env, session, model.config(), threads, io, notice);
        } catch (OrtException e) {
            throw new ModelException("cannot read the inputs of " + model.onnxFile() + ": " + e.getMessage());
        } catch (ModelException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private static Io checkIo(OrtSession session, ModelConfig c, String file) throws OrtException {
        Map<String, NodeInfo> in = session.getInputInfo();
        Map<String, NodeInfo> out = session.getOutputInfo();
        boolean shared = in.containsKey("seqlens_k");
        String[] fixed = shared ? new String[] {"input_ids", "seqlens_k", "total_sequence_length"}
                : new String[] {"input_ids", "attention_mask"};
        for (String name : fixed) {
            if (!in.containsKey(name)) {
                throw new ModelException(file + " has no input \"" + name + "\": export it with the Optimum"
                        + " decoder layout (input_ids, attention_mask, past_key_values.*)");
            }
        }
        if (!out.containsKey("logits")) {
            throw new ModelException(file + " has no output \"logits\": export it with the Optimum decoder layout");
        }
        OnnxJavaType logitsType = ((TensorInfo) out.get("logits").getInfo()).type;
        FloatFormat logits = FloatFormat.of(logitsType);
        if (logits == null) {
            throw new ModelException(file + " gives its logits as " + logitsType
                    + ": the CPU engine reads fp32 or fp16 logits: re-export the model");
        }
        FloatFormat kvFormat = null;
        Cache cache = shared ? Cache.SHARED : out.containsKey("new_key_values.0.key") ? Cache.APPEND : Cache.PRESENT;
        String outPrefix = cache == Cache.APPEND ? "new_key_values." : "present.";
        for (int i = 0; i < c.numLayers(); i++) {
            for (String kv : new String[] {"key", "value"}) {
                String pastName = "past_key_values." + i + "." + kv;
                NodeInfo past = in.get(pastName);
                if (past == null || !out.containsKey(outPrefix + i + "." + kv)) {
                    throw new ModelException(file + " has no " + pastName + " / " + outPrefix + i + "." + kv
                            + " for layer " + i + " of the " + c.numLayers() + " in config.json: export it with"
                            + " past key values (Optimum's text-generation-with-past task)");
                }
                TensorInfo t = (TensorInfo) past.getInfo();
                long[] shape = t.getShape();
                if (t.type == OnnxJavaType.BFLOAT16) {
                    throw new ModelException(file + " keeps its KV cache in BFLOAT16: the CPU engine runs fp32 or fp16"
                            + " KV caches: choose such a file with --onnx (onnx-community's model.onnx, model_fp16.onnx,"
                            + " model_q4.onnx, ...), export with --dtype fp32 or fp16, or use --device cuda");
                }
                FloatFormat f = FloatFormat.of(t.type);
                if (f == null || shape.length != 4
                        || (shape[1] > 0 && shape[1] != c.numKvHeads()) || (shape[3] > 0 && shape[3] != c.headDim())) {
                    throw new ModelException(pastName + " in " + file + " is " + t.type + " " + Arrays.toString(shape)
                            + " but config.json says float or float16 [batch, " + c.numKvHeads() + ", past, "
                            + c.headDim() + "]: the files do not belong together");
                }
                if (kvFormat != null && f != kvFormat) {
                    throw new ModelException(file + " keeps layer 0's KV cache in " + kvFormat.label() + " and " + pastName
                            + " in " + f.label() + ": re-export the model with one precision");
                }
                kvFormat = f;
            }
        }
        if (in.size() != fixed.length + 2 * c.numLayers() + (in.containsKey("position_ids") ? 1 : 0)) {
            throw new ModelException(file + " has " + in.size() + " inputs, config.json implies "
                    + (fixed.length + 1 + 2 * c.numLayers()) + ": the files do not belong together");
        }
        return new Io(in.containsKey("position_ids"), kvFormat, logits, cache);
    }

    @Override
    public String device() {
        return "cpu";
    }

    @Override
    public int cpuThreads() {
        return threads;
    }

    @Override
    public String description() {
        return "cpu (ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion() + ", " + io.kv().label() + ", "
                + (io.cache() != Cache.PRESENT ? "cache in place, " : "") + threads + " threads)";
    }

    /**
     * Prefills the prompt and allocates {@code slots} decode rows, the whole KV cache up front (so a run cannot run
     * out of memory half-way); when the JVM's direct memory cannot hold them, halves the rows (down to one) and says
     * so through the notice, as the CUDA engine does with the GPU's.
     */
    @Override
    public DecodeBatch start(int[] prompt, int slots, int maxNewTokens) {
        for (int n = slots; ; n = Math.max(1, n / 2)) {
            try {
                Batch batch = new Batch(prompt, n, maxNewTokens);
                if (n < slots) {
                    notice.accept("cpu: memory holds " + n + " of the " + slots + " parallel chains asked for (prompt "
                            + prompt.length + " + " + maxNewTokens + " new tokens each, " + mebibytes(cacheBytes(
                            prompt.length, maxNewTokens)) + " of KV cache a chain; -XX:MaxDirectMemorySize in"
                            + " REASON_JAVA_OPTS raises the JVM's limit)");
                }
                return batch;
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
            } catch (OutOfMemoryError e) {
                if (n == 1) {
                    throw new DeviceException("--device cpu: one chain of a " + prompt.length + "-token prompt and "
                            + maxNewTokens + " new tokens needs " + mebibytes(cacheBytes(prompt.length, maxNewTokens))
                            + " of KV cache, more than the JVM may allocate: lower --max-tokens, or raise the limit"
                            + " with REASON_JAVA_OPTS=-XX:MaxDirectMemorySize=...");
                }
            }
        }
    }

    /** Bytes of one decode row's KV cache: keys and values of every layer at full length, twice but in place. */
    private long cacheBytes(int promptLen, int maxNewTokens) {
        long columns = Batch.columns(promptLen, maxNewTokens);
        return (io.cache() == Cache.SHARED ? 1L : 2L) * 2 * config.numLayers() * config.numKvHeads() * columns * config.headDim() * io.kv().bytes;
    }

    private static String mebibytes(long bytes) {
        double mib = bytes / 1048576.0;
        return String.format(Locale.ROOT, mib < 100 ? "%.1f MiB" : "%.0f MiB", mib);
    }

    @Override
    public void close() {
        if (System.getenv("REASON_ORT_PROFILE") != null) {
            try {
                System.err.println("cpu: ONNX Runtime's profile is in " + session.endProfiling());
            } catch (OrtException e) {
                System.err.println("cpu: ONNX Runtime wrote no profile: " + e.getMessage());
            }
        }
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException ignored) {
            // closing a session that failed half-way; nothing left to release
        }
    }

    private static LongBuffer longs(long n) {
        return longBytes(n).asLongBuffer();
    }

    /** A direct buffer for {@code n} longs, for those whose memory is freed by hand ({@link DirectBuffers}). */
    private static ByteBuffer longBytes(long n) {
        return ByteBuffer.allocateDirect(Math.toIntExact(n * 8)).order(ByteOrder.nativeOrder());
    }

    /** Prompt tokens per prefill run: a longer prompt runs in chunks (Batch.prefill). */
    static final int PREFILL_CHUNK = 256;

    /** A view of the first {@code n} elements, as ONNX Runtime wants a buffer exactly the tensor's size. */
    private static LongBuffer head(LongBuffer b, long n) {
        return b.duplicate().position(0).limit(Math.toIntExact(n)).slice();
    }

    private static IntBuffer head(IntBuffer b, long n) {
        return b.duplicate().position(0).limit(Math.toIntExact(n)).slice();
    }

    private static IntBuffer ints(int n) {
        return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asIntBuffer();
    }

    /**
     * Cache layout: per layer, key and value as [slots, kvHeads, length, headDim] in direct buffers of the graph's
     * own KV format (raw bytes, fp32 or fp16), used in place as ONNX Runtime inputs and written in place as its
     * pinned outputs (ping-pong between two buffers), so a decode step allocates nothing large. Each slot's row
     * holds its chain's prompt from column 0 and its own tokens from its start column on; the columns between are
     * masked. So slots decode chains of different prompts, of different lengths, together.
     *
     * <p>With an append graph the rows keep a fixed stride, {@code width} columns, of which the first {@code length}
     * are in use: ONNX Runtime reads the cache in place and returns only the step's new column, which goes into
     * column {@code length}. Only a compaction copies the cache, once every {@link #APPEND_SLACK} steps at most.
     *
     * <p>With a GroupQueryAttention graph the rows have a fixed stride, {@code capacity}, and lengths of their own: a
     * slot's prompt and then its own tokens fill its first {@code position} columns, with no gap, and the graph
     * writes each step's column after them, in the buffer it also reads as the past. Nothing is ever compacted, a
     * rewind only shortens the row, and a step reads each row's own columns, not the longest row's.
     */
    private final class Batch implements DecodeBatch {
        /** Free columns an append graph's rows get past the longest chain: masked, but read by every step. */
        static final int APPEND_SLACK = 32;
        private final boolean appends = io.cache() == Cache.APPEND;
        private final boolean shared = io.cache() == Cache.SHARED;
        private final int slots;
        private final int maxNew;
        private final int slack;
        private int capacity;
        private final int kvHeads = config.numKvHeads();
        private final int layers = config.numLayers();
        private final FloatFormat kvFormat = io.kv();
        private final FloatFormat logitsFormat = io.logits();
        /** Bytes of one cache column of one head. */
        private final int row = config.headDim() * kvFormat.bytes;
        private final int vocab;
        private final OrtPrefill first;
        private ByteBuffer[] cache; // [layer*2 + kv]
        private ByteBuffer[] spare;
        private int length;          // cache columns in use
        private int width;           // an append graph's row stride (columns); a present graph's is length
        private final ByteBuffer[] fresh;  // an append graph's new columns of a step: [slots, kvHeads, 1, headDim]
        private OnnxTensor[] freshTensors;
        private OnnxTensor[] inPlace;      // a shared cache's present tensors: the past's buffers again
        private final IntBuffer seqlens;   // a shared cache's row lengths before a step's column
        private final OrtPrefill[] prompt;  // per slot: its chain's prompt, null when free
        private final int[] promptLen;     // per slot: its prompt's columns, 0 when free
        private final int[] start;   // per slot: first column of its own tokens
        private final int[] position;
        private final LongBuffer ids;
        private final LongBuffer positions;
        private ByteBuffer maskBytes;  // the mask's memory: freed when a larger mask replaces it, and at close
        private LongBuffer mask;
        private final ByteBuffer logitsBuffer;
        private final float[] logits;
        private final OnnxTensor idsTensor;
        private final OnnxTensor positionsTensor;
        private final OnnxTensor logitsTensor;
        private long backendNanos;
        private final String[] pastNames = new String[2 * layers];
        private final String[] presentNames = new String[2 * layers];
        private final Map<String, OnnxTensor> inputs = new HashMap<>();
        private final Map<String, OnnxTensor> outputs = new HashMap<>();
        /** Tensors over the cache buffers at the current length; rebuilt after a compaction or a change of rows. */
        private OnnxTensor[] past;
        private int pastRows;
        /** The prompts prefilled here whose caches are not freed yet: the batch frees them when it closes. */
        private final List<OrtPrefill> prefills = new ArrayList<>();

        Batch(int[] prompt, int slots, int maxNewTokens) throws OrtException {
            this.slots = slots;
            this.maxNew = maxNewTokens;
            this.vocab = config.vocabSize();
            this.slack = slack(maxNewTokens);
            this.capacity = columns(prompt.length, maxNewTokens);
            for (int l = 0; l < layers; l++) {
                pastNames[2 * l] = "past_key_values." + l + ".key";
                pastNames[2 * l + 1] = "past_key_values." + l + ".value";
                String out = appends ? "new_key_values." : "present.";
                presentNames[2 * l] = out + l + ".key";
                presentNames[2 * l + 1] = out + l + ".value";
            }
            // the large buffers first, and native tensors last: running out of memory on the way leaks nothing
            cache = allocateCache();
            spare = shared ? new ByteBuffer[0] : allocateCache();
            fresh = new ByteBuffer[appends ? 2 * layers : 0];
            for (int i = 0; i < fresh.length; i++) {
                fresh[i] = kvFormat.allocate((long) slots * kvHeads * config.headDim());
            }
            this.prompt = new OrtPrefill[slots];
            promptLen = new int[slots];
            start = new int[slots];
            position = new int[slots];
            ids = longs(slots);
            positions = longs(slots);
            seqlens = ints(slots);
            maskBytes = longBytes(shared ? 0 : (long) slots * (capacity + 1));  // a shared cache has seqlens_k instead
            mask = maskBytes.asLongBuffer();
            logitsBuffer = logitsFormat.allocate((long) slots * vocab);
            logits = new float[slots * vocab];
            first = run(prompt);
            length = prompt.length;
            width = Math.min(capacity, length + APPEND_SLACK);
            idsTensor = OnnxTensor.createTensor(env, ids, new long[] {slots, 1});
            positionsTensor = OnnxTensor.createTensor(env, positions, new long[] {slots, 1});
            logitsTensor = logitsFormat.tensor(env, logitsBuffer, new long[] {slots, 1, vocab});
            inputs.put("input_ids", idsTensor);
            if (io.positionIds()) {
                inputs.put("position_ids", positionsTensor);
            }
            outputs.put("logits", logitsTensor);
        }

        /**
         * Columns beyond the longest chain, so that a compaction frees some before the next one is due. An eighth of
         * the chain limit: with every slot near the limit a compaction comes every maxNewTokens/8 steps, and it
         * copies the cache once, as every decode step does already (ONNX Runtime writes the whole past into the
         * present), so it costs under 1% of the steps between; a larger slack would only hold more memory.
         */
        static int slack(int maxNewTokens) {
            return Math.max(64, maxNewTokens / 8);
        }

        /** Cache columns a batch starts with: the prompt, the longest chain, the slack. */
        static int columns(int promptLen, int maxNewTokens) {
            return promptLen + maxNewTokens + slack(maxNewTokens);
        }

        /** The cache's bytes per token: keys and values of every layer. */
        private long tokenBytes() {
            return 2L * layers * kvHeads * row;
        }

        @Override
        public long kvBytes(long promptTokens, int longestPrompt) {
            long columns = Math.max(capacity, columns(longestPrompt, maxNew));
            // the prompts, then the cache and its spare (a shared cache has none)
            return tokenBytes() * (promptTokens + (shared ? 1 : 2) * slots * columns);
        }

        private ByteBuffer[] allocateCache() {
            ByteBuffer[] b = new ByteBuffer[2 * layers];
            for (int i = 0; i < b.length; i++) {
                b[i] = kvFormat.allocate((long) slots * kvHeads * capacity * config.headDim());
            }
            return b;
        }

        /**
         * Runs the prompt alone (batch 1) and keeps its KV rows for every chain: ONNX Runtime writes them straight
         * into the buffers kept. A long prompt runs in chunks of {@link #PREFILL_CHUNK} tokens, each on the cache of
         * the ones before, so that the logits of its positions ([chunk, vocab]: 150 MiB for 256 tokens of a
         * 152k-token vocabulary) and its attention scores never take the whole prompt's memory at once.
         */
        private OrtPrefill run(int[] prompt) throws OrtException {
            int p = prompt.length;
            long perBuffer = (long) kvHeads * p * config.headDim();
            ByteBuffer[] past = new ByteBuffer[2 * layers];  // ping-pong: each run's presents become the next one's past
            ByteBuffer[] present = new ByteBuffer[2 * layers];
            for (int i = 0; i < 2 * layers; i++) {
                past[i] = kvFormat.allocate(p > PREFILL_CHUNK ? perBuffer : 0);
                present[i] = kvFormat.allocate(perBuffer);
            }
            ByteBuffer chunkLogits = logitsFormat.allocate((long) Math.min(p, PREFILL_CHUNK) * vocab);
            ByteBuffer[] chunkKv = new ByteBuffer[appends ? 2 * layers : 0];  // an append graph's new columns
            for (int i = 0; i < chunkKv.length; i++) {
                chunkKv[i] = kvFormat.allocate((long) kvHeads * Math.min(p, PREFILL_CHUNK) * config.headDim());
            }
            LongBuffer ids = longs(PREFILL_CHUNK);
            LongBuffer positions = longs(PREFILL_CHUNK);
            LongBuffer ones = longs(p);
            for (int i = 0; i < p; i++) {
                ones.put(i, 1);
            }
            int n = 0;
            for (int done = 0; done < p; done += n) {
                n = Math.min(PREFILL_CHUNK, p - done);
                for (int i = 0; i < n; i++) {
                    ids.put(i, prompt[done + i]);
                    positions.put(i, done + i);
                }
                Map<String, OnnxTensor> in = new HashMap<>();
                Map<String, OnnxTensor> out = new HashMap<>();
                try {
                    in.put("input_ids", OnnxTensor.createTensor(env, head(ids, n), new long[] {1, n}));
                    if (shared) {  // the prompt's tokens so far, minus one, and the whole
                        in.put("seqlens_k", OnnxTensor.createTensor(env, IntBuffer.wrap(new int[] {done + n - 1}),
                                new long[] {1}));
                        in.put("total_sequence_length", OnnxTensor.createTensor(env, IntBuffer.wrap(new int[] {done + n}),
                                new long[0]));
                    } else {
                        in.put("attention_mask", OnnxTensor.createTensor(env, head(ones, done + n), new long[] {1, done + n}));
                    }
                    if (io.positionIds()) {
                        in.put("position_ids", OnnxTensor.createTensor(env, head(positions, n), new long[] {1, n}));
                    }
                    for (int i = 0; i < 2 * layers; i++) {
                        in.put(pastNames[i], kvFormat.tensor(env, past[i], new long[] {1, kvHeads, done, config.headDim()}));
                        out.put(presentNames[i], appends
                                ? kvFormat.tensor(env, chunkKv[i], new long[] {1, kvHeads, n, config.headDim()})
                                : kvFormat.tensor(env, present[i], new long[] {1, kvHeads, done + n, config.headDim()}));
                    }
                    out.put("logits", logitsFormat.tensor(env, chunkLogits, new long[] {1, n, vocab}));
                    long t0 = System.nanoTime();
                    session.run(in, out).close();
                    backendNanos += System.nanoTime() - t0;
                } finally {
                    in.values().forEach(OnnxTensor::close);
                    out.values().forEach(OnnxTensor::close);
                }
                for (int i = 0; i < chunkKv.length; i++) {  // the past, then the new columns, head by head
                    for (int h = 0; h < kvHeads; h++) {
                        present[i].put(h * (done + n) * row, past[i], h * done * row, done * row);
                        present[i].put((h * (done + n) + done) * row, chunkKv[i], h * n * row, n * row);
                    }
                }
                ByteBuffer[] t = past;
                past = present;
                present = t;
            }
            float[] last = new float[vocab];
            logitsFormat.read(chunkLogits, (n - 1) * vocab, vocab, last);
            DirectBuffers.free(present);  // the other half of the ping-pong
            DirectBuffers.free(chunkKv);
            DirectBuffers.free(chunkLogits);
            OrtPrefill kept = new OrtPrefill(past, p, last);  // the last run's presents: the whole prompt
            prefills.add(kept);
            return kept;
        }

        @Override
        public Prefill prompt() {
            return first;
        }

        @Override
        public Prefill prefill(int[] tokens) {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a prompt needs at least one token");
            }
            try {
                return run(tokens);
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed on a prompt: " + e.getMessage(), e);
            }
        }

        @Override
        public int slots() {
            return slots;
        }

        @Override
        public int vocabSize() {
            return vocab;
        }

        @Override
        public void startChain(int slot, Prefill p) {
            if (!(p instanceof OrtPrefill o) || o.kv == null) {
                throw new IllegalArgumentException("a chain starts from a live prompt of this batch");
            }
            endChain(slot);
            if (shared && o.length + 1 > capacity) {
                grow(o.length + 1);
            } else if (!shared && o.length > length) {
                relayout(o.length);  // the prompt's columns must exist in every row
            }
            for (int i = 0; i < 2 * layers; i++) {
                for (int h = 0; h < kvHeads; h++) {
                    cache[i].put((slot * kvHeads + h) * stride() * row, o.kv[i], h * o.length * row, o.length * row);
                }
            }
            o.chains++;
            prompt[slot] = o;
            promptLen[slot] = o.length;
            start[slot] = shared ? o.length : length;
            position[slot] = o.length;
        }

        @Override
        public void endChain(int slot) {
            OrtPrefill o = prompt[slot];
            if (o != null) {
                o.chains--;
                o.freeIfDone();
            }
            prompt[slot] = null;
            promptLen[slot] = 0;
            start[slot] = length;
            position[slot] = 0;
        }

        /** Moves the slot's kept columns to end at the current length, where its next token's column goes. */
        @Override
        public void rewind(int slot, int keep) {
            int own = shared ? position[slot] - promptLen[slot] : length - start[slot];
            if (keep < 0 || keep > own) {
                throw new IllegalArgumentException("slot " + slot + " holds " + own + " tokens of its own, cannot keep "
                        + keep);
            }
            if (shared) {  // the columns past the kept ones are overwritten by the next steps
                position[slot] = promptLen[slot] + keep;
                return;
            }
            int to = length - keep;
            if (keep > 0 && to != start[slot]) {
                byte[] kept = new byte[keep * row];  // the ranges overlap: copied through a buffer of their own
                for (int i = 0; i < 2 * layers; i++) {
                    for (int h = 0; h < kvHeads; h++) {
                        int base = (slot * kvHeads + h) * stride() * row;
                        cache[i].get(base + start[slot] * row, kept);
                        cache[i].put(base + to * row, kept);
                    }
                }
            }
            start[slot] = to;
            position[slot] = promptLen[slot] + keep;
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            int longest = 0;  // a shared cache's total_sequence_length
            if (shared) {
                longest = longestRow(active);
                if (longest > capacity) {
                    grow(longest);
                }
            } else {
                compactIfDue();
            }
            int stride = stride();
            int total = stride + 1;  // a mask's columns: the past's, then this step's
            // Only the rows up to the last active one run: slots past it hold no chain (a new chain takes the lowest
            // free slot), and the cache is row-major, so the first rows are a prefix of every buffer.
            int rows = 0;
            for (int s = 0; s < slots; s++) {
                rows = active[s] ? s + 1 : rows;
                ids.put(s, active[s] ? tokens[s] : 0);
                positions.put(s, position[s]);
                if (shared) {  // a row holds position[s] columns; this step's goes after them
                    seqlens.put(s, active[s] ? position[s] : 0);
                } else {
                    int maskRow = s * total;
                    for (int c = 0; c < total; c++) {
                        mask.put(maskRow + c, c < promptLen[s] || c >= start[s] && c < length || c == stride ? 1L : 0L);
                    }
                }
            }
            if (rows == 0) {
                return logits;  // nothing to run: every row's logits are meaningless
            }
            if (past == null || pastRows != rows) {
                closeAll(past);
                past = wrap(cache, stride, rows);
                closeAll(freshTensors);
                freshTensors = appends ? wrap(fresh, 1, rows) : null;
                closeAll(inPlace);
                inPlace = shared ? wrap(cache, stride, rows) : null;
                pastRows = rows;
            }
            OnnxTensor[] present = shared ? inPlace : appends ? freshTensors : wrap(spare, total, rows);
            List<OnnxTensor> perStep = new ArrayList<>();  // the tensors of this step alone, closed after it
            try {
                if (shared) {
                    perStep.add(OnnxTensor.createTensor(env, head(seqlens, rows), new long[] {rows}));
                    inputs.put("seqlens_k", perStep.get(0));
                    perStep.add(OnnxTensor.createTensor(env, IntBuffer.wrap(new int[] {longest}), new long[0]));
                    inputs.put("total_sequence_length", perStep.get(1));
                } else {
                    perStep.add(OnnxTensor.createTensor(env, head(mask, (long) rows * total), new long[] {rows, total}));
                    inputs.put("attention_mask", perStep.get(0));
                }
                OnnxTensor stepIds = idsTensor;
                OnnxTensor stepPositions = positionsTensor;
                OnnxTensor stepLogits = logitsTensor;
                if (rows < slots) {  // ids, positions and logits over the first rows
                    perStep.add(stepIds = OnnxTensor.createTensor(env, head(ids, rows), new long[] {rows, 1}));
                    perStep.add(stepPositions = OnnxTensor.createTensor(env, head(positions, rows), new long[] {rows, 1}));
                    perStep.add(stepLogits = logitsFormat.tensor(env, logitsBuffer, new long[] {rows, 1, vocab}));
                }
                inputs.put("input_ids", stepIds);
                if (io.positionIds()) {
                    inputs.put("position_ids", stepPositions);
                }
                outputs.put("logits", stepLogits);
                for (int i = 0; i < 2 * layers; i++) {
                    inputs.put(pastNames[i], past[i]);
                    outputs.put(presentNames[i], present[i]);
                }
                long t0 = System.nanoTime();
                session.run(inputs, outputs).close();
                backendNanos += System.nanoTime() - t0;
            } catch (OrtException e) {
                if (io.cache() == Cache.PRESENT) {
                    closeAll(present);
                }
                throw new IllegalStateException("ONNX Runtime failed in a decode step: " + e.getMessage(), e);
            } finally {
                perStep.forEach(OnnxTensor::close);
            }
            if (appends) {  // each row's new column goes in at column length; the past tensors stay as they are
                for (int i = 0; i < 2 * layers; i++) {
                    for (int r = 0; r < rows * kvHeads; r++) {
                        cache[i].put((r * stride + length) * row, fresh[i], r * row, row);
                    }
                }
            } else if (!shared) {  // this step's present tensors wrap the buffers that become the cache: the next step's past
                closeAll(past);
                past = present;
                ByteBuffer[] t = cache;
                cache = spare;
                spare = t;
            }
            length++;
            for (int s = 0; s < slots; s++) {
                position[s]++;
            }
            logitsFormat.read(logitsBuffer, 0, rows * vocab, logits);
            return logits;
        }

        /** The columns of the longest active row once this step's column is in: at least 1. */
        private int longestRow(boolean[] active) {
            int longest = 1;
            for (int s = 0; s < slots; s++) {
                longest = active[s] ? Math.max(longest, position[s] + 1) : longest;
            }
            return longest;
        }

        /**
         * Makes room for this step's column in a cache of one length: compacts when full, or when a quarter of each
         * step's columns belong to no live chain.
         */
        private void compactIfDue() {
            int needed = needed();
            if (length + 1 > (appends ? width : capacity) || length - needed > needed / 4 + 16) {
                relayout(0);
            }
        }

        /** A shared cache with rows of at least {@code columns} columns: larger buffers, each live row copied over. */
        private void grow(int columns) {
            closeAll(past);
            past = null;
            closeAll(inPlace);
            inPlace = null;
            int old = capacity;
            capacity = columns + slack;
            ByteBuffer[] bigger = allocateCache();
            for (int i = 0; i < 2 * layers; i++) {
                for (int s = 0; s < slots; s++) {
                    int used = prompt[s] == null ? 0 : position[s];
                    for (int h = 0; h < kvHeads; h++) {
                        int r = s * kvHeads + h;
                        bigger[i].put(r * capacity * row, cache[i], r * old * row, used * row);
                    }
                }
            }
            DirectBuffers.free(cache);
            cache = bigger;
        }

        /**
         * Squeezes out the columns no slot needs (those of finished chains) so the cache never outgrows its
         * buffers and a step reads few dead columns: each slot keeps its prompt and its own tokens, right-aligned so new tokens still append. The rows
         * become at least {@code minLength} columns long (a longer prompt's chain is about to start). Chains longer
         * than the batch was sized for get larger buffers instead.
         */
        private void relayout(int minLength) {
            closeAll(past);
            past = null;
            int newLength = Math.max(minLength, needed());
            int newStride = appends ? newLength + APPEND_SLACK : newLength;
            boolean grow = Math.max(newStride, newLength + 1) > capacity;
            if (grow) {
                capacity = Math.max(newStride, newLength + 1) + slack;
                DirectBuffers.free(maskBytes);
                maskBytes = longBytes((long) slots * (capacity + 1));
                mask = maskBytes.asLongBuffer();
            }
            ByteBuffer[] oldCache = cache;
            ByteBuffer[] oldSpare = spare;
            ByteBuffer[] dst = grow ? allocateCache() : spare;
            for (int i = 0; i < 2 * layers; i++) {
                ByteBuffer src = cache[i];
                for (int s = 0; s < slots; s++) {
                    int mine = own(s);
                    for (int h = 0; h < kvHeads; h++) {
                        int from = (s * kvHeads + h) * stride() * row;
                        int to = (s * kvHeads + h) * newStride * row;
                        dst[i].put(to, src, from, promptLen[s] * row);
                        dst[i].put(to + (newLength - mine) * row, src, from + start[s] * row, mine * row);
                    }
                }
            }
            spare = grow ? allocateCache() : cache;
            cache = dst;
            if (grow) {
                DirectBuffers.free(oldCache);
                DirectBuffers.free(oldSpare);
            }
            for (int s = 0; s < slots; s++) {
                start[s] = newLength - own(s);
            }
            length = newLength;
            width = newStride;
        }

        /** Columns from one row's start to the next one's: a shared cache's capacity, an append graph's width, else the length. */
        private int stride() {
            return shared ? capacity : appends ? width : length;
        }

        /** The columns a compact cache needs: the longest prompt plus own tokens of a live chain. */
        private int needed() {
            int n = 0;
            for (int s = 0; s < slots; s++) {
                n = Math.max(n, promptLen[s] + own(s));
            }
            return n;
        }

        /** Slot {@code s}'s own tokens in the cache: none when it is free. */
        private int own(int s) {
            return prompt[s] == null ? 0 : length - start[s];
        }

        @Override
        public long backendNanos() {
            return backendNanos;
        }

        /** A prompt's cache, as a prefill of this batch wrote it, and the chains of it running. */
        private final class OrtPrefill implements Prefill {
            private ByteBuffer[] kv;  // [layer*2 + kv] -> [kvHeads, length, headDim]; null once freed
            private final int length;
            private final float[] logits;
            private int chains;
            private boolean released;

            OrtPrefill(ByteBuffer[] kv, int length, float[] logits) {
                this.kv = kv.clone();
                this.length = length;
                this.logits = logits;
            }

            @Override
            public int length() {
                return length;
            }

            @Override
            public float[] logits() {
                return logits.clone();
            }

            @Override
            public void release() {
                released = true;
                freeIfDone();
            }

            void freeIfDone() {
                if (released && chains == 0) {
                    free();
                }
            }

            /** Its cache goes back to the system; chains already copied it into the batch's rows. */
            void free() {
                if (kv != null) {
                    DirectBuffers.free(kv);
                    kv = null;
                    prefills.remove(this);
                }
            }
        }

        /** Tensors of shape [rows, kvHeads, columns, headDim] over the first elements of each buffer. */
        private OnnxTensor[] wrap(ByteBuffer[] buffers, int columns, int rows) {
            long[] shape = {rows, kvHeads, columns, config.headDim()};
            OnnxTensor[] t = new OnnxTensor[buffers.length];
            try {
                for (int i = 0; i < buffers.length; i++) {
                    t[i] = kvFormat.tensor(env, buffers[i], shape);
                }
            } catch (OrtException e) {
                closeAll(t);
                throw new IllegalStateException("ONNX Runtime cannot wrap the KV cache: " + e.getMessage(), e);
            }
            return t;
        }

        private void closeAll(OnnxTensor[] tensors) {
            if (tensors != null) {
                for (OnnxTensor t : tensors) {
                    if (t != null) {
                        t.close();
                    }
                }
            }
        }

        /** Closes the tensors, then frees the cache, its spare and the prompts' caches at once. */
        @Override
        public void close() {
            closeAll(past);
            past = null;
            closeAll(freshTensors);
            closeAll(inPlace);
            DirectBuffers.free(fresh);
            idsTensor.close();
            positionsTensor.close();
            logitsTensor.close();
            DirectBuffers.free(cache);
            DirectBuffers.free(spare);
            DirectBuffers.free(logitsBuffer, maskBytes);
            List.copyOf(prefills).forEach(OrtPrefill::free);
        }
    }
}
