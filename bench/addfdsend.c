// SPDX-License-Identifier: GPL-2.0-or-later
/* addfdsend.c - cost of answering a trapped socket() with ADDFD|SEND (issue 11)
 *
 * Usage: addfdsend MODE [N] [--epoll]
 *
 * Question: is it cheaper to create the host socket when the container calls
 * socket() (the supervisor creates it and installs it with
 * SECCOMP_IOCTL_NOTIF_ADDFD + SECCOMP_ADDFD_FLAG_SEND, which answers the
 * notification atomically with the new descriptor) than to rebuild it at
 * connect() time (pidfd_getfd, ~40 getsockopt()s, new socket, ADDFD|SETFD)?
 *
 * A child (PR_SET_NO_NEW_PRIVS, then a raw BPF filter returning
 * SECCOMP_RET_USER_NOTIF for x86_64 socket(), installed with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER; the listener reaches the parent over a
 * socketpair with SCM_RIGHTS) times N iterations of its workload with
 * CLOCK_MONOTONIC; the parent is the supervisor.
 *
 * MODE (supervisor syscalls per iteration, "--epoll" adds one epoll_wait):
 *   native               socket()+close(), no filter (0)
 *   continue             socket() trapped, answered
 *                        SECCOMP_USER_NOTIF_FLAG_CONTINUE: RECV, SEND (2)
 *   addfd-send           socket() trapped; the supervisor creates
 *                        socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) and
 *                        answers with ADDFD|SEND: RECV, socket, ADDFD, close (4)
 *   addfd-send-nonblock  same, the child asks for SOCK_STREAM|SOCK_NONBLOCK
 *                        (the supervisor mirrors the type flags) (4)
 *   getsockopt40         no filter: 40 getsockopt() on one AF_INET TCP socket
 *                        per iteration (the options common/hostsock.c reads
 *                        for such a socket at switch time, plus SO_DOMAIN and
 *                        SO_TYPE) (0)
 *   syscall              no filter: one getppid() per iteration (0)
 * Only the timed call is inside the clock reads (close() is not timed).
 *
 * Prints one line: "mode=M epoll=0|1 n=N p50_us= p99_us= mean_us=
 * sup_syscalls_per_iter= clock_us=", clock_us being the median cost of an
 * empty pair of clock reads (not subtracted).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif
#ifndef SO_MAX_PACING_RATE
#define SO_MAX_PACING_RATE 47
#endif

/* socket() domain that tells the supervisor the child is done */
#define DONE_DOMAIN 0x7fb4

/* the child's filter is installed (it must send DONE_DOMAIN on exit) */
static int filtered;

enum mode {
	M_NATIVE,
	M_CONTINUE,
	M_ADDFD_SEND,
	M_ADDFD_SEND_NONBLOCK,
	M_GETSOCKOPT40,
	M_SYSCALL,
};

static const struct {
	const char *name;
	int trapped;
	int sup_syscalls;
} modes[] = {
	[M_NATIVE] = { "native", 0, 0 },
	[M_CONTINUE] = { "continue", 1, 2 },
	[M_ADDFD_SEND] = { "addfd-send", 1, 4 },
	[M_ADDFD_SEND_NONBLOCK] = { "addfd-send-nonblock", 1, 4 },
	[M_GETSOCKOPT40] = { "getsockopt40", 0, 0 },
	[M_SYSCALL] = { "syscall", 0, 0 },
};

#define N_MODES (sizeof(modes) / sizeof(modes[0]))

