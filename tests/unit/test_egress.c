// SPDX-License-Identifier: GPL-2.0-or-later
/* test_egress.c - egress rule parsing, matching and the allow/deny verdict */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "egress.h"
#include "sockaddr.h"

static struct egress_rule parse_ok(const char *spec)
{
	struct b4_error err = { "" };
	struct egress_rule r;
	int rc = egress_parse(spec, &r, &err);

	cr_assert_eq(rc, 0, "'%s' rejected: %s", spec, err.msg);
	cr_assert_str_eq(r.spec, spec);
	return r;
}

static void parse_bad(const char *spec, const char *msg)
{
	struct b4_error err = { "" };
	struct egress_rule r;
	char quoted[EGRESS_SPEC_MAX * 3];
	int rc = egress_parse(spec, &r, &err);

	cr_assert_eq(rc, -EINVAL, "'%s' accepted", spec);
	cr_assert(strstr(err.msg, msg), "'%s': '%s' does not contain '%s'",
		  spec, err.msg, msg);
	snprintf(quoted, sizeof(quoted), "egress rule '%s': ", spec);
	cr_assert(!strncmp(err.msg, quoted, strlen(quoted)),
		  "'%s': '%s' does not start with \"%s\"", spec, err.msg,
		  quoted);
}

/* addr() - "1.2.3.4" or "fd00::1" with @port into a sockaddr_storage */
static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else {
		cr_assert_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1,
			     "bad test address %s", ip);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	}
	return ss;
}

static bool match(const char *spec, const char *ip, uint16_t port, int proto)
{
	struct egress_rule r = parse_ok(spec);
	struct sockaddr_storage ss = addr(ip, port);

	return egress_match(&r, (struct sockaddr *)&ss, proto);
}

Test(egress, ipv4_forms)
{
	struct egress_rule r = parse_ok("10.0.0.0/8");
	char buf[SA_STRLEN];

	cr_assert_eq(r.net.family, AF_INET);
	cr_assert_eq(r.net.prefix, 8);
	cr_assert_eq(r.port_lo, 0);
	cr_assert_eq(r.port_hi, 65535);
	cr_assert_eq(r.proto, 0);

	r = parse_ok("192.168.1.7");
	cr_assert_eq(r.net.prefix, 32);
	cr_assert_str_eq(sa_cidr_format(&r.net, buf, sizeof(buf)),
			 "192.168.1.7/32");

	r = parse_ok("10.1.2.3/16:443");
	cr_assert_str_eq(sa_cidr_format(&r.net, buf, sizeof(buf)),
			 "10.1.0.0/16");
	cr_assert_eq(r.port_lo, 443);
	cr_assert_eq(r.port_hi, 443);
	cr_assert_eq(r.proto, 0);

	r = parse_ok("0.0.0.0/0:1000-2000/udp");
	cr_assert_eq(r.net.prefix, 0);
	cr_assert_eq(r.port_lo, 1000);
	cr_assert_eq(r.port_hi, 2000);
	cr_assert_eq(r.proto, IPPROTO_UDP);

	r = parse_ok("1.2.3.4:1-65535/tcp");
	cr_assert_eq(r.port_lo, 1);
	cr_assert_eq(r.port_hi, 65535);
	cr_assert_eq(r.proto, IPPROTO_TCP);

	r = parse_ok("1.2.3.0/24/tcp");
	cr_assert_eq(r.net.prefix, 24);
	cr_assert_eq(r.port_hi, 65535);
	cr_assert_eq(r.proto, IPPROTO_TCP);
}

