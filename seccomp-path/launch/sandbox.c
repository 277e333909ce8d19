// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox.c - start a rootless container process with a notify filter
 *
 * Theory of operation: the supervisor forks; the child unshares a user and
 * a network namespace, maps the caller's ids to root, brings loopback up and
 * opens an address monitor, then tells the parent "ready" over a
 * SOCK_SEQPACKET pair. The parent attaches the fallback network
 * (slirp4netns or pasta, started on the child's pid) and answers "go". The
 * child loads the seccomp filter (common/traps.c's calls -> SCMP_ACT_NOTIFY
 * on x86_64 and i386, io_uring and other ABIs -> ENOSYS; see load_filter()),
 * writes the listener's fd number with a plain write() (sendmsg() may be
 * trapped, and nobody listens yet: the parent takes the listener with
 * pidfd_getfd(); the address monitor went with "ready" by SCM_RIGHTS), and
 * execs the command. Between loading the filter and exec it makes no
 * trapped call, so it cannot wait on itself. Errors in the child travel
 * back as text before it exits 125.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fwd.h"
#include "log.h"
#include "netaddr.h"
#include "policy.h"
#include "proc.h"
#include "sandbox.h"
#include "traps.h"

#define MSG_READY 'R'
#define MSG_GO 'G'
#define MSG_FDS 'F'
#define MSG_ERR 'E'

bool sandbox_have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog);
		if (!access(buf, X_OK))
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

/* sandbox_unblock_signals() - children must not inherit the supervisor's
 * blocked signals (it reads them through a signalfd) */
static void sandbox_unblock_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
}

/* child_fail() - report an error to the parent and exit */
static void __attribute__((noreturn))
child_fail(int sp, int err, const char *what)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "%c%s: %s", MSG_ERR, what,
			 strerror(err));

	if (send(sp, msg, (size_t)n, MSG_NOSIGNAL) < 0) {
		/* the parent is gone: nobody to tell */
	}
	_exit(125);
}

static int write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		return -errno;
	return 0;
}

static int loopback_up(void)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		return -errno;
	return 0;
}

/* add_trap() - @r as a NOTIFY rule on every architecture of @ctx */
static int add_trap(scmp_filter_ctx ctx, const struct trap_rule *r)
{
	int nr = seccomp_syscall_resolve_name(r->name);

	if (nr == __NR_SCMP_ERROR)
		return -ENOSYS;
	switch (r->op) {
	case TRAP_NE:
		return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					SCMP_CMP((unsigned int)r->arg,
						 SCMP_CMP_NE, r->value));
	case TRAP_MASKED_EQ:
		return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					SCMP_CMP((unsigned int)r->arg,
						 SCMP_CMP_MASKED_EQ, r->value,
						 r->value));
	case TRAP_ALWAYS:
	default:
		return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
	}
}

/**
 * load_filter() - build and load the container's notify filter
 * @o:	options (which traps, io_uring)
 *
 * trap_rules[] as NOTIFY rules, the rest allowed, on the native ABI and,
 * on x86_64, on i386 too (int $0x80 from any process): libseccomp applies
 * each rule to both, by name. i386's socketcall(2) carries the arguments
 * in memory, where no filter can test them, and libseccomp would test
 * socketcall's unused registers instead: socketcall(SYS_x) is trapped
 * without condition for every trapped call x, and added first, because
 * libseccomp keeps the first of two overlapping rules for one syscall
 * (the generated, register-conditioned socketcall(SYS_SENDTO) rule of the
 * sendto rule is then dropped as covered). Any other ABI - x32 on an
 * x86_64 filter included - gets ENOSYS from the filter itself (the
 * bad-arch action; libseccomp sends x32 numbers there when x32 is not in
 * the filter). io_uring is denied with ENOSYS unless @o->allow_io_uring.
 *
 * Return: the listener fd, or negative errno
 */
