// SPDX-License-Identifier: GPL-2.0-or-later
/* egress.c - a container's egress rules: parsing, matching, the verdict
 *
 * Theory of operation: an egress rule names destinations a container may
 * (allow list) or may not (deny list) reach through a switched socket:
 * "CIDR[:PORT[-PORT]][/tcp|/udp]". A rule is parsed once, where it is read
 * (config file, command line, OCI annotation), into a struct egress_rule,
 * keeping its text for log lines. The text is split from the outside in:
 * a protocol suffix after the last '/' if what follows it is not a prefix
 * length, then the CIDR and its port range: a bracketed IPv6 CIDR may be
 * followed by ":PORTS", an unbracketed text with one ':' is an IPv4 CIDR
 * and its ports, and one with more ':' is an IPv6 CIDR alone (an IPv6
 * CIDR with ports must be bracketed, "fd00::1:443" being an address).
 * Every piece must be consumed exactly.
 *
 * The verdict is a pure function of the lists and the destination: a deny
 * rule that matches wins; otherwise a non-empty allow list must hold a
 * matching rule; an empty one allows all. An IPv4-mapped IPv6 destination
 * is matched as the IPv4 address it carries (sa_cidr_contains()), so a
 * dual-stack socket cannot slip past an IPv4 rule. Lists are a few dozen
 * rules at most: scanned linearly.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "egress.h"
#include "sockaddr.h"

#define EGRESS_EXPECTED "expected CIDR[:PORT[-PORT]][/tcp|/udp], " \
			"an IPv6 CIDR with ports in brackets: [fd00::/8]:443"

/* fail() - "egress rule 'SPEC': ...", then -EINVAL; the constant in the
 * macro, so that static analysers, which do not follow calls to variadic
 * functions, see it */
#define fail(err, spec, ...) \
	(b4_error_about((err), "egress rule", EGRESS_SPEC_MAX * 2, (spec), \
			__VA_ARGS__), -EINVAL)

/**
 * parse_ports() - parse "PORT" or "FIRST-LAST" into @r
 * @s:		text (sa_port_range_parse())
 * @spec:	whole rule, for messages
 * @r:		rule whose @port_lo and @port_hi are set
 * @err:	message destination, may be NULL
 *
 * Return: 0 or -EINVAL
 */
static int parse_ports(char *s, const char *spec, struct egress_rule *r,
		       struct b4_error *err)
{
	const char *bad;
	int rc;

	if (!*s)
		return fail(err, spec, "missing port after ':' (%s)",
			    EGRESS_EXPECTED);
	rc = sa_port_range_parse(s, &r->port_lo, &r->port_hi, &bad);
	if (rc == -ERANGE)
		return fail(err, spec, "port out of range 1-65535");
	if (rc == -EDOM)
		return fail(err, spec, "port range %s is reversed", s);
	if (rc)
		return fail(err, spec, "'%s' is not a port or port range", s);
	return 0;
}

/**
 * split_proto() - cut a "/tcp" or "/udp" suffix off @buf into @r->proto
 * @buf:	the rule's text, modified
 * @spec:	whole rule, for messages
 * @r:		rule whose @proto is set (0 without a suffix)
 * @err:	message destination, may be NULL
 *
 * What follows the last '/' is a protocol if it is a word of letters and
 * digits, not only digits; else it is the CIDR's prefix length, maybe
 * with ports or a closing bracket, left for the CIDR's parser.
 *
 * Return: 0 or -EINVAL
 */
static int split_proto(char *buf, const char *spec, struct egress_rule *r,
		       struct b4_error *err)
{
	char *slash = strrchr(buf, '/');
	const char *p;

