#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-all.sh - the whole b4ns test suite (the README's test command).
#
# Usage (as root): sudo tests/run-all.sh [BUILD_DIR]
#
# Builds BUILD_DIR (default: build) if needed, runs the criterion unit tests
# through ctest, then every end-to-end suite below; their containers run as
# the unprivileged test user against servers in namespaces the suites
# create. Prints a last line "N passed, M failed, K skipped" over all of
# them and exits non-zero if anything failed.
#
# B4NS_SUITES="run preload" runs only the named suites (names as below);
# T_FILTER=REGEX runs only the end-to-end tests whose name matches.
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac

# name | script and arguments
SUITES=(
	"run|tests/e2e/run.sh --build $BUILD --chmod-tun"
	"run-preload|tests/e2e/run.sh --build $BUILD --chmod-tun --mode=preload"
	"publish|tests/e2e/publish.sh --build $BUILD"
	"preload|tests/e2e/preload.sh --build $BUILD"
	"oci|tests/e2e/oci.sh --build $BUILD --chmod-tun --no-bench"
	"podman-hook|tests/e2e/podman-hook.sh --build $BUILD"
	"escape|tests/e2e/escape.sh --build $BUILD"
	"fuse-stall|tests/e2e/fuse-stall.sh --build $BUILD"
	"cluster|tests/e2e/cluster.sh --build $BUILD"
	"registry|tests/e2e/registry.sh --build $BUILD --chmod-tun"
	"multinode|tests/e2e/multinode.sh --build $BUILD"
	"trace|tests/e2e/trace.sh --build $BUILD"
	"keeper|tests/e2e/keeper.sh --build $BUILD --chmod-tun"
	"dns|tests/e2e/dns.sh --build $BUILD --chmod-tun"
	"userns|tests/e2e/userns.sh --build $BUILD"
)

if [ "$(id -u)" != 0 ]; then
	echo "run-all.sh: run as root (it creates test network namespaces)" >&2
	exit 2
fi
if [ ! -x "$BUILD/b4ns" ]; then
	cmake -S "$SRC" -B "$BUILD" || exit 1
fi
cmake --build "$BUILD" -j"$(nproc)" || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0 failed=0 skipped=0
report=()

echo "== unit tests (ctest)"
ctest --test-dir "$BUILD" --output-on-failure -LE e2e 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
total=$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2/p' "$log")
bad=$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of.*/\1/p' "$log")
total=${total:-0} bad=${bad:-1}
[ "$rc" != 0 ] && [ "$bad" = 0 ] && bad=1
passed=$((passed + total - bad))
failed=$((failed + bad))
report+=("unit: $((total - bad)) passed, $bad failed")

for entry in "${SUITES[@]}"; do
	name=${entry%%|*}
	cmd=${entry#*|}
	if [ -n "${B4NS_SUITES:-}" ] && ! grep -qw -- "$name" <<<"$B4NS_SUITES"; then
		continue
	fi
	script=${cmd%% *}
	if [ ! -f "$SRC/$script" ]; then
		echo "run-all.sh: suite $name: $script missing" >&2
		failed=$((failed + 1))
		report+=("$name: missing")
		continue
	fi
	echo "== end-to-end suite: $name"
	# shellcheck disable=SC2086 # the arguments are words on purpose
	(cd "$SRC" && bash $cmd) 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' <<<"$line")
	f=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p' <<<"$line")
	s=$(sed -n 's/.*failed, \([0-9]*\) skipped.*/\1/p' <<<"$line")
	p=${p:-0} f=${f:-1} s=${s:-0}
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	report+=("$name: $p passed, $f failed, $s skipped")
done

echo "== summary"
printf '  %s\n' "${report[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
