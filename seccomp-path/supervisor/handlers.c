// SPDX-License-Identifier: GPL-2.0-or-later
/* handlers.c - turn one trapped syscall into an answer, never a CONTINUE
 *
 * Theory of operation. The kernel re-reads *everything* after
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE: the sockaddr in the task's memory and
 * the task's fd table. A verdict taken on a copy (the address we read, the
 * socket we duplicated) says nothing about what the kernel then acts on: a
 * racing thread can flip the address to 127.0.0.1 or dup2() a host socket
 * onto the fd. So connect(), bind(), listen() and sendto() are never
 * answered CONTINUE. Each is decoded (any ABI: x86_64, i386 including
 * socketcall(2); x32 and unknown arches get ENOSYS), its arguments are
 * copied out of the task exactly once (lengths bounded before reading), the
 * socket is duplicated through a pidfd, the notification id is re-validated
 * (proving the tid still named the task that made the call), and then the
 * supervisor *performs* the call on its duplicate with its own copy:
 *
 *  - IP addresses: common/switch decides. A switched socket is replaced by a
 *    host socket (ADDFD|SETFD, only if fd N still holds the inspected file)
 *    that the supervisor connected or bound itself; anything else is done
 *    on the container's own socket, whose network namespace was fixed at
 *    its creation, so "kept" calls act inside the container namespace.
 *  - AF_UNIX paths, and calls of a task whose credentials or root differ
 *    from the supervisor's: performed by a short-lived helper in the task's
 *    namespaces, root, cwd and credentials (taskop.c).
 *  - Other families: performed on the duplicate (the kernel checks them).
 *
 * Blocking semantics are kept without blocking the loop: a connect() or a
 * send that would block is finished from the event loop (HWAIT_CONNECT,
 * HWAIT_SEND) and a helper is waited for on a pipe (HWAIT_HELPER). A
 * blocking switched connect that fails puts the container's own socket back,
 * so the retry is a fresh switch, never a re-aimable host socket.
 *
 * Answered CONTINUE, because nothing they find can reach anything:
 * getsockname()/getpeername() (they only read), and the socketcall(2)
 * numbers b4ns does not trap (daemon mode traps socketcall whole; the call
 * number is a register the kernel does not read again). The one exception
 * is the documented weaker mode switch_udp + udp_sendmsg, whose sendmsg()
 * without a destination is left to the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/net.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>

#include "accept.h"
#include "err.h"
#include "handlers.h"
#include "localname.h"
#include "log.h"
#include "proc.h"
#include "sockaddr.h"
#include "switch.h"
#include "taskop.h"
#include "traps.h"

#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif

/* the largest payload one trapped sendto() carries (a datagram larger than
 * that fails natively too, except AF_UNIX ones up to the send buffer) */
#define SEND_MAX ((size_t)256 * 1024)

/*
 * The helpers below that may fail return 0 to go on (nothing is decided
 * yet), a negative errno that is the answer, or NOTIF_GONE: the notification
 * is no longer pending (the task died, or its tid names another task), so
 * nothing must be answered. Only the do_*() handlers return an enum
 * handler_result; answer_ret() turns a helper's value into one.
 */
enum { NOTIF_GONE = HANDLER_GRAB_GONE };