Test(egress, ipv6_forms)
{
	struct egress_rule r = parse_ok("fd00::/8");
	char buf[SA_STRLEN];

	cr_assert_eq(r.net.family, AF_INET6);
	cr_assert_eq(r.net.prefix, 8);
	cr_assert_eq(r.proto, 0);
	cr_assert_eq(r.port_lo, 0);

	r = parse_ok("fd00::/8/tcp");
	cr_assert_eq(r.net.family, AF_INET6);
	cr_assert_eq(r.proto, IPPROTO_TCP);

	r = parse_ok("[fd00::/8]:443/tcp");
	cr_assert_eq(r.net.family, AF_INET6);
	cr_assert_eq(r.net.prefix, 8);
	cr_assert_eq(r.port_lo, 443);
	cr_assert_eq(r.port_hi, 443);
	cr_assert_eq(r.proto, IPPROTO_TCP);

	r = parse_ok("[2001:db8::1]:80-90");
	cr_assert_eq(r.net.prefix, 128);
	cr_assert_eq(r.port_lo, 80);
	cr_assert_eq(r.port_hi, 90);

	r = parse_ok("[::1]");
	cr_assert_eq(r.net.prefix, 128);
	cr_assert_eq(r.port_hi, 65535);

	r = parse_ok("::/0/udp");
	cr_assert_eq(r.net.prefix, 0);
	cr_assert_eq(r.proto, IPPROTO_UDP);

	/* "fd00::1:443" is an address, not fd00::1 port 443 */
	r = parse_ok("fd00::1:443");
	cr_assert_eq(r.net.prefix, 128);
	cr_assert_eq(r.port_hi, 65535);

	/* an IPv4-mapped prefix is the IPv4 prefix it denotes */
	r = parse_ok("::ffff:10.0.0.0/104");
	cr_assert_eq(r.net.family, AF_INET);
	cr_assert_str_eq(sa_cidr_format(&r.net, buf, sizeof(buf)),
			 "10.0.0.0/8");
}

Test(egress, invalid)
{
	char longer[EGRESS_SPEC_MAX + 8];

	parse_bad("", "empty");
	parse_bad("10.0.0.0/33", "invalid CIDR '10.0.0.0/33'");
	parse_bad("10.0.0/8", "invalid CIDR");
	parse_bad("example.com", "invalid CIDR");
	parse_bad("10.0.0.0/8/sctp", "unknown protocol 'sctp'");
	parse_bad("10.0.0.0/8/TCP", "unknown protocol 'TCP'");
	parse_bad("10.0.0.0/", "nothing after '/'");
	parse_bad("10.0.0.0/8:80/sctp", "unknown protocol 'sctp'");
	parse_bad("10.0.0.0/8:0", "port out of range 1-65535");
	parse_bad("10.0.0.0/8:65536", "port out of range 1-65535");
	parse_bad("10.0.0.0/8:99999999999999999999", "port out of range");
	parse_bad("10.0.0.0/8:http", "'http' is not a port");
	parse_bad("10.0.0.0/8:80-", "not a port or port range");
	parse_bad("10.0.0.0/8:-80", "not a port or port range");
	parse_bad("10.0.0.0/8:+80", "not a port or port range");
	parse_bad("10.0.0.0/8:90-80", "port range 90-80 is reversed");
	parse_bad("10.0.0.0/8:", "missing port");
	parse_bad(":80", "missing CIDR");
	parse_bad("/tcp", "missing CIDR");
	parse_bad("10.0.0.0/8:80/", "nothing after '/'");
	parse_bad("10.0.0.0:80/8", "not a port or port range");
	parse_bad(" 10.0.0.0/8", "invalid CIDR");
	parse_bad("fd00::/8:443", "invalid CIDR 'fd00::/8:443'");
	parse_bad("[fd00::/8:443", "'[' without ']'");
	parse_bad("[fd00::/8]443", "unexpected '443' after ']'");
	parse_bad("[10.0.0.0/8]:80", "brackets hold an IPv6 CIDR");
	parse_bad("[fd00::/8]:", "missing port");
	parse_bad("[[fd00::1]]:80", "unexpected ']:80' after ']'");
	parse_bad("10.0.0.0/8/tcp/udp", "invalid CIDR '10.0.0.0/8/tcp'");
	parse_bad("fd00::1]:80", "invalid CIDR");
	parse_bad("[]:80", "missing CIDR");

	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	parse_bad(longer, "too long (at most 63 characters)");
	/* exactly EGRESS_SPEC_MAX - 1 characters: only the CIDR is wrong */
	longer[EGRESS_SPEC_MAX - 1] = '\0';
	parse_bad(longer, "invalid CIDR");
}

