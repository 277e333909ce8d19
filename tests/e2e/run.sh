#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run.sh - end-to-end tests of "b4ns run".
#
# Usage (as root):
#   sudo tests/e2e/run.sh [--prefix DIR] [--build DIR] [--native] [--keep]
#                         [--chmod-tun] [--mode=MODE] [-k REGEX] [-v]
#
#   --prefix DIR   b4ns install prefix: DIR/bin/b4ns is tested, and
#                  DIR/bin/b4ns-probe if present (env B4NS_PREFIX).  Default:
#                  copy B4NS_BUILD/b4ns into a world-readable scratch
#                  directory (the clone may sit where the test user cannot
#                  enter, e.g. /root).  The probe is always copied there.
#   --build DIR    build tree holding b4ns and tests/b4ns-probe (env
#                  B4NS_BUILD, default: build/ of this tree); the probe is
#                  compiled from tests/e2e/probe/ if it is not there.
#   --native       no b4ns: run every client directly in the test host as
#                  the test user, to validate the harness; tests that only
#                  make sense through b4ns are skipped.
#   --keep         leave the test host namespaces and scratch directory.
#   --chmod-tun    make /dev/net/tun usable by the test user for the
#                  --net=slirp4netns/pasta tests (mode restored on exit);
#                  without it those tests are skipped unless it already is.
#   --mode=MODE    seccomp | preload | auto (env B4NS_MODE): passed as
#                  --mode=MODE to every "b4ns run"; default: no --mode (the
#                  built-in default, seccomp).  The same tests run in every
#                  mode; where the preload path cannot give a property the
#                  test says so (see "Preload mode" below).
#   -k REGEX       run only the tests whose name matches (or T_FILTER=REGEX).
#   -v             show the output of passing tests too.
#
# The test host (tests/lib/testhost.sh) is a pair of network namespaces,
# b4ns-th (10.77.0.1/24, fd77::1/64) and b4ns-peer; servers and the b4ns
# supervisor run in b4ns-th, so no traffic ever leaves them.  If b4ns-th
# already exists it is reused and left in place; otherwise it is removed at
# the end.  B4NS_TH_NS / B4NS_PEER_NS choose other names (a private test host
# that does not disturb other users of b4ns-th).  Each container
# runs as the unprivileged user b4nstest with "b4ns run --net=none": the
# container namespace has only lo, so every connection that works to
# 10.77.0.1 went through a switched host socket.
#
# Servers in b4ns-th:
#   10.77.0.1:8080, [fd77::1]:8080   HTTP (python3 http.server), /hello.txt
#   10.77.0.1:7, [fd77::1]:7         TCP echo (socat)
#   10.77.0.1:5300, [fd77::1]:5300   UDP echo (b4ns-probe udp-echo)
#   127.0.0.1:9999, [::1]:9999       connection counters: the host loopback
#                                    that containers must never reach unless
#                                    --allow-host-loopback
#   10.77.0.1:9998                   connection counter (race target)
#   10.77.0.99                       blackhole: no such neighbour
#
# Preload mode (--mode=preload, or auto resolving to it): no seccomp filter;
# libb4ns.so (copied beside b4ns in the scratch directory, where the
# supervisor looks for it) is LD_PRELOADed into CMD and asks the supervisor
# at connect()/bind()/sendto().  What changes, test by test:
#   - statically linked clients (busybox wget/nc) cannot load the library:
#     they are NOT switched.  Their tests assert exactly that: under
#     --net=none they fail with "Network is unreachable", and b4ns prints
#     the "... is statically linked: libb4ns.so cannot load into it" warning
#     (issue 6, test 6).  With --net=slirp4netns the static client still
#     works on the slow path, and a dynamic one (curl) is switched.
#   - badaddr: the probe calls connect() by raw syscall(), which bypasses
#     any preloaded library.  The garbage cases still must give the native
#     errnos (they are native), but the final "normal connect" by raw
#     syscall cannot be switched: in preload mode it must fail with
#     ENETUNREACH, and the switched normal connect is checked through libc.
#     The same garbage through libc's connect() (the library's wrapper) is
#     tested in every mode (python3 ctypes).
#   - the race test holds in preload mode as well: the library copies the
#     sockaddr once, the supervisor decides and connects with its own copy,
#     and a "not switched" answer makes the library call connect() in the
#     container's namespace, where 127.0.0.1 is the container's loopback.
# Everything else (dynamic clients, policy, config errors, exit status,
# signals, threads with the supervisor's fd count) must pass unchanged.
#
# Output: TAP-like "ok N - name" lines, "# " diagnostics under failures,
# and a last line "N passed, M failed[, K skipped]"; exit 1 if any failed.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

MODE=${B4NS_MODE:-}
# shellcheck disable=SC2034 # E2E_USED: read by e2e_parse_args
suite_option() {
	case $1 in
	--native) NATIVE=1 E2E_USED=1 ;;
	--mode) MODE=${2:?} E2E_USED=2 ;;
	--mode=*) MODE=${1#*=} E2E_USED=1 ;;
	esac
}
e2e_parse_args "$@"
case $MODE in
'' | seccomp | preload | auto) ;;
*) die "--mode=$MODE: expected seccomp, preload or auto" ;;
esac
e2e_need_root
e2e_need_tools nsenter setpriv socat curl timeout busybox
e2e_need_python
BUSYBOX=$(command -v busybox)
B4NS_OPT=(--b4ns)
[[ $MODE == preload ]] && B4NS_OPT=(--b4ns=need-lib)
[[ $NATIVE == 1 ]] && B4NS_OPT=()
e2e_setup e2e --probe "${B4NS_OPT[@]}" --content --testhost --tun

# shellcheck source-path=SCRIPTDIR source=run/setup.sh
source "$HERE/run/setup.sh"

if [[ $NATIVE == 1 ]]; then
	echo "# NATIVE mode: clients run directly in $TH_NS, no b4ns"
else
	echo "# b4ns: $B4NS ${CTR_OPTS[*]} (switching: $EFFECTIVE)"
fi

# ---- 0. the mode in effect -------------------------------------------------

# CMD runs under the seccomp filter (seccomp mode) or with the preload
# library and its request channel (preload mode), never both: a suite
# that silently tested the other path would prove nothing.
t_mode() {
	need_b4ns
	# shellcheck disable=SC2016 # expanded by the container's shell
	expect_ok ctr -- sh -c 'grep "^Seccomp:" /proc/self/status
		echo "LD_PRELOAD=${LD_PRELOAD:-}"
		echo "B4NS_PRELOAD_FD=${B4NS_PRELOAD_FD:-}"
		echo "B4NS_PRELOAD_SOCK=${B4NS_PRELOAD_SOCK:-}"'
	if [[ $PRELOAD == 1 ]]; then
		expect_out "Seccomp:	0"
		if ! grep -Eq '^LD_PRELOAD=.*/libb4ns\.so' "$T_OUT" ||
			! grep -Eq '^B4NS_PRELOAD_FD=[0-9]+$' "$T_OUT" ||
			! grep -Eq '^B4NS_PRELOAD_SOCK=/.+' "$T_OUT"; then
			echo "FAIL: preload environment missing"
			return 1
		fi
	else
		expect_out "Seccomp:	2"
		if grep -Eq '^(LD_PRELOAD|B4NS_PRELOAD_FD)=.+' "$T_OUT"; then
			echo "FAIL: preload environment set in seccomp mode"
			return 1
		fi
	fi
}
run_test "mode in effect: $EFFECTIVE (seccomp filter xor preload library)" t_mode

