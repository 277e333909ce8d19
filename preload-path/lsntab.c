// SPDX-License-Identifier: GPL-2.0-or-later
/* lsntab.c - libb4ns.so's table of the published listeners it bound
 *
 * Theory of operation: a bind() to a published port comes back from the
 * supervisor as a host socket bound to the host port, together with the
 * container's own addresses. lsntab_add() notes, per such listener, the
 * address and port the container asked for, the host port and family, the
 * socket's SO_COOKIE and its network namespace's cookie. lsntab_name()
 * (the getsockname() interposer) answers from it without asking the
 * supervisor: a socket whose SO_COOKIE is a listener's is that listener
 * (the address it asked for); a TCP socket that is not listening, in the
 * listener's network namespace (the host's, so no socket of the
 * container's own network), whose local port is a live listener's host
 * port and family, was accepted on it (a port a listener holds is never
 * the ephemeral port of a connect) and shows what common/localshow.c
 * decides, the same decision as the seccomp path's. Nothing of the host
 * is shown. A slot whose listener fd no longer has its cookie is stale
 * (closed, or the fd reused) and is reused.
 *
 * The table is fixed (no malloc) and a seqlock per slot protects it: a
 * writer claims a slot with a compare-and-swap, readers retry or skip a
 * slot being written, so a reader never waits (getsockname() stays
 * async-signal-safe) and a program that never bound a published port pays
 * one atomic load per getsockname().
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lsntab.h"
#include "sockaddr.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define LSNTAB_SLOTS 64

/* kernel_name() - the kernel's getsockname(): the library's own
 * getsockname() interposes the libc symbol, also for calls from here */
static int kernel_name(int fd, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	return syscall(SYS_getsockname, fd, (struct sockaddr *)ss, &len) ? -1 : 0;
}

/* one listener; the data fields are read under @seq */
struct lsn {
	uint64_t cookie;	/* 0: free */
	uint64_t netns;
	struct sockaddr_storage bound;
	atomic_uint seq;	/* odd: being written */
	atomic_int claim;	/* a writer holds the slot */
	int fd;
	int family;
	int proto;
	struct localshow_own own;
	uint16_t hport;
};

static struct lsn tab[LSNTAB_SLOTS];
static atomic_int used;	/* slots ever filled */

/* sock_u64() - a 64-bit socket option of @fd, 0 if none */
static uint64_t sock_u64(int fd, int opt)
{
	uint64_t v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) || len != sizeof(v))
		return 0;
	return v;
}

/* sock_int() - an int socket option of @fd, -1 if none */
static int sock_int(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len))
		return -1;
	return v;
}

/* read_slot() - a consistent copy of slot @i; false if free or being
 * written */
static bool read_slot(int i, struct lsn *out)
{
	for (int tries = 0; tries < 4; tries++) {
		unsigned int s = atomic_load_explicit(&tab[i].seq, memory_order_acquire);

		if (s & 1)
			continue;
		out->fd = tab[i].fd;
		out->cookie = tab[i].cookie;
		out->netns = tab[i].netns;
		out->hport = tab[i].hport;
		out->family = tab[i].family;
		out->proto = tab[i].proto;
		out->bound = tab[i].bound;
		out->own = tab[i].own;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&tab[i].seq, memory_order_relaxed) == s)
			return out->cookie != 0;
	}
	return false;
}

/* alive() - the listener of @l still holds its fd */
static bool alive(const struct lsn *l)
{
	int saved = errno;
	bool ok = sock_u64(l->fd, SO_COOKIE) == l->cookie;

	errno = saved;
	return ok;
}

void lsntab_add(int fd, const struct sockaddr_storage *bound,
		const struct localshow_own *own)
{
	struct sockaddr_storage host;
	uint64_t cookie, netns;
	int saved = errno, proto = sock_int(fd, SO_PROTOCOL);

	cookie = sock_u64(fd, SO_COOKIE);
	netns = sock_u64(fd, SO_NETNS_COOKIE);
	if (!cookie || !netns || kernel_name(fd, &host) ||
	    (host.ss_family != AF_INET && host.ss_family != AF_INET6)) {
		errno = saved;
		return;
	}
	for (int i = 0; i < LSNTAB_SLOTS; i++) {
		struct lsn cur;
		int expect = 0;

		if (read_slot(i, &cur) && cur.fd != fd && alive(&cur))
			continue;
		if (!atomic_compare_exchange_strong(&tab[i].claim, &expect, 1))
			continue;
		atomic_fetch_add_explicit(&tab[i].seq, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		tab[i].fd = fd;
		tab[i].cookie = cookie;
		tab[i].netns = netns;
		tab[i].hport = sa_port((const struct sockaddr *)&host);
		tab[i].family = host.ss_family;
		tab[i].proto = proto;
		tab[i].bound = *bound;
		tab[i].own = *own;
		atomic_fetch_add_explicit(&tab[i].seq, 1, memory_order_release);
		atomic_store(&tab[i].claim, 0);
		for (int u = atomic_load(&used);
		     u < i + 1 && !atomic_compare_exchange_weak(&used, &u, i + 1);)
			; /* raise it to i + 1, never lower it */
		break;
	}
	errno = saved;
}

bool lsntab_name(int fd, struct sockaddr_storage *shown)
{
	struct sockaddr_storage local;
	int n = atomic_load(&used), saved = errno;
	uint64_t cookie = 0;
	bool found = false;

	if (!n)
		return false;
	if (kernel_name(fd, &local) ||
	    (local.ss_family != AF_INET && local.ss_family != AF_INET6))
		goto out;
	for (int i = 0; i < n && !found; i++) {
		struct lsn l;

		if (!read_slot(i, &l) || l.family != local.ss_family ||
		    l.hport != sa_port((const struct sockaddr *)&local))
			continue;
		if (!cookie)
			cookie = sock_u64(fd, SO_COOKIE);
		if (cookie && cookie == l.cookie) {
			*shown = l.bound; /* the listener itself */
			found = true;
		} else if (l.proto == IPPROTO_TCP &&
			   sock_int(fd, SO_PROTOCOL) == IPPROTO_TCP &&
			   sock_int(fd, SO_ACCEPTCONN) == 0 &&
			   sock_u64(fd, SO_NETNS_COOKIE) == l.netns && alive(&l)) {
			localshow_accepted(&l.bound,
					   sa_port((const struct sockaddr *)&l.bound),
					   &local, &l.own, shown);
			found = true;
		}
	}
out:
	errno = saved;
	return found;
}
