"""Write the model card (README.md) of an exported directory.

    /usr/bin/python3 models/recipe/card.py --model-dir models/reason-mini --loop build/loop.json --start V0 --rounds v1=DIR ...

The card reads the directory's config.json, generation_config.json and train_log.json. With --loop (what
loop_table.py --json writes) it shows the bootstrap's table, a row per model, and the targets; each --rounds folder
(a bootstrap round, in order) adds its distillation and training to the lineage with their wall times.
"""
import argparse
import json
import os

import loop_table


def load(path):
    with open(path) as f:
        return json.load(f)


def lineage(start, rounds):
    """A row per step that made the model: the first training, then each round's distillation and fine-tuning.

    `rounds` are NAME=FOLDER in order: a folder with questions.jsonl adds its distillation, one with a train log
    (train/train_log.json, or train_log.json as benchmarks/results/bootstrap records it) its fine-tuning.
    NAME=FOLDER:distill adds only the distillation (a round whose chains, not model, came down). A round's parent
    and chains are named by the folder they came from, so records moved elsewhere still name them; a start from
    outside the rounds (such as models/reason-mini) is the last model trained before it.
    """
    def train_log(folder):
        for path in (os.path.join(folder, "train", "train_log.json"), os.path.join(folder, "train_log.json")):
            if os.path.exists(path):
                return load(path)
        raise SystemExit("%s: no train/train_log.json or train_log.json (a round folder, or its record)" % folder)

    def round_of(path):  # .../ROUND/model or .../ROUND/distilled.jsonl -> ROUND
        return os.path.basename(os.path.dirname(os.path.normpath(path)))

    first = train_log(start)
    rows = ["| step | command | wall time | data |", "|---|---|---:|---|",
            "| v0 | `train.py --minutes %.0f` (from scratch, mix %s) | %.0f min | %.1fM tokens of synthetic chains |" % (
                first["seconds"] / 60, first.get("mix", "v0"), first["seconds"] / 60, first["tokens"] / 1e6)]
    names, kept, last = {}, {}, "v0"
    for entry in rounds:
        name, _, folder = entry.partition("=")
        folder, _, only = folder.partition(":")
        if not folder:
            raise SystemExit("--rounds %s: write NAME=FOLDER (e.g. v1=build/bootstrap/vote-r1)" % entry)
        folder_name = os.path.basename(os.path.normpath(folder))
        names[folder_name] = name
        times = {}
        if os.path.exists(os.path.join(folder, "times.txt")):
            for line in open(os.path.join(folder, "times.txt")):
                step, _, secs = line.partition(":")
                times[step.strip()] = int(secs.split()[0])
        train = train_log(folder)  # a round distils with the model it then fine-tunes
        # the round its log's start came from; else (a start outside the rounds) the last model before it
        parent = names.get(round_of(train["init"]), last)
        if os.path.exists(os.path.join(folder, "questions.jsonl")):
            summary = {}
            progress = os.path.join(folder, "distilled.jsonl.progress")
            if os.path.exists(progress):
                for line in open(progress):
                    summary = json.loads(line).get("summary", summary)
            kept[folder_name] = name
            questions = sum(1 for _ in open(os.path.join(folder, "questions.jsonl")))
            rows.append("| %s distill | `reason distill` with %s, %s filter | %.0f min | %d fresh questions: %s chains kept |" % (
                name, parent, "label" if "label" in folder_name else "vote",
                times.get("distill", 0) / 60, questions, summary.get("chains_kept", "?")))
        if only == "distill":
            continue
        last = name
        chains = ", ".join(kept.get(round_of(p), round_of(p)) for p in train["distilled"])
        fmt = ", %s chains" % train["chain_format"] if train.get("chain_format", "fixed") != "fixed" else ""
        rows.append("| %s train | `finetune.py --init %s`, %d steps at peak lr %g, synthetic share %g (mix %s%s) | %.0f min | "
                    "%.1fM tokens; %s |" % (
                        name, parent, train["steps"], train["peak_lr"], train["synthetic_share"], train["mix"], fmt,
                        times.get("finetune", train["seconds"]) / 60, train["tokens"] / 1e6,
                        "chains kept by the %s distill" % chains if chains else "the synthetic stream alone"))
    return rows


