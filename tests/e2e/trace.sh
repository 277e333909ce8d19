#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# trace.sh - end-to-end tests of issue #13: "b4ns trace", the eBPF tracer
# of a workload's sockets and b4ns's verdicts on them.
#
# Usage (as root):
#   sudo tests/e2e/trace.sh [--prefix DIR] [--build DIR] [--keep]
#                           [-k REGEX] [-v]
# (options: see tests/lib/e2e.sh)
#
# The test host (tests/lib/testhost.sh) is a private pair of network
# namespaces, b4tr-th (10.77.0.1/24) and b4tr-peer. "b4ns trace" runs as
# root in b4tr-th (it loads the BPF program); the "b4ns run" it starts,
# and so every traced workload, runs as the unprivileged user b4nstest
# (--user) with --net=none. Each test reads the JSON report (--json
# --output) with python3, so "--json parses" is checked by every test.
#
# Servers in the test host:
#   10.77.0.1:8081      HTTP (busybox httpd) serving WORK/www, with a
#                       2 MB file blob.bin
#   10.77.0.1:5300/udp  UDP echo (b4ns-probe udp-echo)
# (b4ns-attack's io_uring case aims its ring at 127.0.0.1:9999 of b4tr-th,
# where nothing listens)

set -euo pipefail

export B4NS_TH_NS=${B4NS_TH_NS:-b4tr-th}
export B4NS_PEER_NS=${B4NS_PEER_NS:-b4tr-peer}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

e2e_parse_args "$@"
e2e_need_root
e2e_need_tools nsenter setpriv curl timeout busybox python3
[[ -r /sys/kernel/btf/vmlinux ]] || die "this kernel has no BTF: b4ns trace cannot run"
e2e_setup trace --probe --helper b4ns-attack --b4ns --content --testhost

head -c 2000000 /dev/urandom >"$WORK/www/blob.bin"
chmod 644 "$WORK/www/blob.bin"
start_bg http busybox httpd -f -p 10.77.0.1:8081 -h "$WORK/www"
start_bg udp4 "$PROBE" udp-echo 10.77.0.1 5300
{
	run_th "$PROBE" wait-listen 10.77.0.1 8081 >/dev/null &&
		wait_logs listening udp4
} || die "servers did not start"
printf 'switch_udp = true;\nudp_sendmsg = true;\n' >"$WORK/udp_sendmsg.conf"
chmod 644 "$WORK/udp_sendmsg.conf"

# trace_json OUT [TRACE/RUN-OPTION...] -- CMD... - "b4ns trace --json" as root in
# the test host, b4ns run and CMD as the test user; the report in
# WORK/OUT.json (the workload's output on stdout); TRACE_ENV: more
# NAME=VALUE for the tracer's environment
TRACE_ENV=()
trace_json() {
	local name=$1
	shift
	rm -f "$WORK/$name.json"
	echo "\$ b4ns trace --json $*"
	run_th env -i HOME=/tmp "PATH=$USER_PATH" LANG=C.UTF-8 ${TRACE_ENV[@]+"${TRACE_ENV[@]}"} "$B4NS" trace \
		--user="$TEST_USER" --json --output="$WORK/$name.json" --net=none "$@"
}

# q OUT PYTHON-EXPR - evaluate PYTHON-EXPR with r = the parsed report and
# s(dst) = the first TCP/UDP socket to destination dst; print the result
q() {
	python3 - "$WORK/$1.json" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
def s(dst):
    for x in r["sockets"]:
        if x["destination"] == dst and x["socket"][:3] in ("tcp", "udp"):
            return x
    raise SystemExit("no socket to %s in the report" % dst)
print(eval(sys.argv[2]))
EOF
}

# expect_q OUT PYTHON-EXPR WANT - q's result must be WANT
expect_q() {
	local got
	got=$(q "$1" "$2")
	echo "  $2 = $got"
	[[ $got == "$3" ]] || {
		echo "# expected $3"
		return 1
	}
}

# within_1pct A B - A and B differ by at most 1% of B
within_1pct() {
	python3 -c 'import sys; a, b = int(sys.argv[1]), int(sys.argv[2]); sys.exit(not (b > 0 and abs(a - b) <= b / 100))' "$1" "$2"
}