static int load_filter(const struct sandbox_opts *o)
{
	unsigned int flags = (o->trap_names ? TRAP_IF_NAMES : 0) |
			     (o->trap_sendmsg ? TRAP_IF_ALL_SENDMSG : 0);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int ret, fd;

	if (!ctx)
		return -ENOMEM;
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			       SCMP_ACT_ERRNO(ENOSYS));
#if defined(__x86_64__)
	if (!ret)
		ret = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	for (int sys = 1; !ret && sys <= TRAP_SYS_MAX; sys++) {
		if (trap_socketcall_trapped(sys, flags))
			ret = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY,
					       SCMP_SYS(socketcall), 1,
					       SCMP_A0(SCMP_CMP_EQ,
						       (scmp_datum_t)sys));
	}
#endif
	for (size_t i = 0; !ret && i < trap_n_rules; i++) {
		if (trap_rule_active(&trap_rules[i], flags))
			ret = add_trap(ctx, &trap_rules[i]);
	}
	for (size_t i = 0; !ret && !o->allow_io_uring && i < trap_n_denied; i++) {
		int nr = seccomp_syscall_resolve_name(trap_denied[i]);

		/* libseccomp older than the syscall: the kernel may have it */
		if (nr == __NR_SCMP_ERROR)
			ret = -ENOSYS;
		else
			ret = seccomp_rule_add(ctx,
					       SCMP_ACT_ERRNO(TRAP_DENIED_ERRNO),
					       nr, 0);
	}
	if (!ret && getenv("B4NS_DEBUG_FILTER"))
		seccomp_export_pfc(ctx, STDERR_FILENO);
	if (!ret)
		ret = seccomp_load(ctx);
	if (ret) {
		seccomp_release(ctx);
		return ret;
	}
	fd = seccomp_notify_fd(ctx);
	seccomp_release(ctx);
	return fd;
}

static int send_fds(int sp, char byte, int *fds, int n)
{
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	return sendmsg(sp, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* preload_env() - LD_PRELOAD and the request channel for the command (in
 * the forked child: allocation is fine here) */
static void preload_env(const struct sandbox_opts *o)
{
	const char *old = getenv("LD_PRELOAD");
	char fd[16], *val;

	if (old && *old) {
		if (asprintf(&val, "%s:%s", o->preload_lib, old) < 0)
			val = NULL;
	} else {
		val = strdup(o->preload_lib);
	}
	if (val)
		setenv("LD_PRELOAD", val, 1);
	free(val);
	if (o->preload_fd >= 0) {
		fcntl(o->preload_fd, F_SETFD, 0); /* inherited across exec */
		snprintf(fd, sizeof(fd), "%d", o->preload_fd);
		setenv("B4NS_PRELOAD_FD", fd, 1);
	}
	if (o->preload_sock)
		setenv("B4NS_PRELOAD_SOCK", o->preload_sock, 1);
}

static void __attribute__((noreturn))
child_main(const struct sandbox_opts *o, int sp, uid_t uid, gid_t gid)
{
	char map[64], byte;
	int ret, nl;

	sandbox_unblock_signals();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		child_fail(sp, errno, "unshare(CLONE_NEWUSER|CLONE_NEWNET)");
	ret = write_file("/proc/self/setgroups", "deny");
	if (ret && ret != -ENOENT)
		child_fail(sp, -ret, "/proc/self/setgroups");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	ret = write_file("/proc/self/uid_map", map);
	if (ret)
		child_fail(sp, -ret, "/proc/self/uid_map");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	ret = write_file("/proc/self/gid_map", map);
	if (ret)
		child_fail(sp, -ret, "/proc/self/gid_map");
	ret = loopback_up();
	if (ret)
		child_fail(sp, -ret, "bringing up lo");
	nl = netaddr_monitor_open();
	if (nl < 0)
		child_fail(sp, -nl, "rtnetlink monitor");

	byte = MSG_READY;
	ret = send_fds(sp, byte, &nl, 1);
	if (ret)
		child_fail(sp, -ret, "handing over the address monitor");
	close(nl);
	if (recv(sp, &byte, 1, 0) != 1 || byte != MSG_GO)
		_exit(125); /* the parent reported why */

	if (o->trap) {
		int fd = load_filter(o);

		if (fd < 0)
			child_fail(sp, -fd, "loading the seccomp notify filter");
		char msg[16];
		int n = snprintf(msg, sizeof(msg), "%c%d", MSG_FDS, fd);

		/* No sendmsg() now: it may be trapped, and nobody listens
		 * yet. The parent takes the listener with pidfd_getfd(). */
		if (write(sp, msg, (size_t)n) != n ||
		    read(sp, &byte, 1) != 1 || byte != MSG_GO)
			_exit(125);
		close(fd);
	} else {
		byte = MSG_FDS;
		if (send(sp, &byte, 1, MSG_NOSIGNAL) != 1)
			_exit(125);
	}
	close(sp);
	if (o->preload_lib)
		preload_env(o);

	execvp(o->argv[0], o->argv);
	ret = errno;
	fprintf(stderr, "b4ns: cannot run %s: %s\n", o->argv[0], strerror(ret));
	_exit(ret == ENOENT ? 127 : 126);
}

/* take_listener() - duplicate the child's notify fd @fd */
static int take_listener(pid_t pid, int fd)
{
	_cleanup_close_ int pidfd = proc_pidfd_open(pid);

	if (pidfd < 0)
		return pidfd;
	return proc_getfd(pidfd, fd);
}

/* recv_msg() - receive one message and any fds from the child */
static int recv_msg(int sp, char *buf, size_t len, int *fds, int maxfds,
		    int *nfds)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len - 1 };
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	struct cmsghdr *cm;
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(sp, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			for (int i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (*nfds < maxfds)
					fds[(*nfds)++] = fd;
				else
					close(fd);
			}
		}
	}
	return (int)n;
}

