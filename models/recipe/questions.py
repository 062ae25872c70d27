"""Fresh questions for a bootstrap round: drawn by the task generators, never a held-out problem, answers apart.

    /usr/bin/python3 models/recipe/questions.py --count 600 --seed 1 --out build/round1/questions.jsonl

Writes JSON Lines {"id", "question", "family", "difficulty"} with no answer, so `reason distill` must find the
answers by its own search (the label-free rounds); the same lines with "answer" (or a Game of 24 puzzle's
"numbers") go to --labelled, for the label-filtered round that is measured beside them.
"""
import argparse
import json
import random

import data
import everyday
import tasks

# The families a round asks, with their shares: mostly the multi-step ones, where search beats one pass.
ROUND_MIX = (("arithmetic", 0.45), ("word", 0.2), ("game24", 0.1), ("arithmetic1", 0.05), ("spoken", 0.07),
             ("story", 0.08), ("refusal", 0.05))


def draw(rng, pool, held_out, mix):
    r, acc = rng.random() * sum(share for _, share in mix), 0.0
    for family, share in mix:
        acc += share
        if r < acc:
            break
    if family == "game24":
        p, _ = pool.sample(rng)
        return dict(p, answer=None, difficulty="train")
    p = tasks.problem_of(family, rng)
    if "tree" in p and held_out.has(p["question"], tasks.render(p["tree"])):
        return None
    return dict(p, family=family)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True, help="one per round, so each round asks new questions")
    ap.add_argument("--out", required=True, help="the questions without answers")
    ap.add_argument("--labelled", help="the same questions with their answers")
    ap.add_argument("--families", default=",".join(f for f, _ in ROUND_MIX),
                    help="the families to ask, in ROUND_MIX's shares: those the current model was trained on, since a"
                         " vote of a model that cannot do a family agrees on its errors (default: all)")
    ap.add_argument("--min-difficulty", type=int, default=0,
                    help="ask only questions of at least this many operations (a round aimed at hard problems)")
    args = ap.parse_args()
    mix = [(f, share) for f, share in ROUND_MIX if f in args.families.split(",")]
    unknown = set(args.families.split(",")) - {f for f, _ in ROUND_MIX}
    if unknown or not mix:
        raise SystemExit("--families takes some of %s, got %s" % (", ".join(f for f, _ in ROUND_MIX), args.families))
    rng, pool, held_out = random.Random(1000 + args.seed), tasks.Game24Pool(), data.HeldOut()
    seen, rows = set(), []
    while len(rows) < args.count:
        p = draw(rng, pool, held_out, mix)
        if p is None or p["question"] in seen:
            continue
        seen.add(p["question"])
        # an id counts every question drawn, asked or not, so a filtered round's ids are its unfiltered ones
        if args.min_difficulty and not (isinstance(p["difficulty"], int) and p["difficulty"] >= args.min_difficulty):
            continue
        row = {"id": "r%d-%d" % (args.seed, len(seen)), "question": p["question"], "family": p["family"],
               "difficulty": p["difficulty"]}
        labelled = dict(row, answer=p["answer"]) if p["family"] != "game24" else dict(row, numbers=p["numbers"])
        rows.append((row, labelled))
    with open(args.out, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r, _ in rows)
    if args.labelled:
        with open(args.labelled, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(l, ensure_ascii=False) + "\n" for _, l in rows)
    print("wrote %d questions to %s" % (len(rows), args.out))


if __name__ == "__main__":
    main()
