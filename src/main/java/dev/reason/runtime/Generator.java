package dev.reason.runtime;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Engine;
import dev.reason.engine.Prefill;
import dev.reason.model.TextStream;
import dev.reason.sampling.ChainSeeds;
import dev.reason.sampling.Penalties;
import dev.reason.sampling.RepeatedNgrams;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The decode loop: many chains, of one question or several, decoded together, with continuous refill.
 *
 * <p>Each round takes one token for every active chain (a new chain's drawn from its prompt's logits), retires
 * chains that ended, then runs one batched decode step that returns each chain's next token. A slot freed by a
 * finished chain takes a new chain in the next round, as long as a question wants more. Chain {@code i} of a question
 * always draws from the random stream {@code ChainSeeds.forChain(seed, i)}, so a seed reproduces a run. The batch
 * draws, each chain with its own settings: the GPU's on the device, the CPU's on the host ({@link HostSampledBatch}).
 */
public final class Generator {
    private final Engine engine;
    private final Supplier<TextStream> texts;
    private final Params params;
    private volatile int busySlots;  // written by the decoding thread each round, read by others (a server's metrics)

    /**
     * @param parallel     chains decoded together (the batch's slots)
     * @param maxNewTokens per-chain token limit
     * @param eosIds       tokens that end a chain
     * @param topLogprobs  how many of each step's largest log-probabilities to keep per token
     * @param stopAtAnswer end a chain when its final-answer line is complete (off only for timing runs)
     * @param cutLoops     end a chain that keeps repeating one block of tokens ({@link RepetitionLoop})
     * @param stops        texts that end a chain once it writes one (an API request's {@code stop}); usually none
     */
    public record Params(SamplingParams sampling, int parallel, int maxNewTokens, long seed, int[] eosIds,
                         int topLogprobs, boolean stopAtAnswer, boolean cutLoops, List<String> stops) {
        public Params {
            stops = List.copyOf(stops);
            if (parallel < 1) {
                throw new IllegalArgumentException("--parallel must be at least 1, got " + parallel);
            }
            if (maxNewTokens < 1) {
                throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxNewTokens);
            }
        }

        /** Without stop texts. */
        public Params(SamplingParams sampling, int parallel, int maxNewTokens, long seed, int[] eosIds,
                      int topLogprobs, boolean stopAtAnswer, boolean cutLoops) {
            this(sampling, parallel, maxNewTokens, seed, eosIds, topLogprobs, stopAtAnswer, cutLoops, List.of());
        }

        /**
         * Chains that end at their answer line and may loop to the token limit, as the model writes them (benchmark
         * pools).
         */
        public Params(SamplingParams sampling, int parallel, int maxNewTokens, long seed, int[] eosIds,
                      int topLogprobs) {
            this(sampling, parallel, maxNewTokens, seed, eosIds, topLogprobs, true, false);
        }

        /** The same with chains that write on past their answer line, to an end token or the token limit (timing). */
        public Params pastAnswers() {
            return new Params(sampling, parallel, maxNewTokens, seed, eosIds, topLogprobs, false, cutLoops, stops);
        }

        /** The same with a chain that keeps repeating one block of tokens ended there ({@code cut}), or let run on. */
        public Params withLoopsCut(boolean cut) {
            return new Params(sampling, parallel, maxNewTokens, seed, eosIds, topLogprobs, stopAtAnswer, cut, stops);
        }

        /** The same with another seed: each question of a shared run draws from its own. */
        public Params withSeed(long newSeed) {
            return new Params(sampling, parallel, maxNewTokens, newSeed, eosIds, topLogprobs, stopAtAnswer, cutLoops,
                    stops);
        }

        /** The same with another number of slots. */
        public Params withParallel(int slots) {
            return new Params(sampling, slots, maxNewTokens, seed, eosIds, topLogprobs, stopAtAnswer, cutLoops, stops);
        }

        /** The same with another per-chain token limit. */
        public Params withMaxNewTokens(int limit) {
            return new Params(sampling, parallel, limit, seed, eosIds, topLogprobs, stopAtAnswer, cutLoops, stops);
        }

