package dev.reason.search.stop;

import dev.reason.search.vote.VoteTally;

/**
 * Adaptive-Consistency's Beta stopping rule (Aggarwal et al., 2023): with v1 votes for the leader and
 * v2 for the runner-up, the leader's share of the two, X, has posterior Beta(v1+1, v2+1) under a
 * uniform prior; stop once P(X &gt; 1/2) &gt;= threshold and at least {@code minVotes} votes are in.
 *
 * <p>For integer parameters the posterior is exact: P(X &gt; 1/2) = P(Binomial(v1+v2+1, 1/2) &lt;= v1),
 * a binomial tail computed with exact power-of-two scaling so it stays accurate (about 1e-14
 * relative) for thousands of votes.
 *
 * @param threshold posterior needed to stop, in (0.5, 1]
 * @param minVotes  votes needed before stopping, &gt;= 1
 */
public record AcBeta(double threshold, int minVotes) implements StopRule {

    public static final double DEFAULT_THRESHOLD = 0.95;
    public static final int DEFAULT_MIN_VOTES = 3;

    public AcBeta {
        if (!(threshold > 0.5 && threshold <= 1.0)) {
            throw new IllegalArgumentException("ac-beta threshold must be in (0.5, 1], got " + threshold);
        }
        if (minVotes < 1) {
            throw new IllegalArgumentException("ac-beta minVotes must be >= 1, got " + minVotes);
        }
    }

    public AcBeta() {
        this(DEFAULT_THRESHOLD, DEFAULT_MIN_VOTES);
    }

    @Override
    public String name() {
        return "ac-beta";
    }

    /** Confidence 0 with no votes; otherwise {@link #posterior} of the leader's and runner-up's vote counts. */
    @Override
    public Decision check(VoteTally tally, int chainsStillPossible) {
        if (tally.totalVotes() == 0) {
            return new Decision(false, 0.0);
        }
        double p = posterior(tally.leaderVotes(), tally.runnerUpVotes());
        return new Decision(p >= threshold && tally.totalVotes() >= minVotes, p);
    }

    /** P(X &gt; 1/2) for X ~ Beta(v1+1, v2+1). */
    public static double posterior(int v1, int v2) {
        if (v1 < 0 || v2 < 0) {
            throw new IllegalArgumentException("vote counts must be >= 0, got " + v1 + " and " + v2);
        }
        // I_x(a, b) = P(Bin(a+b-1, x) >= a), so P(X > 1/2) = P(Bin(n, 1/2) <= a-1) with a = v1+1.
        long n = (long) v1 + v2 + 1;
        long m = v1; // = a - 1
        // Sum the shorter tail directly; the longer one is 1 minus the other (symmetry at p = 1/2).
        if (m <= n - m - 1) {
            return lowerTail(n, m);
        }
        return 1.0 - lowerTail(n, n - m - 1);
    }

    /** P(Bin(n, 1/2) <= m) for m < n/2, where the terms grow with k, so the last one is the largest. */
    private static double lowerTail(long n, long m) {
        if (m < 0) {
            return 0.0;
        }
        // C(n, m) as a product of ratios, rescaled by exact powers of two to stay in range; this keeps
        // the relative error near sqrt(m) ulps, where summing logarithms would lose about 1e-12.
        double top = 1;
        long exp2 = -n;
        for (long k = 0; k < m; k++) {
            top = top * (n - k) / (k + 1);
            if (top > 0x1p500) {
                top = Math.scalb(top, -500);
                exp2 += 500;
            }
        }
        // Sum C(n,k)/C(n,m) for k = m, m-1, ... using C(n,k-1)/C(n,k) = k/(n-k+1); stop once negligible.
        double sum = 1;
        double term = 1;
        for (long k = m; k > 0; k--) {
            term *= (double) k / (n - k + 1);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        // Apply the power of two in two steps so an intermediate never overflows or underflows early.
        double scaled = top * sum;
        while (exp2 < -1000) {
            scaled = Math.scalb(scaled, -1000);
            exp2 += 1000;
            if (scaled == 0) {
                return 0.0;
            }
        }
        return Math.scalb(scaled, (int) exp2);
    }
}
