package dev.reason.cli;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason.engine.choice.Engines;
import dev.reason.engine.cuda.CudaEngine;
import dev.reason.model.GenerationConfig;
import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import dev.reason.model.ModelException;
import dev.reason.weights.LlamaWeights;
import dev.reason.weights.WeightTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code reason info}: what a model directory holds and where it would run, without running it: the architecture,
 * the weights the ONNX file stores, the KV cache a chain costs, the prompt the chat template makes, the sampling
 * defaults, and which engine {@code --device auto} picks and why.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Describes a model directory and where it would run, without running it.",
                "Architecture, parameters, KV cache per token, chat prompt, sampling defaults, and the engine --device"
                + " auto picks (and why not the GPU)."})
final class InfoCommand implements Callable<Integer> {
    /** A question the prompt is shown for, marking where the user's text goes. */
    static final String SAMPLE_QUESTION = "QUESTION";

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Mixin
    ModelOptions modelOptions;

    @ParentCommand
    Main parent;

    @Override
    public Integer call() throws IOException {
        Info info;
        try (ModelDirectory model = modelOptions.open()) {
            info = Info.of(model, "ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion() + ", "
                    + modelOptions.threads + " threads");
        }
        parent.out.print(json ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(info.json()) + System.lineSeparator() : info.text());
        return ExitCodes.ANSWERED;
    }

    /** The weights as the ONNX file stores them, or why the CUDA engine's reader cannot map them (quantized ones). */
    private record Weights(Long parameters, String type, Long bytes, String unreadable) {
        static Weights of(ModelDirectory model) {
            try (LlamaWeights w = LlamaWeights.read(model.onnxFile(), model.config())) {
                long parameters = 0;
                long bytes = 0;
                Map<String, Long> byType = new LinkedHashMap<>();
                for (WeightTensor t : w.tensors()) {
                    // a tied lm_head is the embedding, even where the export stored it again
                    boolean storedAgain = t == w.lmHead() && t != w.embedding();
                    parameters += model.config().tieWordEmbeddings() && storedAgain ? 0 : t.elements();
                    bytes += t.storedBytes();
                    byType.merge(t.storedType(), t.elements(), Long::sum);
                }
                String type = byType.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
                return new Weights(parameters, byType.size() == 1 ? type : "mostly " + type, bytes, null);
            } catch (ModelException e) {
                return new Weights(null, null, null, e.getMessage());
            }
        }
    }

