/* SPDX-License-Identifier: GPL-2.0-or-later
 * lsntab.h - libb4ns.so's table of the published listeners it bound, for
 * getsockname()
 */
#ifndef B4NS_LSNTAB_H
#define B4NS_LSNTAB_H

#include <sys/socket.h>

#include "localshow.h"

/**
 * lsntab_add() - note a listener bound through the supervisor
 * @fd:		the application's fd, now the host socket
 * @bound:	the address the container asked for (its port: the
 *		container port)
 * @own:	the container's own addresses
 *
 * Takes the first free or stale slot; a full table (or a slot being
 * written by a racing thread) leaves the listener out: its getsockname()
 * then shows the host's name, as before.
 */
void lsntab_add(int fd, const struct sockaddr_storage *bound,
		const struct localshow_own *own);

/**
 * lsntab_name() - the container-side name of @fd, if it is a listener of
 * the table or a TCP connection accepted on one
 * @fd:		a socket of the application
 * @shown:	result
 *
 * Return: true with @shown set; false (errno unchanged) if @fd is neither
 */
bool lsntab_name(int fd, struct sockaddr_storage *shown);

#endif /* B4NS_LSNTAB_H */
