package dev.reason.sampling;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ObjIntConsumer;
import java.util.stream.IntStream;

/**
 * The host draws of many chains at once, spread over the cores. A draw reads the chain's whole row of logits, and
 * while the draws run the engine waits: at a large vocabulary, drawn one chain after another, they would take much of
 * a CPU decode step (what they cost: docs/development.md, the decode loop). Each worker has its own {@link Sampler}
 * (one is not thread-safe); which worker draws for which chain does not change a draw, since each chain brings its
 * own random stream or uniform number.
 */
public final class Samplers {
    /** Logits read in one round from which the draws are spread: below it, handing out the work costs more. */
    static final long PARALLEL_FROM = 65_536;

    private final Sampler[] samplers;

    /** One sampler per worker, {@code workers} of them at most at once. */
    public Samplers(SamplingParams params, int topLogprobs, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        Objects.requireNonNull(params, "params");
        samplers = new Sampler[workers];
        for (int w = 0; w < workers; w++) {
            samplers[w] = new Sampler(params, topLogprobs);
        }
    }

    /** A sampler for a draw made alone, outside {@link #forEach}. */
    public Sampler one() {
        return samplers[0];
    }

    /**
     * Calls {@code draw.accept(sampler, i)} once for each i in [0, n), over a {@code vocab}-token vocabulary: on the
     * calling thread alone when the round reads fewer than {@link #PARALLEL_FROM} logits, else on up to one worker
     * per sampler, each call with a sampler no other call is using meanwhile. Returns when every call has; an
     * exception of a call is rethrown here.
     */
    public void forEach(int n, int vocab, ObjIntConsumer<Sampler> draw) {
        int workers = Math.min(samplers.length, n);
        if (workers <= 1 || (long) n * vocab < PARALLEL_FROM) {
            for (int i = 0; i < n; i++) {
                draw.accept(samplers[0], i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();  // calls cost about the same, but a worker may start late
        IntStream.range(0, workers).parallel().forEach(w -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                draw.accept(samplers[w], i);
            }
        });
    }
}
