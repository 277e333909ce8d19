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
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

static void note_rewrite(const struct handler_ctx *ctx, int sock, bool peer,
			 const struct sockaddr_storage *addr);

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
	c.netns_id = ctx->netns_id;
	c.self_netns_id = ctx->self_netns_id;
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
		if (!sa_ip_equal((struct sockaddr *)&dst, (struct sockaddr *)&c.to) ||
		    sa_port((struct sockaddr *)&dst) != sa_port((struct sockaddr *)&c.to))
			note_rewrite(ctx, c.hsock, true, &dst);
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

/* grab_fd() - duplicate the target's fd @fd; HANDLER_ANSWER leaves the call
 * to the kernel (no such fd), HANDLER_DROP: the notification is gone */
static enum handler_result grab_fd(const struct handler_ctx *ctx, int fd,
				   int *csock)
{
	_cleanup_close_ int pidfd = proc_pidfd_open(ctx->req->pid);

	*csock = -1;
	if (pidfd < 0)
		return HANDLER_ANSWER;
	*csock = proc_getfd(pidfd, fd);
	if (*csock < 0)
		return HANDLER_ANSWER;
	if (!handler_id_valid(ctx->notify_fd, ctx->req->id)) {
		closep(csock);
		return HANDLER_DROP;
	}
	return HANDLER_WAIT; /* meaning: go on */
}

/* read_inet_addr() - copy a sockaddr argument; false if not a complete
 * AF_INET/AF_INET6 address (the kernel then answers natively) */
static bool read_inet_addr(const struct handler_ctx *ctx, uint64_t ptr,
			   uint32_t len, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (len < sizeof(sa_family_t) || len > sizeof(*out))
		return false;
	if (proc_read_mem(ctx->req->pid, ptr, out, len))
		return false;
	if (out->ss_family != AF_INET && out->ss_family != AF_INET6)
		return false;
	return sa_valid_len((struct sockaddr *)out, len);
}

static void note_rewrite(const struct handler_ctx *ctx, int sock, bool peer,
			 const struct sockaddr_storage *addr)
{
	uint64_t cookie;

	if (!ctx->rw || rewrite_cookie(sock, &cookie) ||
	    rewrite_add(ctx->rw, cookie, peer, addr))
		ctx->st->errors += ctx->rw ? 1 : 0;
}

static const char *mapping_name(const struct policy_cfg *pol, int entry,
				char *buf, size_t len)
{
	const struct portmap_entry *e = &pol->publish[entry];
	char h[SA_STRLEN];

	if (e->host_ip_set)
		sa_format((const struct sockaddr *)&e->host, h, sizeof(h));
	else
		snprintf(h, sizeof(h), "*:%u", e->host_port);
	snprintf(buf, len, "%s -> container port %u/%s", h, e->container_port,
		 e->proto == IPPROTO_UDP ? "udp" : "tcp");
	return buf;
}

static enum handler_result handler_bind(const struct handler_ctx *ctx,
					struct seccomp_notif_resp *resp)
{
	const struct seccomp_notif *req = ctx->req;
	int fd = (int)req->data.args[0];
	struct sockaddr_storage addr;
	_cleanup_close_ int csock = -1;
	struct switch_bind b = { 0 };
	char a[SA_STRLEN], m[128];
	enum handler_result r;
	int ret;

	answer_continue(resp);
	if (!read_inet_addr(ctx, req->data.args[1], (uint32_t)req->data.args[2],
			    &addr))
		return HANDLER_ANSWER;
	r = grab_fd(ctx, fd, &csock);
	if (r != HANDLER_WAIT)
		return r;

