# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # variables read by common.sh and the suites
#
# e2e.sh - the preamble every b4ns end-to-end suite shares (source it after
# tests/lib/common.sh).
#
# A suite (tests/e2e/NAME.sh) is:
#
#	set -euo pipefail
#	export B4NS_TH_NS=${B4NS_TH_NS:-b4x-th} B4NS_PEER_NS=...   (if private)
#	source "$HERE/../lib/common.sh"
#	source "$HERE/../lib/e2e.sh"
#	e2e_parse_args "$@"          options below, suite_option for its own
#	e2e_setup NAME [--probe] [--helper EXE]... [--b4ns[=copy|=need-lib]]
#	          [--testhost] [--tun] [--content]
#	source "$HERE/NAME/setup.sh"  its fixtures: servers (start_bg), files,
#	                              helpers of its own (if it has many)
#	t_first() { ...; }
#	run_test "what the first test shows" t_first [ARGS]
#	... each test function followed by its run_test lines ...
#	report_summary
#
# A test function runs in a "set -e" subshell (common.sh's run_test): the
# first failing command fails the test, "skip REASON" skips it.
#
# Options every suite takes (e2e_parse_args):
#   --prefix DIR   b4ns install prefix: DIR/bin/b4ns is tested (env
#                  B4NS_PREFIX), and DIR/bin/b4ns-probe if present.
#                  Default: B4NS_BUILD/b4ns (and libb4ns.so beside it) copied
#                  into a world-readable scratch directory (the clone may sit
#                  where the test user cannot enter, e.g. /root).
#   --build DIR    build tree (env B4NS_BUILD, default SRC/build) holding
#                  b4ns, libb4ns.so and tests/b4ns-probe, tests/b4ns-attack,
#                  tests/fuse-stall; without tests/b4ns-probe the probe is
#                  compiled from tests/e2e/probe/*.c.
#   --keep         leave the scratch directory and the test host.
#   --chmod-tun    make /dev/net/tun usable by the test user (suites with
#                  --net=slirp4netns/pasta tests; mode restored on exit).
#   -k REGEX       run only the tests whose name matches (the same as the
#                  environment variable T_FILTER=REGEX, which ctest passes on:
#                  "T_FILTER=EISCONN ctest -R '^e2e-run$' -V").
#   -v             show the output of passing tests too.
# Any other argument goes to the suite's suite_option ARGS... function, if
# it has one: it sets E2E_USED to the number of arguments it took (0:
# unknown, then the usage is printed).
#
# What e2e_setup provides (each part on request):
#   WORK ($SCRATCH), a world-readable /tmp/b4ns-NAME.XXXXXX with bin/, and
#     the EXIT/INT/TERM traps: e2e_cleanup kills EXTRA_PIDS, runs the
#     suite's E2E_CLEANUP functions, stops the background servers, kills
#     what still runs a binary of WORK/bin, restores /dev/net/tun, takes the
#     test host down if this run created it and removes WORK (unless
#     --keep), then exits with the suite's status;
#   TEST_USER (created if missing) and CTR_DIR, a directory it owns;
#   PROBE (--probe) and WORK/bin/EXE (--helper EXE) from the build tree;
#   B4NS (--b4ns): the prefix's b4ns, or the build's copied with
#     libb4ns.so (=copy: the prefix's is copied too; =need-lib: libb4ns.so
#     must exist);
#   the test host (--testhost, tests/lib/testhost.sh up: TH_NS/PEER_NS);
#   /dev/net/tun opened to the test user (--tun: only with --chmod-tun or
#     CHMOD_TUN=1 set by the suite; its mode is restored on exit anyway);
#   CONTENT (--content): WORK/www/hello.txt, different on every run.
# and for tests: ctr / bg_ctr (containers), count_snapshot / counters /
# counters_moved (the count-server probes), wait_logs (servers ready),
# show_log, wait_lines, wait_done, wait_file, own_cleanup (background
# processes of one test), expect_count.

E2E_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${SRC:-$(cd "$E2E_LIB/../.." && pwd)}
PEER_NS=${B4NS_PEER_NS:-b4ns-peer}

B4NS_PREFIX=${B4NS_PREFIX:-}
B4NS_BUILD=${B4NS_BUILD:-$SRC/build}
B4NS=
PROBE=
KEEP=0
CHMOD_TUN=${CHMOD_TUN:-0}
TUN_MODE=
TH_PREEXISTED=1
E2E_TESTHOST=0
E2E_USED=0
# Suite functions e2e_cleanup runs before the servers are stopped.
E2E_CLEANUP=()
# Processes a test started outside stop_bg's reach (orphans of a killed
# supervisor, a slirp4netns): killed on exit by pid.
EXTRA_PIDS=()

