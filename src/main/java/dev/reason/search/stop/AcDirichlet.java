package dev.reason.search.stop;

import dev.reason.search.vote.VoteTally;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Adaptive-Consistency's Dirichlet stopping rule (Aggarwal et al., 2023): with vote counts v_1..v_m for the
 * m distinct answers, the answers' probabilities have posterior Dirichlet(v_1+1, ..., v_m+1) under a
 * uniform prior; P = the posterior probability that the leader's probability is the largest. Stop once
 * P &gt;= threshold and at least {@code minVotes} votes are in. With fewer than 3 distinct answers the rule
 * is {@link AcBeta} (as in the paper's code), for which the posterior is exact.
 *
 * <p>P is estimated by Monte Carlo: {@code samples} draws, each component a Gamma(v_i+1) variate
 * (Marsaglia-Tsang, normals by the polar method) from a {@link SplittableRandom} seeded afresh with
 * {@code seed} on every check, so the same votes always give the same P (the argmax of the Gammas is the
 * argmax of the Dirichlet draw; no normalization needed). All distinct answers take part; there is no
 * pseudo-answer for "other". The standard error is about sqrt(P(1-P)/samples): 0.005 near P = 0.95 with
 * 2000 samples.
 *
 * @param threshold P needed to stop, in (0.5, 1]
 * @param samples   Monte Carlo draws per check, &gt;= 1
 * @param seed      seed of the draws
 * @param minVotes  votes needed before stopping, &gt;= 1
 */
public record AcDirichlet(double threshold, int samples, long seed, int minVotes) implements StopRule {

    public static final int DEFAULT_SAMPLES = 2000;
    public static final long DEFAULT_SEED = 0x5EEDL;

    public AcDirichlet {
        if (!(threshold > 0.5 && threshold <= 1.0)) {
            throw new IllegalArgumentException("ac-dirichlet threshold must be in (0.5, 1], got " + threshold);
        }
        if (samples < 1) {
            throw new IllegalArgumentException("ac-dirichlet samples must be >= 1, got " + samples);
        }
        if (minVotes < 1) {
            throw new IllegalArgumentException("ac-dirichlet minVotes must be >= 1, got " + minVotes);
        }
    }

    /** Threshold 0.95, 2000 samples, a fixed seed, at least 3 votes. */
    public AcDirichlet() {
        this(AcBeta.DEFAULT_THRESHOLD, DEFAULT_SAMPLES, DEFAULT_SEED, AcBeta.DEFAULT_MIN_VOTES);
    }

    @Override
    public String name() {
        return "ac-dirichlet";
    }

    @Override
    public Decision check(VoteTally tally, int chainsStillPossible) {
        List<VoteTally.Candidate> ranking = tally.ranking();
        if (ranking.size() < 3) {
            return new AcBeta(threshold, minVotes).check(tally, chainsStillPossible);
        }
        int[] votes = new int[ranking.size()];
        for (int i = 0; i < votes.length; i++) {
            votes[i] = ranking.get(i).votes();
        }
        double p = posterior(votes, 0, samples, seed);
        return new Decision(p >= threshold && tally.totalVotes() >= minVotes, p);
    }

    /**
     * Monte Carlo estimate of P(component {@code leader} is the largest) for Dirichlet(votes + 1).
     *
     * @param votes  vote counts, each &gt;= 0, at least one
     * @param leader index into {@code votes}
     */
    public static double posterior(int[] votes, int leader, int samples, long seed) {
        if (votes.length == 0) {
            throw new IllegalArgumentException("no vote counts");
        }
        if (leader < 0 || leader >= votes.length) {
            throw new IllegalArgumentException("leader index " + leader + " out of range");
        }
        for (int v : votes) {
            if (v < 0) {
                throw new IllegalArgumentException("vote counts must be >= 0, got " + v);
            }
        }
        if (votes.length == 1) {
            return 1.0;
        }
        SplittableRandom random = new SplittableRandom(seed);
        int wins = 0;
        for (int s = 0; s < samples; s++) {
            double lead = gamma(votes[leader] + 1.0, random);
            boolean largest = true;
            for (int i = 0; i < votes.length; i++) {
                // Draw every component even after the leader has lost, so each draw uses the same number of
                // Gamma variates and draws stay aligned across calls.
                if (i != leader && gamma(votes[i] + 1.0, random) >= lead) {
                    largest = false;
                }
            }
            if (largest) {
                wins++;
            }
        }
        return (double) wins / samples;
    }

    /** A Gamma(shape, 1) variate: Marsaglia and Tsang (2000), with the u^(1/a) boost for shape &lt; 1. */
    static double gamma(double shape, SplittableRandom random) {
        if (shape < 1) {
            double u = random.nextDouble();
            return gamma(shape + 1, random) * Math.pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = normal(random);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = random.nextDouble();
            double x2 = x * x;
            if (u < 1 - 0.0331 * x2 * x2) {
                return d * v;
            }
            if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /** A standard normal variate by Marsaglia's polar method (one of the pair; simple and JDK-independent). */
    static double normal(SplittableRandom random) {
        while (true) {
            double a = 2 * random.nextDouble() - 1;
            double b = 2 * random.nextDouble() - 1;
            double s = a * a + b * b;
            if (s > 0 && s < 1) {
                return a * Math.sqrt(-2 * Math.log(s) / s);
            }
        }
    }
}
