#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a make-bench folder into bench.json, bench.md and PNG plots.

Reads RUN_DIR/{mem,speed,lock}-{baseline,lazy0,lazy1}/ktap.log (the
bench-data and bench-lockstat lines of guest/src/bench.c), RUN_DIR/meta.json
(written by scripts/bench.sh: clocks, reps, kernels) and, if present,
RUN_DIR/debian.json (scripts/bench-debian.sh, schema in docs/bench.md).

usage: benchreport.py RUN_DIR [--headline]
  --headline  print only the headline tables (make run)
Exit 1 if a boot the meta file lists produced no data.
"""

import json
import os
import re
import statistics
import sys

import figures

MODES = ["baseline", "lazy0", "lazy1"]
CACHES = ["anon_vma", "anon_vma_chain", "vm_area_struct"]
# The bench-data lines of guest/src/bench.c (scripts/figures.py) and the
# keys read from each kind.
NEED = {"slab": ("wl", "phase", "cache", "active_objs", "num_objs", "objsize",
                 "pagesperslab", "num_slabs"),
        "time": ("test", "n", "rep", "ops", "ns"),
        "check": ("test", "key", "value"),
        "lock": ("iters", "workers", "vmas", "parent_rounds", "ns"),
        "life": ("starts", "apps", "vmas", "fork_p50_ns", "fork_p99_ns", "start_p50_ns",
                 "start_p99_ns", "kill_p50_ns", "kill_p99_ns", "migrated", "ns")}
# The lifecycle figures, and whether lower is better
LIFE = [("fork_p50_ns", "app start: fork() p50", True), ("fork_p99_ns", "app start: fork() p99", True),
        ("start_p50_ns", "app start: fork() to app up p50", True),
        ("start_p99_ns", "app start: fork() to app up p99", True),
        ("kill_p50_ns", "app kill: SIGKILL to reaped p50", True),
        ("kill_p99_ns", "app kill: SIGKILL to reaped p99", True),
        ("migrated_per_s", "shared pages migrated per second", False)]
LOCKSTAT = re.compile(r"bench-lockstat: (\S+?)(-[WR])?:\s+(.*)")
LOCKFIELDS = ["con_bounces", "contentions", "waittime_min_us", "waittime_max_us",
              "waittime_total_us", "waittime_avg_us", "acq_bounces", "acquisitions",
              "holdtime_min_us", "holdtime_max_us", "holdtime_total_us",
              "holdtime_avg_us"]
SEED = {"after_boot": {"anon_vma": -97.0, "anon_vma_chain": -57.0},
        "apps24": {"anon_vma": -92.0, "anon_vma_chain": -50.5}}
MEM_ORDER = ["vmas-10", "vmas-100", "vmas-1000", "vmas-10000", "prefork",
             "forkexec", "zygote", "forkchain", "forkfault"]
MEM_DESC = {
    "vmas-10": "1 process, 10 faulted 1-page VMAs",
    "vmas-100": "1 process, 100 faulted VMAs",
    "vmas-1000": "1 process, 1,000 faulted VMAs",
    "vmas-10000": "1 process, 10,000 faulted VMAs",
    "prefork": "prefork server: 500 inherited VMAs x 8 pages, 24 workers (COW 1/2, 32 own VMAs each)",
    "forkexec": "parent with 100 VMAs fork+execs 24 programs (16 VMAs each)",
    "zygote": "zygote: 2,000 preloaded VMAs, 24 apps (COW 1/8, 64 own VMAs each)",
    "forkchain": "fork chain of depth 24 (32 VMAs per level, each level COWs all inherited)",
    "forkfault": "1 process faults 1,000 1-page VMAs, a fork whose child exits at once before each",
}
SPEED_DESC = {
    "fork1": "first fork() of a process with n faulted VMAs (parent side)",
    "fork2": "later fork()s of the same process (mean of 4)",
    "fault-vmas": "first-touch fault of n fresh 1-page VMAs (per VMA)",
    "fault-pages": "first-touch fault of n pages of one VMA (per page)",
    "pageout": "MADV_PAGEOUT of n exclusive pages in 1,000 VMAs (per page)",
    "migrate": "move_pages() node 0->1->0 of n pages in 1,000 VMAs (per page move)",
    "mmap-churn": "mmap 4 pages, touch, munmap (per iteration)",
    "mprotect-churn": "mprotect split + merge of a faulted VMA (per pair)",
    "ksm": "KSM: from MADV_MERGEABLE until all n identical pages are merged, pages_shared + pages_sharing = n (total)",
    "exit": "exit of a process with n faulted VMAs, SIGKILL to waitpid (total)",
    "forkexec": "fork + exec + exit + wait of a static program (per iteration)",
    "walk-files0": "MADV_PAGEOUT of n COWed private mappings of one file, all at offset 0 (per page)",
    "walk-devzero": "the same with n private /dev/zero mappings (per page)",
    "walk-moved": "MADV_PAGEOUT of n anonymous VMAs of one vm_pgoff, each mapped at one address and mremapped away (per page)",
    "walk-grown": "MADV_PAGEOUT of n anonymous 1-page VMAs, each moved by mremap() and grown to 64 pages where it lands (it keeps vm_pgoff, so its offsets cover those of the 32 VMAs mapped after it; per page)",
    "walk-shared-files": "move_pages() 0->1->0 of 1,000 COWed private file pages at 16 overlapping offsets, shared with n children that map 1,000 of their own (per page move)",
    "walk-unshared": "move_pages() 0->1->0 of 999 faulted 1-page anonymous VMAs after n children unmapped them (each keeps a 1,000th inherited VMA; per page move)",
    "walk-interleaved": "move_pages() 0->1->0 of n pages of VMAs alternating between two lazy roots (a fork between their faults), shared with 8 children (per page move)",
    "walk-ksm": "move_pages() 0->1->0 of 512 KSM pages, each merged from two VMAs' pages, in a process with n other VMAs (per page move)",
    "walk-ksm-moved": "the same, the two VMAs faulted, then moved by mremap() (per page move)",
    "walk-split-files": "MADV_PAGEOUT of a COWed private file mapping of n pages split into n VMAs by mprotect() of every other page (per page)",
}


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None


def parse_mem(lines):
    out = {}
    for _, r in figures.records(lines, "slab", need=NEED):
        out.setdefault(r["wl"], {}).setdefault(r["phase"], {})[r["cache"]] = \
            {k: v for k, v in r.items() if k not in ("wl", "phase", "cache")}
    for phases in out.values():
        for caches in phases.values():
            figures.fold_lazy(caches)
    return out


def slab_entry(v):
    e = {"objs": v["active_objs"], "objsize": v["objsize"],
         "bytes": figures.slab_bytes(v), "slabs": v["num_slabs"],
         "pages": v.get("pages", v["num_slabs"] * v["pagesperslab"])}
    if "lazy_objsize" in v:
        e["lazy_objs"], e["lazy_objsize"] = v["lazy_objs"], v["lazy_objsize"]
    return e


def mem_deltas(raw):
    """Per workload and cache: peak minus the boot's idle snapshot."""
    idle = raw.get("all", {}).get("idle", {})
    res = {"idle": {c: slab_entry(idle[c]) for c in CACHES if c in idle}, "workloads": {}}
    for wl, phases in raw.items():
        if wl == "all" or "peak" not in phases:
            continue
        d = {}
        for c in CACHES:
            p, i = slab_entry(phases["peak"][c]), res["idle"][c]
            d[c] = {"objs": p["objs"] - i["objs"], "objsize": p["objsize"],
                    "bytes": p["bytes"] - i["bytes"], "slabs": p["slabs"] - i["slabs"],
                    "pages": p["pages"] - i["pages"], "peak": p}
            if "after" in phases:
                d[c]["after_objs_minus_idle"] = phases["after"][c]["active_objs"] - i["objs"]
        res["workloads"][wl] = d
    return res


