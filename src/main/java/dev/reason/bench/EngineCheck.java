package dev.reason.bench;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Engine;
import dev.reason.runtime.Chain;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Checks one engine against a reference engine on the same inputs (the CUDA engine against ONNX Runtime): the
 * prompt's logits, the logits of cached decoding steps, cached decoding against a full forward pass of the same
 * tokens, and greedy continuations token for token. Engine-agnostic, so it runs on any two engines.
 */
public final class EngineCheck {
    private EngineCheck() {
    }

    /**
     * How far logits are apart: the largest absolute difference; ||a - b|| / ||b|| over every row compared, the
     * measure the tolerance holds; and the largest of that for one row, shown beside it. One row can be several
     * times the whole: bf16 rounding of a random-weight model's own weights gives 0.009 over 2,400 rows and 0.032
     * on the worst one (a row of near-uniform logits has a small norm).
     */
    public record Diff(double maxAbs, double squaredError, double squaredReference, double worstRowRelL2) {
        static final Diff ZERO = new Diff(0, 0, 0, 0);

        /** One row: a[aOffset, + n) against the reference b[bOffset, + n). */
        public static Diff of(float[] a, int aOffset, float[] b, int bOffset, int n) {
            double max = 0;
            double num = 0;
            double den = 0;
            for (int i = 0; i < n; i++) {
                double x = a[aOffset + i];
                double y = b[bOffset + i];
                double d = Math.abs(x - y);
                if (!(d <= max)) {                   // NaN counts as the worst difference
                    max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                }
                num += (x - y) * (x - y);
                den += y * y;
            }
            return new Diff(max, num, den, relative(num, den));
        }

        /** ||a - b|| / ||b|| over all rows; +infinity for NaN. */
        public double relL2() {
            return relative(squaredError, squaredReference);
        }

        Diff plus(Diff o) {
            return new Diff(Math.max(maxAbs, o.maxAbs), squaredError + o.squaredError,
                    squaredReference + o.squaredReference, Math.max(worstRowRelL2, o.worstRowRelL2));
        }

        private static double relative(double num, double den) {
            double rel = den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
            return Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel;
        }
    }

    /** Tolerances: fp32 is held to a max absolute difference, reduced precision to a relative L2 error over all
     *  the rows of a check. */
    public record Tolerance(double maxAbs, double relL2, boolean greedyMustAgree) {
        public static final Tolerance FP32 = new Tolerance(1e-3, Double.POSITIVE_INFINITY, true);
        public static final Tolerance BF16 = new Tolerance(Double.POSITIVE_INFINITY, 2e-2, false);

        boolean holds(Diff d) {
            return d.maxAbs() <= maxAbs && d.relL2() <= relL2;
        }

        /**
         * Greedy continuations may part where the reference's two candidates are within this of each other: two
         * engines each within maxAbs of the other can order them either way. Random-weight models have such
         * near-ties (the top two of 49k near-normal logits are ~0.2 apart on average, closer than 2e-3 about once
         * in a hundred steps), trained ones rarely.
         */
        double greedyTieMargin() {
            return 2 * maxAbs;
        }
    }

    /**
     * @param prompt        logits after each prompt (candidate vs reference)
     * @param decode        logits of {@code steps} cached decoding steps, the reference's greedy tokens fed to both
     * @param cacheVsFull   the candidate's cached decoding against its own full forward pass of the same tokens
     * @param greedyAgreed  prompts whose greedy continuations agree token for token
     * @param greedyNearTies prompts whose continuations part where the reference's two tokens are within {@link
     *                       Tolerance#greedyTieMargin} (agreeing up to there)
     * @param firstMismatch a description of the first greedy disagreement (not at a near-tie), or null
     * @param firstNearTie  a description of the first parting at a near-tie, or null
     * @param interrupted   the check stopped before every prompt was checked ({@code prompts} and
     *                      {@code greedyPrompts} count those that were)
     */
    public record Report(int prompts, Diff prompt, Diff decode, Diff cacheVsFull, int greedyAgreed, int greedyNearTies,
                         int greedyPrompts, String firstMismatch, String firstNearTie, Tolerance tolerance,
                         boolean interrupted) {
        /** Whether every check holds on what was checked (an interrupted check has not passed: see withinTolerance). */
        public boolean passed() {
            return !interrupted && withinTolerance();
        }

        public boolean withinTolerance() {
            return tolerance.holds(prompt) && tolerance.holds(decode) && tolerance.holds(cacheVsFull)
                    && (!tolerance.greedyMustAgree() || greedyAgreed + greedyNearTies == greedyPrompts);
        }

        public String table() {
            StringBuilder sb = new StringBuilder("| check | max abs diff | relative L2 | worst row's | within tolerance |\n|---|---:|---:|---:|---|\n");
            row(sb, "prompt logits (" + prompts + " prompts)", prompt);
            row(sb, "cached decoding logits", decode);
            row(sb, "cached decoding vs full forward", cacheVsFull);
            String ties = greedyNearTies == 0 ? "" : String.format(Locale.ROOT, ", %d more up to a near-tie",
                    greedyNearTies);
            sb.append(String.format(Locale.ROOT, "| greedy continuations agree | %d of %d%s | | | %s |%n", greedyAgreed,
                    greedyPrompts, ties, !tolerance.greedyMustAgree() ? "not required"
                            : greedyAgreed + greedyNearTies == greedyPrompts ? "yes" : "NO"));
            if (firstMismatch != null) {
                sb.append("\nfirst greedy disagreement: ").append(firstMismatch).append('\n');
            }
            if (firstNearTie != null) {
                sb.append("\nfirst parting at a near-tie: ").append(firstNearTie).append('\n');
            }
            return sb.toString();
        }

        private void row(StringBuilder sb, String name, Diff d) {
            sb.append(String.format(Locale.ROOT, "| %s | %.3g | %.3g | %.3g | %s |%n", name, d.maxAbs(), d.relL2(),
                    d.worstRowRelL2(), tolerance.holds(d) ? "yes" : "NO"));
        }
    }

