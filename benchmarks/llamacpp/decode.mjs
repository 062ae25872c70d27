// Decode throughput of llama.cpp: one prompt evaluated once, then N chains of it decoded together, and decode tokens/s
// printed as one JSON line. The settings match `reason throughput`'s: the prompt is the chat prompt of one question
// repeated to --prompt-len tokens, every chain makes exactly --gen-len tokens (an end-of-sequence token does not stop
// it), sampling is temperature 0.8 and top-p 0.95 with top-k and min-p off. The attention is llama.cpp's default
// (flash attention where it can, an fp16 KV cache) unless --kv-type and --flash-attention say otherwise.
//
//   node benchmarks/llamacpp/decode.mjs --model build/gguf/reason-mini-F32.gguf --chains 16 --prompt-len 128 --gen-len 256
//
// The chains are sequences of one llama.cpp context, so each step decodes one token of every chain in one batch. The
// prompt is evaluated once into the first sequence and its cache copied into the others, as llama.cpp's
// llama-parallel example copies a shared prompt (node-llama-cpp copies a sequence's state through a file).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {performance} from "node:perf_hooks";
import {ATTENTION_DEFAULTS, EXIT, attention, fail, fileType, openModel, readOptions} from "./peer.mjs";

const usage = "node decode.mjs --model FILE.gguf [--chains N] [--prompt-len P] [--gen-len G] [--threads T]"
    + " [--prompt TEXT] [--seed S] [--temperature X] [--top-p X] [--kv-type f16|f32] [--flash-attention auto|on|off]";
const o = readOptions({
    "model": null, "chains": 1, "prompt-len": 128, "gen-len": 256, "threads": 2,
    "prompt": "<s><|user|>What is 47 + 38 * 2 - 19?\n<|assistant|>", "seed": 1, "temperature": 0.8, "top-p": 0.95,
    ...ATTENTION_DEFAULTS
}, usage);
const chains = o.chains, promptLen = o["prompt-len"], genLen = o["gen-len"];

const attn = attention(o);
const {llama, model} = await openModel(o.model, o.threads);
if (promptLen + genLen > model.trainContextSize) {
    fail(EXIT.usage, `--prompt-len ${promptLen} + --gen-len ${genLen} exceed the model's context of `
        + `${model.trainContextSize} positions: use shorter lengths`);
}
const base = model.tokenize(o.prompt, true);
const prompt = Array.from({length: promptLen}, (_, i) => base[i % base.length]);
const context = await model.createContext({sequences: chains, contextSize: promptLen + genLen, threads: o.threads,
    batchSize: Math.max(Math.min(promptLen, 512), chains), ...attn});
const sequences = Array.from({length: chains}, () => context.getSequence());

// The prompt but its last token goes into the cache once; each chain then evaluates the last token and samples.
let t = performance.now();
await sequences[0].evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
const prefillSeconds = (performance.now() - t) / 1000;
if (chains > 1) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llamacpp-prompt-"));
    const state = path.join(dir, "prompt.state");
    try {
        await sequences[0].saveStateToFile(state);
        for (const s of sequences.slice(1)) {
            await s.loadStateFromFile(state, {acceptRisk: true});
        }
    } finally {
        fs.rmSync(dir, {recursive: true, force: true});
    }
}

// topK null leaves llama.cpp's top-k sampler out (node-llama-cpp drops null options); 0 would sort the whole
// vocabulary on every token, work that top-k off does not ask for.
const sampling = {temperature: o.temperature, topP: o["top-p"], topK: null, minP: 0, yieldEogToken: true};
async function chain(sequence, i) {
    let made = 0;
    for await (const _ of sequence.evaluate([prompt.at(-1)], {...sampling, seed: o.seed + i})) {
        if (++made >= genLen) {
            break;
        }
    }
    return made;
}
t = performance.now();
const made = await Promise.all(sequences.map(chain));
const decodeSeconds = (performance.now() - t) / 1000;
const tokens = made.reduce((a, b) => a + b, 0);

console.log(JSON.stringify({
    engine: "llama.cpp", model: o.model, type: fileType(model), chains, prompt_tokens: promptLen, new_tokens: genLen,
    threads: context.idealThreads, kv_type: o["kv-type"], flash_attention: o["flash-attention"], tokens,
    decode_tokens_per_s: Number((tokens / decodeSeconds).toFixed(1)),
    ms_per_step: Number((1000 * decodeSeconds / genLen).toFixed(2)),
    prefill_tokens_per_s: Number(((promptLen - 1) / prefillSeconds).toFixed(1))
}));
await context.dispose();
await model.dispose();
await llama.dispose();