# ---- options -----------------------------------------------------------------

# e2e_usage - the suite's header from line 4 through its "-v" option line
e2e_usage() {
	awk 'NR >= 4 { l = $0; sub(/^# ?/, "", l); print l }
		NR >= 4 && /^#   -v /{ exit }' "$0" >&2
	exit 2
}

# e2e_parse_args ARG... - the options above; others to suite_option
e2e_parse_args() {
	while (($# > 0)); do
		case $1 in
		--prefix) B4NS_PREFIX=${2:?}; shift ;;
		--prefix=*) B4NS_PREFIX=${1#*=} ;;
		--build) B4NS_BUILD=${2:?}; shift ;;
		--build=*) B4NS_BUILD=${1#*=} ;;
		--keep) KEEP=1 ;;
		--chmod-tun) CHMOD_TUN=1 ;;
		-k) T_FILTER=${2:?}; shift ;;
		-v) T_VERBOSE=1 ;;
		-h | --help) e2e_usage ;;
		*)
			E2E_USED=0
			if declare -F suite_option >/dev/null; then
				suite_option "$@"
			fi
			((E2E_USED > 0)) || e2e_usage
			shift $((E2E_USED - 1))
			;;
		esac
		shift
	done
	[[ $B4NS_BUILD == /* ]] || B4NS_BUILD=$PWD/$B4NS_BUILD
	[[ -z $B4NS_PREFIX || $B4NS_PREFIX == /* ]] || B4NS_PREFIX=$PWD/$B4NS_PREFIX
}

# e2e_need_root - die unless root
e2e_need_root() {
	[[ $(id -u) -eq 0 ]] || die "run as root (sudo $0)"
}

# e2e_need_tools TOOL... - die unless every TOOL is installed
e2e_need_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool is not installed"
	done
}

# e2e_need_python - PYTHON=/usr/bin/python3, or die
e2e_need_python() {
	PYTHON=/usr/bin/python3
	[[ -x $PYTHON ]] || die "$PYTHON is not installed"
}

# ---- scratch directory and cleanup ---------------------------------------------

# leftover_pids - processes still running one of this suite's binaries
leftover_pids() {
	local p exe
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		[[ $exe == "$WORK/bin/"* ]] && echo "${p#/proc/}"
	done
	return 0
}

# tun_restore - give /dev/net/tun back its mode from before the suite
tun_restore() {
	if [[ -n $TUN_MODE && -c /dev/net/tun &&
		$(stat -c %a /dev/net/tun) != "$TUN_MODE" ]]; then
		chmod "$TUN_MODE" /dev/net/tun || true
	fi
}

# e2e_cleanup - the EXIT trap (see the head of this file)
e2e_cleanup() {
	local rc=$? p fn left
	set +e
	for p in "${EXTRA_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null # (quiet: no "Killed" job report)
	done
	for fn in "${E2E_CLEANUP[@]}"; do
		"$fn"
	done
	stop_all_bg
	left=$(leftover_pids | tr '\n' ' ')
	if [[ -n ${left// /} ]]; then
		log "warning: processes of this suite still running: $left(killed)"
		# shellcheck disable=SC2086 # a list of pids
		kill -KILL $left 2>/dev/null
	fi
	tun_restore
	cd /
	if [[ $KEEP == 1 && $E2E_TESTHOST == 1 ]]; then
		log "kept: $WORK and the test host (B4NS_TH_NS=$TH_NS B4NS_PEER_NS=$PEER_NS tests/lib/testhost.sh down)"
	elif [[ $KEEP == 1 ]]; then
		log "kept: $WORK"
	else
		if [[ $E2E_TESTHOST == 1 && $TH_PREEXISTED == 0 ]]; then
			B4NS_TH_NS=$TH_NS B4NS_PEER_NS=$PEER_NS \
				"$SRC/tests/lib/testhost.sh" down
		fi
		rm -rf "$WORK"
	fi
	exit "$rc"
}

# e2e_scratch NAME - WORK=/tmp/b4ns-NAME.XXXXXX (mode 755) with bin/; the
# cleanup traps
e2e_scratch() {
	SCRATCH=$(mktemp -d "/tmp/b4ns-$1.XXXXXX")
	chmod 755 "$SCRATCH"
	common_init "$SCRATCH"
	mkdir -p "$WORK/bin"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ---- binaries ----------------------------------------------------------------

# e2e_install_helper NAME - copy BUILD/tests/NAME (or BUILD/NAME) to
# WORK/bin/NAME
e2e_install_helper() {
	local name=$1 f
	for f in "$B4NS_BUILD/tests/$name" "$B4NS_BUILD/$name"; do
		if [[ -x $f ]]; then
			cp "$f" "$WORK/bin/$name"
			chmod a+rx "$WORK/bin/$name"
			return 0
		fi
	done
	die "no $name in $B4NS_BUILD/tests (build the tree: cmake --build $B4NS_BUILD)"
}

# e2e_install_probe - PROBE=WORK/bin/b4ns-probe: the prefix's, the build's,
# or compiled from tests/e2e/probe/
e2e_install_probe() {
	PROBE=$WORK/bin/b4ns-probe
	if [[ -n $B4NS_PREFIX && -x $B4NS_PREFIX/bin/b4ns-probe ]]; then
		cp "$B4NS_PREFIX/bin/b4ns-probe" "$PROBE"
	elif [[ -x $B4NS_BUILD/tests/b4ns-probe || -x $B4NS_BUILD/b4ns-probe ]]; then
		e2e_install_helper b4ns-probe
	else
		log "note: no $B4NS_BUILD/tests/b4ns-probe, compiling it"
		cc -O2 -D_GNU_SOURCE -o "$PROBE" "$SRC"/tests/e2e/probe/*.c \
			-lpthread || die "cannot build b4ns-probe"
	fi
	chmod a+rx "$PROBE"
}

# e2e_install_b4ns [copy|need-lib] - B4NS: PREFIX/bin/b4ns in place (copy:
# copied, with the prefix's libb4ns.so), else BUILD/b4ns copied to WORK/bin
# with BUILD/libb4ns.so beside it (the supervisor looks for the library
# beside its binary; need-lib: it must exist)
e2e_install_b4ns() {
	local how=${1:-}
	B4NS=$WORK/bin/b4ns
	if [[ -n $B4NS_PREFIX && $how == copy ]]; then
		cp "$B4NS_PREFIX/bin/b4ns" "$B4NS"
		cp "$B4NS_PREFIX"/lib*/libb4ns.so "$WORK/bin/" 2>/dev/null ||
			cp "$B4NS_PREFIX"/lib/*/libb4ns.so "$WORK/bin/" 2>/dev/null ||
			true
	elif [[ -n $B4NS_PREFIX ]]; then
		B4NS=$B4NS_PREFIX/bin/b4ns
	else
		[[ -x $B4NS_BUILD/b4ns ]] ||
			die "no $B4NS_BUILD/b4ns; build it or pass --build/--prefix"
		if [[ $how == need-lib && ! -f $B4NS_BUILD/libb4ns.so ]]; then
			die "no $B4NS_BUILD/libb4ns.so: build it"
		fi
		cp "$B4NS_BUILD/b4ns" "$B4NS"
		if [[ -f $B4NS_BUILD/libb4ns.so ]]; then
			cp "$B4NS_BUILD/libb4ns.so" "$WORK/bin/"
		fi
	fi
	[[ -x $B4NS ]] || die "no b4ns binary ($B4NS)"
	chmod -R a+rX "$WORK/bin"
}

# ---- the test user, the test host, /dev/net/tun -----------------------------------

# e2e_user - TEST_USER (created if missing) and CTR_DIR, a directory it owns
e2e_user() {
	ensure_test_user
	CTR_DIR=$WORK/ctr
	mkdir -p "$CTR_DIR"
	chown "$TEST_USER:" "$CTR_DIR"
}

# e2e_testhost - tests/lib/testhost.sh up; reused (and left up) if it
# already exists: other sessions may share it
e2e_testhost() {
	TH_PREEXISTED=0
	[[ -e /run/netns/$TH_NS ]] && TH_PREEXISTED=1
	E2E_TESTHOST=1
	B4NS_TH_NS=$TH_NS B4NS_PEER_NS=$PEER_NS "$SRC/tests/lib/testhost.sh" up
}

# e2e_tun_remember - note the mode of /dev/net/tun, restored on exit
e2e_tun_remember() {
	if [[ -c /dev/net/tun && -z $TUN_MODE ]]; then
		TUN_MODE=$(stat -c %a /dev/net/tun)
	fi
	return 0
}

# e2e_tun_open - with CHMOD_TUN=1: /dev/net/tun usable by everyone (mode
# 666) until the suite exits
e2e_tun_open() {
	e2e_tun_remember
	if [[ $CHMOD_TUN == 1 && -c /dev/net/tun ]]; then
		chmod 666 /dev/net/tun
	fi
	return 0
}

# e2e_content LABEL - CONTENT=WORK/www/hello.txt, known content different
# on every run
e2e_content() {
	mkdir -p "$WORK/www"
	CONTENT=$WORK/www/hello.txt
	printf '%s hello %s %s\n' "$1" "$(date +%s)" "$RANDOM$RANDOM" >"$CONTENT"
	chmod 755 "$WORK/www"
	chmod 644 "$CONTENT"
}

# e2e_setup NAME [--probe] [--helper EXE]... [--b4ns[=copy|=need-lib]]
#           [--testhost] [--tun] [--content] - see the head of this file;
# then checks that the test user can execute b4ns and the probe
e2e_setup() {
	local name=$1 probe=0 b4ns_how='' th=0 tun=0 content=0 helpers=() h
	shift
	while (($# > 0)); do
		case $1 in
		--probe) probe=1 ;;
		--helper) helpers+=("${2:?}"); shift ;;
		--b4ns) b4ns_how=plain ;;
		--b4ns=*) b4ns_how=${1#*=} ;;
		--testhost) th=1 ;;
		--tun) tun=1 ;;
		--content) content=1 ;;
		*) die "e2e_setup: unknown $1" ;;
		esac
		shift
	done
	e2e_need_root
	e2e_scratch "$name"
	if ((probe)); then
		e2e_install_probe
	fi
	for h in "${helpers[@]}"; do
		e2e_install_helper "$h"
	done
	if [[ -n $b4ns_how ]]; then
		e2e_install_b4ns "${b4ns_how#plain}"
	fi
	e2e_user
	if ((content)); then
		e2e_content "b4ns-$name"
	fi
	if ((th)); then
		e2e_testhost
		# (run_user enters the test host)
		if [[ -n $PROBE ]]; then
			run_user test -x "$PROBE" ||
				die "$TEST_USER cannot execute $PROBE"
		fi
		if [[ -n $B4NS ]]; then
			run_user test -x "$B4NS" ||
				die "$TEST_USER cannot execute $B4NS (install to a world-readable prefix)"
		fi
	fi
	if ((tun)); then
		e2e_tun_open
	fi
}

# ---- servers -----------------------------------------------------------------

# count_snapshot NAME - print the connections (datagrams) counted so far by
# count-server NAME (drains its queue first)
count_snapshot() {
	local name=$1 before i
	before=$(grep -c 'snapshot' "$WORK/$name.log" || true)
	kill -USR1 "$(bg_pid "$name")"
	for ((i = 0; i < 100; i++)); do
		if [[ $(grep -c 'snapshot' "$WORK/$name.log" || true) -gt $before ]]; then
			cat "$WORK/$name.count"
			return 0
		fi
		sleep 0.05
	done
	echo "count-server $name does not answer" >&2
	return 1
}

# counters - the counts of the count-servers named in WATCH, one line
counters() {
	local name out=()
	for name in "${WATCH[@]}"; do
		out+=("$(count_snapshot "$name")")
	done
	echo "${out[*]}"
}

# counters_moved BEFORE AFTER - print what moved between two counters
# lines; status 0 if any did
counters_moved() {
	local -a b a
	local i moved=1 line=()
	read -ra b <<<"$1"
	read -ra a <<<"$2"
	for i in "${!WATCH[@]}"; do
		line+=("${WATCH[$i]}=$((a[i] - b[i]))")
		((a[i] - b[i] == 0)) || moved=0
	done
	echo "reached the host's loopback: ${line[*]}"
	return "$moved"
}

# ---- containers ----------------------------------------------------------------

# Options of every "b4ns run" of the suite (e.g. --mode=preload), and
# NATIVE=1: no b4ns at all, ctr runs CMD directly (run.sh --native).
CTR_OPTS=()
NATIVE=0

# ctr [B4NS-OPTION...] -- CMD... - CMD as a container of the test user in
# the foreground: "b4ns run" with --net=none unless an option says
# --net=..., then CTR_OPTS and the options (NATIVE=1: CMD itself, the
# options dropped)
ctr() {
	local opts=() netopt=(--net=none)
	while (($# > 0)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	[[ ${1:-} == -- ]] || die "ctr: missing --"
	shift
	if [[ $NATIVE == 1 ]]; then
		run_user "$@"
		return
	fi
	[[ " ${opts[*]} " == *" --net="* ]] && netopt=()
	run_user "$B4NS" run "${netopt[@]}" "${CTR_OPTS[@]}" "${opts[@]}" -- "$@"
}

# b4ns_run ARG... - "b4ns run" as the test user with CTR_OPTS
b4ns_run() {
	run_user "$B4NS" run "${CTR_OPTS[@]}" "$@"
}

# Background processes started by the current test (bg_ctr, bg_th);
# stopped when the test's subshell exits if it called own_cleanup first.
T_MINE=()

# own_cleanup - stop this test's background processes when it ends
own_cleanup() {
	trap 'stop_mine' EXIT
}

stop_mine() {
	local n
	for n in "${T_MINE[@]}"; do
		if bg_alive "$n"; then
			# (bash may not know the pid in an EXIT trap: quiet)
			stop_bg "$n" 2>/dev/null
		fi
	done
}

# bg_ctr NAME [B4NS-OPTION...] -- CMD... - ctr in the background, output in
# WORK/NAME.log (stop_bg NAME, or own_cleanup)
bg_ctr() {
	local name=$1 opts=() netopt=(--net=none)
	shift
	while (($# > 0)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	[[ ${1:-} == -- ]] || die "bg_ctr: missing --"
	shift
	[[ " ${opts[*]} " == *" --net="* ]] && netopt=()
	echo "\$ (background $name) b4ns run ${netopt[*]} ${CTR_OPTS[*]} ${opts[*]} -- $*"
	# No stale "listening" from an earlier process of the same name.
	rm -f "$WORK/$name.log"
	start_bg_user "$name" "$B4NS" run "${netopt[@]}" "${CTR_OPTS[@]}" \
		"${opts[@]}" -- "$@"
	T_MINE+=("$name")
}

# bg_th NAME CMD... - a server as root in the test host for this test only
bg_th() {
	local name=$1
	shift
	echo "\$ (background $name, test host) $*"
	rm -f "$WORK/$name.log"
	start_bg "$name" "$@"
	T_MINE+=("$name")
}

# ---- waiting and showing ---------------------------------------------------------

# show_log NAME - the output of background process NAME so far
show_log() {
	echo "  output of $1:"
	sed 's/^/  > /' "$WORK/$1.log"
}

# wait_lines NAME REGEX N [SECONDS] - until WORK/NAME.log has N lines
# matching REGEX
wait_lines() {
	local name=$1 re=$2 n=$3 secs=${4:-5} i got
	for ((i = 0; i < secs * 20; i++)); do
		got=$(grep -Ec -- "$re" "$WORK/$name.log" 2>/dev/null || true)
		((${got:-0} >= n)) && return 0
		bg_alive "$name" || break
		sleep 0.05
	done
	echo "FAIL: $name: fewer than $n lines matching '$re' in its output"
	show_log "$name"
	return 1
}

# wait_done NAME WANT [SECONDS] - wait for background NAME to exit; its
# exit status must be WANT
wait_done() {
	local name=$1 want=$2 secs=${3:-10} i rc=0 pid
	pid=$(bg_pid "$name")
	for ((i = 0; i < secs * 20; i++)); do
		bg_alive "$name" || break
		sleep 0.05
	done
	if bg_alive "$name"; then
		echo "FAIL: $name still running after ${secs}s"
		show_log "$name"
		return 1
	fi
	wait "$pid" || rc=$?
	show_log "$name"
	echo "  $name: exit status $rc"
	if [[ $rc -ne $want ]]; then
		echo "FAIL: $name: expected exit status $want, got $rc"
		return 1
	fi
}

# wait_file FILE [SECONDS] - until FILE exists and is not empty
wait_file() {
	local f=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		[[ -s $f ]] && return 0
		sleep 0.05
	done
	echo "FAIL: no $f after ${secs}s"
	return 1
}

# expect_count FILE REGEX N - FILE has exactly N lines matching REGEX
expect_count() {
	local n
	n=$(grep -Ec -- "$2" "$1" || true)
	expect_eq "$n" "$3" "lines matching '$2' in $(basename "$1")"
}

# wait_logs REGEX NAME... - wait_log NAME REGEX for every NAME
wait_logs() {
	local re=$1 name
	shift
	for name in "$@"; do
		wait_log "$name" "$re" || return 1
	done
}
