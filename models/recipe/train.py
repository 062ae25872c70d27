"""Train the model on the synthetic stream for a wall-clock budget.

    /usr/bin/python3 models/recipe/train.py --minutes 60 --out build/train

CPU: all cores, bf16 autocast where the CPU has bf16 instructions (else fp32), ~1.5k tokens per optimizer step.
CUDA: the same code, bf16 autocast, a larger batch. The learning rate follows a cosine over the time budget,
so a run always ends annealed whatever its length.
"""
import argparse
import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F

import data
import tasks
import vocab
from model import Config, LlamaForCausalLM


def pick_device(name):
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def batches(stream, batch_size, device):
    """Groups of similar-length examples (little padding), right-padded; targets -100 off the answer."""
    while True:
        pool = sorted((next(stream) for _ in range(batch_size * 8)), key=lambda pt: len(pt[0]) + len(pt[1]))
        groups = [pool[i:i + batch_size] for i in range(0, len(pool), batch_size)]
        random.shuffle(groups)
        for g in groups:
            width = max(len(p) + len(t) for p, t in g)
            ids = torch.full((len(g), width), vocab.PAD, dtype=torch.long)
            mask = torch.zeros((len(g), width), dtype=torch.long)
            labels = torch.full((len(g), width), -100, dtype=torch.long)
            for r, (p, t) in enumerate(g):
                seq = p + t
                ids[r, :len(seq)] = torch.tensor(seq)
                mask[r, :len(seq)] = 1
                labels[r, len(p) - 1:len(seq) - 1] = torch.tensor(t)  # position i predicts token i+1
            yield ids.to(device), mask.to(device), labels.to(device), int(mask.sum())


def bf16_is_fast(device):
    """bf16 autocast: on CUDA, and on CPUs with bf16 instructions (elsewhere torch emulates it, many times slower)."""
    if device != "cpu":
        return True
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def make_optimizer(model, peak_lr):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=peak_lr, betas=(0.9, 0.98))


def fit(model, examples, out, minutes, device, batch, peak_lr, warmup=200, info=None, resume=False, steps=0):
    """Trains on (prompt, target) pairs for a wall-clock budget, with a cosine over it; checkpoints every 5 minutes.

    With `steps`, the budget and the cosine are that many optimizer steps instead, `minutes` a ceiling (0: none): the
    same model whatever else shares the CPU.

    The checkpoint holds the optimizer, the clock and the random states too, so `resume` continues a killed run
    where its last checkpoint left it (at most 5 minutes lost). `examples` must be resumable the same way: it is
    an iterator with state() and restore(state) (see data.TrainingStream and finetune.Mixed).
    """
    opt = make_optimizer(model, peak_lr)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "checkpoint.pt")
    spent = tokens = step = 0
    log = []
    if resume and os.path.exists(path):
        ck = torch.load(path, map_location=device)
        model.load_state_dict(ck["state_dict"])
        opt.load_state_dict(ck["optimizer"])
        spent, tokens, step, log = ck["seconds"], ck["tokens"], ck["steps"], ck["log"]
        examples.restore(ck["examples"])
        random.setstate(ck["random"])
        torch.set_rng_state(ck["torch_random"])
        print("resumed at %.1f min, step %d" % (spent / 60, step), flush=True)
    print("device %s, %d parameters, batch %d, peak lr %g" % (device, model.num_parameters(), batch, peak_lr), flush=True)
    budget = minutes * 60 if minutes else math.inf
    start = time.time() - spent
    last_log = last_save = time.time()

    def save():
        meta = {"device": device if device == "cpu" else torch.cuda.get_device_name(0), "torch": torch.__version__,
                "seconds": time.time() - start, "steps": step, "tokens": tokens, "batch": batch,
                "peak_lr": peak_lr, "step_budget": steps, "bf16": fast_bf16, "parameters": model.num_parameters(), **(info or {}), "log": log}
        torch.save({"config": model.config.__dict__, "state_dict": model.state_dict(), "optimizer": opt.state_dict(),
                    "seconds": meta["seconds"], "tokens": tokens, "steps": step, "log": log,
                    "examples": examples.state(), "random": random.getstate(), "torch_random": torch.get_rng_state()},
                   path + ".tmp")
        os.replace(path + ".tmp", path)  # a kill mid-save keeps the previous checkpoint whole
        with open(os.path.join(out, "train_log.json"), "w") as f:
            json.dump(meta, f, indent=1)

    fast_bf16 = bf16_is_fast(device)
    model.train()
    for ids, mask, labels, n_tok in batches(examples, batch, device):
        elapsed = time.time() - start
        if elapsed >= budget or steps and step >= steps:
            break
        frac = step / steps if steps else elapsed / budget
        lr = peak_lr * min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=fast_bf16):
            logits = model.train_logits(ids, mask)
        loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), labels.view(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += n_tok
        now = time.time()
        if now - last_log > 30:
            entry = {"step": step, "minutes": round((now - start) / 60, 2), "loss": round(loss.item(), 4),
                     "lr": lr, "tokens": tokens, "tokens_per_s": round(tokens / (now - start))}
            log.append(entry)
            print(json.dumps(entry), flush=True)
            last_log = now
        if now - last_save > 300:
            save()
            last_save = now
    save()
    print("done: %d steps, %d tokens, %.1f min" % (step, tokens, (time.time() - start) / 60), flush=True)


def set_up(device_name, seed):
    device = pick_device(device_name)
    torch.manual_seed(seed)
    random.seed(seed)
    if device == "cpu":
        torch.set_num_threads(os.cpu_count())
    return device


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, required=True, help="wall-clock training budget")
    ap.add_argument("--out", required=True, help="folder for checkpoint.pt and train_log.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--batch", type=int, default=0, help="examples per step (default: 10 on CPU, 256 on CUDA)")
    ap.add_argument("--lr", type=float, default=0.0, help="peak learning rate (default: 2e-3 CPU, 1.5e-3 CUDA)")
    ap.add_argument("--mix", default="v0", choices=sorted(tasks.MIXES), help="the task mix (tasks.MIXES)")
    ap.add_argument("--resume", action="store_true", help="continue from --out's checkpoint")
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--layers", type=int, default=5)
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=512)
    ap.add_argument("--max-len", type=int, default=448)
    args = ap.parse_args()

    device = set_up(args.device, args.seed)
    config = Config(vocab_size=vocab.VOCAB_SIZE, hidden_size=args.hidden, intermediate_size=args.ffn,
                    num_hidden_layers=args.layers, num_attention_heads=args.heads,
                    num_key_value_heads=args.kv_heads, max_position_embeddings=512)
    model = LlamaForCausalLM(config).to(device)
    fit(model, data.TrainingStream(args.seed, args.max_len, tasks.MIXES[args.mix]), args.out, args.minutes, device,
        args.batch or (10 if device == "cpu" else 256), args.lr or (2e-3 if device == "cpu" else 1.5e-3),
        info={"seed": args.seed, "mix": args.mix}, resume=args.resume)


if __name__ == "__main__":
    main()
