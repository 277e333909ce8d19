#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# multinode.sh - end-to-end tests of issue 12 across nodes: containers on
# three "nodes", each with its own "b4ns daemon" sharing the registry of
# container services through a real etcd, reach each other by container
# address, host to host, under the containers' egress rules.
#
# Usage (as root):
#   sudo tests/e2e/multinode.sh [--prefix DIR] [--build DIR] [--keep]
#                               [--etcd PATH] [-k REGEX] [-v]
#
#   --prefix DIR   b4ns install prefix: DIR/bin/b4ns is tested, and
#                  DIR/bin/b4ns-probe if present (env B4NS_PREFIX).  Default:
#                  copy B4NS_BUILD/b4ns into a world-readable scratch
#                  directory.
#   --build DIR    build tree holding b4ns and tests/b4ns-probe (env
#                  B4NS_BUILD, default: build/ of this tree).
#   --keep         leave the scratch directory (logs, etcd data); the
#                  namespaces are removed anyway.
#   --etcd PATH    the etcd server binary (default: /usr/bin/etcd, Debian's
#                  etcd-server); without it every test is skipped.
#   -k REGEX       run only the tests whose name matches (or T_FILTER=REGEX).
#   -v             show the output of passing tests too.
#
# The nodes (tests/lib/nodes.sh, namespaces b4mn-br and b4mn-n1..3): a
# bridge br0 in b4mn-br (10.78.0.254/24, where etcd serves its clients)
# and node N's eth0 at 10.78.0.N/24 on it.  No namespace has a default
# route; nothing routes to the containers' addresses.  On every node a
# "b4ns daemon -v --registry=etcd --node-address=10.78.0.N --node=nN
# --etcd-lease-ttl=5" runs as the test user (socket WORK/nN/b4ns.sock,
# XDG_RUNTIME_DIR WORK/nN/xdg, config WORK/nN/daemon.cfg with the sections
# "udp" (switch_udp) and "reload").  Containers are "b4ns run --net=none
# --daemon=WORK/nN/b4ns.sock --network=mn --ip=10.79.N.x/16" as the test
# user on node N: their namespace has lo and b4ns0 with that address,
# nothing else, so 10.79.3.2 seen from node 1's container is an address of
# its own subnet without a neighbour, and from node 1 itself no route.
#
#   S3  node 3, 10.79.3.2/16, -p 18080:80:      serve-peer on 0.0.0.0:80
#   U3  node 3, 10.79.3.3/16, -p 15353:5353/udp: udp-echo (section udp)
#   S2  node 2, 10.79.2.2/16, -p 18080:80:      serve-peer on 0.0.0.0:80
#
# serve-peer writes "peer ADDR:PORT" (the address it accepted) to every
# client and logs "#N from ADDR:PORT": a client that reads "peer
# 10.78.0.1:..." went host to host from node 1.  The figures measured (how
# long a killed node's entries outlive it, how long a change made while
# etcd was down takes to arrive) are printed as "# " lines at the end.
#
# Output: TAP-like "ok N - name" lines, "# " diagnostics under failures,
# and a last line "N passed, M failed[, K skipped]"; exit 1 if any failed.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

ETCD=/usr/bin/etcd
# shellcheck disable=SC2034 # E2E_USED: read by e2e_parse_args
suite_option() {
	case $1 in
	--etcd) ETCD=${2:?}; E2E_USED=2 ;;
	--etcd=*) ETCD=${1#*=}; E2E_USED=1 ;;
	esac
}
e2e_parse_args "$@"
e2e_need_root
if [[ ! -x $ETCD ]]; then
	echo "ok 1 - multinode # SKIP no etcd at $ETCD (Debian: etcd-server)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
e2e_need_tools nsenter setpriv ip timeout busybox
e2e_need_python
e2e_setup multinode --probe --b4ns
"$PROBE" help | grep -q 'serve-peer' ||
	die "$PROBE has no serve-peer: rebuild it from tests/e2e/probe/"
PROBE_IN=b4ns-probe
# shellcheck source-path=SCRIPTDIR source=multinode/setup.sh
source "$HERE/multinode/setup.sh"

SERVE=("$PROBE_IN" serve-peer 0.0.0.0 80 --count 1000 --timeout 600000)
bg_ctr_on S3 3 --ip=10.79.3.2/16 -p 18080:80 -- "${SERVE[@]}"
bg_ctr_on U3 3 --ip=10.79.3.3/16 --container=udp -p 15353:5353/udp -- \
	"$PROBE_IN" udp-echo 0.0.0.0 5353
bg_ctr_on S2 2 --ip=10.79.2.2/16 -p 18080:80 -- "${SERVE[@]}"
wait_logs 'listening on' S3 U3 S2 || die "the servers did not start"