bool handler_id_valid(int notify_fd, uint64_t id)
{
	return ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

enum handler_result handler_answer(struct seccomp_notif_resp *resp, int err)
{
	resp->flags = 0;
	resp->error = err;
	resp->val = 0;
	return HANDLER_ANSWER;
}

#define answer handler_answer

static enum handler_result answer_val(struct seccomp_notif_resp *resp,
				      long val)
{
	if (val < 0)
		return answer(resp, (int)val);
	resp->flags = 0;
	resp->error = 0;
	resp->val = val;
	return HANDLER_ANSWER;
}

/* answer_ret() - answer a helper's negative errno, or drop on NOTIF_GONE */
static enum handler_result answer_ret(struct seccomp_notif_resp *resp, int ret)
{
	return ret == NOTIF_GONE ? HANDLER_DROP : answer(resp, ret);
}

enum handler_result handler_continue(struct seccomp_notif_resp *resp)
{
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	resp->error = 0;
	resp->val = 0;
	return HANDLER_ANSWER;
}

int handler_decode(const struct seccomp_notif *req, struct hcall *c)
{
	uint32_t args[6] = { 0 };
	bool indirect = false;
	int call, n;

	memset(c, 0, sizeof(*c));
	memcpy(c->a, req->data.args, sizeof(c->a));
	/* common/traps.c knows every ABI's numbers, as the filters do; x32,
	 * other architectures and untrapped numbers are denied */
	call = trap_classify(req->data.arch, req->data.nr, req->data.args[0],
			     &indirect);
	if (req->data.arch == AUDIT_ARCH_I386) {
		for (int i = 0; i < 6; i++)
			c->a[i] = (uint32_t)c->a[i];
	}
	c->multiplexed = indirect;
	if (call < 0) {
		/* a socketcall(2) number b4ns does not trap runs as it is */
		c->op = indirect ? HOP_OTHER : HOP_DENY;
		return 0;
	}
	c->op = (enum hop)call;
	if (!indirect)
		return 0;
	/* socketcall(2): the arguments are 32-bit words in the task's memory,
	 * at a 32-bit address; copied once, only the copy is used */
	n = trap_nargs((enum trap_call)call);
	if (proc_read_mem(req->pid, (uint32_t)req->data.args[1], args,
			  sizeof(args[0]) * (size_t)n))
		return -EFAULT;
	for (int i = 0; i < 6; i++)
		c->a[i] = args[i];
	return 0;
}

/* read_addr() - copy a sockaddr argument as the kernel would: a length
 * beyond sockaddr_storage is EINVAL, unreadable memory EFAULT */
static int read_addr(pid_t pid, uint64_t ptr, uint64_t len_arg,
		     struct sockaddr_storage *out, socklen_t *len)
{
	int32_t l = (int32_t)len_arg;
	int ret;

	memset(out, 0, sizeof(*out));
	*len = 0;
	if (l < 0 || (size_t)l > sizeof(*out))
		return -EINVAL;
	if (!l)
		return 0;
	ret = proc_read_mem(pid, ptr, out, (size_t)l);
	if (ret)
		return -EFAULT;
	*len = (socklen_t)l;
	return 0;
}

int handler_grab_fd(const struct handler_ctx *ctx, int fd, int *csock)
{
	int ret = proc_task_getfd(ctx->req->pid, fd);

	*csock = -1;
	if (!handler_id_valid(ctx->notify_fd, ctx->req->id)) {
		if (ret >= 0)
			close(ret);
		return NOTIF_GONE;
	}
	if (ret < 0)
		return ret;
	*csock = ret;
	return 0;
}

/* same_file_at() - does the task's fd @fd still hold the file @sock? */
static bool same_file_at(pid_t pid, int fd, int sock)
{
	static pid_t self; /* no getpid() per switch; taskop helpers never
			    * come here */
	long r;

	if (!self)
		self = getpid();
	r = syscall(SYS_kcmp, pid, self, KCMP_FILE, fd, sock);

	return r == 0 || (r < 0 && errno == ENOSYS);
}

int handler_inject(int notify_fd, uint64_t id, pid_t pid, int sock, int fd,
		   int expect)
{
	struct seccomp_notif_addfd addfd = {
		.id = id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (uint32_t)sock,
		.newfd = (uint32_t)fd,
	};
	int cloexec = proc_fd_cloexec(pid, fd);

	if (cloexec < 0)
		return cloexec;
	/* ADDFD|SETFD replaces whatever fd @fd holds by now: never a file
	 * another thread just put there */
	if (expect >= 0 && !same_file_at(pid, fd, expect))
		return -EBADF;
	addfd.newfd_flags = cloexec ? O_CLOEXEC : 0;
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0)
		return -errno;
	return 0;
}

static void note_rewrite(const struct handler_ctx *ctx, int sock, bool peer,
			 const struct sockaddr_storage *addr)
{
	uint64_t cookie;

	if (!ctx->rw || rewrite_cookie(sock, &cookie) ||
	    rewrite_add(ctx->rw, cookie, peer, addr))
		ctx->st->errors += ctx->rw ? 1 : 0;
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

void handler_timeo_deadline(int sock, int opt, struct timespec *d)
{
	struct timeval tv = { 0 };
	socklen_t len = sizeof(tv);

	if (getsockopt(sock, SOL_SOCKET, opt, &tv, &len))
		memset(&tv, 0, sizeof(tv));
	deadline_from(d, &tv);
}

static void wait_init(struct handler_wait *w, enum handler_wait_kind kind)
{
	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->sock = -1;
	w->restore = -1;
	w->helper = -1;
}

/* start_helper() - perform @op in the task's context; answer when done */
static enum handler_result start_helper(const struct handler_ctx *ctx,
					const struct taskop *op,
					struct seccomp_notif_resp *resp,
					struct handler_wait *wait)
{
	int helper = -1;
	int p;

	if (ctx->waits >= HANDLER_MAX_WAITS) {
		ctx->st->refused++;
		return answer(resp, -EAGAIN);
	}
	p = taskop_start(op, &helper);

	if (p < 0) {
		if (!handler_id_valid(ctx->notify_fd, ctx->req->id))
			return HANDLER_DROP;
		b4_debug("pid=%d: cannot act in the task's context: %s",
			 ctx->req->pid, strerror(-p));
		return answer(resp, p == -ENOENT || p == -ESRCH ? -EPERM : p);
	}
	if (!handler_id_valid(ctx->notify_fd, ctx->req->id)) {
		taskop_finish(p, helper, true);
		return HANDLER_DROP;
	}
	wait_init(wait, HWAIT_HELPER);
	wait->sock = p;
	wait->helper = helper;
	return HANDLER_WAIT;
}

/* unix_path() - an AF_UNIX address naming a file (not abstract, not
 * unnamed): it resolves in the task's root and cwd */
static bool unix_path(const struct sockaddr_storage *a, socklen_t len)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)a;

	return a->ss_family == AF_UNIX &&
	       len > offsetof(struct sockaddr_un, sun_path) &&
	       un->sun_path[0] != '\0';
}

