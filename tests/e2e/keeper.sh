#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# keeper.sh - end-to-end tests of issue #14's keeper: "b4ns daemon" SIGKILLed
# or replaced while rootless Podman containers run, the keeper itself
# killed, and "b4ns run"'s supervisor killed.
#
# Usage (as root):
#   sudo tests/e2e/keeper.sh [--build DIR] [--keep] [--chmod-tun] [-k REGEX] [-v]
#
# The fixtures are oci.sh's (tests/e2e/oci/setup.sh: the test host
# namespaces b4kp-th 10.77.0.1 and b4kp-peer 10.77.0.2, busybox httpd on
# 10.77.0.1:8080, rootless Podman with --runtime runc as the unprivileged
# test user, the image with b4ns-probe); the daemon is restarted here with
# its log appended to WORK/daemon.log (its keeper writes there too), and
# WORK/daemon.pid names the daemon running now. Containers run with
# --network none (only lo): a connect that reaches 10.77.0.1 was switched.
# The published port is the "web" section's 18081 (busybox httpd in a
# container); a count-server on the test host's 127.0.0.1:9999 counts what
# reaches the host's loopback (must stay 0).
#
# Output: TAP-like lines and "N passed, M failed[, K skipped]"; the gap
# lengths measured are printed as "# " lines (never asserted as speed, only
# the issue's 1 s bound).

set -euo pipefail

export B4NS_TH_NS=${B4NS_TH_NS:-b4kp-th}
export B4NS_PEER_NS=${B4NS_PEER_NS:-b4kp-peer}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

# shellcheck disable=SC2034 # read by oci/setup.sh
CHURN=1
e2e_parse_args "$@"
e2e_need_root
e2e_need_tools nsenter setpriv runc curl timeout busybox
e2e_need_python
BUSYBOX=$(command -v busybox)
HAVE_PODMAN=0
command -v podman >/dev/null && HAVE_PODMAN=1
HAVE_IPERF=0

e2e_setup keeper --b4ns=copy --content --testhost --tun --probe
cd "$WORK"
SOCK=$WORK/run/b4ns/b4ns.sock
IMAGE=localhost/b4ns-oci:latest
# shellcheck source-path=SCRIPTDIR source=oci/setup.sh
source "$HERE/oci/setup.sh"

# ---- the daemon, restartable ---------------------------------------------------

# dpid - the daemon running now
dpid() {
	cat "$WORK/daemon.pid"
}

# start_daemon [OPTION...] - a daemon as the test user, log appended to
# WORK/daemon.log, pid in WORK/daemon.pid
start_daemon() {
	"${RUN_USER[@]}" "$B4NS" daemon -v --config="$WORK/bin/b4ns-oci.conf" "$@" \
		>>"$WORK/daemon.log" 2>&1 </dev/null &
	BG_PIDS[daemon]=$!
	disown # killed on purpose: no job report
	echo $! >"$WORK/daemon.pid"
}

# keeper_cleanup - the daemon (SIGTERM: its keeper quits too), then any keeper
keeper_cleanup() {
	local p
	if [[ -s $WORK/daemon.pid ]]; then
		kill -TERM "$(dpid)" 2>/dev/null
		sleep 0.3
		kill -KILL "$(dpid)" 2>/dev/null
	fi
	p=$(keeper_pid)
	[[ -n $p ]] && kill -KILL "$p" 2>/dev/null
	return 0
}
E2E_CLEANUP=(keeper_cleanup "${E2E_CLEANUP[@]}")

stop_bg daemon
: >"$WORK/daemon.log"
start_daemon
wait_log daemon "listening on $SOCK" || die "the daemon did not start"

start_bg hostlo "$PROBE" count-server 127.0.0.1 9999 "$WORK/hostlo.count"
wait_log hostlo listening || die "count-server did not start"

# ms - wall clock in milliseconds
ms() {
	date +%s%3N
}

