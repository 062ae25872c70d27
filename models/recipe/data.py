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
    for family, problems in eval_sets().items():
        with open(os.path.join(out_dir, family + ".jsonl"), "w", encoding="utf-8") as f:
            for p in problems:
                f.write(json.dumps(public(p), ensure_ascii=False) + "\n")


def read_eval_set(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class TrainingStream:
    """Endless (prompt_ids, target_ids) pairs; loss is taken on target_ids only."""

    def __init__(self, seed, max_len):
        self.rng = random.Random(seed)
        self.sampler = tasks.Sampler()
        self.max_len = max_len
        held = eval_sets()
        self.held_exprs = {tasks.render(p["tree"]) for p in held["arithmetic"]}
        self.held_questions = {p["question"] for p in held["word"]}

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            question, chain = self.sampler.sample(self.rng)
            if question in self.held_questions or chain.split("\n", 1)[0] in self.held_exprs:
                continue
            p = vocab.encode(vocab.prompt(question))
            t = vocab.encode(chain) + [vocab.EOS]
            if len(p) + len(t) <= self.max_len:
                return p, t


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
