"""How many of a distilled file's kept chains reach the right answer, by question family.

    /usr/bin/python3 models/recipe/kept_precision.py ROUND_DIR...

Each ROUND_DIR holds distilled.jsonl (what `reason distill` kept) and labelled.jsonl (the questions' answers, which
the label-free filter never saw). Prints one Markdown table: a row per family, a column per round.
"""
import ast
import collections
import json
import os
import sys
from fractions import Fraction


def value(node, used):
    """The exact value of an expression of numbers, + - * / and brackets; its numbers go to `used`."""
    if isinstance(node, ast.Expression):
        return value(node.body, used)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        used.append(node.value)
        return Fraction(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div):
        a, b = value(node.left, used), value(node.right, used)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        return a / b
    raise ValueError("not an expression of numbers")


def right(answer, question):
    """Whether a kept chain's answer is right: the label, or for Game of 24 an expression of its numbers making 24."""
    if "numbers" not in question:
        return answer == str(question["answer"])
    used = []
    try:
        text = answer.replace("×", "*").replace("÷", "/").replace("x", "*")
        return value(ast.parse(text, mode="eval"), used) == 24 and sorted(used) == sorted(question["numbers"])
    except (SyntaxError, ValueError, ZeroDivisionError):
        return False


def precision(round_dir):
    """{family: (right, kept)} for one round."""
    labels = {}
    with open(os.path.join(round_dir, "labelled.jsonl")) as f:
        for line in f:
            q = json.loads(line)
            labels[q["id"]] = q
    counts = collections.defaultdict(lambda: [0, 0])
    with open(os.path.join(round_dir, "distilled.jsonl")) as f:
        for line in f:
            chain = json.loads(line)
            q = labels[chain["id"]]
            c = counts[q["family"]]
            c[0] += right(chain["answer"], q)
            c[1] += 1
    return counts


def main():
    if len(sys.argv) < 2:
        raise SystemExit("usage: kept_precision.py ROUND_DIR... (each with distilled.jsonl and labelled.jsonl)")
    rounds = [(os.path.basename(os.path.normpath(d)), precision(d)) for d in sys.argv[1:]]
    families = sorted({f for _, counts in rounds for f in counts})
    print("| family | " + " | ".join(name for name, _ in rounds) + " |")
    print("|---|" + "---:|" * len(rounds))
    for family in families:
        cells = ["%d of %d" % tuple(counts[family]) if family in counts else "—" for _, counts in rounds]
        print("| %s | %s |" % (family, " | ".join(cells)))


if __name__ == "__main__":
    main()
