#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# slirpwrap.sh MTU CMD [ARG...] - run CMD as a rootless "container" (new user
# and network namespace, uid mapped to root) whose only network is
# slirp4netns with the given MTU, started here the way rootless Podman
# starts it: --configure --mtu=MTU --disable-host-loopback, tap0.
# bench/run uses it for the slirp4netns MTU 1500 column (b4ns run always
# starts slirp4netns with MTU 65520). Runs as any user; exit status is CMD's.
# SLIRPWRAP_PUBLISH=HOSTPORT:CONTAINERPORT publishes one TCP port through
# slirp4netns' API socket (add_hostfwd on 0.0.0.0), as Podman does.

set -u
mtu=$1
shift

dir=$(mktemp -d "${TMPDIR:-/tmp}/slirpwrap.XXXXXX") || exit 125
mkfifo "$dir/go" "$dir/ready" || exit 125
slirp=

cleanup() {
	[[ -n $slirp ]] && kill "$slirp" 2>/dev/null && wait "$slirp" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP

# The child unshares (no fork: $! is the namespace's first process) and then
# waits on the fifo until slirp4netns has configured tap0.
unshare --user --map-root-user --net -- \
	sh -c 'read -r _ <"$0" && exec "$@"' "$dir/go" "$@" &
child=$!

# Wait for the new namespaces (uid_map written before exec, so wait for the
# exec into sh) - slirp4netns must not join ours by accident.
self_net=$(readlink /proc/self/ns/net)
for _ in $(seq 500); do
	if [[ $(readlink "/proc/$child/ns/net" 2>/dev/null) != "$self_net" &&
		-n $(cat "/proc/$child/uid_map" 2>/dev/null) &&
		$(readlink "/proc/$child/exe" 2>/dev/null) != */unshare ]]; then
		break
	fi
	sleep 0.01
done

api=()
[[ -n ${SLIRPWRAP_PUBLISH:-} ]] && api=(--api-socket "$dir/api.sock")
slirp4netns --configure --mtu="$mtu" --disable-host-loopback "${api[@]}" \
	--ready-fd=3 "$child" tap0 3>"$dir/ready" >/dev/null 2>"$dir/slirp.log" &
slirp=$!
if ! read -r -n1 _ <"$dir/ready"; then
	echo "slirpwrap: slirp4netns did not start:" >&2
	cat "$dir/slirp.log" >&2
	kill "$child" 2>/dev/null
	exit 125
fi
if [[ -n ${SLIRPWRAP_PUBLISH:-} ]] && ! python3 - "$dir/api.sock" "$SLIRPWRAP_PUBLISH" <<'EOF'
import json, socket, sys
hp, gp = (int(x) for x in sys.argv[2].split(":"))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {
    "proto": "tcp", "host_addr": "0.0.0.0", "host_port": hp, "guest_port": gp}}).encode())
s.shutdown(socket.SHUT_WR)
r = json.loads(s.makefile().read())
sys.exit(0 if "return" in r else "slirpwrap: add_hostfwd: %s" % r)
EOF
then
	kill "$child" 2>/dev/null
	exit 125
fi
echo go >"$dir/go"
wait "$child"
rc=$?
# wait returns >128 when interrupted by a trapped signal: wait again
while kill -0 "$child" 2>/dev/null; do
	wait "$child"
	rc=$?
done
exit "$rc"
