package dev.reason.cli;

import dev.reason.engine.DeviceException;
import dev.reason.engine.Engine;
import dev.reason.engine.choice.Engines;
import dev.reason.engine.cuda.CudaEngine;
import dev.reason.model.ModelDirectory;
import dev.reason.model.ModelException;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.search.Budget;
import dev.reason.search.Search;
import dev.reason.search.SearchResult;
import dev.reason.search.StopReason;
import dev.reason.search.vote.Strategy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code reason [options] QUESTION}: answer a question by sampling many chains of thought and voting. */
@Command(name = "reason", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        subcommands = {BenchCommand.class, ThroughputCommand.class, CheckCommand.class, InfoCommand.class, DistillCommand.class,
                ServeCommand.class},
        description = {"Answers a question with a local language model: it samples many chains of thought in parallel,"
                + " votes on their answers, and stops when the vote is decided. Every option: docs/cli.md.", ""},
        footer = ExitCodes.HELP)
public final class Main implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "QUESTION",
            description = "The question (quote it, or pass several words); - reads it from standard input.")
    List<String> question;

    @Option(names = "--budget", paramLabel = "SPEC", converter = BudgetConverter.class,
            description = "Compute to spend: 30s, 4000tok, 16x (samples), joined by commas; the first limit reached"
                    + " stops the search (default: ${DEFAULT-VALUE}).",
            defaultValue = "60s,32x")
    Budget budget;

    @Mixin
    SearchOptions searchOptions;

    @Option(names = "--questions", paramLabel = "FILE",
            description = "Answer every question in FILE, one a line or JSON Lines with \"question\", with one model"
                    + " load; - reads standard input.")
    String questionsFile;

    @Option(names = "--abstain-below", paramLabel = "P",
            description = "Answer \"not sure\" (exit code 7) when the stopping rule's confidence is below P (0-1).")
    Double abstainBelow;

    @Option(names = "--show-chains", description = "Print every chain's text.")
    boolean showChains;

    @Option(names = "--json", description = "Print one JSON object with the answer, the vote, every chain and the costs.")
    boolean json;

    @Option(names = "--quiet", description = "Print only the answer.")
    boolean quiet;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions decoding;

    @Mixin
    BatchOptions batch;

    private final InputStream in;
    final PrintStream out;
    final PrintStream err;
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private boolean handlesSignals;  // Ctrl-C's handler is installed (not in tests): serve adds SIGTERM's
    private final List<String> notices = new ArrayList<>();  // --json: the engine's, for the next result

    Main(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** Whether the process handles its signals (not in tests): a server then stops on SIGTERM too. */
    boolean handlesSignals() {
        return handlesSignals;
    }

    /** Whether Ctrl-C was pressed: subcommands poll it between units of work. */
    boolean interrupted() {
        return interrupted.get();
    }

    public static void main(String[] args) throws InterruptedException {
        int[] code = {ExitCodes.INTERNAL_ERROR};
        // Native code called from here (ONNX Runtime's session set-up) can need more than the JVM's default
        // 1 MB thread stack; overflowing it kills the process with SIGSEGV, so the work runs on a roomy thread.
        Thread worker = new Thread(null, () -> {
            try {
                code[0] = run(args, System.in, System.out, System.err, true);
            } catch (Throwable t) { // an Error (e.g. a native library that failed to load) still gets one line
                code[0] = Errors.report(new RuntimeException(t.toString(), t), System.err);
            }
        }, "reason", 64L << 20);
        worker.start();
        worker.join();
        System.exit(code[0]);
    }

    /** Runs the CLI; {@code handleSignals} installs the Ctrl-C handler (not in tests). */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, boolean handleSignals) {
        Main main = new Main(in, out, err);
        if (handleSignals) {
            Interrupts.install(main.interrupted);
            main.handlesSignals = true;
        }
        CommandLine cli = new CommandLine(main);
        HelpSections.install(cli);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("reason: " + e.getMessage() + questionHint(e) + " (see reason --help)");
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> Errors.report(e, err));
        return cli.execute(args);
    }

    /** A question that starts with '-' ("-5 + 3") reads as an option: say how to pass it. */
    private static String questionHint(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException u
                && u.getUnmatched().stream().anyMatch(arg -> arg.matches("-[\\d.(].*|-\\S*\\s.*"))) {
            return "; a question that starts with '-' goes after --, e.g. reason -- \"-5 + 3\"";
        }
        return "";
    }

    @Override
    public Integer call() throws IOException {
        Strategy voting = searchOptions.voting();
        if (abstainBelow != null && (abstainBelow < 0 || abstainBelow > 1)) {
            throw new IllegalArgumentException("--abstain-below must be between 0 and 1, got " + abstainBelow);
        }
        try {
            return questionsFile != null ? askMany(voting) : askOne(voting);
        } catch (ModelException e) {
            err.println("reason: " + e.getMessage());
            return ExitCodes.MODEL;
        } catch (DeviceException e) {
            err.println("reason: " + e.getMessage());
            return ExitCodes.DEVICE;
        }
    }

    /** The question given as arguments, or all of standard input for {@code -}. */
    private int askOne(Strategy voting) {
        boolean fromStdin = List.of("-").equals(question);
        String text;
        try {
            text = fromStdin ? new String(in.readAllBytes(), StandardCharsets.UTF_8).strip()
                    : question == null ? "" : String.join(" ", question).strip();
        } catch (IOException e) {
            err.println("reason: cannot read the question from standard input (" + e.getMessage()
                    + "): pass it as an argument instead");
            return ExitCodes.BAD_QUESTION;
        }
        if (text.isEmpty()) {
            err.println(fromStdin ? "reason: standard input held no question: pipe one in, e.g. echo \"What is 12*7-5?\" | reason -"
                    : "reason: the question is empty: pass it as an argument, e.g. reason \"What is 12*7-5?\"");
            return ExitCodes.BAD_QUESTION;
        }
        try (ModelDirectory model = modelOptions.open()) {
            // the prompt and its settings first: a question the model cannot take, or a bad option, is reported
            // without starting the engine
            Prepared p = prepare(model, new Questions.Question(null, text, null));
            if (p.problem() != null) {
                err.println("reason: " + p.problem());
                return ExitCodes.BAD_QUESTION;
            }
            try (Engine engine = openEngine(model)) {
                return answer(model, engine, new ResultPrinter(out, false), p, voting, new Scorecard());
            }
        }
    }

    /**
     * --questions: each question as it is read (a terminal or a pipe feeds them one by one), with one model load; a
     * question that cannot be asked keeps its place in the output.
     */
    private int askMany(Strategy voting) throws IOException {
        if (question != null && !question.isEmpty()) {
            throw new IllegalArgumentException("--questions and a QUESTION argument: give one or the other");
        }
        int concurrent = batch.concurrentOr(1);
        Generator.Admission admission = batch.admission(concurrent);  // a bad size is reported before the model loads
        try (Questions questions = Questions.open(questionsFile, in); ModelDirectory model = modelOptions.open()) {
            decoding.sampling(model.generation());  // a bad option is reported before the engine starts
            ResultPrinter printer = new ResultPrinter(out, true);
            Scorecard scores = new Scorecard();
            int code = ExitCodes.ANSWERED;
            int asked = 0;
            try (Engine engine = openEngine(model)) {
                if (questionsFile.equals("-") && System.console() != null) {
                    err.println("reason: one question per line; Ctrl-D ends");
                }
                if (concurrent > 1) {
                    Together run = new Together(model, engine, printer, voting, scores, questions);
                    try {
                        new Generator(engine, model.tokenizer()::stream,
                                searchOptions.batchParams(model, decoding, engine, concurrent, budget)).run(run,
                                admission);
                    } catch (UncheckedIOException e) {
                        throw e.getCause();  // a line that is not UTF-8 is reported below, as without --concurrent
                    }
                    code = run.code;
                    asked = run.asked;
                    if (interrupted.get()) {
                        err.printf("reason: interrupted; %d questions asked, the rest not%n", asked);
                        printScores(scores);
                        return ExitCodes.INTERRUPTED;
                    }
                    printScores(scores);
                    if (asked == 0) {
                        throw new IllegalArgumentException(questions.source() + " holds no question: write one per line");
                    }
                    return code;
                }
                Questions.Question q;
                while ((q = questions.next()) != null) {
                    asked++;
                    Prepared p = prepare(model, q);
                    code = worse(code, p.problem() != null ? skip(printer, p)
                            : answer(model, engine, printer, p, voting, scores));
                    if (interrupted.get()) {  // during this question, or since it ended: ask no more
                        err.printf("reason: interrupted at question %s; %d asked, the rest not%n", q.id(), asked);
                        printScores(scores);
                        return ExitCodes.INTERRUPTED;
                    }
                }
                printScores(scores);
            } catch (CharacterCodingException e) {
                err.println("reason: " + questions.source() + " is not UTF-8 text: save it as UTF-8; the answers"
                        + " printed before this line are complete");
                return ExitCodes.USAGE;
            }
            if (asked == 0) {
                throw new IllegalArgumentException(questions.source() + " holds no question: write one per line");
            }
            return code;
        }
    }

    private void printScores(Scorecard scores) {
        String summary = scores.summary();
        if (summary != null) {
            err.println("reason: " + summary);
        }
    }

    private Engine openEngine(ModelDirectory model) {
        model.generation().unappliedNotice().ifPresent(this::notice);
        return Engines.open(model, decoding.device, modelOptions.threads, modelOptions.precision, this::notice);
    }

    /** A line about how the run differs from what was asked: on stderr, or with --json in the next result's "notices". */
    private void notice(String line) {
        if (json) {
            notices.add(line);
        } else if (!quiet) {
            err.println(line);
        }
    }

    /** A question with its prompt and decoding settings, or why it cannot be asked. */
    private record Prepared(Questions.Question question, int[] prompt, Generator.Params params, String problem) {
    }

    private Prepared prepare(ModelDirectory model, Questions.Question q) {
        if (q.problem() != null) {
            return new Prepared(q, null, null, q.problem());
        }
        if (q.text().isEmpty()) {
            return new Prepared(q, null, null, "the question is empty");
        }
        int[] prompt = model.promptIds(q.text(), modelOptions.promptOptions());
        int context = model.config().maxPositions();
        if (prompt.length + 1 > context) {
            return new Prepared(q, prompt, null, String.format("the question is %d tokens with its prompt, over the"
                    + " model's context of %d: shorten it", prompt.length, context));
        }
        // the slots are settled once the engine is known (answer); a --parallel below 1 is refused here already
        int slots = decoding.parallel != null ? decoding.parallel : 1;
        Generator.Params params = searchOptions.params(model, decoding, decoding.sampling(model.generation()), slots,
                prompt.length);
        return new Prepared(q, prompt, params, null);
    }

    /** Searches one question and prints its result; returns its exit code. */
    private int answer(ModelDirectory model, Engine engine, ResultPrinter printer, Prepared p, Strategy voting,
                       Scorecard scores) {
        Questions.Question q = p.question();
        Generator.Params params = p.params().withParallel(decoding.parallel(engine));
        Progress progress = new Progress(err, !quiet && !json && System.console() != null, q.id());
        Search search = searchOptions.search(model, engine, params, budget, voting, q.text());
        SearchResult result = search.run(q.text(), p.prompt(), interrupted::get, progress::show);
        progress.clear();
        return report(printer, p, params, result, scores);
    }

    /**
     * --questions with --concurrent: the questions' searches as jobs of one run, read as the run admits them; each
     * result is printed once it and every question before it have ended, so the output keeps the input's order.
     */
    private final class Together implements Iterator<Generator.Job> {
        private final ModelDirectory model;
        private final Engine engine;
        private final ResultPrinter printer;
        private final Strategy voting;
        private final Scorecard scores;
        private final Questions questions;
        private final Deque<Generator.Job> pending = new ArrayDeque<>();
        private final Map<Integer, Runnable> ended = new HashMap<>();  // by place: prints the result
        private boolean exhausted;
        private int printed;
        int asked;
        int code = ExitCodes.ANSWERED;

        Together(ModelDirectory model, Engine engine, ResultPrinter printer, Strategy voting, Scorecard scores,
                 Questions questions) {
            this.model = model;
            this.engine = engine;
            this.printer = printer;
            this.voting = voting;
            this.scores = scores;
            this.questions = questions;
        }

        @Override
        public boolean hasNext() {
            while (pending.isEmpty() && !exhausted && !interrupted.get()) {
                Questions.Question q;
                try {
                    q = questions.next();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (q == null) {
                    exhausted = true;
                    break;
                }
                int place = asked++;
                Prepared p = prepare(model, q);
                if (p.problem() != null) {
                    done(place, () -> code = worse(code, skip(printer, p)));
                    continue;
                }
                Generator.Params params = p.params().withParallel(decoding.parallel(engine));
                Search search = searchOptions.search(model, engine, params, budget, voting, q.text());
                pending.add(search.job(q.text(), p.prompt(), interrupted::get, r -> { },
                        r -> done(place, () -> code = worse(code, report(printer, p, params, r, scores)))));
            }
            return !pending.isEmpty();
        }

        @Override
        public Generator.Job next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return pending.poll();
        }

        private void done(int place, Runnable print) {
            ended.put(place, print);
            for (Runnable r; (r = ended.remove(printed)) != null; printed++) {
                r.run();
            }
        }
    }

    /** Prints a question's result; returns its exit code. */
    private int report(ResultPrinter printer, Prepared p, Generator.Params params, SearchResult result,
                       Scorecard scores) {
        Questions.Question q = p.question();
        int[] prompt = p.prompt();
        boolean abstain = abstainBelow != null && result.answer() != null && result.confidence() < abstainBelow;
        Boolean correct = scores.grade(q, result, abstain);
        if (json) {
            printer.json(q.id(), q.text(), modelOptions.system, prompt.length, result, params, abstain, List.copyOf(notices),
                    q.expected(), correct);
            notices.clear();
        } else if (quiet) {
            out.println(ResultPrinter.quiet(result, abstain));
        } else {
            printer.text(q.id(), q.text(), result, showChains, abstain, q.expected(), correct);
        }
        if (result.stopReason() == StopReason.INTERRUPTED) {
            return ExitCodes.INTERRUPTED;
        }
        if (result.declined()) {
            return ExitCodes.DECLINED;
        }
        if (abstain) {
            return ExitCodes.ABSTAINED;
        }
        return result.answer() == null ? ExitCodes.NO_ANSWER : ExitCodes.ANSWERED;
    }

    /** A question of a --questions file that cannot be asked: one line on stderr, its place kept in the output. */
    private int skip(ResultPrinter printer, Prepared p) {
        Questions.Question q = p.question();
        String problem = p.problem();
        err.println("reason: question " + q.id() + ": " + problem);
        if (json) {
            printer.skippedJson(q.id(), q.text(), problem);
        } else if (quiet) {
            out.println();
        } else {
            printer.skippedText(q.id(), q.text(), problem);
        }
        return ExitCodes.BAD_QUESTION;
    }

    /** The exit code of several questions: interrupted, then a bad question, no answer, declined, not sure, answered. */
    static int worse(int a, int b) {
        List<Integer> order = List.of(ExitCodes.INTERRUPTED, ExitCodes.BAD_QUESTION, ExitCodes.NO_ANSWER,
                ExitCodes.DECLINED, ExitCodes.ABSTAINED, ExitCodes.ANSWERED);
        return order.indexOf(a) <= order.indexOf(b) ? a : b;
    }

    /** picocli reads --budget through Budget.parse, so a bad spec is a usage error with Budget's own message. */
    static final class BudgetConverter implements CommandLine.ITypeConverter<Budget> {
        @Override
        public Budget convert(String value) {
            try {
                return Budget.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"reason " + (v == null ? "dev" : v) + " (Java " + System.getProperty("java.version") + ")",
                    CudaEngine.describe()};
        }
    }
}