# ---- 1. reaching the test host -------------------------------------------

# Static busybox: switched by seccomp; in preload mode the library cannot
# load into it, so it must stay unswitched (and fail: no route) with the
# static-binary warning.  CMD itself is busybox (its sh applet for nc), so
# b4ns sees the static binary it warns about.
t_wget() {
	if [[ $PRELOAD == 1 ]]; then
		expect_rc 1 ctr -- "$BUSYBOX" timeout 10 "$BUSYBOX" wget -q -O - "$1"
		static_unswitched
		return 0
	fi
	expect_ok ctr -- "$BUSYBOX" timeout 10 "$BUSYBOX" wget -q -O - "$1"
	expect_stdout_is "$CONTENT"
}

t_nc_http() {
	local cmd=("$BUSYBOX" sh -c "printf 'GET /hello.txt HTTP/1.0\r\n\r\n' |
		$BUSYBOX timeout 10 $BUSYBOX nc $1 8080")
	if [[ $PRELOAD == 1 ]]; then
		expect_rc 1 ctr -- "${cmd[@]}"
		static_unswitched
		return 0
	fi
	expect_ok ctr -- "${cmd[@]}"
	expect_out "200"
	expect_out "$(cat "$CONTENT")"
}
if [[ $PRELOAD == 1 ]]; then
	run_test "preload: busybox wget (static) is not switched (ENETUNREACH), static warning, $URL4" t_wget "$URL4"
	run_test "preload: busybox wget (static) is not switched (ENETUNREACH), static warning, $URL6" t_wget "$URL6"
	run_test "preload: busybox nc (static) is not switched (ENETUNREACH), static warning, 10.77.0.1" t_nc_http 10.77.0.1
	run_test "preload: busybox nc (static) is not switched (ENETUNREACH), static warning, [fd77::1]" t_nc_http fd77::1
else
	run_test "busybox wget (static) fetches $URL4" t_wget "$URL4"
	run_test "busybox wget (static) fetches $URL6" t_wget "$URL6"
	run_test "busybox nc (static) speaks HTTP to 10.77.0.1:8080" t_nc_http 10.77.0.1
	run_test "busybox nc (static) speaks HTTP to [fd77::1]:8080" t_nc_http fd77::1
fi

t_curl() {
	expect_ok ctr -- curl -sS -g --max-time 10 "$1"
	expect_stdout_is "$CONTENT"
}
run_test "curl (dynamic) fetches $URL4" t_curl "$URL4"
run_test "curl (dynamic) fetches $URL6" t_curl "$URL6"

t_python_threads() {
	cat >"$WORK/pyclient.py" <<'EOF'
import sys, threading, urllib.request

want = open(sys.argv[1]).read()
urls = sys.argv[2:]
errors, done = [], []
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def worker(url):
	for _ in range(5):
		try:
			body = opener.open(url, timeout=10).read().decode()
			if body != want:
				errors.append(f"{url}: wrong body {body!r}")
			else:
				done.append(url)
		except Exception as e:
			errors.append(f"{url}: {e!r}")

threads = [threading.Thread(target=worker, args=(u,))
	   for u in urls for _ in range(4)]
for t in threads:
	t.start()
for t in threads:
	t.join()
print(f"{len(threads)} threads: {len(done)} fetches ok, {len(errors)} failed")
for e in errors[:10]:
	print(e)
sys.exit(1 if errors or not done else 0)
EOF
	chmod 644 "$WORK/pyclient.py"
	expect_ok ctr -- "$PYTHON" "$WORK/pyclient.py" "$CONTENT" "$URL4" "$URL6"
	expect_out "40 fetches ok, 0 failed"
}
run_test "python3 urllib, 8 threads x 5 fetches over IPv4 and IPv6" t_python_threads

t_tcp_echo() {
	expect_ok ctr -- b4ns-probe connect "$1" 7 --echo --check-peer
}
run_test "TCP echo through a switched socket, 10.77.0.1:7" t_tcp_echo 10.77.0.1
run_test "TCP echo through a switched socket, [fd77::1]:7" t_tcp_echo fd77::1

t_udp_echo() {
	# UDP is switched only on request (--switch-udp, issue 9).
	expect_ok ctr --switch-udp -- b4ns-probe udp "$1" 5300
}
run_test "--switch-udp: connected UDP echo, 10.77.0.1:5300" t_udp_echo 10.77.0.1
run_test "--switch-udp: connected UDP echo, [fd77::1]:5300" t_udp_echo fd77::1

t_udp_default_off() {
	# Without --switch-udp (the default since issue 9) a UDP socket stays
	# the container's own: under --net=none connect() fails with the
	# container's ENETUNREACH, and the log says why it was kept.
	need_b4ns
	expect_rc 1 ctr --log-level=debug -- b4ns-probe udp 10.77.0.1 5300
	expect_out "ENETUNREACH"
	expect_err "UDP is not switched (switch_udp)"
}
run_test "UDP is not switched by default: connected UDP echo under --net=none fails with ENETUNREACH" t_udp_default_off

t_udp_host_lo() {
	# With --switch-udp, an address of the test host's own loopback device
	# (not 127/8): a UDP host socket is never bound to "lo" (that would open all of the
	# host's loopback to sendmsg), so UDP is not switched there and the
	# container sees its own ENETUNREACH; the log says why.
	need_b4ns
	nsenter --net="/run/netns/$TH_NS" -- ip addr replace 10.77.8.1/32 dev lo || return 1
	expect_rc 1 ctr --switch-udp --log-level=debug -- b4ns-probe udp 10.77.8.1 5300
	expect_out "ENETUNREACH"
	expect_err "loopback device, to which UDP host sockets are never bound"
}
run_test "--switch-udp, UDP to an address on the host's lo device: not switched, told why" t_udp_host_lo

t_ignore_v4() {
	need_b4ns
	expect_ok ctr --ignore=10.77.0.0/24 -- \
		b4ns-probe connect 10.77.0.1 8080 --expect ENETUNREACH
}
run_test "--ignore=10.77.0.0/24: not switched, ENETUNREACH (no route inside)" t_ignore_v4

t_ignore_v6() {
	need_b4ns
	expect_ok ctr --ignore=fd77::/64 -- \
		b4ns-probe connect fd77::1 8080 --expect ENETUNREACH
}
run_test "--ignore=fd77::/64: not switched, ENETUNREACH (no route inside)" t_ignore_v6

t_ignore_other() {
	# An --ignore that does not cover the destination changes nothing.
	expect_ok ctr --ignore=10.78.0.0/16 --ignore=fd78::/16 -- \
		b4ns-probe connect 10.77.0.1 8080 --check-peer
}
run_test "--ignore of other CIDRs leaves 10.77.0.1 switched" t_ignore_other

# ---- 2. connect() semantics ----------------------------------------------

t_refused() {
	expect_ok ctr -- b4ns-probe connect "$1" 8081 --expect ECONNREFUSED
}
run_test "blocking connect to a closed port: ECONNREFUSED (IPv4)" t_refused 10.77.0.1
run_test "blocking connect to a closed port: ECONNREFUSED (IPv6)" t_refused fd77::1

t_nonblock_ok() {
	expect_ok ctr -- b4ns-probe connect "$1" 7 --nonblock --expect ok \
		--echo --check-peer
	expect_out "EINPROGRESS"
}
run_test "SOCK_NONBLOCK connect: EINPROGRESS, then SO_ERROR 0 (IPv4)" t_nonblock_ok 10.77.0.1
run_test "SOCK_NONBLOCK connect: EINPROGRESS, then SO_ERROR 0 (IPv6)" t_nonblock_ok fd77::1

t_nonblock_refused() {
	expect_ok ctr -- b4ns-probe connect "$1" 8081 --nonblock \
		--expect ECONNREFUSED
	expect_out "EINPROGRESS"
}
run_test "SOCK_NONBLOCK connect to a closed port: SO_ERROR ECONNREFUSED" t_nonblock_refused 10.77.0.1

t_fionbio_ok() {
	expect_ok ctr -- b4ns-probe connect "$1" 7 --fionbio --expect ok --echo
	expect_out "EINPROGRESS"
}
run_test "FIONBIO connect: EINPROGRESS, then SO_ERROR 0" t_fionbio_ok 10.77.0.1

t_nonblock_blackhole() {
	# connect() itself must not wait for the SYN to be answered.
	expect_ok ctr -- b4ns-probe connect 10.77.0.99 80 --nonblock --no-wait \
		--expect EINPROGRESS --max-ms 500
}
run_test "SOCK_NONBLOCK connect to an unanswering host returns at once" t_nonblock_blackhole

t_reconnect() {
	expect_ok ctr -- b4ns-probe connect 10.77.0.1 7 --echo --again EISCONN
}
run_test "second connect() on a connected socket: EISCONN" t_reconnect

t_connect_again_pending() {
	expect_ok ctr -- b4ns-probe connect 10.77.0.99 80 --nonblock --no-wait \
		--expect EINPROGRESS --again EALREADY
}
run_test "second connect() while a non-blocking one is pending: EALREADY" t_connect_again_pending

# The blackhole's errno and timing natively, as the reference for b4ns.
t_native_blackhole() {
	local e
	rm -f "$WORK/blackhole.errno"
	expect_rc 1 run_user b4ns-probe connect 10.77.0.99 80 --expect ok
	e=$(sed -n 's/^connect .*: \(E[A-Z]*\) after .*/\1/p' "$T_OUT")
	echo "native errno: ${e:-none}"
	[[ -n $e ]] && echo "$e" >"$WORK/blackhole.errno"
	expect_ok run_user b4ns-probe connect 10.77.0.99 80 \
		--expect EHOSTUNREACH --min-ms 1000 --max-ms 8000
}
run_test "native reference: blocking connect to blackhole 10.77.0.99 gives EHOSTUNREACH" t_native_blackhole

t_blackhole() {
	local e=EHOSTUNREACH
	[[ -s $WORK/blackhole.errno ]] && e=$(cat "$WORK/blackhole.errno")
	expect_ok ctr -- b4ns-probe connect 10.77.0.99 80 \
		--expect "$e" --min-ms 1000 --max-ms 8000
}
run_test "blocking connect to blackhole 10.77.0.99: same errno as natively, after >= 1 s" t_blackhole

t_native_sndtimeo() {
	expect_ok run_user b4ns-probe connect 10.77.0.99 80 --sndtimeo 1000 \
		--expect EINPROGRESS --min-ms 900 --max-ms 2000
}
run_test "native reference: SO_SNDTIMEO 1000 ms connect to blackhole gives EINPROGRESS after ~1 s" t_native_sndtimeo

t_sndtimeo() {
	expect_ok ctr -- b4ns-probe connect 10.77.0.99 80 --sndtimeo 1000 \
		--expect EINPROGRESS --min-ms 900 --max-ms 2000
}
run_test "SO_SNDTIMEO 1000 ms connect to blackhole: EINPROGRESS after ~1 s" t_sndtimeo

# ---- 3. socket state across the switch -----------------------------------

t_sockopts() {
	expect_ok ctr -- b4ns-probe sockopts "$@"
}
run_test "socket options set before connect survive the switch (IPv4)" t_sockopts 10.77.0.1 7 --basic
run_test "socket options set before connect survive the switch (IPv6)" t_sockopts -6 fd77::1 7 --basic
run_test "more socket options (SO_LINGER, SO_SNDBUF, TCP_USER_TIMEOUT, ...) survive (IPv4)" t_sockopts 10.77.0.1 7
run_test "more socket options (SO_LINGER, SO_SNDBUF, TCP_USER_TIMEOUT, ...) survive (IPv6)" t_sockopts -6 fd77::1 7

t_cloexec() {
	expect_ok ctr -- b4ns-probe cloexec "$@" --echo
	expect_out "cloexec: ok"
}
run_test "SOCK_CLOEXEC socket closed by exec, plain switched socket usable after exec (IPv4)" t_cloexec 10.77.0.1 7
run_test "SOCK_CLOEXEC socket closed by exec, plain switched socket usable after exec (IPv6)" t_cloexec -6 fd77::1 7

# ---- 4. policy ------------------------------------------------------------

t_inside_loopback() {
	local addr=$1 port=8000
	# A server inside the container on its own loopback: the connect must
	# stay in the container (the test host has nothing on that port).
	expect_ok ctr -- sh -c "
		b4ns-probe count-server $addr $port $CTR_DIR/inside.count &
		srv=\$!
		b4ns-probe wait-listen $addr $port 3000 && sleep 0.2 &&
		b4ns-probe connect $addr $port --check-peer
		rc=\$?
		kill \$srv; wait \$srv
		exit \$rc"
	expect_out "connect: ok"
	expect_out "count-server: 2 connections"
}
run_test "server inside the container on 127.0.0.1 is reached locally" t_inside_loopback 127.0.0.1
run_test "server inside the container on ::1 is reached locally" t_inside_loopback ::1

t_container_loopback_empty() {
	need_b4ns
	local before after
	before=$(count_snapshot hostlo)
	expect_ok ctr -- b4ns-probe connect 127.0.0.1 9999 --expect ECONNREFUSED
	after=$(count_snapshot hostlo)
	expect_eq "$((after - before))" 0 "connections on the host's 127.0.0.1:9999"
}
run_test "127.0.0.1:9999 is the container's own loopback (ECONNREFUSED, host not reached)" t_container_loopback_empty

t_container_loopback6_empty() {
	need_b4ns
	local before after
	before=$(count_snapshot hostlo6)
	expect_ok ctr -- b4ns-probe connect ::1 9999 --expect ECONNREFUSED
	after=$(count_snapshot hostlo6)
	expect_eq "$((after - before))" 0 "connections on the host's [::1]:9999"
}
run_test "[::1]:9999 is the container's own loopback (ECONNREFUSED, host not reached)" t_container_loopback6_empty

t_gateway_denied() {
	local name=$1 addr=$2 before after
	need_b4ns
	before=$(count_snapshot "$name")
	expect_ok ctr -- b4ns-probe connect "$addr" 9999 --expect ENETUNREACH
	after=$(count_snapshot "$name")
	expect_eq "$((after - before))" 0 "connections on the host loopback"
}
run_test "10.0.2.2:9999 without --allow-host-loopback: not switched (ENETUNREACH)" t_gateway_denied hostlo 10.0.2.2
run_test "[fd00::2]:9999 without --allow-host-loopback: not switched (ENETUNREACH)" t_gateway_denied hostlo6 fd00::2

t_gateway_allowed() {
	local name=$1 addr=$2 before after
	need_b4ns
	before=$(count_snapshot "$name")
	expect_ok ctr --allow-host-loopback -- b4ns-probe connect "$addr" 9999
	after=$(count_snapshot "$name")
	expect_eq "$((after - before))" 1 "connections on the host loopback"
}
run_test "10.0.2.2:9999 with --allow-host-loopback reaches the host's 127.0.0.1:9999" t_gateway_allowed hostlo 10.0.2.2
run_test "[fd00::2]:9999 with --allow-host-loopback reaches the host's [::1]:9999" t_gateway_allowed hostlo6 fd00::2

t_log_switch() {
	need_b4ns
	expect_ok b4ns_run --net=none -v -- \
		b4ns-probe connect 10.77.0.1 8080
	if ! grep -F 'switch' "$T_ERR" | grep -F '10.77.0.1' >/dev/null; then
		echo "FAIL: no stderr line with 'switch' and 10.77.0.1"
		return 1
	fi
}
run_test "-v logs a 'switch' line for 10.77.0.1" t_log_switch

t_log_keep() {
	need_b4ns
	expect_ok b4ns_run --net=none -v -- \
		b4ns-probe connect 127.0.0.1 9999 --expect ECONNREFUSED
	if ! grep -F 'keep' "$T_ERR" | grep -F '127.0.0.1' >/dev/null; then
		echo "FAIL: no stderr line with 'keep' and 127.0.0.1"
		return 1
	fi
	if grep -F 'switch' "$T_ERR" | grep -F '127.0.0.1' >/dev/null; then
		echo "FAIL: a 'switch' line names 127.0.0.1"
		return 1
	fi
}
run_test "-v logs a 'keep' line for 127.0.0.1" t_log_keep

# ---- 5. race --------------------------------------------------------------

RACE_N=${RACE_N:-20000}

# The detector itself: natively in the test host, the flipped address does
# reach the count server on 127.0.0.1:9999.
t_race_control() {
	local before after i
	before=$(count_snapshot hostlo)
	expect_ok run_user b4ns-probe connect 127.0.0.1 9999
	after=$(count_snapshot hostlo)
	expect_eq "$((after - before))" 1 "host loopback connections"
	# Scheduling decides how often the flipped address is used: retry.
	for ((i = 0; i < 5; i++)); do
		before=$after
		expect_ok run_user b4ns-probe race 10.77.0.1 9998 9999 5000
		after=$(count_snapshot hostlo)
		echo "host loopback connections: $((after - before))"
		((after - before > 0)) && return 0
	done
	echo "FAIL: the detector saw nothing: the race test cannot fail"
	return 1
}
run_test "race detector control: natively the flipped address reaches 127.0.0.1:9999" t_race_control

t_race() {
	need_b4ns
	local lo0 lo1 sink0 sink1 okn
	lo0=$(count_snapshot hostlo)
	sink0=$(count_snapshot sink)
	T_TIMEOUT=150 expect_ok ctr -- b4ns-probe race 10.77.0.1 9998 9999 "$RACE_N"
	lo1=$(count_snapshot hostlo)
	sink1=$(count_snapshot sink)
	okn=$(sed -n 's/^race-ok=//p' "$T_OUT")
	expect_eq "$((lo1 - lo0))" 0 "connections that reached the host's 127.0.0.1:9999"
	expect_eq "$((sink1 - sink0))" "$okn" "connections on 10.77.0.1:9998 vs successful connects"
	if ((okn == 0)); then
		echo "FAIL: no connect succeeded: nothing was switched"
		return 1
	fi
}
run_test "race: sockaddr flipped to 127.0.0.1:9999 during $RACE_N connects never reaches the host loopback" t_race

# ---- 6. threads -------------------------------------------------------------

t_threads() {
	local fdcheck=()
	[[ $NATIVE == 1 ]] && fdcheck=(--no-fdcheck)
	T_TIMEOUT=120 expect_ok ctr -- b4ns-probe threads "$@" "${fdcheck[@]}"
}
run_test "threads: 8 x 200 connects to 10.77.0.1:7, supervisor fds do not grow with the connects" t_threads 10.77.0.1 7 8 200
run_test "threads: 4 x 100 connects to [fd77::1]:7, supervisor fds do not grow with the connects" t_threads -6 fd77::1 7 4 100

# ---- 7. malformed arguments -----------------------------------------------

t_badaddr() {
	if [[ $PRELOAD == 1 ]]; then
		# The probe's connect()s are raw syscall()s: the library never
		# sees them.  The garbage cases give the kernel's errnos as they
		# must; the last, well-formed raw connect cannot be switched
		# (ENETUNREACH: no route inside); the libc connect after it is.
		expect_ok ctr -- sh -c 'b4ns-probe badaddr 10.77.0.1 8080
			echo "badaddr exit status $?"
			b4ns-probe connect 10.77.0.1 7 --echo --check-peer'
		expect_out "badaddr exit status 1"
		expect_out "badaddr then a normal connect to 10.77.0.1:8080: ENETUNREACH"
		if grep -F 'WRONG' "$T_OUT" | grep -v 'normal connect'; then
			echo "FAIL: a garbage case gave the wrong errno"
			return 1
		fi
		[[ $(grep -c '^badaddr (' "$T_OUT") -eq 8 ]] ||
			{ echo "FAIL: not all 8 garbage cases ran"; return 1; }
		expect_out "connect: ok"
		return 0
	fi
	expect_ok ctr -- sh -c 'b4ns-probe badaddr 10.77.0.1 8080 &&
		b4ns-probe connect 10.77.0.1 7 --echo --check-peer'
	expect_out "badaddr: ok"
	expect_out "connect: ok"
}
if [[ $PRELOAD == 1 ]]; then
	run_test "preload: malformed raw connect() syscalls give EINVAL/EFAULT (raw syscalls bypass the library: the raw good connect is ENETUNREACH)" t_badaddr
else
	run_test "malformed connect() arguments give EINVAL/EFAULT; the supervisor survives" t_badaddr
fi

# The same garbage through libc's connect() (in preload mode: through the
# library's wrapper, which must give the native errno and not crash: an
# unreadable sockaddr is EFAULT, never SIGSEGV), plus bind() and sendto()
# with an unreadable address, then a good connect through libc that must
# be switched.  Each case runs in a forked child, so a crash is reported.
t_badaddr_libc() {
	cat >"$WORK/badaddr_libc.py" <<'EOF'
import ctypes, errno, mmap, os, socket, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.connect.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint]
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
		      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
host, port = sys.argv[1], int(sys.argv[2])
good = struct.pack("=H", socket.AF_INET) + \
	struct.pack("!H4s8x", port, socket.inet_aton(host))
s6 = struct.pack("=H", socket.AF_INET6) + struct.pack("!HI16sI", port, 0,
	socket.inet_pton(socket.AF_INET6, "fd77::1"), 0)
pg = mmap.PAGESIZE
m = libc.mmap(None, 2 * pg, 3, 0x22, -1, 0)   # RW, MAP_PRIVATE|ANONYMOUS
assert m and m != ctypes.c_void_p(-1).value
assert libc.mprotect(m + pg, pg, 0) == 0      # the second page: PROT_NONE
ctypes.memmove(m + pg - 8, good, 8)           # half a sockaddr_in
gbuf = ctypes.create_string_buffer(good, 4096)
b6 = ctypes.create_string_buffer(s6)
cases = [
	("(a) addrlen 0", ctypes.addressof(gbuf), 0, errno.EINVAL),
	("(b) addrlen 4096", ctypes.addressof(gbuf), 4096, errno.EINVAL),
	("(c) addr on a PROT_NONE page", m + pg, 16, errno.EFAULT),
	("(d) addr NULL, addrlen 16", None, 16, errno.EFAULT),
	("(e) AF_INET with addrlen 8", ctypes.addressof(gbuf), 8, errno.EINVAL),
	("(f) addrlen -1", ctypes.addressof(gbuf), 0xffffffff, errno.EINVAL),
	("(g) addr straddling into a PROT_NONE page", m + pg - 8, 16,
	 errno.EFAULT),
	("(h) AF_INET6 sockaddr on an AF_INET socket", ctypes.addressof(b6),
	 len(s6), errno.EAFNOSUPPORT),
]
cases += [
	("(c) bind(), addr on a PROT_NONE page", m + pg, 16, errno.EFAULT,
	 "bind", socket.SOCK_STREAM),
	("(c) sendto() UDP, addr on a PROT_NONE page", m + pg, 16,
	 errno.EFAULT, "sendto", socket.SOCK_DGRAM),
]
libc.bind.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint]
libc.sendto.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t,
			ctypes.c_int, ctypes.c_void_p, ctypes.c_uint]

