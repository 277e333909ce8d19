// SPDX-License-Identifier: GPL-2.0-or-later
/* notify.c - the seccomp supervisor: serve containers' notify fds
 *
 * Theory of operation: every notify fd of a container (its init process,
 * and every exec for the daemon) is watched in the registry's event loop
 * (common/loop.c). A notification is received, dispatched by syscall number
 * to a handler (handlers.c) and, in most cases, answered at once. An answer
 * that must wait (a blocking connect() that was switched, a send with no
 * room, a task-context helper) is not waited for here: its socket or pipe
 * joins the loop and the answer is sent when it is ready or the container's
 * SO_SNDTIMEO expires, so one slow peer never delays other notifications.
 *
 * A notify fd reporting EPOLLHUP has no task left; it is closed with every
 * wait that came from it, and the container goes with its last notify fd.
 * Waits whose task was interrupted (signal, kill) are found by a periodic
 * SECCOMP_IOCTL_NOTIF_ID_VALID sweep, the loop's tick, and freed.
 *
 * With a ledger (the daemon's keeper, keeper/keeper.c), the id of every
 * notification received is written into a free slot of it until its answer
 * has been sent: if this process dies, the keeper answers those.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "accept.h"
#include "err.h"
#include "handlers.h"
#include "log.h"
#include "notify.h"
#include "proc.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define SWEEP_MS 250

/**
 * struct notify - the seccomp supervisor of a registry
 * @reg:	the registry
 * @loop:	its loop
 * @waits:	answers waiting for an event
 * @last_check:	time of the last SECCOMP_IOCTL_NOTIF_ID_VALID sweep
 * @ledger:	ids received and not answered (shared with a keeper), or NULL
 * @n_ledger:	slots of @ledger
 * @hint:	where to look for a free slot first
 */
struct notify {
	struct registry *reg;
	struct loop *loop;
	struct notif_wait *waits;
	struct timespec last_check;
	uint64_t *ledger;
	size_t n_ledger;
	size_t hint;
};

/**
 * struct notif_ctr - what the supervisor keeps of one container
 * (container->path)
 * @n:		the supervisor
 * @fds:	its notify fds
 * @rw:		addresses to show for redirected sockets
 * @n_waits:	its answers waiting in the loop
 * @trap_names:	getsockname()/getpeername() are trapped for it
 * @stash:	connections accepted for its tasks, not taken yet
 */
struct notif_ctr {
	struct notify *n;
	struct notif_fd *fds;
	struct rewrite_table rw;
	struct accept_stash stash;
	int n_waits;
	bool trap_names;
};

/**
 * struct notif_fd - one seccomp notify fd
 * @fd:		the notify fd
 * @watch:	its watch in the loop
 * @c:		container it belongs to
 * @next:	next fd of the container
 */
struct notif_fd {
	int fd;
	struct loop_watch *watch;
	struct container *c;
	struct notif_fd *next;
};

/**
 * struct notif_wait - a notification whose answer waits for an event
 * @id:		notification id
 * @nfd:	notify fd it came from
 * @watch:	the watch of @hw.sock
 * @hw:		what it waits for (handlers.h)
 * @slot:	its slot in the ledger, or -1
 * @next:	next wait of the supervisor
 */
struct notif_wait {
	uint64_t id;
	long slot;
	struct notif_fd *nfd;
	struct loop_watch *watch;
	struct handler_wait hw;
	struct notif_wait *next;
};

static inline struct notif_ctr *ctr_of(const struct container *c)
{
	return c->path;
}

/* ledger_put() - note @id as received; its slot, -1 if none is free */
static long ledger_put(struct notify *n, uint64_t id)
{
	for (size_t k = 0; k < n->n_ledger; k++) {
		size_t i = (n->hint + k) % n->n_ledger;

		if (!n->ledger[i]) {
			n->ledger[i] = id;
			n->hint = i;
			return (long)i;
		}
	}
	return -1;
}

/* ledger_clear() - its answer is sent (or the task is gone) */
static void ledger_clear(struct notify *n, long slot)
{
	if (slot >= 0 && n->ledger)
		n->ledger[slot] = 0;
}

void notify_set_ledger(struct notify *n, uint64_t *ledger, size_t slots)
{
	n->ledger = ledger;
	n->n_ledger = ledger ? slots : 0;
	n->hint = 0;
}

