// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_egress.c - libFuzzer harness of egress rules (common/egress.c): a
 * rule that parses keeps its text, has an ordered port range and a known
 * protocol, parses again from its own text to the same rule, and matches
 * (or not) a few destinations the same way alone and through
 * egress_check().
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "egress.h"
#include "fuzz.h"

/* dst() - destination @i of a small fixed set, IPv4, IPv6 and mapped */
static void dst(int i, struct sockaddr_storage *ss)
{
	static const char *const ips[] = {
		"10.1.2.3", "127.0.0.1", "192.168.0.1", "0.0.0.0",
		"fd00::1", "::1", "::ffff:10.1.2.3", "2001:db8::5",
	};
	static const uint16_t ports[] = { 80, 443, 1, 65535 };
	const char *ip = ips[i % 8];

	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(ports[i / 8 % 4]);
		FUZZ_ASSERT(inet_pton(AF_INET6, ip, &a->sin6_addr) == 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(ports[i / 8 % 4]);
		FUZZ_ASSERT(inet_pton(AF_INET, ip, &a->sin_addr) == 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_cstr(data, size);
	struct b4_error err = { { 0 } };
	struct egress_rule r, back;
	struct sockaddr_storage ss;
	const char *why;
	int i;

	if (!s)
		return 0;
	if (egress_parse(s, &r, &err)) {
		FUZZ_ASSERT(err.msg[0]);
		return 0;
	}
	FUZZ_ASSERT(!strcmp(r.spec, s));
	FUZZ_ASSERT(r.port_lo <= r.port_hi);
	FUZZ_ASSERT(r.proto == 0 || r.proto == IPPROTO_TCP ||
		    r.proto == IPPROTO_UDP);
	FUZZ_ASSERT(r.net.family == AF_INET || r.net.family == AF_INET6);
	FUZZ_ASSERT(egress_parse(r.spec, &back, NULL) == 0);
	FUZZ_ASSERT(!memcmp(&back, &r, sizeof(r)));
	for (i = 0; i < 32; i++) {
		int proto = i & 1 ? IPPROTO_UDP : IPPROTO_TCP;
		bool m;

		dst(i, &ss);
		m = egress_match(&r, (const struct sockaddr *)&ss, proto);
		/* a matching deny rule denies, naming itself */
		FUZZ_ASSERT(egress_check(NULL, 0, &r, 1,
					 (const struct sockaddr *)&ss, proto,
					 &why) == !m);
		FUZZ_ASSERT(m ? why == r.spec : why == NULL);
		/* a lone allow rule allows exactly what it matches */
		FUZZ_ASSERT(egress_check(&r, 1, NULL, 0,
					 (const struct sockaddr *)&ss, proto,
					 NULL) == m);
	}
	return 0;
}
