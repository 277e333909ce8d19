// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox.c - start a rootless container process with a notify filter
 *
 * Theory of operation: the supervisor forks the child into new user,
 * network, PID and mount namespaces (one clone(): the user namespace is
 * made first and owns the others; a UTS namespace too for --hostname).
 * The child, pid 1 of its PID namespace, says so; the parent writes its
 * uid and gid maps (idmap.c: the caller's subordinate ids through
 * newuidmap/newgidmap, or the caller's own ids only) and answers "go";
 * the child mounts its own /proc (ctrinit.c), sets its host name and
 * working directory (-w), brings loopback up, opens an address monitor
 * (rtnetlink) and sends it with "ready" over a SOCK_SEQPACKET pair
 * (SCM_RIGHTS, common/fdpass.c). The parent attaches the fallback network
 * (slirp4netns, publishing ports through its API socket, or pasta,
 * started on the child's pid) and answers "go". The child
 * puts the container's own addresses (--ip) on a veth pair (netif.c),
 * gives up CAP_NET_RAW and CAP_NET_ADMIN where slirp4netns or pasta is
 * attached (netcaps.c: their tap would take loopback destinations to the
 * host's loopback) and loads the seccomp filter: every rule of common/traps.c's trap_rules[]
 * (connect, bind, listen, sendto with an address, sendmsg/sendmmsg with
 * MSG_FASTOPEN or every sendmsg, getsockname/getpeername when addresses
 * may be rewritten) becomes SCMP_ACT_NOTIFY on x86_64 and i386 (socketcall
 * too), io_uring and foreign ABIs get ENOSYS (load_filter()).
 * It then writes the listener's fd number with a plain write(): sendmsg()
 * may be trapped and nobody listens yet, so the parent takes the listener
 * itself with pidfd_getfd() and answers "go" again (with sandbox_opts.hold
 * only from sandbox_release(), once the caller has handed the listener to
 * the daemon, so the command never runs unserved); the child then stays as
 * the namespace's init (ctrinit_run()) and forks the command (with -e's variables set,
 * LD_PRELOAD and the request channel in preload mode), which execs it.
 * With sandbox_opts.resolv_conf or .hosts the child also unshares a
 * further mount namespace (private propagation) and bind-mounts a file
 * holding that text over /etc/resolv.conf or /etc/hosts, as the user it
 * maps to root, before the filter.
 * From loading the filter on it makes no trapped call, so it cannot wait
 * on itself. Errors in the child travel back as "E<errno>:text"
 * before it exits 125. Every resource of a start lives in a cleanup
 * variable until it is handed to struct sandbox, so a failed start closes
 * everything and kills and reaps the child and the network helper.
 * sandbox_join_monitor() runs the same monitor hand-over for a container
 * started by an OCI runtime, from a short-lived child that joins its
 * namespaces.
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
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fdpass.h"
#include "fwd.h"
#include "launch/ctrinit.h"
#include "launch/netcaps.h"
#include "launch/netif.h"
#include "log.h"
#include "netaddr.h"
#include "policy.h"
#include "proc.h"
#include "sandbox.h"
#include "traps.h"

#define SANDBOX_CLONE_FLAGS                                                    \
	(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS)

#define MSG_READY 'R'
#define MSG_GO 'G'
#define MSG_FDS 'F'
#define MSG_ERR 'E'
#define MSG_UNSHARED 'U'

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

/* child_fail() - report an error to the parent ("E<errno>:what: reason")
 * and exit */
static void __attribute__((noreturn))
child_fail(int sp, int err, const char *what)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "%c%d:%s: %s", MSG_ERR, err, what,
			 strerror(err));

	if (send(sp, msg, (size_t)n, MSG_NOSIGNAL) < 0) {
		/* the parent is gone: nobody to tell */
	}
	_exit(125);
}

/* bind_text() - in a private mount namespace of the caller (already
 * unshared), show @text at @target: a temporary file bind-mounted over it
 * and unlinked at once. Return: 0 or -errno, @what naming the step */
