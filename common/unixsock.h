/* SPDX-License-Identifier: GPL-2.0-or-later
 * unixsock.h - the supervisor's own AF_UNIX listening sockets
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

#endif /* B4NS_UNIXSOCK_H */
