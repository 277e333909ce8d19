#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# demo.sh - the README's first command ends here: show b4ns switching a
# socket, with the built-in defaults (no config file).
#
# Usage (as root): sudo tests/demo.sh [BUILD_DIR]
#
# Creates the test host namespace (tests/lib/testhost.sh), serves a page on
# 10.77.0.1:8080 there, and, as the unprivileged test user in that
# namespace, runs
#   b4ns run --net=none -v -- busybox wget -O - http://10.77.0.1:8080/
# The container's namespace has only loopback, so the page can only arrive
# through a socket b4ns switched to the host; the debug log shows the
# decision. For contrast the same wget runs in a plain rootless namespace
# (unshare -rn), where it fails. Cleans up after itself.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
TEST_USER=${TEST_USER:-b4nstest}
export B4NS_TH_NS=b4ns-demo B4NS_PEER_NS=b4ns-demo-peer

[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root" >&2; exit 2; }
[ -x "$BUILD/b4ns" ] || { echo "demo.sh: build first: no $BUILD/b4ns" >&2; exit 2; }
id -u "$TEST_USER" >/dev/null 2>&1 || useradd -m "$TEST_USER"

work=$(mktemp -d /tmp/b4ns-demo.XXXXXX)
chmod 755 "$work"
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	bash "$SRC/tests/lib/testhost.sh" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

install -m 755 "$BUILD/b4ns" "$work/b4ns"
mkdir "$work/www"
echo "hello from the host network namespace, via a switched socket" >"$work/www/index.html"
chmod -R a+rX "$work"

bash "$SRC/tests/lib/testhost.sh" up >/dev/null
nsenter --net=/run/netns/$B4NS_TH_NS -- busybox httpd -f -p 10.77.0.1:8080 -h "$work/www" &
server=$!
sleep 0.3

as_user=(nsenter --net=/run/netns/$B4NS_TH_NS -- setpriv --reuid="$TEST_USER"
	--regid="$TEST_USER" --init-groups -- env -i HOME=/tmp PATH=/usr/bin:/bin)

echo "\$ unshare -rn busybox wget -O - http://10.77.0.1:8080/    # plain rootless netns, no route"
if timeout 5 "${as_user[@]}" unshare -rn busybox wget -q -O - http://10.77.0.1:8080/; then
	echo "unexpected: reached the server without b4ns" >&2
	exit 1
fi
echo
echo "\$ b4ns run --net=none -v -- busybox wget -O - http://10.77.0.1:8080/"
timeout 10 "${as_user[@]}" "$work/b4ns" run --net=none -v -- \
	busybox wget -q -O - http://10.77.0.1:8080/
echo
echo "demo: the container has no route, yet the page arrived: its socket was switched to the host."
