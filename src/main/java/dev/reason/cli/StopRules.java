package dev.reason.cli;

import dev.reason.search.stop.AcBeta;
import dev.reason.search.stop.AcDirichlet;
import dev.reason.search.stop.DeepConfOnline;
import dev.reason.search.stop.Esc;
import dev.reason.search.stop.ExpectedGain;
import dev.reason.search.stop.FirstVerified;
import dev.reason.search.stop.StopRule;
import dev.reason.search.vote.Strategy;
import dev.reason.search.vote.VerifiedVote;
import dev.reason.search.vote.WeightedVote;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The names {@code --stop} and {@code --strategy} accept, with optional parameters after a colon:
 * {@code ac-beta:threshold=0.99}, {@code esc:window=8}, {@code gain:epsilon=0.05}, {@code deepconf:warmup=8,tau=0.9,window=32,keep=90},
 * {@code weighted:mode=deepconf-lowest-group,keep=90}, {@code verified:mode=drop}, {@code first-verified:give-up=16}.
 */
final class StopRules {
    static final String STOP_NAMES = "none, decided, ac-beta, ac-dirichlet, esc, gain, deepconf, first-verified";
    static final String STRATEGY_NAMES = "majority, weighted, verified";

    private StopRules() {
    }

    static StopRule parse(String spec) {
        Params p = new Params(spec, "--stop");
        StopRule rule = rule(name(spec), p);
        p.rejectUnknown();
        return rule;
    }

    private static StopRule rule(String name, Params p) {
        switch (name) {
            case "none":
                return StopRule.none();
            case "decided":
                return StopRule.decided();
            case "ac-beta":
                return new AcBeta(num(p, "threshold", AcBeta.DEFAULT_THRESHOLD), (int) num(p, "min", AcBeta.DEFAULT_MIN_VOTES));
            case "ac-dirichlet":
                return new AcDirichlet(num(p, "threshold", AcBeta.DEFAULT_THRESHOLD), AcDirichlet.DEFAULT_SAMPLES,
                        AcDirichlet.DEFAULT_SEED, (int) num(p, "min", AcBeta.DEFAULT_MIN_VOTES));
            case "esc":
                return new Esc((int) num(p, "window", Esc.DEFAULT_WINDOW));
            case "gain":
                return new ExpectedGain(num(p, "epsilon", ExpectedGain.DEFAULT_EPSILON),
                        (int) num(p, "min", ExpectedGain.DEFAULT_MIN_VOTES));
            case "deepconf":
                return new DeepConfOnline((int) num(p, "warmup", DeepConfOnline.DEFAULT_WARMUP),
                        num(p, "keep", DeepConfOnline.DEFAULT_KEEP_PERCENT), num(p, "tau", DeepConfOnline.DEFAULT_TAU),
                        (int) num(p, "window", 2048));
            case "first-verified":
                return new FirstVerified((int) num(p, "give-up", 0));
            default:
                throw new IllegalArgumentException("unknown --stop rule \"" + name + "\": use " + STOP_NAMES);
        }
    }

    static Strategy strategy(String spec) {
        Params p = new Params(spec, "--strategy");
        Strategy strategy = strategy(spec, name(spec), p);
        p.rejectUnknown();
        return strategy;
    }

    private static Strategy strategy(String spec, String name, Params p) {
        switch (name) {
            case "majority":
                return Strategy.majority();
            case "weighted":
                WeightedVote.Mode mode = WeightedVote.Mode.fromId(p.take("mode", "mean-logprob"));
                return Strategy.weighted(mode, (int) num(p, "window", 2048), num(p, "keep", 100));
            case "verified":
                String verifiedMode = p.take("mode", "drop");
                String cut = p.take("cut", "on");
                if (!cut.equals("on") && !cut.equals("off")) {
                    throw new IllegalArgumentException("--strategy " + spec + ": cut is on (a chain whose step fails"
                            + " ends there, once failing chains no longer vote) or off, got " + cut);
                }
                String redraw = p.take("redraw", null);
                int redraws = VerifiedVote.VERIFIERS_REDRAWS;
                if (redraw != null) {
                    if (!redraw.matches("\\d{1,3}") || Integer.parseInt(redraw) > 100) {
                        throw new IllegalArgumentException("--strategy " + spec + ": redraw is how many times a line"
                                + " whose step fails is written again, a whole number from 0 to 100, got " + redraw);
                    }
                    redraws = Integer.parseInt(redraw);
                }
                String backtrack = p.take("backtrack", null);
                if (backtrack != null && !backtrack.equals("on") && !backtrack.equals("off")) {
                    throw new IllegalArgumentException("--strategy " + spec + ": backtrack is on (a line whose redraws"
                            + " ran out sends the chain back to draw an earlier line again) or off, got " + backtrack);
                }
                if (!verifiedMode.equals("drop") && !verifiedMode.equals("downweight")) {
                    throw new IllegalArgumentException("--strategy " + spec + ": mode is drop (failing chains do not"
                            + " vote) or downweight (they vote at weight 0.1), got " + verifiedMode);
                }
                VerifiedVote.Backtrack backtracks = VerifiedVote.Backtrack.VERIFIERS;
                if (backtrack != null) {
                    backtracks = backtrack.equals("on") ? VerifiedVote.Backtrack.ON : VerifiedVote.Backtrack.OFF;
                }
                VerifiedVote.Mode failing = verifiedMode.equals("downweight")
                        ? VerifiedVote.Mode.DOWNWEIGHT : VerifiedVote.Mode.DROP;
                return Strategy.verified(failing).withFailedStepsCut(cut.equals("on")).withRedrawsPerLine(redraws)
                        .withBacktrack(backtracks);
            default:
                throw new IllegalArgumentException("unknown --strategy \"" + name + "\": use " + STRATEGY_NAMES);
        }
    }

    private static String name(String spec) {
        int colon = spec.indexOf(':');
        return (colon < 0 ? spec : spec.substring(0, colon)).strip();
    }

    private static double num(Params p, String key, double fallback) {
        String v = p.take(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter " + key + "=" + v + " is not a number");
        }
    }

    /**
     * The key=value pairs after a spec's colon. Each is taken as the rule or strategy reads it, which also records
     * what it takes, so that one left over is an error naming them.
     */
    private static final class Params {
        private final String spec;
        private final String option;
        private final Map<String, String> given = new HashMap<>();
        private final Set<String> taken = new LinkedHashSet<>();

        Params(String spec, String option) {
            this.spec = spec;
            this.option = option;
            int colon = spec.indexOf(':');
            if (colon < 0) {
                return;
            }
            for (String kv : spec.substring(colon + 1).split(",")) {
                String[] parts = kv.split("=", 2);
                if (parts.length != 2 || parts[0].isBlank()) {
                    throw new IllegalArgumentException(option + " " + spec + ": parameters are key=value pairs separated by commas");
                }
                given.put(parts[0].strip(), parts[1].strip());
            }
        }

        String take(String key, String fallback) {
            taken.add(key);
            String v = given.remove(key);
            return v == null ? fallback : v;
        }

        void rejectUnknown() {
            if (!given.isEmpty()) {
                throw new IllegalArgumentException(option + " " + spec + ": unknown parameter "
                        + String.join(", ", new TreeSet<>(given.keySet())) + " (" + name(spec) + " takes "
                        + (taken.isEmpty() ? "no parameters" : String.join(", ", taken)) + ")");
            }
        }
    }
}
