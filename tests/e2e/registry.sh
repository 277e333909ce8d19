#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# registry.sh - end-to-end tests of issue 12 on the "b4ns run" side: a
# container's own address (--ip), a run served by "b4ns daemon" (--daemon,
# and --network with a daemon at the default socket), and containers of one
# network reaching each other's published ports through the daemon's
# registry of container services.
#
# Usage (as root):
#   sudo tests/e2e/registry.sh [--prefix DIR] [--build DIR] [--keep]
#                              [--chmod-tun] [-k REGEX] [-v]
#
#   --prefix DIR   b4ns install prefix: DIR/bin/b4ns is tested, and
#                  DIR/bin/b4ns-probe if present (env B4NS_PREFIX).  Default:
#                  copy B4NS_BUILD/b4ns into a world-readable scratch
#                  directory.  The probe is always copied there.
#   --build DIR    build tree holding b4ns and tests/b4ns-probe (env
#                  B4NS_BUILD, default: build/ of this tree); the probe is
#                  compiled from tests/e2e/probe/ if it is not there.
#   --keep         leave the test host namespaces and scratch directory.
#   --chmod-tun    make /dev/net/tun usable by the test user for the
#                  --net=slirp4netns/pasta tests (mode restored on exit);
#                  without it those tests are skipped unless it already is.
#   -k REGEX       run only the tests whose name matches (or T_FILTER=REGEX).
#   -v             show the output of passing tests too.
#
# The test host (tests/lib/testhost.sh) is a private pair of network
# namespaces, b4reg-th (10.77.0.1/24) and b4reg-peer (B4NS_TH_NS /
# B4NS_PEER_NS override the names).  One "b4ns daemon" runs there as the
# test user, at the default socket of XDG_RUNTIME_DIR=CTR_DIR/xdg (so that
# --daemon=SOCKET and --network alone find the same daemon); every
# container runs as the test user with "b4ns run --net=none": its namespace
# has lo and, with --ip, the veth pair b4ns0/b4ns0p, nothing else.
#
# The containers' own addresses are in 10.88.0.0/24, apart from the test
# host's 10.77.0.0/24 (a connect to a container's own subnet is never
# switched to the host):
#   B  10.88.0.3/24, --network=n1, -p 18080:80: b4ns-probe serve-peer on
#      0.0.0.0:80, which writes "peer ADDR:PORT" to every client
#   A  10.88.0.2/24, connecting to 10.88.0.3:80.  In network n1 the daemon
#      switches the connect to B's published port; in n2, or without the
#      daemon, it stays in A's namespace, where nobody answers at 10.88.0.3
#      (the neighbour lookup on b4ns0 fails: EHOSTUNREACH).
# Servers in the test host:
#   10.77.0.1:7   TCP echo (socat)
#
# Output: TAP-like "ok N - name" lines, "# " diagnostics under failures,
# and a last line "N passed, M failed[, K skipped]"; exit 1 if any failed.

set -euo pipefail

export B4NS_TH_NS=${B4NS_TH_NS:-b4reg-th}
export B4NS_PEER_NS=${B4NS_PEER_NS:-b4reg-peer}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

e2e_parse_args "$@"
e2e_need_root
e2e_need_tools nsenter setpriv socat timeout busybox
BUSYBOX=$(command -v busybox)
e2e_setup registry --probe --b4ns --testhost --tun
"$PROBE" help | grep -q 'serve-peer' ||
	die "$PROBE has no serve-peer: rebuild it from tests/e2e/probe/"

# The daemon's directory: XDG_RUNTIME_DIR/b4ns, the default of both
# "b4ns daemon" and "b4ns run --daemon" for the test user.
XDG=$CTR_DIR/xdg
mkdir -m 700 "$XDG"
chown "$TEST_USER:" "$XDG"
SOCK=$XDG/b4ns/b4ns.sock
RUN_USER_XDG=("${RUN_USER[@]}" "XDG_RUNTIME_DIR=$XDG")
PROBE_IN=b4ns-probe

start_bg echo4 socat TCP4-LISTEN:7,bind=10.77.0.1,reuseaddr,fork,backlog=1024 PIPE
start_bg_user daemon env "XDG_RUNTIME_DIR=$XDG" "$B4NS" daemon --log-level=info
{
	run_th "$PROBE" wait-listen 10.77.0.1 7 >/dev/null &&
		wait_log daemon 'listening on'
} || die "servers did not start"