def call(c):
	what, addr, alen = c[0], c[1], c[2]
	fn, typ = (c[4], c[5]) if len(c) > 4 else ("connect", socket.SOCK_STREAM)
	s = socket.socket(socket.AF_INET, typ)
	if fn == "connect":
		r = libc.connect(s.fileno(), addr, alen)
	elif fn == "bind":
		r = libc.bind(s.fileno(), addr, alen)
	else:
		r = libc.sendto(s.fileno(), b"x", 1, 0, addr, alen)
	return ctypes.get_errno() if r < 0 else 0

bad = 0
for c in cases:
	what, want = c[0], c[3]
	# each case in a child: a crash (the library reading a bad pointer)
	# is reported and the other cases still run
	rfd, wfd = os.pipe()
	pid = os.fork()
	if pid == 0:
		os.close(rfd)
		os.write(wfd, str(call(c)).encode())
		os._exit(0)
	os.close(wfd)
	got = os.read(rfd, 64).decode()
	os.close(rfd)
	_, st = os.waitpid(pid, 0)
	if os.WIFSIGNALED(st):
		res, ok = f"killed by signal {os.WTERMSIG(st)}", False
	else:
		e = int(got)
		res, ok = (errno.errorcode.get(e, str(e)) if e else "ok"), e == want
	bad += not ok
	print(f"libc {c[4] if len(c) > 4 else 'connect'} {what}: {res} "
	      f"(want {errno.errorcode[want]}){'' if ok else '  <-- WRONG'}",
	      flush=True)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
