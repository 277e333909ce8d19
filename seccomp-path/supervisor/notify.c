// SPDX-License-Identifier: GPL-2.0-or-later
/* notify.c - the supervisor's event loop over seccomp notify fds
 *
 * Theory of operation: one epoll set serves every container. A container
 * owns any number of notify fds (its init process, and every exec for the
 * daemon), its policy, and an address monitor socket in its namespace. A
 * notification is received, dispatched by syscall number to a handler and,
 * in most cases, answered at once. A blocking connect() that was switched is
 * not waited for here: its host socket joins the epoll set and the answer is
 * sent when the socket becomes writable or the container's SO_SNDTIMEO
 * expires, so one slow peer never delays other notifications.
 *
 * A notify fd reporting EPOLLHUP has no task left; it is closed with every
 * wait that came from it, and the container goes with its last notify fd.
 * Waits whose task was interrupted (signal, kill) are found by a periodic
 * SECCOMP_IOCTL_NOTIF_ID_VALID sweep and freed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "handlers.h"
#include "hostsock.h"
#include "log.h"
#include "netaddr.h"
#include "notify.h"
#include "proc.h"
#include "switch.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define SWEEP_MS 250

/**
 * struct notif_ev - the head of every object in the epoll set
 * @type:	what the object is
 * @dead:	freed by a callback: its events in the current batch are
 *		skipped, its memory goes after the batch (notif_reap())
 * @grave:	next object waiting for notif_reap()
 */
struct notif_ev {
	enum notif_ev_type type;
	bool dead;
	struct notif_ev *grave;
};

/**
 * struct notif_fd - one seccomp notify fd
 * @ev:		epoll tag
 * @fd:		the notify fd
 * @c:		container it belongs to
 * @next:	next fd of the container
 */
struct notif_fd {
	struct notif_ev ev;
	int fd;
	struct notif_container *c;
	struct notif_fd *next;
};

/**
 * struct notif_wait - a notification whose answer waits for an event
 * @ev:		epoll tag
 * @id:		notification id
 * @nfd:	notify fd it came from
 * @hw:		what it waits for (handlers.h)
 * @next:	next wait of the loop
 */
struct notif_wait {
	struct notif_ev ev;
	uint64_t id;
	struct notif_fd *nfd;
	struct handler_wait hw;
	struct notif_wait *next;
};

/**
 * struct notif_container - one container's state
 * @ev:		epoll tag for the address monitor
 * @id:		name for logs
 * @netns_ino:	its network namespace's inode (to find it by a pid's)
 * @netns_id:	its network namespace's id (hostsock_netns_id(), to
 *		compare sockets')
 * @pol:	its policy
 * @nl_fd:	address monitor, or -1
 * @fds:	its notify fds
 * @st:		counters
 * @rw:		addresses to show for redirected sockets
 * @pub:	host sockets bound for its published ports
 * @n_waits:	its answers waiting in the loop
 * @trap_names:	getsockname()/getpeername() are trapped for it
 * @pid:	first process as registered
 * @passthrough: switch nothing (keep_all_policy())
 * @next:	next container of the loop
 */
struct notif_container {
	struct notif_ev ev;
	char id[128];
	uint64_t netns_ino;
	uint64_t netns_id;
	struct policy_cfg pol;
	int nl_fd;
	struct notif_fd *fds;
	struct notif_stats st;
	struct rewrite_table rw;
	struct switch_pub pub;
	int n_waits;
	bool trap_names;
	pid_t pid;
	bool passthrough;
	struct notif_container *next;
};

/**
 * struct notif_extra - a caller's fd
 * @ev:		epoll tag
 * @fd:		descriptor
 * @fn:		callback
 * @arg:	callback argument
 * @next:	next extra of the loop
 */
struct notif_extra {
	struct notif_ev ev;
	int fd;
	notif_extra_fn fn;
	void *arg;
	struct notif_extra *next;
};

/**
 * struct notif_loop - the event loop
 * @epfd:	epoll set
 * @stop:	set by notif_loop_stop()
 * @stop_when_empty: stop once the last container is gone
 * @self_netns_id: the supervisor's network namespace (hostsock_netns_id())
 * @graves:	objects freed during this batch of events, reaped after it
 * @containers:	live containers
 * @waits:	pending connects
 * @extras:	caller's fds
 * @sizes:	kernel's notification structure sizes
 */
