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
#                 default: build/ of this tree)
#   --keep        leave the scratch directory
#   -k REGEX      run only the tests whose name matches (or T_FILTER=REGEX)
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

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

e2e_parse_args "$@"
e2e_need_root
for tool in podman runc setpriv python3 busybox; do
	if ! command -v "$tool" >/dev/null; then
		echo "ok 1 - podman hook checks # SKIP $tool is not installed"
		echo "1..1"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done
e2e_setup podman-hook --b4ns
# shellcheck source-path=SCRIPTDIR source=podman-hook/setup.sh
source "$HERE/podman-hook/setup.sh"

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
run_test "installed hook JSON: precreate (+ createRuntime), ^b4ns\\. annotations" t_hook_json

t_passthrough_bytes() {
	# odd spacing and escaped slashes survive: copied, never re-serialised
	printf '{ "ociVersion" : "1.0.2",\n  "root":{"path":"a\\/b"}, "annotations":{"b4ns.mode":"off","b4ns.config":"web"} }\n' \
		>"$WORK/off.json"
	expect_ok sh -c "'$WORK/bin/b4ns' oci-hook --socket=/nonexistent <'$WORK/off.json'"
	expect_stdout_is "$WORK/off.json"
}
run_test "oci-hook copies an unselected config byte for byte" t_passthrough_bytes

t_plain_container() {
	expect_ok prun "$IMAGE" echo plain-ok
	expect_out plain-ok
	expect_eq "$(n_msgs)" 0 "listener messages"
}
run_test "container without b4ns annotations runs (hook not involved)" t_plain_container

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
run_test "no daemon: b4ns.mode=seccomp container is not created; hook says how to start it" t_no_daemon

start_listener

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
run_test "b4ns.config=web: hook sets listenerPath, runc sends state with seccompFd" t_hooked_config

t_mode_off() {
	local before
	before=$(n_msgs)
	expect_ok prun --annotation b4ns.mode=off --annotation b4ns.config=web \
		"$IMAGE" echo off-ok
	expect_out off-ok
	expect_eq "$(n_msgs)" "$before" "listener messages"
}
run_test "b4ns.mode=off: container untouched, no listener connection" t_mode_off

t_unconfined() {
	local before=$(($(n_msgs) + 1))
	expect_ok prun --security-opt seccomp=unconfined \
		--annotation b4ns.publish=8080:80 "$IMAGE" echo unconfined-ok
	expect_out unconfined-ok
	expect_eq "$(n_msgs)" "$before" "listener messages"
}
run_test "seccomp=unconfined + b4ns.publish: hook adds an allow-all profile" t_unconfined

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
run_test "--security-opt seccomp=<b4ns profile>: listenerMetadata reaches the daemon" t_profile_flag

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
run_test "podman exec into a hooked container reaches the listener again" t_exec

report_summary