static int start_slirp4netns(const struct sandbox_opts *o, struct sandbox *sb)
{
	int ready[2], exitp[2];
	char rfd[32], efd[32], pid[32], sock[PATH_MAX], api[PATH_MAX + 16];
	char byte;
	pid_t p;

	api[0] = '\0';
	if (o->n_fwd) {
		/* published ports (mode off) go through its API socket */
		if (!o->run_dir || !o->slirp_api_sock)
			return -EINVAL;
		snprintf(sock, sizeof(sock), "%s/%s", o->run_dir,
			 o->slirp_api_sock);
		snprintf(api, sizeof(api), "--api-socket=%s", sock);
	}
	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	if (pipe2(exitp, O_CLOEXEC)) {
		close(ready[0]);
		close(ready[1]);
		return -errno;
	}
	p = fork();
	if (p < 0) {
		int ret = -errno;

		close(ready[0]);
		close(ready[1]);
		close(exitp[0]);
		close(exitp[1]);
		return ret;
	}
	if (p == 0) {
		const char *argv[13];
		int a = 0;

		sandbox_unblock_signals();
		/* keep only the two pipe ends slirp4netns needs across exec */
		fcntl(ready[1], F_SETFD, 0);
		fcntl(exitp[0], F_SETFD, 0);
		snprintf(rfd, sizeof(rfd), "--ready-fd=%d", ready[1]);
		snprintf(efd, sizeof(efd), "--exit-fd=%d", exitp[0]);
		snprintf(pid, sizeof(pid), "%d", (int)sb->pid);
		argv[a++] = "slirp4netns";
		argv[a++] = "--configure";
		argv[a++] = "--mtu=65520";
		if (!o->allow_host_loopback) {
			argv[a++] = "--disable-host-loopback";
			/* its DNS forwarder (10.0.2.3) asks the host's
			 * resolv.conf servers: 127.0.0.53 with systemd-resolved,
			 * a service on the host's loopback */
			argv[a++] = "--disable-dns";
		}
		if (*api)
			argv[a++] = api;
		argv[a++] = rfd;
		argv[a++] = efd;
		argv[a++] = pid;
		argv[a++] = "tap0";
		argv[a] = NULL;
		if (!log_enabled(LOG_LVL_DEBUG)) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0) {
				dup2(null, STDOUT_FILENO);
				dup2(null, STDERR_FILENO);
			}
		} else {
			/* its banner must not mix with the command's output */
			dup2(STDERR_FILENO, STDOUT_FILENO);
		}
		/* execvp() does not write to argv: its prototype predates const */
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(ready[1]);
	close(exitp[0]);
	sb->net_pid = p;
	sb->exit_fd = exitp[1];
	if (read(ready[0], &byte, 1) != 1) {
		close(ready[0]);
		b4_err("slirp4netns did not start (run with -v to see why)");
		return -EIO;
	}
	close(ready[0]);
	if (*api)
		return fwd_slirp_add(sock, o->fwd, o->n_fwd);
	return 0;
}

