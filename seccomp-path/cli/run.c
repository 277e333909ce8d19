// SPDX-License-Identifier: GPL-2.0-or-later
/* run.c - "b4ns run": one rootless container process, supervised in-process
 *
 * Theory of operation: options come from the config file's global settings,
 * then its named section (--container), then the command line, each
 * overriding the one before. The container process is started by
 * sandbox_start(); this process stays in the caller's network namespace and
 * becomes its supervisor: one event loop serves the container's notify fd,
 * a signalfd forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to the
 * container and reaps children (we are their subreaper, so daemonised
 * container processes are reaped here too). The loop ends when the first
 * process has exited and no process is left holding the filter; the first
 * process's status becomes ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "launch/fwd.h"
#include "log.h"
#include "supervisor/notify.h"
#include "policy.h"
#include "portmap.h"
#include "launch/sandbox.h"
#include "server.h"
#include "doctor.h"

static const int fwd_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				   SIGUSR1, SIGUSR2 };

/**
 * struct run_state - what the signalfd callback needs
 * @sb:		the container
 * @status:	exit status of the first process, once known
 * @done:	the first process has exited
 * @preload:	preload path: the container holds no notify fd, so the
 *		supervisor ends with the first process
 */
struct run_state {
	struct sandbox *sb;
	int status;
	bool done;
	bool preload;
};

static void run_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns run [OPTIONS] -- CMD [ARG...]\n"
		"\n"
		"Run CMD in a new user and network namespace; its TCP and UDP\n"
		"connect()s to destinations outside the container are switched to\n"
		"host sockets.\n"
		"\n"
		"Options:\n"
		"      --net=MODE            none | slirp4netns | pasta: how traffic that\n"
		"                            is not switched leaves the namespace\n"
		"                            (default: slirp4netns if installed, else none)\n"
		"      --ignore=CIDR         never switch this destination (repeatable)\n"
		"  -p, --publish=SPEC        publish a container port on the host:\n"
		"                            [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp],\n"
		"                            ranges 8000-8009:80-89 (repeatable)\n"
		"      --mode=MODE           seccomp | preload | auto | off: how sockets are\n"
		"                            switched (default seccomp; auto: seccomp where\n"
		"                            the kernel has ADDFD, else preload; off:\n"
		"                            nothing switched, --net forwards -p)\n"
		"      --allow-host-loopback connect to the gateway address (10.0.2.2,\n"
		"                            fd00::2) reaches the host's loopback\n"
		"      --switch-udp          switch UDP sockets too (default: UDP stays\n"
		"                            on the slow path); needed for -p .../udp\n"
		"      --allow-io-uring      let the container use io_uring (default:\n"
		"                            denied, ENOSYS). Gives up the checks:\n"
		"                            io_uring operations act on switched host\n"
		"                            sockets without any check, so the container\n"
		"                            can reach the host's loopback through them\n"
		"      --config=FILE         libconfig file with defaults and sections\n"
		"      --container=NAME      apply the config file's section NAME\n"
		"  -v, --verbose             log every switching decision (debug)\n"
		"      --log-level=LEVEL     error | warn | info | debug (default warn)\n"
		"  -h, --help                this text\n"
		"\n"
		"Exit status: CMD's, 128+N if CMD was killed by signal N, 2 for bad\n"
		"options or configuration, 125 if the container could not start.\n");
}

/* container_children() - are any of our children container processes (not
 * the fallback network helper)? */
static bool container_children(const struct sandbox *sb)
{
	char path[64], buf[4096], *p, *end;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0 && pid != sb->net_pid)
			return true;
	}
	return false;
}

static void on_signal(struct notif_loop *loop, int fd, uint32_t events,
		      void *arg)
{
	struct run_state *rs = arg;
	struct signalfd_siginfo si;
	pid_t p;
	int status;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			if (!rs->done)
				kill(rs->sb->pid, (int)si.ssi_signo);
			continue;
		}
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p == rs->sb->pid) {
				rs->done = true;
				rs->status = WIFEXITED(status) ?
						     WEXITSTATUS(status) :
						     128 + WTERMSIG(status);
				if (!rs->preload)
					notif_loop_stop_when_empty(loop);
			} else if (p == rs->sb->net_pid) {
				rs->sb->net_pid = 0;
				b4_warn("the fallback network helper exited");
			}
		}
		/* preload containers hold no notify fd to hang up: stop when
		 * no container process is left (we are their subreaper) */
		if (rs->preload && rs->done && !container_children(rs->sb))
			notif_loop_stop(loop);
	}
}