    /** What info reports, read once from the model directory and this machine; printed as text or as JSON. */
    private record Info(String model, String onnx, long onnxBytes, List<String> onnxFiles, ModelConfig config,
                        GenerationConfig generation, Weights weights, List<Integer> eosIds, List<String> eosTokens,
                        boolean thinks, String prompt, String cpu, String cuda, String cudaCannotRun,
                        String whyNotCuda) {
        static Info of(ModelDirectory model, String cpu) throws IOException {
            ModelConfig c = model.config();
            Path dir = model.path().toAbsolutePath().normalize();
            Path onnx = model.onnxFile().toAbsolutePath().normalize();
            Weights w = Weights.of(model);
            Optional<String> cannotRun = CudaEngine.cannotRun(c).or(() -> Optional.ofNullable(w.unreadable())
                    .map(why -> "the CUDA engine cannot read the weights: " + why));
            return new Info(model.path().toString(), (onnx.startsWith(dir) ? dir.relativize(onnx) : onnx).toString(),
                    Files.size(model.onnxFile()), ModelDirectory.onnxFiles(model.path()), c, model.generation(), w,
                    model.eosTokenIds(), model.eosTokenIds().stream().map(id -> model.tokenizer().tokenText(id)).toList(),
                    model.thinks(), model.prompt(SAMPLE_QUESTION), cpu, CudaEngine.describe().replaceFirst("^cuda: ", ""),
                    cannotRun.orElse(null), Engines.whyNotCuda(c).or(() -> cannotRun).orElse(null));
        }

        /** Keys and values of every layer, for one token of one chain. */
        long kvValuesPerToken() {
            return 2L * config.numLayers() * config.numKvHeads() * config.headDim();
        }

        Map<String, Object> json() {
            GenerationConfig g = generation;
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", model);
            o.put("onnx", onnx);
            o.put("onnx_bytes", onnxBytes);
            o.put("onnx_files", onnxFiles);
            o.put("architecture", config.modelType());
            o.put("layers", config.numLayers());
            o.put("hidden_size", config.hiddenSize());
            o.put("heads", config.numHeads());
            o.put("kv_heads", config.numKvHeads());
            o.put("head_dim", config.headDim());
            o.put("intermediate_size", config.intermediateSize());
            o.put("hidden_act", config.hiddenAct());
            o.put("tied_embeddings", config.tieWordEmbeddings());
            o.put("context", config.maxPositions());
            o.put("rope_theta", config.ropeTheta());
            o.put("vocab_size", config.vocabSize());
            o.put("parameters", weights.parameters());
            o.put("weights_type", weights.type());
            o.put("weights_bytes", weights.bytes());
            o.put("weights_unreadable", weights.unreadable());
            o.put("kv_values_per_token", kvValuesPerToken());
            o.put("eos_token_ids", eosIds);
            o.put("eos_tokens", eosTokens);
            o.put("thinks", thinks);
            o.put("prompt", prompt);
            o.put("temperature", g.temperature());
            o.put("top_p", g.topP());
            o.put("top_k", g.topK());
            o.put("min_p", g.minP());
            o.put("repetition_penalty", g.repetitionPenalty());
            o.put("no_repeat_ngram_size", g.noRepeatNgramSize());
            o.put("max_new_tokens", g.maxNewTokens());
            o.put("cpu", cpu);
            o.put("cuda", cuda);
            o.put("cuda_cannot_run_model", cudaCannotRun);
            o.put("auto_device", whyNotCuda == null ? "cuda" : "cpu");
            o.put("auto_device_why_not_cuda", whyNotCuda);
            return o;
        }

        String text() {
            ModelConfig c = config;
            GenerationConfig g = generation;
            StringBuilder b = new StringBuilder();
            line(b, "model", model + " (" + onnx + ", " + bytes(onnxBytes) + ")");
            List<String> others = onnxFiles.stream().filter(f -> !f.equals(onnx)).toList();
            if (!others.isEmpty()) {
                line(b, "other ONNX files", String.join(", ", others) + " (--onnx NAME)");
            }
            line(b, "architecture", String.format(Locale.ROOT, "%s: %d layers, hidden %d, %d heads and %d KV heads of %d,"
                            + " MLP %d (%s), %s embeddings", c.modelType(), c.numLayers(), c.hiddenSize(), c.numHeads(),
                    c.numKvHeads(), c.headDim(), c.intermediateSize(), c.hiddenAct(), c.tieWordEmbeddings() ? "tied" : "untied"));
            line(b, "weights", weights.parameters() == null ? "not counted: the CUDA engine's reader cannot map them (below)"
                    : String.format(Locale.ROOT, "%,d parameters, %s, %s in the file", weights.parameters(), weights.type(),
                    bytes(weights.bytes())));
            long context = c.maxPositions();
            line(b, "context", String.format(Locale.ROOT, "%,d tokens, rope theta %s", context, number(c.ropeTheta())));
            long kv = kvValuesPerToken();
            line(b, "KV cache", String.format(Locale.ROOT, "%,d values a token per chain: %s in fp32, %s in fp16 or bf16;"
                    + " a chain of the whole context: %s in fp32", kv, bytes(4 * kv), bytes(2 * kv), bytes(4 * kv * context)));
            StringBuilder ends = new StringBuilder();
            for (int k = 0; k < eosIds.size(); k++) {
                ends.append(k == 0 ? "" : ", ").append(eosTokens.get(k)).append(" (").append(eosIds.get(k)).append(')');
            }
            line(b, "vocabulary", String.format(Locale.ROOT, "%,d tokens; chains end at %s", c.vocabSize(),
                    eosIds.isEmpty() ? "no end token (the token limit only)" : ends));
            line(b, "prompt", escaped(prompt) + (thinks ? " (the model thinks in tags before it answers)" : ""));
            line(b, "sampling", String.format(Locale.ROOT, "temperature %s, top-p %s, top-k %s, min-p %s, repetition"
                            + " penalty %s%s, up to %,d new tokens", number(g.temperature()), number(g.topP()),
                    g.topK() == 0 ? "off" : g.topK(), g.minP() == 0 ? "off" : number(g.minP()),
                    g.repetitionPenalty() == 1 ? "off" : number(g.repetitionPenalty()),
                    g.noRepeatNgramSize() > 0 ? ", no repeated " + g.noRepeatNgramSize() + "-grams" : "",
                    g.maxNewTokens()));
            line(b, "cpu", cpu);
            line(b, "cuda", cuda);
            line(b, "CUDA engine", cudaCannotRun == null ? "can run this model" : "cannot run this model: " + cudaCannotRun);
            line(b, "--device auto", whyNotCuda == null ? "cuda" : "cpu (" + whyNotCuda + ")");
            return b.toString();
        }
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append(String.format(Locale.ROOT, "%-17s %s%n", label + ":", value));
    }

    /** The prompt on one line: line breaks and tabs written as \n and \t. */
    private static String escaped(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t") + '"';
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%d", (long) v)
                : String.format(Locale.ROOT, "%s", (float) v);
    }

    private static String bytes(long n) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " bytes" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
