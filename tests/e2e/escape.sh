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
#   -k REGEX       run only the tests whose name matches (or T_FILTER=REGEX).
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
#   127.0.0.1:21001, 127.0.0.1:21010 (TCP)       host ports the published-
#                                                port tests map, likewise
#   127.0.0.1:21020 (TCP)                        started by the closed-
#                                                listener test, likewise
# and the suite asserts that none of the counters moved ("0 escapes"),
# besides what b4ns-attack checks itself (exit status 1 and "WRONG" or
# "ESCAPE" lines).  Other servers in the test host:
#   10.77.0.1:9998, [fd77::1]:9998   TCP server (accepts and closes): the
#                                    switched connect that makes a host socket
#   10.77.0.1:9                      closed TCP port (a failed switched connect)
#   10.77.0.1:5300, [fd77::1]:5300   UDP echo
#   10.77.0.1:8080                   HTTP (python3), for a static Go client
#   10.77.0.1:53                     UDP DNS responder (python3): one A record
#   127.0.0.53:53 (UDP, TCP)         counters of the DNS-forwarder test (a
#                                    loopback resolver, as systemd-resolved's),
#                                    which must not move either
#
# The cases (see "b4ns-attack --help"): family-flip and fd-swap races on
# connect() and sendto(MSG_FASTOPEN) (RACE_N attempts or RACE_SECS seconds
# each), plain connect/sendto/sendmsg/sendmmsg(MSG_FASTOPEN) on host
# sockets, i386 system calls through int $0x80 (connect, socketcall, sendto,
# sendmsg; skipped where the kernel has no IA-32 emulation, where int $0x80
# kills the process before any filter runs), x32 connect (ENOSYS), io_uring
# (ENOSYS by default), sendmsg/sendmmsg with IP_PKTINFO{ifindex=1} on UDP
# sockets, squatting host ports (the test host sends to and connects to
# what the container bound; it must receive nothing), the container's own
# published port (a range whose other port only the host listens on, an
# IPV6_V6ONLY listener asked over IPv4, a listener closed before the host
# takes its port), and TCP Fast Open in daemon mode (b4ns daemon, its
# profile and rootless runc as the test user; bundles made with
# tests/e2e/oci/mkbundle.py).  Next to them, what must still work: switched
# TCP (IPv4, IPv6), a retry after a refused switched connect, listeners
# inside the container (AF_UNIX path and abstract, 127.0.0.1, ::1), the own
# published port through 127.0.0.1, UDP echo and connected UDP DNS (busybox
# nslookup) with --switch-udp (DNS fails without it), a statically linked
# Go client (built with CGO_ENABLED=0 at test time; skipped without go),
# io_uring with --allow-io-uring, AF_UNIX calls in the task's context
# (relative path after chdir(), symlink to an absolute path, both also after
# chroot(); SO_PEERCRED).  AF_UNIX permissions hold for a process that
# dropped its capabilities (EACCES on a mode-0000 socket, in a mode-0500
# directory).  With the default network (slirp4netns) and a host
# resolv.conf naming 127.0.0.53 (bind-mounted in a private mount namespace
# of that test), slirp4netns' DNS forwarder 10.0.2.3 must not reach the
# test host's 127.0.0.53:53 (the test makes /dev/net/tun mode 666 for its
# duration; skipped without slirp4netns).  The opt-ins --switch-udp and
# --allow-io-uring give the guarantee up in part (IP_PKTINFO, io_uring on
# host sockets): their tests only assert that they work, not that nothing
# escapes.
#
# The suite uses its own test host (tests/lib/testhost.sh with
# B4NS_TH_NS=b4ns-esc, B4NS_PEER_NS=b4ns-escpeer unless set), so its
# listeners on 127.0.0.1 cannot collide with another suite's in b4ns-th.
#
# Output: TAP-like "ok N - name" lines, "# " diagnostics under failures,
# and a last line "N passed, M failed, K skipped"; exit 1 if any failed.

set -euo pipefail

export B4NS_TH_NS=${B4NS_TH_NS:-b4ns-esc}
export B4NS_PEER_NS=${B4NS_PEER_NS:-b4ns-escpeer}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

