// SPDX-License-Identifier: GPL-2.0-or-later
/* test_policy.c - every rule of the switching decision (common/policy.c) */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "policy.h"
#include "sockaddr.h"

/* the runtime state the decisions read (own subnets): each test runs in a
 * process of its own, so it starts empty */
static struct policy_state pst;

#define SA(ss) ((const struct sockaddr *)&(ss))
#define PSA(p) ((const struct sockaddr *)(p))

static struct sockaddr_storage v4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	cr_assert_eq(inet_pton(AF_INET, ip, &in->sin_addr), 1, "bad v4 '%s'", ip);
	return ss;
}

static struct sockaddr_storage v6(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	cr_assert_eq(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1, "bad v6 '%s'",
		     ip);
	return ss;
}

/* addr() - v4 or v6 depending on the text */
static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
	return strchr(ip, ':') ? v6(ip, port) : v4(ip, port);
}

static struct policy_sock tcp4(void)
{
	struct policy_sock s = { .family = AF_INET, .type = SOCK_STREAM };

	return s;
}

static struct policy_sock sock_for(int family, int type, int protocol)
{
	struct policy_sock s = { .family = family, .type = type,
				 .protocol = protocol };

	return s;
}

/* keep() - @dst on @s must stay in the container, with a reason */
static void keep(const struct policy_cfg *cfg, const struct policy_sock *s,
		 const struct sockaddr_storage *dst, const char *what)
{
	struct sockaddr_storage out;
	const char *reason = NULL;
	char buf[SA_STRLEN];

	cr_assert_eq(policy_connect(cfg, &pst, s, PSA(dst), &out, &reason), POLICY_KEEP,
		     "%s: %s switched", what, sa_format(PSA(dst), buf, sizeof(buf)));
	cr_assert_not_null(reason, "%s: no reason", what);
	cr_assert_neq(reason[0], '\0', "%s: empty reason", what);
}

/* sw() - @dst on @s must switch; returns *out and checks the reason */
static struct sockaddr_storage sw(const struct policy_cfg *cfg,
				  const struct policy_sock *s,
				  const struct sockaddr_storage *dst, const char *what)
{
	struct sockaddr_storage out;
	const char *reason = NULL;
	char buf[SA_STRLEN];

	memset(&out, 0xa5, sizeof(out));
	cr_assert_eq(policy_connect(cfg, &pst, s, PSA(dst), &out, &reason),
		     POLICY_SWITCH, "%s: %s kept (%s)", what,
		     sa_format(PSA(dst), buf, sizeof(buf)), reason ? reason : "?");
	cr_assert_not_null(reason, "%s: no reason", what);
	cr_assert_neq(reason[0], '\0', "%s: empty reason", what);
	return out;
}

/* same_addr() - @out is exactly @want (family, port, address, zero padding) */
static void same_addr(const struct sockaddr_storage *out,
		      const struct sockaddr_storage *want)
{
	char a[SA_STRLEN], b[SA_STRLEN];
	socklen_t len = sa_len(PSA(want));

	cr_assert_neq(len, 0);
	cr_assert_eq(memcmp(out, want, len), 0, "got %s, want %s",
		     sa_format(PSA(out), a, sizeof(a)),
		     sa_format(PSA(want), b, sizeof(b)));
}

/* --- UDP is kept unless switch_udp -------------------------------------- */

Test(policy, udp_kept_by_default)
{
	struct policy_cfg cfg;
	struct policy_sock udp = { .family = AF_INET, .type = SOCK_DGRAM };
	struct policy_sock tcp = { .family = AF_INET, .type = SOCK_STREAM };
	struct sockaddr_storage out;
	struct sockaddr_storage dst;
	const char *why = NULL;

	policy_default(&cfg);
	cr_assert_not(cfg.switch_udp);
	memset(&dst, 0, sizeof(dst));
	dst.ss_family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, "203.0.113.5",
			       &((struct sockaddr_in *)&dst)->sin_addr), 1);
	sa_set_port((struct sockaddr *)&dst, 53);
	cr_assert_eq(policy_connect(&cfg, &pst, &udp, (struct sockaddr *)&dst, &out,
				    &why), POLICY_KEEP);
	cr_assert_str_eq(why, "UDP is not switched (switch_udp)");
	cr_assert_eq(policy_connect(&cfg, &pst, &tcp, (struct sockaddr *)&dst, &out,
				    &why), POLICY_SWITCH);
	cfg.switch_udp = true;
	cr_assert_eq(policy_connect(&cfg, &pst, &udp, (struct sockaddr *)&dst, &out,
				    &why), POLICY_SWITCH);
}

/* --- policy_default ----------------------------------------------------- */

Test(policy, defaults)
{
	struct policy_cfg cfg;
	struct sockaddr_storage g4 = v4("10.0.2.2", 0);
	struct sockaddr_storage g6 = v6("fd00::2", 0);

	memset(&cfg, 0xa5, sizeof(cfg));
	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cr_assert_eq(cfg.n_ignore, 0);
	cr_assert_not(cfg.allow_host_loopback);
	cr_assert_eq(memcmp(&cfg.gateway4, &g4, sizeof(struct sockaddr_in)), 0);
	cr_assert_eq(memcmp(&cfg.gateway6, &g6, sizeof(struct sockaddr_in6)), 0);
}

