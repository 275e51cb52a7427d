#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Decide whether one guest boot passed.

Inputs: the guest's KTAP document (ttyS1), its console log (ttyS0), whether
QEMU hit the host's timeout, and the expectation file. A boot passes only if

  * the KTAP document is complete: a version line, a plan before the
    results, exactly as many results as planned, numbered in order, and the
    "# bench: end" trailer;
  * every result is as expected: unlisted tests must pass; a test listed in
    the expectation file may skip or fail as listed there (the baseline of
    unpatched 6.12), but never worse;
  * every expected test of a category that ran is present;
  * the console log has no kernel splat (WARNING, BUG, KASAN, lockdep,
    Oops, RCU stall, hung task, Call Trace, panic, ...);
  * QEMU did not time out.
"""

import argparse
import json
import re
import sys

# Kernel reports that fail a run wherever they appear in the console log.
SPLAT_PATTERNS = [
    r"WARNING:",
    r"BUG:",
    r"KASAN:",
    r"UBSAN:",
    r"kernel BUG at",
    r"Oops",
    r"general protection fault",
    r"Kernel panic",
    r"Call Trace:",
    r"possible circular locking dependency",
    r"possible recursive locking",
    r"inconsistent lock state",
    r"suspicious RCU usage",
    r"INFO: lockdep",
    r"rcu: INFO: .* detected stalls",
    r"rcu_(sched|preempt) detected stalls",
    r"INFO: task .* blocked for more than",
    r"soft lockup",
    r"hard LOCKUP",
    r"list_(add|del) corruption",
    r"page dumped because",
    r"VM_BUG_ON",
    r"bad_page|Bad page state|Bad page map",
    r"Out of memory: Killed process",
    r"kmemleak: .* new suspected memory leaks",
]
SPLAT_RE = re.compile("|".join("(?:%s)" % p for p in SPLAT_PATTERNS))

RESULT_RE = re.compile(
    r"^(?P<status>ok|not ok) (?P<num>\d+)(?: (?P<name>[^#]*?))?"
    r"(?:\s*#\s*(?P<directive>.*))?$"
)
PLAN_RE = re.compile(r"^1\.\.(\d+)$")
END_MARK = "# bench: end"


class KtapError(Exception):
    pass


def parse_ktap(text):
    """Return the list of results of a flat KTAP document.

    Each result is a dict: num, name, status (pass/skip/fail/xfail),
    directive. Raises KtapError when the document is malformed or
    incomplete.
    """
    lines = [l.rstrip("\r") for l in text.splitlines()]
    try:
        start = next(i for i, l in enumerate(lines)
                     if l.startswith("KTAP version") or l.startswith("TAP version"))
    except StopIteration:
        raise KtapError("no KTAP version line: the guest never reported results")
    plan = None
    results = []
    ended = False
    for l in lines[start + 1:]:
        if l == END_MARK:
            ended = True
            break
        if l.startswith(" ") or l.startswith("#") or not l:
            continue  # diagnostics and nested output
        m = PLAN_RE.match(l)
        if m:
            if plan is not None:
                raise KtapError("second plan line: %r" % l)
            if results:
                raise KtapError("plan after results: the plan must come first")
            plan = int(m.group(1))
            continue
        m = RESULT_RE.match(l)
        if m:
            if plan is None:
                raise KtapError("result before the plan: %r" % l)
            num = int(m.group("num"))
            if num != len(results) + 1:
                raise KtapError("result %d out of order (expected %d)" % (num, len(results) + 1))
            directive = (m.group("directive") or "").strip()
            if m.group("status") == "ok":
                status = "skip" if directive.upper().startswith("SKIP") else "pass"
            else:
                status = "xfail" if directive.upper().startswith(("TODO", "XFAIL")) else "fail"
            results.append({"num": num, "name": (m.group("name") or "").strip(),
                            "status": status, "directive": directive})
            continue
        raise KtapError("unparsable KTAP line: %r" % l)
    if plan is None:
        raise KtapError("no KTAP plan (1..N)")
    if len(results) != plan:
        raise KtapError("plan says %d results, got %d" % (plan, len(results)))
    if not ended:
        raise KtapError("no '%s' trailer: the guest did not finish" % END_MARK)
    return results


def find_splats(console, allow=()):
    """Return the console lines that report a kernel problem."""
    allow_re = [re.compile(a) for a in allow]
    out = []
    for line in console.splitlines():
        if SPLAT_RE.search(line) and not any(a.search(line) for a in allow_re):
            out.append(line.strip())
    return out


def load_expectations(path):
    """Parse 'pass|skip|fail NAME  # reason' lines into {name: (status, reason)}."""
    exp = {}
    if not path:
        return exp
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            body, _, reason = line.partition(" # ")
            parts = body.split(None, 1)
            if len(parts) != 2 or parts[0] not in ("pass", "skip", "fail"):
                raise ValueError("%s:%d: expected 'pass|skip|fail NAME # reason'" % (path, n))
            exp[parts[1].strip()] = (parts[0], reason.strip())
    return exp


def category(name):
    """'mm:ksm:ksm_tests -M' -> 'mm:ksm:'; names without two colons -> None."""
    parts = name.split(":")
    return ":".join(parts[:2]) + ":" if len(parts) >= 3 else None


def judge(results, expectations):
    """Compare results with expectations. Return (problems, notes)."""
    problems, notes = [], []
    seen = {r["name"] for r in results}
    for r in results:
        want, reason = expectations.get(r["name"], ("pass", ""))
        got = r["status"]
        if got == "xfail":
            got = "fail"
        rank = {"pass": 0, "skip": 1, "fail": 2}
        if rank[got] > rank[want]:
            problems.append("%s: %s%s (expected %s%s)" % (
                r["name"], got, " # " + r["directive"] if r["directive"] else "",
                want, ": " + reason if reason else ""))
        elif rank[got] < rank[want]:
            notes.append("%s: %s, better than the baseline's %s" % (r["name"], got, want))
    ran = {category(n) for n in seen} - {None}
    for name in expectations:
        if category(name) in ran and name not in seen:
            problems.append("%s: missing (its category ran)" % name)
    return problems, notes


def verdict(ktap_text, console_text, timed_out=False, expectations=None, allow=()):
    expectations = expectations or {}
    summary = {"results": [], "problems": [], "notes": [], "splats": [],
               "timed_out": bool(timed_out)}
    if timed_out:
        summary["problems"].append("QEMU timed out")
    try:
        summary["results"] = parse_ktap(ktap_text)
    except KtapError as e:
        summary["problems"].append("KTAP: %s" % e)
    p, n = judge(summary["results"], expectations)
    summary["problems"] += p
    summary["notes"] += n
    summary["splats"] = find_splats(console_text, allow)
    if summary["splats"]:
        summary["problems"].append("kernel log has %d splat line(s), first: %s" % (
            len(summary["splats"]), summary["splats"][0]))
    counts = {"pass": 0, "skip": 0, "fail": 0, "xfail": 0}
    for r in summary["results"]:
        counts[r["status"]] += 1
    summary["counts"] = counts
    summary["verdict"] = "fail" if summary["problems"] else "pass"
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ktap", required=True)
    ap.add_argument("--console", required=True)
    ap.add_argument("--expect", help="expectation file (pass|skip|fail NAME # reason)")
    ap.add_argument("--allow", help="file of regexes of console lines that are not splats")
    ap.add_argument("--timed-out", action="store_true")
    ap.add_argument("--json", help="write the summary here")
    ap.add_argument("--meta", default="{}", help="JSON object merged into the summary")
    a = ap.parse_args(argv)

    def read(path):
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    allow = []
    if a.allow:
        allow = [l.strip() for l in read(a.allow).splitlines()
                 if l.strip() and not l.startswith("#")]
    s = verdict(read(a.ktap), read(a.console), a.timed_out,
                load_expectations(a.expect), allow)
    s.update(json.loads(a.meta))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(s, f, indent=1)
    c = s["counts"]
    print("    %s: %d passed, %d skipped, %d failed%s" % (
        s["verdict"].upper(), c["pass"], c["skip"], c["fail"] + c["xfail"],
        ", %d splat line(s)" % len(s["splats"]) if s["splats"] else ""))
    for p in s["problems"][:20]:
        print("      - " + p)
    if len(s["problems"]) > 20:
        print("      ... %d more (see %s)" % (len(s["problems"]) - 20, a.json))
    return 0 if s["verdict"] == "pass" else 1


if __name__ == "__main__":
    sys.exit(main())
