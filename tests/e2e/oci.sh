#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# oci.sh - end-to-end tests of issue #4: "b4ns daemon" serving rootless runc
# and rootless Podman 4 (profile and precreate hook), churn, bad listener
# input, "b4ns status" and "b4ns doctor".
#
# Usage (as root):
#   sudo tests/e2e/oci.sh [--prefix DIR] [--build DIR] [--keep] [--chmod-tun]
#                         [--churn N] [--no-bench] [-k REGEX] [-v]
#
#   --prefix DIR   b4ns install prefix: DIR/bin/b4ns is tested (env
#                  B4NS_PREFIX).  Default: copy B4NS_BUILD/b4ns into a
#                  world-readable scratch directory.
#   --build DIR    build tree holding b4ns (env B4NS_BUILD, default: build/
#                  of this tree).
#   --keep         leave the test host namespaces and scratch directory
#                  (Podman's storage in it too).
#   --chmod-tun    make /dev/net/tun usable by the test user (Podman's
#                  default network, slirp4netns, and "b4ns doctor" need it;
#                  mode restored on exit).
#   --churn N      runc execs in the churn test (default 300).
#   --no-bench     skip the (never asserted) Podman iperf3 measurement.
#   -k REGEX       run only the tests whose name matches (or T_FILTER=REGEX).
#   -v             show the output of passing tests too.
#
# The test host (tests/lib/testhost.sh) is a private pair of network
# namespaces, b4oci-th (10.77.0.1/24) and b4oci-peer (10.77.0.2/24)
# (B4NS_TH_NS / B4NS_PEER_NS override the names).  Everything but the
# servers runs as the unprivileged user b4nstest inside b4oci-th (entered
# with nsenter, not "ip netns exec"): "b4ns daemon -v" with its own
# XDG_RUNTIME_DIR (a scratch directory, 0700), rootless runc with a private
# state root, and rootless Podman with --runtime runc, vfs storage, run
# directory and pause process private to this run, the image imported
# offline from a busybox-static rootfs (plus iperf3 and its libraries when
# installed), b4ns's precreate hook through hooks_dir in the user's
# containers.conf.  runc bundles get a network namespace with only lo, and
# Podman containers that must prove switching run with --network none: a
# connection that reaches 10.77.0.1 there went through a switched socket.
#
# Plain rootless "runc exec" into a container with a listenerPath fails in
# runc 1.1 itself (pidfd_getfd EPERM; that test is skipped then), so the
# churn test runs runc as root of the user's rootless user namespace
# ("podman unshare runc ..."), as Podman does.
#
# Servers: 10.77.0.1:8080 and 10.77.0.2:8080 (peer namespace) busybox httpd
# serving /hello.txt; 10.77.0.1:5201 iperf3 (measurement only).  Host ports
# the containers publish (in b4oci-th): 18080, 18081.
#
# Output: TAP-like "ok N - name" lines, "# " diagnostics under failures and
# the measurement, and a last line "N passed, M failed[, K skipped]"; exit 1
# if any failed.

#
# The fixtures (the container root file system, Podman's configuration,
# the hook JSON, the servers, the daemon and the helpers the tests use) are
# in tests/e2e/oci/setup.sh.

set -euo pipefail

export B4NS_TH_NS=${B4NS_TH_NS:-b4oci-th}
export B4NS_PEER_NS=${B4NS_PEER_NS:-b4oci-peer}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

CHURN=300
BENCH=1
# shellcheck disable=SC2034 # E2E_USED: read by e2e_parse_args
suite_option() {
	case $1 in
	--churn) CHURN=${2:?} E2E_USED=2 ;;
	--churn=*) CHURN=${1#*=} E2E_USED=1 ;;
	--no-bench) BENCH=0 E2E_USED=1 ;;
	esac
}
e2e_parse_args "$@"
[[ $CHURN =~ ^[1-9][0-9]*$ ]] || die "--churn wants a positive number"
e2e_need_root
e2e_need_tools nsenter setpriv runc curl timeout busybox
e2e_need_python
BUSYBOX=$(command -v busybox)
if command -v ldd >/dev/null && ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked; install busybox-static"
fi
HAVE_PODMAN=0
command -v podman >/dev/null && HAVE_PODMAN=1
HAVE_IPERF=0
command -v iperf3 >/dev/null && command -v ldd >/dev/null && HAVE_IPERF=1

e2e_setup oci --b4ns=copy --content --testhost --tun --probe
cd "$WORK" # the caller's cwd may be closed to the test user
SOCK=$WORK/run/b4ns/b4ns.sock
IMAGE=localhost/b4ns-oci:latest
# shellcheck source-path=SCRIPTDIR source=oci/setup.sh
source "$HERE/oci/setup.sh"

# ---- 1. plain rootless runc --------------------------------------------------

t_runc_switched() {
	local id=oci-runc-get m
	m=$(log_mark)
	expect_ok bundle $id "$WORK/profile.json" -- sh -c "$GET_HELLO"
	expect_ok runc_u run --bundle "$WORK/bundles/$id" $id
	only_lo
	expect_out "$HELLO"
	log_wait "$m" "container $id: pid [0-9]+, switching"
	log_wait "$m" "switch connect pid=[0-9]+ fd=[0-9]+ 10\.77\.0\.1:8080"
	wait_gone $id
}
run_test "runc: container with only lo reaches the test host through a switched socket" t_runc_switched

t_runc_mode_off() {
	local id=oci-runc-off m
	m=$(log_mark)
	expect_ok bundle $id "$WORK/profile.json" b4ns.mode=off -- \
		sh -c 'ip -o link; nc 10.77.0.1 8080 </dev/null'
	expect_rc 1 runc_u run --bundle "$WORK/bundles/$id" $id
	only_lo
	expect_err "Network is unreachable"
	log_wait "$m" "container $id: mode off: not switched"
	log_wait "$m" "container $id: pid [0-9]+, not switched"
}
run_test "runc: annotation b4ns.mode=off: not switched, ENETUNREACH" t_runc_mode_off

