#!/usr/bin/env python3
"""Where ONNX Runtime's time goes, from the profile that REASON_ORT_PROFILE=PREFIX makes the CPU engine write.

    REASON_ORT_PROFILE=/tmp/ort ./reason bench ...        # prints "cpu: ONNX Runtime's profile is in FILE"
    python3 benchmarks/ort-profile.py FILE [--runs N]

Prints each operator type's share of the nodes' time, its time a run, and how many nodes of it a run has
(prefills are runs too: few beside the decode steps of a bench).
"""
import argparse
import collections
import json


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("profile", help="the JSON file ONNX Runtime wrote")
    args = ap.parse_args()
    try:
        with open(args.profile) as f:
            events = json.load(f)
    except (OSError, ValueError) as e:  # missing, unreadable or not ONNX Runtime's JSON: one line
        raise SystemExit("ort-profile.py: cannot read %s as ONNX Runtime's profile (%s)" % (args.profile, e))
    if not isinstance(events, list):
        raise SystemExit("ort-profile.py: %s is JSON but not ONNX Runtime's profile (a list of events)" % args.profile)
    by_op = collections.Counter()
    nodes = collections.Counter()
    runs = 0
    run_us = 0
    for e in events:
        if e.get("cat") == "Session" and e.get("name") == "model_run":
            runs += 1
            run_us += e["dur"]
            continue
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        a = e.get("args", {})
        op = a.get("op_name", "?")
        by_op[op] += e["dur"]
        nodes[op] += 1
    total = sum(by_op.values())
    if not runs or not total:
        raise SystemExit("%s: no runs or nodes in this profile" % args.profile)
    print("%d runs, %.3f ms a run, of which nodes %.3f ms" % (runs, run_us / runs / 1000, total / runs / 1000))
    print("| operator | share | ms a run | nodes a run |")
    print("|---|---:|---:|---:|")
    for op, us in by_op.most_common():
        print("| %s | %.1f%% | %.3f | %.0f |" % (op, 100 * us / total, us / runs / 1000, nodes[op] / runs))


if __name__ == "__main__":
    main()