def targets(loop, final_name=None, first_rounds=()):
    """The bootstrap's targets, measured: v0 is the first row, the final model `final_name` (default the last). The
    first round's target is shown for each of `first_rounds` (default the second row, v1)."""
    names = list(loop)
    for name in [final_name] + list(first_rounds):
        if name is not None and name not in loop:
            raise SystemExit("%s: the loop has no such model (it has %s)" % (name, ", ".join(names)))
    final_name = final_name or names[-1]
    first_rounds = list(first_rounds) or [names[min(1, len(names) - 1)]]
    v0, final = loop[names[0]], loop[final_name]

    def get(m, label, key):
        return (m.get(label) or {}).get(key)

    basic = [get(final, "basic", "greedy"), get(final, "arithmetic ops=2", "greedy")]
    rows = [("greedy of %s >= maj@16 of %s (arithmetic)" % (first, names[0]), get(loop[first], "arithmetic", "greedy"),
             get(v0, "arithmetic", "maj@16")) for first in first_rounds]
    rows += [
        ("greedy of %s >= 0.442 (arithmetic; moonshot 0.788)" % final_name, get(final, "arithmetic", "greedy"), 0.442),
        ("greedy of %s on one- and two-operation problems >= 0.95 (basic, arithmetic ops=2)" % final_name, min(b for b in basic if b is not None)
         if any(b is not None for b in basic) else None, 0.95),
        ("search of %s beats %s's (arithmetic), at no more tokens" % (final_name, names[0]),
         get(final, "arithmetic", "search"), get(v0, "arithmetic", "search")),
        ("maj@16 above greedy (%s, arithmetic)" % final_name, get(final, "arithmetic", "maj@16"), get(final, "arithmetic", "greedy")),
    ]
    out = ["| target | measured | goal | status |", "|---|---:|---:|---|"]
    for name, value, goal in rows:
        status = "—" if value is None or goal is None else "met" if value >= goal else "missed by %.3f" % (goal - value)
        out.append("| %s | %s | %s | %s |" % (name, loop_table.cell(value), loop_table.cell(goal), status))
    tok_final, tok_v0 = get(final, "arithmetic", "tokens"), get(v0, "arithmetic", "tokens")
    if tok_final is not None and tok_v0 is not None:
        out.append("| search tokens a question, %s against %s (arithmetic) | %s | %s | %s |" % (
            final_name, names[0], loop_table.tokens(tok_final), loop_table.tokens(tok_v0),
            "met" if tok_final <= tok_v0 else "missed"))
    general = final.get("general")
    if general:
        out.append("| general questions declined by %s | %d of %d | 45 of 50 | %s |" % (
            final_name, general["declined"], general["questions"], "met" if general["declined"] >= 45 else "missed"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--loop", help="loop_table.py --json output: the bootstrap's measurements, a key per model")
    ap.add_argument("--start", help="the model the rounds started from (its train_log.json is the lineage's first row)")
    ap.add_argument("--rounds", nargs="*", default=[],
                    help="NAME=FOLDER of each bootstrap round that made this model, in order (NAME=FOLDER:distill "
                         "for a round whose chains alone came down)")
    ap.add_argument("--notes", default="", help="markdown for 'What was tried'")
    ap.add_argument("--final", help="the loop's model this card is of, measured against the targets (default: the last)")
    ap.add_argument("--first-round", action="append", default=[],
                    help="a model of the loop made by one round from v0, measured against v0's maj@16 (repeatable; "
                         "default: the loop's second model)")
    args = ap.parse_args()
    d = args.model_dir
    cfg = load(os.path.join(d, "config.json"))
    train = load(os.path.join(d, "train_log.json"))
    gen = load(os.path.join(d, "generation_config.json"))
    size_mb = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs) / 1e6
    name = os.path.basename(os.path.normpath(d))
    out = [
        "# %s" % name,
        "",
        "A %.1fM-parameter Llama-family model made by this project's recipe ([`models/recipe`](../recipe/README.md)). "
        "It solves arithmetic, everyday word problems and Game of 24 with step-by-step chains that end in one line "
        "`#### ANSWER`. It knows nothing else: to any other question it writes the one line `#### unanswerable`, "
        "which `reason` prints as \"this model cannot answer that\" (exit code 9). It is `reason`'s default model "
        "and the fixture of its engine tests." % (train["parameters"] / 1e6),
        "",
        "## Files",
        "",
        "Hugging Face / Optimum layout, %.1f MB in all:" % size_mb,
        "",
        "- `model.onnx`: decoder with KV cache (opset 17). Inputs `input_ids`, `attention_mask`, `position_ids`, "
        "`past_key_values.{i}.key|value` `[batch, %d, past, %d]`; outputs `logits`, `present.{i}.key|value`." % (
            cfg["num_key_value_heads"], cfg["head_dim"]),
        "- `model.safetensors`: the same weights under `LlamaForCausalLM` names.",
        "- `config.json`, `generation_config.json` (temperature %s, top-p %s), `tokenizer.json` (one token a "
        "character), `tokenizer_config.json`, `chat_template.jinja`, `special_tokens_map.json`." % (
            gen["temperature"], gen["top_p"]),
        "- `eval/`: the held-out sets. `arithmetic.jsonl`: 500 problems, 100 each of 2-6 operations. `word.jsonl`: "
        "300 word problems. `game24.jsonl`: ranks 901-1000 of the Tree-of-Thoughts list. `basic.jsonl`: 300 first "
        "questions (100 one-step sums typed with symbols, 100 in words, 100 short stories).",
        "- `reference_logits.json`: PyTorch fp32 logits that the Java suite checks ONNX Runtime against.",
        "- `train_log.json`: the last training step's log; `SHA256SUMS`.",
        "",
        "## Architecture",
        "",
        "| | |",
        "|---|---|",
        "| parameters | %d |" % train["parameters"],
        "| layers | %d |" % cfg["num_hidden_layers"],
        "| hidden size | %d |" % cfg["hidden_size"],
        "| attention heads / KV heads | %d / %d |" % (cfg["num_attention_heads"], cfg["num_key_value_heads"]),
        "| MLP | SwiGLU, %d |" % cfg["intermediate_size"],
        "| positions | rotary, theta %g, context %d |" % (cfg["rope_theta"], cfg["max_position_embeddings"]),
        "| vocabulary | %d (characters, 6 special tokens) |" % cfg["vocab_size"],
        "",
        "## Data",
        "",
        "Every chain has one worked format. The question's computation comes first as a zero-padded expression. Then "
        "one operation a line, with the rest of the expression rewritten. Then `#### ANSWER`. Several valid paths "
        "exist for most problems, so sampled chains differ and voting has something to vote on.%s" % (
            " This model writes the `aligned` format: a line's operands share one width, and a product of a factor of "
            "100 or more by one digit is split into hundreds and rest (`tasks.FORMATS`)."
            if train.get("chain_format") == "aligned" else ""),
        "",
        "| family | generator | what |",
        "|---|---|---|",
        "| arithmetic | `tasks.py` | 1-6 operations of + - *, operands mostly 1-99, typed as users type them |",
        "| word problems | `word_problems.py` | 48 templates: shopping, travel, rates, ages, sharing, cooking, ... |",
        "| Game of 24 | `tasks.py` | every solvable set of four numbers but the 100 test puzzles |",
        "| sums in words, short stories | `everyday.py` | \"What is 7 plus 5?\", \"Tom has 5 apples and buys ...\" |",
        "| out of scope | `everyday.py` | general knowledge, chit-chat, requests: answered `#### unanswerable` |",
        "| distilled | `reason distill` | chains the previous model's own search found and checked |",
        "",
        "The mixes are `tasks.MIXES` (`v0` for the first model, `everyday` after). Held-out problems never enter "
        "training: `data.HeldOut` drops them from every stream and from the questions of a round.",
        "",
        "## How it was made",
        "",
        "Each bootstrap round asks the current model fresh questions, with no answers, through `reason distill`. It "
        "keeps the chains whose answer won the vote and passed the arithmetic check. The next model is fine-tuned on "
        "them, mixed with the synthetic stream. A round may also ask nothing new and train on chains already kept.",
        "",
    ]
    if args.start:
        out += lineage(args.start, args.rounds)
    out += ["", "Hardware: %s, torch %s, %s; %d optimizer steps of %d sequences in the last step." % (
        train["device"], train["torch"], "bf16 autocast" if train.get("bf16") else "fp32", train["steps"], train["batch"])]
    if args.loop:
        loop, asked = loop_table.load(args.loop)
        out += ["", "## Evaluation", "",
                "Every model on the same held-out sets, in one table. greedy, pass@1 and maj@16 come from "
                "`reason bench --samples 16` (plain majority, no checks). search is `reason`'s default search (the "
                "`verified` strategy, `ac-beta` stopping, a 32-sample budget), with its tokens a question.", ""]
        out += loop_table.markdown(loop, asked).split("\n")
        out += ["", "## Targets", ""] + targets(loop, args.final, args.first_round)
    if args.notes:
        out += ["", "## What was tried", "", args.notes]
    out += ["", "## Reproduce", "", "From a clean checkout, with Debian's `python3-torch`, `python3-onnx` and "
            "`libopenblas0-pthread`:", "", "```sh"]
    if args.rounds:
        out += ["bash models/recipe/reason-mini.sh build/reason-mini     # every step above, then the evaluations",
                "```", "",
                "Each step skips what is done, so a killed run continues. The rounds land in `build/reason-mini/` (%s), "
                "each with its model and its evaluation in `eval/`. The fine-tuning steps are fixed; v0 trains on a "
                "70-minute clock, so a rerun gives a model of the same recipe and similar scores, not the same bytes. Training "
                "runs under bf16 autocast where the CPU has bf16 instructions, else in fp32, several times slower; each "
                "round's train_log.json says which." % ", ".join(
                    "`%s`" % os.path.basename(r.split("=", 1)[1].split(":")[0]) for r in args.rounds), ""]
    else:
        out += ["/usr/bin/python3 models/recipe/train.py --minutes %.0f --out build/v0/train" % (train["seconds"] / 60),
                "/usr/bin/python3 models/recipe/export.py --checkpoint build/v0/train/checkpoint.pt --out build/v0/model",
                "```", "", "A time budget decides how many steps run, so a rerun gives a model of the same recipe "
                "and similar scores, not the same bytes.", ""]
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write("\n".join(out))
    from export import write_sums
    write_sums(d)  # the card and the evaluation came after the export
    print("wrote", os.path.join(d, "README.md"), "and SHA256SUMS")


if __name__ == "__main__":
    main()
