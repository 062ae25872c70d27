package dev.reason.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.model.ModelDirectory;
import dev.reason.model.PromptOptions;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/** Options shared by every command that loads a model. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Model directory, Hugging Face ONNX layout (default: REASON_MODEL, else models/reason-mini).")
    Path model;

    @Option(names = "--onnx", paramLabel = "NAME",
            description = "Which ONNX file runs: a name in the model directory or its onnx/ folder, or a path"
                    + " (default: model.onnx, else onnx/model.onnx).")
    String onnx;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads for ONNX Runtime (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--precision", paramLabel = "bf16|fp32", defaultValue = "bf16",
            description = "The GPU's weights and KV cache: bf16 (fast) or fp32 (exact) (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--template-arg", paramLabel = "NAME=VALUE",
            description = "A chat-template variable; VALUE is read as JSON, else as text. Repeatable, e.g."
                    + " enable_thinking=false.")
    Map<String, String> templateArgs = new LinkedHashMap<>();

    @Option(names = "--system", paramLabel = "TEXT",
            description = "A system message before the question, for chat templates that take one (default: none).")
    String system;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The chat template's extra variables: each value as JSON when it parses, else the text itself. */
    Map<String, Object> templateVariables() {
        Map<String, Object> vars = new LinkedHashMap<>();
        templateArgs.forEach((name, value) -> {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("--template-arg " + name + "=...: a template variable's name is"
                        + " letters, digits and _, e.g. --template-arg enable_thinking=false");
            }
            Object parsed;
            try {
                parsed = JSON.readValue(value, Object.class);
            } catch (JsonProcessingException notJson) {
                parsed = value;
            }
            vars.put(name, parsed);
        });
        return vars;
    }

    /** The system message and template variables the chat template gets. */
    PromptOptions promptOptions() {
        return new PromptOptions(system, templateVariables());
    }

    /** The model directory, with the ONNX file --onnx names. */
    ModelDirectory open() {
        return ModelDirectory.open(modelDir(), onnx);
    }

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
