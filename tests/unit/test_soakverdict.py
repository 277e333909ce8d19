#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""test_soakverdict.py - bench/soakverdict.py, the verdict of bench/soak.

On synthetic CSVs: flat lines pass; a descriptor or a thread more (or a
descriptor fewer) than the baseline after the churn, in the daemon or in
its keeper, RSS more than the slack above the baseline, a keeper gone, a
missing "after" phase and a churn that never reached the daemon each fail;
the RSS slack's boundary; a file that is not a soak CSV. The committed run
(bench/results/soak/soak.csv) passes. The command line is run as bench/soak
runs it (exit status 0, 1, 2), the cases in-process (a python start costs
~0.3 s on the CI machine).

Usage: test_soakverdict.py (ctest runs it); no root, no containers.
"""
import csv
import io
import os
import re
import subprocess
import sys
import tempfile
import unittest

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERDICT = os.path.join(SRC, "bench", "soakverdict.py")
sys.dont_write_bytecode = True  # leave no __pycache__ in the tree
sys.path.insert(0, os.path.join(SRC, "bench"))
import soakverdict  # noqa: E402  (bench/ is not a package)

# daemon 13 fds, 2 threads, RSS 8556 KiB; keeper 6 fds, 1 thread, RSS
# 1200 KiB at the baseline and after; more fds and RSS during the churn
FLAT = """\
t,phase,fds,pidfds,threads,rss_kib,cpu_pct,keeper_fds,keeper_threads,keeper_rss_kib
6.1,baseline,13,32,2,8556,0,6,1,1200
6.3,baseline,13,32,2,8556,0.0,6,1,1200
8.5,churn,19,32,2,8824,1.8,9,1,1210
11.1,churn,23,32,2,8868,1.5,10,1,1220
13.7,churn,21,32,2,8864,1.9,9,1,1220
192.1,after,13,32,2,8588,1.9,6,1,1204
194.2,after,13,32,2,8588,0.0,6,1,1204
"""


def rows_of(text):
    """rows_of() - the CSV TEXT as soakverdict reads it"""
    return list(csv.DictReader(io.StringIO(text)))


def edit(text, t, **cols):
    """edit() - TEXT with the columns COLS of the row at time T replaced"""
    lines = text.splitlines()
    head = lines[0].split(",")
    for i, line in enumerate(lines[1:], 1):
        f = line.split(",")
        if f[0] == t:
            for k, v in cols.items():
                f[head.index(k)] = str(v)
            lines[i] = ",".join(f)
    return "\n".join(lines) + "\n"


class Verdict(unittest.TestCase):
    def check(self, text, fails, pattern, slack=1024):
        lines, n = soakverdict.verdict(rows_of(text), slack)
        self.assertEqual(n, fails, "\n".join(lines))
        self.assertTrue(any(re.search(pattern, ln) for ln in lines),
                        f"no line matching {pattern!r} in:\n" + "\n".join(lines))

    def test_flat(self):
        self.check(FLAT, 0, r"^ok: back to the baseline")

    def test_last_after_row_decides(self):
        # a descriptor still open at the first "after" sample is not growth
        self.check(edit(FLAT, "192.1", fds=14), 0, r"^ok:")

    def test_daemon_fd_more(self):
        self.check(edit(FLAT, "194.2", fds=14), 1,
                   r"^FAIL: daemon descriptors 13 -> 14")

    def test_daemon_fd_fewer(self):
        self.check(edit(FLAT, "194.2", fds=12), 1,
                   r"^FAIL: daemon descriptors 13 -> 12")

    def test_daemon_thread(self):
        self.check(edit(FLAT, "194.2", threads=3), 1,
                   r"^FAIL: daemon threads 2 -> 3")

    def test_rss_slack_boundary(self):
        # 1024 KiB above the baseline is allowed, 1025 is not
        self.check(edit(FLAT, "194.2", rss_kib=8556 + 1024), 0, r"^ok:")
        self.check(edit(FLAT, "194.2", rss_kib=8556 + 1025), 1,
                   r"^FAIL: daemon RSS \(KiB\) 8556 -> 9581")
        self.check(edit(FLAT, "194.2", rss_kib=8556 + 1025), 0,
                   r"^ok: .*within 2048 KiB", slack=2048)

    def test_keeper_fd(self):
        self.check(edit(FLAT, "194.2", keeper_fds=7), 1,
                   r"^FAIL: keeper descriptors 6 -> 7")

    def test_keeper_thread(self):
        self.check(edit(FLAT, "194.2", keeper_threads=2), 1,
                   r"^FAIL: keeper threads 1 -> 2")

    def test_keeper_rss(self):
        self.check(edit(FLAT, "194.2", keeper_rss_kib=2300), 1,
                   r"^FAIL: keeper RSS \(KiB\) 1200 -> 2300")

    def test_keeper_gone(self):
        self.check(edit(FLAT, "194.2", keeper_fds="", keeper_threads="",
                        keeper_rss_kib=""), 3,
                   r"^FAIL: keeper descriptors: baseline 6, after None")

    def test_no_keeper_columns_values(self):
        text = FLAT
        for t in ("6.1", "6.3", "8.5", "11.1", "13.7", "192.1", "194.2"):
            text = edit(text, t, keeper_fds="", keeper_threads="",
                        keeper_rss_kib="")
        self.check(text, 0, r"^ok:")

    def test_no_after(self):
        text = "".join(ln + "\n" for ln in FLAT.splitlines()
                       if ",after," not in ln)
        self.check(text, 1, r"^FAIL: no sample after the churn")

    def test_churn_never_reached_daemon(self):
        text = FLAT
        for t in ("8.5", "11.1", "13.7"):
            text = edit(text, t, fds=13)
        self.check(text, 1, r"^FAIL: the churn never raised")


class CommandLine(unittest.TestCase):
    def run_verdict(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".csv") as f:
            f.write(text)
            f.flush()
            return subprocess.run([sys.executable, VERDICT, f.name],
                                  capture_output=True, text=True)

    def test_exit_status(self):
        self.assertEqual(self.run_verdict(FLAT).returncode, 0)
        p = self.run_verdict(edit(FLAT, "194.2", fds=14))
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("FAIL: daemon descriptors 13 -> 14", p.stdout)
        p = self.run_verdict("a,b\n1,2\n")
        self.assertEqual(p.returncode, 2)
        self.assertIn("not a soak CSV", p.stderr)

    def test_committed_run(self):
        p = subprocess.run([sys.executable, VERDICT, os.path.join(
            SRC, "bench", "results", "soak", "soak.csv")],
            capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
