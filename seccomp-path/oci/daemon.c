// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon.c - "b4ns daemon": one supervisor for every OCI container of a user
 *
 * Theory of operation: the daemon listens on an AF_UNIX socket that OCI
 * runtimes (runc >= 1.1, crun >= 1.6) connect to as
 * linux.seccomp.listenerPath. For every container process (init and every
 * exec) the runtime connects and sends one JSON "container process state"
 * with the seccomp notify fd in SCM_RIGHTS. Connections are read without
 * blocking inside the one event loop (common to all containers: no thread
 * or helper process per container or exec) until the bytes so far form a
 * complete JSON document, or EOF: runc 1.1 keeps its end open for as long as
 * it runs, so EOF cannot be waited for. Reading is bounded in size, in
 * descriptors and in time; anything malformed is logged and dropped and the
 * daemon goes on.
 *
 * A complete message names its container by state.id: the first process of
 * a container creates its context (settings from the config file and the
 * b4ns.* annotations, subnets read through an address monitor opened in the
 * container's namespace), later ones add their notify fd to it. A container
 * whose settings are wrong runs unswitched (its calls performed with a
 * policy that switches nothing, never CONTINUE), never half-configured. The context goes when its last notify fd hangs up.
 *
 * A control socket beside the listener (b4ns.ctl) answers "b4ns status"
 * with JSON. SIGHUP reloads the config file for containers that start
 * afterwards; SIGTERM and SIGINT stop the daemon. Sockets already switched
 * live on the host and keep working; trapped calls of running containers
 * then fail with ENOSYS (the kernel's answer when a filter's listener is
 * gone), so containers should be restarted with the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "cli/cli.h"
#include "daemon.h"
#include "err.h"
#include "fdpass.h"
#include "log.h"
#include "supervisor/notify.h"
#include "oci.h"
#include "policy.h"
#include "portmap.h"
#include "profile.h"
#include "launch/sandbox.h"
#include "server.h"
#include "unixsock.h"

#define CONN_MAX 64		/* listener connections being read at once */
#define CONN_FDS_MAX 8		/* descriptors accepted in one message */
#define CONN_TIMEOUT_S 5	/* a runtime sends its message at once */

/**
 * struct conn - a runtime's connection being read
 * @fd:		the connection
 * @buf:	message so far (OCI_STATE_MAX at most)
 * @len:	bytes in @buf
 * @fds:	descriptors received
 * @nfds:	entries in @fds
 * @peer:	peer pid (SO_PEERCRED), for logs
 * @start:	CLOCK_MONOTONIC second it was accepted
 */
struct conn {
	int fd;
	char *buf;
	size_t len;
	int fds[CONN_FDS_MAX];
	int nfds;
	pid_t peer;
	time_t start;
};

/**
 * struct daemon - the daemon's state
 * @loop:	event loop
 * @cfg:	configuration in force for new containers
 * @config:	config file name, NULL for built-in defaults
 * @listen_fd:	listener socket
 * @ctl_fd:	control socket
 * @sig_fd:	signalfd
 * @timer_fd:	1 s tick expiring slow connections
 * @conns:	connections being read
 * @started:	CLOCK_MONOTONIC start, for status
 * @accepted:	messages turned into container processes
 * @rejected:	messages dropped
 */
struct daemon {
	struct notif_loop *loop;
	struct cfg cfg;
	const char *config;
	int listen_fd;
	int ctl_fd;
	int sig_fd;
	int timer_fd;
	struct conn *conns[CONN_MAX];
	time_t started;
	unsigned long accepted;
	unsigned long rejected;
};

static time_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void conn_free(struct daemon *d, int slot)
{
	struct conn *c = d->conns[slot];

	notif_loop_del_extra(d->loop, c->fd);
	close(c->fd);
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	free(c->buf);
	free(c);
	d->conns[slot] = NULL;
}

static int conn_slot(struct daemon *d, int fd)
{
	for (int i = 0; i < CONN_MAX; i++) {
		if (d->conns[i] && d->conns[i]->fd == fd)
			return i;
	}
	return -1;
}

/* is_notify_fd() - is @fd a seccomp listener? */
static bool is_notify_fd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:seccomp notify");
}