t_runc_publish() {
	local id=oci-runc-pub m
	m=$(log_mark)
	expect_ok bundle $id "$WORK/profile.json" b4ns.publish=18080:80 -- \
		httpd -f -p 80 -h /www
	expect_ok runc_u run -d --bundle "$WORK/bundles/$id" $id
	log_wait "$m" "container $id: pid [0-9]+, switching, 1 published ports"
	expect_ok curl_th http://10.77.0.1:18080/index.html
	expect_out "$PAGE"
	status_json
	expect_eq "$(ctr_field $id 'c["published"]')" "['18080:80/tcp']" "status: published"
	expect_ok runc_u delete -f $id
	wait_gone $id
	# the host socket lived in the container: gone with it
	expect_rc 7 run_th curl -sS --max-time 2 http://10.77.0.1:18080/index.html
}
run_test "runc: annotation b4ns.publish=18080:80 serves the test host; freed with the container" t_runc_publish

# ---- 2. rootless Podman --------------------------------------------------------

t_podman_profile() {
	need_podman
	local m
	m=$(log_mark)
	expect_ok prun --network none --security-opt "seccomp=$WORK/profile.json" \
		"$IMAGE" sh -c "$GET_HELLO"
	only_lo
	expect_out "$HELLO"
	log_wait "$m" "container [0-9a-f]{64}: pid [0-9]+, switching"
	log_wait "$m" "switch connect pid=[0-9]+ fd=[0-9]+ 10\.77\.0\.1:8080"
}
run_test "podman --security-opt seccomp=<b4ns profile>, --network none: switched" t_podman_profile

t_podman_hook_web() {
	need_podman
	local m id
	m=$(log_mark)
	# publish from the "web" section: the container's httpd serves the
	# test host's port 18081
	expect_ok run_user podman_cmd run -d --network none \
		--annotation b4ns.config=web "$IMAGE" httpd -f -p 80 -h /www
	id=$(head -c 64 "$T_OUT")
	log_wait "$m" "container $id: pid [0-9]+, switching, 1 published ports"
	expect_ok curl_th http://10.77.0.1:18081/index.html
	expect_out "$PAGE"
	# switched to 10.77.0.1; 10.77.0.2 ignored by "web": stays in the
	# container's namespace, which has only lo
	expect_ok run_user podman_cmd exec "$id" sh -c "$GET_HELLO"
	only_lo
	expect_out "$HELLO"
	expect_rc 1 run_user podman_cmd exec "$id" \
		sh -c 'nc 10.77.0.2 8080 </dev/null'
	expect_err "Network is unreachable"
	log_wait "$m" "keep connect pid=[0-9]+ fd=[0-9]+ 10\.77\.0\.2:8080"
	# ... while a container without the section reaches it
	expect_ok prun --network none --annotation b4ns.mode=seccomp "$IMAGE" \
		wget -q -O - http://10.77.0.2:8080/hello.txt
	expect_out "$HELLO"
	status_json
	expect_eq "$(ctr_field "$id" 'c["published"]')" "['18081:80/tcp']" "status: published"
	expect_ok run_user podman_cmd rm -f -t 0 "$id"
	wait_gone "$id"
}
run_test "podman hook, only b4ns.config=web: section's publish and ignore apply" t_podman_hook_web

# issue 10: the hook JSON and the systemd unit name the binary of the prefix
# actually installed to, and Podman switches through that hook
t_install_prefix() {
	need_podman
	local p=$WORK/prefix hd=$WORK/hooks-installed m path
	command -v cmake >/dev/null || skip "cmake not installed"
	[[ -f $B4NS_BUILD/CMakeCache.txt ]] || skip "no build tree at $B4NS_BUILD"
	expect_ok cmake --install "$B4NS_BUILD" --prefix "$p"
	chmod -R a+rX "$p"
	path=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["hook"]["path"])' \
		"$p/share/containers/oci/hooks.d/b4ns.json")
	expect_eq "$path" "$p/bin/b4ns" "installed hook JSON: path"
	expect_eq "$(sed -n 's/^ExecStart=//p' "$p/lib/systemd/user/b4ns.service")" \
		"$p/bin/b4ns daemon" "installed unit: ExecStart"
	# that hook JSON as installed, plus this run's daemon socket (Podman
	# gives hooks no XDG_RUNTIME_DIR)
	mkdir -p "$hd"
	"$PYTHON" -c 'import json,sys
h = json.load(open(sys.argv[1]))
h["hook"]["args"].append("--socket=" + sys.argv[2])
json.dump(h, sys.stdout)' "$p/share/containers/oci/hooks.d/b4ns.json" "$SOCK" \
		>"$hd/b4ns.json"
	chown -R "$TEST_USER:" "$hd"
	m=$(log_mark)
	expect_ok run_user podman_cmd --hooks-dir "$hd" run --rm --network none \
		--annotation b4ns.mode=seccomp "$IMAGE" sh -c "$GET_HELLO"
	only_lo
	expect_out "$HELLO"
	log_wait "$m" "container [0-9a-f]{64}: pid [0-9]+, switching"
	# b4ns doctor: that hook runs this binary; a copy elsewhere is told
	# that Podman would run another one
	"$p/bin/b4ns" doctor >"$WORK/doctor-prefix.out" 2>&1 || true
	grep -qF "[ ok ] Podman hook $p/share/containers/oci/hooks.d/b4ns.json runs this b4ns" \
		"$WORK/doctor-prefix.out" || { cat "$WORK/doctor-prefix.out"; return 1; }
	mkdir -p "$p/sbin"
	cp "$p/bin/b4ns" "$p/sbin/b4ns"
	"$p/sbin/b4ns" doctor >"$WORK/doctor-prefix.out" 2>&1 || true
	grep -qF "runs $p/bin/b4ns, not this b4ns ($p/sbin/b4ns)" \
		"$WORK/doctor-prefix.out" || { cat "$WORK/doctor-prefix.out"; return 1; }
}
run_test "cmake --install --prefix DIR: hook JSON and unit name DIR/bin/b4ns; Podman switched through that hook" t_install_prefix

