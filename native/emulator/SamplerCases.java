import dev.reason.sampling.Sampler;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes random sampling cases with the host Sampler's answers, for test_sampling.cpp to replay on sample_rows:
 * {@code java -cp target/classes native/emulator/SamplerCases.java COUNT OUT_FILE}. Seeded, so every run writes
 * the same cases. Floats and doubles are written as their raw bits, so nothing is lost in the text.
 *
 * <p>Per case, four lines: vocab nTop greedy invTemperature maxDistance topK topP u (the kernel's arguments,
 * computed as DeviceSampler does); the logits; the token, its logprob and the nTop top logprobs; then three pairs of
 * tokens, the host's draws at u - 1e-9 and u + 1e-9 (-1 past 0 or 1) with top-p one float below, at and one above.
 */
public class SamplerCases {
    private static final int[] VOCABS = {1, 2, 5, 37, 128, 600, 3001, 12000, 151936};
    private static final float[] TEMPERATURES = {0f, 0.3f, 0.7f, 1f, 1.5f};
    private static final float[] TOP_PS = {1f, 0.95f, 0.5f, 0.05f};
    private static final float[] MIN_PS = {0f, 0.05f, 0.3f};
    /** How close to a boundary between two tokens u may land for the kernel to pick either (see test_sampling). */
    private static final double NEAR = 1e-9;

    public static void main(String[] args) throws IOException {
        int count = Integer.parseInt(args[0]);
        Random random = new Random(42);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[1])))) {
            for (int c = 0; c < count; c++) {
                writeCase(out, random);
            }
        }
    }

    private static void writeCase(PrintWriter out, Random random) {
        int vocab = VOCABS[random.nextInt(VOCABS.length)];
        Shape shape = Shape.values()[random.nextInt(Shape.values().length)];
        float[] logits = logits(random, vocab, shape);
        int[] topKs = {0, 1, 3, 20, vocab};
        SamplingParams params = shape == Shape.EXACT_MASSES  // at T = 1 the masses stay exact, at top-p 0.8 too
                ? new SamplingParams(1f, random.nextBoolean() ? 0.8f : 0.5f, 0, 0f)
                : new SamplingParams(TEMPERATURES[random.nextInt(TEMPERATURES.length)],
                        TOP_PS[random.nextInt(TOP_PS.length)], topKs[random.nextInt(topKs.length)],
                        MIN_PS[random.nextInt(MIN_PS.length)]);
        int nTop = Math.min(vocab, random.nextInt(3) == 0 ? 0 : 5);
        double u = switch (random.nextInt(8)) {  // the ends of [0, 1) get their share
            case 0 -> 0.0;
            case 1 -> Math.nextDown(1.0);
            case 2 -> random.nextBoolean() ? 0.5 : 0.25;  // lands exactly on a boundary between tied tokens
            default -> random.nextDouble();
        };
        if (params.isGreedy()) {
            u = 0.0;
        }
        TokenChoice choice = new Sampler(params, nTop).sample(logits, 0, vocab, u);
        StringBuilder near = new StringBuilder();  // the host's draws at u -/+ NEAR, each with top-p a float ulp away
        float[] topPs = {Math.nextDown(params.topP()), params.topP(), Math.min(1f, Math.nextUp(params.topP()))};
        for (float topP : topPs) {
            SamplingParams p = new SamplingParams(params.temperature(), topP, params.topK(), params.minP());
            near.append(u - NEAR < 0 ? -1 : new Sampler(p, 0).sample(logits, 0, vocab, u - NEAR).token()).append(' ');
            near.append(u + NEAR >= 1 ? -1 : new Sampler(p, 0).sample(logits, 0, vocab, u + NEAR).token()).append(' ');
        }

        // The kernel's arguments, with DeviceSampler's formulas.
        double invTemperature = params.isGreedy() ? 0.0 : 1.0 / params.temperature();
        double maxDistance = params.minP() > 0f ? -Math.log(params.minP()) : Double.POSITIVE_INFINITY;
        out.print(vocab + " " + nTop + " " + (params.isGreedy() ? 1 : 0) + " " + bits(invTemperature) + " "
                + bits(maxDistance) + " " + params.topK() + " " + bits(params.topP()) + " " + bits(u) + "\n");
        StringBuilder line = new StringBuilder();
        for (float x : logits) {
            line.append(Float.floatToRawIntBits(x)).append(' ');
        }
        out.print(line.append('\n'));
        out.print(choice.token() + " " + Float.floatToRawIntBits(choice.logprob()));
        for (float lp : choice.topLogprobs()) {
            out.print(" " + Float.floatToRawIntBits(lp));
        }
        out.print('\n');
        out.print(near.append('\n'));
    }

    /** Logit shapes that stress different parts of the search. */
    private enum Shape { NORMAL, WIDE, MANY_TIES, MASKED, ONE_DOMINANT, ALL_TIED, EXACT_MASSES }

    private static float[] logits(Random random, int vocab, Shape shape) {
        float[] x = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            double g = random.nextGaussian();
            x[i] = switch (shape) {
                case NORMAL -> (float) g;
                case WIDE -> (float) (g * 5);
                case MANY_TIES -> (float) Math.round(g * 2);
                case MASKED -> random.nextInt(4) == 0 ? Float.NEGATIVE_INFINITY : (float) (g * 3);
                case ONE_DOMINANT -> i == 3 % vocab ? 12f : (float) g;
                case ALL_TIED -> 0.5f;                         // ties across the kernel's chunks of 512
                case EXACT_MASSES -> Float.NEGATIVE_INFINITY;  // filled in below
            };
        }
        if (shape == Shape.MASKED) {
            x[random.nextInt(vocab)] = 1f;  // at least one finite logit
        }
        if (shape == Shape.EXACT_MASSES) {
            // Probabilities 0.5, 0.3, 0.15, 0.05 on the first tokens (as far as the vocabulary goes): top-p 0.5 or
            // 0.8 is reached exactly, up to rounding, which the top-p tolerance has to absorb.
            double[] p = {0.5, 0.3, 0.15, 0.05};
            for (int i = 0; i < Math.min(vocab, p.length); i++) {
                x[i] = (float) Math.log(p[i]);
            }
        }
        return x;
    }

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }
}
