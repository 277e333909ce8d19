// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sockaddr.c - CIDR parsing and matching, address classification,
 * formatting, ports and unmapping
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sockaddr.h"

/* v4() - an AF_INET address from text and port */
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

/* v6() - an AF_INET6 address from text and port */
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

#define SA(ss) ((const struct sockaddr *)&(ss))

/* cidr() - parse @s, which must be valid */
static struct sa_cidr cidr(const char *s)
{
	struct sa_cidr c;

	memset(&c, 0xa5, sizeof(c));
	cr_assert_eq(sa_cidr_parse(s, &c), 0, "'%s' rejected", s);
	return c;
}

/* assert_cidr() - @s parses to @family, @addr (text) and @prefix */
static void assert_cidr(const char *s, int family, const char *addr, int prefix)
{
	struct sa_cidr c = cidr(s);
	uint8_t want[16] = { 0 };
	char buf[SA_STRLEN];

	cr_assert_eq(c.family, family, "'%s': family %d", s, c.family);
	cr_assert_eq(c.prefix, prefix, "'%s': prefix %d", s, c.prefix);
	cr_assert_eq(inet_pton(family, addr, want), 1);
	cr_assert_eq(memcmp(c.addr, want, family == AF_INET ? 4 : 16), 0,
		     "'%s': address is %s, want %s", s,
		     sa_cidr_format(&c, buf, sizeof(buf)), addr);
}

static void cidr_bad(const char *s)
{
	struct sa_cidr c;

	cr_assert_eq(sa_cidr_parse(s, &c), -EINVAL, "'%s' accepted", s ? s : "(null)");
}

/* --- sa_cidr_parse ------------------------------------------------------ */

Test(cidr_parse, ipv4)
{
	assert_cidr("10.0.0.0/8", AF_INET, "10.0.0.0", 8);
	assert_cidr("192.168.1.0/24", AF_INET, "192.168.1.0", 24);
	assert_cidr("0.0.0.0/0", AF_INET, "0.0.0.0", 0);
	assert_cidr("1.2.3.4/32", AF_INET, "1.2.3.4", 32);
}

Test(cidr_parse, ipv6)
{
	assert_cidr("fd00::/8", AF_INET6, "fd00::", 8);
	assert_cidr("2001:db8::/32", AF_INET6, "2001:db8::", 32);
	assert_cidr("::/0", AF_INET6, "::", 0);
	assert_cidr("::1/128", AF_INET6, "::1", 128);
}

Test(cidr_parse, bracketed_ipv6)
{
	assert_cidr("[fd00::]/64", AF_INET6, "fd00::", 64);
	assert_cidr("[::1]", AF_INET6, "::1", 128);
	assert_cidr("[2001:db8::1]/48", AF_INET6, "2001:db8::", 48);
}

Test(cidr_parse, bare_address_is_host_prefix)
{
	assert_cidr("10.1.2.3", AF_INET, "10.1.2.3", 32);
	assert_cidr("2001:db8::7", AF_INET6, "2001:db8::7", 128);
	/* an IPv4-mapped address written as IPv6 is the IPv4 host prefix */
	assert_cidr("::ffff:1.2.3.4", AF_INET, "1.2.3.4", 32);
}

/* found by tests/fuzz/fuzz_sockaddr: "::ffff:127.0.0.1/104" parsed to an
 * IPv6 prefix that contained nothing, not even its own address, since
 * mapped addresses are matched as IPv4 (an "ignore" entry written so was
 * silently without effect) */
Test(cidr_parse, v4_mapped_prefix_is_v4)
{
	struct sa_cidr c = cidr("::ffff:10.1.2.3/104");
	struct sockaddr_storage m, a;
	struct sockaddr_in6 *m6 = (struct sockaddr_in6 *)&m;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&a;

	assert_cidr("::ffff:10.1.2.3/104", AF_INET, "10.0.0.0", 8);
	assert_cidr("[::ffff:192.168.1.0]/120", AF_INET, "192.168.1.0", 24);
	assert_cidr("::ffff:0.0.0.0/96", AF_INET, "0.0.0.0", 0);
	/* shorter than the mapped prefix: IPv6, as written */
	assert_cidr("::ffff:0:0/95", AF_INET6, "::fffe:0:0", 95);
	memset(&m, 0, sizeof(m));
	m6->sin6_family = AF_INET6;
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:10.200.0.1", &m6->sin6_addr), 1);
	memset(&a, 0, sizeof(a));
	a4->sin_family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, "10.200.0.1", &a4->sin_addr), 1);
	cr_assert(sa_cidr_contains(&c, (const struct sockaddr *)&m));
	cr_assert(sa_cidr_contains(&c, (const struct sockaddr *)&a));
}

