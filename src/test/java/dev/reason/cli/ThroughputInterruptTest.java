package dev.reason.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C during {@code reason throughput} keeps what was measured: throughput.csv holds every finished measurement
 * as soon as it finishes (so a run killed outright keeps them too), and SIGINT ends the run after the measurement
 * under way with the table of those, exit 130.
 */
class ThroughputInterruptTest {
    private static final String PARALLEL = "1,2,4,8,16,32,64";

    @Test
    void sigintEndsTheRunWithTheMeasurementsSoFar(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("throughput");
        Path log = tmp.resolve("run.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "throughput",
                "--model", CliTest.MODEL.toString(), "--device", "cpu", "--threads", "1", "--parallel", PARALLEL,
                "--prompt-len", "32", "--gen-len", "128", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path csv = out.resolve("throughput.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (measured(csv) < 1 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the run ended before it could be interrupted:\n" + Files.readString(log));
        int before = measured(csv);
        assertTrue(before >= 1, "no measurement within 2 minutes:\n" + Files.readString(log));
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "SIGINT did not end the run");

        String output = Files.readString(log);
        assertEquals(ExitCodes.INTERRUPTED, p.exitValue(), output);
        int rows = measured(csv);
        assertTrue(rows >= before && rows < PARALLEL.split(",").length, rows + " rows in " + csv + "\n" + output);
        assertTrue(output.contains("reason: interrupted; the table holds the " + rows + " of 7 measurements"), output);
        assertEquals(rows, output.lines().filter(l -> l.startsWith("| cpu |")).count(), output);
        assertTrue(Files.exists(out.resolve("throughput.png")), "the chart of what was measured");
    }

    /** Data rows in throughput.csv (0 while it does not exist). */
    private static int measured(Path csv) throws IOException {
        if (!Files.exists(csv)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(csv);
        return Math.max(0, lines.size() - 1);
    }
}
