// SPDX-License-Identifier: GPL-2.0-or-later
/* accept.c - accept() on a published port, performed by the supervisor
 *
 * Theory of operation: a container served by the daemon publishes ports
 * through host listeners that live in its fd table. When another container
 * on this node connects to its address, the supervisor connects a host
 * socket to that listener (common/switch.c), so the kernel's accept() would
 * show the host side: 127.0.0.1 and a host port. The filters of containers
 * of a named network trap accept() and accept4() (common/traps.c,
 * TRAP_IF_ACCEPT: the hook for b4ns.network, "b4ns run --network"), and
 * this file answers them:
 *
 *  - an fd that is not one of the container's published listeners (by
 *    SO_COOKIE, common/policy.h's pub[]), or a kernel without
 *    IORING_ACCEPT_DONTWAIT: CONTINUE. accept() only takes a
 *    connection that already reached a socket the container holds; whatever
 *    fd or buffer the kernel finds on CONTINUE, nothing new is reached.
 *  - a published listener: the supervisor accepts on its duplicate
 *    without waiting (accept_nowait()), finds the connecting container in
 *    common/origin.c, writes the address to show (and its length) into
 *    the task, notes it for getpeername(), and injects the connection with
 *    SECCOMP_ADDFD_FLAG_SEND, which answers the call with the new fd in
 *    one step, O_CLOEXEC and O_NONBLOCK as accept4() asked.
 *  - nothing to accept: a non-blocking listener gets EAGAIN; a blocking
 *    one waits in the loop (HWAIT_ACCEPT, EPOLLIN on the duplicate, its
 *    SO_RCVTIMEO as deadline) without blocking other notifications. A
 *    signal ends the task's wait as natively: the loop's sweep finds the
 *    notification gone and drops the wait before accepting anything.
 *  - a connection accepted but not injected (the call ended between the
 *    accept and the injection, or the task's fd table is full) is stashed
 *    and given to the next accept() on that listener: never lost.
 *
 * A connection from elsewhere (the host, another node) shows its real peer,
 * as the kernel would.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include "accept.h"
#include "err.h"
#include "log.h"
#include "origin.h"
#include "proc.h"
#include "rewrite.h"
#include "sockaddr.h"

/* include/uapi/linux/io_uring.h (Linux 6.10; liburing 2.3 lacks it) */
#define ACCEPT_DONTWAIT (1U << 1)

#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif

/**
 * struct accept_call - one accept() being served
 * @pid:	the task
 * @addr:	its address buffer, or 0
 * @lenp:	its address length
 * @len:	the length it gave (read once)
 * @flags:	accept4() flags (SOCK_NONBLOCK, SOCK_CLOEXEC)
 * @listener:	the listener's SO_COOKIE
 * @rw:		the container's getpeername() answers, or NULL
 * @stash:	the container's stash
 * @origins:	connections of containers to container services
 */
struct accept_call {
	pid_t pid;
	uint64_t addr;
	uint64_t lenp;
	int32_t len;
	int flags;
	uint64_t listener;
	struct rewrite_table *rw;
	struct accept_stash *stash;
	struct origins *origins;
};

void accept_stash_free(struct accept_stash *s)
{
	for (int i = 0; i < s->n; i++)
		close(s->e[i].sock);
	s->n = 0;
}

/* stash_take() - a stashed connection of @listener, or -1 */
static int stash_take(struct accept_stash *s, uint64_t listener,
		      struct sockaddr_storage *shown)
{
	for (int i = 0; i < s->n; i++) {
		int sock = s->e[i].sock;

		if (s->e[i].listener != listener)
			continue;
		*shown = s->e[i].shown;
		memmove(&s->e[i], &s->e[i + 1],
			sizeof(s->e[0]) * (size_t)(s->n - i - 1));
		s->n--;
		return sock;
	}
	return -1;
}

/* stash_put() - keep @sock for the next accept() on @listener (a full
 * stash drops it: the client sees it closed) */
static void stash_put(struct accept_stash *s, uint64_t listener, int sock,
		      const struct sockaddr_storage *shown)
{
	if (s->n == ACCEPT_STASH_MAX) {
		b4_warn("accept: connection dropped, %d already waiting for "
			"their task", ACCEPT_STASH_MAX);
		close(sock);
		return;
	}
	s->e[s->n].listener = listener;
	s->e[s->n].sock = sock;
	s->e[s->n].shown = *shown;
	s->n++;
}

