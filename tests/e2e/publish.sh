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
#                  B4NS_BUILD, default: build/ of this tree); the probe is
#                  compiled from tests/e2e/probe/ if it is not there.
#   --keep         leave the test host namespaces and scratch directory.
#   -k REGEX       run only the tests whose name matches (or T_FILTER=REGEX).
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
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

e2e_parse_args "$@"
e2e_need_root
e2e_need_tools nsenter setpriv socat curl timeout busybox
BUSYBOX=$(command -v busybox)
e2e_setup publish --probe --b4ns --content --testhost
"$PROBE" help | grep -q 'serve-peer' ||
	die "$PROBE has no serve-peer: rebuild it from tests/e2e/probe/"
printf '# b4ns e2e\nswitch_udp = true;\nudp_sendmsg = true;\n' >"$WORK/udp_sendmsg.conf"
chmod 644 "$WORK/udp_sendmsg.conf"

start_bg echo4 socat TCP4-LISTEN:7,bind=10.77.0.1,reuseaddr,fork,backlog=1024 PIPE
start_bg udp4 "$PROBE" udp-echo 10.77.0.1 5300
start_bg hostlo "$PROBE" count-server 127.0.0.1 9999 "$WORK/hostlo.count"
start_bg hostlo6 "$PROBE" count-server ::1 9999 "$WORK/hostlo6.count"
start_bg hostlou "$PROBE" count-server 127.0.0.1 9 "$WORK/hostlou.count" --udp
{
	run_th "$PROBE" wait-listen 10.77.0.1 7 >/dev/null &&
		wait_logs listening udp4 hostlo hostlo6 hostlou
} || die "servers did not start"

# expect_seen_peer - the "recv: peer X" line the container's serve-peer wrote
# equals the client's own address ("peer P local L" from connect)
expect_seen_peer() {
	local mine seen
	mine=$(sed -n 's/^peer .* local \(.*\)$/\1/p' "$T_OUT")
	seen=$(sed -n 's/^recv: peer //p' "$T_OUT")
	expect_eq "$seen" "$mine" "client address accept() returned in the container"
}

# The probe inside containers: found in PATH (WORK/bin).
PROBE_IN=b4ns-probe

echo "# b4ns: $B4NS, test host $TH_NS"

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
run_test "-p 8080:80: busybox httpd in the container serves 10.77.0.1:8080 and 127.0.0.1:8080" t_httpd

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
run_test "-p 8080:80: accept() in the container returns the real client (10.77.0.1, 127.0.0.1)" t_peer_address

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
run_test "-p 127.0.0.1:8081:80: reachable on 127.0.0.1:8081, refused on 10.77.0.1:8081" t_host_ip

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
run_test "-p 8087:80: a server on unpublished container port 81 stays inside" t_unpublished

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
run_test "--switch-udp -p 5353:53/udp: UDP echo in the container answers 10.77.0.1:5353, sees the client" t_udp_publish 10.77.0.1
run_test "--switch-udp -p 5353:53/udp: UDP echo in the container answers a client on 127.0.0.1:5353" t_udp_publish 127.0.0.1

t_published_udp_out() {
	# A published UDP socket sends to the test host (a DNS forwarder).
	expect_ok ctr --switch-udp -p 5354:54/udp -- "$PROBE_IN" udp-sendto 10.77.0.1 5300 \
		--bind 54
}
run_test "--switch-udp -p 5354:54/udp: the published UDP socket sends to 10.77.0.1:5300 and gets the echo" t_published_udp_out

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
run_test "--switch-udp -p 5354:54/udp: sendto 127.0.0.1:9 from the published socket does not reach the host loopback" t_published_udp_loopback

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
run_test "-p 8088:80: connect 127.0.0.1:9999 from a socket bound to published port 80 does not reach the host loopback" t_published_tcp_loopback

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
run_test "--switch-udp -p 9000:9000/tcp -p 9000:9000/udp: TCP and UDP echo on the same port" t_tcp_udp_same_port

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
run_test "host port 8082 taken: the container's bind() fails with EADDRINUSE, warn names it" t_port_taken

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
run_test "SO_REUSEPORT: two workers on published port 80 share 201 connections" t_reuseport

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
run_test "inside the container, wget/connect 127.0.0.1:80 reach the moved server, getpeername 127.0.0.1:80" t_inside_own_service

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
run_test "control: natively, a datagram to 127.0.0.1:9 is counted" t_udp_count_control

