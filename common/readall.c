// SPDX-License-Identifier: GPL-2.0-or-later
/* readall.c - read a file, a pipe or a socket to its end, bounded
 *
 * Theory of operation: the buffer doubles from 64 KiB up to the caller's
 * bound; one byte more than the bound is asked for, so that a longer input
 * is told apart from one of exactly the bound (-EFBIG). Used for OCI
 * configs and seccomp profiles (a file or standard input) and for the
 * daemon's status answer (a socket read to EOF).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "readall.h"

int readall_fd(int fd, size_t max, char **out, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, cap = 0;
	ssize_t r;

	*out = NULL;
	*len = 0;
	for (;;) {
		if (cap - n < 4096) {
			char *nb;

			if (cap >= max + 1)
				return -EFBIG;
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		r = B4_NOINTR(read(fd, buf + n, cap - n));
		if (r < 0)
			return -errno;
		if (!r)
			break;
		n += (size_t)r;
		if (n > max)
			return -EFBIG;
	}
	buf[n] = '\0';
	*len = n;
	*out = buf;
	buf = NULL;
	return 0;
}

int readall_file(const char *path, size_t max, char **out, size_t *len)
{
	_cleanup_close_ int fd = -1;

	*out = NULL;
	*len = 0;
	if (!strcmp(path, "-"))
		return readall_fd(STDIN_FILENO, max, out, len);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return readall_fd(fd, max, out, len);
}
