#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# preload.sh - end-to-end tests of issue #6 that are specific to the preload
# path (libb4ns.so).  The issue-2 suite in preload mode is
# "tests/e2e/run.sh --mode=preload".
#
# Usage (as root):
#   sudo tests/e2e/preload.sh [--prefix DIR] [--build DIR] [--keep]
#                             [-k REGEX] [-v]
#
#   --prefix DIR   b4ns install prefix (DIR/bin/b4ns; the library is found by
#                  b4ns itself).  Default: copy B4NS_BUILD/b4ns and
#                  B4NS_BUILD/libb4ns.so side by side into a world-readable
#                  scratch directory (the supervisor looks for the library
#                  beside its binary).
#   --build DIR    build tree (env B4NS_BUILD, default: build/ of this tree).
#   --keep         leave the test host namespaces and scratch directory.
#   -k REGEX       run only the tests whose name matches (or T_FILTER=REGEX).
#   -v             show the output of passing tests too.
#
# The test host (tests/lib/testhost.sh) is a private pair of namespaces,
# b4preload-th (10.77.0.1/24, fd77::1/64) and b4preload-peer (B4NS_TH_NS /
# B4NS_PEER_NS override the names).  Containers run as the unprivileged user
# b4nstest with "b4ns run --mode=preload", --net=none unless a test needs
# slirp4netns: a connection that works to 10.77.0.1 went through a switched
# host socket.  /dev/net/tun is made usable by the test user (chmod 666) for
# the slirp4netns tests and its mode restored on exit.
#
# Servers in the test host:
#   10.77.0.1:8080      HTTP (python3 http.server), /hello.txt
#   10.77.0.1:5300, [fd77::1]:5300   UDP echo (b4ns-probe udp-echo)
#   127.0.0.1:9999      connection counter: the host loopback
#   10.77.0.1:9998      connection counter
# Host ports containers publish: 18080/tcp, 15353/udp.
#
# Python helpers (tests/e2e/preload/, copied to the scratch directory):
# proto_client.py speaks the request protocol of preload-path/proto.h
# directly; slowpath.py and killed.py connect before and after the
# supervisor becomes unreachable; errno_check.py checks that errno is kept.
#
# Tests (issue 6 numbering):
#   2  publishing (TCP, UDP) and unconnected UDP sendto() in preload mode
#      (UDP with --switch-udp: UDP is not switched by default, issue 9);
#   3  the request protocol spoken directly (python3, proto.h layout): from
#      inside the container a request for the host's 127.0.0.1 is answered
#      "native" without a socket (and one for 10.77.0.1 is switched: the
#      control); from outside any container the request is refused and the
#      supervisor logs it;
#   4  supervisor gone: (a) the b4ns supervisor is SIGKILLed while a
#      process of the container's namespaces runs (one that joined them
#      with nsenter: the container's own processes die with b4ns, its
#      PID namespace); the test starts a fresh slirp4netns for that namespace
#      (the one b4ns started dies with b4ns through its --exit-fd), then
#      the process's next connect()s work on the slow path, with exactly one
#      "libb4ns: supervisor unreachable" line, and it does not crash;
#      (b) with b4ns alive, the request channel is made unusable
#      (B4NS_PRELOAD_FD a closed fd, B4NS_PRELOAD_SOCK a missing path):
#      the same, once per process;
#   5  --mode=auto: preload when B4NS_TEST_NO_ADDFD=1 (static busybox then
#      unswitched, python3 switched), seccomp otherwise (busybox switched);
#      mode = "preload" / "auto" from a config file section;
#   6  static busybox under --mode=preload runs unswitched, exit status
#      passed through, the static-binary warning printed;
#   and errno: kept by the library on every path that does not fail.
#
# Output: TAP-like "ok N - name" lines, "# " diagnostics under failures,
# and a last line "N passed, M failed[, K skipped]"; exit 1 if any failed.

set -euo pipefail

export B4NS_TH_NS=${B4NS_TH_NS:-b4preload-th}
export B4NS_PEER_NS=${B4NS_PEER_NS:-b4preload-peer}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