/* --- socket properties -------------------------------------------------- */

Test(policy, non_ip_socket)
{
	struct policy_cfg cfg;
	struct sockaddr_storage dst = v4("203.0.113.5", 80);
	static const int fams[] = { AF_UNIX, AF_NETLINK, AF_PACKET, AF_UNSPEC };

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		struct policy_sock s = sock_for(fams[i], SOCK_STREAM, 0);

		keep(&cfg, &s, &dst, "non-IP");
		s.type = SOCK_DGRAM;
		keep(&cfg, &s, &dst, "non-IP dgram");
	}
}

Test(policy, only_tcp_and_udp)
{
	struct policy_cfg cfg;
	struct sockaddr_storage d4 = v4("203.0.113.5", 80);
	struct sockaddr_storage d6 = v6("2001:db8::5", 80);
	static const struct {
		int type, protocol;
	} bad[] = {
		{ SOCK_RAW, 0 },
		{ SOCK_RAW, IPPROTO_TCP },
		{ SOCK_RAW, IPPROTO_ICMP },
		{ SOCK_STREAM, IPPROTO_SCTP },
		{ SOCK_SEQPACKET, IPPROTO_SCTP },
		{ SOCK_SEQPACKET, 0 },
		{ SOCK_STREAM, IPPROTO_MPTCP },
		{ SOCK_STREAM, IPPROTO_UDP },
		{ SOCK_DGRAM, IPPROTO_TCP },
		{ SOCK_DGRAM, IPPROTO_ICMP },
		{ SOCK_DGRAM, IPPROTO_UDPLITE },
		{ SOCK_DCCP, IPPROTO_DCCP },
	};
	static const struct {
		int type, protocol;
	} good[] = {
		{ SOCK_STREAM, 0 },
		{ SOCK_STREAM, IPPROTO_TCP },
		{ SOCK_DGRAM, 0 },
		{ SOCK_DGRAM, IPPROTO_UDP },
	};

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy_sock s4 = sock_for(AF_INET, bad[i].type, bad[i].protocol);
		struct policy_sock s6 = sock_for(AF_INET6, bad[i].type, bad[i].protocol);

		keep(&cfg, &s4, &d4, "not TCP/UDP v4");
		keep(&cfg, &s6, &d6, "not TCP/UDP v6");
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct policy_sock s4 = sock_for(AF_INET, good[i].type, good[i].protocol);
		struct policy_sock s6 = sock_for(AF_INET6, good[i].type, good[i].protocol);
		struct sockaddr_storage o4 = sw(&cfg, &s4, &d4, "TCP/UDP v4");
		struct sockaddr_storage o6 = sw(&cfg, &s6, &d6, "TCP/UDP v6");

		same_addr(&o4, &d4);
		same_addr(&o6, &d6);
	}
}

Test(policy, connected)
{
	struct policy_cfg cfg;
	struct sockaddr_storage dst = v4("203.0.113.5", 80);
	struct policy_sock s = tcp4();

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	s.connected = true;
	keep(&cfg, &s, &dst, "connected tcp");
	s.type = SOCK_DGRAM;
	keep(&cfg, &s, &dst, "connected udp");
}

Test(policy, foreign_ns)
{
	struct policy_cfg cfg;
	struct sockaddr_storage dst = v4("203.0.113.5", 80);
	struct sockaddr_storage gw = v4("10.0.2.2", 80);
	struct policy_sock s = tcp4();

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cfg.allow_host_loopback = true;
	s.foreign_ns = true;
	keep(&cfg, &s, &dst, "nested namespace");
	keep(&cfg, &s, &gw, "nested namespace, gateway");
}

Test(policy, bound_dev)
{
	struct policy_cfg cfg;
	struct sockaddr_storage dst = v6("2001:db8::5", 80);
	struct policy_sock s = sock_for(AF_INET6, SOCK_DGRAM, 0);

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	s.bound_dev = true;
	keep(&cfg, &s, &dst, "bound to device");
}

Test(policy, family_mismatch)
{
	struct policy_cfg cfg;
	struct sockaddr_storage d4 = v4("203.0.113.5", 80);
	struct sockaddr_storage d6 = v6("2001:db8::5", 80);
	struct sockaddr_storage unspec;
	struct policy_sock s4 = tcp4();
	struct policy_sock s6 = sock_for(AF_INET6, SOCK_STREAM, 0);
	struct policy_sock u4 = sock_for(AF_INET, SOCK_DGRAM, 0);
	struct policy_sock u6 = sock_for(AF_INET6, SOCK_DGRAM, 0);

	memset(&unspec, 0, sizeof(unspec));
	unspec.ss_family = AF_UNSPEC;
	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	keep(&cfg, &s4, &d6, "v6 dst on v4 socket");
	keep(&cfg, &s6, &d4, "v4 dst on v6 socket");
	keep(&cfg, &u4, &d6, "v6 dst on v4 udp socket");
	keep(&cfg, &s4, &unspec, "AF_UNSPEC tcp4");
	keep(&cfg, &u4, &unspec, "AF_UNSPEC udp4");
	keep(&cfg, &u6, &unspec, "AF_UNSPEC udp6");
	/* a dual-stack UDP socket connects to AF_INET addresses natively */
	sw(&cfg, &u6, &d4, "v4 dst on dual-stack udp socket");
	/* the same addresses switch with the matching family */
	sw(&cfg, &s4, &d4, "v4 on v4");
	sw(&cfg, &s6, &d6, "v6 on v6");
}