# user_xdg CMD... - CMD as the test user in the test host, with the
# daemon's XDG_RUNTIME_DIR (under T_TIMEOUT)
user_xdg() {
	timeout -k 5 "$T_TIMEOUT" "${RUN_USER_XDG[@]}" "$@"
}

# daemon_status - the daemon's "b4ns status --json" into T_OUT
daemon_status() {
	expect_ok run_user "$B4NS" status --json --socket="$SOCK"
}

# daemon_has_run - the daemon's status lists a "run-PID" container
daemon_has_run() {
	daemon_status
	if ! grep -Eq '"id": ?"run-[0-9]+"' "$T_OUT"; then
		echo "FAIL: the daemon does not list a run-PID container"
		return 1
	fi
}

echo "# b4ns: $B4NS, test host $TH_NS, daemon at $SOCK"

# ---- 1. --ip ---------------------------------------------------------------

t_ip() {
	expect_ok ctr --ip=10.88.0.2/24 --ip=fd88::2/64 -- "$BUSYBOX" sh -c \
		"$BUSYBOX ip -o addr show dev b4ns0; $BUSYBOX ip -o link show dev b4ns0p"
	expect_out "inet 10.88.0.2/24"
	expect_out "inet6 fd88::2/64"
	grep -q 'b4ns0p.*[<,]UP[,>]' "$T_OUT" ||
		{ echo "FAIL: b4ns0p is not up"; return 1; }
	# the addresses are usable at once (IPv6 without DAD)
	expect_ok ctr --ip=10.88.0.2/24 -- "$PROBE_IN" bind-listen 10.88.0.2 8000
	expect_ok ctr --ip=fd88::2/64 -- "$PROBE_IN" bind-listen -6 fd88::2 8000
}
run_test "--ip=10.88.0.2/24 --ip=fd88::2/64: on b4ns0 inside, b4ns0p up, both bindable" t_ip

need_tun() {
	run_user sh -c 'exec 3<>/dev/net/tun' 2>/dev/null ||
		skip "/dev/net/tun is not usable by $TEST_USER (--chmod-tun)"
}

# --ip beside a fallback network: b4ns0 is added once it is attached, under
# a name neither slirp4netns (tap0) nor pasta (the host's names) takes
t_ip_fallback() {
	local net=$1
	need_tun
	command -v "$net" >/dev/null || skip "$net is not installed"
	expect_ok ctr --net="$net" --ip=10.88.0.2/24 -- "$BUSYBOX" ip -o addr
	expect_out "b4ns0    inet 10.88.0.2/24"
	if [[ $net == slirp4netns ]]; then
		expect_out "tap0    inet 10.0.2.100/24"
	else
		grep -v -e ' lo ' -e b4ns0 "$T_OUT" | grep -q ' inet ' ||
			{ echo "FAIL: no address of pasta's"; return 1; }
	fi
}
run_test "--ip with --net=slirp4netns: b4ns0 beside tap0" t_ip_fallback slirp4netns
run_test "--ip with --net=pasta: b4ns0 beside pasta's interface" t_ip_fallback pasta

t_ip_bad() {
	local bad
	for bad in 10.88.0.2 10.88.0.300/24 10.88.0.2/33 fd88::2/129 \
		127.0.0.2/8 0.0.0.0/0 10.88.0.2/24x; do
		expect_rc 2 ctr --ip="$bad" -- echo RAN
		expect_err "--ip"
		expect_err "'$bad'"
		! grep -q RAN "$T_OUT" || { echo "FAIL: the command ran"; return 1; }
	done
	expect_rc 2 ctr --ip=10.88.0.2/24 --ip=10.88.0.5/24 -- echo RAN
	expect_err "one IPv4 address only"
}
run_test "bad --ip (no /LEN, bad address or length, loopback, two IPv4): exit 2, message" t_ip_bad

# ---- 2. --daemon -------------------------------------------------------------

t_daemon_none() {
	expect_rc 125 ctr --daemon="$CTR_DIR/nowhere/b4ns.sock" -- echo RAN
	expect_err "no b4ns daemon answers at $CTR_DIR/nowhere/b4ns.sock"
	! grep -q RAN "$T_OUT" || { echo "FAIL: the command ran"; return 1; }
}
run_test "--daemon with no daemon at the socket: exit 125, message, the command never runs" t_daemon_none

