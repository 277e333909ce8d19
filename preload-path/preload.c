// SPDX-License-Identifier: GPL-2.0-or-later
/* preload.c - libb4ns.so: host sockets for dynamically linked programs
 *
 * Theory of operation: for kernels without SECCOMP_IOCTL_NOTIF_ADDFD, or
 * sandboxes without seccomp listeners, this library interposes connect(),
 * bind(), sendto() and getsockname(). It decides nothing: the process is untrusted. For an
 * AF_INET/AF_INET6 address it sends the supervisor a request with a
 * duplicate of its own socket (SCM_RIGHTS) and the address; the supervisor
 * runs the same common/ code as the seccomp path (policy, state copy onto a
 * new host socket, connect/bind with its own copy of the address) and
 * returns the host socket or "not switched". The library dup3()s the host
 * socket over the original fd, keeping FD_CLOEXEC, and gives the
 * application native semantics: a blocking connect waits here (poll, with
 * SO_SNDTIMEO), a non-blocking one returns EINPROGRESS.
 *
 * Paths that are not switched allocate nothing and keep errno. Everything
 * here is a plain system call (no malloc, no locks, no stdio; the listener
 * table is a fixed array under per-slot seqlocks), so the
 * wrappers are as async-signal-safe and thread-safe as libc's own. If the
 * supervisor cannot be reached, the call proceeds natively (the slow path)
 * with one warning per process. Requests and answers go through
 * common/fdpass.c, compiled into this library with hidden visibility: only
 * the interposers are exported. getsockname() of a published listener and
 * of the connections accepted on it shows the container side, from a
 * small table the library keeps of the listeners it bound (lsntab.c). Unlike the seccomp path, a hostile
 * process holding a host socket could reconnect it by a raw system call:
 * the preload path accelerates, it does not confine.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdpass.h"
#include "lsntab.h"
#include "proto.h"

#define REPLY_TIMEOUT_MS 5000

/* the library is built with hidden visibility: only the interposers are
 * exported, its helpers (common/fdpass.c) stay private */
#define B4NS_PRELOAD_EXPORT __attribute__((visibility("default")))

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int,
			     const struct sockaddr *, socklen_t);
typedef int (*getsockname_fn)(int, struct sockaddr *, socklen_t *);

static connect_fn real_connect;
static bind_fn real_bind;
static sendto_fn real_sendto;
static getsockname_fn real_getsockname;
static int chan_fd = -1;		/* inherited request channel */
static char chan_path[108];		/* or a socket path */
static atomic_int warned;

static void say(const char *msg)
{
	if (write(STDERR_FILENO, msg, strlen(msg)) < 0) {
		/* nowhere to say it */
	}
}

static void warn_once(const char *why)
{
	if (atomic_exchange(&warned, 1))
		return;
	say("libb4ns: supervisor unreachable (");
	say(why);
	say("): sockets stay on the slow path\n");
}

__attribute__((constructor)) static void b4ns_preload_init(void)
{
	const char *fd = getenv(PRELOAD_ENV_FD);
	const char *path = getenv(PRELOAD_ENV_SOCK);

	real_connect = (connect_fn)dlsym(RTLD_NEXT, "connect");
	real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
	real_sendto = (sendto_fn)dlsym(RTLD_NEXT, "sendto");
	real_getsockname = (getsockname_fn)dlsym(RTLD_NEXT, "getsockname");
	if (fd && *fd) {
		char *end;
		long v = strtol(fd, &end, 10);
		int type = 0;
		socklen_t len = sizeof(type);

		if (!*end && v >= 0 && v < 1 << 20 &&
		    !getsockopt((int)v, SOL_SOCKET, SO_TYPE, &type, &len) &&
		    type == SOCK_SEQPACKET)
			chan_fd = (int)v;
	}
	if (path && *path && strlen(path) < sizeof(chan_path))
		strcpy(chan_path, path);
}

/* open_path() - a fresh request channel to the socket path */
static int open_path(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (!chan_path[0])
		return -1;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	memcpy(sa.sun_path, chan_path, sizeof(chan_path));
	if (real_connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		close(s);
		return -1;
	}
	return s;
}

