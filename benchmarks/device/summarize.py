#!/usr/bin/env python3
"""The short table that benchmarks/device/run.sh prints last, from what its steps left in the work folder.

    python3 benchmarks/device/summarize.py --work /tmp/reason-device --repo . [--out DIR] [--partial STEP --quiet]

Reads WORK/status.tsv (one line per step: key, status, exit code, seconds, note; the last line of a key wins),
WORK/env.txt (key=value) and the result files under WORK/results; writes DIR/summary.md and DIR/summary.json
when --out is given (each replaced whole, never left half-written) and prints the same text unless --quiet.
--partial STEP marks the summary as one that run.sh writes after each step, so that a run cut off by the device
tool's limit still brings back a summary of what it finished; the final one replaces it. Standard library only:
it runs wherever python3 does.
"""
import argparse
import csv
import json
import math
import os
import re
import sys
import xml.etree.ElementTree as ET

CHAINS = [1, 16, 64, 256]
MODELS = ["reason-mini", "llama-small", "qwen2-tiny", "qwen3-tiny", "qwen2-0.5b"]  # the last: 5 prompts of 8 steps
PRECISIONS = ["fp32", "bf16"]


def read_status(path):
    status = {}
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3:
                    status[parts[0]] = {"status": parts[1], "rc": parts[2],
                                        "seconds": parts[3] if len(parts) > 3 else "",
                                        "note": parts[4] if len(parts) > 4 else ""}
    return status


def read_env(path):
    env = {}
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k.strip()] = v.strip()
    return env


def read_csv(path):
    if not os.path.isfile(path):
        return None
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def read_text(path):
    """A small file's text, or "" when it is not there."""
    if not os.path.isfile(path):
        return ""
    with open(path) as f:
        return f.read()


def num(x):
    try:
        v = float(x)
        return v if math.isfinite(v) else None
    except (TypeError, ValueError):
        return None


def fmt_tps(v):
    return "%.0f" % v if v is not None else None


def why_missing(st, key):
    """A cell for a value that is not there: why, from the step's status."""
    s = st.get(key)
    if s is None:
        return "not run"
    if s["status"] == "skipped":
        return "skipped"
    if s["status"] == "timeout":
        return "timed out"
    if s["status"] == "fail":
        return "failed (exit %s)" % s["rc"]
    return "n/a"


def missing_row(st, key):
    """A table row the step did not produce: '-' when the step ran fine (e.g. fewer chains), else why."""
    s = st.get(key)
    return "-" if s is not None and s["status"] == "ok" else why_missing(st, key)


def first_col(row, names):
    for n in names:
        if n in row and row[n] not in (None, ""):
            return row[n]
    return None


def transformers_tps(row):
    """Decode tokens/s of a row of hf_generate.py's CSV (its end-to-end tps where the row has no decode_tps)."""
    return num(first_col(row, ["decode_tps", "tps"])) if row else None


def throughput_rows(path, device):
    """{parallel: row} for one device from a throughput.csv."""
    rows = read_csv(path) or []
    return {int(r["parallel"]): r for r in rows if r.get("device") == device and r.get("parallel", "").isdigit()}


