/* SPDX-License-Identifier: GPL-2.0-or-later
 * rewrite.h - addresses a container must see for sockets b4ns redirected
 */
#ifndef B4NS_REWRITE_H
#define B4NS_REWRITE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define REWRITE_MAX 4096

/**
 * struct rewrite_entry - one redirected socket
 * @cookie:	SO_COOKIE of the host socket (unique for the boot, never
 *		reused, so a stale entry can never match another socket)
 * @peer:	true: getpeername() answer; false: getsockname() answer
 * @addr:	the address the container asked for
 */
struct rewrite_entry {
	uint64_t cookie;
	bool peer;
	struct sockaddr_storage addr;
};

/**
 * struct rewrite_table - a container's redirected sockets, a ring: when
 * full, the oldest entries (most likely of closed sockets) go first
 * @e:		entries
 * @n:		entries used
 * @next:	slot the next entry replaces once full
 */
struct rewrite_table {
	struct rewrite_entry *e;
	int n;
	int next;
};

/**
 * rewrite_add() - remember the address the container asked for
 * @t:		table
 * @cookie:	SO_COOKIE of the host socket
 * @peer:	getpeername() (true) or getsockname() (false) answer
 * @addr:	the container's address
 *
 * Return: 0 or -ENOMEM
 */
int rewrite_add(struct rewrite_table *t, uint64_t cookie, bool peer,
		const struct sockaddr_storage *addr);

/**
 * rewrite_find() - the address to show for a socket
 * @t:		table
 * @cookie:	SO_COOKIE of the socket
 * @peer:	getpeername() (true) or getsockname() (false)
 *
 * Return: the address of the newest entry for (@cookie, @peer), or NULL if
 * the socket was not redirected
 */
const struct sockaddr_storage *rewrite_find(const struct rewrite_table *t,
					    uint64_t cookie, bool peer);

/**
 * rewrite_free() - release a table
 * @t:	table
 */
void rewrite_free(struct rewrite_table *t);

/**
 * rewrite_cookie() - SO_COOKIE of a socket
 * @sock:	socket
 * @cookie:	result
 *
 * Return: 0 or negative errno
 */
int rewrite_cookie(int sock, uint64_t *cookie);

#endif /* B4NS_REWRITE_H */