static int start_pasta(const struct sandbox_opts *o, struct sandbox *sb)
{
	char pid[32];
	char specs[POLICY_MAX_PUBLISH][FWD_PASTA_SPEC_MAX];
	struct sa_cidr tmp[4];
	bool tcp = false, udp = false; /* a forwarded port of that protocol */
	pid_t p;

	if (o->n_fwd > POLICY_MAX_PUBLISH)
		return -E2BIG;
	p = fork();
	if (p < 0)
		return -errno;
	if (p == 0) {
		const char *argv[20 + 2 * POLICY_MAX_PUBLISH];
		int a = 0;

		sandbox_unblock_signals();
		snprintf(pid, sizeof(pid), "%d", (int)sb->pid);
		argv[a++] = "pasta";
		argv[a++] = "--config-net";
		argv[a++] = "--foreground";
		argv[a++] = "--quiet";
		if (!o->allow_host_loopback)
			argv[a++] = "--no-map-gw";
		/* published ports (mode off): one -t/-u per mapping */
		for (int i = 0; i < o->n_fwd; i++) {
			const char *opt = fwd_pasta_spec(&o->fwd[i], specs[i],
							 sizeof(specs[i]));

			argv[a++] = (char *)opt;
			argv[a++] = specs[i];
			if (o->fwd[i].proto == IPPROTO_UDP)
				udp = true;
			else
				tcp = true;
		}
		if (!tcp) {
			argv[a++] = "-t";
			argv[a++] = "none";
		}
		if (!udp) {
			argv[a++] = "-u";
			argv[a++] = "none";
		}
		argv[a++] = "-T";
		argv[a++] = "none";
		argv[a++] = "-U";
		argv[a++] = "none";
		argv[a++] = pid;
		argv[a] = NULL;
		if (!log_enabled(LOG_LVL_DEBUG)) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0) {
				dup2(null, STDOUT_FILENO);
				dup2(null, STDERR_FILENO);
			}
		} else {
			/* its banner must not mix with the command's output */
			dup2(STDERR_FILENO, STDOUT_FILENO);
		}
		/* execvp() does not write to argv: its prototype predates const */
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	sb->net_pid = p;
	/* pasta has no readiness fd: wait for the tap address to appear */
	for (int i = 0; i < 500; i++) {
		struct timespec ts = { 0, 10000000L };
		int status;

		if (netaddr_dump(sb->nl_fd, tmp, 4) > 0)
			return 0;
		if (waitpid(p, &status, WNOHANG) == p) {
			sb->net_pid = 0;
			b4_err("pasta exited before configuring the namespace "
			       "(run with -v to see why)");
			return -EIO;
		}
		nanosleep(&ts, NULL);
	}
	b4_err("pasta did not configure the namespace within 5 s");
	return -ETIMEDOUT;
}

void sandbox_stop_net(struct sandbox *sb)
{
	if (sb->exit_fd >= 0) {
		close(sb->exit_fd);
		sb->exit_fd = -1;
	}
	if (sb->net_pid > 0) {
		kill(sb->net_pid, SIGTERM);
		waitpid(sb->net_pid, NULL, 0);
		sb->net_pid = 0;
	}
}

