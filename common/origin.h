/* SPDX-License-Identifier: GPL-2.0-or-later
 * origin.h - which container a host connection to a container service came
 * from, so that the service's accept() can show the container's address
 */
#ifndef B4NS_ORIGIN_H
#define B4NS_ORIGIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct origins;

/**
 * origins_new() - an empty table
 * @out:	the table
 *
 * Return: 0 or -ENOMEM
 */
int origins_new(struct origins **out);

/**
 * origins_free() - free a table
 * @t:		table, may be NULL
 */
void origins_free(struct origins *t);

/**
 * origins_note() - a switched socket of a container was connected to a
 * container service on this node
 * @t:		the table
 * @sock:	the host socket, its connect() started (it has its local port)
 * @to:		the address it connects to (the service's host listener)
 * @shown:	the address the service is to see: the container's own
 *		address and the socket's port
 *
 * Never replaces the entry of a connection that is alive and not accepted.
 *
 * Return: 0; -EAGAIN if every slot the connection may take holds such a
 * connection (its service would see the host side: a caller whose service
 * traps accept() refuses the connect); other negative errno
 */
int origins_note(struct origins *t, int sock, const struct sockaddr *to,
		 const struct sockaddr *shown);

/**
 * origins_find() - the container address behind an accepted host connection
 * @t:		the table
 * @peer:	the accepted socket's peer address (getpeername)
 * @local:	its local address (getsockname)
 * @shown:	result, as noted by origins_note()
 *
 * An entry answers only while the connecting socket it was noted for still
 * exists (its SO_COOKIE, by one sock_diag lookup): a port reused by a later
 * connection of someone else is never taken for the container. It answers
 * once: its slot is free again afterwards (the caller keeps the answer for
 * getpeername()).
 *
 * Return: true if found
 */
bool origins_find(struct origins *t, const struct sockaddr *peer,
		  const struct sockaddr *local, struct sockaddr_storage *shown);

#endif /* B4NS_ORIGIN_H */
