// SPDX-License-Identifier: GPL-2.0-or-later
/* sockaddr.c - parse, format, classify and compare socket addresses and CIDRs
 *
 * Theory of operation: everything the policy needs to know about an address
 * is a pure function of its bytes. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) are treated as the IPv4 address they carry, so a rule
 * written for 127.0.0.0/8 also covers ::ffff:127.0.0.1 on a dual-stack socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockaddr.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					     0, 0, 0xff, 0xff };

/* ip_bytes() - point at the IP bytes of @sa, unmapping IPv4-mapped IPv6 */
static const uint8_t *ip_bytes(const struct sockaddr *sa, int *family)
{
	if (sa->sa_family == AF_INET) {
		*family = AF_INET;
		return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	}
	if (sa->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (!memcmp(a, v4mapped_prefix, sizeof(v4mapped_prefix))) {
			*family = AF_INET;
			return a + 12;
		}
		*family = AF_INET6;
		return a;
	}
	*family = AF_UNSPEC;
	return NULL;
}

/* mask_host_bits() - clear the bits of @addr after the first @prefix */
static void mask_host_bits(uint8_t *addr, int bytes, int prefix)
{
	for (int i = 0; i < bytes; i++) {
		int bits = prefix - i * 8;

		if (bits >= 8)
			continue;
		addr[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

int sa_cidr_parse(const char *s, struct sa_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	size_t alen;
	int maxbits;
	char *ip = buf;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (buf[0] == '[') {
		if (alen < 3 || buf[alen - 1] != ']')
			return -EINVAL;
		buf[alen - 1] = '\0';
		ip = buf + 1;
	}

	if (ip == buf && inet_pton(AF_INET, ip, out->addr) == 1) {
		out->family = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, ip, out->addr) == 1) {
		out->family = AF_INET6;
		maxbits = 128;
	} else {
		return -EINVAL;
	}

	out->prefix = maxbits;
	if (slash) {
		const char *p = slash + 1;
		char *end;
		long v;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || *end || v < 0 || v > maxbits || end - p > 3)
			return -EINVAL;
		out->prefix = (int)v;
	}
	mask_host_bits(out->addr, maxbits / 8, out->prefix);
	/* ::ffff:a.b.c.d/N (N >= 96) denotes IPv4 a.b.c.d/(N-96): addresses
	 * are matched unmapped (sa_cidr_contains()), so it is kept that way,
	 * or it would never contain any */
	if (out->family == AF_INET6 && out->prefix >= 96 &&
	    !memcmp(out->addr, v4mapped_prefix, sizeof(v4mapped_prefix))) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
		out->prefix -= 96;
	}
	return 0;
}

int sa_cidr_make(struct sa_cidr *out, int family, const void *addr,
		 int prefix)
{
	int maxbits = family == AF_INET ? 32 : 128;

	memset(out, 0, sizeof(*out));
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (prefix < 0)
		prefix = 0;
	if (prefix > maxbits)
		prefix = maxbits;
	out->family = family;
	out->prefix = prefix;
	memcpy(out->addr, addr, (size_t)maxbits / 8);
	mask_host_bits(out->addr, maxbits / 8, prefix);
	return 0;
}

char *sa_cidr_format(const struct sa_cidr *c, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, len, "%s/%d", ip, c->prefix);
	return buf;
}

bool sa_cidr_contains(const struct sa_cidr *c, const struct sockaddr *sa)
{
	int family, full, rest;
	const uint8_t *a = ip_bytes(sa, &family);

	if (!a || family != c->family)
		return false;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(a, c->addr, (size_t)full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((a[full] & m) != c->addr[full])
			return false;
	}
	return true;
}

bool sa_valid_len(const struct sockaddr *sa, size_t len)
{
	if (len < sizeof(sa_family_t))
		return false;
	if (sa->sa_family == AF_INET)
		return len >= sizeof(struct sockaddr_in);
	if (sa->sa_family == AF_INET6)
		return len >= 24; /* SIN6_LEN_RFC2133: no sin6_scope_id */
	return false;
}