RACE_N=${RACE_N:-20000}
RACE_SECS=${RACE_SECS:-20}
# shellcheck disable=SC2034 # E2E_USED: read by e2e_parse_args
suite_option() {
	case $1 in
	-n) RACE_N=${2:?} E2E_USED=2 ;;
	-t) RACE_SECS=${2:?} E2E_USED=2 ;;
	esac
}
e2e_parse_args "$@"
e2e_need_root
e2e_need_tools nsenter setpriv timeout
# /dev/net/tun: its mode now is restored on exit (the slirp4netns test
# makes it 666 for the test user's slirp4netns)
e2e_tun_remember
e2e_setup escape --probe --helper b4ns-attack --b4ns --content --testhost
# shellcheck source-path=SCRIPTDIR source=escape/setup.sh
source "$HERE/escape/setup.sh"

echo "# b4ns: $B4NS (test host $TH_NS; races: $RACE_N attempts or ${RACE_SECS} s)"

# ---- the detector itself -----------------------------------------------------

t_control() {
	# Natively in the test host, every counter sees what is sent to it.
	local before after
	before=$(counters)
	expect_ok run_user b4ns-attack poke 127.0.0.1 9999 ::1 9999 \
		127.0.0.1 21001 127.0.0.1 21010
	sleep 0.2
	after=$(counters)
	counters_moved "$before" "$after" || true
	expect_eq "$(counters_moved "$before" "$after")" \
		"reached the host's loopback: lo4-tcp=1 lo6-tcp=1 lo4-udp=1 lo6-udp=1 pub-21001=1 pub-21010=1" \
		"counters after one native connect and datagram each"
}
run_test "control: natively, the host-loopback counters count" t_control

# ---- what must still work ------------------------------------------------

t_switched_tcp() {
	expect_ok ctr -- b4ns-probe connect "$1" 9998 --check-peer
}
run_test "works: switched TCP connect to 10.77.0.1:9998" t_switched_tcp 10.77.0.1
run_test "works: switched TCP connect to [fd77::1]:9998" t_switched_tcp fd77::1

t_inside() {
	expect_ok ctr -- b4ns-attack inside-ok
}
run_test "works: listeners inside the container (AF_UNIX path, abstract, 127.0.0.1, ::1)" t_inside

# go_client - build $WORK/bin/b4ns-goget, a statically linked Go client
# (CGO_ENABLED=0: raw system calls, no libc, no preload), once; skip the
# test if there is no go
go_client() {
	local src=$WORK/go
	[[ -x $WORK/bin/b4ns-goget ]] && return 0
	command -v go >/dev/null ||
		skip "go is not installed (Debian golang-go, in .ci/setup's list)"
	mkdir -p "$src"
	cat >"$src/goget.go" <<'GO'
// b4ns-goget HOST:PORT PATH - net.Dial("tcp") and an HTTP/1.0 GET; prints
// the addresses and the response
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: b4ns-goget HOST:PORT PATH")
		os.Exit(2)
	}
	c, err := net.Dial("tcp", os.Args[1])
	if err != nil {
		fmt.Println("dial:", err)
		os.Exit(1)
	}
	defer c.Close()
	fmt.Println("connected", c.LocalAddr(), "->", c.RemoteAddr())
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", os.Args[2], os.Args[1])
	b, err := io.ReadAll(c)
	os.Stdout.Write(b)
	if err != nil {
		fmt.Println("read:", err)
		os.Exit(1)
	}
}

GO
	echo "\$ go build (CGO_ENABLED=0) goget.go"
	(cd "$src" && timeout -k 5 300 env CGO_ENABLED=0 GO111MODULE=off \
		HOME="$src" GOCACHE="$src/cache" GOPATH="$src/path" \
		go build -o "$WORK/bin/b4ns-goget" goget.go) || {
		echo "FAIL: go build failed"
		return 1
	}
	chmod a+rx "$WORK/bin/b4ns-goget"
}

# dns_queries - the number of queries the test host's DNS responder answered
dns_queries() {
	grep -c '^query ' "$WORK/dns.log" || true
}

# ---- daemon mode (rootless runc, class 5) --------------------------------------

