package dev.reason.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The recipe's Python scripts and the llama.cpp peer's node scripts, run from a test (the suite runs from the
 * repository root). A test whose program is missing is skipped, saying what to install.
 */
public final class Scripts {
    /** The recipe's Python: Debian's, where numpy and torch are importable (models/recipe/README.md). */
    public static final Path PYTHON = Path.of("/usr/bin/python3");
    public static final Path PEER = Path.of("benchmarks", "llamacpp");
    private static Boolean hasNumpy;

    private Scripts() {
    }

    /** A finished program: its exit status and what it printed (stdout and stderr together). */
    public record Result(int exit, String output) {
    }

    /** Runs {@code command} to its end (at most two minutes), reading its output as it comes. */
    public static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), String.join(" ", command) + " did not finish");
        return new Result(p.exitValue(), output);
    }

    /** Runs models/recipe/{@code script}; skips the test where /usr/bin/python3 cannot import numpy. */
    public static Result recipe(String script, String... args) throws IOException, InterruptedException {
        synchronized (Scripts.class) {
            if (hasNumpy == null) {
                hasNumpy = Files.isExecutable(PYTHON) && run(List.of(PYTHON.toString(), "-c", "import numpy")).exit() == 0;
            }
        }
        assumeTrue(hasNumpy, PYTHON + " cannot import numpy: apt-get install python3-numpy (models/recipe/README.md)");
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "models/recipe/" + script));
        command.addAll(List.of(args));
        return run(command);
    }

    /** {@code modelDir} written as GGUF of {@code type} (f32, f16, q8_0) into {@code out} by the recipe's exporter. */
    public static Path ggufExport(Path modelDir, String type, Path out) throws IOException, InterruptedException {
        Result r = recipe("gguf_export.py", "--model-dir", modelDir.toString(), "--type", type, "--out", out.toString());
        assertEquals(0, r.exit(), r.output());
        return out;
    }

    /** Skips the calling test where node or the installed peer (npm ci in benchmarks/llamacpp) is missing. */
    public static void assumePeer() {
        assumeTrue(Programs.find("node").isPresent(), "node is not on PATH: the llama.cpp peer needs node 20");
        assumeTrue(Files.isDirectory(PEER.resolve("node_modules/node-llama-cpp")),
                "node-llama-cpp is not installed: run npm ci in " + PEER + " (docs/llamacpp.md)");
    }

    /** Runs benchmarks/llamacpp/{@code script} with node; skips the test where node or the installed peer is missing. */
    public static Result peer(String script, String... args) throws IOException, InterruptedException {
        assumePeer();
        List<String> command = new ArrayList<>(List.of("node", PEER.resolve(script).toString()));
        command.addAll(List.of(args));
        return run(command);
    }
}