static const struct {
	int level;
	int name;
	socklen_t len;
} gopts[] = {
	{ SOL_SOCKET, SO_DOMAIN, sizeof(int) },
	{ SOL_SOCKET, SO_TYPE, sizeof(int) },
	{ SOL_SOCKET, SO_REUSEADDR, sizeof(int) },
	{ SOL_SOCKET, SO_REUSEPORT, sizeof(int) },
	{ SOL_SOCKET, SO_KEEPALIVE, sizeof(int) },
	{ SOL_SOCKET, SO_LINGER, sizeof(struct linger) },
	{ SOL_SOCKET, SO_RCVBUF, sizeof(int) },
	{ SOL_SOCKET, SO_SNDBUF, sizeof(int) },
	{ SOL_SOCKET, SO_RCVLOWAT, sizeof(int) },
	{ SOL_SOCKET, SO_RCVTIMEO, sizeof(struct timeval) },
	{ SOL_SOCKET, SO_SNDTIMEO, sizeof(struct timeval) },
	{ SOL_SOCKET, SO_MARK, sizeof(int) },
	{ SOL_SOCKET, SO_OOBINLINE, sizeof(int) },
	{ SOL_SOCKET, SO_TIMESTAMP, sizeof(int) },
	{ SOL_SOCKET, SO_MAX_PACING_RATE, sizeof(unsigned long) },
	{ SOL_SOCKET, SO_PRIORITY, sizeof(int) },
	{ IPPROTO_TCP, TCP_NODELAY, sizeof(int) },
	{ IPPROTO_TCP, TCP_CORK, sizeof(int) },
	{ IPPROTO_TCP, TCP_KEEPIDLE, sizeof(int) },
	{ IPPROTO_TCP, TCP_KEEPINTVL, sizeof(int) },
	{ IPPROTO_TCP, TCP_KEEPCNT, sizeof(int) },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, sizeof(int) },
	{ IPPROTO_TCP, TCP_SYNCNT, sizeof(int) },
	{ IPPROTO_TCP, TCP_LINGER2, sizeof(int) },
	{ IPPROTO_TCP, TCP_MAXSEG, sizeof(int) },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP, sizeof(int) },
	{ IPPROTO_TCP, TCP_NOTSENT_LOWAT, sizeof(int) },
	{ IPPROTO_TCP, TCP_FASTOPEN_CONNECT, sizeof(int) },
	{ IPPROTO_TCP, TCP_DEFER_ACCEPT, sizeof(int) },
	{ IPPROTO_TCP, TCP_FASTOPEN, sizeof(int) },
	{ IPPROTO_TCP, TCP_CONGESTION, 16 },
	{ IPPROTO_IP, IP_TOS, sizeof(int) },
	{ IPPROTO_IP, IP_TTL, sizeof(int) },
	{ IPPROTO_IP, IP_MTU_DISCOVER, sizeof(int) },
	{ IPPROTO_IP, IP_RECVERR, sizeof(int) },
	{ IPPROTO_IP, IP_PKTINFO, sizeof(int) },
	{ IPPROTO_IP, IP_RECVTOS, sizeof(int) },
	{ IPPROTO_IP, IP_RECVTTL, sizeof(int) },
	{ IPPROTO_IP, IP_FREEBIND, sizeof(int) },
	{ IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, sizeof(int) },
};

#define N_GOPTS (sizeof(gopts) / sizeof(gopts[0]))
_Static_assert(N_GOPTS == 40, "getsockopt40 needs 40 options");

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Raw BPF: USER_NOTIF for x86_64 socket(), everything else allowed. */
static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static int send_fd(int sock, int fd)
{
	char byte = 'L';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Time one iteration's work; returns the elapsed ns, or -1 on error. */
static long long one_iter(enum mode m, int tcp)
{
	long long t0, t1;
	int fd, type = SOCK_STREAM;
	size_t i;

	switch (m) {
	case M_GETSOCKOPT40:
		t0 = now_ns();
		for (i = 0; i < N_GOPTS; i++) {
			unsigned char val[16];
			socklen_t len = gopts[i].len;

			if (getsockopt(tcp, gopts[i].level, gopts[i].name, val, &len))
				return -1;
		}
		t1 = now_ns();
		return t1 - t0;
	case M_SYSCALL:
		t0 = now_ns();
		/* the raw syscall: glibc does not cache getppid(), but be sure */
		syscall(SYS_getppid);
		t1 = now_ns();
		return t1 - t0;
	case M_ADDFD_SEND_NONBLOCK:
		type |= SOCK_NONBLOCK;
		/* fall through */
	default:
		t0 = now_ns();
		fd = socket(AF_INET, type, 0);
		t1 = now_ns();
		if (fd < 0)
			return -1;
		close(fd);
		return t1 - t0;
	}
}

static int child(enum mode m, long n, int sock, int use_epoll)
{
	long long *lat, sum = 0, cal[1001];
	int tcp = -1, lfd;
	long i;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("PR_SET_NO_NEW_PRIVS");
		return 1;
	}
	if (modes[m].trapped) {
		lfd = install_filter();
		if (lfd < 0) {
			perror("seccomp(NEW_LISTENER)");
			return 1;
		}
		if (send_fd(sock, lfd)) {
			perror("send listener");
			return 1;
		}
		filtered = 1;
		close(lfd);
	}
	close(sock);
	if (m == M_GETSOCKOPT40) {
		tcp = socket(AF_INET, SOCK_STREAM, 0);
		if (tcp < 0) {
			perror("socket");
			return 1;
		}
	}
	lat = calloc(n, sizeof(*lat));
	if (!lat)
		return 1;
	for (i = 0; i < 1000 && i < n; i++)	/* warm-up, not recorded */
		one_iter(m, tcp);
	for (i = 0; i < n; i++) {
		lat[i] = one_iter(m, tcp);
		if (lat[i] < 0) {
			fprintf(stderr, "iteration %ld: %s\n", i, strerror(errno));
			return 1;
		}
		sum += lat[i];
	}
	for (i = 0; i < 1001; i++) {
		long long t0 = now_ns();

		cal[i] = now_ns() - t0;
	}
	qsort(lat, n, sizeof(*lat), cmp_ll);
	qsort(cal, 1001, sizeof(*cal), cmp_ll);
	printf("mode=%s epoll=%d n=%ld p50_us=%.3f p99_us=%.3f mean_us=%.3f "
	       "sup_syscalls_per_iter=%d clock_us=%.3f\n",
	       modes[m].name, use_epoll, n, lat[n / 2] / 1e3,
	       lat[(long)((double)n * 0.99)] / 1e3, (double)sum / n / 1e3,
	       modes[m].sup_syscalls + (use_epoll && modes[m].trapped),
	       cal[500] / 1e3);
	fflush(stdout);
	free(lat);
	return 0;
}