	b.csock = csock;
	b.addr = (struct sockaddr *)&addr;
	b.netns_id = ctx->netns_id;
	b.self_netns_id = ctx->self_netns_id;
	ret = switch_bind(ctx->pol, &b);
	if (ret || b.action == SWITCH_NONE) {
		ctx->st->kept++;
		b4_debug("keep bind pid=%d fd=%d %s: %s", req->pid, fd,
			 sa_format((struct sockaddr *)&addr, a, sizeof(a)),
			 ret ? strerror(-ret) : b.reason);
		return HANDLER_ANSWER;
	}
	if (b.action == SWITCH_REFUSE) {
		ctx->st->refused++;
		if (b.entry >= 0)
			b4_warn("publish %s: container bind of %s fails: %s: %s",
				mapping_name(ctx->pol, b.entry, m, sizeof(m)),
				sa_format((struct sockaddr *)&addr, a, sizeof(a)),
				b.reason, strerror(-b.err));
		answer(resp, b.err);
		return HANDLER_ANSWER;
	}
	ret = inject(ctx, b.hsock, fd);
	if (ret) {
		closep(&b.hsock);
		if (!handler_id_valid(ctx->notify_fd, req->id))
			return HANDLER_DROP;
		ctx->st->errors++;
		b4_warn("bind pid=%d fd=%d: cannot inject host socket: %s",
			req->pid, fd, strerror(-ret));
		answer(resp, -ENOMEM);
		return HANDLER_ANSWER;
	}
	note_rewrite(ctx, b.hsock, false, &addr);
	ctx->st->switched++;
	b4_debug("publish bind pid=%d fd=%d %s -> host %s", req->pid, fd,
		 sa_format((struct sockaddr *)&addr, a, sizeof(a)),
		 sa_format((struct sockaddr *)&b.host, m, sizeof(m)));
	closep(&b.hsock);
	answer(resp, 0);
	return HANDLER_ANSWER;
}

#define SEND_MAX 65535
#define CONTROL_MAX 4096

/**
 * struct send_data - a datagram copied out of the container
 * @buf:	payload
 * @len:	payload length
 * @control:	ancillary data (sendmsg)
 * @controllen:	its length
 */
struct send_data {
	unsigned char buf[SEND_MAX];
	size_t len;
	unsigned char control[CONTROL_MAX];
	size_t controllen;
};

/* read_msg_data() - gather a sendmsg()'s iovecs and control data */
static int read_msg_data(const struct handler_ctx *ctx, const struct msghdr *mh,
			 struct send_data *d)
{
	pid_t pid = ctx->req->pid;
	struct iovec iov[64];
	size_t n = mh->msg_iovlen;

	d->len = 0;
	d->controllen = 0;
	if (n > ARRAY_SIZE(iov))
		return -EMSGSIZE;
	if (n && proc_read_mem(pid, (uint64_t)(uintptr_t)mh->msg_iov, iov,
			       n * sizeof(iov[0])))
		return -EFAULT;
	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_len > SEND_MAX - d->len)
			return -EMSGSIZE;
		if (proc_read_mem(pid, (uint64_t)(uintptr_t)iov[i].iov_base,
				  d->buf + d->len, iov[i].iov_len))
			return -EFAULT;
		d->len += iov[i].iov_len;
	}
	if (mh->msg_control && mh->msg_controllen) {
		if (mh->msg_controllen > CONTROL_MAX)
			return -ENOBUFS;
		if (proc_read_mem(pid, (uint64_t)(uintptr_t)mh->msg_control,
				  d->control, mh->msg_controllen))
			return -EFAULT;
		d->controllen = mh->msg_controllen;
	}
	return 0;
}