enum {
	OPT_NET = 256,
	OPT_IGNORE,
	OPT_CONFIG,
	OPT_CONTAINER,
	OPT_ALLOW_HOST_LOOPBACK,
	OPT_LOG_LEVEL,
	OPT_MODE,
	OPT_SWITCH_UDP,
	OPT_ALLOW_IO_URING,
};

static const struct option run_opts[] = {
	{ "net", required_argument, NULL, OPT_NET },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "publish", required_argument, NULL, 'p' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "allow-host-loopback", no_argument, NULL, OPT_ALLOW_HOST_LOOPBACK },
	{ "switch-udp", no_argument, NULL, OPT_SWITCH_UDP },
	{ "allow-io-uring", no_argument, NULL, OPT_ALLOW_IO_URING },
	{ "verbose", no_argument, NULL, 'v' },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* parse_args() - command line into @cli; return -1 to go on, else a status */
static int parse_args(int argc, char **argv, struct cfg_container *cli,
		      const char **config, const char **section)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+vhp:", run_opts, NULL)) != -1) {
		switch (c) {
		case OPT_NET:
			if (cfg_net_parse(optarg, &cli->net) ||
			    cli->net == CFG_NET_AUTO) {
				fprintf(stderr, "b4ns run: --net=%s: expected none, "
					"slirp4netns or pasta\n", optarg);
				return EXIT_USAGE;
			}
			cli->net_set = true;
			break;
		case OPT_IGNORE:
			if (cli->n_ignore >= CFG_MAX_CIDRS) {
				fprintf(stderr, "b4ns run: too many --ignore (max %d)\n",
					CFG_MAX_CIDRS);
				return EXIT_USAGE;
			}
			if (sa_cidr_parse(optarg, &cli->ignore[cli->n_ignore])) {
				fprintf(stderr, "b4ns run: --ignore=%s: not a CIDR "
					"(e.g. 10.1.0.0/16, fd00::/64)\n", optarg);
				return EXIT_USAGE;
			}
			cli->n_ignore++;
			break;
		case 'p': {
			struct portmap_entry e;
			char err[PORTMAP_ERR_MAX];

			if (cli->n_publish >= CFG_MAX_PUBLISH) {
				fprintf(stderr, "b4ns run: too many --publish (max %d)\n",
					CFG_MAX_PUBLISH);
				return EXIT_USAGE;
			}
			if (portmap_parse(optarg, &e, err, sizeof(err))) {
				fprintf(stderr, "b4ns run: --publish: %s\n", err);
				return EXIT_USAGE;
			}
			snprintf(cli->publish[cli->n_publish++], CFG_SPEC_MAX, "%s",
				 optarg);
			break;
		}
		case OPT_MODE:
			if (cfg_mode_parse(optarg, &cli->mode)) {
				fprintf(stderr, "b4ns run: --mode=%s: expected seccomp, "
					"preload, auto or off\n", optarg);
				return EXIT_USAGE;
			}
			cli->mode_set = true;
			break;
		case OPT_CONFIG:
			*config = optarg;
			break;
		case OPT_CONTAINER:
			*section = optarg;
			break;
		case OPT_ALLOW_HOST_LOOPBACK:
			cli->allow_host_loopback = true;
			cli->allow_host_loopback_set = true;
			break;
		case OPT_SWITCH_UDP:
			cli->switch_udp = true;
			cli->switch_udp_set = true;
			break;
		case OPT_ALLOW_IO_URING:
			cli->allow_io_uring = true;
			cli->allow_io_uring_set = true;
			break;
		case 'v':
			cli->log_level = LOG_LVL_DEBUG;
			cli->log_level_set = true;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &cli->log_level)) {
				fprintf(stderr, "b4ns run: --log-level=%s: expected "
					"error, warn, info or debug\n", optarg);
				return EXIT_USAGE;
			}
			cli->log_level_set = true;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "b4ns run: no command given\n");
		run_usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* resolve_settings() - config file, its section, then the command line */
static int resolve_settings(const char *config, const char *section,
			    const struct cfg_container *cli,
			    struct cfg_container *eff)
{
	struct cfg cfg = { 0 };
	char err[512];
	int ret;

	memset(eff, 0, sizeof(*eff));
	if (config) {
		ret = cfg_load(config, &cfg, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "b4ns run: %s\n", err);
			cfg_free(&cfg);
			return EXIT_USAGE;
		}
		*eff = cfg.global;
		if (section) {
			const struct cfg_container *s = cfg_find(&cfg, section);

			if (!s) {
				fprintf(stderr, "b4ns run: %s: no container "
					"section '%s'\n", config, section);
				cfg_free(&cfg);
				return EXIT_USAGE;
			}
			if (cfg_merge(eff, s)) {
				fprintf(stderr, "b4ns run: %s: section '%s' has "
					"too many entries\n", config, section);
				cfg_free(&cfg);
				return EXIT_USAGE;
			}
		}
		cfg_free(&cfg);
	} else if (section) {
		fprintf(stderr, "b4ns run: --container needs --config\n");
		return EXIT_USAGE;
	}
	if (cfg_merge(eff, cli)) {
		fprintf(stderr, "b4ns run: too many --ignore entries\n");
		return EXIT_USAGE;
	}
	return -1;
}

