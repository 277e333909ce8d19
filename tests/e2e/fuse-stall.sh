#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fuse-stall.sh - issue 9 class 8: a container cannot stall the supervisor
# with a FUSE page whose read it never answers.
#
# Usage (as root): tests/e2e/fuse-stall.sh [--build DIR] [B4NS_BINARY]
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
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${B4NS_BUILD:-$SRC/build}
if [[ ${1:-} == --build ]]; then
	BUILD=$2
	shift 2
fi
B4NS=${1:-$BUILD/b4ns}
TEST_USER=${B4NS_TEST_USER:-b4nstest}
NS=b4fs-$$
[[ $(id -u) -eq 0 ]] || { echo "must run as root" >&2; exit 2; }
[[ -c /dev/fuse ]] || { echo "SKIP: no /dev/fuse"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
id -u "$TEST_USER" >/dev/null 2>&1 || useradd -m "$TEST_USER" >/dev/null

WORK=$(mktemp -d /tmp/b4ns-fuse-stall.XXXXXX)
chmod 755 "$WORK"
FUSE_MODE=$(stat -c %a /dev/fuse)
LPID=
cleanup() {
	[[ -n $LPID ]] && kill "$LPID" 2>/dev/null
	chmod "$FUSE_MODE" /dev/fuse
	ip netns delete "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

install -m 755 "$B4NS" "$WORK/b4ns"
install -m 755 "$BUILD/tests/fuse-stall" "$WORK/fuse-stall"
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
LPID=$!
for _ in $(seq 50); do
	ip netns exec "$NS" ss -Htln 'sport = :7777' | grep -q . && break
	sleep 0.1
done

rc=0
out=$(timeout -k 5 20 ip netns exec "$NS" setpriv --reuid="$TEST_USER" \
	--regid="$TEST_USER" --init-groups -- env -i HOME=/tmp \
	PATH=/usr/bin:/bin "$WORK/b4ns" run --net=none -- \
	"$WORK/fuse-stall" 10.78.0.1 7777 2>&1) || rc=$?
printf '%s\n' "$out"
if ((rc == 0)) && grep -q '^stalled-read-seen' <<<"$out"; then
	echo "ok 1 - fuse-stall: a connect was answered while another waited on a FUSE page"
	echo "1 passed, 0 failed"
	exit 0
fi
echo "not ok 1 - fuse-stall (rc=$rc)"
echo "0 passed, 1 failed"
exit 1