t_podman_hook_slirp() {
	need_podman
	need_tun
	local id
	# Podman's default rootless network (slirp4netns): connections to the
	# test host are switched all the same (the daemon counts them)
	expect_ok run_user podman_cmd run -d --annotation b4ns.config=web \
		"$IMAGE" sleep 120
	id=$(head -c 64 "$T_OUT")
	expect_ok run_user podman_cmd exec "$id" sh -c 'ip -o link'
	grep -q tap0 "$T_OUT" || {
		echo "FAIL: no slirp4netns tap0 in the container"
		return 1
	}
	expect_ok run_user podman_cmd exec "$id" sh -c \
		'for i in 1 2 3; do wget -q -O - http://10.77.0.1:8080/hello.txt; done'
	expect_out "$HELLO"
	status_json
	expect_eq "$(ctr_field "$id" 'c["mode"]')" seccomp "status: mode"
	expect_eq "$(ctr_field "$id" 'c["switched"] >= 3')" True "status: switched >= 3"
	expect_ok run_user podman_cmd rm -f -t 0 "$id"
}
run_test "podman hook, default network (slirp4netns): connections counted as switched" t_podman_hook_slirp

t_podman_mode_off() {
	need_podman
	local m before
	m=$(log_mark)
	status_json
	before=$(daemon_field 'd["messages_accepted"]')
	expect_rc 1 prun --network none --annotation b4ns.mode=off \
		--annotation b4ns.config=web "$IMAGE" \
		sh -c 'ip -o link; nc 10.77.0.1 8080 </dev/null'
	only_lo
	expect_err "Network is unreachable"
	# the hook left it alone: the daemon never heard of it
	status_json
	expect_eq "$(daemon_field 'd["messages_accepted"]')" "$before" \
		"daemon messages accepted"
}
run_test "podman b4ns.mode=off: hook leaves it alone, not switched" t_podman_mode_off

t_podman_exec() {
	need_podman
	local id n0
	expect_ok run_user podman_cmd run -d --network none \
		--annotation b4ns.config=web "$IMAGE" sleep 120
	id=$(head -c 64 "$T_OUT")
	expect_ok run_user podman_cmd exec "$id" sh -c "$GET_HELLO"
	only_lo
	expect_out "$HELLO"
	status_json
	n0=$(ctr_field "$id" 'c["switched"]')
	expect_eq "$((n0 >= 1))" 1 "status: switched >= 1"
	expect_ok run_user podman_cmd exec "$id" sh -c \
		'wget -q -O - http://10.77.0.1:8080/hello.txt; wget -q -O - http://10.77.0.1:8080/hello.txt'
	status_json
	expect_eq "$(ctr_field "$id" 'c["switched"]')" "$((n0 + 2))" "status: switched"
	expect_ok run_user podman_cmd rm -f -t 0 "$id"
	wait_gone "$id"
}
run_test "podman exec into a hooked container: switched sockets" t_podman_exec

# Issue 6: Podman with b4ns.mode=preload through the hook. No seccomp
# listener: the hook bind-mounts libb4ns.so and the directory of the
# daemon's preload socket (only that one: the listener and the status socket
# must stay out of the container's reach) and sets LD_PRELOAD; its
# createRuntime stage registers the container with the daemon. A dynamic
# client (iperf3) is switched under --network none; the static busybox in
# the same container is not.
t_podman_preload() {
	need_podman
	[[ $HAVE_IPERF == 1 ]] || skip "no dynamic client (iperf3) in the image"
	[[ -e $WORK/bin/libb4ns.so ]] || skip "libb4ns.so not built"
	local m
	m=$(log_mark)
	# shellcheck disable=SC2016 # expanded by the container's shell
	expect_ok prun --network none --annotation b4ns.mode=preload "$IMAGE" \
		sh -c 'ip -o link; grep Seccomp: /proc/self/status; echo "LD=$LD_PRELOAD";
		       echo "run_b4ns=$(ls -A /run/b4ns | tr "\n" " ")";
		       iperf3 -c 10.77.0.1 -p 5201 -t 1 -J >/tmp/ip.json; echo "iperf=$(grep -c bits_per_second /tmp/ip.json)";
		       nc 10.77.0.1 8080 </dev/null; echo "nc=$?"'
	only_lo
	expect_out "LD=/usr/lib/b4ns/libb4ns.so"
	expect_eq "$(sed -n 's/^run_b4ns=//p' "$T_OUT")" "b4ns-preload.sock " \
		"/run/b4ns in the container holds the preload socket only"
	expect_out "nc=1"
	grep -Eq '^iperf=[1-9]' "$T_OUT" || {
		echo "FAIL: iperf3 did not complete through the preload path"
		return 1
	}
	log_wait "$m" "container [0-9a-f]{64}: pid [0-9]+, preload path"
	log_wait "$m" "preload: switch connect pid=[0-9]+ 10\.77\.0\.1:5201"
}
run_test "podman b4ns.mode=preload through the hook: dynamic client switched, static not" t_podman_preload

# ---- 3. churn -------------------------------------------------------------------

# Plain rootless "runc exec" (runc 1.1.5) cannot start a process whose
# seccomp profile has a listenerPath: runc's parent fetches the exec'd
# process's notify fd with pidfd_getfd(), which the kernel refuses (EPERM)
# to a caller without CAP_SYS_PTRACE in the user namespace that process was
# exec'd in (the host's). Nothing of b4ns is involved (a Python listener in
# place of the daemon gets the same). Podman is not affected: it runs runc
# as root of the user's rootless user namespace. The churn test does the
# same with runc: "podman unshare runc ..." (runc as root of that user
# namespace, the container rootless inside it).

# runc_ns ARGS... - runc as root of the test user's rootless user namespace
runc_ns() {
	run_user podman_cmd unshare runc --root "$WORK/runc-ns" "$@"
}

t_runc_exec() {
	local id=oci-runc-exec
	expect_ok bundle $id "$WORK/profile.json" -- sleep 1000
	expect_ok runc_u run -d --bundle "$WORK/bundles/$id" $id
	runc_u exec $id sh -c 'wget -q -O - http://10.77.0.1:8080/hello.txt' \
		>"$WORK/exec.out" 2>&1 || true
	cat "$WORK/exec.out"
	expect_ok runc_u delete -f $id
	if grep -q 'performing SYS_PIDFD_GETFD syscall: operation not permitted' \
		"$WORK/exec.out"; then
		skip "rootless runc $(runc --version | sed -n '1s/runc version //p') cannot exec into a container with a seccomp listenerPath (pidfd_getfd EPERM in runc itself)"
	fi
	grep -qF "$HELLO" "$WORK/exec.out" || {
		echo "FAIL: the exec'd wget did not get the page"
		return 1
	}
}
run_test "runc exec (plain rootless) into a b4ns container: switched" t_runc_exec

