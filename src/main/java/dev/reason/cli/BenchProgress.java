package dev.reason.cli;

import dev.reason.bench.ProblemResult;
import dev.reason.search.vote.VoteTally;

import java.io.PrintStream;
import java.util.Locale;

/** The benchmark's progress bar on stderr: problems done, majority accuracy so far, tokens/s and ETA. */
final class BenchProgress {
    private final PrintStream err;
    private final int total;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private int done;
    private int doneThisRun;
    private int correct;
    private long tokens;

    BenchProgress(PrintStream err, int total, int alreadyDone, boolean terminal) {
        this.err = err;
        this.total = total;
        this.done = alreadyDone;
        this.terminal = terminal;
    }

    void done(ProblemResult r) {
        done++;
        doneThisRun++;
        VoteTally tally = new VoteTally();
        for (ProblemResult.ChainResult c : r.pool()) {
            tokens += c.tokens();
            if (c.answer() != null) {
                tally.add(c.answer(), c.sumLogprob());
            }
        }
        String leader = tally.leader().map(VoteTally.Candidate::answer).orElse(null);
        correct += r.pool().stream().anyMatch(c -> c.correct() && c.answer().equals(leader)) ? 1 : 0;
        double secs = (System.nanoTime() - start) / 1e9;
        double eta = secs / doneThisRun * (total - done);
        int width = 24;
        int filled = total == 0 ? width : width * done / total;
        String line = String.format(Locale.ROOT, "[%s%s] %d/%d | majority acc %.3f | %.0f tok/s | ETA %dm%02ds",
                "#".repeat(filled), ".".repeat(width - filled), done, total, (double) correct / doneThisRun,
                tokens / secs, (long) eta / 60, (long) eta % 60);
        if (terminal) {
            err.print("\r\033[K" + line);
        } else if (done % Math.max(1, total / 20) == 0 || done == total) {
            err.println(line);
        }
        err.flush();
    }

    void finish() {
        if (terminal) {
            err.println();
        }
    }
}
