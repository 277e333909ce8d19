// SPDX-License-Identifier: GPL-2.0-or-later
/* origin.c - which container a host connection to a container service came
 * from
 *
 * Theory of operation: when container A connects to container B's address
 * on this node, the supervisor connects A's switched host socket to B's
 * host listener on loopback (switch.c), so B's accept() would show
 * 127.0.0.1 and A's host port. origins_note() remembers, for that host
 * socket, its local address and port, the listener's address it went to,
 * its SO_COOKIE and the address A has in B's network; the accept() of B
 * (seccomp-path/supervisor/accept.c) asks origins_find() with the accepted
 * socket's addresses and shows A's address with the same port.
 *
 * The table is direct-mapped by local port (ORIGINS_SLOTS entries, a newer
 * connection from the same slot replaces an older one, which then shows its
 * host address): a lookup is one slot. Close is not trapped, so an entry
 * outlives its socket; it answers only while a socket with its cookie still
 * has that 4-tuple (hostsock_tcp_cookie()), so a host port reused by a later
 * connection never borrows a container's address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostsock.h"
#include "origin.h"
#include "sockaddr.h"

#define ORIGINS_SLOTS 1024	/* a power of two */

/**
 * struct origin - one connection of a container to a container service
 * @local:	the host socket's local address (unmapped)
 * @remote:	the listener address it connected to (unmapped)
 * @shown:	the address the service is shown
 * @cookie:	the host socket's SO_COOKIE
 * @used:	slot in use
 */
struct origin {
	struct sockaddr_in6 local;
	struct sockaddr_in6 remote;
	struct sockaddr_in6 shown;
	uint64_t cookie;
	bool used;
};

/**
 * struct origins - the table
 * @slot:	entries by local port
 */
struct origins {
	struct origin slot[ORIGINS_SLOTS];
};

int origins_new(struct origins **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void origins_free(struct origins *t)
{
	free(t);
}

/* put() - @sa, unmapped, into @out (an AF_INET address fits): false if it
 * is no IP address */
static bool put(const struct sockaddr *sa, struct sockaddr_in6 *out)
{
	struct sockaddr_storage u;

	sa_unmap(sa, &u);
	memset(out, 0, sizeof(*out));
	if (u.ss_family != AF_INET && u.ss_family != AF_INET6)
		return false;
	memcpy(out, &u, sa_len((struct sockaddr *)&u));
	return true;
}

static bool same(const struct sockaddr_in6 *a, const struct sockaddr *b)
{
	struct sockaddr_in6 u;

	return put(b, &u) && sa_ip_equal((const struct sockaddr *)a,
					 (const struct sockaddr *)&u) &&
	       sa_port((const struct sockaddr *)a) ==
		       sa_port((const struct sockaddr *)&u);
}

int origins_note(struct origins *t, int sock, const struct sockaddr *to,
		 const struct sockaddr *shown)
{
	struct sockaddr_storage l;
	socklen_t ll = sizeof(l);
	struct origin o = { .used = true };

	/* the local address is set once the SYN is out; not getpeername():
	 * ENOTCONN until the handshake is done (a full accept queue keeps a
	 * connect in SYN_SENT for seconds) */
	if (getsockname(sock, (struct sockaddr *)&l, &ll))
		return -errno;
	if (hostsock_cookie(sock, &o.cookie))
		return -EINVAL;
	if (!put((struct sockaddr *)&l, &o.local) || !put(to, &o.remote) ||
	    !put(shown, &o.shown))
		return -EAFNOSUPPORT;
	t->slot[sa_port((struct sockaddr *)&o.local) & (ORIGINS_SLOTS - 1)] = o;
	return 0;
}

bool origins_find(struct origins *t, const struct sockaddr *peer,
		  const struct sockaddr *local, struct sockaddr_storage *shown)
{
	struct origin *o = &t->slot[sa_port(peer) & (ORIGINS_SLOTS - 1)];
	uint64_t cookie;

	if (!o->used || !same(&o->local, peer) || !same(&o->remote, local))
		return false;
	if (hostsock_tcp_cookie((const struct sockaddr *)&o->local,
				(const struct sockaddr *)&o->remote, &cookie) ||
	    cookie != o->cookie) {
		o->used = false;	/* its socket is gone */
		return false;
	}
	memset(shown, 0, sizeof(*shown));
	memcpy(shown, &o->shown, sa_len((const struct sockaddr *)&o->shown));
	return true;
}