t_udp_sendto() {
	local before after
	before=$(count_snapshot hostlou)
	expect_ok ctr --switch-udp -- "$PROBE_IN" udp-sendto 10.77.0.1 5300 \
		--then 127.0.0.1 9 ENETUNREACH
	sleep 0.1
	after=$(count_snapshot hostlou)
	expect_eq "$((after - before))" 0 "datagrams on the host's 127.0.0.1:9"
}
run_test "--switch-udp: unconnected UDP sendto 10.77.0.1:5300 is switched and answered; then sendto 127.0.0.1:9 ENETUNREACH" t_udp_sendto

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
run_test "UDP not switched by default: sendto 10.77.0.1:5300 ENETUNREACH; sendmsg to 127.0.0.1:9 does not reach the host loopback" t_udp_unswitched_loopback sendmsg
run_test "UDP not switched by default: sendto 10.77.0.1:5300 ENETUNREACH; sendmmsg to 127.0.0.1:9 does not reach the host loopback" t_udp_unswitched_loopback sendmmsg

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
run_test "switched UDP socket: sendmsg to 127.0.0.1:9 does not reach the host loopback (--switch-udp, udp_sendmsg = false)" t_switched_udp_loopback sendmsg ""
run_test "switched UDP socket: sendmmsg to 127.0.0.1:9 does not reach the host loopback (--switch-udp, udp_sendmsg = false)" t_switched_udp_loopback sendmmsg ""
run_test "switched UDP socket: sendmsg to 127.0.0.1:9 does not reach the host loopback (udp_sendmsg = true)" t_switched_udp_loopback sendmsg "$WORK/udp_sendmsg.conf"
run_test "switched UDP socket: sendmmsg to 127.0.0.1:9 does not reach the host loopback (udp_sendmsg = true)" t_switched_udp_loopback sendmmsg "$WORK/udp_sendmsg.conf"

t_udp_sendmsg() {
	local cfg=$WORK/udp_sendmsg.conf
	expect_ok ctr --config="$cfg" -- "$PROBE_IN" udp-sendmsg 10.77.0.1 5300
}
run_test "udp_sendmsg = true: sendmsg(msg_name 10.77.0.1:5300) is switched and answered" t_udp_sendmsg

t_udp_sendmsg_default() {
	expect_ok ctr -- "$PROBE_IN" udp-sendmsg 10.77.0.1 5300 \
		--expect ENETUNREACH
}
run_test "UDP not switched by default: sendmsg(msg_name 10.77.0.1:5300) stays inside (ENETUNREACH)" t_udp_sendmsg_default

# ---- 7. getsockname / getpeername -----------------------------------------------

# MODE_OPTS: extra b4ns run options of a test (--mode=preload variants)
MODE_OPTS=()
t_sockname() {
	local addr=$1 name=$2
	own_cleanup
	bg_ctr "sn$addr" "${MODE_OPTS[@]}" -p 8085:80 -- "$PROBE_IN" serve-peer "$addr" 80 --count 1 \
		--check-name "$name"
	wait_lines "sn$addr" 'listening on' 1
	# A client on the test host proves the listener was published.
	expect_ok run_user "$PROBE" connect 10.77.0.1 8085 --recv
	wait_done "sn$addr" 0
	grep -q '^serve-peer: name ok' "$WORK/sn$addr.log"
}
run_test "getsockname() on a published 0.0.0.0:80 listener is 0.0.0.0:80 (also truncated)" t_sockname 0.0.0.0 0.0.0.0:80
run_test "getsockname() on a published [::]:80 listener is [::]:80 (also truncated)" t_sockname :: '[::]:80'
# the preload path (libb4ns.so answers from its own table of listeners)
t_preload() {
	MODE_OPTS=(--mode=preload)
	"$@"
	local rc=$?
	MODE_OPTS=()
	return $rc
}
run_test "--mode=preload: getsockname() on a published 0.0.0.0:80 listener is 0.0.0.0:80 (also truncated)" t_preload t_sockname 0.0.0.0 0.0.0.0:80
run_test "--mode=preload: getsockname() on a published [::]:80 listener is [::]:80 (also truncated)" t_preload t_sockname :: '[::]:80'

