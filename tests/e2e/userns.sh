#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# userns.sh - issue 15 items 4 and 9: who "b4ns run" runs CMD as (the
# caller's subordinate ids, --userns=keep-id) and -e, -w, --hostname.
#
# Usage (as root):
#   tests/e2e/userns.sh [--build DIR] [--prefix DIR] [--keep] [-k REGEX] [-v]
#
#   --build DIR   build tree holding b4ns (env B4NS_BUILD, default: build/
#                 of this tree)
#   --prefix DIR  b4ns install prefix: DIR/bin/b4ns is tested
#   --keep        leave the scratch directory and the test host
#   -k REGEX      run only the tests whose name matches (or T_FILTER=REGEX)
#   -v            show the output of passing tests too
#
# Containers run as the unprivileged test user (b4nstest), whose
# /etc/subuid and /etc/subgid ranges .ci/setup adds, with --net=none.
# dnsmasq (dnsmasq-base) answers on the container's own loopback; the ssh
# test runs dropbear (dropbear-bin) as root in the test host on
# 10.77.0.1:2222 and the container's OpenSSH client reaches it through a
# switched socket. For that test the test user's ~/.ssh gets a key pair and
# a known_hosts line; it is removed again if the suite created it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

e2e_parse_args "$@"
e2e_need_tools nsenter setpriv socat
e2e_need_python
e2e_setup userns --probe --b4ns --testhost

TEST_UID=$(id -u "$TEST_USER")
TEST_GID=$(id -g "$TEST_USER")
TEST_HOME=$(getent passwd "$TEST_USER" | cut -d: -f6)

# sub_range FILE - "START COUNT" of the test user's first range in FILE
sub_range() {
	awk -F: -v u="$TEST_USER" -v n="$TEST_UID" \
		'($1 == u || $1 == n) { print $2, $3; exit }' "$1" 2>/dev/null
}
SUBUID=$(sub_range /etc/subuid)
SUBGID=$(sub_range /etc/subgid)

# need_subids - skip unless the test user has ranges and newuidmap exists
need_subids() {
	[[ -n $SUBUID && -n $SUBGID ]] ||
		skip "no /etc/subuid and /etc/subgid ranges for $TEST_USER (.ci/setup adds them)"
	if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
		skip "newuidmap/newgidmap not installed (package uidmap)"
	fi
}

# map_lines FILE - a map as "INSIDE OUTSIDE COUNT" lines, space-separated
map_lines() {
	awk '{ print $1, $2, $3 }' "$1"
}

# ---- item 4: the caller's subordinate ids ------------------------------------

t_subid_map() {
	need_subids
	expect_ok ctr -- sh -c 'cat /proc/self/uid_map > '"$CTR_DIR"'/uid_map
		cat /proc/self/gid_map > '"$CTR_DIR"'/gid_map; id -u; id -g'
	expect_eq "$(map_lines "$CTR_DIR/uid_map" | tr '\n' ';')" \
		"0 $TEST_UID 1;1 $SUBUID;" "uid map"
	expect_eq "$(map_lines "$CTR_DIR/gid_map" | tr '\n' ';')" \
		"0 $TEST_GID 1;1 $SUBGID;" "gid map"
	expect_eq "$(head -1 "$T_OUT")" 0 "uid inside"
}
run_test "subordinate ids: uid 0 inside is the caller, 1..N its /etc/subuid and /etc/subgid ranges" t_subid_map

t_setgroups() {
	need_subids
	expect_ok ctr -- "$PYTHON" -c 'import os
print(open("/proc/self/setgroups").read().strip())
os.setgroups([10, 65534])
print("groups", sorted(os.getgroups()))
os.setgid(65534); os.setuid(65534)
print("now", os.getuid(), os.getgid())'
	expect_out "allow"
	expect_out "groups [10, 65534]"
	expect_out "now 65534 65534"
}
run_test "subordinate ids: root inside may setgroups() and switch to nobody (65534)" t_setgroups

# dnsq.py NAME PORT - an A query to 127.0.0.1:PORT over UDP, repeated until
# answered (10 s); prints "A ADDR" of the answer
cat >"$WORK/dnsq.py" <<'EOF'
import socket, struct, sys, time
name, port = sys.argv[1], int(sys.argv[2])
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
end = time.time() + 10
while time.time() < end:
    s.sendto(q, ("127.0.0.1", port))
    try:
        r = s.recv(512)
    except OSError:
        continue
    an = struct.unpack(">H", r[6:8])[0]
    print("answers", an, "rcode", r[3] & 15)
    if an:
        print("A", ".".join(str(b) for b in r[-4:]))
    sys.exit(0 if an else 1)
print("no answer")
sys.exit(1)
EOF
chmod 644 "$WORK/dnsq.py"

