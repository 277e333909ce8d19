# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # variables the tests of oci.sh read
#
# setup.sh - the fixtures of tests/e2e/oci.sh (sourced by it after
# e2e_setup): the container root file system (busybox-static, a page for its
# httpd, iperf3 and its libraries), Podman's private configuration and
# storage, the hook JSON naming this run's binary and socket, the servers in
# the test host and the peer, "b4ns daemon" and its profile, the image for
# Podman, and the helpers the tests use.  oci_cleanup (in E2E_CLEANUP)
# removes the containers and Podman's storage on exit.

# oci_cleanup - containers, Podman's storage and pause process of this run
oci_cleanup() {
	local id pid
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
	stop_bg daemon
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
	return 0
}
E2E_CLEANUP+=(oci_cleanup)

mkdir -p "$WORK/bin" "$WORK/www" "$WORK/run" "$WORK/home/.config/containers" \
	"$WORK/runc" "$WORK/runc-ns" "$WORK/bundles" "$WORK/hooks" "$WORK/storage" "$WORK/runroot"
cp "$HERE/oci/badclient.py" "$HERE/oci/mkbundle.py" "$HERE/oci/b4ns-oci.conf" \
	"$WORK/bin/"

if [[ $HAVE_PODMAN == 1 ]] && { ! grep -q "^$TEST_USER:" /etc/subuid ||
	! grep -q "^$TEST_USER:" /etc/subgid; }; then
	die "$TEST_USER has no /etc/subuid or /etc/subgid range (rootless Podman needs one)"
fi

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
# b4ns-probe (tests/e2e/probe) and its libraries: container-to-container
# checks (getpeername, UDP echo)
if [[ -n $PROBE && -x $PROBE ]]; then
	cp "$PROBE" "$ROOTFS/bin/b4ns-probe"
	while read -r lib; do
		mkdir -p "$ROOTFS$(dirname "$lib")"
		[[ -e $ROOTFS$lib ]] || cp -L "$lib" "$ROOTFS$lib"
	done < <(ldd "$PROBE" | grep -o '/[^ ]*')
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

# ---- servers, daemon --------------------------------------------------------

start_bg http4 "$BUSYBOX" httpd -f -p 10.77.0.1:8080 -h "$WORK/www"
nsenter "--net=/run/netns/$PEER_NS" -- "$BUSYBOX" httpd -f -p 10.77.0.2:8080 \
	-h "$WORK/www" >"$WORK/httppeer.log" 2>&1 </dev/null &
BG_PIDS["httppeer"]=$!
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

# keeper_pid - the pid of this run's keeper (b4ns __keeper KSOCK FD, KSOCK
# the keeper's socket beside the daemon's), empty if none
KSOCK=${SOCK%/*}/b4ns.keeper
keeper_pid() {
	local p
	for p in /proc/[0-9]*; do
		if [[ $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) == "b4ns __keeper $KSOCK "* ]]; then
			echo "${p#/proc/}"
			return 0
		fi
	done
}

# dproc FIELD - a field of the daemon's /proc/PID/status (Threads, VmRSS)
dproc() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DPID/status"
}

# dfds - the daemon's descriptors other than pidfds: it keeps the pidfds
# of the last tasks it served (a bounded cache, common/proc.c; dpidfds).
# (find: one process however many descriptors; bench/soak samples it under
# load)
dfds() {
	find "/proc/$DPID/fd" -mindepth 1 ! -lname 'anon_inode:\[pidfd\]' \
		2>/dev/null | wc -l
}

# dpidfds - the daemon's pidfds
dpidfds() {
	find "/proc/$DPID/fd" -mindepth 1 -lname 'anon_inode:\[pidfd\]' \
		2>/dev/null | wc -l
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

# registry_has REGEX - the daemon's registry lists an entry whose
# "network address/proto" matches REGEX within 5 s
registry_has() {
	local i
	for ((i = 0; i < 50; i++)); do
		status_json
		"$PYTHON" - "$WORK/status.json" "$1" <<'EOF' && return 0
import json, re, sys
r = json.load(open(sys.argv[1]))["registry"]["entries"]
sys.exit(0 if any(re.search(sys.argv[2], "%s %s/%s" % (e["network"], e["address"], e["proto"])) for e in r) else 1)
EOF
		sleep 0.1
	done
	echo "FAIL: no registry entry matching '$1':"
	sed 's/^/    /' "$WORK/status.json" | tail -n 30
	echo "  the daemon's last lines:"
	tail -n 15 "$WORK/daemon.log" | sed 's/^/    /'
	echo "  the last container's output:"
	run_user podman_cmd logs --latest 2>&1 | tail -n 15 | sed 's/^/    /'
	return 1
}

# peer_networks - the Podman networks of the container-to-container tests
# (made once): b4peers 10.89.77.0/24 and b4other 10.89.78.0/24
peer_networks() {
	[[ -e $WORK/peer-networks ]] && return 0
	run_user podman_cmd network create --subnet 10.89.77.0/24 b4peers >/dev/null &&
		run_user podman_cmd network create --subnet 10.89.78.0/24 b4other >/dev/null &&
		touch "$WORK/peer-networks"
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
