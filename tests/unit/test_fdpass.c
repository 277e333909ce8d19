// SPDX-License-Identifier: GPL-2.0-or-later
/* test_fdpass.c - fdpass_send() and fdpass_recv() over a socketpair
 *
 * Descriptors are pipe write ends: one that the receiver closed, and the
 * sender's copy too, shows as EOF on the read end, so a leak is visible.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "err.h"
#include "fdpass.h"

static int sp[2];

static void setup_pair(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
}

static void teardown_pair(void)
{
	close(sp[0]);
	close(sp[1]);
}

TestSuite(fdpass, .init = setup_pair, .fini = teardown_pair);

/* pipes() - @n pipes: read ends in @r, write ends in @w */
static void pipes(int *r, int *w, int n)
{
	for (int i = 0; i < n; i++) {
		int p[2];

		cr_assert_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
		r[i] = p[0];
		w[i] = p[1];
	}
}

/* closed() - is every write end of the pipe read by @r closed? */
static bool closed(int r)
{
	char c;

	return read(r, &c, 1) == 0;
}

/* same_file() - do @a and @b refer to one open file? */
static bool same_file(int a, int b)
{
	struct stat sa, sb;

	cr_assert_eq(fstat(a, &sa), 0);
	cr_assert_eq(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* release() - @fd, received for the write end @w of pipe @r, is that
 * file; closing both leaves no writer */
static void release(int fd, int w, int r)
{
	cr_assert(same_file(fd, w));
	close(fd);
	close(w);
	cr_assert(closed(r), "a copy of the descriptor leaked");
	close(r);
}

/* send_pipe() - send @msg with the write end of a new pipe; its ends in
 * @r and @w */
static void send_pipe(const char *msg, int *r, int *w)
{
	ssize_t len = (ssize_t)strlen(msg);

	pipes(r, w, 1);
	cr_assert_eq(fdpass_send(sp[0], msg, (size_t)len, w, 1, 0), len);
}

/* send_raw() - @n descriptors of @fds in one SCM_RIGHTS message, beyond
 * what fdpass_send() allows, optionally with our SCM_CREDENTIALS */
static void send_raw(int sock, const int *fds, int n, bool cred)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 32) +
			 CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf };
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) +
			    (cred ? CMSG_SPACE(sizeof(struct ucred)) : 0);
	cm = CMSG_FIRSTHDR(&mh);
	if (cred) {
		struct ucred uc = { .pid = getpid(), .uid = getuid(),
				    .gid = getgid() };

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_CREDENTIALS;
		cm->cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
		cm = CMSG_NXTHDR(&mh, cm);
	}
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	cr_assert_eq(sendmsg(sock, &mh, 0), 1, "sendmsg: %s", strerror(errno));
}

Test(fdpass, payload_without_fds)
{
	struct fdpass_rx rx;
	char buf[16] = { 0 };
	int fds[2] = { -1, -1 };

	cr_assert_eq(fdpass_send(sp[0], "hello", 5, NULL, 0, 0), 5);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), fds, 2, 0, &rx), 5);
	cr_assert_str_eq(buf, "hello");
	cr_assert_eq(rx.nfds, 0);
	cr_assert_eq(rx.dropped, 0);
	cr_assert_not(rx.truncated);
	cr_assert_not(rx.has_cred);
	cr_assert_eq(fds[0], -1);
}

Test(fdpass, one_fd)
{
	struct fdpass_rx rx;
	int r, w, fd = -1;
	char buf[4];

	send_pipe("F", &r, &w);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), &fd, 1, 0, &rx), 1);
	cr_assert_eq(buf[0], 'F');
	cr_assert_eq(rx.nfds, 1);
	cr_assert_eq(rx.dropped, 0);
	cr_assert_neq(fd, w);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC, "received without CLOEXEC");
	release(fd, w, r);
}

Test(fdpass, three_fds_in_order)
{
	struct fdpass_rx rx;
	int r[3], w[3], fds[FDPASS_MAX];
	char buf[8];

	pipes(r, w, 3);
	cr_assert_eq(fdpass_send(sp[0], "abc", 3, w, 3, 0), 3);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), fds, FDPASS_MAX, 0,
				 &rx), 3);
	cr_assert_eq(rx.nfds, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert(same_file(fds[i], w[i]), "fd %d out of order", i);
		close(w[i]);
	}
	fdpass_close(fds, rx.nfds);
	for (int i = 0; i < 3; i++) {
		cr_assert(closed(r[i]));
		close(r[i]);
	}
}

