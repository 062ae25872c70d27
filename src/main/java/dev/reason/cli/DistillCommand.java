package dev.reason.cli;

import dev.reason.distill.ChainFilter;
import dev.reason.distill.Drop;
import dev.reason.distill.Filter;
import dev.reason.distill.RunFiles;
import dev.reason.distill.Selection;
import dev.reason.distill.Tally;
import dev.reason.distill.TrainingRecords;
import dev.reason.engine.Engine;
import dev.reason.engine.choice.Engines;
import dev.reason.model.ModelDirectory;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.search.Budget;
import dev.reason.search.Search;
import dev.reason.search.SearchResult;
import dev.reason.search.verify.Verifiers;
import dev.reason.search.vote.Strategy;
import dev.reason.shard.Shard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * {@code reason distill}: runs the search {@code reason --questions} runs on every question of a file and keeps the
 * chains that reached the answer wanted, as chat-format JSON Lines to fine-tune the next model on (STaR, rejection
 * sampling fine-tuning). Each question's records and its progress line are written when it ends, so a killed run
 * resumes where it stopped and gives the same file as one that ran through.
 */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Writes fine-tuning data: the chains the search keeps, as chat-format JSON Lines.",
                "It searches every question as reason --questions does and keeps the chains that agree with the vote's"
                + " winner (or are graded right), pass the verifier and ended on their own."},
        footer = DistillCommand.EXIT_CODES)
