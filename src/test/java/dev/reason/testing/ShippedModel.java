package dev.reason.testing;

import dev.reason.engine.cpu.OrtEngine;
import dev.reason.model.ModelDirectory;

import java.nio.file.Path;

/** The shipped model, opened once for the engine tests (the suite runs from the repository root). */
public final class ShippedModel {
    public static final Path DIR = Path.of("models", "reason-mini");
    private static ModelDirectory model;
    private static OrtEngine engine;

    private ShippedModel() {
    }

    public static synchronized ModelDirectory model() {
        if (model == null) {
            model = ModelDirectory.open(DIR);
        }
        return model;
    }

    public static synchronized OrtEngine engine() {
        if (engine == null) {
            engine = OrtEngine.load(model(), Runtime.getRuntime().availableProcessors(), line -> { });
        }
        return engine;
    }
}