Test(cidr_parse, host_bits_cleared)
{
	assert_cidr("10.1.2.3/8", AF_INET, "10.0.0.0", 8);
	assert_cidr("192.168.255.255/13", AF_INET, "192.168.0.0", 13);
	assert_cidr("172.31.255.255/12", AF_INET, "172.16.0.0", 12);
	assert_cidr("1.2.3.4/0", AF_INET, "0.0.0.0", 0);
	assert_cidr("255.255.255.255/31", AF_INET, "255.255.255.254", 31);
	assert_cidr("2001:db8:ffff:ffff::1/33", AF_INET6, "2001:db8:8000::", 33);
	assert_cidr("ffff:ffff::/1", AF_INET6, "8000::", 1);
	assert_cidr("fe80::1234/10", AF_INET6, "fe80::", 10);
	assert_cidr("::ffff:ffff/127", AF_INET6, "::ffff:fffe", 127);
}

Test(cidr_parse, rejects)
{
	static const char *const bad[] = {
		"", "1.2.3.4/33", "::/129", "1.2.3/8", "abc", "1.2.3.4/",
		"1.2.3.4/-1", "[1.2.3.4]", "1.2.3.4/8x", "/8", "1.2.3.4/+8",
		"1.2.3.4/ 8", "1.2.3.4/0032", "[::1", "::1]", "[]", "[::1]x",
		"1.2.3.4/8/8", "1.2.3.4 ", " 1.2.3.4", "::/1280", "[[::1]]",
		"1.2.3.4:80", "fe80::1%eth0",
		"0000:0000:0000:0000:0000:0000:0000:0000:0000/8",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cidr_bad(bad[i]);
	cidr_bad(NULL);
}

Test(cidr_parse, rejected_input_leaves_no_stale_result)
{
	struct sa_cidr c;

	memset(&c, 0xa5, sizeof(c));
	cr_assert_eq(sa_cidr_parse("nonsense", &c), -EINVAL);
	cr_assert_neq(c.family, AF_INET);
	cr_assert_neq(c.family, AF_INET6);
}

Test(cidr_parse, format_roundtrip)
{
	static const char *const in[] = { "10.0.0.0/8", "0.0.0.0/0",
					   "fd00::/64", "::1/128" };
	char buf[SA_STRLEN];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct sa_cidr c = cidr(in[i]);

		cr_assert_str_eq(sa_cidr_format(&c, buf, sizeof(buf)), in[i]);
	}
	struct sa_cidr masked = cidr("10.9.8.7/16");

	cr_assert_str_eq(sa_cidr_format(&masked, buf, sizeof(buf)), "10.9.0.0/16");
}

/* --- sa_cidr_contains --------------------------------------------------- */

