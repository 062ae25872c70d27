#!/usr/bin/env python3
"""Hugging Face transformers baseline for `reason throughput`: sampled generation on the GPU, same weights.

    python3 benchmarks/device/hf_generate.py --model DIR --parallel 1,16,64,256 \
        --prompt-len 128 --gen-len 256 --out hf.csv

DIR is a Hugging Face model directory (config.json, model.safetensors), e.g. one written by
models/recipe/random_model.py. For each number of chains N: one random prompt of --prompt-len token ids
(fixed seed) repeated N times, `generate(do_sample=True, max_new_tokens=G, min_new_tokens=G)` so every chain
makes exactly G tokens, with the sampling settings `reason throughput` uses (temperature 0.8, top-p 0.95, no
top-k). A short generate warms up each N first; times are host clocks around a CUDA synchronize.

Columns: tps = N*G / seconds of the whole generate (prefill included, the usual end-to-end figure);
decode_tps = N*(G-1) / (seconds - prefill_seconds), where prefill_seconds is a generate of one token, which is
what `reason throughput` reports as decode tok/s (prefill excluded). One JSON line per N goes to stdout.
Exit codes: 0 measured, 3 torch or transformers missing, 4 no CUDA device, 1 anything else.
"""
import argparse
import csv
import json
import os
import sys
import time


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="Hugging Face model directory")
    ap.add_argument("--parallel", default="1,16,64,256", help="numbers of chains, comma-separated")
    ap.add_argument("--prompt-len", type=int, default=128)
    ap.add_argument("--gen-len", type=int, default=256)
    ap.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--top-p", type=float, default=0.95)
    ap.add_argument("--out", required=True, help="CSV file to write")
    args = ap.parse_args(argv)
    args.parallel = [int(x) for x in args.parallel.split(",") if x.strip()]
    if not args.parallel or min(args.parallel) < 1 or args.gen_len < 2 or args.prompt_len < 1:
        ap.error("--parallel needs positive counts, --gen-len at least 2, --prompt-len at least 1")
    return args


def load(model_dir, dtype):
    from transformers import AutoModelForCausalLM
    try:  # transformers 5 names it dtype; 4.x only knows torch_dtype
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype)
    except TypeError:
        model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=dtype)
    return model.cuda().eval()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        import torch
        import transformers
    except ImportError as e:
        print("hf_generate: %s is not installed for %s" % (e.name, sys.executable), file=sys.stderr)
        return 3
    if not torch.cuda.is_available():
        print("hf_generate: no CUDA device (torch.cuda.is_available() is False)", file=sys.stderr)
        return 4
    if not os.path.isfile(os.path.join(args.model, "config.json")):
        print("hf_generate: %s has no config.json" % args.model, file=sys.stderr)
        return 1

    dtype = getattr(torch, args.dtype)
    t = time.perf_counter()
    model = load(args.model, dtype)
    load_s = time.perf_counter() - t
    cfg = model.config
    pad = cfg.pad_token_id if cfg.pad_token_id is not None else 0
    gen = torch.Generator().manual_seed(args.seed)
    prompt = torch.randint(0, cfg.vocab_size, (1, args.prompt_len), generator=gen).cuda()
    gpu = torch.cuda.get_device_name(0)
    params = sum(p.numel() for p in model.parameters())
    print("hf_generate: %s, %.0fM parameters, %s, loaded in %.1f s; %s, torch %s, transformers %s"
          % (cfg.model_type, params / 1e6, args.dtype, load_s, gpu, torch.__version__, transformers.__version__),
          flush=True)

    def generate(n, new_tokens):
        ids = prompt.expand(n, -1).contiguous()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True,
                                 temperature=args.temperature, top_p=args.top_p, top_k=0,
                                 max_new_tokens=new_tokens, min_new_tokens=new_tokens, pad_token_id=pad)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
        made = out.shape[1] - args.prompt_len
        if made != new_tokens:
            raise RuntimeError("generate made %d tokens per chain, not %d" % (made, new_tokens))
        return seconds

    rows = []
    for n in args.parallel:
        torch.manual_seed(args.seed)
        generate(n, 8)  # warm-up: kernels, allocator, caches for this batch size
        prefill_s = generate(n, 1)
        seconds = generate(n, args.gen_len)
        row = {
            "parallel": n, "prompt_len": args.prompt_len, "gen_len": args.gen_len,
            "seconds": round(seconds, 4), "tps": round(n * args.gen_len / seconds, 1),
            "prefill_seconds": round(prefill_s, 4),
            "decode_tps": round(n * (args.gen_len - 1) / (seconds - prefill_s), 1) if seconds > prefill_s else "",
            "dtype": args.dtype, "gpu": gpu, "torch": torch.__version__,
            "transformers": transformers.__version__,
            "peak_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", newline="") as f:  # rewritten after every N: a killed run keeps what it measured
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