final class DistillCommand implements Callable<Integer> {
    @Option(names = "--questions", required = true, paramLabel = "FILE",
            description = "One question a line, or JSON Lines with \"question\" and optional \"id\" and \"answer\" (a Game"
                    + " of 24 line: \"numbers\"), as reason --questions reads them; - reads standard input.")
    String questionsFile;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "The JSON Lines written, one kept chain a line; FILE.progress beside it records the finished"
                    + " questions and the settings.")
    Path out;

    @Option(names = "--filter", paramLabel = "vote|label", defaultValue = "vote",
            description = "vote: keep chains whose answer is the vote's winner (no labels needed); label: keep chains"
                    + " graded right against the line's answer (default: ${DEFAULT-VALUE}).")
    String filter;

    @Option(names = "--min-share", paramLabel = "S", defaultValue = "0.5",
            description = "--filter vote: keep a question's chains only when the winner has at least this share of the"
                    + " votes, 0-1 (default: ${DEFAULT-VALUE}).")
    double minShare;

    @Option(names = "--keep", paramLabel = "K", defaultValue = "4",
            description = "At most K distinct chains a question, by chain index; copies (the same text but for"
                    + " whitespace) count once (default: ${DEFAULT-VALUE}).")
    int keep;

    @Option(names = "--resume", description = "Go on with the run in --out: skip its finished questions.")
    boolean resume;

    @Mixin
    ShardOptions shardOptions;

    @Option(names = "--budget", paramLabel = "SPEC", converter = Main.BudgetConverter.class, defaultValue = "32x",
            description = "Compute a question may spend, as reason --budget takes it; by default samples alone, so the"
                    + " data does not depend on the machine's speed (default: ${DEFAULT-VALUE}).")
    Budget budget;

    @Mixin
    SearchOptions searchOptions;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions decoding;

    @ParentCommand
    Main parent;

    static final String EXIT_CODES = "%nExit codes:%n"
            + "  0    every question done%n"
            + "  2    bad option or input (empty, not UTF-8, no question, no answers for --filter label), or --out in"
            + " the way%n"
            + "  3    model directory missing or unusable%n"
            + "  4    device unavailable%n"
            + "  5    some lines were skipped (each named on stderr); the rest are done%n"
            + "  130  interrupted (Ctrl-C) after a question: rerun with --resume%n";

    private long lastProgressNanos;
    private boolean progressShown;

    @Override
    public Integer call() throws IOException {
        ChainFilter chains = new ChainFilter(Filter.parse(filter), minShare, keep);
        Strategy voting = searchOptions.voting();
        Shard shard = shardOptions.resolve(parent.err);
        List<Questions.Question> questions = shard.select(readQuestions());
        if (chains.filter() == Filter.LABEL && questions.stream().allMatch(q -> q.expected() == null)) {
            throw new IllegalArgumentException("--filter label grades chains against each line's \"answer\" (or a Game"
                    + " of 24 line's \"numbers\"), and " + questionsFile + " has none: add them, or use --filter vote");
        }
        try (ModelDirectory model = modelOptions.open()) {
            SamplingParams sampling = decoding.sampling(model.generation());  // a bad option before the engine starts
            Map<String, Object> settings = settings(model, sampling, chains);
            if (!shard.whole()) {  // only then: runs recorded before shards resume as they were
                settings.put("shard", shard.toString());
            }
            RunFiles files = RunFiles.open(out, settings, resume);
            List<RunFiles.Entry> finished = files.finished();
            checkSameQuestions(questions, finished);
            Tally tally = new Tally();
            finished.forEach(tally::add);
            TrainingRecords records = new TrainingRecords(
                    model.path().toAbsolutePath().normalize().getFileName().toString(), searchOptions.strategy,
                    searchOptions.stop, budget.toString(), decoding.seed, modelOptions.system);
            int code = ExitCodes.ANSWERED;
            if (finished.size() < questions.size()) {
                model.generation().unappliedNotice().ifPresent(parent.err::println);
                try (Engine engine = Engines.open(model, decoding.device, modelOptions.threads, modelOptions.precision,
                        parent.err::println)) {
                    code = distill(new Session(model, engine, sampling, voting, chains, records), files, tally, questions);
                }
            }
            files.summary(tally.toMap());
            parent.err.println(tally.line());
            if (code == ExitCodes.INTERRUPTED) {
                parent.err.println("reason: interrupted; " + out + " keeps the " + tally.questions() + " questions"
                        + " finished: rerun with --resume to go on");
            }
            return code;
        }
    }

    /** What searching one question takes, fixed for the run. */
    private record Session(ModelDirectory model, Engine engine, SamplingParams sampling, Strategy voting,
                           ChainFilter chains, TrainingRecords records) {
    }

    /**
     * The questions not finished yet, in order, each written when it ends; stops after a question once Ctrl-C was
     * pressed. Returns the exit code: interrupted, some line skipped, or done.
     */
    private int distill(Session s, RunFiles files, Tally tally, List<Questions.Question> questions) throws IOException {
        long start = System.nanoTime();
        long tokensBefore = tally.tokens();
        int code = ExitCodes.ANSWERED;
        int first = files.finished().size();
        for (int i = first; i < questions.size(); i++) {
            Questions.Question q = questions.get(i);
            String at = String.format(Locale.ROOT, "%d/%d", i + 1, questions.size());
            RunFiles.Entry e = distillOne(s, files, q, live -> progress(at, tally, live, tokensBefore, start));
            tally.add(e);
            code = e.dropped() == Drop.SKIPPED ? ExitCodes.BAD_QUESTION : code;
            if (parent.interrupted() && i + 1 < questions.size()) {
                code = ExitCodes.INTERRUPTED;
                break;
            }
        }
        clearProgress();
        return code;
    }

    /** One question: searched and its chains filtered, or skipped with the reason on stderr; then written. */
    private RunFiles.Entry distillOne(Session s, RunFiles files, Questions.Question q,
                                      Consumer<SearchResult> progress) throws IOException {
        int[] prompt = q.problem() == null ? s.model().promptIds(q.text(), modelOptions.promptOptions()) : null;
        String problem = problem(q, s.chains().filter(), prompt, s.model().config().maxPositions());
        if (problem != null) {
            clearProgress();
            parent.err.println("reason: question " + q.id() + ": " + problem + "; skipped");
            return files.add(q.id(), new byte[0], 0, Drop.SKIPPED, problem, 0, 0);
        }
        SearchResult r = search(s, q, prompt, progress);
        Selection kept = s.chains().select(q.text(), r, q.expected(), Verifiers.forQuestion(q.text()));
        return files.add(q.id(), s.records().lines(q.id(), q.text(), kept, s.chains().filter()), kept.kept().size(),
                kept.dropped(), null, r.tokens(), r.seconds());
    }

    /**
     * Every question of the file, read before the model loads: a file that is empty, not UTF-8 or without a question
     * is refused whole, and the progress line knows the total.
     */
    private List<Questions.Question> readQuestions() throws IOException {
        if (!questionsFile.equals("-") && Files.isRegularFile(Path.of(questionsFile))
                && Files.size(Path.of(questionsFile)) == 0) {
            throw new IllegalArgumentException("--questions " + questionsFile + " is empty: write one question a line");
        }
        List<Questions.Question> all = new ArrayList<>();
        try (Questions questions = Questions.open(questionsFile, System.in)) {
            Questions.Question q;
            while ((q = questions.next()) != null) {
                all.add(q);
            }
            if (all.stream().allMatch(x -> x.problem() != null)) {
                throw new IllegalArgumentException("--questions " + questions.source() + " holds no question"
                        + (all.isEmpty() ? "" : " (question " + all.get(0).id() + ": " + all.get(0).problem() + ")")
                        + ": write one a line");
            }
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("--questions " + questionsFile + " is not UTF-8 text: save it as UTF-8");
        }
        return all;
    }

    /** Why a question cannot be searched (unreadable, no answer to grade against, too long), or null. */
    private static String problem(Questions.Question q, Filter filter, int[] prompt, int context) {
        if (q.problem() != null) {
            return q.problem();
        }
        if (q.text().isEmpty()) {
            return "the question is empty";
        }
        if (filter == Filter.LABEL && q.expected() == null) {
            return "no \"answer\" to grade against (--filter label)";
        }
        if (prompt.length + 1 > context) {
            return String.format("the question is %d tokens with its prompt, over the model's context of %d",
                    prompt.length, context);
        }
        return null;
    }

    /**
     * The search {@code reason --questions} runs on one question: the same parameters, stopping rule, strategy and
     * verifier, seeded by --seed alone. Ctrl-C lets it finish: its records are written, then the run stops.
     */
    private SearchResult search(Session s, Questions.Question q, int[] prompt, Consumer<SearchResult> progress) {
        Generator.Params params = searchOptions.params(s.model(), decoding, s.sampling(), decoding.parallel(s.engine()),
                prompt.length);
        Search search = searchOptions.search(s.model(), s.engine(), params, budget, s.voting(), q.text());
        boolean[] told = {false};
        BooleanSupplier neverStop = () -> {
            if (parent.interrupted() && !told[0]) {
                told[0] = true;
                clearProgress();
                parent.err.println("reason: Ctrl-C: finishing question " + q.id() + ", then stopping (Ctrl-C again"
                        + " stops at once; --resume redoes that question)");
            }
            return false;
        };
        return search.run(q.text(), prompt, neverStop, progress);
    }

    /** What must match for --resume to go on with a run rather than mix two. */
    private Map<String, Object> settings(ModelDirectory model, SamplingParams sampling, ChainFilter chains) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("questions", questionsFile);
        s.put("model", model.path().toAbsolutePath().normalize().toString());
        s.put("onnx", model.onnxFile().toAbsolutePath().normalize().toString());
        s.put("system", modelOptions.system);
        s.put("template_args", modelOptions.templateVariables());
        s.put("filter", chains.filter().id());
        s.put("min_share", chains.minShare());
        s.put("keep", chains.keep());
        s.put("budget", budget.toString());
        s.put("strategy", searchOptions.strategy);
        s.put("stop", searchOptions.stop);
        s.put("keep_loops", searchOptions.keepLoops);
        s.put("seed", decoding.seed);
        s.put("sampling", sampling.toString());
        s.put("max_tokens", decoding.maxTokens(model.generation(), model.config().maxPositions(), 0));
        s.put("parallel", decoding.parallel);
        s.put("device", decoding.device);
        s.put("precision", modelOptions.precision);
        return s;
    }

    /** The progress file's finished questions must be the file's first ones, in order: else the questions changed. */
    private void checkSameQuestions(List<Questions.Question> questions, List<RunFiles.Entry> finished) {
        for (int i = 0; i < finished.size(); i++) {
            String had = finished.get(i).id();
            String now = i < questions.size() ? questions.get(i).id() : null;
            if (!had.equals(now)) {
                throw new IllegalArgumentException("--resume: question " + (i + 1) + " of the run in " + out + " was "
                        + had + ", but " + questionsFile + " has " + (now == null ? "no such question" : now)
                        + " there: the questions changed; use the same file or another --out");
            }
        }
    }

    /** The status line on a terminal: questions done, chains kept, tokens and their rate this run. */
    private void progress(String at, Tally tally, SearchResult live, long tokensBefore, long start) {
        long now = System.nanoTime();
        if (System.console() == null || now - lastProgressNanos < 100_000_000L) {
            return;
        }
        lastProgressNanos = now;
        long tokens = tally.tokens() + live.tokens();
        double seconds = (now - start) / 1e9;
        parent.err.printf(Locale.ROOT, "\r\033[Kdistill: question %s, %d chains kept, %,d tokens, %.0f tok/s", at,
                tally.chains(), tokens, seconds > 0 ? (tokens - tokensBefore) / seconds : 0);
        parent.err.flush();
        progressShown = true;
    }

    private void clearProgress() {
        if (progressShown) {
            parent.err.print("\r\033[K");
            parent.err.flush();
            progressShown = false;
        }
    }
}
