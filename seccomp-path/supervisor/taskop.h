/* SPDX-License-Identifier: GPL-2.0-or-later
 * taskop.h - perform a socket call in the context of a trapped task
 */
#ifndef B4NS_TASKOP_H
#define B4NS_TASKOP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

enum taskop_kind {
	TASKOP_CONNECT = 0,
	TASKOP_BIND,
	TASKOP_SENDTO,
};

/**
 * struct taskop - one call to perform on behalf of a task
 * @kind:	connect(), bind() or sendto()
 * @tid:	the trapped task
 * @sock:	our duplicate of the task's socket
 * @addr:	the address, copied once from the task
 * @addrlen:	its length as the task gave it
 * @data:	sendto() payload, copied once from the task
 * @len:	its length
 * @flags:	sendto() flags
 */
struct taskop {
	enum taskop_kind kind;
	pid_t tid;
	int sock;
	const struct sockaddr *addr;
	socklen_t addrlen;
	const void *data;
	size_t len;
	int flags;
};

/**
 * taskop_same_context() - would the supervisor itself act exactly as @tid?
 * @tid:	the trapped task
 *
 * True when the task has the supervisor's file-system credentials and
 * supplementary groups, its root directory and its mount namespace: then a
 * call that depends on credentials (AF_UNIX permissions, SO_PEERCRED's uid
 * and gid) may be performed by the supervisor on its duplicate.
 *
 * Return: true or false (false when anything cannot be read)
 */
bool taskop_same_context(pid_t tid);

/**
 * taskop_has_cap() - does @tid hold capability @cap (CapEff, in its own user
 * namespace)?
 * @tid:	the trapped task
 * @cap:	CAP_* number
 *
 * Return: true or false (false when it cannot be read)
 */
bool taskop_has_cap(pid_t tid, int cap);

/**
 * taskop_start() - perform @op in a short-lived helper in @op->tid's context
 * @op:		the call
 * @helper:	out: a pidfd of the helper (taskop_finish() closes it)
 *
 * The helper is forked from the supervisor, enters the task's user and
 * mount namespaces, its root and working directory, takes its file-system
 * uid/gid, groups and umask, and makes the call with the task's own bytes,
 * so AF_UNIX paths resolve exactly as they would natively (never in the
 * supervisor's view of the file system) and the peer sees the task's
 * credentials. The helper may block (a blocking connect()) without blocking
 * the supervisor.
 *
 * Return: a pipe to watch for EPOLLIN (O_CLOEXEC, owned by the caller), or
 * negative errno
 */
int taskop_start(const struct taskop *op, int *helper);

/**
 * taskop_finish() - collect a helper's result
 * @pipefd:	the pipe from taskop_start()
 * @helper:	its pidfd; the helper is reaped (killed first if @abandon)
 *		and the pidfd closed
 * @abandon:	the task went away: kill the helper
 *
 * Return: the call's result (>= 0) or negative errno
 */
ssize_t taskop_finish(int pipefd, int helper, bool abandon);

#endif /* B4NS_TASKOP_H */
