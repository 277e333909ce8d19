// SPDX-License-Identifier: GPL-2.0-or-later
/* launch.c - "b4ns run"'s machinery: start one container and supervise it
 *
 * Theory of operation: launch_run() turns the merged settings into a
 * policy (cfg_policy()) and sandbox options: the switching mode (auto asks
 * probe_addfd() whether the kernel can inject fds, and takes the preload
 * path if not), the fallback network (slirp4netns if installed, unless
 * given), which syscalls the filter traps, and, when nothing is switched
 * (mode off), the published ports the fallback network forwards. The
 * container process is started by sandbox_start(); this process stays in
 * the caller's network namespace and becomes its supervisor: one event
 * loop serves the container's notify fd (seccomp) or the requests of its
 * libb4ns.so (preload: an inherited SOCK_SEQPACKET channel, and a socket in
 * the run's private directory for processes that closed it), and a
 * signalfd forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to the
 * container's first process (by ctrinit_forward()'s rule: not what a
 * terminal already sent to the whole foreground group) and reaps it. That
 * process is the init of the container's PID namespace (ctrinit.c): it
 * runs the command and exits with the command's status, and the kernel
 * then kills every process left in the namespace, so nothing outlives the
 * run. The loop ends when it has exited and nothing holds the filter any
 * more (at once in preload mode or with a daemon); its status is returned.
 * A terminating signal that arrives after it has exited ends the loop.
 *
 * With a daemon (--daemon, or --network when one answers at the default
 * socket; decided by cli/run.c) this process serves no listener: the
 * child is started held before exec (sandbox_opts.hold), its listener is
 * handed to the daemon (handover.c, which checks that the daemon serves
 * it), and only then does the command run; a daemon that does not answer
 * or does not take it fails the start and the child is killed unserved.
 * The run then forwards signals, reaps, keeps the fallback network helper
 * and ends as the preload path does, when the first process has exited.
 * The container's own addresses (--ip) are put on a veth pair by the
 * child itself (netif.c). Its uid and gid maps are decided here
 * (idmap_plan(): the caller's subordinate ids when it has some, --userns)
 * and written by sandbox_start().
 *
 * Everything a run holds lives in one heap-allocated struct launch, torn
 * down by launch_free() on every path (a cleanup attribute): the loop, the
 * signalfd, the fallback network helper, the private directory and its
 * sockets, and the container's first process if it was not reaped.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "err.h"
#include "launch/ctrinit.h"
#include "launch/elf.h"
#include "launch/fwd.h"
#include "launch/handover.h"
#include "launch/hostroute.h"
#include "launch/idmap.h"
#include "launch/launch.h"
#include "launch/probe.h"
#include "launch/sandbox.h"
#include "log.h"
#include "dnsfwd.h"
#include "paths.h"
#include "policy.h"
#include "proc.h"
#include "readall.h"
#include "reqsrv.h"
#include "sockaddr.h"
#include "supervisor/notify.h"

/* largest /etc/hosts copied for --add-host */
#define HOSTS_MAX ((size_t)1024 * 1024)

/**
 * struct launch - one run: options, the container, and what serves it
 * @pol:	the switching policy (from the settings; not changed)
 * @so:		how the container is started
 * @sb:		the started container
 * @sup:	event loop, containers and seccomp supervisor (zeroed until
 *		opened)
 * @sfd:	signalfd, or -1
 * @child:	the first process while not reaped, else 0
 * @status:	exit status of the first process, once known
 * @done:	the first process has exited (and was reaped)
 * @preload:	preload path: the container holds no notify fd, so the
 *		supervisor ends with the first process
 * @handed:	its listener went to the daemon: this process serves none,
 *		and ends with the first process too
 * @ho:		with a daemon: what it is told
 * @dset:	with a daemon: the settings checked (daemon_check())
 * @lib:	preload path: libb4ns.so
 * @rdir:	private directory for this run's sockets, or ""
 * @psock:	preload path: request socket in @rdir, or ""
 * @resolv:	the container's /etc/resolv.conf (--dns IP list), or ""
 * @hosts:	the container's /etc/hosts (--add-host), or NULL
 * @ns:		the host's loopback name servers (dns = "host"): the
 *		container's UDP queries to them are forwarded
 * @fwd:	the DNS forwarder of each entry of @ns, or NULL
 * @idmap:	the container's uid and gid maps
 */