t_daemon_refused_opts() {
	local opt
	for opt in --switch-udp --allow-host-loopback --allow-io-uring \
		--config=/dev/null; do
		expect_rc 2 ctr --daemon="$SOCK" "$opt" -- echo RAN
		expect_err "${opt%%=*} cannot go with --daemon"
		expect_err "config section"
	done
	expect_rc 2 ctr --daemon="$SOCK" --mode=preload -- echo RAN
	expect_err "seccomp listeners only"
	expect_rc 2 ctr --daemon=relative.sock -- echo RAN
	expect_err "not an absolute path"
}
run_test "--daemon refuses settings it cannot carry, --mode=preload, a relative socket: exit 2" t_daemon_refused_opts

t_daemon_served() {
	own_cleanup
	bg_ctr served --daemon="$SOCK" -- "$BUSYBOX" sh -c \
		"$PROBE_IN connect 10.77.0.1 7 --echo && echo CONNECTED && sleep 3; exit 7"
	wait_lines served CONNECTED 1
	daemon_has_run
	grep -Eq '"switched": ?[1-9]' "$T_OUT" ||
		{ echo "FAIL: the daemon switched nothing"; return 1; }
	wait_done served 7
	# its first process gone, the daemon lets the container go
	sleep 0.5
	daemon_status
	! grep -Eq '"id": ?"run-' "$T_OUT" ||
		{ echo "FAIL: the container is still listed"; return 1; }
}
run_test "--daemon=SOCK: the daemon serves the run (status lists it, the connect to 10.77.0.1:7 is switched), its exit status passes" t_daemon_served

t_daemon_default() {
	expect_ok user_xdg "$B4NS" run --net=none --daemon -- \
		"$PROBE_IN" connect 10.77.0.1 7 --echo
}
run_test "--daemon without SOCKET: the default socket under XDG_RUNTIME_DIR" t_daemon_default

t_daemon_egress() {
	expect_ok ctr --daemon="$SOCK" --network=n9 \
		--egress-allow=10.77.0.0/24:7/tcp --egress-deny=10.77.0.99/32 \
		--egress-deny='[fd77::/64]:443' -- "$PROBE_IN" connect 10.77.0.1 7 --echo
	# the daemon applies the run's rules: a denied connect is refused
	expect_ok ctr --daemon="$SOCK" --egress-deny=10.77.0.1/32:7/tcp -- \
		"$PROBE_IN" connect 10.77.0.1 7 --expect ECONNREFUSED
	expect_ok ctr --daemon="$SOCK" --egress-allow=10.77.0.1/32:8/tcp -- \
		"$PROBE_IN" connect 10.77.0.1 7 --expect ECONNREFUSED
	expect_rc 2 ctr --daemon="$SOCK" --egress-allow=10.77.0.0/24:0 -- echo RAN
	expect_err "--egress-allow"
	expect_rc 2 ctr --daemon="$SOCK" --network=no/slash -- echo RAN
	expect_err "--network"
}
run_test "--daemon carries --network, --egress-allow, --egress-deny (the daemon applies them: denied is ECONNREFUSED); bad ones: exit 2" t_daemon_egress

t_network_auto() {
	local before after
	before=$(grep -c 'container run-[0-9]*: pid' "$WORK/daemon.log" || true)
	expect_ok user_xdg "$B4NS" run --net=none --log-level=info --network=n9 -- \
		"$PROBE_IN" connect 10.77.0.1 7 --echo
	expect_err "the daemon at $SOCK serves the container"
	after=$(grep -c 'container run-[0-9]*: pid' "$WORK/daemon.log" || true)
	expect_eq "$((after - before))" 1 "containers the daemon registered"
	# an option the daemon cannot take keeps the run in-process
	expect_ok user_xdg "$B4NS" run --net=none --log-level=info --network=n9 \
		--switch-udp -- "$PROBE_IN" connect 10.77.0.1 7 --echo
	expect_err "cannot take --switch-udp; supervising in-process"
	after=$(grep -c 'container run-[0-9]*: pid' "$WORK/daemon.log" || true)
	expect_eq "$((after - before))" 1 "containers the daemon registered"
}
run_test "--network with a daemon at the default socket: it serves the run (not with --switch-udp)" t_network_auto

# ---- 3. container to container -----------------------------------------------

# B: the server of network n1, for the tests below
start_bg_user srvB "$B4NS" run --net=none --daemon="$SOCK" --network=n1 \
	--ip=10.88.0.3/24 -p 18080:80 -- \
	"$PROBE_IN" serve-peer 0.0.0.0 80 --count 1000 --timeout 600000
B_UP=1
wait_log srvB 'listening on' 10 || B_UP=0