static int sock_family(int sock)
{
	int family = -1;
	socklen_t len = sizeof(family);

	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &family, &len))
		return -errno;
	return family;
}

/* in_context() - may the supervisor perform a call on a socket of this
 * family with this address itself, or must a helper take the task's place? */
static bool in_context(const struct handler_ctx *ctx, int family,
		       const struct sockaddr_storage *a, socklen_t len)
{
	if (family == AF_INET || family == AF_INET6)
		return true; /* see ip_bind_in_context() for bind() */
	if (family == AF_UNIX && a && unix_path(a, len))
		return false;
	/* AF_UNIX permissions and SO_PEERCRED, netlink messages with an
	 * address (the kernel then checks the sender's capabilities only),
	 * and whatever else other families check: the caller's credentials
	 * and capabilities must be the task's */
	return taskop_same_context(ctx->req->pid);
}

/* finish_connect() - a connect() on @sock started non-blocking returned
 * @ret: answer now (closing *@sock), or wait for it in the loop (which
 * takes *@sock, and *@restore if given) */
static enum handler_result finish_connect(const struct handler_ctx *ctx,
					  int fd, int *sock, int fl, int ret,
					  const struct sockaddr_storage *to,
					  struct seccomp_notif_resp *resp,
					  struct handler_wait *wait, int *restore)
{
	bool ended;

	if ((ret != -EINPROGRESS && ret != -EALREADY) || (fl & O_NONBLOCK)) {
		closep(sock);
		return answer(resp, ret);
	}
	/* loopback and LAN handshakes are often done already; over the
	 * container's budget of waiting answers, a blocking connect is
	 * answered as when its SO_SNDTIMEO expires */
	ended = switch_connect_ended(*sock, fl, to, &ret);
	if (!ended && ctx->waits >= HANDLER_MAX_WAITS) {
		switch_restore_flags(*sock, fl);
		closep(sock);
		return answer(resp, -EINPROGRESS);
	}
	if (ended) {
		if (ret && restore && *restore >= 0 &&
		    handler_inject(ctx->notify_fd, ctx->req->id, ctx->req->pid,
				   *restore, fd, *sock))
			b4_debug("could not put the container socket back");
		closep(sock);
		return answer(resp, ret);
	}
	wait_init(wait, HWAIT_CONNECT);
	wait->fd = fd;
	wait->pid = ctx->req->pid;
	wait->sock = take_fd(sock);
	wait->fl = fl;
	wait->to = *to;
	if (restore)
		wait->restore = take_fd(restore);
	handler_timeo_deadline(wait->sock, SO_SNDTIMEO, &wait->deadline);
	return HANDLER_WAIT;
}

/* in_task() - leave connect() or bind() (@kind) of @csock to @a to a
 * helper in the task's namespaces, with its credentials */
static enum handler_result in_task(const struct handler_ctx *ctx,
				   enum taskop_kind kind, int csock,
				   const struct sockaddr_storage *a,
				   socklen_t alen,
				   struct seccomp_notif_resp *resp,
				   struct handler_wait *wait)
{
	struct taskop op = { .kind = kind, .tid = ctx->req->pid, .sock = csock,
			     .addr = (const struct sockaddr *)a, .addrlen = alen };

	return start_helper(ctx, &op, resp, wait);
}

/* inject_failed() - handler_inject() of a host socket over the task's @fd
 * failed with @ret: drop the notification if it is gone, else count, log
 * at @lvl as @call (none if NULL) and answer */
static enum handler_result inject_failed(const struct handler_ctx *ctx,
					 int fd, int ret, const char *call,
					 enum log_level lvl,
					 struct seccomp_notif_resp *resp)
{
	if (!handler_id_valid(ctx->notify_fd, ctx->req->id))
		return HANDLER_DROP;
	ctx->st->errors++;
	if (call)
		log_msg(lvl, "%s pid=%d fd=%d: cannot inject host socket: %s",
			call, ctx->req->pid, fd, strerror(-ret));
	return answer(resp, ret == -EBADF ? -EBADF : -ENOMEM);
}

/* perform_connect() - connect the container's own socket, as the kernel
 * would have, without ever letting the kernel re-read anything */
static enum handler_result perform_connect(const struct handler_ctx *ctx,
					   int *csock,
					   const struct sockaddr_storage *a,
					   socklen_t alen,
					   struct seccomp_notif_resp *resp,
					   struct handler_wait *wait)
{
	int family = sock_family(*csock);
	struct sockaddr_storage to;
	int fl, ret;

	if (family < 0)
		return answer(resp, family);
	fl = fcntl(*csock, F_GETFL);
	if (fl < 0)
		return answer(resp, -errno);
	if (!in_context(ctx, family, a, alen))
		return in_task(ctx, TASKOP_CONNECT, *csock, a, alen, resp, wait);
	ret = switch_connect_raw(*csock, (const struct sockaddr *)a, alen, fl);
	if (ret == -EAGAIN && family == AF_UNIX && !(fl & O_NONBLOCK)) {
		/* a full listen backlog: a blocking connect waits for room,
		 * and the helper may block, the supervisor may not */
		return in_task(ctx, TASKOP_CONNECT, *csock, a, alen, resp, wait);
	}
	memset(&to, 0, sizeof(to));
	if ((a->ss_family == AF_INET || a->ss_family == AF_INET6) &&
	    sa_valid_len((const struct sockaddr *)a, alen))
		memcpy(&to, a, sa_len((const struct sockaddr *)a));
	return finish_connect(ctx, -1, csock, fl, ret, &to, resp, wait, NULL);
}

