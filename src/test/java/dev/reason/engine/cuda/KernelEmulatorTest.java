package dev.reason.engine.cuda;

import dev.reason.sampling.Sampler;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

/**
 * The CUDA kernels checked without a GPU: native/emulator/run.sh compiles the real kernel sources with g++ against a
 * small CUDA emulator and compares them with the Java Sampler, plain C++ references and PyTorch's logits of the
 * shipped model. About 16 s on two cores; skipped where g++ is missing.
 */
class KernelEmulatorTest {
    @Test
    void kernelsMatchTheirReferencesOnTheEmulator() throws Exception {
        // The sampler cases come from this build's Sampler.
        EmulatorScript.runAndPass(Path.of("native", "emulator", "run.sh"), Map.of("REASON_CLASSPATH",
                Path.of(Sampler.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString()));
    }
}
