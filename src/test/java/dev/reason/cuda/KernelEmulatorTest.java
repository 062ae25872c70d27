package dev.reason.cuda;

import dev.reason.sampling.Sampler;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA kernels checked without a GPU: native/emulator/run.sh compiles the real kernel sources with g++ against a
 * small CUDA emulator and compares them with the Java Sampler, plain C++ references and PyTorch's logits of the
 * shipped model. About half a minute on two cores; skipped where g++ is missing.
 */
class KernelEmulatorTest {
    private static final Path RUN = Path.of("native", "emulator", "run.sh");
    private static final long LIMIT_MINUTES = 10;

    @Test
    void kernelsMatchTheirReferencesOnTheEmulator() throws Exception {
        assumeTrue(onPath("g++"), "g++ is not on PATH: the CPU emulator check of the CUDA kernels ("
                + RUN + ") needs it");
        Path log = Files.createTempFile("kernel-emulator", ".log");
        try {
            ProcessBuilder run = new ProcessBuilder("bash", RUN.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            // The sampler cases come from this build's Sampler, run by this JVM's java.
            run.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            run.environment().put("REASON_CLASSPATH",
                    Path.of(Sampler.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            Process process = run.start();
            if (!process.waitFor(LIMIT_MINUTES, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                fail(RUN + " took more than " + LIMIT_MINUTES + " minutes:\n" + Files.readString(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            System.out.print(output);
            assertEquals(0, process.exitValue(), RUN + " failed:\n" + output);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
