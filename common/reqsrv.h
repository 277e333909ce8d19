/* SPDX-License-Identifier: GPL-2.0-or-later
 * reqsrv.h - the request server a launcher starts beside its supervisor
 */
#ifndef B4NS_REQSRV_H
#define B4NS_REQSRV_H

#include "container.h"

/**
 * struct reqsrv_ops - a server of switch requests that container processes
 * send over a socket (libb4ns.so's, preload-path/server.c)
 * @serve_channel:	serve requests on @fd, one end of a socketpair the
 *			container processes inherit; @fd is owned by the
 *			server from then on (closed on error). Returns 0 or
 *			negative errno
 * @serve_path:		accept request channels on a socket path (an
 *			existing socket file there is replaced). Returns the
 *			listening socket or negative errno
 *
 * The program links the implementation in and it registers itself
 * (reqsrv_register()); the launcher and the daemon only call through here,
 * so preload-path/ and seccomp-path/ meet in common/ alone.
 */
struct reqsrv_ops {
	int (*serve_channel)(struct registry *r, int fd);
	int (*serve_path)(struct registry *r, const char *path);
};

/**
 * reqsrv_register() - make @ops the program's request server
 * @ops:	its operations (static storage)
 */
void reqsrv_register(const struct reqsrv_ops *ops);

/**
 * reqsrv_serve_channel() - serve requests on an inherited channel
 * @r:		containers the requests may come from
 * @fd:		our end of the socketpair, owned from now on
 *
 * Return: 0, -ENOTSUP if the program has no request server, or negative
 * errno
 */
int reqsrv_serve_channel(struct registry *r, int fd);

/**
 * reqsrv_serve_path() - accept request channels on a socket path
 * @r:		containers the requests may come from
 * @path:	socket path
 *
 * Return: the listening socket, -ENOTSUP if the program has no request
 * server, or negative errno
 */
int reqsrv_serve_path(struct registry *r, const char *path);

#endif /* B4NS_REQSRV_H */
