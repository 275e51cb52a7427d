# SPDX-License-Identifier: GPL-2.0
"""Tests of the report writers: benchreport.py (make bench), debiantable.py
(the Debian userland boots) and slabtable.py (make run's demo table), on
the small logs of tests/fixtures/."""

import json
import os
import shutil
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
sys.path.insert(0, HERE)
import benchreport  # noqa: E402
import debiantable  # noqa: E402
import figures  # noqa: E402
import slabtable  # noqa: E402
from test_figures import fixture, run  # noqa: E402


class Fixture(unittest.TestCase):
    NAME = None

    def setUp(self):
        self.tmp, self.run_dir = fixture(self.NAME)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def edit(self, rel, old, new):
        p = os.path.join(self.run_dir, rel)
        with open(p) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(p, "w") as f:
            f.write(text.replace(old, new))


class BenchReport(Fixture):
    NAME = "bench-run"

    def test_report(self):
        rc, out, _ = run(benchreport.main, ["benchreport.py", self.run_dir])
        self.assertEqual(rc, 0)
        self.assertIn("Kernel source: 6.12.118 (Debian linux-source-6.12 6.12.118-1~deb12u1).", out)
        # The headline has only rows with data: no Debian rows in this run.
        self.assertNotIn("Debian, after boot", out)
        self.assertIn("| vmas-1000 | anon_vma | 104,000 | n/a | 168 | n/a | -99.8% |", out)
        with open(os.path.join(self.run_dir, "bench.json")) as f:
            data = json.load(f)
        wl = data["mem"]["lazy1"]["workloads"]["vmas-1000"]
        self.assertEqual(wl["anon_vma"]["objs"], 1)
        self.assertEqual(wl["anon_vma_chain"]["bytes"], 0)
        self.assertEqual(data["mem"]["baseline"]["workloads"]["vmas-1000"]["anon_vma"]["bytes"], 104000)
        fork = data["speed"]["lazy1"]["fork1/1000"]
        self.assertEqual(fork["reps"], 3)
        self.assertEqual(fork["median"], 900002)
        self.assertTrue(os.path.exists(os.path.join(self.run_dir, "bench.md")))

    def test_lifecycle(self):
        rc, out, _ = run(benchreport.main, ["benchreport.py", self.run_dir])
        self.assertEqual(rc, 0)
        self.assertIn("### Android-like lifecycle", out)
        self.assertIn("| app start: fork() p50 | 20.00 ms | n/a | 18.00 ms | 0.900 |", out)
        self.assertIn("| shared pages migrated per second | 10000 | n/a | 5000 | 0.500 |", out)

    def test_lifecycle_renamed_figure_fails(self):
        self.edit("life-lazy1/ktap.log", "kill_p99_ns=", "kill_p99=")
        with self.assertRaisesRegex(figures.FigureError, "without kill_p99_ns"):
            run(benchreport.main, ["benchreport.py", self.run_dir])

    def test_headline(self):
        rc, out, _ = run(benchreport.main, ["benchreport.py", self.run_dir, "--headline"])
        self.assertEqual(rc, 0)
        self.assertTrue(os.path.exists(os.path.join(self.run_dir, "headline.md")))
        self.assertNotIn("| n/a | n/a | n/a |", out)

    def test_no_memory_no_headline(self):
        for d in os.listdir(self.run_dir):
            if d.startswith("mem-"):
                shutil.rmtree(os.path.join(self.run_dir, d))
        rc, out, _ = run(benchreport.main, ["benchreport.py", self.run_dir])
        self.assertNotIn("### Headline", out)
        self.assertIn("### Speed", out)

    def test_missing_boot(self):
        shutil.rmtree(os.path.join(self.run_dir, "speed-lazy1"))
        rc, out, _ = run(benchreport.main, ["benchreport.py", self.run_dir])
        self.assertEqual(rc, 1)
        self.assertIn("**Missing data**", out)
        self.assertIn("speed-lazy1", out)

    def test_renamed_figure_fails(self):
        self.edit("speed-lazy1/ktap.log", "ns=900001", "nsec=900001")
        with self.assertRaisesRegex(figures.FigureError, "without ns"):
            run(benchreport.main, ["benchreport.py", self.run_dir])