/* --- destinations ------------------------------------------------------- */

Test(policy, gateway_without_host_loopback)
{
	struct policy_cfg cfg;
	struct policy_sock s4 = tcp4();
	struct policy_sock s6 = sock_for(AF_INET6, SOCK_STREAM, 0);
	struct policy_sock u4 = sock_for(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage g4 = v4("10.0.2.2", 8080);
	struct sockaddr_storage g6 = v6("fd00::2", 8080);
	struct sockaddr_storage gm = v6("::ffff:10.0.2.2", 8080);

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	keep(&cfg, &s4, &g4, "gateway v4");
	keep(&cfg, &u4, &g4, "gateway v4 udp");
	keep(&cfg, &s6, &g6, "gateway v6");
	keep(&cfg, &s6, &gm, "gateway mapped");
}

Test(policy, gateway_with_host_loopback)
{
	struct policy_cfg cfg;
	struct policy_sock s4 = tcp4();
	struct policy_sock s6 = sock_for(AF_INET6, SOCK_STREAM, 0);
	struct policy_sock u6 = sock_for(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	struct sockaddr_storage g4 = v4("10.0.2.2", 8080);
	struct sockaddr_storage g6 = v6("fd00::2", 443);
	struct sockaddr_storage gm = v6("::ffff:10.0.2.2", 53);
	struct sockaddr_storage o;
	struct sockaddr_storage want;

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cfg.allow_host_loopback = true;

	o = sw(&cfg, &s4, &g4, "gateway v4");
	want = v4("127.0.0.1", 8080);
	same_addr(&o, &want);

	o = sw(&cfg, &s6, &g6, "gateway v6");
	want = v6("::1", 443);
	same_addr(&o, &want);

	o = sw(&cfg, &u6, &gm, "gateway v4-mapped");
	want = v6("::ffff:127.0.0.1", 53);
	same_addr(&o, &want);

	/* the neighbours of the gateway are ordinary routable addresses */
	g4 = v4("10.0.2.3", 8080);
	o = sw(&cfg, &s4, &g4, "next to gateway");
	same_addr(&o, &g4);
}

Test(policy, gateway_is_configurable)
{
	struct policy_cfg cfg;
	struct policy_sock s4 = tcp4();
	struct sockaddr_storage old = v4("10.0.2.2", 80);
	struct sockaddr_storage gw = v4("192.168.77.1", 80);
	struct sockaddr_storage o, want = v4("127.0.0.1", 80);

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cfg.gateway4 = v4("192.168.77.1", 0);
	keep(&cfg, &s4, &gw, "new gateway, no host loopback");
	cfg.allow_host_loopback = true;
	o = sw(&cfg, &s4, &gw, "new gateway");
	same_addr(&o, &want);
	o = sw(&cfg, &s4, &old, "old gateway is routable now");
	same_addr(&o, &old);

	/* no IPv6 gateway at all: fd00::2 is just an address */
	memset(&cfg.gateway6, 0, sizeof(cfg.gateway6));
	struct policy_sock s6 = sock_for(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_storage g6 = v6("fd00::2", 80);

	o = sw(&cfg, &s6, &g6, "no v6 gateway");
	same_addr(&o, &g6);
}

Test(policy, loopback)
{
	struct policy_cfg cfg;
	static const char *const lo[] = { "127.0.0.1", "127.1.2.3",
					  "127.255.255.255", "::1",
					  "::ffff:127.0.0.1" };

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cfg.allow_host_loopback = true; /* does not open the namespace's own lo */
	for (size_t i = 0; i < sizeof(lo) / sizeof(lo[0]); i++) {
		struct sockaddr_storage d = addr(lo[i], 80);
		struct policy_sock s = sock_for(d.ss_family, SOCK_STREAM, 0);

		keep(&cfg, &s, &d, lo[i]);
		s.type = SOCK_DGRAM;
		keep(&cfg, &s, &d, lo[i]);
	}
}

Test(policy, unspecified)
{
	struct policy_cfg cfg;
	static const char *const un[] = { "0.0.0.0", "::", "::ffff:0.0.0.0" };

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	for (size_t i = 0; i < sizeof(un) / sizeof(un[0]); i++) {
		struct sockaddr_storage d = addr(un[i], 80);
		struct policy_sock s = sock_for(d.ss_family, SOCK_STREAM, 0);

		keep(&cfg, &s, &d, un[i]);
	}
}

Test(policy, local_scope)
{
	struct policy_cfg cfg;
	static const char *const ls[] = {
		"169.254.1.1",	   "224.0.0.251", "239.1.2.3", "255.255.255.255",
		"fe80::1",	   "ff02::1",	  "ff05::2",   "::ffff:169.254.9.9",
		"::ffff:224.0.0.1",
	};

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	for (size_t i = 0; i < sizeof(ls) / sizeof(ls[0]); i++) {
		struct sockaddr_storage d = addr(ls[i], 5353);
		struct policy_sock s = sock_for(d.ss_family, SOCK_DGRAM, 0);

		keep(&cfg, &s, &d, ls[i]);
	}
}

Test(policy, local_subnet)
{
	struct policy_cfg cfg;
	struct policy_sock s4 = tcp4();
	struct policy_sock s6 = sock_for(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_storage in4 = v4("10.0.2.100", 80);
	struct sockaddr_storage in6 = v6("fd00::1234", 80);
	struct sockaddr_storage mapped = v6("::ffff:10.0.2.15", 80);
	struct sockaddr_storage out4 = v4("10.0.3.1", 80);
	struct sockaddr_storage out6 = v6("fd01::1", 80);

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cr_assert_eq(sa_cidr_parse("10.0.2.0/24", &pst.local[0]), 0);
	cr_assert_eq(sa_cidr_parse("fd00::/64", &pst.local[1]), 0);
	pst.n_local = 2;
	keep(&cfg, &s4, &in4, "own v4 subnet");
	keep(&cfg, &s6, &in6, "own v6 subnet");
	keep(&cfg, &s6, &mapped, "own v4 subnet, mapped");
	struct sockaddr_storage o = sw(&cfg, &s4, &out4, "other v4");

	same_addr(&o, &out4);
	o = sw(&cfg, &s6, &out6, "other v6");
	same_addr(&o, &out6);

	/* n_local bounds the list: entries past it are not used */
	pst.n_local = 1;
	sw(&cfg, &s6, &in6, "v6 subnet no longer listed");
}

Test(policy, gateway_rule_wins_over_local_subnet)
{
	struct policy_cfg cfg;
	struct policy_sock s4 = tcp4();
	struct sockaddr_storage gw = v4("10.0.2.2", 80);
	struct sockaddr_storage o, want = v4("127.0.0.1", 80);

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cr_assert_eq(sa_cidr_parse("10.0.2.0/24", &pst.local[0]), 0);
	pst.n_local = 1;
	cfg.allow_host_loopback = true;
	o = sw(&cfg, &s4, &gw, "gateway inside own subnet");
	same_addr(&o, &want);
}

Test(policy, ignore_cidr)
{
	struct policy_cfg cfg;
	struct policy_sock s4 = sock_for(AF_INET, SOCK_DGRAM, 0);
	struct policy_sock s6 = sock_for(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_storage ig4 = v4("198.51.100.77", 53);
	struct sockaddr_storage ig6 = v6("2001:db8:1::1", 53);
	struct sockaddr_storage igm = v6("::ffff:198.51.100.1", 53);
	struct sockaddr_storage ok4 = v4("198.51.101.1", 53);
	struct sockaddr_storage ok6 = v6("2001:db8:2::1", 53);

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cr_assert_eq(sa_cidr_parse("198.51.100.0/24", &cfg.ignore[0]), 0);
	cr_assert_eq(sa_cidr_parse("2001:db8:1::/48", &cfg.ignore[1]), 0);
	cfg.n_ignore = 2;
	keep(&cfg, &s4, &ig4, "ignored v4");
	keep(&cfg, &s6, &ig6, "ignored v6");
	keep(&cfg, &s6, &igm, "ignored v4, mapped");
	sw(&cfg, &s4, &ok4, "not ignored v4");
	sw(&cfg, &s6, &ok6, "not ignored v6");

	/* an ignore entry written IPv4-mapped keeps what it names, mapped
	 * or not (tests/fuzz found it kept nothing) */
	cr_assert_eq(sa_cidr_parse("::ffff:198.51.101.0/120", &cfg.ignore[0]), 0);
	cfg.n_ignore = 1;
	keep(&cfg, &s4, &ok4, "ignored v4 written mapped");
	igm = v6("::ffff:198.51.101.9", 53);
	keep(&cfg, &s6, &igm, "ignored mapped written mapped");
	sw(&cfg, &s4, &ig4, "not ignored v4");

	/* the last slot is honoured */
	cfg.n_ignore = POLICY_MAX_CIDRS;
	for (int i = 0; i < POLICY_MAX_CIDRS; i++)
		cr_assert_eq(sa_cidr_parse("192.0.2.1", &cfg.ignore[i]), 0);
	cr_assert_eq(sa_cidr_parse("203.0.113.0/24",
				   &cfg.ignore[POLICY_MAX_CIDRS - 1]), 0);
	struct sockaddr_storage last = v4("203.0.113.9", 1);

	keep(&cfg, &s4, &last, "ignored by the last entry");
}

Test(policy, ignore_everything)
{
	struct policy_cfg cfg;
	struct policy_sock s4 = tcp4();
	struct sockaddr_storage d = v4("203.0.113.5", 80);

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cr_assert_eq(sa_cidr_parse("0.0.0.0/0", &cfg.ignore[0]), 0);
	cfg.n_ignore = 1;
	keep(&cfg, &s4, &d, "0.0.0.0/0 ignored");
}

Test(policy, routable_switches_to_dst)
{
	struct policy_cfg cfg;
	static const char *const dsts[] = {
		"203.0.113.5", "8.8.8.8", "10.0.2.3", "192.168.1.1",
		"2001:db8::5", "2606:4700::1111", "fd00::3", "::ffff:8.8.4.4",
		"240.0.0.1",
	};
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	for (size_t i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		for (size_t t = 0; t < 2; t++) {
			struct sockaddr_storage d = addr(dsts[i], (uint16_t)(1000 + i));
			struct policy_sock s = sock_for(d.ss_family, types[t], 0);
			struct sockaddr_storage o;

			if (d.ss_family == AF_INET6) {
				((struct sockaddr_in6 *)&d)->sin6_flowinfo = htonl(7);
				((struct sockaddr_in6 *)&d)->sin6_scope_id = 0;
			}
			o = sw(&cfg, &s, &d, dsts[i]);
			same_addr(&o, &d);
			cr_assert_eq(sa_port(SA(o)), 1000 + i);
		}
	}
}

Test(policy, reason_differs_between_rules)
{
	struct policy_cfg cfg;
	struct policy_sock s4 = tcp4();
	struct sockaddr_storage lo = v4("127.0.0.1", 1);
	struct sockaddr_storage gw = v4("10.0.2.2", 1);
	struct sockaddr_storage out;
	const char *r1 = NULL, *r2 = NULL;

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	policy_connect(&cfg, &pst, &s4, SA(lo), &out, &r1);
	policy_connect(&cfg, &pst, &s4, SA(gw), &out, &r2);
	cr_assert_not_null(r1);
	cr_assert_not_null(r2);
	cr_assert_str_neq(r1, r2);
}

/* --- policy_host_connect ------------------------------------------------ */

Test(policy_host, unspec_disconnect_allowed)
{
	struct policy_cfg cfg;
	struct sockaddr_storage d, out;
	const char *reason = NULL;

	memset(&d, 0, sizeof(d));
	d.ss_family = AF_UNSPEC;
	memset(&out, 0xa5, sizeof(out));
	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cr_assert(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(d), &out, &reason));
	cr_assert_eq(out.ss_family, AF_UNSPEC);
	cr_assert_not_null(reason);
	cr_assert_neq(reason[0], '\0');
}

Test(policy_host, refused)
{
	struct policy_cfg cfg;
	static const char *const bad[] = {
		"127.0.0.1", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::",
		"169.254.1.1", "ff02::1", "255.255.255.255", "10.0.2.2", "fd00::2",
	};
	struct sockaddr_storage out, un;
	const char *reason;

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sockaddr_storage d = addr(bad[i], 80);

		reason = NULL;
		cr_assert_not(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(d), &out, &reason),
			      "%s allowed", bad[i]);
		cr_assert_not_null(reason);
		cr_assert_neq(reason[0], '\0');
	}
	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	reason = NULL;
	cr_assert_not(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(un), &out, &reason));
	cr_assert_not_null(reason);
}

Test(policy_host, routable_allowed)
{
	struct policy_cfg cfg;
	struct sockaddr_storage d4 = v4("203.0.113.5", 443);
	struct sockaddr_storage d6 = v6("2001:db8::5", 443);
	struct sockaddr_storage out;
	const char *reason = NULL;

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cr_assert(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(d4), &out, &reason));
	same_addr(&out, &d4);
	cr_assert_not_null(reason);
	cr_assert(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(d6), &out, &reason));
	same_addr(&out, &d6);
}

