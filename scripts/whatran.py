#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What ran in the boots of one run directory: per boot, the work the
stress suites report in their logs (torture operations, processes and
verified pages, stress-ng stressors and their run times, trinity system
calls, switch flips, swap and migration under pressure, injected
allocation failures) and the splat count. Prints a markdown table and
writes RUN_DIR/whatran.json.

usage: whatran.py RUN_DIR
"""

import glob
import json
import os
import re
import sys

# One regex per kind of ktap.log line; each named group is summed into the
# figure of that name, and a line that matches counts once in COUNTED[regex].
PATTERNS = [re.compile(rx) for rx in (
    r"#\s+total ops (?P<torture_ops>\d+), processes (?P<torture_procs>\d+) "
    r"\(max live \d+\), execs (?P<torture_execs>\d+)",
    r"#\s+pages verified (?P<pages_verified>\d+)",
    r"#\s+pageout: \d+ calls, (?P<pageout_checked>\d+) pages checked"
    r"(?:.*?(?P<pageout_large_shared>\d+) left in a shared large folio)?",
    r"#\s+move_pages: \d+ calls, \d+ pages, (?P<pages_migrated>\d+) moved",
    r"#\s+ksm: (?P<ksm_dup_pages>\d+) duplicate pages written",
    r"stress-ng: info: .*successful run completed in (?P<stress_secs>[\d.]+)s",
    r"Ran (?P<trinity_syscalls>\d+) syscalls",
    r"# flip: (?P<flips>\d+) flips in",
    r"# pressure: pswpout \+(?P<pswpout>\d+).*pgmigrate_success \+(?P<pgmigrate_success>\d+)",
    r"# faultinj: slab in use after: .*; (?P<injected_failures>\d+) failures injected",
)]
COUNTED = {PATTERNS[0]: "torture_runs", PATTERNS[5]: "stressors"}

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


def boot_figures(d):
    fig = {k: 0 for rx in PATTERNS for k in rx.groupindex}
    fig.update({k: 0 for k in COUNTED.values()})
    with open(os.path.join(d, "ktap.log"), errors="replace") as f:
        for line in f:
            for rx in PATTERNS:
                m = rx.search(line)
                if not m:
                    continue
                for key, v in m.groupdict().items():
                    fig[key] += float(v or 0)
                if rx in COUNTED:
                    fig[COUNTED[rx]] += 1
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
    boots = [boot_figures(os.path.dirname(p))
             for p in sorted(glob.glob(os.path.join(run_dir, "*", "ktap.log")))
             if os.path.exists(os.path.join(os.path.dirname(p), "summary.json"))]
    if not boots:
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
        json.dump({"boots": boots}, f, indent=1)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: whatran.py RUN_DIR (a directory of boots, e.g. results/<date>-soak)")
    sys.exit(main(sys.argv[1]))
