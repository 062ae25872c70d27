package dev.reason.engine.cuda;

import dev.reason.engine.DeviceException;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;
import jcuda.driver.CUdeviceptr;

import java.nio.DoubleBuffer;
import java.nio.IntBuffer;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

/**
 * Draws one token per row of logits on the GPU with the host sampler's semantics ({@code Sampler.sample(logits,
 * offset, vocab, u)}): each row's uniform number goes in, and only its token, log-probability and top
 * log-probabilities come back. The kernel sums masses in fixed point, so its draw can differ from the host's only
 * when u lands within about 1e-9 of a boundary between two tokens (native/sampling.cuh).
 */
final class DeviceSampler {
    static final int MAX_TOP_LOGPROBS = 20;

    private final Kernels kernels;
    private final int rows;
    private final int vocab;
    private final DeviceMemory.Pinned uniformsHost;
    private final DeviceMemory.Pinned resultsHost;
    private final DoubleBuffer uniformsView;
    private final IntBuffer resultsView;
    private final CUdeviceptr uniforms;
    private final CUdeviceptr results;
    private final CUdeviceptr samples;  // the kernels' per-row workspace (Kernels.SAMPLE_ROW_BYTES each)
    private final TokenChoice[] choices;

    DeviceSampler(Kernels kernels, DeviceMemory memory, int rows, int vocab) {
        this.kernels = kernels;
        this.rows = rows;
        this.vocab = vocab;
        long resultBytes = 4L * rows * (2 + MAX_TOP_LOGPROBS);
        uniformsHost = memory.pinned(8L * rows);
        resultsHost = memory.pinned(resultBytes);
        uniformsView = uniformsHost.buffer().asDoubleBuffer();
        resultsView = resultsHost.buffer().asIntBuffer();
        uniforms = memory.alloc(8L * rows);
        results = memory.alloc(resultBytes);
        samples = memory.alloc((long) Kernels.SAMPLE_ROW_BYTES * rows);
        choices = new TokenChoice[rows];
    }

    /**
     * Samples every active row of {@code logits} [rows, vocab] with {@code u[row]} as its uniform draw (unused when
     * greedy). Returns a choice per row, null for inactive rows; the array is reused by the next call.
     */
    TokenChoice[] sample(CUdeviceptr logits, boolean[] active, double[] u, SamplingParams params, int topLogprobs) {
        return sample(logits, vocab, active, u, params, topLogprobs, choices);
    }

    /**
     * The same draws with every row reading the one row of logits [vocab] (each with its own u), into a new array:
     * the decode loop still reads the last step's draws when it draws new chains' first tokens.
     */
    TokenChoice[] sampleOneRow(CUdeviceptr logits, boolean[] active, double[] u, SamplingParams params,
                               int topLogprobs) {
        return sample(logits, 0, active, u, params, topLogprobs, new TokenChoice[rows]);
    }

    private TokenChoice[] sample(CUdeviceptr logits, long rowStride, boolean[] active, double[] u,
                                 SamplingParams params, int topLogprobs, TokenChoice[] into) {
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("the CUDA sampler keeps 0 to " + MAX_TOP_LOGPROBS
                    + " top log-probabilities, not " + topLogprobs);
        }
        boolean greedy = params.isGreedy();
        for (int r = 0; r < rows; r++) {
            if (active[r] && !greedy && !(u[r] >= 0.0 && u[r] < 1.0)) {
                throw new IllegalArgumentException("uniform draw " + u[r] + " of slot " + r + " is not in [0, 1)");
            }
            uniformsView.put(r, !active[r] ? -1.0 : greedy ? 0.0 : u[r]);
        }
        // Queued behind the decode step, not waited for: a blocking copy would hold the host until the step ended
        // and only then let it launch the sampling kernels, with the GPU idle in between. The pinned buffer is
        // written again at the next call, after this one's results came back.
        cuMemcpyHtoDAsync(uniforms, uniformsHost.pointer(), 8L * rows, Kernels.DEFAULT_STREAM);
        int nTop = Math.min(topLogprobs, vocab);
        double invTemperature = greedy ? 0.0 : 1.0 / params.temperature();   // the host sampler's own formulas
        double maxDistance = params.minP() > 0f ? -Math.log(params.minP()) : Double.POSITIVE_INFINITY;
        kernels.sample(logits, rows, vocab, rowStride, uniforms, samples, results, nTop, greedy, invTemperature,
                maxDistance, params.topK(), params.topP());
        int stride = 2 + nTop;
        cuMemcpyDtoH(resultsHost.pointer(), results, 4L * rows * stride);
        for (int r = 0; r < rows; r++) {
            if (!active[r]) {
                into[r] = null;
                continue;
            }
            int at = r * stride;
            if (resultsView.get(at) < 0) {
                throw new DeviceException("--device cuda: the model's logits for chain slot " + r + " hold NaN or"
                        + " +infinity, or are all -infinity, so no token can be drawn; --precision fp32 avoids a bf16"
                        + " overflow, --device cpu checks the model itself");
            }
            float[] top = new float[nTop];
            for (int j = 0; j < nTop; j++) {
                top[j] = Float.intBitsToFloat(resultsView.get(at + 2 + j));
            }
            into[r] = new TokenChoice(resultsView.get(at), Float.intBitsToFloat(resultsView.get(at + 1)), top);
        }
        return into;
    }
}
