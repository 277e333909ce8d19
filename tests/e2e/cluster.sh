#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cluster.sh - issue 12: the daemon's registry shared through etcd
# (seccomp-path/cluster/) against a real etcd.
#
# Usage:
#   tests/e2e/cluster.sh [--build DIR] [--keep] [-k REGEX] [-v] [--etcd PATH]
#
#   --build DIR   build tree holding tests/b4ns-cluster-test (env
#                 B4NS_BUILD, default: build/ of this tree)
#   --keep        leave the scratch directory (etcd data and logs, certs)
#   -k REGEX      run only the tests whose name matches (or T_FILTER=REGEX)
#   --etcd PATH   the etcd server binary (default: /usr/bin/etcd, Debian's
#                 etcd-server); without it every test is skipped
#   -v            show the output of passing tests too
#
# Each test is one run of tests/e2e/cluster.c (b4ns-cluster-test TEST): it
# starts its own etcd on 127.0.0.1 with free ports and a data directory in
# the scratch directory, runs two sync instances ("nodes" n1 and n2, in one
# process, or n1 in a child process it SIGKILLs) and kills etcd at the end.
# The tls test uses a CA, a server and a client certificate and a second,
# unrelated CA made here with openssl. Nothing leaves 127.0.0.1.
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
if [[ ! -x $ETCD ]]; then
	echo "ok 1 - cluster # SKIP no etcd at $ETCD (Debian: etcd-server)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
e2e_need_tools openssl
e2e_setup cluster --helper b4ns-cluster-test
TEST_BIN=$WORK/bin/b4ns-cluster-test

# make_certs DIR - ca.pem, server.pem (127.0.0.1), client.pem and their
# keys, and other-ca.pem, a CA that signed none of them
make_certs() {
	local d=$1
	mkdir -p "$d"
	(
		cd "$d"
		for ca in ca other-ca; do
			openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
				-subj "/CN=b4ns test $ca" -keyout "$ca-key.pem" \
				-out "$ca.pem" 2>/dev/null
		done
		openssl req -newkey rsa:2048 -nodes -subj "/CN=etcd" \
			-keyout server-key.pem -out server.csr 2>/dev/null
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem \
			-CAcreateserial -days 2 -extfile server.ext \
			-out server.pem 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -subj "/CN=b4ns-node" \
			-keyout client-key.pem -out client.csr 2>/dev/null
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem \
			-CAcreateserial -days 2 -extfile client.ext \
			-out client.pem 2>/dev/null
	)
}
make_certs "$WORK/certs"

# t_cluster TEST - one run of the driver
t_cluster() {
	local v=()
	[[ $T_VERBOSE == 1 ]] && v=(-v)
	timeout -k 5 120 "$TEST_BIN" --etcd "$ETCD" --work "$WORK" \
		--certs "$WORK/certs" "${v[@]}" "$1"
}

run_test "cluster: a local put on n1 is a remote entry on n2 (whose first endpoint is dead) within 1 s (host: node address), auto networks and loopback listeners stay local, deletes and a clean stop propagate" t_cluster propagate
run_test "cluster: two nodes claiming one address keep their local entries; a node's delete spares the other's key, whose entry then takes its place" t_cluster conflict
run_test "cluster: a SIGKILLed node's entries leave the others within TTL + 2 s" t_cluster crash
run_test "cluster: etcd stopped, then killed and restarted: the cache keeps serving, changes made meanwhile arrive after" t_cluster outage
run_test "cluster: a watch resumed after a cut replays; after a compaction it resyncs" t_cluster compaction
run_test "cluster: remote values pointing at loopback, unspecified, multicast, link-local, or contradicting their key are refused" t_cluster reject
run_test "cluster: TLS with a client certificate works; no certificate, the wrong CA or plain HTTP fail in words" t_cluster tls
run_test "cluster: bad settings fail cluster_start in words; an unreachable etcd does not, the node connects when it comes" t_cluster settings

report_summary