def parse_speed(lines):
    out, checks = {}, {}
    for kind, r in figures.records(lines, need=NEED):
        if kind == "time":
            out.setdefault("%s/%d" % (r["test"], r["n"]), []).append(r["ns"] / r["ops"])
        elif kind == "check":
            checks["%s.%s" % (r["test"], r["key"])] = r["value"]
    stats = {}
    for k, v in out.items():
        stats[k] = {"ns_per_op": v, "reps": len(v), "min": min(v), "median": statistics.median(v),
                    "max": max(v), "mean": statistics.mean(v),
                    "stdev": statistics.stdev(v) if len(v) > 1 else 0.0}
    return stats, checks


def parse_lock(lines):
    res, run = {}, {}
    for line in lines:
        r = figures.parse_line(line, need=NEED)
        if r and r[0] == "lock":
            run = r[1]
            continue
        m = LOCKSTAT.search(line)
        if m:
            vals = m.group(3).split()
            if len(vals) != len(LOCKFIELDS):
                continue
            key = m.group(1) + (m.group(2) or "-W")
            res[key] = {f: (float(v) if "." in v else int(v)) for f, v in zip(LOCKFIELDS, vals)}
    return {"run": run, "classes": res}


def lock_summary(boots):
    """Median, min and max of every lock_stat figure over the boots."""
    classes = {}
    for c in sorted({c for b in boots for c in b["classes"]}):
        classes[c] = {}
        for f in LOCKFIELDS:
            v = [b["classes"][c][f] for b in boots if c in b["classes"]]
            classes[c][f] = {"median": statistics.median(v), "min": min(v), "max": max(v), "all": v}
    ns = [b["run"]["ns"] for b in boots if "ns" in b["run"]]
    run = dict(boots[0]["run"])
    if ns:
        run["ns"] = {"median": statistics.median(ns), "min": min(ns), "max": max(ns), "all": ns}
    return {"boots": boots, "classes": classes, "run": run, "nboots": len(boots)}


