#!/usr/bin/env python3
"""Writes generated.json here: random templates built from the expression forms chat templates use (not, and/or,
in, not in, is tests, comparisons, filters, [::-1], namespace(...) with operators, whitespace control, ternaries,
loop filters), each with the output jinja2 renders, for ChatTemplateTest to compare with jinjava after
JinjaCompat's rewrites. Seeded: the same file every run. Left out, as jinjava differs from Jinja there and no
rewrite of the template text can help: a none or undefined value under an is test (jinjava treats both as null)
and a boolean under 'is number' (a number in Python). Run from this folder with python3 (jinja2 3.x)."""
import json
import os
import random

from jinja2.sandbox import ImmutableSandboxedEnvironment

COUNT = 200
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
rng = random.Random(7)
STRINGS = ["q", "'x'", "'q'", "m.role", "''", "(q ~ 'x')", "(q|trim)"]
NUMBERS = ["n", "(messages|length)", "(n - 1)", "ns.k", "(xs[::-1]|length)", "0", "(messages|length - 1)"]
# is-test operands: defined values, not a bool (a number in Python); filtered ones too (JinjaCompat parenthesizes)
TESTED = ["q", "m.role", "n", "ns.k", "xs", "messages|length", "q|trim", "xs|first", "q|lower|trim", "m.role|upper"]
VARIABLES = dict(messages=[{"role": "user", "content": "What is 3 + 4?"}], q="What is 3 + 4?", n=2,
                 add_generation_prompt=True)


def comparison(depth):
    r = rng.random()
    if r < 0.2:
        return rng.choice(STRINGS) + " in " + rng.choice(["q", "xs", "['user', 'x']"])
    if r < 0.3:
        return rng.choice(STRINGS) + " not in " + rng.choice(["q", "xs"])
    if r < 0.45:
        return rng.choice(TESTED) + " is " + rng.choice(["defined", "string", "not none", "number", "not defined"])
    if r < 0.6:
        return rng.choice(NUMBERS) + rng.choice([" == ", " != ", " > ", " < ", " >= "]) + rng.choice(NUMBERS)
    if r < 0.7:
        return rng.choice(STRINGS) + rng.choice([" == ", " != "]) + rng.choice(STRINGS)
    if r < 0.8 and depth < 2:
        return "(" + expression(depth + 1) + ")"
    return rng.choice(STRINGS + NUMBERS + ["true", "false", "ns.z"])


def expression(depth=0):
    r = rng.random()
    if r < 0.35:
        return "not " + comparison(depth)
    if r < 0.55 and depth < 3:
        return comparison(depth) + rng.choice([" and ", " or "]) + expression(depth + 1)
    if r < 0.62:
        return "not not " + comparison(depth)
    return comparison(depth)


def template():
    def ws():
        return rng.choice(["", "-"])
    lines = ["{%- set ns = namespace(k=messages|length - 1, z=not q) %}", "{%- set xs = ['a', 'user'] %}",
             "{%- set m = messages[0] %}"]
    for _ in range(3):
        e = expression()
        kind = rng.random()
        if kind < 0.5:
            lines.append("{%" + ws() + " if " + e + " " + ws() + "%}Y{%" + ws() + " else " + ws() + "%}N{%" + ws()
                         + " endif " + ws() + "%}")
        elif kind < 0.8:
            lines.append("{{" + ws() + " 'Y' if " + e + " else 'N' " + ws() + "}}")
        else:
            lines.append("{% for m in messages if " + e + " %}{{ m.role }}{% endfor %}")
        lines.append("|")
    return "\n".join(lines)


cases = []
for _ in range(COUNT):
    t = template()
    cases.append({"template": t, "expected": env.from_string(t).render(**VARIABLES)})
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "generated.json"), "w", encoding="utf-8") as f:
    json.dump({"variables": VARIABLES, "cases": cases}, f, indent=0)
print("generated.json:", len(cases), "cases")