# kv FILE KEY - the value of a "KEY=VALUE" line of FILE
kv() {
	sed -n "s/^$2=//p" "$1" | head -1
}

# storm NAME SECONDS - a Podman container (--network none) whose two threads
# connect to 10.77.0.1:8080 for SECONDS
storm() {
	run_user podman_cmd run -d --name "$1" --network none \
		--annotation b4ns.mode=seccomp "$IMAGE" \
		b4ns-probe storm 10.77.0.1 8080 "$(($2 * 1000))" 2 >/dev/null
}

# storm_result NAME - its output to WORK/NAME.out once it ended
storm_result() {
	run_user timeout 30 podman_cmd wait "$1" >/dev/null
	run_user podman_cmd logs "$1" >"$WORK/$1.out" 2>&1
	run_user podman_cmd rm -f -t 0 "$1" >/dev/null 2>&1 || true
	sed 's/^/    /' "$WORK/$1.out"
}

# storm_errors_ok NAME ERRNO... - the storm's failures are only these
storm_errors_ok() {
	local f=$WORK/$1.out bad
	shift
	grep -q '^storm: ok: [1-9]' "$f" || { echo "FAIL: $f: no connect succeeded"; return 1; }
	bad=$(grep '^storm: ' "$f" | grep -v '^storm: ok:' |
		grep -vE "^storm: ($(IFS='|'; echo "$*")):" || true)
	if [[ -n $bad ]]; then
		echo "FAIL: unexpected outcomes in $1: $bad"
		return 1
	fi
}

# web_server - the "web" container: httpd published on the test host's 18081
web_server() {
	local m id
	m=$(log_mark)
	run_user podman_cmd run -d --name web --network none \
		--annotation b4ns.config=web "$IMAGE" httpd -f -p 80 -h /www >/dev/null
	id=$(run_user podman_cmd inspect -f '{{.Id}}' web)
	log_wait "$m" "container $id: pid [0-9]+, switching, 1 published ports"
	curl_th http://10.77.0.1:18081/index.html >/dev/null
}

# web_loop - the test host fetches from the published port every 50 ms
# (one line per fetch in WORK/webloop.log: the HTTP code, or "fail")
web_loop() {
	bg_th webloop bash -c 'while :; do
		curl -s --max-time 2 -o /dev/null -w "%{http_code}\n" \
			http://10.77.0.1:18081/index.html || echo fail
		sleep 0.05
	done'
}

# web_loop_ok - every fetch so far was served
web_loop_ok() {
	local n bad
	n=$(wc -l <"$WORK/webloop.log")
	bad=$(grep -vc '^200$' "$WORK/webloop.log" || true)
	echo "published port: $n fetches, $bad not served"
	((n > 10)) || { echo "FAIL: too few fetches"; return 1; }
	((bad == 0)) || { echo "FAIL: the published port stopped serving"; return 1; }
}

