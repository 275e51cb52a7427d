#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What ran in the boots of one run directory: per boot, the work the
stress suites report in their "bench-data: figures" lines (torture
operations, processes and verified pages, stress-ng stressors and their run
times, trinity system calls, switch flips, swap and migration under
pressure, injected allocation failures; scripts/figures.py) and the splat
count. A boot whose figures line lacks a figure, or whose suite passed
without printing one, is an error (exit 1) and has no row. Prints a markdown table and
writes RUN_DIR/whatran.json.

usage: whatran.py RUN_DIR
"""

import glob
import json
import os
import re
import sys

import figures

# Per suite (the part of a test name before ':'), the figures src= lines a
# boot must have printed if one of the suite's tests passed.
SUITE_SOURCES = {
    "torture": ("torture",), "torture-soak": ("torture",),
    "stress": ("stress",), "trinity": ("trinity",),
    "flip": ("flip", "torture"), "pressure": ("pressure", "torture"),
    "faultinj": ("faultinj",),
}
# The figures of the table: summed over a boot's figures lines.
SUMMED = ("torture_ops", "torture_procs", "torture_execs", "pages_verified",
          "pageout_checked", "pageout_large_shared", "pages_migrated",
          "ksm_dup_pages", "stress_secs", "trinity_syscalls", "flips", "pswpout",
          "pgmigrate_success", "injected_failures")
# Records counted per src: torture runs, stressors.
COUNTED = {"torture": "torture_runs", "stress": "stressors"}
PASSED = re.compile(r"^ok \d+ ([^\s:#]+):\S*(?:\s+#\s*(\S+))?")

START = re.compile(r"\[\s*([\d.]+)\] bench: start (\S+)")
END = re.compile(r"\[\s*([\d.]+)\] bench: end (\S+)")


def suite_seconds(console):
    """Guest seconds spent per suite (the part of a test name before ':')."""
    secs, started = {}, {}
    if not os.path.exists(console):
        return secs
    with open(console, errors="replace") as f:
        for line in f:
            m = START.search(line)
            if m:
                started[m.group(2)] = float(m.group(1))
                continue
            m = END.search(line)
            if m and m.group(2) in started:
                suite = m.group(2).split(":")[0]
                t = float(m.group(1)) - started.pop(m.group(2))
                secs[suite] = secs.get(suite, 0.0) + t
    return secs


def suites_passed(lines):
    """Suites with at least one passed (not skipped) test in a KTAP log."""
    out = set()
    for line in lines:
        m = PASSED.match(line)
        if m and (m.group(2) or "").upper() != "SKIP":
            out.add(m.group(1))
    return out


def boot_figures(d):
    """The figures of one boot folder. Raises figures.FigureError if a line
    lacks a figure, or a suite passed without printing its figures."""
    ktap = os.path.join(d, "ktap.log")
    with open(ktap, errors="replace") as f:
        lines = f.read().splitlines()
    recs = [r for _, r in figures.records(lines, "figures", ktap)]
    fig = {k: 0 for k in SUMMED}
    fig.update({k: 0 for k in COUNTED.values()})
    for r in recs:
        for k in SUMMED:
            fig[k] += r.get(k, 0)
        if r["src"] in COUNTED:
            fig[COUNTED[r["src"]]] += 1
    have = {r["src"] for r in recs}
    for suite in sorted(suites_passed(lines)):
        for src in SUITE_SOURCES.get(suite, ()):
            if src not in have:
                raise figures.FigureError(
                    "%s: suite %s passed but printed no 'bench-data: figures src=%s' line "
                    "(a log from before that format, or the guest stopped printing it)"
                    % (ktap, suite, src))
    fig = {k: int(v) if v == int(v) else round(v, 1) for k, v in fig.items()}
    secs = suite_seconds(os.path.join(d, "console.log"))
    fig["suite_secs"] = {k: round(v) for k, v in sorted(secs.items())}
    with open(os.path.join(d, "summary.json")) as f:
        s = json.load(f)
    fig.update(name=s.get("name"), lazy=s.get("lazy"), verdict=s.get("verdict"),
               tests=s["counts"]["pass"] + s["counts"]["fail"] + s["counts"]["skip"],
               failed=s["counts"]["fail"], splats=len(s["splats"]))
    return fig


def main(run_dir):
    boots, errors = [], []
    for p in sorted(glob.glob(os.path.join(run_dir, "*", "ktap.log"))):
        if not os.path.exists(os.path.join(os.path.dirname(p), "summary.json")):
            continue
        try:
            boots.append(boot_figures(os.path.dirname(p)))
        except figures.FigureError as e:
            errors.append(str(e))
    for e in errors:
        print("whatran: ERROR: %s" % e, file=sys.stderr)
    if not boots and not errors:
        print("whatran: no finished boots in %s" % run_dir)
        return 1
    cols = [("boot", "name"), ("lazy", "lazy"), ("verdict", "verdict"),
            ("tests", "tests"), ("splats", "splats"),
            ("torture runs", "torture_runs"), ("torture ops", "torture_ops"),
            ("processes", "torture_procs"), ("pages verified", "pages_verified"),
            ("pageout checks", "pageout_checked"), ("pages migrated", "pages_migrated"),
            ("stressors", "stressors"), ("stress-ng s", "stress_secs"),
            ("trinity syscalls", "trinity_syscalls"), ("flips", "flips"),
            ("pswpout", "pswpout"), ("injected failures", "injected_failures")]
    print("| " + " | ".join(c for c, _ in cols) + " |")
    print("|" + "---|" * len(cols))
    for b in boots:
        print("| " + " | ".join(str(b[k]) for _, k in cols) + " |")
    print("\nguest seconds per suite:")
    for b in boots:
        print("  %s: %s" % (b["name"], ", ".join("%s %d" % kv for kv in b["suite_secs"].items())))
    with open(os.path.join(run_dir, "whatran.json"), "w") as f:
        json.dump({"boots": boots, "errors": errors}, f, indent=1)
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: whatran.py RUN_DIR (a directory of boots, e.g. results/<date>-soak)")
    sys.exit(main(sys.argv[1]))