# daemon_setup - b4ns daemon as the test user (its own socket), the profile
# and a root file system with b4ns-attack and b4ns-probe for runc bundles, in
# $DD; the test's EXIT trap stops them
DD=$WORK/daemon
daemon_setup() {
	local bin lib
	command -v runc >/dev/null || skip "runc is not installed"
	[[ $HAVE_PYTHON == 1 ]] || skip "no $PYTHON (bundles are made with tests/e2e/oci/mkbundle.py)"
	mkdir -p "$DD"/{run,runc,bundles} "$DD"/rootfs/{bin,etc,tmp,proc,sys,dev}
	chmod 1777 "$DD/rootfs/tmp"
	for bin in "$ATTACK" "$PROBE"; do
		cp "$bin" "$DD/rootfs/bin/"
		while read -r lib; do
			mkdir -p "$DD/rootfs$(dirname "$lib")"
			cp -L "$lib" "$DD/rootfs$lib"
		done < <(ldd "$bin" | grep -o '/[^ ]*')
	done
	chown -R "$TEST_USER:" "$DD"
	chmod 700 "$DD/run"
	trap daemon_cleanup EXIT
	start_bg_user daemon "$B4NS" daemon -v --socket="$DD/run/b4ns.sock"
	wait_log daemon "listening on $DD/run/b4ns.sock" || return 1
	run_user "$B4NS" profile --socket="$DD/run/b4ns.sock" >"$DD/profile.json"
	chmod 644 "$DD/profile.json"
}

daemon_cleanup() {
	local id
	for id in $(run_user runc --root "$DD/runc" list -q 2>/dev/null); do
		run_user runc --root "$DD/runc" delete -f "$id" >/dev/null 2>&1 || true
	done
	stop_bg daemon
	echo "daemon log (last lines):"
	tail -n 15 "$WORK/daemon.log" | sed 's/^/  daemon| /'
}

# runc_ctr ID ARGS... - ARGS (a program in the bundle's /bin) as a rootless
# runc container with the daemon's profile, only lo in its network
# namespace
runc_ctr() {
	local id=$1 dir=$DD/bundles/$1
	shift
	run_user mkdir -p "$dir"
	run_user runc spec --rootless --bundle "$dir"
	"$PYTHON" "$HERE/oci/mkbundle.py" "$dir" "$DD/rootfs" "$DD/profile.json" -- "$@"
	run_user runc --root "$DD/runc" run --bundle "$dir" "$id"
}

# ---- the task's context of AF_UNIX calls, its capabilities ------------------

t_task_context() {
	# b4ns makes a container's AF_UNIX bind/connect itself (a helper in
	# the task's namespaces, root, cwd, ids and capabilities): a relative
	# path after chdir() (b4ns' own cwd is elsewhere), a symlink to an
	# absolute path, both again after chroot(), and SO_PEERCRED
	expect_ok ctr -- b4ns-attack task-context "$CTR_DIR"
	expect_out "cwd relative: connect rel.sock: ok"
	expect_out "chroot symlink: connect /sub/link.sock: ok"
	expect_out "SO_PEERCRED uid 0 gid 0 "
}
run_test "works: AF_UNIX in the task's context: relative path after chdir(), symlink to an absolute path (also after chroot()), SO_PEERCRED uid = getuid()" t_task_context

t_capdrop() {
	# port 80 is published: its bind must not be the supervisor's
	expect_ok ctr -p 21080:80 -- b4ns-attack capdrop "$CTR_DIR"
	expect_out "(mode 0000): EACCES"
	expect_out "(directory mode 0500): EACCES"
	expect_out "capdrop: bind 0.0.0.0:80: EACCES"
}
run_test "capabilities dropped (capset 0): AF_UNIX connect to a mode-0000 socket and bind in a mode-0500 directory: EACCES as natively" t_capdrop

# the supervisor must not lend its capabilities: a netlink message with an
# address is checked against the sender's only (second review, F1)
t_capdrop_netlink() {
	expect_ok ctr -- b4ns-attack capdrop-netlink
	expect_out "send() RTM_NEWADDR without capabilities: Operation not permitted"
	expect_out "sendto(&sockaddr_nl) RTM_NEWADDR without capabilities: Operation not permitted"
}
run_test "a process without capabilities: rtnetlink by sendto() with an address is refused (EPERM), as by send()" \
	t_capdrop_netlink

t_retry() {
	expect_ok ctr -- b4ns-attack retry
}
run_test "works: a retry after a refused switched connect connects (the container socket is back)" t_retry

t_udp_default() {
	# Not switched by default: --net=none has no route for it.
	expect_rc 1 ctr -- b4ns-probe udp "$1" 5300
	expect_out "ENETUNREACH"
}
run_test "UDP is not switched by default (10.77.0.1:5300: ENETUNREACH)" t_udp_default 10.77.0.1