t_worker_killed() {
	need_podman
	own_cleanup
	local tkill tstart tlast gap lo m
	web_server
	web_loop
	storm st1 6
	storm st2 6
	# the sockaddr race while the worker is down
	# shellcheck disable=SC2016 # expanded by the container's sh
	run_user podman_cmd run -d --name race --network none \
		--annotation b4ns.mode=seccomp "$IMAGE" sh -c \
		'end=$(($(date +%s) + 5)); while [ "$(date +%s)" -lt $end ]; do
			b4ns-probe race 10.77.0.1 8080 9999 200; done' >/dev/null
	sleep 1.5
	m=$(log_mark)
	tkill=$(ms)
	kill -KILL "$(dpid)"
	sleep 0.5
	tstart=$(ms)
	start_daemon
	log_wait "$m" "resumed from the keeper: [0-9]+ notify fd"
	# the new daemon knows the web container's host listener
	log_wait "$m" "container [0-9a-f]+: 1 published port\(s\) bound"
	storm_result st1
	storm_result st2
	storm_result race
	for s in st1 st2; do
		storm_errors_ok $s ok ECONNREFUSED EINTR
		# the keeper's fail-safe answer during the gap
		grep -q '^storm: ECONNREFUSED: [1-9]' "$WORK/$s.out" ||
			{ echo "FAIL: $s: no fail-safe answer (ECONNREFUSED) in the gap"; return 1; }
		tlast=$(kv "$WORK/$s.out" storm-last-fail)
		(( $(kv "$WORK/$s.out" storm-first-fail) >= tkill )) ||
			{ echo "FAIL: $s failed before the kill"; return 1; }
		gap=$((tlast - tstart))
		echo "$s: worker killed -> switching resumed: $((tlast - tkill)) ms," \
			"of which $gap ms after the new daemon started; longest" \
			"time between two switched connects $(kv "$WORK/$s.out" storm-longest-gap-ms) ms"
		echo "keeper gap: $s $((tlast - tkill)) ms (new daemon started after 500 ms; resumed $gap ms after its start)" >>"$WORK/gaps.txt"
		((gap < 1000)) || { echo "FAIL: $s resumed $gap ms after the new daemon started"; return 1; }
		(( $(kv "$WORK/$s.out" storm-max-call-ms) < 2000 )) ||
			{ echo "FAIL: a connect of $s waited 2 s or more"; return 1; }
	done
	if grep -q ENOSYS "$WORK/race.out"; then
		echo "FAIL: ENOSYS in the race"
		return 1
	fi
	lo=$(count_snapshot hostlo)
	expect_eq "$lo" 0 "connections that reached the host's loopback"
	web_loop_ok
	# new connects are switched by the new daemon
	expect_ok run_user podman_cmd exec web wget -q -O - http://10.77.0.1:8080/hello.txt
	expect_out "$HELLO"
	expect_ok run_user podman_cmd rm -f -t 0 web
}
run_test "worker SIGKILLed mid connect storm: no ENOSYS, fail-safe answers in the gap, a new daemon resumes within 1 s, the published port serves throughout, 0 escapes" t_worker_killed

t_replace() {
	need_podman
	own_cleanup
	local m old new
	web_server
	web_loop
	# an established connection, switched by the old daemon, used after
	# the replacement: the test host's nc records what arrives
	bg_th ncsrv "$PYTHON" -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", 7777))
s.listen()
print("listening", flush=True)
c, _ = s.accept()
while True:
    d = c.recv(100)
    if not d:
        break
    open(sys.argv[1], "ab").write(d)' "$WORK/estab.out"
	wait_log ncsrv listening
	run_user podman_cmd run -d --name estab --network none \
		--annotation b4ns.mode=seccomp "$IMAGE" sh -c \
		'(echo before; sleep 3; echo after) | nc 10.77.0.1 7777' >/dev/null
	storm st3 5
	sleep 1.5
	old=$(dpid)
	m=$(log_mark)
	start_daemon --replace
	new=$(dpid)
	log_wait "$m" "resumed from the keeper: [0-9]+ notify fd"
	for ((i = 0; i < 30; i++)); do
		kill -0 "$old" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$old" 2>/dev/null; then
		echo "FAIL: the replaced daemon $old still runs"
		return 1
	fi
	grep -q "a new daemon takes over" "$WORK/daemon.log" ||
		{ echo "FAIL: the old daemon did not say it was replaced"; return 1; }
	storm_result st3
	storm_errors_ok st3 ok ECONNREFUSED EINTR
	run_user timeout 10 podman_cmd wait estab >/dev/null || true
	expect_eq "$(tr '\n' ' ' <"$WORK/estab.out")" "before after " \
		"what the established connection carried"
	web_loop_ok
	# switched by the new daemon (pid $new)
	m=$(log_mark)
	expect_ok run_user podman_cmd exec web wget -q -O - http://10.77.0.1:8080/hello.txt
	expect_out "$HELLO"
	log_wait "$m" "b4ns\[$new\]: .*switch connect pid=[0-9]+ fd=[0-9]+ 10\.77\.0\.1:8080"
	run_user podman_cmd rm -f -t 0 web estab >/dev/null 2>&1 || true
}
run_test "daemon --replace during traffic: established connection and published listener survive, new connects switched by the new daemon" t_replace

