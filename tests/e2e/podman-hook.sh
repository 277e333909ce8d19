#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# podman-hook.sh - end-to-end checks of "b4ns oci-hook" and "b4ns profile"
# with rootless Podman 4 and runc.
#
# Usage (as root):
#   tests/e2e/podman-hook.sh [--build DIR] [--keep] [-k REGEX] [-v]
#
#   --build DIR   build tree holding b4ns and b4ns-hook.json (env B4NS_BUILD,
#                 default /work/main/build)
#   --keep        leave the scratch directory
#   -k REGEX      run only the tests whose name matches
#   -v            show the output of passing tests too
#
# Podman runs as the unprivileged user b4nstest (/etc/subuid and /etc/subgid
# ranges needed) with everything private to this run: storage (vfs) and run
# directories, XDG_RUNTIME_DIR (so its own pause process, killed at the end),
# a hooks directory holding b4ns's hook. The image is imported offline from a
# busybox-static rootfs; containers use --network none and --runtime runc.
#
# No b4ns daemon is needed: first nobody listens on the socket (the hook must
# fail the container's creation), then a small Python listener stands in for
# the daemon and records each OCI listener message (the JSON state and the
# number of fds), which shows that Podman ran the hook, the hook set
# listenerPath, and runc accepted the profile and reached the listener. The
# listener keeps the notify fds and never answers, so the containers here
# make no trapped syscalls.
#
# Output: "ok N - name" / "not ok N - name" lines and a final
# "N passed, M failed" line; exit status 0 if all passed, else 1.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
B4NS_BUILD=${B4NS_BUILD:-/work/main/build}
KEEP=0
while (($#)); do
	case $1 in
	--build) B4NS_BUILD=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-k) export T_FILTER=$2; shift 2 ;;
	-v) export T_VERBOSE=1; shift ;;
	*) echo "usage: $0 [--build DIR] [--keep] [-k REGEX] [-v]" >&2; exit 2 ;;
	esac
done

# shellcheck source=../lib/common.sh
source "$SRC/tests/lib/common.sh"

[[ $(id -u) == 0 ]] || die "run as root (the containers run as $TEST_USER)"
for tool in podman runc setpriv python3 busybox; do
	if ! command -v "$tool" >/dev/null; then
		echo "ok 1 - podman hook checks # SKIP $tool is not installed"
		echo "1..1"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done
[[ -x $B4NS_BUILD/b4ns ]] || die "no $B4NS_BUILD/b4ns; build it or pass --build"

ensure_test_user
if ! grep -q "^$TEST_USER:" /etc/subuid || ! grep -q "^$TEST_USER:" /etc/subgid; then
	die "$TEST_USER has no /etc/subuid or /etc/subgid range (rootless Podman needs one)"
fi

