package dev.reason.cli;

import dev.reason.bench.ProblemResult;
import dev.reason.bench.ResultsFile;
import dev.reason.bench.RunSettings;
import dev.reason.bench.ShardMerge;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code reason bench merge OUT DIR...}: joins the folders of a run's shards into OUT, as the run without shards
 * would have written it: results.jsonl in the run's order, run.json, then the same summary, report, charts and replay.
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Joins the --out folders of reason bench --shard runs into one results folder.",
                "It writes results.jsonl in the order of the run without shards, then the summary, report, charts and"
                + " replay that reason bench writes."},
        footer = BenchMergeCommand.EXIT_CODES)
final class BenchMergeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUT", description = "The folder written; it must not hold results yet.")
    Path out;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "DIR", description = "Every shard's --out folder, in any order.")
    List<Path> shards;

    @Mixin
    ReplayOptions replay;

    @ParentCommand
    BenchCommand bench;

    static final String EXIT_CODES = "%nExit codes:%n"
            + "  0    merged%n"
            + "  2    bad option, a DIR that is not a shard's folder, or OUT holds results%n"
            + "  10   the shards are of different runs (model, dataset, seed or settings)%n"
            + "  11   the shards overlap: a shard, or a problem, is given twice%n"
            + "  12   a shard is missing, or unfinished%n";

    @Override
    public Integer call() throws IOException {
        Path results = out.resolve("results.jsonl");
        if (Files.exists(results)) {
            throw new IllegalArgumentException(results + " exists: choose another OUT");
        }
        ShardMerge.Merged merged;
        try {
            merged = ShardMerge.merge(shards);
        } catch (ShardMerge.Refused e) {
            bench.parent.err.println("reason: " + e.getMessage());
            return switch (e.why()) {
                case OTHER_RUN -> ExitCodes.SHARDS_OF_OTHER_RUNS;
                case OVERLAP -> ExitCodes.SHARDS_OVERLAP;
                case MISSING -> ExitCodes.SHARDS_MISSING;
            };
        }
        RunSettings.write(out, merged.settings());
        for (ProblemResult r : merged.results()) {
            ResultsFile.append(results, r);
        }
        bench.parent.err.println("merge: " + merged.shards() + " shards, " + merged.results().size() + " problems, into "
                + out);
        BenchCommand.summarize(out, merged.results(), merged.settings(), replay.deepConfWindow, bench.parent.out);
        return ExitCodes.ANSWERED;
    }
}
