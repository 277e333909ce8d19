#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# escape.sh - attack suite: no way to the host's loopback, by any path
# (issue 9).
#
# Usage (as root):
#   sudo tests/e2e/escape.sh [--prefix DIR] [--build DIR] [--keep]
#                            [-n N] [-t SECS] [-k REGEX] [-v]
#
#   --prefix DIR   b4ns install prefix: DIR/bin/b4ns is tested (env
#                  B4NS_PREFIX).  Default: copy BUILD/b4ns into a
#                  world-readable scratch directory.
#   --build DIR    build tree holding b4ns, tests/b4ns-probe and
#                  tests/b4ns-attack (env B4NS_BUILD, default SRC/build).
#   --keep         leave the test host namespaces and scratch directory.
#   -n N           attempts per race (env RACE_N, default 20000).
#   -t SECS        time bound per race (env RACE_SECS, default 20).
#   -k REGEX       run only the tests whose name matches.
#   -v             show the output of passing tests too.
#
# Every attack is a case of tests/e2e/b4ns-attack.c, run as the unprivileged
# user b4nstest inside "b4ns run --net=none -- b4ns-attack CASE", with the
# default configuration unless the test says otherwise.  --net=none: the
# container has only lo, so anything that reaches the test host went through
# a host socket b4ns switched.  The attacks aim such host sockets at the
# test host's own loopback, where counting listeners (b4ns-probe
# count-server) run:
#   127.0.0.1:9999 and [::1]:9999, TCP and UDP   must never move
# and the suite asserts that none of the four counters moved ("0 escapes"),
# besides what b4ns-attack checks itself (exit status 1 and "WRONG" or
# "ESCAPE" lines).  Other servers in the test host:
#   10.77.0.1:9998, [fd77::1]:9998   TCP server (accepts and closes): the
#                                    switched connect that makes a host socket
#   10.77.0.1:9                      closed TCP port (a failed switched connect)
#   10.77.0.1:5300, [fd77::1]:5300   UDP echo
#
# The cases (see "b4ns-attack --help"): family-flip and fd-swap races on
# connect() and sendto(MSG_FASTOPEN) (RACE_N attempts or RACE_SECS seconds
# each), plain connect/sendto/sendmsg/sendmmsg(MSG_FASTOPEN) on host
# sockets, i386 system calls through int $0x80 (connect, socketcall, sendto,
# sendmsg; skipped where the kernel has no IA-32 emulation, where int $0x80
# kills the process before any filter runs), x32 connect (ENOSYS), io_uring
# (ENOSYS by default), sendmsg/sendmmsg with IP_PKTINFO{ifindex=1} on UDP
# sockets, and squatting host ports (the test host sends to and connects to
# what the container bound; it must receive nothing).  Next to them, what
# must still work: switched TCP (IPv4, IPv6), a retry after a refused
# switched connect, listeners inside the container (AF_UNIX path and
# abstract, 127.0.0.1, ::1), UDP echo with --switch-udp, io_uring with
# --allow-io-uring.  The opt-ins --switch-udp and --allow-io-uring give the
# guarantee up in part (IP_PKTINFO, io_uring on host sockets): their tests
# only assert that they work, not that nothing escapes.
#
# The suite uses its own test host (tests/lib/testhost.sh with
# B4NS_TH_NS=b4ns-esc, B4NS_PEER_NS=b4ns-escpeer unless set), so its
# listeners on 127.0.0.1 cannot collide with another suite's in b4ns-th.
#
# Output: TAP-like "ok N - name" lines, "# " diagnostics under failures,
# and a last line "N passed, M failed, K skipped"; exit 1 if any failed.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
export B4NS_TH_NS=${B4NS_TH_NS:-b4ns-esc}
export B4NS_PEER_NS=${B4NS_PEER_NS:-b4ns-escpeer}
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"

B4NS_PREFIX=${B4NS_PREFIX:-}
B4NS_BUILD=${B4NS_BUILD:-$SRC/build}
RACE_N=${RACE_N:-20000}
RACE_SECS=${RACE_SECS:-20}
KEEP=0
TH_PREEXISTED=1

usage() {
	sed -n '4,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while (($# > 0)); do
	case $1 in
	--prefix) B4NS_PREFIX=${2:?}; shift ;;
	--prefix=*) B4NS_PREFIX=${1#*=} ;;
	--build) B4NS_BUILD=${2:?}; shift ;;
	--build=*) B4NS_BUILD=${1#*=} ;;
	--keep) KEEP=1 ;;
	-n) RACE_N=${2:?}; shift ;;
	-t) RACE_SECS=${2:?}; shift ;;
	-k) T_FILTER=${2:?}; shift ;;
	-v) T_VERBOSE=1 ;;
	*) usage ;;
	esac
	shift