# need_b - fail the current test if container B did not start
need_b() {
	if ((!B_UP)); then
		echo "FAIL: container B did not start:"
		show_log srvB
		return 1
	fi
}

t_c2c_same() {
	need_b
	expect_ok ctr --daemon="$SOCK" --network=n1 --ip=10.88.0.2/24 -- \
		"$PROBE_IN" connect 10.88.0.3 80 --check-peer --recv
	expect_out "peer 10.88.0.3:80 "
	expect_out "recv: peer "
}
run_test "A and B in network n1: A's connect to 10.88.0.3:80 reaches B's published port, getpeername 10.88.0.3:80" t_c2c_same

t_c2c_b_accepts() {
	need_b
	# the reply comes from B itself: B's serve-peer logs every connection
	# it accepts ("serve-peer: #N from ADDR") and checks that getpeername()
	# agrees with accept()
	local before after
	before=$(grep -c 'serve-peer: #' "$WORK/srvB.log" || true)
	expect_ok ctr --daemon="$SOCK" --network=n1 --ip=10.88.0.4/24 -- \
		"$PROBE_IN" connect 10.88.0.3 80 --recv
	# B's accept() shows A's container address, not the host's 127.0.0.1
	expect_out "recv: peer 10.88.0.4:"
	after=$(grep -c 'serve-peer: #' "$WORK/srvB.log" || true)
	expect_eq "$((after - before))" 1 "connections B accepted"
	! grep -q 'getpeername()' "$WORK/srvB.log" ||
		{ echo "FAIL: B's getpeername() disagrees with accept()"; return 1; }
}
run_test "A in n1 (another address): B accepts exactly that connection, from A's container address 10.88.0.4" t_c2c_b_accepts

t_c2c_host_client() {
	need_b
	# a client of B's published port on the host is shown as it is
	expect_ok run_th "$PROBE" connect 127.0.0.1 18080 --recv
	expect_out "recv: peer 127.0.0.1:"
}
run_test "a host client of B's published port: B's accept() shows 127.0.0.1" t_c2c_host_client

t_c2c_port_reused() {
	need_b
	local port
	expect_ok ctr --daemon="$SOCK" --network=n1 --ip=10.88.0.4/24 -- \
		"$PROBE_IN" connect 10.88.0.3 80 --recv
	expect_out "recv: peer 10.88.0.4:"
	port=$(sed -n 's/^recv: peer 10\.88\.0\.4:\([0-9]*\)$/\1/p' "$T_OUT")
	[ -n "$port" ] || { echo "FAIL: no port in A's output"; return 1; }
	# A is gone; a host process connecting from the same host port must
	# not be taken for A
	expect_ok run_th "$PROBE" connect 127.0.0.1 18080 --bind "$port" --recv
	grep -qx "recv: peer 127.0.0.1:$port" "$T_OUT" ||
		{ echo "FAIL: not shown as 127.0.0.1:$port"; return 1; }
}
run_test "attack: a host connection from the port a gone container used is shown as the host's, not as that container" t_c2c_port_reused

# B4: blocking accept() (the daemon waits for the connection in its loop),
# and accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)
start_bg_user srvB4 "$B4NS" run --net=none --daemon="$SOCK" --network=n1 \
	--ip=10.88.0.6/24 -p 18086:80 -- \
	"$PROBE_IN" serve-peer 0.0.0.0 80 --block --count 2 --timeout 600000
start_bg_user srvB5 "$B4NS" run --net=none --daemon="$SOCK" --network=n1 \
	--ip=10.88.0.7/24 -p 18087:80 -- \
	"$PROBE_IN" serve-peer 0.0.0.0 80 --accept4 --count 2 --timeout 600000