static int bind_text(const char *target, const char *text, const char **what)
{
	const char *dir = getenv("TMPDIR");
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int ret = 0;
	_cleanup_close_ int fd = -1;

	if (!dir || *dir != '/')
		dir = "/tmp";
	if (snprintf(tmp, sizeof(tmp), "%s/b4ns-etc-XXXXXX", dir) >=
	    (int)sizeof(tmp))
		return *what = "TMPDIR", -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return *what = "a temporary file in TMPDIR", -errno;
	errno = 0;	/* a short write sets none */
	if (fchmod(fd, 0644) || write(fd, text, len) != (ssize_t)len ||
	    mount(tmp, target, NULL, MS_BIND, NULL))
		ret = errno ? -errno : -EIO;
	*what = target;
	unlink(tmp);
	return ret;
}

/* private_etc() - the container's own /etc files (sandbox_opts) */
static int private_etc(const struct sandbox_opts *o, const char **what)
{
	int ret;

	if (!o->resolv_conf && !o->hosts)
		return 0;
	*what = "unshare(CLONE_NEWNS)";
	if (unshare(CLONE_NEWNS))
		return -errno;
	*what = "making / a private mount";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	ret = o->resolv_conf ?
	      bind_text("/etc/resolv.conf", o->resolv_conf, what) : 0;
	if (!ret && o->hosts)
		ret = bind_text("/etc/hosts", o->hosts, what);
	return ret;
}

/* nfds_bytes() - length of the MSG_READY message: "R", a byte per DNS
 * address */
static int nfds_bytes(const struct sandbox_opts *o)
{
	return 1 + (o->n_dns_fwd < SANDBOX_MAX_DNS ? o->n_dns_fwd :
						      SANDBOX_MAX_DNS);
}

/* dns_socket() - in the container's namespace, a UDP socket bound to the
 * name server address @ss (loopback, port 53) for the DNS forwarder; with
 * SO_REUSEADDR, so a name server of the container's own (dnsmasq) can
 * still bind the wildcard address. Return: the socket, or -1 */
static int dns_socket(const struct sockaddr_storage *ss)
{
	const struct sockaddr *sa = (const struct sockaddr *)ss;
	_cleanup_close_ int fd = socket(sa->sa_family, SOCK_DGRAM |
					SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (sa->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, sa, sa->sa_family == AF_INET6 ?
			     sizeof(struct sockaddr_in6) :
			     sizeof(struct sockaddr_in)))
		return -1;
	return take_fd(&fd);
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
			     (o->trap_sendmsg ? TRAP_IF_ALL_SENDMSG : 0) |
			     (o->trap_accept ? TRAP_IF_ACCEPT : 0);
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

/* proc_setup() - in the child, once its ids are mapped: host name (in its
 * own UTS namespace) and working directory */
static void proc_setup(const struct sandbox_proc *p, int sp)
{
	char what[PATH_MAX + 8];

	if (!p)
		return;
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)))
		child_fail(sp, errno, "--hostname: sethostname");
	if (p->workdir && chdir(p->workdir)) {
		snprintf(what, sizeof(what), "-w %s", p->workdir);
		child_fail(sp, errno, what);
	}
}

/* proc_env() - -e VAR=VAL into the command's environment (in the forked
 * child, before exec) */
static void proc_env(const struct sandbox_proc *p)
{
	for (int i = 0; p && i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');
		char *name;

		if (!eq)
			continue; /* -e VAR: inherited already */
		name = strndup(p->env[i], (size_t)(eq - p->env[i]));
		if (name)
			setenv(name, eq + 1, 1);
		free(name);
	}
}

