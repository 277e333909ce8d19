// SPDX-License-Identifier: GPL-2.0-or-later
/* handlers.c - turn one trapped syscall into a switch decision and an answer
 *
 * Theory of operation, connect(): the sockaddr is copied out of the task
 * exactly once (length bounded by sockaddr_storage), anything that is not a
 * complete AF_INET/AF_INET6 address is answered CONTINUE so the kernel
 * produces the native errno itself (EINVAL, EFAULT, EAFNOSUPPORT, ...).
 * After the copy and after duplicating the socket through a pidfd, the
 * notification id is re-validated: that proves the tid still named the task
 * that made this call, so the memory and the fd were really its own.
 * common/switch then decides and starts the connect on a host socket, which
 * is injected over the same fd number with ADDFD|SETFD keeping FD_CLOEXEC.
 * CONTINUE is only ever answered when nothing was switched.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "err.h"
#include "handlers.h"
#include "log.h"
#include "proc.h"
#include "sockaddr.h"
#include "switch.h"

bool handler_id_valid(int notify_fd, uint64_t id)
{
	return ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void answer_continue(struct seccomp_notif_resp *resp)
{
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	resp->error = 0;
	resp->val = 0;
}

static void answer(struct seccomp_notif_resp *resp, int err)
{
	resp->flags = 0;
	resp->error = err;
	resp->val = 0;
}

/* inject() - put @sock over fd @fd of the target, keeping its FD_CLOEXEC */
static int inject(const struct handler_ctx *ctx, int sock, int fd)
{
	struct seccomp_notif_addfd addfd = {
		.id = ctx->req->id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (uint32_t)sock,
		.newfd = (uint32_t)fd,
	};
	int cloexec = proc_fd_cloexec(ctx->req->pid, fd);

	if (cloexec < 0)
		return cloexec;
	addfd.newfd_flags = cloexec ? O_CLOEXEC : 0;
	if (ioctl(ctx->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0)
		return -errno;
	return 0;
}

static void deadline_from(struct timespec *d, const struct timeval *tv)
{
	if (!tv->tv_sec && !tv->tv_usec) {
		d->tv_sec = 0;
		d->tv_nsec = 0;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += tv->tv_sec;
	d->tv_nsec += tv->tv_usec * 1000;
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

enum handler_result handler_connect(const struct handler_ctx *ctx,
				    struct seccomp_notif_resp *resp,
				    struct handler_wait *wait)
{
	const struct seccomp_notif *req = ctx->req;
	int fd = (int)req->data.args[0];
	uint32_t addrlen = (uint32_t)req->data.args[2];
	struct sockaddr_storage dst = { 0 };
	_cleanup_close_ int pidfd = -1;
	_cleanup_close_ int csock = -1;
	struct switch_conn c = { 0 };
	char a[SA_STRLEN], b[SA_STRLEN];
	int ret;

	answer_continue(resp);

	/* Out-of-range lengths and unreadable memory: the kernel will say */
	if (addrlen < sizeof(sa_family_t) || addrlen > sizeof(dst))
		return HANDLER_ANSWER;
	if (proc_read_mem(req->pid, req->data.args[1], &dst, addrlen))
		return HANDLER_ANSWER;
	if (dst.ss_family != AF_INET && dst.ss_family != AF_INET6 &&
	    dst.ss_family != AF_UNSPEC)
		return HANDLER_ANSWER; /* AF_UNIX and friends: not ours */
	if (dst.ss_family != AF_UNSPEC &&
	    !sa_valid_len((struct sockaddr *)&dst, addrlen))
		return HANDLER_ANSWER;

	pidfd = proc_pidfd_open(req->pid);
	if (pidfd < 0)
		return HANDLER_ANSWER;
	csock = proc_getfd(pidfd, fd);
	if (csock < 0)
		return HANDLER_ANSWER; /* EBADF and such: native errno */
	if (!handler_id_valid(ctx->notify_fd, req->id))
		return HANDLER_DROP;

	c.csock = csock;
	c.dst = (struct sockaddr *)&dst;
	c.netns_ino = ctx->netns_ino;
	c.self_netns_ino = ctx->self_netns_ino;
	ret = switch_connect(ctx->pol, &c);
	if (ret) {
		b4_debug("connect fd=%d pid=%d: cannot inspect socket: %s", fd,
			 req->pid, strerror(-ret));
		ctx->st->kept++;
		return HANDLER_ANSWER;
	}

	switch (c.action) {
	case SWITCH_NONE:
		ctx->st->kept++;
		if (dst.ss_family != AF_UNSPEC)
			b4_debug("keep connect pid=%d fd=%d %s: %s", req->pid, fd,
				 sa_format((struct sockaddr *)&dst, a, sizeof(a)),
				 c.reason);
		return HANDLER_ANSWER;
	case SWITCH_REFUSE:
		ctx->st->refused++;
		b4_debug("refuse connect pid=%d fd=%d %s: %s (%s)", req->pid, fd,
			 sa_format((struct sockaddr *)&dst, a, sizeof(a)),
			 c.reason, strerror(-c.err));
		answer(resp, c.err);
		return HANDLER_ANSWER;
	case SWITCH_INJECT:
		ret = inject(ctx, c.hsock, fd);
		if (ret) {
			closep(&c.hsock);
			if (!handler_id_valid(ctx->notify_fd, req->id))
				return HANDLER_DROP;
			ctx->st->errors++;
			b4_warn("connect pid=%d fd=%d: cannot inject host socket: %s",
				req->pid, fd, strerror(-ret));
			answer(resp, -ENOMEM);
			return HANDLER_ANSWER;
		}
		ctx->st->switched++;
		b4_debug("switch connect pid=%d fd=%d %s -> %s: %s", req->pid,
			 fd, sa_format((struct sockaddr *)&dst, a, sizeof(a)),
			 sa_format((struct sockaddr *)&c.to, b, sizeof(b)),
			 c.reason);
		if (c.err == -EINPROGRESS && !(c.info.fl & O_NONBLOCK)) {
			wait->sock = take_fd(&c.hsock);
			wait->fl = c.info.fl;
			wait->to = c.to;
			deadline_from(&wait->deadline, &c.info.sndtimeo);
			return HANDLER_WAIT;
		}
		closep(&c.hsock);
		answer(resp, c.err);
		return HANDLER_ANSWER;
	case SWITCH_INPLACE:
		b4_debug("connect host socket pid=%d fd=%d %s -> %s: %s",
			 req->pid, fd,
			 sa_format((struct sockaddr *)&dst, a, sizeof(a)),
			 sa_format((struct sockaddr *)&c.to, b, sizeof(b)),
			 c.reason);
		if ((c.err == -EINPROGRESS || c.err == -EALREADY) &&
		    !(c.info.fl & O_NONBLOCK)) {
			wait->sock = take_fd(&csock);
			wait->fl = c.info.fl;
			wait->to = c.to;
			deadline_from(&wait->deadline, &c.info.sndtimeo);
			return HANDLER_WAIT;
		}
		answer(resp, c.err);
		return HANDLER_ANSWER;
	}
	return HANDLER_ANSWER;
}