t_keeper_killed() {
	need_podman
	own_cleanup
	local kp m t0 t1
	kp=$(keeper_pid)
	[[ -n $kp ]] || { echo "FAIL: no keeper"; return 1; }
	m=$(log_mark)
	kill -KILL "$kp"
	log_wait "$m" "the keeper is gone"
	# the daemon serves on
	expect_ok prun --network none --annotation b4ns.mode=seccomp "$IMAGE" \
		wget -q -O - http://10.77.0.1:8080/hello.txt
	expect_out "$HELLO"
	# now the daemon dies too: fail-closed, ENOSYS at once, nothing waits
	storm st4 4
	sleep 1
	kill -KILL "$(dpid)"
	t0=$(ms)
	storm_result st4
	t1=$(ms)
	storm_errors_ok st4 ok ENOSYS
	grep -q '^storm: ENOSYS: [1-9]' "$WORK/st4.out" ||
		{ echo "FAIL: no ENOSYS after both died"; return 1; }
	(( $(kv "$WORK/st4.out" storm-max-call-ms) < 2000 )) ||
		{ echo "FAIL: a connect waited 2 s or more"; return 1; }
	echo "storm container ended $((t1 - t0)) ms after the kill"
	# a new daemon starts a new keeper
	m=$(log_mark)
	start_daemon
	log_wait "$m" "listening on $SOCK"
	[[ -n $(keeper_pid) ]] || { echo "FAIL: no new keeper"; return 1; }
	expect_ok prun --network none --annotation b4ns.mode=seccomp "$IMAGE" \
		wget -q -O - http://10.77.0.1:8080/hello.txt
}
run_test "keeper SIGKILLed: the daemon serves on; then the daemon killed: ENOSYS at once (fail-closed), nothing hangs; a new daemon starts a new keeper" t_keeper_killed

t_run_supervisor_killed() {
	own_cleanup
	local sup i
	# the container's first process (sleep, after sh's exec) and a
	# process it started
	bg_ctr runk -- sh -c "$PROBE storm 10.77.0.1 8080 4000 1 >$WORK/run/runk.out 2>&1 & exec sleep 600"
	sup=$(bg_pid runk)
	sleep 1
	kill -KILL "$sup"
	for ((i = 0; i < 50; i++)); do
		pgrep -u "$TEST_USER" -fx "sleep 600" >/dev/null || break
		sleep 0.1
	done
	if pgrep -u "$TEST_USER" -fx "sleep 600" >/dev/null; then
		echo "FAIL: the container's first process outlived its supervisor"
		return 1
	fi
	# the process it started outlives it: its trapped calls fail with
	# ENOSYS at once, none waits
	wait_file "$WORK/run/runk.out" 10
	for ((i = 0; i < 100; i++)); do
		grep -q storm-max-call-ms "$WORK/run/runk.out" && break
		sleep 0.1
	done
	sed 's/^/    /' "$WORK/run/runk.out"
	cp "$WORK/run/runk.out" "$WORK/runk.out"
	storm_errors_ok runk ok ENOSYS
	(( $(kv "$WORK/run/runk.out" storm-max-call-ms) < 2000 )) ||
		{ echo "FAIL: a connect waited 2 s or more"; return 1; }
}
run_test "b4ns run: supervisor SIGKILLed: the container's first process is killed with it, what it started gets ENOSYS (fail-closed), nothing hangs" t_run_supervisor_killed

[[ -s $WORK/gaps.txt ]] && sed 's/^/# /' "$WORK/gaps.txt"

report_summary