def pct(new, old):
    if old == 0:
        return None
    return 100.0 * (new - old) / old


def fmt_pct(p):
    return "n/a" if p is None else "%+.1f%%" % p


def fmt_bytes(b):
    return "{:,}".format(b)


def fmt_ns(ns):
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.2f us" % (ns / 1e3)
    return "%.0f ns" % ns


def collect(run_dir):
    meta = {}
    mp = os.path.join(run_dir, "meta.json")
    if os.path.exists(mp):
        with open(mp) as f:
            meta = json.load(f)
    data = {"meta": meta, "mem": {}, "speed": {}, "speed_checks": {}, "walk": {}, "walk_checks": {},
            "lock": {}, "life": {}, "missing": []}
    for kind in ("mem", "speed", "walk", "lock", "life"):
        for mode in MODES:
            name = "%s-%s" % (kind, mode)
            names = [name]
            if kind in ("speed", "walk", "lock", "life"):
                # further boots of the same kernel: KIND-MODE-2, -3, ...
                names += sorted((d for d in os.listdir(run_dir)
                                 if re.fullmatch(re.escape(name) + r"-\d+", d)),
                                key=lambda d: int(d.rsplit("-", 1)[1]))
            lines, per_boot = [], []
            for nm in names:
                got = read_lines(os.path.join(run_dir, nm, "ktap.log"))
                if got is None:
                    if nm in meta.get("boots", []):
                        data["missing"].append(nm)
                    continue
                lines += got
                per_boot.append((nm, got))
            if not lines:
                continue
            if kind == "mem":
                raw = parse_mem(lines)
                if not raw:
                    data["missing"].append(name)
                    continue
                data["mem"][mode] = mem_deltas(raw)
            elif kind in ("speed", "walk"):
                st, ch = parse_speed(lines)
                if not st:
                    data["missing"].append(name)
                    continue
                data[kind][mode], data[kind + "_checks"][mode] = st, ch
            elif kind == "life":
                boots = [r for _, r in figures.records(lines, "life", need=NEED)]
                if not boots:
                    data["missing"].append(name)
                    continue
                for r in boots:
                    r["migrated_per_s"] = r["migrated"] / (r["ns"] / 1e9)
                data["life"][mode] = {f: [r[f] for r in boots] for f, _, _ in LIFE}
                data["life"][mode]["run"] = boots[0]
            else:
                boots = []
                for nm, got in per_boot:
                    lk = parse_lock(got)
                    if not lk["classes"]:
                        data["missing"].append(nm)
                        continue
                    boots.append(lk)
                if boots:
                    data["lock"][mode] = lock_summary(boots)
    data["kernels_booted"] = {}
    for d in sorted(os.listdir(run_dir)):
        lines = read_lines(os.path.join(run_dir, d, "console.log")) or []
        for line in lines:
            m = re.search(r"Linux version (\S+) .*?(#\d+ SMP.*)$", line)
            if m:
                data["kernels_booted"][d] = "%s %s" % (m.group(1), m.group(2).strip())
                break
    dp = os.path.join(run_dir, "debian.json")
    if os.path.exists(dp):
        with open(dp) as f:
            data["debian"] = json.load(f)
    return data


