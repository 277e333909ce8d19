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
 * The table has ORIGINS_SLOTS entries; a connection's entry is in the
 * ORIGINS_PROBE slots from its local port's. A live entry is never
 * replaced: a container that piles up connections never makes another
 * one's (or its own) show as the host's loopback. A slot is free when its
 * entry was found (the connection is accepted: getpeername() answers from
 * the supervisor's rewrite table from then on), or when its socket is
 * gone; a note that finds no free slot checks the others' sockets, and if
 * all are alive it fails, and the caller refuses the connect. Close is not
 * trapped, so an entry outlives its socket; it answers only while a socket
 * with its cookie still has that 4-tuple (hostsock_tcp_cookie()), so a
 * host port reused by a later connection never borrows a container's
 * address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostsock.h"
#include "origin.h"
#include "sockaddr.h"

#define ORIGINS_SLOTS 4096	/* a power of two */
#define ORIGINS_PROBE 16	/* slots a connection's entry may be in */

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

/* alive() - does @o's socket still exist? */
static bool alive(const struct origin *o)
{
	uint64_t cookie;

	return !hostsock_tcp_cookie((const struct sockaddr *)&o->local,
				    (const struct sockaddr *)&o->remote,
				    &cookie) &&
	       cookie == o->cookie;
}

static struct origin *slot(struct origins *t, uint16_t port, int k)
{
	return &t->slot[(port + (unsigned int)k) & (ORIGINS_SLOTS - 1)];
}

int origins_note(struct origins *t, int sock, const struct sockaddr *to,
		 const struct sockaddr *shown)
{
	struct sockaddr_storage l;
	socklen_t ll = sizeof(l);
	struct origin o = { .used = true }, *free_slot = NULL, *e;
	uint16_t port;
	int k;

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
	port = sa_port((struct sockaddr *)&o.local);
	for (k = 0; k < ORIGINS_PROBE; k++) {
		e = slot(t, port, k);
		/* the same 4-tuple again: its old socket is gone */
		if (e->used && same(&e->local, (struct sockaddr *)&o.local) &&
		    same(&e->remote, (struct sockaddr *)&o.remote)) {
			free_slot = e;
			break;
		}
		if (!e->used && !free_slot)
			free_slot = e;
	}
	for (k = 0; !free_slot && k < ORIGINS_PROBE; k++) {
		e = slot(t, port, k);
		if (!alive(e))
			free_slot = e;
	}
	if (!free_slot)
		return -EAGAIN;
	*free_slot = o;
	return 0;
}

bool origins_find(struct origins *t, const struct sockaddr *peer,
		  const struct sockaddr *local, struct sockaddr_storage *shown)
{
	for (int k = 0; k < ORIGINS_PROBE; k++) {
		struct origin *o = slot(t, sa_port(peer), k);

		if (!o->used || !same(&o->local, peer) ||
		    !same(&o->remote, local))
			continue;
		/* found once: the accepted connection keeps its answer in the
		 * supervisor's rewrite table; or its socket is gone */
		o->used = false;
		if (!alive(o))
			return false;
		memset(shown, 0, sizeof(*shown));
		memcpy(shown, &o->shown,
		       sa_len((const struct sockaddr *)&o->shown));
		return true;
	}
	return false;
}
