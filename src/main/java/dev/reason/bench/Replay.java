package dev.reason.bench;

import dev.reason.search.stop.AcBeta;
import dev.reason.search.stop.AcDirichlet;
import dev.reason.search.stop.DeepConfOnline;
import dev.reason.search.stop.Esc;
import dev.reason.search.stop.ExpectedGain;
import dev.reason.search.stop.FirstVerified;
import dev.reason.search.stop.StopRule;
import dev.reason.search.verify.Verifier;
import dev.reason.search.vote.ScoredChain;
import dev.reason.search.vote.Strategy;
import dev.reason.search.vote.VerifiedVote;
import dev.reason.search.vote.VoteTally;
import dev.reason.search.vote.WeightedVote;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Replays search strategies and stopping rules on stored pools, without running the model again: chains arrive in
 * their start order, each rule sees them one at a time exactly as the live search would, and the cost is the tokens
 * of the chains it consumed (up to the cut point for a chain DeepConf would have cut, or verified voting's early cut:
 * its first failing line, once a chain's answer has not failed).
 */
public final class Replay {
    private Replay() {
    }

    /**
     * A voting strategy with a stopping rule (a fresh rule per problem: rules may keep state). Methods that share a
     * {@code curve} are one rule at several settings, drawn as one line.
     */
    public record Method(String name, String curve, Strategy strategy, Supplier<StopRule> rule) {
        Method(String name, Strategy strategy, Supplier<StopRule> rule) {
            this(name, name, strategy, rule);
        }
    }

    /** One method's outcome over all problems: accuracy with its 95% interval, mean tokens and chains per problem. */
    public record Row(String method, String curve, int problems, double accuracy, double low, double high, double tokens,
                      double chains) {
    }

    /**
     * The methods compared in the recorded results. DeepConf's window is the chain length scale of the model
     * (its paper uses 2048 tokens for long reasoning traces; this model's chains are ~100 tokens). The early cut of
     * verified voting is replayed only from pools that record where chains fail ({@code failsAt}).
     */
    public static List<Method> standard(boolean withConfidence, boolean withFailPoints, int deepConfWindow) {
        List<Method> m = new ArrayList<>();
        m.add(new Method("majority", Strategy.majority(), StopRule::none));
        m.add(new Method("weighted (mean logprob)", Strategy.weighted(WeightedVote.Mode.MEAN_LOGPROB), StopRule::none));
        if (withConfidence) {
            m.add(new Method("weighted (DeepConf lowest group, top 90%)",
                    Strategy.weighted(WeightedVote.Mode.DEEPCONF_LOWEST_GROUP, deepConfWindow, 90), StopRule::none));
        }
        VerifiedVote drop = Strategy.verified(VerifiedVote.Mode.DROP);
        m.add(new Method("verified (drop failing chains)", drop.withFailedStepsCut(false).withRedrawsPerLine(0),
                StopRule::none));
        if (withFailPoints) {
            m.add(new Method("verified + cut at the first failing line", drop.withRedrawsPerLine(0), StopRule::none));
        }
        m.add(new Method("verified + first verified", drop, FirstVerified::new));
        m.add(new Method("majority + ac-beta 0.95", Strategy.majority(), AcBeta::new));
        m.add(new Method("majority + ac-dirichlet 0.95", Strategy.majority(), AcDirichlet::new));
        m.add(new Method("majority + esc w=5", Strategy.majority(), Esc::new));
        // The whole range of epsilon, so every report shows the trade-off (the default was chosen on a dev set).
        for (double epsilon : new double[] {0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10}) {
            m.add(new Method(String.format(Locale.ROOT, "majority + gain %.2f", epsilon), "majority + gain (0.01-0.10)",
                    Strategy.majority(), () -> new ExpectedGain(epsilon, ExpectedGain.DEFAULT_MIN_VOTES)));
        }
        if (withConfidence) {
            m.add(new Method("deepconf online (warm-up 16, keep 90%)", Strategy.majority(),
                    () -> new DeepConfOnline(DeepConfOnline.DEFAULT_WARMUP, 90, DeepConfOnline.DEFAULT_TAU, deepConfWindow)));
        }
        return m;
    }

    public static List<Row> run(List<ProblemResult> results, List<Method> methods, int maxK) {
        List<Row> rows = new ArrayList<>();
        for (Method method : methods) {
            double[] scores = new double[results.size()];
            double tokens = 0;
            double chains = 0;
            for (int i = 0; i < results.size(); i++) {
                Outcome o = replay(results.get(i), method, maxK);
                scores[i] = o.correct ? 1 : 0;
                tokens += o.tokens;
                chains += o.chains;
            }
            Estimators.Estimate e = Estimators.meanCi(scores);
            int n = Math.max(1, results.size());
            rows.add(new Row(method.name(), method.curve(), results.size(), e.mean(), e.low(), e.high(), tokens / n, chains / n));
        }
        return rows;
    }

    private record Outcome(boolean correct, long tokens, int chains) {
    }

    private static Outcome replay(ProblemResult r, Method method, int maxK) {
        List<ProblemResult.ChainResult> pool = r.pool().subList(0, Math.min(maxK, r.pool().size()));
        StopRule rule = method.rule().get();
        List<ScoredChain> scored = new ArrayList<>();
        VoteTally tally = new VoteTally();
        long tokens = 0;
        int used = 0;
        for (ProblemResult.ChainResult c : pool) {
            double[] conf = c.confidence() == null ? new double[0] : c.confidence();
            String answer = c.answer();
            long cost = c.tokens();
            if (c.failsAt() != null && method.strategy().mayCutFailingChains(scored)) {  // the live search cuts it there
                cost = c.failsAt();
                answer = null;
            }
            int cut = rule.cutPoint(conf);  // a chain without confidences has none to cut on
            if (cut >= 0) { // the live search would have stopped this chain here, without an answer
                cost = cut;
                answer = null;
                conf = Arrays.copyOf(conf, cut);
            }
            ScoredChain sc = new ScoredChain(answer, c.sumLogprob(), c.meanLogprob(), conf, verdict(c.verdict()));
            scored.add(sc);
            tokens += cost;
            used++;
            rule.chainFinished(sc);
            tally = rule.tally(method.strategy(), scored);
            if (rule.check(rule.evidence(method.strategy(), scored), pool.size() - used).stop()) {
                break;
            }
        }
        String leader = tally.leader().map(VoteTally.Candidate::answer).orElse(null);
        boolean correct = leader != null && pool.stream().anyMatch(c -> leader.equals(c.answer()) && c.correct());
        return new Outcome(correct, tokens, used);
    }

    private static Verifier.Verdict verdict(String v) {
        return v == null ? Verifier.Verdict.UNKNOWN : Verifier.Verdict.valueOf(v.toUpperCase(Locale.ROOT));
    }

    /**
     * Whether the vote share that {@code reason} reports can be trusted: per problem, the leader's share of the
     * answered chains of the whole pool (plain majority) against whether the leader is right, in 10 bins.
     */
    public static Estimators.Calibration voteShareCalibration(List<ProblemResult> results, int maxK) {
        double[] share = new double[results.size()];
        boolean[] right = new boolean[results.size()];
        for (int i = 0; i < results.size(); i++) {
            List<ProblemResult.ChainResult> pool = results.get(i).pool().subList(0, Math.min(maxK, results.get(i).pool().size()));
            VoteTally t = new VoteTally();
            pool.stream().filter(c -> c.answer() != null).forEach(c -> t.add(c.answer(), c.sumLogprob()));
            String leader = t.leader().map(VoteTally.Candidate::answer).orElse(null);
            share[i] = t.leaderShare();
            right[i] = leader != null && pool.stream().anyMatch(c -> leader.equals(c.answer()) && c.correct());
        }
        return Estimators.calibration(share, right, 10);
    }

    public static String calibrationMarkdown(Estimators.Calibration c) {
        StringBuilder sb = new StringBuilder("| vote share | problems | accuracy | mean share |\n|---|---:|---:|---:|\n");
        for (Estimators.Bin b : c.bins()) {
            if (b.count() > 0) {
                sb.append(String.format(Locale.ROOT, "| %.1f-%.1f | %d | %.3f | %.3f |%n", b.lo(), b.hi(), b.count(),
                        b.accuracy(), b.meanConfidence()));
            }
        }
        return sb.append(String.format(Locale.ROOT, "%nExpected calibration error: %.3f%n", c.ece())).toString();
    }

    /** The rows as CSV (fixed formatting). */
    public static String csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("method,problems,accuracy,ci_low,ci_high,tokens_per_problem,chains_per_problem\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "\"%s\",%d,%.6f,%.6f,%.6f,%.2f,%.3f%n", r.method(), r.problems(),
                    r.accuracy(), r.low(), r.high(), r.tokens(), r.chains()));
        }
        return sb.toString();
    }

    /** The rows as a Markdown table, with each method's accuracy and tokens relative to plain majority. */
    public static String markdown(List<Row> rows) {
        Row base = rows.get(0);
        StringBuilder sb = new StringBuilder("| method | accuracy | 95% CI | vs majority | tokens/problem | tokens vs majority | chains/problem |\n");
        sb.append("|---|---:|---|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f-%.3f | %+.1f pts | %.0f | %.0f%% | %.1f |%n", r.method(),
                    r.accuracy(), r.low(), r.high(), 100 * (r.accuracy() - base.accuracy()), r.tokens(),
                    100 * r.tokens() / Math.max(1e-9, base.tokens()), r.chains()));
        }
        return sb.toString();
    }
}