e2e_parse_args "$@"
e2e_need_root
e2e_need_tools nsenter setpriv curl timeout busybox
e2e_need_python
BUSYBOX=$(command -v busybox)
CHMOD_TUN=1 # for the slirp4netns tests
CTR_OPTS=(--mode=preload)
e2e_setup preload --probe --b4ns=need-lib --content --testhost --tun
cp "$HERE"/preload/*.py "$WORK/"
chmod 644 "$WORK"/*.py

start_bg http4 "$PYTHON" -m http.server --bind 10.77.0.1 --directory "$WORK/www" 8080
start_bg udp4 "$PROBE" udp-echo 10.77.0.1 5300
start_bg udp6 "$PROBE" udp-echo fd77::1 5300
start_bg hostlo "$PROBE" count-server 127.0.0.1 9999 "$WORK/hostlo.count"
start_bg sink "$PROBE" count-server 10.77.0.1 9998 "$WORK/sink.count"
# (http.server binds, reverse-resolves its address, which can time out in
# the test host, and only then listens)
run_th "$PROBE" wait-listen 10.77.0.1 8080 40000 >/dev/null ||
	die "http server did not start"
wait_logs listening udp4 udp6 hostlo sink || die "servers did not start"

need_tun() {
	command -v slirp4netns >/dev/null || skip "slirp4netns is not installed"
	run_user sh -c 'exec 3<>/dev/net/tun' 2>/dev/null ||
		skip "/dev/net/tun is not usable by $TEST_USER"
}

UNREACH='libb4ns: supervisor unreachable'
STATIC_WARN='is statically linked: libb4ns.so cannot load into it'

echo "# b4ns: $B4NS --mode=preload, test host $TH_NS"

# ---- 2. publishing and unconnected UDP ----------------------------------------

t_publish_tcp() {
	bg_ctr pubhttp -p 18080:8000 -- "$PYTHON" -m http.server \
		--bind 0.0.0.0 --directory "$WORK/www" 8000
	expect_ok run_th "$PROBE" wait-listen 10.77.0.1 18080 40000 ||
		{ show_log pubhttp; stop_bg pubhttp; return 1; }
	expect_ok run_user curl -sS --max-time 5 http://10.77.0.1:18080/hello.txt ||
		{ show_log pubhttp; stop_bg pubhttp; return 1; }
	expect_stdout_is "$CONTENT"
	stop_bg pubhttp
	show_log pubhttp
}
run_test "publish -p 18080:8000: python3 http.server in the container reached from the test host" t_publish_tcp

t_publish_udp() {
	cat >"$WORK/udpecho.py" <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
print("listening", flush=True)
while True:
	d, a = s.recvfrom(2048)
	s.sendto(d, a)
EOF
	chmod 644 "$WORK/udpecho.py"
	bg_ctr pubudp --switch-udp -p 15353:53/udp -- "$PYTHON" "$WORK/udpecho.py"
	wait_log pubudp listening 10 || { stop_bg pubudp; return 1; }
	expect_ok run_user b4ns-probe udp 10.77.0.1 15353 ||
		{ show_log pubudp; stop_bg pubudp; return 1; }
	stop_bg pubudp
}
run_test "publish --switch-udp -p 15353:53/udp: python3 UDP echo in the container reached from the test host" t_publish_udp

t_udp_sendto_python() {
	local host=$1
	cat >"$WORK/sendto.py" <<'EOF'
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(3)
for i in range(3):
	msg = f"ping-{i}".encode()
	s.sendto(msg, (host, port))
	d, a = s.recvfrom(2048)
	print(f"sendto {i}: echo {d.decode()} from {a[0]}:{a[1]}")
	assert d == msg and a[0] == host and a[1] == port
print("sendto: ok")
EOF
	chmod 644 "$WORK/sendto.py"
	expect_ok ctr --switch-udp -- "$PYTHON" "$WORK/sendto.py" "$host" 5300
	expect_out "sendto: ok"
}
run_test "unconnected UDP (--switch-udp): python3 sendto()/recvfrom() 10.77.0.1:5300 under --net=none" t_udp_sendto_python 10.77.0.1
run_test "unconnected UDP (--switch-udp): python3 sendto()/recvfrom() [fd77::1]:5300 under --net=none" t_udp_sendto_python fd77::1

t_udp_sendto_probe() {
	expect_ok ctr --switch-udp -- b4ns-probe udp-sendto 10.77.0.1 5300
}
run_test "unconnected UDP (--switch-udp): b4ns-probe udp-sendto 10.77.0.1:5300 under --net=none" t_udp_sendto_probe

t_udp_sendto_default() {
	# Without --switch-udp the library leaves UDP alone: the container's
	# own ENETUNREACH under --net=none.
	expect_ok ctr -- b4ns-probe udp-sendto 10.77.0.1 5300 \
		--expect ENETUNREACH
}
run_test "UDP not switched by default: b4ns-probe udp-sendto 10.77.0.1:5300 under --net=none gets ENETUNREACH" t_udp_sendto_default

# ---- 3. the request protocol spoken directly ----------------------------------

t_direct_inside() {
	local host=$1 port=$2 want=$3 before after
	before=$(count_snapshot hostlo)
	expect_ok ctr -- env -u LD_PRELOAD "$PYTHON" "$WORK/proto_client.py" \
		fd connect "$host" "$port"
	after=$(count_snapshot hostlo)
	expect_eq "$((after - before))" 0 "connections on the host's 127.0.0.1:9999"
	expect_out "$want"
}
run_test "protocol spoken directly in the container: 127.0.0.1:9999 answered 'native', no fd, host loopback not reached" \
	t_direct_inside 127.0.0.1 9999 "action=native err=0 fds=0"
run_test "protocol spoken directly in the container (control): 10.77.0.1:8080 switched (EINPROGRESS), fd connected" \
	t_direct_inside 10.77.0.1 8080 "action=switched err=-115 fds=1 peer=10.77.0.1:8080"

t_direct_outside() {
	local path
	rm -f "$CTR_DIR/sockpath"
	# shellcheck disable=SC2016 # expanded by the container's shell
	bg_ctr holder -- sh -c 'echo "$B4NS_PRELOAD_SOCK" > '"$CTR_DIR"'/sockpath
		exec sleep 30'
	wait_file "$CTR_DIR/sockpath" || { stop_bg holder; return 1; }
	path=$(cat "$CTR_DIR/sockpath")
	echo "supervisor socket: $path"
	# the test user (same uid as the container), in the test host's
	# namespace: not a process of the container
	expect_rc 3 run_user "$PYTHON" "$WORK/proto_client.py" "sock=$path" \
		connect 10.77.0.1 8080 || { stop_bg holder; return 1; }
	expect_out "refused: reply channel closed without an answer"
	# and the same through the inherited-fd path is not available outside;
	# a request for the host loopback from outside is refused as well
	expect_rc 3 run_user "$PYTHON" "$WORK/proto_client.py" "sock=$path" \
		connect 127.0.0.1 9999 || { stop_bg holder; return 1; }
	stop_bg holder
	show_log holder
	if ! grep -q 'refused' "$WORK/holder.log"; then
		echo "FAIL: the supervisor did not log the refusal"
		return 1
	fi
}
run_test "protocol spoken directly from outside any container: refused, supervisor logs it" t_direct_outside

# ---- 4. supervisor gone ------------------------------------------------------

t_supervisor_killed() {
	need_tun
	local d=$CTR_DIR/killed bpid cpid c ppid i st n
	rm -rf "$d"
	mkdir "$d"
	chown "$TEST_USER:" "$d"
	# The container's own processes die with the supervisor (its PID
	# namespace's init has PR_SET_PDEATHSIG). A process that joined the
	# container's user and network namespaces from outside (nsenter) is
	# not in that PID namespace and outlives it: it stands for any
	# process left talking to a dead supervisor.
	# shellcheck disable=SC2016 # expanded by the container's shell
	start_bg_user killsup "$B4NS" run --mode=preload --net=slirp4netns -v -- \
		sh -c 'echo "$LD_PRELOAD" >'"$d/lib"'
			echo "$B4NS_PRELOAD_SOCK" >'"$d/sock"'; exec sleep 60'
	bpid=$(bg_pid killsup)
	wait_file "$d/sock" 20 || { show_log killsup; return 1; }
	cpid=
	for c in $(cat "/proc/$bpid/task/$bpid/children"); do
		[[ $(cat "/proc/$c/comm" 2>/dev/null) == b4ns ]] && cpid=$c
	done
	[[ -n $cpid ]] || { echo "FAIL: no container process under b4ns"; return 1; }
	"${RUN_USER[@]}" nsenter -t "$cpid" -U -n --preserve-credentials -- \
		env "LD_PRELOAD=$(cat "$d/lib")" "B4NS_PRELOAD_SOCK=$(cat "$d/sock")" \
		"$PYTHON" "$WORK/killed.py" "$d" >"$d/out" 2>"$d/err" </dev/null &
	# this runs in run_test's subshell: kill what outlives b4ns here
	KILL_AT_END=("$!")
	trap 'kill -KILL "${KILL_AT_END[@]}" 2>/dev/null || true' EXIT
	wait_file "$d/phase1" 20 || { cat "$d/err"; show_log killsup; return 1; }
	cat "$d/phase1"
	if ! grep -q 'first: local 10.77.0.1 200' "$d/phase1"; then
		echo "FAIL: the first connect was not switched"
		return 1
	fi
	ppid=$(sed -n 's/^pid \([0-9]*\) .*/\1/p' "$d/phase1")
	echo "killing the supervisor (pid $bpid) with SIGKILL"
	kill -KILL "$bpid"
	for ((i = 0; i < 50; i++)); do
		bg_alive killsup || break
		sleep 0.1
	done
	stop_bg killsup
	st=$(awk '{print $3}' "/proc/$ppid/stat" 2>/dev/null || echo gone)
	echo "python3 in the container's namespaces, pid $ppid: state $st"
	[[ $st != gone && $st != Z ]] ||
		{ echo "FAIL: the process died with the supervisor"; return 1; }
	# The slow path's helper: b4ns' slirp4netns exited with it (its
	# --exit-fd); in a deployment the helper belongs to the engine. Give
	# the surviving namespace a new one.
	rm -f "$WORK/slirp.ready"
	"${RUN_USER[@]}" slirp4netns --configure --mtu=65520 \
		--disable-host-loopback --ready-fd=3 "$ppid" tap0 \
		3>"$WORK/slirp.ready" >"$WORK/slirp.log" 2>&1 </dev/null &
	KILL_AT_END+=("$!")
	wait_file "$WORK/slirp.ready" 10 || { cat "$WORK/slirp.log"; return 1; }
	touch "$d/go"
	wait_file "$d/done" 40 || { cat "$d/err"; return 1; }
	echo "--- python3 stdout/done:"
	cat "$d/out" "$d/done"
	echo "--- python3 stderr:"
	cat "$d/err"
	n=$(grep -c 'local 10.0.2.100 200' "$d/done" || true)
	expect_eq "$n" 2 "connects after the kill that worked through slirp4netns"
	expect_count "$d/err" "$UNREACH" 1
	if grep -Eq 'Traceback|Segmentation' "$d/err"; then
		echo "FAIL: the process crashed"
		return 1
	fi
}
run_test "supervisor SIGKILLed: the container's next connects work on the slow path, one warning, no crash" t_supervisor_killed