static void __attribute__((noreturn))
child_main(const struct sandbox_opts *o, int sp)
{
	char byte;
	int ret, nl;
	ssize_t n;

	sandbox_unblock_signals();
	/* a supervisor that dies before this is seen at the first recv() */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the parent writes our maps (newuidmap must run outside) */
	byte = MSG_UNSHARED;
	if (send(sp, &byte, 1, MSG_NOSIGNAL) != 1 ||
	    recv(sp, &byte, 1, 0) != 1 || byte != MSG_GO)
		_exit(125); /* the parent reported why */
	ret = ctrinit_mount_proc();
	if (ret)
		b4_warn("cannot mount /proc for the container's PID namespace "
			"(%s): its /proc shows the host's processes and ids",
			strerror(-ret));
	{
		const char *what = "";

		ret = private_etc(o, &what);
		if (ret)
			child_fail(sp, -ret, what);
	}
	proc_setup(o->proc, sp);
	ret = loopback_up();
	if (ret)
		child_fail(sp, -ret, "bringing up lo");
	nl = netaddr_monitor_open();
	if (nl < 0)
		child_fail(sp, -nl, "rtnetlink monitor");
	{
		/* "R", then '1' or '0' per DNS address: bound or not */
		char ready[1 + SANDBOX_MAX_DNS];
		int fds[1 + SANDBOX_MAX_DNS], nfds = 1;

		fds[0] = nl;
		ready[0] = MSG_READY;
		for (int i = 0; i < o->n_dns_fwd && i < SANDBOX_MAX_DNS; i++) {
			int fd = dns_socket(&o->dns_fwd[i]);

			ready[1 + i] = fd >= 0 ? '1' : '0';
			if (fd >= 0)
				fds[nfds++] = fd;
		}
		n = fdpass_send(sp, ready, (size_t)nfds_bytes(o), fds, nfds, 0);
		if (n < 0)
			child_fail(sp, (int)-n, "handing over the address monitor");
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
	}
	if (recv(sp, &byte, 1, 0) != 1 || byte != MSG_GO)
		_exit(125); /* the parent reported why */
	if (o->n_addrs) {
		const char *what;

		ret = netif_setup(o->addrs, o->n_addrs, &what);
		if (ret)
			child_fail(sp, -ret, what);
	}
	/* a network helper's tap would carry loopback destinations that
	 * the container routes or writes there to the host's loopback */
	if (o->net == CFG_NET_SLIRP4NETNS || o->net == CFG_NET_PASTA) {
		const char *what;

		ret = netcaps_drop(&what);
		if (ret)
			child_fail(sp, -ret, what);
	}

	if (o->trap) {
		int fd = load_filter(o);

		if (fd < 0)
			child_fail(sp, -fd, "loading the seccomp notify filter");
		char msg[16];
		int len = snprintf(msg, sizeof(msg), "%c%d", MSG_FDS, fd);

		/* No sendmsg() now: it may be trapped, and nobody listens
		 * yet. The parent takes the listener with pidfd_getfd(). */
		if (write(sp, msg, (size_t)len) != len ||
		    read(sp, &byte, 1) != 1 || byte != MSG_GO)
			_exit(125);
		close(fd);
	} else {
		byte = MSG_FDS;
		if (send(sp, &byte, 1, MSG_NOSIGNAL) != 1)
			_exit(125);
	}
	close(sp);
	proc_env(o->proc);
	if (o->preload_lib)
		preload_env(o);
	ctrinit_run(o->argv, o->preload_fd);
}

/* take_listener() - duplicate the child's notify fd @fd */
static int take_listener(pid_t pid, int fd)
{
	_cleanup_close_ int pidfd = proc_pidfd_open(pid);

	if (pidfd < 0)
		return pidfd;
	return proc_getfd(pidfd, fd);
}

/* child_error() - the child's "<errno>:text" report into @err */
static int child_error(const char *msg, struct b4_error *err)
{
	char *end;
	long e = strtol(msg, &end, 10);

	if (*end != ':' || e <= 0 || e > 4095)
		return b4_error_set(err, -EIO, "%s", msg);
	return b4_error_set(err, (int)-e, "%s", end + 1);
}

/**
 * recv_child() - receive one message of a child, and at most one descriptor
 * @sp:		our end of the pair
 * @buf:	message buffer, NUL-terminated on return
 * @len:	size of @buf
 * @want:	the MSG_* expected
 * @fd:		the descriptor that came with it, or -1
 * @err:	the child's own error (MSG_ERR), or "child exited early"
 *
 * Return: 0 when the message is @want, or negative errno
 */
static int recv_child_fds(int sp, char *buf, size_t len, char want, int *fd,
			  int maxfds, int *nfds, struct b4_error *err)
{
	struct fdpass_rx rx;
	ssize_t n;

	for (int i = 0; i < maxfds; i++)
		fd[i] = -1;
	n = fdpass_recv(sp, buf, len - 1, fd, maxfds, 0, &rx);
	buf[n > 0 ? n : 0] = '\0';
	*nfds = n >= 0 ? rx.nfds : 0;
	if (n > 0 && buf[0] == want)
		return 0;
	fdpass_close(fd, *nfds);
	*nfds = 0;
	if (n > 0 && buf[0] == MSG_ERR)
		return child_error(buf + 1, err);
	if (n < 0)
		return b4_error_set(err, (int)n, "talking to the child: %s",
				    strerror((int)-n));
	return b4_error_set(err, -EIO, "child exited early");
}