r = libc.connect(s.fileno(), ctypes.addressof(gbuf), 16)
e = ctypes.get_errno() if r < 0 else 0
print(f"libc connect then a normal connect to {host}:{port}: "
      f"{errno.errorcode.get(e, e) if e else 'ok'}")
bad += e != 0
print("badaddr-libc: ok" if not bad else "badaddr-libc: FAILED")
sys.exit(1 if bad else 0)
EOF
	chmod 644 "$WORK/badaddr_libc.py"
	expect_ok ctr -- "$PYTHON" "$WORK/badaddr_libc.py" 10.77.0.1 7
	expect_out "badaddr-libc: ok"
}
run_test "malformed connect()/bind()/sendto() arguments through libc give the native errno (no crash), then a good connect is switched" t_badaddr_libc

# ---- 8. configuration and usage errors -----------------------------------

t_config_unknown_key() {
	need_b4ns
	local cfg=$WORK/bad.conf
	printf '# b4ns e2e: unknown key on line 3\nlog_level = "info";\nbogus = 1;\n' >"$cfg"
	chmod 644 "$cfg"
	expect_rc 2 b4ns_run --config="$cfg" -- true
	expect_err "$cfg:3: bogus"
}
run_test "--config with an unknown key on line 3: exit 2, 'FILE:3: bogus'" t_config_unknown_key

