#!/usr/bin/env python3
"""Writes NAME.expected beside each NAME.jinja here: the prompt transformers' apply_chat_template renders for one
user question (jinja2 with trim_blocks, lstrip_blocks and loopcontrols; raise_exception, strftime_now and tojson
as transformers defines them), with strftime_now fixed to 2025-01-05 so that the files do not change with the day.
ChatTemplateTest renders the same templates with jinjava and compares. VARIANTS adds renders with a system message
before the question and with extra template variables (apply_chat_template's **kwargs) as NAME.VARIANT.expected. Run from this folder with python3 (jinja2
3.x, Debian's python3-jinja2)."""
import datetime
import glob
import json
import os

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

QUESTION = "  What is 12 \u00d7 7 - 5?  "
DAY = datetime.datetime(2025, 1, 5)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda fmt: DAY.strftime(fmt)
SYSTEM = "You are terse.\nAnswer with a number."
VARIANTS = {
    "think-namespace": {"no-thinking": {"variables": {"enable_thinking": False}}, "system": {"system": SYSTEM}},
    "chatml-tools": {"system": {"system": SYSTEM}},
    "chatml-loop": {"system": {"system": SYSTEM}},
    "header-ids": {"system": {"system": SYSTEM}},
    "guards": {"system": {"system": SYSTEM}},
}
here = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(here, "*.jinja"))):
    name = os.path.basename(path)[:-len(".jinja")]
    with open(path, encoding="utf-8") as f:
        template = env.from_string(f.read())
    for variant, options in [("", {})] + sorted(VARIANTS.get(name, {}).items()):
        system = [{"role": "system", "content": options["system"]}] if "system" in options else []
        out = template.render(messages=system + [{"role": "user", "content": QUESTION}], add_generation_prompt=True,
                              bos_token="<s>", eos_token="</s>", **options.get("variables", {}))
        expected = os.path.join(here, name + ("." + variant if variant else "") + ".expected")
        with open(expected, "w", encoding="utf-8", newline="") as f:
            f.write(out)
        print(os.path.basename(expected), len(out))