def md_headline(data):
    """The headline table, or nothing if the run measured no memory (no
    Debian and no mem boots): a table of headers alone says nothing."""
    out = []
    out.append("### Headline: anon_vma and anon_vma_chain bytes, unpatched 6.12 / lazy=0 / lazy=1\n")
    out.append("Debian rows: the whole system (debian.json, scripts/bench-debian.sh). "
               "Synthetic rows: what the workload added over the idle boot. Exact in-use "
               "objects x object size (the object sizes each kernel's /proc/slabinfo reports are "
               "in the per-workload section below). "
               "The seed's claim (Android phone, slab KB) is in the last column. "
               "vm_area_struct is in the detailed tables.\n")
    out.append("| scenario | cache | baseline B | lazy=0 B | lazy=1 B | lazy=0 change | lazy=1 change | seed's claim |")
    out.append("|---|---|---|---|---|---|---|---|")
    rows = []
    deb = data.get("debian", {})
    for scen, label in (("after_boot", "Debian, after boot"), ("apps24", "Debian, 24 programs")):
        s = deb.get(scen) or {}
        for c in CACHES[:2]:
            rows.append((label, c, {m: s[m][c]["bytes"] for m in MODES if s.get(m) and c in s[m]},
                         "%+.1f%%" % SEED[scen][c]))
    mem = data["mem"]
    for wl in MEM_ORDER:
        if not any(wl in mem.get(m, {}).get("workloads", {}) for m in MODES):
            continue
        for c in CACHES[:2]:
            rows.append((wl, c, {m: mem[m]["workloads"][wl][c]["bytes"] for m in MODES
                                 if wl in mem.get(m, {}).get("workloads", {})}, ""))
    for label, c, vals, seed in rows:
        if not vals:
            # A part this run did not boot (the Debian rows in make run's
            # quick profile): no row that says nothing.
            continue
        cells = [fmt_bytes(vals[m]) if m in vals else "n/a" for m in MODES]
        b = vals.get("baseline")
        ch = [fmt_pct(pct(vals[m], b)) if b is not None and m in vals else "n/a"
              for m in ("lazy0", "lazy1")]
        out.append("| %s | %s | %s | %s | %s |" % (label, c, " | ".join(cells), " | ".join(ch), seed))
    return out if not out[-1].startswith("|---") else []

def md_debian(data):
    deb = data.get("debian")
    if not deb:
        return []
    out = ["### Debian userland (scripts/bench-debian.sh, whole system; %s)\n" %
           deb.get("meta", {}).get("slabinfo", "?")]
    out.append("Per cell: objects in use, bytes (objects x object size). Change in bytes "
               "against baseline; the seed's claim in the last column.\n")
    out.append("| scenario | cache | baseline | lazy=0 | lazy=1 | lazy=0 change | lazy=1 change | seed |")
    out.append("|---|---|---|---|---|---|---|---|")
    for scen, label in (("after_boot", "after boot"), ("apps24", "24 programs")):
        s = deb.get(scen) or {}
        for c in CACHES:
            cells, vals = [], {}
            for m in MODES:
                e = (s.get(m) or {}).get(c)
                if not e:
                    cells.append("n/a")
                    continue
                vals[m] = e["bytes"]
                spread = ""
                if "min" in e and "max" in e:
                    spread = " [%s-%s]" % (fmt_bytes(e["min"]), fmt_bytes(e["max"]))
                cells.append("%d, %s B%s" % (e["objs"], fmt_bytes(e["bytes"]), spread))
            b = vals.get("baseline")
            ch = [fmt_pct(pct(vals[m], b)) if b and m in vals else "n/a" for m in ("lazy0", "lazy1")]
            seed = "%+.1f%%" % SEED[scen][c] if c in SEED[scen] else ""
            out.append("| %s | %s | %s | %s | %s |" % (label, c, " | ".join(cells), " | ".join(ch), seed))
    notes = deb.get("meta", {}).get("notes")
    if notes:
        out.append("\n" + notes + "\n")
    return out