	r->proto = 0;
	if (!slash)
		return 0;
	p = slash + 1;
	if (!*p)
		return fail(err, spec, "nothing after '/' (%s)",
			    EGRESS_EXPECTED);
	if (strspn(p, "0123456789") == strlen(p) ||
	    strspn(p, "0123456789abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(p))
		return 0;	/* a prefix length, maybe more */
	if (!strcmp(p, "tcp"))
		r->proto = IPPROTO_TCP;
	else if (!strcmp(p, "udp"))
		r->proto = IPPROTO_UDP;
	else
		return fail(err, spec,
			    "unknown protocol '%s' (expected tcp or udp)", p);
	*slash = '\0';
	return 0;
}

/**
 * parse_cidr() - parse the CIDR part of a rule into @r->net
 * @cidr:	the text, without brackets
 * @family:	AF_INET6 if it was bracketed, AF_INET if a port follows it
 *		unbracketed, AF_UNSPEC if either family will do
 * @spec:	whole rule, for messages
 * @r:		rule whose @net is set
 * @err:	message destination, may be NULL
 *
 * Return: 0 or -EINVAL
 */
static int parse_cidr(const char *cidr, int family, const char *spec,
		      struct egress_rule *r, struct b4_error *err)
{
	if (!*cidr)
		return fail(err, spec, "missing CIDR (%s)", EGRESS_EXPECTED);
	if (strchr(cidr, '[') || strchr(cidr, ']') ||
	    sa_cidr_parse(cidr, &r->net))
		return fail(err, spec, "invalid CIDR '%s' (%s)", cidr,
			    EGRESS_EXPECTED);
	/* an IPv4-mapped one is an AF_INET prefix (sa_cidr_parse()) */
	if (family == AF_INET6 && !strchr(cidr, ':'))
		return fail(err, spec, "brackets hold an IPv6 CIDR, not '%s'",
			    cidr);
	return 0;
}

int egress_parse(const char *s, struct egress_rule *out, struct b4_error *err)
{
	char buf[EGRESS_SPEC_MAX];
	char *cidr = buf, *ports = NULL, *colon;
	size_t len;
	int family = AF_UNSPEC, rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return b4_error_set(err, -EINVAL, "egress rule missing");
	len = strlen(s);
	if (!len)
		return fail(err, s, "empty (%s)", EGRESS_EXPECTED);
	if (len >= sizeof(buf))
		return fail(err, s, "too long (at most %d characters)",
			    EGRESS_SPEC_MAX - 1);
	memcpy(buf, s, len + 1);

	rc = split_proto(buf, s, out, err);
	if (rc)
		return rc;
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close)
			return fail(err, s, "'[' without ']' (%s)",
				    EGRESS_EXPECTED);
		*close = '\0';
		cidr = buf + 1;
		family = AF_INET6;
		if (close[1] == ':')
			ports = close + 2;
		else if (close[1])
			return fail(err, s, "unexpected '%s' after ']' (%s)",
				    close + 1, EGRESS_EXPECTED);
	} else {
		colon = strchr(buf, ':');
		if (colon && !strchr(colon + 1, ':')) {
			*colon = '\0';
			ports = colon + 1;
			family = AF_INET;
		}
	}

	rc = parse_cidr(cidr, family, s, out, err);
	if (rc)
		return rc;
	if (family == AF_INET && out->net.family != AF_INET)
		return fail(err, s, "'%s' before ':' is not an IPv4 CIDR (%s)",
			    cidr, EGRESS_EXPECTED);
	if (ports) {
		rc = parse_ports(ports, s, out, err);
		if (rc)
			return rc;
	} else {
		out->port_lo = 0;
		out->port_hi = 65535;
	}
	memcpy(out->spec, s, len + 1);
	return 0;
}

bool egress_match(const struct egress_rule *r, const struct sockaddr *dst,
		  int proto)
{
	uint16_t port;

	if (r->proto && r->proto != proto)
		return false;
	if (dst->sa_family != AF_INET && dst->sa_family != AF_INET6)
		return false;
	port = sa_port(dst);
	if (port < r->port_lo || port > r->port_hi)
		return false;
	return sa_cidr_contains(&r->net, dst);
}

bool egress_check(const struct egress_rule *allow, int n_allow,
		  const struct egress_rule *deny, int n_deny,
		  const struct sockaddr *dst, int proto, const char **rule)
{
	const char *why = NULL;
	bool ok = true;

	for (int i = 0; i < n_deny; i++) {
		if (egress_match(&deny[i], dst, proto)) {
			why = deny[i].spec;
			ok = false;
			break;
		}
	}
	if (ok && n_allow > 0) {
		ok = false;
		why = EGRESS_NO_ALLOW;
		for (int i = 0; i < n_allow && !ok; i++)
			ok = egress_match(&allow[i], dst, proto);
		if (ok)
			why = NULL;
	}
	if (rule)
		*rule = why;
	return ok;
}
