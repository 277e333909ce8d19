// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_sockaddr.c - libFuzzer harness of CIDR parsing and of raw socket
 * addresses (common/sockaddr.c). The input is read twice: as CIDR text (a
 * CIDR that parses has a prefix length in range and reads back, formatted,
 * as itself, and contains its own network address) and as the bytes of a
 * sockaddr a container passes, copied as the supervisor copies them (into a
 * zeroed sockaddr_storage: a 24-byte AF_INET6 one, without scope id, is
 * valid); one of a valid length formats, classifies and unmaps to an equal
 * address.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "fuzz.h"
#include "sockaddr.h"

/* cidr() - the text checks */
static void cidr(const char *s)
{
	struct sa_cidr c, back;
	struct sockaddr_storage ss = { 0 };
	char buf[SA_STRLEN];

	if (sa_cidr_parse(s, &c))
		return;
	FUZZ_ASSERT(c.family == AF_INET || c.family == AF_INET6);
	FUZZ_ASSERT(c.prefix >= 0 &&
		    c.prefix <= (c.family == AF_INET ? 32 : 128));
	sa_cidr_format(&c, buf, sizeof(buf));
	FUZZ_ASSERT(sa_cidr_parse(buf, &back) == 0);
	FUZZ_ASSERT(back.family == c.family && back.prefix == c.prefix &&
		    !memcmp(back.addr, c.addr, sizeof(c.addr)));
	ss.ss_family = (sa_family_t)c.family;
	if (c.family == AF_INET)
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, c.addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, c.addr, 16);
	FUZZ_ASSERT(sa_cidr_contains(&c, (const struct sockaddr *)&ss));
}

/* raw() - the sockaddr checks */
static void raw(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss = { 0 }, un;
	const struct sockaddr *sa = (const struct sockaddr *)&ss;
	char buf[SA_STRLEN], ip[SA_STRLEN];
	struct sa_cidr c;

	if (size > sizeof(ss))
		return;
	memcpy(&ss, data, size);
	if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
	    !sa_valid_len(sa, size))
		return;
	sa_format(sa, buf, sizeof(buf));
	sa_format_ip(sa, ip, sizeof(ip));
	FUZZ_ASSERT(buf[0] && ip[0]);
	(void)sa_port(sa);
	(void)sa_is_loopback(sa);
	(void)sa_is_unspecified(sa);
	(void)sa_is_local_scope(sa);
	sa_unmap(sa, &un);
	FUZZ_ASSERT(sa_ip_equal(sa, (const struct sockaddr *)&un));
	FUZZ_ASSERT(sa_port(sa) == sa_port((const struct sockaddr *)&un));
	FUZZ_ASSERT(sa_is_loopback(sa) ==
		    sa_is_loopback((const struct sockaddr *)&un));
	if (sa_cidr_parse("10.0.0.0/8", &c) == 0)
		(void)sa_cidr_contains(&c, sa);
	if (sa_cidr_parse("::ffff:127.0.0.0/104", &c) == 0)
		(void)sa_cidr_contains(&c, sa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_cstr(data, size);

	if (s)
		cidr(s);
	raw(data, size);
	return 0;
}