def md_mem(data):
    mem = data["mem"]
    out = ["### Slab usage per workload (change against the idle boot)\n"]
    sizes = []
    for mode in MODES:
        if mode in mem:
            i = mem[mode]["idle"]
            sizes.append("%s: %s" % (mode, ", ".join("%s %d B" % (c, i[c]["objsize"]) for c in CACHES)
                                     + (" (lazy ones %d B, counted as anon_vmas)" % i["anon_vma"]["lazy_objsize"]
                                        if "lazy_objsize" in i.get("anon_vma", {}) else "")))
    out.append("Object sizes: " + "; ".join(sizes) + ". Idle boot (objects in use): " +
               "; ".join("%s %s" % (m, "/".join(str(mem[m]["idle"][c]["objs"]) for c in CACHES))
                         for m in MODES if m in mem) + " (anon_vma/avc/vma).\n")
    out.append("Per cell: objects (bytes = objects x object size; slabs). "
               "Change = lazy against baseline, in bytes.\n")
    for wl in MEM_ORDER:
        if not any(wl in mem.get(m, {}).get("workloads", {}) for m in MODES):
            continue
        out.append("**%s**: %s\n" % (wl, MEM_DESC.get(wl, "")))
        out.append("| cache | baseline | lazy=0 | lazy=1 | lazy=0 change | lazy=1 change |")
        out.append("|---|---|---|---|---|---|")
        for c in CACHES + ["anon_vma+avc"]:
            cells, vals = [], {}
            for mode in MODES:
                w = mem.get(mode, {}).get("workloads", {}).get(wl)
                if not w:
                    cells.append("n/a")
                    continue
                if c == "anon_vma+avc":
                    vals[mode] = w["anon_vma"]["bytes"] + w["anon_vma_chain"]["bytes"]
                    cells.append("%s B (%d pages)" % (fmt_bytes(vals[mode]),
                                                     w["anon_vma"]["pages"] + w["anon_vma_chain"]["pages"]))
                else:
                    vals[mode] = w[c]["bytes"]
                    cells.append("%+d (%s B; %+d slabs)" % (w[c]["objs"], fmt_bytes(w[c]["bytes"]),
                                                          w[c]["slabs"]))
            b = vals.get("baseline")
            ch = [fmt_pct(pct(vals[m], b)) if b is not None and m in vals else "n/a"
                  for m in ("lazy0", "lazy1")]
            out.append("| %s | %s | %s |" % (c, " | ".join(cells), " | ".join(ch)))
        out.append("")
    leftovers = []
    for mode in MODES:
        for wl, w in mem.get(mode, {}).get("workloads", {}).items():
            for c in CACHES:
                a = w[c].get("after_objs_minus_idle")
                if a:
                    leftovers.append("%s/%s/%s %+d" % (mode, wl, c, a))
    out.append("Objects left over after each workload was reaped (against idle): " +
               (", ".join(leftovers) if leftovers else "none") + ".\n")
    return out


def md_speed(data, kind="speed"):
    sp = data[kind]
    meta = data["meta"]
    title = "Speed" if kind == "speed" else "rmap walk precision"
    out = ["### %s (time per operation, median of %s reps x %s boots [min-max], clock: %s)\n" %
           (title, meta.get("reps", "?"), meta.get("speed_boots", 1), meta.get("speed_clock", "?"))]
    out.append("Ratio = median lazy / median baseline from this run (< 1 is faster). "
               "Spread = (max-min)/median of the reps.\n")
    out.append("| test | n | baseline | lazy=0 | lazy=1 | lazy0/base | lazy1/base | spread b/0/1 |")
    out.append("|---|---|---|---|---|---|---|---|")
    keys = []
    for mode in MODES:
        for k in sp.get(mode, {}):
            if k not in keys:
                keys.append(k)
    for k in keys:
        test, n = k.split("/")
        cells, spreads, med = [], [], {}
        for mode in MODES:
            s = sp.get(mode, {}).get(k)
            if not s:
                cells.append("n/a")
                spreads.append("n/a")
                continue
            med[mode] = s["median"]
            cells.append("%s [%s-%s]" % (fmt_ns(s["median"]), fmt_ns(s["min"]), fmt_ns(s["max"])))
            spreads.append("%.0f%%" % (100 * (s["max"] - s["min"]) / s["median"] if s["median"] else 0))
        ratios = ["%.3f" % (med[m] / med["baseline"]) if m in med and med.get("baseline") else "n/a"
                  for m in ("lazy0", "lazy1")]
        out.append("| %s | %s | %s | %s | %s |" % (test, n, " | ".join(cells), " | ".join(ratios),
                                                  "/".join(spreads)))
    out.append("")
    desc = {t: d for t, d in SPEED_DESC.items() if t.startswith("walk-") == (kind == "walk")}
    out.append("Tests: " + "; ".join("`%s` %s" % (t, d) for t, d in desc.items()) + ".\n")
    chk = data[kind + "_checks"]
    if chk:
        out.append("Sanity (first rep): " + "; ".join(
            "%s %s" % (m, ", ".join("%s=%d" % kv for kv in sorted(chk[m].items()))) for m in MODES if m in chk) + ".\n")
    return out


