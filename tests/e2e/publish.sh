#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# publish.sh - end-to-end tests of issue #3: published ports (-p), unconnected
# UDP switching (sendto, and sendmsg with "udp_sendmsg = true") and coherent
# getsockname()/getpeername().
#
# Usage (as root):
#   sudo tests/e2e/publish.sh [--prefix DIR] [--build DIR] [--keep]
#                             [-k REGEX] [-v]
#
#   --prefix DIR   b4ns install prefix: DIR/bin/b4ns is tested, and
#                  DIR/bin/b4ns-probe if present (env B4NS_PREFIX).  Default:
#                  copy B4NS_BUILD/b4ns into a world-readable scratch
#                  directory.  The probe is always copied there.
#   --build DIR    build tree holding b4ns and tests/b4ns-probe (env
#                  B4NS_BUILD, default /work/main/build); the probe is
#                  compiled from tests/e2e/b4ns-probe.c if it is not there.
#   --keep         leave the test host namespaces and scratch directory.
#   -k REGEX       run only the tests whose name matches.
#   -v             show the output of passing tests too.
#
# The test host (tests/lib/testhost.sh) is a private pair of network
# namespaces, b4pub-th (10.77.0.1/24, fd77::1/64) and b4pub-peer, so that the
# published ports of this suite never meet another suite's servers
# (B4NS_TH_NS / B4NS_PEER_NS override the names).  The b4ns supervisor runs
# in b4pub-th, so a published port is a port of the test host; clients run
# there as the test user.  Every container runs as the unprivileged user
# b4nstest with "b4ns run --net=none": the container namespace has only lo,
# so a client in the test host reaching a server in the container proves its
# listening socket was moved to the host, and a datagram from the container
# reaching 10.77.0.1 proves the UDP socket was switched.  UDP is switched
# only on request (issue 9): the UDP tests run with --switch-udp (or
# "switch_udp = true;" in their config; publishing a /udp port requires it),
# and the "UDP not switched by default" tests check the default.
#
# Servers in the test host:
#   10.77.0.1:7                 TCP echo (socat)
#   10.77.0.1:5300              UDP echo (b4ns-probe udp-echo)
#   127.0.0.1:9999, [::1]:9999  TCP connection counters (host loopback)
#   127.0.0.1:9/udp             datagram counter (host loopback)
# Host ports the containers publish: 8080-8088, 8090-8091, 5353-5354/udp,
# 9000/tcp+udp.
#
# Output: TAP-like "ok N - name" lines, "# " diagnostics under failures,
# and a last line "N passed, M failed[, K skipped]"; exit 1 if any failed.

set -euo pipefail

export B4NS_TH_NS=${B4NS_TH_NS:-b4pub-th}
export B4NS_PEER_NS=${B4NS_PEER_NS:-b4pub-peer}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"

B4NS_PREFIX=${B4NS_PREFIX:-}
B4NS_BUILD=${B4NS_BUILD:-/work/main/build}
KEEP=0
TH_PREEXISTED=1
T_TIMEOUT=${T_TIMEOUT:-30}

usage() {
	sed -n '4,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while (($# > 0)); do
	case $1 in
	--prefix) B4NS_PREFIX=${2:?}; shift ;;
	--prefix=*) B4NS_PREFIX=${1#*=} ;;
	--build) B4NS_BUILD=${2:?}; shift ;;
	--build=*) B4NS_BUILD=${1#*=} ;;
	--keep) KEEP=1 ;;
	-k) T_FILTER=${2:?}; shift ;;
	-v) T_VERBOSE=1 ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
	shift
done

[[ $(id -u) -eq 0 ]] || die "run as root (sudo $0)"
for tool in nsenter setpriv socat curl timeout busybox; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done
BUSYBOX=$(command -v busybox)

# ---- scratch directory, binaries, user -----------------------------------

SCRATCH=$(mktemp -d /tmp/b4ns-publish.XXXXXX)
chmod 755 "$SCRATCH"
common_init "$SCRATCH"
mkdir -p "$WORK/bin" "$WORK/www"

# leftover_pids - processes still running one of this suite's binaries
leftover_pids() {
	local p exe
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		[[ $exe == "$WORK/bin/"* ]] && echo "${p#/proc/}"
	done
	return 0
}