echo "# b4ns: $B4NS, etcd $ETCD at $ETCD_URL, nodes $(nodes_ns 1)..3"

# ---- a. node 1 -> node 3 by container address ------------------------------------

# the namespaces offer no way between the containers' networks: from node
# 1 (and node 3) no route to the other's containers, and the container's
# own namespace knows only its b4ns0 subnet
t_no_route() {
	local i dst
	for i in 1 3; do
		dst=10.79.$((4 - i)).2
		expect_rc 2 nodes_x "$i" ip route get "$dst"
		expect_err "Network is unreachable"
	done
	expect_ok ctr_on 1 --ip=10.79.1.2/16 -- busybox ip route
	expect_eq "$(grep -c . "$T_OUT")" 1 "routes in node 1's container"
	expect_out "10.79.0.0/16 dev b4ns0"
}
run_test "topology: no route from node 1 to node 3's containers or back; a container's only route is its b4ns0 subnet" t_no_route

t_tcp() {
	local m before
	# node 1 knows S3 from etcd: a remote entry at node 3's address
	wait_entry 1 "^mn 10\.79\.3\.2:80 tcp 10\.78\.0\.3:18080 n3 remote$" 5
	before=$(count_from S3 10.78.0.1)
	m=$(mark 1)
	expect_ok ctr_on 1 --ip=10.79.1.2/16 -- \
		"$PROBE_IN" connect 10.79.3.2 80 --check-peer --recv
	# getpeername() is S3's container address, S3 accepted node 1
	expect_out "peer 10.79.3.2:80 "
	expect_out "recv: peer 10.78.0.1:"
	dlog_wait 1 "$m" "switch connect pid=[0-9]+ fd=[0-9]+ 10\.79\.3\.2:80 -> 10\.78\.0\.3:18080: container service on another node"
	expect_eq "$(($(count_from S3 10.78.0.1) - before))" 1 \
		"connections S3 accepted from 10.78.0.1"
}
run_test "TCP: node 1's container connects to 10.79.3.2:80 (S3 on node 3, published 18080): switched to 10.78.0.3:18080, S3 accepts node 1's address" t_tcp

t_udp_connected() {
	local m before
	wait_entry 1 "^mn 10\.79\.3\.3:5353 udp 10\.78\.0\.3:15353 n3 remote$" 5
	before=$(count_from U3 10.78.0.1)
	m=$(mark 1)
	expect_ok ctr_on 1 --ip=10.79.1.2/16 --container=udp -- \
		"$PROBE_IN" udp 10.79.3.3 5353
	expect_out "udp echo 'ping-"
	dlog_wait 1 "$m" "switch connect pid=[0-9]+ fd=[0-9]+ 10\.79\.3\.3:5353 -> 10\.78\.0\.3:15353: container service on another node"
	expect_eq "$(($(count_from U3 10.78.0.1) - before))" 1 \
		"datagrams U3 got from 10.78.0.1"
}
run_test "UDP connected: node 1's container to 10.79.3.3:5353 (U3 on node 3, 15353/udp): switched, echoed, U3 sees node 1's address" t_udp_connected

t_udp_sendto() {
	local m before
	before=$(count_from U3 10.78.0.1)
	m=$(mark 1)
	# the reply's source is node 3's address, not 10.79.3.3: only the
	# delivery is checked
	expect_ok ctr_on 1 --ip=10.79.1.2/16 --container=udp -- \
		"$PROBE_IN" udp-sendto 10.79.3.3 5353 --no-reply
	dlog_wait 1 "$m" "switch send pid=[0-9]+ fd=[0-9]+ 10\.79\.3\.3:5353: container service on another node"
	sleep 0.3
	expect_eq "$(($(count_from U3 10.78.0.1) - before))" 1 \
		"datagrams U3 got from 10.78.0.1"
}
run_test "UDP sendto: node 1's unconnected datagram to 10.79.3.3:5353 reaches U3 from node 1's address" t_udp_sendto

# fails unswitched: nothing answers at 10.79.3.2 in node 1's container
# (connect --wait 2000: a switched connect takes milliseconds)
unreached() {
	local before
	before=$(count_from S3 10.78.0.1)
	expect_rc 1 "$@" "$PROBE_IN" connect 10.79.3.2 80 --nonblock --wait 2000 --recv
	! grep -q 'recv: peer' "$T_OUT" || { echo "FAIL: S3 answered"; return 1; }
	expect_eq "$(($(count_from S3 10.78.0.1) - before))" 0 \
		"connections S3 accepted from 10.78.0.1"
}

t_other_network() {
	local m
	m=$(mark 1)
	unreached ctr_on 1 --network=other --ip=10.79.1.2/16 --
	dlog_wait 1 "$m" "container run-[0-9]+ gone"
	dlog_none 1 "$m" "10\.79\.3\.2:80 .*container service"
}
run_test "a container of network 'other' on node 1: its connect to 10.79.3.2:80 is not switched to S3 (fails)" t_other_network

