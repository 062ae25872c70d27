package dev.reason.search;

import java.time.Duration;
import java.util.Optional;

/**
 * Exact accounting of one search against a {@link Budget}. The search loop reports what happens
 * (chains started and finished, tokens generated) and asks {@link #mayStartChain()} and
 * {@link #check(int)} before each step; the meter itself never blocks or schedules anything.
 *
 * <p>The token rule is conservative: one decode step makes one token per active chain, so the
 * search stops <em>before</em> a step that would overshoot, and the token budget is never exceeded.
 * Methods are synchronized so a progress display may read the meter from another thread.
 */
public final class BudgetMeter {
    private final Budget budget;
    private final Clock clock;
    private final long startNanos;
    private long tokensUsed;
    private int chainsStarted;
    private int chainsFinished;

    /** Starts the clock now, so elapsed time includes prefill. */
    public BudgetMeter(Budget budget, Clock clock) {
        if (budget == null || clock == null) {
            throw new NullPointerException("budget and clock are required");
        }
        this.budget = budget;
        this.clock = clock;
        this.startNanos = clock.nanoTime();
    }

    public Budget budget() {
        return budget;
    }

    public synchronized void chainStarted() {
        chainsStarted++;
    }

    public synchronized void chainFinished() {
        if (chainsFinished >= chainsStarted) {
            throw new IllegalStateException("chainFinished() called more often than chainStarted() ("
                    + chainsStarted + " started)");
        }
        chainsFinished++;
    }

    public synchronized void tokensGenerated(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("token count must be >= 0, got " + n);
        }
        tokensUsed = Math.addExact(tokensUsed, n);
    }

    public synchronized long tokensUsed() {
        return tokensUsed;
    }

    public synchronized int chainsStarted() {
        return chainsStarted;
    }

    public synchronized int chainsFinished() {
        return chainsFinished;
    }

    public Duration elapsed() {
        return Duration.ofNanos(clock.nanoTime() - startNanos);
    }

    /**
     * Whether one more chain may start: false once the sample limit's worth of chains has started, the
     * time is up, or the tokens left would not let every running chain plus the new one make one more
     * token (starting it would only trigger an immediate {@link StopReason#TOKENS} stop).
     */
    public synchronized boolean mayStartChain() {
        if (budget.samples() > 0 && chainsStarted >= budget.samples()) {
            return false;
        }
        if (timeUp()) {
            return false;
        }
        long active = chainsStarted - chainsFinished;
        return budget.tokens() == 0 || tokensUsed + active + 1 <= budget.tokens();
    }

    /**
     * The reason the search must stop now, if any. Checked in this order:
     * <ul>
     *   <li>SAMPLES: the sample limit's worth of chains has started and none is active (all done);</li>
     *   <li>TIME: elapsed &gt;= the time limit;</li>
     *   <li>TOKENS: {@code tokensUsed + activeChains > limit} (the next step would overshoot), or the
     *       limit is fully used.</li>
     * </ul>
     *
     * @param activeChains chains that would take part in the next decode step
     */
    public synchronized Optional<StopReason> check(int activeChains) {
        if (activeChains < 0) {
            throw new IllegalArgumentException("activeChains must be >= 0, got " + activeChains);
        }
        // SAMPLES first: when every requested sample has finished, that is the natural end of the search.
        if (budget.samples() > 0 && chainsStarted >= budget.samples() && activeChains == 0) {
            return Optional.of(StopReason.SAMPLES);
        }
        if (timeUp()) {
            return Optional.of(StopReason.TIME);
        }
        if (budget.tokens() > 0
                && (tokensUsed >= budget.tokens() || tokensUsed + activeChains > budget.tokens())) {
            return Optional.of(StopReason.TOKENS);
        }
        return Optional.empty();
    }

    /** The largest fraction used of any limit, in [0, 1]; samples count finished chains. */
    public synchronized double fractionUsed() {
        double f = 0;
        if (budget.time() != null) {
            f = Math.max(f, (double) elapsed().toNanos() / budget.time().toNanos());
        }
        if (budget.tokens() > 0) {
            f = Math.max(f, (double) tokensUsed / budget.tokens());
        }
        if (budget.samples() > 0) {
            f = Math.max(f, (double) chainsFinished / budget.samples());
        }
        return Math.min(1.0, f);
    }

    /** Time left before the time limit (never negative), or empty when the budget has no time limit. */
    public Optional<Duration> timeLeft() {
        if (budget.time() == null) {
            return Optional.empty();
        }
        Duration left = budget.time().minus(elapsed());
        return Optional.of(left.isNegative() ? Duration.ZERO : left);
    }

    private boolean timeUp() {
        return budget.time() != null && elapsed().compareTo(budget.time()) >= 0;
    }
}