Test(policy_host, gateway_rewritten_when_allowed)
{
	struct policy_cfg cfg;
	struct sockaddr_storage gw = v4("10.0.2.2", 8080);
	struct sockaddr_storage want = v4("127.0.0.1", 8080);
	struct sockaddr_storage out;
	const char *reason = NULL;

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cfg.allow_host_loopback = true;
	cr_assert(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(gw), &out, &reason));
	same_addr(&out, &want);
}

Test(policy_host, ignored_refused)
{
	struct policy_cfg cfg;
	struct sockaddr_storage d = v4("198.51.100.7", 80);
	struct sockaddr_storage sub = v4("172.20.0.5", 80);
	struct sockaddr_storage out;
	const char *reason = NULL;

	policy_default(&cfg);
	cfg.switch_udp = true; /* UDP cases switch: opt-in */
	cr_assert(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(d), &out, &reason));
	cr_assert_eq(sa_cidr_parse("198.51.100.0/24", &cfg.ignore[0]), 0);
	cfg.n_ignore = 1;
	cr_assert_not(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(d), &out, &reason));
	cr_assert_eq(sa_cidr_parse("172.20.0.0/16", &pst.local[0]), 0);
	pst.n_local = 1;
	cr_assert_not(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(sub), &out, &reason));
}