Test(cidr_make, host_bits_cleared_and_prefix_clamped)
{
	const uint8_t v4[4] = { 10, 1, 2, 3 };
	uint8_t v6[16] = { 0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
	struct sa_cidr c, want;
	char buf[SA_STRLEN];

	cr_assert_eq(sa_cidr_make(&c, AF_INET, v4, 16), 0);
	cr_assert_str_eq(sa_cidr_format(&c, buf, sizeof(buf)), "10.1.0.0/16");
	cr_assert_eq(sa_cidr_parse("10.1.2.3/16", &want), 0);
	cr_assert_eq(memcmp(&c, &want, sizeof(c)), 0);
	cr_assert_eq(sa_cidr_make(&c, AF_INET, v4, 99), 0);
	cr_assert_str_eq(sa_cidr_format(&c, buf, sizeof(buf)), "10.1.2.3/32");
	cr_assert_eq(sa_cidr_make(&c, AF_INET6, v6, 20), 0);
	cr_assert_str_eq(sa_cidr_format(&c, buf, sizeof(buf)), "fd00::/20");
	cr_assert_eq(sa_cidr_make(&c, AF_INET6, v6, 64), 0);
	cr_assert_str_eq(sa_cidr_format(&c, buf, sizeof(buf)), "fd00:1::/64");
	cr_assert_eq(sa_cidr_make(&c, AF_UNIX, v6, 8), -EAFNOSUPPORT);
}

Test(cidr_contains, ipv4_basic)
{
	struct sa_cidr c = cidr("10.0.0.0/8");
	struct sockaddr_storage in = v4("10.255.1.2", 80);
	struct sockaddr_storage first = v4("10.0.0.0", 0);
	struct sockaddr_storage out1 = v4("11.0.0.0", 0);
	struct sockaddr_storage out2 = v4("9.255.255.255", 0);

	cr_assert(sa_cidr_contains(&c, SA(in)));
	cr_assert(sa_cidr_contains(&c, SA(first)));
	cr_assert_not(sa_cidr_contains(&c, SA(out1)));
	cr_assert_not(sa_cidr_contains(&c, SA(out2)));
}

Test(cidr_contains, prefix_zero_matches_all_of_family)
{
	struct sa_cidr c4 = cidr("0.0.0.0/0");
	struct sa_cidr c6 = cidr("::/0");
	struct sockaddr_storage a = v4("203.0.113.9", 1);
	struct sockaddr_storage b = v4("255.255.255.255", 1);
	struct sockaddr_storage x = v6("2001:db8::1", 1);

	cr_assert(sa_cidr_contains(&c4, SA(a)));
	cr_assert(sa_cidr_contains(&c4, SA(b)));
	cr_assert_not(sa_cidr_contains(&c4, SA(x)));
	cr_assert(sa_cidr_contains(&c6, SA(x)));
	cr_assert_not(sa_cidr_contains(&c6, SA(a)));
}

Test(cidr_contains, host_prefix)
{
	struct sa_cidr c = cidr("192.0.2.7/32");
	struct sa_cidr c6 = cidr("2001:db8::7");
	struct sockaddr_storage same = v4("192.0.2.7", 9);
	struct sockaddr_storage next = v4("192.0.2.6", 9);
	struct sockaddr_storage same6 = v6("2001:db8::7", 9);
	struct sockaddr_storage next6 = v6("2001:db8::6", 9);

	cr_assert(sa_cidr_contains(&c, SA(same)));
	cr_assert_not(sa_cidr_contains(&c, SA(next)));
	cr_assert(sa_cidr_contains(&c6, SA(same6)));
	cr_assert_not(sa_cidr_contains(&c6, SA(next6)));
}

Test(cidr_contains, odd_prefixes)
{
	struct sa_cidr c13 = cidr("172.16.0.0/13"); /* 172.16.0.0 - 172.23.255.255 */
	struct sa_cidr c6 = cidr("2001:db8::/29");	/* 2001:db8:: - 2001:dbf:ffff:... */
	struct sockaddr_storage lo = v4("172.16.0.0", 0);
	struct sockaddr_storage hi = v4("172.23.255.255", 0);
	struct sockaddr_storage above = v4("172.24.0.0", 0);
	struct sockaddr_storage below = v4("172.15.255.255", 0);
	struct sockaddr_storage in6 = v6("2001:dbf:ffff::1", 0);
	struct sockaddr_storage out6 = v6("2001:dc0::", 0);
	struct sockaddr_storage below6 = v6("2001:db7:ffff::", 0);

	cr_assert(sa_cidr_contains(&c13, SA(lo)));
	cr_assert(sa_cidr_contains(&c13, SA(hi)));
	cr_assert_not(sa_cidr_contains(&c13, SA(above)));
	cr_assert_not(sa_cidr_contains(&c13, SA(below)));
	cr_assert(sa_cidr_contains(&c6, SA(in6)));
	cr_assert_not(sa_cidr_contains(&c6, SA(out6)));
	cr_assert_not(sa_cidr_contains(&c6, SA(below6)));

	/* every prefix length: the first address outside on either side */
	for (int p = 1; p <= 32; p++) {
		char s[32];
		struct sa_cidr c;
		struct sockaddr_storage a = v4("10.128.0.0", 0);
		struct sockaddr_in *in = (struct sockaddr_in *)&a;
		uint32_t base = 0x0a800000u & (p == 32 ? ~0u : ~(~0u >> p));
		uint32_t size = p == 32 ? 1 : (1u << (32 - p));

		snprintf(s, sizeof(s), "10.128.0.0/%d", p);
		c = cidr(s);
		in->sin_addr.s_addr = htonl(base);
		cr_assert(sa_cidr_contains(&c, SA(a)), "/%d first", p);
		in->sin_addr.s_addr = htonl(base + size - 1);
		cr_assert(sa_cidr_contains(&c, SA(a)), "/%d last", p);
		in->sin_addr.s_addr = htonl(base + size);
		cr_assert_not(sa_cidr_contains(&c, SA(a)), "/%d after", p);
		in->sin_addr.s_addr = htonl(base - 1);
		cr_assert_not(sa_cidr_contains(&c, SA(a)), "/%d before", p);
	}
}

Test(cidr_contains, v4_mapped_against_v4_cidr)
{
	struct sa_cidr c = cidr("10.0.0.0/8");
	struct sa_cidr lo = cidr("127.0.0.0/8");
	struct sockaddr_storage m = v6("::ffff:10.1.2.3", 80);
	struct sockaddr_storage mout = v6("::ffff:11.1.2.3", 80);
	struct sockaddr_storage mlo = v6("::ffff:127.0.0.1", 80);
	/* not mapped: the v4 bytes in the low 32 bits must not match */
	struct sockaddr_storage compat = v6("::10.1.2.3", 80);
	struct sockaddr_storage nat64 = v6("64:ff9b::10.1.2.3", 80);

	cr_assert(sa_cidr_contains(&c, SA(m)));
	cr_assert_not(sa_cidr_contains(&c, SA(mout)));
	cr_assert(sa_cidr_contains(&lo, SA(mlo)));
	cr_assert_not(sa_cidr_contains(&c, SA(compat)));
	cr_assert_not(sa_cidr_contains(&c, SA(nat64)));
}

Test(cidr_contains, family_mismatch)
{
	struct sa_cidr c4 = cidr("0.0.0.0/0");
	struct sa_cidr c6 = cidr("::/0");
	struct sa_cidr c6z = cidr("::/96");
	struct sockaddr_storage a4 = v4("1.2.3.4", 0);
	struct sockaddr_storage a6 = v6("2001:db8::1", 0);
	struct sockaddr_storage un;

	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	cr_assert_not(sa_cidr_contains(&c4, SA(a6)));
	cr_assert_not(sa_cidr_contains(&c6, SA(a4)));
	/* ::/96 must not match 1.2.3.4 through its low 32 bits */
	cr_assert_not(sa_cidr_contains(&c6z, SA(a4)));
	cr_assert_not(sa_cidr_contains(&c4, SA(un)));
	cr_assert_not(sa_cidr_contains(&c6, SA(un)));
	un.ss_family = AF_UNSPEC;
	cr_assert_not(sa_cidr_contains(&c4, SA(un)));
}

/* --- sa_valid_len ------------------------------------------------------- */

Test(valid_len, lengths)
{
	struct sockaddr_storage a4 = v4("1.2.3.4", 1);
	struct sockaddr_storage a6 = v6("::1", 1);
	struct sockaddr_storage un;

	cr_assert(sa_valid_len(SA(a4), sizeof(struct sockaddr_in)));
	cr_assert(sa_valid_len(SA(a4), sizeof(struct sockaddr_storage)));
	cr_assert_not(sa_valid_len(SA(a4), sizeof(struct sockaddr_in) - 1));
	cr_assert_not(sa_valid_len(SA(a4), 8));
	cr_assert_not(sa_valid_len(SA(a4), 0));
	cr_assert_not(sa_valid_len(SA(a4), 1));

	cr_assert(sa_valid_len(SA(a6), sizeof(struct sockaddr_in6)));
	cr_assert(sa_valid_len(SA(a6), 24));
	cr_assert_not(sa_valid_len(SA(a6), 23));
	cr_assert_not(sa_valid_len(SA(a6), sizeof(struct sockaddr_in)));
	cr_assert_not(sa_valid_len(SA(a6), 0));

	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	cr_assert_not(sa_valid_len(SA(un), sizeof(un)));
	un.ss_family = AF_UNSPEC;
	cr_assert_not(sa_valid_len(SA(un), sizeof(un)));
}

/* --- sa_format ---------------------------------------------------------- */

Test(format, ipv4)
{
	struct sockaddr_storage a = v4("192.0.2.33", 8080);
	struct sockaddr_storage z = v4("0.0.0.0", 0);
	char buf[SA_STRLEN];

	cr_assert_str_eq(sa_format(SA(a), buf, sizeof(buf)), "192.0.2.33:8080");
	cr_assert_str_eq(sa_format(SA(z), buf, sizeof(buf)), "0.0.0.0:0");
}

Test(format, ipv6)
{
	struct sockaddr_storage a = v6("2001:db8::1", 443);
	struct sockaddr_storage m = v6("::ffff:10.0.2.2", 53);
	char buf[SA_STRLEN];

	cr_assert_str_eq(sa_format(SA(a), buf, sizeof(buf)), "[2001:db8::1]:443");
	cr_assert_str_eq(sa_format(SA(m), buf, sizeof(buf)), "[::ffff:10.0.2.2]:53");
}

Test(format, ip_only)
{
	struct sockaddr_storage a = v4("192.0.2.33", 8080);
	struct sockaddr_storage b = v6("2001:db8::1", 443);
	struct sockaddr_storage u = { .ss_family = AF_UNIX };
	char buf[SA_STRLEN];

	cr_assert_str_eq(sa_format_ip(SA(a), buf, sizeof(buf)), "192.0.2.33");
	cr_assert_str_eq(sa_format_ip(SA(b), buf, sizeof(buf)), "2001:db8::1");
	cr_assert_str_eq(sa_format_ip(SA(u), buf, sizeof(buf)), "?");
}

Test(format, scope_id)
{
	struct sockaddr_storage a = v6("fe80::1", 22);
	char buf[SA_STRLEN];

	((struct sockaddr_in6 *)&a)->sin6_scope_id = 3;
	cr_assert_str_eq(sa_format(SA(a), buf, sizeof(buf)), "[fe80::1%3]:22");
}

Test(format, longest_fits)
{
	struct sockaddr_storage a =
		v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	char buf[SA_STRLEN];

	((struct sockaddr_in6 *)&a)->sin6_scope_id = 4294967295u;
	sa_format(SA(a), buf, sizeof(buf));
	cr_assert_str_eq(buf,
			 "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535");
}

Test(format, other_family_and_truncation)
{
	struct sockaddr_storage un;
	struct sockaddr_storage a = v4("192.0.2.33", 8080);
	char buf[SA_STRLEN];
	char small[6];

	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	cr_assert_str_eq(sa_format(SA(un), buf, sizeof(buf)), "family 1");
	cr_assert_eq(sa_format(SA(a), small, sizeof(small)), small);
	cr_assert_str_eq(small, "192.0");
}

/* --- ports, lengths, unmapping ------------------------------------------ */

Test(port, get_and_set)
{
	struct sockaddr_storage a = v4("1.2.3.4", 80);
	struct sockaddr_storage b = v6("::1", 443);
	struct sockaddr_storage un;

	cr_assert_eq(sa_port(SA(a)), 80);
	cr_assert_eq(sa_port(SA(b)), 443);
	sa_set_port((struct sockaddr *)&a, 65535);
	sa_set_port((struct sockaddr *)&b, 1);
	cr_assert_eq(sa_port(SA(a)), 65535);
	cr_assert_eq(sa_port(SA(b)), 1);
	/* network byte order in the structure */
	cr_assert_eq(((struct sockaddr_in *)&a)->sin_port, htons(65535));
	cr_assert_eq(((struct sockaddr_in6 *)&b)->sin6_port, htons(1));
	sa_set_port((struct sockaddr *)&a, 0x1234);
	cr_assert_eq(((struct sockaddr_in *)&a)->sin_port, htons(0x1234));
	/* the address is untouched */
	cr_assert_eq(((struct sockaddr_in *)&a)->sin_addr.s_addr,
		     inet_addr("1.2.3.4"));

	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	cr_assert_eq(sa_port(SA(un)), 0);
	sa_set_port((struct sockaddr *)&un, 80);
	for (size_t i = sizeof(sa_family_t); i < sizeof(un); i++)
		cr_assert_eq(((unsigned char *)&un)[i], 0, "byte %zu changed", i);
}

Test(len, families)
{
	struct sockaddr_storage a = v4("1.2.3.4", 80);
	struct sockaddr_storage b = v6("::1", 443);
	struct sockaddr_storage un;

	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	cr_assert_eq(sa_len(SA(a)), sizeof(struct sockaddr_in));
	cr_assert_eq(sa_len(SA(b)), sizeof(struct sockaddr_in6));
	cr_assert_eq(sa_len(SA(un)), 0);
}

Test(unmap, mapped_becomes_v4)
{
	struct sockaddr_storage m = v6("::ffff:10.0.2.2", 8080);
	struct sockaddr_storage out;
	struct sockaddr_in *in = (struct sockaddr_in *)&out;

	memset(&out, 0xa5, sizeof(out));
	sa_unmap(SA(m), &out);
	cr_assert_eq(out.ss_family, AF_INET);
	cr_assert_eq(ntohs(in->sin_port), 8080);
	cr_assert_eq(in->sin_addr.s_addr, inet_addr("10.0.2.2"));
	for (size_t i = 0; i < sizeof(in->sin_zero); i++)
		cr_assert_eq(in->sin_zero[i], 0);
}

Test(unmap, others_copied)
{
	struct sockaddr_storage a = v4("192.0.2.1", 7);
	struct sockaddr_storage b = v6("2001:db8::1", 9);
	struct sockaddr_storage compat = v6("::10.0.2.2", 9);
	struct sockaddr_storage out;

	((struct sockaddr_in6 *)&b)->sin6_scope_id = 5;
	((struct sockaddr_in6 *)&b)->sin6_flowinfo = htonl(0x12345);

	memset(&out, 0xa5, sizeof(out));
	sa_unmap(SA(a), &out);
	cr_assert_eq(memcmp(&out, &a, sizeof(struct sockaddr_in)), 0);

	memset(&out, 0xa5, sizeof(out));
	sa_unmap(SA(b), &out);
	cr_assert_eq(memcmp(&out, &b, sizeof(struct sockaddr_in6)), 0);

	sa_unmap(SA(compat), &out);
	cr_assert_eq(out.ss_family, AF_INET6);
	cr_assert_eq(memcmp(&out, &compat, sizeof(struct sockaddr_in6)), 0);
}

/* --- classification ----------------------------------------------------- */

struct cls_case {
	const char *ip;
	bool want;
};

static void check_cls(bool (*fn)(const struct sockaddr *), const char *name,
		      const struct cls_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage a = strchr(cases[i].ip, ':') ?
						    v6(cases[i].ip, 80) :
						    v4(cases[i].ip, 80);

		cr_assert_eq(fn(SA(a)), cases[i].want, "%s(%s) != %d", name,
			     cases[i].ip, cases[i].want);
	}
}