/**
 * struct preload_watch - a preload container's first process, watched
 * through a pidfd: the container goes when it exits
 * @pidfd:	pidfd of the process
 * @id:		container id
 */
struct preload_watch {
	int pidfd;
	char id[OCI_ID_MAX];
};

static void on_preload_exit(struct notif_loop *loop, int fd, uint32_t events,
			    void *arg)
{
	struct preload_watch *w = arg;
	struct notif_container *nc = notif_container_find(loop, w->id);

	if (nc)
		notif_container_free(loop, nc);
	notif_loop_del_extra(loop, fd);
	close(fd);
	free(w);
}

/* register_preload() - a state without seccomp fd, as the oci-hook sends at
 * createRuntime for a b4ns.mode=preload container: serve its library's
 * requests (identified by network namespace) until its first process exits */
static void register_preload(struct daemon *d, const struct oci_state *st)
{
	struct cfg_container settings;
	struct notif_container *nc;
	struct preload_watch *w;
	struct policy_cfg pol;
	char err[512];
	int nl, pidfd;

	if (oci_settings(st, &d->cfg, &settings, err, sizeof(err)) ||
	    cfg_policy(&settings, &pol, err, sizeof(err))) {
		b4_err("container %s: %s; its preload requests are refused",
		       st->id, err);
		d->rejected++;
		return;
	}
	if (!settings.mode_set || settings.mode != CFG_MODE_PRELOAD) {
		b4_warn("container %s: message names no seccompFd and the "
			"container is not in preload mode; dropped", st->id);
		d->rejected++;
		return;
	}
	if (notif_container_find(d->loop, st->id)) {
		b4_debug("container %s: already registered", st->id);
		return;
	}
	pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	w = pidfd >= 0 ? calloc(1, sizeof(*w)) : NULL;
	if (!w) {
		b4_err("container %s: cannot watch pid %d: %s", st->id,
		       (int)st->pid, strerror(errno));
		if (pidfd >= 0)
			close(pidfd);
		d->rejected++;
		return;
	}
	nl = sandbox_join_monitor(st->pid);
	nc = notif_container_new(d->loop, st->id, st->pid, &pol, nl);
	if (!nc) {
		b4_err("container %s: %s", st->id, strerror(errno));
		close(pidfd);
		free(w);
		d->rejected++;
		return;
	}
	w->pidfd = pidfd;
	snprintf(w->id, sizeof(w->id), "%s", st->id);
	if (notif_loop_add_extra(d->loop, pidfd, EPOLLIN, on_preload_exit, w)) {
		notif_container_free(d->loop, nc);
		close(pidfd);
		free(w);
		d->rejected++;
		return;
	}
	d->accepted++;
	b4_info("container %s: pid %d, preload path, %d published ports",
		st->id, (int)st->pid, pol.n_publish);
}

