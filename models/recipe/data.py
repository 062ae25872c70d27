"""Held-out evaluation sets (JSONL {question, answer, family, difficulty}) and the training stream.

Training never sees a held-out problem: the stream skips any problem whose canonical expression
(arithmetic) or question text (word problems) is in the held-out sets, and Game of 24 test puzzles
(ranks 901-1000) are excluded from the training pool in tasks.Game24Pool.
"""
import argparse
import json
import os
import random

import tasks
import vocab

EVAL_SEED = 1234
DEV_SEED = 4321         # a second arithmetic set for choosing search settings, so the held-out set stays unseen
BASIC_SEED = 2468       # the held-out first questions (one-step sums, sums in words, everyday stories)
BASIC_PER_FAMILY = 100
ARITH_PER_LEVEL = 100   # 2..6 operations -> 500 problems
WORD_COUNT = 300


def eval_sets():
    rng = random.Random(EVAL_SEED)
    arith = [tasks.arithmetic_problem(rng, n) for n in range(2, 7) for _ in range(ARITH_PER_LEVEL)]
    word = [tasks.word_problem(rng) for _ in range(WORD_COUNT)]
    game = []
    for numbers in tasks.game24_test_puzzles():
        p = tasks.game24_problem(rng, numbers)
        game.append(p)
    return {"arithmetic": arith, "word": word, "game24": game}


def all_eval_sets():
    """The held-out sets a model directory ships in eval/: eval_sets() and basic_set()."""
    return dict(eval_sets(), basic=basic_set())


def basic_set():
    """What a new user asks first, held out: one-operation sums typed with symbols, sums in words, short stories."""
    import everyday
    rng = random.Random(BASIC_SEED)
    return ([dict(tasks.arithmetic_problem(rng, 1), family="arithmetic1") for _ in range(BASIC_PER_FAMILY)]
            + [everyday.spoken(rng) for _ in range(BASIC_PER_FAMILY)]
            + [everyday.story(rng) for _ in range(BASIC_PER_FAMILY)])


def dev_arithmetic(per_level):
    """Arithmetic problems drawn like the held-out set but with another seed, minus any held-out expression."""
    rng = random.Random(DEV_SEED)
    held = {tasks.render(p["tree"]) for p in eval_sets()["arithmetic"]}
    out = []
    for n in range(2, 7):
        level = []
        while len(level) < per_level:
            p = tasks.arithmetic_problem(rng, n)
            if tasks.render(p["tree"]) not in held:
                level.append(p)
        out += level
    return out


def dev_game24():
    """Ranks 801-900 of the Tree-of-Thoughts list, the next hardest after the test puzzles, phrased as the held-out
    ones are (seed DEV_SEED). Every solvable set but the test puzzles is in the training stream, so these were
    trained on: a development set for choosing search settings, easier than unseen puzzles."""
    rng = random.Random(DEV_SEED)
    return [dict(tasks.game24_problem(rng, numbers), difficulty="dev") for numbers in tasks.game24_ranked_puzzles(801, 900)]


def public(problem):
    """The record shipped in the eval files (the tree stays internal)."""
    out = {k: problem[k] for k in ("question", "answer", "family", "difficulty")}
    if "numbers" in problem:
        out["numbers"] = problem["numbers"]
    return out


def write_eval_sets(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for family, problems in all_eval_sets().items():
        with open(os.path.join(out_dir, family + ".jsonl"), "w", encoding="utf-8") as f:
            for p in problems:
                f.write(json.dumps(public(p), ensure_ascii=False) + "\n")


def read_eval_set(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class HeldOut:
    """Recognises a held-out problem by its question text or its canonical expression (a chain's first line)."""

    def __init__(self):
        held = all_eval_sets()
        self.exprs = {tasks.render(p["tree"]) for p in held["arithmetic"] + held["basic"]}
        self.questions = {p["question"] for p in held["word"] + held["basic"]}

    def has(self, question, expression=None):
        return question in self.questions or expression in self.exprs


class TrainingStream:
    """Endless (prompt_ids, target_ids) pairs in a mix of tasks.MIXES; loss is taken on target_ids only."""

    def __init__(self, seed, max_len, mix=tasks.MIX_V0, fmt=tasks.FORMATS["fixed"]):
        self.rng = random.Random(seed)
        self.sampler = tasks.Sampler(mix, fmt)
        self.max_len = max_len
        self.held_out = HeldOut()

    def __iter__(self):
        return self

    def state(self):
        return self.rng.getstate()

    def restore(self, state):
        self.rng.setstate(state)

    def __next__(self):
        while True:
            question, chain = self.sampler.sample(self.rng)
            if self.held_out.has(question, chain.split("\n", 1)[0]):
                continue
            pair = encode_pair(question, chain, self.max_len)
            if pair:
                return pair


def encode_pair(question, chain, max_len):
    """(prompt ids, target ids ending in EOS) as the chat template renders them, or None when over max_len."""
    p = vocab.encode(vocab.prompt(question))
    t = vocab.encode(chain) + [vocab.EOS]
    return (p, t) if len(p) + len(t) <= max_len else None


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Write the held-out evaluation sets.")
    ap.add_argument("--out", required=True, help="folder for arithmetic.jsonl, word.jsonl, game24.jsonl")
    ap.add_argument("--dev", type=int, metavar="N",
                    help="instead, write the development sets: arithmetic-dev.jsonl, N problems per level (2-6"
                         " operations), seed %d, and game24-dev.jsonl, ranks 801-900 (trained on)" % DEV_SEED)
    args = ap.parse_args()
    if args.dev:
        os.makedirs(args.out, exist_ok=True)
        for name, problems in (("arithmetic-dev.jsonl", dev_arithmetic(args.dev)), ("game24-dev.jsonl", dev_game24())):
            with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
                for p in problems:
                    f.write(json.dumps(public(p), ensure_ascii=False) + "\n")
        print("wrote the development sets to", args.out)
    else:
        write_eval_sets(args.out)
        print("wrote held-out sets to", args.out)
