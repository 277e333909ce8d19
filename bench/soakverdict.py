#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""soakverdict.py - did the daemon grow? The verdict of bench/soak on its CSV.

Usage: soakverdict.py SOAK_CSV [--rss-slack KIB]

Theory of operation: bench/soak writes one row per sample with a phase,
"baseline" (everything stopped, after a warm-up), "churn" or "after" (the
churn stopped and every container removed), and for the daemon (the
worker) and its keeper their descriptors, threads and RSS (the columns
below; the keeper's are empty when it has none). The verdict compares the
last "after" row with the last "baseline" row, for the worker and for the
keeper alike: descriptors and threads must be back to the baseline's, RSS
at most --rss-slack KiB (default 1024: 1 MiB) above it. Two more failures
keep the soak from passing while it measured nothing: no "after" row (the
daemon died, or the soak stopped early), and a churn that never raised the
daemon's descriptors above the baseline (no container reached it).

Prints the values compared and one "FAIL: ..." line per failure, or "ok:";
exit status 0 if the daemon did not grow, 1 if it did, 2 for a CSV that is
not a soak's.
"""
import argparse
import csv
import sys

# (CSV column, what it is, RSS-like: compared with the slack)
MEASURES = (
    ("fds", "daemon descriptors", False),
    ("threads", "daemon threads", False),
    ("rss_kib", "daemon RSS (KiB)", True),
    ("keeper_fds", "keeper descriptors", False),
    ("keeper_threads", "keeper threads", False),
    ("keeper_rss_kib", "keeper RSS (KiB)", True),
)
REQUIRED = ("phase", "fds", "threads", "rss_kib")


def value(row, col):
    """value() - column COL of ROW as an int, None if absent or empty"""
    v = row.get(col)
    if v is None or v.strip() == "":
        return None
    return int(v)


def verdict(rows, rss_slack):
    """verdict() - the failure lines for the soak's ROWS (none: no growth)

    Returns (lines, failures): the report, and how many of its lines failed.
    """
    base = [r for r in rows if r["phase"] == "baseline"]
    churn = [r for r in rows if r["phase"] == "churn"]
    after = [r for r in rows if r["phase"] == "after"]
    if not base:
        return ["FAIL: no baseline sample"], 1
    if not after:
        return ["FAIL: no sample after the churn (the daemon died, or the "
                "soak stopped early)"], 1
    b, f = base[-1], after[-1]
    lines, fails = [], 0
    for col, what, slack in MEASURES:
        bv, fv = value(b, col), value(f, col)
        if bv is None and fv is None:
            continue
        if bv is None or fv is None:
            lines.append(f"FAIL: {what}: baseline {bv}, after {fv} "
                         "(the process appeared or vanished)")
            fails += 1
            continue
        peak = max([value(r, col) or 0 for r in rows])
        lines.append(f"{what}: baseline {bv}, peak {peak}, after {fv}")
        if slack:
            if fv > bv + rss_slack:
                lines.append(f"FAIL: {what} {bv} -> {fv}, more than "
                             f"{rss_slack} KiB above the baseline")
                fails += 1
        elif fv != bv:
            lines.append(f"FAIL: {what} {bv} -> {fv}, not back to the "
                         "baseline")
            fails += 1
    if not churn or max(value(r, "fds") or 0 for r in churn) <= value(b, "fds"):
        lines.append("FAIL: the churn never raised the daemon's descriptors "
                     "above the baseline: no container reached it")
        fails += 1
    if not fails:
        lines.append(f"ok: back to the baseline (RSS within {rss_slack} KiB)")
    return lines, fails


def main():
    ap = argparse.ArgumentParser(description="bench/soak's verdict")
    ap.add_argument("csv")
    ap.add_argument("--rss-slack", type=int, default=1024, metavar="KIB")
    args = ap.parse_args()
    try:
        with open(args.csv, newline="") as fh:
            rows = list(csv.DictReader(fh))
        missing = [c for c in REQUIRED if rows and c not in rows[0]]
        if not rows or missing:
            print(f"soakverdict: {args.csv}: not a soak CSV (no rows, or "
                  f"no column {', '.join(missing)})", file=sys.stderr)
            return 2
        lines, fails = verdict(rows, args.rss_slack)
    except (OSError, ValueError) as e:
        print(f"soakverdict: {args.csv}: {e}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