struct notif_loop {
	int epfd;
	bool stop;
	bool stop_when_empty;
	uint64_t self_netns_id;
	struct notif_ev *graves;
	struct notif_container *containers;
	struct notif_wait *waits;
	struct notif_extra *extras;
	struct seccomp_notif_sizes sizes;
};

struct notif_loop *notif_loop_new(void)
{
	struct notif_loop *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		goto fail;
	{
		_cleanup_close_ int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		ret = s < 0 ? -errno : hostsock_netns_id(s, &l->self_netns_id);
	}
	if (ret) {
		errno = -ret;
		goto fail;
	}
	return l;
fail:
	ret = errno;
	if (l->epfd >= 0)
		close(l->epfd);
	free(l);
	errno = ret;
	return NULL;
}

/* bury() - an object that was just taken out of the loop: events of the
 * current batch may still name it, so it is freed after the batch */
static void bury(struct notif_loop *l, struct notif_ev *ev)
{
	ev->dead = true;
	ev->grave = l->graves;
	l->graves = ev;
}

/* notif_reap() - free what callbacks of the last batch took out */
static void notif_reap(struct notif_loop *l)
{
	while (l->graves) {
		struct notif_ev *ev = l->graves;

		l->graves = ev->grave;
		if (ev->type == NOTIF_EV_NETLINK)
			rewrite_free(&((struct notif_container *)ev)->rw);
		free(ev);
	}
}

static void wait_free(struct notif_loop *l, struct notif_wait *w)
{
	struct notif_wait **pp;

	for (pp = &l->waits; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->hw.sock, NULL);
	handler_wait_release(&w->hw);
	w->nfd->c->n_waits--;
	bury(l, &w->ev);
}

static void container_free(struct notif_loop *l, struct notif_container *c)
{
	struct notif_container **pp;

	for (pp = &l->containers; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	b4_info("container %s gone: %llu notifications, %llu switched, "
		"%llu kept, %llu refused, %llu errors", c->id,
		(unsigned long long)c->st.notifications,
		(unsigned long long)c->st.switched,
		(unsigned long long)c->st.kept,
		(unsigned long long)c->st.refused,
		(unsigned long long)c->st.errors);
	if (c->nl_fd >= 0) {
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->nl_fd, NULL);
		close(c->nl_fd);
		c->nl_fd = -1;
	}
	bury(l, &c->ev);
	if (l->stop_when_empty && !l->containers)
		l->stop = true;
}

/* nfd_free() - close a notify fd, its waits, and its container if last */
static void nfd_free(struct notif_loop *l, struct notif_fd *n)
{
	struct notif_container *c = n->c;
	struct notif_wait *w, *next;
	struct notif_fd **pp;

	for (w = l->waits; w; w = next) {
		next = w->next;
		if (w->nfd == n)
			wait_free(l, w);
	}
	for (pp = &c->fds; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	}
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, n->fd, NULL);
	close(n->fd);
	bury(l, &n->ev);
	if (!c->fds)
		container_free(l, c);
}

void notif_loop_free(struct notif_loop *l)
{
	struct notif_extra *e, *enext;

	if (!l)
		return;
	while (l->containers)
		notif_container_free(l, l->containers);
	notif_reap(l);
	for (e = l->extras; e; e = enext) {
		enext = e->next;
		free(e);
	}
	close(l->epfd);
	free(l);
}

int notif_loop_add_extra(struct notif_loop *l, int fd, uint32_t events,
			 notif_extra_fn fn, void *arg)
{
	struct notif_extra *e = calloc(1, sizeof(*e));
	struct epoll_event ev = { .events = events };

	if (!e)
		return -ENOMEM;
	e->ev.type = NOTIF_EV_EXTRA;
	e->fd = fd;
	e->fn = fn;
	e->arg = arg;
	ev.data.ptr = e;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int ret = -errno;

		free(e);
		return ret;
	}
	e->next = l->extras;
	l->extras = e;
	return 0;
}

void notif_loop_stop(struct notif_loop *l)
{
	l->stop = true;
}

