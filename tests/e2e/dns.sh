#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dns.sh - issue 15 item 1: name resolution on a host whose resolv.conf names
# a name server in its own loopback (systemd-resolved's 127.0.0.53).
#
# Usage (as root):
#   tests/e2e/dns.sh [--build DIR] [--chmod-tun] [--keep] [-k REGEX] [-v]
#
#   --build DIR   build tree holding b4ns and libb4ns.so (env B4NS_BUILD,
#                 default: build/ of this tree)
#   --chmod-tun   make /dev/net/tun usable by the test user (the
#                 --net=slirp4netns/pasta tests; mode restored on exit)
#   --keep        leave the scratch directory and the test host
#   -k REGEX      run only the tests whose name matches (or T_FILTER=REGEX)
#   -v            show the output of passing tests too
#
# In the test host (tests/lib/testhost.sh) dnsmasq (Debian's dnsmasq-base)
# listens on 127.0.0.53:53 and 10.77.0.1:53, UDP and TCP, and answers
# www.b4ns.test = 10.77.0.1 and fd77::1; counters (dns/counter.py) listen on the host
# loopback addresses a container must never reach: 127.0.0.1:53,
# 127.0.0.53:54 and [::1]:53. An HTTP server serves WORK/www on
# 10.77.0.1:8089. Containers run as the test user with --net=none, so a name
# they resolve went through a switched socket. The "host's" resolv.conf is
# a test file: either bind-mounted over /etc/resolv.conf in a private mount
# namespace of the test (host_user; the machine's file is never touched),
# or named by the config key host_resolv_conf. dig (bind9-dnsutils) tests
# are skipped when it is not installed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$HERE/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$HERE/../lib/e2e.sh"

e2e_parse_args "$@"
e2e_need_tools dnsmasq python3 busybox curl
e2e_setup dns --b4ns=need-lib --testhost --content --tun

