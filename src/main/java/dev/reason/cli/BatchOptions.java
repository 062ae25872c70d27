package dev.reason.cli;

import dev.reason.engine.Engine;
import dev.reason.runtime.Generator;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** --concurrent and --kv-memory: how many questions share the decode batch, and the KV cache they may hold. */
final class BatchOptions {
    /** A run that mixes questions fills this many times the engine's default batch: enough rows to keep the cores busy. */
    static final int SHARED_BATCH_FACTOR = 4;

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?");

    @Option(names = "--concurrent", paramLabel = "N",
            description = "Questions decoded together in one batch, each with its own search (default: 1 for"
                    + " --questions, 4 for serve; for bench, enough to fill the batch).")
    Integer concurrent;

    @Option(names = "--kv-memory", paramLabel = "SIZE",
            description = "KV cache the questions decoded together may hold, e.g. 512m or 2g; a question waits for"
                    + " room (default: on a GPU, nine tenths of its memory free after loading the model; on the CPU,"
                    + " half the JVM's memory limit).")
    String kvMemory;

    /**
     * The batch's slots: each of the {@code concurrent} questions gets its own {@code width} (the chains it runs at once
     * alone), so sharing the batch never narrows a question.
     */
    static int slots(int concurrent, int width) {
        return concurrent * width;
    }

    /**
     * Questions decoded together: --concurrent, else enough questions of {@code width} chains to fill
     * {@value #SHARED_BATCH_FACTOR} times the engine's default batch, and one more (so a question's last chains leave
     * no slot idle).
     */
    int concurrent(SamplingOptions decoding, Engine engine, int width) {
        if (concurrent != null) {
            return concurrentOr(1);
        }
        return (SHARED_BATCH_FACTOR * decoding.parallel(engine) + width - 1) / width + 1;
    }

    /** --concurrent, else {@code byDefault}. */
    int concurrentOr(int byDefault) {
        int n = concurrent != null ? concurrent : byDefault;
        if (n < 1) {
            throw new IllegalArgumentException("--concurrent must be at least 1, got " + n);
        }
        return n;
    }

    /** The admission of a run: {@code jobs} decoded together and --kv-memory. */
    Generator.Admission admission(int jobs) {
        if (jobs < 1) {
            throw new IllegalArgumentException("--concurrent must be at least 1, got " + jobs);
        }
        return new Generator.Admission(jobs, kvMemory != null ? bytes(kvMemory) : Generator.Admission.ENGINE_DEFAULT);
    }

    /** 512m, 2g, 1.5GiB, 1000000 (bytes): binary multiples. */
    static long bytes(String size) {
        Matcher m = SIZE.matcher(size.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("--kv-memory takes a size such as 512m or 2g, not " + size);
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long bytes = (long) (Double.parseDouble(m.group(1)) * (1L << shift));
        if (bytes < 1) {
            throw new IllegalArgumentException("--kv-memory must be more than 0, got " + size);
        }
        return bytes;
    }
}
