package dev.reason.cli;

import dev.reason.engine.Engine;
import dev.reason.model.GenerationConfig;
import dev.reason.sampling.SamplingParams;
import picocli.CommandLine.Option;

/** Sampling and decoding options shared by the commands that generate; unset ones come from generation_config.json. */
final class SamplingOptions {
    @Option(names = "--device", paramLabel = "auto|cpu|cuda[:N]", defaultValue = "auto",
            description = "Where the model runs: auto (a GPU when one answers, else the CPU), cpu, cuda, or cuda:N,"
                    + " the driver's GPU N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--temperature", paramLabel = "T",
            description = "Sampling temperature; 0 decodes greedily (default: from generation_config.json).")
    Float temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling mass (default: from generation_config.json).")
    Float topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep the K likeliest tokens, 0 = off (default: from generation_config.json).")
    Integer topK;

    @Option(names = "--min-p", paramLabel = "P", description = "Drop tokens below P times the likeliest one (default: from generation_config.json).")
    Float minP;

    @Option(names = "--repetition-penalty", paramLabel = "R",
            description = "Hugging Face's repetition_penalty; 1 = off (default: from generation_config.json).")
    Float repetitionPenalty;

    @Option(names = "--presence-penalty", paramLabel = "P",
            description = "Lower each generated token's logit by P; in [-2, 2] (default: 0).")
    float presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "F",
            description = "Subtract F per time the chain generated a token; in [-2, 2] (default: 0).")
    float frequencyPenalty;

    @Option(names = "--no-repeat-ngram", paramLabel = "N",
            description = "Never repeat an N-gram of the chain or its prompt; 0 = off (default: from"
                    + " generation_config.json).")
    Integer noRepeatNgram;

    @Option(names = "--max-tokens", paramLabel = "N",
            description = "Token limit per chain (default: from generation_config.json).")
    Integer maxTokens;

    @Option(names = "--parallel", paramLabel = "N",
            description = "Chains decoded together (default: 16 on the CPU, 64 on a GPU).")
    Integer parallel;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Random seed; a seed reproduces a run on the CPU (default: ${DEFAULT-VALUE}).")
    long seed;

    SamplingParams sampling(GenerationConfig gen) {
        return new SamplingParams(
                temperature != null ? temperature : gen.temperature(),
                topP != null ? topP : gen.topP(),
                topK != null ? topK : gen.topK(),
                minP != null ? minP : gen.minP(),
                repetitionPenalty != null ? repetitionPenalty : gen.repetitionPenalty(),
                presencePenalty, frequencyPenalty,
                noRepeatNgram != null ? noRepeatNgram : gen.noRepeatNgramSize());
    }

    /**
     * Chains decoded together: --parallel, else the engine's default. A GPU's decode step is bound by reading the
     * weights, so 64 rows cost it about what 16 do; on the CPU each row adds its own work.
     */
    int parallel(Engine engine) {
        return parallel != null ? parallel : engine.device().equals("cuda") ? 64 : 16;
    }

    /** The per-chain limit, never past the model's context after the prompt. */
    int maxTokens(GenerationConfig gen, int context, int promptLength) {
        int n = maxTokens != null ? maxTokens : gen.maxNewTokens();
        return Math.min(n, context - promptLength);
    }
}
