#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-all.sh - the whole b4ns test suite (the README's test command).
#
# Usage (as root): sudo tests/run-all.sh [BUILD_DIR]
#
# Builds BUILD_DIR (default: build) if needed, runs the criterion unit tests
# through ctest, then the end-to-end suite (tests/e2e/run.sh), whose
# containers run as the unprivileged test user. Prints a last line
# "N passed, M failed" over both and exits non-zero if anything failed.
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "run-all.sh: run as root (it creates test network namespaces)" >&2
	exit 2
fi
if [ ! -x "$BUILD/b4ns" ]; then
	cmake -S "$SRC" -B "$BUILD" || exit 1
fi
cmake --build "$BUILD" -j"$(nproc)" || exit 1

unit_log=$(mktemp)
trap 'rm -f "$unit_log"' EXIT

echo "== unit tests (ctest)"
ctest --test-dir "$BUILD" --output-on-failure 2>&1 | tee "$unit_log"
unit_rc=${PIPESTATUS[0]}
unit_total=$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2/p' "$unit_log")
unit_failed=$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of.*/\1/p' "$unit_log")
unit_total=${unit_total:-0}
unit_failed=${unit_failed:-1}
if [ "$unit_rc" != 0 ] && [ "$unit_failed" = 0 ]; then
	unit_failed=1
fi

echo "== end-to-end tests"
e2e_log=$(mktemp)
trap 'rm -f "$unit_log" "$e2e_log"' EXIT
bash "$SRC/tests/e2e/run.sh" --build "$BUILD" --chmod-tun 2>&1 | tee "$e2e_log"
e2e_rc=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$e2e_log" | tail -n 1)
e2e_passed=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' <<<"$summary")
e2e_failed=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p' <<<"$summary")
e2e_skipped=$(sed -n 's/.*failed, \([0-9]*\) skipped.*/\1/p' <<<"$summary")
e2e_passed=${e2e_passed:-0}
e2e_failed=${e2e_failed:-1}
e2e_skipped=${e2e_skipped:-0}
if [ "$e2e_rc" != 0 ] && [ "$e2e_failed" = 0 ]; then
	e2e_failed=1
fi

passed=$((unit_total - unit_failed + e2e_passed))
failed=$((unit_failed + e2e_failed))
echo "== summary: unit $((unit_total - unit_failed))/$unit_total, e2e $e2e_passed passed, $e2e_failed failed, $e2e_skipped skipped"
echo "$passed passed, $failed failed, $e2e_skipped skipped"
[ "$failed" = 0 ]