Test(egress, null_error_is_fine)
{
	struct egress_rule r;

	cr_assert_eq(egress_parse("nope", &r, NULL), -EINVAL);
	cr_assert_eq(egress_parse(NULL, &r, NULL), -EINVAL);
}

Test(egress, match_ports_and_protocols)
{
	cr_assert(match("10.0.0.0/8", "10.9.9.9", 1, IPPROTO_TCP));
	cr_assert(match("10.0.0.0/8", "10.9.9.9", 65535, IPPROTO_UDP));
	cr_assert_not(match("10.0.0.0/8", "11.0.0.1", 80, IPPROTO_TCP));

	cr_assert(match("10.0.0.0/8:80-90", "10.0.0.1", 80, IPPROTO_TCP));
	cr_assert(match("10.0.0.0/8:80-90", "10.0.0.1", 90, IPPROTO_UDP));
	cr_assert_not(match("10.0.0.0/8:80-90", "10.0.0.1", 79, IPPROTO_TCP));
	cr_assert_not(match("10.0.0.0/8:80-90", "10.0.0.1", 91, IPPROTO_TCP));

	cr_assert(match("10.0.0.0/8/tcp", "10.0.0.1", 53, IPPROTO_TCP));
	cr_assert_not(match("10.0.0.0/8/tcp", "10.0.0.1", 53, IPPROTO_UDP));
	cr_assert(match("10.0.0.0/8:53/udp", "10.0.0.1", 53, IPPROTO_UDP));
	cr_assert_not(match("10.0.0.0/8:53/udp", "10.0.0.1", 53, IPPROTO_TCP));
}

Test(egress, match_families)
{
	cr_assert(match("fd00::/8", "fd12::1", 80, IPPROTO_TCP));
	cr_assert_not(match("fd00::/8", "fe80::1", 80, IPPROTO_TCP));
	cr_assert(match("[fd00::/8]:443/tcp", "fd00::5", 443, IPPROTO_TCP));
	cr_assert_not(match("[fd00::/8]:443/tcp", "fd00::5", 444,
			    IPPROTO_TCP));
	/* an IPv4 rule never matches IPv6 and the other way round */
	cr_assert_not(match("0.0.0.0/0", "fd00::1", 80, IPPROTO_TCP));
	cr_assert_not(match("::/0", "10.0.0.1", 80, IPPROTO_TCP));
}

Test(egress, match_ipv4_mapped)
{
	/* a dual-stack socket naming ::ffff:10.0.0.1 meets IPv4 rules */
	cr_assert(match("10.0.0.0/8", "::ffff:10.0.0.1", 80, IPPROTO_TCP));
	cr_assert(match("10.0.0.0/8:80", "::ffff:10.0.0.1", 80, IPPROTO_TCP));
	cr_assert_not(match("10.0.0.0/8:80", "::ffff:10.0.0.1", 81,
			    IPPROTO_TCP));
	cr_assert_not(match("10.0.0.0/8", "::ffff:11.0.0.1", 80,
			    IPPROTO_TCP));
	cr_assert(match("::ffff:10.0.0.0/104", "10.1.1.1", 80, IPPROTO_TCP));
	cr_assert(match("::ffff:10.0.0.0/104", "::ffff:10.1.1.1", 80,
			IPPROTO_TCP));
}

Test(egress, match_other_family)
{
	struct egress_rule r = parse_ok("0.0.0.0/0");
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	cr_assert_not(egress_match(&r, (struct sockaddr *)&ss, IPPROTO_TCP));
}

