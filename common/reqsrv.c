// SPDX-License-Identifier: GPL-2.0-or-later
/* reqsrv.c - the program's request server, called through its operations
 *
 * Theory of operation: one pointer, set once at start-up by the server's
 * registration (preload-path/server.c registers itself from a constructor
 * when it is linked into the program); every call goes through it.
 */
#include <errno.h>
#include <unistd.h>

#include "reqsrv.h"

static const struct reqsrv_ops *reqsrv;

void reqsrv_register(const struct reqsrv_ops *ops)
{
	reqsrv = ops;
}

int reqsrv_serve_channel(struct registry *r, int fd)
{
	if (!reqsrv) {
		close(fd);
		return -ENOTSUP;
	}
	return reqsrv->serve_channel(r, fd);
}

int reqsrv_serve_path(struct registry *r, const char *path)
{
	if (!reqsrv)
		return -ENOTSUP;
	return reqsrv->serve_path(r, path);
}