/* req_in() - container socket @csock of @ctx and the call's address
 * @addr (@len bytes), as the switch_*() calls take them */
static struct switch_req req_in(const struct handler_ctx *ctx, int csock,
				const struct sockaddr *addr, socklen_t len)
{
	struct switch_req in = { .csock = csock, .addr = addr, .addrlen = len,
				 .netns_id = ctx->netns_id,
				 .self_netns_id = ctx->self_netns_id,
				 .st = ctx->pstate };

	return in;
}

/**
 * struct addr_call - a connect() or bind() as its handler takes it
 * @fd:		the task's fd (argument 0)
 * @addr:	the address (arguments 1 and 2), copied once
 * @alen:	its length as given
 * @csock:	our duplicate of @fd; closed by addr_call_close()
 */
struct addr_call {
	int fd;
	struct sockaddr_storage addr;
	socklen_t alen;
	int csock;
};

static void addr_call_close(struct addr_call *ac)
{
	closep(&ac->csock);
}

/* addr_call_read() - fill @ac from @hc. Return: 0, a negative errno to
 * answer, or NOTIF_GONE */
static int addr_call_read(const struct handler_ctx *ctx,
			  const struct hcall *hc, struct addr_call *ac)
{
	int ret = read_addr(ctx->req->pid, hc->a[1], hc->a[2], &ac->addr,
			    &ac->alen);

	ac->fd = (int)hc->a[0];
	return ret ? ret : handler_grab_fd(ctx, ac->fd, &ac->csock);
}

static enum handler_result do_connect(const struct handler_ctx *ctx,
				      struct addr_call *ac,
				      struct seccomp_notif_resp *resp,
				      struct handler_wait *wait)
{
	const struct seccomp_notif *req = ctx->req;
	struct switch_conn c = { 0 };
	char a[SA_STRLEN], b[SA_STRLEN];
	bool ip;
	int ret;

	ip = ((ac->addr.ss_family == AF_INET ||
	       ac->addr.ss_family == AF_INET6) &&
	      sa_valid_len((struct sockaddr *)&ac->addr, ac->alen)) ||
	     (ac->addr.ss_family == AF_UNSPEC &&
	      ac->alen >= sizeof(sa_family_t));
	c.req = req_in(ctx, ac->csock, (struct sockaddr *)&ac->addr, ac->alen);
	ret = ip ? switch_connect(ctx->pol, &c) : switch_connect_other(&c);
	if (ret) {
		b4_debug("connect fd=%d pid=%d: cannot inspect socket: %s", ac->fd,
			 req->pid, strerror(-ret));
		return answer(resp, ret);
	}

	switch (c.req.action) {
	case SWITCH_NONE:
		ctx->st->kept++;
		if (ip && ac->addr.ss_family != AF_UNSPEC)
			b4_debug("keep connect pid=%d fd=%d %s: %s", req->pid, ac->fd,
				 sa_format((struct sockaddr *)&ac->addr, a, sizeof(a)),
				 c.req.reason);
		return perform_connect(ctx, &ac->csock, &ac->addr, ac->alen,
				       resp, wait);
	case SWITCH_REFUSE:
		ctx->st->refused++;
		b4_debug("refuse connect pid=%d fd=%d %s: %s (%s)", req->pid, ac->fd,
			 ip ? sa_format((struct sockaddr *)&ac->addr, a, sizeof(a)) : "-",
			 c.req.reason, strerror(-c.req.err));
		return answer(resp, c.req.err);
	case SWITCH_INJECT:
		ret = handler_inject(ctx->notify_fd, req->id, req->pid, c.req.hsock,
				     ac->fd, ac->csock);
		if (ret) {
			closep(&c.req.hsock);
			return inject_failed(ctx, ac->fd, ret, "connect",
					     LOG_LVL_DEBUG, resp);
		}
		ctx->st->switched++;
		if (!sa_ip_equal((struct sockaddr *)&ac->addr, (struct sockaddr *)&c.req.to) ||
		    sa_port((struct sockaddr *)&ac->addr) != sa_port((struct sockaddr *)&c.req.to))
			note_rewrite(ctx, c.req.hsock, true, &ac->addr);
		b4_debug("switch connect pid=%d fd=%d %s -> %s: %s", req->pid,
			 ac->fd, sa_format((struct sockaddr *)&ac->addr, a, sizeof(a)),
			 sa_format((struct sockaddr *)&c.req.to, b, sizeof(b)),
			 c.req.reason);
		/* if a blocking connect fails, the container's own socket goes
		 * back in place: the retry must not find a host socket */
		return finish_connect(ctx, ac->fd, &c.req.hsock, c.req.info.fl, c.req.err,
				      &c.req.to, resp, wait, &ac->csock);
	case SWITCH_INPLACE:
		b4_debug("connect host socket pid=%d fd=%d %s -> %s: %s",
			 req->pid, ac->fd,
			 sa_format((struct sockaddr *)&ac->addr, a, sizeof(a)),
			 sa_format((struct sockaddr *)&c.req.to, b, sizeof(b)),
			 c.req.reason);
		return finish_connect(ctx, ac->fd, &ac->csock, c.req.info.fl,
				      c.req.err, &c.req.to, resp, wait, NULL);
	}
	return answer(resp, -EINVAL);
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

/* ip_bind_in_context() - may the supervisor bind the task's IP socket to
 * @a itself? Not a privileged port (below 1024) for a task without
 * CAP_NET_BIND_SERVICE: the supervisor owns the container's user namespace
 * and would be allowed; the helper, with the task's capabilities, gets the
 * kernel's own answer (ip_unprivileged_port_start of the namespace
 * included). Ports from 1024 on are taken to be free for everyone. */
static bool ip_bind_in_context(pid_t pid, const struct sockaddr_storage *a,
			       socklen_t len)
{
	uint16_t port;

	if ((a->ss_family != AF_INET && a->ss_family != AF_INET6) ||
	    !sa_valid_len((const struct sockaddr *)a, len))
		return true;
	port = sa_port((const struct sockaddr *)a);
	if (!port || port >= 1024)
		return true;
	return taskop_has_cap(pid, CAP_NET_BIND_SERVICE);
}

static enum handler_result do_bind(const struct handler_ctx *ctx,
				   struct addr_call *ac,
				   struct seccomp_notif_resp *resp,
				   struct handler_wait *wait)
{
	const struct seccomp_notif *req = ctx->req;
	struct switch_bind b = { 0 };
	char a[SA_STRLEN], m[128];
	int ret, family;

