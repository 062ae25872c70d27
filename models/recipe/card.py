"""Write the model card (README.md) of an exported directory from its train_log.json and eval_results.json.

    /usr/bin/python3 models/recipe/card.py --model-dir models/reason-mini
"""
import argparse
import json
import os

TARGETS = [
    ("greedy accuracy, 2-operation arithmetic", ">= 0.95"),
    ("majority-of-16 minus sampled pass@1 (arithmetic)", ">= +0.10"),
    ("majority-of-16 minus greedy (arithmetic)", ">= +0.04"),
    ("coverage@32 (arithmetic)", ">= 0.95"),
]


def load(path):
    with open(path) as f:
        return json.load(f)


def target_rows(results):
    a = results["arithmetic"]
    two = results.get("arithmetic ops=2", a)
    values = [two["greedy"], a["majority"]["16"] - a["pass@1"], a["majority"]["16"] - a["greedy"], a["coverage"]["32"]]
    goals = [0.95, 0.10, 0.04, 0.95]
    rows = []
    for (name, goal_text), v, g in zip(TARGETS, values, goals):
        status = "met" if v >= g - 1e-9 else "missed by %.3f" % (g - v)
        rows.append("| %s | %s | %.3f | %s |" % (name, goal_text, v, status))
    return rows


def table(results, ks):
    head = "| set | n | greedy | pass@1 | " + " | ".join("maj@%s" % k for k in ks) + " | " + \
           " | ".join("cov@%s" % k for k in ks) + " |"
    lines = [head, "|---|---:|" + "---:|" * (2 + 2 * len(ks))]
    for name, s in results.items():
        maj = ["—"] * len(ks) if s["majority"] is None else ["%.3f" % s["majority"][k] for k in ks]
        lines.append("| %s | %d | %.3f | %.3f | %s | %s |" % (
            name, s["problems"], s["greedy"], s["pass@1"], " | ".join(maj), " | ".join("%.3f" % s["coverage"][k] for k in ks)))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--notes", default="", help="markdown appended under 'What was tried'")
    args = ap.parse_args()
    d = args.model_dir
    cfg = load(os.path.join(d, "config.json"))
    train = load(os.path.join(d, "train_log.json"))
    ev = load(os.path.join(d, "eval_results.json"))
    gen = load(os.path.join(d, "generation_config.json"))
    results = ev["results"]
    ks = list(results["arithmetic"]["coverage"].keys())
    size_mb = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs) / 1e6
    name = os.path.basename(os.path.normpath(d))
    out = [
        "# %s" % name,
        "",
        "A %.1fM-parameter Llama-family model trained from scratch by this project's recipe "
        "([`models/recipe`](../recipe/README.md)) to solve arithmetic, everyday word problems and Game of 24 with "
        "step-by-step chains of thought that end in one line `#### ANSWER`. It is `reason`'s default model and "
        "the fixture of its engine tests. It knows nothing else." % (train["parameters"] / 1e6),
        "",
        "## Files",
        "",
        "Hugging Face / Optimum layout, %.1f MB in all:" % size_mb,
        "",
        "- `model.onnx`: decoder with KV cache (opset 17). Inputs `input_ids`, `attention_mask`, `position_ids`, "
        "`past_key_values.{i}.key|value` `[batch, %d, past, %d]`; outputs `logits`, `present.{i}.key|value`; "
        "dynamic batch and lengths; an empty past on the first step." % (cfg["num_key_value_heads"], cfg["head_dim"]),
        "- `model.safetensors`: the same weights under `LlamaForCausalLM` names (transformers can load them with "
        "`config.json`).",
        "- `config.json`, `generation_config.json` (recommended sampling: temperature %s, top-p %s), "
        "`tokenizer.json` (character level, a BPE model with no merges), `tokenizer_config.json` and "
        "`chat_template.jinja`, `special_tokens_map.json`." % (gen["temperature"], gen["top_p"]),
        "- `eval/`: the held-out sets (`arithmetic.jsonl` 500 problems, 100 per 2-6 operations; `word.jsonl` 300; "
        "`game24.jsonl`: ranks 901-1000 of the Tree-of-Thoughts list, never trained on).",
        "- `reference_logits.json`: PyTorch fp32 logits on one prompt (full forward and cached decoding); the Java "
        "suite checks ONNX Runtime against them (max abs difference <= 1e-4).",
        "- `train_log.json`, `eval_results.json`: the training log and the evaluation below; `SHA256SUMS`.",
        "",
        "## Architecture",
        "",
        "| | |",
        "|---|---|",
        "| parameters | %d |" % train["parameters"],
        "| layers | %d |" % cfg["num_hidden_layers"],
        "| hidden size | %d |" % cfg["hidden_size"],
        "| attention heads / KV heads | %d / %d (grouped-query) |" % (cfg["num_attention_heads"], cfg["num_key_value_heads"]),
        "| MLP | SwiGLU, %d |" % cfg["intermediate_size"],
        "| positions | rotary, theta %g, context %d |" % (cfg["rope_theta"], cfg["max_position_embeddings"]),
        "| norm | RMSNorm, eps %g |" % cfg["rms_norm_eps"],
        "| vocabulary | %d (characters, 6 special tokens) |" % cfg["vocab_size"],
        "| embeddings | tied input/output |",
        "",
        "## Data",
        "",
        "Generated on the fly by `models/recipe/tasks.py` (fixed seeds), in one worked format: the question's "
        "computation written as a zero-padded expression (numbers below 1000 get three digits), then one operation "
        "per line with the rewritten rest of the expression, then `#### ANSWER`. Mix: 50% arithmetic (2-6 "
        "operations of + - *, operands 1-999, mostly 1-99, parentheses, negative results, typed the way users type: "
        "`What is 47 + 38 * 2 - 19?`, `Compute 47+38×2−19.`, `12*7-5 = ?`), 30% word problems (48 templates: "
        "shopping, travel, rates, ages, sharing, cooking, savings, farm, school, sports, inventory, time, comparisons), "
        "20% Game of 24 (every solvable 4-number set except the 100 test puzzles). Several valid reasoning paths per "
        "problem: which independent operation comes first, commuted operands, which factor of a multiplication is "
        "split into tens and ones. Loss on the answer only. Held-out problems are excluded from the training stream.",
        "",
        "## Training",
        "",
        "| | |",
        "|---|---|",
        "| hardware | %s, torch %s |" % (train["device"], train["torch"]),
        "| wall time | %.1f min |" % (train["seconds"] / 60),
        "| optimizer steps | %d (batch %d sequences, AdamW, peak lr %g, cosine over the time budget) |" % (
            train["steps"], train["batch"], train["peak_lr"]),
        "| tokens seen | %.1fM |" % (train["tokens"] / 1e6),
        "| precision | bf16 autocast, fp32 weights |",
        "",
        "## Evaluation",
        "",
        "From `models/recipe/evaluate.py` (PyTorch, fp32): one greedy chain and %d sampled chains per problem "
        "(temperature %s, top-p %s). pass@1 is the mean accuracy of single samples; maj@k the accuracy of the "
        "majority answer of k samples (mean over random k-subsets, ties to the higher summed log-probability); "
        "cov@k the chance that any of k samples is right (unbiased estimator). For Game of 24, a chain is right when "
        "its expression passes the exact checker (each number once, value 24, rational arithmetic); cov@k is "
        "success@k and there is no single answer to vote on. Evaluation took %.1f min." % (
            ev["meta"]["samples"], ev["meta"]["temperature"], ev["meta"]["top_p"], ev["meta"]["seconds"] / 60),
        "",
    ]
    out += table(results, ks)
    out += ["", "## Targets", "", "| target | goal | measured | status |", "|---|---|---:|---|"]
    out += target_rows(results)
    if args.notes:
        out += ["", "## What was tried", "", args.notes]
    out += ["", "## Reproduce", "", "From a clean checkout, with Debian's `python3-torch`, `python3-onnx` and "
            "`libopenblas0-pthread`:", "", "```sh",
            "/usr/bin/python3 models/recipe/train.py --minutes 70 --out build/train",
            "/usr/bin/python3 models/recipe/export.py --checkpoint build/train/checkpoint.pt --out models/%s" % name,
            "/usr/bin/python3 models/recipe/evaluate.py --model-dir models/%s --out models/%s/eval_results.json" % (name, name),
            "/usr/bin/python3 models/recipe/card.py --model-dir models/%s" % name,
            "```", "",
            "Wall time on the 2-core machine: training %.0f min (its `--minutes` budget), export a few seconds, "
            "evaluation %.0f min, the card under a second. The time budget decides how many steps run, and CPU "
            "kernels are not bitwise deterministic across runs, so a rerun gives a model of the same recipe and "
            "similar scores, not byte-identical files." % (train["seconds"] / 60, ev["meta"]["seconds"] / 60), ""]
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write("\n".join(out))
    from export import write_sums
    write_sums(d)  # the evaluation files came after the export
    print("wrote", os.path.join(d, "README.md"), "and SHA256SUMS")


if __name__ == "__main__":
    main()
