package dev.reason.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code reason} in a child JVM with the tests' class path, for what only a real process shows (signals, kills). */
final class ReasonProcess {
    private ReasonProcess() {
    }

    /** Starts {@code reason ARGS}, its stdout and stderr both into {@code log}. */
    static Process start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** SIGKILL (no shutdown hooks, no flushing) once {@code ready} holds, or after two minutes, or when it ended. */
    static void killWhen(Process p, Callable<Boolean> ready) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!ready.call() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        p.destroyForcibly();
        p.waitFor();
    }
}