/* conn_done() - a complete message: register the container process */
static void conn_done(struct daemon *d, struct conn *c)
{
	struct cfg_container settings;
	struct notif_container *nc;
	struct policy_cfg pol;
	struct oci_state *st;
	char err[512];
	bool passthrough = false;
	int nfd, ret;

	if (!c->len && !c->nfds)
		return; /* a liveness probe (oci-hook, doctor) */
	st = calloc(1, sizeof(*st));
	if (!st) {
		b4_err("listener message from pid %d: out of memory", (int)c->peer);
		d->rejected++;
		return;
	}
	if (oci_state_parse(c->buf, c->len, st, err, sizeof(err))) {
		b4_warn("listener message from pid %d dropped: %s", (int)c->peer,
			err);
		goto reject;
	}
	if (st->seccomp_fd_index < 0 && !c->nfds) {
		register_preload(d, st);
		free(st);
		return;
	}
	if (st->seccomp_fd_index < 0) {
		b4_warn("container %s: message names no seccompFd; dropped", st->id);
		goto reject;
	}
	if (c->nfds != st->n_fds) {
		b4_warn("container %s: message lists %d fds but carries %d; dropped",
			st->id, st->n_fds, c->nfds);
		goto reject;
	}
	nfd = c->fds[st->seccomp_fd_index];
	if (!is_notify_fd(nfd)) {
		b4_warn("container %s: fd \"seccompFd\" is not a seccomp listener; "
			"dropped", st->id);
		goto reject;
	}
	/* the loop owns the notify fd from here on; close the others */
	c->fds[st->seccomp_fd_index] = -1;
	for (int i = 0; i < c->nfds; i++) {
		if (c->fds[i] >= 0)
			close(c->fds[i]);
	}
	c->nfds = 0;

	nc = notif_container_find(d->loop, st->id);
	if (nc) {
		ret = notif_container_add_fd(d->loop, nc, nfd);
		if (ret)
			b4_err("container %s: cannot serve exec pid %d: %s", st->id,
			       (int)st->pid, strerror(-ret));
		else
			b4_info("container %s: process %d joined", st->id,
				(int)st->pid);
		d->accepted++;
		free(st);
		return;
	}

	ret = oci_settings(st, &d->cfg, &settings, err, sizeof(err));
	if (!ret)
		ret = cfg_policy(&settings, &pol, err, sizeof(err));
	if (ret) {
		b4_err("container %s: %s; it runs unswitched", st->id, err);
		passthrough = true;
		policy_default(&pol);
	} else if (settings.mode_set && settings.mode != CFG_MODE_SECCOMP &&
		   settings.mode != CFG_MODE_AUTO) {
		b4_info("container %s: mode %s: not switched", st->id,
			cfg_mode_name(settings.mode));
		passthrough = true;
	}

	ret = sandbox_join_monitor(st->pid);
	if (ret < 0)
		b4_warn("container %s: cannot watch its addresses (%s): its own "
			"subnets are not known", st->id, strerror(-ret));
	nc = notif_container_new(d->loop, st->id, st->pid, &pol, ret);
	if (!nc) {
		b4_err("container %s: %s; its trapped calls will fail", st->id,
		       strerror(errno));
		close(nfd);
		d->rejected++;
		free(st);
		return;
	}
	if (passthrough)
		notif_container_set_passthrough(nc);
	ret = notif_container_add_fd(d->loop, nc, nfd);
	if (ret)
		b4_err("container %s: %s", st->id, strerror(-ret));
	b4_info("container %s: pid %d, %s, %d published ports", st->id,
		(int)st->pid, passthrough ? "not switched" : "switching",
		pol.n_publish);
	d->accepted++;
	free(st);
	return;
reject:
	d->rejected++;
	free(st);
}

/* json_complete() - do the bytes so far form one whole JSON document?
 * Return: 1 complete, 0 not yet, -1 never will (a syntax error) */
static int json_complete(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	enum json_tokener_error e;

	if (!tok)
		return 0;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	e = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (o) {
		json_object_put(o);
		return 1;
	}
	return e == json_tokener_continue ? 0 : -1;
}

static void on_conn(struct notif_loop *loop, int fd, uint32_t events,
		    void *arg)
{
	struct daemon *d = arg;
	int slot = conn_slot(d, fd);
	struct conn *c;

	if (slot < 0)
		return;
	c = d->conns[slot];
	for (;;) {
		struct fdpass_rx rx;
		ssize_t n;

		if (c->len == OCI_STATE_MAX) {
			b4_warn("listener message from pid %d larger than %zu "
				"bytes; dropped", (int)c->peer, OCI_STATE_MAX);
			d->rejected++;
			conn_free(d, slot);
			return;
		}
		n = fdpass_recv(fd, c->buf + c->len, OCI_STATE_MAX - c->len,
				c->fds + c->nfds, CONN_FDS_MAX - c->nfds,
				MSG_DONTWAIT, &rx);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			b4_warn("listener connection from pid %d: %s", (int)c->peer,
				strerror((int)-n));
			d->rejected++;
			conn_free(d, slot);
			return;
		}
		c->nfds += rx.nfds;
		if (rx.dropped)
			b4_warn("listener message from pid %d: too many fds, some "
				"dropped", (int)c->peer);
		if (n == 0) {
			conn_done(d, c);
			conn_free(d, slot);
			return;
		}
		c->len += (size_t)n;
		if (json_complete(c->buf, c->len) != 0) {
			/* whole (or hopeless: conn_done says why) */
			conn_done(d, c);
			conn_free(d, slot);
			return;
		}
	}
}