t_curl() {
	local got want
	got=$(trace_json curl -- curl -sS -o /dev/null \
		-w 'curl: %{size_download} %{size_header}\n' \
		http://10.77.0.1:8081/blob.bin | sed -n 's/^curl: //p')
	echo "  curl: $got"
	want=$(($(cut -d' ' -f1 <<<"$got") + $(cut -d' ' -f2 <<<"$got")))
	expect_q curl 's("10.77.0.1:8081")["verdict"]' "switched at connect"
	expect_q curl 's("10.77.0.1:8081")["host_socket"]' True
	expect_q curl 's("10.77.0.1:8081")["reason"]' "routable destination"
	got=$(q curl 's("10.77.0.1:8081")["received"]')
	echo "  received: traced $got, curl $want"
	within_1pct "$got" "$want"
	expect_q curl 'r["summary"]["fast_path_connection_share"]' 1.0
	expect_q curl 'r["summary"]["fast_path_byte_share"] > 0.99' True
}
run_test "curl: switched at connect, bytes within 1% of curl's count" t_curl

t_wget_static() {
	local got
	trace_json wget -- "$BUSYBOX" wget -q -O /dev/null http://10.77.0.1:8081/blob.bin
	expect_q wget 's("10.77.0.1:8081")["verdict"]' "switched at connect"
	expect_q wget '[p["static"] for p in r["processes"] if p["comm"] == "busybox"][0]' True
	got=$(q wget 's("10.77.0.1:8081")["received"]')
	echo "  received: traced $got, file 2000000 (+ headers)"
	within_1pct "$got" 2000000
}
BUSYBOX=$(command -v busybox)
run_test "static busybox wget: switched at connect, bytes within 1%" t_wget_static

# every send and receive path, counted exactly: UDP through sendto and
# sendmsg with a destination (with udp_sendmsg on, b4ns run makes those
# sends itself, on the host socket it switched in), TCP through write,
# writev, send and sendfile, read, readv, recv_into and recvmsg
IO_PROG='import os, socket, tempfile
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"a" * 100, ("10.77.0.1", 5300))
got = len(u.recv(2000))
u.sendmsg([b"b" * 50, b"c" * 30], [], 0, ("10.77.0.1", 5300))
got += len(u.recv(2000))
print("udp:", got)
u.close()
req = b"GET /blob.bin HTTP/1.0\r\nX-Pad: " + b"p" * 3000 + b"\r\n\r\n"
t = socket.create_connection(("10.77.0.1", 8081))
os.write(t.fileno(), req[:5])
os.writev(t.fileno(), [req[5:8], req[8:12]])
t.send(req[12:20])
with tempfile.TemporaryFile() as f:
    f.write(req[20:])
    f.flush()
    os.sendfile(t.fileno(), f.fileno(), 0, len(req) - 20)
n, buf, i = 0, bytearray(65536), 0
while True:
    k = i % 4
    if k == 0:
        d = len(os.read(t.fileno(), 65536))
    elif k == 1:
        d = os.readv(t.fileno(), [bytearray(1000), bytearray(30000)])
    elif k == 2:
        d = t.recv_into(buf)
    else:
        d = len(t.recvmsg(65536)[0])
    if d == 0:
        break
    n += d
    i += 1
print("tcp:", len(req), n)
t.close()'

t_io_paths() {
	local mode=$1 out udp tcp sent recvd
	out=$(trace_json "io$mode" --config="$WORK/udp_sendmsg.conf" -- python3 -c "$IO_PROG")
	echo "$out"
	udp=$(sed -n 's/^udp: //p' <<<"$out")
	[[ $udp == 180 ]] || { echo "# the UDP echo answered $udp bytes, not 180"; return 1; }
	expect_q "io$mode" 'r["summary"]["bytes_counted_at"]' \
		"$([[ $mode == sys ]] && echo "system calls" || echo "socket tracepoints")"
	expect_q "io$mode" '(s("10.77.0.1:5300")["sent"], s("10.77.0.1:5300")["received"])' "(180, 180)"
	expect_q "io$mode" 's("10.77.0.1:5300")["verdict"]' "switched at send"
	read -r sent recvd <<<"$(sed -n 's/^tcp: //p' <<<"$out")"
	expect_q "io$mode" '(s("10.77.0.1:8081")["sent"], s("10.77.0.1:8081")["received"])' "($sent, $recvd)"
}
run_test "bytes of every send and receive path counted exactly (sock_send_length/sock_recv_length)" t_io_paths tp
t_io_paths_sys() {
	TRACE_ENV=(B4NS_TEST_TRACE_IO_SYSCALLS=1) # run_test's subshell: not kept
	t_io_paths sys
}
run_test "the same counted at the system calls' exits (a kernel before 6.3)" t_io_paths_sys