	if (!ip_bind_in_context(req->pid, &ac->addr, ac->alen)) {
		/* neither published nor bound by the supervisor: the kernel
		 * decides with the task's own capabilities */
		ctx->st->kept++;
		return in_task(ctx, TASKOP_BIND, ac->csock, &ac->addr, ac->alen,
			       resp, wait);
	}

	b.req = req_in(ctx, ac->csock, (struct sockaddr *)&ac->addr, ac->alen);
	ret = switch_bind(ctx->pol, &b);
	if (ret)
		return answer(resp, ret);
	if (b.req.action == SWITCH_REFUSE) {
		ctx->st->refused++;
		if (b.entry >= 0)
			b4_warn("publish %s: container bind of %s fails: %s: %s",
				mapping_name(ctx->pol, b.entry, m, sizeof(m)),
				sa_format((struct sockaddr *)&ac->addr, a, sizeof(a)),
				b.req.reason, strerror(-b.req.err));
		else
			b4_debug("refuse bind pid=%d fd=%d: %s", req->pid, ac->fd,
				 b.req.reason);
		return answer(resp, b.req.err);
	}
	if (b.req.action == SWITCH_NONE) {
		ctx->st->kept++;
		family = sock_family(ac->csock);
		if (family < 0)
			return answer(resp, family);
		if (!in_context(ctx, family, &ac->addr, ac->alen))
			return in_task(ctx, TASKOP_BIND, ac->csock, &ac->addr, ac->alen,
				       resp, wait);
		if (bind(ac->csock, (struct sockaddr *)&ac->addr, ac->alen))
			return answer(resp, -errno);
		return answer(resp, 0);
	}
	ret = handler_inject(ctx->notify_fd, req->id, req->pid, b.req.hsock, ac->fd,
			     ac->csock);
	if (ret) {
		switch_bind_forget(b.req.st, b.req.hsock);
		closep(&b.req.hsock);
		return inject_failed(ctx, ac->fd, ret, "bind", LOG_LVL_WARN, resp);
	}
	note_rewrite(ctx, b.req.hsock, false, &ac->addr);
	ctx->st->switched++;
	b4_debug("publish bind pid=%d fd=%d %s -> host %s", req->pid, ac->fd,
		 sa_format((struct sockaddr *)&ac->addr, a, sizeof(a)),
		 sa_format((struct sockaddr *)&b.req.to, m, sizeof(m)));
	closep(&b.req.hsock);
	return answer(resp, 0);
}

static enum handler_result do_listen(const struct handler_ctx *ctx,
				     const struct hcall *hc,
				     struct seccomp_notif_resp *resp)
{
	_cleanup_close_ int csock = -1;
	int ret = handler_grab_fd(ctx, (int)hc->a[0], &csock);
	bool foreign;

	if (ret)
		return answer_ret(resp, ret);
	if (switch_is_host_socket(csock, ctx->netns_id, ctx->self_netns_id,
				  &foreign) &&
	    !switch_is_published(ctx->pstate, csock)) {
		/* a host socket the container may listen on is a published
		 * one; any other would open a host port */
		ctx->st->refused++;
		return answer(resp, -EINVAL);
	}
	if (listen(csock, (int)hc->a[1]))
		return answer(resp, -errno);
	return answer(resp, 0);
}

/* send_sig_pipe() - a send on a broken stream raises SIGPIPE natively */
static void send_sig_pipe(pid_t tid)
{
	_cleanup_close_ int pidfd = proc_pidfd_open(tid);

	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, SIGPIPE, NULL, 0);
}

