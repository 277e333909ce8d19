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
 */
#include <elf.h>
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

#include "err.h"
#include "fdpass.h"
#include "log.h"
#include "proc.h"
#include "proto.h"
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

/* serve() - decide one request for container @c on socket @sock */
static void serve(struct notif_loop *loop, struct notif_container *c,
		  const struct preload_req *req, int sock, int reply, pid_t pid)
{
	const struct policy_cfg *pol = notif_container_policy(c);
	struct switch_pub *pub = notif_container_pub(c);
	struct preload_resp resp = { .magic = PRELOAD_MAGIC };
	const struct sockaddr *dst = (const struct sockaddr *)&req->addr;
	char a[SA_STRLEN];
	int hsock = -1;

	if (req->addrlen > sizeof(req->addr) || !sa_valid_len(dst, req->addrlen)) {
		resp.action = PRELOAD_NATIVE; /* the kernel gives the errno */
		respond(reply, &resp, -1);
		return;
	}
	if (req->op == PRELOAD_CONNECT) {
		struct switch_conn sc = { .csock = sock, .dst = dst,
					  .dstlen = req->addrlen, .pub = pub,
					  .netns_id = notif_container_netns(c),
					  .self_netns_id = notif_loop_self_netns(loop) };

		if (switch_connect(pol, &sc))
			sc.action = SWITCH_NONE;
		resp.err = sc.err;
		resp.to = sc.to;
		switch (sc.action) {
		case SWITCH_INJECT:
			hsock = sc.hsock;
			resp.action = PRELOAD_SWITCHED;
			break;
		case SWITCH_INPLACE:
			hsock = sock;	/* the same file: dup3() is harmless */
			resp.action = PRELOAD_SWITCHED;
			break;
		case SWITCH_REFUSE:
			resp.action = PRELOAD_FAIL;
			break;
		default:
			resp.action = PRELOAD_NATIVE;
		}
		b4_debug("preload: %s connect pid=%d %s: %s",
			 resp.action == PRELOAD_SWITCHED ? "switch" :
			 resp.action == PRELOAD_FAIL ? "refuse" : "keep", (int)pid,
			 sa_format(dst, a, sizeof(a)), sc.reason);
	} else if (req->op == PRELOAD_BIND) {
		struct switch_bind sb = { .csock = sock, .addr = dst,
					  .addrlen = req->addrlen, .pub = pub,
					  .netns_id = notif_container_netns(c),
					  .self_netns_id = notif_loop_self_netns(loop) };

		if (switch_bind(pol, &sb))
			sb.action = SWITCH_NONE;
		resp.err = sb.err;
		resp.to = sb.host;
		resp.action = sb.action == SWITCH_INJECT ? PRELOAD_SWITCHED :
			      sb.action == SWITCH_REFUSE ? PRELOAD_FAIL :
							   PRELOAD_NATIVE;
		hsock = sb.hsock;
		if (sb.action == SWITCH_REFUSE && sb.entry >= 0)
			b4_warn("publish: container bind of %s fails: %s: %s",
				sa_format(dst, a, sizeof(a)), sb.reason,
				strerror(-sb.err));
	} else if (req->op == PRELOAD_SENDTO) {
		struct switch_send ss = { .csock = sock, .dst = dst,
					  .flags = req->flags, .pub = pub,
					  .netns_id = notif_container_netns(c),
					  .self_netns_id = notif_loop_self_netns(loop) };

		if (switch_send(pol, &ss))
			ss.action = SWITCH_NONE;
		resp.err = ss.err;
		resp.to = ss.to;
		resp.action = ss.action == SWITCH_INJECT ? PRELOAD_SWITCHED :
			      ss.action == SWITCH_INPLACE ? PRELOAD_SEND :
			      ss.action == SWITCH_REFUSE ? PRELOAD_FAIL :
							   PRELOAD_NATIVE;
		hsock = ss.hsock;
	} else {
		resp.action = PRELOAD_NATIVE;
	}
	notif_container_count(c, resp.action == PRELOAD_SWITCHED ? 1 :
				 resp.action == PRELOAD_FAIL ? -1 : 0);
	respond(reply, &resp, hsock);
	if (hsock >= 0 && hsock != sock)
		close(hsock);
}

