"""The bootstrap's table: a row per model, from the folders `bootstrap.sh evaluate` wrote.

    /usr/bin/python3 models/recipe/loop_table.py v0=build/bootstrap/v0/eval v1=build/bootstrap/vote-r1/eval [--json OUT]
    /usr/bin/python3 models/recipe/loop_table.py --previous loop.json v9=build/bootstrap/mix-r9/eval [--json OUT]

For each held-out set: greedy, pass@1 and maj@16 of 16 samples (reason bench), then the default search's accuracy and
tokens per question (reason --questions, a 32-sample budget). Arithmetic, word problems and the first questions
(eval/basic.jsonl) are also split by their number of operations. Last, how many of the hand-written general questions were declined.
With --previous, the rows of a table written before (--json) come first, and the new models' search rows count only
the questions that table's search asked, so one table compares every model on the same questions.
"""
import argparse
import json
import os

EVAL = os.path.join(os.path.dirname(__file__), "..", "reason-mini", "eval")
DECLINED = "unanswerable"


def bench_rows(folder):
    path = os.path.join(folder, "summary.json")
    if not os.path.exists(path):
        return {}
    names = {("greedy", 1): "greedy", ("majority", 1): "pass@1", ("coverage", 1): "pass@1", ("majority", 16): "maj@16"}
    rows = {}
    for r in json.load(open(path))["rows"]:
        name = names.get((r["method"], r["k"]))
        if name:  # Game of 24 has no vote: its pass@1 is coverage@1, the same number
            rows.setdefault((r["group"], name), r["accuracy"])
    return rows


def search_results(folder, name, problems):
    """The search's records by question id (its line number in the held-out file), or None for a run not finished.

    A search may ask a part of the set (bootstrap.sh evaluate's N): the asked lines are search-NAME.questions.jsonl."""
    path = os.path.join(folder, "search-%s.jsonl" % name)
    if not os.path.exists(path):
        return None
    asked = os.path.join(folder, "search-%s.questions.jsonl" % name)
    wanted = len(problems) if not os.path.exists(asked) else sum(1 for l in open(asked, encoding="utf-8") if l.strip())
    results = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    if len(results) < wanted:
        return None  # a run still going, or cut short: no partial numbers beside whole ones
    return {str(r.get("id", n)): r for n, r in enumerate(results, 1)}


def search_rows(results, problems, key, ids):
    """Accuracy and tokens per question of the search on the questions `ids`, overall and per key(problem)."""
    groups = {}
    for n, problem in enumerate(problems, 1):
        if str(n) in ids:
            r = results[str(n)]
            for g in ("all", key(problem)):
                groups.setdefault(g, []).append(r)
    return {g: (sum(bool(r.get("correct")) for r in rs) / len(rs), sum(r.get("tokens", 0) for r in rs) / len(rs))
            for g, rs in groups.items()}


def read(name):
    with open(os.path.join(EVAL, name + ".jsonl"), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


SETS = ["arithmetic", "word", "game24", "basic"]


def common_questions(folders, before=None):
    """Per set, the questions every model's finished search asked (and `before`'s, when given), so that search rows
    compare like with like."""
    common = {}
    for name in SETS:
        problems = read(name)
        asked = [set(r) for r in (search_results(f, name, problems) for f in folders) if r is not None]
        if before is not None:
            asked.append(set(before.get(name, [])))
        common[name] = set.intersection(*asked) if asked else set()
    return common


def measure(folder, common):
    out = {}
    for name in SETS:
        problems = read(name)
        bench = bench_rows(os.path.join(folder, "bench-" + name))
        results = search_results(folder, name, problems)
        # grouped by the number of operations, as reason bench groups them
        search = {} if results is None else search_rows(results, problems, lambda p: str(p["difficulty"]), common[name])
        for group in sorted(set(search) | {g for g, _ in bench}, key=lambda g: (g != "all", g)):
            if name == "game24" and group != "all":
                continue
            label = name if group == "all" else "%s ops=%s" % (name, group)
            out[label] = {m: bench.get((group, m)) for m in ("greedy", "pass@1", "maj@16")}
            if name == "game24":
                out[label]["maj@16"] = None  # no single answer to vote on: any expression that makes 24 is right
            if group in search:
                out[label]["search"], out[label]["tokens"] = search[group]
    general = os.path.join(folder, "search-general.jsonl")
    if os.path.exists(general):
        rows = [json.loads(l) for l in open(general, encoding="utf-8") if l.strip()]
        out["general"] = {"declined": sum(bool(r.get("declined")) or r.get("answer") == DECLINED for r in rows),
                          "questions": len(rows)}
    return out


def cell(v):
    return "—" if v is None else "%.3f" % v


def tokens(v):
    return "—" if v is None else "{:,.0f}".format(v)


def markdown(models, asked):
    """The table of `models` (name: measure()); `asked`: per set, how many questions every model's search asked."""
    labels = []
    for m in models.values():
        labels += [l for l in m if l != "general" and l not in labels]
    lines = ["| set | model | greedy | pass@1 | maj@16 | search | search tokens/question |", "|---|---|---:|---:|---:|---:|---:|"]
    for label in labels:
        for name, m in models.items():
            r = m.get(label)
            if r:
                lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (label, name, cell(r["greedy"]), cell(r["pass@1"]),
                             cell(r["maj@16"]), cell(r.get("search")), tokens(r.get("tokens"))))
    for name in SETS:
        total = len(read(name))
        if asked.get(name) and asked[name] < total:
            lines += ["", "The search rows of %s are on the %d of its %d problems that every model's search asked."
                      % (name, asked[name], total)]
    lines += ["", "| model | general questions declined |", "|---|---:|"]
    for name, m in models.items():
        if "general" in m:
            lines.append("| %s | %d of %d |" % (name, m["general"]["declined"], m["general"]["questions"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", metavar="NAME=DIR")
    ap.add_argument("--json", help="also write the numbers as JSON")
    ap.add_argument("--previous", help="a table written before with --json: its models first, on its questions")
    args = ap.parse_args()
    folders = {}
    for spec in args.models:
        name, _, folder = spec.partition("=")
        if not folder or not os.path.isdir(folder):
            raise SystemExit("%s: give NAME=DIR with DIR a folder that bootstrap.sh evaluate wrote" % spec)
        folders[name] = folder
    models, before = {}, None
    if args.previous:
        try:
            with open(args.previous) as f:
                loop = json.load(f)
            models, before = loop["models"], loop["search_ids"]
        except (OSError, ValueError, KeyError) as e:
            raise SystemExit("%s: not a table that loop_table.py --json wrote (%s)" % (args.previous, e))
    common = common_questions(folders.values(), before)
    models.update({name: measure(folder, common) for name, folder in folders.items()})
    asked = {name: len(common[name]) for name in SETS}
    print(markdown(models, asked))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"models": models, "search_asked": asked,
                       "search_ids": {name: sorted(common[name], key=int) for name in SETS}}, f, indent=1)


def load(path):
    """What main wrote with --json: (models, asked), the arguments of markdown()."""
    with open(path) as f:
        loop = json.load(f)
    return loop["models"], loop["search_asked"]


if __name__ == "__main__":
    main()