    /**
     * @param prompts     token ids of each prompt
     * @param steps       cached decoding steps compared per prompt (and the greedy continuation length)
     * @param eosIds      tokens that end a greedy continuation
     * @param stop        asked before each prompt (Ctrl-C): once true, the report covers the prompts checked so far
     */
    public static Report run(Engine candidate, Engine reference, List<int[]> prompts, int steps, int[] eosIds,
                             Tolerance tolerance, BooleanSupplier stop) {
        Diff promptDiff = Diff.ZERO;
        Diff decodeDiff = Diff.ZERO;
        Diff cacheDiff = Diff.ZERO;
        int checked = 0;
        for (int[] prompt : prompts) {
            if (stop.getAsBoolean()) {
                break;
            }
            checked++;
            try (DecodeBatch c = candidate.start(prompt, 1, steps + 1);
                 DecodeBatch r = reference.start(prompt, 1, steps + 1)) {
                int vocab = r.vocabSize();
                if (c.vocabSize() != vocab) {
                    throw new IllegalStateException("the engines disagree on the vocabulary size: " + c.vocabSize()
                            + " against " + vocab);
                }
                promptDiff = promptDiff.plus(Diff.of(c.promptLogits(), 0, r.promptLogits(), 0, vocab));
                float[] last = r.promptLogits();
                List<Integer> fed = new ArrayList<>();
                c.startChain(0);
                r.startChain(0);
                for (int s = 0; s < steps; s++) {
                    int token = argmax(last, 0, vocab);
                    fed.add(token);
                    float[] cl = c.step(new int[] {token}, new boolean[] {true}).clone();
                    last = r.step(new int[] {token}, new boolean[] {true}).clone();
                    decodeDiff = decodeDiff.plus(Diff.of(cl, 0, last, 0, vocab));
                    if (s == steps - 1) {
                        cacheDiff = cacheDiff.plus(Diff.of(cl, 0, fullForward(candidate, prompt, fed), 0, vocab));
                    }
                }
            }
        }
        int agreed = 0;
        int nearTies = 0;
        String firstMismatch = null;
        String firstNearTie = null;
        int greedyChecked = 0;
        for (int i = 0; i < checked && !stop.getAsBoolean(); i++) {
            greedyChecked++;
            int[] a = greedy(candidate, prompts.get(i), steps, eosIds);
            int[] b = greedy(reference, prompts.get(i), steps, eosIds);
            if (Arrays.equals(a, b)) {
                agreed++;
                continue;
            }
            int at = Arrays.mismatch(a, b);
            float[] ref = fullForward(reference, prompts.get(i), Arrays.stream(b, 0, at).boxed().toList());
            int mine = chosen(a, at, ref, eosIds);
            int theirs = chosen(b, at, ref, eosIds);
            double margin = ref[theirs] - ref[mine];
            String where = String.format(Locale.ROOT, "prompt %d, token %d: %d against %d, %.2g apart in the"
                    + " reference's logits; %s against %s", i, at, mine, theirs, margin, Arrays.toString(a),
                    Arrays.toString(b));
            if (tolerance.greedyMustAgree() && margin <= tolerance.greedyTieMargin()) {
                nearTies++;
                firstNearTie = firstNearTie == null ? where : firstNearTie;
            } else {
                firstMismatch = firstMismatch == null ? where : firstMismatch;
            }
        }
        return new Report(checked, promptDiff, decodeDiff, cacheDiff, agreed, nearTies, greedyChecked,
                firstMismatch, firstNearTie, tolerance, greedyChecked < prompts.size());
    }

    /** The logits after prompt + tokens, computed by one prefill of the whole sequence (no cached steps). */
    private static float[] fullForward(Engine engine, int[] prompt, List<Integer> tokens) {
        int[] all = Arrays.copyOf(prompt, prompt.length + tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            all[prompt.length + i] = tokens.get(i);
        }
        try (DecodeBatch b = engine.start(all, 1, 1)) {
            return b.promptLogits().clone();
        }
    }

    /** The token a greedy continuation took at {@code at}: its own, or, where it ended, its best end token. */
    private static int chosen(int[] continuation, int at, float[] logits, int[] eosIds) {
        if (at < continuation.length) {
            return continuation[at];
        }
        int best = eosIds[0];
        for (int eos : eosIds) {
            best = logits[eos] > logits[best] ? eos : best;
        }
        return best;
    }

    private static int[] greedy(Engine engine, int[] prompt, int tokens, int[] eosIds) {
        Generator.Params params = new Generator.Params(SamplingParams.greedy(), 1, tokens, 0, eosIds, 0).pastAnswers();
        List<Chain> out = new ArrayList<>();
        new Generator(engine, () -> t -> "", params).runChains(prompt, 1, out);
        return out.get(0).tokens();
    }

    private static int argmax(float[] x, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[offset + i] > x[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