static void on_channel(struct notif_loop *loop, int fd, uint32_t events,
		       void *arg)
{
	for (;;) {
		struct preload_req req;
		struct fdpass_rx rx;
		struct ucred cred;
		int fds[2] = { -1, -1 }, nfds;
		struct notif_container *c = NULL;
		uint64_t ino;
		ssize_t n;

		n = fdpass_recv(fd, &req, sizeof(req), fds, 2, MSG_DONTWAIT, &rx);
		nfds = rx.nfds;
		if (n <= 0) {
			fdpass_close(fds, nfds);
			if (n == 0 || (n != -EAGAIN && n != -EWOULDBLOCK)) {
				/* every holder of the channel is gone */
				notif_loop_del_extra(loop, fd);
				close(fd);
			}
			return;
		}
		cred = rx.cred; /* zero when none came */
		if (n == (ssize_t)sizeof(req) && nfds == 2 &&
		    req.magic == PRELOAD_MAGIC && req.version == PRELOAD_VERSION &&
		    cred.pid > 0 && !proc_netns_ino(cred.pid, &ino))
			c = notif_container_by_netns(loop, ino);
		if (c) {
			serve(loop, c, &req, fds[0], fds[1], cred.pid);
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

int preload_serve_channel(struct notif_loop *loop, int fd)
{
	int ret = passcred(fd);

	if (!ret)
		ret = notif_loop_add_extra(loop, fd, EPOLLIN, on_channel, NULL);
	if (ret)
		close(fd);
	return ret;
}

static void on_listen(struct notif_loop *loop, int fd, uint32_t events,
		      void *arg)
{
	int c;

	while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (passcred(c) ||
		    notif_loop_add_extra(loop, c, EPOLLIN, on_channel, NULL))
			close(c);
	}
}

int preload_serve_path(struct notif_loop *loop, const char *path)
{
	_cleanup_close_ int s = unixsock_listen(path, SOCK_SEQPACKET);
	int ret;

	if (s < 0)
		return s;
	ret = passcred(s);
	if (!ret)
		ret = notif_loop_add_extra(loop, s, EPOLLIN, on_listen, NULL);
	if (ret)
		return ret;
	return take_fd(&s);
}

int preload_find_library(char *buf, size_t len)
{
	const char *env = getenv("B4NS_PRELOAD_LIB");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return access(buf, R_OK) ? -ENOENT : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	snprintf(buf, len, "%s/libb4ns.so", exe);
	if (!access(buf, R_OK))
		return 0;
	snprintf(buf, len, "%s/../%s/libb4ns.so", exe, B4NS_LIBDIR_REL);
	if (!access(buf, R_OK))
		return 0;
	snprintf(buf, len, "%s/libb4ns.so", B4NS_LIBDIR);
	return access(buf, R_OK) ? -ENOENT : 0;
}

/* resolve() - @cmd as execvp() would find it */
static bool resolve(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(cmd, '/')) {
		snprintf(out, len, "%s", cmd);
		return true;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t l = strcspn(path, ":");

		snprintf(out, len, "%.*s/%s", (int)l, path, cmd);
		if (!access(out, X_OK))
			return true;
		path += l + (path[l] == ':');
	}
	return false;
}

bool preload_is_static(const char *cmd)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (!resolve(cmd, path, sizeof(path)))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		return false;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(ph))
		return false; /* a script, or 32-bit: its interpreter decides */
	for (int i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (size_t)i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return false;
		if (ph.p_type == PT_INTERP)
			return false;
	}
	return true;
}
