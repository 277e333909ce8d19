# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# nodes.sh - "nodes" as network namespaces on one bridge, for the
# multi-node tests (tests/e2e/multinode.sh) and the cross-node benchmark
# (bench/multinode).  Source it; it needs only ip(8) and nsenter(1), as
# root.
#
#   PFX-br    the bridge's namespace: br0 with NODES_NET.254/24 (etcd
#             listens there), the bridge ends v1..vN of the nodes' veths
#   PFX-n1    node 1: eth0 NODES_NET.1/24, lo
#   ...
#   PFX-nN    node N: eth0 NODES_NET.N/24
#
# No namespace has a default route, and nothing routes between them: a
# node reaches the others' NODES_NET addresses over the bridge and nothing
# else, in particular no container's address.  Every address lives only
# in these namespaces.  nsenter is used, not "ip netns exec", which
# remounts /sys (rootless containers started under it misbehave).
#
# Variables (set before nodes_up): NODES_PFX (default b4mn), NODES_NET
# (default 10.78.0).

NODES_PFX=${NODES_PFX:-b4mn}
NODES_NET=${NODES_NET:-10.78.0}

# nodes_ns I - the namespace name of node I ("br" for the bridge's)
nodes_ns() {
	printf '%s-%s\n' "$NODES_PFX" "$([[ $1 == br ]] && echo br || echo "n$1")"
}

# nodes_addr I - node I's address (br: the bridge's)
nodes_addr() {
	printf '%s.%s\n' "$NODES_NET" "$([[ $1 == br ]] && echo 254 || echo "$1")"
}

# nodes_x I CMD... - run CMD as root in node I's namespace (br: the
# bridge's)
nodes_x() {
	local ns
	ns=$(nodes_ns "$1")
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

# nodes_del_ns NAME - remove namespace NAME if it exists
nodes_del_ns() {
	if [[ -e /run/netns/$1 ]]; then
		ip netns delete "$1" 2>/dev/null || rm -f "/run/netns/$1"
	fi
}

# nodes_up N - create the bridge namespace and nodes 1..N (stale ones of
# the same names from a crashed run are replaced); status 1 on failure
nodes_up() {
	local n=$1 i ns br
	br=$(nodes_ns br)
	nodes_down
	ip netns add "$br" || return 1
	nodes_x br ip link set lo up &&
		nodes_x br ip link add br0 type bridge &&
		nodes_x br ip addr add "$(nodes_addr br)/24" dev br0 &&
		nodes_x br ip link set br0 up || return 1
	for ((i = 1; i <= n; i++)); do
		ns=$(nodes_ns "$i")
		ip netns add "$ns" || return 1
		nodes_x "$i" ip link set lo up &&
			ip link add eth0 netns "$ns" type veth peer name "v$i" \
				netns "$br" &&
			nodes_x "$i" ip addr add "$(nodes_addr "$i")/24" dev eth0 &&
			nodes_x "$i" ip link set eth0 up &&
			nodes_x br ip link set "v$i" master br0 &&
			nodes_x br ip link set "v$i" up || return 1
	done
}

# nodes_down - remove every namespace of NODES_PFX (the veths go with
# them); the processes still in them are the caller's to stop first
nodes_down() {
	local ns
	for ns in /run/netns/"$NODES_PFX"-br /run/netns/"$NODES_PFX"-n*; do
		[[ -e $ns ]] && nodes_del_ns "${ns##*/}"
	done
	return 0
}

# nodes_pids - the processes in any of the namespaces (for cleanup)
nodes_pids() {
	local ns
	for ns in /run/netns/"$NODES_PFX"-br /run/netns/"$NODES_PFX"-n*; do
		[[ -e $ns ]] && ip netns pids "${ns##*/}" 2>/dev/null
	done
	return 0
}