struct launch {
	struct policy_cfg pol;
	struct sandbox_opts so;
	struct sandbox sb;
	struct supervisor sup;
	int sfd;
	pid_t child;
	int status;
	bool done;
	bool preload;
	bool handed;
	struct handover ho;
	struct cfg_container dset;
	char lib[PATH_MAX];
	char rdir[PATH_MAX];
	char psock[PATH_MAX + sizeof(PATHS_RUN_PRELOAD_SOCK) + 1];
	char resolv[CFG_MAX_DNS * (SA_STRLEN + 16) + 64];
	char *hosts;
	struct sockaddr_storage ns[SANDBOX_MAX_DNS];
	struct dnsfwd *fwd[SANDBOX_MAX_DNS];
	struct idmap idmap;
};

/* launch_free() - the one teardown of a run, for __attribute__((cleanup)) */
static void launch_free(struct launch **lp)
{
	struct launch *l = *lp;

	if (!l)
		return;
	killp(&l->child);
	for (int i = 0; i < SANDBOX_MAX_DNS; i++)
		dnsfwd_free(l->fwd[i]);
	supervisor_close(&l->sup);
	sandbox_stop_net(&l->sb);
	closep(&l->sb.notify_fd);
	closep(&l->sb.nl_fd);
	closep(&l->sb.hold_fd);
	for (int i = 0; i < SANDBOX_MAX_DNS; i++)
		closep(&l->sb.dns_fd[i]);
	closep(&l->so.preload_fd);
	closep(&l->sfd);
	paths_run_dir_remove(l->rdir);
	free(l->hosts);
	free(l);
	*lp = NULL;
}

static void on_signal(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct launch *l = arg;
	struct signalfd_siginfo si;
	pid_t p;
	int status;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig != SIGCHLD && !l->done) {
			if (ctrinit_forward(sig, si.ssi_code, l->sb.pid))
				kill(l->sb.pid, sig);
			continue;
		}
		if (sig != SIGCHLD) {
			/* nothing left to forward to: do not linger */
			if (sig != SIGUSR1 && sig != SIGUSR2)
				loop_stop(loop);
			continue;
		}
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p == l->sb.pid) {
				l->child = 0; /* reaped */
				l->done = true;
				l->status = WIFEXITED(status) ?
						    WEXITSTATUS(status) :
						    128 + WTERMSIG(status);
				if (!l->preload && !l->handed)
					registry_stop_when_empty(l->sup.reg);
			} else if (p == l->sb.net_pid) {
				l->sb.net_pid = 0;
				b4_warn("the fallback network helper exited");
			}
		}
		/* preload containers hold no notify fd to hang up, nor do
		 * we hold the one the daemon serves: the first process was
		 * the PID namespace's init, nothing of the container is left */
		if ((l->preload || l->handed) && l->done)
			loop_stop(loop);
	}
}

/* resolve_mode() - the switching mode; preload: find the library */
static int resolve_mode(struct launch *l, const struct cfg_container *s,
			char **argv, enum cfg_mode *mode, struct b4_error *err)
{
	int ret;

	*mode = s->mode_set ? s->mode : CFG_MODE_SECCOMP;
	if (*mode == CFG_MODE_AUTO) {
		ret = probe_addfd();
		*mode = ret ? CFG_MODE_PRELOAD : CFG_MODE_SECCOMP;
		b4_info("mode auto: %s", ret ? "no SECCOMP_IOCTL_NOTIF_ADDFD, "
			"using the preload path" : "using seccomp");
	}
	if (*mode != CFG_MODE_PRELOAD)
		return 0;
	if (paths_preload_library(l->lib, sizeof(l->lib)))
		return b4_error_set(err, -ENOENT, "mode preload: libb4ns.so not "
				    "found (install it, or set B4NS_PRELOAD_LIB)");
	if (elf_is_static(argv[0]))
		b4_warn("%s is statically linked: libb4ns.so cannot load "
			"into it, its sockets stay on the slow path "
			"(--mode=seccomp switches them)", argv[0]);
	l->so.preload_lib = l->lib;
	return 0;
}

/* resolve_net() - the fallback network: given, or slirp4netns if there */
static int resolve_net(struct launch *l, const struct cfg_container *s,
		       struct b4_error *err)
{
	struct sandbox_opts *so = &l->so;

	so->net = s->net_set ? s->net : CFG_NET_AUTO;
	if (so->net == CFG_NET_AUTO) {
		so->net = paths_which("slirp4netns", NULL, 0) ? CFG_NET_SLIRP4NETNS :
							CFG_NET_NONE;
		if (so->net == CFG_NET_NONE)
			b4_warn("slirp4netns not found: unswitched traffic has "
				"no way out (--net=none)");
	} else if (so->net != CFG_NET_NONE &&
		   !paths_which(cfg_net_name(so->net), NULL, 0)) {
		return b4_error_set(err, -ENOENT, "--net=%s: %s is not installed",
				    cfg_net_name(so->net),
				    cfg_net_name(so->net));
	}
	return 0;
}