cp "$HERE/dns/counter.py" "$HERE/dns/attack.py" "$HERE/dns/tapattack.py" "$WORK/"
chmod 755 "$WORK/counter.py" "$WORK/attack.py" "$WORK/tapattack.py"
HITS=$WORK/hits.log
: >"$HITS"
chmod 666 "$HITS"
RESOLV=$WORK/resolv-host.conf		# the "host's" resolv.conf
printf '# systemd-resolved style\nnameserver 127.0.0.53\n' >"$RESOLV"
RESOLV_VC=$WORK/resolv-host-vc.conf	# the same, glibc told to use TCP
printf 'nameserver 127.0.0.53\noptions use-vc\n' >"$RESOLV_VC"
RESOLV_OTHER=$WORK/resolv-other.conf	# a loopback server that is not ours
printf 'nameserver 127.0.0.54\n' >"$RESOLV_OTHER"
chmod 644 "$WORK"/*.conf
machine_sum=$(sha256sum /etc/resolv.conf)
DIG=$(command -v dig || true)

start_bg dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--user=root --pid-file= --no-resolv --no-hosts --bind-interfaces \
	--listen-address=127.0.0.53,10.77.0.1 --port=53 \
	--host-record=www.b4ns.test,10.77.0.1,fd77::1 --log-facility=- --log-queries
start_bg counter python3 "$WORK/counter.py" "$HITS" 127.0.0.1:53 \
	127.0.0.53:54 '[::1]:53'
# (socketserver, not http.server: that one reverse-resolves its address
# first, 10 s in a test host without DNS)
start_bg http python3 -u -c 'import functools, http.server as h, socketserver as s, sys
s.TCPServer.allow_reuse_address = True
srv = s.TCPServer(("10.77.0.1", 8089), functools.partial(h.SimpleHTTPRequestHandler, directory=sys.argv[1]))
print("listening", flush=True)
srv.serve_forever()' "$WORK/www"
wait_logs listening counter http
sleep 1

# host_user FILE CMD... - CMD as the test user in the test host, in a mount
# namespace of its own where /etc/resolv.conf shows FILE (as a host whose
# resolv.conf FILE is; b4ns and the container both read it there)
host_user() {
	local f=$1
	shift
	# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
	timeout -k 5 "$T_TIMEOUT" unshare -m --propagation private -- \
		sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' \
		sh "$f" "${RUN_USER[@]}" "$@"
}

# run_in FILE OPTS... -- CMD... - "b4ns run --net=none OPTS -- CMD" on a
# host whose resolv.conf is FILE
run_in() {
	local f=$1
	shift
	host_user "$f" "$B4NS" run --net=none "$@"
}

# no_hits - the counters saw nothing
no_hits() {
	if [[ -s $HITS ]]; then
		echo "host loopback reached:"
		cat "$HITS"
		return 1
	fi
}

GAI='import socket; print(socket.getaddrinfo("www.b4ns.test", 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0])'

# glibc_lookups FILE OPTS... - python's getaddrinfo and curl resolve
# www.b4ns.test in "b4ns run OPTS" on a host whose resolv.conf is FILE
glibc_lookups() {
	local f=$1 out
	shift
	out=$(run_in "$f" "$@" -- python3 -c "$GAI")
	echo "getaddrinfo: $out"
	[[ $out == 10.77.0.1 ]]
	out=$(run_in "$f" "$@" -- curl -sS --max-time 10 \
		http://www.b4ns.test:8089/hello.txt)
	[[ $out == "$(cat "$CONTENT")" ]]
}

t_glibc_tcp() {
	glibc_lookups "$RESOLV_VC" "$@"
	no_hits
}
run_test "dns: glibc (python getaddrinfo, curl) resolves through the host's 127.0.0.53 over TCP by default (host resolv.conf with options use-vc)" t_glibc_tcp

# the preload path: glibc's resolver calls its internal connect(), which
# LD_PRELOAD cannot interpose (README); dig's (libuv) goes through the PLT
t_preload() {
	local out
	[[ -n $DIG ]] || skip "dig not installed (Debian: bind9-dnsutils)"
	out=$(run_in "$RESOLV" --mode=preload -- dig +tcp +short +tries=1 \
		+time=3 www.b4ns.test)
	echo "dig +tcp: $out"
	[[ $out == 10.77.0.1 ]]
	if run_in "$RESOLV" --mode=preload -- dig +tcp +short +tries=1 \
		+time=3 -p 54 @127.0.0.53 www.b4ns.test; then
		return 1
	fi
	sleep 0.5
	no_hits
}
run_test "dns: the preload path (libb4ns.so in dig) reaches the host's 127.0.0.53:53 over TCP, not its port 54" t_preload

t_glibc_udp() {
	local out
	if [[ " $* " == *" --net="[sp]* ]] &&
		! run_user sh -c 'exec 3<>/dev/net/tun' 2>/dev/null; then
		skip "/dev/net/tun is not usable by $TEST_USER (--chmod-tun)"
	fi
	glibc_lookups "$RESOLV" "$@"
	out=$(run_in "$RESOLV" "$@" -- busybox nslookup www.b4ns.test)
	echo "$out"
	grep -q 'Address:.*10\.77\.0\.1' <<<"$out"
	out=$(run_in "$RESOLV" "$@" -- busybox nslookup www.b4ns.test 127.0.0.53)
	grep -q 'Address:.*10\.77\.0\.1' <<<"$out"
	no_hits
}
run_test "dns: an unchanged systemd-resolved resolv.conf works over UDP by default (the forwarder): glibc getaddrinfo (python, curl), static busybox nslookup" t_glibc_udp
run_test "dns: the same with --switch-udp" t_glibc_udp --switch-udp
run_test "dns: the same on the preload path" t_glibc_udp --mode=preload
run_test "dns: the same with --net=slirp4netns" t_glibc_udp --net=slirp4netns
run_test "dns: the same with --net=pasta" t_glibc_udp --net=pasta

# a static Go binary (CGO_ENABLED=0: Go's own resolver, UDP then TCP)
GOBIN_LOOKUP=$WORK/bin/golookup
build_go() {
	local src=$WORK/gosrc
	command -v go >/dev/null || return 1
	mkdir -p "$src" "$WORK/bin"
	cat >"$src/golookup.go" <<'GO'
package main

import (
	"context"
	"fmt"
	"net"
	"os"
)

func main() {
	r := &net.Resolver{PreferGo: true}
	addrs, err := r.LookupHost(context.Background(), os.Args[1])
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for _, a := range addrs {
		fmt.Println(a)
	}
}
GO
	(cd "$src" && timeout -k 5 300 env CGO_ENABLED=0 GO111MODULE=off \
		HOME="$src" GOCACHE="$src/cache" GOPATH="$src/path" \
		go build -o "$GOBIN_LOOKUP" golookup.go) && chmod a+rx "$WORK/bin" "$GOBIN_LOOKUP"
}
t_go() {
	local out
	[[ -x $GOBIN_LOOKUP ]] || build_go || skip "go not installed (Debian: golang-go)"
	if readelf -l "$GOBIN_LOOKUP" | grep -q INTERP; then
		echo "not a static binary"
		return 1
	fi
	out=$(run_in "$RESOLV" -- "$GOBIN_LOOKUP" www.b4ns.test)
	echo "go (udp): $out"
	grep -qx 10.77.0.1 <<<"$out"
	grep -qx fd77::1 <<<"$out"
	out=$(run_in "$RESOLV_VC" -- "$GOBIN_LOOKUP" www.b4ns.test)
	echo "go (use-vc): $out"
	grep -qx 10.77.0.1 <<<"$out"
	out=$(run_in "$RESOLV" --mode=preload -- "$GOBIN_LOOKUP" www.b4ns.test)
	echo "go (preload path, udp): $out"
	grep -qx 10.77.0.1 <<<"$out"
	no_hits
}
run_test "dns: a static Go binary (pure-Go resolver) resolves through the host's 127.0.0.53: UDP (default, also on the preload path) and TCP (use-vc)" t_go

t_dig() {
	local out
	[[ -n $DIG ]] || skip "dig not installed (Debian: bind9-dnsutils)"
	out=$(run_in "$RESOLV" -- dig +tcp +short +tries=1 +time=3 www.b4ns.test)
	echo "dig +tcp: $out"
	[[ $out == 10.77.0.1 ]]
	out=$(run_in "$RESOLV" -- dig +notcp +short +tries=1 +time=3 www.b4ns.test)
	echo "dig (udp): $out"
	[[ $out == 10.77.0.1 ]]
	out=$(run_in "$RESOLV" --switch-udp -- dig +notcp +short +tries=1 +time=3 www.b4ns.test)
	echo "dig (udp, --switch-udp): $out"
	[[ $out == 10.77.0.1 ]]
	no_hits
}
run_test "dns: dig over TCP and UDP (default, and --switch-udp) reaches the host's 127.0.0.53" t_dig

t_attack() {
	local out
	out=$(run_in "$RESOLV" "$@" -- python3 "$WORK/attack.py" 127.0.0.1:53 \
		127.0.0.53:54 '[::1]:53' 127.0.0.54:53)
	echo "$out"
	if grep -q reached <<<"$out"; then
		return 1
	fi
	sleep 0.5
	no_hits
}
run_test "dns attack: only 127.0.0.53:53 opens: 127.0.0.53:54, 127.0.0.1:53, [::1]:53, 127.0.0.54:53 stay unreachable over TCP and UDP" t_attack
run_test "dns attack: the same with --switch-udp" t_attack --switch-udp
run_test "dns attack: the same on the preload path" t_attack --mode=preload --switch-udp

# the network helper's tap is the container's: root in its user namespace,
# it writes frames there (AF_PACKET) or routes 127/8 out of it
# (route_localnet); the helper must not deliver them to host loopback
t_tap_attack() {
	local out
	if ! run_user sh -c 'exec 3<>/dev/net/tun' 2>/dev/null; then
		skip "/dev/net/tun is not usable by $TEST_USER (--chmod-tun)"
	fi
	out=$(run_in "$RESOLV" "$@" -- python3 "$WORK/tapattack.py" \
		127.0.0.1:53 127.0.0.53:54 '[::1]:53')
	echo "$out"
	sleep 0.5
	if grep -q reached <<<"$out"; then
		return 1
	fi
	no_hits
}
run_test "dns attack: raw frames and 127/8 routes through slirp4netns's tap reach no host loopback" t_tap_attack --net=slirp4netns
run_test "dns attack: raw frames and 127/8 routes through pasta's tap reach no host loopback" t_tap_attack --net=pasta

t_off() {
	[[ -n $DIG ]] || skip "dig not installed (Debian: bind9-dnsutils)"
	if run_in "$RESOLV" --dns=off -- dig +tcp +short +tries=1 +time=3 \
		@127.0.0.53 www.b4ns.test; then
		echo "--dns=off: the host's name server was reached"
		return 1
	fi
	if run_in "$RESOLV_OTHER" -- dig +tcp +short +tries=1 +time=3 \
		@127.0.0.53 www.b4ns.test; then
		echo "a name server the host's resolv.conf does not list was reached"
		return 1
	fi
	no_hits
}
run_test "dns: --dns=off, or a host resolv.conf not listing 127.0.0.53: the container's 127.0.0.53 is its own" t_off

t_config_path() {
	local conf=$WORK/dns-path.conf out
	[[ -n $DIG ]] || skip "dig not installed (Debian: bind9-dnsutils)"
	printf 'host_resolv_conf = "%s";\n' "$RESOLV" >"$conf"
	chmod 644 "$conf"
	out=$(ctr --config="$conf" -- dig +tcp +short +tries=1 +time=3 \
		@127.0.0.53 www.b4ns.test)
	[[ $out == 10.77.0.1 ]]
	printf 'host_resolv_conf = "%s";\n' "$RESOLV_OTHER" >"$conf"
	if ctr --config="$conf" -- dig +tcp +short +tries=1 +time=3 \
		@127.0.0.53 www.b4ns.test; then
		return 1
	fi
	printf 'host_resolv_conf = "%s";\ndns = "off";\n' "$RESOLV" >"$conf"
	if ctr --config="$conf" -- dig +tcp +short +tries=1 +time=3 \
		@127.0.0.53 www.b4ns.test; then
		return 1
	fi
	no_hits
}
run_test "dns: config host_resolv_conf names the host's resolv.conf the supervisor reads; dns = \"off\" in the config" t_config_path

t_list() {
	local out
	out=$(ctr --dns=10.77.0.1,fd77::1 -- cat /etc/resolv.conf)
	echo "$out"
	[[ $out == *"nameserver 10.77.0.1"* && $out == *"nameserver fd77::1"* ]]
	[[ $out != *10.255.* && $out != *127.0.0.53* ]]
	out=$(ctr --dns=10.77.0.1 --switch-udp -- python3 -c "$GAI")
	[[ $out == 10.77.0.1 ]]
	if [[ -n $DIG ]]; then
		out=$(ctr --dns=10.77.0.1 -- dig +tcp +short +tries=1 +time=3 www.b4ns.test)
		[[ $out == 10.77.0.1 ]]
	fi
	# the run did not change the machine's file
	[[ $(sha256sum /etc/resolv.conf) == "$machine_sum" ]]
	if run_user "$B4NS" run --dns=10.77.0.1,nope -- true 2>"$WORK/err"; then
		return 1
	fi
	grep -q "'nope' is not an IP address" "$WORK/err"
}
run_test "dns: --dns=IP,IP: the container's /etc/resolv.conf names them (private mount namespace), the host's file is untouched; bad lists fail in words" t_list

t_add_host() {
	local out
	out=$(ctr --add-host=db.b4ns.test:10.77.0.1 \
		--add-host=v6.b4ns.test:fd77::1 -- cat /etc/hosts)
	echo "$out"
	grep -qx '10.77.0.1 db.b4ns.test' <<<"$out"
	grep -qx 'fd77::1 v6.b4ns.test' <<<"$out"
	grep -q localhost <<<"$out"	# the host's entries are kept
	out=$(ctr --add-host=db.b4ns.test:10.77.0.1 -- curl -sS --max-time 10 \
		http://db.b4ns.test:8089/hello.txt)
	[[ $out == "$(cat "$CONTENT")" ]]
	if grep -q b4ns.test /etc/hosts; then
		return 1
	fi
	if run_user "$B4NS" run --add-host=db -- true 2>"$WORK/err"; then
		return 1
	fi
	grep -q "expected NAME:IP" "$WORK/err"
}
run_test "dns: --add-host=NAME:IP: the container's /etc/hosts has the entries (curl reaches the name), the host's is untouched; a bad entry fails in words" t_add_host

t_daemon() {
	local xdg=$CTR_DIR/xdg conf=$WORK/dns-daemon.conf out
	[[ -n $DIG ]] || skip "dig not installed (Debian: bind9-dnsutils)"
	mkdir -m 700 "$xdg"
	chown "$TEST_USER:" "$xdg"
	printf 'host_resolv_conf = "%s";\n' "$RESOLV" >"$conf"
	chmod 644 "$conf"
	own_cleanup
	bg_th daemon setpriv "--reuid=$TEST_USER" "--regid=$TEST_USER" \
		--init-groups -- env -i HOME=/tmp "PATH=$USER_PATH" \
		"XDG_RUNTIME_DIR=$xdg" "$B4NS" daemon --config="$conf" \
		--log-level=info
	wait_log daemon 'listening on' 10
	out=$(ctr --daemon="$xdg/b4ns/b4ns.sock" -- dig +tcp +short +tries=1 \
		+time=3 @127.0.0.53 www.b4ns.test)
	echo "dig +tcp through the daemon: $out"
	[[ $out == 10.77.0.1 ]]
	# UDP: b4ns run's own forwarder (its host's resolv.conf), also when
	# a daemon switches
	out=$(run_in "$RESOLV" --daemon="$xdg/b4ns/b4ns.sock" -- dig +notcp \
		+short +tries=1 +time=3 www.b4ns.test)
	echo "dig (udp) with --daemon: $out"
	[[ $out == 10.77.0.1 ]]
	if ctr --daemon="$xdg/b4ns/b4ns.sock" -- dig +tcp +short +tries=1 \
		+time=3 -p 54 @127.0.0.53 www.b4ns.test; then
		return 1
	fi
	if run_user "$B4NS" run --daemon="$xdg/b4ns/b4ns.sock" --dns=off \
		-- true 2>"$WORK/err"; then
		return 1
	fi
	grep -q -- "--dns=off" "$WORK/err"
	sleep 0.5
	no_hits
}
run_test "dns: a container served by b4ns daemon reaches the host's 127.0.0.53:53 over TCP (the daemon's host_resolv_conf) and UDP (b4ns run's forwarder), not its port 54; --dns=off cannot travel to it" t_daemon

report_summary