static int send_req(int chan, const struct preload_req *req, int sock, int reply)
{
	int fds[2] = { sock, reply };

	return fdpass_send(chan, req, sizeof(*req), fds, 2, 0) ==
			       (ssize_t)sizeof(*req) ? 0 : -1;
}

/* ask() - one request; returns false if the supervisor could not be asked
 * (then the call goes native), true with *resp and maybe *hsock otherwise */
static bool ask(int fd, const struct preload_req *req,
		struct preload_resp *resp, int *hsock)
{
	struct fdpass_rx rx = { 0 };
	struct pollfd p;
	int pair[2], chan, ret;
	ssize_t n;

	*hsock = -1;
	if (chan_fd < 0 && !chan_path[0])
		return false;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair))
		return false;
	ret = chan_fd >= 0 ? send_req(chan_fd, req, fd, pair[1]) : -1;
	if (ret) {
		chan = open_path();
		ret = chan >= 0 ? send_req(chan, req, fd, pair[1]) : -1;
		if (chan >= 0)
			close(chan);
	}
	close(pair[1]);
	if (ret) {
		close(pair[0]);
		warn_once("no request channel");
		return false;
	}
	p.fd = pair[0];
	p.events = POLLIN;
	do
		ret = poll(&p, 1, REPLY_TIMEOUT_MS);
	while (ret < 0 && errno == EINTR);
	n = ret > 0 ? fdpass_recv(pair[0], resp, sizeof(*resp), hsock, 1, 0, &rx)
		    : -ETIMEDOUT;
	close(pair[0]);
	if (n != (ssize_t)sizeof(*resp) || resp->magic != PRELOAD_MAGIC) {
		fdpass_close(hsock, rx.nfds);
		*hsock = -1;
		warn_once(n == 0 ? "request refused" : "no answer");
		return false;
	}
	if (resp->action != PRELOAD_SWITCHED && *hsock >= 0) {
		close(*hsock); /* not ours to keep */
		*hsock = -1;
	}
	if (resp->action == PRELOAD_SWITCHED && *hsock < 0)
		return false;
	return true;
}

/* request() - fill a request for @addr; false if not an IP address, or
 * not readable (the real call then fails with EFAULT, as it should): the
 * copy goes through the kernel, so a bad pointer never faults here */
static bool request(struct preload_req *req, int op, const struct sockaddr *addr,
		    socklen_t len, int flags)
{
	struct iovec local, remote;

	if (!addr || len < sizeof(sa_family_t) ||
	    len > sizeof(struct sockaddr_storage))
		return false;
	memset(req, 0, sizeof(*req));
	local.iov_base = &req->addr;
	local.iov_len = len;
	remote.iov_base = (void *)addr;
	remote.iov_len = len;
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)len)
		return false;
	if (req->addr.ss_family != AF_INET && req->addr.ss_family != AF_INET6)
		return false;
	req->magic = PRELOAD_MAGIC;
	req->version = PRELOAD_VERSION;
	req->op = (uint16_t)op;
	req->flags = flags;
	req->addrlen = len;
	return true;
}

