package dev.reason.bench;

import dev.reason.bench.ProblemResult.ChainResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The table of a benchmark run: for each group (all problems, and optionally each difficulty) and each method
 * ({@code majority} and {@code coverage} = pass@k at k = 1, 2, 4, ..., K; {@code greedy} at k = 1) the accuracy with
 * its 95% interval and the cost per problem. Deterministic: results are taken in id order, majority subsets come
 * from a seed mixed with the problem id and k, and numbers are printed with fixed decimals in {@link Locale#ROOT},
 * so the same results file always gives byte-identical files.
 *
 * @param problems the number of results summarized
 * @param maxK     the largest k asked for (rows stop at the smallest pool if that is smaller)
 * @param samples  random subsets per problem and k for majority (exact when there are no more subsets than this)
 * @param seed     the seed of those subsets
 * @param rows     group by group, majority then coverage (k ascending) then greedy
 */
public record Summary(int problems, int maxK, int samples, long seed, List<Row> rows) {

    public static final String ALL = "all";
    private static final String CSV_HEADER =
            "group,method,k,problems,accuracy,ci_low,ci_high,tokens_per_problem,seconds_per_problem";

    public Summary {
        rows = List.copyOf(rows);
    }

    /**
     * One line of the table.
     *
     * @param group    {@code all} or a difficulty
     * @param method   {@code majority}, {@code coverage} or {@code greedy}
     * @param k        chains per problem
     * @param problems problems counted (those with a pool, or with a greedy chain for {@code greedy})
     * @param accuracy mean per-problem score
     * @param low      95% interval, low end
     * @param high     95% interval, high end
     * @param tokens   mean generated tokens per problem at this k (k times the mean chain's tokens)
     * @param seconds  mean chain seconds per problem at this k (k times the mean chain's seconds; sequential cost)
     */
    public record Row(String group, String method, int k, int problems, double accuracy, double low, double high,
                      double tokens, double seconds) {
    }

    /** {@link #compute(List, int, boolean, int, long)} with {@link Estimators#DEFAULT_SAMPLES} and seed 0. */
    public static Summary compute(List<ProblemResult> results, int maxK, boolean byDifficulty) {
        return compute(results, maxK, byDifficulty, Estimators.DEFAULT_SAMPLES, 0L);
    }

    /**
     * Summarizes {@code results}. A majority winner is right when the pool's chains with that answer were graded
     * right, so no grader is needed here. Problems with an empty pool are left out of majority and coverage.
     */
    public static Summary compute(List<ProblemResult> results, int maxK, boolean byDifficulty, int samples, long seed) {
        if (maxK < 1) {
            throw new IllegalArgumentException("K must be >= 1, got " + maxK);
        }
        List<ProblemResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparing(ProblemResult::id));
        List<Row> rows = new ArrayList<>();
        rows.addAll(groupRows(ALL, sorted, maxK, samples, seed));
        if (byDifficulty) {
            TreeSet<String> levels = new TreeSet<>();
            for (ProblemResult r : sorted) {
                if (r.difficulty() != null) {
                    levels.add(r.difficulty());
                }
            }
            for (String level : levels) {
                List<ProblemResult> group = sorted.stream().filter(r -> level.equals(r.difficulty())).toList();
                rows.addAll(groupRows(level, group, maxK, samples, seed));
            }
        }
        return new Summary(sorted.size(), maxK, samples, seed, rows);
    }

    /** The k of the rows: 1, 2, 4, ... below {@code limit}, then {@code limit} itself; empty when limit &lt; 1. */
    public static List<Integer> ks(int limit) {
        List<Integer> ks = new ArrayList<>();
        for (int k = 1; k < limit; k *= 2) {
            ks.add(k);
        }
        if (limit >= 1) {
            ks.add(limit);
        }
        return ks;
    }

    private static List<Row> groupRows(String group, List<ProblemResult> results, int maxK, int samples, long seed) {
        List<Row> rows = new ArrayList<>();
        List<ProblemResult> pooled = results.stream().filter(r -> !r.pool().isEmpty()).toList();
        if (!pooled.isEmpty()) {
            int smallest = pooled.stream().mapToInt(r -> r.pool().size()).min().orElseThrow();
            List<Integer> ks = ks(Math.min(maxK, smallest));
            double chainTokens = 0;
            double chainSeconds = 0;
            for (ProblemResult r : pooled) {
                chainTokens += r.pool().stream().mapToDouble(ChainResult::tokens).average().orElse(0);
                chainSeconds += r.pool().stream().mapToDouble(ChainResult::seconds).average().orElse(0);
            }
            chainTokens /= pooled.size();
            chainSeconds /= pooled.size();
            for (int k : ks) {
                double[] scores = new double[pooled.size()];
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = majority(pooled.get(i), k, samples, seed);
                }
                rows.add(row(group, "majority", k, scores, k * chainTokens, k * chainSeconds));
            }
            for (int k : ks) {
                double[] scores = new double[pooled.size()];
                for (int i = 0; i < scores.length; i++) {
                    List<ChainResult> pool = pooled.get(i).pool();
                    int c = (int) pool.stream().filter(ChainResult::correct).count();
                    scores[i] = Estimators.passAtK(pool.size(), c, k);
                }
                rows.add(row(group, "coverage", k, scores, k * chainTokens, k * chainSeconds));
            }
        }
        List<ChainResult> greedy = results.stream().map(ProblemResult::greedy).filter(g -> g != null).toList();
        if (!greedy.isEmpty()) {
            double[] scores = greedy.stream().mapToDouble(g -> g.correct() ? 1 : 0).toArray();
            rows.add(row(group, "greedy", 1, scores,
                    greedy.stream().mapToDouble(ChainResult::tokens).average().orElse(0),
                    greedy.stream().mapToDouble(ChainResult::seconds).average().orElse(0)));
        }
        return rows;
    }

    private static double majority(ProblemResult r, int k, int samples, long seed) {
        List<ChainResult> pool = r.pool();
        List<String> answers = new ArrayList<>(pool.size());
        double[] logprobs = new double[pool.size()];
        Map<String, Boolean> correct = new HashMap<>();
        for (int i = 0; i < pool.size(); i++) {
            ChainResult c = pool.get(i);
            answers.add(c.answer());
            // NaN would break the vote's ordering; such a chain just loses ties.
            logprobs[i] = Double.isNaN(c.sumLogprob()) ? Double.NEGATIVE_INFINITY : c.sumLogprob();
            if (c.answer() != null) {
                correct.merge(c.answer(), c.correct(), Boolean::logicalOr);
            }
        }
        Predicate<String> isCorrect = a -> correct.getOrDefault(a, false);
        // Mixed from the id (String.hashCode is fixed by the JLS), not the position, so order does not matter.
        long mixed = new SplittableRandom(seed ^ (r.id().hashCode() * 0x9E3779B97F4A7C15L) ^ ((long) k << 32))
                .nextLong();
        return Estimators.majorityAtK(answers, logprobs, isCorrect, k, samples, mixed);
    }

    private static Row row(String group, String method, int k, double[] scores, double tokens, double seconds) {
        Estimators.Estimate e = Estimators.meanCi(scores);
        return new Row(group, method, k, scores.length, e.mean(), e.low(), e.high(), tokens, seconds);
    }

    /** The table as CSV with a header line; {@code \n} line ends. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (Row r : rows) {
            sb.append(csvField(r.group())).append(',').append(r.method()).append(',').append(r.k()).append(',')
                    .append(r.problems()).append(',').append(fixed(r.accuracy())).append(',').append(fixed(r.low()))
                    .append(',').append(fixed(r.high())).append(',').append(tokens(r.tokens())).append(',')
                    .append(seconds(r.seconds())).append('\n');
        }
        return sb.toString();
    }

    /**
     * The summary as pretty-printed JSON with fixed key order and decimals; {@code \n} line ends. It holds only
     * what the same seed reproduces (no wall-clock seconds, which are in the CSV), so that a killed and resumed run
     * ends with the same file as an uninterrupted one.
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"problems\": ").append(problems).append(",\n");
        sb.append("  \"max_k\": ").append(maxK).append(",\n");
        sb.append("  \"samples\": ").append(samples).append(",\n");
        sb.append("  \"seed\": ").append(seed).append(",\n");
        sb.append("  \"rows\": [");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"group\": ").append(jsonString(r.group()))
                    .append(", \"method\": ").append(jsonString(r.method()))
                    .append(", \"k\": ").append(r.k())
                    .append(", \"problems\": ").append(r.problems())
                    .append(", \"accuracy\": ").append(fixed(r.accuracy()))
                    .append(", \"ci_low\": ").append(fixed(r.low()))
                    .append(", \"ci_high\": ").append(fixed(r.high()))
                    .append(", \"tokens_per_problem\": ").append(tokens(r.tokens()))
                    .append('}');
        }
        sb.append(rows.isEmpty() ? "]\n" : "\n  ]\n").append("}\n");
        return sb.toString();
    }

    /** Writes {@code summary.csv} and {@code summary.json} into {@code dir} (created if missing). */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("summary.csv"), toCsv(), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("summary.json"), toJson(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot write the summary (" + e.getMessage() + ")");
        }
    }

    private static String fixed(double x) {
        return String.format(Locale.ROOT, "%.6f", x);
    }

    private static String tokens(double x) {
        return String.format(Locale.ROOT, "%.2f", x);
    }

    private static String seconds(double x) {
        return String.format(Locale.ROOT, "%.4f", x);
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
