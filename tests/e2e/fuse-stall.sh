#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fuse-stall.sh - issue 9 class 8: a container cannot stall the supervisor
# with a FUSE page whose read it never answers.
#
# Usage (as root):
#   tests/e2e/fuse-stall.sh [--build DIR] [--keep] [-v] [B4NS_BINARY]
#
#   --build DIR   build tree holding b4ns and tests/fuse-stall (env
#                 B4NS_BUILD, default: build/ of this tree)
#   --keep        leave the scratch directory
#   B4NS_BINARY   the b4ns to test (default: DIR/b4ns)
#   -v            show the output of passing tests too
#
# In a private network namespace (10.78.0.1/24 on a veth pair inside it, a TCP
# listener on 10.78.0.1:7777; nothing leaves it), the unprivileged test user
# runs "b4ns run --net=none -- fuse-stall 10.78.0.1 7777"
# (tests/e2e/fuse-stall.c): the container mounts its own FUSE file system,
# calls connect() with the sockaddr in a never-read page of it, and while the
# supervisor's copy of that sockaddr waits, times a second, normal connect.
# Passes when that connect is answered within 50 ms (bounded reads,
# common/procmem.c: ~20 ms); without bounded reads it is never answered.
#
# /dev/fuse must be usable by the test user: its mode is set to 666 for the
# test and restored (Debian's fuse3 package ships it 666 anyway).
#
# Daemon mode (another container waits behind the stuck one) needs the same
# probe in one container and a timed connect in a second container of the
# same "b4ns daemon"; the single-supervisor case here already shows that the
# loop goes on: the second connect is a separate notification answered by
# the same loop after the stuck copy was abandoned.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEST_USER=${B4NS_TEST_USER:-${TEST_USER:-b4nstest}}
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

B4NS_BIN=
# shellcheck disable=SC2034 # E2E_USED: read by e2e_parse_args
suite_option() {
	if [[ $1 != -* && -z $B4NS_BIN ]]; then
		B4NS_BIN=$1 E2E_USED=1
	fi
}
e2e_parse_args "$@"
e2e_need_root
if [[ ! -c /dev/fuse ]]; then
	echo "ok 1 - fuse-stall # SKIP no /dev/fuse"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

NS=b4fs-$$
FUSE_MODE=$(stat -c %a /dev/fuse)
# fuse_cleanup - /dev/fuse's mode back, the private namespace removed
fuse_cleanup() {
	chmod "$FUSE_MODE" /dev/fuse
	ip netns delete "$NS" 2>/dev/null
	return 0
}
E2E_CLEANUP+=(fuse_cleanup)
if [[ -n $B4NS_BIN ]]; then
	e2e_setup fuse-stall --helper fuse-stall
	install -m 755 "$B4NS_BIN" "$WORK/bin/b4ns"
	B4NS=$WORK/bin/b4ns
else
	e2e_setup fuse-stall --helper fuse-stall --b4ns
fi
chmod 666 /dev/fuse

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add b4fs0 type veth peer name b4fs1
ip -n "$NS" addr add 10.78.0.1/24 dev b4fs0
ip -n "$NS" link set b4fs0 up
ip -n "$NS" link set b4fs1 up
ip netns exec "$NS" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.78.0.1", 7777)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()
' &
BG_PIDS["listener"]=$! # stopped by e2e_cleanup
for _ in $(seq 50); do
	ip netns exec "$NS" ss -Htln 'sport = :7777' | grep -q . && break
	sleep 0.1
done

t_fuse_stall() {
	local rc=0 out
	out=$(timeout -k 5 20 ip netns exec "$NS" setpriv --reuid="$TEST_USER" \
		--regid="$TEST_USER" --init-groups -- env -i HOME=/tmp \
		PATH=/usr/bin:/bin "$B4NS" run --net=none -- \
		"$WORK/bin/fuse-stall" 10.78.0.1 7777 2>&1) || rc=$?
	printf '%s\n' "$out"
	if ((rc == 0)) && grep -q '^stalled-read-seen' <<<"$out"; then
		return 0
	fi
	echo "FAIL: fuse-stall (rc=$rc)"
	return 1
}
run_test "fuse-stall: a connect was answered while another waited on a FUSE page" t_fuse_stall

report_summary
