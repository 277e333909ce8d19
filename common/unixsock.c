// SPDX-License-Identifier: GPL-2.0-or-later
/* unixsock.c - AF_UNIX sockets by path: the supervisor's listeners, and
 * clients of the daemon, its control socket and slirp4netns' API
 *
 * Listeners are created with umask 077 so that no other user can connect
 * between bind() and chmod(); the directory is the caller's to protect.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "unixsock.h"

int unixsock_listen(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int s = -1;
	mode_t old;
	int ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	unlink(path);
	old = umask(0077);
	ret = bind(s, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret || chmod(path, 0600) || listen(s, 128))
		return -errno;
	return take_fd(&s);
}

int unixsock_connect(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int s = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return take_fd(&s);
}
