package dev.reason.search;

import dev.reason.engine.Engine;
import dev.reason.model.TextStream;
import dev.reason.runtime.Chain;
import dev.reason.runtime.FinishReason;
import dev.reason.runtime.Generator;
import dev.reason.sampling.TokenChoice;
import dev.reason.search.answer.AnswerExtractor;
import dev.reason.search.stop.StopRule;
import dev.reason.search.verify.Verifier;
import dev.reason.search.vote.ScoredChain;
import dev.reason.search.vote.Strategy;
import dev.reason.search.vote.VoteTally;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Self-consistency search: spends a budget on parallel chains of thought, extracts each chain's answer,
 * votes (by the strategy: plain, confidence-weighted or verified), and stops when the budget runs out or the
 * stopping rule says the vote is decided. Whatever stops it (budget, rule, Ctrl-C), the result carries the
 * best answer so far. Greedy decoding (temperature 0) runs one chain: every chain would be the same. One Search
 * serves one question: stopping rules may keep state.
 */
public final class Search {
    private final Engine engine;
    private final Supplier<TextStream> texts;
    private final Generator.Params params;
    private final Budget budget;
    private final Strategy strategy;
    private final StopRule rule;
    private final Verifier verifier;
    private final Steps steps;
    private final Clock clock;

    /**
     * @param verifier        checks chains for a strategy or rule that reads their verdicts ({@link
     *                        Strategy#usesVerifier}, {@link StopRule#usesVerifier}); {@link Verifier#none()} otherwise
     * @param steps           what the lines a chain writes are: only {@link Steps#ASSERTED} ones are redrawn or cut
     *                        when a step fails
     */
    public Search(Engine engine, Supplier<TextStream> texts, Generator.Params params, Budget budget, Strategy strategy,
                  StopRule rule, Verifier verifier, Steps steps, Clock clock) {
        this.engine = engine;
        this.texts = texts;
        this.params = params;
        this.budget = budget;
        this.strategy = strategy;
        this.rule = rule;
        this.verifier = verifier;
        this.steps = steps;
        this.clock = clock;
    }

    /** Plain majority voting, no verifier. */
    public Search(Engine engine, Supplier<TextStream> texts, Generator.Params params, Budget budget, StopRule rule,
                  Clock clock) {
        this(engine, texts, params, budget, Strategy.majority(), rule, Verifier.none(), Steps.ASSERTED, clock);
    }

    /** What the lines a chain writes are: whether a line whose step fails may be redrawn or end the chain. */
    public enum Steps {
        /**
         * Every line is asserted, as a model that answers without thinking first writes it: a failing line may be
         * redrawn ({@link Strategy#redrawsPerLine}) or end the chain ({@link Strategy#mayCutFailingChains}).
         */
        ASSERTED,
        /** Lines tried out while the model thinks before it answers: a failing one is left to stand. */
        TRIED
    }

    /**
     * @param question    the question as asked (verifiers read it)
     * @param interrupted polled between decode steps (Ctrl-C)
     * @param progress    receives a snapshot after every finished chain and every few steps
     */
    public SearchResult run(String question, int[] prompt, BooleanSupplier interrupted, Consumer<SearchResult> progress) {
        SearchResult[] result = new SearchResult[1];
        Generator.Job job = job(question, prompt, interrupted, progress, r -> result[0] = r);
        new Generator(engine, texts, params.withParallel(slots())).run(List.of(job).iterator(),
                Generator.Admission.ONE);
        return result[0];
    }

    /**
     * This question's search as a job of a run that several questions share ({@link Generator#run(java.util.Iterator,
     * Generator.Admission)}): its budget's clock starts when the run admits it, and {@code done} receives its result
     * when the run ends it.
     */
    public Generator.Job job(String question, int[] prompt, BooleanSupplier interrupted, Consumer<SearchResult> progress,
                             Consumer<SearchResult> done) {
        return new Generator.Job(prompt, params.withParallel(slots()), () -> new Run(question, interrupted, progress,
                done));
    }

    /** The batch's slots: this search's {@link #width}. */
    private int slots() {
        return width(params, budget);
    }

