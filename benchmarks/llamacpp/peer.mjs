// What decode.mjs and logits.mjs share: reading their options, failing with one line and a distinct exit code,
// and llama.cpp (node-llama-cpp's prebuilt CPU build) opened on one GGUF file with a fixed number of threads.
import fs from "node:fs";
import path from "node:path";
import {parseArgs} from "node:util";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

export const EXIT = {usage: 2, missing: 3, llama: 4};

const script = path.basename(process.argv[1] ?? "peer");

export function fail(code, message) {
    console.error(`${script}: ${message}`);
    process.exit(code);
}

/** The options as {name: value}; integer options (given as numbers in `defaults`) must be whole and at least 1. */
export function readOptions(defaults, usage) {
    const spec = Object.fromEntries(Object.keys(defaults).map((name) => [name, {type: "string"}]));
    let values;
    try {
        ({values} = parseArgs({options: spec, strict: true}));
    } catch (e) {
        fail(EXIT.usage, `${e.message}\nusage: ${usage}`);
    }
    const out = {};
    for (const [name, fallback] of Object.entries(defaults)) {
        const given = values[name];
        if (given == null && fallback == null) {
            fail(EXIT.usage, `--${name} is required\nusage: ${usage}`);
        }
        if (typeof fallback === "number") {
            const n = given == null ? fallback : Number(given);
            const whole = Number.isInteger(fallback);
            if (!Number.isFinite(n) || whole && (!Number.isInteger(n) || n < 1) || n < 0) {
                fail(EXIT.usage, `--${name} must be ${whole ? "a whole number of at least 1" : "a number of at least 0"}, got ${given}`);
            }
            out[name] = n;
        } else {
            out[name] = given ?? fallback;
        }
    }
    return out;
}

/** llama.cpp on the CPU with `threads` threads, and the model in `file`. */
export async function openModel(file, threads) {
    if (!fs.existsSync(file)) {
        fail(EXIT.missing, `${file} does not exist: make it with models/recipe/gguf_export.py (docs/llamacpp.md)`);
    }
    try {
        const llama = await getLlama({gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error,
            progressLogs: false});
        const model = await llama.loadModel({modelPath: file, gpuLayers: 0});
        return {llama, model};
    } catch (e) {
        fail(EXIT.llama, `llama.cpp cannot load ${file}: ${String(e.message ?? e).split("\n")[0]}`);
    }
}

/** The options that choose llama.cpp's attention: with their defaults, llama.cpp's own. */
export const ATTENTION_DEFAULTS = {"kv-type": "f16", "flash-attention": "auto"};

/**
 * Context options from --kv-type (f16, llama.cpp's default, or f32, as reason's CPU engine keeps its cache) and
 * --flash-attention (auto, llama.cpp's default, on or off).
 */
export function attention(o) {
    const kv = {f16: "F16", f32: "F32"}[o["kv-type"]];
    const flash = {auto: "auto", on: true, off: false}[o["flash-attention"]];
    if (kv == null || flash == null) {
        fail(EXIT.usage, `--kv-type is f16 or f32 and --flash-attention auto, on or off; got ${o["kv-type"]} and ${o["flash-attention"]}`);
    }
    return {experimentalKvCacheKeyType: kv, experimentalKvCacheValueType: kv, flashAttention: flash};
}

/** The GGUF's file type as llama.cpp names it (F32, F16, Q8_0). */
export function fileType(model) {
    const types = {0: "F32", 1: "F16", 7: "Q8_0"};
    const t = model.fileInfo.metadata.general?.file_type;
    return types[t] ?? String(t);
}
