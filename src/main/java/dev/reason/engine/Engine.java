package dev.reason.engine;

/**
 * Runs a decoder on one device. The two implementations are the CPU engine (ONNX Runtime) and the
 * CUDA engine (the project's own kernels); everything above this interface is device-agnostic.
 */
public interface Engine extends AutoCloseable {
    /** "cpu", "cuda". */
    String device();

    /** One line for users: device, backend, precision, threads. */
    String description();

    /**
     * The CPU threads a run on this engine may use (the CPU engine's {@code --threads}): the decode loop spreads the
     * host's draws over as many.
     */
    default int cpuThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Prefills the prompt once and returns a batch of {@code slots} decode rows whose chains all
     * start from that prompt's KV cache (copied, never recomputed).
     */
    DecodeBatch start(int[] prompt, int slots, int maxNewTokens);

    /**
     * KV-cache bytes the questions decoded together may hold when the user sets no limit: half the JVM's memory limit
     * on the CPU (the cache is direct buffers, which the JVM limits as it does its heap); the GPU's free memory.
     */
    default long kvMemory() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    @Override
    void close();
}