/* Sockets of this run in its private directory (see run_dir_make()) */
#define RUN_PRELOAD_SOCK "preload.sock"
#define RUN_SLIRP_API_SOCK "slirp-api.sock"

/* run_dir_make() - this run's private directory (mode 0700, under
 * $XDG_RUNTIME_DIR or /tmp) for the preload path's request socket and
 * slirp4netns' API socket */
static int run_dir_make(char *dir, size_t len)
{
	const char *base = getenv("XDG_RUNTIME_DIR");

	snprintf(dir, len, "%s/b4ns-run-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir)) {
		dir[0] = '\0';
		return -errno;
	}
	return 0;
}

/* run_dir_remove() - the run's sockets and private directory, if made */
static void run_dir_remove(const char *dir)
{
	static const char *const names[] = { RUN_PRELOAD_SOCK,
					     RUN_SLIRP_API_SOCK };
	char path[PATH_MAX];

	if (!dir[0])
		return;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* preload_setup() - request channel (inherited) and socket path in @dir
 * (fallback, for processes that closed the inherited fd) for the preload
 * path */
static int preload_setup(struct notif_loop *loop, struct sandbox_opts *so,
			 const char *dir, char *sock, size_t slen)
{
	int sp[2], ret;

	snprintf(sock, slen, "%s/" RUN_PRELOAD_SOCK, dir);
	ret = preload_serve_path(loop, sock);
	if (ret < 0) {
		sock[0] = '\0';
		return ret;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -errno;
	ret = preload_serve_channel(loop, sp[0]);
	if (ret) {
		close(sp[1]);
		return ret;
	}
	so->preload_fd = sp[1];
	so->preload_sock = sock;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct cfg_container cli = { 0 }, eff;
	const char *config = NULL, *section = NULL;
	struct sandbox_opts so = { 0 };
	struct sandbox sb = { .pid = 0 };
	struct b4_error serr = { 0 };
	struct run_state rs = { .sb = &sb };
	struct notif_loop *loop = NULL;
	struct policy_cfg pol;
	_cleanup_close_ int sfd = -1;
	char lib[PATH_MAX], rdir[PATH_MAX] = "", psock[PATH_MAX] = "";
	char err[PORTMAP_ERR_MAX + 64];
	enum cfg_mode mode;
	sigset_t mask;
	char id[32];
	int ret;

	ret = parse_args(argc, argv, &cli, &config, &section);
	if (ret >= 0)
		return ret;
	if (cli.log_level_set)
		log_level = cli.log_level;
	ret = resolve_settings(config, section, &cli, &eff);
	if (ret >= 0)
		return ret;
	if (eff.log_level_set)
		log_level = eff.log_level;

	if (cfg_policy(&eff, &pol, err, sizeof(err))) {
		fprintf(stderr, "b4ns run: %s\n", err);
		return EXIT_USAGE;
	}

	so.argv = argv + optind;
	so.allow_host_loopback = eff.allow_host_loopback;
	mode = eff.mode_set ? eff.mode : CFG_MODE_SECCOMP;
	if (mode == CFG_MODE_AUTO) {
		ret = doctor_probe_addfd();
		mode = ret ? CFG_MODE_PRELOAD : CFG_MODE_SECCOMP;
		b4_info("mode auto: %s", ret ? "no SECCOMP_IOCTL_NOTIF_ADDFD, "
			"using the preload path" : "using seccomp");
	}
	if (mode == CFG_MODE_PRELOAD) {
		if (preload_find_library(lib, sizeof(lib))) {
			b4_err("mode preload: libb4ns.so not found (install it, or "
			       "set B4NS_PRELOAD_LIB)");
			return EXIT_START;
		}
		if (preload_is_static(argv[optind]))
			b4_warn("%s is statically linked: libb4ns.so cannot load "
				"into it, its sockets stay on the slow path "
				"(--mode=seccomp switches them)", argv[optind]);
		so.preload_lib = lib;
	}
	so.preload_fd = -1;
	so.trap = mode == CFG_MODE_SECCOMP;
	/* common/traps.c: connect, bind, listen, sendto with a destination,
	 * TCP Fast Open always; every sendmsg() only for udp_sendmsg (which
	 * cfg_policy() accepts only with switch_udp) */
	so.trap_sendmsg = eff.udp_sendmsg && eff.switch_udp;
	so.trap_names = pol.n_publish > 0 || eff.allow_host_loopback;
	so.allow_io_uring = eff.allow_io_uring;
	if (so.allow_io_uring && so.trap)
		b4_warn("allow_io_uring: io_uring operations act on switched "
			"host sockets without any check");
	if (mode == CFG_MODE_OFF) {
		/* nothing switched: the fallback network forwards -p */
		so.fwd = pol.publish;
		so.n_fwd = pol.n_publish;
	}
	so.net = eff.net_set ? eff.net : CFG_NET_AUTO;
	if (so.net == CFG_NET_AUTO) {
		so.net = sandbox_have("slirp4netns") ? CFG_NET_SLIRP4NETNS :
						       CFG_NET_NONE;
		if (so.net == CFG_NET_NONE)
			b4_warn("slirp4netns not found: unswitched traffic has "
				"no way out (--net=none)");
	} else if (so.net != CFG_NET_NONE &&
		   !sandbox_have(cfg_net_name(so.net))) {
		b4_err("--net=%s: %s is not installed", cfg_net_name(so.net),
		       cfg_net_name(so.net));
		return EXIT_START;
	}
	if (fwd_check(so.net, so.allow_host_loopback, so.fwd, so.n_fwd, err,
		      sizeof(err))) {
		fprintf(stderr, "b4ns run: %s\n", err);
		return EXIT_USAGE;
	}

	/* Signals are read from a signalfd; children unblock them again */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(fwd_signals); i++)
		sigaddset(&mask, fwd_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		b4_err("signalfd: %s", strerror(errno));
		return EXIT_START;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* a closed stderr must not kill the supervisor of live containers */
	signal(SIGPIPE, SIG_IGN);

	if (so.preload_lib || (so.n_fwd && so.net == CFG_NET_SLIRP4NETNS)) {
		ret = run_dir_make(rdir, sizeof(rdir));
		if (ret) {
			b4_err("private directory for this run's sockets: %s",
			       strerror(-ret));
			return EXIT_START;
		}
		so.run_dir = rdir;
		so.slirp_api_sock = RUN_SLIRP_API_SOCK;
	}
	loop = notif_loop_new();
	if (!loop) {
		b4_err("event loop: %s", strerror(errno));
		run_dir_remove(rdir);
		return EXIT_START;
	}
	if (so.preload_lib) {
		ret = preload_setup(loop, &so, rdir, psock, sizeof(psock));
		if (ret) {
			b4_err("mode preload: request server: %s", strerror(-ret));
			notif_loop_free(loop);
			run_dir_remove(rdir);
			return EXIT_START;
		}
		rs.preload = true;
	}
	ret = sandbox_start(&so, &sb, &serr);
	if (so.preload_fd >= 0)
		close(so.preload_fd); /* the container's end */
	if (ret) {
		b4_err("starting the container: %s", b4_error_msg(&serr, ret));
		notif_loop_free(loop);
		run_dir_remove(rdir);
		return EXIT_START;
	}
	b4_info("container pid %d, net %s, switching %s", (int)sb.pid,
		cfg_net_name(so.net), cfg_mode_name(mode));

	ret = notif_loop_add_extra(loop, sfd, EPOLLIN, on_signal, &rs);
	if (!ret && so.preload_lib) {
		snprintf(id, sizeof(id), "run-%d", (int)sb.pid);
		if (!notif_container_new(loop, id, sb.pid, &pol, sb.nl_fd))
			ret = -errno;
		sb.nl_fd = -1;
	} else if (!ret && sb.notify_fd >= 0) {
		struct notif_container *c;

		snprintf(id, sizeof(id), "run-%d", (int)sb.pid);
		c = notif_container_new(loop, id, sb.pid, &pol, sb.nl_fd);
		sb.nl_fd = -1;
		if (!c)
			ret = -errno;
		else
			ret = notif_container_add_fd(loop, c, sb.notify_fd);
		sb.notify_fd = -1;
	}
	if (sb.nl_fd >= 0) {
		close(sb.nl_fd);
		sb.nl_fd = -1;
	}
	if (ret) {
		b4_err("cannot supervise the container: %s", strerror(-ret));
		kill(sb.pid, SIGKILL);
	}

	ret = notif_loop_run(loop);
	if (ret)
		b4_err("event loop: %s", strerror(-ret));
	notif_loop_free(loop);
	sandbox_stop_net(&sb);
	run_dir_remove(rdir);
	return rs.done ? rs.status : EXIT_START;
}
