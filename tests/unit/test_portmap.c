// SPDX-License-Identifier: GPL-2.0-or-later
/* test_portmap.c - publish spec parsing, conflicts and lookup */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "portmap.h"
#include "sockaddr.h"

static struct portmap_entry parse_ok(const char *spec)
{
	struct b4_error err = { "" };
	struct portmap_entry e;
	int rc = portmap_parse(spec, &e, &err);

	cr_assert_eq(rc, 0, "'%s' rejected: %s", spec, err.msg);
	return e;
}

static void parse_bad(const char *spec, const char *msg)
{
	struct b4_error err = { "" };
	struct portmap_entry e;
	int rc = portmap_parse(spec, &e, &err);

	cr_assert_eq(rc, -EINVAL, "'%s' accepted", spec);
	cr_assert(strstr(err.msg, msg), "'%s': '%s' does not contain '%s'",
		  spec, err.msg, msg);
	cr_assert(strstr(err.msg, spec), "'%s': '%s' does not quote the spec",
		  spec, err.msg);
}

static void assert_v4(const struct sockaddr *sa, const char *ip,
		      uint16_t port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	struct in_addr want;

	cr_assert_eq(sa->sa_family, AF_INET);
	cr_assert_eq(inet_pton(AF_INET, ip, &want), 1);
	cr_assert_eq(sin->sin_addr.s_addr, want.s_addr);
	cr_assert_eq(ntohs(sin->sin_port), port);
}

Test(portmap, simple_tcp_default)
{
	struct portmap_entry e = parse_ok("8080:80");

	cr_assert_eq(e.proto, IPPROTO_TCP);
	cr_assert_eq(e.host_port, 8080);
	cr_assert_eq(e.container_port, 80);
	cr_assert_eq(e.count, 1);
	cr_assert_not(e.host_ip_set);
	assert_v4(&e.host.sa, "0.0.0.0", 8080);
	cr_assert(sa_is_unspecified(&e.host.sa));
}

Test(portmap, explicit_protocols)
{
	struct portmap_entry e = parse_ok("8080:80/tcp");

	cr_assert_eq(e.proto, IPPROTO_TCP);
	e = parse_ok("5353:53/udp");
	cr_assert_eq(e.proto, IPPROTO_UDP);
	cr_assert_eq(e.host_port, 5353);
	cr_assert_eq(e.container_port, 53);
}

Test(portmap, ipv4_host_ip)
{
	struct portmap_entry e = parse_ok("127.0.0.1:5353:53/udp");

	cr_assert(e.host_ip_set);
	cr_assert_eq(e.proto, IPPROTO_UDP);
	assert_v4(&e.host.sa, "127.0.0.1", 5353);
}

