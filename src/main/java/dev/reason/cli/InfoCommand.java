package dev.reason.cli;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason.cuda.CudaEngine;
import dev.reason.model.GenerationConfig;
import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import dev.reason.model.ModelException;
import dev.reason.runtime.Engines;
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
        description = "Describes a model directory and where it would run, without running it: architecture, "
                + "parameters, KV cache per token, chat prompt, sampling defaults, and the engine --device auto picks "
                + "(and why not the GPU).")
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
        Map<String, Object> info = new LinkedHashMap<>();
        try (ModelDirectory model = modelOptions.open()) {
            ModelConfig c = model.config();
            GenerationConfig g = model.generation();
            info.put("model", model.path().toString());
            Path dir = model.path().toAbsolutePath().normalize();
            Path onnx = model.onnxFile().toAbsolutePath().normalize();
            info.put("onnx", (onnx.startsWith(dir) ? dir.relativize(onnx) : onnx).toString());
            info.put("onnx_bytes", Files.size(model.onnxFile()));
            info.put("onnx_files", ModelDirectory.onnxFiles(model.path()));
            info.put("architecture", c.modelType());
            info.put("layers", c.numLayers());
            info.put("hidden_size", c.hiddenSize());
            info.put("heads", c.numHeads());
            info.put("kv_heads", c.numKvHeads());
            info.put("head_dim", c.headDim());
            info.put("intermediate_size", c.intermediateSize());
            info.put("hidden_act", c.hiddenAct());
            info.put("tied_embeddings", c.tieWordEmbeddings());
            info.put("context", c.maxPositions());
            info.put("rope_theta", c.ropeTheta());
            info.put("vocab_size", c.vocabSize());
            Weights w = weights(model);
            info.put("parameters", w.parameters);
            info.put("weights_type", w.type);
            info.put("weights_bytes", w.bytes);
            info.put("weights_unreadable", w.unreadable);
            info.put("kv_values_per_token", kvValuesPerToken(c));
            info.put("eos_token_ids", model.eosTokenIds());
            info.put("eos_tokens", model.eosTokenIds().stream().map(id -> model.tokenizer().tokenText(id)).toList());
            info.put("thinks", model.thinks());
            info.put("prompt", model.prompt(SAMPLE_QUESTION));
            info.put("temperature", g.temperature());
            info.put("top_p", g.topP());
            info.put("top_k", g.topK());
            info.put("min_p", g.minP());
            info.put("repetition_penalty", g.repetitionPenalty());
            info.put("max_new_tokens", g.maxNewTokens());
            info.put("cpu", "ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion() + ", "
                    + modelOptions.threads + " threads");
            info.put("cuda", CudaEngine.describe().replaceFirst("^cuda: ", ""));
            Optional<String> cannotRun = CudaEngine.cannotRun(c).or(() -> Optional.ofNullable(w.unreadable)
                    .map(why -> "the CUDA engine cannot read the weights: " + why));
            info.put("cuda_cannot_run_model", cannotRun.orElse(null));
            Optional<String> whyNotCuda = Engines.whyNotCuda(c).or(() -> cannotRun);
            info.put("auto_device", whyNotCuda.isPresent() ? "cpu" : "cuda");
            info.put("auto_device_why_not_cuda", whyNotCuda.orElse(null));
        }
        if (json) {
            parent.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(info));
        } else {
            parent.out.print(text(info));
        }
        return ExitCodes.ANSWERED;
    }

    /** The weights as the ONNX file stores them, or why the CUDA engine's reader cannot map them (quantized ones). */
    private record Weights(Long parameters, String type, Long bytes, String unreadable) {
    }

    private static Weights weights(ModelDirectory model) {
        try (LlamaWeights w = LlamaWeights.read(model.onnxFile(), model.config())) {
            long parameters = 0;
            long bytes = 0;
            Map<String, Long> byType = new LinkedHashMap<>();
            for (WeightTensor t : w.tensors()) {
                // a tied lm_head is the embedding, even where the export stored it again
                boolean storedAgain = t == w.lmHead() && t != w.embedding();
                parameters += model.config().tieWordEmbeddings() && storedAgain ? 0 : t.elements();
                bytes += t.elements() * (t.storedType().equals("fp32") ? 4 : 2);
                byType.merge(t.storedType(), t.elements(), Long::sum);
            }
            String type = byType.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            return new Weights(parameters, byType.size() == 1 ? type : "mostly " + type, bytes, null);
        } catch (ModelException e) {
            return new Weights(null, null, null, e.getMessage());
        }
    }

    /** Keys and values of every layer, for one token of one chain. */
    static long kvValuesPerToken(ModelConfig c) {
        return 2L * c.numLayers() * c.numKvHeads() * c.headDim();
    }

    @SuppressWarnings("unchecked")
    static String text(Map<String, Object> i) {
        StringBuilder b = new StringBuilder();
        line(b, "model", i.get("model") + " (" + i.get("onnx") + ", " + bytes((long) i.get("onnx_bytes")) + ")");
        List<String> others = ((List<String>) i.get("onnx_files")).stream().filter(f -> !f.equals(i.get("onnx"))).toList();
        if (!others.isEmpty()) {
            line(b, "other ONNX files", String.join(", ", others) + " (--onnx NAME)");
        }
        line(b, "architecture", String.format(Locale.ROOT, "%s: %d layers, hidden %d, %d heads and %d KV heads of %d,"
                        + " MLP %d (%s), %s embeddings", i.get("architecture"), i.get("layers"), i.get("hidden_size"),
                i.get("heads"), i.get("kv_heads"), i.get("head_dim"), i.get("intermediate_size"), i.get("hidden_act"),
                (boolean) i.get("tied_embeddings") ? "tied" : "untied"));
        line(b, "weights", i.get("parameters") == null ? "not counted: the CUDA engine's reader cannot map them (below)"
                : String.format(Locale.ROOT, "%,d parameters, %s, %s in the file", (long) i.get("parameters"),
                i.get("weights_type"), bytes((long) i.get("weights_bytes"))));
        long context = (int) i.get("context");
        line(b, "context", String.format(Locale.ROOT, "%,d tokens, rope theta %s", context, number((double) i.get("rope_theta"))));
        long kv = (long) i.get("kv_values_per_token");
        line(b, "KV cache", String.format(Locale.ROOT, "%,d values a token per chain: %s in fp32, %s in fp16 or bf16;"
                + " a chain of the whole context: %s in fp32", kv, bytes(4 * kv), bytes(2 * kv), bytes(4 * kv * context)));
        List<Integer> eosIds = (List<Integer>) i.get("eos_token_ids");
        List<String> eos = (List<String>) i.get("eos_tokens");
        StringBuilder ends = new StringBuilder();
        for (int k = 0; k < eosIds.size(); k++) {
            ends.append(k == 0 ? "" : ", ").append(eos.get(k)).append(" (").append(eosIds.get(k)).append(')');
        }
        line(b, "vocabulary", String.format(Locale.ROOT, "%,d tokens; chains end at %s", (int) i.get("vocab_size"),
                eosIds.isEmpty() ? "no end token (the token limit only)" : ends));
        line(b, "prompt", escaped((String) i.get("prompt")) + ((boolean) i.get("thinks")
                ? " (the model thinks in tags before it answers)" : ""));
        line(b, "sampling", String.format(Locale.ROOT, "temperature %s, top-p %s, top-k %s, min-p %s, repetition penalty %s,"
                        + " up to %,d new tokens", number((float) i.get("temperature")), number((float) i.get("top_p")),
                (int) i.get("top_k") == 0 ? "off" : i.get("top_k"), (float) i.get("min_p") == 0 ? "off" : number((float) i.get("min_p")),
                (float) i.get("repetition_penalty") == 1 ? "off" : number((float) i.get("repetition_penalty")),
                (int) i.get("max_new_tokens")));
        line(b, "cpu", (String) i.get("cpu"));
        line(b, "cuda", (String) i.get("cuda"));
        line(b, "CUDA engine", i.get("cuda_cannot_run_model") == null ? "can run this model"
                : "cannot run this model: " + i.get("cuda_cannot_run_model"));
        line(b, "--device auto", i.get("auto_device") + (i.get("auto_device_why_not_cuda") == null ? ""
                : " (" + i.get("auto_device_why_not_cuda") + ")"));
        return b.toString();
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