/* peer() - a registry entry: @net, container @ip:@port/@proto at @host:@hport */
static struct peer_entry peer(const char *net, const char *ip, uint16_t port,
			      int proto, const char *host, uint16_t hport,
			      bool remote)
{
	struct peer_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.key.network, sizeof(e.key.network), "%s", net);
	e.key.addr = addr(ip, port);
	e.key.proto = proto;
	e.host = addr(host, hport);
	e.remote = remote;
	e.family = AF_INET;
	snprintf(e.container, sizeof(e.container), "b");
	return e;
}

Test(policy_peer, named_network_local_and_remote)
{
	struct policy_cfg cfg;
	struct peers *p;
	struct peer_entry l = peer("n1", "10.77.0.3", 80, IPPROTO_TCP, "0.0.0.0", 18080, false);
	struct peer_entry r = peer("n1", "10.77.3.2", 80, IPPROTO_TCP, "192.168.9.3", 18080, true);
	struct sockaddr_storage d, out;
	char buf[SA_STRLEN];

	policy_default(&cfg);
	strcpy(cfg.network, "n1");
	cr_assert_eq(peers_new(&p), 0);
	cr_assert_eq(peers_put(p, &l), 0);
	cr_assert_eq(peers_put(p, &r), 0);
	pst.peers = p;
	/* the container's own subnet, given to it: 10.77.0.0/16 */
	cr_assert_eq(sa_cidr_parse("10.77.0.0/16", &pst.local[0]), 0);
	cr_assert_eq(sa_cidr_parse("10.77.1.2/32", &pst.own[0]), 0);
	pst.n_local = 1;
	pst.given = 1;

	/* a local service bound on every address: reached on host loopback */
	d = v4("10.77.0.3", 80);
	cr_assert_not_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	cr_assert_str_eq(sa_format(SA(out), buf, sizeof(buf)), "127.0.0.1:18080");
	/* in an AF_INET6 socket's family: mapped */
	cr_assert_not_null(policy_peer(&cfg, &pst, AF_INET6, IPPROTO_TCP, SA(d), &out));
	cr_assert_str_eq(sa_format(SA(out), buf, sizeof(buf)), "[::ffff:127.0.0.1]:18080");
	/* a remote one: the other node's address */
	d = v4("10.77.3.2", 80);
	cr_assert_not_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	cr_assert_str_eq(sa_format(SA(out), buf, sizeof(buf)), "192.168.9.3:18080");
	/* another port, protocol or network: not a service */
	d = v4("10.77.3.2", 81);
	cr_assert_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	d = v4("10.77.3.2", 80);
	cr_assert_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_UDP, SA(d), &out));
	strcpy(cfg.network, "n2");
	cr_assert_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	cr_assert_null(policy_peer(&cfg, &pst, 0, 0, SA(d), NULL));
	/* a subnet the container made itself is not looked up in */
	strcpy(cfg.network, "n1");
	pst.given = 0;
	d = v4("10.77.3.2", 80);
	cr_assert_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	pst.given = 1;
	/* no registry: nothing */
	pst.peers = NULL;
	cr_assert_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	peers_free(p);
}