t_config_missing() {
	need_b4ns
	expect_rc 2 b4ns_run --config="$WORK/no-such.conf" -- true
}
run_test "--config naming a missing file: exit 2" t_config_missing

t_usage_bad_option() {
	need_b4ns
	expect_rc 2 b4ns_run --no-such-option -- true
	# one line naming the option and where help is, not the usage text
	expect_eq "$(wc -l <"$T_ERR")" 1 "lines on stderr"
	expect_err "b4ns run: unknown option '--no-such-option' (see 'b4ns run --help')"
	expect_rc 2 b4ns_run --publish
	expect_eq "$(wc -l <"$T_ERR")" 1 "lines on stderr"
	expect_err "b4ns run: missing value for option '--publish' (see 'b4ns run --help')"
	expect_rc 2 b4ns_run -x -- true
	expect_eq "$(wc -l <"$T_ERR")" 1 "lines on stderr"
	expect_err "b4ns run: unknown option '-x' (see 'b4ns run --help')"
}
run_test "unknown option: exit 2, one line naming it and 'b4ns run --help'" t_usage_bad_option

# every subcommand: a typo is one line naming the flag, and its --help
t_usage_bad_option_all() {
	need_b4ns
	local cmd
	for cmd in run daemon trace status profile oci-hook doctor; do
		expect_rc 2 run_user "$B4NS" "$cmd" --no-such-flag=1
		expect_eq "$(wc -l <"$T_ERR")" 1 "b4ns $cmd: lines on stderr"
		grep -qF -- "'--no-such-flag'" "$T_ERR" ||
			{ echo "FAIL: b4ns $cmd does not name the flag"; cat "$T_ERR"; return 1; }
		grep -qF -- "(see 'b4ns " "$T_ERR" ||
			{ echo "FAIL: b4ns $cmd does not point to --help"; return 1; }
	done
}
run_test "a flag typo in every subcommand: exit 2, one line naming it" t_usage_bad_option_all

