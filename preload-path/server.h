/* SPDX-License-Identifier: GPL-2.0-or-later
 * server.h - the supervisor's side of libb4ns.so: the request server
 */
#ifndef B4NS_PRELOAD_SERVER_H
#define B4NS_PRELOAD_SERVER_H

#include <stdbool.h>

#include "notify.h"

/**
 * preload_serve_channel() - serve requests arriving on a request channel
 * @loop:	the supervisor's event loop (containers are looked up there)
 * @fd:		our end of a SOCK_SEQPACKET socketpair whose other end the
 *		container processes inherit; owned by the loop from now on
 *
 * Return: 0 or negative errno
 */
int preload_serve_channel(struct notif_loop *loop, int fd);

/**
 * preload_serve_path() - accept request channels on a socket path
 * @loop:	event loop
 * @path:	where to listen (SOCK_SEQPACKET, mode 0600); an existing
 *		socket file there is replaced
 *
 * Return: the listening socket (owned by the loop), or negative errno
 */
int preload_serve_path(struct notif_loop *loop, const char *path);

#endif /* B4NS_PRELOAD_SERVER_H */