static void on_accept(struct notif_loop *loop, int fd, uint32_t events,
		      void *arg)
{
	struct daemon *d = arg;

	for (;;) {
		struct ucred cred = { 0 };
		socklen_t len = sizeof(cred);
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;
		int slot = -1;

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				b4_warn("accepting a runtime connection: %s",
					strerror(errno));
			return;
		}
		getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
		if (cred.uid != geteuid()) {
			b4_warn("connection from uid %u refused (daemon runs as %u)",
				cred.uid, geteuid());
			close(cfd);
			continue;
		}
		for (int i = 0; i < CONN_MAX && slot < 0; i++) {
			if (!d->conns[i])
				slot = i;
		}
		c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
		if (c)
			c->buf = malloc(OCI_STATE_MAX);
		if (!c || !c->buf) {
			b4_warn("too many runtime connections at once; one dropped");
			if (c)
				free(c);
			close(cfd);
			continue;
		}
		c->fd = cfd;
		c->peer = cred.pid;
		c->start = mono_s();
		d->conns[slot] = c;
		if (notif_loop_add_extra(loop, cfd, EPOLLIN, on_conn, d)) {
			free(c->buf);
			free(c);
			d->conns[slot] = NULL;
			close(cfd);
		}
	}
}

static void on_tick(struct notif_loop *loop, int fd, uint32_t events,
		    void *arg)
{
	struct daemon *d = arg;
	uint64_t ticks;
	time_t now = mono_s();

	if (read(fd, &ticks, sizeof(ticks)) < 0) {
		/* spurious wake-up */
	}
	for (int i = 0; i < CONN_MAX; i++) {
		if (d->conns[i] && now - d->conns[i]->start > CONN_TIMEOUT_S) {
			b4_warn("listener connection from pid %d sent no complete "
				"message within %d s; dropped",
				(int)d->conns[i]->peer, CONN_TIMEOUT_S);
			d->rejected++;
			conn_free(d, i);
		}
	}
}

static void status_container(const struct notif_container_info *ci, void *arg)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	struct json_object *pub = json_object_new_array();

	for (int i = 0; i < ci->pol->n_publish; i++) {
		const struct portmap_entry *e = &ci->pol->publish[i];
		char h[SA_STRLEN], spec[SA_STRLEN + 32];

		if (e->host_ip_set)
			sa_format((const struct sockaddr *)&e->host, h, sizeof(h));
		else
			snprintf(h, sizeof(h), "%u", e->host_port);
		snprintf(spec, sizeof(spec), "%s:%u/%s", h, e->container_port,
			 e->proto == IPPROTO_UDP ? "udp" : "tcp");
		json_object_array_add(pub, json_object_new_string(spec));
	}
	json_object_object_add(o, "id", json_object_new_string(ci->id));
	json_object_object_add(o, "pid", json_object_new_int(ci->pid));
	json_object_object_add(o, "mode", json_object_new_string(
					  ci->passthrough ? "off" : "seccomp"));
	json_object_object_add(o, "processes", json_object_new_int(ci->n_fds));
	json_object_object_add(o, "published", pub);
	json_object_object_add(o, "notifications",
			       json_object_new_uint64(ci->st->notifications));
	json_object_object_add(o, "switched",
			       json_object_new_uint64(ci->st->switched));
	json_object_object_add(o, "kept", json_object_new_uint64(ci->st->kept));
	json_object_object_add(o, "refused",
			       json_object_new_uint64(ci->st->refused));
	json_object_object_add(o, "errors", json_object_new_uint64(ci->st->errors));
	json_object_array_add(arr, o);
}

