// SPDX-License-Identifier: GPL-2.0-or-later
/* fdpass.c - send and receive file descriptors (SCM_RIGHTS) with a payload
 *
 * Theory of operation: every descriptor b4ns hands between processes goes
 * through here: the sandbox child's address monitor and its "join"
 * twin (launch/sandbox.c), the OCI runtime's seccomp listener to the daemon
 * (oci/daemon.c), and the preload path's requests and answers
 * (preload-path/preload.c, preload-path/server.c). One message is one
 * sendmsg()/recvmsg() with a single SCM_RIGHTS control message. The
 * receiver keeps what fits in its array and closes the rest, so a peer
 * cannot leak descriptors into us; descriptors arrive close-on-exec
 * (MSG_CMSG_CLOEXEC). Only system calls and memcpy() are used: libb4ns.so
 * links this file in, hidden, and calls it from its interposers.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "err.h"
#include "fdpass.h"

ssize_t fdpass_send(int sock, const void *buf, size_t len, const int *fds,
		    int nfds, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nfds < 0 || nfds > FDPASS_MAX)
		return -EINVAL;
	if (nfds) {
		size_t size = sizeof(int) * (size_t)nfds;
		struct cmsghdr *cm;

		memset(u.buf, 0, sizeof(u.buf));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(size);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(size);
		memcpy(CMSG_DATA(cm), fds, size);
	}
	n = B4_NOINTR(sendmsg(sock, &mh, flags | MSG_NOSIGNAL));
	return n < 0 ? -errno : n;
}

/* take_rights() - store the descriptors of one SCM_RIGHTS message, close
 * those beyond @maxfds */
static void take_rights(const struct cmsghdr *cm, int *fds, int maxfds,
			struct fdpass_rx *rx)
{
	size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

	for (size_t i = 0; i < k; i++) {
		int fd;

		memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
		if (rx->nfds < maxfds) {
			fds[rx->nfds++] = fd;
		} else {
			close(fd);
			rx->dropped++;
		}
	}
}

ssize_t fdpass_recv(int sock, void *buf, size_t len, int *fds, int maxfds,
		    int flags, struct fdpass_rx *rx)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX) +
			 CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	memset(rx, 0, sizeof(*rx));
	n = B4_NOINTR(recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC));
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_RIGHTS) {
			take_rights(cm, fds, maxfds, rx);
		} else if (cm->cmsg_type == SCM_CREDENTIALS &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			memcpy(&rx->cred, CMSG_DATA(cm), sizeof(rx->cred));
			rx->has_cred = true;
		}
	}
	/* more than fit in u.buf: the kernel closed the rest */
	if (mh.msg_flags & MSG_CTRUNC)
		rx->dropped++;
	if (mh.msg_flags & MSG_TRUNC)
		rx->truncated = true;
	return n;
}

void fdpass_close(const int *fds, int nfds)
{
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}