t_channel_unusable() {
	need_tun
	# fd 37: closed in the container; the path: nothing there
	expect_ok ctr --net=slirp4netns -- env B4NS_PRELOAD_FD=37 \
		B4NS_PRELOAD_SOCK="$CTR_DIR/no-such.sock" \
		"$PYTHON" "$WORK/slowpath.py" 2
	expect_count "$T_OUT" 'local 10.0.2.100 status 200' 3
	# two processes (python3 and its child): one line each
	expect_count "$T_ERR" "$UNREACH" 2
}
run_test "request channel unusable (closed fd, missing path): slow path, one warning per process" t_channel_unusable

t_channel_server_gone() {
	need_tun
	# B4NS_PRELOAD_SOCK names a socket whose server is gone, the fd is
	# not a socket
	rm -f "$CTR_DIR/dead.sock"
	run_user "$PYTHON" -c "import socket,sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(1); s.close()" "$CTR_DIR/dead.sock"
	expect_ok ctr --net=slirp4netns -- env B4NS_PRELOAD_FD=0 \
		B4NS_PRELOAD_SOCK="$CTR_DIR/dead.sock" \
		"$PYTHON" "$WORK/slowpath.py" 1
	expect_count "$T_OUT" 'local 10.0.2.100 status 200' 2
	expect_count "$T_ERR" "$UNREACH" 2
}
run_test "request channel unusable (fd not a socket, server gone): slow path, one warning per process" t_channel_server_gone

