package dev.reason.cli;

import dev.reason.bench.Charts;
import dev.reason.bench.Datasets;
import dev.reason.bench.PoolGenerator;
import dev.reason.bench.Problem;
import dev.reason.bench.ProblemResult;
import dev.reason.bench.Replay;
import dev.reason.bench.Report;
import dev.reason.bench.ResultsFile;
import dev.reason.bench.RunSettings;
import dev.reason.bench.ShardMerge;
import dev.reason.bench.Summary;
import dev.reason.engine.Engine;
import dev.reason.engine.choice.Engines;
import dev.reason.model.ModelDirectory;
import dev.reason.model.PromptOptions;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.shard.Shard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * {@code reason bench}: for each problem, a pool of K sampled chains (generated once, decoded in parallel) and one
 * greedy chain; from the pools, accuracy against compute: majority-of-k and coverage for k = 1, 2, 4, ..., K.
 * Every finished problem is appended to results.jsonl at once, so a killed run resumes where it stopped.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = BenchMergeCommand.class,
        description = {"Measures accuracy against test-time compute on a dataset.",
                "Majority-of-k, coverage@k and greedy from one pool of chains per problem, and a replay of every"
                + " strategy and stopping rule on the same pools. reason bench merge joins the folders of shards."})
final class BenchCommand implements Callable<Integer> {
    /** Required, but checked in {@link #call}: picocli would also ask it of reason bench merge. */
    @Option(names = "--dataset", paramLabel = "NAME|FILE",
            description = "Required: arithmetic, word (the model's held-out sets in its eval/ folder), game24 (test ranks 901-1000), "
                    + "gsm8k, svamp, math500, aqua (from the shared datasets folder), or a file: JSONL {question, answer}, "
                    + "a 24.csv, a SVAMP-style JSON array.")
    String dataset;

    @Option(names = "--datasets-dir", paramLabel = "DIR",
            description = "Where the public sets live (default: $REASON_DATASETS, else ../shared/datasets beside the project).")
    Path datasetsDir;

    @Option(names = "--samples", defaultValue = "32", paramLabel = "K", description = "Sampled chains per problem (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--limit", paramLabel = "N", description = "At most N problems.")
    Integer limit;

    @Option(names = "--offset", defaultValue = "0", paramLabel = "N", description = "Skip the first N problems (default: ${DEFAULT-VALUE}).")
    int offset;

    @Option(names = "--prompt", paramLabel = "TEMPLATE",
            description = "Prompt text with {question} in it (default: the question alone, as reason and reason"
                    + " --questions ask it); docs/cli.md gives an instruction for models the public sets' format is new to.")
    String prompt;

    @Option(names = "--no-greedy", description = "Skip the extra greedy chain per problem.")
    boolean noGreedy;

    @Option(names = "--save-text", description = "Keep every chain's text in results.jsonl.")
    boolean saveText;

    @Option(names = "--save-confidence", description = "Keep every chain's per-token confidences (to replay DeepConf).")
    boolean saveConfidence;

