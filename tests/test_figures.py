# SPDX-License-Identifier: GPL-2.0
"""Tests of the one figure format (scripts/figures.py), of whatran.py that
reads the stress suites' figures, and of runtools.py (the JSON helpers of
the shell scripts)."""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import figures  # noqa: E402
import runtools  # noqa: E402
import whatran  # noqa: E402


def fixture(name):
    """A scratch copy of tests/fixtures/NAME (the tools write into it)."""
    tmp = tempfile.mkdtemp()
    dst = os.path.join(tmp, name)
    shutil.copytree(os.path.join(FIXTURES, name), dst)
    return tmp, dst


def run(main, *args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(*args)
    return rc, out.getvalue(), err.getvalue()


class FoldLazy(unittest.TestCase):
    """Lazy anon_vmas (their own cache) count as anon_vmas, bytes exact."""

    def test_folds_objects_bytes_pages(self):
        caches = {"anon_vma": {"active_objs": 10, "num_objs": 20, "objsize": 104,
                               "num_slabs": 1, "pagesperslab": 1},
                  "anon_vma_lazy": {"active_objs": 2, "num_objs": 24, "objsize": 168,
                                    "num_slabs": 1, "pagesperslab": 1},
                  "anon_vma_chain": {"active_objs": 0, "objsize": 64}}
        av = figures.fold_lazy(caches)["anon_vma"]
        self.assertNotIn("anon_vma_lazy", caches)
        self.assertEqual((av["active_objs"], av["num_objs"], av["num_slabs"]), (12, 44, 2))
        self.assertEqual(av["bytes"], 10 * 104 + 2 * 168)
        self.assertEqual(av["pages"], 2)
        self.assertEqual((av["lazy_objs"], av["lazy_objsize"], av["objsize"]), (2, 168, 104))

    def test_unpatched_kernel(self):
        caches = {"anon_vma": {"active_objs": 3, "objsize": 104}}
        self.assertEqual(figures.fold_lazy(caches)["anon_vma"]["bytes"], 312)
        caches = {"anon_vma": {"active_objs": 3, "objsize": 104},
                  "anon_vma_lazy": {"missing": 1}}
        av = figures.fold_lazy(caches)["anon_vma"]
        self.assertEqual((av["bytes"], av["active_objs"]), (312, 3))
        self.assertNotIn("lazy_objs", av)


class ParseLine(unittest.TestCase):
    def test_other_lines(self):
        self.assertIsNone(figures.parse_line("ok 1 torture:seed1"))
        self.assertIsNone(figures.parse_line("# total ops 5000"))

    def test_values(self):
        kind, r = figures.parse_line(
            "# bench-data: time test=fork1 n=10 rep=1 ops=1 ns=182020 x=1.5 w=abc")
        self.assertEqual(kind, "time")
        self.assertEqual(r, {"test": "fork1", "n": 10, "rep": 1, "ops": 1, "ns": 182020,
                             "x": 1.5, "w": "abc"})

    def test_names_stay_strings(self):
        _, r = figures.parse_line("bench-data: slab phase=1 cache=2 active_objs=3")
        self.assertEqual((r["phase"], r["cache"], r["active_objs"]), ("1", "2", 3))

    def test_not_key_value(self):
        with self.assertRaises(figures.FigureError):
            figures.parse_line("# bench-data: time 12 ns")

    def test_needed_key_missing(self):
        need = {"time": ("test", "ns")}
        figures.parse_line("bench-data: time test=a ns=1", need=need)
        with self.assertRaisesRegex(figures.FigureError, "without ns"):
            figures.parse_line("bench-data: time test=a nsec=1", need=need)

    def test_figures_schema(self):
        line = ("bench-data: figures src=flip flips=3 lazy_roots=4")
        self.assertEqual(figures.parse_line(line)[1]["flips"], 3)
        # A renamed figure fails, it does not read as 0.
        with self.assertRaisesRegex(figures.FigureError, "without flips"):
            figures.parse_line("bench-data: figures src=flip flipz=3 lazy_roots=4")
        with self.assertRaisesRegex(figures.FigureError, "unknown src"):
            figures.parse_line("bench-data: figures src=nosuch a=1")

    def test_records_kind_and_place(self):
        lines = ["x", "bench-data: check test=t key=k value=-3", "bench-data: lock ns=1"]
        self.assertEqual(figures.records(lines, "check"),
                         [("check", {"test": "t", "key": "k", "value": -3})])
        with self.assertRaisesRegex(figures.FigureError, "log:2"):
            figures.records(["", "bench-data: check =1"], where="log")

    def test_read_missing_file(self):
        self.assertEqual(figures.read("/nonexistent/ktap.log"), [])

    def test_main(self):
        log = os.path.join(FIXTURES, "check-run", "debug-lazy1", "ktap.log")
        rc, out, _ = run(figures.main, ["figures.py", log, "figures", "flip"])
        self.assertEqual(rc, 0)
        self.assertEqual(out, "figures src=flip flips=68 lazy_roots=93 secs=40\n")
        rc, _, err = run(figures.main, ["figures.py", log, "figures", "nosuch"])
        self.assertEqual(rc, 1)
        self.assertIn("no bench-data figures src=nosuch records", err)


class WhatRan(unittest.TestCase):
    def setUp(self):
        self.tmp, self.run_dir = fixture("check-run")
        self.ktap = os.path.join(self.run_dir, "debug-lazy1", "ktap.log")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def edit(self, old, new):
        with open(self.ktap) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(self.ktap, "w") as f:
            f.write(text.replace(old, new))

    def test_sums(self):
        rc, out, err = run(whatran.main, self.run_dir)
        self.assertEqual((rc, err), (0, ""))
        with open(os.path.join(self.run_dir, "whatran.json")) as f:
            b = json.load(f)["boots"][0]
        self.assertEqual(b["torture_runs"], 3)
        self.assertEqual(b["torture_ops"], 8000)
        self.assertEqual(b["pages_verified"], 112000)
        self.assertEqual(b["pages_migrated"], 250)
        self.assertEqual(b["stressors"], 2)
        self.assertEqual(b["stress_secs"], 13.1)
        self.assertEqual(b["trinity_syscalls"], 12345)
        self.assertEqual(b["flips"], 68)
        self.assertEqual(b["pswpout"], 28694)
        self.assertEqual(b["injected_failures"], 1858)
        self.assertEqual(b["suite_secs"], {"stress": 6, "torture": 60})
        self.assertIn("| debug-lazy1 | 1 | pass | 9 | 0 | 3 | 8000 |", out)

    def test_renamed_figure_fails(self):
        self.edit("injected_failures=1858", "failures_injected=1858")
        rc, out, err = run(whatran.main, self.run_dir)
        self.assertEqual(rc, 1)
        self.assertIn("without injected_failures", err)

    def test_suite_without_figures_fails(self):
        self.edit("# bench-data: figures src=trinity trinity_syscalls=12345\n", "")
        rc, _, err = run(whatran.main, self.run_dir)
        self.assertEqual(rc, 1)
        self.assertIn("suite trinity passed but printed no 'bench-data: figures src=trinity'", err)

    def test_skipped_suite_needs_no_figures(self):
        self.edit("# bench-data: figures src=flip flips=68 lazy_roots=93 secs=40\n", "")
        self.edit("ok 6 flip:torture", "ok 6 flip:torture # SKIP no switch")
        self.edit("ok 7 flip:flipped", "ok 7 flip:flipped # SKIP no switch")
        rc, _, err = run(whatran.main, self.run_dir)
        self.assertEqual((rc, err), (0, ""))


class RunTools(unittest.TestCase):
    NEG = {"problems": ["bench:deliberate-failure: failed"],
           "splats": ["[ 1.0] WARNING: CPU: 0 PID: 1 at drivers/misc/lkdtm/bugs.c:1"]}

    def test_planted(self):
        self.assertTrue(runtools.planted(self.NEG))
        self.assertFalse(runtools.planted(dict(self.NEG, splats=[])))
        self.assertFalse(runtools.planted(dict(self.NEG, problems=["other"])))

    def test_caught(self):
        self.assertEqual(runtools.caught(None), "no verdict (boot did not finish)")
        s = {"results": [{"name": "smoke:a", "status": "fail"}, {"name": "b", "status": "pass"}],
             "splats": ["kernel BUG at mm/rmap.c:1 | x"], "problems": ["QEMU timed out after 9s"]}
        self.assertEqual(runtools.caught(s), "tests: smoke:a; splat: `kernel BUG at mm/rmap.c:1 / x`; "
                         "QEMU timed out after 9s")
        self.assertEqual(runtools.caught({}), "-")

    def test_baseline(self):
        s = {"results": [{"name": "mm:a", "status": "pass", "directive": ""},
                         {"name": "mm:b", "status": "xfail", "directive": "exit=1"},
                         {"name": "smoke:c", "status": "fail", "directive": ""}]}
        text, n = runtools.baseline(s)
        self.assertEqual(n, 2)
        self.assertIn("pass mm:a\n", text)
        self.assertIn("fail mm:b # TODO reason: exit=1\n", text)
        self.assertNotIn("smoke:c", text)

    def test_benchmeta_adds_boots(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "meta.json")
            runtools.benchmeta(out, 3, 1, "clock", "quick", 300, ["mem-lazy1"], "abc", "6.12.118")
            m = runtools.benchmeta(out, 3, 1, "clock", "quick", 300, ["lock-lazy1"])
            self.assertEqual(m["boots"], ["lock-lazy1", "mem-lazy1"])
            with open(out) as f:
                self.assertEqual(json.load(f)["kernel_source"], "unknown")


if __name__ == "__main__":
    unittest.main()
