# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# multinode/setup.sh - the fixtures of tests/e2e/multinode.sh (source it
# after e2e_setup): three nodes (tests/lib/nodes.sh), etcd on the bridge,
# one "b4ns daemon" per node as the test user, and the helpers the tests
# use to run containers on a node and read a daemon's log and registry.

# shellcheck source-path=SCRIPTDIR source=../../lib/nodes.sh
source "$SRC/tests/lib/nodes.sh"

MN_NET=mn # the containers' network
ETCD_URL="http://$(nodes_addr br):2379"
ETCD_DATA=$WORK/etcd/data
LEASE_TTL=5

# mn_cleanup - (E2E_CLEANUP) stop the daemons and etcd, then whatever still
# runs in the nodes' namespaces (supervisors of containers whose daemon
# was killed) or in a container of theirs (every process started on a
# node has XDG_RUNTIME_DIR=WORK/nN/xdg), and remove the namespaces
mn_cleanup() {
	local p e
	stop_all_bg
	for p in $(nodes_pids); do
		kill -KILL "$p" 2>/dev/null
	done
	for e in /proc/[0-9]*/environ; do
		if grep -qzx "XDG_RUNTIME_DIR=$WORK/n[0-9]/xdg" "$e" 2>/dev/null; then
			p=${e#/proc/}
			kill -KILL "${p%/environ}" 2>/dev/null
		fi
	done
	nodes_down
}

# node_user I CMD... - CMD as the test user in node I's namespace, with
# node I's XDG_RUNTIME_DIR; nsenter, setpriv and env exec, so "$!" of
# "node_user I CMD &" would be a subshell's: use bg_node for that
node_user() {
	local i=$1
	shift
	node_pfx "$i"
	"${NPFX[@]}" "$@"
}

# node_pfx I - NPFX: the command prefix of node_user
NPFX=()
node_pfx() {
	NPFX=(nsenter "--net=/run/netns/$(nodes_ns "$1")" -- setpriv
		"--reuid=$TEST_USER" "--regid=$TEST_USER" --init-groups --
		env -i HOME=/tmp "PATH=$USER_PATH" LANG=C.UTF-8
		"XDG_RUNTIME_DIR=$WORK/n$1/xdg")
}

# on_node I CMD... - node_user under T_TIMEOUT
on_node() {
	node_pfx "$1"
	shift
	timeout -k 5 "$T_TIMEOUT" "${NPFX[@]}" "$@"
}

# bg_node NAME I CMD... - node_user in the background, output in
# WORK/NAME.log; BG_PIDS[NAME] is CMD's own pid (stop_bg NAME)
bg_node() {
	local name=$1
	shift
	echo "\$ (background $name, node $1) ${*:2}"
	rm -f "$WORK/$name.log"
	node_pfx "$1"
	shift
	"${NPFX[@]}" "$@" >"$WORK/$name.log" 2>&1 </dev/null &
	BG_PIDS["$name"]=$!
}

# sock I - node I's daemon socket
sock() {
	printf '%s\n' "$WORK/n$1/b4ns.sock"
}

# ctr_on I [B4NS-RUN-OPTION...] -- CMD... - a container on node I served
# by its daemon, in network MN_NET unless an option names another one,
# --net=none, in the foreground
ctr_on() {
	local i=$1 net=(--network="$MN_NET")
	shift
	[[ " $* " == *" --network="* ]] && net=()
	on_node "$i" "$B4NS" run --net=none --daemon="$(sock "$i")" "${net[@]}" "$@"
}

# bg_ctr_on NAME I [B4NS-RUN-OPTION...] -- CMD... - ctr_on in the
# background
bg_ctr_on() {
	local name=$1 i=$2
	shift 2
	bg_node "$name" "$i" "$B4NS" run --net=none --daemon="$(sock "$i")" \
		--network="$MN_NET" "$@"
}

# etcd_start - etcd in the bridge's namespace, clients on ETCD_URL, data
# in ETCD_DATA (kept across restarts); waits until it serves
etcd_start() {
	mkdir -p "$ETCD_DATA"
	# a restart: the "ready" line of the last run is no answer
	if [[ -s $WORK/etcd.log ]]; then
		cat "$WORK/etcd.log" >>"$WORK/etcd-before.log"
		: >"$WORK/etcd.log"
	fi
	echo "\$ (background etcd) $ETCD --data-dir $ETCD_DATA --listen-client-urls $ETCD_URL"
	nsenter --net="/run/netns/$(nodes_ns br)" -- "$ETCD" --name mn --data-dir "$ETCD_DATA" \
		--listen-client-urls "$ETCD_URL" \
		--advertise-client-urls "$ETCD_URL" \
		--listen-peer-urls http://127.0.0.1:2380 \
		--initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster mn=http://127.0.0.1:2380 \
		>"$WORK/etcd.log" 2>&1 </dev/null &
	# shellcheck disable=SC2034 # common.sh's table of background servers
	BG_PIDS["etcd"]=$!
	wait_log etcd 'ready to serve client requests' 20
}

# daemon_start I [OPTION...] - node I's daemon (log WORK/dI.log, -v) with
# the etcd registry (unless an OPTION says --registry=...) and
# WORK/nI/daemon.cfg; waits until it listens (and, with etcd, is
# connected)
daemon_start() {
	local i=$1 reg
	shift
	reg=(--registry=etcd --etcd="$ETCD_URL" --node-address="$(nodes_addr "$i")"
		--node="n$i" --etcd-lease-ttl="$LEASE_TTL")
	[[ " $* " == *" --registry="* ]] && reg=()
	bg_node "d$i" "$i" "$B4NS" daemon -v --socket="$(sock "$i")" \
		--config="$WORK/n$i/daemon.cfg" "${reg[@]}" "$@"
	wait_log "d$i" 'info: listening on' 10 || return 1
	if ((${#reg[@]})); then
		wait_log "d$i" "cluster: etcd .*: connected, node n$i" 10
	fi
}

# mark I - the number of lines of node I's daemon log so far
mark() {
	wc -l <"$WORK/d$1.log"
}

# dlog_wait I MARK REGEX [SECONDS] - a line of node I's daemon log after
# line MARK matches REGEX (extended) within SECONDS (default 5); prints it
dlog_wait() {
	local i=$1 m=$2 re=$3 secs=${4:-5} k
	for ((k = 0; k < secs * 10; k++)); do
		if tail -n "+$((m + 1))" "$WORK/d$i.log" | grep -E -m1 -- "$re"; then
			return 0
		fi
		sleep 0.1
	done
	echo "FAIL: no line matching '$re' in node $i's daemon log after line $m; since:"
	tail -n "+$((m + 1))" "$WORK/d$i.log" | tail -n 30 | sed 's/^/    /'
	return 1
}

# dlog_none I MARK REGEX - no line of node I's daemon log after MARK
# matches REGEX
dlog_none() {
	local hit
	hit=$(tail -n "+$(($2 + 1))" "$WORK/d$1.log" | grep -E -m1 -- "$3" || true)
	if [[ -n $hit ]]; then
		echo "FAIL: node $1's daemon logged: $hit"
		return 1
	fi
}

# entries I - node I's registry, one line per entry: "NETWORK ADDRESS:PORT
# PROTO HOST:PORT NODE local|remote" (empty if the daemon does not answer)
entries() {
	node_user "$1" "$B4NS" status --json --socket="$(sock "$1")" 2>/dev/null |
		"$PYTHON" -c 'import json, sys
for e in json.load(sys.stdin)["registry"]["entries"]:
    print(e["network"], e["address"], e["proto"], e["host"], e["node"],
          "remote" if e["remote"] else "local")' 2>/dev/null || true
}

# wait_entry I REGEX SECONDS - until node I's registry has an entry line
# matching REGEX; prints the milliseconds it took
wait_entry() {
	local i=$1 re=$2 secs=$3 t0 now
	t0=$(date +%s%N)
	while :; do
		entries "$i" | grep -Eq -- "$re" && break
		now=$(date +%s%N)
		if (((now - t0) / 1000000 > secs * 1000)); then
			echo "FAIL: no entry matching '$re' on node $i after ${secs}s:" >&2
			entries "$i" | sed 's/^/    /' >&2
			return 1
		fi
		sleep 0.05
	done
	echo $((($(date +%s%N) - t0) / 1000000))
}

# count_from NAME ADDR - lines of server NAME's log showing a client from
# ADDR ("serve-peer: #N from ADDR:PORT", "udp-echo: #N from ADDR:PORT")
count_from() {
	grep -Ec -- "#[0-9]+ from ${2//./\\.}:" "$WORK/$1.log" || true
}

# note LINE - a measured figure, printed as "# LINE" after the results
note() {
	echo "$*"
	echo "$*" >>"$WORK/notes.txt"
}

# ---- the nodes, etcd, the daemons ----------------------------------------------

nodes_up 3 || die "cannot create the nodes' namespaces"
E2E_CLEANUP+=(mn_cleanup)
for n in 1 2 3; do
	mkdir -p "$WORK/n$n/xdg"
	chmod 700 "$WORK/n$n/xdg"
	# the switch_udp section "udp" (b4ns run --daemon cannot say
	# --switch-udp itself) and "reload", edited by the SIGHUP test
	cat >"$WORK/n$n/daemon.cfg" <<'EOF'
containers = {
	udp = { switch_udp = true; };
	reload = { };
};
EOF
	chown -R "$TEST_USER:" "$WORK/n$n"
done
: >"$WORK/notes.txt"
etcd_start || die "etcd did not start (see $WORK/etcd.log)"
for n in 1 2 3; do
	daemon_start "$n" || die "node $n's daemon did not start"
done