cleanup() {
	local rc=$? left
	stop_all_bg
	left=$(leftover_pids | tr '\n' ' ')
	if [[ -n ${left// /} ]]; then
		log "warning: processes of this suite still running: $left(killed)"
		# shellcheck disable=SC2086 # a list of pids
		kill -KILL $left 2>/dev/null || true
	fi
	if [[ $KEEP == 1 ]]; then
		log "kept: $WORK and the test host (B4NS_TH_NS=$TH_NS B4NS_PEER_NS=$B4NS_PEER_NS tests/lib/testhost.sh down)"
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

PROBE=$WORK/bin/b4ns-probe
if [[ -n $B4NS_PREFIX && -x $B4NS_PREFIX/bin/b4ns-probe ]]; then
	cp "$B4NS_PREFIX/bin/b4ns-probe" "$PROBE"
elif [[ -x $B4NS_BUILD/tests/b4ns-probe ]]; then
	cp "$B4NS_BUILD/tests/b4ns-probe" "$PROBE"
elif [[ -x $B4NS_BUILD/b4ns-probe ]]; then
	cp "$B4NS_BUILD/b4ns-probe" "$PROBE"
else
	log "note: no $B4NS_BUILD/tests/b4ns-probe, compiling it"
	cc -O2 -D_GNU_SOURCE -o "$PROBE" "$SRC/tests/e2e/b4ns-probe.c" \
		-lpthread || die "cannot build b4ns-probe"
fi
"$PROBE" help | grep -q 'serve-peer' ||
	die "$PROBE has no serve-peer: rebuild it from tests/e2e/b4ns-probe.c"

if [[ -n $B4NS_PREFIX ]]; then
	B4NS=$B4NS_PREFIX/bin/b4ns
else
	B4NS=$WORK/bin/b4ns
	[[ -x $B4NS_BUILD/b4ns ]] && cp "$B4NS_BUILD/b4ns" "$B4NS"
fi
[[ -x $B4NS ]] || die "no b4ns binary ($B4NS); build it or pass --prefix"
chmod -R a+rX "$WORK"

ensure_test_user
mkdir -p "$WORK/ctr"
chown "$TEST_USER:" "$WORK/ctr"
CTR_DIR=$WORK/ctr

printf '# b4ns e2e\nswitch_udp = true;\nudp_sendmsg = true;\n' >"$WORK/udp_sendmsg.conf"
chmod 644 "$WORK/udp_sendmsg.conf"

# Known content, different on every run.
CONTENT=$WORK/www/hello.txt
printf 'b4ns-publish hello %s %s\n' "$(date +%s)" "$RANDOM$RANDOM" >"$CONTENT"
chmod 644 "$CONTENT"

TH_PREEXISTED=0
[[ -e /run/netns/$TH_NS ]] && TH_PREEXISTED=1
"$SRC/tests/lib/testhost.sh" up

run_user test -x "$PROBE" || die "$TEST_USER cannot execute $PROBE"
run_user test -x "$B4NS" ||
	die "$TEST_USER cannot execute $B4NS (install to a world-readable prefix)"

# ---- servers in the test host ---------------------------------------------

start_servers() {
	start_bg echo4 socat TCP4-LISTEN:7,bind=10.77.0.1,reuseaddr,fork,backlog=1024 PIPE
	start_bg udp4 "$PROBE" udp-echo 10.77.0.1 5300
	start_bg hostlo "$PROBE" count-server 127.0.0.1 9999 "$WORK/hostlo.count"
	start_bg hostlo6 "$PROBE" count-server ::1 9999 "$WORK/hostlo6.count"
	start_bg hostlou "$PROBE" count-server 127.0.0.1 9 "$WORK/hostlou.count" --udp

	run_th "$PROBE" wait-listen 10.77.0.1 7 >/dev/null
	wait_log udp4 listening
	wait_log hostlo listening
	wait_log hostlo6 listening
	wait_log hostlou listening
}
start_servers || die "servers did not start"

# count_snapshot NAME - the connections (datagrams) counted so far by
# count-server NAME (drains its queue first)
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

# ---- how containers are run -------------------------------------------------

# ctr [B4NS-OPTION...] -- CMD... - run CMD as a container of the test user,
# "b4ns run --net=none", in the foreground
ctr() {
	local opts=()
	while (($# > 0)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	[[ ${1:-} == -- ]] || die "ctr: missing --"
	shift
	run_user "$B4NS" run --net=none "${opts[@]}" -- "$@"
}

# Background containers and servers started by the current test; stopped
# when the test's subshell exits (call own_cleanup first).
T_MINE=()

own_cleanup() {
	trap 'stop_mine' EXIT
}

stop_mine() {
	local n
	for n in "${T_MINE[@]}"; do
		if bg_alive "$n"; then
			# (bash may not know the pid in an EXIT trap: quiet)
			stop_bg "$n" 2>/dev/null
		fi
	done
}

# bg_ctr NAME [B4NS-OPTION...] -- CMD... - the same as ctr in the
# background, output in $WORK/NAME.log
bg_ctr() {
	local name=$1 opts=()
	shift
	while (($# > 0)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	[[ ${1:-} == -- ]] || die "bg_ctr: missing --"
	shift
	echo "\$ (background $name) b4ns run --net=none ${opts[*]} -- $*"
	# No stale "listening" from an earlier process of the same name.
	rm -f "$WORK/$name.log"
	start_bg_user "$name" "$B4NS" run --net=none "${opts[@]}" -- "$@"
	T_MINE+=("$name")
}

# bg_th NAME CMD... - a server as root in the test host for this test only
bg_th() {
	local name=$1
	shift
	echo "\$ (background $name, test host) $*"
	rm -f "$WORK/$name.log"
	start_bg "$name" "$@"
	T_MINE+=("$name")
}

# show_log NAME - the output of background process NAME so far
show_log() {
	echo "  output of $1:"
	sed 's/^/  > /' "$WORK/$1.log"
}

# wait_lines NAME REGEX N [SECONDS] - until $WORK/NAME.log has N lines
# matching REGEX
wait_lines() {
	local name=$1 re=$2 n=$3 secs=${4:-5} i got
	for ((i = 0; i < secs * 20; i++)); do
		got=$(grep -Ec -- "$re" "$WORK/$name.log" 2>/dev/null || true)
		((${got:-0} >= n)) && return 0
		bg_alive "$name" || break
		sleep 0.05
	done
	echo "FAIL: $name: fewer than $n lines matching '$re' in its output"
	show_log "$name"
	return 1
}

# wait_done NAME WANT [SECONDS] - wait for background NAME to exit; its
# exit status must be WANT
wait_done() {
	local name=$1 want=$2 secs=${3:-10} i rc=0 pid
	pid=$(bg_pid "$name")
	for ((i = 0; i < secs * 20; i++)); do
		bg_alive "$name" || break
		sleep 0.05
	done
	if bg_alive "$name"; then
		echo "FAIL: $name still running after ${secs}s"
		show_log "$name"
		return 1
	fi
	wait "$pid" || rc=$?
	show_log "$name"
	echo "  $name: exit status $rc"
	if [[ $rc -ne $want ]]; then
		echo "FAIL: $name: expected exit status $want, got $rc"
		return 1
	fi
}

# expect_seen_peer - the "recv: peer X" line the container's serve-peer wrote
# equals the client's own address ("peer P local L" from connect)
expect_seen_peer() {
	local mine seen
	mine=$(sed -n 's/^peer .* local \(.*\)$/\1/p' "$T_OUT")
	seen=$(sed -n 's/^recv: peer //p' "$T_OUT")
	expect_eq "$seen" "$mine" "client address accept() returned in the container"
}

PROBE_IN=b4ns-probe

# ---- 1. publishing TCP --------------------------------------------------

t_httpd() {
	own_cleanup
	bg_ctr httpd -p 8080:80 -- "$BUSYBOX" httpd -f -p 80 -h "$WORK/www"
	expect_ok run_th "$PROBE" wait-listen 10.77.0.1 8080 5000 ||
		{ show_log httpd; return 1; }
	expect_ok run_user curl -sS --max-time 5 http://10.77.0.1:8080/hello.txt
	expect_stdout_is "$CONTENT"
	expect_ok run_user curl -sS --max-time 5 http://127.0.0.1:8080/hello.txt
	expect_stdout_is "$CONTENT"
	show_log httpd
}

t_peer_address() {
	own_cleanup
	bg_ctr peer -p 8080:80 -- "$PROBE_IN" serve-peer 0.0.0.0 80 --count 2
	wait_lines peer 'listening on' 1
	expect_ok run_user "$PROBE" connect 10.77.0.1 8080 --recv
	expect_seen_peer
	expect_out "recv: peer 10.77.0.1:"
	expect_ok run_user "$PROBE" connect 127.0.0.1 8080 --recv
	expect_seen_peer
	expect_out "recv: peer 127.0.0.1:"
	wait_done peer 0
}

t_host_ip() {
	own_cleanup
	bg_ctr hostip -p 127.0.0.1:8081:80 -- \
		"$PROBE_IN" serve-peer 0.0.0.0 80 --count 1
	wait_lines hostip 'listening on' 1
	expect_ok run_user "$PROBE" connect 10.77.0.1 8081 --expect ECONNREFUSED
	expect_ok run_user "$PROBE" connect 127.0.0.1 8081 --recv
	expect_seen_peer
	wait_done hostip 0
}

t_unpublished() {
	# With -p 8087:80, a server on container port 81 stays inside.
	own_cleanup
	bg_ctr unpub -p 8087:80 -- "$PROBE_IN" tcp-echo 0.0.0.0 81
	wait_lines unpub 'listening on' 1
	expect_ok run_user "$PROBE" connect 10.77.0.1 81 --expect ECONNREFUSED
	expect_ok run_user "$PROBE" connect 127.0.0.1 81 --expect ECONNREFUSED
	expect_ok run_user "$PROBE" connect 10.77.0.1 8087 --expect ECONNREFUSED
	show_log unpub
}

# ---- 2. UDP, TCP+UDP on one port --------------------------------------------

t_udp_publish() {
	local client=$1
	own_cleanup
	bg_ctr udpsrv --switch-udp -p 5353:53/udp -- "$PROBE_IN" udp-echo 0.0.0.0 53
	wait_lines udpsrv 'listening on' 1
	expect_ok run_user "$PROBE" udp "$client" 5353
	sleep 0.1
	show_log udpsrv
	# recvfrom() in the container saw the real client.
	if ! grep -qE "udp-echo: #1 from $client:[0-9]+\$" "$WORK/udpsrv.log"; then
		echo "FAIL: the container's recvfrom() did not return $client:PORT"
		return 1
	fi
}

t_tcp_udp_same_port() {
	own_cleanup
	# shellcheck disable=SC2016 # expanded by the container's shell
	bg_ctr both --switch-udp -p 9000:9000/tcp -p 9000:9000/udp -- sh -c '
		b4ns-probe tcp-echo 0.0.0.0 9000 & t=$!
		b4ns-probe udp-echo 0.0.0.0 9000 & u=$!
		trap "kill $t $u" TERM
		wait'
	wait_lines both 'listening on' 2
	expect_ok run_user "$PROBE" connect 10.77.0.1 9000 --echo
	expect_ok run_user "$PROBE" udp 10.77.0.1 9000
	show_log both
}

t_published_udp_out() {
	# A published UDP socket sends to the test host (a DNS forwarder).
	expect_ok ctr --switch-udp -p 5354:54/udp -- "$PROBE_IN" udp-sendto 10.77.0.1 5300 \
		--bind 54
}

t_published_udp_loopback() {
	# A published UDP socket lives in the host namespace: sendto()
	# 127.0.0.1 from it must not reach the host's loopback services
	# (only --allow-host-loopback opens host loopback), whatever errno
	# the container gets.
	local before after
	before=$(count_snapshot hostlou)
	expect_ok ctr --switch-udp -p 5354:54/udp -- sh -c \
		'b4ns-probe udp-sendto 127.0.0.1 9 --bind 54 --no-reply; exit 0'
	sleep 0.1
	after=$(count_snapshot hostlou)
	expect_eq "$((after - before))" 0 "datagrams on the host's 127.0.0.1:9"
}

t_published_tcp_loopback() {
	# The same for a TCP socket bound to a published port that then
	# connect()s instead of listening: it must not reach the host's
	# 127.0.0.1:9999.
	local before after
	before=$(count_snapshot hostlo)
	expect_ok ctr -p 8088:80 -- sh -c \
		'b4ns-probe connect 127.0.0.1 9999 --bind 80 --expect any; exit 0'
	after=$(count_snapshot hostlo)
	expect_eq "$((after - before))" 0 "connections on the host's 127.0.0.1:9999"
}

# ---- 3. errors binding the host port -----------------------------------------

t_port_taken() {
	own_cleanup
	bg_th taken "$PROBE" count-server 0.0.0.0 8082 "$WORK/taken.count"
	wait_log taken listening
	expect_ok ctr -p 8082:80 -- "$PROBE_IN" bind-listen 0.0.0.0 80 \
		--expect EADDRINUSE
	if ! grep -E 'warn' "$T_ERR" | grep -F '8082' >/dev/null; then
		echo "FAIL: no warn line on stderr naming the mapping (8082)"
		return 1
	fi
}

# ---- 4. SO_REUSEPORT -----------------------------------------------------

t_reuseport() {
	local a b
	own_cleanup
	rm -f "$CTR_DIR/rp1" "$CTR_DIR/rp2"
	bg_ctr rp -p 8083:80 -- sh -c "
		b4ns-probe reuseport-worker 80 5 $CTR_DIR/rp1 & a=\$!
		b4ns-probe reuseport-worker 80 5 $CTR_DIR/rp2 & b=\$!
		trap 'kill \$a \$b' TERM
		wait \$a; ra=\$?; wait \$b; rb=\$?
		exit \$((ra + rb))"
	wait_lines rp 'listening on' 2
	# 1 warm-up + 4 x 50 connections, each accepted by one worker.
	expect_ok run_user "$PROBE" threads 10.77.0.1 8083 4 50 --no-fdcheck
	wait_done rp 0 10
	a=$(cat "$CTR_DIR/rp1")
	b=$(cat "$CTR_DIR/rp2")
	echo "worker 1: $a connections, worker 2: $b connections"
	expect_eq "$((a + b))" 201 "connections accepted by the two workers"
	if ((a == 0 || b == 0)); then
		echo "FAIL: one worker got no connection: not balanced"
		return 1
	fi
}

# ---- 5. the container reaching its own published service -------------------

t_inside_own_service() {
	own_cleanup
	bg_ctr own -p 8084:80 -- sh -c "
		$BUSYBOX httpd -f -p 80 -h $WORK/www & h=\$!
		trap 'kill \$h' TERM
		b4ns-probe wait-listen 127.0.0.1 80 5000 &&
		echo 'wget:' && timeout 5 $BUSYBOX wget -q -O - http://127.0.0.1:80/hello.txt &&
		b4ns-probe connect 127.0.0.1 80 --check-peer &&
		echo inside-done
		wait"
	wait_lines own '^(inside-done|.*FAIL)' 1 10
	show_log own
	if ! grep -qxF "$(cat "$CONTENT")" "$WORK/own.log"; then
		echo "FAIL: wget http://127.0.0.1:80/ inside did not get the page"
		return 1
	fi
	grep -q '^connect: ok' "$WORK/own.log" ||
		{ echo "FAIL: connect 127.0.0.1:80 --check-peer inside failed"; return 1; }
	grep -q '^inside-done' "$WORK/own.log" || return 1
	# ... and the server did move to the host.
	expect_ok run_user curl -sS --max-time 5 http://10.77.0.1:8084/hello.txt
	expect_stdout_is "$CONTENT"
}

# ---- 6. unconnected UDP -----------------------------------------------------

t_udp_count_control() {
	# The detector: natively, a datagram to 127.0.0.1:9 is counted.
	local before after
	before=$(count_snapshot hostlou)
	expect_ok run_user "$PROBE" udp-sendto 127.0.0.1 9 --no-reply
	sleep 0.1
	after=$(count_snapshot hostlou)
	expect_eq "$((after - before))" 1 "datagrams on the host's 127.0.0.1:9"
}

t_udp_sendto() {
	local before after
	before=$(count_snapshot hostlou)
	expect_ok ctr --switch-udp -- "$PROBE_IN" udp-sendto 10.77.0.1 5300 \
		--then 127.0.0.1 9 ENETUNREACH
	sleep 0.1
	after=$(count_snapshot hostlou)
	expect_eq "$((after - before))" 0 "datagrams on the host's 127.0.0.1:9"
}

t_switched_udp_loopback() {
	# A UDP socket switched by sendto() is a host socket: no later
	# datagram from it, whatever the syscall, may reach the host's
	# loopback.  $1: sendmsg | sendmmsg; $2: config file (which sets
	# switch_udp) or "" for --switch-udp with udp_sendmsg = false.
	local via=$1 cfg=$2 before after opts=(--switch-udp)
	[[ -n $cfg ]] && opts=(--config="$cfg")
	before=$(count_snapshot hostlou)
	expect_ok ctr "${opts[@]}" -- "$PROBE_IN" udp-sendto 10.77.0.1 5300 \
		--then 127.0.0.1 9 any --via "$via"
	sleep 0.1
	after=$(count_snapshot hostlou)
	expect_eq "$((after - before))" 0 "datagrams on the host's 127.0.0.1:9"
}

t_udp_sendmsg() {
	local cfg=$WORK/udp_sendmsg.conf
	expect_ok ctr --config="$cfg" -- "$PROBE_IN" udp-sendmsg 10.77.0.1 5300
}

t_udp_unswitched_loopback() {
	# UDP is not switched by default (issue 9): sendto 10.77.0.1:5300
	# stays in the container (ENETUNREACH under --net=none), and a
	# sendmsg/sendmmsg to 127.0.0.1:9 on the same socket goes to the
	# container's own lo: the host's 127.0.0.1:9 counts nothing.
	# $1: sendmsg | sendmmsg.
	local before after
	before=$(count_snapshot hostlou)
	expect_ok ctr -- "$PROBE_IN" udp-sendto 10.77.0.1 5300 \
		--expect ENETUNREACH --then 127.0.0.1 9 any --via "$1"
	expect_out "sendto 10.77.0.1:5300: ENETUNREACH"
	sleep 0.1
	after=$(count_snapshot hostlou)
	expect_eq "$((after - before))" 0 "datagrams on the host's 127.0.0.1:9"
}

t_udp_sendmsg_default() {
	expect_ok ctr -- "$PROBE_IN" udp-sendmsg 10.77.0.1 5300 \
		--expect ENETUNREACH
}

# ---- 7. getsockname / getpeername -----------------------------------------------

t_sockname() {
	local addr=$1 name=$2
	own_cleanup
	bg_ctr "sn$addr" -p 8085:80 -- "$PROBE_IN" serve-peer "$addr" 80 --count 1 \
		--check-name "$name"
	wait_lines "sn$addr" 'listening on' 1
	# A client on the test host proves the listener was published.
	expect_ok run_user "$PROBE" connect 10.77.0.1 8085 --recv
	wait_done "sn$addr" 0
	grep -q '^serve-peer: name ok' "$WORK/sn$addr.log"
}

t_peer_gateway() {
	local name=$1 addr=$2 before after
	before=$(count_snapshot "$name")
	expect_ok ctr --allow-host-loopback -- "$PROBE_IN" connect "$addr" 9999 \
		--check-peer
	after=$(count_snapshot "$name")
	expect_eq "$((after - before))" 1 "connections on the host loopback"
}

t_peer_switched() {
	expect_ok ctr -- "$PROBE_IN" connect 10.77.0.1 7 --check-peer --echo
}

# ---- 7b. mode "off": -p forwarded by the fallback network ---------------------

t_off_forward() {
	# Nothing is trapped with mode off: the fallback network itself must
	# forward -p (pasta: -t/-u options; slirp4netns: add_hostfwd through
	# its API socket), TCP and UDP, from the test host to the container.
	local net=$1 tp=$2 up=$3
	shift 3
	command -v "$net" >/dev/null || skip "$net not installed"
	own_cleanup
	# shellcheck disable=SC2016 # expanded by the container's shell
	bg_ctr "off$net" --mode=off --net="$net" "$@" -p "$tp:80" -p "$up:53/udp" -- sh -c '
		b4ns-probe tcp-echo 0.0.0.0 80 & t=$!
		b4ns-probe udp-echo 0.0.0.0 53 & u=$!
		trap "kill $t $u" TERM
		wait'
	wait_lines "off$net" 'listening on' 2
	expect_ok run_th "$PROBE" wait-listen 10.77.0.1 "$tp" 5000
	expect_ok run_user "$PROBE" connect 10.77.0.1 "$tp" --echo
	if [[ $net == pasta && " $* " != *" --allow-host-loopback "* ]]; then
		# pasta presents host clients as its gateway address; with
		# --no-map-gw (no --allow-host-loopback) the echo then leaves
		# for the real gateway: delivery only, and b4ns warns about it
		if ! grep -q "replies to host clients are lost unless --allow-host-loopback" \
			"$WORK/off$net.log"; then
			echo "FAIL: no warning about pasta's UDP replies"
			show_log "off$net"
			return 1
		fi
		expect_ok run_user "$PROBE" udp-sendto 10.77.0.1 "$up" --no-reply
		wait_lines "off$net" 'udp-echo: #1 from' 1
	else
		expect_ok run_user "$PROBE" udp 10.77.0.1 "$up"
	fi
	show_log "off$net"
}

t_off_run_dir() {
	# slirp4netns' API socket lives in the run's private directory under
	# XDG_RUNTIME_DIR, beside nothing else, and goes with the run
	command -v slirp4netns >/dev/null || skip "slirp4netns not installed"
	local d=$CTR_DIR/xdg-$RANDOM$RANDOM
	mkdir -m 700 "$d"
	chown "$TEST_USER:" "$d"
	expect_ok run_user env XDG_RUNTIME_DIR="$d" "$B4NS" run --mode=off \
		--net=slirp4netns -p 8098:80 -- sh -c 'echo ok'
	expect_out ok
	if [[ -n $(ls -A "$d") ]]; then
		echo "FAIL: left behind in XDG_RUNTIME_DIR:"
		ls -laR "$d"
		return 1
	fi
}

t_off_forward_bad() {
	local why=$1
	shift
	t_bad_spec --mode=off "$@"
	expect_err "$why"
}

# ---- 8. bad -p -------------------------------------------------------------------

t_bad_spec() {
	local f=$CTR_DIR/ran-bad-$RANDOM$RANDOM
	rm -f "$f"
	expect_rc 2 run_user "$B4NS" run --net=none "$@" -- touch "$f"
	if [[ -e $f ]]; then
		echo "FAIL: CMD ran"
		return 1
	fi
	if [[ ! -s $T_ERR ]]; then
		echo "FAIL: no message on stderr"
		return 1
	fi
}

t_malformed() {
	local spec=$1
	t_bad_spec -p "$spec"
	expect_err "$spec"
}

t_conflict() {
	t_bad_spec -p 8080:80 -p 8081:80
	expect_err "8080:80"
	expect_err "8081:80"
}

t_config_publish_bad() {
	local cfg=$WORK/badpub.conf
	printf '# b4ns e2e: bad publish on line 3\nlog_level = "warn";\npublish = [ "70000:80" ];\n' >"$cfg"
	chmod 644 "$cfg"
	t_bad_spec --config="$cfg"
	expect_err "$cfg:3"
	expect_err "70000:80"
}

t_config_publish() {
	local cfg=$WORK/pub.conf
	own_cleanup
	printf '# b4ns e2e\npublish = [ "8086:80" ];\n' >"$cfg"
	chmod 644 "$cfg"
	bg_ctr cfgpub --config="$cfg" -- "$PROBE_IN" serve-peer 0.0.0.0 80 --count 1
	wait_lines cfgpub 'listening on' 1
	expect_ok run_user "$PROBE" connect 10.77.0.1 8086 --recv
	expect_seen_peer
	wait_done cfgpub 0
}

# ---- 9. ranges ------------------------------------------------------------------

t_range() {
	own_cleanup
	# shellcheck disable=SC2016 # expanded by the container's shell
	bg_ctr range -p 8090-8091:90-91 -- sh -c '
		b4ns-probe tcp-echo 0.0.0.0 90 & a=$!
		b4ns-probe tcp-echo 0.0.0.0 91 & b=$!
		trap "kill $a $b" TERM
		wait'
	wait_lines range 'listening on' 2
	expect_ok run_user "$PROBE" connect 10.77.0.1 8090 --echo
	expect_ok run_user "$PROBE" connect 10.77.0.1 8091 --echo
	show_log range
}

# ---- run ------------------------------------------------------------------------

echo "# b4ns: $B4NS, test host $TH_NS"

run_test "-p 8080:80: busybox httpd in the container serves 10.77.0.1:8080 and 127.0.0.1:8080" t_httpd
run_test "-p 8080:80: accept() in the container returns the real client (10.77.0.1, 127.0.0.1)" t_peer_address
run_test "-p 127.0.0.1:8081:80: reachable on 127.0.0.1:8081, refused on 10.77.0.1:8081" t_host_ip
run_test "-p 8087:80: a server on unpublished container port 81 stays inside" t_unpublished
run_test "--switch-udp -p 5353:53/udp: UDP echo in the container answers 10.77.0.1:5353, sees the client" t_udp_publish 10.77.0.1
run_test "--switch-udp -p 5353:53/udp: UDP echo in the container answers a client on 127.0.0.1:5353" t_udp_publish 127.0.0.1
run_test "--switch-udp -p 5354:54/udp: the published UDP socket sends to 10.77.0.1:5300 and gets the echo" t_published_udp_out
run_test "--switch-udp -p 5354:54/udp: sendto 127.0.0.1:9 from the published socket does not reach the host loopback" t_published_udp_loopback
run_test "-p 8088:80: connect 127.0.0.1:9999 from a socket bound to published port 80 does not reach the host loopback" t_published_tcp_loopback
run_test "--switch-udp -p 9000:9000/tcp -p 9000:9000/udp: TCP and UDP echo on the same port" t_tcp_udp_same_port
run_test "host port 8082 taken: the container's bind() fails with EADDRINUSE, warn names it" t_port_taken
run_test "SO_REUSEPORT: two workers on published port 80 share 201 connections" t_reuseport
run_test "inside the container, wget/connect 127.0.0.1:80 reach the moved server, getpeername 127.0.0.1:80" t_inside_own_service
run_test "control: natively, a datagram to 127.0.0.1:9 is counted" t_udp_count_control
run_test "--switch-udp: unconnected UDP sendto 10.77.0.1:5300 is switched and answered; then sendto 127.0.0.1:9 ENETUNREACH" t_udp_sendto
run_test "UDP not switched by default: sendto 10.77.0.1:5300 ENETUNREACH; sendmsg to 127.0.0.1:9 does not reach the host loopback" t_udp_unswitched_loopback sendmsg
run_test "UDP not switched by default: sendto 10.77.0.1:5300 ENETUNREACH; sendmmsg to 127.0.0.1:9 does not reach the host loopback" t_udp_unswitched_loopback sendmmsg
run_test "switched UDP socket: sendmsg to 127.0.0.1:9 does not reach the host loopback (--switch-udp, udp_sendmsg = false)" t_switched_udp_loopback sendmsg ""
run_test "switched UDP socket: sendmmsg to 127.0.0.1:9 does not reach the host loopback (--switch-udp, udp_sendmsg = false)" t_switched_udp_loopback sendmmsg ""
run_test "switched UDP socket: sendmsg to 127.0.0.1:9 does not reach the host loopback (udp_sendmsg = true)" t_switched_udp_loopback sendmsg "$WORK/udp_sendmsg.conf"
run_test "switched UDP socket: sendmmsg to 127.0.0.1:9 does not reach the host loopback (udp_sendmsg = true)" t_switched_udp_loopback sendmmsg "$WORK/udp_sendmsg.conf"
run_test "udp_sendmsg = true: sendmsg(msg_name 10.77.0.1:5300) is switched and answered" t_udp_sendmsg
run_test "UDP not switched by default: sendmsg(msg_name 10.77.0.1:5300) stays inside (ENETUNREACH)" t_udp_sendmsg_default
run_test "getsockname() on a published 0.0.0.0:80 listener is 0.0.0.0:80 (also truncated)" t_sockname 0.0.0.0 0.0.0.0:80
run_test "getsockname() on a published [::]:80 listener is [::]:80 (also truncated)" t_sockname :: '[::]:80'
run_test "getpeername() after connect 10.0.2.2:9999 (--allow-host-loopback) is 10.0.2.2:9999" t_peer_gateway hostlo 10.0.2.2
run_test "getpeername() after connect [fd00::2]:9999 (--allow-host-loopback) is [fd00::2]:9999" t_peer_gateway hostlo6 fd00::2
run_test "getpeername() after a switched connect to 10.77.0.1:7 is 10.77.0.1:7" t_peer_switched
for spec in 80 a:b 70000:80 1-3:1-2; do
	run_test "-p $spec: exit 2 naming the spec, CMD not run" t_malformed "$spec"
done
run_test "-p 8080:80 -p 8081:80 (conflict): exit 2, CMD not run" t_conflict
run_test "config publish = [\"70000:80\"]: exit 2 naming FILE:3, CMD not run" t_config_publish_bad
run_test "config publish = [\"8086:80\"] publishes like -p" t_config_publish
run_test "-p 8090-8091:90-91: two container listeners reachable on 8090 and 8091" t_range
run_test "mode off, --net=pasta: -p 8093:80 and -p 5393:53/udp forwarded by pasta (TCP echo; UDP delivered, replies lost: warned)" t_off_forward pasta 8093 5393
run_test "mode off, --net=pasta --allow-host-loopback: the UDP echo comes back too" t_off_forward pasta 8097 5397 --allow-host-loopback
run_test "mode off, --net=slirp4netns: -p 8094:80 and -p 5394:53/udp forwarded through its API socket" t_off_forward slirp4netns 8094 5394
run_test "mode off, --net=slirp4netns -p 8098:80: the run's private directory (API socket) is removed at exit" t_off_run_dir
run_test "mode off, --net=none -p 8095:80: exit 2 (nothing could forward it), CMD not run" t_off_forward_bad 'need --net=slirp4netns or --net=pasta' -p 8095:80
run_test "mode off, --net=slirp4netns -p [::1]:8096:80: exit 2 (IPv4 only), CMD not run" t_off_forward_bad 'IPv4 host addresses only' --net=slirp4netns -p '[::1]:8096:80'

report_summary