    /**
     * The chains a search runs at once: --parallel, but no more than chains can ever run (the sample budget; one when
     * greedy), since an idle slot still costs its row of every decode step.
     */
    public static int width(Generator.Params params, Budget budget) {
        int most = params.sampling().isGreedy() ? 1 : budget.samples() > 0 ? budget.samples() : Integer.MAX_VALUE;
        return Math.min(params.parallel(), most);
    }

    /**
     * The redraws of one chain's failing lines, a depth-first search over its lines: a failing line is drawn again up
     * to {@code perLine} times under the lines before it; once it has failed that often the chain may go back to the
     * nearest earlier line with redraws left and draw that one again (backtracking, where the verifier finds it pays:
     * a dead end shows only lines after the step that made it), whose later lines then start afresh. As going back
     * makes the search a tree whose size grows with the power of its depth, a chain goes back only while it has drawn
     * fewer tokens than its token limit. With nothing left to redraw, the chain is given up to the vote (or the cut).
     */
    private static final class Redraws {
        final List<Integer> used = new ArrayList<>();  // by line number: redraws of that line under the lines before it
        int total;
        int drawn;  // tokens drawn for the chain, those of lines dropped included (counted when backtracking)
        boolean givenUp;

        /** How many of the text's last lines to drop because its last line just failed (0: the line stands). */
        int linesToRedraw(CharSequence text, int perLine, boolean backtrack) {
            if (givenUp) {
                return 0;
            }
            int line = 0;
            for (int i = Generator.lastLineStart(text) - 1; i >= 0; i--) {
                line += text.charAt(i) == '\n' ? 1 : 0;
            }
            while (used.size() <= line) {
                used.add(0);
            }
            for (int j = line; j >= (backtrack ? 0 : line); j--) {
                if (used.get(j) < perLine) {
                    used.set(j, used.get(j) + 1);
                    used.subList(j + 1, used.size()).clear();
                    total++;
                    return line - j + 1;
                }
            }
            givenUp = true;
            return 0;
        }
    }

    /** One search in progress: the budget meter, the scored chains and the decode loop's listener. */
    private final class Run implements Generator.Listener {
        final BudgetMeter meter = new BudgetMeter(budget, clock);
        final List<ScoredChain> scored = new ArrayList<>();
        final List<SearchResult.ChainReport> chains = new ArrayList<>();
        final Map<Integer, StopRule.TokenWatch> watches = new HashMap<>();  // the rule's, of the running chains
        final String question;
        final BooleanSupplier interrupted;
        final Consumer<SearchResult> progress;
        final Consumer<SearchResult> done;
        VoteTally tally = new VoteTally();
        StopReason stopped;
        StopRule.Decision decision = new StopRule.Decision(false, 0);
        boolean cutFailingChains;  // whether a chain's failing step may end it now: settled as chains finish
        final int redrawsPerLine = steps == Steps.ASSERTED ? strategy.redrawsPerLine(verifier) : 0;
        final boolean backtrack = strategy.backtracks(verifier);
        final Map<Integer, Redraws> redraws = new HashMap<>();  // of chains that failed a line (every one, when backtracking)
        Generator.Stats stats;
        int active;
        int rounds;

        Run(String question, BooleanSupplier interrupted, Consumer<SearchResult> progress,
            Consumer<SearchResult> done) {
            this.question = question;
            this.interrupted = interrupted;
            this.progress = progress;
            this.done = done;
        }

        @Override
        public void onEnd(Generator.Stats counters) {
            stats = counters;
            done.accept(snapshot(true));
        }

        @Override
        public boolean mayStartChain() {
            if (stopped != null || decision.stop() || interrupted.getAsBoolean() || !meter.mayStartChain()
                    || params.sampling().isGreedy() && meter.chainsStarted() > 0) {
                return false;
            }
            meter.chainStarted();
            return true;
        }

        @Override
        public boolean stopNow(int activeChains) {
            active = activeChains;
            if (stopped == null) {
                if (interrupted.getAsBoolean()) {
                    stopped = StopReason.INTERRUPTED;
                } else if (decision.stop()) {
                    stopped = StopReason.DECIDED;
                } else {
                    stopped = meter.check(activeChains).orElse(null);
                }
            }
            if (stopped == null && ++rounds % 8 == 0) {
                progress.accept(snapshot(false));
            }
            return stopped != null;
        }

