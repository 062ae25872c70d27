"""Batched KV-cache sampling in PyTorch: what the recipe evaluates with, and the baseline that
`reason throughput` times the Java engine against.

    /usr/bin/python3 models/recipe/generate.py --checkpoint build/train/checkpoint.pt --question "What is 12*7-5?"
    /usr/bin/python3 models/recipe/generate.py --onnx-dir models/reason-mini --throughput 1,4,16,64

Rows are left-padded prompts; finished rows are dropped from the batch (cache rows gathered out) so that
late steps do not pay for chains that already ended.
"""
import argparse
import json
import os
import time

import torch

import vocab


@torch.no_grad()
def generate(model, prompt_ids, temperature=0.8, top_p=0.95, max_new=400, greedy=False, seed=0,
             device="cpu", stop_on_eos=True, dtype=None):
    """prompt_ids: list of token lists (one per chain). Returns (token lists, summed log-probs, steps)."""
    n = len(prompt_ids)
    width = max(len(p) for p in prompt_ids)
    ids = torch.full((n, width), vocab.PAD, dtype=torch.long)
    mask = torch.zeros((n, width), dtype=torch.long)
    for r, p in enumerate(prompt_ids):
        ids[r, width - len(p):] = torch.tensor(p)
        mask[r, width - len(p):] = 1
    ids, mask = ids.to(device), mask.to(device)
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    past = model.empty_past(n, device)
    alive = torch.arange(n, device=device)  # original row of each batch row
    out = [[] for _ in range(n)]
    logprob = [0.0] * n
    cur_ids, cur_pos = ids, pos
    for step in range(max_new):
        with torch.autocast(device_type=device, dtype=dtype or torch.bfloat16, enabled=dtype is not None):
            logits, past = model(cur_ids, mask, cur_pos, past)
        logits = logits[:, -1, :].float()
        logp = torch.log_softmax(logits, dim=-1)
        if greedy:
            tok = logits.argmax(-1)
        else:
            probs = torch.softmax(logits / temperature, dim=-1)
            if top_p < 1.0:
                sp, si = probs.sort(dim=-1, descending=True)
                keep = sp.cumsum(-1) - sp < top_p
                sp = sp * keep
                probs = torch.zeros_like(probs).scatter(-1, si, sp)
            tok = torch.multinomial(probs, 1, generator=gen).squeeze(1)
        chosen = logp.gather(1, tok[:, None]).squeeze(1).tolist()
        toks = tok.tolist()
        done = []
        for r, (row, t) in enumerate(zip(alive.tolist(), toks)):
            out[row].append(t)
            logprob[row] += chosen[r]
            if stop_on_eos and t == vocab.EOS:
                done.append(r)
        cur_ids = tok[:, None]
        cur_pos = cur_pos[:, -1:] + 1
        mask = torch.cat([mask, torch.ones((mask.shape[0], 1), dtype=mask.dtype, device=device)], dim=1)
        if done:
            finished = set(done)
            keep = torch.tensor([r for r in range(len(toks)) if r not in finished], dtype=torch.long, device=device)
            if keep.numel() == 0:
                break
            alive, cur_ids, cur_pos, mask = alive[keep], cur_ids[keep], cur_pos[keep], mask[keep]
            past = [(k[keep], v[keep]) for k, v in past]
    return out, logprob


def load(args):
    if args.checkpoint:
        from export import load_checkpoint
        return load_checkpoint(args.checkpoint)
    return load_from_dir(args.onnx_dir)


def load_from_dir(model_dir):
    """The shipped directory's model.safetensors (Hugging Face names) back into the recipe's module."""
    import safetensors_io
    from model import Config, LlamaForCausalLM
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    fields = Config.__dataclass_fields__
    model = LlamaForCausalLM(Config(**{k: v for k, v in cfg.items() if k in fields}))
    missing, unexpected = model.load_state_dict(safetensors_io.load(os.path.join(model_dir, "model.safetensors")),
                                                strict=False)
    if unexpected or set(missing) - {"lm_head.weight"}:
        raise SystemExit("model.safetensors does not match config.json: missing %s, unexpected %s" % (missing, unexpected))
    return model.eval()


def throughput(model, parallel_list, prompt_len, gen_len):
    """Decode tokens/s of this loop at each batch size (no early stop: every row makes gen_len tokens)."""
    rows = []
    prompt = vocab.encode(vocab.prompt("What is 47 + 38 * 2 - 19?"))
    prompt = (prompt * (prompt_len // len(prompt) + 1))[:prompt_len]
    for p in parallel_list:
        generate(model, [prompt] * p, max_new=4, stop_on_eos=False)  # warm-up
        t = time.perf_counter()
        generate(model, [prompt] * p, max_new=gen_len, stop_on_eos=False)
        dt = time.perf_counter() - t
        rows.append({"parallel": p, "tokens": p * gen_len, "seconds": dt, "tokens_per_s": p * gen_len / dt})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint")
    ap.add_argument("--onnx-dir")
    ap.add_argument("--question")
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--throughput", help="comma-separated parallel chain counts; prints JSON lines")
    ap.add_argument("--prompt-len", type=int, default=32)
    ap.add_argument("--gen-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load(args)
    if args.throughput:
        for row in throughput(model, [int(x) for x in args.throughput.split(",")], args.prompt_len, args.gen_len):
            print(json.dumps(row), flush=True)
        return
    chains, lp = generate(model, [vocab.encode(vocab.prompt(args.question))] * args.samples)
    for c, l in zip(chains, lp):
        print("logp %.2f | %s" % (l, vocab.decode(c).replace("\n", " | ")))


if __name__ == "__main__":
    main()
