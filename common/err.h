/* SPDX-License-Identifier: GPL-2.0-or-later
 * err.h - error and cleanup helpers shared by every b4ns module
 *
 * Functions return 0 (or a non-negative value) on success and a negative errno
 * on failure. Resources that must be released on every path are declared
 * with the cleanup attributes below, so early returns cannot leak them.
 */
#ifndef B4NS_ERR_H
#define B4NS_ERR_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/**
 * closep() - close *fd if it is open, for __attribute__((cleanup))
 * @fd:	pointer to the descriptor; -1 means "nothing to close"
 */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
		*fd = -1;
	}
}

/**
 * freep() - free *p, for __attribute__((cleanup))
 * @p:	pointer to the pointer to free
 */
static inline void freep(void *p)
{
	free(*(void **)p);
	*(void **)p = NULL;
}

#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_free_ __attribute__((cleanup(freep)))

/**
 * take_fd() - hand ownership of a cleanup-managed descriptor to the caller
 * @fd:	pointer to the descriptor, set to -1
 *
 * Return: the descriptor
 */
static inline int take_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

#endif /* B4NS_ERR_H */
