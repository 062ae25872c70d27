package dev.reason.runtime;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Engine;
import dev.reason.model.TextStream;
import dev.reason.sampling.ChainSeeds;
import dev.reason.sampling.Penalties;
import dev.reason.sampling.RepeatedNgrams;
import dev.reason.sampling.Samplers;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The decode loop: many chains of one prompt decoded together, with continuous refill.
 *
 * <p>Each round samples one token for every active chain (a new chain samples from the prompt's logits),
 * retires chains that ended, then runs one batched decode step. A slot freed by a finished chain takes a new
 * chain in the next round, as long as the listener allows more. Chain {@code i} always draws from the random
 * stream {@code ChainSeeds.forChain(seed, i)}, so a seed reproduces a run. The penalties (repetition, presence,
 * frequency) and the ban on repeated n-grams are applied to the logits before the sampler sees them: here for logits
 * on the host, by the batch for logits it samples on the device.
 */
public final class Generator {
    /** Chains starting together times the vocabulary from which their first draws go to the device (see firstOnDevice). */
    private static final long FIRST_DRAWS_ON_DEVICE = 65_536;

    private final Engine engine;
    private final Supplier<TextStream> texts;
    private final Params params;

    /**
     * @param parallel     chains decoded together (the batch's slots)
     * @param maxNewTokens per-chain token limit
     * @param eosIds       tokens that end a chain
     * @param topLogprobs  how many of each step's largest log-probabilities to keep per token
     * @param stopAtAnswer end a chain when its final-answer line is complete (off only for timing runs)
     * @param cutLoops     end a chain that keeps repeating one block of tokens ({@link RepetitionLoop})
     */
    public record Params(SamplingParams sampling, int parallel, int maxNewTokens, long seed, int[] eosIds,
                         int topLogprobs, boolean stopAtAnswer, boolean cutLoops) {
        public Params {
            if (parallel < 1) {
                throw new IllegalArgumentException("--parallel must be at least 1, got " + parallel);
            }
            if (maxNewTokens < 1) {
                throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxNewTokens);
            }
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
            return new Params(sampling, parallel, maxNewTokens, seed, eosIds, topLogprobs, false, cutLoops);
        }

        /** The same with a chain that keeps repeating one block of tokens ended there ({@code cut}), or let run on. */
        public Params withLoopsCut(boolean cut) {
            return new Params(sampling, parallel, maxNewTokens, seed, eosIds, topLogprobs, stopAtAnswer, cut);
        }

        /** The same with another number of slots. */
        public Params withParallel(int slots) {
            return new Params(sampling, slots, maxNewTokens, seed, eosIds, topLogprobs, stopAtAnswer, cutLoops);
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

    /**
     * @param texts a new text stream per chain (to see a chain's answer line while it is being written)
     */
    public Generator(Engine engine, Supplier<TextStream> texts, Params params) {
        this.engine = engine;
        this.texts = texts;
        this.params = params;
    }

    /**
     * Runs exactly {@code count} chains, each to its own end, and adds them to {@code finished} in index order:
     * a fixed pool, for benchmarks and tests.
     */
    public Stats runChains(int[] prompt, int count, List<Chain> finished) {
        List<Chain> done = new ArrayList<>();
        Stats stats = run(prompt, new Listener() {
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
                done.add(chain);
            }
        });
        done.sort(Comparator.comparingInt(Chain::index));
        finished.addAll(done);
        return stats;
    }

    /** Runs until the listener stops it or no chain is left; returns the run's counters. */
    public Stats run(int[] prompt, Listener listener) {
        long t0 = System.nanoTime();
        try (DecodeBatch batch = engine.start(prompt, params.parallel(), params.maxNewTokens())) {
            int slots = batch.slots();           // may be fewer than asked: a GPU short of memory gives fewer rows
            long prefill = System.nanoTime() - t0;
            long prefillBackend = batch.backendNanos();
            float[] promptLogits = batch.promptLogits();
            int vocab = batch.vocabSize();
            SamplingParams sampling = params.sampling();
            // Every chain's first token is drawn from the prompt's logits, penalized once for the prompt's tokens.
            Penalties promptPenalties = null;
            if (sampling.penalizes()) {
                promptPenalties = new Penalties(sampling, prompt);
                promptPenalties.apply(promptLogits, 0, vocab);
            }
            int ngram = sampling.noRepeatNgramSize();
            if (ngram > 0) {
                RepeatedNgrams.ban(promptLogits, 0, vocab, RepeatedNgrams.banned(ngram, prompt, new int[0], 0));
            }
            Samplers samplers = new Samplers(sampling, params.topLogprobs(), engine.cpuThreads());
            Running[] running = new Running[slots];
            TokenChoice[] chosen = new TokenChoice[slots];
            int[] hostDraws = new int[slots];
            int[] tokens = new int[slots];
            boolean[] active = new boolean[slots];
            float[] stepLogits = null;
            boolean onDevice = batch.samplesOnDevice();
            double[] uniforms = onDevice ? new double[slots] : null;
            TokenChoice[] drawn = null;             // the device's draws of the last step, per slot
            int nextChain = 0;
            long generated = 0;
            int steps = 0;
            while (true) {
                for (int s = 0; s < slots; s++) {
                    if (running[s] == null && listener.mayStartChain()) {
                        batch.startChain(s);
                        running[s] = new Running(nextChain, ChainSeeds.forChain(params.seed(), nextChain),
                                onDevice ? null : promptPenalties);
                        nextChain++;
                    }
                }
                int count = 0;
                for (Running r : running) {
                    count += r == null ? 0 : 1;
                }
                if (listener.stopNow(count) || count == 0) {
                    List<Chain> unfinished = new ArrayList<>();
                    for (Running r : running) {
                        if (r != null) {
                            unfinished.add(r.toChain(FinishReason.UNFINISHED));
                        }
                    }
                    listener.onUnfinished(unfinished);
                    break;
                }
                TokenChoice[] first = onDevice ? firstOnDevice(batch, running, promptLogits, sampling) : null;
                nextTokens(running, first, drawn, promptLogits, stepLogits, prompt, samplers, chosen, hostDraws);
                for (int s = 0; s < slots; s++) {
                    Running r = running[s];
                    active[s] = false;
                    if (r == null) {
                        continue;
                    }
                    TokenChoice choice = chosen[s];
                    FinishReason end = r.append(choice);
                    Next next = end == null ? listener.afterToken(r.index, r.tokens.n, choice, r.text) : Next.GO_ON;
                    while (next.linesToRedraw() > 0) {
                        int keep = r.dropLastLines(next.linesToRedraw());
                        // the last token kept is fed again: its logits give the redrawn line's first token
                        batch.rewind(s, Math.max(0, keep - 1));
                        if (keep > 0) {
                            next = Next.GO_ON;
                        } else {
                            // the first line goes: the chain starts over from the prompt's logits, at once
                            choice = samplers.one().sample(promptLogits, 0, vocab, r.random);
                            count++;
                            end = r.append(choice);
                            next = end == null ? listener.afterToken(r.index, r.tokens.n, choice, r.text) : Next.GO_ON;
                        }
                    }
                    if (next.cut()) {
                        end = FinishReason.CUT;
                    }
                    if (end != null) {
                        listener.onChainFinished(r.toChain(end));
                        running[s] = null;
                    } else {
                        tokens[s] = r.lastToken();
                        active[s] = true;
                    }
                }
                generated += count;
                listener.onTokens(count);
                boolean any = false;
                for (boolean a : active) {
                    any |= a;
                }
                if (any && onDevice) {
                    // Each chain gives the draw it would have given the host sampler (none when greedy).
                    for (int s = 0; s < slots; s++) {
                        uniforms[s] = active[s] && !sampling.isGreedy() ? running[s].random.nextDouble() : 0;
                    }
                    drawn = batch.stepAndSample(tokens, active, uniforms, sampling, params.topLogprobs());
                    steps++;
                } else if (any) {
                    stepLogits = batch.step(tokens, active);
                    steps++;
                }
            }
            long backend = batch.backendNanos() - prefillBackend;
            return new Stats(generated, nextChain, steps, prefillBackend, System.nanoTime() - t0 - prefill, backend);
        }
    }

    /**
     * Each running chain's token of this round, into {@code chosen}: the device's draw where the batch made it (a new
     * chain's from {@code first}, the others' from {@code drawn}), else the host's, the chains spread over the cores
     * ({@link Samplers}): a new chain draws from the prompt's logits, the others from their row of the step's, after
     * the penalties and the ban on repeated n-grams. Each chain touches only its own row and random stream, so the
     * draws are the same in any order. {@code hostDraws}: scratch, a slot per chain.
     */
    private void nextTokens(Running[] running, TokenChoice[] first, TokenChoice[] drawn, float[] promptLogits,
                            float[] stepLogits, int[] prompt, Samplers samplers, TokenChoice[] chosen,
                            int[] hostDraws) {
        int vocab = promptLogits.length;
        int n = 0;
        for (int s = 0; s < running.length; s++) {
            Running r = running[s];
            chosen[s] = null;
            if (r == null) {
                continue;
            }
            if (r.tokens.isEmpty() ? first != null : drawn != null) {
                chosen[s] = r.tokens.isEmpty() ? first[s] : drawn[s];
            } else {
                hostDraws[n++] = s;
            }
        }
        int ngram = params.sampling().noRepeatNgramSize();
        samplers.forEach(n, vocab, (sampler, j) -> {
            int s = hostDraws[j];
            Running r = running[s];
            if (r.tokens.isEmpty()) {
                chosen[s] = sampler.sample(promptLogits, 0, vocab, r.random);
                return;
            }
            if (r.penalties != null) {
                r.penalties.apply(stepLogits, s * vocab, vocab);
            }
            if (ngram > 0) {
                RepeatedNgrams.ban(stepLogits, s * vocab, vocab,
                        RepeatedNgrams.banned(ngram, prompt, r.tokens.a, r.tokens.n));
            }
            chosen[s] = sampler.sample(stepLogits, s * vocab, vocab, r.random);
        });
    }

    /**
     * The first tokens of the chains that have none yet, drawn on the device from the prompt's logits when that
     * saves time: the host sampler reads the whole vocabulary for each chain, a device draw costs one round trip for
     * all of them (what each costs: docs/gpu.md). Null: draw them on the host.
     * Each chain spends one draw of its random stream either way (none when greedy), as {@code Sampler} does.
     */
    private TokenChoice[] firstOnDevice(DecodeBatch batch, Running[] running, float[] promptLogits,
                                        SamplingParams sampling) {
        int count = 0;
        for (Running r : running) {
            count += r != null && r.tokens.isEmpty() ? 1 : 0;
        }
        if ((long) count * promptLogits.length < FIRST_DRAWS_ON_DEVICE) {
            return null;  // also every step on which no chain starts: nothing allocated
        }
        boolean[] starting = new boolean[running.length];
        double[] uniforms = new double[running.length];
        for (int s = 0; s < running.length; s++) {
            starting[s] = running[s] != null && running[s].tokens.isEmpty();
            uniforms[s] = starting[s] && !sampling.isGreedy() ? running[s].random.nextDouble() : 0;
        }
        return batch.sampleFirst(promptLogits, starting, uniforms, sampling, params.topLogprobs());
    }

    /** A chain being decoded. */
    private final class Running {
        final int index;
        final SplittableRandom random;
        final Penalties promptPenalties;  // null: none, or applied on the device
        final long started = System.nanoTime();
        final IntList tokens = new IntList();
        final IntList textEnds = new IntList();  // the text's length after each token
        final FloatList logprobs = new FloatList();
        final List<float[]> top = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        Penalties penalties;  // the history this chain's logits are penalized for
        TextStream stream = texts.get();
        AnswerLine answerLine = new AnswerLine(text);
        RepetitionLoop loop = params.cutLoops() ? new RepetitionLoop() : null;

        Running(int index, SplittableRandom random, Penalties promptPenalties) {
            this.index = index;
            this.random = random;
            this.promptPenalties = promptPenalties;
            this.penalties = promptPenalties == null ? null : promptPenalties.copy();
        }

        int lastToken() {
            return tokens.a[tokens.n - 1];
        }

        /**
         * Drops the tokens of the text's last {@code lines} lines ({@link Next#redraw}) and returns how many tokens are
         * kept: those up to the one that completes the line before them (a token that also starts the first line dropped
         * goes too). The text, its stream and the watchers of answer lines, loops and penalties are rebuilt from the
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
            penalties = promptPenalties == null ? null : promptPenalties.copy();
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
            if (penalties != null) {
                penalties.add(token);
            }
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
            write(c.token());
            logprobs.add(c.logprob());
            top.add(c.topLogprobs());
            if (params.stopAtAnswer() && answerLine.completed()) {
                return FinishReason.ANSWER_LINE;
            }
            if (loop != null && loop.add(tokens.a, tokens.n)) {
                return FinishReason.LOOP;
            }
            return tokens.size() >= params.maxNewTokens() ? FinishReason.MAX_TOKENS : null;
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
