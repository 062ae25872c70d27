package dev.reason.engine.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The launch shapes a device run may vary, each from an environment variable, so that one call on a rented GPU can
 * time several side by side (benchmarks/device/run.sh, step {@code tune}) and the best become the defaults. Every
 * setting changes speed only: logits differ at most by the order of a sum (a split GEMM's parts, attention's
 * warps), and a draw's slices give the same tokens.
 *
 * @param splitMinK         the shortest split-K part of gemm_bf16, a multiple of {@link Kernels#GEMM_CHUNK}
 * @param splitBlocksPerSm  gemm_bf16 blocks per multiprocessor that split-K aims for
 * @param attentionWarps    warps per attention block, or 0: as many as the GPU holds ({@link Kernels#attentionWarps})
 * @param sampleBlocksPerSm sampling blocks per multiprocessor that a draw's slices aim for
 */
record Tuning(int splitMinK, int splitBlocksPerSm, int attentionWarps, int sampleBlocksPerSm) {
    static final String SPLIT_MIN_K_ENV = "REASON_CUDA_SPLIT_MIN_K";
    static final String SPLIT_BLOCKS_ENV = "REASON_CUDA_SPLIT_BLOCKS";
    static final String ATTENTION_WARPS_ENV = "REASON_CUDA_ATTENTION_WARPS";
    static final String SAMPLE_BLOCKS_ENV = "REASON_CUDA_SAMPLE_BLOCKS";
    /**
     * By default each split-K part gets at least this much of K, so that a part's work outweighs writing its partial
     * tile.
     */
    static final int SPLIT_MIN_K = 256;
    /** By default split-K aims for two gemm_bf16 blocks per multiprocessor. */
    static final int SPLIT_BLOCKS_PER_SM = 2;
    /** By default a draw's slices aim for four sampling blocks per multiprocessor over all rows. */
    static final int SAMPLE_BLOCKS_PER_SM = 4;
    static final Tuning DEFAULT = new Tuning(SPLIT_MIN_K, SPLIT_BLOCKS_PER_SM, 0, SAMPLE_BLOCKS_PER_SM);

    /**
     * The settings {@code env} asks for, each variable's default where it is unset or blank.
     *
     * @throws IllegalArgumentException (one line) naming a variable whose value is out of range
     */
    static Tuning from(Map<String, String> env) {
        return new Tuning(
                setting(env, SPLIT_MIN_K_ENV, SPLIT_MIN_K, Kernels.GEMM_CHUNK, 65536, Kernels.GEMM_CHUNK,
                        "a multiple of " + Kernels.GEMM_CHUNK + " from " + Kernels.GEMM_CHUNK + " to 65536",
                        String.valueOf(SPLIT_MIN_K)),
                setting(env, SPLIT_BLOCKS_ENV, SPLIT_BLOCKS_PER_SM, 1, 16, 1, "a whole number from 1 to 16",
                        String.valueOf(SPLIT_BLOCKS_PER_SM)),
                setting(env, ATTENTION_WARPS_ENV, 0, 1, Kernels.ATTENTION_MAX_WARPS, 1,
                        "a whole number from 1 to " + Kernels.ATTENTION_MAX_WARPS,
                        "as many as the GPU holds, up to " + Kernels.ATTENTION_MAX_WARPS),
                setting(env, SAMPLE_BLOCKS_ENV, SAMPLE_BLOCKS_PER_SM, 1, 64, 1, "a whole number from 1 to 64",
                        String.valueOf(SAMPLE_BLOCKS_PER_SM)));
    }

    private static int setting(Map<String, String> env, String name, int unset, int least, int most, int multiple,
                               String range, String byDefault) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return unset;
        }
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            n = least - 1;
        }
        if (n < least || n > most || n % multiple != 0) {
            throw new IllegalArgumentException(name + "=" + value.strip() + " is not " + range + ": set one (the"
                    + " default is " + byDefault + ") or unset it");
        }
        return n;
    }

    /** The settings that differ from the defaults, as their variables ("REASON_CUDA_SPLIT_MIN_K=128"), or "". */
    String changed() {
        List<String> set = new ArrayList<>();
        if (splitMinK != SPLIT_MIN_K) {
            set.add(SPLIT_MIN_K_ENV + "=" + splitMinK);
        }
        if (splitBlocksPerSm != SPLIT_BLOCKS_PER_SM) {
            set.add(SPLIT_BLOCKS_ENV + "=" + splitBlocksPerSm);
        }
        if (attentionWarps != 0) {
            set.add(ATTENTION_WARPS_ENV + "=" + attentionWarps);
        }
        if (sampleBlocksPerSm != SAMPLE_BLOCKS_PER_SM) {
            set.add(SAMPLE_BLOCKS_ENV + "=" + sampleBlocksPerSm);
        }
        return String.join(" ", set);
    }
}
