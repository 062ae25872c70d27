package dev.reason.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason.bench.EngineCheck;
import dev.reason.engine.DeviceException;
import dev.reason.engine.Engine;
import dev.reason.engine.choice.Engines;
import dev.reason.engine.cuda.CudaEngine;
import dev.reason.model.ModelDirectory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code reason check}: the CUDA engine against ONNX Runtime on this machine's GPU, with the model at hand. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Checks the CUDA engine against ONNX Runtime (CPU) on the same inputs.",
                "It compares prompt logits, cached decoding, cached vs full forward, and greedy continuations. Exit 0"
                + " when within tolerance (fp32: max abs diff <= 1e-3 and identical greedy tokens up to any near-tie"
                + " within 2e-3; bf16: relative L2 <= 2e-2), 8 when not."})
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--prompts", paramLabel = "N", defaultValue = "50",
            description = "Arithmetic questions to check (default: ${DEFAULT-VALUE}).")
    int prompts;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "24",
            description = "Cached decoding steps and greedy tokens per prompt (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results there.")
    Path json;

    @Option(names = "--device", paramLabel = "cuda[:N]", defaultValue = "cuda",
            description = "The GPU to check: cuda, the first the kernels run on, or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Mixin
    ModelOptions modelOptions;

    @ParentCommand
    Main parent;

    @Override
    public Integer call() throws IOException {
        if (prompts < 1 || steps < 1) {
            throw new IllegalArgumentException("--prompts and --steps must be at least 1");
        }
        try {
            Engines.cudaOrdinal(device);  // a name that is no GPU's is an error before the GPU is looked for
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device " + device + ": reason check checks the CUDA engine; use "
                    + "--device cuda or cuda:N");
        }
        CudaEngine.unavailableWithAdvice().ifPresent(why -> {  // not Engines' "use --device cpu": no such option here
            throw new DeviceException("reason check compares the CUDA engine with ONNX Runtime and needs a GPU: " + why);
        });
        EngineCheck.Tolerance tolerance = modelOptions.precision.equals("fp32") ? EngineCheck.Tolerance.FP32 : EngineCheck.Tolerance.BF16;
        try (ModelDirectory model = modelOptions.open();
             Engine cuda = Engines.open(model, device, modelOptions.threads, modelOptions.precision, parent.err::println);
             Engine cpu = Engines.open(model, "cpu", modelOptions.threads, modelOptions.precision, parent.err::println)) {
            parent.out.println("candidate: " + cuda.description());
            parent.out.println("reference: " + cpu.description());
            EngineCheck.Report r = EngineCheck.run(cuda, cpu, questions(model), steps, model.eosIds(), tolerance,
                    parent::interrupted);
            parent.out.print(r.table());
            if (r.interrupted()) {
                parent.out.println("check interrupted: logits of " + r.prompts() + " and greedy continuations of "
                        + r.greedyPrompts() + " of the " + prompts + " prompts checked ("
                        + (r.withinTolerance() ? "within tolerance so far" : "FAILED already") + ")");
            } else {
                parent.out.println(r.passed() ? "check passed" : "check FAILED");
            }
            if (json != null) {
                write(r, model, cuda.description());
            }
            return r.interrupted() && r.withinTolerance() ? ExitCodes.INTERRUPTED
                    : r.passed() ? ExitCodes.ANSWERED : ExitCodes.CHECK_FAILED;
        }
    }

    /** Fixed arithmetic questions (a seeded draw), so two runs check the same inputs. */
    private List<int[]> questions(ModelDirectory model) {
        Random random = new Random(24);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            String q = "What is " + (1 + random.nextInt(999)) + " + " + (1 + random.nextInt(99)) + " * "
                    + (1 + random.nextInt(99)) + " - " + (1 + random.nextInt(999)) + "?";
            out.add(model.promptIds(q, modelOptions.promptOptions()));
        }
        return out;
    }

    private void write(EngineCheck.Report r, ModelDirectory model, String device) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = mapper.createObjectNode();
        o.put("model", model.path().toString());
        o.put("device", device);
        o.put("precision", modelOptions.precision);
        o.put("prompts", r.prompts());
        o.put("prompts_asked", prompts);
        o.put("interrupted", r.interrupted());
        o.put("steps", steps);
        o.put("passed", r.passed());
        o.put("prompt_max_abs", r.prompt().maxAbs());
        o.put("prompt_rel_l2", r.prompt().relL2());
        o.put("prompt_worst_row_rel", r.prompt().worstRowRelL2());  // shown, not held to the tolerance
        o.put("decode_max_abs", r.decode().maxAbs());
        o.put("decode_rel_l2", r.decode().relL2());
        o.put("decode_worst_row_rel", r.decode().worstRowRelL2());  // shown, not held to the tolerance
        o.put("cache_vs_full_max_abs", r.cacheVsFull().maxAbs());
        o.put("cache_vs_full_rel_l2", r.cacheVsFull().relL2());
        o.put("cache_vs_full_worst_row_rel", r.cacheVsFull().worstRowRelL2());  // shown, not held to the tolerance
        o.put("greedy_agreed", r.greedyAgreed());
        o.put("greedy_near_ties", r.greedyNearTies());
        o.put("greedy_prompts", r.greedyPrompts());
        mapper.writeValue(json.toFile(), o);
    }
}