void notif_loop_stop_when_empty(struct notif_loop *l)
{
	l->stop_when_empty = true;
	if (!l->containers)
		l->stop = true;
}


struct notif_container *notif_container_find(struct notif_loop *l,
					     const char *id)
{
	for (struct notif_container *c = l->containers; c; c = c->next) {
		if (!strcmp(c->id, id))
			return c;
	}
	return NULL;
}

struct notif_container *notif_container_by_netns(struct notif_loop *l,
						 uint64_t ino)
{
	for (struct notif_container *c = l->containers; c; c = c->next) {
		if (c->netns_ino == ino)
			return c;
	}
	return NULL;
}

const struct policy_cfg *notif_container_policy(const struct notif_container *c)
{
	return &c->pol;
}

struct switch_pub *notif_container_pub(struct notif_container *c)
{
	return &c->pub;
}

uint64_t notif_container_netns(const struct notif_container *c)
{
	return c->netns_id;
}

void notif_container_count(struct notif_container *c, int switched)
{
	c->st.notifications++;
	if (switched > 0)
		c->st.switched++;
	else if (switched == 0)
		c->st.kept++;
	else
		c->st.refused++;
}

uint64_t notif_loop_self_netns(const struct notif_loop *l)
{
	return l->self_netns_id;
}

void notif_container_free(struct notif_loop *l, struct notif_container *c)
{
	while (c->fds && c->fds->next)
		nfd_free(l, c->fds);
	if (c->fds)
		nfd_free(l, c->fds); /* frees c */
	else
		container_free(l, c);
}

void notif_container_set_passthrough(struct notif_container *c)
{
	c->passthrough = true;
}

void notif_loop_visit(struct notif_loop *l,
		      void (*fn)(const struct notif_container_info *, void *),
		      void *arg)
{
	for (struct notif_container *c = l->containers; c; c = c->next) {
		struct notif_container_info ci = {
			.id = c->id, .pid = c->pid, .passthrough = c->passthrough,
			.st = &c->st, .pol = &c->pol,
		};

		for (struct notif_fd *n = c->fds; n; n = n->next)
			ci.n_fds++;
		fn(&ci, arg);
	}
}

void notif_loop_del_extra(struct notif_loop *l, int fd)
{
	for (struct notif_extra *e = l->extras; e; e = e->next) {
		if (e->fd == fd && !e->ev.dead) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			e->ev.dead = true;
			return;
		}
	}
}

/* reap_extras() - free extras removed during the last batch of events */
static void reap_extras(struct notif_loop *l)
{
	struct notif_extra **pp = &l->extras;

	while (*pp) {
		struct notif_extra *e = *pp;

		if (e->ev.dead) {
			*pp = e->next;
			free(e);
		} else {
			pp = &e->next;
		}
	}
}


static void container_refresh_subnets(struct notif_container *c)
{
	int n = netaddr_dump(c->nl_fd, c->pol.local, POLICY_MAX_CIDRS);
	char buf[SA_STRLEN];

	if (n < 0) {
		b4_warn("container %s: cannot read its interface addresses: %s",
			c->id, strerror(-n));
		return;
	}
	c->pol.n_local = n;
	for (int i = 0; i < n; i++)
		b4_debug("container %s: own subnet %s", c->id,
			 sa_cidr_format(&c->pol.local[i], buf, sizeof(buf)));
}

struct notif_container *notif_container_new(struct notif_loop *l,
					    const char *id, pid_t pid,
					    const struct policy_cfg *pol,
					    int nl_fd)
{
	struct notif_container *c = calloc(1, sizeof(*c));
	int ret;

	if (!c) {
		if (nl_fd >= 0)
			close(nl_fd);
		return NULL;
	}
	c->ev.type = NOTIF_EV_NETLINK;
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->pol = *pol;
	c->pol.n_local = 0;
	c->trap_names = pol->n_publish > 0 || pol->allow_host_loopback;
	c->pid = pid;
	c->nl_fd = nl_fd;
	/* The monitor was opened in the container's namespace before exec; the
	 * first process may already have moved to a nested one by now */
	ret = nl_fd >= 0 ? hostsock_netns_ino(nl_fd, &c->netns_ino) :
			   proc_netns_ino(pid, &c->netns_ino);
	if (!ret && nl_fd >= 0)
		ret = hostsock_netns_id(nl_fd, &c->netns_id);
	else if (!ret)
		b4_warn("container %s: no socket of its namespace: nothing will "
			"be switched", id);
	if (ret) {
		b4_err("container %s: cannot find network namespace of pid %d: %s",
		       id, (int)pid, strerror(-ret));
		if (nl_fd >= 0)
			close(nl_fd);
		free(c);
		errno = -ret;
		return NULL;
	}
	if (c->netns_id == l->self_netns_id)
		b4_warn("container %s shares the supervisor's network namespace",
			id);
	if (nl_fd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

		container_refresh_subnets(c);
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, nl_fd, &ev))
			b4_warn("container %s: address changes not watched: %s",
				id, strerror(errno));
	}
	c->next = l->containers;
	l->containers = c;
	return c;
}

