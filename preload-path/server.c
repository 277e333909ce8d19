// SPDX-License-Identifier: GPL-2.0-or-later
/* server.c - the supervisor's side of libb4ns.so: the request server
 *
 * Theory of operation: container processes send requests (proto.h) on a
 * SOCK_SEQPACKET request channel: either the end of a socketpair they
 * inherit, or a connection to a socket path. SO_PASSCRED makes the kernel
 * attach each sender's real pid; the request is served only if that pid's
 * network namespace is one of our containers', and only on a socket that
 * lives in that namespace (common/switch checks the socket's namespace).
 * The decision and the host socket come from the same common/ code as the
 * seccomp path: switch_connect(), switch_bind(), switch_send(). Nothing
 * here blocks: a connect in progress is answered -EINPROGRESS and the
 * library waits for it in the application, not in the supervisor.
 *
 * The server runs in the supervisor's event loop (common/loop.c) and finds
 * containers in its registry (common/container.c); it is its own library,
 * linked into the b4ns program, and registers itself as the program's
 * request server (common/reqsrv.h): seccomp-path/ starts it without
 * knowing this path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "fdpass.h"
#include "localname.h"
#include "log.h"
#include "proc.h"
#include "proto.h"
#include "reqsrv.h"
#include "server.h"
#include "switch.h"
#include "unixsock.h"

static void respond(int reply, const struct preload_resp *resp, int hsock)
{
	ssize_t n = fdpass_send(reply, resp, sizeof(*resp), &hsock,
				hsock >= 0 ? 1 : 0, MSG_DONTWAIT);

	if (n < 0)
		b4_debug("preload: answering: %s", strerror((int)-n));
}

/* preload_action() - what libb4ns.so does for a request @op the switch
 * decided as @action: a connect switched in place takes the same socket
 * back, a send on a host socket is made there */
static int preload_action(uint16_t op, enum switch_action action)
{
	switch (action) {
	case SWITCH_INJECT:
		return PRELOAD_SWITCHED;
	case SWITCH_INPLACE:
		return op == PRELOAD_CONNECT ? PRELOAD_SWITCHED :
		       op == PRELOAD_SENDTO ? PRELOAD_SEND : PRELOAD_NATIVE;
	case SWITCH_REFUSE:
		return PRELOAD_FAIL;
	default:
		return PRELOAD_NATIVE;
	}
}

/* serve() - decide one request for container @c on socket @sock */
static void serve(struct registry *r, struct container *c,
		  const struct preload_req *req, int sock, int reply, pid_t pid)
{
	const struct policy_cfg *pol = container_policy(c);
	struct policy_state *st = &c->state;
	struct preload_resp resp = { .magic = PRELOAD_MAGIC };
	const struct sockaddr *dst = (const struct sockaddr *)&req->addr;
	struct switch_req in = { .csock = sock, .addr = dst,
				 .addrlen = req->addrlen, .st = st,
				 .netns_id = c->netns_id,
				 .self_netns_id = registry_self_netns(r) };
	struct switch_req out = { .action = SWITCH_NONE, .hsock = -1 };
	char a[SA_STRLEN];
	int hsock;

	if (req->addrlen > sizeof(req->addr) || !sa_valid_len(dst, req->addrlen)) {
		resp.action = PRELOAD_NATIVE; /* the kernel gives the errno */
		respond(reply, &resp, -1);
		return;
	}
	if (req->op == PRELOAD_CONNECT) {
		struct switch_conn sc = { .req = in };

		switch_connect(pol, &sc); /* a failure is SWITCH_NONE */
		out = sc.req;
		b4_debug("preload: %s connect pid=%d %s: %s",
			 out.action == SWITCH_INJECT || out.action == SWITCH_INPLACE ?
			 "switch" : out.action == SWITCH_REFUSE ? "refuse" : "keep",
			 (int)pid, sa_format(dst, a, sizeof(a)), out.reason);
		if (out.action == SWITCH_INPLACE)
			out.hsock = sock; /* the same file: dup3() is harmless */
	} else if (req->op == PRELOAD_BIND) {
		struct switch_bind sb = { .req = in };

		switch_bind(pol, &sb);
		out = sb.req;
		if (out.action == SWITCH_REFUSE && sb.entry >= 0)
			b4_warn("publish: container bind of %s fails: %s: %s",
				sa_format(dst, a, sizeof(a)), out.reason,
				strerror(-out.err));
		/* what getsockname() of its connections shows (libb4ns.so
		 * answers it from its own table) */
		if (out.action == SWITCH_INJECT && sb.entry >= 0) {
			resp.published = 1;
			localname_own(st, &resp.own);
		}
	} else if (req->op == PRELOAD_SENDTO) {
		struct switch_send ss = { .req = in, .flags = req->flags };

		switch_send(pol, &ss);
		out = ss.req;
	}
	resp.err = out.err;
	resp.to = out.to;
	resp.action = preload_action(req->op, out.action);
	hsock = out.hsock;
	container_count(c, resp.action == PRELOAD_SWITCHED ? 1 :
				 resp.action == PRELOAD_FAIL ? -1 : 0);
	respond(reply, &resp, hsock);
	if (hsock >= 0 && hsock != sock)
		close(hsock);
}