# Without --config: $XDG_CONFIG_HOME/b4ns/b4ns.conf, else
# ~/.config/b4ns/b4ns.conf (then /etc/b4ns/b4ns.conf); none is fine, a
# broken one an error naming the file and line
t_config_default() {
	need_b4ns
	local x=$WORK/xdg-cfg h=$WORK/home-cfg
	mkdir -p "$x/b4ns" "$h/.config/b4ns"
	printf '# b4ns e2e\nlog_level = "info";\nbogus = 1;\n' >"$x/b4ns/b4ns.conf"
	chmod -R a+rX "$x" "$h"
	expect_rc 2 run_user env "XDG_CONFIG_HOME=$x" "$B4NS" run "${CTR_OPTS[@]}" \
		--net=none -- true
	expect_err "$x/b4ns/b4ns.conf:3: bogus"
	# a good one applies, its sections with --container and no --config
	printf 'containers = { e2e = { log_level = "info"; }; };\n' >"$x/b4ns/b4ns.conf"
	expect_ok run_user env "XDG_CONFIG_HOME=$x" "$B4NS" run "${CTR_OPTS[@]}" \
		--net=none --container=e2e -- true
	expect_err "info: "
	# $HOME/.config when XDG_CONFIG_HOME is not set
	printf 'log_level = "info";\n' >"$h/.config/b4ns/b4ns.conf"
	expect_ok run_user env "HOME=$h" "$B4NS" run "${CTR_OPTS[@]}" --net=none -- true
	expect_err "info: "
	# none: built-in defaults, no error
	expect_ok run_user env "XDG_CONFIG_HOME=$WORK/no-such-dir" "$B4NS" run \
		"${CTR_OPTS[@]}" --net=none -- true
	[[ ! -s $T_ERR ]] || { echo "FAIL: stderr without a config file:"; cat "$T_ERR"; return 1; }
}
run_test "without --config: \$XDG_CONFIG_HOME/b4ns/b4ns.conf or ~/.config/b4ns/b4ns.conf; a broken one is 'FILE:LINE: KEY'" t_config_default

# an XDG_RUNTIME_DIR the run's private directory cannot be made in: the
# error names it
t_xdg_runtime_unwritable() {
	need_b4ns
	local d=$WORK/ro-runtime
	mkdir -p "$d"
	chmod 555 "$d"
	expect_rc 125 run_user env "XDG_RUNTIME_DIR=$d" "$B4NS" run --mode=preload \
		--net=none -- true
	expect_err "$d"
	expect_err "Permission denied"
}
run_test "an unwritable XDG_RUNTIME_DIR: the error names it" t_xdg_runtime_unwritable

t_usage_no_command() {
	need_b4ns
	expect_rc 2 b4ns_run --net=none --
}
run_test "no command after --: exit 2" t_usage_no_command

# ---- 9. exit status and signals -------------------------------------------

t_exit_status() {
	expect_rc "$1" ctr -- sh -c "exit $1"
}
run_test "exit status of CMD is returned (0)" t_exit_status 0
run_test "exit status of CMD is returned (7)" t_exit_status 7

t_identity() {
	# uid 0 inside, new user, network, PID and mount namespaces: pid 2
	# under b4ns' init (pid 1), its own /proc, only lo.
	need_b4ns
	local ns
	# shellcheck disable=SC2016 # expanded by the container's shell
	expect_ok ctr -- sh -c 'echo "uid=$(id -u) pid=$$ ppid=$PPID"
		echo "parent=$(cat /proc/$PPID/comm)"
		echo "init=$(cat /proc/1/comm)"
		for n in pid mnt user net; do
			echo "$n=$(readlink /proc/self/ns/$n)"
		done
		ip -o addr'
	expect_out "uid=0 pid=2 ppid=1"
	expect_out "parent=b4ns"
	# its own /proc: pid 1 there is b4ns' init, not the host's
	expect_out "init=b4ns"
	for ns in pid mnt user; do
		if grep -qxF "$ns=$(readlink "/proc/self/ns/$ns")" "$T_OUT"; then
			echo "FAIL: CMD is in the caller's $ns namespace"
			return 1
		fi
	done
	if grep -qxF "net=net:[$(stat -L -c %i "/run/netns/$TH_NS")]" "$T_OUT"; then
		echo "FAIL: CMD is in the caller's network namespace"
		return 1
	fi
	if grep -v ' lo ' "$T_OUT" | grep 'inet'; then
		echo "FAIL: the container has addresses besides lo"
		return 1
	fi
}
run_test "CMD is uid 0, pid 2 of its own PID namespace under b4ns' init, own /proc, only lo" t_identity

t_killed_by_signal() {
	# shellcheck disable=SC2016 # expanded by the container's shell
	expect_rc 137 ctr -- sh -c 'kill -KILL $$'
}
run_test "CMD killed by SIGKILL: exit status 137" t_killed_by_signal

# Container processes are found from the host by a marker: "sleep N" of the
# test user, N unique to the test (their pids inside are not host pids).
marker_pids() {
	pgrep -u "$TEST_USER" -fx "sleep $1" || true
}

# markers_up N... - wait up to 10 s until every marker process runs
markers_up() {
	local i m missing
	for ((i = 0; i < 100; i++)); do
		missing=0
		for m in "$@"; do
			[[ -n $(marker_pids "$m") ]] || missing=1
		done
		((missing == 0)) && return 0
		sleep 0.1
	done
	echo "FAIL: the container's marker processes did not start"
	return 1
}