/* recv_child() - recv_child_fds() of at most one descriptor */
static int recv_child(int sp, char *buf, size_t len, char want, int *fd,
		      struct b4_error *err)
{
	int n;

	return recv_child_fds(sp, buf, len, want, fd, 1, &n, err);
}

/* send_go() - tell the child to carry on */
static int send_go(int sp, struct b4_error *err)
{
	char go = MSG_GO;

	if (B4_NOINTR(send(sp, &go, 1, MSG_NOSIGNAL)) == 1)
		return 0;
	return b4_error_set(err, -EIO, "child exited early");
}

/* exec_net_helper() - in a forked child: run slirp4netns or pasta, quiet
 * unless debugging */
static void __attribute__((noreturn)) exec_net_helper(const char **argv)
{
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

/**
 * start_slirp4netns() - attach slirp4netns to the child's namespace
 * @o:		options (host loopback, published ports)
 * @pid:	the container's process
 * @net_pid:	slirp4netns' pid, set once it runs
 * @exit_fd:	closing it tells slirp4netns to exit, set once it runs
 * @err:	why it failed
 *
 * Return: 0 once slirp4netns is ready (and the ports are published), or
 * negative errno
 */
static int start_slirp4netns(const struct sandbox_opts *o, pid_t pid,
			     pid_t *net_pid, int *exit_fd, struct b4_error *err)
{
	_cleanup_close_ int ready_r = -1, ready_w = -1, exit_r = -1, exit_w = -1;
	char rfd[32], efd[32], spid[32], sock[PATH_MAX], api[PATH_MAX + 16];
	int pfd[2];
	char byte;
	pid_t p;

	api[0] = '\0';
	if (o->n_fwd) {
		/* published ports (mode off) go through its API socket */
		if (!o->run_dir || !o->slirp_api_sock)
			return b4_error_set(err, -EINVAL, "slirp4netns: no "
					    "directory for its API socket");
		snprintf(sock, sizeof(sock), "%s/%s", o->run_dir,
			 o->slirp_api_sock);
		snprintf(api, sizeof(api), "--api-socket=%s", sock);
	}
	if (pipe2(pfd, O_CLOEXEC))
		return b4_error_set(err, -errno, "pipe: %s", strerror(errno));
	ready_r = pfd[0];
	ready_w = pfd[1];
	if (pipe2(pfd, O_CLOEXEC))
		return b4_error_set(err, -errno, "pipe: %s", strerror(errno));
	exit_r = pfd[0];
	exit_w = pfd[1];
	p = fork();
	if (p < 0)
		return b4_error_set(err, -errno, "forking slirp4netns: %s",
				    strerror(errno));
	if (p == 0) {
		const char *argv[13];
		int a = 0;

		sandbox_unblock_signals();
		/* keep only the two pipe ends slirp4netns needs across exec */
		fcntl(ready_w, F_SETFD, 0);
		fcntl(exit_r, F_SETFD, 0);
		snprintf(rfd, sizeof(rfd), "--ready-fd=%d", ready_w);
		snprintf(efd, sizeof(efd), "--exit-fd=%d", exit_r);
		snprintf(spid, sizeof(spid), "%d", (int)pid);
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
		argv[a++] = spid;
		argv[a++] = "tap0";
		argv[a] = NULL;
		exec_net_helper(argv);
	}
	closep(&ready_w);
	closep(&exit_r);
	*net_pid = p;
	*exit_fd = take_fd(&exit_w);
	if (B4_NOINTR(read(ready_r, &byte, 1)) != 1)
		return b4_error_set(err, -EIO, "slirp4netns did not start (run "
				    "with -v to see why)");
	if (*api) {
		int ret = fwd_slirp_add(sock, o->fwd, o->n_fwd);

		if (ret)
			return b4_error_set(err, ret, "slirp4netns: publishing "
					    "the ports: %s", strerror(-ret));
	}
	return 0;
}

/**
 * start_pasta() - attach pasta to the child's namespace
 * @o:		options (host loopback, published ports)
 * @pid:	the container's process
 * @nl:		address monitor in its namespace: pasta is ready once the
 *		tap address appears
 * @net_pid:	pasta's pid, set once it runs
 * @err:	why it failed
 *
 * Return: 0 once the namespace has its address, or negative errno
 */
static int start_pasta(const struct sandbox_opts *o, pid_t pid, int nl,
		       pid_t *net_pid, struct b4_error *err)
{
	char spid[32];
	char specs[POLICY_MAX_PUBLISH][FWD_PASTA_SPEC_MAX];
	struct sa_cidr tmp[4];
	bool tcp = false, udp = false; /* a forwarded port of that protocol */
	pid_t p;

	if (o->n_fwd > POLICY_MAX_PUBLISH)
		return b4_error_set(err, -E2BIG, "pasta: more than %d published "
				    "ports", POLICY_MAX_PUBLISH);
	p = fork();
	if (p < 0)
		return b4_error_set(err, -errno, "forking pasta: %s",
				    strerror(errno));
	if (p == 0) {
		const char *argv[20 + 2 * POLICY_MAX_PUBLISH];
		int a = 0;

		sandbox_unblock_signals();
		snprintf(spid, sizeof(spid), "%d", (int)pid);
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
		argv[a++] = spid;
		argv[a] = NULL;
		exec_net_helper(argv);
	}
	*net_pid = p;
	/* pasta has no readiness fd: wait for the tap address to appear */
	for (int i = 0; i < 500; i++) {
		struct timespec ts = { 0, 10000000L };
		int status;

		if (netaddr_dump(nl, tmp, NULL, 4) > 0)
			return 0;
		if (waitpid(p, &status, WNOHANG) == p) {
			*net_pid = 0;
			return b4_error_set(err, -EIO, "pasta exited before "
					    "configuring the namespace (run "
					    "with -v to see why)");
		}
		nanosleep(&ts, NULL);
	}
	return b4_error_set(err, -ETIMEDOUT, "pasta did not configure the "
			    "namespace within 5 s");
}

/* dns_close() - the forwarder sockets of a failed start */
static void dns_close(int (*fds)[SANDBOX_MAX_DNS])
{
	for (int i = 0; i < SANDBOX_MAX_DNS; i++)
		closep(&(*fds)[i]);
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

int sandbox_start(const struct sandbox_opts *o, struct sandbox *sb,
		  struct b4_error *err)
{
	_cleanup_child_ pid_t pid = 0, net_pid = 0;
	_cleanup_close_ int sp = -1, csp = -1, nl = -1, notify = -1;
	_cleanup_close_ int exit_fd = -1, none = -1;
	/* the DNS forwarder's sockets, received with MSG_READY */
	int dns[SANDBOX_MAX_DNS] __attribute__((cleanup(dns_close)));
	struct idmap single;
	const struct idmap *idmap = o->idmap;
	char buf[512];
	int pair[2], ret;

	*sb = (struct sandbox){ .notify_fd = -1, .nl_fd = -1, .exit_fd = -1,
				.hold_fd = -1 };
	for (int i = 0; i < SANDBOX_MAX_DNS; i++)
		sb->dns_fd[i] = dns[i] = -1;
	if (!idmap) {
		single = (struct idmap){ .n_uid = 1, .n_gid = 1 };
		single.uid[0] = (struct idmap_line){ 0, geteuid(), 1 };
		single.gid[0] = (struct idmap_line){ 0, getegid(), 1 };
		idmap = &single;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair))
		return b4_error_set(err, -errno, "socketpair: %s",
				    strerror(errno));
	sp = pair[0];
	csp = pair[1];
	/* fork() into new namespaces: the user namespace is created first
	 * and owns the others; the child is pid 1 of its PID namespace. A
	 * raw clone() runs no fork handlers of glibc: fine while this process
	 * has no other thread (none is started before the container is) */
	pid = (pid_t)syscall(SYS_clone, SANDBOX_CLONE_FLAGS | SIGCHLD |
			     (o->proc && o->proc->hostname ? CLONE_NEWUTS : 0),
			     NULL, NULL, NULL, NULL);
	if (pid < 0) {
		pid = 0;
		return b4_error_set(err, -errno, "clone(CLONE_NEWUSER|"
				    "CLONE_NEWNET|CLONE_NEWPID|CLONE_NEWNS): %s",
				    strerror(errno));
	}
	if (pid == 0) {
		closep(&sp);
		child_main(o, csp);
	}
	closep(&csp);

	ret = recv_child(sp, buf, sizeof(buf), MSG_UNSHARED, &none, err);
	if (!ret)
		ret = idmap_apply(idmap, pid, err);
	if (!ret)
		ret = send_go(sp, err);
	if (ret)
		return ret;

	{
		int fds[1 + SANDBOX_MAX_DNS], nfds, k = 1;

		ret = recv_child_fds(sp, buf, sizeof(buf), MSG_READY, fds,
				     1 + SANDBOX_MAX_DNS, &nfds, err);
		if (ret)
			return ret;
		nl = fds[0];
		/* buf: "R" and '1' per DNS address bound, in order */
		for (int i = 0; i < o->n_dns_fwd && i < SANDBOX_MAX_DNS; i++)
			dns[i] = buf[1 + i] == '1' && k < nfds ? fds[k++] : -1;
		if (nl < 0)
			return b4_error_set(err, -EIO, "no address monitor "
					    "received");
	}

	if (o->net == CFG_NET_SLIRP4NETNS)
		ret = start_slirp4netns(o, pid, &net_pid, &exit_fd, err);
	else if (o->net == CFG_NET_PASTA)
		ret = start_pasta(o, pid, nl, &net_pid, err);
	if (!ret)
		ret = send_go(sp, err);
	if (!ret)
		ret = recv_child(sp, buf, sizeof(buf), MSG_FDS, &none, err);
	if (ret)
		return ret;
	if (o->trap) {
		ret = take_listener(pid, (int)strtol(buf + 1, NULL, 10));
		if (ret < 0)
			return b4_error_set(err, ret, "taking its seccomp "
					    "listener: %s", strerror(-ret));
		notify = ret;
		if (!o->hold) {
			ret = send_go(sp, err);
			if (ret)
				return ret;
		}
	}
	sb->pid = take_pid(&pid);
	sb->net_pid = take_pid(&net_pid);
	sb->notify_fd = take_fd(&notify);
	sb->nl_fd = take_fd(&nl);
	sb->exit_fd = take_fd(&exit_fd);
	for (int i = 0; i < SANDBOX_MAX_DNS; i++)
		sb->dns_fd[i] = take_fd(&dns[i]);
	if (o->trap && o->hold)
		sb->hold_fd = take_fd(&sp);
	return 0;
}

int sandbox_release(struct sandbox *sb, struct b4_error *err)
{
	_cleanup_close_ int sp = sb->hold_fd;

	sb->hold_fd = -1;
	if (sp < 0)
		return 0;
	return send_go(sp, err);
}

int sandbox_join_monitor(pid_t pid)
{
	_cleanup_close_ int userns = -1, netns = -1, sp = -1, csp = -1, nl = -1;
	struct b4_error err = { 0 };
	char path[64], buf[256];
	int pair[2], ret;
	pid_t child;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair))
		return -errno;
	sp = pair[0];
	csp = pair[1];
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		char byte = MSG_FDS;

		closep(&sp);
		/* EINVAL: already in that user namespace (a root daemon) */
		if (setns(userns, CLONE_NEWUSER) && errno != EINVAL)
			child_fail(csp, errno, "joining the user namespace");
		if (setns(netns, CLONE_NEWNET))
			child_fail(csp, errno, "joining the network namespace");
		nl = netaddr_monitor_open();
		if (nl < 0)
			child_fail(csp, -nl, "rtnetlink monitor");
		_exit(fdpass_send(csp, &byte, 1, &nl, 1, 0) < 0 ? 125 : 0);
	}
	closep(&csp);
	ret = recv_child(sp, buf, sizeof(buf), MSG_FDS, &nl, &err);
	/* it exits by itself once it has answered, or failed */
	(void)B4_NOINTR(waitpid(child, NULL, 0));
	if (!ret && nl < 0)
		ret = b4_error_set(&err, -EIO, "no monitor received");
	if (ret) {
		b4_debug("monitor for pid %d: %s", (int)pid,
			 b4_error_msg(&err, ret));
		return ret;
	}
	return take_fd(&nl);
}
