# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of the bench's verdict logic (scripts/verdict.py)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import verdict  # noqa: E402

GOOD_KTAP = """\
# bench: kernel 6.12.117-bench lazy=1 suites=smoke
KTAP version 1
1..4
ok 1 bench:setup
ok 2 smoke:anon_smoke
ok 3 mm:ksm:ksm_tests -N -m 1 # SKIP
not ok 4 mm:cow:cow # exit=1
# bench: end
"""

CLEAN_CONSOLE = """\
[    0.000000] Linux version 6.12.117-bench
[    1.200000] bench: start smoke:anon_smoke
[    2.000000] reboot: Power down
"""

WARN_CONSOLE = CLEAN_CONSOLE + """\
[    3.000000] ------------[ cut here ]------------
[    3.000001] WARNING: CPU: 1 PID: 77 at mm/rmap.c:1234 folio_add_anon_rmap_ptes+0x1/0x2
[    3.000002] Call Trace:
"""

EXPECT = {"mm:ksm:ksm_tests -N -m 1": ("skip", "needs 2 nodes"),
          "mm:cow:cow": ("fail", "known upstream failure")}


class ParseKtap(unittest.TestCase):
    def test_good_document(self):
        r = verdict.parse_ktap(GOOD_KTAP)
        self.assertEqual([x["status"] for x in r], ["pass", "pass", "skip", "fail"])
        self.assertEqual(r[2]["name"], "mm:ksm:ksm_tests -N -m 1")
        self.assertEqual(r[3]["directive"], "exit=1")

    def test_missing_plan_fails(self):
        text = GOOD_KTAP.replace("1..4\n", "")
        with self.assertRaisesRegex(verdict.KtapError, "before the plan"):
            verdict.parse_ktap(text)

    def test_plan_only_at_end_fails(self):
        text = GOOD_KTAP.replace("1..4\n", "").replace("# bench: end", "1..4\n# bench: end")
        with self.assertRaises(verdict.KtapError):
            verdict.parse_ktap(text)

    def test_no_version_line_fails(self):
        with self.assertRaisesRegex(verdict.KtapError, "version"):
            verdict.parse_ktap("1..1\nok 1 x\n# bench: end\n")

    def test_empty_fails(self):
        with self.assertRaises(verdict.KtapError):
            verdict.parse_ktap("")

    def test_too_few_results_fails(self):
        text = GOOD_KTAP.replace("not ok 4 mm:cow:cow # exit=1\n", "")
        with self.assertRaisesRegex(verdict.KtapError, "plan says 4"):
            verdict.parse_ktap(text)

    def test_out_of_order_fails(self):
        text = GOOD_KTAP.replace("ok 2 smoke", "ok 7 smoke")
        with self.assertRaisesRegex(verdict.KtapError, "out of order"):
            verdict.parse_ktap(text)

    def test_missing_trailer_fails(self):
        text = GOOD_KTAP.replace("# bench: end\n", "")
        with self.assertRaisesRegex(verdict.KtapError, "did not finish"):
            verdict.parse_ktap(text)

    def test_garbage_line_fails(self):
        text = GOOD_KTAP.replace("ok 2 smoke", "okay 2 smoke")
        with self.assertRaisesRegex(verdict.KtapError, "unparsable"):
            verdict.parse_ktap(text)

    def test_crlf_and_diagnostics(self):
        text = GOOD_KTAP.replace("\n", "\r\n").replace(
            "ok 2 smoke", "# diag: not ok 99 inner\r\n    ok 1 nested\r\nok 2 smoke")
        self.assertEqual(len(verdict.parse_ktap(text)), 4)


class Splats(unittest.TestCase):
    def test_clean_log(self):
        self.assertEqual(verdict.find_splats(CLEAN_CONSOLE), [])

    def test_warning_detected(self):
        s = verdict.find_splats(WARN_CONSOLE)
        self.assertTrue(any("WARNING: CPU: 1" in x for x in s))

    def test_each_kind_detected(self):
        for line in [
            "BUG: KASAN: slab-use-after-free in rmap_walk_anon+0x10/0x20",
            "kernel BUG at mm/rmap.c:100!",
            "BUG: sleeping function called from invalid context at mm/rmap.c:1",
            "WARNING: possible circular locking dependency detected",
            "Oops: general protection fault, probably for non-canonical address",
            "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
            "INFO: task khugepaged:42 blocked for more than 120 seconds.",
            "Kernel panic - not syncing: Attempted to kill init!",
            "BUG: Bad page state in process anon_smoke  pfn:1234",
            "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!",
            "list_del corruption. prev->next should be ffff, but was ffff",
            "page dumped because: VM_BUG_ON_FOLIO(!folio_test_anon(folio))",
            "Out of memory: Killed process 123 (torture)",
        ]:
            self.assertEqual(verdict.find_splats("[ 1.0] " + line + "\n"),
                             ["[ 1.0] " + line], line)

    def test_allowlist(self):
        self.assertEqual(verdict.find_splats(WARN_CONSOLE, allow=[r"WARNING: CPU", r"Call Trace"]), [])