#define CHECK_CLS(fn, cases) \
	check_cls(fn, #fn, cases, sizeof(cases) / sizeof((cases)[0]))

Test(classify, loopback)
{
	static const struct cls_case cases[] = {
		{ "127.0.0.1", true },	   { "127.255.255.254", true },
		{ "127.1.2.3", true },	   { "::1", true },
		{ "::ffff:127.0.0.1", true }, { "::ffff:127.9.9.9", true },
		{ "128.0.0.1", false },	   { "126.255.255.255", false },
		{ "10.0.0.1", false },	   { "0.0.0.0", false },
		{ "::", false },	   { "::2", false },
		{ "::127.0.0.1", false },  { "::ffff:128.0.0.1", false },
		{ "fe80::1", false },	   { "1::", false },
	};

	CHECK_CLS(sa_is_loopback, cases);
}

Test(classify, unspecified)
{
	static const struct cls_case cases[] = {
		{ "0.0.0.0", true },	  { "::", true },
		{ "::ffff:0.0.0.0", true }, { "0.0.0.1", false },
		{ "1.0.0.0", false },	  { "::1", false },
		{ "::ffff:0.0.0.1", false }, { "8000::", false },
	};

	CHECK_CLS(sa_is_unspecified, cases);
}

Test(classify, local_scope)
{
	static const struct cls_case cases[] = {
		{ "169.254.0.1", true },    { "169.254.255.255", true },
		{ "224.0.0.1", true },	    { "239.255.255.250", true },
		{ "230.1.2.3", true },	    { "255.255.255.255", true },
		{ "fe80::1", true },	    { "febf:ffff::1", true },
		{ "ff02::1", true },	    { "ff05::1:3", true },
		{ "ff0e::1", true },	    { "::ffff:169.254.1.1", true },
		{ "::ffff:224.0.0.251", true },
		{ "10.0.0.1", false },	    { "169.253.255.255", false },
		{ "169.255.0.1", false },   { "223.255.255.255", false },
		{ "240.0.0.1", false },	    { "255.255.255.254", false },
		{ "192.168.1.255", false }, { "fec0::1", false },
		{ "fe7f::1", false },	    { "fd00::1", false },
		{ "2001:db8::1", false },   { "127.0.0.1", false },
		{ "::1", false },
	};

	CHECK_CLS(sa_is_local_scope, cases);
}

Test(classify, non_ip_family_is_nothing)
{
	struct sockaddr_storage un;

	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	cr_assert_not(sa_is_loopback(SA(un)));
	cr_assert_not(sa_is_unspecified(SA(un)));
	cr_assert_not(sa_is_local_scope(SA(un)));
	un.ss_family = AF_UNSPEC;
	cr_assert_not(sa_is_loopback(SA(un)));
	cr_assert_not(sa_is_unspecified(SA(un)));
	cr_assert_not(sa_is_local_scope(SA(un)));
}

/* --- sa_ip_equal -------------------------------------------------------- */

Test(ip_equal, cases)
{
	struct sockaddr_storage a = v4("10.0.2.2", 80);
	struct sockaddr_storage a2 = v4("10.0.2.2", 443);
	struct sockaddr_storage b = v4("10.0.2.3", 80);
	struct sockaddr_storage m = v6("::ffff:10.0.2.2", 1);
	struct sockaddr_storage c = v6("fd00::2", 80);
	struct sockaddr_storage c2 = v6("fd00::2", 1);
	struct sockaddr_storage d = v6("fd00::3", 80);
	struct sockaddr_storage compat = v6("::10.0.2.2", 80);
	struct sockaddr_storage un;

	cr_assert(sa_ip_equal(SA(a), SA(a2)), "ports must be ignored");
	cr_assert_not(sa_ip_equal(SA(a), SA(b)));
	cr_assert(sa_ip_equal(SA(a), SA(m)), "mapped must equal v4");
	cr_assert(sa_ip_equal(SA(m), SA(a)), "must be symmetric");
	cr_assert(sa_ip_equal(SA(c), SA(c2)));
	cr_assert_not(sa_ip_equal(SA(c), SA(d)));
	cr_assert_not(sa_ip_equal(SA(a), SA(c)));
	cr_assert_not(sa_ip_equal(SA(a), SA(compat)));

	memset(&un, 0, sizeof(un));
	cr_assert_not(sa_ip_equal(SA(un), SA(un)), "AF_UNSPEC equals nothing");
	cr_assert_not(sa_ip_equal(SA(a), SA(un)));
	un.ss_family = AF_UNIX;
	cr_assert_not(sa_ip_equal(SA(un), SA(un)));
}

