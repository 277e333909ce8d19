# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # variables the tests of podman-hook.sh read
#
# setup.sh - the fixtures of tests/e2e/podman-hook.sh (sourced by it after
# e2e_setup): a busybox-static root file system imported as IMAGE, the
# hook JSON naming this run's binary and socket, Podman's private storage
# (podman_cmd), the stand-in daemon (podman-hook/listener.py:
# start_listener) and the helpers as_user, prun, n_msgs and msg_field.

if ! grep -q "^$TEST_USER:" /etc/subuid || ! grep -q "^$TEST_USER:" /etc/subgid; then
	die "$TEST_USER has no /etc/subuid or /etc/subgid range (rootless Podman needs one)"
fi

# podman_cleanup - Podman's storage and pause process of this run
podman_cleanup() {
	local pid
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
	return 0
}
E2E_CLEANUP+=(podman_cleanup)

mkdir -p "$WORK/hooks" "$WORK/run" "$WORK/home" "$WORK/msgs" \
	"$WORK/storage" "$WORK/runroot" \
	"$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp" \
	"$WORK/rootfs/proc" "$WORK/rootfs/sys" "$WORK/rootfs/dev"
SOCK=$WORK/run/b4ns.sock
IMAGE=localhost/b4ns-busybox:latest

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
    "path": "$B4NS",
    "args": ["b4ns", "oci-hook", "--socket=$SOCK"]
  },
  "when": { "annotations": { "^b4ns\\\\.": ".*" } },
  "stages": ["precreate"]
}
EOF

# The stand-in daemon
cp "$HERE/podman-hook/listener.py" "$WORK/bin/"

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