t_churn() {
	need_podman
	local id=oci-churn t0 thr0 fd0 rss0 thr1 fd1 rss1 thr2 fd2 rss2 i secs
	thr0=$(dproc Threads)
	fd0=$(dfds)
	rss0=$(dproc VmRSS)
	expect_ok bundle $id "$WORK/profile.json" -- sleep 1000
	expect_ok runc_ns run -d --bundle "$WORK/bundles/$id" $id
	expect_ok runc_ns exec $id wget -q -O /dev/null http://10.77.0.1:8080/hello.txt
	sleep 0.5
	thr1=$(dproc Threads)
	fd1=$(dfds)
	rss1=$(dproc VmRSS)
	echo "daemon before: threads $thr0, fds $fd0, VmRSS $rss0 kB"
	echo "daemon after the first exec: threads $thr1, fds $fd1, VmRSS $rss1 kB"
	t0=$(date +%s%N)
	# shellcheck disable=SC2016 # expanded by the inner shell
	expect_ok run_user podman_cmd unshare sh -c '
		ok=0
		for i in $(seq "$2"); do
			if runc --root "$1" exec oci-churn wget -q -O /dev/null \
				http://10.77.0.1:8080/hello.txt; then
				ok=$((ok + 1))
			else
				echo "exec $i failed" >&2
			fi
		done
		echo "$ok of $2 execs succeeded"
		[ "$ok" = "$2" ]' sh "$WORK/runc-ns" "$CHURN"
	secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	echo "churn: $CHURN runc execs (podman unshare runc exec) in $secs s" | tee "$WORK/churn.txt"
	# exec notify fds hang up when the exec exits: let the loop catch up
	for ((i = 0; i < 30; i++)); do
		[[ $(dfds) -le $fd1 ]] && break
		sleep 0.1
	done
	thr2=$(dproc Threads)
	fd2=$(dfds)
	rss2=$(dproc VmRSS)
	echo "daemon after $CHURN execs: threads $thr2, fds $fd2, VmRSS $rss2 kB"
	echo "daemon before/after first exec/after churn: threads $thr0/$thr1/$thr2, fds $fd0/$fd1/$fd2, VmRSS $rss0/$rss1/$rss2 kB" \
		>>"$WORK/churn.txt"
	status_json
	expect_eq "$(ctr_field $id 'c["processes"]')" 1 "status: processes"
	expect_eq "$(ctr_field $id "c[\"switched\"] >= $CHURN + 1")" True \
		"status: switched >= $((CHURN + 1))"
	expect_eq "$(ctr_field $id 'c["errors"]')" 0 "status: errors"
	expect_eq "$thr2" "$thr1" "daemon threads (after the first exec: the reader thread starts on the first copy)"
	expect_eq "$fd2" "$fd1" "daemon fds other than pidfds (after the first exec)"
	expect_eq "$(($(dpidfds) <= 32))" 1 "daemon pidfds $(dpidfds) <= 32 (the cache's bound)"
	expect_eq "$((rss2 <= rss1 + 1024))" 1 "daemon VmRSS $rss2 kB <= $rss1 + 1024 kB"
	expect_ok runc_ns delete -f $id
	wait_gone $id
	daemon_alive
}
run_test "churn: $CHURN runc execs succeed; daemon threads, fds, RSS back" t_churn

# ---- 4. bad input ----------------------------------------------------------------

# bad CASE REGEX - run badclient.py CASE; the daemon logs REGEX (%PID%: the
# client's pid)
bad() {
	local m pid re
	m=$(log_mark)
	expect_ok run_user "$PYTHON" "$WORK/bin/badclient.py" "$1" "$SOCK"
	pid=$(sed -n 's/^pid \([0-9]*\)$/\1/p' "$T_OUT")
	re=${2//%PID%/$pid}
	log_wait "$m" "$re"
	daemon_alive
}

t_bad_input() {
	local fd0 fd1 rej0 rej1 m id=oci-after-bad slowpid
	status_json
	rej0=$(daemon_field 'd["messages_rejected"]')
	fd0=$(dfds)
	m=$(log_mark)
	# a connection that never sends: dropped after 5 s (runs meanwhile)
	run_user "$PYTHON" "$WORK/bin/badclient.py" slow "$SOCK" \
		>"$WORK/slow.out" 2>&1 &
	slowpid=$!
	bad garbage "warn: listener message from pid %PID% dropped: "
	bad truncated "warn: listener message from pid %PID% dropped: "
	bad nofd "warn: container bad-nofd: message lists 1 fds but carries 0; dropped"
	bad twofds "warn: container bad-twofds: message lists 1 fds but carries 2; dropped"
	bad notnotify 'warn: container bad-notnotify: fd "seccompFd" is not a seccomp listener; dropped'
	bad huge "warn: listener message from pid %PID% larger than [0-9]+ bytes; dropped"
	log_wait "$m" "warn: listener connection from pid [0-9]+ sent no complete message within [0-9]+ s; dropped" 10
	wait "$slowpid" || true
	cat "$WORK/slow.out"
	daemon_alive
	sleep 0.2
	status_json
	rej1=$(daemon_field 'd["messages_rejected"]')
	expect_eq "$((rej1 - rej0))" 7 "daemon: messages rejected"
	fd1=$(dfds)
	expect_eq "$fd1" "$fd0" "daemon fds (no descriptor of a bad message kept)"
	expect_eq "$(ctr_field bad-nofd 1)" None "bad-nofd not listed"
	# the next real container is switched
	expect_ok bundle $id "$WORK/profile.json" -- sh -c "$GET_HELLO"
	expect_ok runc_u run --bundle "$WORK/bundles/$id" $id
	only_lo
	expect_out "$HELLO"
}
run_test "bad listener input logged and dropped; next container switched" t_bad_input

# A process inside a served container must not register a container with
# the daemon (it could claim a config section that allows host loopback
# for its own network namespace): the listener refuses peers in a served
# container's network namespace. (Preload-mode containers do not even see
# the listener: the hook mounts only the preload socket's directory, see
# podman-hook.sh.)
t_forge_from_container() {
	local id=oci-forge pid m
	expect_ok bundle $id "$WORK/profile.json" -- sleep 1000
	expect_ok runc_u run -d --bundle "$WORK/bundles/$id" $id
	expect_ok runc_u state $id
	pid=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["pid"])' <"$T_OUT")
	m=$(log_mark)
	# the sender in the container's network namespace, as the test user
	expect_ok timeout 20 nsenter "--net=/proc/$pid/ns/net" -- setpriv \
		"--reuid=$TEST_USER" "--regid=$TEST_USER" --init-groups -- \
		"$PYTHON" "$WORK/bin/badclient.py" forge "$SOCK" web
	log_wait "$m" "warn: connection from pid [0-9]+ refused: it is in the network namespace of a served container"
	expect_ok run_user "$B4NS" status --json --socket="$SOCK"
	cp "$T_OUT" "$WORK/status.json"
	expect_eq "$(ctr_field bad-forge 1)" None "bad-forge not registered"
	# the same message from outside any container is taken (the hook's way)
	m=$(log_mark)
	expect_ok run_user "$PYTHON" "$WORK/bin/badclient.py" forge "$SOCK" web
	log_wait "$m" "container bad-forge: pid [0-9]+, preload path, 1 published ports"
	daemon_alive
	expect_ok runc_u delete -f $id
}
run_test "a process in a served container's network namespace cannot register a container" t_forge_from_container

