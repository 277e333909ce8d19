// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_portmap.c - libFuzzer harness of publish specs (common/portmap.c)
 * and of the port parsers under them (common/sockaddr.c): a spec that
 * parses must describe a range that fits in 1-65535 on both sides, with
 * TCP or UDP, and conflict with itself.
 */
#include <netinet/in.h>

#include "fuzz.h"
#include "portmap.h"
#include "sockaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_cstr(data, size);
	struct b4_error err = { { 0 } };
	struct portmap_entry e, tab[1];
	const char *bad = NULL;
	uint16_t lo, hi;

	if (!s)
		return 0;
	if (portmap_parse(s, &e, &err) == 0) {
		FUZZ_ASSERT(e.count >= 1);
		FUZZ_ASSERT(e.host_port >= 1 && e.container_port >= 1);
		FUZZ_ASSERT(e.host_port + e.count - 1 <= 65535);
		FUZZ_ASSERT(e.container_port + e.count - 1 <= 65535);
		FUZZ_ASSERT(e.proto == IPPROTO_TCP || e.proto == IPPROTO_UDP);
		FUZZ_ASSERT(e.host.sa.sa_family == AF_INET ||
			    e.host.sa.sa_family == AF_INET6);
		FUZZ_ASSERT(portmap_conflicts(&e, &e));
		tab[0] = e;
		FUZZ_ASSERT(portmap_find_conflict(tab, 1, &e) == 0);
	} else {
		FUZZ_ASSERT(err.msg[0]);
	}
	if (sa_port_parse(s, &lo) == 0)
		FUZZ_ASSERT(lo >= 1);
	if (sa_port_range_parse(s, &lo, &hi, &bad) == 0) {
		FUZZ_ASSERT(lo >= 1 && lo <= hi);
	} else if (bad) {
		/* the part at fault lies inside the text */
		FUZZ_ASSERT(bad >= s && bad <= s + strlen(s));
	}
	return 0;
}
