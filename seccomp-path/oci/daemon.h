/* SPDX-License-Identifier: GPL-2.0-or-later
 * daemon.h - the OCI listener daemon and its control socket
 */
#ifndef B4NS_DAEMON_H
#define B4NS_DAEMON_H

#include <stddef.h>

/**
 * daemon_ctl_path() - the control socket beside a listener socket
 * @sock:	listener socket path
 * @buf:	result: same directory, "b4ns.ctl"
 * @len:	size of @buf
 *
 * Return: 0, -EINVAL or -ENAMETOOLONG
 */
int daemon_ctl_path(const char *sock, char *buf, size_t len);

#endif /* B4NS_DAEMON_H */