# markers_gone N... - wait up to 5 s until no marker process is left; fail
# (and kill them) if some outlived the run
markers_gone() {
	local i m left
	for ((i = 0; i < 50; i++)); do
		left=$(for m in "$@"; do marker_pids "$m"; done)
		[[ -z $left ]] && return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086 # one pid per word
	echo "FAIL: container processes outlived the run:" \
		"$(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"
	# shellcheck disable=SC2086 # one pid per word
	kill -KILL $left 2>/dev/null || true
	return 1
}

# b4ns_exits PID SECS - wait up to SECS s until PID (b4ns run, our child)
# is gone or a zombie; fails if it is still running
b4ns_exits() {
	local pid=$1 secs=$2 i st
	for ((i = 0; i < secs * 10; i++)); do
		st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
		[[ $st == Z || $st == gone ]] && return 0
		sleep 0.1
	done
	return 1
}

t_sigterm() {
	need_b4ns
	local bpid rc=0
	"${RUN_USER[@]}" "$B4NS" run "${CTR_OPTS[@]}" --net=none -- \
		sh -c "exec sleep 7300" </dev/null &
	bpid=$!
	markers_up 7300 || { kill -KILL "$bpid"; return 1; }
	echo "b4ns pid $bpid ($(cat "/proc/$bpid/comm"))"
	kill -TERM "$bpid"
	if ! b4ns_exits "$bpid" 5; then
		echo "FAIL: b4ns still running 5 s after SIGTERM"
		kill -KILL "$bpid" 2>/dev/null || true
		wait "$bpid" || true
		markers_gone 7300 || true
		return 1
	fi
	wait "$bpid" || rc=$?
	echo "b4ns exit status $rc after SIGTERM"
	markers_gone 7300
	expect_eq "$rc" 143 "exit status of b4ns after SIGTERM"
}
run_test "SIGTERM to b4ns is forwarded: CMD dies, b4ns exits 143" t_sigterm

# The container ends with its main process (as with Podman): what it left
# running (a daemonised child) is killed, and b4ns exits at once with the
# main process's status.
t_main_exit_daemon() {
	need_b4ns
	T_TIMEOUT=15 expect_rc 3 "${RUN_USER[@]}" "$B4NS" run "${CTR_OPTS[@]}" \
		--net=none -- sh -c "setsid sleep 7301 </dev/null >/dev/null 2>&1 &
			sleep 0.3; exit 3" || { markers_gone 7301 || true; return 1; }
	markers_gone 7301
}
run_test "CMD exits leaving a daemonised child: b4ns exits with CMD's status (3), the child is killed" t_main_exit_daemon

# SIGTERM once the main process is gone: b4ns does not linger for the
# child it left (which ignores SIGTERM), nor ignore a second SIGTERM.
t_sigterm_daemon_left() {
	need_b4ns
	local bpid rc=0
	"${RUN_USER[@]}" "$B4NS" run "${CTR_OPTS[@]}" --net=none -- \
		sh -c "setsid sh -c 'trap \"\" TERM; exec sleep 7302' \
			</dev/null >/dev/null 2>&1 & exec sleep 7303" </dev/null &
	bpid=$!
	markers_up 7302 7303 || { kill -KILL "$bpid"; markers_gone 7302 7303 || true; return 1; }
	kill -TERM "$bpid"
	if ! b4ns_exits "$bpid" 5; then
		echo "b4ns still running 5 s after SIGTERM; a second SIGTERM"
		kill -TERM "$bpid"
		if ! b4ns_exits "$bpid" 5; then
			echo "FAIL: b4ns ignores SIGTERM once CMD is gone"
			kill -KILL "$bpid" 2>/dev/null || true
			wait "$bpid" || true
			markers_gone 7302 7303 || true
			return 1
		fi
	fi
	wait "$bpid" || rc=$?
	markers_gone 7302 7303
	expect_eq "$rc" 143 "exit status of b4ns after SIGTERM"
}
run_test "SIGTERM kills CMD, a child left ignoring SIGTERM is killed too, b4ns exits 143" t_sigterm_daemon_left

# ^C at a terminal: the terminal signals its whole foreground process group,
# which holds b4ns and CMD; b4ns must not send CMD a second copy.
t_ctrl_c_once() {
	need_b4ns
	cp "$HERE/run/ptydrive.py" "$HERE/run/sigcount.py" "$WORK/"
	chmod a+r "$WORK/ptydrive.py" "$WORK/sigcount.py"
	expect_ok run_user "$PYTHON" "$WORK/ptydrive.py" 10 "$B4NS" run \
		"${CTR_OPTS[@]}" --net=none -- "$PYTHON" "$WORK/sigcount.py"
	expect_out "SIGINT count 10"
}
run_test "^C typed 10 times at a terminal: CMD gets SIGINT 10 times, not twice each" t_ctrl_c_once

# The supervisor killed by SIGKILL: every process of the container dies with
# it, daemonised or not (its PID namespace's init dies with the supervisor).
t_supervisor_killed_tree() {
	need_b4ns
	local bpid
	"${RUN_USER[@]}" "$B4NS" run "${CTR_OPTS[@]}" --net=none -- \
		sh -c "setsid sleep 7304 </dev/null >/dev/null 2>&1 &
			sleep 7305 & wait" </dev/null &
	bpid=$!
	markers_up 7304 7305 || { kill -KILL "$bpid"; markers_gone 7304 7305 || true; return 1; }
	kill -KILL "$bpid"
	wait "$bpid" || true
	markers_gone 7304 7305
}
run_test "b4ns SIGKILLed: no process of the container survives (daemonised or not)" t_supervisor_killed_tree

t_stdin() {
	need_b4ns
	expect_ok bash -c 'echo "hello via stdin" | "$@"' _ \
		"${RUN_USER[@]}" "$B4NS" run "${CTR_OPTS[@]}" --net=none -- cat
	expect_out "hello via stdin"
}
run_test "stdin is passed to CMD" t_stdin

t_nested_netns() {
	# A namespace nested in the container is not the container's: its
	# connect()s must not be switched (it has no route at all).
	need_b4ns
	expect_ok ctr -- sh -c 'sleep 0.3; unshare -n b4ns-probe connect \
		10.77.0.1 8080 --expect ENETUNREACH'
}
run_test "a network namespace nested in the container is not switched" t_nested_netns

t_nested_netns_at_once() {
	# The same, with CMD itself entering the nested namespace at once: the
	# supervisor must know the container's namespace from before CMD ran.
	local i bad=0
	need_b4ns
	for ((i = 0; i < 10; i++)); do
		expect_ok ctr -- unshare -n b4ns-probe connect 10.77.0.1 8080 \
			--expect ENETUNREACH || bad=$((bad + 1))
	done
	expect_eq "$bad" 0 "runs where the nested namespace was switched"
}
run_test "CMD = 'unshare -n ...': the nested namespace is not switched (10 runs)" t_nested_netns_at_once

