/* SPDX-License-Identifier: GPL-2.0-or-later
 * err.h - error and cleanup helpers shared by every b4ns module
 *
 * The one error convention of b4ns: functions return 0 (or a non-negative
 * value) on success and a negative errno on failure. A function that can fail
 * for a reason the user must read (bad configuration, flags, OCI state, a
 * refused request) also takes a struct b4_error and writes the message there,
 * with the context it knows; callers add theirs with b4_error_prefix(). Only
 * the cmd_*() functions and the event loop log, once, where the outcome is
 * decided. Resources that must be released on every path are declared with
 * the cleanup attributes below, so early returns cannot leak them.
 */
#ifndef B4NS_ERR_H
#define B4NS_ERR_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
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

/**
 * fclosep() - close *f if it is open, for __attribute__((cleanup))
 * @f:	pointer to the stream; NULL means "nothing to close"
 */
static inline void fclosep(FILE **f)
{
	if (*f) {
		fclose(*f);
		*f = NULL;
	}
}

/**
 * killp() - kill and reap child *pid if it is set, for
 * __attribute__((cleanup)): a failed start leaves no child behind
 * @pid:	pointer to the child's pid; 0 or less means "no child"
 */
static inline void killp(pid_t *pid)
{
	if (*pid > 0) {
		int saved = errno;

		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = saved;
		*pid = 0;
	}
}

#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))
#define _cleanup_child_ __attribute__((cleanup(killp)))

/**
 * B4_NOINTR() - evaluate @expr again while it fails with EINTR
 * @expr:	a system call returning -1 and setting errno on failure
 */
#define B4_NOINTR(expr)                                                        \
	({                                                                     \
		long _b4_r;                                                    \
		do                                                             \
			_b4_r = (long)(expr);                                  \
		while (_b4_r == -1 && errno == EINTR);                         \
		_b4_r;                                                         \
	})

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

/**
 * take_pid() - hand ownership of a cleanup-managed child to the caller
 * @pid:	pointer to the pid, set to 0
 *
 * Return: the pid
 */
static inline pid_t take_pid(pid_t *pid)
{
	pid_t r = *pid;

	*pid = 0;
	return r;
}

/**
 * struct b4_error - why something failed, in words for the user
 * @msg:	the message, naming the input at fault and its context;
 *		empty while nothing failed
 */
struct b4_error {
	char msg[512];
};

/**
 * b4_error_set() - record why an operation failed
 * @e:		where to write, may be NULL (the caller wants the errno only)
 * @err:	negative errno to return
 * @fmt:	printf-style message
 *
 * Return: @err, so that "return b4_error_set(e, -EINVAL, ...)" reads well
 */
int b4_error_set(struct b4_error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * b4_error_about() - record "WHAT 'SPEC': MESSAGE", for a parser's errors
 * @e:		where to write, may be NULL
 * @what:	what was parsed ("publish spec", "egress rule")
 * @spec_max:	at most this many characters of @spec are shown
 * @spec:	the text as given
 * @fmt:	printf-style MESSAGE
 *
 * Return: -EINVAL
 */
int b4_error_about(struct b4_error *e, const char *what, int spec_max,
		   const char *spec, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/**
 * b4_error_prefix() - put the caller's context before a recorded message
 * @e:		error, may be NULL
 * @err:	negative errno to return; if @e holds no message yet, the
 *		message becomes the context and strerror(-@err)
 * @fmt:	printf-style context ("container %s")
 *
 * Return: @err
 */
int b4_error_prefix(struct b4_error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * b4_error_msg() - the message to show for a failure
 * @e:		error, may be NULL
 * @err:	the negative errno it came with
 *
 * Return: the recorded message, or strerror(-@err) if there is none
 */
const char *b4_error_msg(const struct b4_error *e, int err);

#endif /* B4NS_ERR_H */
