#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarize the boots of one bench run: a table on stdout and
RUN_DIR/summary.json with every boot's summary."""

import glob
import json
import os
import sys


def main(run_dir):
    boots = []
    for path in sorted(glob.glob(os.path.join(run_dir, "*", "summary.json"))):
        with open(path) as f:
            s = json.load(f)
        # A run inside the run (make check's arm64 step) lists its boots.
        boots.extend(s["boots"] if "boots" in s else [s])
    if not boots:
        print("no boots in %s" % run_dir)
        return 1
    # Boots before the field have no kernel_source.
    sources = sorted({b["kernel_source"] for b in boots if b.get("kernel_source")})
    print("\nkernel source: %s" % ("; ".join(sources) or "not recorded"))
    print("\n%-22s %-8s %-5s %6s %6s %6s %7s %6s  %s" % (
        "boot", "kernel", "lazy", "pass", "skip", "fail", "splats", "secs", "verdict"))
    for b in boots:
        c = b["counts"]
        print("%-22s %-8s %-5s %6d %6d %6d %7d %6s  %s" % (
            b.get("name", "?"), b.get("flavour", "?"), b.get("lazy", "?"),
            c["pass"], c["skip"], c["fail"] + c["xfail"], len(b["splats"]),
            b.get("seconds", "?"), b["verdict"]))
    with open(os.path.join(run_dir, "summary.json"), "w") as f:
        json.dump({"kernel_source": "; ".join(sources) or None, "boots": boots}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
