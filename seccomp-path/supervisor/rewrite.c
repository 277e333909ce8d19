// SPDX-License-Identifier: GPL-2.0-or-later
/* rewrite.c - addresses a container must see for sockets b4ns redirected
 *
 * Theory of operation: when the supervisor binds a published port on the
 * host address of its mapping, or connects the container's socket somewhere
 * else than it asked (the gateway to host loopback, its own published port
 * to the host listener), getsockname()/getpeername() would show the host's
 * side. Those two calls are trapped only in containers where such rewrites
 * can happen (published ports or --allow-host-loopback), and answered from
 * this table, keyed by the socket's SO_COOKIE. Close is not trapped, so
 * entries of closed sockets stay until the ring wraps; cookies are never
 * reused, so a stale entry cannot answer for another socket. A socket noted
 * twice (the same call rewritten again) is answered by its newest entry:
 * lookups go from the newest entry to the oldest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rewrite.h"

int rewrite_add(struct rewrite_table *t, uint64_t cookie, bool peer,
		const struct sockaddr_storage *addr)
{
	struct rewrite_entry *e;

	if (!t->e) {
		t->e = calloc(REWRITE_MAX, sizeof(*t->e));
		if (!t->e)
			return -ENOMEM;
	}
	if (t->n < REWRITE_MAX) {
		e = &t->e[t->n++];
	} else {
		e = &t->e[t->next];
		t->next = (t->next + 1) % REWRITE_MAX;
	}
	e->cookie = cookie;
	e->peer = peer;
	e->addr = *addr;
	return 0;
}

const struct sockaddr_storage *rewrite_find(const struct rewrite_table *t,
					    uint64_t cookie, bool peer)
{
	/* newest first: a later answer for the same socket wins */
	int head = t->n < REWRITE_MAX ? t->n : t->next;

	for (int k = 1; k <= t->n; k++) {
		const struct rewrite_entry *e =
			&t->e[(head - k + REWRITE_MAX) % REWRITE_MAX];

		if (e->cookie == cookie && e->peer == peer)
			return &e->addr;
	}
	return NULL;
}

void rewrite_free(struct rewrite_table *t)
{
	free(t->e);
	t->e = NULL;
	t->n = 0;
	t->next = 0;
}

int rewrite_cookie(int sock, uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);

	if (getsockopt(sock, SOL_SOCKET, SO_COOKIE, cookie, &len))
		return -errno;
	return 0;
}