Test(policy_peer, unnamed_network_is_the_own_subnet)
{
	struct policy_cfg cfg;
	struct peers *p;
	struct peer_entry l = peer("@10.89.0.0/24", "10.89.0.3", 80, IPPROTO_TCP, "0.0.0.0", 8080, false);
	struct sockaddr_storage d = v4("10.89.0.3", 80), out;

	policy_default(&cfg);
	cr_assert_eq(peers_new(&p), 0);
	cr_assert_eq(peers_put(p, &l), 0);
	pst.peers = p;
	/* not in a subnet of ours: not our network */
	cr_assert_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	cr_assert_eq(sa_cidr_parse("10.89.1.0/24", &pst.local[0]), 0);
	pst.n_local = 1;
	cr_assert_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	cr_assert_eq(sa_cidr_parse("10.89.0.0/24", &pst.local[1]), 0);
	pst.n_local = 2;
	pst.given = 3;
	cr_assert_not_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	/* the address check alone (the caller's shortcut) finds it too */
	cr_assert_not_null(policy_peer(&cfg, &pst, 0, 0, SA(d), NULL));
	pst.peers = NULL;
	peers_free(p);
}

Test(policy_peer, udp_only_with_switch_udp_and_family_must_fit)
{
	struct policy_cfg cfg;
	struct peers *p;
	struct peer_entry u = peer("n1", "10.77.0.3", 53, IPPROTO_UDP, "0.0.0.0", 5353, false);
	struct peer_entry r6 = peer("n1", "10.77.0.4", 80, IPPROTO_TCP, "fd00::4", 8080, true);
	struct sockaddr_storage d = v4("10.77.0.3", 53), out;

	policy_default(&cfg);
	strcpy(cfg.network, "n1");
	cr_assert_eq(peers_new(&p), 0);
	cr_assert_eq(peers_put(p, &u), 0);
	cr_assert_eq(peers_put(p, &r6), 0);
	pst.peers = p;
	cr_assert_eq(sa_cidr_parse("10.77.0.0/24", &pst.local[0]), 0);
	cr_assert_eq(sa_cidr_parse("10.77.0.2/32", &pst.own[0]), 0);
	pst.n_local = 1;
	pst.given = 1;
	cr_assert_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_UDP, SA(d), &out));
	cfg.switch_udp = true;
	cr_assert_not_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_UDP, SA(d), &out));
	/* an IPv4 socket cannot reach a node known by its IPv6 address */
	d = v4("10.77.0.4", 80);
	cr_assert_null(policy_peer(&cfg, &pst, AF_INET, IPPROTO_TCP, SA(d), &out));
	cr_assert_not_null(policy_peer(&cfg, &pst, AF_INET6, IPPROTO_TCP, SA(d), &out));
	pst.peers = NULL;
	peers_free(p);
}

