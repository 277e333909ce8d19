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
#   --build DIR    build tree holding b4ns (env B4NS_BUILD, default
#                  /work/main/build).
#   --keep         leave the test host namespaces and scratch directory
#                  (Podman's storage in it too).
#   --chmod-tun    make /dev/net/tun usable by the test user (Podman's
#                  default network, slirp4netns, and "b4ns doctor" need it;
#                  mode restored on exit).
#   --churn N      runc execs in the churn test (default 300).
#   --no-bench     skip the (never asserted) Podman iperf3 measurement.
#   -k REGEX       run only the tests whose name matches.
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

set -euo pipefail

export B4NS_TH_NS=${B4NS_TH_NS:-b4oci-th}
export B4NS_PEER_NS=${B4NS_PEER_NS:-b4oci-peer}
PEER_NS=$B4NS_PEER_NS

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"

B4NS_PREFIX=${B4NS_PREFIX:-}
B4NS_BUILD=${B4NS_BUILD:-/work/main/build}
KEEP=0
TH_PREEXISTED=1
CHMOD_TUN=0
TUN_MODE=
CHURN=300
BENCH=1

usage() {
	sed -n '4,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while (($# > 0)); do
	case $1 in
	--prefix) B4NS_PREFIX=${2:?}; shift ;;
	--prefix=*) B4NS_PREFIX=${1#*=} ;;
	--build) B4NS_BUILD=${2:?}; shift ;;
	--build=*) B4NS_BUILD=${1#*=} ;;
	--keep) KEEP=1 ;;
	--chmod-tun) CHMOD_TUN=1 ;;
	--churn) CHURN=${2:?}; shift ;;
	--churn=*) CHURN=${1#*=} ;;
	--no-bench) BENCH=0 ;;
	-k) T_FILTER=${2:?}; shift ;;
	-v) T_VERBOSE=1 ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
	shift
