package dev.reason.cli;

import dev.reason.shard.Schedulers;
import dev.reason.shard.Shard;
import picocli.CommandLine.Option;

import java.io.PrintStream;

/** --shard and --shards: which part of a run's problems (bench) or questions (distill) this process takes. */
final class ShardOptions {
    @Option(names = "--shard", paramLabel = "I/N",
            description = "Take only shard I of N: the problems whose position, from 0 after --offset and --limit, is I"
                    + " modulo N (default: from a Slurm array task, else all).")
    String shard;

    @Option(names = "--shards", paramLabel = "N",
            description = "Split into N shards, and take this process's from the Kubernetes Indexed Job"
                    + " (JOB_COMPLETION_INDEX) or the Slurm array task.")
    Integer shards;

    /** The shard this process runs; one line on {@code err} when a scheduler gave it. */
    Shard resolve(PrintStream err) {
        Schedulers.Assigned a = Schedulers.choose(shard, shards, System.getenv());
        if (a.source() != null) {
            err.println("reason: shard " + a.shard() + " " + a.source());
        }
        return a.shard();
    }
}
