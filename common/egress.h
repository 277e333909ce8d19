/* SPDX-License-Identifier: GPL-2.0-or-later
 * egress.h - a container's egress rules: allow/deny lists of
 * CIDR[:PORT[-PORT]][/PROTO]
 */
#ifndef B4NS_EGRESS_H
#define B4NS_EGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"
#include "sockaddr.h"

#define EGRESS_SPEC_MAX 64	/* a rule's text, with its NUL */
/* egress_check()'s reason when a non-empty allow list holds no match */
#define EGRESS_NO_ALLOW "no allow rule matches"

/**
 * struct egress_rule - one rule
 * @net:	destination prefix (an IPv4-mapped IPv6 one is kept as the
 *		IPv4 prefix it denotes)
 * @port_lo:	first port (0 with @port_hi 65535: every port)
 * @port_hi:	last port
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, or 0 for both
 * @spec:	the rule as written, for log lines
 */
struct egress_rule {
	struct sa_cidr net;
	uint16_t port_lo;
	uint16_t port_hi;
	int proto;
	char spec[EGRESS_SPEC_MAX];
};

/**
 * egress_parse() - parse one rule
 * @s:		"CIDR[:PORT[-PORT]][/tcp|/udp]"; CIDR is "ADDR/LEN" or a
 *		bare address (a host prefix); an IPv6 CIDR followed by a
 *		port is bracketed: "[fd00::/8]:443/tcp", else bare:
 *		"fd00::/8/tcp"; ports 1-65535 (none: every port), no
 *		protocol: both; at most EGRESS_SPEC_MAX - 1 characters
 * @out:	result, @out->spec holding @s
 * @err:	on failure "egress rule 'S': what is wrong"; may be NULL
 *
 * Return: 0 or -EINVAL
 */
int egress_parse(const char *s, struct egress_rule *out, struct b4_error *err);

/**
 * egress_match() - does @r cover a connection to @dst with @proto?
 * @r:		rule
 * @dst:	destination (IPv4-mapped IPv6 matches IPv4 rules)
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: true if it does
 */
bool egress_match(const struct egress_rule *r, const struct sockaddr *dst,
		  int proto);

/**
 * egress_check() - may a container with these lists reach @dst?
 * @allow:	allow rules; none: everything not denied is allowed
 * @n_allow:	entries in @allow
 * @deny:	deny rules (a deny wins over an allow)
 * @n_deny:	entries in @deny
 * @dst:	destination as the container named it
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @rule:	set to NULL when allowed; when denied, the spec of the
 *		deciding deny rule (in @deny), or EGRESS_NO_ALLOW; may be
 *		NULL
 *
 * Return: true if allowed
 */
bool egress_check(const struct egress_rule *allow, int n_allow,
		  const struct egress_rule *deny, int n_deny,
		  const struct sockaddr *dst, int proto, const char **rule);

#endif /* B4NS_EGRESS_H */
