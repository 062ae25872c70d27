package dev.reason.engine;

import java.util.List;
import java.util.OptionalDouble;

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

    /**
     * Device time per kernel since the last call, where the engine times its kernels (the CUDA engine with
     * {@code REASON_CUDA_PROFILE=1}), longest first; empty elsewhere.
     */
    default List<KernelTime> takeKernelProfile() {
        return List.of();
    }

    /**
     * The memory-bandwidth bound on decode tokens/s for {@code chains} chains at a mean context of {@code meanContext}
     * tokens: each step reads the weights once and every chain's KV cache at the device's copy bandwidth. Empty where
     * the engine does not measure its bandwidth (the CPU engine).
     */
    default OptionalDouble roofline(int chains, double meanContext) {
        return OptionalDouble.empty();
    }

    @Override
    void close();
}