t_c2c_accept_kinds() {
	local srv addr
	for srv in srvB4:10.88.0.6 srvB5:10.88.0.7; do
		addr=${srv#*:}
		srv=${srv%%:*}
		wait_log "$srv" 'listening on' 10 || { show_log "$srv"; return 1; }
		# B4 sits in a blocking accept() meanwhile: other calls go on
		expect_ok ctr --daemon="$SOCK" --network=n1 --ip=10.88.0.4/24 -- \
			"$PROBE_IN" connect "$addr" 80 --recv
		expect_out "recv: peer 10.88.0.4:"
		expect_ok run_th "$PROBE" connect 127.0.0.1 "1808${addr##*.}" --recv
		expect_out "recv: peer 127.0.0.1:"
		wait_log "$srv" 'serve-peer: ok' 10 || { show_log "$srv"; return 1; }
	done
}
run_test "blocking accept() and accept4(SOCK_NONBLOCK|SOCK_CLOEXEC) on a published port: A's address, the host's, flags as asked" t_c2c_accept_kinds

# B6: served by the daemon without a network name (grouped by its subnet):
# reachable by container address all the same, but its accept() is not
# trapped and shows the host side
start_bg_user srvB6 "$B4NS" run --net=none --daemon="$SOCK" \
	--ip=10.88.1.3/24 -p 18088:80 -- \
	"$PROBE_IN" serve-peer 0.0.0.0 80 --count 100 --timeout 600000

t_c2c_unnamed() {
	wait_log srvB6 'listening on' 10 || { show_log srvB6; return 1; }
	expect_ok ctr --daemon="$SOCK" --ip=10.88.1.2/24 -- \
		"$PROBE_IN" connect 10.88.1.3 80 --check-peer --recv
	expect_out "recv: peer 127.0.0.1:"
}
run_test "no network name (grouped by subnet): A reaches B's container address; B's accept() shows the host (not trapped)" t_c2c_unnamed

t_c2c_other_net() {
	need_b
	expect_rc 1 ctr --daemon="$SOCK" --network=n2 --ip=10.88.0.2/24 -- \
		"$PROBE_IN" connect 10.88.0.3 80 --nonblock --wait 6000 --recv
	! grep -q 'recv: peer' "$T_OUT" || { echo "FAIL: B answered"; return 1; }
}
run_test "A in network n2: the connect to 10.88.0.3:80 is not switched (nobody there)" t_c2c_other_net

t_c2c_no_daemon() {
	need_b
	expect_rc 1 ctr --ip=10.88.0.2/24 -- \
		"$PROBE_IN" connect 10.88.0.3 80 --nonblock --wait 6000 --recv
	! grep -q 'recv: peer' "$T_OUT" || { echo "FAIL: B answered"; return 1; }
}
run_test "A without the daemon: the connect to 10.88.0.3:80 is not switched (nobody there)" t_c2c_no_daemon

# A "b4ns run" container can change its own addresses (it holds
# CAP_NET_ADMIN in its namespace): only the addresses it had when the
# daemon registered it count. B2 starts with 10.88.0.5 and, once serving,
# adds 10.88.0.9 to its interface: 10.88.0.5 is registered, 10.88.0.9 never
# (else a container could claim a neighbour's address and take its
# connects); once B2 has closed its listener its entry goes (the daemon's
# 1 s sweep)
t_c2c_address_added() {
	local i
	start_bg_user srvB2 "$B4NS" run --net=none --daemon="$SOCK" --network=n1 \
		--ip=10.88.0.5/24 -p 18085:80 -- /bin/sh -c \
		"'$PROBE_IN' serve-peer 0.0.0.0 80 --count 1 --timeout 20000 & sleep 1; busybox ip addr add 10.88.0.9/24 dev b4ns0; echo added; wait"
	wait_log srvB2 'added' 10 || { show_log srvB2; return 1; }
	sleep 0.5
	expect_ok run_user "$B4NS" status --json --socket="$SOCK"
	grep -q '"10.88.0.5:80"' "$T_OUT" ||
		{ echo "FAIL: 10.88.0.5:80 (given) not registered"; return 1; }
	! grep -q '"10.88.0.9:80"' "$T_OUT" ||
		{ echo "FAIL: 10.88.0.9:80 (made by the container) registered"; return 1; }
	expect_rc 1 ctr --daemon="$SOCK" --network=n1 --ip=10.88.0.2/24 -- \
		"$PROBE_IN" connect 10.88.0.9 80 --nonblock --wait 4000 --recv
	expect_ok ctr --daemon="$SOCK" --network=n1 --ip=10.88.0.2/24 -- \
		"$PROBE_IN" connect 10.88.0.5 80 --check-peer --recv
	expect_out "recv: peer "
	# serve-peer has answered its one connection and exited: the entry goes
	for ((i = 0; i < 50; i++)); do
		run_user "$B4NS" status --json --socket="$SOCK" >"$WORK/st.json"
		grep -q '10.88.0.5:80' "$WORK/st.json" || break
		sleep 0.1
	done
	! grep -q '10.88.0.5:80' "$WORK/st.json" ||
		{ echo "FAIL: 10.88.0.5:80 still registered after B2's listener closed"; return 1; }
	stop_bg srvB2
}
run_test "attack: an address a container adds to itself is never registered; a closed listener leaves the registry" t_c2c_address_added

report_summary