t_dnsmasq() {
	need_subids
	command -v dnsmasq >/dev/null || skip "dnsmasq not installed (dnsmasq-base)"
	# shellcheck disable=SC2016 # expanded by the container's shell
	expect_ok ctr -- sh -c 'dnsmasq -k --conf-file=/dev/null --pid-file= \
		--port=5353 --listen-address=127.0.0.1 --bind-interfaces \
		--no-resolv --no-hosts --user=nobody --group=nogroup \
		--address=/b4ns.test/10.9.8.7 --log-facility=- & p=$!
		'"$PYTHON $WORK/dnsq.py"' www.b4ns.test 5353; rc=$?
		echo "dnsmasq runs as $(ps -o user= -p $p)"
		kill $p; wait $p; exit $rc'
	expect_out "A 10.9.8.7"
	expect_out "dnsmasq runs as nobody"
}
run_test "subordinate ids: dnsmasq started as root drops to nobody and answers a query" t_dnsmasq

t_switch_after_drop() {
	# A process that switched to a subordinate uid is not dumpable and
	# not the supervisor's uid: the supervisor must still read its
	# memory (it owns the user namespace) and switch its connect().
	need_subids
	own_cleanup
	bg_th echo socat TCP4-LISTEN:7007,bind=10.77.0.1,reuseaddr,fork PIPE
	run_th "$PROBE" wait-listen 10.77.0.1 7007 10000 >/dev/null
	expect_ok ctr -- setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c 'id -u; grep -E "^(Uid|Seccomp):" /proc/self/status
		b4ns-probe connect 10.77.0.1 7007 --echo --check-peer'
	expect_eq "$(head -1 "$T_OUT")" 65534 "uid inside"
	expect_out "Seccomp:	2"
}
run_test "subordinate ids: a process switched to nobody is still served (switched connect, echo)" t_switch_after_drop

t_fallback() {
	# No newuidmap in PATH (an empty one): the caller's ids only, as
	# before, setgroups denied, and one line says why.
	mkdir -p "$WORK/empty"
	expect_ok run_user env PATH="$WORK/empty" "$B4NS" run --net=none -- \
		/bin/sh -c '/bin/cat /proc/self/uid_map /proc/self/setgroups'
	expect_eq "$(awk 'NF == 3 { print $1, $2, $3 }' "$T_OUT" | tr '\n' ';')" \
		"0 $TEST_UID 1;" "uid map"
	expect_out "deny"
	expect_err "newuidmap/newgidmap not installed (package uidmap): only uid $TEST_UID is mapped, setgroups is denied"
	expect_eq "$(wc -l <"$T_ERR")" 1 "lines on stderr"
}
run_test "no newuidmap: only the caller's uid is mapped (to 0), with a one-line warning" t_fallback

t_nnp_fallback() {
	# no_new_privs: the setuid newuidmap gains nothing and fails; the run
	# goes on with the caller's own ids, and one line says why.
	need_subids
	expect_ok run_user setpriv --no-new-privs "$B4NS" run --net=none -- \
		sh -c 'cat /proc/self/uid_map; id -u'
	expect_eq "$(awk 'NF == 3 { print $1, $2, $3 }' "$T_OUT" | tr '\n' ';')" \
		"0 $TEST_UID 1;" "uid map"
	expect_err "newuidmap failed (newuidmap: write to uid_map failed: Operation not permitted): only uid $TEST_UID is mapped, setgroups is denied"
	expect_eq "$(wc -l <"$T_ERR")" 1 "lines on stderr"
}
run_test "no_new_privs (newuidmap fails): only the caller's uid is mapped, with a one-line warning" t_nnp_fallback

# ---- item 4: --userns=keep-id -----------------------------------------------

t_keep_id() {
	# shellcheck disable=SC2016 # expanded by the container's shell
	expect_ok run_user env HOME=/b4ns/kept/home "$B4NS" run --net=none \
		--userns=keep-id -- sh -c 'id -u; id -g; id -un; echo "HOME=$HOME"
		touch '"$CTR_DIR"'/keep-id.file
		wc -l < /proc/self/uid_map'
	expect_eq "$(sed -n 1p "$T_OUT")" "$TEST_UID" "uid inside"
	expect_eq "$(sed -n 2p "$T_OUT")" "$TEST_GID" "gid inside"
	expect_eq "$(sed -n 3p "$T_OUT")" "$TEST_USER" "user name inside"
	expect_out "HOME=/b4ns/kept/home"
	expect_eq "$(stat -c %u:%g "$CTR_DIR/keep-id.file")" \
		"$TEST_UID:$TEST_GID" "owner outside of a file made inside"
	if [[ -n $SUBUID ]] && command -v newuidmap >/dev/null; then
		# the range fills the ids below and above the caller's
		expect_eq "$(sed -n 5p "$T_OUT" | tr -d ' ')" 3 "uid map lines"
	fi
}
run_test "--userns=keep-id: uid, gid and HOME inside are the caller's own" t_keep_id

