#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_soakverdict.sh - bench/soakverdict.py, the verdict of bench/soak, on
# synthetic CSVs: flat lines pass; a descriptor or a thread more than the
# baseline after the churn (daemon or keeper), RSS more than the slack
# above it, a missing "after" phase and a churn that never reached the
# daemon each fail; the RSS slack's boundary; a file that is not a soak CSV.
# Also the committed run (bench/results/soak/soak.csv) passes.
#
# Usage: test_soakverdict.sh (ctest runs it); no root, no containers.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
verdict=$src/bench/soakverdict.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 bad=0

# csv NAME [SED-EXPR...] - $tmp/NAME.csv: a flat soak (daemon 13 fds, 2
# threads, RSS 8556 KiB; keeper 6 fds, 1 thread, RSS 1200 KiB at the
# baseline and after; more fds and RSS during the churn), edited by the
# sed expressions
csv() {
	local name=$1 e
	shift
	cat >"$tmp/$name.csv" <<'EOF'
t,phase,fds,pidfds,threads,rss_kib,cpu_pct,keeper_fds,keeper_threads,keeper_rss_kib
6.1,baseline,13,32,2,8556,0,6,1,1200
6.3,baseline,13,32,2,8556,0.0,6,1,1200
8.5,churn,19,32,2,8824,1.8,9,1,1210
11.1,churn,23,32,2,8868,1.5,10,1,1220
13.7,churn,21,32,2,8864,1.9,9,1,1220
192.1,after,13,32,2,8588,1.9,6,1,1204
194.2,after,13,32,2,8588,0.0,6,1,1204
EOF
	for e in "$@"; do
		sed -i "$e" "$tmp/$name.csv"
	done
}

# check NAME WANT-STATUS [WANT-REGEX] - the verdict on $tmp/NAME.csv exits
# with WANT-STATUS and prints a line matching WANT-REGEX
check() {
	local name=$1 want=$2 re=${3:-} out rc
	n=$((n + 1))
	out=$(python3 "$verdict" "$tmp/$name.csv" ${SLACK:+--rss-slack "$SLACK"} 2>&1)
	rc=$?
	if [[ $rc != "$want" ]] || { [[ -n $re ]] && ! grep -qE -- "$re" <<<"$out"; }; then
		echo "not ok $n - $name: exit $rc (want $want${re:+, a line matching /$re/})"
		printf '%s\n' "$out" | sed 's/^/    /'
		bad=$((bad + 1))
	else
		echo "ok $n - $name"
	fi
}

csv flat
check flat 0 '^ok: back to the baseline'
# the last "after" row decides: an fd still open in the first is not growth
csv settling '/^192.1/s/,13,32,/,14,32,/'
check settling 0 '^ok:'
csv daemon-fd '/^194.2/s/,13,32,/,14,32,/'
check daemon-fd 1 '^FAIL: daemon descriptors 13 -> 14'
csv daemon-fd-fewer '/^194.2/s/,13,32,/,12,32,/'
check daemon-fd-fewer 1 '^FAIL: daemon descriptors 13 -> 12'
csv daemon-thread '/^194.2/s/,32,2,/,32,3,/'
check daemon-thread 1 '^FAIL: daemon threads 2 -> 3'
# RSS: 1024 KiB above the baseline is allowed, 1025 is not
csv rss-edge '/^194.2/s/,8588,/,9580,/'
check rss-edge 0 '^ok:'
csv rss-over '/^194.2/s/,8588,/,9581,/'
check rss-over 1 '^FAIL: daemon RSS \(KiB\) 8556 -> 9581'
SLACK=2048 check rss-over 0 '^ok: .*within 2048 KiB'
csv keeper-fd '/^194.2/s/,6,1,1204$/,7,1,1204/'
check keeper-fd 1 '^FAIL: keeper descriptors 6 -> 7'
csv keeper-rss '/^194.2/s/,6,1,1204$/,6,1,2300/'
check keeper-rss 1 '^FAIL: keeper RSS \(KiB\) 1200 -> 2300'
csv keeper-gone '/^194.2/s/,6,1,1204$/,,,/'
check keeper-gone 1 '^FAIL: keeper descriptors: baseline 6, after None'
csv no-keeper 's/,6,1,1[0-9]*$/,,,/'
check no-keeper 0 '^ok:'
csv no-after '/,after,/d'
check no-after 1 '^FAIL: no sample after the churn'
csv no-churn 's/^\([^,]*,churn,\)[0-9]*,/\113,/'
check no-churn 1 '^FAIL: the churn never raised'
printf 'a,b\n1,2\n' >"$tmp/garbage.csv"
check garbage 2 'not a soak CSV'
n=$((n + 1))
if out=$(python3 "$verdict" "$src/bench/results/soak/soak.csv" 2>&1); then
	echo "ok $n - the committed run (bench/results/soak) passes"
else
	echo "not ok $n - the committed run (bench/results/soak) fails:"
	printf '%s\n' "$out" | sed 's/^/    /'
	bad=$((bad + 1))
fi

echo "1..$n"
echo "$((n - bad)) passed, $bad failed"
((bad == 0))