done
[[ $CHURN =~ ^[1-9][0-9]*$ ]] || die "--churn wants a positive number"
# relative to the caller's directory: the tests run from the scratch one
[[ $B4NS_BUILD == /* ]] || B4NS_BUILD=$PWD/$B4NS_BUILD
[[ -z $B4NS_PREFIX || $B4NS_PREFIX == /* ]] || B4NS_PREFIX=$PWD/$B4NS_PREFIX

[[ $(id -u) -eq 0 ]] || die "run as root (sudo $0)"
for tool in nsenter setpriv runc curl timeout busybox; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || die "$PYTHON is not installed"
BUSYBOX=$(command -v busybox)
# busybox must be static: it is the containers' only program
if command -v ldd >/dev/null && ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked; install busybox-static"
fi
HAVE_PODMAN=0
command -v podman >/dev/null && HAVE_PODMAN=1
HAVE_IPERF=0
command -v iperf3 >/dev/null && command -v ldd >/dev/null && HAVE_IPERF=1

# ---- scratch directory, binaries, user -----------------------------------

SCRATCH=$(mktemp -d /tmp/b4ns-oci.XXXXXX)
chmod 755 "$SCRATCH"
common_init "$SCRATCH"
cd "$WORK" # the caller's cwd may be closed to the test user

SOCK=$WORK/run/b4ns/b4ns.sock
IMAGE=localhost/b4ns-oci:latest

cleanup() {
	local rc=$? id pid
	set +e
	if [[ $HAVE_PODMAN == 1 && -e $WORK/bin/podman_cmd ]]; then
		run_user podman_cmd rm -a -f -t 0 >/dev/null 2>&1
	fi
	if [[ -d $WORK/runc-ns && $HAVE_PODMAN == 1 ]]; then
		for id in $(run_user podman_cmd unshare runc --root "$WORK/runc-ns" list -q 2>/dev/null); do
			run_user podman_cmd unshare runc --root "$WORK/runc-ns" delete -f "$id" >/dev/null 2>&1
		done
	fi
	if [[ -d $WORK/runc ]]; then
		for id in $(run_user runc --root "$WORK/runc" list -q 2>/dev/null); do
			run_user runc --root "$WORK/runc" delete -f "$id" >/dev/null 2>&1
		done
	fi
	stop_all_bg
	if [[ $KEEP != 1 && $HAVE_PODMAN == 1 && -e $WORK/bin/podman_cmd ]]; then
		# vfs layers belong to subordinate ids: remove them as the user
		run_user podman_cmd unshare rm -rf "$WORK/storage" "$WORK/runroot" \
			>/dev/null 2>&1
	fi
	if [[ -e $WORK/run/libpod/tmp/pause.pid ]]; then
		# this run's rootless pause process (private XDG_RUNTIME_DIR)
		pid=$(cat "$WORK/run/libpod/tmp/pause.pid")
		[[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null
	fi
	if [[ -n $TUN_MODE ]]; then
		chmod "$TUN_MODE" /dev/net/tun
	fi
	cd /
	if [[ $KEEP == 1 ]]; then
		log "kept: $WORK and the test host (B4NS_TH_NS=$TH_NS B4NS_PEER_NS=$PEER_NS tests/lib/testhost.sh down)"
	else
		if [[ $TH_PREEXISTED == 0 ]]; then
			"$SRC/tests/lib/testhost.sh" down
		fi
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$WORK/bin" "$WORK/www" "$WORK/run" "$WORK/home/.config/containers" \
	"$WORK/runc" "$WORK/runc-ns" "$WORK/bundles" "$WORK/hooks" "$WORK/storage" "$WORK/runroot"
B4NS=$WORK/bin/b4ns
if [[ -n $B4NS_PREFIX ]]; then
	cp "$B4NS_PREFIX/bin/b4ns" "$B4NS"
	# the preload path's library, found beside the binary
	cp "$B4NS_PREFIX"/lib*/libb4ns.so "$WORK/bin/" 2>/dev/null ||
		cp "$B4NS_PREFIX"/lib/*/libb4ns.so "$WORK/bin/" 2>/dev/null || true
else
	[[ -x $B4NS_BUILD/b4ns ]] || die "no $B4NS_BUILD/b4ns; build it or pass --build/--prefix"
	cp "$B4NS_BUILD/b4ns" "$B4NS"
	cp "$B4NS_BUILD/libb4ns.so" "$WORK/bin/" 2>/dev/null || true
fi
cp "$HERE/oci/badclient.py" "$HERE/oci/mkbundle.py" "$HERE/oci/b4ns-oci.conf" \
	"$WORK/bin/"

ensure_test_user
if [[ $HAVE_PODMAN == 1 ]] && { ! grep -q "^$TEST_USER:" /etc/subuid ||
	! grep -q "^$TEST_USER:" /etc/subgid; }; then
	die "$TEST_USER has no /etc/subuid or /etc/subgid range (rootless Podman needs one)"
fi

# Known content, different on every run.
CONTENT=$WORK/www/hello.txt
printf 'b4ns-oci hello %s %s\n' "$(date +%s)" "$RANDOM$RANDOM" >"$CONTENT"
HELLO=$(cat "$CONTENT")

# The container root: busybox-static, a page for its httpd, and iperf3 with
# the libraries it needs (same paths as on the host)
ROOTFS=$WORK/rootfs
mkdir -p "$ROOTFS"/{bin,etc,tmp,proc,sys,dev,www,root}
chmod 1777 "$ROOTFS/tmp"
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
for a in sh echo cat sleep true false nc wget ip httpd seq ls timeout; do
	ln -s busybox "$ROOTFS/bin/$a"
done
printf 'b4ns-oci container page %s\n' "$RANDOM$RANDOM" >"$ROOTFS/www/index.html"
PAGE=$(cat "$ROOTFS/www/index.html")
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOTFS/etc/passwd"
echo "root:x:0:" >"$ROOTFS/etc/group"
if [[ $HAVE_IPERF == 1 ]]; then
	cp "$(command -v iperf3)" "$ROOTFS/bin/iperf3"
	while read -r lib; do
		mkdir -p "$ROOTFS$(dirname "$lib")"
		cp -L "$lib" "$ROOTFS$lib"
	done < <(ldd "$(command -v iperf3)" | grep -o '/[^ ]*')
	run_iperf_ok=$(chroot "$ROOTFS" /bin/iperf3 --version 2>/dev/null | head -1) ||
		true
	[[ -n $run_iperf_ok ]] || HAVE_IPERF=0
fi
chown -R "$TEST_USER:" "$ROOTFS" "$WORK/run" "$WORK/home" "$WORK/runc" "$WORK/runc-ns" \
	"$WORK/bundles" "$WORK/hooks" "$WORK/storage" "$WORK/runroot"
chmod 700 "$WORK/run"
chmod -R a+rX "$WORK/bin" "$WORK/www"

# Every test command as the test user: in the test host, with this run's
# home, XDG_RUNTIME_DIR (daemon socket, Podman's run directory and pause
# process) and containers.conf/storage.conf
RUN_USER=(nsenter "--net=/run/netns/$TH_NS" -- setpriv
	"--reuid=$TEST_USER" "--regid=$TEST_USER" --init-groups --
	env -i "HOME=$WORK/home" "PATH=$USER_PATH" LANG=C.UTF-8
	"XDG_RUNTIME_DIR=$WORK/run" "XDG_CONFIG_HOME=$WORK/home/.config"
	"XDG_DATA_HOME=$WORK/home/.local/share")

# Podman: private storage, runc, cgroupfs, b4ns's hook through hooks_dir
cat >"$WORK/home/.config/containers/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$WORK/storage"
runroot = "$WORK/runroot"
EOF
cat >"$WORK/home/.config/containers/containers.conf" <<EOF
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
hooks_dir = [ "$WORK/hooks" ]
EOF
# The installed hook JSON (stages and match from the build's
# b4ns-hook.json when there is one), running the binary under test and
# naming this run's socket (Podman gives hooks no XDG_RUNTIME_DIR)
HOOK_JSON=
for f in ${B4NS_PREFIX:+"$B4NS_PREFIX/share/containers/oci/hooks.d/b4ns.json"} \
	"$B4NS_BUILD/b4ns-hook.json"; do
	[[ -f $f ]] && { HOOK_JSON=$f; break; }
done
"$PYTHON" - "$HOOK_JSON" "$B4NS" "$SOCK" >"$WORK/hooks/b4ns.json" <<'EOF'
import json, sys
src, b4ns, sock = sys.argv[1:]
h = json.load(open(src)) if src else {
    "version": "1.0.0",
    "when": {"annotations": {"^b4ns\\.": ".*"}},
    "stages": ["precreate"],
}
h["hook"] = {"path": b4ns, "args": ["b4ns", "oci-hook", "--socket=" + sock]}
json.dump(h, sys.stdout, indent=2)
EOF
printf '%s\n' '#!/bin/sh' \
	'exec podman --runtime runc --log-level error "$@"' >"$WORK/bin/podman_cmd"
chmod 755 "$WORK/bin/podman_cmd"
chown -R "$TEST_USER:" "$WORK/home" "$WORK/hooks"

# Other sessions may share the test host: reuse it and leave it up then.
TH_PREEXISTED=0
[[ -e /run/netns/$TH_NS ]] && TH_PREEXISTED=1
"$SRC/tests/lib/testhost.sh" up

if [[ $CHMOD_TUN == 1 && -c /dev/net/tun ]]; then
	TUN_MODE=$(stat -c %a /dev/net/tun)
	chmod 666 /dev/net/tun
fi
run_user test -x "$B4NS" ||
	die "$TEST_USER cannot execute $B4NS (install to a world-readable prefix)"

# ---- servers, daemon --------------------------------------------------------

start_bg http4 "$BUSYBOX" httpd -f -p 10.77.0.1:8080 -h "$WORK/www"
nsenter "--net=/run/netns/$PEER_NS" -- "$BUSYBOX" httpd -f -p 10.77.0.2:8080 \
	-h "$WORK/www" >"$WORK/httppeer.log" 2>&1 </dev/null &
BG_PIDS[httppeer]=$!
if [[ $HAVE_IPERF == 1 ]]; then
	# measurement, and the dynamic client of the preload test
	start_bg iperf3 iperf3 -s -B 10.77.0.1 -p 5201
fi
for i in $(seq 50); do
	run_th curl -sf -o /dev/null http://10.77.0.1:8080/hello.txt &&
		run_th curl -sf -o /dev/null http://10.77.0.2:8080/hello.txt && break
	sleep 0.1
done
run_th curl -sf -o /dev/null http://10.77.0.2:8080/hello.txt ||
	die "the test servers did not start"

start_bg_user daemon "$B4NS" daemon -v --config="$WORK/bin/b4ns-oci.conf"
DPID=$(bg_pid daemon)
wait_log daemon "listening on $SOCK" || die "the daemon did not start"

# The profile runc bundles (and podman --security-opt seccomp=) use
run_user "$B4NS" profile --socket="$SOCK" >"$WORK/profile.json" ||
	die "b4ns profile failed"
chmod 644 "$WORK/profile.json"

if [[ $HAVE_PODMAN == 1 ]]; then
	tar -C "$ROOTFS" -cf "$WORK/rootfs.tar" .
	chmod 644 "$WORK/rootfs.tar"
	run_user podman_cmd import "$WORK/rootfs.tar" "$IMAGE" \
		>"$WORK/import.log" 2>&1 ||
		{ cat "$WORK/import.log" >&2; die "podman import failed"; }
fi

# ---- helpers ----------------------------------------------------------------

# runc_u ARGS... - runc as the test user with this run's state root
runc_u() {
	run_user runc --root "$WORK/runc" "$@"
}

# bundle NAME PROFILE [KEY=VALUE...] -- ARGS... - make bundle
# $WORK/bundles/NAME: "runc spec --rootless", own network namespace,
# linux.seccomp from PROFILE (a file or "none"), the annotations
bundle() {
	local name=$1 dir=$WORK/bundles/$1
	shift
	run_user mkdir -p "$dir"
	run_user rm -f "$dir/config.json"
	run_user runc spec --rootless --bundle "$dir"
	run_user "$PYTHON" "$WORK/bin/mkbundle.py" "$dir" "$ROOTFS" "$@"
}

# log_mark - the daemon log's current line count
log_mark() {
	wc -l <"$WORK/daemon.log"
}

# log_wait MARK REGEX [SECONDS] - a daemon log line after line MARK matches
# REGEX (extended) within SECONDS (default 5); prints it
log_wait() {
	local mark=$1 re=$2 secs=${3:-5} i
	for ((i = 0; i < secs * 10; i++)); do
		if tail -n "+$((mark + 1))" "$WORK/daemon.log" | grep -E -m1 -- "$re"; then
			return 0
		fi
		sleep 0.1
	done
	echo "FAIL: no daemon log line matching '$re' after line $mark; the log since:"
	tail -n "+$((mark + 1))" "$WORK/daemon.log" | tail -n 30 | sed 's/^/    /'
	return 1
}

# daemon_alive - fail if the daemon exited
daemon_alive() {
	if ! bg_alive daemon; then
		echo "FAIL: the daemon is gone; its log ends:"
		tail -n 20 "$WORK/daemon.log" | sed 's/^/    /'
		return 1
	fi
}

# dproc FIELD - a field of the daemon's /proc/PID/status (Threads, VmRSS)
dproc() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DPID/status"
}

# dfds - the daemon's open descriptors
dfds() {
	find "/proc/$DPID/fd" -mindepth 1 -maxdepth 1 | wc -l
}

# status_json - "b4ns status --json" to $WORK/status.json
status_json() {
	run_user "$B4NS" status --json --socket="$SOCK" >"$WORK/status.json"
}

# ctr_field ID EXPR - Python EXPR over the status entry c of container ID
# ("None" if it is not listed); status_json first
ctr_field() {
	"$PYTHON" - "$WORK/status.json" "$1" "$2" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
c = next((c for c in s["containers"] if c["id"] == sys.argv[2]), None)
print(None if c is None else eval(sys.argv[3]))
EOF
}

# daemon_field EXPR - Python EXPR over the status' daemon object d
daemon_field() {
	"$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1]))["daemon"]; print(eval(sys.argv[2]))' \
		"$WORK/status.json" "$1"
}

# wait_gone ID - until container ID is no longer in the daemon's status
wait_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		status_json
		[[ $(ctr_field "$1" 1) == None ]] && return 0
		sleep 0.1
	done
	echo "FAIL: container $1 still listed by the daemon"
	return 1
}

# curl_th URL - curl from the test host, retrying up to 5 s (a server in a
# container that just started)
curl_th() {
	local i
	for ((i = 0; i < 50; i++)); do
		if run_th curl -sS --max-time 2 "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	run_th curl -sS --max-time 2 "$1"
}

# only_lo - the last command's stdout shows only lo ("ip -o link")
only_lo() {
	if grep -E '^[0-9]+: ' "$T_OUT" | grep -vqE '^[0-9]+: lo:'; then
		echo "FAIL: the container has interfaces besides lo"
		return 1
	fi
	grep -qE '^[0-9]+: lo:' "$T_OUT" || {
		echo "FAIL: no 'ip -o link' output"
		return 1
	}
}

# need_podman - skip unless podman is installed
need_podman() {
	[[ $HAVE_PODMAN == 1 ]] || skip "podman is not installed"
}

# need_tun - skip unless the test user can open /dev/net/tun
need_tun() {
	run_user sh -c ': <>/dev/net/tun' 2>/dev/null ||
		skip "/dev/net/tun is not usable by $TEST_USER (--chmod-tun)"
}

# prun ARGS... - podman run --rm ARGS... as the test user
prun() {
	run_user podman_cmd run --rm "$@"
}

# Command run in containers: interfaces, then a switched HTTP GET
GET_HELLO='ip -o link; wget -q -O - http://10.77.0.1:8080/hello.txt'

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

# Issue 6: Podman with b4ns.mode=preload through the hook. No seccomp
# listener: the hook bind-mounts libb4ns.so and the daemon's socket
# directory and sets LD_PRELOAD; its createRuntime stage registers the container
# with the daemon. A dynamic client (iperf3) is switched under --network
# none; the static busybox in the same container is not.
t_podman_preload() {
	need_podman
	[[ $HAVE_IPERF == 1 ]] || skip "no dynamic client (iperf3) in the image"
	[[ -e $WORK/bin/libb4ns.so ]] || skip "libb4ns.so not built"
	local m
	m=$(log_mark)
	expect_ok prun --network none --annotation b4ns.mode=preload "$IMAGE" \
		sh -c 'ip -o link; grep Seccomp: /proc/self/status; echo "LD=$LD_PRELOAD";
		       iperf3 -c 10.77.0.1 -p 5201 -t 1 -J >/tmp/ip.json; echo "iperf=$(grep -c bits_per_second /tmp/ip.json)";
		       nc 10.77.0.1 8080 </dev/null; echo "nc=$?"'
	only_lo
	expect_out "LD=/usr/lib/b4ns/libb4ns.so"
	expect_out "nc=1"
	grep -Eq '^iperf=[1-9]' "$T_OUT" || {
		echo "FAIL: iperf3 did not complete through the preload path"
		return 1
	}
	log_wait "$m" "container [0-9a-f]{64}: pid [0-9]+, preload path"
	log_wait "$m" "preload: switch connect pid=[0-9]+ 10\.77\.0\.1:5201"
}

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
	expect_eq "$thr2" "$thr0" "daemon threads (start)"
	expect_eq "$fd2" "$fd1" "daemon fds (after the first exec)"
	expect_eq "$((rss2 <= rss1 + 1024))" 1 "daemon VmRSS $rss2 kB <= $rss1 + 1024 kB"
	expect_ok runc_ns delete -f $id
	wait_gone $id
	daemon_alive
}

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

t_doctor() {
	expect_ok run_user "$B4NS" doctor --socket="$SOCK"
	expect_rc 1 run_user "$B4NS" doctor --socket=/nonexistent/b4ns.sock
	expect_out "no daemon at /nonexistent/b4ns.sock"
	expect_out "fix: start it with \`b4ns daemon\`"
}

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

run_test "runc: container with only lo reaches the test host through a switched socket" t_runc_switched
run_test "runc: annotation b4ns.mode=off: not switched, ENETUNREACH" t_runc_mode_off
run_test "runc: annotation b4ns.publish=18080:80 serves the test host; freed with the container" t_runc_publish
run_test "podman --security-opt seccomp=<b4ns profile>, --network none: switched" t_podman_profile
run_test "podman hook, only b4ns.config=web: section's publish and ignore apply" t_podman_hook_web
run_test "cmake --install --prefix DIR: hook JSON and unit name DIR/bin/b4ns; Podman switched through that hook" t_install_prefix
run_test "podman hook, default network (slirp4netns): connections counted as switched" t_podman_hook_slirp
run_test "podman b4ns.mode=off: hook leaves it alone, not switched" t_podman_mode_off
run_test "podman exec into a hooked container: switched sockets" t_podman_exec
run_test "podman b4ns.mode=preload through the hook: dynamic client switched, static not" t_podman_preload
run_test "runc exec (plain rootless) into a b4ns container: switched" t_runc_exec
run_test "churn: $CHURN runc execs succeed; daemon threads, fds, RSS back" t_churn
run_test "bad listener input logged and dropped; next container switched" t_bad_input
run_test "b4ns status --json: containers, pid, mode, counts" t_status
run_test "b4ns doctor: passes with the daemon; missing socket reported with its fix" t_doctor
run_test "measure: podman iperf3, slirp4netns vs b4ns (not asserted)" t_bench
[[ -s $WORK/churn.txt ]] && sed 's/^/# /' "$WORK/churn.txt"
[[ -s $WORK/bench.txt ]] && sed 's/^/# /' "$WORK/bench.txt"

report_summary