/* A connect to the container's own address never leaves it natively: two
 * containers with the same private subnet and address (slirp4netns'
 * 10.0.2.100, pasta's copy of the host's) must not reach each other's
 * services through it */
Test(policy_peer, own_address_is_never_a_peer)
{
	struct policy_cfg cfg;
	struct policy_state st;
	struct peers *p;
	struct peer_entry y = peer("@10.0.2.0/24", "10.0.2.100", 80, IPPROTO_TCP, "127.0.0.1", 18097, false);
	struct sockaddr_storage d = v4("10.0.2.100", 80), out;
	struct sockaddr_in6 m;

	policy_default(&cfg);
	memset(&st, 0, sizeof(st));
	cr_assert_eq(peers_new(&p), 0);
	cr_assert_eq(peers_put(p, &y), 0);
	st.peers = p;
	cr_assert_eq(sa_cidr_parse("10.0.2.0/24", &st.local[0]), 0);
	cr_assert_eq(sa_cidr_parse("10.0.2.101/32", &st.own[0]), 0);
	st.n_local = 1;
	st.given = 1;
	/* another address of the subnet: a neighbour's service */
	cr_assert_not_null(policy_peer(&cfg, &st, AF_INET, IPPROTO_TCP, SA(d), &out));
	/* our own address: ours, whoever else claims it */
	cr_assert_eq(sa_cidr_parse("10.0.2.100/32", &st.own[0]), 0);
	cr_assert_null(policy_peer(&cfg, &st, AF_INET, IPPROTO_TCP, SA(d), &out));
	cr_assert_null(policy_peer(&cfg, &st, 0, 0, SA(d), NULL));
	/* named IPv4-mapped by an AF_INET6 socket: the same */
	memset(&m, 0, sizeof(m));
	m.sin6_family = AF_INET6;
	m.sin6_port = htons(80);
	inet_pton(AF_INET6, "::ffff:10.0.2.100", &m.sin6_addr);
	cr_assert_null(policy_peer(&cfg, &st, AF_INET6, IPPROTO_TCP,
				   (const struct sockaddr *)&m, &out));
	/* in a named network too */
	y = peer("n1", "10.0.2.100", 80, IPPROTO_TCP, "127.0.0.1", 18097, false);
	cr_assert_eq(peers_put(p, &y), 0);
	strcpy(cfg.network, "n1");
	cr_assert_null(policy_peer(&cfg, &st, AF_INET, IPPROTO_TCP, SA(d), &out));
	peers_free(p);
}

Test(policy_peer, source_is_an_address_the_container_was_given)
{
	struct policy_state st = { 0 };
	struct sockaddr_storage d = v4("10.88.0.7", 80), out;
	char buf[SA_STRLEN];

	/* given 10.88.0.5/16; then (CAP_NET_ADMIN) it put another
	 * container's address, 10.88.0.9, first in a narrower subnet */
	cr_assert_eq(sa_cidr_parse("10.88.0.0/24", &st.local[0]), 0);
	cr_assert_eq(sa_cidr_parse("10.88.0.9/32", &st.own[0]), 0);
	cr_assert_eq(sa_cidr_parse("10.88.0.0/16", &st.local[1]), 0);
	cr_assert_eq(sa_cidr_parse("10.88.0.5/32", &st.own[1]), 0);
	st.n_local = 2;
	st.given = 2;
	cr_assert(policy_peer_source(&st, SA(d), 4321, &out));
	cr_assert_str_eq(sa_format(SA(out), buf, sizeof(buf)), "10.88.0.5:4321");
	/* none given: no address to show */
	st.given = 0;
	cr_assert_not(policy_peer_source(&st, SA(d), 4321, &out));
}

/* --- the host's loopback name servers (dns = "host") --------------------- */

