/* SPDX-License-Identifier: GPL-2.0-or-later
 * notify.h - the seccomp supervisor: serve containers' notify fds
 */
#ifndef B4NS_NOTIFY_H
#define B4NS_NOTIFY_H

#include <stddef.h>

#include "container.h"
#include "loop.h"

struct notify;

/**
 * notify_new() - the seccomp supervisor of a registry's containers
 * @r:		registry (its loop serves the notify fds)
 * @out:	the supervisor
 *
 * Return: 0 or negative errno
 */
int notify_new(struct registry *r, struct notify **out);

/**
 * notify_free() - free the supervisor; call after registry_free() (which
 * closes the containers' notify fds and their waiting answers)
 * @n:		supervisor, may be NULL
 */
void notify_free(struct notify *n);

/**
 * notify_add_fd() - serve a seccomp notify fd of container @c
 * @n:		supervisor
 * @c:		container (lives while it has notify fds: it is freed when
 *		the last one hangs up)
 * @fd:		notify fd, owned by the supervisor from now on (closed on
 *		error)
 *
 * Return: 0 or negative errno
 */
int notify_add_fd(struct notify *n, struct container *c, int fd);

/**
 * notify_n_fds() - live notify fds of a container
 * @c:		container
 *
 * Return: processes or execs holding its filter that are served now
 */
int notify_n_fds(const struct container *c);

/**
 * struct supervisor - what "b4ns run" and the daemon serve containers with
 * @loop:	the event loop
 * @reg:	the containers
 * @nt:		the seccomp supervisor of their notify fds
 */
struct supervisor {
	struct loop *loop;
	struct registry *reg;
	struct notify *nt;
};

/**
 * notify_set_ledger() - write the id of every notification received and
 * not answered yet into @ledger (shared with the daemon's keeper)
 * @n:		the supervisor
 * @ledger:	zeroed slots, or NULL for none
 * @slots:	entries of @ledger
 *
 * A full ledger is not an error: that notification is not noted.
 */
void notify_set_ledger(struct notify *n, uint64_t *ledger, size_t slots);

/**
 * supervisor_open() - create an event loop, a registry and its supervisor
 * @s:		filled in; on failure everything is released
 *
 * Return: 0 or negative errno
 */
int supervisor_open(struct supervisor *s);

/**
 * supervisor_close() - free the containers (closing their notify fds and
 * waiting answers), the supervisor and the loop, in that order
 * @s:		as filled by supervisor_open(); may be zeroed
 */
void supervisor_close(struct supervisor *s);

#endif /* B4NS_NOTIFY_H */