int notif_container_add_fd(struct notif_loop *l, struct notif_container *c,
			   int fd)
{
	struct notif_fd *n = calloc(1, sizeof(*n));
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;

	if (!n) {
		close(fd);
		return -ENOMEM;
	}
	n->ev.type = NOTIF_EV_NOTIFY;
	n->fd = fd;
	n->c = c;
	ev.data.ptr = n;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int ret = -errno;

		close(fd);
		free(n);
		return ret;
	}
	/* We answer most notifications at once: ask for the faster wake-up */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags))
		b4_debug("SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: %s", strerror(errno));
	n->next = c->fds;
	c->fds = n;
	return 0;
}

static void send_answer(struct notif_fd *n, struct seccomp_notif_resp *resp)
{
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
		b4_warn("container %s: answering notification: %s", n->c->id,
			strerror(errno));
}

static void wait_add(struct notif_loop *l, struct notif_fd *n, uint64_t id,
		     struct handler_wait *hw)
{
	struct notif_wait *w = calloc(1, sizeof(*w));
	struct epoll_event ev = {
		.events = hw->kind == HWAIT_HELPER ? EPOLLIN : EPOLLOUT,
	};
	struct seccomp_notif_resp resp = { .id = id };

	if (w) {
		w->ev.type = NOTIF_EV_PENDING;
		w->id = id;
		w->nfd = n;
		w->hw = *hw;
		ev.data.ptr = w;
		if (!epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->hw.sock, &ev)) {
			w->next = l->waits;
			l->waits = w;
			n->c->n_waits++;
			return;
		}
		free(w);
	}
	b4_err("container %s: cannot wait for a socket: %s", n->c->id,
	       strerror(errno));
	n->c->st.errors++;
	handler_wait_release(hw);
	resp.error = -ENOMEM;
	send_answer(n, &resp);
}

/* wait_event() - what a wait waited for happened: answer, or wait on */
static void wait_event(struct notif_loop *l, struct notif_wait *w)
{
	struct seccomp_notif_resp resp = { .id = w->id };

	if (handler_wait_event(&w->hw, w->nfd->fd, w->id, &resp) ==
	    HANDLER_WAIT)
		return;
	send_answer(w->nfd, &resp);
	wait_free(l, w);
}

/* keep_all_policy() - the policy of a container the daemon could not
 * configure: nothing is switched, nothing published */
static const struct policy_cfg *keep_all_policy(void)
{
	static struct policy_cfg keep;
	static bool ready;

	if (!ready) {
		policy_default(&keep);
		if (!sa_cidr_parse("0.0.0.0/0", &keep.ignore[0]) &&
		    !sa_cidr_parse("::/0", &keep.ignore[1]))
			keep.n_ignore = 2;
		ready = true;
	}
	return &keep;
}