/* send_now() - one non-blocking send; a blocking sender waits in the loop */
static enum handler_result send_now(const struct handler_ctx *ctx,
				    int *sock, const void *buf, size_t len,
				    int flags, const struct sockaddr_storage *to,
				    socklen_t tolen,
				    struct seccomp_notif_resp *resp,
				    struct handler_wait *wait)
{
	int fl = fcntl(*sock, F_GETFL);
	ssize_t n;

	if (fl < 0)
		return answer(resp, -errno);
	/* the payload is the supervisor's buffer: the kernel must copy it */
	flags &= ~MSG_ZEROCOPY;
	n = sendto(*sock, buf, len, flags | MSG_DONTWAIT | MSG_NOSIGNAL,
		   tolen ? (const struct sockaddr *)to : NULL, tolen);
	if (n < 0 && errno == EAGAIN && !(fl & O_NONBLOCK) &&
	    !(flags & MSG_DONTWAIT) && ctx->waits < HANDLER_MAX_WAITS) {
		wait_init(wait, HWAIT_SEND);
		wait->buf = malloc(len ? len : 1);
		if (!wait->buf)
			return answer(resp, -ENOMEM);
		memcpy(wait->buf, buf, len);
		wait->len = len;
		wait->flags = flags;
		if (tolen)
			memcpy(&wait->to, to, tolen);
		wait->tolen = tolen;
		wait->pid = ctx->req->pid;
		wait->sock = take_fd(sock);
		handler_timeo_deadline(wait->sock, SO_SNDTIMEO, &wait->deadline);
		return HANDLER_WAIT;
	}
	if (n < 0 && errno == EPIPE && !(flags & MSG_NOSIGNAL))
		send_sig_pipe(ctx->req->pid);
	return answer_val(resp, n < 0 ? -errno : n);
}

/* read_payload() - copy what a sendto() sends; a stream send larger than
 * SEND_MAX becomes a short send */
static int read_payload(const struct handler_ctx *ctx, uint64_t ptr,
			size_t len, int type, void **out, size_t *outlen)
{
	static unsigned char *buf;

	if (len > SEND_MAX) {
		if (type != SOCK_STREAM)
			return -EMSGSIZE;
		len = SEND_MAX;
	}
	if (!buf) {
		buf = malloc(SEND_MAX);
		if (!buf)
			return -ENOMEM;
	}
	if (proc_read_mem(ctx->req->pid, ptr, buf, len))
		return -EFAULT;
	*out = buf;
	*outlen = len;
	return 0;
}

static enum handler_result do_sendto(const struct handler_ctx *ctx,
				     const struct hcall *hc,
				     struct seccomp_notif_resp *resp,
				     struct handler_wait *wait)
{
	const struct seccomp_notif *req = ctx->req;
	int fd = (int)hc->a[0];
	int flags = (int)hc->a[3];
	struct sockaddr_storage dst;
	_cleanup_close_ int csock = -1;
	struct switch_send s = { 0 };
	struct hostsock_info info;
	char a[SA_STRLEN];
	socklen_t dlen = 0;
	size_t plen;
	void *data;
	bool ip;
	int ret;

	memset(&dst, 0, sizeof(dst));
	ret = handler_grab_fd(ctx, fd, &csock);
	if (ret)
		return answer_ret(resp, ret);
	if (hc->a[4]) {
		ret = read_addr(req->pid, hc->a[4], hc->a[5], &dst, &dlen);
		if (ret)
			return answer(resp, ret);
	}
	ret = hostsock_inspect(csock, &info);
	if (ret)
		return answer(resp, ret);
	if ((flags & MSG_FASTOPEN) && info.type == SOCK_STREAM &&
	    (info.family == AF_INET || info.family == AF_INET6) &&
	    !info.connected) {
		/* TCP Fast Open connects: not supported on any socket, as on
		 * a host whose net.ipv4.tcp_fastopen has no client bit */
		ctx->st->refused++;
		return answer(resp, -EOPNOTSUPP);
	}
	ret = read_payload(ctx, hc->a[1], (size_t)hc->a[2], info.type, &data,
			   &plen);
	if (ret)
		return answer(resp, ret);