int sandbox_start(const struct sandbox_opts *o, struct sandbox *sb)
{
	int sp[2], fds[2], nfds, ret;
	char buf[512], go = MSG_GO;
	uid_t uid = geteuid();
	gid_t gid = getegid();

	sb->pid = 0;
	sb->net_pid = 0;
	sb->notify_fd = -1;
	sb->nl_fd = -1;
	sb->exit_fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -errno;
	sb->pid = fork();
	if (sb->pid < 0) {
		ret = -errno;
		close(sp[0]);
		close(sp[1]);
		return ret;
	}
	if (sb->pid == 0) {
		close(sp[0]);
		child_main(o, sp[1], uid, gid);
	}
	close(sp[1]);

	ret = recv_msg(sp[0], buf, sizeof(buf), fds, 2, &nfds);
	if (ret <= 0 || buf[0] != MSG_READY || nfds != 1) {
		if (ret > 0 && buf[0] == MSG_ERR)
			b4_err("starting the container: %s", buf + 1);
		else
			b4_err("starting the container: child exited early");
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		ret = -EIO;
		goto fail;
	}
	sb->nl_fd = fds[0];

	ret = 0;
	if (o->net == CFG_NET_SLIRP4NETNS)
		ret = start_slirp4netns(o, sb);
	else if (o->net == CFG_NET_PASTA)
		ret = start_pasta(o, sb);
	if (!ret && send(sp[0], &go, 1, MSG_NOSIGNAL) != 1)
		ret = -EIO;
	if (ret)
		goto fail;

	ret = recv_msg(sp[0], buf, sizeof(buf), fds, 2, &nfds);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (ret <= 0 || buf[0] != MSG_FDS) {
		if (ret > 0 && buf[0] == MSG_ERR)
			b4_err("starting the container: %s", buf + 1);
		else
			b4_err("starting the container: no listener received");
		ret = -EIO;
		goto fail;
	}
	if (o->trap) {
		ret = take_listener(sb->pid, (int)strtol(buf + 1, NULL, 10));
		if (ret < 0) {
			b4_err("starting the container: taking its seccomp "
			       "listener: %s", strerror(-ret));
			goto fail;
		}
		sb->notify_fd = ret;
		if (send(sp[0], &go, 1, MSG_NOSIGNAL) != 1) {
			ret = -EIO;
			goto fail;
		}
	}
	close(sp[0]);
	return 0;
fail:
	close(sp[0]);
	if (sb->notify_fd >= 0) {
		close(sb->notify_fd);
		sb->notify_fd = -1;
	}
	if (sb->nl_fd >= 0) {
		close(sb->nl_fd);
		sb->nl_fd = -1;
	}
	sandbox_stop_net(sb);
	kill(sb->pid, SIGKILL);
	waitpid(sb->pid, NULL, 0);
	return ret;
}

int sandbox_join_monitor(pid_t pid)
{
	char path[64], buf[8];
	_cleanup_close_ int userns = -1, netns = -1;
	int sp[2], fds[2], nfds = 0, ret, status;
	pid_t child;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0 || netns < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -errno;
	child = fork();
	if (child < 0) {
		ret = -errno;
		close(sp[0]);
		close(sp[1]);
		return ret;
	}
	if (child == 0) {
		int nl;

		close(sp[0]);
		/* EINVAL: already in that user namespace (a root daemon) */
		if (setns(userns, CLONE_NEWUSER) && errno != EINVAL)
			child_fail(sp[1], errno, "joining the user namespace");
		if (setns(netns, CLONE_NEWNET))
			child_fail(sp[1], errno, "joining the network namespace");
		nl = netaddr_monitor_open();
		if (nl < 0)
			child_fail(sp[1], -nl, "rtnetlink monitor");
		if (send_fds(sp[1], MSG_FDS, &nl, 1))
			_exit(125);
		_exit(0);
	}
	close(sp[1]);
	ret = recv_msg(sp[0], buf, sizeof(buf), fds, 2, &nfds);
	close(sp[0]);
	waitpid(child, &status, 0);
	if (ret > 0 && buf[0] == MSG_FDS && nfds == 1)
		return fds[0];
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (ret > 0 && buf[0] == MSG_ERR)
		b4_debug("monitor for pid %d: %s", (int)pid, buf + 1);
	return -EPERM;
}