t_without_registry() {
	local m
	# (its own directory: b4ns.ctl goes beside the socket)
	local esock=$WORK/n1/embedded/b4ns.sock
	own_cleanup
	# node 1 with an embedded registry: a second daemon of its own
	bg_node d1e 1 "$B4NS" daemon -v --socket="$esock" --registry=embedded \
		--config="$WORK/n1/daemon.cfg"
	T_MINE+=(d1e)
	wait_log d1e 'info: listening on' 10
	expect_ok on_node 1 "$B4NS" status --socket="$esock"
	expect_out "registry: embedded, 0 local, 0 remote entries"
	m=$(mark 1e)
	unreached on_node 1 "$B4NS" run --net=none --daemon="$esock" \
		--network="$MN_NET" --ip=10.79.1.2/16 --
	dlog_wait 1e "$m" "container run-[0-9]+ gone"
	dlog_none 1e "$m" "container service"
	# and a plain b4ns run, no daemon
	unreached on_node 1 "$B4NS" run --net=none --network="$MN_NET" \
		--ip=10.79.1.2/16 --
}
run_test "the same connect through a node-1 daemon with --registry=embedded, or a plain b4ns run: fails" t_without_registry

# ---- d. egress rules on a cross-node connect -----------------------------------

t_egress_deny() {
	local m before
	wait_entry 1 "^mn 10\.79\.2\.2:80 tcp 10\.78\.0\.2:18080 n2 remote$" 5
	before=$(count_from S2 10.78.0.1)
	m=$(mark 1)
	expect_ok ctr_on 1 --ip=10.79.1.2/16 --egress-deny=10.79.2.2/32:80/tcp -- \
		"$PROBE_IN" connect 10.79.2.2 80 --expect ECONNREFUSED
	dlog_wait 1 "$m" "egress: TCP to 10\.79\.2\.2:80 denied by rule '10\.79\.2\.2/32:80/tcp'"
	# another port of the rule's address is not denied (nothing there)
	expect_ok ctr_on 1 --ip=10.79.1.2/16 --egress-deny=10.79.2.2/32:80/tcp -- \
		"$PROBE_IN" connect 10.79.2.2 81 --nonblock --wait 500 --expect ETIMEDOUT
	dlog_none 1 "$m" "egress: TCP to 10\.79\.2\.2:81"
	# a deny rule on the node the service lives on refuses it too: the
	# registry never takes a container where its rules forbid
	m=$(mark 1)
	expect_ok ctr_on 1 --ip=10.79.1.2/16 --egress-deny=10.78.0.2/32 -- \
		"$PROBE_IN" connect 10.79.2.2 80 --expect ECONNREFUSED
	dlog_wait 1 "$m" "egress: TCP to 10\.78\.0\.2:18080 denied by rule '10\.78\.0\.2/32'"
	# without the rule the same connect reaches S2
	expect_ok ctr_on 1 --ip=10.79.1.2/16 -- \
		"$PROBE_IN" connect 10.79.2.2 80 --recv
	expect_out "recv: peer 10.78.0.1:"
	expect_eq "$(($(count_from S2 10.78.0.1) - before))" 1 \
		"connections S2 accepted from 10.78.0.1"
}
run_test "egress: --egress-deny=10.79.2.2/32:80/tcp (the container address) or 10.78.0.2/32 (its node) refuses the cross-node connect to S2 with ECONNREFUSED, logged with the rule; without it S2 answers" t_egress_deny

# reload_restore - node 1's config as it was, reloaded; R1 stopped
# shellcheck disable=SC2317 # the EXIT trap of t_reload calls it
reload_restore() {
	cp "$WORK/reload.saved" "$WORK/n1/daemon.cfg"
	kill -HUP "$(bg_pid d1)" 2>/dev/null || true
	stop_mine
}