# ---- 5. status, doctor -------------------------------------------------------

t_status() {
	local id=oci-status id2=oci-status-off pid n=5 i
	# the containers connect, then stay
	expect_ok bundle $id "$WORK/profile.json" b4ns.publish=18080:80 -- sh -c \
		"for i in \$(seq $n); do wget -q -O /dev/null http://10.77.0.1:8080/hello.txt || exit 1; done; exec sleep 1000"
	expect_ok runc_u run -d --bundle "$WORK/bundles/$id" $id
	expect_ok bundle $id2 "$WORK/profile.json" b4ns.mode=off -- sh -c \
		'nc 10.77.0.1 8080 </dev/null; exec sleep 1000'
	expect_ok runc_u run -d --bundle "$WORK/bundles/$id2" $id2
	for ((i = 0; i < 50; i++)); do
		status_json
		[[ $(ctr_field $id "c['switched'] >= $n") == True ]] && break
		sleep 0.1
	done
	expect_ok runc_u state $id
	pid=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["pid"])' <"$T_OUT")
	expect_ok run_user "$B4NS" status --json --socket="$SOCK"
	cp "$T_OUT" "$WORK/status.json"
	expect_eq "$(ctr_field $id 'c["pid"]')" "$pid" "$id: pid"
	expect_eq "$(ctr_field $id 'c["mode"]')" seccomp "$id: mode"
	expect_eq "$(ctr_field $id 'c["processes"]')" 1 "$id: processes"
	expect_eq "$(ctr_field $id 'c["published"]')" "['18080:80/tcp']" "$id: published"
	expect_eq "$(ctr_field $id "c[\"switched\"] >= $n")" True "$id: switched >= $n"
	expect_eq "$(ctr_field $id 'c["notifications"] >= c["switched"]')" True \
		"$id: notifications >= switched"
	expect_eq "$(ctr_field $id 'c["errors"]')" 0 "$id: errors"
	expect_eq "$(ctr_field $id2 'c["mode"]')" off "$id2: mode"
	expect_eq "$(ctr_field $id2 'c["switched"]')" 0 "$id2: switched"
	expect_eq "$(ctr_field $id2 'c["notifications"] >= 1')" True "$id2: notifications >= 1"
	expect_eq "$(daemon_field 'd["pid"]')" "$DPID" "daemon pid"
	# the table names both
	expect_ok run_user "$B4NS" status --socket="$SOCK"
	expect_out "$id"
	expect_out "$id2"
	expect_ok runc_u delete -f $id
	expect_ok runc_u delete -f $id2
	wait_gone $id
	wait_gone $id2
}
run_test "b4ns status --json: containers, pid, mode, counts" t_status

t_doctor() {
	expect_ok run_user "$B4NS" doctor --socket="$SOCK"
	expect_rc 1 run_user "$B4NS" doctor --socket=/nonexistent/b4ns.sock
	expect_out "no daemon at /nonexistent/b4ns.sock"
	expect_out "fix: start it with \`b4ns daemon\`"
}
run_test "b4ns doctor: passes with the daemon; missing socket reported with its fix" t_doctor

# "b4ns status": the config file in use and where "b4ns run" containers are;
# --json with no daemon answering is still JSON, with an error, exit 1
t_status_config() {
	expect_ok run_user "$B4NS" status --socket="$SOCK"
	expect_out "config: $WORK/bin/b4ns-oci.conf"
	expect_out "containers of 'b4ns run' are listed only if run with --daemon"
	expect_rc 1 run_user "$B4NS" status --json --socket="$WORK/run/none/b4ns.sock"
	"$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "no daemon answers at" in d["error"], d' \
		"$T_OUT" || { echo "FAIL: not JSON with an error field:"; cat "$T_OUT"; return 1; }
}
run_test "b4ns status: config file shown, 'b4ns run' containers explained; --json without a daemon is JSON {error}" t_status_config