# ---- 11. --net=slirp4netns and --net=pasta -------------------------------

need_tun() {
	need_b4ns
	run_user sh -c 'exec 3<>/dev/net/tun' 2>/dev/null ||
		skip "/dev/net/tun is not usable by $TEST_USER (--chmod-tun)"
}

t_slirp_fetch() {
	need_tun
	if [[ $PRELOAD == 1 ]]; then
		# static busybox: on the slow path (through slirp4netns), no
		# switch; a dynamic client (curl) is switched
		# (with -v, slirp4netns' own messages may land on stdout
		# too: look for the content, not for stdout == content)
		expect_ok ctr --net=slirp4netns -v -- \
			"$BUSYBOX" timeout 10 "$BUSYBOX" wget -q -O - "$URL4"
		expect_out "$(cat "$CONTENT")"
		expect_err "is statically linked"
		if grep -F 'switch' "$T_ERR" | grep -F '10.77.0.1'; then
			echo "FAIL: the static client was switched in preload mode"
			return 1
		fi
		expect_ok ctr --net=slirp4netns -v -- \
			curl -sS --max-time 10 "$URL4"
		expect_out "$(cat "$CONTENT")"
	else
		expect_ok ctr --net=slirp4netns -v -- \
			timeout 10 "$BUSYBOX" wget -q -O - "$URL4"
		expect_stdout_is "$CONTENT"
	fi
	if ! grep -F 'switch' "$T_ERR" | grep -F '10.77.0.1' >/dev/null; then
		echo "FAIL: no stderr line with 'switch' and 10.77.0.1"
		return 1
	fi
}
if [[ $PRELOAD == 1 ]]; then
	run_test "preload --net=slirp4netns: busybox wget (static) fetches $URL4 on the slow path, curl is switched" t_slirp_fetch
else
	run_test "--net=slirp4netns: busybox wget fetches $URL4 through a switched socket" t_slirp_fetch
fi

t_slirp_subnet_kept() {
	need_tun
	# 10.0.2.3 is slirp4netns' DNS, in the container's own 10.0.2.0/24:
	# kept inside whatever its outcome (not waited for: slirp4netns
	# forwards it to a resolver the test host cannot reach).
	expect_ok ctr --net=slirp4netns -v -- \
		b4ns-probe connect 10.0.2.3 53 --nonblock --no-wait --expect any
	if ! grep -F 'keep' "$T_ERR" | grep -F '10.0.2.3' >/dev/null; then
		echo "FAIL: no stderr line with 'keep' and 10.0.2.3"
		return 1
	fi
}
run_test "--net=slirp4netns: the container's own 10.0.2.0/24 is kept" t_slirp_subnet_kept

# t_gateway NET GATEWAY ALLOW WANT - a connect to GATEWAY:9999 (and, with
# pasta, to 127.0.0.1:9999, the container's own) reaches the host's
# 127.0.0.1:9999 WANT times, with --allow-host-loopback if ALLOW is 1
t_gateway() {
	local net=$1 gw=$2 allow=$3 want=$4 before after opts=("--net=$1")
	need_tun
	[[ $allow == 1 ]] && opts+=(--allow-host-loopback)
	before=$(count_snapshot hostlo)
	if [[ $net == pasta ]]; then
		expect_ok ctr "${opts[@]}" -- b4ns-probe connect 127.0.0.1 \
			9999 --expect ECONNREFUSED
	fi
	expect_ok ctr "${opts[@]}" -- b4ns-probe connect "$gw" 9999 \
		--expect any
	after=$(count_snapshot hostlo)
	expect_eq "$((after - before))" "$want" "connections on the host's 127.0.0.1:9999"
}
run_test "--net=slirp4netns: 10.0.2.2:9999 does not reach the host's 127.0.0.1:9999" t_gateway slirp4netns 10.0.2.2 0 0
run_test "--net=slirp4netns --allow-host-loopback: 10.0.2.2:9999 reaches the host's 127.0.0.1:9999" t_gateway slirp4netns 10.0.2.2 1 1

t_pasta_exit() {
	need_tun
	expect_rc 3 ctr --net=pasta -- sh -c 'ip -o addr; exit 3'
}
run_test "--net=pasta: CMD runs, exit status returned" t_pasta_exit

# pasta copies the test host's 10.77.0.1/24 (and its default route via the
# peer, 10.77.0.2) into the container: the LAN peer and the host's own
# address are switched, not kept on pasta's slow path. A switched socket is
# a host socket: SIOCGSKNS on it fails with EPERM (the container has no
# CAP_NET_ADMIN over the host's namespace); on a socket of the container's
# own namespace it names that namespace.
PASTA_PROBE='import fcntl, os, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
print(s.recv(100).decode().strip())
try:
    ns = fcntl.ioctl(s.fileno(), 0x894C)  # SIOCGSKNS
    own = os.fstat(ns).st_ino == os.stat("/proc/self/ns/net").st_ino
    print("socket of the container namespace" if own else "socket of another namespace")
except PermissionError:
    print("socket of the host namespace")'

t_pasta_lan_peer() {
	need_tun
	own_cleanup
	bg_th peer nsenter --net="/run/netns/$PEER_NS" -- socat \
		TCP4-LISTEN:8187,bind=10.77.0.2,reuseaddr,fork 'SYSTEM:echo peer-here'
	sleep 0.5
	expect_ok ctr --net=pasta -v -- python3 -c "$PASTA_PROBE" 10.77.0.2 8187
	expect_out "peer-here"
	expect_out "socket of the host namespace"
	if ! grep -F 'switch' "$T_ERR" | grep -F '10.77.0.2' >/dev/null; then
		echo "FAIL: no stderr line with 'switch' and 10.77.0.2"
		return 1
	fi
}
run_test "--net=pasta: a LAN peer in the subnet pasta copied (10.77.0.2) is reached through a switched host socket" t_pasta_lan_peer

t_pasta_host_ip() {
	need_tun
	# the container's 10.77.0.1 is pasta's copy, where nothing listens:
	# only a switched socket reaches the test host's HTTP server
	expect_ok ctr --net=pasta -- curl -sS --max-time 10 "$URL4"
	expect_stdout_is "$CONTENT"
}
run_test "--net=pasta: the host's own address (the container's copy, 10.77.0.1) reaches the host's server" t_pasta_host_ip

run_test "--net=pasta: 127.0.0.1 stays the container's, the gateway 10.77.0.2:9999 does not reach the host's 127.0.0.1:9999" t_gateway pasta 10.77.0.2 0 0
run_test "--net=pasta --allow-host-loopback: the gateway 10.77.0.2:9999 reaches the host's 127.0.0.1:9999 (as pasta's --map-gw), 127.0.0.1 does not" t_gateway pasta 10.77.0.2 1 1

report_summary