t_udp_switched() {
	expect_ok ctr --switch-udp -- b4ns-probe udp "$1" 5300
}
run_test "works: --switch-udp, connected UDP echo 10.77.0.1:5300" t_udp_switched 10.77.0.1
run_test "works: --switch-udp, connected UDP echo [fd77::1]:5300" t_udp_switched fd77::1

# ---- attacks ---------------------------------------------------------------

t_attack() {
	no_escape -- b4ns-attack "$@"
}
run_test "family flip AF_UNIX/AF_INET 127.0.0.1/AF_UNSPEC on connect() (disconnected host socket): 0 escapes" \
	t_attack "${RACE[@]}" --reaim disconnect flip-connect
run_test "family flip on connect() (host socket whose switched connect was refused): 0 escapes" \
	t_attack "${RACE[@]}" --reaim refused flip-connect
run_test "family flip on sendto(MSG_FASTOPEN): 0 escapes" \
	t_attack "${RACE[@]}" flip-sendto-tfo

t_attack_opts() {
	no_escape "$@"
}
run_test "family flip on sendto() from a published UDP socket (--switch-udp -p 24000:24000/udp): 0 datagrams" \
	t_attack_opts --switch-udp -p 24000:24000/udp -- b4ns-attack "${RACE[@]}" flip-sendto-udp 24000
run_test "fd swap (dup2 host/container socket) under connect(127.0.0.1): 0 escapes" \
	t_attack "${RACE[@]}" swap-connect
run_test "fd swap under sendto(MSG_FASTOPEN, 127.0.0.1): 0 escapes" \
	t_attack "${RACE[@]}" swap-sendto-tfo
run_test "host sockets: connect/sendto/sendmsg/sendmmsg(MSG_FASTOPEN) to 127.0.0.1: 0 escapes, TFO EOPNOTSUPP" \
	t_attack direct
run_test "i386 int \$0x80 connect/socketcall/sendto/sendmsg on host sockets: 0 escapes" \
	t_attack i386
run_test "works: i386 connect and socketcall CONNECT to 10.77.0.1 are switched like native" \
	t_attack i386-switch
run_test "x32 connect: ENOSYS, 0 escapes" t_attack x32
run_test "io_uring_setup/enter/register: ENOSYS by default" t_attack io-uring-denied
run_test "io_uring CONNECT/SENDMSG(MSG_FASTOPEN) on host sockets: denied, 0 escapes" t_attack io-uring

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
run_test "works: --allow-io-uring, the ring can be created (the opt-in gives the guarantee up)" t_io_uring_allowed
run_test "IP_PKTINFO/IPV6_PKTINFO{ifindex=1} sendmsg/sendmmsg on UDP sockets: 0 escapes" \
	t_attack pktinfo

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
run_test "squatting: ports bound through switched sockets receive nothing and hold no test host port" t_squat

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
run_test "bind() on a host TCP socket: EINVAL" t_host_bind
run_test "works: own published port: 127.0.0.1:8000 reaches the container's listener through the host (-p 21030:8000)" \
	t_attack_opts -p 21030:8000 -- b4ns-attack pub-self 8000

# t_pub_early_connect - a service that is bound but not listening yet: the
# container's connect to it is refused (as natively), and its later listen()
# on the published host socket works (the published-port record survives)
t_pub_early_connect() {
	[[ $HAVE_PYTHON == 1 ]] || skip "no $PYTHON"
	expect_ok ctr -p 21040:8000 -- "$PYTHON" -c '
import socket
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 8000))
c = socket.socket()
try:
    c.connect(("127.0.0.1", 8000))
    print("early connect: connected")
except OSError as e:
    print("early connect: errno", e.errno)
l.listen(5)
c = socket.socket()
c.connect(("127.0.0.1", 8000))
a, _ = l.accept()
print("after listen: connected")
'
	expect_out "early connect: errno 111"
	expect_out "after listen: connected"
}
run_test "works: a connect to the own published port between bind() and listen() is refused, and listen() still works (-p 21040:8000)" \
	t_pub_early_connect
run_test "published range -p 21000-21001:8000-8001, only 8000 listens: 127.0.0.1:8001 ECONNREFUSED, not the host's 127.0.0.1:21001" \
	t_attack_opts -p 21000-21001:8000-8001 -- b4ns-attack pub-range 8000 8001