# ---- 5. auto -------------------------------------------------------------------

t_auto_noaddfd() {
	expect_rc 1 run_user B4NS_TEST_NO_ADDFD=1 "$B4NS" run --mode=auto \
		--log-level=info --net=none -- "$BUSYBOX" timeout 10 \
		"$BUSYBOX" wget -q -O - http://10.77.0.1:8080/hello.txt
	if ! grep -E 'mode auto:.*preload' "$T_ERR"; then
		echo "FAIL: no 'mode auto: ... preload' log line"
		return 1
	fi
	expect_err "$STATIC_WARN"
	expect_err "Network is unreachable"
	expect_ok run_user B4NS_TEST_NO_ADDFD=1 "$B4NS" run --mode=auto \
		--log-level=info --net=none -- curl -sS --max-time 10 \
		http://10.77.0.1:8080/hello.txt
	expect_stdout_is "$CONTENT"
	grep -E 'mode auto:.*preload' "$T_ERR"
}
run_test "--mode=auto with B4NS_TEST_NO_ADDFD=1: preload (static busybox unswitched, curl switched)" t_auto_noaddfd

t_auto_addfd() {
	expect_ok run_user "$B4NS" run --mode=auto --log-level=info --net=none \
		-- "$BUSYBOX" timeout 10 "$BUSYBOX" wget -q -O - \
		http://10.77.0.1:8080/hello.txt
	expect_stdout_is "$CONTENT"
	if ! grep -E 'mode auto:.*seccomp' "$T_ERR"; then
		echo "FAIL: no 'mode auto: ... seccomp' log line"
		return 1
	fi
	if grep -F "$STATIC_WARN" "$T_ERR"; then
		echo "FAIL: static warning in seccomp mode"
		return 1
	fi
}
run_test "--mode=auto on this kernel: seccomp (static busybox switched)" t_auto_addfd

