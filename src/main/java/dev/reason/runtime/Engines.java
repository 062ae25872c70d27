package dev.reason.runtime;

import dev.reason.model.ModelDirectory;

import java.util.function.Consumer;

/** Chooses and opens the engine for {@code --device auto|cpu|cuda}. */
public final class Engines {
    private Engines() {
    }

    /**
     * @param notice receives one line when the choice is not what the user literally asked for
     */
    public static Engine open(ModelDirectory model, String device, int threads, Consumer<String> notice) {
        switch (device) {
            case "cpu":
                return OrtEngine.load(model, threads);
            case "cuda":
                throw new DeviceException("--device cuda: this build has no CUDA engine yet; use --device cpu"
                        + " (or auto)");
            case "auto":
                Engine cpu = OrtEngine.load(model, threads);
                notice.accept("device: cpu (auto: this build has no CUDA engine yet)");
                return cpu;
            default:
                throw new IllegalArgumentException("unknown --device \"" + device + "\": use auto, cpu or cuda");
        }
    }
}