# The daemon without --config reads $XDG_CONFIG_HOME/b4ns/b4ns.conf (the
# README's "--annotation b4ns.config=web" then works with the systemd unit,
# which passes none); a broken one stops it naming the file and line
t_daemon_default_config() {
	local x=$WORK/xdg-daemon s=$WORK/run/d2/b4ns.sock
	mkdir -p "$x/b4ns"
	printf 'log_level = "info";\nbogus = 1;\n' >"$x/b4ns/b4ns.conf"
	chmod -R a+rX "$x"
	expect_rc 2 run_user env "XDG_CONFIG_HOME=$x" "$B4NS" daemon --socket="$s"
	expect_err "$x/b4ns/b4ns.conf:2: bogus"
	cp "$WORK/bin/b4ns-oci.conf" "$x/b4ns/b4ns.conf"
	chmod 644 "$x/b4ns/b4ns.conf"
	start_bg_user daemon2 env "XDG_CONFIG_HOME=$x" "$B4NS" daemon --socket="$s"
	wait_log daemon2 "listening on $s" ||
		{ echo "FAIL: the second daemon did not start"; cat "$WORK/daemon2.log"; stop_bg daemon2; return 1; }
	grep -qF "config $x/b4ns/b4ns.conf" "$WORK/daemon2.log" ||
		{ echo "FAIL: the daemon does not name its config file"; stop_bg daemon2; return 1; }
	expect_ok run_user "$B4NS" status --json --socket="$s"
	cp "$T_OUT" "$WORK/status.json"
	expect_eq "$(daemon_field 'd["config"]')" "$x/b4ns/b4ns.conf" "status: daemon.config"
	stop_bg daemon2
	# b4ns doctor names the file in use
	expect_ok run_user env "XDG_CONFIG_HOME=$x" "$B4NS" doctor --socket="$SOCK"
	expect_out "config file in use: $x/b4ns/b4ns.conf"
}
run_test "b4ns daemon without --config reads \$XDG_CONFIG_HOME/b4ns/b4ns.conf; status and doctor name it" t_daemon_default_config

# A container whose settings are refused: one log line, its id once
t_log_id_once() {
	local id=oci-bad-section m line
	m=$(log_mark)
	expect_ok bundle $id "$WORK/profile.json" b4ns.config=no-such-section -- true
	expect_ok runc_u run --bundle "$WORK/bundles/$id" $id
	line=$(log_wait "$m" "no section 'no-such-section'") || { echo "$line"; return 1; }
	echo "log: $line"
	expect_eq "$(grep -o "$id" <<<"$line" | wc -l)" 1 "times the id is in the line"
	runc_u delete -f $id >/dev/null 2>&1 || true
}
run_test "daemon log: a refused container's line names its id once" t_log_id_once


# ---- issue 12: container to container, egress rules, reload ---------------------

# A Podman container connects to another's container address and port (the
# other published it, so its listener lives on the host): the daemon's
# registry switches the connect to that host listener. Without b4ns nothing
# listens there; from another network the address is not B's.
t_podman_peers_tcp() {
	need_podman
	need_tun
	local m id
	expect_ok peer_networks
	m=$(log_mark)
	expect_ok run_user podman_cmd run -d --network b4peers --ip 10.89.77.3 \
		--annotation b4ns.publish=18091:80 --annotation b4ns.network=pn "$IMAGE" \
		b4ns-probe serve-peer 0.0.0.0 80 --count 5 --timeout 60000
	id=$(head -c 64 "$T_OUT")
	log_wait "$m" "container $id: pid [0-9]+, switching, 1 published ports"
	registry_has '^pn 10\.89\.77\.3:80/tcp$'
	expect_ok run_user "$B4NS" status --socket="$SOCK"
	expect_out "registry: embedded, 1 local, 0 remote entries"
	grep -qE '^pn +10\.89\.77\.3:80 +tcp +(\[::\]|0\.0\.0\.0):18091 +- +local' "$T_OUT" ||
		{ echo "FAIL: b4ns status shows no registry line for B"; return 1; }
	# switched to B's host listener; getpeername() shows B's address
	expect_ok prun --network b4peers --annotation b4ns.mode=seccomp \
		--annotation b4ns.network=pn "$IMAGE" \
		b4ns-probe connect 10.89.77.3 80 --check-peer --recv
	# B's accept() shows A's container address (Podman gave it one of
	# b4peers), not the host's 127.0.0.1: their network is named
	grep -Eq '^recv: peer 10\.89\.77\.[0-9]+:[0-9]+$' "$T_OUT" ||
		{ echo "FAIL: B did not see A's container address"; return 1; }
	log_wait "$m" "switch connect pid=[0-9]+ fd=[0-9]+ 10\.89\.77\.3:80 -> 127\.0\.0\.1:18091: container service on this node"
	# the registry is what works: unswitched, B's address has no listener
	expect_ok prun --network b4peers --annotation b4ns.mode=off "$IMAGE" \
		b4ns-probe connect 10.89.77.3 80 --expect ECONNREFUSED
	# from another network the address is not B's: the normal policy
	# (a routable destination, not B's host listener)
	m=$(log_mark)
	expect_ok prun --network b4other --annotation b4ns.mode=seccomp \
		--annotation b4ns.network=pn "$IMAGE" \
		b4ns-probe connect 10.89.77.3 80 --nonblock --wait 1000 --expect any
	log_wait "$m" "switch connect pid=[0-9]+ fd=[0-9]+ 10\.89\.77\.3:80 -> 10\.89\.77\.3:80: routable destination"
	expect_ok run_user podman_cmd rm -f -t 0 "$id"
	wait_gone "$id"
	status_json
	expect_eq "$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["registry"]["entries"]))' "$WORK/status.json")" \
		0 "registry empty once B is gone"
}
run_test "podman A -> podman B's container address:port (TCP): switched to B's host listener" t_podman_peers_tcp

t_podman_peers_udp() {
	need_podman
	need_tun
	local m id
	expect_ok peer_networks
	m=$(log_mark)
	expect_ok run_user podman_cmd run -d --network b4peers --ip 10.89.77.4 \
		--annotation b4ns.config=udp "$IMAGE" b4ns-probe udp-echo 0.0.0.0 5353
	id=$(head -c 64 "$T_OUT")
	log_wait "$m" "container $id: pid [0-9]+, switching, 1 published ports"
	registry_has '10\.89\.77\.4:5353/udp$'
	# connected UDP: switched, echoed by B through its host socket
	expect_ok prun --network b4peers --annotation b4ns.config=udp "$IMAGE" \
		b4ns-probe udp 10.89.77.4 5353
	log_wait "$m" "switch connect pid=[0-9]+ fd=[0-9]+ 10\.89\.77\.4:5353 -> 127\.0\.0\.1:18092: container service on this node"
	# unconnected sendto: switched too (the reply's source is B's host
	# address, so only the delivery is checked)
	m=$(log_mark)
	expect_ok prun --network b4peers --annotation b4ns.config=udp "$IMAGE" \
		b4ns-probe udp-sendto 10.89.77.4 5353 --no-reply
	log_wait "$m" "10\.89\.77\.4:5353.*container service"
	expect_ok run_user podman_cmd rm -f -t 0 "$id"
	wait_gone "$id"
}
run_test "podman A -> podman B's container address:port (UDP, connected and sendto)" t_podman_peers_udp

