package dev.reason.engine.cuda;

import dev.reason.engine.DeviceException;
import dev.reason.model.ModelDirectory;
import dev.reason.sampling.Sampler;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sampling kernel against {@link Sampler#sample(float[], int, int, double)} on made-up logits: many ties,
 * masked (-inf) tokens, peaked and flat rows, a Qwen-sized vocabulary, and every filter. The token must be the
 * same; log-probabilities agree to float rounding. Skipped where CUDA is unavailable.
 */
class DeviceSamplerTest {
    private static ModelDirectory model;
    private static CudaEngine engine;

    @BeforeAll
    static void load() {
        if (CudaEngine.unavailable().isPresent()) {
            return;
        }
        model = ModelDirectory.open(Path.of("models", "reason-mini"));
        engine = CudaEngine.load(model, CudaEngine.Precision.FP32, notice -> { });
    }

    @BeforeEach
    void needsCuda() {
        assumeTrue(CudaEngine.unavailable().isEmpty(), () -> "no CUDA here: " + CudaEngine.unavailable().orElse(""));
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
        if (model != null) {
            model.close();
        }
    }

    /** Rows of a few kinds; kind 2 has many exactly tied logits, kind 3 masks a quarter of the tokens. */
    private static float[] logits(int rows, int vocab, SplittableRandom random) {
        float[] x = new float[rows * vocab];
        for (int r = 0; r < rows; r++) {
            int kind = r % 5;
            for (int i = 0; i < vocab; i++) {
                double g = gaussian(random);
                x[r * vocab + i] = switch (kind) {
                    case 0 -> (float) g;
                    case 1 -> (float) (g * 5);
                    case 2 -> (float) Math.round(g * 2);
                    case 3 -> random.nextInt(4) == 0 ? Float.NEGATIVE_INFINITY : (float) (g * 3);
                    default -> i == r % vocab ? 12f : (float) g;
                };
            }
            x[r * vocab + random.nextInt(vocab)] = 1f;   // never all -inf
        }
        return x;
    }

    /**
     * The device's token is the host's, or, when u is within 1e-9 of a boundary between two tokens, one between the
     * host's draws at u - 1e-9 and u + 1e-9 in sort order: the device sums masses in fixed point (sampling.cuh).
     */
    private static void assertSameDraw(Sampler host, float[] x, int offset, int vocab, double u, int got,
                                       String where) {
        int want = host.sample(x, offset, vocab, u).token();
        if (got == want) {
            return;
        }
        assertTrue(got >= 0 && got < vocab, where + ": token " + got);
        int low = u - 1e-9 < 0 ? -1 : host.sample(x, offset, vocab, u - 1e-9).token();
        int high = u + 1e-9 >= 1 ? -1 : host.sample(x, offset, vocab, u + 1e-9).token();
        assertTrue((low < 0 || !precedes(x, offset, got, low)) && (high < 0 || !precedes(x, offset, high, got)),
                () -> where + ": device token " + got + ", host " + want + " (at u -/+ 1e-9: " + low + ", " + high
                        + ")");
    }

    /** Token a comes before token b in sort order: larger logit, then lower index. */
    private static boolean precedes(float[] x, int offset, int a, int b) {
        float xa = x[offset + a] + 0f, xb = x[offset + b] + 0f;
        return xa > xb || (xa == xb && a < b);
    }

    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    @Test
    void deviceDrawsAreTheHostSamplersDraws() {
        SplittableRandom random = new SplittableRandom(11);
        SamplingParams[] settings = {
            SamplingParams.greedy(),
            new SamplingParams(1f, 1f, 0, 0f),
            new SamplingParams(0.3f, 1f, 0, 0f),
            new SamplingParams(1.5f, 0.95f, 0, 0f),
            new SamplingParams(0.7f, 0.05f, 0, 0f),
            new SamplingParams(1f, 1f, 1, 0f),
            new SamplingParams(1f, 1f, 3, 0f),
            new SamplingParams(0.8f, 0.9f, 40, 0.05f),
            new SamplingParams(1f, 0.5f, 20, 0.3f),
            new SamplingParams(1.2f, 1f, 0, 0.05f),
        };
        for (int vocab : new int[] {1, 2, 37, 3001, 151_936}) {
            int rows = vocab > 100_000 ? 10 : 20;
            float[] x = logits(rows, vocab, random);
            engine.bind();
            try (DeviceMemory memory = new DeviceMemory()) {
                CUdeviceptr device = memory.upload(x);
                DeviceSampler sampler = new DeviceSampler(engine.kernels(), memory, rows, vocab);
                boolean[] active = new boolean[rows];
                Arrays.fill(active, true);
                active[rows / 2] = false;
                for (SamplingParams p : settings) {
                    int top = Math.min(5, vocab);
                    Sampler host = new Sampler(p, 5);
                    for (int round = 0; round < 3; round++) {
                        double[] u = new double[rows];
                        for (int r = 0; r < rows; r++) {
                            // u just below 1 lands in the far tail, where only small vocabularies are free of
                            // weights below the rounding of the total mass (of the host's doubles)
                            u[r] = round == 0 ? 0.0
                                    : round == 1 && vocab <= 37 ? Math.nextDown(1.0) : random.nextDouble();
                        }
                        TokenChoice[] got = sampler.sample(device, active, u, p, 5);
                        for (int r = 0; r < rows; r++) {
                            if (!active[r]) {
                                continue;
                            }
                            TokenChoice want = host.sample(x, r * vocab, vocab, u[r]);
                            String where = "vocab " + vocab + " row " + r + " " + p + " u " + u[r];
                            assertSameDraw(host, x, r * vocab, vocab, u[r], got[r].token(), where);
                            float logZ = x[r * vocab + want.token()] - want.logprob();
                            assertEquals(x[r * vocab + got[r].token()] - logZ, got[r].logprob(), 1e-5, where);
                            assertEquals(top, got[r].topLogprobs().length, where);
                            assertArrayEquals(want.topLogprobs(), got[r].topLogprobs(), 1e-5f, where);
                        }
                    }
                }
            }
        }
    }

    @Test
    void logitsTheHostSamplerRefusesAreAnErrorNotAToken() {
        float[][] rows = {{0.5f, Float.NaN, 0.2f}, {0.5f, Float.POSITIVE_INFINITY, 0.2f},
                {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}};
        engine.bind();
        for (float[] row : rows) {
            try (DeviceMemory memory = new DeviceMemory()) {
                CUdeviceptr device = memory.upload(row);
                DeviceSampler sampler = new DeviceSampler(engine.kernels(), memory, 1, row.length);
                SamplingParams[] settings = {SamplingParams.greedy(), new SamplingParams(1f, 0.9f, 0, 0f)};
                for (SamplingParams p : settings) {
                    DeviceException e = assertThrows(DeviceException.class,
                            () -> sampler.sample(device, new boolean[] {true}, new double[] {0.3}, p, 0));
                    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
                }
            }
        }
    }
}
