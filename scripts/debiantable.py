#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write debian.json and debian.md from the Debian boots of a bench run.

Reads the "bench-data:" lines of RUN_DIR/debian-KERNEL-N/ktap.log (written
by guest/debian/root/usr/local/sbin/bench-guest) and writes the schema of
docs/bench.md: per scenario (after_boot, apps24) and kernel (baseline,
lazy0, lazy1) the three slab caches (objs, objsize, bytes, slabs), plus
extras: pagesperslab, slab_bytes, process counts, boot times and, with
several runs, the median run and min/max bytes.
"""

import glob
import json
import os
import re
import statistics
import sys

import figures

CACHES = ["anon_vma", "anon_vma_chain", "vm_area_struct"]
SCENARIOS = ["after_boot", "apps24"]
KERNELS = ["baseline", "lazy0", "lazy1"]
LABEL = {"baseline": "unpatched 6.12", "lazy0": "series, lazy=0", "lazy1": "series, lazy=1"}
SEED = {"after_boot": {"anon_vma": -97, "anon_vma_chain": -57},
        "apps24": {"anon_vma": -92, "anon_vma_chain": -50.5}}
# The keys read per kind of the Debian guest's bench-data lines
# (scripts/figures.py).
NEED = {"slab": ("phase", "cache", "active_objs", "objsize", "num_slabs", "pagesperslab"),
        "procs": ("phase",), "census": ("phase",), "time": ("phase", "uptime"),
        "app": ("name", "procs", "up")}


def parse_boot(path):
    """{'slab': {phase: {cache: {...}}}, 'procs': {phase: {...}}, 'time': {...}, 'apps': [...]}"""
    out = {"slab": {}, "procs": {}, "time": {}, "apps": [], "census": {}}
    for kind, d in figures.read(path, need=NEED):
        if kind == "slab":
            e = {k: int(v) for k, v in d.items() if k not in ("phase", "cache")}
            out["slab"].setdefault(d["phase"], {})[d["cache"]] = e
        elif kind == "procs":
            out["procs"][d["phase"]] = {k: int(v) for k, v in d.items() if k != "phase"}
        elif kind == "census":
            out["census"][d["phase"]] = {k: int(v) for k, v in d.items() if k != "phase"}
        elif kind == "time":
            out["time"][d["phase"]] = float(d["uptime"])
        elif kind == "app":
            out["apps"].append({"name": d["name"], "procs": int(d["procs"]), "up": d["up"] == 1})
    return out


def entry(slab, procs, census=None):
    e = {}
    slab = figures.fold_lazy(dict(slab))
    for c in CACHES:
        s = slab[c]
        e[c] = {"objs": s["active_objs"], "objsize": s["objsize"],
                "bytes": figures.slab_bytes(s),
                **{k: s[k] for k in ("lazy_objs", "lazy_objsize") if k in s},
                "slabs": s["num_slabs"], "pagesperslab": s["pagesperslab"],
                "slab_bytes": s.get("pages", s["num_slabs"] * s["pagesperslab"]) * 4096}
    if procs:
        e["procs"] = procs
    if census:
        e["census"] = census
    return e


def pct(new, old):
    return 100.0 * (new - old) / old if old else 0.0


def main(run_dir):
    boots = {}
    for ktap in sorted(glob.glob(os.path.join(run_dir, "debian-*-*", "ktap.log"))):
        name = os.path.basename(os.path.dirname(ktap))
        m = re.match(r"debian-(\w+)-(\d+)$", name)
        if not m or m.group(1) not in KERNELS:
            continue
        boots.setdefault(m.group(1), []).append((name, parse_boot(ktap)))

    out = {s: {} for s in SCENARIOS}
    extra = {"boot_seconds": {}, "apps": {}}
    for k, runs in boots.items():
        for s in SCENARIOS:
            ok = [(n, b) for n, b in runs if all(c in b["slab"].get(s, {}) for c in CACHES)]
            if not ok:
                continue
            entries = [entry(b["slab"][s], b["procs"].get(s), b["census"].get(s)) for _, b in ok]
            key = lambda e: e["anon_vma"]["bytes"] + e["anon_vma_chain"]["bytes"]
            med = sorted(entries, key=key)[(len(entries) - 1) // 2]
            e = json.loads(json.dumps(med))
            e["runs"] = len(entries)
            if len(entries) > 1:
                for c in CACHES:
                    b = [x[c]["bytes"] for x in entries]
                    e[c]["min"], e[c]["max"] = min(b), max(b)
            out[s][k] = e
        extra["boot_seconds"][k] = [round(b["time"].get("runlevel2", 0)) for _, b in runs]
        extra["apps"][k] = runs[-1][1]["apps"]
    if not any(out[s] for s in SCENARIOS):
        print("no Debian measurements in %s (did the boots fail? see debian-*/console.log)" % run_dir)
        return 1

    nruns = max(len(r) for r in boots.values())
    out["meta"] = {
        "slabinfo": "exact (slub_debug=F on the three caches)",
        "notes": ("Debian 12 (bookworm) userland from debootstrap, booted as an initramfs with "
                  "sysvinit; boot services cron, rsyslog, dbus, sshd. apps24: postgresql + 3 psql "
                  "clients, nginx (master + 4 workers), redis-server + redis-cli monitor, memcached, "
                  "python3 script, python3 http.server, perl, ruby, tclsh, lua5.4, sqlite3, bash "
                  "and dash scripts, a gcc-compiled program (gcc ran and finished), mawk, top, "
                  "tail -f, bc, an ssh session to localhost, dbus-monitor. "
                  "%d boot(s) per kernel; the median run is reported." % nruns),
        "boot_seconds_to_runlevel2": extra["boot_seconds"],
        "apps": extra["apps"],
    }
    with open(os.path.join(run_dir, "debian.json"), "w") as f:
        json.dump(out, f, indent=1)

    lines = ["### Real userland: Debian 12 (sysvinit, cron, rsyslog, dbus, sshd)", "",
             "Bytes = in-use objects x object size (/proc/slabinfo, slub_debug=F: exact); "
             "change against unpatched 6.12. %d boot(s) per kernel." % nruns, ""]
    for s in SCENARIOS:
        if not out[s]:
            continue
        lines += ["#### %s" % ("after boot (idle)" if s == "after_boot" else "after starting 24 programs"), "",
                  "| cache | " + " | ".join(LABEL[k] for k in KERNELS if k in out[s]) + " | seed's claim |",
                  "|---|" + "---|" * (sum(k in out[s] for k in KERNELS) + 1)]
        base = out[s].get("baseline")
        for c in CACHES + ["total"]:
            cells = []
            for k in KERNELS:
                e = out[s].get(k)
                if not e:
                    continue
                if c == "total":
                    v = sum(e[x]["bytes"] for x in ("anon_vma", "anon_vma_chain"))
                    objs = ""
                    bv = sum(base[x]["bytes"] for x in ("anon_vma", "anon_vma_chain")) if base else None
                else:
                    v = e[c]["bytes"]
                    objs = "%d x %d B = " % (e[c]["objs"], e[c]["objsize"])
                    if e[c].get("lazy_objs"):
                        objs = "%d x %d B + %d lazy x %d B = " % (
                            e[c]["objs"] - e[c]["lazy_objs"], e[c]["objsize"],
                            e[c]["lazy_objs"], e[c]["lazy_objsize"])
                    bv = base[c]["bytes"] if base else None
                cell = "%s%s B" % (objs, format(v, ","))
                if bv is not None and k != "baseline":
                    cell += " (**%+.1f%%**)" % pct(v, bv)
                cells.append(cell)
            seed = SEED[s].get(c)
            name = "anon_vma + avc" if c == "total" else c
            lines.append("| %s | %s | %s |" % (name, " | ".join(cells),
                                                "%+g%%" % seed if seed is not None else ("+0.2 to +1.0%" if c == "vm_area_struct" else "")))
        procs = [("%s %d" % (LABEL[k], out[s][k]["procs"]["user"])) for k in KERNELS
                 if k in out[s] and "procs" in out[s][k]]
        if procs:
            lines += ["", "User processes: " + ", ".join(procs) + "."]
        census = [("%s %d + %d" % (LABEL[k], out[s][k]["census"]["anon_vmas"], out[s][k]["census"]["file_vmas"]))
                  for k in KERNELS if k in out[s] and "census" in out[s][k]]
        if census:
            lines += ["", "VMAs holding anonymous pages, private anonymous + private file "
                      "(with lazy=1 only the file ones keep an avc each, before any fork): "
                      + ", ".join(census) + "."]
        lines.append("")
    secs = ", ".join("%s %s s" % (LABEL[k], "/".join(map(str, v))) for k, v in extra["boot_seconds"].items())
    lines.append("Boot to runlevel 2 under TCG: %s." % secs)
    md = "\n".join(lines) + "\n"
    with open(os.path.join(run_dir, "debian.md"), "w") as f:
        f.write(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