def md_life(data):
    life = data["life"]
    run = next((life[m]["run"] for m in MODES if m in life), {})
    out = ["### Android-like lifecycle (plain TCG clock; median over boots [min-max])\n",
           "A zygote with %s faulted VMAs of 4 pages starts %s apps, keeping %s alive (the "
           "oldest is killed, SIGKILL and reaped, before each start); each app COW-writes a "
           "page of 64 inherited VMAs and maps a private VMA. Meanwhile a child of the zygote "
           "moves the zygote's shared pages (mapped by every app) to the other node and back "
           "with move_pages(MPOL_MF_MOVE_ALL): reclaim's stand-in, since MADV_PAGEOUT skips "
           "shared pages and the bench kernels have no memcg.\n" %
           (run.get("vmas", "?"), run.get("starts", "?"), run.get("apps", "?")),
           "| figure | baseline | lazy=0 | lazy=1 | lazy1/base |", "|---|---|---|---|---|"]
    for f, title, _ in LIFE:
        cells, med = [], {}
        for m in MODES:
            v = life.get(m, {}).get(f)
            if not v:
                cells.append("n/a")
                continue
            med[m] = statistics.median(v)
            fmt = (lambda x: "%.0f" % x) if f == "migrated_per_s" else fmt_ns
            cells.append(fmt(med[m]) + ("" if len(v) == 1 else " [%s-%s]" % (fmt(min(v)), fmt(max(v)))))
        r = "%.3f" % (med["lazy1"] / med["baseline"]) if med.get("baseline") and "lazy1" in med else "n/a"
        out.append("| %s | %s | %s |" % (title, " | ".join(cells), r))
    return out + [""]


def md_lock(data):
    lk = data["lock"]
    meta = data["meta"]
    out = ["### anon_vma rwsem contention (CONFIG_LOCK_STAT kernels, clock: %s)\n" %
           meta.get("lock_clock", "?")]
    run = next((lk[m]["run"] for m in MODES if m in lk), {})
    out.append("Workload: a parent with %s faulted VMAs of 4 pages forks %s children; each "
               "child runs %s iterations of (COW-write a page of an inherited VMA, mprotect "
               "split+merge it, MADV_PAGEOUT it, mmap/touch/munmap a private VMA) while the "
               "parent COW-writes and pages out its own copies. Times in microseconds; "
               "/proc/lock_stat was cleared when the children started.\n" %
               (run.get("vmas", "?"), run.get("workers", "?"), run.get("iters", "?")))
    out.append("| class | figure | baseline | lazy=0 | lazy=1 | lazy1/base |")
    out.append("|---|---|---|---|---|---|")
    classes = []
    for m in MODES:
        for c in lk.get(m, {}).get("classes", {}):
            if c not in classes:
                classes.append(c)
    for c in sorted(classes):
        for f in ("contentions", "waittime_total_us", "waittime_max_us", "acquisitions",
                  "holdtime_total_us"):
            st = {m: lk[m]["classes"][c][f] for m in MODES if m in lk and c in lk[m]["classes"]}
            cells = []
            for m in MODES:
                if m not in st:
                    cells.append("n/a")
                elif st[m]["min"] == st[m]["max"]:
                    cells.append("%.0f" % st[m]["median"])
                else:
                    cells.append("%.0f [%.0f-%.0f]" % (st[m]["median"], st[m]["min"], st[m]["max"]))
            b = st.get("baseline", {}).get("median")
            r = "%.2f" % (st["lazy1"]["median"] / b) if b and "lazy1" in st else "n/a"
            out.append("| %s | %s | %s | %s |" % (c, f, " | ".join(cells), r))
    cells, med = [], {}
    for m in MODES:
        ns = lk.get(m, {}).get("run", {}).get("ns")
        if not ns:
            cells.append("n/a")
            continue
        med[m] = ns["median"]
        cells.append("%.2f s [%.2f-%.2f]" % (ns["median"] / 1e9, ns["min"] / 1e9, ns["max"] / 1e9))
    r = "%.2f" % (med["lazy1"] / med["baseline"]) if med.get("baseline") and "lazy1" in med else "n/a"
    out.append("| (workload) | elapsed | %s | %s |" % (" | ".join(cells), r))
    out.append("\nMedian over %s boot(s) per kernel [min-max]; waittime/holdtime totals "
               "are summed over all waiters, so they can exceed the elapsed time.\n" %
               "/".join(str(lk[m]["nboots"]) for m in MODES if m in lk))
    out.append("")
    return out