static void wait_free(struct notify *n, struct notif_wait *w)
{
	struct notif_wait **pp;

	for (pp = &n->waits; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	loop_del(n->loop, w->watch);
	handler_wait_release(&w->hw);
	ledger_clear(n, w->slot);
	ctr_of(w->nfd->c)->n_waits--;
	free(w);
}

/* nfd_free() - close a notify fd and its waits; the container goes with its
 * last one */
static void nfd_free(struct notify *n, struct notif_fd *nf)
{
	struct container *c = nf->c;
	struct notif_ctr *nc = ctr_of(c);
	struct notif_wait *w, *next;
	struct notif_fd **pp;

	for (w = n->waits; w; w = next) {
		next = w->next;
		if (w->nfd == nf)
			wait_free(n, w);
	}
	for (pp = &nc->fds; *pp; pp = &(*pp)->next) {
		if (*pp == nf) {
			*pp = nf->next;
			break;
		}
	}
	loop_del(n->loop, nf->watch);
	close(nf->fd);
	free(nf);
	if (!nc->fds && !c->gone)
		container_free(n->reg, c);
}

/* ctr_free() - container->path_free: the container is going */
static void ctr_free(struct container *c)
{
	struct notif_ctr *nc = ctr_of(c);

	while (nc->fds)
		nfd_free(nc->n, nc->fds);
	rewrite_free(&nc->rw);
	accept_stash_free(&nc->stash);
	free(nc);
	c->path = NULL;
	c->path_free = NULL;
}

int notify_new(struct registry *r, struct notify **out)
{
	struct notify *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->reg = r;
	n->loop = registry_loop(r);
	*out = n;
	return 0;
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	loop_set_tick(n->loop, NULL, NULL);
	while (n->waits)
		wait_free(n, n->waits);
	free(n);
}

int notify_n_fds(const struct container *c)
{
	int k = 0;

	if (c->path_free != ctr_free)
		return 0;
	for (const struct notif_fd *nf = ctr_of(c)->fds; nf; nf = nf->next)
		k++;
	return k;
}

static void send_answer(struct notif_fd *nf, struct seccomp_notif_resp *resp)
{
	if (ioctl(nf->fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
		b4_warn("container %s: answering notification: %s", nf->c->id,
			strerror(errno));
}

static void on_wait(struct loop *l, int fd, uint32_t events, void *arg);

static void wait_add(struct notify *n, struct notif_fd *nf, uint64_t id,
		     long slot, struct handler_wait *hw)
{
	struct notif_wait *w = calloc(1, sizeof(*w));
	uint32_t events = hw->kind == HWAIT_HELPER ||
				  hw->kind == HWAIT_ACCEPT ? EPOLLIN : EPOLLOUT;
	struct seccomp_notif_resp resp = { .id = id };
	int ret = -ENOMEM;

	if (w) {
		w->id = id;
		w->slot = slot;
		w->nfd = nf;
		w->hw = *hw;
		ret = loop_add(n->loop, w->hw.sock, events, on_wait, w,
			       &w->watch);
		if (!ret) {
			w->next = n->waits;
			n->waits = w;
			ctr_of(nf->c)->n_waits++;
			return;
		}
		free(w);
	}
	b4_err("container %s: cannot wait for a socket: %s", nf->c->id,
	       strerror(-ret));
	nf->c->st.errors++;
	handler_wait_release(hw);
	resp.error = -ENOMEM;
	send_answer(nf, &resp);
	ledger_clear(n, slot);
}

/* on_wait() - what a wait waited for happened: answer, or wait on */
static void on_wait(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct notif_wait *w = arg;
	struct notify *n = ctr_of(w->nfd->c)->n;
	struct seccomp_notif_resp resp = { .id = w->id };
	enum handler_result r;

	/* a helper's answer is final and its pipe is closed by
	 * handler_wait_event(): out of epoll first, while the fd is still
	 * ours (a helper forked meanwhile may hold a copy of the pipe, which
	 * would keep a closed fd's registration alive) */
	if (w->hw.kind == HWAIT_HELPER)
		loop_del(n->loop, w->watch);
	/* an accept's answer writes the task's memory: bounded per container
	 * here too, or one container's stalled pages take every reader */
	proc_read_owner(w->nfd->c);
	r = handler_wait_event(&w->hw, w->nfd->fd, w->id, &resp);
	proc_read_owner(NULL);
	switch (r) {
	case HANDLER_WAIT:
		return;
	case HANDLER_ANSWER:
		send_answer(w->nfd, &resp);
		break;
	case HANDLER_DROP:
		break;
	}
	wait_free(n, w);
}

static void handle_notification(struct notify *n, struct notif_fd *nf)
{
	struct container *c = nf->c;
	struct notif_ctr *nc = ctr_of(c);
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct handler_wait hw = { .sock = -1 };
	struct handler_ctx ctx;
	enum handler_result r;
	long slot;

	memset(&req, 0, sizeof(req));
	if (ioctl(nf->fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		/* ENOENT: the task was interrupted before we got it */
		if (errno != ENOENT && errno != EINTR)
			b4_debug("container %s: receiving notification: %s",
				 c->id, strerror(errno));
		return;
	}
	slot = ledger_put(n, req.id);
	c->st.notifications++;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	ctx.notify_fd = nf->fd;
	ctx.req = &req;
	/* a passthrough container is unswitched, but never CONTINUE: its
	 * calls are performed like any kept call (a host socket could reach
	 * it by SCM_RIGHTS) with a policy that keeps everything */
	ctx.pol = container_policy(c);
	ctx.pstate = &c->state;
	ctx.rw = nc->trap_names && !c->passthrough ? &nc->rw : NULL;
	ctx.netns_id = c->netns_id;
	ctx.self_netns_id = registry_self_netns(n->reg);
	ctx.st = &c->st;
	ctx.stash = &nc->stash;
	ctx.waits = nc->n_waits;

	/* reads of this container's memory are bounded per container: one
	 * stuck on its own FUSE page cannot use up the readers of others */
	proc_read_owner(c);
	r = handler_dispatch(&ctx, &resp, &hw);
	proc_read_owner(NULL);
	if (r == HANDLER_WAIT) {
		wait_add(n, nf, req.id, slot, &hw);
		return;
	}
	if (r == HANDLER_ANSWER)
		send_answer(nf, &resp);
	ledger_clear(n, slot);
}

static void on_notify(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct notif_fd *nf = arg;
	struct notify *n = ctr_of(nf->c)->n;

	if (events & EPOLLIN)
		handle_notification(n, nf);
	else if (events & (EPOLLHUP | EPOLLERR))
		nfd_free(n, nf);
}

static bool ts_passed(const struct timespec *d, const struct timespec *now)
{
	if (!d->tv_sec && !d->tv_nsec)
		return false;
	return now->tv_sec > d->tv_sec ||
	       (now->tv_sec == d->tv_sec && now->tv_nsec >= d->tv_nsec);
}

/* notify_tick() - after each batch: expire SO_SNDTIMEO deadlines and,
 * every SWEEP_MS, drop waits whose task went away (signal, kill); return
 * the next epoll timeout */
static int notify_tick(struct loop *l, void *arg)
{
	struct notify *n = arg;
	struct notif_wait *w, *next;
	struct timespec now;
	long timeout = SWEEP_MS;
	bool check;

	if (!n->waits)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	check = (now.tv_sec - n->last_check.tv_sec) * 1000 +
			(now.tv_nsec - n->last_check.tv_nsec) / 1000000 >= SWEEP_MS;
	if (check)
		n->last_check = now;
	for (w = n->waits; w; w = next) {
		next = w->next;
		if (ts_passed(&w->hw.deadline, &now)) {
			struct seccomp_notif_resp resp = { .id = w->id };

			handler_wait_timeout(&w->hw, &resp);
			send_answer(w->nfd, &resp);
			wait_free(n, w);
			continue;
		}
		if (check && !handler_id_valid(w->nfd->fd, w->id)) {
			b4_debug("container %s: connect abandoned by its task",
				 w->nfd->c->id);
			wait_free(n, w);
			continue;
		}
		if (w->hw.deadline.tv_sec || w->hw.deadline.tv_nsec) {
			long ms = (w->hw.deadline.tv_sec - now.tv_sec) * 1000 +
				  (w->hw.deadline.tv_nsec - now.tv_nsec) / 1000000 + 1;

			if (ms < timeout)
				timeout = ms < 1 ? 1 : ms;
		}
	}
	return n->waits ? (int)timeout : -1;
}

int notify_add_fd(struct notify *n, struct container *c, int fd)
{
	_cleanup_close_ int nfd = fd;
	uint64_t flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
	struct notif_fd *nf;
	int ret;

	if (c->gone)
		return -ESRCH;
	if (!c->path) {
		struct notif_ctr *nc = calloc(1, sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		nc->n = n;
		/* connects to container services are redirected too (the
		 * daemon's profile traps the names of every container) */
		nc->trap_names = c->cfg->n_publish > 0 ||
				 c->cfg->allow_host_loopback || c->peers;
		c->path = nc;
		c->path_free = ctr_free;
		loop_set_tick(n->loop, notify_tick, n);
	} else if (c->path_free != ctr_free) {
		return -EEXIST;
	}
	nf = calloc(1, sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	nf->fd = nfd;
	nf->c = c;
	ret = loop_add(n->loop, nfd, EPOLLIN, on_notify, nf, &nf->watch);
	if (ret) {
		free(nf);
		return ret;
	}
	/* We answer most notifications at once: ask for the faster wake-up */
	if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags))
		b4_debug("SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: %s", strerror(errno));
	take_fd(&nfd);
	nf->next = ctr_of(c)->fds;
	ctr_of(c)->fds = nf;
	return 0;
}

int supervisor_open(struct supervisor *s)
{
	int ret;

	*s = (struct supervisor){ 0 };
	ret = loop_new(&s->loop);
	if (!ret)
		ret = registry_new(s->loop, &s->reg);
	if (!ret)
		ret = notify_new(s->reg, &s->nt);
	if (ret)
		supervisor_close(s);
	return ret;
}

void supervisor_close(struct supervisor *s)
{
	registry_free(s->reg);
	notify_free(s->nt);
	loop_free(s->loop);
	*s = (struct supervisor){ 0 };
}
