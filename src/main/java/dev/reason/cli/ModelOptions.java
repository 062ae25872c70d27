package dev.reason.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
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
            description = "Hugging Face ONNX model directory (default: the shipped model, models/reason-mini).")
    Path model;

    @Option(names = "--onnx", paramLabel = "NAME",
            description = "Which ONNX file of the model directory to run: a name in it or in its onnx/ folder, as"
                    + " onnx-community's exports ship variants (model_quantized.onnx, model_q4.onnx), or a path"
                    + " (default: model.onnx, else onnx/model.onnx).")
    String onnx;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads for ONNX Runtime (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--precision", paramLabel = "bf16|fp32", defaultValue = "bf16",
            description = "Weights and KV cache on the GPU: bf16 (fast) or fp32 (exact, for checks); the CPU engine "
                    + "runs the ONNX file as it is (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--template-arg", paramLabel = "NAME=VALUE",
            description = "A variable for the model's chat template, as transformers' apply_chat_template(**kwargs)"
                    + " takes it; VALUE is read as JSON (false, 3, [1, 2], \"text\") or else as text. Repeatable."
                    + " E.g. Qwen3: --template-arg enable_thinking=false.")
    Map<String, String> templateArgs = new LinkedHashMap<>();

    @Option(names = "--system", paramLabel = "TEXT",
            description = "A system message before the question, for models whose chat template takes one (e.g."
                    + " Qwen2.5-Math: \"Please reason step by step, and put your final answer within \\boxed{}.\")."
                    + " Default: none (the template's own default, if it has one).")
    String system;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