class DebianTable(Fixture):
    NAME = "debian-run"

    def test_table(self):
        rc, out, _ = run(debiantable.main, self.run_dir)
        self.assertEqual(rc, 0)
        self.assertIn("| anon_vma | 307 x 104 B = 31,928 B | 30 x 168 B = 5,040 B (**-84.2%**) | -97% |", out)
        with open(os.path.join(self.run_dir, "debian.json")) as f:
            d = json.load(f)
        self.assertEqual(d["after_boot"]["lazy1"]["anon_vma_chain"]["objs"], 0)
        self.assertEqual(d["apps24"]["baseline"]["anon_vma"]["objs"], 1879)

    def test_renamed_figure_fails(self):
        self.edit("debian-lazy1-1/ktap.log", "active_objs=", "in_use=")
        with self.assertRaisesRegex(figures.FigureError, "without active_objs"):
            run(debiantable.main, self.run_dir)


class SlabTable(Fixture):
    NAME = "demo-run"

    def test_table(self):
        rc, out, _ = run(slabtable.main, self.run_dir)
        self.assertEqual(rc, 0)
        self.assertIn("kernel source: 6.12.118 (Debian linux-source-6.12 6.12.118-1~deb12u1)", out)
        self.assertIn("| faulted | 1010 (+1000) | 1020 (+1000) | 1300 (+1000) | 232000 |", out)
        self.assertIn("| faulted | 10 (+0) | 20 (+0) | 1300 (+1000) | 0 |", out)
        with open(os.path.join(self.run_dir, "slab.json")) as f:
            self.assertEqual(json.load(f)["release-lazy1"]["faulted"]["anon_vma"]["active_objs"], 10)

    def test_cache_missing(self):
        self.edit("release-lazy1/ktap.log",
                  "phase=faulted cache=anon_vma_chain active_objs=20 num_objs=25 objsize=64 pagesperslab=1 num_slabs=9",
                  "phase=faulted cache=anon_vma_chain missing=1")
        rc, out, _ = run(slabtable.main, self.run_dir)
        self.assertEqual(rc, 0)
        self.assertIn("| faulted | 10 (+0) | n/a | 1300 (+1000) | 0 |", out)

    def test_renamed_figure_fails(self):
        self.edit("release-lazy0/ktap.log", "objsize=168", "size=168")
        with self.assertRaisesRegex(figures.FigureError, "without objsize"):
            run(slabtable.main, self.run_dir)

    def test_no_data(self):
        for d in ("release-lazy0", "release-lazy1"):
            os.remove(os.path.join(self.run_dir, d, "ktap.log"))
        rc, out, _ = run(slabtable.main, self.run_dir)
        self.assertEqual(rc, 1)


if __name__ == "__main__":
    unittest.main()


class Summarize(unittest.TestCase):
    """summarize.py: the boots of a run, and of a run inside it (make
    check's arm64 step writes its own run folder and summary there)."""

    def boot(self, name):
        return {"name": name, "flavour": "debug", "lazy": "1", "verdict": "pass",
                "counts": {"pass": 8, "skip": 0, "fail": 0, "xfail": 0},
                "splats": [], "seconds": 100, "kernel_source": "6.12.118"}

    def test_nested_run(self):
        import tempfile
        import summarize
        tmp = tempfile.mkdtemp()
        try:
            for d, s in (("debug-lazy1", self.boot("debug-lazy1")),
                         ("arm64", {"kernel_source": "6.12.118",
                                    "boots": [self.boot("arm64-debug-lazy1")]})):
                os.makedirs(os.path.join(tmp, d))
                with open(os.path.join(tmp, d, "summary.json"), "w") as f:
                    json.dump(s, f)
            rc, out, _ = run(summarize.main, tmp)
            self.assertEqual(rc, 0)
            self.assertIn("arm64-debug-lazy1", out)
            self.assertIn("debug-lazy1", out)
            with open(os.path.join(tmp, "summary.json")) as f:
                self.assertEqual(len(json.load(f)["boots"]), 2)
        finally:
            shutil.rmtree(tmp)