t_config_mode() {
	local cfg=$WORK/mode.conf
	cat >"$cfg" <<'EOF'
# b4ns e2e: mode per container section
mode = "seccomp";
containers = {
	pre = { mode = "preload"; };
	aut = { mode = "auto"; };
};
EOF
	chmod 644 "$cfg"
	# shellcheck disable=SC2016 # expanded by the container's shell
	local show='grep "^Seccomp:" /proc/self/status; echo "LD_PRELOAD=${LD_PRELOAD:-}"'
	expect_ok run_user "$B4NS" run --config="$cfg" --container=pre \
		--net=none -- sh -c "$show; b4ns-probe connect 10.77.0.1 8080"
	expect_out "Seccomp:	0"
	expect_out "libb4ns.so"
	expect_out "connect: ok"
	expect_ok run_user "$B4NS" run --config="$cfg" --net=none -- sh -c "$show"
	expect_out "Seccomp:	2"
	expect_ok run_user B4NS_TEST_NO_ADDFD=1 "$B4NS" run --config="$cfg" \
		--container=aut --net=none -- sh -c "$show"
	expect_out "Seccomp:	0"
	expect_out "libb4ns.so"
	# the command line overrides the section
	expect_ok run_user "$B4NS" run --config="$cfg" --container=pre \
		--mode=seccomp --net=none -- sh -c "$show"
	expect_out "Seccomp:	2"
}
run_test "mode from the config file: section preload/auto, global seccomp, --mode overrides" t_config_mode

# ---- 6. static CMD -------------------------------------------------------------

t_static_runs() {
	expect_ok ctr -- "$BUSYBOX" true
	expect_err "$STATIC_WARN"
	expect_count "$T_ERR" "$STATIC_WARN" 1
	expect_rc 3 ctr -- "$BUSYBOX" sh -c 'echo static-ran; exit 3'
	expect_out "static-ran"
	expect_err "$STATIC_WARN"
}
run_test "static busybox under --mode=preload runs (exit status passed through) with the warning" t_static_runs

t_dynamic_no_warning() {
	expect_ok ctr -- "$PYTHON" -c 'print("dyn-ran")'
	expect_out "dyn-ran"
	if grep -F "$STATIC_WARN" "$T_ERR"; then
		echo "FAIL: static warning for a dynamic CMD"
		return 1
	fi
}
run_test "dynamic CMD under --mode=preload: no static warning" t_dynamic_no_warning

# ---- errno and lifetime ------------------------------------------------------------

t_errno() {
	# --switch-udp: the "switched unconnected sendto" case needs it.
	expect_ok ctr --switch-udp -- "$PYTHON" "$WORK/errno_check.py" 10.77.0.1 8080
	expect_out "errno-check: ok"
}
run_test "errno kept on paths that do not fail (switched, native, bind, sendto; --switch-udp)" t_errno

t_background_child() {
	# A background child of CMD (LD_PRELOAD and the request channel
	# inherited) connects while CMD still runs: switched. (When CMD exits,
	# the container ends, children included: run.sh's "CMD exits leaving
	# a daemonised child" test, in preload mode too.)
	local f=$CTR_DIR/daemon.out
	rm -f "$f"
	expect_ok ctr -- sh -c "(sleep 0.5; b4ns-probe connect 10.77.0.1 8080 \
		>$f 2>&1) & wait"
	cat "$f" 2>/dev/null || true
	if ! grep -q 'connect: ok' "$f" 2>/dev/null; then
		echo "FAIL: the background child's connect was not switched"
		return 1
	fi
}
run_test "a background child of CMD is switched while CMD runs" t_background_child

report_summary
