// SPDX-License-Identifier: GPL-2.0-or-later
/* portmap.c - published ports: parsing and conflicts
 *
 * Theory of operation: a publish spec says which host address a listening
 * socket of the container gets when the supervisor switches it to the host
 * network namespace. The spec "[HOSTIP:]HOSTPORT:CONTAINERPORT[/PROTO]" is
 * split from the outside in: the protocol suffix after the last '/', then a
 * bracketed IPv6 host IP or, if two ':' remain, an IPv4 host IP before the
 * first one, then the two port ranges. Every piece must be consumed exactly;
 * anything left over or missing is reported with the whole spec quoted.
 *
 * A spec is parsed once, where it is read (config file, command line, OCI
 * annotation), into a struct portmap_entry; from then on only entries are
 * handled. Entries are kept in a plain array per container (struct
 * policy_cfg); the policy scans it at bind() and at connects to the
 * container's own published ports: a few dozen entries at most. Two entries
 * conflict if they would claim the same host or container port; every list
 * of specs is checked with portmap_find_conflict().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "portmap.h"
#include "sockaddr.h"

/* Longest spec accepted: "[IPv6%scope]:65535-65535:65535-65535/udp" fits */
#define PORTMAP_SPEC_MAX 128

#define PORTMAP_EXPECTED "expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]"

/* fail() - "publish spec 'SPEC': ...", then -EINVAL; the constant in the
 * macro, so that static analysers, which do not follow calls to variadic
 * functions, see it */
#define fail(err, spec, ...) \
	(b4_error_about((err), "publish spec", PORTMAP_SPEC_MAX, (spec), \
			__VA_ARGS__), -EINVAL)

/**
 * parse_range() - parse "PORT" or "FIRST-LAST"
 * @s:		text (sa_port_range_parse())
 * @spec:	whole spec, for messages
 * @lo:		first port
 * @hi:		last port, @lo for a single port
 * @err:	message destination, may be NULL
 *
 * Return: 0 or -EINVAL
 */
static int parse_range(char *s, const char *spec, uint16_t *lo, uint16_t *hi,
		       struct b4_error *err)
{
	const char *bad;
	int rc;

	if (!*s)
		return fail(err, spec, "%s", PORTMAP_EXPECTED);
	rc = sa_port_range_parse(s, lo, hi, &bad);
	if (rc == -ERANGE)
		return fail(err, spec, "port %s out of range 1-65535", bad);
	if (rc == -EDOM)
		return fail(err, spec, "range %s is reversed", s);
	if (rc)
		return fail(err, spec, "'%s' is not a port or port range", s);
	return 0;
}

/**
 * parse_host_ip() - parse the host IP part of a spec into @out->host
 * @ip:		"1.2.3.4" or, with @v6, the text between the brackets
 * @v6:		@ip was in brackets
 * @spec:	whole spec, for messages
 * @out:	entry whose @host is set
 * @err:	message destination, may be NULL
 *
 * Return: 0 or -EINVAL
 */
static int parse_host_ip(const char *ip, bool v6, const char *spec,
			 struct portmap_entry *out, struct b4_error *err)
{
	struct sockaddr_in6 *sin6 = &out->host.sin6;
	struct sockaddr_in *sin = &out->host.sin;

	if (v6) {
		if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) != 1)
			return fail(err, spec,
				    "invalid IPv6 host IP '%s'", ip);
		sin6->sin6_family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
			return fail(err, spec,
				    "invalid IPv4 host IP '%s' (IPv6 goes in brackets)",
				    ip);
		sin->sin_family = AF_INET;
	}
	out->host_ip_set = true;
	return 0;
}

int portmap_parse(const char *spec, struct portmap_entry *out,
		  struct b4_error *err)
{
	uint16_t hlo = 0, hhi = 0, clo = 0, chi = 0;
	char buf[PORTMAP_SPEC_MAX];
	char *ports = buf, *cport, *slash;
	size_t len = strlen(spec);
	int rc;

	if (len >= sizeof(buf))
		return fail(err, spec, "%s", "too long");
	memcpy(buf, spec, len + 1);
	memset(out, 0, sizeof(*out));
	out->proto = IPPROTO_TCP;
	out->host.sa.sa_family = AF_INET;	/* 0.0.0.0 */

	slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (!strcmp(slash + 1, "udp"))
			out->proto = IPPROTO_UDP;
		else if (strcmp(slash + 1, "tcp") != 0)
			return fail(err, spec,
				    "unknown protocol '%s' (expected tcp or udp)",
				    slash + 1);
	}

	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close || close[1] != ':')
			return fail(err, spec, "%s", PORTMAP_EXPECTED);
		*close = '\0';
		rc = parse_host_ip(buf + 1, true, spec, out, err);
		if (rc)
			return rc;
		ports = close + 2;
	} else {
		char *first = strchr(buf, ':');
		char *second = first ? strchr(first + 1, ':') : NULL;

		if (second && strchr(second + 1, ':'))
			return fail(err, spec, "%s%s", PORTMAP_EXPECTED,
				    " (IPv6 host IPs go in brackets)");
		if (second) {
			*first = '\0';
			rc = parse_host_ip(buf, false, spec, out, err);
			if (rc)
				return rc;
			ports = first + 1;
		}
	}

	cport = strchr(ports, ':');
	if (!cport || strchr(cport + 1, ':'))
		return fail(err, spec, "%s", PORTMAP_EXPECTED);
	*cport++ = '\0';

	rc = parse_range(ports, spec, &hlo, &hhi, err);
	if (rc)
		return rc;
	rc = parse_range(cport, spec, &clo, &chi, err);
	if (rc)
		return rc;
	if (hhi - hlo != chi - clo)
		return fail(err, spec, "ranges %s:%s differ in length",
			    ports, cport);

	out->host_port = hlo;
	out->container_port = clo;
	out->count = (uint16_t)(hhi - hlo + 1);
	sa_set_port(&out->host.sa, hlo);
	return 0;
}

/**
 * overlap() - do [a, a + na) and [b, b + nb) intersect?
 * @a:	first port of the first range
 * @na:	its length
 * @b:	first port of the second range
 * @nb:	its length
 *
 * Return: true if they share a port
 */
static bool overlap(unsigned int a, unsigned int na, unsigned int b,
		    unsigned int nb)
{
	return a < b + nb && b < a + na;
}

bool portmap_conflicts(const struct portmap_entry *a,
		       const struct portmap_entry *b)
{
	const struct sockaddr *ha = &a->host.sa;
	const struct sockaddr *hb = &b->host.sa;

	if (a->proto != b->proto)
		return false;
	if (overlap(a->container_port, a->count, b->container_port, b->count))
		return true;
	if (!overlap(a->host_port, a->count, b->host_port, b->count))
		return false;
	return sa_is_unspecified(ha) || sa_is_unspecified(hb) ||
	       sa_ip_equal(ha, hb);
}


int portmap_find_conflict(const struct portmap_entry *tab, int n,
			  const struct portmap_entry *e)
{
	for (int i = 0; i < n; i++) {
		if (portmap_conflicts(&tab[i], e))
			return i;
	}
	return -1;
}