done

[[ $(id -u) -eq 0 ]] || die "run as root (sudo $0)"
for tool in nsenter setpriv timeout; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

# ---- scratch directory, binaries, user -----------------------------------

SCRATCH=$(mktemp -d /tmp/b4ns-escape.XXXXXX)
chmod 755 "$SCRATCH"
common_init "$SCRATCH"
mkdir -p "$WORK/bin"

cleanup() {
	local rc=$?
	stop_all_bg
	if [[ $KEEP == 1 ]]; then
		log "kept: $WORK and the test host $TH_NS (tests/lib/testhost.sh down)"
	else
		if [[ $TH_PREEXISTED == 0 ]]; then
			"$SRC/tests/lib/testhost.sh" down || true
		fi
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# install BUILD_NAME: copy a helper from the build tree into $WORK/bin
install_helper() {
	local name=$1 f
	for f in "$B4NS_BUILD/tests/$name" "$B4NS_BUILD/$name"; do
		if [[ -x $f ]]; then
			cp "$f" "$WORK/bin/$name"
			return 0
		fi
	done
	die "no $name in $B4NS_BUILD/tests (build the tree: cmake --build $B4NS_BUILD)"
}
install_helper b4ns-probe
install_helper b4ns-attack
PROBE=$WORK/bin/b4ns-probe
ATTACK=$WORK/bin/b4ns-attack

if [[ -n $B4NS_PREFIX ]]; then
	B4NS=$B4NS_PREFIX/bin/b4ns
else
	[[ -x $B4NS_BUILD/b4ns ]] || die "no $B4NS_BUILD/b4ns; build it or pass --prefix"
	cp "$B4NS_BUILD/b4ns" "$WORK/bin/b4ns"
	[[ -f $B4NS_BUILD/libb4ns.so ]] && cp "$B4NS_BUILD/libb4ns.so" "$WORK/bin/"
	B4NS=$WORK/bin/b4ns
fi
chmod -R a+rX "$WORK"

ensure_test_user
CTR_DIR=$WORK/ctr
mkdir -p "$CTR_DIR"
chown "$TEST_USER:" "$CTR_DIR"

TH_PREEXISTED=0
[[ -e /run/netns/$TH_NS ]] && TH_PREEXISTED=1
"$SRC/tests/lib/testhost.sh" up

run_user test -x "$B4NS" ||
	die "$TEST_USER cannot execute $B4NS (install to a world-readable prefix)"
run_user test -x "$ATTACK" || die "$TEST_USER cannot execute $ATTACK"

# ---- servers --------------------------------------------------------------

COUNTERS=(lo4-tcp lo6-tcp lo4-udp lo6-udp)

start_servers() {
	start_bg sink4 "$PROBE" count-server 10.77.0.1 9998 "$WORK/sink4.count"
	start_bg sink6 "$PROBE" count-server fd77::1 9998 "$WORK/sink6.count"
	start_bg udp4 "$PROBE" udp-echo 10.77.0.1 5300
	start_bg udp6 "$PROBE" udp-echo fd77::1 5300
	start_bg lo4-tcp "$PROBE" count-server 127.0.0.1 9999 "$WORK/lo4-tcp.count"
	start_bg lo6-tcp "$PROBE" count-server ::1 9999 "$WORK/lo6-tcp.count"
	start_bg lo4-udp "$PROBE" count-server 127.0.0.1 9999 "$WORK/lo4-udp.count" --udp
	start_bg lo6-udp "$PROBE" count-server ::1 9999 "$WORK/lo6-udp.count" --udp
	local name
	for name in sink4 sink6 udp4 udp6 "${COUNTERS[@]}"; do
		wait_log "$name" listening || return 1
	done
}
start_servers || die "servers did not start"

# count_snapshot NAME - the count of count-server NAME so far (it drains
# its queue first)
count_snapshot() {
	local name=$1 before i
	before=$(grep -c 'snapshot' "$WORK/$name.log" || true)
	kill -USR1 "$(bg_pid "$name")"
	for ((i = 0; i < 100; i++)); do
		if [[ $(grep -c 'snapshot' "$WORK/$name.log" || true) -gt $before ]]; then
			cat "$WORK/$name.count"
			return 0
		fi
		sleep 0.05
	done
	echo "count-server $name does not answer" >&2
	return 1
}

# counters - the four host-loopback counts, one line
counters() {
	local name out=()
	for name in "${COUNTERS[@]}"; do
		out+=("$(count_snapshot "$name")")
	done
	echo "${out[*]}"
}

# counters_moved BEFORE AFTER - print the deltas; status 0 if any moved
counters_moved() {
	local -a b a
	local i moved=1 line=()
	read -ra b <<<"$1"
	read -ra a <<<"$2"
	for i in "${!COUNTERS[@]}"; do
		line+=("${COUNTERS[$i]}=$((a[i] - b[i]))")
		((a[i] - b[i] == 0)) || moved=0
	done
	echo "reached the host's loopback (127.0.0.1/::1:9999): ${line[*]}"
	return "$moved"
}

# ---- how a container is run ----------------------------------------------

# ctr [B4NS-OPTION...] -- CMD... - CMD as a container of the test user,
# "b4ns run --net=none"
ctr() {
	local opts=()
	while (($# > 0)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	run_user "$B4NS" run --net=none "${opts[@]}" -- "$@"
}

# no_escape [B4NS-OPTION...] -- CMD... - run the attack CMD in a container:
# it must exit 0 (77: the test is skipped) and none of the host-loopback
# counters may move
no_escape() {
	local before after bad=0
	before=$(counters)
	expect_rc 0 ctr "$@" || bad=1
	if [[ $T_RC -eq 77 ]]; then
		skip "$(grep -m1 -E 'no IA-32|without liburing' "$T_OUT" || echo "cannot run here")"
	fi
	sleep 0.2 # datagrams in flight
	after=$(counters)
	if counters_moved "$before" "$after"; then
		echo "FAIL: an attack reached the host's loopback"
		bad=1
	fi
	((bad == 0))
}

RACE=(-n "$RACE_N" -t "$RACE_SECS")

# ---- the detector itself -----------------------------------------------------

t_control() {
	# Natively in the test host, every counter sees what is sent to it.
	local before after
	before=$(counters)
	expect_ok run_user b4ns-attack poke 127.0.0.1 9999 ::1 9999
	sleep 0.2
	after=$(counters)
	counters_moved "$before" "$after" || true
	expect_eq "$(counters_moved "$before" "$after")" \
		"reached the host's loopback (127.0.0.1/::1:9999): lo4-tcp=1 lo6-tcp=1 lo4-udp=1 lo6-udp=1" \
		"counters after one native connect and datagram each"
}

# ---- what must still work ------------------------------------------------

t_switched_tcp() {
	expect_ok ctr -- b4ns-probe connect "$1" 9998 --check-peer
}

t_retry() {
	expect_ok ctr -- b4ns-attack retry
}

t_inside() {
	expect_ok ctr -- b4ns-attack inside-ok
}

t_udp_default() {
	# Not switched by default: --net=none has no route for it.
	expect_rc 1 ctr -- b4ns-probe udp "$1" 5300
	expect_out "ENETUNREACH"
}

t_udp_switched() {
	expect_ok ctr --switch-udp -- b4ns-probe udp "$1" 5300
}

t_io_uring_allowed() {
	# The opt-in: the ring works.  It gives the guarantee up (io_uring
	# acts on host sockets without a system call to trap): what escapes
	# is only reported, not asserted.
	local before after
	before=$(counters)
	expect_rc 0 ctr --allow-io-uring -- b4ns-attack io-uring --expect-ring
	[[ $T_RC -ne 77 ]] || skip "built without liburing"
	after=$(counters)
	counters_moved "$before" "$after" || true
	expect_out "ring created"
}

# ---- attacks ---------------------------------------------------------------

t_attack() {
	no_escape -- b4ns-attack "$@"
}

t_attack_opts() {
	no_escape "$@"
}

t_squat() {
	local base=23000 donef=$CTR_DIR/squat.done ports=() p i args=()
	rm -f "$donef" "$WORK/squat.log"
	start_bg_user squat "$B4NS" run --net=none -- b4ns-attack squat "$base" "$donef"
	wait_log squat 'squat: ready' 20 || return 1
	for ((i = 0; i < 4; i++)); do # the ports asked for (4 sockets)
		ports+=("$((base + i))")
	done
	while read -r _ _ p; do
		[[ $p -gt 0 && " ${ports[*]} " != *" $p "* ]] && ports+=("$p")
	done < <(grep '^squat-port ' "$WORK/squat.log")
	for p in "${ports[@]}"; do
		args+=(127.0.0.1 "$p" 10.77.0.1 "$p")
	done
	expect_ok run_th "$ATTACK" poke "${args[@]}"
	cp "$T_OUT" "$WORK/poke.out"
	touch "$donef"
	for ((i = 0; i < 100; i++)); do
		bg_alive squat || break
		sleep 0.1
	done
	stop_bg squat
	sed 's/^/  squat| /' "$WORK/squat.log"
	cp "$WORK/squat.log" "$WORK/squat.saved"
	if ! grep -qx 'squat: received 0' "$WORK/squat.log"; then
		echo "FAIL: the container received what the test host sent to its own ports"
		return 1
	fi
	# TCP cannot listen() after a connect(), but a bind() on a host
	# socket would hold the test host's port
	if grep 'EADDRINUSE' "$WORK/poke.out"; then
		echo "FAIL: the container holds ports of the test host"
		return 1
	fi
}

t_host_bind() {
	# From the squat run: bind() on a switched (host) TCP socket is refused.
	[[ -f $WORK/squat.saved ]] || { echo "FAIL: no squat run"; return 1; }
	grep '^squat tcp-bind' "$WORK/squat.saved"
	if ! grep -q '^squat tcp-bind-any: bind 0.0.0.0:[0-9]*: EINVAL$' "$WORK/squat.saved" ||
		! grep -q '^squat tcp-bind-loopback: bind 127.0.0.1:[0-9]*: EINVAL$' "$WORK/squat.saved"; then
		echo "FAIL: want EINVAL from bind() on both host TCP sockets"
		return 1
	fi
}

# ---- run ------------------------------------------------------------------

echo "# b4ns: $B4NS (test host $TH_NS; races: $RACE_N attempts or ${RACE_SECS} s)"

run_test "control: natively, the four host-loopback counters count" t_control

run_test "works: switched TCP connect to 10.77.0.1:9998" t_switched_tcp 10.77.0.1
run_test "works: switched TCP connect to [fd77::1]:9998" t_switched_tcp fd77::1
run_test "works: listeners inside the container (AF_UNIX path, abstract, 127.0.0.1, ::1)" t_inside
run_test "works: a retry after a refused switched connect connects (the container socket is back)" t_retry
run_test "UDP is not switched by default (10.77.0.1:5300: ENETUNREACH)" t_udp_default 10.77.0.1
run_test "works: --switch-udp, connected UDP echo 10.77.0.1:5300" t_udp_switched 10.77.0.1
run_test "works: --switch-udp, connected UDP echo [fd77::1]:5300" t_udp_switched fd77::1

run_test "family flip AF_UNIX/AF_INET 127.0.0.1/AF_UNSPEC on connect() (disconnected host socket): 0 escapes" \
	t_attack "${RACE[@]}" --reaim disconnect flip-connect
run_test "family flip on connect() (host socket whose switched connect was refused): 0 escapes" \
	t_attack "${RACE[@]}" --reaim refused flip-connect
run_test "family flip on sendto(MSG_FASTOPEN): 0 escapes" \
	t_attack "${RACE[@]}" flip-sendto-tfo
run_test "family flip on sendto() from a published UDP socket (--switch-udp -p 24000:24000/udp): 0 datagrams" \
	t_attack_opts --switch-udp -p 24000:24000/udp -- b4ns-attack "${RACE[@]}" flip-sendto-udp 24000
run_test "fd swap (dup2 host/container socket) under connect(127.0.0.1): 0 escapes" \
	t_attack "${RACE[@]}" swap-connect
run_test "fd swap under sendto(MSG_FASTOPEN, 127.0.0.1): 0 escapes" \
	t_attack "${RACE[@]}" swap-sendto-tfo
run_test "host sockets: connect/sendto/sendmsg/sendmmsg(MSG_FASTOPEN) to 127.0.0.1: 0 escapes, TFO sendmsg EOPNOTSUPP" \
	t_attack direct
run_test "i386 int \$0x80 connect/socketcall/sendto/sendmsg on host sockets: 0 escapes" \
	t_attack i386
run_test "works: i386 connect and socketcall CONNECT to 10.77.0.1 are switched like native" \
	t_attack i386-switch
run_test "x32 connect: ENOSYS, 0 escapes" t_attack x32
run_test "io_uring_setup/enter/register: ENOSYS by default" t_attack io-uring-denied
run_test "io_uring CONNECT/SENDMSG(MSG_FASTOPEN) on host sockets: denied, 0 escapes" t_attack io-uring
run_test "works: --allow-io-uring, the ring can be created (the opt-in gives the guarantee up)" t_io_uring_allowed
run_test "IP_PKTINFO/IPV6_PKTINFO{ifindex=1} sendmsg/sendmmsg on UDP sockets: 0 escapes" \
	t_attack pktinfo
run_test "squatting: ports bound through switched sockets receive nothing and hold no test host port" t_squat
run_test "bind() on a host TCP socket: EINVAL" t_host_bind

report_summary