def walk_numbers(node, pattern, found):
    """Every number in a JSON tree whose key matches pattern."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and re.search(pattern, k, re.I):
                found.append(float(v))
            else:
                walk_numbers(v, pattern, found)
    elif isinstance(node, list):
        for v in node:
            walk_numbers(v, pattern, found)
    return found


def check_cell(st, results, model, precision, step="check"):
    """A reason check's verdict and numbers: of the check steps, or (step tune-check) of the tune step's under the
    fastest settings."""
    key = "%s:%s:%s" % (step, model, precision)
    s = st.get(key)
    if s is None or s["status"] == "skipped":
        return why_missing(st, key), None
    path = os.path.join(results, "%s-%s-%s.json" % (step, model, precision))
    data = None
    if os.path.isfile(path):
        try:
            with open(path) as f:
                data = json.load(f)
        except ValueError:
            data = None
    partial = data is not None and data.get("interrupted") is True  # stopped by the step's time cap (SIGINT)
    if s["status"] == "timeout" and not partial:
        return why_missing(st, key), None
    if s["status"] == "ok":
        verdict = "pass"
    elif partial:
        verdict = "TIMED OUT after %s of %s prompts" % (data.get("prompts"), data.get("prompts_asked"))
    else:
        verdict = "FAIL (exit %s)" % s["rc"]
    parts = [verdict]
    info = {"status": s["status"], "rc": s["rc"]}
    if data is not None:
        abs_diffs = walk_numbers(data, r"max.?abs|abs.?max", [])
        rel = walk_numbers(data, r"rel.?l2|l2.?rel|relative", [])
        if abs_diffs:
            parts.append("max abs diff %.1e" % max(abs_diffs))
            info["max_abs_diff"] = max(abs_diffs)
        if rel:
            parts.append("rel L2 %.1e" % max(rel))
            info["rel_l2"] = max(rel)
        matched = walk_numbers(data, r"^(matched|tokens_matched|greedy_matched|greedy_agreed)$", [])
        total = walk_numbers(data, r"^(tokens|greedy_tokens|compared|greedy_prompts)$", [])
        ties = walk_numbers(data, r"^greedy_near_ties$", [])
        if matched and total:
            parts.append("greedy %d/%d%s" % (sum(matched), sum(total),
                                             " (+%d up to a near-tie)" % sum(ties) if sum(ties) else ""))
            info["greedy"] = [sum(matched), sum(total)]
            info["greedy_near_ties"] = int(sum(ties))
    elif s["status"] != "ok":
        parts.append(s["note"] or "no JSON")
    return ", ".join(parts), info


def tests_line(st, results):
    """The GPU tests' counts from JUnit's XML report, with the failing tests named, and the step's verdict when it
    failed; why, when the step did not run."""
    path = os.path.join(results, "tests", "TEST-junit-jupiter.xml")
    s = st.get("tests")
    if not os.path.isfile(path) or s is None or s["status"] == "skipped":
        return "GPU tests: %s" % why_missing(st, "tests"), None
    try:
        root = ET.parse(path).getroot()
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        count = {k: sum(int(x.get(k, 0)) for x in suites) for k in ("tests", "failures", "errors", "skipped")}
    except (ET.ParseError, ValueError) as e:
        return "GPU tests: unreadable report (%s)" % e, None
    failing = [c.get("name", "?").split("(")[0] for c in root.iter("testcase")
               if c.find("failure") is not None or c.find("error") is not None]
    passed = count["tests"] - count["failures"] - count["errors"] - count["skipped"]
    text = "GPU tests (bin/junit): %d passed, %d failed, %d skipped" % (
        passed, count["failures"] + count["errors"], count["skipped"])
    if failing:
        text += "; failing: " + ", ".join(failing[:5]) + (" ..." if len(failing) > 5 else "")
    if s["status"] != "ok":
        text += "; step %s: %s" % (s["status"].upper(), s["note"] or "exit %s" % s["rc"])
    return text, dict(count, failing=failing)


NS_PER_UNIT = {"nsecond": 1.0, "usecond": 1e3, "msecond": 1e6, "second": 1e9}


def ncu_launches(path):
    """Nsight Compute's details CSV (--page details --print-units base) by launch ID: ({id: (kernel, grid)}, {id:
    {metric name: (value, unit)}}); None when the file has no launch."""
    if not os.path.isfile(path):
        return None
    with open(path, newline="") as f:
        lines = f.read().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith('"ID"')), None)
    if start is None:
        return None
    metrics, names = {}, {}  # by launch ID
    for r in csv.DictReader(lines[start:]):
        if not (r.get("ID") or "").isdigit() or r.get("Kernel Name") is None:
            continue  # ncu's own messages (==PROF==, ==WARNING==) share the log file
        launch = int(r["ID"])
        names[launch] = (r["Kernel Name"].split("(")[0], (r.get("Grid Size") or "?").replace(" ", ""))
        value = num((r.get("Metric Value") or "").replace(",", ""))
        if value is not None:
            metrics.setdefault(launch, {})[r.get("Metric Name")] = (value, r.get("Metric Unit"))
    return (names, metrics) if names else None


def ncu_kernels(path):
    """Nsight Compute's details CSV as (rows, steps): one row per kernel and grid with launches, duration in us, mean
    DRAM and SM throughput in % of the peak, longest first; steps, the whole decode steps they cover. A step ends with
    its one sample_rows launch, so with two of them in the window the rows are the launches after the first up to the
    last, divided by the steps between (per step); otherwise every launch, steps 0 (not a whole step). None when there
    is no launch."""
    launches = ncu_launches(path)
    if launches is None:
        return None
    names, metrics = launches
    ends = sorted(i for i, (kernel, _) in names.items() if kernel == "sample_rows")
    steps = len(ends) - 1 if len(ends) >= 2 else 0
    window = [i for i in names if ends[0] < i <= ends[-1]] if steps else list(names)
    by_kernel = {}
    for i in window:
        by_kernel.setdefault(names[i], []).append(metrics.get(i, {}))
    per = steps or 1
    rows = []
    for (kernel, grid), ms in by_kernel.items():
        us = [m["Duration"][0] * NS_PER_UNIT.get(m["Duration"][1], 1.0) / 1e3 for m in ms if "Duration" in m]
        dram = [m["DRAM Throughput"][0] for m in ms if "DRAM Throughput" in m]
        sm = [m["Compute (SM) Throughput"][0] for m in ms if "Compute (SM) Throughput" in m]
        rows.append({"kernel": kernel, "grid": grid, "launches": len(ms) / per, "us": sum(us) / per,
                     "dram_pct": sum(dram) / len(dram) if dram else None, "sm_pct": sum(sm) / len(sm) if sm else None})
    rows.sort(key=lambda r: -r["us"])
    return rows, steps


# The ncu-detail run's sections (run.sh), as Nsight Compute names their metrics: what a kernel's time is made of.
NCU_DETAIL = [("Duration", "us"), ("Compute (SM) Throughput", "SM %"), ("Achieved Occupancy", "occupancy %"),
              ("Issued Warp Per Scheduler", "issued/cycle/scheduler"),
              ("Warp Cycles Per Issued Instruction", "cycles between a warp's instructions")]


def ncu_detail(path):
    """The ncu-detail CSV as {kernel (grid): {label: mean value}} over its launches, for NCU_DETAIL's metrics that
    are there; None when there is no launch."""
    launches = ncu_launches(path)
    if launches is None:
        return None
    names, metrics = launches
    by_kernel = {}
    for i, (kernel, grid) in sorted(names.items()):
        by_kernel.setdefault("%s %s" % (kernel, grid), []).append(metrics.get(i, {}))
    out = {}
    for kernel, ms in by_kernel.items():
        row = {"launches": len(ms)}
        for name, label in NCU_DETAIL:
            values = [m[name][0] * (NS_PER_UNIT.get(m[name][1], 1.0) / 1e3 if name == "Duration" else 1.0)
                      for m in ms if name in m]
            if values:
                row[label] = sum(values) / len(values)
        out[kernel] = row
    return out


def bench_row(summary_path, method="majority", k=None):
    if not os.path.isfile(summary_path):
        return None
    with open(summary_path) as f:
        data = json.load(f)
    rows = [r for r in data.get("rows", []) if r.get("group") == "all" and r.get("method") == method]
    if k is not None:
        rows = [r for r in rows if r.get("k") == k]
    return max(rows, key=lambda r: r.get("k", 0)) if rows else None


def count_lines(path):
    if not os.path.isfile(path):
        return 0
    with open(path) as f:
        return sum(1 for line in f if line.strip())


def main(argv=None):
    ap = argparse.ArgumentParser(description="Summary of a benchmarks/device/run.sh run.")
    ap.add_argument("--work", required=True)
    ap.add_argument("--repo", default=".")
    ap.add_argument("--out")
    ap.add_argument("--partial", metavar="STEP", help="written after STEP, before the run's end")
    ap.add_argument("--quiet", action="store_true", help="write the files only")
    a = ap.parse_args(argv)
    results = os.path.join(a.work, "results")
    st = read_status(os.path.join(a.work, "status.tsv"))
    env = read_env(os.path.join(a.work, "env.txt"))
    out = []
    js = {"env": env, "steps": st}
    gpu = env.get("gpu") == "1"

    title = env.get("gpu_name") or "no GPU (%s)" % env.get("gpu_note", "nvidia-smi not found")
    extra = ", ".join(x for x in (env.get("driver") and "driver " + env["driver"],
                                  env.get("cuda") and "CUDA " + env["cuda"]) if x)
    out.append("== reason on the device: %s%s; bundle %s ==" % (title, " (%s)" % extra if extra else "",
                                                                  env.get("bundle", "?")))
    if a.partial:
        js["partial"] = a.partial
        out.append("PARTIAL: written after step %s; the run stopped before its end (the steps after it are missing)"
                   % a.partial)

    # Throughput on the Qwen2-0.5B-shape model: reason (CUDA) against transformers, and the roofline.
    cuda = throughput_rows(os.path.join(results, "throughput-qwen", "throughput.csv"), "cuda")
    hf = {int(r["parallel"]): r for r in (read_csv(os.path.join(results, "hf-qwen.csv")) or [])}
    out.append("Qwen2-0.5B shape, prompt 128, 256 new tokens per chain: decode tokens/s (prefill excluded)")
    out.append("| chains | reason cuda | transformers bf16 | reason/transformers | roofline | of roofline |")
    out.append("|---:|---:|---:|---:|---:|---:|")
    js["throughput_qwen"] = []
    for n in CHAINS:
        r = cuda.get(n)
        h = hf.get(n)
        ours = num(r["decode_tps"]) if r else None
        theirs = transformers_tps(h)
        roof = num(first_col(r, ["roofline_tps", "roofline_tok_s", "roofline"])) if r else None
        frac = num(first_col(r, ["roofline_fraction", "roofline_share", "of_roofline"])) if r else None
        if frac is None and roof and ours is not None:
            frac = ours / roof
        c_ours = fmt_tps(ours) or ("n/a" if r else missing_row(st, "throughput:qwen-cuda"))
        c_theirs = fmt_tps(theirs) or ("n/a" if h else missing_row(st, "hf:qwen"))
        ratio = "%.2fx" % (ours / theirs) if ours and theirs else ("skipped" if "skipped" in (c_ours, c_theirs) else "-")
        if r:
            c_roof = fmt_tps(roof) or "n/a"
            c_frac = "%.1f%%" % (100 * frac) if frac is not None else "n/a"
        else:
            c_roof = c_frac = c_ours if c_ours in ("skipped", "not run", "timed out") else "-"
        out.append("| %d | %s | %s | %s | %s | %s |" % (n, c_ours, c_theirs, ratio, c_roof, c_frac))
        js["throughput_qwen"].append({"chains": n, "reason_cuda_tps": ours, "transformers_decode_tps": theirs,
                                      "transformers_end_to_end_tps": num(h["tps"]) if h else None,
                                      "roofline_tps": roof, "roofline_fraction": frac})

    # The same command launching kernel by kernel: what recording the decode step as a CUDA graph gains.
    plain = throughput_rows(os.path.join(results, "throughput-qwen-nographs", "throughput.csv"), "cuda")
    if plain or "throughput:qwen-cuda-nographs" in st:
        gains = []
        for n, r in sorted(plain.items()):
            with_graphs = num(cuda[n]["decode_tps"]) if n in cuda else None
            without = num(r["decode_tps"])
            gains.append("%d: %s without, %s" % (n, fmt_tps(without) or "?",
                                                 "%.2fx with" % (with_graphs / without) if with_graphs and without
                                                 else "no graph run"))
            js.setdefault("cuda_graphs", {})[n] = {"with_tps": with_graphs, "without_tps": without}
        out.append("CUDA graphs (decode tok/s, REASON_CUDA_GRAPHS=0 vs default): "
                   + (" · ".join(gains) if gains else why_missing(st, "throughput:qwen-cuda-nographs")))

    # The 64-chain row under other launch settings (run.sh's tune step, in the order it ran them): which the
    # defaults should be, each set against transformers' figure from the same run.
    theirs64 = transformers_tps(hf.get(64))
    tune = []  # (label, decode tok/s or None, cell)
    for key in [k for k in st if k.startswith("tune:")]:
        name = key[len("tune:"):]
        folder = os.path.join(results, "tune-" + name)
        r = throughput_rows(os.path.join(folder, "throughput.csv"), "cuda").get(64)
        tps = num(r["decode_tps"]) if r else None
        settings = read_text(os.path.join(folder, "settings.txt")).strip()  # none: the defaults, or did not run
        versus = " (%.2fx transformers)" % (tps / theirs64) if tps and theirs64 else ""
        tune.append((name + (" (%s)" % settings if settings else ""), tps,
                     (fmt_tps(tps) or why_missing(st, key)) + versus))
        js.setdefault("tune_at_64_chains", []).append({"run": name, "settings": settings or None,
                                                       "reason_cuda_tps": tps,
                                                       "vs_transformers": tps / theirs64 if tps and theirs64
                                                       else None})
    if tune:
        out.append("tune (launch settings, cuda/Tuning.java; best: each one's fastest value together), decode tok/s"
                   " at 64 chains, prompt 128, 256 new tokens:")
        if all(tps is None for _, tps, _ in tune) and len({cell for _, _, cell in tune}) == 1:
            out.append("  all %d runs: %s" % (len(tune), tune[0][2]))  # e.g. skipped: no GPU
        else:
            out.extend("  %s: %s" % (label, cell) for label, _, cell in tune)
    # best's settings over the whole table and under reason check: what making them the defaults would give
    if "tune:best" in st:
        rows = throughput_rows(os.path.join(results, "tune-best", "throughput.csv"), "cuda")
        best = js["tune_best"] = {"throughput": [], "check": {}}
        table = []
        for n in CHAINS:
            tps = num(rows[n]["decode_tps"]) if n in rows else None
            theirs = transformers_tps(hf.get(n))
            if tps is not None:
                table.append("%d: %s%s" % (n, fmt_tps(tps), " (%.2fx)" % (tps / theirs) if theirs else ""))
            best["throughput"].append({"chains": n, "reason_cuda_tps": tps,
                                       "vs_transformers": tps / theirs if tps and theirs else None})
        out.append("  best, every row: " + (" · ".join(table) if table else why_missing(st, "tune:best")))
        checks = []
        for m in ("reason-mini", "qwen2-0.5b"):
            for p in PRECISIONS:
                cell, info = check_cell(st, results, m, p, step="tune-check")
                checks.append("%s %s %s" % (m, p, cell))
                best["check"]["%s:%s" % (m, p)] = info or cell
        out.append("  best, reason check: " + "; ".join(checks))

    # Where a decode step's time goes: each kernel timed with CUDA events (a run without graphs).
    kern = read_csv(os.path.join(results, "throughput-qwen-profile", "kernels.csv")) or []
    if kern or "throughput:qwen-cuda-profile" in st:
        by = {}
        for r in kern:
            by.setdefault(int(r["parallel"]), []).append(r)
        if not by:
            out.append("kernel profile: %s" % why_missing(st, "throughput:qwen-cuda-profile"))
        for n, rs in sorted(by.items()):
            rs.sort(key=lambda r: -float(r["ms"]))
            steps, decode = int(rs[0]["steps"]), float(rs[0]["decode_ms"])
            top = " · ".join("%s %.0f us (%.0f%%)" % (r["kernel"], 1000 * float(r["ms"]) / steps,
                                                     100 * float(r["ms"]) / decode) for r in rs[:5])
            # the draw is a dozen launches of three kernels since rows are sliced: their sum is the sampler's cost
            draw = sum(float(r["ms"]) for r in rs if r["kernel"].startswith("sample_"))
            out.append("kernels at %d chains, per step (profiled, no graphs): %s; the draw (sample_*) %.0f us (%.0f%%);"
                       " all kernels %.0f%% of decode time"
                       % (n, top, 1000 * draw / steps, 100 * draw / decode,
                          100 * sum(float(r["ms"]) for r in rs) / decode))
            js.setdefault("kernels", {})[n] = {r["kernel"]: float(r["ms"]) / steps for r in rs}

    # Why: Nsight Compute's speed of light over one decode step at 64 chains.
    try:
        ncu, ncu_problem = ncu_kernels(os.path.join(results, "ncu-qwen-64.csv")), None
    except (ValueError, KeyError, csv.Error) as e:  # another tool's format: its change must not cost the summary
        ncu, ncu_problem = None, "unreadable CSV (%s)" % e
    if ncu or ncu_problem or "ncu:qwen-64" in st:
        if ncu_problem:
            out.append("ncu: %s" % ncu_problem)
        elif ncu:
            ncu, steps = ncu
            total = sum(r["us"] for r in ncu)
            pct = lambda v: "%.0f%%" % v if v is not None else "?"
            what = ("a decode step at 64 chains, mean of %d" % steps if steps
                    else "64 chains, launches that are not a whole decode step")
            out.append("ncu, %s (%.0f launches, %.0f us of kernels): %s" % (
                what, sum(r["launches"] for r in ncu), total,
                " · ".join("%s %s %.0f us (DRAM %s, SM %s)" % (r["kernel"], r["grid"], r["us"], pct(r["dram_pct"]),
                                                            pct(r["sm_pct"])) for r in ncu[:5])))
            js["ncu_64"] = {"steps": steps, "kernels": ncu}
        else:
            out.append("ncu: %s" % why_missing(st, "ncu:qwen-64"))
    try:
        detail, detail_problem = ncu_detail(os.path.join(results, "ncu-detail-qwen-64.csv")), None
    except (ValueError, KeyError, csv.Error) as e:
        detail, detail_problem = None, "unreadable CSV (%s)" % e
    if detail or detail_problem or "ncu:detail-qwen-64" in st:
        if detail:
            out.append("ncu detail at 64 chains: " + " · ".join(
                "%s, %d launches: %s" % (k, r["launches"], ", ".join(
                    "%s %.3g" % (label, r[label]) for _, label in NCU_DETAIL if label in r))
                for k, r in sorted(detail.items())))
            js["ncu_detail_64"] = detail
        else:
            out.append("ncu detail: %s" % (detail_problem or why_missing(st, "ncu:detail-qwen-64")))

    # The same command on the shipped model, and ONNX Runtime on the 0.5B shape.
    def line(label, path, device, key):
        rows = throughput_rows(path, device)
        if not rows:
            return "%s: %s" % (label, why_missing(st, key))
        js.setdefault("throughput_other", {})[label] = {n: num(r["decode_tps"]) for n, r in rows.items()}
        return "%s: %s" % (label, " · ".join("%d: %s" % (n, fmt_tps(num(r["decode_tps"])) or "?")
                                              for n, r in sorted(rows.items())))
    mini = os.path.join(results, "throughput-mini", "throughput.csv")
    if gpu or "throughput:mini" in st:
        out.append(line("reason-mini decode tok/s, cuda", mini, "cuda", "throughput:mini"))
        out.append(line("reason-mini decode tok/s, cpu", mini, "cpu", "throughput:mini"))
        out.append(line("Qwen2-0.5B shape decode tok/s, cpu (ONNX Runtime)",
                        os.path.join(results, "throughput-qwen-cpu", "throughput.csv"), "cpu", "throughput:qwen-cpu"))
    smoke = os.path.join(results, "throughput-mini-cpu-smoke", "throughput.csv")
    if "throughput:mini-cpu-smoke" in st:
        out.append(line("cpu smoke: reason-mini decode tok/s (32 new tokens)", smoke, "cpu", "throughput:mini-cpu-smoke"))

    # Correctness.
    text, js["tests"] = tests_line(st, results)
    out.append(text)
    out.append("reason check (CUDA engine against ONNX Runtime on the CPU)")
    out.append("| model | fp32 | bf16 |")
    out.append("|---|---|---|")
    js["check"] = {}
    for m in MODELS:
        cells = []
        for p in PRECISIONS:
            cell, info = check_cell(st, results, m, p)
            cells.append(cell)
            js["check"]["%s:%s" % (m, p)] = info or cell
        label = m + (" (5 prompts x 8 steps)" if m == "qwen2-0.5b" else "")
        out.append("| %s | %s | %s |" % (label, cells[0], cells[1]))

    # Accuracy.
    ref = bench_row(os.path.join(a.repo, "benchmarks", "results", "arithmetic-k32", "summary.json"), k=16)
    ref_acc = ref["accuracy"] if ref else None
    cu_dir = os.path.join(results, "bench-arith-cuda")
    cu = bench_row(os.path.join(cu_dir, "summary.json"), k=16)
    ref_txt = "cpu %.3f (recorded, benchmarks/results/arithmetic-k32)" % ref_acc if ref_acc is not None else "cpu n/a"
    if cu:
        diff = " = %+.1f pts" % (100 * (cu["accuracy"] - ref_acc)) if ref_acc is not None else ""
        out.append("arithmetic maj@16: cuda %.3f (%d problems, 95%% CI %.3f-%.3f) vs %s%s"
                   % (cu["accuracy"], cu["problems"], cu["ci_low"], cu["ci_high"], ref_txt, diff))
    else:
        done = count_lines(os.path.join(cu_dir, "results.jsonl"))
        state = why_missing(st, "bench:arith-cuda")
        if done:
            state += ", %d problems in results.jsonl (run.sh bench resumes)" % done
        out.append("arithmetic maj@16: cuda %s vs %s" % (state, ref_txt))
    js["arithmetic_maj16"] = {"cuda": cu, "cpu_recorded": ref_acc}
    if "bench:arith-cpu-smoke" in st:
        sm = bench_row(os.path.join(results, "bench-arith-cpu-smoke", "summary.json"))
        out.append("cpu smoke: bench %s" % ("maj@%d %.3f on %d problems" % (sm["k"], sm["accuracy"], sm["problems"])
                                            if sm else why_missing(st, "bench:arith-cpu-smoke")))

    counts = {}
    for k, s in st.items():
        counts.setdefault(s["status"], []).append(k)
    failed = counts.get("fail", []) + counts.get("timeout", [])
    out.append("steps: %d ok, %d failed%s, %d skipped; logs and results in results.tar.gz"
               % (len(counts.get("ok", [])), len(failed), " (%s)" % " ".join(sorted(failed)) if failed else "",
                  len(counts.get("skipped", []))))
    text = "\n".join(out) + "\n"
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        write_whole(os.path.join(a.out, "summary.md"), text)
        write_whole(os.path.join(a.out, "summary.json"), json.dumps(js, indent=1, default=str))
    if not a.quiet:
        sys.stdout.write(text)
    return 0


def write_whole(path, text):
    """Replaces path by a rename, so that a run killed while writing leaves the previous version whole."""
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    sys.exit(main())