Test(policy, host_name_server_exactly)
{
	struct policy_cfg cfg;
	struct policy_sock tcp = tcp4();
	struct policy_sock tcp6 = sock_for(AF_INET6, SOCK_STREAM, 0);
	struct policy_sock udp = sock_for(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage dst, out;
	const char *why = NULL;

	policy_default(&cfg);
	cfg.dns[0] = v4("127.0.0.53", 53);
	cfg.dns[1] = v6("::1", 53);
	cfg.n_dns = 2;

	dst = v4("127.0.0.53", 53);
	out = sw(&cfg, &tcp, &dst, "tcp to the name server");
	same_addr(&out, &dst);
	dst = v6("::ffff:127.0.0.53", 53);
	out = sw(&cfg, &tcp6, &dst, "v4-mapped name server");
	same_addr(&out, &dst);
	dst = v6("::1", 53);
	out = sw(&cfg, &tcp6, &dst, "::1 name server");
	same_addr(&out, &dst);

	/* nothing else of loopback */
	dst = v4("127.0.0.53", 54);
	keep(&cfg, &tcp, &dst, "other port");
	dst = v4("127.0.0.1", 53);
	keep(&cfg, &tcp, &dst, "other loopback address");
	dst = v4("127.0.0.54", 53);
	keep(&cfg, &tcp, &dst, "neighbour address");
	dst = v6("::1", 54);
	keep(&cfg, &tcp6, &dst, "::1 other port");
	cr_assert(policy_keep_by_address(&cfg, &pst, SA(dst), &why));

	/* UDP never, not even with switch_udp: the DNS forwarder relays it */
	dst = v4("127.0.0.53", 53);
	keep(&cfg, &udp, &dst, "udp without switch_udp");
	cfg.switch_udp = true;
	keep(&cfg, &udp, &dst, "udp with switch_udp");
	cr_assert_not(policy_host_connect(&cfg, &pst, IPPROTO_UDP, SA(dst),
					  &out, &why));
	/* keep_by_address() means "for any socket": TCP would switch */
	cr_assert_not(policy_keep_by_address(&cfg, &pst, SA(dst), &why));

	/* a host socket may be re-aimed only at the name server */
	cr_assert(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(dst), &out, &why));
	dst = v4("127.0.0.1", 53);
	cr_assert_not(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(dst), &out, &why));
	dst = v4("127.0.0.53", 5353);
	cr_assert_not(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(dst), &out, &why));

	/* none configured: loopback as ever */
	cfg.n_dns = 0;
	dst = v4("127.0.0.53", 53);
	keep(&cfg, &tcp, &dst, "dns off");
}

/* --- pasta: the container's subnets are copies of the host's ------------ */

Test(policy, pasta_subnets_are_switched)
{
	struct policy_cfg cfg;
	struct policy_sock tcp = tcp4();
	struct policy_sock tcp6 = sock_for(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_storage peer = v4("10.77.0.2", 80);
	struct sockaddr_storage self = v4("10.77.0.1", 80);
	struct sockaddr_storage peer6 = v6("fd77::2", 80);
	struct sockaddr_storage lo = v4("127.0.0.1", 80);
	struct sockaddr_storage gw = v4("10.77.0.254", 80);
	struct sockaddr_storage want_lo = v4("127.0.0.1", 80);
	struct sockaddr_storage o;
	const char *why = NULL;

	policy_default(&cfg);
	cr_assert_eq(sa_cidr_parse("10.77.0.0/24", &pst.local[0]), 0);
	cr_assert_eq(sa_cidr_parse("fd77::/64", &pst.local[1]), 0);
	pst.n_local = 2;

	/* slirp4netns, none: the own subnet is kept */
	keep(&cfg, &tcp, &peer, "own subnet without pasta");
	cr_assert(policy_keep_by_address(&cfg, &pst, SA(peer), &why));

	/* pasta: the LAN peer, the host's own address (the container's
	 * copy), IPv6 too, are switched to exactly themselves */
	cfg.subnets_copied = true;
	o = sw(&cfg, &tcp, &peer, "LAN peer with pasta");
	same_addr(&o, &peer);
	o = sw(&cfg, &tcp, &self, "the host's address with pasta");
	same_addr(&o, &self);
	o = sw(&cfg, &tcp6, &peer6, "v6 LAN peer with pasta");
	same_addr(&o, &peer6);
	cr_assert_not(policy_keep_by_address(&cfg, &pst, SA(peer), &why));
	cr_assert(policy_host_connect(&cfg, &pst, IPPROTO_TCP, SA(peer), &o,
				      &why));

	/* loopback stays the container's own */
	keep(&cfg, &tcp, &lo, "loopback with pasta");

	/* the gateway the launcher names (pasta maps it to the host's
	 * loopback with --allow-host-loopback): the gateway rule */
	cfg.gateway4 = v4("10.77.0.254", 0);
	keep(&cfg, &tcp, &gw, "pasta gateway, host loopback not allowed");
	cfg.allow_host_loopback = true;
	o = sw(&cfg, &tcp, &gw, "pasta gateway to host loopback");
	same_addr(&o, &want_lo);
	/* no gateway named (cfg_policy() clears it for pasta): switched as
	 * any LAN address */
	memset(&cfg.gateway4, 0, sizeof(cfg.gateway4));
	o = sw(&cfg, &tcp, &gw, "pasta gateway, none named");
	same_addr(&o, &gw);
	pst.n_local = 0;
}