/* adopt() - put the host socket @hsock over @fd, as the same kind of fd */
static int adopt(int fd, int hsock)
{
	int fdflags = fcntl(fd, F_GETFD);
	int ret;

	ret = dup3(hsock, fd, fdflags >= 0 && (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0);
	close(hsock);
	return ret < 0 ? -1 : 0;
}

/* wait_connect() - finish a connect in progress for a blocking caller */
static int wait_connect(int fd, const struct sockaddr_storage *to)
{
	struct timeval tv = { 0 };
	socklen_t len = sizeof(tv);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int timeout = -1, err = 0, ret;

	if (!getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) &&
	    (tv.tv_sec || tv.tv_usec))
		timeout = (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
	ret = poll(&p, 1, timeout);
	if (ret < 0)
		return -errno; /* EINTR, as a native connect would say */
	if (ret == 0)
		return -EINPROGRESS; /* SO_SNDTIMEO expired, as natively */
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	if (err)
		return -err;
	/* settle the socket: the next connect() must say EISCONN */
	if (real_connect(fd, (const struct sockaddr *)to,
			 to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						     sizeof(struct sockaddr_in)) &&
	    errno != EISCONN)
		return -errno;
	return 0;
}

/* take_over() - ask the supervisor about @req on @fd; if it switched the
 * socket, put the host socket over @fd (connect(), bind()). Return: 1 taken
 * over, 0 the real call is to be made (errno is @saved again), -1 failed
 * (errno says why) */
static int take_over(int fd, struct preload_req *req,
		     struct preload_resp *resp, int saved)
{
	int hsock;

	if (!ask(fd, req, resp, &hsock) || resp->action == PRELOAD_NATIVE ||
	    resp->action == PRELOAD_SEND) {
		errno = saved;
		return 0;
	}
	if (resp->action == PRELOAD_FAIL) {
		errno = -resp->err;
		return -1;
	}
	return adopt(fd, hsock) ? -1 : 1;
}

B4NS_PRELOAD_EXPORT
int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct preload_req req;
	struct preload_resp resp;
	int saved = errno, fl, ret;

	if (!request(&req, PRELOAD_CONNECT, addr, len, 0))
		return real_connect(fd, addr, len);
	fl = fcntl(fd, F_GETFL);
	ret = fl < 0 ? 0 : take_over(fd, &req, &resp, saved);
	if (ret < 0)
		return -1;
	if (!ret) {
		errno = saved; /* fcntl() may have failed */
		return real_connect(fd, addr, len);
	}
	ret = resp.err;
	if (ret == -EINPROGRESS && !(fl & O_NONBLOCK))
		ret = wait_connect(fd, &resp.to);
	/* the host socket was made non-blocking: give back the caller's mode */
	if (!(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl);
	if (ret) {
		errno = -ret;
		return -1;
	}
	errno = saved;
	return 0;
}

B4NS_PRELOAD_EXPORT
int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct preload_req req;
	struct preload_resp resp;
	int saved = errno, ret;

	if (!request(&req, PRELOAD_BIND, addr, len, 0)) {
		errno = saved;
		return real_bind(fd, addr, len);
	}
	ret = take_over(fd, &req, &resp, saved);
	if (ret <= 0)
		return ret ? -1 : real_bind(fd, addr, len);
	if (resp.published)
		lsntab_add(fd, &req.addr, &resp.own);
	errno = saved;
	return 0;
}

/* getsockname() of a published listener, or of a connection accepted on
 * one: the container side (lsntab.c), with the kernel's checks of the
 * caller's buffers and its truncation */
B4NS_PRELOAD_EXPORT
int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sockaddr_storage shown;
	struct iovec local, remote;
	socklen_t cap, size;
	int ret;

	if (!lsntab_name(fd, &shown))
		return real_getsockname(fd, addr, len);
	/* the caller's room, read through the kernel: a bad pointer is the
	 * real call's EFAULT, never a fault here */
	local.iov_base = &cap;
	local.iov_len = sizeof(cap);
	remote.iov_base = len;
	remote.iov_len = sizeof(cap);
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != sizeof(cap))
		return real_getsockname(fd, addr, len);
	ret = real_getsockname(fd, addr, len);
	if (ret)
		return ret;
	size = shown.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					     sizeof(struct sockaddr_in);
	memcpy(addr, &shown, cap < size ? cap : size);
	*len = size;
	return 0;
}

B4NS_PRELOAD_EXPORT
ssize_t sendto(int fd, const void *buf, size_t n, int flags,
	       const struct sockaddr *addr, socklen_t len)
{
	struct preload_req req;
	struct preload_resp resp;
	int saved = errno, fl, hsock;

	if (!request(&req, PRELOAD_SENDTO, addr, len, flags))
		return real_sendto(fd, buf, n, flags, addr, len);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || !ask(fd, &req, &resp, &hsock) ||
	    resp.action == PRELOAD_NATIVE) {
		errno = saved;
		return real_sendto(fd, buf, n, flags, addr, len);
	}
	if (resp.action == PRELOAD_FAIL) {
		errno = -resp.err;
		return -1;
	}
	if (resp.action == PRELOAD_SWITCHED) {
		if (adopt(fd, hsock))
			return -1;
		fcntl(fd, F_SETFL, fl);
	}
	errno = saved;
	return real_sendto(fd, buf, n, flags, (struct sockaddr *)&resp.to,
			   resp.to.ss_family == AF_INET6 ?
				   sizeof(struct sockaddr_in6) :
				   sizeof(struct sockaddr_in));
}
