package dev.reason.cli;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Options shared by every command that loads a model. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face ONNX model directory (default: the shipped model, models/reason-mini).")
    Path model;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads for ONNX Runtime (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--precision", paramLabel = "bf16|fp32", defaultValue = "bf16",
            description = "Weights and KV cache on the GPU: bf16 (fast) or fp32 (exact, for checks); the CPU engine "
                    + "runs the ONNX file as it is (default: ${DEFAULT-VALUE}).")
    String precision;

    /** The shipped model: beside the launcher (reason.home), else beside the jar's folder. */
    Path modelDir() {
        if (model != null) {
            return model;
        }
        String env = System.getenv("REASON_MODEL");
        if (env != null && !env.isBlank()) {
            return Paths.get(env);
        }
        return home().resolve("models").resolve("reason-mini");
    }

    static Path home() {
        String prop = System.getProperty("reason.home");
        if (prop != null) {
            return Paths.get(prop);
        }
        try {
            Path jar = Paths.get(ModelOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = jar.getParent();
            while (dir != null && !Files.isDirectory(dir.resolve("models"))) {
                dir = dir.getParent();
            }
            return dir != null ? dir : Paths.get(".");
        } catch (Exception e) {
            return Paths.get(".");
        }
    }
}
