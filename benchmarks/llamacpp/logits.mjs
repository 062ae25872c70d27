// llama.cpp's next-token distribution after a prompt, as one JSON line: the prompt's token ids as llama.cpp tokenized
// it, and the log-probability of every token id (null where llama.cpp's probability is 0). The Java suite's
// LlamaCppLogitsTest compares it with ONNX Runtime's on the same model.
//
//   node benchmarks/llamacpp/logits.mjs --model build/gguf/reason-mini-F32.gguf --prompt "<s><|user|>2+2?\n<|assistant|>"
//
// Log-probabilities rather than logits because node-llama-cpp hands out probabilities; they equal the logits less
// one constant, so comparing them compares the logits. llama.cpp's defaults round the attention's keys and values to
// fp16 (its KV cache, and its CPU flash attention); --kv-type f32 --flash-attention off computes it in fp32.
import {ATTENTION_DEFAULTS, attention, fileType, openModel, readOptions} from "./peer.mjs";

const o = readOptions({"model": null, "prompt": null, "threads": 2, ...ATTENTION_DEFAULTS},
    "node logits.mjs --model FILE.gguf --prompt TEXT [--threads T] [--kv-type f16|f32] [--flash-attention auto|on|off]");
const attn = attention(o);
const {llama, model} = await openModel(o.model, o.threads);
const tokens = model.tokenize(o.prompt, true);
const context = await model.createContext({contextSize: tokens.length + 1, threads: o.threads, ...attn});
const sequence = context.getSequence();
// No sampling options: the probabilities are the plain softmax of the logits over the whole vocabulary.
const input = [...tokens.slice(0, -1), [tokens.at(-1), {generateNext: {probabilities: true}}]];
const result = await sequence.controlledEvaluate(input);
const logprobs = [];
for (const [token, p] of result.at(-1).next.probabilities) {
    logprobs[token] = p > 0 ? Math.log(p) : null;
}
console.log(JSON.stringify({model: o.model, type: fileType(model), kv_type: o["kv-type"], flash_attention: o["flash-attention"],
    tokens, logprobs}));
await context.dispose();
await model.dispose();
await llama.dispose();
