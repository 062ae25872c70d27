package dev.reason.runtime;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Prefill;
import dev.reason.sampling.Penalties;
import dev.reason.sampling.RepeatedNgrams;
import dev.reason.sampling.Samplers;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch that returns logits (the CPU engine's), made to return each slot's token choice as a batch that draws on its
 * device does: the host draws, each slot with its own settings, its penalties over its prompt and the tokens fed to
 * it, and the ban on repeated n-grams, the slots spread over the cores. So the decode loop has one path for both
 * devices, and a draw is the same on either for the same uniform number.
 */
final class HostSampledBatch implements DecodeBatch {
    private final DecodeBatch inner;
    private final int workers;
    private final int vocab;
    private final List<Prompt> live = new ArrayList<>();
    private final Prompt first;
    private final Prompt[] promptOf;      // per slot: its chain's prompt
    private final int[][] fed;            // per slot: the tokens fed since its chain started
    private final int[] fedCount;
    private final Penalties[] penalties;  // per slot: its history under penalizedFor[slot], kept as tokens come
    private final SamplingParams[] penalizedFor;
    private final Map<Setting, Samplers> samplers = new HashMap<>();
    private final TokenChoice[] drawn;
    private final int[] drawing;          // scratch: the active slots of a step

    /** The settings a group of draws shares: one sampler per worker for each. */
    private record Setting(SamplingParams params, int topLogprobs) {
    }

    /** A prompt of the inner batch, with its tokens (the penalties' and the n-gram ban's history starts with them). */
    private final class Prompt implements Prefill {
        final Prefill inner;
        final int[] tokens;

        Prompt(Prefill inner, int[] tokens) {
            this.inner = inner;
            this.tokens = tokens.clone();
        }

        @Override
        public int length() {
            return inner.length();
        }

        @Override
        public float[] logits() {
            return inner.logits();
        }

        @Override
        public void release() {
            live.remove(this);
            inner.release();
        }
    }

    /** Wraps {@code inner}, opened with {@code prompt}; draws on up to {@code workers} threads. */
    HostSampledBatch(DecodeBatch inner, int[] prompt, int workers) {
        this.inner = inner;
        this.workers = workers;
        this.vocab = inner.vocabSize();
        int slots = inner.slots();
        first = new Prompt(inner.prompt(), prompt);
        live.add(first);
        promptOf = new Prompt[slots];
        fed = new int[slots][16];
        fedCount = new int[slots];
        penalties = new Penalties[slots];
        penalizedFor = new SamplingParams[slots];
        drawn = new TokenChoice[slots];
        drawing = new int[slots];
    }

    /** {@code batch} itself where it draws on its device, else wrapped to draw on the host. */
    static DecodeBatch over(DecodeBatch batch, int[] prompt, int workers) {
        return batch.samplesOnDevice() ? batch : new HostSampledBatch(batch, prompt, workers);
    }

    @Override
    public int slots() {
        return inner.slots();
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public Prefill prompt() {
        return first;
    }

    @Override
    public Prefill prefill(int[] prompt) {
        Prompt p = new Prompt(inner.prefill(prompt), prompt);
        live.add(p);
        return p;
    }

    @Override
    public long kvBytes(long promptTokens, int longestPrompt) {
        return inner.kvBytes(promptTokens, longestPrompt);
    }

    @Override
    public void startChain(int slot, Prefill prompt) {
        int i = live.indexOf(prompt);
        if (i < 0) {
            throw new IllegalArgumentException("a chain starts from a prompt of this batch");
        }
        Prompt p = live.get(i);
        inner.startChain(slot, p.inner);
        promptOf[slot] = p;
        fedCount[slot] = 0;
        penalties[slot] = null;
    }

    @Override
    public void endChain(int slot) {
        inner.endChain(slot);
        promptOf[slot] = null;
        penalties[slot] = null;
    }

    @Override
    public void rewind(int slot, int keep) {
        inner.rewind(slot, keep);
        fedCount[slot] = keep;
        penalties[slot] = null;  // made again from the tokens kept at the next penalized draw
    }

    @Override
    public float[] step(int[] tokens, boolean[] active) {
        throw new UnsupportedOperationException("a host-sampled batch is stepped through stepAndSample");
    }

    @Override
    public boolean samplesOnDevice() {
        return true;
    }

    @Override
    public TokenChoice[] stepAndSample(int[] tokens, boolean[] active, double[] uniforms, SamplingParams[] params,
                                       int[] topLogprobs) {
        int n = 0;
        for (int s = 0; s < active.length; s++) {
            drawn[s] = null;
            if (active[s]) {
                feed(s, tokens[s], params[s]);
                drawing[n++] = s;
            }
        }
        float[] logits = inner.step(tokens, active);
        Samplers.spread(workers, n, vocab, (w, i) -> {
            int s = drawing[i];
            SamplingParams p = params[s];
            if (p.penalizes()) {
                penalties(s, p).apply(logits, s * vocab, vocab);
            }
            if (p.bansRepeatedNgrams()) {
                RepeatedNgrams.ban(logits, s * vocab, vocab, RepeatedNgrams.banned(p.noRepeatNgramSize(),
                        promptOf[s].tokens, fed[s], fedCount[s]));
            }
            drawn[s] = samplers(p, topLogprobs[s]).of(w).sample(logits, s * vocab, vocab, uniforms[s]);
        });
        return drawn;
    }

    @Override
    public TokenChoice[] sampleFirst(float[] firstLogits, boolean[] starting, double[] uniforms,
                                     SamplingParams params, int topLogprobs) {
        int n = 0;
        for (int s = 0; s < starting.length; s++) {
            if (starting[s]) {
                drawing[n++] = s;
            }
        }
        TokenChoice[] out = new TokenChoice[starting.length];
        Samplers each = samplers(params, topLogprobs);
        Samplers.spread(workers, n, vocab, (w, i) -> {
            int s = drawing[i];
            out[s] = each.of(w).sample(firstLogits, 0, vocab, uniforms[s]);
        });
        return out;
    }

    /** Counts a token fed to slot {@code s}, in its penalties where they are kept. */
    private void feed(int s, int token, SamplingParams params) {
        if (fedCount[s] == fed[s].length) {
            fed[s] = Arrays.copyOf(fed[s], 2 * fed[s].length);
        }
        fed[s][fedCount[s]++] = token;
        if (penalties[s] != null && params.equals(penalizedFor[s])) {
            penalties[s].add(token);
        }
    }

    /** Slot {@code s}'s penalties under {@code params}: its prompt's tokens and those fed to it. */
    private Penalties penalties(int s, SamplingParams params) {
        if (penalties[s] == null || !params.equals(penalizedFor[s])) {
            Penalties p = new Penalties(params, promptOf[s].tokens);
            for (int i = 0; i < fedCount[s]; i++) {
                p.add(fed[s][i]);
            }
            penalties[s] = p;
            penalizedFor[s] = params;
        }
        return penalties[s];
    }

    /** One sampler per worker for a setting, made at its first draw (a thread of the spread may ask). */
    private Samplers samplers(SamplingParams params, int topLogprobs) {
        synchronized (samplers) {
            return samplers.computeIfAbsent(new Setting(params, topLogprobs),
                    k -> new Samplers(params, topLogprobs, workers));
        }
    }

    @Override
    public long backendNanos() {
        return inner.backendNanos();
    }

    @Override
    public void close() {
        inner.close();
    }
}