Test(fdpass, extras_closed_and_reported)
{
	struct fdpass_rx rx;
	int r[3], w[3], fd = -1;
	char buf[8];

	pipes(r, w, 3);
	cr_assert_eq(fdpass_send(sp[0], "abc", 3, w, 3, 0), 3);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), &fd, 1, 0, &rx), 3);
	cr_assert_eq(rx.nfds, 1);
	cr_assert_eq(rx.dropped, 2);
	cr_assert(same_file(fd, w[0]));
	for (int i = 0; i < 3; i++)
		close(w[i]);
	cr_assert_not(closed(r[0]), "the kept descriptor was closed");
	cr_assert(closed(r[1]), "an extra descriptor leaked");
	cr_assert(closed(r[2]), "an extra descriptor leaked");
	close(fd);
	cr_assert(closed(r[0]));
	for (int i = 0; i < 3; i++)
		close(r[i]);
}

Test(fdpass, no_room_at_all)
{
	struct fdpass_rx rx;
	int r, w;
	char buf[8];

	send_pipe("x", &r, &w);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), NULL, 0, 0, &rx), 1);
	cr_assert_eq(rx.nfds, 0);
	cr_assert_eq(rx.dropped, 1);
	close(w);
	cr_assert(closed(r));
	close(r);
}

Test(fdpass, more_than_fit)
{
	enum { N = 32 }; /* more than the control buffer of fdpass_recv() */
	struct fdpass_rx rx;
	int r[N], w[N], fds[FDPASS_MAX];
	char buf[8];

	pipes(r, w, N);
	send_raw(sp[0], w, N, false);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), fds, FDPASS_MAX, 0,
				 &rx), 1);
	cr_assert_eq(rx.nfds, FDPASS_MAX);
	cr_assert_gt(rx.dropped, 0, "dropped descriptors not reported");
	for (int i = 0; i < rx.nfds; i++)
		cr_assert(same_file(fds[i], w[i]));
	fdpass_close(fds, rx.nfds);
	for (int i = 0; i < N; i++) {
		close(w[i]);
		cr_assert(closed(r[i]), "descriptor %d leaked", i);
		close(r[i]);
	}
}

Test(fdpass, send_refuses_bad_count)
{
	int fds[FDPASS_MAX + 1] = { 0 };

	cr_assert_eq(fdpass_send(sp[0], "x", 1, fds, FDPASS_MAX + 1, 0), -EINVAL);
	cr_assert_eq(fdpass_send(sp[0], "x", 1, fds, -1, 0), -EINVAL);
}

Test(fdpass, truncated_payload)
{
	struct fdpass_rx rx;
	int r, w, fd = -1;
	char buf[4];

	send_pipe("0123456789", &r, &w);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), &fd, 1, 0, &rx), 4);
	cr_assert(rx.truncated);
	cr_assert_eq(memcmp(buf, "0123", 4), 0);
	cr_assert_eq(rx.nfds, 1, "descriptors still come with a long message");
	release(fd, w, r);
}

Test(fdpass, credentials_beside_fds)
{
	struct fdpass_rx rx;
	int one = 1, r, w, fd = -1;
	char buf[4];

	cr_assert_eq(setsockopt(sp[1], SOL_SOCKET, SO_PASSCRED, &one,
				sizeof(one)), 0);
	pipes(&r, &w, 1);
	send_raw(sp[0], &w, 1, true);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), &fd, 1, 0, &rx), 1);
	cr_assert(rx.has_cred);
	cr_assert_eq(rx.cred.pid, getpid());
	cr_assert_eq(rx.cred.uid, getuid());
	cr_assert_eq(rx.nfds, 1);
	cr_assert_eq(rx.dropped, 0);
	release(fd, w, r);
}

Test(fdpass, kernel_credentials_with_plain_send)
{
	struct fdpass_rx rx;
	int one = 1, fd = -1;
	char buf[4];

	cr_assert_eq(setsockopt(sp[1], SOL_SOCKET, SO_PASSCRED, &one,
				sizeof(one)), 0);
	cr_assert_eq(fdpass_send(sp[0], "c", 1, NULL, 0, 0), 1);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), &fd, 1, 0, &rx), 1);
	cr_assert(rx.has_cred);
	cr_assert_eq(rx.cred.pid, getpid());
	cr_assert_eq(rx.nfds, 0);
	cr_assert_eq(fd, -1);
}

Test(fdpass, eof_and_would_block)
{
	struct fdpass_rx rx;
	char buf[4];
	int fd = -1;

	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), &fd, 1, MSG_DONTWAIT,
				 &rx), -EAGAIN);
	cr_assert_eq(rx.nfds, 0);
	close(sp[0]);
	sp[0] = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	cr_assert_eq(fdpass_recv(sp[1], buf, sizeof(buf), &fd, 1, 0, &rx), 0);
	cr_assert_eq(rx.nfds, 0);
	cr_assert_eq(fdpass_send(sp[1], "x", 1, NULL, 0, 0), -EPIPE,
		     "no SIGPIPE, EPIPE");
}
