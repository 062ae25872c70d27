package dev.reason.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Hugging Face / Optimum style model directory: {@code config.json}, {@code generation_config.json},
 * {@code tokenizer.json}, the chat template and {@code model.onnx}, or, as onnx-community's exports keep them,
 * {@code onnx/model.onnx} beside variants such as {@code onnx/model_q4.onnx} (one is chosen by name). Opening it
 * checks what can be checked without loading weights, so that a broken directory fails with one clear line.
 */
public final class ModelDirectory implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Path onnxFile;
    private final ModelConfig config;
    private final GenerationConfig generation;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final boolean thinks;

    private ModelDirectory(Path path, Path onnxFile, ModelConfig config, GenerationConfig generation, Tokenizer tokenizer,
                           ChatTemplate chatTemplate, boolean thinks) {
        this.path = path;
        this.onnxFile = onnxFile;
        this.config = config;
        this.generation = generation;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.thinks = thinks;
    }

    public static ModelDirectory open(Path dir) {
        return open(dir, null);
    }

    /**
     * @param onnx which ONNX file to run: a name in the directory or its {@code onnx/} folder ({@code model_q4.onnx}),
     *             or a path; null for {@code model.onnx}, else {@code onnx/model.onnx}
     */
    public static ModelDirectory open(Path dir, String onnx) {
        if (!Files.isDirectory(dir)) {
            throw new ModelException("model directory " + dir + " does not exist: pass --model DIR with a"
                    + " Hugging Face ONNX export (config.json, tokenizer.json, model.onnx)");
        }
        for (String f : new String[] {"config.json", "tokenizer.json"}) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new ModelException("model directory " + dir + " has no " + f
                        + ": export the model with its tokenizer in the Optimum layout");
            }
        }
        Path onnxFile = onnxFile(dir, onnx);
        ModelConfig config = ModelConfig.fromJson(readJson(dir.resolve("config.json")));
        JsonNode tokConfig = Files.isRegularFile(dir.resolve("tokenizer_config.json"))
                ? readJson(dir.resolve("tokenizer_config.json")) : JSON.createObjectNode();
        String template = readTemplate(dir, tokConfig);
        boolean thinks = template.contains(ThinkTags.START);
        int maxNew = thinks ? GenerationConfig.THINKING_MAX_NEW_TOKENS
                : GenerationConfig.DEFAULT.maxNewTokens();
        Path genFile = dir.resolve("generation_config.json");
        GenerationConfig generation = Files.isRegularFile(genFile)
                ? GenerationConfig.fromJson(readJson(genFile), maxNew) : GenerationConfig.defaults(maxNew);
        Tokenizer tokenizer = new Tokenizer(dir.resolve("tokenizer.json"), config.vocabSize());
        ChatTemplate chat = new ChatTemplate(template, tokenText(tokConfig, "bos_token"), tokenText(tokConfig, "eos_token"));
        return new ModelDirectory(dir, onnxFile, config, generation, tokenizer, chat, thinks);
    }

    private static Path onnxFile(Path dir, String name) {
        List<Path> candidates = name == null ? List.of(dir.resolve("model.onnx"), dir.resolve("onnx").resolve("model.onnx"))
                : List.of(dir.resolve(name), dir.resolve("onnx").resolve(name), Path.of(name));
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        List<String> present = onnxFiles(dir);
        String which = name == null ? "model directory " + dir + " has no model.onnx (nor onnx/model.onnx)"
                : "--onnx " + name + ": no such file in " + dir + " or its onnx/ folder";
        throw new ModelException(which + (present.isEmpty()
                ? ": export the model with its tokenizer in the Optimum layout"
                : "; its ONNX files: " + String.join(", ", present) + ": choose one with --onnx NAME"));
    }

    /** The .onnx files of the directory and of its onnx/ folder, relative to the directory. */
    public static List<String> onnxFiles(Path dir) {
        List<String> out = new ArrayList<>();
        for (Path folder : List.of(dir, dir.resolve("onnx"))) {
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(f -> f.getFileName().toString().endsWith(".onnx") && Files.isRegularFile(f))
                        .map(f -> dir.relativize(f).toString()).sorted().forEach(out::add);
            } catch (IOException e) {
                // no such folder: nothing to list
            }
        }
        return out;
    }

    private static String readTemplate(Path dir, JsonNode tokConfig) {
        Path file = dir.resolve("chat_template.jinja");
        try {
            if (Files.isRegularFile(file)) {
                return Files.readString(file);
            }
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage());
        }
        return configuredTemplate(tokConfig);
    }

    /**
     * tokenizer_config.json's chat_template: a string, or a list of named ones, of which transformers uses "default"
     * (the others are for tool use or retrieval); without one, a base model's prompt is the question itself.
     */
    static String configuredTemplate(JsonNode tokConfig) {
        JsonNode t = tokConfig.path("chat_template");
        if (t.isTextual()) {
            return t.asText();
        }
        for (JsonNode named : t) {
            if (named.path("name").asText().equals("default") && named.path("template").isTextual()) {
                return named.get("template").asText();
            }
        }
        return "{{ bos_token }}{% for m in messages %}{{ m['content'] }}\n{% endfor %}";
    }

    private static String tokenText(JsonNode tokConfig, String field) {
        JsonNode n = tokConfig.path(field);
        return n.isTextual() ? n.asText() : n.path("content").asText("");
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(file + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + "): restore the file from the model's export");
        }
    }

    public Path path() {
        return path;
    }

    /**
     * Whether the model thinks before it answers ({@code <think>} in its chat template: Qwen3, QwQ, the DeepSeek-R1
     * distills): what it writes first is tried, not asserted.
     */
    public boolean thinks() {
        return thinks;
    }

    public Path onnxFile() {
        return onnxFile;
    }

    public ModelConfig config() {
        return config;
    }

    public GenerationConfig generation() {
        return generation;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Token ids of the prompt for a question, ready for prefill. */
    public int[] promptIds(String question) {
        return promptIds(question, PromptOptions.NONE);
    }

    /** The prompt's ids, with a system message and extra template variables (see {@link ChatTemplate#prompt(String, PromptOptions)}). */
    public int[] promptIds(String question, PromptOptions options) {
        return tokenizer.encode(chatTemplate.prompt(question, options));
    }

    /** The prompt's ids for a conversation (see {@link ChatTemplate#prompt(List, Map)}). */
    public int[] promptIds(List<ChatTemplate.Message> conversation, Map<String, Object> variables) {
        return tokenizer.encode(chatTemplate.prompt(conversation, variables));
    }

    public String prompt(String question) {
        return chatTemplate.prompt(question);
    }

    /** End-of-sequence ids: from generation_config.json when it names them, else config.json. */
    public List<Integer> eosTokenIds() {
        return generation.eosTokenIds().isEmpty() ? config.eosTokenIds() : generation.eosTokenIds();
    }

    public int[] eosIds() {
        return eosTokenIds().stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
