# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # variables the tests of escape.sh read
#
# setup.sh - the fixtures of tests/e2e/escape.sh (sourced by it after
# e2e_setup): ATTACK (b4ns-attack), HELLO, the host-loopback counters a
# test watches (WATCH), the servers in the test host, the python3 HTTP and
# DNS servers (escape/httpd.py, escape/dns.py), no_escape and RACE.

ATTACK=$WORK/bin/b4ns-attack
run_user test -x "$ATTACK" || die "$TEST_USER cannot execute $ATTACK"
HELLO=$(cat "$CONTENT")
cp "$HERE"/escape/*.py "$WORK/bin/"
chmod a+r "$WORK/bin/dns.py" "$WORK/bin/httpd.py"

COUNTERS=(lo4-tcp lo6-tcp lo4-udp lo6-udp)
# TCP counters on the test host's 127.0.0.1 at host ports the published-port
# tests map (21001: the second port of -p 21000-21001:8000-8001; 21010:
# published for an IPV6_V6ONLY listener)
PUB_COUNTERS=(pub-21001 pub-21010)
# the counters a test watches (a test may add its own)
WATCH=("${COUNTERS[@]}" "${PUB_COUNTERS[@]}")
PYTHON=/usr/bin/python3
HAVE_PYTHON=0
[[ -x $PYTHON ]] && HAVE_PYTHON=1
HAVE_BUSYBOX=0
command -v busybox >/dev/null && HAVE_BUSYBOX=1
DNS_NAME=b4ns-dns.test
DNS_ADDR=10.77.0.53

start_bg sink4 "$PROBE" count-server 10.77.0.1 9998 "$WORK/sink4.count"
start_bg sink6 "$PROBE" count-server fd77::1 9998 "$WORK/sink6.count"
start_bg udp4 "$PROBE" udp-echo 10.77.0.1 5300
start_bg udp6 "$PROBE" udp-echo fd77::1 5300
start_bg lo4-tcp "$PROBE" count-server 127.0.0.1 9999 "$WORK/lo4-tcp.count"
start_bg lo6-tcp "$PROBE" count-server ::1 9999 "$WORK/lo6-tcp.count"
start_bg lo4-udp "$PROBE" count-server 127.0.0.1 9999 "$WORK/lo4-udp.count" --udp
start_bg lo6-udp "$PROBE" count-server ::1 9999 "$WORK/lo6-udp.count" --udp
start_bg pub-21001 "$PROBE" count-server 127.0.0.1 21001 "$WORK/pub-21001.count"
start_bg pub-21010 "$PROBE" count-server 127.0.0.1 21010 "$WORK/pub-21010.count"
wait_logs listening sink4 sink6 udp4 udp6 "${COUNTERS[@]}" "${PUB_COUNTERS[@]}" ||
	die "servers did not start"
if [[ $HAVE_PYTHON == 1 ]]; then
	start_bg http "$PYTHON" -u "$WORK/bin/httpd.py" 10.77.0.1 8080 "$WORK/www"
	start_bg dns "$PYTHON" -u "$WORK/bin/dns.py" 10.77.0.1 "$DNS_NAME" "$DNS_ADDR"
	wait_logs listening http dns || die "servers did not start"
fi

# no_escape [B4NS-OPTION...] -- CMD... - run the attack CMD in a container:
# it must exit 0 (77: the test is skipped) and none of the host-loopback
# counters in WATCH may move
no_escape() {
	local before after bad=0
	before=$(counters)
	expect_rc 0 ctr "$@" || bad=1
	if [[ $T_RC -eq 77 ]]; then
		skip "$(grep -m1 -E 'no IA-32|without liburing' "$T_OUT" || echo "cannot run here")"
	fi
	sleep 0.2 # datagrams in flight
	after=$(counters)
	if counters_moved "$before" "$after"; then
		echo "FAIL: an attack reached the host's loopback"
		bad=1
	fi
	((bad == 0))
}

RACE=(-n "$RACE_N" -t "$RACE_SECS")