static void on_ctl(struct notif_loop *loop, int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	struct json_object *root, *arr, *dm;
	const char *text;
	size_t len, off = 0;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	root = json_object_new_object();
	arr = json_object_new_array();
	dm = json_object_new_object();
	notif_loop_visit(loop, status_container, arr);
	json_object_object_add(dm, "pid", json_object_new_int(getpid()));
	json_object_object_add(dm, "uptime_s",
			       json_object_new_int64(mono_s() - d->started));
	json_object_object_add(dm, "messages_accepted",
			       json_object_new_uint64(d->accepted));
	json_object_object_add(dm, "messages_rejected",
			       json_object_new_uint64(d->rejected));
	json_object_object_add(dm, "config", json_object_new_string(
					       d->config ? d->config : ""));
	json_object_object_add(root, "daemon", dm);
	json_object_object_add(root, "containers", arr);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	len = strlen(text);
	/* a short answer to a local client: a blocking write is bounded */
	while (off < len) {
		ssize_t n = send(cfd, text + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	json_object_put(root);
	close(cfd);
}

static void on_signal(struct notif_loop *loop, int fd, uint32_t events,
		      void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct cfg fresh = { 0 };
			char err[512];

			if (!d->config) {
				b4_info("SIGHUP: no config file to reload");
				continue;
			}
			if (cfg_load(d->config, &fresh, err, sizeof(err))) {
				b4_err("SIGHUP: %s; keeping the previous config", err);
				cfg_free(&fresh);
				continue;
			}
			cfg_free(&d->cfg);
			d->cfg = fresh;
			b4_info("SIGHUP: %s reloaded for new containers", d->config);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			b4_info("signal %u: stopping", si.ssi_signo);
			notif_loop_stop(loop);
		}
	}
}

/* listen_at() - the daemon's socket at @path, unless a daemon answers there */
static int listen_at(const char *path)
{
	_cleanup_close_ int s = unixsock_connect(path, SOCK_STREAM);

	if (s >= 0)
		return -EADDRINUSE; /* another daemon answers there */
	if (s == -ENAMETOOLONG)
		return s;
	return unixsock_listen(path, SOCK_STREAM);
}

/* prepare_dir() - create the socket's directory, mode 0700, ours */
static int prepare_dir(const char *sock, char *dir, size_t len)
{
	struct stat st;
	char *slash;

	snprintf(dir, len, "%s", sock);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -EINVAL;
	*slash = '\0';
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	if ((st.st_mode & 0777) != 0700 && chmod(dir, 0700))
		return -errno;
	return 0;
}

