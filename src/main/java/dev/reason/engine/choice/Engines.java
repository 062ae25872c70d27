package dev.reason.engine.choice;

import dev.reason.engine.DeviceException;
import dev.reason.engine.Engine;
import dev.reason.engine.cpu.OrtEngine;
import dev.reason.engine.cuda.CudaEngine;
import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import dev.reason.model.ModelException;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/** Chooses and opens the engine for {@code --device auto|cpu|cuda|cuda:N}. */
public final class Engines {
    private Engines() {
    }

    /**
     * @param precision the CUDA engine's weight precision, {@code bf16} or {@code fp32} (the CPU engine runs the
     *                  ONNX file as it is)
     * @param notice    receives one line when the choice is not what the user literally asked for
     */
    public static Engine open(ModelDirectory model, String device, int threads, String precision,
                              Consumer<String> notice) {
        if (device.equals("cpu")) {
            return OrtEngine.load(model, threads, notice);
        }
        if (device.equals("auto")) {
            return auto(model, threads, precision(precision), notice);
        }
        OptionalInt ordinal = cudaOrdinal(device);
        CudaEngine.Precision p = precision(precision);
        Optional<String> why = CudaEngine.unavailableWithAdvice();
        if (why.isPresent()) {
            throw new DeviceException("--device " + device + ": " + why.get() + "; use --device cpu (or auto)");
        }
        return CudaEngine.load(model, p, ordinal, notice);
    }

    /**
     * The GPU {@code cuda} or {@code cuda:N} names: empty for the first one the kernels run on, else N.
     *
     * @throws IllegalArgumentException for any other device name
     */
    public static OptionalInt cudaOrdinal(String device) {
        if (device.equals("cuda")) {
            return OptionalInt.empty();
        }
        if (device.matches("cuda:[0-9]{1,4}")) {
            return OptionalInt.of(Integer.parseInt(device.substring("cuda:".length())));
        }
        throw new IllegalArgumentException("unknown --device \"" + device + "\": use auto, cpu, cuda or cuda:N (the"
                + " driver's GPU N, as reason --version lists them)");
    }

    /** The CUDA engine when a GPU, the kernels and the weights allow, else the CPU's with a notice saying why. */
    private static Engine auto(ModelDirectory model, int threads, CudaEngine.Precision p, Consumer<String> notice) {
        Optional<String> why = whyNotCuda(model.config());
        if (why.isEmpty()) {
            try {
                return CudaEngine.load(model, p, notice);
            } catch (DeviceException e) {
                why = Optional.of("the CUDA engine failed: " + e.getMessage());
            } catch (ModelException e) {  // weights it cannot read (quantized): the CPU may still run the graph
                why = Optional.of("the CUDA engine cannot read the weights: " + e.getMessage());
            }
        }
        Engine cpu = OrtEngine.load(model, threads, notice); // first, so a broken model is the one error shown
        notice.accept("device: cpu (auto: " + why.get() + ")");
        return cpu;
    }

    /**
     * Why {@code --device auto} would not try the GPU for a model of this architecture: no usable GPU here, or a
     * model the kernels cannot compute (the CPU runs any graph). Empty when it would; loading may still fail.
     */
    public static Optional<String> whyNotCuda(ModelConfig config) {
        return CudaEngine.unavailable().or(() -> CudaEngine.cannotRun(config));
    }

    private static CudaEngine.Precision precision(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "bf16":
                return CudaEngine.Precision.BF16;
            case "fp32":
                return CudaEngine.Precision.FP32;
            default:
                throw new IllegalArgumentException("unknown --precision \"" + name + "\": use bf16 or fp32");
        }
    }
}