class Judge(unittest.TestCase):
    def test_good_run_with_expectations_passes(self):
        s = verdict.verdict(GOOD_KTAP, CLEAN_CONSOLE, expectations=EXPECT)
        self.assertEqual(s["verdict"], "pass", s["problems"])
        self.assertEqual(s["counts"], {"pass": 2, "skip": 1, "fail": 1, "xfail": 0})

    def test_unexpected_failure_fails(self):
        s = verdict.verdict(GOOD_KTAP, CLEAN_CONSOLE, expectations={})
        self.assertEqual(s["verdict"], "fail")
        self.assertTrue(any("mm:cow:cow" in p for p in s["problems"]))

    def test_skip_is_not_a_pass(self):
        exp = {"mm:cow:cow": ("fail", "")}
        s = verdict.verdict(GOOD_KTAP, CLEAN_CONSOLE, expectations=exp)
        self.assertEqual(s["verdict"], "fail")
        self.assertTrue(any("ksm_tests" in p and "skip" in p for p in s["problems"]))

    def test_better_than_baseline_is_a_note(self):
        exp = dict(EXPECT, **{"smoke:anon_smoke": ("fail", "")})
        s = verdict.verdict(GOOD_KTAP, CLEAN_CONSOLE, expectations=exp)
        self.assertEqual(s["verdict"], "pass")
        self.assertTrue(any("better" in n for n in s["notes"]))

    def test_missing_expected_test_fails(self):
        exp = dict(EXPECT, **{"mm:cow:cow-extra": ("pass", "")})
        s = verdict.verdict(GOOD_KTAP, CLEAN_CONSOLE, expectations=exp)
        self.assertTrue(any("missing" in p for p in s["problems"]))

    def test_category_not_run_is_not_missing(self):
        exp = dict(EXPECT, **{"mm:thp:khugepaged": ("pass", "")})
        s = verdict.verdict(GOOD_KTAP, CLEAN_CONSOLE, expectations=exp)
        self.assertEqual(s["verdict"], "pass", s["problems"])

    def test_warning_fails_a_passing_run(self):
        s = verdict.verdict(GOOD_KTAP, WARN_CONSOLE, expectations=EXPECT)
        self.assertEqual(s["verdict"], "fail")
        self.assertTrue(any("splat" in p for p in s["problems"]))

    def test_timeout_fails(self):
        s = verdict.verdict(GOOD_KTAP, CLEAN_CONSOLE, timed_out=True, expectations=EXPECT)
        self.assertEqual(s["verdict"], "fail")
        self.assertIn("QEMU timed out", s["problems"])

    def test_truncated_ktap_fails(self):
        s = verdict.verdict(GOOD_KTAP[:60], CLEAN_CONSOLE, expectations=EXPECT)
        self.assertEqual(s["verdict"], "fail")

    def test_xfail_counts_as_failure(self):
        text = GOOD_KTAP.replace("ok 2 smoke:anon_smoke", "not ok 2 smoke:anon_smoke # TODO")
        s = verdict.verdict(text, CLEAN_CONSOLE, expectations=EXPECT)
        self.assertEqual(s["verdict"], "fail")


class Expectations(unittest.TestCase):
    def test_parse(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("# comment\n\nskip mm:ksm:ksm_tests -N -m 1 # needs 2 nodes\n"
                    "pass mm:mmap:map_populate\n")
        try:
            e = verdict.load_expectations(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(e["mm:ksm:ksm_tests -N -m 1"], ("skip", "needs 2 nodes"))
        self.assertEqual(e["mm:mmap:map_populate"], ("pass", ""))

    def test_bad_line_is_an_error(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("maybe mm:x:y\n")
        try:
            with self.assertRaisesRegex(ValueError, ":1:"):
                verdict.load_expectations(f.name)
        finally:
            os.unlink(f.name)

    def test_committed_baseline_parses(self):
        path = os.path.join(HERE, "..", "expected", "baseline.txt")
        e = verdict.load_expectations(path)
        for name, (status, reason) in e.items():
            if status != "pass":
                self.assertTrue(reason, "%s is %s without a reason" % (name, status))


class Cli(unittest.TestCase):
    def run_cli(self, ktap, console, *extra):
        with tempfile.TemporaryDirectory() as d:
            k, c, j = (os.path.join(d, n) for n in ("k", "c", "j.json"))
            for path, text in ((k, ktap), (c, console)):
                with open(path, "w") as f:
                    f.write(text)
            p = subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "verdict.py"),
                                "--ktap", k, "--console", c, "--json", j,
                                "--meta", '{"name": "t"}', *extra],
                               capture_output=True, text=True)
            with open(j) as f:
                return p.returncode, json.load(f), p.stdout

    def test_exit_codes(self):
        ok = "KTAP version 1\n1..1\nok 1 a\n# bench: end\n"
        rc, s, out = self.run_cli(ok, CLEAN_CONSOLE)
        self.assertEqual((rc, s["verdict"], s["name"]), (0, "pass", "t"))
        self.assertIn("1 passed, 0 skipped, 0 failed", out)
        rc, s, _ = self.run_cli(ok, WARN_CONSOLE)
        self.assertEqual(rc, 1)
        rc, s, _ = self.run_cli(ok, CLEAN_CONSOLE, "--timed-out")
        self.assertEqual(rc, 1)
        rc, s, _ = self.run_cli("", CLEAN_CONSOLE)
        self.assertEqual(rc, 1)


if __name__ == "__main__":
    unittest.main()