        /** The same with chains that end once they write one of {@code texts}. */
        public Params withStops(List<String> texts) {
            return new Params(sampling, parallel, maxNewTokens, seed, eosIds, topLogprobs, stopAtAnswer, cutLoops,
                    texts);
        }
    }

    /** What the decode loop asks of the search that drives it. */
    public interface Listener {
        /** Whether another chain may start now (samples, time and tokens left). */
        boolean mayStartChain();

        /** Called before every round (also when none is left): true ends the search now, with {@code active} chains unfinished. */
        boolean stopNow(int active);

        /** After each round of sampling, with the number of tokens just generated. */
        void onTokens(int count);

        void onChainFinished(Chain chain);

        /**
         * After each token of a chain that goes on, with how many tokens the chain now has (this one included;
         * fewer than before once a line was drawn again) and its text so far (read it, do not keep it): what becomes
         * of the chain. For early cuts (low confidence, a step that fails) and for drawing a failing line again.
         */
        default Next afterToken(int chainIndex, int tokens, TokenChoice choice, CharSequence text) {
            return Next.GO_ON;
        }

        /** Chains still running when the search stopped; they may still hold a usable answer. */
        default void onUnfinished(List<Chain> chains) {
        }

        /** Last, the job's counters: the run has ended it. */
        default void onEnd(Stats stats) {
        }
    }

    /** What becomes of a chain after its latest token ({@link Listener#afterToken}). */
    public static final class Next {
        public static final Next GO_ON = new Next(false, 0);
        /** The chain ends now, reported as finished with {@link FinishReason#CUT}. */
        public static final Next CUT = new Next(true, 0);
        /**
         * The chain's last line ({@link Generator#lastLineStart}) is dropped, and the chain writes it again from its own
         * random stream: its cache goes back to the tokens kept, so the redraw costs only the new line's tokens.
         */
        public static final Next REDRAW_LINE = new Next(false, 1);

        private final boolean cut;
        private final int linesToRedraw;

        private Next(boolean cut, int linesToRedraw) {
            this.cut = cut;
            this.linesToRedraw = linesToRedraw;
        }

        /**
         * The chain's last {@code lines} lines are dropped and it writes on from the start of the first of them: with
         * more than one, it goes back past its last line to draw an earlier one again (backtracking).
         */
        public static Next redraw(int lines) {
            if (lines < 1) {
                throw new IllegalArgumentException("a redraw drops at least one line, got " + lines);
            }
            return lines == 1 ? REDRAW_LINE : new Next(false, lines);
        }

        public boolean cut() {
            return cut;
        }

        /** Lines to drop before the chain goes on (0: none). */
        public int linesToRedraw() {
            return linesToRedraw;
        }
    }

    /**
     * Where the text's last line starts ({@link Next#REDRAW_LINE}): after its last line end but one (a line just
     * ended keeps its own), or 0 when it has only one line.
     */
    public static int lastLineStart(CharSequence text) {
        for (int i = text.length() - 2; i >= 0; i--) {
            if (text.charAt(i) == '\n') {
                return i + 1;
            }
        }
        return 0;
    }

    /**
     * Counters of one run, for throughput reports.
     *
     * @param prefillNanos the backend's time for the prompt's forward pass (without the batch's buffer set-up)
     * @param decodeNanos  wall time after the batch was ready: sampling, bookkeeping and decode steps
     */
    public record Stats(long tokens, int chainsStarted, int steps, long prefillNanos, long decodeNanos,
                        long backendNanos) {
    }

    /** The batch's slots that held a chain in the latest round; 0 when no batch is open. Any thread may ask. */
    public int busySlots() {
        return busySlots;
    }

    /**
     * @param texts a new text stream per chain (to see a chain's answer line while it is being written)
     */
    public Generator(Engine engine, Supplier<TextStream> texts, Params params) {
        this.engine = engine;
        this.texts = texts;
        this.params = params;
    }

    /**
     * One question's part of a run: its prompt, its settings (sampling, seed, end tokens, token limit) and the listener
     * that drives it, made when the job is admitted, so that a budget's clock starts when the question does.
     */
    public static final class Job {
        private final int[] prompt;
        private final Params params;
        private final Supplier<? extends Listener> listener;
        private Stats stats;

        public Job(int[] prompt, Params params, Supplier<? extends Listener> listener) {
            if (prompt.length == 0) {
                throw new IllegalArgumentException("a job needs a prompt of at least one token");
            }
            this.prompt = prompt;
            this.params = params;
            this.listener = listener;
        }

        /** The job's counters once the run has ended it; null before. */
        public Stats stats() {
            return stats;
        }

        /** Its settings. */
        public Params params() {
            return params;
        }
    }

    /**
     * How many jobs decode together, and the KV-cache bytes their prompts and the batch may hold: a job waits for
     * room rather than running out of memory (the first always runs). {@link #ENGINE_DEFAULT}: the engine's own
     * figure ({@link Engine#kvMemory}).
     */
    public record Admission(int concurrent, long kvMemory) {
        /** kvMemory: as much as the engine's device offers. */
        public static final long ENGINE_DEFAULT = 0;
        /** One job at a time. */
        public static final Admission ONE = new Admission(1, Long.MAX_VALUE);

        public Admission {
            if (concurrent < 1) {
                throw new IllegalArgumentException("--concurrent must be at least 1, got " + concurrent);
            }
            if (kvMemory < 0) {
                throw new IllegalArgumentException("--kv-memory must be positive, got " + kvMemory);
            }
        }
    }

    /**
     * Runs exactly {@code count} chains, each to its own end, and adds them to {@code finished} in index order:
     * a fixed pool, for benchmarks and tests.
     */
    public Stats runChains(int[] prompt, int count, List<Chain> finished) {
        Job job = pool(prompt, params, count, finished::addAll);
        run(List.of(job).iterator(), Admission.ONE);
        return job.stats();
    }

    /** A job of exactly {@code count} chains, handed to {@code done} in index order when the last one ends. */
    public static Job pool(int[] prompt, Params params, int count, Consumer<List<Chain>> done) {
        return new Job(prompt, params, () -> new Listener() {
            private final List<Chain> chains = new ArrayList<>();
            private int started;

            @Override
            public boolean mayStartChain() {
                if (started == count) {
                    return false;
                }
                started++;
                return true;
            }

            @Override
            public boolean stopNow(int active) {
                return false;
            }

            @Override
            public void onTokens(int n) {
            }

            @Override
            public void onChainFinished(Chain chain) {
                chains.add(chain);
                if (chains.size() == count) {
                    chains.sort(Comparator.comparingInt(Chain::index));
                    done.accept(chains);
                }
            }
        });
    }

    /**
     * Runs the jobs, taken in order, up to {@code admission.concurrent()} of them decoding together in one batch of
     * {@code parallel} slots. A free slot goes
     * to the live job with the fewest chains running that wants one, so none starves; a job that stops frees its
     * slots at once, and the next job in line takes its place.
     */
    public void run(Iterator<Job> jobs, Admission admission) {
        if (jobs.hasNext()) {
            runBatch(jobs.next(), jobs, admission);
        }
    }

    /** The batch's run, opened with {@code first}'s prompt; the other jobs join it as room allows. */
    private void runBatch(Job first, Iterator<Job> jobs, Admission admission) {
        DecodeBatch opened = engine.start(first.prompt, params.parallel(), params.maxNewTokens());
        try (DecodeBatch batch = HostSampledBatch.over(opened, first.prompt, engine.cpuThreads())) {
            int slots = batch.slots();           // may be fewer than asked: a device short of memory gives fewer rows
            int vocab = batch.vocabSize();
            List<Live> live = new ArrayList<>();
            live.add(new Live(first, batch.prompt(), vocab, batch.backendNanos(), batch.backendNanos()));
            Job waiting = null;
            Running[] running = new Running[slots];
            TokenChoice[] chosen = new TokenChoice[slots];
            int[] order = new int[slots];
            int[] tokens = new int[slots];
            boolean[] active = new boolean[slots];
            double[] uniforms = new double[slots];
            SamplingParams[] sampling = new SamplingParams[slots];  // each slot's job's
            int[] topLogprobs = new int[slots];
            TokenChoice[] drawn = null;             // the batch's draws of the last step, per slot
            while (true) {
                while (live.size() < admission.concurrent()) {
                    if (waiting == null && jobs.hasNext()) {
                        waiting = jobs.next();
                    }
                    if (waiting == null || !live.isEmpty() && !fits(batch, live, waiting, admission)) {
                        break;
                    }
                    long b0 = batch.backendNanos();
                    Prefill p = batch.prefill(waiting.prompt);
                    live.add(new Live(waiting, p, vocab, batch.backendNanos() - b0, batch.backendNanos()));
                    waiting = null;
                }
                if (live.isEmpty()) {
                    return;  // an empty batch admits the next job whatever its size: none is left
                }
                startChains(batch, live, running);
                for (Iterator<Live> it = live.iterator(); it.hasNext(); ) {
                    Live j = it.next();
                    if (j.listener.stopNow(j.running) || j.running == 0 && j.declined) {
                        end(j, batch, running);
                        it.remove();
                    }
                }
                busySlots = busy(running);
                if (live.isEmpty()) {
                    continue;  // admit the next jobs, or end
                }
                TokenChoice[] firstDraws = firstDraws(batch, running, live);
                for (int s = 0; s < slots; s++) {
                    chosen[s] = running[s] == null ? null : running[s].tokens.isEmpty() ? firstDraws[s] : drawn[s];
                }
                for (Live j : live) {
                    j.drawnThisRound = 0;
                }
                inChainOrder(running, order);
                for (int s : order) {
                    Running r = running[s];
                    active[s] = false;
                    if (r == null) {
                        continue;
                    }
                    Live j = r.job;
                    j.drawnThisRound++;
                    TokenChoice choice = chosen[s];
                    FinishReason end = r.append(choice);
                    Next next = end == null ? j.listener.afterToken(r.index, r.tokens.n, choice, r.text) : Next.GO_ON;
                    while (next.linesToRedraw() > 0) {
                        int keep = r.dropLastLines(next.linesToRedraw());
                        // the last token kept is fed again: its logits give the redrawn line's first token
                        batch.rewind(s, Math.max(0, keep - 1));
                        if (keep > 0) {
                            next = Next.GO_ON;
                        } else {
                            // the first line goes: the chain starts over from the prompt's logits, at once
                            choice = firstDraw(batch, j, s, r);
                            j.drawnThisRound++;
                            end = r.append(choice);
                            next = end == null ? j.listener.afterToken(r.index, r.tokens.n, choice, r.text) : Next.GO_ON;
                        }
                    }
                    if (next.cut()) {
                        end = FinishReason.CUT;
                    }
                    if (end != null) {
                        j.listener.onChainFinished(r.toChain(end));
                        batch.endChain(s);
                        running[s] = null;
                        j.running--;
                    } else {
                        tokens[s] = r.lastToken();
                        active[s] = true;
                    }
                }
                boolean any = false;
                for (Live j : live) {
                    j.generated += j.drawnThisRound;
                    j.listener.onTokens(j.drawnThisRound);
                    j.steps += j.running > 0 ? 1 : 0;
                }
                for (boolean a : active) {
                    any |= a;
                }
                if (any) {
                    // Each chain spends one draw of its random stream (none when greedy), on either device.
                    for (int s = 0; s < slots; s++) {
                        sampling[s] = active[s] ? running[s].params.sampling() : null;
                        topLogprobs[s] = active[s] ? running[s].params.topLogprobs() : 0;
                        uniforms[s] = active[s] && !sampling[s].isGreedy() ? running[s].random.nextDouble() : 0;
                    }
                    drawn = batch.stepAndSample(tokens, active, uniforms, sampling, topLogprobs);
                }
            }
        } finally {
            busySlots = 0;
        }
    }

    private static int busy(Running[] running) {
        int n = 0;
        for (Running r : running) {
            n += r != null ? 1 : 0;
        }
        return n;
    }

    /** Whether one more prompt keeps the batch's KV cache within the admission's memory. */
    private boolean fits(DecodeBatch batch, List<Live> live, Job job, Admission admission) {
        long tokens = job.prompt.length;
        int longest = job.prompt.length;
        for (Live j : live) {
            tokens += j.prompt.length();
            longest = Math.max(longest, j.prompt.length());
        }
        long budget = admission.kvMemory() == Admission.ENGINE_DEFAULT ? engine.kvMemory() : admission.kvMemory();
        return batch.kvBytes(tokens, longest) <= budget;
    }

    /**
     * Gives each free slot a new chain of the live job with the fewest chains running (the first admitted among
     * equals) that wants one; a job that declines ({@link Listener#mayStartChain}) is not asked again this round.
     */
    private void startChains(DecodeBatch batch, List<Live> live, Running[] running) {
        for (Live j : live) {
            j.declined = false;
        }
        for (int s = 0; s < running.length; s++) {
            if (running[s] != null) {
                continue;
            }
            Live j = fairest(live);
            while (j != null && !j.listener.mayStartChain()) {
                j.declined = true;
                j = fairest(live);
            }
            if (j == null) {
                return;  // no job wants another chain
            }
            batch.startChain(s, j.prompt);
            running[s] = new Running(j, j.nextChain, ChainSeeds.forChain(j.params.seed(), j.nextChain));
            j.nextChain++;
            j.running++;
        }
    }

    /**
     * The slots in the order of their chains' indices, free slots last: a job hears of its chains in the same order
     * wherever the batch put them, so what it decides does not depend on what else shares the batch.
     */
    private static void inChainOrder(Running[] running, int[] order) {
        for (int s = 0; s < order.length; s++) {
            int i = s;
            for (; i > 0 && chainIndex(running[order[i - 1]]) > chainIndex(running[s]); i--) {
                order[i] = order[i - 1];  // insertion sort: a batch has a few hundred slots at most
            }
            order[i] = s;
        }
    }

    private static int chainIndex(Running r) {
        return r == null ? Integer.MAX_VALUE : r.index;
    }

    /**
     * The live job with the fewest chains running that has not declined this round and runs fewer than its own width
     * ({@link Params#parallel}, as many as it would run alone); null if none.
     */
    static Live fairest(List<Live> live) {
        Live best = null;
        for (Live j : live) {
            if (!j.declined && j.running < j.params.parallel() && (best == null || j.running < best.running)) {
                best = j;
            }
        }
        return best;
    }

    /** Ends a job: its running chains go to its listener unfinished, its slots and prompt are freed. */
    private void end(Live j, DecodeBatch batch, Running[] running) {
        List<Chain> unfinished = new ArrayList<>();
        for (int s = 0; s < running.length; s++) {
            if (running[s] != null && running[s].job == j) {
                unfinished.add(running[s].toChain(FinishReason.UNFINISHED));
                batch.endChain(s);
                running[s] = null;
            }
        }
        j.listener.onUnfinished(unfinished);
        j.prompt.release();
        long backend = batch.backendNanos() - j.backendAtStart;
        j.job.stats = new Stats(j.generated, j.nextChain, j.steps, j.prefillBackend, System.nanoTime() - j.started,
                backend);
        j.listener.onEnd(j.job.stats);
    }

    /**
     * The first tokens of the chains that have none yet, drawn by the batch from their job's prompt logits (penalized
     * for the prompt, its repeated n-grams banned), a call per job with chains starting. Each chain spends one draw of
     * its random stream (none when greedy). Null when no chain starts: most rounds, with nothing allocated.
     */
    private static TokenChoice[] firstDraws(DecodeBatch batch, Running[] running, List<Live> live) {
        boolean anyStarting = false;
        for (Running r : running) {
            anyStarting |= r != null && r.tokens.isEmpty();
        }
        if (!anyStarting) {
            return null;
        }
        TokenChoice[] first = new TokenChoice[running.length];
        boolean[] starting = new boolean[running.length];
        double[] uniforms = new double[running.length];
        for (Live job : live) {
            SamplingParams sampling = job.params.sampling();
            boolean any = false;
            for (int s = 0; s < running.length; s++) {
                starting[s] = running[s] != null && running[s].job == job && running[s].tokens.isEmpty();
                uniforms[s] = starting[s] && !sampling.isGreedy() ? running[s].random.nextDouble() : 0;
                any |= starting[s];
            }
            if (!any) {
                continue;
            }
            TokenChoice[] got = batch.sampleFirst(job.promptLogits, starting, uniforms, sampling,
                    job.params.topLogprobs());
            for (int s = 0; s < running.length; s++) {
                if (starting[s]) {
                    first[s] = got[s];
                }
            }
        }
        return first;
    }

    /** Chain {@code r} in slot {@code slot} draws its first token again (its first line was dropped). */
    private static TokenChoice firstDraw(DecodeBatch batch, Live job, int slot, Running r) {
        SamplingParams sampling = job.params.sampling();
        boolean[] starting = new boolean[batch.slots()];
        double[] uniforms = new double[starting.length];
        starting[slot] = true;
        uniforms[slot] = sampling.isGreedy() ? 0 : r.random.nextDouble();
        return batch.sampleFirst(job.promptLogits, starting, uniforms, sampling, job.params.topLogprobs())[slot];
    }

    /** A job being decoded: its prompt in the batch, its prompt's logits as its chains draw from them, its counters. */
    private final class Live {
        final Job job;
        final Params params;
        final Listener listener;
        final Prefill prompt;
        final float[] promptLogits;
        final long started = System.nanoTime();
        final long prefillBackend;
        final long backendAtStart;
        int nextChain;
        int running;
        boolean declined;
        long generated;
        int steps;
        int drawnThisRound;

        /**
         * @param prefillBackend the backend's time for the prompt
         * @param backendAtStart the batch's backend time when the job's decoding starts
         */
        Live(Job job, Prefill prompt, int vocab, long prefillBackend, long backendAtStart) {
            this.job = job;
            this.params = job.params;
            this.prompt = prompt;
            this.prefillBackend = prefillBackend;
            this.backendAtStart = backendAtStart;
            // Every chain's first token is drawn from the prompt's logits, penalized once for the prompt's tokens.
            SamplingParams sampling = params.sampling();
            promptLogits = prompt.logits();
            if (sampling.penalizes()) {
                new Penalties(sampling, job.prompt).apply(promptLogits, 0, vocab);
            }
            int ngram = sampling.noRepeatNgramSize();
            if (ngram > 0) {
                RepeatedNgrams.ban(promptLogits, 0, vocab, RepeatedNgrams.banned(ngram, job.prompt, new int[0], 0));
            }
            this.listener = job.listener.get();
        }
    }

    /** A chain being decoded. */
    private final class Running {
        final Live job;
        final Params params;
        final int index;
        final SplittableRandom random;
        final long started = System.nanoTime();
        final IntList tokens = new IntList();
        final IntList textEnds = new IntList();  // the text's length after each token
        final FloatList logprobs = new FloatList();
        final List<float[]> top = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        TextStream stream = texts.get();
        AnswerLine answerLine = new AnswerLine(text);
        RepetitionLoop loop;

        Running(Live job, int index, SplittableRandom random) {
            this.job = job;
            this.params = job.params;
            this.loop = params.cutLoops() ? new RepetitionLoop() : null;
            this.index = index;
            this.random = random;
        }

        int lastToken() {
            return tokens.a[tokens.n - 1];
        }

        /**
         * Drops the tokens of the text's last {@code lines} lines ({@link Next#redraw}) and returns how many tokens are
         * kept: those up to the one that completes the line before them (a token that also starts the first line dropped
         * goes too). The text, its stream and the watchers of answer lines and loops are rebuilt from the
         * tokens kept, as if the chain had written only those.
         */
        int dropLastLines(int lines) {
            int lineStart = text.length();
            for (int i = 0; i < lines && lineStart > 0; i++) {
                lineStart = lastLineStart(text.subSequence(0, lineStart));
            }
            int keep = 0;  // up to the token that completes the line before (not one that completes a byte after)
            if (lineStart > 0) {
                while (textEnds.a[keep] < lineStart) {
                    keep++;
                }
                keep += textEnds.a[keep] == lineStart ? 1 : 0;
            }
            int[] kept = Arrays.copyOf(tokens.a, keep);
            tokens.n = 0;
            textEnds.n = 0;
            logprobs.n = keep;
            top.subList(keep, top.size()).clear();
            text.setLength(0);
            stream = texts.get();
            answerLine = new AnswerLine(text);
            loop = params.cutLoops() ? new RepetitionLoop() : null;
            for (int t : kept) {
                write(t);
                if (loop != null) {
                    loop.add(tokens.a, tokens.n);
                }
            }
            answerLine.completed();  // past the lines kept: none of them ended the chain
            return keep;
        }

        private void write(int token) {
            tokens.add(token);
            text.append(stream.next(token));
            textEnds.add(text.length());
        }

        /** Adds a token; returns why the chain ends with it, or null if it goes on. */
        FinishReason append(TokenChoice c) {
            for (int eos : params.eosIds()) {
                if (c.token() == eos) {
                    return FinishReason.EOS;
                }
            }
            int before = text.length();
            write(c.token());
            logprobs.add(c.logprob());
            top.add(c.topLogprobs());
            if (params.stopAtAnswer() && answerLine.completed()) {
                return FinishReason.ANSWER_LINE;
            }
            if (wroteStop(before)) {
                return FinishReason.STOP;
            }
            if (loop != null && loop.add(tokens.a, tokens.n)) {
                return FinishReason.LOOP;
            }
            return tokens.size() >= params.maxNewTokens() ? FinishReason.MAX_TOKENS : null;
        }

        /** Whether the text written since {@code before} completes one of the stop texts. */
        private boolean wroteStop(int before) {
            for (String stop : params.stops()) {
                if (text.indexOf(stop, Math.max(0, before - stop.length() + 1)) >= 0) {
                    return true;
                }
            }
            return false;
        }

        Chain toChain(FinishReason finish) {
            return new Chain(index, tokens.toArray(), text.toString(), logprobs.toArray(), List.copyOf(top), finish,
                    (System.nanoTime() - started) / 1e9);
        }
    }

    /** Growable int array without boxing. */
    private static final class IntList {
        int[] a = new int[64];
        int n;

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        boolean isEmpty() {
            return n == 0;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    private static final class FloatList {
        float[] a = new float[64];
        int n;

        void add(float v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