char *sa_format_ip(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!a || !inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

char *sa_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		sa_format_ip(sa, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		sa_format_ip(sa, ip, sizeof(ip));
		if (in6->sin6_scope_id)
			snprintf(buf, len, "[%s%%%u]:%u", ip, in6->sin6_scope_id,
				 ntohs(in6->sin6_port));
		else
			snprintf(buf, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "family %d", sa->sa_family);
	}
	return buf;
}

uint16_t sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void sa_set_port(struct sockaddr *sa, uint16_t port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

socklen_t sa_len(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return sizeof(struct sockaddr_in);
	if (sa->sa_family == AF_INET6)
		return sizeof(struct sockaddr_in6);
	return 0;
}

void sa_unmap(const struct sockaddr *sa, struct sockaddr_storage *out)
{
	int family;
	const uint8_t *a = ip_bytes(sa, &family);

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET6 && family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;

		in->sin_family = AF_INET;
		in->sin_port = ((const struct sockaddr_in6 *)sa)->sin6_port;
		memcpy(&in->sin_addr, a, 4);
		return;
	}
	memcpy(out, sa, sa_len(sa) ? sa_len(sa) : sizeof(sa_family_t));
}

bool sa_in_family(const struct sockaddr_storage *ip, int family,
		  struct sockaddr_storage *out)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (ip->ss_family == family) {
		*out = *ip;
		return true;
	}
	if (ip->ss_family != AF_INET || family != AF_INET6)
		return false;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = ((const struct sockaddr_in *)ip)->sin_port;
	in6->sin6_addr.s6_addr[10] = 0xff;
	in6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&in6->sin6_addr.s6_addr[12],
	       &((const struct sockaddr_in *)ip)->sin_addr, 4);
	return true;
}

bool sa_is_loopback(const struct sockaddr *sa)
{
	int family;
	const uint8_t *a = ip_bytes(sa, &family);

	if (family == AF_INET)
		return a[0] == 127;
	if (family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a);
	return false;
}

bool sa_is_unspecified(const struct sockaddr *sa)
{
	static const uint8_t zero[16];
	int family;
	const uint8_t *a = ip_bytes(sa, &family);

	if (family == AF_INET)
		return !memcmp(a, zero, 4);
	if (family == AF_INET6)
		return !memcmp(a, zero, 16);
	return false;
}

bool sa_is_local_scope(const struct sockaddr *sa)
{
	int family;
	const uint8_t *a = ip_bytes(sa, &family);

	if (family == AF_INET)
		return (a[0] == 169 && a[1] == 254) || (a[0] & 0xf0) == 0xe0 ||
		       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
	if (family == AF_INET6)
		return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
	return false;
}

bool sa_ip_equal(const struct sockaddr *x, const struct sockaddr *y)
{
	int fx, fy;
	const uint8_t *a = ip_bytes(x, &fx);
	const uint8_t *b = ip_bytes(y, &fy);

	if (!a || !b || fx != fy)
		return false;
	return !memcmp(a, b, fx == AF_INET ? 4 : 16);
}


int sa_port_parse(const char *s, uint16_t *out)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return -ERANGE;
	*out = (uint16_t)v;
	return 0;
}

int sa_port_range_parse(char *s, uint16_t *lo, uint16_t *hi, const char **bad)
{
	char *dash = strchr(s, '-');
	const char *last = s;
	int rc;

	if (dash) {
		*dash = '\0';
		last = dash + 1;
	}
	*bad = s;
	rc = sa_port_parse(s, lo);
	if (!rc) {
		*bad = last;
		rc = sa_port_parse(last, hi);
	}
	if (dash)
		*dash = '-';
	if (!rc && *lo > *hi)
		rc = -EDOM;
	return rc;
}