t_reload() {
	local m conf=$WORK/n1/daemon.cfg go=$CTR_DIR/go-reload id
	rm -f "$go"
	cp "$conf" "$WORK/reload.saved"
	trap reload_restore EXIT
	m=$(mark 1)
	# one container, two connects: the second after the reload
	T_MINE+=(R1)
	bg_ctr_on R1 1 --ip=10.79.1.2/16 --container=reload -- busybox sh -c "
		$PROBE_IN connect 10.79.2.2 80 --recv || exit 3
		echo FIRST-DONE
		while [ ! -e $go ]; do sleep 0.1; done
		$PROBE_IN connect 10.79.2.2 80 --expect ECONNREFUSED || exit 4
		echo SECOND-DONE"
	wait_lines R1 FIRST-DONE 1 10
	grep -q 'recv: peer 10.78.0.1:' "$WORK/R1.log" ||
		{ echo "FAIL: the first connect did not reach S2"; show_log R1; return 1; }
	id=$(dlog_wait 1 "$m" "container run-[0-9]+: pid" | grep -Eo 'run-[0-9]+')
	sed -i 's|reload = { };|reload = { egress_deny = [ "10.79.2.0/24" ]; };|' "$conf"
	grep -q '10.79.2.0/24' "$conf" || { echo "FAIL: config not edited"; return 1; }
	m=$(mark 1)
	kill -HUP "$(bg_pid d1)"
	dlog_wait 1 "$m" "container $id: reloaded settings applied"
	touch "$go"
	wait_done R1 0 10
	dlog_wait 1 "$m" "egress: TCP to 10\.79\.2\.2:80 denied by rule '10\.79\.2\.0/24'"
}
run_test "SIGHUP: a deny rule added to node 1's config applies to a running container's next cross-node connect (ECONNREFUSED)" t_reload

# ---- c. etcd down and back ---------------------------------------------------------

t_etcd_outage() {
	local m ms t0
	wait_entry 1 "^mn 10\.79\.2\.2:80 tcp 10\.78\.0\.2:18080 n2 remote$" 5
	m=$(mark 1)
	kill -KILL "$(bg_pid etcd)"
	wait "$(bg_pid etcd)" 2>/dev/null || true
	dlog_wait 1 "$m" "cluster: etcd unreachable, serving the cached registry" 10
	# node 1's cache still switches to S2
	expect_ok ctr_on 1 --ip=10.79.1.2/16 -- \
		"$PROBE_IN" connect 10.79.2.2 80 --recv
	expect_out "recv: peer 10.78.0.1:"
	# a container started on node 2 meanwhile
	own_cleanup
	bg_ctr_on S2b 2 --ip=10.79.2.3/16 -p 18081:80 -- "${SERVE[@]}"
	T_MINE+=(S2b)
	wait_log S2b 'listening on' 10
	sleep 1
	if entries 1 | grep -q '10\.79\.2\.3:80'; then
		echo "FAIL: node 1 knows S2b while etcd is down?"
		return 1
	fi
	# etcd back on its data: S2b arrives on node 1
	t0=$(date +%s%N)
	etcd_start
	ms=$(wait_entry 1 "^mn 10\.79\.2\.3:80 tcp 10\.78\.0\.2:18081 n2 remote$" 30)
	note "etcd killed and restarted: S2b (started on node 2 while etcd was down) on node 1 $(($(date +%s%N) / 1000000 - t0 / 1000000)) ms after the restart began (${ms} ms after etcd served)"
	expect_ok ctr_on 1 --ip=10.79.1.2/16 -- \
		"$PROBE_IN" connect 10.79.2.3 80 --check-peer --recv
	expect_out "recv: peer 10.78.0.1:"
	# the older entries survived the outage
	entries 1 | grep -Eq '^mn 10\.79\.2\.2:80 tcp 10\.78\.0\.2:18080 n2 remote$' ||
		{ echo "FAIL: S2's entry is gone from node 1"; entries 1; return 1; }
}
run_test "etcd SIGKILLed: node 1's cached entry keeps switching to S2; a container started on node 2 meanwhile appears on node 1 after etcd restarts" t_etcd_outage

# ---- b. a node dies ------------------------------------------------------------------

t_node_killed() {
	local t0 ms m
	wait_entry 1 " n3 remote$" 5
	t0=$(date +%s%N)
	kill -KILL "$(bg_pid d3)"
	while entries 1 | grep -q ' n3 remote$'; do
		if (($(date +%s%N) - t0 > (LEASE_TTL + 10) * 1000000000)); then
			break
		fi
		sleep 0.05
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "node 3's daemon SIGKILLed: its entries left node 1's registry after $ms ms (lease TTL ${LEASE_TTL} s)"
	entries 1 | sed 's/^/  entry: /'
	((ms <= (LEASE_TTL + 2) * 1000)) ||
		{ echo "FAIL: $ms ms > TTL + 2 s"; return 1; }
	# node 1's connect to S3's address falls back: it stays in the
	# container, where nothing answers
	m=$(mark 1)
	unreached ctr_on 1 --ip=10.79.1.2/16 --
	dlog_wait 1 "$m" "container run-[0-9]+ gone"
	dlog_none 1 "$m" "10\.79\.3\.2:80 .*container service"
}
run_test "node 3's daemon SIGKILLed: its entries leave node 1 within TTL + 2 s; node 1's connect to 10.79.3.2:80 then falls back (fails)" t_node_killed

sed 's/^/# /' "$WORK/notes.txt"
report_summary