# Issue 15: an accepted connection's getsockname() is the container side
# (its address and the container port), as natively and with slirp4netns.
ACC_IP=(--ip=10.88.5.2/24 --ip=fd88:5::2/64)
t_accepted_name() {
	local addr=$1 n=$2 i=0 want
	shift 2
	own_cleanup
	bg_ctr "an$addr" "${ACC_IP[@]}" "${MODE_OPTS[@]}" -p 8089:80 -- "$PROBE_IN" serve-peer \
		"$addr" 80 --count "$n"
	wait_lines "an$addr" 'listening on' 1
	while (($# >= 2)); do
		i=$((i + 1))
		expect_ok run_user "$PROBE" connect "$1" 8089 --recv
		want=$2
		shift 2
		wait_lines "an$addr" "^serve-peer: name of $i: " 1
		expect_eq "$(sed -n "s/^serve-peer: name of $i: //p" \
			"$WORK/an$addr.log")" "$want" \
			"getsockname() of accepted connection $i"
	done
	wait_done "an$addr" 0
}
run_test "getsockname() of a connection accepted on published 0.0.0.0:80 is the container's 10.88.5.2:80 (from 10.77.0.1), 127.0.0.1:80 (from 127.0.0.1)" \
	t_accepted_name 0.0.0.0 2 10.77.0.1 10.88.5.2:80 127.0.0.1 127.0.0.1:80
run_test "getsockname() of connections accepted on published [::]:80: [::ffff:10.88.5.2]:80, [fd88:5::2]:80, [::1]:80" \
	t_accepted_name :: 3 10.77.0.1 '[::ffff:10.88.5.2]:80' fd77::1 \
	'[fd88:5::2]:80' ::1 '[::1]:80'
run_test "getsockname() of a connection accepted on published 10.88.5.2:80 is 10.88.5.2:80" \
	t_accepted_name 10.88.5.2 1 10.77.0.1 10.88.5.2:80
run_test "--mode=preload: getsockname() of a connection accepted on published 0.0.0.0:80 is 10.88.5.2:80 (from 10.77.0.1), 127.0.0.1:80 (from 127.0.0.1)" \
	t_preload t_accepted_name 0.0.0.0 2 10.77.0.1 10.88.5.2:80 127.0.0.1 127.0.0.1:80
run_test "--mode=preload: getsockname() of connections accepted on published [::]:80: [::ffff:10.88.5.2]:80, [fd88:5::2]:80, [::1]:80" \
	t_preload t_accepted_name :: 3 10.77.0.1 '[::ffff:10.88.5.2]:80' fd77::1 \
	'[fd88:5::2]:80' ::1 '[::1]:80'
run_test "--mode=preload: getsockname() of a connection accepted on published 10.88.5.2:80 is 10.88.5.2:80" \
	t_preload t_accepted_name 10.88.5.2 1 10.77.0.1 10.88.5.2:80

t_dnsmasq_tcp() {
	# dnsmasq (wildcard sockets, its default) drops a TCP query unless
	# the accepted socket's getsockname() is an address and port of one of
	# its interfaces. (It also wants the arrival interface index, from
	# IP_PKTOPTIONS, to be one of them: the host's index, which is not
	# rewritten; a client on the host's loopback arrives on index 1, the
	# container's lo too.)
	if [[ -z $DNSMASQ ]] || ! command -v dig >/dev/null; then
		echo "SKIP: dnsmasq or dig (bind9-dnsutils) not installed"
		return 77
	fi
	own_cleanup
	bg_ctr dnsmasq "${ACC_IP[@]}" -p 8092:53 -- "$DNSMASQ" -d -C /dev/null \
		--pid-file= --no-resolv --no-hosts \
		--log-facility=- --log-queries --address=/b4ns.test/10.1.2.3 -p 53
	expect_ok run_th "$PROBE" wait-listen 127.0.0.1 8092 5000 ||
		{ show_log dnsmasq; return 1; }
	expect_ok run_user dig +tcp +tries=1 +time=3 +short -p 8092 \
		@127.0.0.1 host.b4ns.test A || { show_log dnsmasq; return 1; }
	expect_eq "$(cat "$T_OUT")" 10.1.2.3 "dig +tcp answer"
	show_log dnsmasq
}
DNSMASQ=$(command -v dnsmasq || true)
run_test "dnsmasq on a published port answers over TCP (dig +tcp)" t_dnsmasq_tcp

t_peer_gateway() {
	local name=$1 addr=$2 before after
	before=$(count_snapshot "$name")
	expect_ok ctr --allow-host-loopback -- "$PROBE_IN" connect "$addr" 9999 \
		--check-peer
	after=$(count_snapshot "$name")
	expect_eq "$((after - before))" 1 "connections on the host loopback"
}
run_test "getpeername() after connect 10.0.2.2:9999 (--allow-host-loopback) is 10.0.2.2:9999" t_peer_gateway hostlo 10.0.2.2
run_test "getpeername() after connect [fd00::2]:9999 (--allow-host-loopback) is [fd00::2]:9999" t_peer_gateway hostlo6 fd00::2

t_peer_switched() {
	expect_ok ctr -- "$PROBE_IN" connect 10.77.0.1 7 --check-peer --echo
}
run_test "getpeername() after a switched connect to 10.77.0.1:7 is 10.77.0.1:7" t_peer_switched

for spec in 80 a:b 70000:80 1-3:1-2; do

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
	run_test "-p $spec: exit 2 naming the spec, CMD not run" t_malformed "$spec"

done

t_conflict() {
	t_bad_spec -p 8080:80 -p 8081:80
	expect_err "8080:80"
	expect_err "8081:80"
}
run_test "-p 8080:80 -p 8081:80 (conflict): exit 2, CMD not run" t_conflict

t_config_publish_bad() {
	local cfg=$WORK/badpub.conf
	printf '# b4ns e2e: bad publish on line 3\nlog_level = "warn";\npublish = [ "70000:80" ];\n' >"$cfg"
	chmod 644 "$cfg"
	t_bad_spec --config="$cfg"
	expect_err "$cfg:3"
	expect_err "70000:80"
}
run_test "config publish = [\"70000:80\"]: exit 2 naming FILE:3, CMD not run" t_config_publish_bad

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
run_test "config publish = [\"8086:80\"] publishes like -p" t_config_publish

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
run_test "-p 8090-8091:90-91: two container listeners reachable on 8090 and 8091" t_range

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
run_test "mode off, --net=pasta: -p 8093:80 and -p 5393:53/udp forwarded by pasta (TCP echo; UDP delivered, replies lost: warned)" t_off_forward pasta 8093 5393
run_test "mode off, --net=pasta --allow-host-loopback: the UDP echo comes back too" t_off_forward pasta 8097 5397 --allow-host-loopback
run_test "mode off, --net=slirp4netns: -p 8094:80 and -p 5394:53/udp forwarded through its API socket" t_off_forward slirp4netns 8094 5394

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
run_test "mode off, --net=slirp4netns -p 8098:80: the run's private directory (API socket) is removed at exit" t_off_run_dir

t_off_forward_bad() {
	local why=$1
	shift
	t_bad_spec --mode=off "$@"
	expect_err "$why"
}
run_test "mode off, --net=none -p 8095:80: exit 2 (nothing could forward it), CMD not run" t_off_forward_bad 'need --net=slirp4netns or --net=pasta' -p 8095:80
run_test "mode off, --net=slirp4netns -p [::1]:8096:80: exit 2 (IPv4 only), CMD not run" t_off_forward_bad 'IPv4 host addresses only' --net=slirp4netns -p '[::1]:8096:80'

report_summary