/* shown_for() - the peer address @sock's task is to see */
static void shown_for(const struct accept_call *a, int sock,
		      const struct sockaddr_storage *peer,
		      struct sockaddr_storage *shown)
{
	struct sockaddr_storage local, found;
	socklen_t ll = sizeof(local);
	uint64_t cookie;

	*shown = *peer;
	if (!a->origins ||
	    getsockname(sock, (struct sockaddr *)&local, &ll) ||
	    !origins_find(a->origins, (const struct sockaddr *)peer,
			  (struct sockaddr *)&local, &found) ||
	    !sa_in_family(&found, peer->ss_family, shown)) {
		*shown = *peer;
		return;
	}
	/* getpeername() of the connection says the same */
	if (a->rw && (rewrite_cookie(sock, &cookie) ||
		      rewrite_add(a->rw, cookie, true, shown)))
		b4_debug("accept: getpeername() will show the host address");
}

/* deliver() - give connection @sock (peer address @shown) to the task:
 * HANDLER_DROP once injected, else the answer in @resp */
static enum handler_result deliver(const struct accept_call *a, int notify_fd,
				   uint64_t id, int sock,
				   const struct sockaddr_storage *shown,
				   struct seccomp_notif_resp *resp)
{
	struct seccomp_notif_addfd addfd = {
		.id = id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)sock,
		.newfd_flags = a->flags & SOCK_CLOEXEC ? O_CLOEXEC : 0,
	};
	socklen_t alen = sa_len((const struct sockaddr *)shown);
	int err, fl = fcntl(sock, F_GETFL);

	if (fl < 0 || fcntl(sock, F_SETFL, a->flags & SOCK_NONBLOCK ?
					   fl | O_NONBLOCK :
					   fl & ~O_NONBLOCK)) {
		stash_put(a->stash, a->listener, sock, shown);
		return handler_answer(resp, -ENOMEM);
	}
	if (a->addr &&
	    (proc_write_mem(a->pid, a->addr, shown,
			    (size_t)a->len < alen ? (size_t)a->len : alen) ||
	     proc_write_mem(a->pid, a->lenp, &alen, sizeof(alen)))) {
		/* as natively: the connection is taken, the call fails */
		close(sock);
		return handler_answer(resp, -EFAULT);
	}
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) >= 0) {
		close(sock);
		return HANDLER_DROP;
	}
	/* not injected: the call ended meanwhile (ENOENT), or the task has
	 * no room for it (EMFILE): the next accept() gets it */
	err = -errno;
	stash_put(a->stash, a->listener, sock, shown);	/* may log, close */
	return err == -ENOENT ? HANDLER_DROP : handler_answer(resp, err);
}

/* ring_accept() - one accept of @lsock on @ring with
 * IORING_ACCEPT_DONTWAIT: the connection or -errno */
static int ring_accept(struct io_uring *ring, int lsock,
		       struct sockaddr_storage *peer, socklen_t *plen)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_accept(sqe, lsock, (struct sockaddr *)peer, plen,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
	sqe->ioprio |= ACCEPT_DONTWAIT;
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret != 1 || io_uring_peek_cqe(ring, &cqe))
		return ret < 0 ? ret : -EIO;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/* accept_ring() - the ring of accept_nowait(), or NULL if this kernel
 * cannot accept without waiting (no IORING_ACCEPT_DONTWAIT, Linux 6.10, or
 * io_uring disabled). Decided once, by a probe on a listener of our own:
 * never by what a container's call gets (the -EINVAL of a listener it shut
 * down is the answer to its call, not a sign of an older kernel) */
static struct io_uring *accept_ring(void)
{
	static struct io_uring ring;
	static int up = -1;	/* -1 unknown, 0 unusable, 1 up */
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	_cleanup_close_ int probe = -1;

	if (up >= 0)
		return up ? &ring : NULL;
	up = 0;
	if (io_uring_queue_init(2, &ring, 0))
		return NULL;
	/* an abstract name of the kernel's choosing (autobind) */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 &&
	    !bind(probe, (struct sockaddr *)&un, sizeof(sa_family_t)) &&
	    !listen(probe, 1) && ring_accept(&ring, probe, NULL, NULL) == -EAGAIN)
		up = 1;
	else
		io_uring_queue_exit(&ring);
	if (!up)
		b4_warn("accept: this kernel cannot accept without waiting "
			"(IORING_ACCEPT_DONTWAIT): container services see the "
			"host address of connections from containers");
	return up ? &ring : NULL;
}

