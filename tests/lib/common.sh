# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# common.sh - helpers shared by the b4ns end-to-end scripts (source it).
#
# - the unprivileged test user and running commands as it inside the test
#   host namespace (tests/lib/testhost.sh), without "ip netns exec" (which
#   remounts /sys);
# - background servers in the test host, stopped on exit;
# - a TAP-like reporter: "ok N - name" / "not ok N - name" followed by "# "
#   diagnostics, and at the end one line "N passed, M failed, K skipped".
#
# A test is a shell function run by run_test in a subshell with "set -e":
# the first failing command fails the test, exit status 77 skips it.  Its
# output is kept and shown under a "not ok" line.
#
# Variables a script may set before sourcing: B4NS_TH_NS (the test host
# namespace, b4ns-th), TEST_USER
# (b4nstest), T_TIMEOUT (per-command timeout in seconds, 60), T_VERBOSE
# (1: show the output of passing tests too), T_FILTER (extended regexp:
# run only tests whose name matches).

TH_NS=${B4NS_TH_NS:-b4ns-th}
TEST_USER=${TEST_USER:-b4nstest}
T_TIMEOUT=${T_TIMEOUT:-60}
T_VERBOSE=${T_VERBOSE:-0}
T_FILTER=${T_FILTER:-}

T_NUM=0
T_PASS=0
T_FAIL=0
T_SKIP=0
T_FAILED_NAMES=()

# Scratch directory; set by common_init.
WORK=
# PATH inside test commands; common_init puts $WORK/bin first.
USER_PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin

declare -A BG_PIDS=()

# Command prefixes (arrays), set by common_init:
#   RUN_TH   - as root in the test host namespace
#   RUN_USER - as TEST_USER in the test host namespace, with a clean
#              environment.  "${RUN_USER[@]}" CMD & gives the pid of CMD
#              itself (nsenter, setpriv and env all exec).
RUN_TH=()
RUN_USER=()

log() {
	printf '%s\n' "$*" >&2
}

die() {
	log "error: $*"
	exit 1
}

# ensure_test_user - create TEST_USER if missing
ensure_test_user() {
	if ! id -u "$TEST_USER" >/dev/null 2>&1; then
		useradd -m "$TEST_USER" >/dev/null
	fi
}

# common_init WORKDIR - set up command prefixes for scratch dir WORKDIR
common_init() {
	WORK=$1
	USER_PATH="$WORK/bin:$USER_PATH"
	RUN_TH=(nsenter "--net=/run/netns/$TH_NS" --)
	RUN_USER=(nsenter "--net=/run/netns/$TH_NS" -- setpriv
		"--reuid=$TEST_USER" "--regid=$TEST_USER" --init-groups --
		env -i HOME=/tmp "PATH=$USER_PATH" LANG=C.UTF-8)
}

# run_th CMD... - run CMD as root in the test host (under T_TIMEOUT)
run_th() {
	timeout -k 5 "$T_TIMEOUT" "${RUN_TH[@]}" "$@"
}

# run_user CMD... - run CMD as the test user in the test host (under
# T_TIMEOUT)
run_user() {
	timeout -k 5 "$T_TIMEOUT" "${RUN_USER[@]}" "$@"
}

# ---- background servers -------------------------------------------------

# start_bg NAME CMD... - start CMD as root in the test host, output to
# $WORK/NAME.log
start_bg() {
	local name=$1
	shift
	"${RUN_TH[@]}" "$@" >"$WORK/$name.log" 2>&1 </dev/null &
	BG_PIDS[$name]=$!
}

# start_bg_user NAME CMD... - the same, as the test user
start_bg_user() {
	local name=$1
	shift
	"${RUN_USER[@]}" "$@" >"$WORK/$name.log" 2>&1 </dev/null &
	BG_PIDS[$name]=$!
}

# bg_pid NAME
bg_pid() {
	printf '%s\n' "${BG_PIDS[$1]:-}"
}

# bg_alive NAME - the process exists and is not a zombie
bg_alive() {
	local pid=${BG_PIDS[$1]:-} st
	[[ -n $pid ]] || return 1
	st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z ]]
}

# stop_bg NAME - SIGTERM, then SIGKILL after 3 s
stop_bg() {
	local name=$1 pid i
	pid=${BG_PIDS[$name]:-}
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 30; i++)); do
		bg_alive "$name" || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "BG_PIDS[$name]"
}

stop_all_bg() {
	local name
	for name in "${!BG_PIDS[@]}"; do
		stop_bg "$name"
	done
}

