package dev.reason.engine.cuda;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The GPU tests (CudaEngineTest, DeviceSamplerTest) without a GPU: native/emulator/driver.sh builds a CUDA
 * driver that runs the kernels on the CPU and runs those tests in a JVM whose JCuda links against it, so the
 * engine's host code (weight upload, buffers, launch arguments, graph capture and replay, fewer chains when
 * memory runs out) is checked against ONNX Runtime here too. About 3.5 minutes on two cores; skipped where g++
 * is missing, and where a real GPU runs those tests itself.
 */
class EmulatedDriverTest {
    @Test
    void gpuTestsPassOnTheEmulatedDriver() throws Exception {
        assumeTrue(CudaEngine.unavailable().isPresent(), "a real GPU is here: CudaEngineTest runs on it");
        // Surefire's own classpath is a manifest-only jar; this property holds the real one.
        EmulatorScript.runAndPass(Path.of("native", "emulator", "driver.sh"), Map.of("REASON_TEST_CLASSPATH",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
    }
}