run_test "published [::]:8000 IPV6_V6ONLY (-p 21010:8000): IPv4 127.0.0.1:8000 ECONNREFUSED, not the host's 127.0.0.1:21010" \
	t_attack_opts -p 21010:8000 -- b4ns-attack pub-v6only 8000

# ---- published-port self-connect (class 6) -----------------------------------

t_pub_closed() {
	# The container listens on published 8000 (host port 21020), reaches it
	# through 127.0.0.1:8000, closes it; then the test host takes
	# 127.0.0.1:21020 with a counter, and the container's next connect to
	# 127.0.0.1:8000 must stay in the container.
	local donef=$CTR_DIR/pub-closed.done before after rc=0 i
	rm -f "$donef"
	trap 'stop_bg pubc; stop_bg pub-21020' EXIT
	before=$(counters)
	start_bg_user pubc "$B4NS" run --net=none -p 21020:8000 -- \
		b4ns-attack pub-closed 8000 "$donef"
	wait_log pubc 'pub-closed: closed' 20 || return 1
	start_bg pub-21020 "$PROBE" count-server 127.0.0.1 21020 "$WORK/pub-21020.count"
	if ! wait_log pub-21020 listening; then
		echo "FAIL: the test host cannot take 127.0.0.1:21020 once the container closed its listener"
		return 1
	fi
	WATCH+=(pub-21020)
	before="$before 0"
	touch "$donef"
	for ((i = 0; i < 100; i++)); do
		bg_alive pubc || break
		sleep 0.1
	done
	wait "$(bg_pid pubc)" || rc=$?
	unset 'BG_PIDS[pubc]'
	sed 's/^/  | /' "$WORK/pubc.log"
	echo "  exit status $rc"
	sleep 0.2
	after=$(counters)
	if counters_moved "$before" "$after"; then
		echo "FAIL: an attack reached the host's loopback"
		return 1
	fi
	if [[ $rc -ne 0 ]]; then
		echo "FAIL: b4ns-attack pub-closed: exit status $rc, want 0"
		return 1
	fi
}
run_test "published listener closed, the host takes 127.0.0.1:21020: the container's 127.0.0.1:8000 ECONNREFUSED" \
	t_pub_closed

t_daemon_tfo() {
	local before after bad=0
	daemon_setup
	# a normal switched connect works
	expect_ok runc_ctr esc-switched /bin/b4ns-probe connect 10.77.0.1 9998 --check-peer
	before=$(counters)
	expect_ok runc_ctr esc-tfo /bin/b4ns-attack direct || bad=1
	sleep 0.2
	after=$(counters)
	if counters_moved "$before" "$after"; then
		echo "FAIL: an attack reached the host's loopback"
		bad=1
	fi
	((bad == 0))
}
run_test "daemon mode (rootless runc): sendto/sendmsg/sendmmsg(MSG_FASTOPEN) on host sockets EOPNOTSUPP, 0 escapes; switched connect works" \
	t_daemon_tfo

# the sockaddr-flip and fd-swap races in daemon mode: the daemon serves the
# container with the same handlers as "b4ns run"
t_daemon_races() {
	local before after bad=0
	daemon_setup
	before=$(counters)
	expect_ok runc_ctr esc-flip /bin/b4ns-attack "${RACE[@]}" --reaim disconnect \
		flip-connect || bad=1
	expect_ok runc_ctr esc-swap /bin/b4ns-attack "${RACE[@]}" swap-connect || bad=1
	sleep 0.2
	after=$(counters)
	if counters_moved "$before" "$after"; then
		echo "FAIL: a race reached the host's loopback in daemon mode"
		bad=1
	fi
	((bad == 0))
}
run_test "daemon mode (rootless runc): sockaddr flip and fd swap races on connect(), 0 escapes" \
	t_daemon_races

t_go_static() {
	go_client
	if command -v readelf >/dev/null &&
		readelf -lW "$WORK/bin/b4ns-goget" | grep -q 'Requesting program interpreter'; then
		echo "FAIL: b4ns-goget is dynamically linked"
		return 1
	fi
	[[ $HAVE_PYTHON == 1 ]] || skip "no $PYTHON for the test host's HTTP server"
	expect_ok ctr -- b4ns-goget 10.77.0.1:8080 /hello.txt
	expect_out "connected"
	expect_out "-> 10.77.0.1:8080"
	expect_out "200"
	expect_out "$HELLO"
}
run_test "works: statically linked Go client (CGO_ENABLED=0) GET http://10.77.0.1:8080/hello.txt" t_go_static