int daemon_ctl_path(const char *sock, char *buf, size_t len)
{
	const char *slash = strrchr(sock, '/');
	int n;

	if (!slash)
		return -EINVAL;
	n = snprintf(buf, len, "%.*s/b4ns.ctl", (int)(slash - sock), sock);
	if (n < 0 || (size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static void daemon_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns daemon [OPTIONS]\n"
		"\n"
		"Serve the seccomp listeners of OCI containers (runc >= 1.1, crun >= 1.6,\n"
		"rootless Podman): point linux.seccomp.listenerPath at the socket\n"
		"(see 'b4ns profile' and 'b4ns oci-hook').\n"
		"\n"
		"Options:\n"
		"      --socket=PATH     listener socket (default\n"
		"                        $XDG_RUNTIME_DIR/b4ns/b4ns.sock, mode 0600,\n"
		"                        directory 0700); b4ns.ctl beside it serves status\n"
		"      --config=FILE     libconfig file: defaults and container sections,\n"
		"                        selected by the annotation b4ns.config=NAME\n"
		"  -v, --verbose         log every switching decision\n"
		"      --log-level=LEVEL error | warn | info | debug (default info)\n"
		"  -h, --help            this text\n"
		"\n"
		"SIGHUP reloads the config file for new containers; SIGTERM stops.\n");
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { .listen_fd = -1, .ctl_fd = -1, .sig_fd = -1,
			    .timer_fd = -1 };
	char sock[108], ctl[108], dir[108], pre[160], err[512];
	struct itimerspec tick = { { 1, 0 }, { 1, 0 } };
	const char *sockarg = NULL;
	enum log_level lvl = LOG_LVL_INFO;
	int ret, c, status = 1;
	sigset_t mask;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sockarg = optarg;
			break;
		case 'c':
			d.config = optarg;
			break;
		case 'v':
			lvl = LOG_LVL_DEBUG;
			break;
		case 'l':
			if (log_level_parse(optarg, &lvl)) {
				fprintf(stderr, "b4ns daemon: --log-level=%s: expected "
					"error, warn, info or debug\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			daemon_usage(stdout);
			return 0;
		default:
			daemon_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "b4ns daemon: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	log_level = lvl;
	if (d.config && cfg_load(d.config, &d.cfg, err, sizeof(err))) {
		fprintf(stderr, "b4ns daemon: %s\n", err);
		cfg_free(&d.cfg);
		return EXIT_USAGE;
	}
	if (sockarg) {
		if (*sockarg != '/' || strlen(sockarg) >= sizeof(sock)) {
			fprintf(stderr, "b4ns daemon: --socket must be an absolute "
				"path shorter than %zu bytes\n", sizeof(sock));
			return EXIT_USAGE;
		}
		snprintf(sock, sizeof(sock), "%s", sockarg);
	} else if (profile_default_socket(sock, sizeof(sock))) {
		fprintf(stderr, "b4ns daemon: XDG_RUNTIME_DIR is not set; give "
			"--socket=PATH\n");
		return EXIT_USAGE;
	}
	ret = prepare_dir(sock, dir, sizeof(dir));
	if (!ret)
		ret = daemon_ctl_path(sock, ctl, sizeof(ctl));
	if (ret) {
		fprintf(stderr, "b4ns daemon: socket directory of %s: %s\n", sock,
			ret == -EPERM ? "not a directory owned by us" :
					strerror(-ret));
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d.loop = notif_loop_new();
	if (d.sig_fd < 0 || d.timer_fd < 0 || !d.loop ||
	    timerfd_settime(d.timer_fd, 0, &tick, NULL)) {
		b4_err("daemon setup: %s", strerror(errno));
		goto out;
	}
	d.listen_fd = listen_at(sock);
	if (d.listen_fd < 0) {
		b4_err("listening on %s: %s", sock, d.listen_fd == -EADDRINUSE ?
			"another daemon is running there" : strerror(-d.listen_fd));
		goto out;
	}
	d.ctl_fd = listen_at(ctl);
	if (d.ctl_fd < 0) {
		b4_err("listening on %s: %s", ctl, strerror(-d.ctl_fd));
		goto out;
	}
	snprintf(pre, sizeof(pre), "%s/b4ns-preload.sock", dir);
	ret = preload_serve_path(d.loop, pre);
	if (ret < 0) {
		b4_err("listening on %s: %s", pre, strerror(-ret));
		goto out;
	}
	if (notif_loop_add_extra(d.loop, d.listen_fd, EPOLLIN, on_accept, &d) ||
	    notif_loop_add_extra(d.loop, d.ctl_fd, EPOLLIN, on_ctl, &d) ||
	    notif_loop_add_extra(d.loop, d.sig_fd, EPOLLIN, on_signal, &d) ||
	    notif_loop_add_extra(d.loop, d.timer_fd, EPOLLIN, on_tick, &d)) {
		b4_err("daemon setup: event loop");
		goto out;
	}
	d.started = mono_s();
	b4_info("listening on %s (status: %s)%s%s", sock, ctl,
		d.config ? ", config " : "", d.config ? d.config : "");
	ret = notif_loop_run(d.loop);
	if (ret)
		b4_err("event loop: %s", strerror(-ret));
	status = ret ? 1 : 0;
	unlink(sock);
	unlink(ctl);
	unlink(pre);
out:
	for (int i = 0; i < CONN_MAX; i++) {
		if (d.conns[i])
			conn_free(&d, i);
	}
	notif_loop_free(d.loop);
	if (d.listen_fd >= 0)
		close(d.listen_fd);
	if (d.ctl_fd >= 0)
		close(d.ctl_fd);
	if (d.sig_fd >= 0)
		close(d.sig_fd);
	if (d.timer_fd >= 0)
		close(d.timer_fd);
	cfg_free(&d.cfg);
	return status;
}
