/* SPDX-License-Identifier: GPL-2.0-or-later
 * readall.h - read a file, a pipe or a socket to its end, bounded
 */
#ifndef B4NS_READALL_H
#define B4NS_READALL_H

#include <stddef.h>

/**
 * readall_fd() - read @fd to end of file
 * @fd:		file, pipe or stream socket (blocking)
 * @max:	most bytes accepted
 * @out:	on success a NUL-terminated malloc()ed buffer; free() it
 * @len:	on success, bytes read (not counting the NUL)
 *
 * Return: 0, -errno of read(), -EFBIG beyond @max, -ENOMEM
 */
int readall_fd(int fd, size_t max, char **out, size_t *len);

/**
 * readall_file() - read a whole file into memory
 * @path:	file name, or "-" for standard input
 * @max:	most bytes accepted
 * @out:	on success a NUL-terminated malloc()ed buffer; free() it
 * @len:	on success, bytes read (not counting the NUL)
 *
 * Return: 0, -errno if unreadable, -EFBIG beyond @max, -ENOMEM
 */
int readall_file(const char *path, size_t max, char **out, size_t *len);

#endif /* B4NS_READALL_H */