/* check() - egress_check() of lists given as NULL-terminated spec arrays */
static bool check(const char *const *allow, const char *const *deny,
		  const char *ip, uint16_t port, int proto, const char **rule)
{
	struct egress_rule a[8], d[8];
	struct sockaddr_storage ss = addr(ip, port);
	int na = 0, nd = 0;

	for (; allow && allow[na]; na++)
		a[na] = parse_ok(allow[na]);
	for (; deny && deny[nd]; nd++)
		d[nd] = parse_ok(deny[nd]);
	return egress_check(a, na, d, nd, (struct sockaddr *)&ss, proto, rule);
}

Test(egress, check_empty_lists_allow_all)
{
	const char *rule = "unset";

	cr_assert(check(NULL, NULL, "8.8.8.8", 53, IPPROTO_UDP, &rule));
	cr_assert_null(rule);
}

Test(egress, check_deny_only)
{
	static const char *const deny[] = { "10.0.0.0/8", "[fd00::/8]:22/tcp",
					    NULL };
	const char *rule = NULL;

	cr_assert_not(check(NULL, deny, "10.1.2.3", 80, IPPROTO_TCP, &rule));
	cr_assert_str_eq(rule, "10.0.0.0/8");
	cr_assert_not(check(NULL, deny, "fd00::1", 22, IPPROTO_TCP, &rule));
	cr_assert_str_eq(rule, "[fd00::/8]:22/tcp");
	cr_assert(check(NULL, deny, "fd00::1", 22, IPPROTO_UDP, &rule));
	cr_assert_null(rule);
	cr_assert(check(NULL, deny, "192.168.0.1", 80, IPPROTO_TCP, &rule));
	/* mapped: denied as the IPv4 address it is */
	cr_assert_not(check(NULL, deny, "::ffff:10.0.0.1", 80, IPPROTO_TCP,
			    &rule));
	cr_assert_str_eq(rule, "10.0.0.0/8");
}

Test(egress, check_allow_only)
{
	static const char *const allow[] = { "192.168.0.0/16:443/tcp",
					     "8.8.8.8:53/udp", NULL };
	const char *rule = NULL;

	cr_assert(check(allow, NULL, "192.168.3.4", 443, IPPROTO_TCP, &rule));
	cr_assert_null(rule);
	cr_assert(check(allow, NULL, "8.8.8.8", 53, IPPROTO_UDP, &rule));
	cr_assert_not(check(allow, NULL, "8.8.8.8", 53, IPPROTO_TCP, &rule));
	cr_assert_str_eq(rule, EGRESS_NO_ALLOW);
	cr_assert_str_eq(rule, "no allow rule matches");
	cr_assert_not(check(allow, NULL, "192.168.3.4", 80, IPPROTO_TCP,
			    &rule));
	cr_assert_str_eq(rule, EGRESS_NO_ALLOW);
	cr_assert_not(check(allow, NULL, "fd00::1", 443, IPPROTO_TCP, &rule));
	cr_assert(check(allow, NULL, "::ffff:192.168.0.1", 443, IPPROTO_TCP,
			&rule));
}

Test(egress, check_deny_wins_over_allow)
{
	static const char *const allow[] = { "10.0.0.0/8", NULL };
	static const char *const deny[] = { "10.0.0.5:22", NULL };
	static const char *const deny2[] = { "11.0.0.0/8", NULL };
	const char *rule = NULL;

	cr_assert(check(allow, deny, "10.0.0.5", 80, IPPROTO_TCP, &rule));
	cr_assert_not(check(allow, deny, "10.0.0.5", 22, IPPROTO_TCP, &rule));
	cr_assert_str_eq(rule, "10.0.0.5:22");
	/* outside the allow list, matching no deny rule */
	cr_assert_not(check(allow, deny, "11.0.0.5", 22, IPPROTO_TCP, &rule));
	cr_assert_str_eq(rule, EGRESS_NO_ALLOW);
	/* refused by both lists: the deny rule is reported */
	cr_assert_not(check(allow, deny2, "11.0.0.5", 80, IPPROTO_TCP, &rule));
	cr_assert_str_eq(rule, "11.0.0.0/8");
	/* @rule may be NULL */
	cr_assert_not(check(allow, deny, "10.0.0.5", 22, IPPROTO_TCP, NULL));
}