	ip = (dst.ss_family == AF_INET || dst.ss_family == AF_INET6) &&
	     sa_valid_len((struct sockaddr *)&dst, dlen);
	s.req = req_in(ctx, csock, ip ? (struct sockaddr *)&dst : NULL, 0);
	s.bad_dst = hc->a[4] && !ip;
	s.flags = flags;
	ret = switch_send(ctx->pol, &s);
	if (ret)
		return answer(resp, ret);
	switch (s.req.action) {
	case SWITCH_REFUSE:
		ctx->st->refused++;
		b4_debug("refuse send pid=%d fd=%d %s: %s (%s)", req->pid, fd,
			 ip ? sa_format((struct sockaddr *)&dst, a, sizeof(a)) : "-",
			 s.req.reason, strerror(-s.req.err));
		return answer(resp, s.req.err);
	case SWITCH_INPLACE:
		/* a host socket: only ever to the supervisor's copy */
		return send_now(ctx, &csock, data, plen, flags, &s.req.to,
				s.req.to.ss_family == AF_UNSPEC ? 0 :
				sa_len((struct sockaddr *)&s.req.to), resp, wait);
	case SWITCH_INJECT:
		ret = handler_inject(ctx->notify_fd, req->id, req->pid, s.req.hsock,
				     fd, csock);
		if (ret) {
			closep(&s.req.hsock);
			return inject_failed(ctx, fd, ret, NULL, LOG_LVL_DEBUG,
					     resp);
		}
		ctx->st->switched++;
		b4_debug("switch send pid=%d fd=%d %s: %s", req->pid, fd,
			 sa_format((struct sockaddr *)&dst, a, sizeof(a)), s.req.reason);
		switch_restore_flags(s.req.hsock, s.req.info.fl);
		return send_now(ctx, &s.req.hsock, data, plen, flags, &s.req.to,
				sa_len((struct sockaddr *)&s.req.to), resp, wait);
	case SWITCH_NONE:
		break;
	}
	ctx->st->kept++;
	if (!in_context(ctx, info.family, hc->a[4] ? &dst : NULL, dlen)) {
		struct taskop op = { .kind = TASKOP_SENDTO, .tid = req->pid,
				     .sock = csock,
				     .addr = hc->a[4] ? (struct sockaddr *)&dst : NULL,
				     .addrlen = dlen, .data = data, .len = plen,
				     .flags = flags };

		return start_helper(ctx, &op, resp, wait);
	}
	return send_now(ctx, &csock, data, plen, flags, &dst, dlen, resp, wait);
}

/* do_sendmsg() - trapped with MSG_FASTOPEN (refused: see do_sendto()), or
 * for every call with udp_sendmsg: then a datagram to a destination is
 * switched like sendto(), and anything else is left to the kernel (the
 * documented weaker mode) */
static enum handler_result do_sendmsg(const struct handler_ctx *ctx,
				      const struct hcall *hc, bool mmsg,
				      struct seccomp_notif_resp *resp,
				      struct handler_wait *wait)
{
	int flags = (int)hc->a[mmsg ? 3 : 2];
	struct msghdr mh;
	struct hcall sc;

	if ((flags & MSG_FASTOPEN) || mmsg || hc->multiplexed ||
	    ctx->req->data.arch != AUDIT_ARCH_X86_64 || !ctx->pol->udp_sendmsg) {
		/* socketcall(2) sendmsg: its flags live in memory that the
		 * kernel would read again, so it cannot be let through */
		ctx->st->refused++;
		return answer(resp, (flags & MSG_FASTOPEN) ? -EOPNOTSUPP :
							     -ENOSYS);
	}
	if (proc_read_mem(ctx->req->pid, hc->a[1], &mh, sizeof(mh)))
		return answer(resp, -EFAULT);
	if (!mh.msg_name || mh.msg_iovlen != 1 || mh.msg_controllen)
		return handler_continue(resp);
	{
		struct iovec iov;

		if (proc_read_mem(ctx->req->pid,
				  (uint64_t)(uintptr_t)mh.msg_iov, &iov,
				  sizeof(iov)))
			return answer(resp, -EFAULT);
		memset(&sc, 0, sizeof(sc));
		sc.op = HOP_SENDTO;
		sc.a[0] = hc->a[0];
		sc.a[1] = (uint64_t)(uintptr_t)iov.iov_base;
		sc.a[2] = iov.iov_len;
		sc.a[3] = (uint64_t)(unsigned int)flags;
		sc.a[4] = (uint64_t)(uintptr_t)mh.msg_name;
		sc.a[5] = mh.msg_namelen;
	}
	return do_sendto(ctx, &sc, resp, wait);
}

static enum handler_result do_getname(const struct handler_ctx *ctx,
				      const struct hcall *hc,
				      struct seccomp_notif_resp *resp,
				      bool peer)
{
	const struct seccomp_notif *req = ctx->req;
	const struct sockaddr_storage *found;
	struct sockaddr_storage acc;
	_cleanup_close_ int csock = -1;
	uint64_t cookie;
	int ret;

	/* read-only calls: whatever fd or buffer the kernel finds on
	 * CONTINUE, nothing is reached. Decided before the task's memory is
	 * touched: a CONTINUE costs no copy, an answer one (its
	 * proc_write_sized() reads the room and writes name and length) */
	handler_continue(resp);
	if ((!ctx->rw || !ctx->rw->n) && (peer || !ctx->pstate->n_pub))
		return HANDLER_ANSWER;
	ret = handler_grab_fd(ctx, (int)hc->a[0], &csock);
	if (ret)
		return ret == NOTIF_GONE ? HANDLER_DROP : HANDLER_ANSWER;
	if (rewrite_cookie(csock, &cookie))
		return HANDLER_ANSWER;
	found = ctx->rw ? rewrite_find(ctx->rw, cookie, peer) : NULL;
	/* a connection accepted on a published listener: the container side
	 * (common/localname.c) */
	if (!found && !peer &&
	    !localname_accepted(ctx->pol, ctx->pstate, csock, ctx->netns_id,
				ctx->self_netns_id, &acc))
		found = &acc;
	if (!found)
		return HANDLER_ANSWER;
	/* getpeername() of a socket that is not connected stays native */
	if (peer) {
		struct sockaddr_storage tmp;
		socklen_t tl = sizeof(tmp);

		if (getpeername(csock, (struct sockaddr *)&tmp, &tl))
			return HANDLER_ANSWER;
	}
	/* a negative length: EINVAL, a bad pointer: EFAULT, as natively */
	ret = proc_write_sized(req->pid, hc->a[1], hc->a[2], found,
			       sa_len((const struct sockaddr *)found));
	return answer(resp, ret == -EINVAL || !ret ? ret : -EFAULT);
}