t_exit_open() {
	local out got
	# the process ends with its socket open: no close(), the kernel closes
	# it; the trace says so and has its bytes
	out=$(trace_json exitopen -- python3 -c 'import os, socket
s = socket.create_connection(("10.77.0.1", 8081))
s.sendall(b"GET /blob.bin HTTP/1.0\r\n\r\n")
n = 0
while True:
    d = s.recv(65536)
    if not d:
        break
    n += len(d)
print("got:", n, flush=True)
os._exit(0)')
	got=$(sed -n 's/^got: //p' <<<"$out")
	echo "  the program received $got bytes"
	expect_q exitopen 's("10.77.0.1:8081")["calls"]' "socket connect (exit)"
	expect_q exitopen 's("10.77.0.1:8081")["received"]' "$got"
	expect_q exitopen 's("10.77.0.1:8081")["verdict"]' "switched at connect"
}
run_test "a process that exits with its socket open: (exit), bytes counted" t_exit_open

t_loopback() {
	trace_json lo -- sh -c 'curl -s -m 3 http://127.0.0.1:9/ || true'
	expect_q lo 's("127.0.0.1:9")["verdict"]' "not switched"
	expect_q lo 's("127.0.0.1:9")["reason"]' "loopback"
	expect_q lo 's("127.0.0.1:9")["host_socket"]' False
	expect_q lo 'r["summary"]["fast_path_connections"]' 0
}
run_test "a connect to the container's own loopback: not switched, loopback" t_loopback

t_ignored() {
	trace_json ign --ignore=10.77.0.0/24 -- sh -c \
		'curl -s -m 3 http://10.77.0.1:8081/hello.txt || true'
	expect_q ign 's("10.77.0.1:8081")["verdict"]' "not switched"
	expect_q ign 's("10.77.0.1:8081")["reason"]' "ignored CIDR"
	expect_q ign 's("10.77.0.1:8081")["host_socket"]' False
	expect_q ign '"--ignore" in s("10.77.0.1:8081")["fast_path_setting"]' True
}
run_test "a destination in an --ignore CIDR: not switched, ignored CIDR" t_ignored

t_human() {
	local out
	rm -f "$WORK/human.txt"
	run_th env -i HOME=/tmp "PATH=$USER_PATH" "$B4NS" trace --user="$TEST_USER" \
		--output="$WORK/human.txt" --net=none -- \
		curl -sS -o /dev/null http://10.77.0.1:8081/hello.txt
	out=$(cat "$WORK/human.txt")
	sed 's/^/  | /' "$WORK/human.txt"
	grep -Eq '^[0-9]+ +[0-9]+ +curl +[0-9]+ +tcp4 +10\.77\.0\.1:8081 .*switched at connect: routable destination$' <<<"$out"
	grep -q '^     calls: socket .*connect' <<<"$out"
	grep -q '^Summary: 1 connection, 1 on the fast path (100.0%)' <<<"$out"
}
run_test "the text report: the socket's row, its calls and the summary" t_human

t_sendmsg_off() {
	trace_json smoff --switch-udp -- "$PROBE" udp-sendmsg 10.77.0.1 5300 \
		--expect ENETUNREACH
	expect_q smoff 's("10.77.0.1:5300")["verdict"]' "not switched"
	expect_q smoff 's("10.77.0.1:5300")["reason"]' \
		"sendmsg with a destination is not trapped (udp_sendmsg off)"
	expect_q smoff 's("10.77.0.1:5300")["host_socket"]' False
}
run_test "sendmsg with a destination, udp_sendmsg off: not trapped" t_sendmsg_off

t_sendmsg_on() {
	trace_json smon --config="$WORK/udp_sendmsg.conf" -- "$PROBE" udp-sendmsg 10.77.0.1 5300
	expect_q smon 's("10.77.0.1:5300")["verdict"]' "switched at send"
	expect_q smon 's("10.77.0.1:5300")["host_socket"]' True
	expect_q smon 's("10.77.0.1:5300")["sent"] > 0' True
}
run_test "sendmsg with a destination, udp_sendmsg on: switched" t_sendmsg_on

t_udp_connected() {
	trace_json udpc --switch-udp -- "$PROBE" udp 10.77.0.1 5300
	expect_q udpc 's("10.77.0.1:5300")["verdict"]' "switched at connect"
	expect_q udpc 's("10.77.0.1:5300")["socket"]' udp4
	expect_q udpc 's("10.77.0.1:5300")["received"] > 0' True
}
run_test "connected UDP with --switch-udp: switched at connect, echo counted" t_udp_connected

t_static_preload() {
	trace_json pre --mode=preload -- sh -c \
		"timeout 5 $BUSYBOX wget -q -O /dev/null http://10.77.0.1:8081/hello.txt || true"
	expect_q pre 's("10.77.0.1:8081")["verdict"]' "not switched"
	expect_q pre 's("10.77.0.1:8081")["reason"]' \
		"static binary in preload mode: libb4ns.so never loads"
	expect_q pre 's("10.77.0.1:8081")["host_socket"]' False
}
run_test "a static binary with --mode=preload: not switched, static binary" t_static_preload

t_io_uring_denied() {
	trace_json uring -- "$WORK/bin/b4ns-attack" io-uring-denied
	expect_q uring '[p["io_uring"] for p in r["processes"] if p["comm"] == "b4ns-attack"][0]' refused
}
run_test "io_uring refused by b4ns is reported" t_io_uring_denied

t_io_uring_connect() {
	# b4ns-attack io-uring: host sockets (switched by a connect to the test
	# host) then aimed at 127.0.0.1:9999 through IORING_OP_CONNECT
	trace_json uringc --allow-io-uring -- sh -c \
		"$WORK/bin/b4ns-attack --tcp-port 8081 io-uring --expect-ring || true"
	expect_q uringc '[p["io_uring"] for p in r["processes"] if p["comm"] == "b4ns-attack"][0]' used
	expect_q uringc '[p["io_uring_connects"] for p in r["processes"] if p["comm"] == "b4ns-attack"][0] >= 2' True
	# each io_uring connect is a call of the socket at its fd, with its
	# destination counted
	expect_q uringc 'len([x for x in r["sockets"] if "io_uring connect" in x["calls"] and x["fd"] >= 0 and x["destinations"] == 2])' 2
}
run_test "an io_uring connect (--allow-io-uring) on a host socket: a call of that socket" t_io_uring_connect

t_io_uring_fresh() {
	local fd
	# a fresh socket whose only connect goes through io_uring: its fd and
	# destination from the kernel's request, the io_uring verdict
	fd=$(trace_json uringf --allow-io-uring -- "$WORK/bin/b4ns-attack" \
		--tcp-port 8081 io-uring-connect | sed -n 's/^io-uring-connect: fd \([0-9]*\) .*/\1/p')
	echo "  the program's fd: $fd"
	[[ $fd =~ ^[0-9]+$ ]]
	expect_q uringf 's("10.77.0.1:8081")["fd"]' "$fd"
	expect_q uringf 's("10.77.0.1:8081")["socket"]' tcp4
	expect_q uringf 's("10.77.0.1:8081")["calls"]' "socket io_uring connect close"
	expect_q uringf '(s("10.77.0.1:8081")["verdict"], s("10.77.0.1:8081")["reason"])' \
		"('not switched', 'io_uring connect: seccomp never sees it')"
	expect_q uringf 's("10.77.0.1:8081")["host_socket"]' False
	expect_q uringf '"connect(2)" in s("10.77.0.1:8081")["fast_path_setting"]' True
	expect_q uringf 'r["summary"]["connections"], r["summary"]["fast_path_connections"]' "(1, 0)"
}
run_test "an io_uring connect of a fresh socket: its fd, destination and the io_uring verdict" t_io_uring_fresh

t_opt_not_copied() {
	# TCP_QUICKACK (6, 12) is not in hostsock.c's copy list
	trace_json opt -- python3 -c 'import socket
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.connect(("10.77.0.1", 8081))
s.close()'
	expect_q opt 's("10.77.0.1:8081")["verdict"]' "switched at connect"
	expect_q opt 's("10.77.0.1:8081")["options_not_copied"]' "[[6, 12]]"
	expect_q opt '"setsockopt(IPPROTO_TCP,TCP_NODELAY)" in s("10.77.0.1:8081")["calls"]' True
}
run_test "an option set before the switch that b4ns does not copy is named" t_opt_not_copied

t_publish() {
	# a published port (-p) and one that is not: bind then listen on each
	trace_json pub -p 18181:8080 -- python3 -c 'import socket
for port in (8080, 8081):
    s = socket.socket()
    s.bind(("0.0.0.0", port))
    s.listen()
    s.close()'
	expect_q pub '[(x["bound"], x["verdict"], x["reason"], x["host_socket"]) for x in r["sockets"] if x["bound"]]' \
		"[('0.0.0.0:8080', 'published at bind', 'published port', True), ('0.0.0.0:8081', 'not published', 'port not published', False)]"
	expect_q pub '[x["fast_path_setting"] for x in r["sockets"] if x["bound"] == "0.0.0.0:8081"][0]' "-p HOSTPORT:PORT"
}
run_test "binds: a published port (published at bind) and one that is not" t_publish

t_attach_pid() {
	local pid
	own_cleanup
	rm -f "$WORK/go"
	bg_ctr held -- sh -c "while [ ! -e $WORK/go ]; do sleep 0.1; done; curl -sS -o /dev/null http://10.77.0.1:8081/hello.txt"
	pid=$(bg_pid held)
	rm -f "$WORK/attach.json"
	bg_th tracer "$B4NS" trace --pid="$pid" --json --output="$WORK/attach.json"
	# (children forked after the attach are followed by the fork tracepoint)
	wait_log tracer "attached to pid $pid and [0-9]+ descendant" 20
	touch "$WORK/go"
	wait_done tracer 0 20
	[[ -s $WORK/attach.json ]]
	expect_q attach 's("10.77.0.1:8081")["verdict"]' "switched at connect"
	expect_q attach 's("10.77.0.1:8081")["comm"]' curl
}
run_test "--pid attaches to a running b4ns run" t_attach_pid

t_egress_denied() {
	trace_json deny --egress-deny=10.77.0.1/32:8081/tcp -- sh -c \
		'curl -s -m 3 http://10.77.0.1:8081/hello.txt; echo "curl: $?"'
	expect_q deny 's("10.77.0.1:8081")["verdict"]' "not switched"
	expect_q deny 's("10.77.0.1:8081")["reason"].startswith("denied by egress rule ")' True
	expect_q deny '"10.77.0.1" in s("10.77.0.1:8081")["reason"]' True
	expect_q deny 's("10.77.0.1:8081")["host_socket"]' False
	expect_q deny 'r["summary"]["fast_path_connections"]' 0
}
run_test "a connect an --egress-deny rule refuses: not switched, denied by the rule" t_egress_denied

t_nested_ns() {
	# a network namespace the container makes itself (with its own user
	# namespace: the test user needs no privilege for it)
	trace_json nested -- unshare -r -n sh -c \
		'curl -s -m 3 http://10.77.0.1:8081/hello.txt; echo "curl: $?"'
	expect_q nested 's("10.77.0.1:8081")["verdict"]' "not switched"
	expect_q nested 's("10.77.0.1:8081")["reason"]' \
		"socket of a nested network namespace"
	expect_q nested 's("10.77.0.1:8081")["host_socket"]' False
}
run_test "a socket of a network namespace the container made (unshare -rn): nested namespace" t_nested_ns

t_cookie() {
	local got
	# the first program reads its switched socket's cookie (SO_COOKIE, 57)
	# after the connect; the second never asks for one, and keeps its
	# socket open for a while: the tracer has the kernel make one
	got=$(trace_json cookie -- sh -c 'python3 -c "import socket, struct
s = socket.create_connection((\"10.77.0.1\", 8081))
print(\"cookie:\", struct.unpack(\"Q\", s.getsockopt(socket.SOL_SOCKET, 57, 8))[0])
s.close()"; python3 -c "import socket, time
s = socket.create_connection((\"10.77.0.1\", 8081))
time.sleep(0.5)
s.close()"' | sed -n 's/^cookie: //p')
	echo "  the first program's SO_COOKIE: $got"
	[[ $got =~ ^[1-9][0-9]*$ ]]
	expect_q cookie '[x["cookie"] for x in r["sockets"] if x["destination"] == "10.77.0.1:8081"][0]' "$got"
	expect_q cookie '[x["cookie"] for x in r["sockets"] if x["destination"] == "10.77.0.1:8081"][1] not in (None, 0, '"$got"')' True
	expect_q cookie '[x["verdict"] for x in r["sockets"] if x["destination"] == "10.77.0.1:8081"]' \
		"['switched at connect', 'switched at connect']"
}
run_test "--json: the socket cookie, as the program's SO_COOKIE reads it (and one made for a socket nobody asked)" t_cookie

t_i386() {
	# b4ns-attack i386-switch: two sockets, connected to 10.77.0.1:8081 by
	# an i386 connect (int $0x80, 362) and socketcall(CONNECT)
	trace_json i386 -- "$WORK/bin/b4ns-attack" --tcp-port 8081 i386-switch || {
		[[ $? == 77 ]] && { echo "SKIP: no i386 emulation in this kernel"; return 77; }
		return 1
	}
	expect_q i386 '[(x["calls"], x["verdict"], x["reason"], x["i386"]) for x in r["sockets"] if x["destination"] == "10.77.0.1:8081"]' \
		"[('socket connect(i386) close', 'switched at connect', 'routable destination; i386 system call', True), ('socket connect(i386) close', 'switched at connect', 'routable destination; i386 system call', True)]"
}
run_test "i386 connect and socketcall(CONNECT) (int \$0x80): seen, switched, marked i386" t_i386

t_interval() {
	rm -f "$WORK/interval.json"
	echo "\$ b4ns trace --json --interval=1 ..."
	run_th env -i HOME=/tmp "PATH=$USER_PATH" LANG=C.UTF-8 ${TRACE_ENV[@]+"${TRACE_ENV[@]}"} "$B4NS" trace \
		--user="$TEST_USER" --json --interval=1 --output="$WORK/interval.json" \
		--net=none -- sh -c 'curl -sS -o /dev/null http://10.77.0.1:8081/hello.txt
			sleep 3.5; curl -sS -o /dev/null http://10.77.0.1:8081/hello.txt'
	python3 - "$WORK/interval.json" <<'EOF2'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
reps = [json.loads(l) for l in lines]
conns = [(x["summary"]["final"], x["summary"]["connections"],
          x["summary"]["fast_path_connections"]) for x in reps]
print("  reports (final, connections, fast):", conns)
assert len(reps) >= 3, "fewer than 3 reports"
assert all(not f for f, _, _ in conns[:-1]), "an interim report says final"
assert conns[-1] == (True, 2, 2), "the final report"
# while the workload slept: the first connection, already switched
assert (False, 1, 1) in conns, "no report made between the two connects"
EOF2
}
run_test "--interval=1 --json: reports while the workload runs (one JSON line each), then the final one" t_interval

t_container_id() {
	local xdg=$CTR_DIR/xdg-ci id
	own_cleanup
	mkdir -m 700 "$xdg"
	chown "$TEST_USER:" "$xdg"
	start_bg_user daemon env "XDG_RUNTIME_DIR=$xdg" "$B4NS" daemon --log-level=info
	T_MINE+=(daemon)
	wait_log daemon 'listening on' 20
	rm -f "$WORK/go2"
	bg_ctr served --daemon="$xdg/b4ns/b4ns.sock" -- sh -c \
		"while [ ! -e $WORK/go2 ]; do sleep 0.1; done; curl -sS -o /dev/null http://10.77.0.1:8081/hello.txt"
	for _ in $(seq 100); do
		id=$(run_user "$B4NS" status --json --socket="$xdg/b4ns/b4ns.sock" |
			python3 -c 'import json, sys; print(" ".join(c["id"] for c in json.load(sys.stdin)["containers"]))') || true
		[[ -n $id ]] && break
		sleep 0.1
	done
	echo "  the daemon serves: ${id:-nothing}"
	[[ $id =~ ^run-[0-9]+$ ]]
	# a container the daemon does not serve: a clear error, exit 1
	expect_rc 1 run_th "$B4NS" trace --container-id=run-1 --socket="$xdg/b4ns/b4ns.sock"
	expect_err "serves no container run-1"
	rm -f "$WORK/ci.json"
	bg_th tracer "$B4NS" trace --container-id="$id" --socket="$xdg/b4ns/b4ns.sock" \
		--json --output="$WORK/ci.json"
	wait_log tracer "attached to pid [0-9]+ and [0-9]+ descendant" 20
	touch "$WORK/go2"
	wait_done tracer 0 20
	expect_q ci 's("10.77.0.1:8081")["verdict"]' "switched at connect"
	expect_q ci 's("10.77.0.1:8081")["comm"]' curl
	expect_q ci 's("10.77.0.1:8081")["host_socket"]' True
}
run_test "--container-id attaches to a b4ns run --daemon container the daemon serves" t_container_id

# daemon_ids SOCK N - wait until the daemon at SOCK serves N containers;
# print their ids in its order
daemon_ids() {
	local ids=""
	for _ in $(seq 100); do
		ids=$(run_user "$B4NS" status --json --socket="$1" |
			python3 -c 'import json, sys; print(" ".join(c["id"] for c in json.load(sys.stdin)["containers"]))') || true
		[[ $(wc -w <<<"$ids") -ge $2 ]] && break
		sleep 0.1
	done
	echo "$ids"
}

t_container_id_config() {
	local xdg=$CTR_DIR/xdg-cc sock strict plain ids
	own_cleanup
	mkdir -m 700 "$xdg"
	chown "$TEST_USER:" "$xdg"
	sock=$xdg/b4ns/b4ns.sock
	# the daemon's own config: UDP switched for every container, and a
	# section that keeps the test host's subnet
	printf '%s\n' 'switch_udp = true;' \
		'containers = { strict = { ignore = ["10.77.0.0/24"]; }; };' \
		>"$WORK/daemon.conf"
	chmod 644 "$WORK/daemon.conf"
	start_bg_user daemon env "XDG_RUNTIME_DIR=$xdg" "$B4NS" daemon \
		--config="$WORK/daemon.conf" --log-level=info
	T_MINE+=(daemon)
	wait_log daemon 'listening on' 20
	rm -f "$WORK/go3"
	bg_ctr strict --daemon="$sock" --container=strict -- sh -c \
		"while [ ! -e $WORK/go3 ]; do sleep 0.1; done; curl -s -m 3 http://10.77.0.1:8081/hello.txt; echo curl: \$?"
	strict=$(daemon_ids "$sock" 1)
	bg_ctr plain --daemon="$sock" -- sh -c \
		"while [ ! -e $WORK/go3 ]; do sleep 0.1; done; $PROBE udp 10.77.0.1 5300"
	ids=$(daemon_ids "$sock" 2)
	plain=$(tr ' ' '\n' <<<"$ids" | grep -vx "$strict")
	echo "  the daemon serves: strict=$strict plain=$plain"
	[[ $strict =~ ^run-[0-9]+$ && $plain =~ ^run-[0-9]+$ ]]
	# run options would not be the daemon's: refused
	expect_rc 2 run_th "$B4NS" trace --container-id="$plain" --socket="$sock" --switch-udp
	expect_err "run options cannot go with --container-id"
	rm -f "$WORK/cc-strict.json" "$WORK/cc-plain.json"
	bg_th tr_strict "$B4NS" trace --container-id="$strict" --socket="$sock" \
		--json --output="$WORK/cc-strict.json"
	bg_th tr_plain "$B4NS" trace --container-id="$plain" --socket="$sock" \
		--json --output="$WORK/cc-plain.json"
	wait_log tr_strict "attached to pid [0-9]+ and [0-9]+ descendant" 20
	wait_log tr_plain "attached to pid [0-9]+ and [0-9]+ descendant" 20
	touch "$WORK/go3"
	wait_done tr_strict 0 20
	wait_done tr_plain 0 20
	# the section the container's annotation (b4ns.config) names
	expect_q cc-strict 's("10.77.0.1:8081")["verdict"]' "not switched"
	expect_q cc-strict 's("10.77.0.1:8081")["reason"]' "ignored CIDR"
	expect_q cc-strict 's("10.77.0.1:8081")["host_socket"]' False
	# the daemon's global settings (not the run's command line)
	expect_q cc-plain 's("10.77.0.1:5300")["verdict"]' "switched at connect"
	expect_q cc-plain 's("10.77.0.1:5300")["reason"]' "routable destination"
	expect_q cc-plain 's("10.77.0.1:5300")["host_socket"]' True
}
run_test "--container-id: verdicts by the daemon's config, its section and the container's annotations" t_container_id_config

report_summary
