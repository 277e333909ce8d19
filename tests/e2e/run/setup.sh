# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # variables the tests of run.sh read
#
# setup.sh - the fixtures of tests/e2e/run.sh (sourced by it after
# e2e_setup): the switching mode (CTR_OPTS; EFFECTIVE, what --mode resolves
# to; PRELOAD), the servers in the test host (listed at the head of run.sh)
# and the helpers static_unswitched and need_b4ns.

# The switching mode: CTR_OPTS is added to every "b4ns run"; EFFECTIVE is
# what the mode resolves to (auto is asked); PRELOAD=1 when sockets are
# switched by libb4ns.so.
[[ -n $MODE ]] && CTR_OPTS=(--mode="$MODE")
# B4NS_TEST_NO_ADDFD=1 (b4ns pretends the kernel lacks ADDFD: auto picks
# preload) reaches b4ns through the clean environment of the test user.
if [[ -n ${B4NS_TEST_NO_ADDFD:-} ]]; then
	RUN_USER+=("B4NS_TEST_NO_ADDFD=$B4NS_TEST_NO_ADDFD")
fi
EFFECTIVE=${MODE:-seccomp}
if [[ $NATIVE == 1 ]]; then
	EFFECTIVE=native
elif [[ $MODE == auto ]]; then
	auto_log=$(run_user "$B4NS" run --net=none --mode=auto --log-level=info \
		-- true 2>&1) || die "b4ns run --mode=auto -- true failed: $auto_log"
	if grep -q 'mode auto:.*preload' <<<"$auto_log"; then
		EFFECTIVE=preload
	elif grep -q 'mode auto:.*seccomp' <<<"$auto_log"; then
		EFFECTIVE=seccomp
	else
		die "b4ns run --mode=auto did not log its choice: $auto_log"
	fi
fi
PRELOAD=0
[[ $EFFECTIVE == preload ]] && PRELOAD=1

start_bg http4 "$PYTHON" -m http.server --bind 10.77.0.1 --directory "$WORK/www" 8080
start_bg http6 "$PYTHON" -m http.server --bind fd77::1 --directory "$WORK/www" 8080
start_bg echo4 socat TCP4-LISTEN:7,bind=10.77.0.1,reuseaddr,fork,backlog=1024 PIPE
start_bg echo6 socat 'TCP6-LISTEN:7,bind=[fd77::1],ipv6only=1,reuseaddr,fork,backlog=1024' PIPE
start_bg udp4 "$PROBE" udp-echo 10.77.0.1 5300
start_bg udp6 "$PROBE" udp-echo fd77::1 5300
start_bg hostlo "$PROBE" count-server 127.0.0.1 9999 "$WORK/hostlo.count"
start_bg hostlo6 "$PROBE" count-server ::1 9999 "$WORK/hostlo6.count"
start_bg sink "$PROBE" count-server 10.77.0.1 9998 "$WORK/sink.count"
# (http.server binds, reverse-resolves its address, which takes 10 s in a
# test host without DNS, and only then listens: 40 s, as in preload.sh)
{
	run_th "$PROBE" wait-listen 10.77.0.1 8080 40000 >/dev/null &&
		run_th "$PROBE" wait-listen fd77::1 8080 40000 >/dev/null &&
		run_th "$PROBE" wait-listen 10.77.0.1 7 >/dev/null &&
		run_th "$PROBE" wait-listen fd77::1 7 >/dev/null &&
		wait_logs listening udp4 udp6 hostlo hostlo6 sink
} || die "servers did not start"

# static_unswitched OUTPUT_REGEX - after a static busybox client ran in
# preload mode under --net=none: it failed (exit status non-zero), with
# "Network is unreachable" (not switched: no route in the container), and
# b4ns warned that CMD is statically linked
static_unswitched() {
	if [[ $T_RC -eq 0 ]]; then
		echo "FAIL: a static client worked under --net=none in preload mode"
		return 1
	fi
	expect_err "Network is unreachable"
	expect_err "is statically linked: libb4ns.so cannot load into it"
}

# need_b4ns - skip the current test in --native mode
need_b4ns() {
	[[ $NATIVE == 0 ]] || skip "needs b4ns (native mode)"
}

URL4=http://10.77.0.1:8080/hello.txt
URL6='http://[fd77::1]:8080/hello.txt'
