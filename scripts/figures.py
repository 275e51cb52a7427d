# SPDX-License-Identifier: GPL-2.0
"""The one machine-readable format of the guest's figures, and its parser.

Every figure the host reads from a guest log is on one line

    bench-data: KIND key=value key=value ...

printed by guest/src/*.c and guest/suites/* (a KTAP diagnostic prefix
"# " is allowed before it). Values are integers, decimals or words.

A reader names the keys it needs per kind (need=); FIGURES names them for
the "figures" lines of the stress suites, per src=. A record without one of
them, a "figures" record of an unknown src, or a "bench-data:" line that is
not key=value pairs raises FigureError: a printf renamed in the guest fails
the host's report loudly instead of reading as 0.
"""

import re
import sys

MARK = "bench-data: "
LINE = re.compile(r"bench-data: ([A-Za-z_][\w-]*)((?:[ \t]+[^\s=]+=\S*)*)[ \t]*$")

# The stress suites' figures (scripts/whatran.py): the keys of a
# "bench-data: figures src=SRC ..." line, per SRC.
FIGURES = {
    "torture": ("torture_ops", "torture_procs", "torture_execs", "pages_verified",
                "pageout_checked", "pageout_large_shared", "pages_migrated",
                "ksm_dup_pages"),
    "stress": ("stress_secs",),
    "trinity": ("trinity_syscalls",),
    "flip": ("flips", "lazy_roots"),
    "pressure": ("pswpout", "pgmigrate_success"),
    "faultinj": ("injected_failures",),
}


# Keys that name things: kept as strings even when they look like numbers.
NAMES = ("src", "wl", "phase", "cache", "test", "key", "name", "stressor")


class FigureError(ValueError):
    """A bench-data line the host cannot read, or a figure missing from it."""


def value(v):
    """'12' -> 12, '1.5' -> 1.5, anything else stays a string."""
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    if re.fullmatch(r"-?\d+\.\d*", v):
        return float(v)
    return v


def parse_line(line, where="?", need=None):
    """(kind, {key: value}) of a bench-data line, None for any other line.
    need: {kind: keys that kind's records must carry}."""
    if MARK not in line:
        return None
    m = LINE.search(line)
    if not m:
        raise FigureError("%s: not a 'bench-data: KIND key=value ...' line: %r"
                          % (where, line.strip()))
    kind = m.group(1)
    rec = {}
    for kv in m.group(2).split():
        k, v = kv.split("=", 1)
        rec[k] = v if k in NAMES else value(v)
    need = list((need or {}).get(kind, ()))
    if kind == "figures":
        src = rec.get("src")
        if src not in FIGURES:
            raise FigureError("%s: figures of an unknown src=%r (known: %s): %r"
                              % (where, src, ", ".join(sorted(FIGURES)), line.strip()))
        need += FIGURES[src]
    missing = [k for k in need if k not in rec]
    if missing:
        raise FigureError("%s: bench-data %s line without %s: %r"
                          % (where, kind, ", ".join(missing), line.strip()))
    return kind, rec


LAZY = "anon_vma_lazy"


def fold_lazy(caches):
    """Count lazy anon_vmas as anon_vmas. The series' kernels allocate them
    from a slab cache of their own, anon_vma_lazy, with larger objects.
    caches maps cache names to slab records (active_objs, objsize and, if
    known, num_objs, num_slabs, pagesperslab). The anon_vma record gets the
    sums of the objects and slabs of both caches and their exact 'bytes' and
    'pages'; its objsize stays that of a regular anon_vma, and lazy_objs and
    lazy_objsize say what was added. anon_vma_lazy is dropped. Returns caches."""
    lazy = caches.pop(LAZY, None)
    av = caches.get("anon_vma")
    if not av or av.get("missing"):
        return caches
    av = dict(av)
    nbytes = av["active_objs"] * av["objsize"]
    pages = av.get("num_slabs", 0) * av.get("pagesperslab", 0)
    if lazy and not lazy.get("missing"):
        nbytes += lazy["active_objs"] * lazy["objsize"]
        pages += lazy.get("num_slabs", 0) * lazy.get("pagesperslab", 0)
        av["lazy_objs"], av["lazy_objsize"] = lazy["active_objs"], lazy["objsize"]
        for k in ("active_objs", "num_objs", "num_slabs"):
            if k in av and k in lazy:
                av[k] += lazy[k]
    av["bytes"], av["pages"] = nbytes, pages
    caches["anon_vma"] = av
    return caches


def slab_bytes(rec):
    """Bytes in use of a slab record: fold_lazy()'s exact sum, else objects
    times object size."""
    return rec.get("bytes", rec["active_objs"] * rec["objsize"])


def require(rec, keys, where="?"):
    """FigureError unless the record carries every one of keys."""
    missing = [k for k in keys if k not in rec]
    if missing:
        raise FigureError("%s: bench-data record without %s: %r" % (where, ", ".join(missing), rec))


def records(lines, kind=None, where="?", need=None):
    """Every bench-data record of lines (an iterable of str), in order, as
    (kind, dict); only those of one kind if given."""
    out = []
    for n, line in enumerate(lines, 1):
        r = parse_line(line, "%s:%d" % (where, n), need)
        if r and (kind is None or r[0] == kind):
            out.append(r)
    return out


def read(path, kind=None, need=None):
    """records() of a file; [] if it does not exist."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    return records(lines, kind, path, need)


def main(argv):
    """figures.py LOG [KIND [SRC]]: print the bench-data records of LOG (of
    one kind, of one src); exit 1 if a line is malformed or none matches."""
    if len(argv) < 2:
        print(main.__doc__, file=sys.stderr)
        return 2
    kind = argv[2] if len(argv) > 2 else None
    src = argv[3] if len(argv) > 3 else None
    try:
        recs = [(k, r) for k, r in read(argv[1], kind) if src is None or r.get("src") == src]
    except FigureError as e:
        print("figures: %s" % e, file=sys.stderr)
        return 1
    for k, r in recs:
        print(k, " ".join("%s=%s" % kv for kv in r.items()))
    if not recs:
        print("figures: no bench-data %s%s records in %s" % (
            kind or "", " src=" + src if src else "", argv[1]), file=sys.stderr)
    return 0 if recs else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
