"""Evaluate a model on the held-out sets: greedy accuracy, sampled pass@1, majority-of-k, coverage@k.

    /usr/bin/python3 models/recipe/evaluate.py --model-dir models/reason-mini --out models/reason-mini/eval_results.json

Every problem gets one greedy chain and K sampled chains (temperature/top-p from generation_config.json).
majority-of-k for k < K is the mean over random k-subsets of the pool (ties broken by the higher summed
log-probability, as `reason` does); coverage@k uses the unbiased estimator 1 - C(n-c, k) / C(n, k).
Game of 24 has no single answer to vote on: it reports success@k (any chain's expression passes the exact
checker), i.e. coverage.
"""
import argparse
import json
import math
import os
import random
import re
import time

import torch

import data
import tasks
import vocab
from generate import generate, load_from_dir

KS = [1, 2, 4, 8, 16, 32]
SUBSETS = 200


def extract(text):
    """The model's answer line; None when the chain never wrote one."""
    found = re.findall(r"####\s*(.+)", text)
    return found[-1].strip() if found else None


def correct(problem, answer):
    if answer is None:
        return False
    if problem["family"] == "game24":
        return tasks.check_game24(problem["numbers"], answer)
    return answer.replace(",", "") == str(problem["answer"])


def coverage(n, c, k):
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def vote(answers, logprobs):
    """Majority answer; ties go to the higher summed log-probability. None if nothing to vote on."""
    count, lp = {}, {}
    for a, l in zip(answers, logprobs):
        if a is None:
            continue
        count[a] = count.get(a, 0) + 1
        lp[a] = lp.get(a, 0.0) + l
    if not count:
        return None
    return max(count, key=lambda a: (count[a], lp[a], a))


def majority_at_k(problem, answers, logprobs, k, rng):
    n = len(answers)
    if k >= n:
        return float(correct(problem, vote(answers, logprobs)))
    hits = 0
    for _ in range(SUBSETS):
        idx = rng.sample(range(n), k)
        hits += correct(problem, vote([answers[i] for i in idx], [logprobs[i] for i in idx]))
    return hits / SUBSETS


def run_family(model, problems, samples, temperature, top_p, chunk_rows, seed):
    """Greedy + sampled chains for every problem: returns per-problem records."""
    records = []
    prompts = [vocab.encode(vocab.prompt(p["question"])) for p in problems]
    # greedy: many problems per batch
    for i in range(0, len(problems), chunk_rows):
        outs, _ = generate(model, prompts[i:i + chunk_rows], greedy=True)
        for p, o in zip(problems[i:i + chunk_rows], outs):
            records.append({"problem": p, "greedy": extract(vocab.decode(o))})
    per_batch = max(1, chunk_rows // samples)
    for i in range(0, len(problems), per_batch):
        batch = []
        for j in range(i, min(i + per_batch, len(problems))):
            batch.extend([prompts[j]] * samples)
        outs, lps = generate(model, batch, temperature=temperature, top_p=top_p, seed=seed + i)
        for j in range(i, min(i + per_batch, len(problems))):
            rows = range((j - i) * samples, (j - i + 1) * samples)
            records[j]["answers"] = [extract(vocab.decode(outs[r])) for r in rows]
            records[j]["logprobs"] = [lps[r] for r in rows]
            records[j]["tokens"] = [len(outs[r]) for r in rows]
        print("  %d/%d problems" % (min(i + per_batch, len(problems)), len(problems)), flush=True)
    return records


def summarize(records, samples, rng):
    n = len(records)
    ks = [k for k in KS if k <= samples]
    out = {"problems": n, "greedy": 0.0, "pass@1": 0.0,
           "majority": {k: 0.0 for k in ks}, "coverage": {k: 0.0 for k in ks}, "mean_tokens": 0.0}
    for r in records:
        p = r["problem"]
        c = sum(correct(p, a) for a in r["answers"])
        out["greedy"] += correct(p, r["greedy"]) / n
        out["pass@1"] += c / samples / n
        out["mean_tokens"] += sum(r["tokens"]) / samples / n
        for k in ks:
            out["coverage"][k] += coverage(samples, c, k) / n
            if p["family"] != "game24":
                out["majority"][k] += majority_at_k(p, r["answers"], r["logprobs"], k, rng) / n
    if records and records[0]["problem"]["family"] == "game24":
        out["majority"] = None
    return out


def markdown(results, samples):
    ks = [k for k in KS if k <= samples]
    head = "| set | n | greedy | pass@1 | " + " | ".join("maj@%d" % k for k in ks) + " | " + \
           " | ".join("cov@%d" % k for k in ks) + " |"
    lines = [head, "|" + "---|" * (4 + 2 * len(ks))]
    for name, s in results.items():
        maj = ["—"] * len(ks) if s["majority"] is None else ["%.3f" % s["majority"][k] for k in ks]
        lines.append("| %s | %d | %.3f | %.3f | %s | %s |" % (name, s["problems"], s["greedy"], s["pass@1"],
                     " | ".join(maj), " | ".join("%.3f" % s["coverage"][k] for k in ks)))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--out", required=True, help="JSON results; a .md table is written beside it")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--limit", type=int, default=0, help="problems per family (0 = all)")
    ap.add_argument("--families", default="arithmetic,word,game24")
    ap.add_argument("--rows", type=int, default=512, help="chains per batch")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    model = load_from_dir(args.model_dir)
    with open(os.path.join(args.model_dir, "generation_config.json")) as f:
        gen = json.load(f)
    rng = random.Random(args.seed)
    results, started = {}, time.time()
    for family in args.families.split(","):
        problems = data.read_eval_set(os.path.join(args.model_dir, "eval", family + ".jsonl"))
        if args.limit:
            problems = problems[:args.limit]
        print("%s: %d problems x (1 greedy + %d samples)" % (family, len(problems), args.samples), flush=True)
        records = run_family(model, problems, args.samples, gen["temperature"], gen["top_p"], args.rows, args.seed)
        results[family] = summarize(records, args.samples, rng)
        levels = sorted({r["problem"]["difficulty"] for r in records}, key=str)
        if len(levels) > 1:
            for lv in levels:
                results["%s ops=%s" % (family, lv)] = summarize(
                    [r for r in records if r["problem"]["difficulty"] == lv], args.samples, rng)
    meta = {"samples": args.samples, "temperature": gen["temperature"], "top_p": gen["top_p"], "seed": args.seed,
            "seconds": round(time.time() - started, 1), "torch": torch.__version__}
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    table = markdown(results, args.samples)
    with open(os.path.splitext(args.out)[0] + ".md", "w") as f:
        f.write(table + "\n")
    print(table)
    print("evaluation took %.1f min" % (meta["seconds"] / 60))


if __name__ == "__main__":
    main()