        @Override
        public void onTokens(int count) {
            meter.tokensGenerated(count);
        }

        @Override
        public Generator.Next afterToken(int chainIndex, int tokens, TokenChoice choice, CharSequence text) {
            if (backtrack && redrawsPerLine > 0) {  // what bounds going back; otherwise no work per token
                redraws.computeIfAbsent(chainIndex, i -> new Redraws()).drawn++;
            }
            if ((redrawsPerLine > 0 || cutFailingChains) && verifier.failsAtLineEnd(question, text)) {
                Redraws r = redraws.computeIfAbsent(chainIndex, i -> new Redraws());
                int lines = r.linesToRedraw(text, redrawsPerLine, backtrack && r.drawn < params.maxNewTokens());
                if (lines > 0) {
                    return Generator.Next.redraw(lines);
                }
                if (cutFailingChains) {
                    return Generator.Next.CUT;  // its vote would be dropped whatever it writes next
                }
            }
            return watches.computeIfAbsent(chainIndex, i -> rule.watchChain()).cutAfter(tokens, choice)
                    ? Generator.Next.CUT : Generator.Next.GO_ON;
        }

        private int redrawnLines(Chain chain) {
            Redraws r = redraws.remove(chain.index());
            return r == null ? 0 : r.total;
        }

        @Override
        public void onChainFinished(Chain chain) {
            meter.chainFinished();
            watches.remove(chain.index());
            ScoredChain sc = score(chain);
            scored.add(sc);
            rule.chainFinished(sc);
            tally = rule.tally(strategy, scored);
            cutFailingChains = steps == Steps.ASSERTED && strategy.mayCutFailingChains(scored);
            chains.add(SearchResult.ChainReport.of(chain, sc.answer(), sc.verdict(), redrawnLines(chain)));
            decision = rule.check(rule.evidence(strategy, scored), stillPossible());
            progress.accept(snapshot(false));
        }

        private ScoredChain score(Chain chain) {
            // a cut or looping chain stopped mid-thought: whatever number it last wrote is not its answer
            String a = chain.finish() == FinishReason.CUT || chain.finish() == FinishReason.LOOP ? null
                    : AnswerExtractor.extract(chain.text()).map(AnswerExtractor.Answer::value).orElse(null);
            return ScoredChain.of(chain, a, verifier, question);
        }

        @Override
        public void onUnfinished(List<Chain> unfinished) {
            // Unfinished chains vote only when nothing finished has an answer: an anytime answer, never nothing.
            boolean anytime = tally.totalVotes() == 0;
            List<ScoredChain> partial = new ArrayList<>();
            for (Chain c : unfinished) {
                ScoredChain sc = anytime ? score(c) : ScoredChain.of(c, null);
                chains.add(SearchResult.ChainReport.of(c, sc.answer(), sc.verdict(), redrawnLines(c)));
                partial.add(sc);
            }
            if (anytime && !partial.isEmpty()) {
                tally = strategy.tally(partial);
            }
        }

        /** Chains that could still vote: the rest of the sample budget, or unknown. */
        private int stillPossible() {
            return budget.samples() > 0 ? Math.max(0, budget.samples() - meter.chainsFinished()) : Integer.MAX_VALUE;
        }

        /** Why the search ended: what stopped it, else a greedy run's one chain or no chain left to start. */
        private StopReason stopReason() {
            if (stopped != null) {
                return stopped;
            }
            return params.sampling().isGreedy() ? StopReason.GREEDY : StopReason.NO_MORE_CHAINS;
        }

        SearchResult snapshot(boolean last) {
            StopRule.Decision d = decision; // the rule's verdict after the last finished chain
            return new SearchResult(
                    tally.leader().map(VoteTally.Candidate::answer).orElse(null),
                    tally.ranking(),
                    tally.totalVotes(),
                    d.confidence(),
                    strategy.name(),
                    rule.name(),
                    List.copyOf(chains),
                    meter.chainsStarted(),
                    last ? 0 : active,
                    meter.tokensUsed(),
                    meter.elapsed().toNanos() / 1e9,
                    engine.description(),
                    last ? stopReason() : null,
                    budget.toString(),
                    stats == null ? 0 : stats.backendNanos() / 1e9);
        }
    }
}