/* do_addr_call() - connect() or bind(): its address and fd, then the
 * handler */
static enum handler_result do_addr_call(const struct handler_ctx *ctx,
					const struct hcall *hc,
					struct seccomp_notif_resp *resp,
					struct handler_wait *wait)
{
	struct addr_call ac __attribute__((cleanup(addr_call_close))) = {
		.csock = -1 };
	int ret = addr_call_read(ctx, hc, &ac);

	if (ret)
		return answer_ret(resp, ret);
	if (hc->op == HOP_CONNECT)
		return do_connect(ctx, &ac, resp, wait);
	return do_bind(ctx, &ac, resp, wait);
}

enum handler_result handler_dispatch(const struct handler_ctx *ctx,
				     struct seccomp_notif_resp *resp,
				     struct handler_wait *wait)
{
	struct hcall hc;
	int ret = handler_decode(ctx->req, &hc);

	wait_init(wait, HWAIT_CONNECT);
	if (ret)
		return answer(resp, ret);
	switch (hc.op) {
	case HOP_CONNECT:
	case HOP_BIND:
		return do_addr_call(ctx, &hc, resp, wait);
	case HOP_LISTEN:
		return do_listen(ctx, &hc, resp);
	case HOP_SENDTO:
		return do_sendto(ctx, &hc, resp, wait);
	case HOP_SENDMSG:
		return do_sendmsg(ctx, &hc, false, resp, wait);
	case HOP_SENDMMSG:
		return do_sendmsg(ctx, &hc, true, resp, wait);
	case HOP_GETSOCKNAME:
		return do_getname(ctx, &hc, resp, false);
	case HOP_GETPEERNAME:
		return do_getname(ctx, &hc, resp, true);
	case HOP_ACCEPT:
	case HOP_ACCEPT4:
		return accept_handle(ctx, &hc, resp, wait);
	case HOP_OTHER:
		/* a socketcall(2) we do not trap (its number is a register,
		 * the kernel cannot be made to run another call) */
		return handler_continue(resp);
	case HOP_DENY:
		break;
	}
	ctx->st->refused++;
	return answer(resp, -ENOSYS);
}

enum handler_result handler_wait_event(struct handler_wait *w, int notify_fd,
				       uint64_t id,
				       struct seccomp_notif_resp *resp)
{
	ssize_t n;
	int ret;

	switch (w->kind) {
	case HWAIT_CONNECT:
		ret = switch_connect_result(w->sock, w->fl, &w->to);
		if (ret && w->restore >= 0) {
			/* the host socket failed: the container's own socket
			 * (never connected, its state intact) goes back */
			if (handler_inject(notify_fd, id, w->pid, w->restore,
					   w->fd, w->sock))
				b4_debug("could not put the container socket back");
		}
		return answer(resp, ret);
	case HWAIT_SEND:
		n = sendto(w->sock, w->buf, w->len,
			   w->flags | MSG_DONTWAIT | MSG_NOSIGNAL,
			   w->tolen ? (struct sockaddr *)&w->to : NULL, w->tolen);
		if (n < 0 && errno == EAGAIN)
			return HANDLER_WAIT;
		if (n < 0 && errno == EPIPE && !(w->flags & MSG_NOSIGNAL))
			send_sig_pipe(w->pid);
		return answer_val(resp, n < 0 ? -errno : n);
	case HWAIT_ACCEPT:
		return accept_wait_event(w, notify_fd, id, resp);
	case HWAIT_HELPER:
		n = taskop_finish(w->sock, w->helper, false);
		w->sock = -1;
		w->helper = -1;
		return answer_val(resp, n);
	}
	return answer(resp, -EIO);
}

void handler_wait_timeout(struct handler_wait *w,
			  struct seccomp_notif_resp *resp)
{
	if (w->kind == HWAIT_CONNECT) {
		/* Linux answers a timed-out blocking connect so */
		switch_restore_flags(w->sock, w->fl);
		answer(resp, -EINPROGRESS);
	} else {
		answer(resp, -EAGAIN);
	}
}

void handler_wait_release(struct handler_wait *w)
{
	if (w->kind == HWAIT_HELPER && w->sock >= 0) {
		taskop_finish(w->sock, w->helper, true);
		w->sock = -1;
		w->helper = -1;
	}
	closep(&w->sock);
	closep(&w->restore);
	free(w->buf);
	w->buf = NULL;
	free(w->acc);
	w->acc = NULL;
}