t_dns() {
	# busybox nslookup: connected UDP (connect, then write/read) to
	# 10.77.0.1:53
	local want=$1 before
	shift
	[[ $HAVE_PYTHON == 1 ]] || skip "no $PYTHON for the test host's DNS responder"
	[[ $HAVE_BUSYBOX == 1 ]] || skip "busybox is not installed (nslookup)"
	before=$(dns_queries)
	expect_rc "$want" ctr "$@" -- busybox nslookup -type=a "$DNS_NAME" 10.77.0.1
	if [[ $want == 0 ]]; then
		expect_out "$DNS_ADDR"
		((before < $(dns_queries))) || {
			echo "FAIL: the test host's responder saw no query"
			return 1
		}
	else
		expect_err "Network is unreachable"
		expect_eq "$(dns_queries)" "$before" "queries the test host's responder saw"
	fi
}
run_test "works: --switch-udp, connected UDP DNS (busybox nslookup, 10.77.0.1:53)" t_dns 0 --switch-udp
run_test "DNS over UDP is not switched by default (nslookup 10.77.0.1:53 fails, no query arrives)" t_dns 1

# ---- slirp4netns' DNS forwarder (default network) ---------------------------

RESOLV=$WORK/resolv.conf
echo "nameserver 127.0.0.53" >"$RESOLV"
chmod 644 "$RESOLV"

# ctr_resolv CMD... - CMD as a container of the test user, "b4ns run" with
# the default network (slirp4netns), where the host's /etc/resolv.conf
# names the loopback resolver 127.0.0.53 (systemd-resolved): bind-mounted
# in a private mount namespace of this command only
ctr_resolv() {
	# shellcheck disable=SC2016 # expanded by sh -c
	run_th unshare -m --propagation private sh -c \
		'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' \
		sh "$RESOLV" "${RUN_USER[@]}" "$B4NS" run -- "$@"
}

t_dns_forwarder() {
	# slirp4netns forwards 10.0.2.3:53 to the host's resolv.conf servers
	# unless --disable-dns: with 127.0.0.53 there, to a service on the
	# host's loopback.  Counters on the test host's 127.0.0.53:53.
	local before after
	command -v slirp4netns >/dev/null || skip "slirp4netns is not installed"
	command -v unshare >/dev/null || skip "unshare is not installed"
	[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
	trap 'tun_restore; stop_bg lo53-udp; stop_bg lo53-tcp' EXIT
	chmod 666 /dev/net/tun
	run_user sh -c 'exec 3<>/dev/net/tun' 2>/dev/null ||
		skip "/dev/net/tun is not usable by $TEST_USER"
	start_bg lo53-udp "$PROBE" count-server 127.0.0.53 53 "$WORK/lo53-udp.count" --udp
	start_bg lo53-tcp "$PROBE" count-server 127.0.0.53 53 "$WORK/lo53-tcp.count"
	wait_log lo53-udp listening || return 1
	wait_log lo53-tcp listening || return 1
	WATCH+=(lo53-udp lo53-tcp)
	# control: natively, the new counters count
	before=$(counters)
	expect_ok run_user b4ns-attack poke 127.0.0.53 53
	sleep 0.2
	after=$(counters)
	expect_eq "$(counters_moved "$before" "$after")" \
		"reached the host's loopback: lo4-tcp=0 lo6-tcp=0 lo4-udp=0 lo6-udp=0 pub-21001=0 pub-21010=0 lo53-udp=1 lo53-tcp=1" \
		"counters after one native connect and datagram to 127.0.0.53:53"
	# the attack
	expect_ok ctr_resolv b4ns-attack dns-forwarder 10.0.2.3
	expect_out "udp 10.0.2.3:53: sendto ok"
	sleep 0.5 # slirp4netns forwards asynchronously
	before=$after
	after=$(counters)
	if counters_moved "$before" "$after"; then
		echo "FAIL: slirp4netns' DNS forwarder reached the host's loopback"
		return 1
	fi
}
run_test "default network (slirp4netns), host resolv.conf names 127.0.0.53: DNS to 10.0.2.3:53 (UDP, TCP) does not reach the host's 127.0.0.53:53" t_dns_forwarder

report_summary
