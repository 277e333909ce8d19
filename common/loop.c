// SPDX-License-Identifier: GPL-2.0-or-later
/* loop.c - the supervisor's event loop
 *
 * Theory of operation: one epoll set; every watched fd has a struct
 * loop_watch (its callback and argument) as its epoll data. A batch of up to
 * 32 events is dispatched in order. A callback may take any object out of
 * service, including ones whose events are later in the same batch: a
 * removed watch is only marked dead (its pending events are skipped) and
 * freed after the batch, and objects of the callers' own (containers,
 * pending answers) are freed by loop_defer() callbacks run at the same
 * point. After the batch the tick, if any, runs and gives the next timeout
 * (the seccomp supervisor expires its waiting answers there).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "err.h"
#include "loop.h"

/**
 * struct loop_watch - one watched fd
 * @fd:		descriptor
 * @fn:		callback
 * @arg:	callback argument
 * @dead:	removed: skip its events, free it after the batch
 * @next:	next watch of the loop
 */
struct loop_watch {
	int fd;
	loop_fn fn;
	void *arg;
	bool dead;
	struct loop_watch *next;
};

/**
 * struct loop_defer - a call to make after the batch
 * @fn:		function
 * @arg:	its argument
 * @next:	next (calls are made in the order they were deferred)
 */
struct loop_defer {
	void (*fn)(void *);
	void *arg;
	struct loop_defer *next;
};

/**
 * struct loop - the event loop
 * @epfd:	epoll set
 * @stop:	set by loop_stop()
 * @watches:	every watch, live and dead
 * @n_dead:	dead watches not freed yet
 * @defers:	calls deferred to the end of the batch (first)
 * @defers_tail: where the next one goes
 * @tick:	called after each batch
 * @tick_arg:	its argument
 */
struct loop {
	int epfd;
	bool stop;
	struct loop_watch *watches;
	int n_dead;
	struct loop_defer *defers;
	struct loop_defer **defers_tail;
	loop_tick_fn tick;
	void *tick_arg;
};

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int ret = -errno;

		free(l);
		return ret;
	}
	l->defers_tail = &l->defers;
	*out = l;
	return 0;
}

/* run_deferred() - make the deferred calls, including ones they defer */
static void run_deferred(struct loop *l)
{
	while (l->defers) {
		struct loop_defer *d = l->defers;

		l->defers = d->next;
		if (!l->defers)
			l->defers_tail = &l->defers;
		d->fn(d->arg);
		free(d);
	}
}

/* reap_watches() - free the watches removed during the last batch */
static void reap_watches(struct loop *l)
{
	struct loop_watch **pp = &l->watches;

	while (l->n_dead && *pp) {
		struct loop_watch *w = *pp;

		if (w->dead) {
			*pp = w->next;
			free(w);
			l->n_dead--;
		} else {
			pp = &w->next;
		}
	}
}

void loop_free(struct loop *l)
{
	struct loop_watch *w, *next;

	if (!l)
		return;
	run_deferred(l);
	for (w = l->watches; w; w = next) {
		next = w->next;
		free(w);
	}
	close(l->epfd);
	free(l);
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fn fn, void *arg,
	     struct loop_watch **out)
{
	struct loop_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = events };

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int ret = -errno;

		free(w);
		return ret;
	}
	w->next = l->watches;
	l->watches = w;
	if (out)
		*out = w;
	return 0;
}

void loop_del(struct loop *l, struct loop_watch *w)
{
	if (!w || w->dead)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	l->n_dead++;
}

void loop_del_fd(struct loop *l, int fd)
{
	for (struct loop_watch *w = l->watches; w; w = w->next) {
		if (w->fd == fd && !w->dead) {
			loop_del(l, w);
			return;
		}
	}
}

int loop_defer(struct loop *l, void (*fn)(void *), void *arg)
{
	struct loop_defer *d = malloc(sizeof(*d));

	if (!d) {
		fn(arg);
		return -ENOMEM;
	}
	d->fn = fn;
	d->arg = arg;
	d->next = NULL;
	*l->defers_tail = d;
	l->defers_tail = &d->next;
	return 0;
}

void loop_set_tick(struct loop *l, loop_tick_fn fn, void *arg)
{
	l->tick = fn;
	l->tick_arg = arg;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[32];
	int timeout = -1;

	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, ARRAY_SIZE(evs), timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct loop_watch *w = evs[i].data.ptr;

			/* taken out by an earlier callback of this batch */
			if (w->dead)
				continue;
			w->fn(l, w->fd, evs[i].events, w->arg);
		}
		run_deferred(l);
		reap_watches(l);
		timeout = l->tick ? l->tick(l, l->tick_arg) : -1;
	}
	return 0;
}