static void handle_notification(struct notif_loop *l, struct notif_fd *n)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct handler_wait hw = { .sock = -1 };
	struct handler_ctx ctx;
	enum handler_result r;

	memset(&req, 0, sizeof(req));
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		/* ENOENT: the task was interrupted before we got it */
		if (errno != ENOENT && errno != EINTR)
			b4_debug("container %s: receiving notification: %s",
				 n->c->id, strerror(errno));
		return;
	}
	n->c->st.notifications++;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	ctx.notify_fd = n->fd;
	ctx.req = &req;
	ctx.pol = &n->c->pol;
	ctx.pub = &n->c->pub;
	ctx.rw = n->c->trap_names ? &n->c->rw : NULL;
	if (n->c->passthrough) {
		/* unswitched, but never CONTINUE: its calls are performed like
		 * any kept call (a host socket could reach it by SCM_RIGHTS) */
		ctx.pol = keep_all_policy();
		ctx.pub = NULL;
		ctx.rw = NULL;
	}
	ctx.netns_id = n->c->netns_id;
	ctx.self_netns_id = l->self_netns_id;
	ctx.st = &n->c->st;
	ctx.waits = n->c->n_waits;

	/* reads of this container's memory are bounded per container: one
	 * stuck on its own FUSE page cannot use up the readers of others */
	proc_read_owner(n->c);
	r = handler_dispatch(&ctx, &resp, &hw);
	proc_read_owner(NULL);
	if (r == HANDLER_ANSWER)
		send_answer(n, &resp);
	else if (r == HANDLER_WAIT)
		wait_add(l, n, req.id, &hw);
}

static bool ts_passed(const struct timespec *d, const struct timespec *now)
{
	if (!d->tv_sec && !d->tv_nsec)
		return false;
	return now->tv_sec > d->tv_sec ||
	       (now->tv_sec == d->tv_sec && now->tv_nsec >= d->tv_nsec);
}

/* sweep() - expire SO_SNDTIMEO deadlines and, every SWEEP_MS, drop waits
 * whose task went away (signal, kill); return the next epoll timeout */
static int sweep(struct notif_loop *l, struct timespec *last_check)
{
	struct notif_wait *w, *next;
	struct timespec now;
	long timeout = SWEEP_MS;
	bool check;

	clock_gettime(CLOCK_MONOTONIC, &now);
	check = (now.tv_sec - last_check->tv_sec) * 1000 +
			(now.tv_nsec - last_check->tv_nsec) / 1000000 >= SWEEP_MS;
	if (check)
		*last_check = now;
	for (w = l->waits; w; w = next) {
		next = w->next;
		if (ts_passed(&w->hw.deadline, &now)) {
			struct seccomp_notif_resp resp = { .id = w->id };

			handler_wait_timeout(&w->hw, &resp);
			send_answer(w->nfd, &resp);
			wait_free(l, w);
			continue;
		}
		if (check && !handler_id_valid(w->nfd->fd, w->id)) {
			b4_debug("container %s: connect abandoned by its task",
				 w->nfd->c->id);
			wait_free(l, w);
			continue;
		}
		if (w->hw.deadline.tv_sec || w->hw.deadline.tv_nsec) {
			long ms = (w->hw.deadline.tv_sec - now.tv_sec) * 1000 +
				  (w->hw.deadline.tv_nsec - now.tv_nsec) / 1000000 + 1;

			if (ms < timeout)
				timeout = ms < 1 ? 1 : ms;
		}
	}
	return l->waits ? (int)timeout : -1;
}

int notif_loop_run(struct notif_loop *l)
{
	struct epoll_event evs[32];
	struct timespec last_check = { 0 };
	int timeout = -1;

	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, ARRAY_SIZE(evs), timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct notif_ev *ev = evs[i].data.ptr;

			/* taken out by an earlier callback of this batch */
			if (ev->dead)
				continue;
			switch (ev->type) {
			case NOTIF_EV_NOTIFY: {
				struct notif_fd *nf = (struct notif_fd *)ev;

				if (evs[i].events & EPOLLIN) {
					handle_notification(l, nf);
				} else if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
					nfd_free(l, nf);
				}
				break;
			}
			case NOTIF_EV_PENDING: {
				wait_event(l, (struct notif_wait *)ev);
				break;
			}
			case NOTIF_EV_NETLINK:
				container_refresh_subnets((struct notif_container *)ev);
				break;
			case NOTIF_EV_EXTRA: {
				struct notif_extra *e = (struct notif_extra *)ev;

				e->fn(l, e->fd, evs[i].events, e->arg);
				break;
			}
			}
		}
		notif_reap(l);
		reap_extras(l);
		timeout = l->waits ? sweep(l, &last_check) : -1;
	}
	return 0;
}