WORK=$(mktemp -d /tmp/b4ns-podman-hook.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/bin" "$WORK/hooks" "$WORK/run" "$WORK/home" "$WORK/msgs" \
	"$WORK/storage" "$WORK/runroot" \
	"$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp" \
	"$WORK/rootfs/proc" "$WORK/rootfs/sys" "$WORK/rootfs/dev"
cp "$B4NS_BUILD/b4ns" "$WORK/bin/b4ns"
SOCK=$WORK/run/b4ns.sock
IMAGE=localhost/b4ns-busybox:latest

cleanup() {
	local pid
	set +e
	stop_all_bg
	if [[ $KEEP != 1 ]]; then
		# vfs layers are owned by subordinate ids: remove as the user
		as_user podman_cmd unshare rm -rf "$WORK/storage" "$WORK/runroot" \
			>/dev/null 2>&1
	fi
	if [[ -e $WORK/run/libpod/tmp/pause.pid ]]; then
		# this run's rootless pause process (private XDG_RUNTIME_DIR)
		pid=$(cat "$WORK/run/libpod/tmp/pause.pid")
		[[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null
	fi
	if [[ $KEEP == 1 ]]; then
		log "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

# The container image: busybox-static and a few applet links
cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
for a in sh echo cat sleep true nc wget; do
	ln -s busybox "$WORK/rootfs/bin/$a"
done
tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .

# The hook as installed, but running the binary under test and naming the
# test's socket (the installed one uses $XDG_RUNTIME_DIR/b4ns/b4ns.sock)
cat >"$WORK/hooks/b4ns.json" <<EOF
{
  "version": "1.0.0",
  "hook": {
    "path": "$WORK/bin/b4ns",
    "args": ["b4ns", "oci-hook", "--socket=$SOCK"]
  },
  "when": { "annotations": { "^b4ns\\\\.": ".*" } },
  "stages": ["precreate"]
}
EOF

# The stand-in daemon
cat >"$WORK/bin/listener.py" <<'EOF'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(64)
print("listening", flush=True)
n, held = 0, []
while True:
    c, _ = s.accept()
    data, fds = b"", []
    while True:
        msg, f, _, _ = socket.recv_fds(c, 65536, 8)
        fds += f
        if not msg:
            break
        data += msg
    c.close()
    if not data:
        continue  # the hook's "is the daemon running?" probe
    n += 1
    with open(os.path.join(out, "msg-%d.json" % n), "wb") as fh:
        fh.write(data)
    with open(os.path.join(out, "msg-%d.nfds" % n), "w") as fh:
        fh.write("%d\n" % len(fds))
    held += fds  # closing the notify fd would fail the trapped syscalls
EOF

chown -R "$TEST_USER:" "$WORK/run" "$WORK/home" "$WORK/msgs" "$WORK/hooks" \
	"$WORK/storage" "$WORK/runroot"
chmod 700 "$WORK/run"
chmod -R a+rX "$WORK"

# AS_USER: prefix running a program as the test user with this run's
# private setup (run from $WORK: the caller's cwd may be closed to the user)
AS_USER=(setpriv "--reuid=$TEST_USER" "--regid=$TEST_USER" --init-groups --
	env -i "HOME=$WORK/home" "PATH=$WORK/bin:$USER_PATH" LANG=C.UTF-8
	"XDG_RUNTIME_DIR=$WORK/run" "XDG_CONFIG_HOME=$WORK/home/.config"
	"XDG_DATA_HOME=$WORK/home/.local/share")

# as_user CMD... - program CMD as the test user (under T_TIMEOUT)
as_user() {
	(cd "$WORK" && exec timeout -k 5 "$T_TIMEOUT" "${AS_USER[@]}" "$@")
}

# podman_cmd ARGS...: podman with this run's storage, runtime and hooks; a
# script in $WORK/bin so that as_user can run it
printf '%s\n' '#!/bin/sh' \
	"exec podman --root '$WORK/storage' --runroot '$WORK/runroot' --storage-driver vfs --cgroup-manager cgroupfs --runtime runc --hooks-dir '$WORK/hooks' --log-level error \"\$@\"" \
	>"$WORK/bin/podman_cmd"
chmod 755 "$WORK/bin/podman_cmd"

# prun ARGS... - "podman run --rm --network none ARGS..." as the test user
prun() {
	as_user podman_cmd run --rm --network none "$@"
}

n_msgs() {
	find "$WORK/msgs" -name 'msg-*.json' | wc -l
}

# msg_field N EXPR - a Python expression over message N (as m)
msg_field() {
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$WORK/msgs/msg-$1.json" "$2"
}

# start_listener - the stand-in daemon, as the test user in this network
# namespace (common.sh's start_bg_user would enter the test host's)
start_listener() {
	(cd "$WORK" && exec "${AS_USER[@]}" python3 "$WORK/bin/listener.py" \
		"$SOCK" "$WORK/msgs") >"$WORK/listener.log" 2>&1 </dev/null &
	# shellcheck disable=SC2034 # BG_PIDS belongs to common.sh (stop_all_bg)
	BG_PIDS["listener"]=$!
	wait_log listener listening
}

as_user podman_cmd import "$WORK/rootfs.tar" "$IMAGE" >"$WORK/import.log" 2>&1 ||
	{ cat "$WORK/import.log" >&2; die "podman import failed"; }

# ---- tests ----------------------------------------------------------------

t_hook_json() {
	local f=$B4NS_BUILD/b4ns-hook.json
	[[ -f $f ]] || skip "$f not generated (configure with CMake)"
	python3 - "$f" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
assert h["version"] == "1.0.0", h
assert h["hook"]["path"].endswith("/b4ns"), h
assert h["hook"]["args"] == ["b4ns", "oci-hook"], h
assert h["when"]["annotations"] == {"^b4ns\\.": ".*"}, h
assert "precreate" in h["stages"], h
assert set(h["stages"]) <= {"precreate", "createRuntime"}, h
print("hook JSON ok:", h["hook"]["path"])
EOF
}

t_passthrough_bytes() {
	# odd spacing and escaped slashes survive: copied, never re-serialised
	printf '{ "ociVersion" : "1.0.2",\n  "root":{"path":"a\\/b"}, "annotations":{"b4ns.mode":"off","b4ns.config":"web"} }\n' \
		>"$WORK/off.json"
	expect_ok sh -c "'$WORK/bin/b4ns' oci-hook --socket=/nonexistent <'$WORK/off.json'"
	expect_stdout_is "$WORK/off.json"
}

t_plain_container() {
	expect_ok prun "$IMAGE" echo plain-ok
	expect_out plain-ok
	expect_eq "$(n_msgs)" 0 "listener messages"
}

t_no_daemon() {
	local before
	before=$(n_msgs)
	expect_rc 126 prun --annotation b4ns.mode=seccomp "$IMAGE" echo must-not-run
	expect_err "executing [b4ns oci-hook"
	expect_err "exit status 1"
	if grep -q must-not-run "$T_OUT"; then
		echo "FAIL: the container ran"
		return 1
	fi
	# Podman 4.3 drops a hook's stderr; the message, run directly:
	printf '{"annotations":{"b4ns.mode":"seccomp"},"linux":{}}' >"$WORK/sel.json"
	expect_rc 1 sh -c "'$WORK/bin/b4ns' oci-hook --socket='$SOCK' <'$WORK/sel.json'"
	expect_err "b4ns: daemon not running at $SOCK"
	expect_err "start it with \`b4ns daemon\` or \`systemctl --user start b4ns\`"
	expect_eq "$(n_msgs)" "$before" "listener messages"
}

t_hooked_config() {
	local before=$(($(n_msgs) + 1))
	expect_ok prun --annotation b4ns.config=web "$IMAGE" echo hooked-ok
	expect_out hooked-ok
	expect_eq "$(n_msgs)" "$before" "listener messages"
	expect_eq "$(msg_field "$before" 'm["fds"].index("seccompFd")')" 0 "seccompFd index"
	expect_eq "$(cat "$WORK/msgs/msg-$before.nfds")" 1 "fds received"
	expect_eq "$(msg_field "$before" 'm["state"]["annotations"]["b4ns.config"]')" web \
		"state.annotations b4ns.config"
	expect_eq "$(msg_field "$before" 'm["pid"] > 0')" True "pid > 0"
}

t_mode_off() {
	local before
	before=$(n_msgs)
	expect_ok prun --annotation b4ns.mode=off --annotation b4ns.config=web \
		"$IMAGE" echo off-ok
	expect_out off-ok
	expect_eq "$(n_msgs)" "$before" "listener messages"
}

t_unconfined() {
	local before=$(($(n_msgs) + 1))
	expect_ok prun --security-opt seccomp=unconfined \
		--annotation b4ns.publish=8080:80 "$IMAGE" echo unconfined-ok
	expect_out unconfined-ok
	expect_eq "$(n_msgs)" "$before" "listener messages"
}

t_profile_flag() {
	local before=$(($(n_msgs) + 1))
	expect_ok "$WORK/bin/b4ns" profile --socket="$SOCK" --metadata=b4ns.config=web
	cp "$T_OUT" "$WORK/profile.json"
	chmod 644 "$WORK/profile.json"
	expect_ok prun --security-opt "seccomp=$WORK/profile.json" "$IMAGE" echo profile-ok
	expect_out profile-ok
	expect_eq "$(n_msgs)" "$before" "listener messages"
	expect_eq "$(msg_field "$before" 'm["metadata"]')" b4ns.config=web "metadata"
}

t_exec() {
	local before id
	expect_ok as_user podman_cmd run -d --network none \
		--annotation b4ns.mode=seccomp "$IMAGE" sleep 60
	id=$(head -c 64 "$T_OUT")
	before=$(n_msgs)
	expect_ok as_user podman_cmd exec "$id" echo exec-ok
	expect_out exec-ok
	expect_eq "$(n_msgs)" $((before + 1)) "listener messages after exec"
	expect_eq "$(msg_field $((before + 1)) 'm["state"]["id"]')" "$id" "exec state.id"
	expect_ok as_user podman_cmd rm -f -t 0 "$id"
}

run_test "installed hook JSON: precreate (+ createRuntime), ^b4ns\\. annotations" t_hook_json
run_test "oci-hook copies an unselected config byte for byte" t_passthrough_bytes
run_test "container without b4ns annotations runs (hook not involved)" t_plain_container
run_test "no daemon: b4ns.mode=seccomp container is not created; hook says how to start it" t_no_daemon
start_listener
run_test "b4ns.config=web: hook sets listenerPath, runc sends state with seccompFd" t_hooked_config
run_test "b4ns.mode=off: container untouched, no listener connection" t_mode_off
run_test "seccomp=unconfined + b4ns.publish: hook adds an allow-all profile" t_unconfined
run_test "--security-opt seccomp=<b4ns profile>: listenerMetadata reaches the daemon" t_profile_flag
run_test "podman exec into a hooked container reaches the listener again" t_exec

report_summary
