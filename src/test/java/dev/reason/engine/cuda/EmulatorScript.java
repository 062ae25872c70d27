package dev.reason.engine.cuda;

import dev.reason.testing.Programs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs one of the scripts in native/emulator/ (they need g++) and fails the test when it fails. */
final class EmulatorScript {
    private static final long LIMIT_MINUTES = 20;

    private EmulatorScript() {
    }

    /**
     * Runs {@code script} with bash from the repository root, with this JVM's java as JAVA and {@code env} added,
     * prints its output, and asserts that it exits 0; skips the test where g++ is missing.
     */
    static void runAndPass(Path script, Map<String, String> env) throws Exception {
        assumeTrue(Programs.find("g++").isPresent(), "g++ is not on PATH: " + script + " needs it");
        Path log = Files.createTempFile("emulator", ".log");
        try {
            ProcessBuilder run = new ProcessBuilder("bash", script.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            run.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            run.environment().putAll(env);
            Process process = run.start();
            if (!process.waitFor(LIMIT_MINUTES, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                fail(script + " took more than " + LIMIT_MINUTES + " minutes:\n" + Files.readString(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            System.out.print(output);
            assertEquals(0, process.exitValue(), script + " failed:\n" + output);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