/* Answer one notification; returns 1 when the child said it is done. */
static int answer(int lfd, enum mode m, const struct seccomp_notif *req)
{
	struct seccomp_notif_resp resp = { .id = req->id };
	struct seccomp_notif_addfd addfd = { .id = req->id };
	int type = (int)req->data.args[1], s;

	if ((int)req->data.args[0] == DONE_DOMAIN) {
		resp.error = -ENOSYS;
		ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		return 1;
	}
	if (m == M_CONTINUE) {
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
			perror("NOTIF_SEND");
		return 0;
	}
	/* the supervisor's own socket, its type flags mirrored */
	s = socket((int)req->data.args[0], type | SOCK_CLOEXEC,
		   (int)req->data.args[2]);
	if (s < 0) {
		resp.error = -errno;
		ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		return 0;
	}
	addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
	addfd.srcfd = (unsigned int)s;
	addfd.newfd_flags = (type & SOCK_CLOEXEC) ? O_CLOEXEC : 0;
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0 && errno != ENOENT)
		perror("NOTIF_ADDFD");
	close(s);
	return 0;
}

static int supervise(int lfd, enum mode m, int use_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = -1;

	if (use_epoll) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) {
			perror("epoll");
			return 1;
		}
	}
	for (;;) {
		struct seccomp_notif req;

		if (use_epoll) {
			int r = epoll_wait(ep, &ev, 1, -1);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				perror("epoll_wait");
				return 1;
			}
			if (ev.events & EPOLLHUP)	/* filter has no task left */
				break;
		}
		memset(&req, 0, sizeof(req));
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req)) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			perror("NOTIF_RECV");
			return 1;
		}
		if (answer(lfd, m, &req))
			break;
	}
	if (ep >= 0)
		close(ep);
	return 0;
}

static void usage(void)
{
	size_t i;

	fprintf(stderr, "usage: addfdsend MODE [N] [--epoll]\nMODE:");
	for (i = 0; i < N_MODES; i++)
		fprintf(stderr, " %s", modes[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int sp[2], use_epoll = 0, status, lfd = -1, rc = 0;
	enum mode m = N_MODES;
	long n = 20000;
	char *e;
	pid_t pid;
	size_t i;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--epoll")) {
			use_epoll = 1;
			continue;
		}
		if (m == N_MODES) {
			for (i = 0; i < N_MODES; i++)
				if (!strcmp(argv[a], modes[i].name))
					m = (enum mode)i;
			if (m == N_MODES)
				usage();
			continue;
		}
		n = strtol(argv[a], &e, 10);
		if (*e || n <= 0)
			usage();
	}
	if (m == N_MODES)
		usage();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) {
		perror("socketpair");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(sp[0]);
		rc = child(m, n, sp[1], use_epoll);
		if (filtered)	/* tell the supervisor to stop */
			socket(DONE_DOMAIN, SOCK_STREAM, 0);
		_exit(rc);
	}
	close(sp[1]);
	if (modes[m].trapped) {
		lfd = recv_fd(sp[0]);
		if (lfd < 0) {
			fprintf(stderr, "no listener from the child\n");
			kill(pid, SIGKILL);
			rc = 1;
		} else {
			rc = supervise(lfd, m, use_epoll);
			close(lfd);
		}
	}
	close(sp[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		rc = 1;
	return rc;
}
