"""Train model N+1 from model N on distilled search output mixed with a share of the synthetic stream.

    /usr/bin/python3 models/recipe/finetune.py --init models/reason-mini --distilled build/round1/distilled.jsonl \\
        --minutes 30 --out build/round1/train

The distilled file is what `reason distill` writes: JSON Lines whose "messages" hold a user question and the
assistant's chain. Each training example comes from the synthetic stream (tasks.MIXES[--mix], gold chains) with
probability --synthetic-share, else from the distilled chains (shuffled, epoch after epoch). Without --init the
model starts from scratch at train.py's default shape. The checkpoint is export.py's input, as train.py's is.
"""
import argparse
import json
import random

import data
import tasks
import train
import vocab
from generate import load_from_dir
from model import Config, LlamaForCausalLM


def read_distilled(paths, max_len):
    """(prompt ids, target ids) of every distilled chain that fits max_len; the question goes through vocab.prompt."""
    pairs, skipped = [], 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    messages = json.loads(line)["messages"]
                    question = next(m["content"] for m in messages if m["role"] == "user")
                    chain = next(m["content"] for m in messages if m["role"] == "assistant")
                except (ValueError, KeyError, StopIteration) as e:
                    raise SystemExit("%s line %d is not a distilled record (%s): regenerate it with reason distill" % (path, n, e))
                pair = data.encode_pair(question, chain.strip(), max_len)
                if pair:
                    pairs.append(pair)
                else:
                    skipped += 1
    return pairs, skipped


class Mixed:
    """Synthetic examples with probability `share`, else distilled ones in shuffled epochs; resumable."""

    def __init__(self, synthetic, distilled, share, seed):
        self.synthetic, self.distilled, self.share = synthetic, distilled, share
        self.rng = random.Random(seed)
        self.order, self.pos = [], 0

    def __iter__(self):
        return self

    def __next__(self):
        if not self.distilled or self.rng.random() < self.share:
            return next(self.synthetic)
        if self.pos == len(self.order):
            self.order = list(range(len(self.distilled)))
            self.rng.shuffle(self.order)
            self.pos = 0
        self.pos += 1
        return self.distilled[self.order[self.pos - 1]]

    def state(self):
        return {"synthetic": self.synthetic.state(), "rng": self.rng.getstate(), "order": self.order, "pos": self.pos}

    def restore(self, state):
        self.synthetic.restore(state["synthetic"])
        self.rng.setstate(state["rng"])
        self.order, self.pos = state["order"], state["pos"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--init", help="model directory to start from (model.safetensors + config.json); default: scratch")
    ap.add_argument("--distilled", action="append", default=[], help="a distilled JSONL file (repeatable)")
    ap.add_argument("--synthetic-share", type=float, default=0.5, help="share of examples from the synthetic stream")
    ap.add_argument("--mix", default="everyday", choices=sorted(tasks.MIXES), help="the synthetic stream's task mix")
    ap.add_argument("--chain-format", default="fixed", choices=sorted(tasks.FORMATS),
                    help="how the synthetic chains write operation lines (tasks.FORMATS): fixed up to v10, aligned after")
    ap.add_argument("--minutes", type=float, default=0, help="wall-clock training budget (with --steps: a ceiling)")
    ap.add_argument("--steps", type=int, default=0,
                    help="optimizer steps to train, the schedule over them: the same model on a busy or a quiet CPU")
    ap.add_argument("--out", required=True, help="folder for checkpoint.pt and train_log.json")
    ap.add_argument("--resume", action="store_true", help="continue from --out's checkpoint")
    ap.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    ap.add_argument("--warmup", type=int, default=100, help="optimizer steps of linear warm-up")
    ap.add_argument("--batch", type=int, default=0, help="examples per step (default: 10 on CPU, 256 on CUDA)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--max-len", type=int, default=448)
    args = ap.parse_args()
    if not 0 <= args.synthetic_share <= 1:
        raise SystemExit("--synthetic-share must be between 0 and 1, got %g" % args.synthetic_share)
    if args.minutes <= 0 and args.steps <= 0:
        raise SystemExit("give a budget: --minutes M (wall clock) or --steps N (optimizer steps)")
    if not args.distilled and args.synthetic_share < 1:
        raise SystemExit("no --distilled file: pass one, or --synthetic-share 1 to train on the synthetic stream alone")

    device = train.set_up(args.device, args.seed)
    if args.init:
        model = load_from_dir(args.init).to(device)
    else:
        model = LlamaForCausalLM(Config(vocab_size=vocab.VOCAB_SIZE, hidden_size=192, intermediate_size=512,
                                        num_hidden_layers=5, num_attention_heads=6, num_key_value_heads=2,
                                        max_position_embeddings=512)).to(device)
    distilled, skipped = read_distilled(args.distilled, args.max_len)
    print("%d distilled chains (%d over %d tokens skipped), synthetic share %g" % (len(distilled), skipped, args.max_len,
                                                                                args.synthetic_share), flush=True)
    examples = Mixed(data.TrainingStream(args.seed, args.max_len, tasks.MIXES[args.mix], tasks.FORMATS[args.chain_format]),
                     distilled, args.synthetic_share, args.seed)
    info = {"init": args.init or "scratch", "distilled": args.distilled, "distilled_chains": len(distilled),
            "synthetic_share": args.synthetic_share, "mix": args.mix, "chain_format": args.chain_format, "seed": args.seed}
    train.fit(model, examples, args.out, args.minutes, device, args.batch or (10 if device == "cpu" else 256),
              args.lr, warmup=args.warmup, info=info, resume=args.resume, steps=args.steps)


if __name__ == "__main__":
    main()