# A "b4ns run" container served by the same daemon, given an address of
# B's Podman network, reaches B's service by its container address
t_run_to_podman() {
	need_podman
	need_tun
	local m id
	expect_ok peer_networks
	m=$(log_mark)
	expect_ok run_user podman_cmd run -d --network b4peers --ip 10.89.77.6 \
		--annotation b4ns.publish=18093:80 "$IMAGE" \
		b4ns-probe serve-peer 0.0.0.0 80 --count 5 --timeout 60000
	id=$(head -c 64 "$T_OUT")
	log_wait "$m" "container $id: pid [0-9]+, switching, 1 published ports"
	registry_has '^@10\.89\.77\.0/24 10\.89\.77\.6:80/tcp$'
	expect_ok run_user "$B4NS" run --net=none --daemon="$SOCK" \
		--ip=10.89.77.60/24 -- "$PROBE" connect 10.89.77.6 80 --check-peer --recv
	# no named network: B's accept() is not trapped, it shows the host
	expect_out "recv: peer 127.0.0.1:"
	log_wait "$m" "switch connect pid=[0-9]+ fd=[0-9]+ 10\.89\.77\.6:80 -> 127\.0\.0\.1:18093: container service on this node"
	# the same run without the daemon: B's address is nobody in its namespace
	expect_rc 1 run_user "$B4NS" run --net=none --ip=10.89.77.60/24 -- \
		"$PROBE" connect 10.89.77.6 80 --nonblock --wait 4000
	expect_ok run_user podman_cmd rm -f -t 0 "$id"
	wait_gone "$id"
}
run_test "b4ns run --daemon container -> podman B's container address:port" t_run_to_podman

t_egress_rules() {
	need_podman
	local m
	m=$(log_mark)
	# the section's deny rule: refused, logged with the rule
	expect_rc 1 prun --network none --annotation b4ns.config=egress "$IMAGE" \
		wget -q -O - http://10.77.0.1:8080/hello.txt
	expect_err "refused"
	log_wait "$m" "egress: TCP to 10\.77\.0\.1:8080 denied by rule '10\.77\.0\.1/32:8080/tcp'"
	# another port of the same host is not denied
	expect_ok prun --network none --annotation b4ns.config=egress "$IMAGE" \
		b4ns-probe connect 10.77.0.1 5201 --expect any
	# an allow list by annotation: what it does not list is refused
	m=$(log_mark)
	expect_ok prun --network none --annotation b4ns.mode=seccomp \
		--annotation b4ns.egress.allow=10.77.0.3/32 "$IMAGE" \
		b4ns-probe connect 10.77.0.1 8080 --expect ECONNREFUSED
	log_wait "$m" "egress: TCP to 10\.77\.0\.1:8080 denied by rule 'no allow rule matches'"
	expect_ok prun --network none --annotation b4ns.mode=seccomp \
		--annotation b4ns.egress.allow=10.77.0.0/24:8080/tcp "$IMAGE" \
		wget -q -O - http://10.77.0.1:8080/hello.txt
	expect_out "$HELLO"
	# UDP: a denied sendto is EPERM
	m=$(log_mark)
	expect_ok prun --network none --annotation b4ns.config=udp \
		--annotation b4ns.egress.deny=10.77.0.0/24/udp "$IMAGE" \
		b4ns-probe udp-sendto 10.77.0.1 5353 --expect EPERM
	log_wait "$m" "egress: UDP to 10\.77\.0\.1:5353 denied by rule '10\.77\.0\.0/24/udp'"
}
run_test "egress rules: a section's deny and an annotation's allow list, refused with the rule logged" t_egress_rules

t_reload_running() {
	need_podman
	local m id conf=$WORK/bin/b4ns-oci.conf
	expect_ok run_user podman_cmd run -d --network none \
		--annotation b4ns.config=reload "$IMAGE" sleep 120
	id=$(head -c 64 "$T_OUT")
	expect_ok run_user podman_cmd exec "$id" wget -q -O - http://10.77.0.1:8080/hello.txt
	expect_out "$HELLO"
	cp "$conf" "$WORK/conf.saved"
	sed -i 's|reload = { mode = "seccomp"; };|reload = { mode = "seccomp"; egress_deny = [ "10.77.0.0/24" ]; };|' "$conf"
	grep -q 'egress_deny = \[ "10.77.0.0/24" \]' "$conf" || { echo "FAIL: config not edited"; return 1; }
	m=$(log_mark)
	kill -HUP "$DPID"
	log_wait "$m" "container $id: reloaded settings applied"
	expect_rc 1 run_user podman_cmd exec "$id" wget -q -O - http://10.77.0.1:8080/hello.txt
	log_wait "$m" "egress: TCP to 10\.77\.0\.1:8080 denied by rule '10\.77\.0\.0/24'"
	cp "$WORK/conf.saved" "$conf"
	m=$(log_mark)
	kill -HUP "$DPID"
	log_wait "$m" "container $id: reloaded settings applied"
	expect_ok run_user podman_cmd exec "$id" wget -q -O - http://10.77.0.1:8080/hello.txt
	expect_ok run_user podman_cmd rm -f -t 0 "$id"
	wait_gone "$id"
}
run_test "SIGHUP: a reloaded egress rule applies to a running container's next connect" t_reload_running

# ---- issue 12 attacks: whose network, whose address ----------------------------

