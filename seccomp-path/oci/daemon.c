// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon.c - the OCI listener daemon: one supervisor for every OCI container
 * of a user ("b4ns daemon"; its options are cli/daemon.c's)
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
 * policy that switches nothing, never CONTINUE), never half-configured.
 * The context goes when its last notify fd hangs up.
 *
 * A control socket beside the listener (b4ns.ctl, see paths.h) answers
 * "b4ns status" with JSON; the preload path's request socket lies there too.
 * The config file is --config, else the user's or the system's default one
 * (paths_config_default()) if there is one, else the built-in defaults.
 * SIGHUP reloads the config file: new containers get it, and each running
 * one gets its section and annotations applied again (its published ports
 * stay as bound); SIGTERM and SIGINT stop the daemon.
 *
 * Every switched container's published ports are in the daemon's registry
 * of container services (common/peers.c, kept by common/container.c), so
 * that a connect of one container to another's container address and port
 * reaches the other's host listener; a 1 s tick drops ports a container
 * has closed. With --registry=etcd the registry is shared with the other
 * nodes' daemons (cluster/cluster.c, on a thread of its own: the loop
 * never waits on etcd).
 *
 * The keeper (keeper/keeper.c) holds a copy of the listener and of every
 * notify fd, each with its runtime message: if this process dies it
 * answers the containers' calls fail-safe, and the next daemon gets them
 * back (keeper_join()) and serves them as if the runtime had just sent
 * them (serve_fd()); their published ports are found in their processes'
 * fd tables (adopt_ports()). "--replace" has the keeper stop the running
 * daemon first (KEEPER_STOP: it exits leaving the keeper and the
 * listener's path alone).
 *
 * When the daemon stops (SIGTERM), it tells the keeper to exit: sockets
 * already switched live on the host and keep working; trapped calls of
 * running containers then fail with ENOSYS (the kernel's answer when a
 * filter's listener is gone), so containers should be restarted with the
 * daemon. daemon_run() releases everything on one path (daemon_free()),
 * the socket files too.
 * daemon_probe() is how oci-hook and doctor ask whether a daemon is there.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
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
#include "cluster/cluster.h"
#include "err.h"
#include "launch/sandbox.h"
#include "log.h"
#include "oci/daemon.h"
#include "oci/oci.h"
#include "paths.h"
#include "peers.h"
#include "policy.h"
#include "portmap.h"
#include "proc.h"
#include "frame.h"
#include "keeper/keeper.h"
#include "keeper/proto.h"
#include "reqsrv.h"
#include "switch.h"
#include "supervisor/notify.h"
#include "unixsock.h"

#define CONN_MAX 64		/* listener connections being read at once */
#define CONN_TIMEOUT_S 5	/* a runtime sends its message at once */

/**
 * struct conn - a runtime's connection being read
 * @fd:		the connection
 * @msg:	the message so far
 * @peer:	peer pid (SO_PEERCRED), for logs
 * @start:	CLOCK_MONOTONIC second it was accepted
 */
struct conn {
	int fd;
	struct frame msg;
	pid_t peer;
	time_t start;
};

/**
 * struct daemon - the daemon's state
 * @sup:	event loop, containers, seccomp supervisor
 * @cfg:	configuration in force for new containers
 * @config:	config file name (--config, else the default one found),
 *		NULL for built-in defaults
 * @config_buf:	the default config file's name
 * @opts:	the daemon's options (registry settings given on the command
 *		line override the file's, at start and on every reload)
 * @listen_fd:	listener socket
 * @ctl_fd:	control socket
 * @sig_fd:	signalfd
 * @timer_fd:	1 s tick expiring slow connections
 * @sock:	listener socket path
 * @ctl:	control socket path
 * @pre:	preload request socket path
 * @pre_made:	@pre is ours to remove
 * @conns:	connections being read
 * @peers:	the registry of container services (published ports of
 *		every container served, by network and container address)
 * @origins:	connections of served containers to container services here
 * @cl:		the cluster sync of @peers through etcd, or NULL (embedded)
 * @started:	CLOCK_MONOTONIC start, for status
 * @accepted:	messages turned into container processes
 * @rejected:	messages dropped
 * @keep:	the link to the keeper (copies of the listener and every notify
 *		fd), or NULL if it is gone
 * @kpath:	the keeper's socket path
 * @replaced:	a new daemon took over (KEEPER_STOP): stop, leave the
 *		listener's path and the keeper to it
 * @serving:	its event loop ran
 */
struct daemon {
	struct supervisor sup;
	struct cfg cfg;
	const char *config;
	char config_buf[PATH_MAX];
	const struct daemon_opts *opts;
	int listen_fd;
	int ctl_fd;
	int sig_fd;
	int timer_fd;
	char sock[PATHS_SOCK_MAX];
	char ctl[PATHS_SOCK_MAX];
	char pre[PATHS_SOCK_MAX];
	bool pre_made;
	struct conn *conns[CONN_MAX];
	struct peers *peers;
	struct origins *origins;
	struct cluster *cl;
	time_t started;
	unsigned long accepted;
	unsigned long rejected;
	struct keeper_link *keep;
	char kpath[PATHS_SOCK_MAX];
	bool replaced;
	bool serving;
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

	loop_del_fd(d->sup.loop, c->fd);
	close(c->fd);
	frame_free(&c->msg);
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
 * @reg:	the registry it is in
 * @pidfd:	pidfd of the process
 * @id:		container id
 */
struct preload_watch {
	struct registry *reg;
	int pidfd;
	char id[OCI_ID_MAX];
};

static void on_preload_exit(struct loop *loop, int fd, uint32_t events,
			    void *arg)
{
	struct preload_watch *w = arg;
	struct container *nc = container_find(w->reg, w->id);

	if (nc)
		container_free(w->reg, nc);
	loop_del_fd(loop, fd);
	close(fd);
	free(w);
}

/**
 * struct ctr_settings - a container's settings while it is registered
 * @st:		the listener message's OCI state (conn_done() only)
 * @settings:	the daemon's config merged with its annotations
 * @pol:	the policy made of them (container_new() copies it)
 */
struct ctr_settings {
	struct oci_state st;
	struct cfg_container settings;
	struct policy_cfg pol;
};

/* settings_of() - a container's settings and policy: @d's config with
 * the annotations of @st. Return: 0, or a negative errno with a message
 * that names the container (oci_settings()'s do) in @err */
static int settings_of(const struct daemon *d, const struct oci_state *st,
		       struct ctr_settings *cs, struct b4_error *err)
{
	int ret = oci_settings(st, &d->cfg, &cs->settings, err);

	if (ret)
		return ret;
	ret = cfg_policy(&cs->settings, &cs->pol, err);
	return ret ? b4_error_prefix(err, ret, "container %s", st->id) : 0;
}

/* register_preload() - a state without seccomp fd, as the oci-hook sends at
 * createRuntime for a b4ns.mode=preload container: serve its library's
 * requests (identified by network namespace) until its first process exits */
static void register_preload(struct daemon *d, const struct oci_state *st)
{
	/* 16 KB of settings: on the heap, not on the loop's stack */
	_cleanup_free_ struct ctr_settings *cs = NULL;
	struct container *nc;
	struct preload_watch *w;
	struct b4_error err = { "" };
	struct b4_error cerr = { "" };
	int nl, pidfd, ret;

	cs = calloc(1, sizeof(*cs));
	if (!cs) {
		b4_err("container %s: out of memory", st->id);
		d->rejected++;
		return;
	}
	ret = settings_of(d, st, cs, &err);
	if (ret) {
		b4_err("%s; its preload requests are refused",
		       b4_error_msg(&err, ret));
		d->rejected++;
		return;
	}
	if (!cs->settings.mode_set || cs->settings.mode != CFG_MODE_PRELOAD) {
		b4_warn("container %s: message names no seccompFd and the "
			"container is not in preload mode; dropped", st->id);
		d->rejected++;
		return;
	}
	if (container_find(d->sup.reg, st->id)) {
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
	ret = container_new(d->sup.reg, st->id, st->pid, &cs->pol, nl, &nc, &cerr);
	if (ret) {
		b4_err("%s", b4_error_msg(&cerr, ret));
		close(pidfd);
		free(w);
		d->rejected++;
		return;
	}
	nc->origin = malloc(sizeof(*st));
	if (nc->origin)
		memcpy(nc->origin, st, sizeof(*st));
	container_serve_peers(nc, d->peers, d->origins);
	w->pidfd = pidfd;
	snprintf(w->id, sizeof(w->id), "%s", st->id);
	w->reg = d->sup.reg;
	if (loop_add(d->sup.loop, pidfd, EPOLLIN, on_preload_exit, w, NULL)) {
		container_free(d->sup.reg, nc);
		close(pidfd);
		free(w);
		d->rejected++;
		return;
	}
	d->accepted++;
	b4_info("container %s: pid %d, preload path, %d published ports",
		st->id, (int)st->pid, cs->pol.n_publish);
}

static void serve_fd(struct daemon *d, struct ctr_settings *cs, int nfd);

/* conn_done() - a complete message: register the container process */
static void conn_done(struct daemon *d, struct conn *c)
{
	/* 16 KB of settings: on the heap, not on the loop's stack */
	_cleanup_free_ struct ctr_settings *cs = NULL;
	struct oci_state *st;
	struct b4_error err = { "" };
	int nfd, ret;

	if (!c->msg.len && !c->msg.nfds)
		return; /* a liveness probe (oci-hook, doctor) */
	cs = calloc(1, sizeof(*cs));
	if (!cs) {
		b4_err("listener message from pid %d: out of memory", (int)c->peer);
		d->rejected++;
		return;
	}
	st = &cs->st;
	ret = oci_state_parse(c->msg.buf, c->msg.len, st, &err);
	if (ret) {
		b4_warn("listener message from pid %d dropped: %s", (int)c->peer,
			b4_error_msg(&err, ret));
		goto reject;
	}
	if (st->seccomp_fd_index < 0 && !c->msg.nfds) {
		register_preload(d, st);
		return;
	}
	if (st->seccomp_fd_index < 0) {
		b4_warn("container %s: message names no seccompFd; dropped", st->id);
		goto reject;
	}
	if (c->msg.nfds != st->n_fds) {
		b4_warn("container %s: message lists %d fds but carries %d; dropped",
			st->id, st->n_fds, c->msg.nfds);
		goto reject;
	}
	nfd = c->msg.fds[st->seccomp_fd_index];
	if (!is_notify_fd(nfd)) {
		b4_warn("container %s: fd \"seccompFd\" is not a seccomp listener; "
			"dropped", st->id);
		goto reject;
	}
	/* the loop owns the notify fd from here on; close the others */
	c->msg.fds[st->seccomp_fd_index] = -1;
	for (int i = 0; i < c->msg.nfds; i++) {
		if (c->msg.fds[i] >= 0)
			close(c->msg.fds[i]);
	}
	c->msg.nfds = 0;
	ret = keeper_keep(d->keep, KEEPER_FD, c->msg.buf, c->msg.len, nfd);
	if (ret)
		b4_warn("container %s: the keeper has no copy of its notify fd "
			"(%s): a crash of this daemon fails its calls with ENOSYS",
			st->id, strerror(-ret));
	serve_fd(d, cs, nfd);
	return;
reject:
	d->rejected++;
}

/* serve_fd() - serve notify fd @nfd of the container process described by
 * @cs->st: the container's first one registers it */
static void serve_fd(struct daemon *d, struct ctr_settings *cs, int nfd)
{
	const struct oci_state *st = &cs->st;
	struct b4_error err = { "" };
	struct b4_error cerr = { "" };
	bool passthrough = false;
	struct container *nc;
	int ret;

	nc = container_find(d->sup.reg, st->id);
	if (nc) {
		ret = notify_add_fd(d->sup.nt, nc, nfd);
		if (ret)
			b4_err("container %s: cannot serve exec pid %d: %s", st->id,
			       (int)st->pid, strerror(-ret));
		else
			b4_info("container %s: process %d joined", st->id,
				(int)st->pid);
		d->accepted++;
		return;
	}

	ret = settings_of(d, st, cs, &err);
	if (ret) {
		b4_err("%s; it runs unswitched", b4_error_msg(&err, ret));
		passthrough = true;
		policy_default(&cs->pol);
	} else if (cs->settings.mode_set && cs->settings.mode != CFG_MODE_SECCOMP &&
		   cs->settings.mode != CFG_MODE_AUTO) {
		b4_info("container %s: mode %s: not switched", st->id,
			cfg_mode_name(cs->settings.mode));
		passthrough = true;
	}

	ret = sandbox_join_monitor(st->pid);
	if (ret < 0)
		b4_warn("container %s: cannot watch its addresses (%s): its own "
			"subnets are not known", st->id, strerror(-ret));
	ret = container_new(d->sup.reg, st->id, st->pid, &cs->pol, ret, &nc, &cerr);
	if (ret) {
		b4_err("%s; its trapped calls will fail",
		       b4_error_msg(&cerr, ret));
		close(nfd);
		d->rejected++;
		return;
	}
	if (passthrough) {
		nc->passthrough = true;
	} else {
		nc->origin = malloc(sizeof(*st));
		if (nc->origin)
			memcpy(nc->origin, st, sizeof(*st));
		container_serve_peers(nc, d->peers, d->origins);
	}
	ret = notify_add_fd(d->sup.nt, nc, nfd);
	if (ret)
		b4_err("container %s: %s", st->id, strerror(-ret));
	b4_info("container %s: pid %d, %s, %d published ports", st->id,
		(int)st->pid, passthrough ? "not switched" : "switching",
		cs->pol.n_publish);
	d->accepted++;
}

/* adopt() - a notify fd the keeper handed over, with its runtime message */
static void adopt(struct daemon *d, struct keeper_item *it)
{
	_cleanup_free_ struct ctr_settings *cs = calloc(1, sizeof(*cs));
	_cleanup_close_ int nfd = it->fd;
	struct b4_error err = { "" };
	int ret;

	it->fd = -1;
	if (!cs)
		return;
	ret = oci_state_parse(it->blob, it->len, &cs->st, &err);
	if (ret || !is_notify_fd(nfd)) {
		b4_warn("a notify fd from the keeper dropped: %s",
			ret ? b4_error_msg(&err, ret) : "not a seccomp listener");
		return;
	}
	serve_fd(d, cs, take_fd(&nfd));
}

/* adopt_proc_ports() - the host sockets of process @pid bound to one of
 * @c's published ports */
static void adopt_proc_ports(struct daemon *d, struct container *c, pid_t pid)
{
	_cleanup_close_ int pidfd = proc_pidfd_open(pid);
	char path[64], target[64];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = pidfd >= 0 ? opendir(path) : NULL;
	while (dir && (e = readdir(dir))) {
		_cleanup_close_ int s = -1;
		char link[64 + sizeof(e->d_name)];
		bool foreign;
		ssize_t n;

		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0 || strncmp(target, "socket:", 7) != 0)
			continue;
		s = proc_getfd(pidfd, (int)strtol(e->d_name, NULL, 10));
		if (s >= 0 && switch_is_host_socket(s, c->netns_id,
				registry_self_netns(d->sup.reg), &foreign))
			switch_pub_adopt(c->cfg, &c->state, s);
	}
	if (dir)
		closedir(dir);
}

/* adopt_ports() - the published ports container @c holds: the host
 * listeners live in its processes' fd tables (a new daemon finds them) */
static void adopt_ports(struct container *c, void *arg)
{
	struct daemon *d = arg;
	struct dirent *e;
	DIR *dir;

	if (c->passthrough || !c->cfg->n_publish)
		return;
	dir = opendir("/proc");
	while (dir && (e = readdir(dir))) {
		pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);
		uint64_t ino;

		if (pid > 0 && !proc_netns_ino(pid, &ino) && ino == c->netns_ino)
			adopt_proc_ports(d, c, pid);
	}
	if (dir)
		closedir(dir);
	b4_info("container %s: %d published port(s) bound", c->id,
		c->state.n_pub);
}

static void on_keeper(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	int ret = keeper_event(d->keep);

	if (ret == -EAGAIN)
		return;
	if (ret == KEEPER_STOP) {
		b4_info("a new daemon takes over: stopping (containers keep "
			"running)");
		d->replaced = true;
		loop_stop(loop);
		return;
	}
	b4_warn("the keeper is gone: if this daemon stops or crashes, its "
		"containers' trapped calls fail with ENOSYS");
	loop_del_fd(loop, fd);
	/* the ledger is unmapped with the link */
	notify_set_ledger(d->sup.nt, NULL, 0);
	keeper_free(d->keep, false);
	d->keep = NULL;
}

static void on_conn(struct loop *loop, int fd, uint32_t events,
		    void *arg)
{
	struct daemon *d = arg;
	int slot = conn_slot(d, fd);
	struct b4_error err = { "" };
	struct conn *c;
	int ret;

	if (slot < 0)
		return;
	c = d->conns[slot];
	ret = frame_read(&c->msg, fd, &err);
	if (!ret)
		return;
	if (c->msg.fds_dropped)
		b4_warn("listener message from pid %d: too many fds, some "
			"dropped", (int)c->peer);
	if (ret < 0) {
		b4_warn("listener message from pid %d %s; dropped",
			(int)c->peer, b4_error_msg(&err, ret));
		d->rejected++;
	} else {
		conn_done(d, c);
	}
	conn_free(d, slot);
}

/* peer_in_container() - is @pid in the network namespace of a container the
 * daemon serves, other than the daemon's own (a --network=host container
 * shares the runtimes' namespace and reaches the host's loopback anyway)? */
static bool peer_in_container(const struct daemon *d, pid_t pid)
{
	uint64_t ino, self;

	return pid > 0 && !proc_netns_ino(pid, &ino) &&
	       !proc_netns_ino(getpid(), &self) && ino != self &&
	       container_by_netns(d->sup.reg, ino);
}

static void on_accept(struct loop *loop, int fd, uint32_t events,
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
		if (peer_in_container(d, cred.pid)) {
			/* runtimes and the hook run outside the containers: a
			 * process of a served container must not register one */
			b4_warn("connection from pid %d refused: it is in the "
				"network namespace of a served container",
				(int)cred.pid);
			close(cfd);
			continue;
		}
		for (int i = 0; i < CONN_MAX && slot < 0; i++) {
			if (!d->conns[i])
				slot = i;
		}
		c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
		if (!c || frame_init(&c->msg)) {
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
		if (loop_add(loop, cfd, EPOLLIN, on_conn, d, NULL)) {
			frame_free(&c->msg);
			free(c);
			d->conns[slot] = NULL;
			close(cfd);
		}
	}
}

/* sweep_ports() - published ports a container has closed leave its
 * policy state and the registry */
static void sweep_ports(struct container *c, void *arg)
{
	(void)arg;
	if (c->peers)
		switch_pub_sweep(&c->state);
}

static void on_tick(struct loop *loop, int fd, uint32_t events,
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
	registry_each(d->sup.reg, sweep_ports, NULL);
}

static void status_container(const struct container *ci, void *arg)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	struct json_object *pub = json_object_new_array();

	for (int i = 0; i < ci->cfg->n_publish; i++) {
		const struct portmap_entry *e = &ci->cfg->publish[i];
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
	json_object_object_add(o, "processes", json_object_new_int(notify_n_fds(ci)));
	json_object_object_add(o, "published", pub);
	json_object_object_add(o, "notifications",
			       json_object_new_uint64(ci->st.notifications));
	json_object_object_add(o, "switched",
			       json_object_new_uint64(ci->st.switched));
	json_object_object_add(o, "kept", json_object_new_uint64(ci->st.kept));
	json_object_object_add(o, "refused",
			       json_object_new_uint64(ci->st.refused));
	json_object_object_add(o, "errors", json_object_new_uint64(ci->st.errors));
	/* what its settings came from (with the config file): b4ns trace
	 * judges its sockets by them */
	if (ci->origin)
		json_object_object_add(o, "origin", oci_state_json(ci->origin));
	json_object_array_add(arr, o);
}

static void status_peer(const struct peer_entry *e, void *arg)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	char a[SA_STRLEN], h[SA_STRLEN];

	json_object_object_add(o, "network", json_object_new_string(e->key.network));
	json_object_object_add(o, "address", json_object_new_string(
		sa_format((const struct sockaddr *)&e->key.addr, a, sizeof(a))));
	json_object_object_add(o, "proto", json_object_new_string(
		e->key.proto == IPPROTO_UDP ? "udp" : "tcp"));
	json_object_object_add(o, "host", json_object_new_string(
		sa_format((const struct sockaddr *)&e->host, h, sizeof(h))));
	json_object_object_add(o, "node", json_object_new_string(e->node));
	json_object_object_add(o, "container", json_object_new_string(e->container));
	json_object_object_add(o, "remote", json_object_new_boolean(e->remote));
	json_object_array_add(arr, o);
}

/* status_registry() - the "registry" object of the status answer */
static struct json_object *status_registry(const struct daemon *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	json_object_object_add(o, "kind", json_object_new_string(
					  d->cl ? "etcd" : "embedded"));
	if (d->cl)
		json_object_object_add(o, "cluster", cluster_status(d->cl));
	json_object_object_add(o, "local", json_object_new_int(
					  peers_count(d->peers, false)));
	json_object_object_add(o, "remote", json_object_new_int(
					  peers_count(d->peers, true)));
	peers_visit(d->peers, status_peer, arr);
	json_object_object_add(o, "entries", arr);
	return o;
}

static void on_ctl(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *arr, *dm;
	const char *text;
	size_t len, off = 0;
	_cleanup_close_ int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	root = json_object_new_object();
	arr = json_object_new_array();
	dm = json_object_new_object();
	registry_visit(d->sup.reg, status_container, arr);
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
	json_object_object_add(root, "registry", status_registry(d));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	len = strlen(text);
	/* a short answer to a local client: a blocking write is bounded */
	while (off < len) {
		ssize_t n = send(cfd, text + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

/* load_registry() - the registry settings of @cfg with the command line's
 * over them, checked. Return: 0 or negative errno (@err says why) */
static int load_registry(const struct daemon *d, struct cfg *cfg,
			 struct b4_error *err)
{
	cfg_registry_override(&cfg->registry, &d->opts->reg, d->opts->reg_set);
	return cfg_registry_check(&cfg->registry, err);
}

/* reapply() - a running container's settings from the reloaded config */
static void reapply(struct container *c, void *arg)
{
	struct daemon *d = arg;
	_cleanup_free_ struct ctr_settings *cs = NULL;
	struct b4_error err = { "" };
	int ret;

	if (!c->origin || c->passthrough)
		return;
	cs = calloc(1, sizeof(*cs));
	if (!cs) {
		b4_warn("container %s: settings not reloaded: out of memory", c->id);
		return;
	}
	ret = settings_of(d, c->origin, cs, &err);
	if (ret) {
		b4_err("%s: reloaded config not applied",
		       b4_error_msg(&err, ret));
		return;
	}
	container_set_policy(d->sup.reg, c, &cs->pol);
	b4_info("container %s: reloaded settings applied", c->id);
}

static void on_signal(struct loop *loop, int fd, uint32_t events,
		      void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct cfg fresh = { 0 };
			struct b4_error err = { "" };

			if (!d->config) {
				b4_info("SIGHUP: no config file to reload");
				continue;
			}
			if (cfg_load(d->config, &fresh, &err) ||
			    load_registry(d, &fresh, &err)) {
				b4_err("SIGHUP: %s; keeping the previous config", err.msg);
				cfg_free(&fresh);
				continue;
			}
			cfg_free(&d->cfg);
			d->cfg = fresh;
			b4_info("SIGHUP: %s reloaded (registry settings take "
				"effect at the next start)", d->config);
			registry_each(d->sup.reg, reapply, d);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			b4_info("signal %u: stopping", si.ssi_signo);
			loop_stop(loop);
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
static int prepare_dir(const char *sock)
{
	char dir[PATHS_SOCK_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", sock);
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

int daemon_probe(const char *path)
{
	_cleanup_close_ int fd = unixsock_connect(path, SOCK_STREAM);

	return fd < 0 ? fd : 0;
}

/* daemon_free() - the one teardown of the daemon, for
 * __attribute__((cleanup)): connections, the loop with its containers,
 * our descriptors, the socket files we made, the config */
static void daemon_free(struct daemon **dp)
{
	struct daemon *d = *dp;

	if (!d)
		return;
	for (int i = 0; i < CONN_MAX; i++) {
		if (d->conns[i])
			conn_free(d, i);
	}
	/* the cluster first: its lease revoked, this node's entries leave
	 * the other nodes at once */
	cluster_free(d->cl);
	/* waits freed now are not answered: their ids stay in the ledger,
	 * for the keeper to answer (replaced) */
	if (d->sup.nt)
		notify_set_ledger(d->sup.nt, NULL, 0);
	supervisor_close(&d->sup);
	if (d->listen_fd >= 0 && !d->replaced)
		unlink(d->sock);
	if (d->ctl_fd >= 0)
		unlink(d->ctl);
	if (d->pre_made)
		unlink(d->pre);
	closep(&d->listen_fd);
	closep(&d->ctl_fd);
	closep(&d->sig_fd);
	closep(&d->timer_fd);
	/* replaced, or never served (a failed start): the keeper goes on
	 * with what it holds; else it exits, closing its copies */
	keeper_free(d->keep, !d->replaced && (d->serving || !d->keep ||
					      !d->keep->n_items));
	peers_free(d->peers);
	origins_free(d->origins);
	cfg_free(&d->cfg);
	free(d);
	*dp = NULL;
}

int daemon_run(const struct daemon_opts *o, bool *bad_config,
	       struct b4_error *err)
{
	__attribute__((cleanup(daemon_free))) struct daemon *d = NULL;
	struct itimerspec tick = { { 1, 0 }, { 1, 0 } };
	sigset_t mask;
	int ret;

	*bad_config = false;
	d = calloc(1, sizeof(*d));
	if (!d)
		return b4_error_set(err, -ENOMEM, "%s", strerror(ENOMEM));
	d->listen_fd = d->ctl_fd = d->sig_fd = d->timer_fd = -1;
	d->config = o->config;
	d->opts = o;
	ret = 0;
	if (!d->config) {
		ret = paths_config_default(d->config_buf, sizeof(d->config_buf),
					   err);
		if (!ret)
			d->config = d->config_buf;
		else if (ret == -ENOENT)
			ret = 0;
	}
	cfg_init(&d->cfg);
	if (!ret && d->config)
		ret = cfg_load(d->config, &d->cfg, err);
	if (!ret)
		ret = load_registry(d, &d->cfg, err);
	if (ret) {
		*bad_config = true;
		return ret;
	}
	snprintf(d->sock, sizeof(d->sock), "%s", o->socket);
	ret = prepare_dir(d->sock);
	if (ret)
		return b4_error_set(err, ret, "socket directory of %s: %s",
				    d->sock, ret == -EPERM ?
				    "not a directory owned by us" : strerror(-ret));
	ret = paths_beside(d->sock, PATHS_CTL_SOCK, d->ctl, err);
	if (!ret)
		ret = paths_beside(d->sock, PATHS_PRELOAD_DIR "/" PATHS_PRELOAD_SOCK,
				   d->pre, err);
	if (ret)
		return ret;
	ret = prepare_dir(d->pre);
	if (ret)
		return b4_error_set(err, ret, "socket directory of %s: %s",
				    d->pre, ret == -EPERM ?
				    "not a directory owned by us" : strerror(-ret));

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->sig_fd < 0 || d->timer_fd < 0 ||
	    timerfd_settime(d->timer_fd, 0, &tick, NULL))
		return b4_error_set(err, -errno, "daemon setup: %s",
				    strerror(errno));
	ret = supervisor_open(&d->sup);
	if (!ret)
		ret = peers_new(&d->peers);
	if (!ret)
		ret = origins_new(&d->origins);
	if (ret)
		return b4_error_set(err, ret, "daemon setup: %s",
				    strerror(-ret));
	/* before any thread starts: it may fork the keeper */
	ret = paths_beside(d->sock, PATHS_KEEPER_SOCK, d->kpath, err);
	if (!ret)
		ret = keeper_join(d->kpath, o->replace, &d->keep, err);
	if (ret)
		return ret;
	notify_set_ledger(d->sup.nt, d->keep->ledger, KEEPER_LEDGER_SLOTS);
	if (d->cfg.registry.kind == CFG_REGISTRY_ETCD) {
		ret = cluster_start(&d->cfg.registry, d->sup.loop, d->peers,
				    &d->cl, err);
		if (ret) {
			*bad_config = true;
			return ret;
		}
	}
	d->listen_fd = d->keep->listen_fd;
	d->keep->listen_fd = -1;
	if (d->listen_fd < 0) {
		d->listen_fd = listen_at(d->sock);
		if (d->listen_fd >= 0 &&
		    keeper_keep(d->keep, KEEPER_LISTEN, NULL, 0, d->listen_fd))
			b4_warn("the keeper has no copy of the listener");
	}
	if (d->listen_fd < 0)
		return b4_error_set(err, d->listen_fd, "listening on %s: %s",
				    d->sock, d->listen_fd == -EADDRINUSE ?
				    "another daemon is running there" :
				    strerror(-d->listen_fd));
	d->ctl_fd = listen_at(d->ctl);
	if (d->ctl_fd < 0)
		return b4_error_set(err, d->ctl_fd, "listening on %s: %s",
				    d->ctl, d->ctl_fd == -EADDRINUSE ?
				    "another daemon's control socket is there "
				    "(give each daemon a directory of its own)" :
				    strerror(-d->ctl_fd));
	ret = reqsrv_serve_path(d->sup.reg, d->pre);
	if (ret < 0)
		return b4_error_set(err, ret, "listening on %s: %s", d->pre,
				    strerror(-ret));
	d->pre_made = true;
	for (int i = 0; i < d->keep->n_items; i++)
		adopt(d, &d->keep->items[i]);
	if (d->keep->n_items) {
		registry_each(d->sup.reg, adopt_ports, d);
		b4_info("resumed from the keeper: %d notify fd(s)",
			d->keep->n_items);
	}
	if (loop_add(d->sup.loop, d->keep->conn, EPOLLIN, on_keeper, d, NULL) ||
	    loop_add(d->sup.loop, d->listen_fd, EPOLLIN, on_accept, d, NULL) ||
	    loop_add(d->sup.loop, d->ctl_fd, EPOLLIN, on_ctl, d, NULL) ||
	    loop_add(d->sup.loop, d->sig_fd, EPOLLIN, on_signal, d, NULL) ||
	    loop_add(d->sup.loop, d->timer_fd, EPOLLIN, on_tick, d, NULL))
		return b4_error_set(err, -ENOMEM, "daemon setup: event loop");
	d->started = mono_s();
	d->serving = true;
	b4_info("listening on %s (status: %s)%s%s", d->sock, d->ctl,
		d->config ? ", config " : "", d->config ? d->config : "");
	ret = loop_run(d->sup.loop);
	if (ret)
		return b4_error_set(err, ret, "event loop: %s", strerror(-ret));
	return 0;
}
