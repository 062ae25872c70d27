package dev.reason.cuda;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

/**
 * The kernels of {@code native/reason_kernels.cu}, one typed method each: the arguments in the kernel's order and
 * types (pointers as {@link CUdeviceptr}, C int / float / double as Java int / float / double), and the launch
 * shape the kernel's comment asks for. The weight and cache types (fp32 or bf16) follow the precision.
 *
 * <p>Launches are asynchronous, so an error usually surfaces at a later call. With {@code REASON_CUDA_DEBUG=1}
 * every launch is followed by a synchronization, and an error names the kernel that caused it.
 */
final class Kernels {
    static final String FATBIN = "/dev/reason/cuda/reason_kernels.fatbin";
    static final boolean DEBUG = "1".equals(System.getenv("REASON_CUDA_DEBUG"));
    static final int MAX_HEAD_DIM = 256;      // MAX_HEAD_DIM in reason_kernels.cu
    private static final int MAX_GRID_Y = 65535;

    /** Runs one kernel; the CUDA one, or a recorder in tests. */
    interface Launcher {
        void launch(String kernel, int gridX, int gridY, int block, Object... args);
    }

    private final Launcher launcher;
    private final boolean fp32;
    private final String suffix;

    Kernels(Launcher launcher, CudaEngine.Precision precision) {
        this.launcher = launcher;
        this.fp32 = precision == CudaEngine.Precision.FP32;
        this.suffix = fp32 ? "_f32" : "_bf16";
    }

    /** x[r] = table[tokens[r]]. */
    void embed(CUdeviceptr tokens, CUdeviceptr table, CUdeviceptr x, int rows, int hidden, int vocab) {
        launcher.launch("embed" + suffix, rows, 1, 256, tokens, table, x, hidden, vocab);
    }

    void rmsnorm(CUdeviceptr x, CUdeviceptr weight, CUdeviceptr y, int rows, int hidden, float eps) {
        launcher.launch("rmsnorm", rows, 1, 256, x, weight, y, hidden, eps);
    }

    /** y = x * w^T + bias, or y += that when accumulate: x [rows, ins], w [outs, ins]. */
    void gemm(CUdeviceptr x, CUdeviceptr w, CUdeviceptr bias, CUdeviceptr y, int rows, int outs, int ins,
              boolean accumulate) {
        int tile = fp32 ? 16 : 32;
        launcher.launch("gemm" + suffix, blocks(rows, tile), blocks(outs, tile), fp32 ? 256 : 128,
                x, w, bias, y, rows, outs, ins, accumulate ? 1 : 0);
    }

    /** Rotary embedding of the query and key heads of each row, and the row's key and value into the cache. */
    void ropeStore(CUdeviceptr qkv, CUdeviceptr invFreq, int rows, int heads, int kvHeads, int headDim,
                   CUdeviceptr promptK, CUdeviceptr promptV, int promptLen, CUdeviceptr slotK, CUdeviceptr slotV,
                   int maxNew, CUdeviceptr lengths, boolean decode) {
        launcher.launch("rope_store" + suffix, rows, 1, 128, qkv, invFreq, heads, kvHeads, headDim,
                promptK, promptV, promptLen, slotK, slotV, maxNew, lengths, decode ? 1 : 0);
    }

    void attention(CUdeviceptr qkv, CUdeviceptr out, int rows, int heads, int kvHeads, int headDim,
                   CUdeviceptr promptK, CUdeviceptr promptV, int promptLen, CUdeviceptr slotK, CUdeviceptr slotV,
                   int maxNew, CUdeviceptr lengths, boolean decode) {
        float scale = (float) (1.0 / Math.sqrt(headDim));
        launcher.launch("attention" + suffix, rows, heads, 128, qkv, out, heads, kvHeads, headDim,
                promptK, promptV, promptLen, slotK, slotV, maxNew, lengths, decode ? 1 : 0, scale);
    }

    /** act = silu(gate) * up, with gateUp rows = [gate | up]. */
    void swiglu(CUdeviceptr gateUp, CUdeviceptr act, int rows, int inter) {
        launcher.launch("swiglu", rows, blocks(inter, 256), 256, gateUp, act, inter);
    }

    /** One sampled token per row; see sampling.cuh for the arguments. */
    void sample(CUdeviceptr logits, int rows, int vocab, CUdeviceptr uniforms, CUdeviceptr out, int nTop,
                boolean greedy, double invTemperature, double maxDistance, int topK, double topP) {
        launcher.launch("sample_rows", rows, 1, 512, logits, vocab, uniforms, out, nTop, greedy ? 1 : 0,
                invTemperature, maxDistance, topK, topP);
    }

    private static int blocks(int n, int per) {
        return (n + per - 1) / per;
    }

    /** Launches through the CUDA driver from the module loaded out of the jar. */
    static final class Module implements Launcher, AutoCloseable {
        private final CUmodule module = new CUmodule();
        private final Map<String, CUfunction> functions = new HashMap<>();

        Module() {
            cuModuleLoadData(module, fatbin());
        }

        private static byte[] fatbin() {
            try (InputStream in = Kernels.class.getResourceAsStream(FATBIN)) {
                if (in == null) {
                    throw new IllegalStateException(FATBIN + " is missing from the jar: rebuild it (mvn package)");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + FATBIN + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void launch(String kernel, int gridX, int gridY, int block, Object... args) {
            if (gridX < 1 || gridY < 1 || gridY > MAX_GRID_Y) {
                throw new IllegalArgumentException("kernel " + kernel + ": grid " + gridX + " x " + gridY
                        + " is outside what CUDA launches (model or batch too large for this kernel)");
            }
            Pointer[] params = new Pointer[args.length];
            for (int i = 0; i < args.length; i++) {
                params[i] = param(args[i]);
            }
            try {
                cuLaunchKernel(function(kernel), gridX, gridY, 1, block, 1, 1, 0, null, Pointer.to(params), null);
                if (DEBUG) {
                    cuCtxSynchronize();
                }
            } catch (CudaException e) {
                throw new IllegalStateException("CUDA kernel " + kernel + " (grid " + gridX + " x " + gridY
                        + ", block " + block + ") failed: " + e.getMessage()
                        + (DEBUG ? "" : " (or an earlier kernel did; REASON_CUDA_DEBUG=1 names the one)"), e);
            }
        }

        private CUfunction function(String kernel) {
            return functions.computeIfAbsent(kernel, name -> {
                CUfunction f = new CUfunction();
                cuModuleGetFunction(f, module, name);
                return f;
            });
        }

        private static Pointer param(Object arg) {
            if (arg instanceof CUdeviceptr p) {
                return Pointer.to(p);
            } else if (arg instanceof Integer v) {
                return Pointer.to(new int[] {v});
            } else if (arg instanceof Float v) {
                return Pointer.to(new float[] {v});
            } else if (arg instanceof Double v) {
                return Pointer.to(new double[] {v});
            }
            throw new IllegalArgumentException("no kernel parameter of type " + arg.getClass().getName());
        }

        @Override
        public void close() {
            cuModuleUnload(module);
        }
    }
}