def plots(data, run_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["(no plots: python3-matplotlib is missing; run: make deps)"]
    made = []
    mem = data["mem"]
    wls = [w for w in MEM_ORDER if any(w in mem.get(m, {}).get("workloads", {}) for m in MODES)]
    if wls:
        fig, ax = plt.subplots(figsize=(10, 5))
        width = 0.27
        for j, mode in enumerate(MODES):
            ys = []
            for w in wls:
                d = mem.get(mode, {}).get("workloads", {}).get(w)
                ys.append((d["anon_vma"]["bytes"] + d["anon_vma_chain"]["bytes"]) / 1024 if d else 0)
            ax.bar([i + (j - 1) * width for i in range(len(wls))], ys, width, label=mode)
        ax.set_xticks(range(len(wls)))
        ax.set_xticklabels(wls, rotation=20)
        ax.set_yscale("symlog")
        ax.set_ylabel("anon_vma + anon_vma_chain KiB added (exact)")
        ax.set_title("Slab bytes per workload (change against idle)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(run_dir, "slab-bytes.png"), dpi=100)
        plt.close(fig)
        made.append("slab-bytes.png")
    sp = data["speed"]
    if sp:
        fig, ax = plt.subplots(figsize=(8, 5))
        for mode in MODES:
            for test, style in (("fork1", "-o"), ("fork2", "--x")):
                pts = sorted((int(k.split("/")[1]), v["median"] / 1e3) for k, v in sp.get(mode, {}).items()
                             if k.startswith(test + "/"))
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], style,
                            label="%s %s" % (mode, "first fork" if test == "fork1" else "later forks"))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("faulted VMAs in the forking process")
        clock = "QEMU -icount guest clock" if "icount" in data["meta"].get("speed_clock", "") \
            else "TCG guest clock"
        ax.set_ylabel("fork() latency, us (median)")
        ax.set_title("Fork latency against VMA count (%s)" % clock)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(run_dir, "fork-latency.png"), dpi=100)
        plt.close(fig)
        made.append("fork-latency.png")
    return ["Plots: " + ", ".join(made) + "."] if made else []


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    run_dir, headline = argv[1], "--headline" in argv
    data = collect(run_dir)
    with open(os.path.join(run_dir, "bench.json"), "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    meta = data["meta"]
    md = ["## make bench: %s\n" % os.path.basename(os.path.abspath(run_dir)),
          "Kernel source: %s.\n" % meta.get("kernel_source", "not recorded (a run before the field)"),
          "Kernels: %s. Memory boots: %s. Speed clock: %s.\n" % (
              meta.get("kernels", "?"), meta.get("mem_slub", "?"), meta.get("speed_clock", "?"))]
    builds = {}
    for d, k in data["kernels_booted"].items():
        builds.setdefault(k, []).append(d)
    md.append("Kernel builds booted (uname -v): " + "; ".join(
        "`%s`: %s" % (k, ", ".join(v)) for k, v in builds.items()) + ".\n")
    md += md_headline(data) + [""]
    if not headline:
        md += md_debian(data)
        if data["mem"]:
            md += md_mem(data)
        if data["speed"]:
            md += md_speed(data)
        if data["walk"]:
            md += md_speed(data, "walk")
        if data["lock"]:
            md += md_lock(data)
        if data["life"]:
            md += md_life(data)
        md += plots(data, run_dir)
    elif data["speed"]:
        md += md_speed(data)
    if data["missing"]:
        md.append("\n**Missing data** (boot failed or printed nothing): " + ", ".join(data["missing"]))
    text = "\n".join(md) + "\n"
    with open(os.path.join(run_dir, "bench.md" if not headline else "headline.md"), "w") as f:
        f.write(text)
    print(text)
    return 1 if data["missing"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