    @Mixin
    ReplayOptions replay;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: bench-<dataset>).")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out, skipping finished problems.")
    boolean resume;

    @Mixin
    ShardOptions shardOptions;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions decoding;

    @Mixin
    BatchOptions batch;

    @ParentCommand
    Main parent;

    /** The instruction for public sets, written by this project: the model's answer line is what gets graded. */
    @Override
    public Integer call() throws IOException {
        PrintStream stdout = parent.out;
        if (dataset == null) {
            throw new IllegalArgumentException("Missing required option: '--dataset=NAME|FILE' (see reason bench --help)");
        }
        if (samples < 1) {
            throw new IllegalArgumentException("--samples must be at least 1, got " + samples);
        }
        Shard shard = shardOptions.resolve(parent.err);
        Path dir = out != null ? out : Paths.get("bench-" + dataset.replaceAll("[^A-Za-z0-9]+", "_"));
        Path results = dir.resolve("results.jsonl");
        try (ModelDirectory model = modelOptions.open()) {
            List<Problem> all = select(load(model));
            List<Problem> problems = shard.select(all);  // before the run: a shard never depends on the others
            Map<String, Object> config = runConfig(model, all.size());
            if (!shard.whole()) {
                config.put(ShardMerge.KEY, ShardMerge.entry(shard, problems));
            }
            checkResume(dir, results, config);
            Set<String> finished = ResultsFile.finishedIds(results);
            SamplingParams sampling = decoding.sampling(model.generation());
            model.generation().unappliedNotice().ifPresent(parent.err::println);
            String template = prompt != null ? prompt : "{question}";  // the question as reason itself asks it
            PromptOptions promptOptions = modelOptions.promptOptions();
            try (Engine engine = Engines.open(model, decoding.device, modelOptions.threads, modelOptions.precision, parent.err::println)) {
                int maxNew = decoding.maxTokens(model.generation(), model.config().maxPositions(), 0);
                PoolGenerator pools = new PoolGenerator(engine, model.tokenizer()::stream, new PoolGenerator.Options(
                        sampling, samples, decoding.parallel(engine), maxNew, model.eosIds(), decoding.seed, !noGreedy, saveText,
                        saveConfidence, !model.thinks()));
                BenchProgress progress = new BenchProgress(parent.err, problems.size(), finished.size(), System.console() != null);
                int width = Math.min(decoding.parallel(engine), samples);  // a problem's pool runs this many at once
                List<Problem> left = problems.stream().filter(p -> !finished.contains(p.id())).toList();
                // no more rows than the problems left can use: a GPU batch computes every row it has
                int concurrent = Math.min(batch.concurrent(decoding, engine, width), Math.max(1, left.size()));
                Function<Problem, int[]> prompts = p -> {
                    int[] ids = model.promptIds(template.replace("{question}", p.question()), promptOptions);
                    if (ids.length >= model.config().maxPositions()) {
                        parent.err.println("reason: problem " + p.id() + " is longer than the model's context: skipped");
                        return null;
                    }
                    return ids;
                };
                if (concurrent == 1) {
                    for (Problem p : left) {
                        int[] ids = prompts.apply(p);
                        if (ids != null) {
                            ProblemResult r = pools.run(p, ids, model.config().maxPositions() - ids.length);
                            ResultsFile.append(results, r);
                            progress.done(r);
                        }
                        if (parent.interrupted()) {
                            break;
                        }
                    }
                } else {
                    int slots = BatchOptions.slots(concurrent, width + (noGreedy ? 0 : 1));
                    Generator.Params shared = new Generator.Params(sampling, slots, maxNew, decoding.seed,
                            model.eosIds(), 5);
                    new Generator(engine, model.tokenizer()::stream, shared).run(
                            new InOrder(left, prompts, model.config().maxPositions(), pools, results, progress,
                                    parent::interrupted),
                            batch.admission(concurrent * (noGreedy ? 1 : 2)));
                }
                if (parent.interrupted()) {
                    parent.err.println("reason: interrupted; " + results + " keeps every finished problem: rerun with --resume");
                    return ExitCodes.INTERRUPTED;
                }
                progress.finish();
            }
            Set<String> wanted = new HashSet<>();
            problems.forEach(p -> wanted.add(p.id()));
            List<ProblemResult> rs = ResultsFile.read(results).stream().filter(r -> wanted.contains(r.id())).toList();
            summarize(dir, rs, config, replay.deepConfWindow, stdout);
        }
        return ExitCodes.ANSWERED;
    }

    /**
     * The jobs of the problems left, in order, made as the run admits them (none once interrupted); each problem's
     * result is written when it and every problem before it have ended, so results.jsonl keeps the order of a run of
     * one problem at a time, and --resume finds what it expects.
     */
    private static final class InOrder implements Iterator<Generator.Job> {
        private final List<Problem> problems;
        private final Function<Problem, int[]> prompts;
        private final PoolGenerator pools;
        private final Path results;
        private final BenchProgress progress;
        private final BooleanSupplier interrupted;
        private final int context;
        private final Deque<Generator.Job> pending = new ArrayDeque<>();
        private final Map<Integer, ProblemResult> ended = new HashMap<>();
        private int next;
        private int queued;
        private int written;

        InOrder(List<Problem> problems, Function<Problem, int[]> prompts, int context, PoolGenerator pools, Path results,
                BenchProgress progress, BooleanSupplier interrupted) {
            this.context = context;
            this.problems = problems;
            this.prompts = prompts;
            this.pools = pools;
            this.results = results;
            this.progress = progress;
            this.interrupted = interrupted;
        }

        @Override
        public boolean hasNext() {
            while (pending.isEmpty() && next < problems.size() && !interrupted.getAsBoolean()) {
                Problem p = problems.get(next++);
                int[] ids = prompts.apply(p);
                if (ids != null) {
                    int place = queued++;
                    pending.addAll(pools.jobs(p, ids, context - ids.length, r -> {
                        ended.put(place, r);
                        flush();
                    }));
                }
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

        private void flush() {
            for (ProblemResult r; (r = ended.remove(written)) != null; written++) {
                ResultsFile.append(results, r);
                progress.done(r);
            }
        }
    }

    private boolean ownSet(ModelDirectory model) {
        return Files.isRegularFile(model.path().resolve("eval").resolve(dataset + ".jsonl"));
    }

    private List<Problem> load(ModelDirectory model) {
        if (ownSet(model)) {
            return Datasets.jsonl(model.path().resolve("eval").resolve(dataset + ".jsonl"));
        }
        String name = dataset.strip().toLowerCase(Locale.ROOT);
        boolean isPublic = Datasets.NAMES.contains(name);
        List<String> own = ownSets(model);
        if (!isPublic && !own.isEmpty() && !Files.isRegularFile(Path.of(dataset))) {
            throw new IllegalArgumentException(Datasets.unknown(dataset, own));
        }
        Path shared = sharedDatasets();
        if (isPublic && !Files.isDirectory(shared.resolve(name))) {
            throw new IllegalArgumentException("no " + name + "/ in " + shared + ": pass --datasets-dir (or set "
                    + "REASON_DATASETS) to the folder that holds the public sets");
        }
        return Datasets.byName(dataset, shared);
    }

    /** The held-out sets the model directory ships in eval/ (the recipe's arithmetic, word and game24). */
    private static List<String> ownSets(ModelDirectory model) {
        try (var files = Files.list(model.path().resolve("eval"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsonl"))
                    .map(n -> n.substring(0, n.length() - ".jsonl".length())).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private Path sharedDatasets() {
        if (datasetsDir != null) {
            return datasetsDir;
        }
        String env = System.getenv("REASON_DATASETS");
        if (env != null && !env.isBlank()) {
            return Paths.get(env);
        }
        return ModelOptions.home().toAbsolutePath().getParent().resolve("shared").resolve("datasets");
    }

    private List<Problem> select(List<Problem> all) {
        if (offset < 0 || (limit != null && limit < 1)) {
            throw new IllegalArgumentException("--offset must be >= 0 and --limit >= 1");
        }
        int from = Math.min(offset, all.size());
        int to = limit == null ? all.size() : Math.min(all.size(), from + limit);
        return all.subList(from, to);
    }

    /** What must match for --resume to continue a run rather than mix two. */
    private Map<String, Object> runConfig(ModelDirectory model, int problems) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("dataset", dataset);
        c.put("model", model.path().toAbsolutePath().normalize().toString());
        c.put("samples", samples);
        c.put("seed", decoding.seed);
        c.put("sampling", decoding.sampling(model.generation()).toString());
        c.put("max_tokens", decoding.maxTokens(model.generation(), model.config().maxPositions(), 0));
        c.put("greedy", !noGreedy);
        c.put("prompt", prompt);
        if (!modelOptions.templateArgs.isEmpty()) {  // only then: runs recorded before the option resume as they were
            c.put("template_args", modelOptions.templateVariables());
        }
        if (modelOptions.onnx != null) {  // only then, as template_args
            c.put("onnx", model.onnxFile().toAbsolutePath().normalize().toString());
        }
        if (modelOptions.system != null) {
            c.put("system", modelOptions.system);
        }
        c.put("offset", offset);
        c.put("problems", problems);
        return c;
    }

    private void checkResume(Path dir, Path results, Map<String, Object> config) throws IOException {
        Path run = dir.resolve(RunSettings.FILE);
        if (Files.exists(results) && !resume) {
            throw new IllegalArgumentException(results + " exists: pass --resume to continue that run, or choose another --out");
        }
        Map<String, Object> before = resume ? RunSettings.read(dir) : Map.of();
        Shard had = ShardMerge.of(before);
        Shard now = ShardMerge.of(config);
        if (!before.isEmpty() && !had.equals(now)) {
            throw new IllegalArgumentException("--resume: " + dir + " holds " + (had.whole() ? "a run without --shard"
                    : "shard " + had) + ", not " + (now.whole() ? "the whole run" : "shard " + now) + ": pass"
                    + (had.whole() ? " no --shard" : " --shard " + had) + ", or choose another --out");
        }
        if (!before.isEmpty() && !before.equals(RunSettings.asRead(config))) {
            throw new IllegalArgumentException("--resume: " + run + " was made with other settings; use the same options or another --out");
        }
        RunSettings.write(dir, config);
    }

    /**
     * Writes the summary, report, charts and replay of a run's results to {@code dir}, and prints its tables: for a
     * finished run, and for the shards that bench merge joins.
     *
     * @param config the run's run.json: its dataset and samples title the report
     */
    static void summarize(Path dir, List<ProblemResult> rs, Map<String, Object> config, int deepConfWindow,
                          PrintStream stdout) {
        String dataset = String.valueOf(config.get("dataset"));
        int samples = ((Number) config.get("samples")).intValue();
        boolean byDifficulty = rs.stream().map(ProblemResult::difficulty).filter(Objects::nonNull).distinct().count() > 1;
        Summary summary = Summary.compute(rs, samples, byDifficulty);
        summary.write(dir);
        String title = dataset + ", K = " + samples;
        List<String> charts = Charts.write(summary, title, dir);
        List<String> setup = List.of(
                "model: " + config.get("model"),
                "problems: " + rs.size() + ", samples per problem: " + samples + ", seed: " + config.get("seed"),
                "sampling: " + config.get("sampling") + ", max tokens per chain: " + config.get("max_tokens"),
                "command: reason bench --dataset " + dataset + " --samples " + samples);
        boolean withConfidence = rs.stream().allMatch(r -> r.pool().stream().allMatch(c -> c.confidence() != null));
        boolean withFailPoints = rs.stream().anyMatch(r -> r.pool().stream().anyMatch(c -> c.failsAt() != null));
        List<Replay.Row> replay = Replay.run(rs, Replay.standard(withConfidence, withFailPoints, deepConfWindow), samples);
        Map<String, double[][]> points = new LinkedHashMap<>();
        for (Replay.Row r : replay) {
            double[][] old = points.getOrDefault(r.curve(), new double[0][]);
            double[][] more = Arrays.copyOf(old, old.length + 1);
            more[old.length] = new double[] {r.tokens(), r.accuracy()};
            Arrays.sort(more, Comparator.comparingDouble(pt -> pt[0]));
            points.put(r.curve(), more);
        }
        try {
            Files.writeString(dir.resolve("replay.csv"), Replay.csv(replay));
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot write replay.csv (" + e.getMessage() + ")");
        }
        charts = new ArrayList<>(charts);
        charts.add(Charts.curves("Replayed on the same pools (" + title + ")",
                "generated tokens per problem", "accuracy", points, true, false, dir, "replay_accuracy_vs_tokens"));
        String calibration = Replay.calibrationMarkdown(Replay.voteShareCalibration(rs, samples));
        Report.write(dir, "Benchmark: " + title, setup, summary, charts, Replay.markdown(replay)
                + "\n## Calibration of the vote share (majority of " + samples + ")\n\n" + calibration);
        stdout.println("| method | k | accuracy | 95% CI | tokens/problem |");
        stdout.println("|---|---:|---:|---|---:|");
        for (Summary.Row r : summary.rows()) {
            if (r.group().equals(Summary.ALL)) {
                stdout.printf(Locale.ROOT, "| %s | %d | %.3f | %.3f-%.3f | %.0f |%n", r.method(), r.k(), r.accuracy(), r.low(),
                        r.high(), r.tokens());
            }
        }
        stdout.println();
        stdout.print(Replay.markdown(replay));
        stdout.println();
        stdout.print(calibration);
        stdout.println("wrote " + dir.resolve("summary.json") + ", summary.csv, replay.csv, report.md and charts");
    }
}