# wait_log NAME REGEX [SECONDS] - wait until $WORK/NAME.log matches
wait_log() {
	local name=$1 re=$2 secs=${3:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -Eq -- "$re" "$WORK/$name.log" 2>/dev/null && return 0
		bg_alive "$name" || break
		sleep 0.05
	done
	log "server $name: no '$re' in its log:"
	sed 's/^/    /' "$WORK/$name.log" >&2 || true
	return 1
}

# ---- assertions (for test functions) -------------------------------------

# Files holding the output of the last expect_rc command.
T_OUT=
T_ERR=
T_RC=0

# expect_rc WANT CMD... - run CMD (stdin /dev/null; under T_TIMEOUT unless
# CMD is a shell function: run_user and run_th have their own), show its
# output, fail unless its exit status is WANT
expect_rc() {
	local want=$1
	shift
	T_OUT=$(mktemp "$WORK/out.XXXXXX")
	T_ERR=$(mktemp "$WORK/err.XXXXXX")
	echo "\$ ${*}"
	T_RC=0
	if declare -F -- "$1" >/dev/null; then
		"$@" >"$T_OUT" 2>"$T_ERR" </dev/null || T_RC=$?
	else
		timeout -k 5 "$T_TIMEOUT" "$@" >"$T_OUT" 2>"$T_ERR" \
			</dev/null || T_RC=$?
	fi
	sed 's/^/  | /' "$T_OUT"
	sed 's/^/  ! /' "$T_ERR"
	echo "  exit status $T_RC"
	if [[ $T_RC -ne $want ]]; then
		if [[ $T_RC -eq 124 ]]; then
			echo "FAIL: timed out after ${T_TIMEOUT}s"
		fi
		echo "FAIL: expected exit status $want, got $T_RC"
		return 1
	fi
}

# expect_ok CMD... - expect_rc 0
expect_ok() {
	expect_rc 0 "$@"
}

# expect_out STRING - the last command's stdout contains STRING
expect_out() {
	if ! grep -qF -- "$1" "$T_OUT"; then
		echo "FAIL: stdout does not contain '$1'"
		return 1
	fi
}

# expect_err STRING - the last command's stderr contains STRING
expect_err() {
	if ! grep -qF -- "$1" "$T_ERR"; then
		echo "FAIL: stderr does not contain '$1'"
		return 1
	fi
}

# expect_stdout_is FILE - the last command's stdout equals FILE
expect_stdout_is() {
	if ! cmp -s -- "$1" "$T_OUT"; then
		echo "FAIL: stdout differs from $1:"
		diff -- "$1" "$T_OUT" | head -20 | sed 's/^/    /'
		return 1
	fi
}

# expect_eq GOT WANT WHAT
expect_eq() {
	if [[ "$1" != "$2" ]]; then
		echo "FAIL: $3: got '$1', want '$2'"
		return 1
	fi
	echo "$3: $1 (as expected)"
}

# skip REASON - skip the current test
skip() {
	echo "SKIP: $*"
	exit 77
}

# ---- reporter -------------------------------------------------------------

# run_test NAME FUNC [ARGS...] - run FUNC in a "set -e" subshell and report
run_test() {
	local name=$1 fn=$2 logf rc reason t0
	shift 2
	if [[ -n $T_FILTER ]] && ! grep -Eq -- "$T_FILTER" <<<"$name"; then
		return 0
	fi
	T_NUM=$((T_NUM + 1))
	logf="$WORK/test-$T_NUM.log"
	t0=$SECONDS
	set +e
	(
		set -e
		"$fn" "$@"
	) >"$logf" 2>&1 </dev/null
	rc=$?
	set -e
	echo "(${fn} took $((SECONDS - t0)) s)" >>"$logf"
	if [[ $rc -eq 0 ]]; then
		T_PASS=$((T_PASS + 1))
		echo "ok $T_NUM - $name"
		[[ $T_VERBOSE == 1 ]] && sed 's/^/# /' "$logf"
	elif [[ $rc -eq 77 ]]; then
		T_SKIP=$((T_SKIP + 1))
		reason=$(grep -m1 '^SKIP: ' "$logf" | sed 's/^SKIP: //')
		echo "ok $T_NUM - $name # SKIP ${reason:-skipped}"
	else
		T_FAIL=$((T_FAIL + 1))
		T_FAILED_NAMES+=("$T_NUM - $name")
		echo "not ok $T_NUM - $name"
		echo "(test function exit status $rc)" >>"$logf"
		sed 's/^/# /' "$logf"
	fi
	return 0
}

# report_summary - print the plan and the summary line; status 1 if any
# test failed
report_summary() {
	local n
	if [[ -n $T_FILTER && $T_NUM -eq 0 ]]; then
		echo "# no test name matches T_FILTER='$T_FILTER'"
	fi
	echo "1..$T_NUM"
	if ((T_FAIL > 0)); then
		echo "# failed:"
		for n in "${T_FAILED_NAMES[@]}"; do
			echo "#   $n"
		done
	fi
	if ((T_SKIP > 0)); then
		echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	else
		echo "$T_PASS passed, $T_FAIL failed"
	fi
	((T_FAIL == 0))
}
