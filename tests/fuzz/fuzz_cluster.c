// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_cluster.c - libFuzzer harness of what the etcd registry reads back
 * (seccomp-path/cluster/cluster.c): a key and its JSON value, as another
 * node (or anyone who can write to etcd) put them, through
 * cluster_entry_parse().
 *
 * Input: the key, a NUL byte, the value (no NUL: the value is the whole
 * input, the key empty). An entry that is accepted as another node's is
 * a remote entry whose host is an IP address and port that is neither
 * loopback, unspecified nor link-local (a container must never be sent to
 * the host's loopback through the registry), in the network its key names.
 */
#include "cfg.h"
#include "cluster/cluster.h"
#include "fuzz.h"
#include "sockaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *buf = fuzz_cstr(data, size);
	const struct sockaddr *host;
	struct cfg_registry rc;
	struct peer_entry e;
	const char *key = "", *value = buf;
	char why[256] = "";
	char *nul;
	int r;

	if (!buf)
		return 0;
	nul = memchr(buf, '\0', size);
	if (nul) {
		key = buf;
		value = nul + 1;
	}
	cfg_registry_default(&rc);
	snprintf(rc.node, sizeof(rc.node), "self");
	r = cluster_entry_parse(&rc, key, value, &e, why, sizeof(why));
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL && why[0]);
		return 0;
	}
	if (r == 1)
		return 0;
	FUZZ_ASSERT(r == 0 && e.remote);
	FUZZ_ASSERT(!strncmp(key, rc.prefix, strlen(rc.prefix)));
	FUZZ_ASSERT(peers_net_valid(e.key.network));
	host = (const struct sockaddr *)&e.host;
	FUZZ_ASSERT(host->sa_family == AF_INET || host->sa_family == AF_INET6);
	FUZZ_ASSERT(sa_port(host) != 0);
	FUZZ_ASSERT(!sa_is_loopback(host) && !sa_is_unspecified(host) &&
		    !sa_is_local_scope(host));
	FUZZ_ASSERT(e.key.proto == IPPROTO_TCP || e.key.proto == IPPROTO_UDP);
	return 0;
}