/* signals_take() - signals arrive on a signalfd (children unblock them
 * again); SIGPIPE is ignored */
static int signals_take(struct launch *l, struct b4_error *err)
{
	sigset_t mask;

	ctrinit_sigset(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	l->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sfd < 0)
		return b4_error_set(err, -errno, "signalfd: %s", strerror(errno));
	/* a closed stderr must not kill the supervisor of live containers */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* preload_setup() - request channel (inherited) and socket path in the
 * run's directory (fallback, for processes that closed the inherited fd)
 * for the preload path */
static int preload_setup(struct launch *l)
{
	_cleanup_close_ int mine = -1;
	int sp[2], ret;

	snprintf(l->psock, sizeof(l->psock), "%s/" PATHS_RUN_PRELOAD_SOCK,
		 l->rdir);
	ret = reqsrv_serve_path(l->sup.reg, l->psock);
	if (ret < 0) {
		l->psock[0] = '\0';
		return ret;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -errno;
	mine = sp[0];
	l->so.preload_fd = sp[1];
	ret = reqsrv_serve_channel(l->sup.reg, take_fd(&mine));
	if (ret)
		return ret;
	l->so.preload_sock = l->psock;
	return 0;
}

/* supervise() - register the started container with the loop */
static int supervise(struct launch *l, struct b4_error *err)
{
	struct container *c;
	char id[32];
	int ret;

	ret = loop_add(l->sup.loop, l->sfd, EPOLLIN, on_signal, l, NULL);
	if (ret)
		return b4_error_set(err, ret, "event loop: %s", strerror(-ret));
	if (l->handed || (!l->preload && l->sb.notify_fd < 0))
		return 0; /* the daemon's, or mode off: nothing to serve */
	snprintf(id, sizeof(id), "run-%d", (int)l->sb.pid);
	ret = container_new(l->sup.reg, id, l->sb.pid, &l->pol,
			    take_fd(&l->sb.nl_fd), &c, err);
	if (ret || l->preload)
		return ret;
	ret = notify_add_fd(l->sup.nt, c, take_fd(&l->sb.notify_fd));
	if (ret)
		return b4_error_set(err, ret, "container %s: %s", id,
				    strerror(-ret));
	return 0;
}

/* dns_text() - the resolv.conf naming the name servers of --dns IP,... */
static void dns_text(const struct cfg_container *s, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "# b4ns run --dns\n");

	for (int i = 0; i < s->n_dns_servers && off < len; i++) {
		char ip[SA_STRLEN];

		off += (size_t)snprintf(buf + off, len - off, "nameserver %s\n",
			sa_format_ip((const struct sockaddr *)&s->dns_servers[i],
				     ip, sizeof(ip)));
	}
}

/* hosts_text() - the host's /etc/hosts with the --add-host lines after it
 * (a later line does not override an earlier one for glibc: so they are
 * put first) */
static int hosts_text(const struct cfg_container *s, char **out,
		      struct b4_error *err)
{
	_cleanup_free_ char *host = NULL;
	size_t len = 0, size, off = 0;
	int ret;

	ret = readall_file("/etc/hosts", HOSTS_MAX, &host, &len);
	if (ret && ret != -ENOENT)
		return b4_error_set(err, ret, "/etc/hosts: %s (for --add-host)",
				    strerror(-ret));
	size = len + (size_t)s->n_hosts * sizeof(s->hosts[0]) + 64;
	*out = malloc(size);
	if (!*out)
		return b4_error_set(err, -ENOMEM, "%s", strerror(ENOMEM));
	off += (size_t)snprintf(*out + off, size - off, "# b4ns run --add-host\n");
	for (int i = 0; i < s->n_hosts; i++)
		off += (size_t)snprintf(*out + off, size - off, "%s\n",
					s->hosts[i]);
	snprintf(*out + off, size - off, "%s", host ? host : "");
	return 0;
}

/* dns_forward_prepare() - the host's loopback name servers (dns =
 * "host"): the child binds a UDP socket to each in its namespace, and
 * dns_forward_start() relays what arrives there (common/dnsfwd.c). The
 * policy already has them, unless a daemon decides the policy */
static void dns_forward_prepare(struct launch *l, const struct launch_opts *o)
{
	struct b4_error warn = { .msg = "" };
	int n = l->pol.n_dns;

	if (o->daemon) {
		n = cfg_dns_loopback(o->settings, l->ns, SANDBOX_MAX_DNS, &warn);
		if (n < 0) {
			b4_warn("%s", warn.msg);
			n = 0;
		}
	} else {
		n = n > SANDBOX_MAX_DNS ? SANDBOX_MAX_DNS : n;
		memcpy(l->ns, l->pol.dns, (size_t)n * sizeof(l->ns[0]));
	}
	l->so.dns_fwd = l->ns;
	l->so.n_dns_fwd = n;
}

/* dns_forward_start() - relay the UDP queries of the sockets the child
 * bound (a name server address it could not bind, e.g. ::1 without IPv6,
 * is left alone) */
static void dns_forward_start(struct launch *l)
{
	char buf[SA_STRLEN];

	for (int i = 0; i < l->so.n_dns_fwd; i++) {
		const struct sockaddr *ns = (const struct sockaddr *)&l->ns[i];
		int ret;

		if (l->sb.dns_fd[i] < 0) {
			b4_info("DNS forwarder: %s not bound in the container",
				sa_format(ns, buf, sizeof(buf)));
			continue;
		}
		ret = dnsfwd_start(l->sup.loop, take_fd(&l->sb.dns_fd[i]), ns,
				   &l->fwd[i]);
		if (ret)
			b4_warn("DNS forwarder for %s: %s",
				sa_format(ns, buf, sizeof(buf)), strerror(-ret));
	}
}

/* daemon_check() - the run's own settings for a daemon: its publish specs
 * checked as cfg_policy() does, but UDP ones also without switch_udp (the
 * daemon's section may set it, and the daemon checks them) */
static int daemon_check(struct launch *l, const struct launch_opts *o,
			struct b4_error *err)
{
	l->dset = *o->settings;
	CFG_SET(&l->dset, switch_udp, true);
	return cfg_policy(&l->dset, &l->pol, err);
}

/* check_settings() - the policy of the settings; with a daemon, what it
 * is told too */
static int check_settings(struct launch *l, const struct launch_opts *o,
			  struct b4_error *err)
{
	int ret;

	if (!o->daemon) {
		struct b4_error warn = { .msg = "" };

		ret = cfg_policy(o->settings, &l->pol, err);
		if (!ret && cfg_dns_policy(o->settings, &l->pol, &warn))
			b4_warn("%s", warn.msg);
		return ret;
	}
	ret = daemon_check(l, o, err);
	if (ret)
		return ret;
	return handover_prepare(&l->ho, o->daemon, o->section, o->settings,
				err);
}

/* hand_over() - give the held child's listener to the daemon, then let it
 * run its command; on failure the caller kills it before it ever runs */
static int hand_over(struct launch *l, struct b4_error *err)
{
	int ret = handover_send(&l->ho, l->sb.pid, l->sb.notify_fd, err);

	closep(&l->sb.notify_fd);
	closep(&l->sb.nl_fd); /* the daemon opens its own monitor */
	if (ret)
		return ret;
	l->handed = true;
	return sandbox_release(&l->sb, err);
}

int launch_run(const struct launch_opts *o, bool *bad_settings,
	       struct b4_error *err)
{
	__attribute__((cleanup(launch_free))) struct launch *l = NULL;
	const struct cfg_container *s = o->settings;
	struct sandbox_opts *so;
	struct b4_error serr = { "" };
	enum cfg_mode mode;
	int ret;

	*bad_settings = false;
	l = calloc(1, sizeof(*l));
	if (!l)
		return b4_error_set(err, -ENOMEM, "%s", strerror(ENOMEM));
	l->sfd = -1;
	l->sb.notify_fd = l->sb.nl_fd = l->sb.exit_fd = -1;
	so = &l->so;
	so->preload_fd = -1;

	l->sb.hold_fd = -1;
	for (int i = 0; i < SANDBOX_MAX_DNS; i++)
		l->sb.dns_fd[i] = -1;
	ret = check_settings(l, o, err);
	if (ret) {
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): launch_free() frees l (cleanup attribute); the analyzer follows check_settings() and loses l on the way */
		*bad_settings = true;
		return ret;
	}
	so->argv = o->argv;
	so->allow_host_loopback = s->allow_host_loopback;
	so->addrs = o->addrs;
	so->n_addrs = o->n_addrs;
	if (s->dns_set && s->dns == CFG_DNS_LIST) {
		dns_text(s, l->resolv, sizeof(l->resolv));
		so->resolv_conf = l->resolv;
	}
	if (s->n_hosts) {
		ret = hosts_text(s, &l->hosts, err);
		if (ret)
			return ret;
		so->hosts = l->hosts;
	}
	dns_forward_prepare(l, o);
	so->proc = o->proc;
	idmap_plan(o->proc ? o->proc->userns : IDMAP_ROOT, geteuid(), getegid(),
		   "/etc/subuid", "/etc/subgid", &l->idmap);
	so->idmap = &l->idmap;
	ret = resolve_mode(l, s, o->argv, &mode, err);
	if (ret)
		return ret;
	if (o->daemon && mode != CFG_MODE_SECCOMP)
		return b4_error_set(err, -ENOSYS, "mode auto: the kernel cannot "
				    "inject fds (no SECCOMP_IOCTL_NOTIF_ADDFD), "
				    "so the daemon cannot serve the container");
	so->trap = mode == CFG_MODE_SECCOMP;
	/* common/traps.c: connect, bind, listen, sendto with a destination,
	 * TCP Fast Open always; every sendmsg() only for udp_sendmsg (which
	 * cfg_policy() accepts only with switch_udp) */
	so->trap_sendmsg = s->udp_sendmsg && s->switch_udp;
	/* the daemon may rewrite addresses whatever the run's settings: its
	 * section's published ports, a peer container's address */
	so->trap_names = l->pol.n_publish > 0 || s->allow_host_loopback ||
			 o->daemon;
	/* a daemon shows the services of a named network which container
	 * of it connected (each accept() then costs a round trip) */
	so->trap_accept = o->daemon != NULL && s->network_set &&
			  s->network[0];
	so->hold = o->daemon != NULL;
	so->allow_io_uring = s->allow_io_uring;
	if (so->allow_io_uring && so->trap)
		b4_warn("allow_io_uring: io_uring operations act on switched "
			"host sockets without any check");
	if (mode == CFG_MODE_OFF) {
		/* nothing switched: the fallback network forwards -p */
		so->fwd = l->pol.publish;
		so->n_fwd = l->pol.n_publish;
	}
	ret = resolve_net(l, s, err);
	if (ret)
		return ret;
	/* pasta maps its gateway (the host's) to the host's loopback only
	 * with --allow-host-loopback: then the policy does the same */
	if (so->net == CFG_NET_PASTA && s->allow_host_loopback)
		hostroute_gateways(&l->pol.gateway4, &l->pol.gateway6);
	ret = fwd_check(so->net, so->allow_host_loopback, so->fwd, so->n_fwd,
			err);
	if (ret) {
		*bad_settings = true;
		return ret;
	}

	if (o->daemon) {
		ret = handover_probe(&l->ho, err);
		if (ret)
			return ret;
	}

	ret = signals_take(l, err);
	if (ret)
		return ret;
	if (so->preload_lib || (so->n_fwd && so->net == CFG_NET_SLIRP4NETNS)) {
		ret = paths_run_dir_make(l->rdir, sizeof(l->rdir), err);
		if (ret)
			return ret;
		so->run_dir = l->rdir;
		so->slirp_api_sock = PATHS_RUN_SLIRP_API_SOCK;
	}
	ret = supervisor_open(&l->sup);
	if (ret)
		return b4_error_set(err, ret, "event loop: %s", strerror(-ret));
	if (so->preload_lib) {
		ret = preload_setup(l);
		if (ret)
			return b4_error_set(err, ret, "mode preload: request "
					    "server: %s", strerror(-ret));
		l->preload = true;
	}
	ret = sandbox_start(so, &l->sb, err);
	closep(&so->preload_fd); /* the container's end */
	if (ret)
		return b4_error_prefix(err, ret, "starting the container");
	l->child = l->sb.pid;
	dns_forward_start(l);
	if (o->daemon) {
		ret = hand_over(l, err);
		if (ret)
			return ret; /* launch_free() kills it, unrun */
	}
	b4_info("container pid %d, net %s, switching %s%s%s", (int)l->sb.pid,
		cfg_net_name(so->net), cfg_mode_name(mode),
		o->daemon ? " by the daemon at " : "", o->daemon ? o->daemon : "");

	ret = supervise(l, &serr);
	closep(&l->sb.nl_fd);
	if (ret) {
		b4_err("cannot supervise the container: %s",
		       b4_error_msg(&serr, ret));
		kill(l->sb.pid, SIGKILL);
	}
	ret = loop_run(l->sup.loop);
	if (ret)
		b4_err("event loop: %s", strerror(-ret));
	return l->done ? l->status : -ECHILD;
}