# Two default-network (slirp4netns) Podman containers are not on one
# network: each has its own private 10.0.2.0/24 and the same address
# 10.0.2.100. Y publishes port 80 on the host's loopback only; X, which
# publishes nothing, connects to its *own* address 10.0.2.100:80. Natively
# that never leaves X (ECONNREFUSED: nothing listens in X); it must not be
# switched to Y's listener on the host's loopback.
t_attack_peers_own_address() {
	need_podman
	need_tun
	local m id
	m=$(log_mark)
	expect_ok run_user podman_cmd run -d \
		--annotation b4ns.publish=127.0.0.1:18097:80 "$IMAGE" \
		b4ns-probe serve-peer 0.0.0.0 80 --count 1 --timeout 30000
	id=$(head -c 64 "$T_OUT")
	log_wait "$m" "container $id: pid [0-9]+, switching, 1 published ports"
	registry_has '^@10\.0\.2\.0/24 10\.0\.2\.100:80/tcp$'
	local rc=0
	prun --annotation b4ns.mode=seccomp "$IMAGE" \
		b4ns-probe connect 10.0.2.100 80 --expect ECONNREFUSED --recv || rc=1
	expect_ok run_user podman_cmd logs "$id"
	if grep -q 'serve-peer: #1 from' "$T_OUT"; then
		echo "FAIL: X's connect to its own address reached Y's host-loopback listener:"
		sed 's/^/    /' "$T_OUT"
		rc=1
	fi
	run_user podman_cmd rm -f -t 0 "$id" >/dev/null
	wait_gone "$id"
	return $rc
}
run_test "attack: a connect to the container's own address is never switched to another container's listener" t_attack_peers_own_address

# A container of network "app" that may add addresses in its own namespace
# (root there with NET_ADMIN) registers its published port under an address
# it was never given: the test host's 10.77.0.1:8080. Another container of
# "app" that fetches http://10.77.0.1:8080/ must reach the test host's
# server, not the attacker's listener.
t_attack_peers_foreign_address() {
	need_podman
	local m id rc=0
	m=$(log_mark)
	expect_ok run_user podman_cmd run -d --network none --cap-add NET_ADMIN \
		--annotation b4ns.mode=seccomp --annotation b4ns.network=app \
		--annotation b4ns.publish=18098:8080 "$IMAGE" sh -c \
		'ip addr add 10.77.0.1/32 dev lo && exec b4ns-probe serve-peer 0.0.0.0 8080 --count 1 --timeout 30000'
	id=$(head -c 64 "$T_OUT")
	log_wait "$m" "container $id: pid [0-9]+, switching, 1 published ports"
	sleep 1
	status_json
	if "$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1]))["registry"]["entries"]; sys.exit(0 if any(e["address"].startswith("10.77.0.1:") for e in r) else 1)' "$WORK/status.json"; then
		echo "FAIL: the registry holds 10.77.0.1, an address the attacker was never given"
		rc=1
	fi
	expect_ok prun --network none --annotation b4ns.mode=seccomp \
		--annotation b4ns.network=app "$IMAGE" \
		wget -q -O - http://10.77.0.1:8080/hello.txt || rc=1
	grep -qF "$HELLO" "$T_OUT" || {
		echo "FAIL: the fetch did not reach the test host's server:"
		sed 's/^/    /' "$T_OUT"
		rc=1
	}
	run_user podman_cmd rm -f -t 0 "$id" >/dev/null
	wait_gone "$id"
	return $rc
}
run_test "attack: a container cannot register its service under an address it was not given (hijack)" t_attack_peers_foreign_address

# ---- measurement (not asserted) -------------------------------------------------

# iperf_bps OUT - received bits/s of an "iperf3 -J" output file
iperf_bps() {
	"$PYTHON" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$1"
}

t_bench() {
	[[ $BENCH == 1 ]] || skip "--no-bench"
	need_podman
	need_tun
	[[ $HAVE_IPERF == 1 ]] || skip "iperf3 is not installed"
	local mode i bps med m
	: >"$WORK/bench.txt"
	for mode in slirp4netns b4ns; do
		local vals=()
		for i in 1 2 3; do
			if [[ $mode == b4ns ]]; then
				m=$(log_mark)
				expect_ok prun --annotation b4ns.mode=seccomp "$IMAGE" \
					iperf3 -c 10.77.0.1 -p 5201 -t 3 -J
				# the measured connection was a switched one
				log_wait "$m" "switch connect pid=[0-9]+ fd=[0-9]+ 10\.77\.0\.1:5201" >/dev/null
			else
				expect_ok prun "$IMAGE" iperf3 -c 10.77.0.1 -p 5201 -t 3 -J
			fi
			bps=$(iperf_bps "$T_OUT")
			vals+=("$bps")
		done
		med=$(printf '%s\n' "${vals[@]}" | sort -n | sed -n 2p)
		printf 'podman iperf3 (3 s, to 10.77.0.1) %-11s: %s Gbit/s, median of %s\n' \
			"$mode" "$(awk -v v="$med" 'BEGIN { printf "%.2f", v / 1e9 }')" \
			"$(printf '%s ' "${vals[@]}" | sed 's/ $//')" | tee -a "$WORK/bench.txt"
	done
}
run_test "measure: podman iperf3, slirp4netns vs b4ns (not asserted)" t_bench

# (last: it stops this run's pause process first)
# "b4ns doctor" runs "podman info", which starts a rootless pause process
# (catatonit -P) when there is none: doctor stops the one it caused
t_doctor_no_pause_left() {
	need_podman
	local pid before after p
	if [[ -e $WORK/run/libpod/tmp/pause.pid ]]; then
		pid=$(cat "$WORK/run/libpod/tmp/pause.pid")
		[[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null
		sleep 0.2
	fi
	before=$(pgrep -u "$TEST_USER" -f '(^|/)catatonit -P$|^podman pause$' | sort || true)
	expect_ok run_user "$B4NS" doctor --socket="$SOCK"
	expect_out "podman 4"
	after=$(pgrep -u "$TEST_USER" -f '(^|/)catatonit -P$|^podman pause$' | sort || true)
	for p in $after; do
		grep -qx "$p" <<<"$before" || {
			echo "FAIL: doctor left pause process $p: $(tr '\0' ' ' </proc/"$p"/cmdline)"
			return 1
		}
	done
	echo "pause processes before: ${before:-none}; after: ${after:-none}"
}
run_test "b4ns doctor leaves no pause process of 'podman info' behind" t_doctor_no_pause_left

[[ -s $WORK/churn.txt ]] && sed 's/^/# /' "$WORK/churn.txt"

[[ -s $WORK/bench.txt ]] && sed 's/^/# /' "$WORK/bench.txt"

report_summary