# The test user's ~/.ssh for the ssh test: created here, removed at exit
# if it did not exist before (or is a leftover of this suite: its marker).
SSH_DIR=$TEST_HOME/.ssh
SSH_MADE=0
if [[ ! -e $SSH_DIR || -e $SSH_DIR/b4ns-userns-test ]]; then
	SSH_MADE=1
fi
ssh_cleanup() {
	if ((SSH_MADE)); then
		rm -rf "$SSH_DIR"
	fi
}
E2E_CLEANUP+=(ssh_cleanup)

t_ssh() {
	local key
	command -v ssh >/dev/null || skip "no ssh client (openssh-client)"
	command -v dropbear >/dev/null || skip "no dropbear (dropbear-bin)"
	((SSH_MADE)) ||
		skip "$SSH_DIR exists and is not this suite's: not touching it"
	own_cleanup
	run_user mkdir -p "$SSH_DIR"
	run_user touch "$SSH_DIR/b4ns-userns-test"
	chmod 700 "$SSH_DIR"
	rm -f "$SSH_DIR/id_ed25519" "$SSH_DIR/id_ed25519.pub" "$WORK/hostkey"
	run_user ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/id_ed25519"
	run_user cp "$SSH_DIR/id_ed25519.pub" "$SSH_DIR/authorized_keys"
	dropbearkey -t ed25519 -f "$WORK/hostkey" >/dev/null 2>&1
	key=$(dropbearkey -y -f "$WORK/hostkey" | grep '^ssh-ed25519' | cut -d' ' -f1,2)
	echo "[10.77.0.1]:2222 $key" >"$SSH_DIR/known_hosts"
	chown "$TEST_USER:" "$SSH_DIR/known_hosts"
	bg_th dropbear dropbear -F -E -s -r "$WORK/hostkey" -p 10.77.0.1:2222
	run_th "$PROBE" wait-listen 10.77.0.1 2222 10000 >/dev/null
	# plain "ssh HOST CMD": the user's own ~/.ssh (key, known_hosts)
	# shellcheck disable=SC2016 # expanded by the remote shell
	expect_ok ctr --userns=keep-id -- ssh -p 2222 10.77.0.1 \
		'echo "ssh-ok as $(id -un)"'
	expect_out "ssh-ok as $TEST_USER"
}
run_test "--userns=keep-id: plain ssh (default options: the user's ~/.ssh key and known_hosts) logs in through a switched socket" t_ssh

# ---- item 9: -e, -w, --hostname ------------------------------------------------

t_env_wd_host() {
	local before after
	before=$(hostname)
	# shellcheck disable=SC2016 # expanded by the container's shell
	expect_ok run_user env KEEP=kept DROP=old "$B4NS" run --net=none \
		-e FOO=bar -e EMPTY= -e KEEP -e DROP=new -e 'SP=a b=c' \
		-w "$CTR_DIR" --hostname b4ns-box -- sh -c \
		'echo "FOO=$FOO EMPTY=[$EMPTY] KEEP=$KEEP DROP=$DROP SP=$SP"
		pwd; hostname; cat /proc/sys/kernel/hostname'
	expect_out "FOO=bar EMPTY=[] KEEP=kept DROP=new SP=a b=c"
	expect_eq "$(sed -n 2p "$T_OUT")" "$CTR_DIR" "working directory"
	expect_eq "$(sed -n 3p "$T_OUT")" b4ns-box "hostname inside"
	expect_eq "$(sed -n 4p "$T_OUT")" b4ns-box "kernel.hostname inside"
	after=$(hostname)
	expect_eq "$after" "$before" "the host's hostname after"
}
run_test "-e VAR=VAL / -e VAR, -w DIR, --hostname NAME are seen inside; the host's name is unchanged" t_env_wd_host

t_bad_input() {
	expect_rc 2 ctr -e =x -- true
	expect_err "-e =x: no variable name before '='"
	expect_eq "$(wc -l <"$T_ERR")" 1 "lines on stderr"
	expect_rc 125 ctr -w /nonexistent -- true
	expect_err "-w /nonexistent: No such file or directory"
	expect_eq "$(wc -l <"$T_ERR")" 1 "lines on stderr"
	expect_rc 2 ctr --hostname "$(printf 'h%.0s' {1..65})" -- true
	expect_err "expected 1 to 64 bytes"
	expect_rc 2 ctr --userns=auto -- true
	expect_err "--userns=auto: expected root or keep-id"
}
run_test "bad -e, -w, --hostname, --userns: one line naming what is wrong" t_bad_input

report_summary