int accept_nowait(int lsock, struct sockaddr_storage *peer, socklen_t *plen)
{
	struct io_uring *ring = accept_ring();

	return ring ? ring_accept(ring, lsock, peer, plen) : -EOPNOTSUPP;
}

/* try_accept() - serve @a from the stash or from listener @lsock: HANDLER_WAIT
 * if there is nothing to accept yet */
static enum handler_result try_accept(const struct accept_call *a,
				      int notify_fd, uint64_t id, int lsock,
				      struct seccomp_notif_resp *resp)
{
	struct sockaddr_storage peer, shown;
	socklen_t plen = sizeof(peer);
	int sock = stash_take(a->stash, a->listener, &shown);

	if (sock >= 0)
		return deliver(a, notify_fd, id, sock, &shown, resp);
	memset(&peer, 0, sizeof(peer));
	sock = accept_nowait(lsock, &peer, &plen);
	if (sock == -EAGAIN || sock == -EWOULDBLOCK)
		return HANDLER_WAIT;
	if (sock < 0)
		return handler_answer(resp, sock);
	shown_for(a, sock, &peer, &shown);
	return deliver(a, notify_fd, id, sock, &shown, resp);
}

/* published() - is @sock one of the listeners of @st's published ports?
 * Its SO_COOKIE into @cookie */
static bool published(const struct policy_state *st, int sock,
		      uint64_t *cookie)
{
	if (rewrite_cookie(sock, cookie))
		return false;
	for (int i = 0; i < st->n_pub; i++) {
		if (st->pub[i].cookie == *cookie)
			return true;
	}
	return false;
}

enum handler_result accept_handle(const struct handler_ctx *ctx,
				  const struct hcall *hc,
				  struct seccomp_notif_resp *resp,
				  struct handler_wait *wait)
{
	const struct seccomp_notif *req = ctx->req;
	struct accept_call a = {
		.pid = req->pid,
		.addr = hc->a[1],
		.lenp = hc->a[2],
		.flags = hc->op == HOP_ACCEPT4 ? (int)hc->a[3] : 0,
		.rw = ctx->rw,
		.stash = ctx->stash,
		.origins = ctx->pstate->origins,
	};
	_cleanup_close_ int lsock = -1;
	enum handler_result r;
	int ret, fl;

	/* without a way to accept that never waits, the kernel accepts (a
	 * poll() then accept() of a file the container shares may block the
	 * loop: the container can take the connection in between) */
	if (!a.origins || !a.stash || !ctx->pstate->n_pub || !accept_ring())
		return handler_continue(resp);
	ret = handler_grab_fd(ctx, (int)hc->a[0], &lsock);
	if (ret == HANDLER_GRAB_GONE)
		return HANDLER_DROP;
	/* not a listener of ours (EBADF...): the kernel answers natively */
	if (ret || !published(ctx->pstate, lsock, &a.listener))
		return handler_continue(resp);
	if (a.flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return handler_answer(resp, -EINVAL);
	if (a.addr) {
		if (proc_read_mem(a.pid, a.lenp, &a.len, sizeof(a.len)))
			return handler_answer(resp, -EFAULT);
		if (a.len < 0)
			return handler_answer(resp, -EINVAL);
	}
	r = try_accept(&a, ctx->notify_fd, req->id, lsock, resp);
	if (r != HANDLER_WAIT)
		return r;
	fl = fcntl(lsock, F_GETFL);
	if (fl < 0 || (fl & O_NONBLOCK) || ctx->waits >= HANDLER_MAX_WAITS)
		return handler_answer(resp, -EAGAIN);
	wait->acc = malloc(sizeof(*wait->acc));
	if (!wait->acc)
		return handler_answer(resp, -ENOMEM);
	*wait->acc = a;
	wait->kind = HWAIT_ACCEPT;
	wait->pid = a.pid;
	wait->sock = take_fd(&lsock);
	handler_timeo_deadline(wait->sock, SO_RCVTIMEO, &wait->deadline);
	return HANDLER_WAIT;
}

enum handler_result accept_wait_event(struct handler_wait *w, int notify_fd,
				      uint64_t id,
				      struct seccomp_notif_resp *resp)
{
	/* the task may have left the call (a signal): accept nothing then */
	if (!handler_id_valid(notify_fd, id))
		return HANDLER_DROP;
	return try_accept(w->acc, notify_fd, id, w->sock, resp);
}