static void on_channel(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct registry *r = arg;

	for (;;) {
		struct preload_req req;
		struct fdpass_rx rx;
		struct ucred cred;
		int fds[2] = { -1, -1 }, nfds;
		struct container *c = NULL;
		uint64_t ino;
		ssize_t n;

		n = fdpass_recv(fd, &req, sizeof(req), fds, 2, MSG_DONTWAIT, &rx);
		nfds = rx.nfds;
		if (n <= 0) {
			fdpass_close(fds, nfds);
			if (n == 0 || (n != -EAGAIN && n != -EWOULDBLOCK)) {
				/* every holder of the channel is gone */
				loop_del_fd(l, fd);
				close(fd);
			}
			return;
		}
		cred = rx.cred; /* zero when none came */
		if (n == (ssize_t)sizeof(req) && nfds == 2 &&
		    req.magic == PRELOAD_MAGIC && req.version == PRELOAD_VERSION &&
		    cred.pid > 0 && !proc_netns_ino(cred.pid, &ino))
			c = container_by_netns(r, ino);
		if (c) {
			serve(r, c, &req, fds[0], fds[1], cred.pid);
		} else {
			b4_warn("preload: request from pid %d refused: %s", (int)cred.pid,
				nfds == 2 && n == (ssize_t)sizeof(req) ?
					"not a process of a known container" :
					"malformed");
		}
		/* closing the reply end without an answer means "refused" */
		fdpass_close(fds, nfds);
	}
}

static int passcred(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ? -errno : 0;
}

static int serve_channel(struct registry *r, int fd)
{
	int ret = passcred(fd);

	if (!ret)
		ret = loop_add(registry_loop(r), fd, EPOLLIN, on_channel, r, NULL);
	if (ret)
		close(fd);
	return ret;
}

static void on_listen(struct loop *l, int fd, uint32_t events, void *arg)
{
	int c;

	while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (passcred(c) ||
		    loop_add(l, c, EPOLLIN, on_channel, arg, NULL))
			close(c);
	}
}

static int serve_path(struct registry *r, const char *path)
{
	_cleanup_close_ int s = unixsock_listen(path, SOCK_SEQPACKET);
	int ret;

	if (s < 0)
		return s;
	ret = passcred(s);
	if (!ret)
		ret = loop_add(registry_loop(r), s, EPOLLIN, on_listen, r, NULL);
	if (ret)
		return ret;
	return take_fd(&s);
}

static const struct reqsrv_ops preload_reqsrv = {
	.serve_channel = serve_channel,
	.serve_path = serve_path,
};

/* linked into the program, the server registers itself: the launcher and the
 * daemon call it through common/reqsrv.h, never through this path's headers */
__attribute__((constructor)) static void preload_server_register(void)
{
	reqsrv_register(&preload_reqsrv);
}
