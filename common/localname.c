// SPDX-License-Identifier: GPL-2.0-or-later
/* localname.c - the local address a container sees for a connection
 * accepted on one of its published ports
 *
 * Theory of operation: a published port's listener is a host socket bound
 * to the mapping's host address and port (switch.c), so the connections
 * the container accepts on it are host sockets too, and the kernel's
 * getsockname() of one gives the host's address and host port (127.0.0.1
 * :18080 for a container listening on 0.0.0.0:80). Natively, and with
 * slirp4netns or pasta forwarding, it gives the container's address and
 * the container port; programs check it (dnsmasq drops a TCP query whose
 * local address is on none of its interfaces).
 *
 * localname_accepted() recognises such a connection without any table of
 * connections: a host TCP socket of the container that is not listening
 * and whose local port is the host port of one of the container's bound
 * TCP listeners of its family. A host port a listener holds is not taken
 * by the kernel for the ephemeral port of a connect, and a socket the
 * container bound to a published port itself is answered from the bind's
 * own record (the callers look that up first); so nothing else matches.
 * What it shows is computed from the container's side only, by
 * common/localshow.c (shared with libb4ns.so): the address the container
 * bound the listener to, or for a wildcard listener its loopback or its
 * own address of the family (localname_own() picks them from the
 * container's state), and the container port. The caller (the seccomp
 * path's getsockname() handler) answers with it; getpeername() is not
 * touched. libb4ns.so gets localname_own()'s answer with a published bind.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "localname.h"
#include "localshow.h"
#include "sockaddr.h"
#include "switch.h"

/* pub_host_port() - the host port listener @l is bound to, 0 if unknown */
static uint16_t pub_host_port(const struct policy_cfg *pol,
			      const struct policy_listener *l)
{
	const struct portmap_entry *e;

	if (l->entry < 0 || l->entry >= pol->n_publish)
		return 0;
	e = &pol->publish[l->entry];
	if (l->port < e->container_port || l->port - e->container_port >= e->count)
		return 0;
	return (uint16_t)(e->host_port + (l->port - e->container_port));
}

/* find_listener() - the TCP listener of family @family bound on host port
 * @port, or NULL */
static const struct policy_listener *
find_listener(const struct policy_cfg *pol, const struct policy_state *st,
	      int family, uint16_t port)
{
	for (int i = 0; i < st->n_pub; i++) {
		const struct policy_listener *l = &st->pub[i];

		if (l->proto == IPPROTO_TCP && l->family == family &&
		    pub_host_port(pol, l) == port)
			return l;
	}
	return NULL;
}

void localname_own(const struct policy_state *st, struct localshow_own *own)
{
	int pick4 = -1, pick6 = -1;

	memset(own, 0, sizeof(*own));
	/* a given address of the family first, else the first one */
	for (int i = 0; st && i < st->n_local && i < POLICY_MAX_CIDRS; i++) {
		bool given = st->given & (1ULL << i);
		int *pick = st->own[i].family == AF_INET ? &pick4 :
			    st->own[i].family == AF_INET6 ? &pick6 : NULL;

		if (pick && (*pick < 0 || (given && !(st->given & (1ULL << *pick)))))
			*pick = i;
	}
	if (pick4 >= 0) {
		memcpy(&own->in4, st->own[pick4].addr, 4);
		own->has4 = 1;
	}
	if (pick6 >= 0) {
		memcpy(&own->in6, st->own[pick6].addr, 16);
		own->has6 = 1;
	}
}

int localname_accepted(const struct policy_cfg *pol,
		       const struct policy_state *st, int sock,
		       uint64_t netns_id, uint64_t self_netns_id,
		       struct sockaddr_storage *shown)
{
	const struct policy_listener *l;
	struct localshow_own own;
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	int proto = 0, listening = 1;
	socklen_t il = sizeof(int);
	bool foreign;

	if (!st || !st->n_pub)
		return -ENOENT;
	memset(&local, 0, sizeof(local));
	if (getsockname(sock, (struct sockaddr *)&local, &len))
		return errno == ENOTSOCK ? -ENOENT : -errno;
	if (local.ss_family != AF_INET && local.ss_family != AF_INET6)
		return -ENOENT;
	l = find_listener(pol, st, local.ss_family,
			  sa_port((const struct sockaddr *)&local));
	if (!l)
		return -ENOENT;
	if (getsockopt(sock, SOL_SOCKET, SO_PROTOCOL, &proto, &il) ||
	    proto != IPPROTO_TCP)
		return -ENOENT;
	il = sizeof(int);
	if (getsockopt(sock, SOL_SOCKET, SO_ACCEPTCONN, &listening, &il) ||
	    listening)
		return -ENOENT;
	if (!switch_is_host_socket(sock, netns_id, self_netns_id, &foreign))
		return -ENOENT;
	localname_own(st, &own);
	localshow_accepted(&l->addr, l->port, &local, &own, shown);
	return 0;
}
