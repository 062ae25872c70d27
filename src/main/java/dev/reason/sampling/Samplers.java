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

    /** The sampler of worker {@code worker} of {@link #spread}. */
    public Sampler of(int worker) {
        return samplers[worker];
    }

    /** How many workers may draw at once. */
    public int workers() {
        return samplers.length;
    }

    /**
     * Calls {@code draw.accept(sampler, i)} once for each i in [0, n), over a {@code vocab}-token vocabulary: on the
     * calling thread alone when the round reads fewer than {@link #PARALLEL_FROM} logits, else on up to one worker
     * per sampler, each call with a sampler no other call is using meanwhile. Returns when every call has; an
     * exception of a call is rethrown here.
     */
    public void forEach(int n, int vocab, ObjIntConsumer<Sampler> draw) {
        spread(samplers.length, n, vocab, (w, i) -> draw.accept(samplers[w], i));
    }

    /** One draw of a round: {@code i}, made on worker {@code worker}, which no other draw uses meanwhile. */
    @FunctionalInterface
    public interface Draw {
        void accept(int worker, int i);
    }

    /**
     * Calls {@code draw} once for each i in [0, n) as {@link #forEach} does, over up to {@code workers} workers: for
     * draws of chains with different sampling settings, each taking its own {@link #of worker's} sampler.
     */
    public static void spread(int workers, int n, int vocab, Draw draw) {
        int used = Math.min(workers, n);
        if (used <= 1 || (long) n * vocab < PARALLEL_FROM) {
            for (int i = 0; i < n; i++) {
                draw.accept(0, i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();  // calls cost about the same, but a worker may start late
        IntStream.range(0, used).parallel().forEach(w -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                draw.accept(w, i);
            }
        });
    }
}
