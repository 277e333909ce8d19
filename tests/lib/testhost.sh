#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# testhost.sh - the isolated "test host" network used by the b4ns end-to-end
# tests.
#
#   testhost.sh up      create it (idempotent)
#   testhost.sh down    remove it (idempotent)
#   testhost.sh status  show it
#
# Two named network namespaces joined by a veth pair:
#
#   b4ns-th   (the test host: servers and the b4ns supervisor run here)
#       lo     127.0.0.1/8, ::1
#       b4th0  10.77.0.1/24, fd77::1/64
#   b4ns-peer
#       lo
#       b4pe0  10.77.0.2/24, fd77::2/64
#
# b4ns-th's default routes point at b4ns-peer, which routes nowhere further
# (pasta wants an "external" interface with a default route); nothing leaves
# these two namespaces: every test address stays in them or their loopback.  The kernel of the CI machine has no "dummy"
# link type, hence the veth pair.  Must run as root.
#
# The names can be overridden with B4NS_TH_NS / B4NS_PEER_NS (for parallel
# runs); addresses are fixed.

set -euo pipefail

TH_NS=${B4NS_TH_NS:-b4ns-th}
PEER_NS=${B4NS_PEER_NS:-b4ns-peer}
TH_IF=b4th0
PEER_IF=b4pe0
TH_ADDR4=10.77.0.1/24
PEER_ADDR4=10.77.0.2/24
TH_ADDR6=fd77::1/64
PEER_ADDR6=fd77::2/64

die() {
	echo "testhost.sh: $*" >&2
	exit 1
}

# nsx NS CMD... - run CMD in network namespace NS without remounting /sys
# (unlike "ip netns exec").
nsx() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

ns_exists() {
	[[ -e "/run/netns/$1" ]] && nsx "$1" true 2>/dev/null
}

ensure_ns() {
	local ns=$1
	if [[ -e "/run/netns/$ns" ]] && ! ns_exists "$ns"; then
		# Stale mount point left by a crashed run.
		ip netns delete "$ns" 2>/dev/null || rm -f "/run/netns/$ns"
	fi
	if ! ns_exists "$ns"; then
		ip netns add "$ns"
	fi
	nsx "$ns" ip link set lo up
}

# ensure_addr NS IF ADDR [nodad]
ensure_addr() {
	local ns=$1 dev=$2 addr=$3 have
	shift 3
	have=$(nsx "$ns" ip -o addr show dev "$dev")
	if ! grep -F " ${addr} " >/dev/null <<<"$have"; then
		nsx "$ns" ip addr add "$addr" dev "$dev" "$@"
	fi
}

up() {
	[[ $(id -u) -eq 0 ]] || die "must run as root"
	ensure_ns "$TH_NS"
	ensure_ns "$PEER_NS"

	if ! nsx "$TH_NS" ip link show "$TH_IF" >/dev/null 2>&1; then
		# Half-made pair from an interrupted run?
		nsx "$PEER_NS" ip link delete "$PEER_IF" 2>/dev/null || true
		ip link delete "$TH_IF" 2>/dev/null || true
		ip link delete "$PEER_IF" 2>/dev/null || true
		ip link add "$TH_IF" netns "$TH_NS" type veth \
			peer name "$PEER_IF" netns "$PEER_NS"
	fi
	if ! nsx "$PEER_NS" ip link show "$PEER_IF" >/dev/null 2>&1; then
		die "$PEER_IF is not in $PEER_NS; run '$0 down' first"
	fi

	ensure_addr "$TH_NS" "$TH_IF" "$TH_ADDR4"
	ensure_addr "$TH_NS" "$TH_IF" "$TH_ADDR6" nodad
	ensure_addr "$PEER_NS" "$PEER_IF" "$PEER_ADDR4"
	ensure_addr "$PEER_NS" "$PEER_IF" "$PEER_ADDR6" nodad
	nsx "$TH_NS" ip link set "$TH_IF" up
	nsx "$PEER_NS" ip link set "$PEER_IF" up
	nsx "$TH_NS" ip route replace default via "${PEER_ADDR4%/*}" dev "$TH_IF"
	nsx "$TH_NS" ip -6 route replace default via "${PEER_ADDR6%/*}" dev "$TH_IF"
}

down() {
	[[ $(id -u) -eq 0 ]] || die "must run as root"
	local ns
	for ns in "$TH_NS" "$PEER_NS"; do
		if [[ -e "/run/netns/$ns" ]]; then
			ip netns delete "$ns" 2>/dev/null || rm -f "/run/netns/$ns"
		fi
	done
	# Deleting a namespace destroys its veth end and with it the peer.
}

status() {
	local ns
	for ns in "$TH_NS" "$PEER_NS"; do
		echo "== $ns"
		if ns_exists "$ns"; then
			nsx "$ns" ip -br addr
			nsx "$ns" ip route
			nsx "$ns" ip -6 route
		else
			echo "(absent)"
		fi
	done
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*)
	echo "usage: $0 up|down|status" >&2
	exit 2
	;;
esac
