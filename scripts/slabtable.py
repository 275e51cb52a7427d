#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the slab table of a make-run folder from the demo's bench-data lines.

For each boot (kernel x vm.anon_vma_lazy) and each phase of the demo, the
objects in use of anon_vma, anon_vma_chain and vm_area_struct
(/proc/slabinfo active_objs) and their bytes (active_objs x objsize), and
the change against the idle phase, which is what the demo itself cost.
Writes RUN_DIR/slab.json with every number.
"""

import glob
import json
import os
import sys

import figures

CACHES = ["anon_vma", "anon_vma_chain", "vm_area_struct"]
# guest/src/demo.c's slab lines (scripts/figures.py); a cache the kernel
# does not list is "missing=1" instead of its counts.
NEED = {"slab": ("phase", "cache")}
COUNTS = ("active_objs", "num_objs", "objsize")


def parse(path):
    data = {}
    for _, r in figures.read(path, "slab", NEED):
        if not r.get("missing"):
            figures.require(r, COUNTS, path)
        data.setdefault(r["phase"], {})[r["cache"]] = \
            {k: v for k, v in r.items() if k not in ("phase", "cache")}
    for caches in data.values():
        figures.fold_lazy(caches)
    return data


def main(run_dir):
    out = {}
    for ktap in sorted(glob.glob(os.path.join(run_dir, "*", "ktap.log"))):
        name = os.path.basename(os.path.dirname(ktap))
        d = parse(ktap)
        if d:
            out[name] = d
    if not out:
        print("no demo data in %s (did the demo boot fail?)" % run_dir)
        return 1
    sources = set()
    for name in out:
        try:
            with open(os.path.join(run_dir, name, "summary.json")) as f:
                sources.add(json.load(f).get("kernel_source") or "not recorded")
        except (OSError, ValueError):
            sources.add("not recorded")
    with open(os.path.join(run_dir, "slab.json"), "w") as f:
        json.dump(out, f, indent=1)
    print("kernel source: %s" % "; ".join(sorted(sources)))
    for name, d in out.items():
        idle = d.get("idle", {})
        sizes = ", ".join("%s %d B" % (c, idle[c]["objsize"]) for c in CACHES
                          if "objsize" in idle.get(c, {}))
        print("\n### %s (object sizes: %s)\n" % (name, sizes))
        print("| phase | " + " | ".join("%s objs (delta)" % c for c in CACHES) +
              " | demo's anon_vma+avc bytes |")
        print("|---|" + "---|" * (len(CACHES) + 1))
        for phase, caches in d.items():
            cells, demo_bytes = [], 0
            for c in CACHES:
                v = caches.get(c)
                if not v or v.get("missing"):
                    cells.append("n/a")
                    continue
                delta = v["active_objs"] - idle.get(c, v).get("active_objs", v["active_objs"])
                cells.append("%d (%+d)" % (v["active_objs"], delta))
                if c != "vm_area_struct":
                    demo_bytes += figures.slab_bytes(v) - figures.slab_bytes(idle.get(c, v))
            print("| %s | %s | %d |" % (phase, " | ".join(cells), demo_bytes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
