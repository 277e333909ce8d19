/* SPDX-License-Identifier: GPL-2.0-or-later
 * unixsock.h - AF_UNIX sockets by path: listeners and clients
 */
#ifndef B4NS_UNIXSOCK_H
#define B4NS_UNIXSOCK_H

/**
 * unixsock_listen() - listen on an AF_UNIX socket at @path, mode 0600
 * @path:	socket path; a stale socket file there is replaced
 * @type:	SOCK_STREAM or SOCK_SEQPACKET
 *
 * The socket is non-blocking and close-on-exec.
 *
 * Return: the listening socket, or negative errno (-ENAMETOOLONG for a
 * path that does not fit sun_path)
 */
int unixsock_listen(const char *path, int type);

/**
 * unixsock_connect() - connect to the AF_UNIX socket at @path
 * @path:	socket path
 * @type:	SOCK_STREAM or SOCK_SEQPACKET
 *
 * The socket is blocking and close-on-exec.
 *
 * Return: the connected socket, or negative errno (-ENAMETOOLONG for a
 * path that does not fit sun_path, -ENOENT/-ECONNREFUSED when nothing
 * listens there)
 */
int unixsock_connect(const char *path, int type);

#endif /* B4NS_UNIXSOCK_H */
