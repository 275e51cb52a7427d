#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Small readers and writers of the bench's JSON files, for the shell
scripts (tested in tests/test_runtools.py).

usage:
  runtools.py planted SUMMARY          exit 0 if the boot failed for both planted
                                       reasons: the failing test and the WARN (boot.sh)
  runtools.py caught SUMMARY           what caught a mutant, one line (mutate.sh)
  runtools.py baseline SUMMARY OUT     write an expectation file of the mm tests
                                       (baseline.sh)
  runtools.py benchmeta OUT REPS SPEED_BOOTS CLOCK PROFILE LOCK_ITERS BOOT...
                                       write make bench's meta.json (bench.sh;
                                       environment: TREE_STATE, KERNEL_SOURCE)
"""

import json
import os
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def planted(summary):
    """Did a bench-negative boot fail for the planted test and the WARN?"""
    test = any("bench:deliberate-failure" in p for p in summary.get("problems", []))
    warn = any("WARNING:" in line for line in summary.get("splats", []))
    return test and warn


def caught(summary):
    """The failed tests, first splat and timeouts of a mutant's boot."""
    if summary is None:
        return "no verdict (boot did not finish)"
    fails = [r["name"] for r in summary.get("results", []) if r["status"] == "fail"]
    parts = []
    if fails:
        parts.append("tests: " + ", ".join(fails))
    if summary.get("splats"):
        parts.append("splat: `" + summary["splats"][0].strip()[:100].replace("|", "/") + "`")
    for p in summary.get("problems", []):
        if "timed out" in p or "missing" in p:
            parts.append(p[:100])
    return "; ".join(parts) or "-"


def baseline(summary):
    """The expectation file's text for the mm tests of a boot, and their count."""
    lines = ["# Upstream mm selftests on unpatched 6.12 under this bench (make baseline).\n",
             "# status NAME # reason (every skip and fail needs one)\n"]
    n = 0
    for r in summary["results"]:
        if not r["name"].startswith("mm:"):
            continue
        n += 1
        st = {"pass": "pass", "skip": "skip"}.get(r["status"], "fail")
        reason = " # TODO reason: %s" % r["directive"] if st != "pass" else ""
        lines.append("%s %s%s\n" % (st, r["name"], reason))
    return "".join(lines), n


def benchmeta(out, reps, nboots, clock, profile, iters, boots, tree_state="",
              kernel_source="unknown"):
    """make bench's meta.json; a second run into the same folder (say
    BENCH_PARTS=lock) adds its boots."""
    if os.path.exists(out):
        boots = sorted(set(boots) | set(load(out).get("boots", [])))
    meta = {"reps": reps, "speed_boots": nboots, "patched_tree": tree_state,
            "kernel_source": kernel_source, "speed_clock": clock, "profile": profile,
            "lock_iters": iters,
            "lock_clock": "guest CLOCK_MONOTONIC under plain TCG (2 vCPUs in parallel; lock_stat times in us)",
            "kernels": "baseline = unpatched 6.12 (out-release-pristine), lazy0/lazy1 = the series "
                       "(out-release) booted with anon_vma_lazy=0/1; same release config, slab_nomerge",
            "mem_slub": "slub_debug=F on anon_vma, anon_vma_chain, vm_area_struct, anon_vma_lazy (exact in-use objects)",
            "boots": boots}
    with open(out, "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def main(argv):
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "planted" and len(args) == 1:
        return 0 if planted(load(args[0])) else 1
    if cmd == "caught" and len(args) == 1:
        try:
            s = load(args[0])
        except (OSError, ValueError):
            s = None
        print(caught(s))
        return 0
    if cmd == "baseline" and len(args) == 2:
        text, n = baseline(load(args[0]))
        with open(args[1], "w") as f:
            f.write(text)
        print("wrote", args[1], "with", n, "tests")
        return 0
    if cmd == "benchmeta" and len(args) >= 6:
        benchmeta(args[0], int(args[1]), int(args[2]), args[3], args[4], int(args[5]),
                  args[6:], os.environ.get("TREE_STATE", ""),
                  os.environ.get("KERNEL_SOURCE", "unknown"))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