/* send_now() - send @d through @sock to @to (AF_UNSPEC: connected peer) */
static int send_now(int sock, const struct sockaddr_storage *to,
		    const struct send_data *d, int flags)
{
	struct iovec iov = { .iov_base = (void *)d->buf, .iov_len = d->len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = d->controllen ? (void *)d->control : NULL,
		.msg_controllen = d->controllen,
	};
	ssize_t n;

	if (to->ss_family != AF_UNSPEC) {
		mh.msg_name = (void *)to;
		mh.msg_namelen = sa_len((const struct sockaddr *)to);
	}
	n = sendmsg(sock, &mh, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
	return n < 0 ? -errno : (int)n;
}

static enum handler_result handler_send(const struct handler_ctx *ctx,
					struct seccomp_notif_resp *resp,
					bool is_sendmsg)
{
	const struct seccomp_notif *req = ctx->req;
	int fd = (int)req->data.args[0];
	struct sockaddr_storage dst;
	_cleanup_close_ int csock = -1;
	/* one supervisor thread: one datagram buffer */
	static struct send_data sd;
	struct send_data *d = &sd;
	struct switch_send s = { 0 };
	struct msghdr mh;
	bool have_dst;
	char a[SA_STRLEN];
	enum handler_result r;
	int ret, flags;

	answer_continue(resp);
	if (is_sendmsg) {
		if (proc_read_mem(req->pid, req->data.args[1], &mh, sizeof(mh)))
			return HANDLER_ANSWER;
		flags = (int)req->data.args[2];
		have_dst = mh.msg_name != NULL;
		if (have_dst && !read_inet_addr(ctx, (uint64_t)(uintptr_t)mh.msg_name,
						mh.msg_namelen, &dst))
			have_dst = false; /* not ours, or garbage: see below */
		if (mh.msg_name && !have_dst)
			memset(&dst, 0, sizeof(dst));
	} else {
		flags = (int)req->data.args[3];
		have_dst = read_inet_addr(ctx, req->data.args[4],
					  (uint32_t)req->data.args[5], &dst);
		if (!have_dst)
			memset(&dst, 0, sizeof(dst));
	}

	r = grab_fd(ctx, fd, &csock);
	if (r != HANDLER_WAIT)
		return r;
	s.csock = csock;
	s.dst = have_dst ? (struct sockaddr *)&dst : NULL;
	s.flags = flags;
	s.netns_id = ctx->netns_id;
	s.self_netns_id = ctx->self_netns_id;
	ret = switch_send(ctx->pol, &s);
	if (ret || s.action == SWITCH_NONE) {
		ctx->st->kept++;
		return HANDLER_ANSWER;
	}
	if (s.action == SWITCH_INPLACE && !have_dst &&
	    ((is_sendmsg && mh.msg_name) || (!is_sendmsg))) {
		/* a host UDP socket given a non-IP or malformed address: the
		 * kernel must not read it again; answer as it would */
		s.action = SWITCH_REFUSE;
		s.err = -EINVAL;
	}
	if (s.action == SWITCH_REFUSE) {
		ctx->st->refused++;
		b4_debug("refuse send pid=%d fd=%d %s: %s (%s)", req->pid, fd,
			 have_dst ? sa_format((struct sockaddr *)&dst, a, sizeof(a)) : "-",
			 s.reason, strerror(-s.err));
		closep(&s.hsock);
		answer(resp, s.err);
		return HANDLER_ANSWER;
	}

	if (is_sendmsg) {
		ret = read_msg_data(ctx, &mh, d);
	} else {
		size_t len = (size_t)req->data.args[2];

		d->controllen = 0;
		d->len = len;
		ret = len > SEND_MAX ? -EMSGSIZE :
		      proc_read_mem(req->pid, req->data.args[1], d->buf, len);
	}
	if (ret) {
		closep(&s.hsock);
		answer(resp, ret);
		return HANDLER_ANSWER;
	}

	if (s.action == SWITCH_INJECT) {
		ret = inject(ctx, s.hsock, fd);
		if (ret) {
			closep(&s.hsock);
			if (!handler_id_valid(ctx->notify_fd, req->id))
				return HANDLER_DROP;
			ctx->st->errors++;
			answer(resp, -ENOMEM);
			return HANDLER_ANSWER;
		}
		ctx->st->switched++;
		b4_debug("switch send pid=%d fd=%d %s: %s", req->pid, fd,
			 sa_format((struct sockaddr *)&dst, a, sizeof(a)), s.reason);
		ret = send_now(s.hsock, &s.to, d, flags);
		switch_restore_flags(s.hsock, s.info.fl);
		closep(&s.hsock);
	} else {
		ret = send_now(csock, &s.to, d, flags);
	}
	answer(resp, ret < 0 ? ret : 0);
	if (ret >= 0)
		resp->val = ret;
	return HANDLER_ANSWER;
}

/* handler_sendmmsg() - trapped only with MSG_FASTOPEN: refused on a host
 * TCP socket that is not connected, left to the kernel otherwise (the
 * addresses it may carry are not read twice by us: we read none) */
static enum handler_result handler_sendmmsg(const struct handler_ctx *ctx,
					    struct seccomp_notif_resp *resp)
{
	_cleanup_close_ int csock = -1;
	struct switch_send s = { 0 };
	enum handler_result r;

	answer_continue(resp);
	r = grab_fd(ctx, (int)ctx->req->data.args[0], &csock);
	if (r != HANDLER_WAIT)
		return r;
	s.csock = csock;
	s.flags = (int)ctx->req->data.args[3];
	s.netns_id = ctx->netns_id;
	s.self_netns_id = ctx->self_netns_id;
	if (!switch_send(ctx->pol, &s) && s.action == SWITCH_REFUSE) {
		ctx->st->refused++;
		answer(resp, s.err);
	}
	closep(&s.hsock);
	return HANDLER_ANSWER;
}

static enum handler_result handler_getname(const struct handler_ctx *ctx,
					   struct seccomp_notif_resp *resp,
					   bool peer)
{
	const struct seccomp_notif *req = ctx->req;
	const struct sockaddr_storage *found;
	_cleanup_close_ int csock = -1;
	enum handler_result r;
	uint64_t cookie;
	socklen_t alen;
	int32_t len;

	answer_continue(resp);
	if (!ctx->rw || !ctx->rw->n)
		return HANDLER_ANSWER;
	if (proc_read_mem(req->pid, req->data.args[2], &len, sizeof(len)) ||
	    len < 0)
		return HANDLER_ANSWER;
	r = grab_fd(ctx, (int)req->data.args[0], &csock);
	if (r != HANDLER_WAIT)
		return r;
	if (rewrite_cookie(csock, &cookie))
		return HANDLER_ANSWER;
	found = rewrite_find(ctx->rw, cookie, peer);
	if (!found)
		return HANDLER_ANSWER;
	/* getpeername() of a socket that is not connected stays native */
	if (peer) {
		struct sockaddr_storage tmp;
		socklen_t tl = sizeof(tmp);

		if (getpeername(csock, (struct sockaddr *)&tmp, &tl))
			return HANDLER_ANSWER;
	}

	alen = sa_len((const struct sockaddr *)found);
	if (proc_write_mem(req->pid, req->data.args[1], found,
			   (size_t)len < alen ? (size_t)len : alen) ||
	    proc_write_mem(req->pid, req->data.args[2], &alen, sizeof(alen))) {
		answer(resp, -EFAULT);
		return HANDLER_ANSWER;
	}
	answer(resp, 0);
	return HANDLER_ANSWER;
}

enum handler_result handler_dispatch(const struct handler_ctx *ctx,
				     struct seccomp_notif_resp *resp,
				     struct handler_wait *wait)
{
	switch (ctx->req->data.nr) {
	case __NR_connect:
		return handler_connect(ctx, resp, wait);
	case __NR_bind:
		return handler_bind(ctx, resp);
	case __NR_sendto:
		return handler_send(ctx, resp, false);
	case __NR_sendmsg:
		return handler_send(ctx, resp, true);
	case __NR_sendmmsg:
		return handler_sendmmsg(ctx, resp);
	case __NR_getsockname:
		return handler_getname(ctx, resp, false);
	case __NR_getpeername:
		return handler_getname(ctx, resp, true);
	default:
		answer_continue(resp);
		return HANDLER_ANSWER;
	}
}