Test(portmap, ipv6_host_ip)
{
	struct portmap_entry e = parse_ok("[::1]:8443:443");
	const struct sockaddr_in6 *sin6 = &e.host.sin6;

	cr_assert(e.host_ip_set);
	cr_assert_eq(e.host.sa.sa_family, AF_INET6);
	cr_assert(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	cr_assert_eq(ntohs(sin6->sin6_port), 8443);
	cr_assert_eq(e.container_port, 443);

	e = parse_ok("[fd00::1]:53:53/udp");
	cr_assert_eq(e.host.sa.sa_family, AF_INET6);
	cr_assert_eq(e.proto, IPPROTO_UDP);
}

Test(portmap, ranges)
{
	struct portmap_entry e = parse_ok("8000-8010:80-90");

	cr_assert_eq(e.host_port, 8000);
	cr_assert_eq(e.container_port, 80);
	cr_assert_eq(e.count, 11);

	e = parse_ok("1-65535:1-65535/udp");
	cr_assert_eq(e.count, 65535);
	e = parse_ok("7-7:9-9");
	cr_assert_eq(e.count, 1);
}

Test(portmap, port_bounds)
{
	struct portmap_entry e = parse_ok("1:65535");

	cr_assert_eq(e.host_port, 1);
	cr_assert_eq(e.container_port, 65535);
	parse_bad("0:80", "port 0 out of range 1-65535");
	parse_bad("80:65536", "port 65536 out of range 1-65535");
	parse_bad("99999999999999999999:80",
		  "port 99999999999999999999 out of range");
}

Test(portmap, malformed)
{
	static const char expected[] =
		"expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]";

	parse_bad("80", expected);
	parse_bad(":80", expected);
	parse_bad("80:", expected);
	parse_bad("[::1]8080:80", expected);
	parse_bad("[::1:8080:80", expected);
	parse_bad("1:2:3:4", expected);
	parse_bad("::1:80:80", "IPv6 host IPs go in brackets");
	parse_bad("", expected);
	parse_bad("a:b", "'a' is not a port or port range");
	parse_bad("80:b", "'b' is not a port or port range");
	parse_bad("+80:80", "'+80' is not a port");
	parse_bad(" 80:80", "' 80' is not a port");
	parse_bad("70000:80", "port 70000 out of range 1-65535");
	parse_bad("1-3:1-2", "ranges 1-3:1-2 differ in length");
	parse_bad("5-1:5-1", "range 5-1 is reversed");
	parse_bad("1-:1-2", "'1-' is not a port or port range");
	parse_bad("8080:80/sctp", "unknown protocol 'sctp'");
	parse_bad("8080:80/", "unknown protocol ''");
	parse_bad("1.2.3.4.5:80:80", "invalid IPv4 host IP '1.2.3.4.5'");
	parse_bad("[1.2.3.4]:80:80", "invalid IPv6 host IP '1.2.3.4'");
	parse_bad("[]:80:80", "invalid IPv6 host IP ''");
}

Test(portmap, too_long)
{
	char spec[300];

	struct b4_error err = { "" };
	struct portmap_entry e;

	memset(spec, '1', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	cr_assert_eq(portmap_parse(spec, &e, &err), -EINVAL);
	cr_assert(strstr(err.msg, "too long"), "%s", err.msg);
	cr_assert_lt(strlen(err.msg), 200);	/* spec is cut */
}

Test(portmap, null_err_buffer)
{
	struct portmap_entry e;

	cr_assert_eq(portmap_parse("80", &e, NULL), -EINVAL);
}

Test(portmap, conflicts)
{
	struct portmap_entry a = parse_ok("8080:80");
	struct portmap_entry b;

	b = parse_ok("8081:80");		/* same container port */
	cr_assert(portmap_conflicts(&a, &b));
	b = parse_ok("8080:81");		/* same host port, all IPs */
	cr_assert(portmap_conflicts(&a, &b));
	b = parse_ok("127.0.0.1:8080:81");	/* unspecified covers it */
	cr_assert(portmap_conflicts(&a, &b));
	cr_assert(portmap_conflicts(&b, &a));
	b = parse_ok("[::1]:8080:81");		/* dual-stack covers IPv6 */
	cr_assert(portmap_conflicts(&a, &b));
	b = parse_ok("8080:80/udp");		/* other protocol */
	cr_assert_not(portmap_conflicts(&a, &b));
	b = parse_ok("8081:81");
	cr_assert_not(portmap_conflicts(&a, &b));

	a = parse_ok("127.0.0.1:8080:80");
	b = parse_ok("127.0.0.2:8080:81");	/* other host IP */
	cr_assert_not(portmap_conflicts(&a, &b));
	b = parse_ok("127.0.0.1:8080:81");
	cr_assert(portmap_conflicts(&a, &b));
	b = parse_ok("[::]:8080:81");		/* IPv6 any */
	cr_assert(portmap_conflicts(&a, &b));

	a = parse_ok("8000-8010:80-90");
	b = parse_ok("9000:90");		/* last container port */
	cr_assert(portmap_conflicts(&a, &b));
	b = parse_ok("8010:91");		/* last host port */
	cr_assert(portmap_conflicts(&a, &b));
	b = parse_ok("8011-8020:91-100");	/* adjacent */
	cr_assert_not(portmap_conflicts(&a, &b));
	cr_assert(portmap_conflicts(&a, &a));
}


Test(portmap, find_conflict)
{
	struct portmap_entry tab[3] = { parse_ok("8080:80"), parse_ok("53:53/udp"),
					parse_ok("127.0.0.1:9000:90") };
	struct portmap_entry e;

	cr_assert_eq(portmap_find_conflict(tab, 0, &tab[0]), -1);
	e = parse_ok("8081:81");
	cr_assert_eq(portmap_find_conflict(tab, 3, &e), -1);
	e = parse_ok("5353:53/udp");		/* same container port */
	cr_assert_eq(portmap_find_conflict(tab, 3, &e), 1);
	e = parse_ok("9000:91");		/* host port on all IPs */
	cr_assert_eq(portmap_find_conflict(tab, 3, &e), 2);
	e = parse_ok("8000-8090:100-190");	/* range covering 8080 */
	cr_assert_eq(portmap_find_conflict(tab, 3, &e), 0);
	cr_assert_eq(portmap_find_conflict(tab, 2, &tab[2]), -1);
}
