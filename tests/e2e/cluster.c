// SPDX-License-Identifier: GPL-2.0-or-later
/* cluster.c - b4ns-cluster-test: the etcd registry sync against a real etcd
 *
 * Usage: b4ns-cluster-test [--etcd PATH] [--work DIR] [--certs DIR] [-v] TEST
 *        b4ns-cluster-test node URL TTL NAME NODE_ADDR NET ADDR PORT
 *
 * TEST is one of propagate, conflict, crash, outage, compaction, reject, tls,
 * settings (tests/e2e/cluster.sh runs each). Every test starts its own etcd
 * (PATH, default /usr/bin/etcd) on 127.0.0.1 with free ports and a data
 * directory under DIR (default /tmp), and kills it at the end. --certs DIR
 * holds ca.pem, server.pem, server-key.pem, client.pem, client-key.pem and
 * other-ca.pem (made by cluster.sh with openssl) for the tls test.
 *
 * The registry (common/peers.c) and the clusters (seccomp-path/cluster/)
 * live on the main thread, which only runs the event loop; the test itself
 * runs on a second thread and reaches them through on_main(), as the
 * daemon's own code would. "node" is one cluster node with one local entry,
 * run as a child process so the crash test can SIGKILL it.
 *
 * Exit status: 0 passed, 1 failed (the first failed check is printed),
 * 77 skipped, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "cluster/etcd.h"
#include "log.h"
#include "loop.h"
#include "peers.h"
#include "sockaddr.h"

static const char *etcd_bin = "/usr/bin/etcd";
static const char *work_dir = "/tmp";
static const char *certs;
static struct loop *L;
static int call_pipe[2];
static int test_rc;

/* ---- checks -------------------------------------------------------------- */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void fail_at(int line, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
static void fail_at(int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL line %d: %s: ", line, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(1); /* atexit kills etcd and the node children */
}

#define CHECK(cond, ...)                                       \
	do {                                                   \
		if (!(cond))                                   \
			fail_at(__LINE__, #cond, __VA_ARGS__); \
	} while (0)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- the main thread: loop, calls into it ----------------------------------- */

struct call {
	void (*fn)(void *);
	void *arg;
	sem_t done;
};

static void call_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct call *c;

	while (read(fd, &c, sizeof(c)) == sizeof(c)) {
		c->fn(c->arg);
		sem_post(&c->done);
	}
}

/* on_main() - run @fn(@arg) on the loop's thread and wait for it */
static void on_main(void (*fn)(void *), void *arg)
{
	struct call c = { .fn = fn, .arg = arg };
	struct call *p = &c;

	sem_init(&c.done, 0, 0);
	if (write(call_pipe[1], &p, sizeof(p)) != sizeof(p))
		abort();
	while (sem_wait(&c.done) < 0 && errno == EINTR)
		;
	sem_destroy(&c.done);
}

/* ---- etcd servers ---------------------------------------------------------------- */

struct srv {
	pid_t pid;
	int cport, pport;
	bool tls;
	char dir[512];
	char url[64];
	char *argv[32];
	char buf[32][PATH_MAX];
};

static struct srv *live_srv[4];
static pid_t live_child[4];

static void kill_all(void)
{
	for (size_t i = 0; i < 4; i++) {
		if (live_srv[i] && live_srv[i]->pid > 0) {
			kill(live_srv[i]->pid, SIGCONT);
			kill(live_srv[i]->pid, SIGKILL);
			waitpid(live_srv[i]->pid, NULL, 0);
			live_srv[i]->pid = 0;
		}
		if (live_child[i] > 0) {
			kill(live_child[i], SIGKILL);
			waitpid(live_child[i], NULL, 0);
			live_child[i] = 0;
		}
	}
}

/* free_port() - a TCP port nothing listens on (now) */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0, "socket: %s", strerror(errno));
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind: %s",
	      strerror(errno));
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	return ntohs(a.sin_port);
}

static void certfile(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", certs, name);
}

/* srv_opts() - client options for @s (TLS: the good CA and client cert) */
static struct etcd_opts srv_opts(const struct srv *s, const char **urls,
				 char (*files)[PATH_MAX])
{
	struct etcd_opts o = { .urls = urls, .n_urls = 1, .timeout_ms = 2000 };

	urls[0] = s->url;
	if (s->tls) {
		certfile(files[0], PATH_MAX, "ca.pem");
		certfile(files[1], PATH_MAX, "client.pem");
		certfile(files[2], PATH_MAX, "client-key.pem");
		o.cacert = files[0];
		o.cert = files[1];
		o.key = files[2];
	}
	return o;
}

/* raw_client() - an etcd client of the test's own for @s */
static struct etcd *raw_client(const struct srv *s)
{
	const char *urls[1];
	char files[3][PATH_MAX];
	struct etcd_opts o = srv_opts(s, urls, files);
	struct b4_error err = { "" };
	struct etcd *e;
	int r = etcd_new(&o, &e, &err);

	CHECK(r == 0, "%s", b4_error_msg(&err, r));
	return e;
}

/* srv_exec() - start etcd (again) with the arguments in @s */
static void srv_exec(struct srv *s)
{
	char log[PATH_MAX + 16];
	int fd;

	snprintf(log, sizeof(log), "%s/etcd.log", s->dir);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	CHECK(fd >= 0, "%s: %s", log, strerror(errno));
	s->pid = fork();
	CHECK(s->pid >= 0, "fork: %s", strerror(errno));
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(etcd_bin, s->argv);
		_exit(127);
	}
	close(fd);
	for (size_t i = 0; i < 4; i++) {
		if (!live_srv[i] || live_srv[i] == s) {
			live_srv[i] = s;
			break;
		}
	}
}

/* srv_wait() - wait until @s answers */
static void srv_wait(struct srv *s)
{
	struct etcd *e = raw_client(s);
	struct b4_error err = { "" };
	int64_t t0 = now_ms();
	int r;

	for (;;) {
		int st;

		r = etcd_range(e, "ready?", NULL, NULL, NULL, NULL, &err);
		if (r >= 0)
			break;
		CHECK(waitpid(s->pid, &st, WNOHANG) == 0,
		      "etcd exited, see %s/etcd.log", s->dir);
		CHECK(now_ms() - t0 < 20000, "etcd not ready after 20 s: %s",
		      err.msg);
		sleep_ms(100);
	}
	etcd_free(e);
}

/* srv_start() - a fresh etcd on free ports (@tls: HTTPS with client
 * certificates required) */
static void srv_start(struct srv *s, bool tls)
{
	const char *scheme = tls ? "https" : "http";
	int n = 0;

#define ARG(...) \
	(snprintf(s->buf[n], PATH_MAX, __VA_ARGS__), s->argv[n] = s->buf[n], n++)
	memset(s, 0, sizeof(*s));
	s->tls = tls;
	s->cport = free_port();
	s->pport = free_port();
	snprintf(s->dir, sizeof(s->dir), "%s/etcd.XXXXXX", work_dir);
	CHECK(mkdtemp(s->dir), "mkdtemp %s: %s", s->dir, strerror(errno));
	snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%d", scheme, s->cport);
	ARG("%s", etcd_bin);
	ARG("--name=t");
	ARG("--data-dir=%s/data", s->dir);
	ARG("--listen-client-urls=%s", s->url);
	ARG("--advertise-client-urls=%s", s->url);
	ARG("--listen-peer-urls=http://127.0.0.1:%d", s->pport);
	ARG("--initial-advertise-peer-urls=http://127.0.0.1:%d", s->pport);
	ARG("--initial-cluster=t=http://127.0.0.1:%d", s->pport);
	if (tls) {
		ARG("--cert-file=%s/server.pem", certs);
		ARG("--key-file=%s/server-key.pem", certs);
		ARG("--trusted-ca-file=%s/ca.pem", certs);
		ARG("--client-cert-auth");
	}
	s->argv[n] = NULL;
#undef ARG
	srv_exec(s);
	srv_wait(s);
	say("# etcd %s (pid %d, %s)", s->url, s->pid, s->dir);
}

static void srv_signal(struct srv *s, int sig)
{
	CHECK(kill(s->pid, sig) == 0, "kill etcd: %s", strerror(errno));
}

/* srv_kill() - SIGKILL etcd and reap it */
static void srv_kill(struct srv *s)
{
	kill(s->pid, SIGCONT);
	srv_signal(s, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
	for (size_t i = 0; i < 4; i++) {
		if (live_srv[i] == s)
			live_srv[i] = NULL;
	}
}

/* ---- a TCP proxy a test can cut ------------------------------------------------ */

struct proxy {
	int lfd;
	int port;
	int target;
	int ctl[2];
	pthread_t t;
	int pairs[32][2];
	int n;
};

static void proxy_close_all(struct proxy *p)
{
	for (int i = 0; i < p->n; i++) {
		close(p->pairs[i][0]);
		close(p->pairs[i][1]);
	}
	p->n = 0;
}

static void *proxy_thread(void *arg)
{
	struct proxy *p = arg;
	bool cut = false;
	char buf[65536];

	for (;;) {
		struct pollfd pfd[2 + 64];
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = p->ctl[0], .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = p->lfd, .events = POLLIN };
		for (int i = 0; i < p->n; i++) {
			pfd[n++] = (struct pollfd){ .fd = p->pairs[i][0],
						    .events = POLLIN };
			pfd[n++] = (struct pollfd){ .fd = p->pairs[i][1],
						    .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		if (pfd[0].revents) {
			char c = 'q';

			if (read(p->ctl[0], &c, 1) != 1 || c == 'q') {
				proxy_close_all(p);
				return NULL;
			}
			cut = c == 'c';
			if (cut)
				proxy_close_all(p);
			continue;
		}
		if (pfd[1].revents) {
			int fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
			struct sockaddr_in a = { .sin_family = AF_INET,
						 .sin_port = htons((uint16_t)p->target),
						 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
			int up;

			if (fd < 0)
				continue;
			if (cut || p->n == 32) {
				close(fd);
				continue;
			}
			up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (up < 0 || connect(up, (struct sockaddr *)&a, sizeof(a))) {
				close(fd);
				if (up >= 0)
					close(up);
				continue;
			}
			p->pairs[p->n][0] = fd;
			p->pairs[p->n][1] = up;
			p->n++;
			continue;
		}
		for (int i = 0; i < p->n; i++) {
			for (int side = 0; side < 2; side++) {
				struct pollfd *f = &pfd[2 + 2 * i + side];
				ssize_t len;

				if (!f->revents)
					continue;
				len = read(f->fd, buf, sizeof(buf));
				if (len <= 0 ||
				    write(p->pairs[i][!side], buf, (size_t)len) != len) {
					close(p->pairs[i][0]);
					close(p->pairs[i][1]);
					p->pairs[i][0] = p->pairs[p->n - 1][0];
					p->pairs[i][1] = p->pairs[p->n - 1][1];
					p->n--;
					goto next; /* the pfd indexes moved */
				}
			}
		}
next:;
	}
}

static void proxy_start(struct proxy *p, int target)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int one = 1;

	memset(p, 0, sizeof(*p));
	p->target = target;
	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(bind(p->lfd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		      listen(p->lfd, 16) == 0 && pipe2(p->ctl, O_CLOEXEC) == 0,
	      "proxy: %s", strerror(errno));
	getsockname(p->lfd, (struct sockaddr *)&a, &len);
	p->port = ntohs(a.sin_port);
	CHECK(pthread_create(&p->t, NULL, proxy_thread, p) == 0, "thread");
}

static void proxy_ctl(struct proxy *p, char c)
{
	CHECK(write(p->ctl[1], &c, 1) == 1, "proxy ctl");
}

static void proxy_stop(struct proxy *p)
{
	proxy_ctl(p, 'q');
	pthread_join(p->t, NULL);
	close(p->lfd);
	close(p->ctl[0]);
	close(p->ctl[1]);
}

/* ---- cluster nodes (their state lives on the main thread) ------------------------ */

struct node {
	char name[16];
	struct peers *p;
	struct cluster *c;
	struct cfg_registry rc;
	int r;
	struct b4_error err;
};

static void parse_sa(const char *ip, int port, struct sockaddr_storage *out)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
	} else {
		fail_at(__LINE__, "parse_sa", "bad address %s", ip);
	}
}

/* node_rc() - registry settings of a node named @name at @addr */
static void node_rc(struct node *n, const char *url, const char *name,
		    const char *addr, int ttl)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->rc.kind = CFG_REGISTRY_ETCD;
	snprintf(n->rc.etcd[0], sizeof(n->rc.etcd[0]), "%s", url);
	n->rc.n_etcd = 1;
	snprintf(n->rc.node, sizeof(n->rc.node), "%s", name);
	parse_sa(addr, 0, &n->rc.node_address);
	n->rc.lease_ttl = ttl;
}

static void node_tls(struct node *n)
{
	certfile(n->rc.cacert, sizeof(n->rc.cacert), "ca.pem");
	certfile(n->rc.cert, sizeof(n->rc.cert), "client.pem");
	certfile(n->rc.key, sizeof(n->rc.key), "client-key.pem");
}

static void do_node_start(void *arg)
{
	struct node *n = arg;

	n->err.msg[0] = '\0';
	n->r = peers_new(&n->p);
	if (n->r == 0)
		n->r = cluster_start(&n->rc, L, n->p, &n->c, &n->err);
	if (n->r < 0) {
		peers_free(n->p);
		n->p = NULL;
	}
}

/* node_try() - cluster_start() of @n's settings. Return: its result */
static int node_try(struct node *n)
{
	on_main(do_node_start, n);
	return n->r;
}

static void node_start(struct node *n)
{
	int r = node_try(n);

	CHECK(r == 0, "cluster_start %s: %s", n->name, b4_error_msg(&n->err, r));
}

static void do_node_stop(void *arg)
{
	struct node *n = arg;

	cluster_free(n->c);
	peers_free(n->p);
	n->c = NULL;
	n->p = NULL;
}

static void node_stop(struct node *n)
{
	if (n->p)
		on_main(do_node_stop, n);
}

/**
 * struct op - one registry operation run on the main thread
 * @n:		node
 * @e:		entry (key filled for a lookup or delete)
 * @found:	lookup: an entry exists
 * @remote:	lookup: it is remote; delete: delete a remote one
 * @r:		result
 * @count:	peers_count(remote) after the op
 * @status:	cluster_status() as text, when asked
 */
struct op {
	struct node *n;
	struct peer_entry e;
	bool found;
	bool remote;
	int r;
	int count;
	char status[2048];
};

static void make_key(struct peer_key *k, const char *net, const char *addr,
		     int port, const char *proto)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->network, sizeof(k->network), "%s", net);
	parse_sa(addr, port, &k->addr);
	k->proto = strcmp(proto, "udp") ? IPPROTO_TCP : IPPROTO_UDP;
}

static void do_put(void *arg)
{
	struct op *o = arg;

	o->r = peers_put(o->n->p, &o->e);
}

/* local_put() - a local entry on @n: NET ADDR:PORT/PROTO served by host
 * listener HOST:HPORT of @family, container @ctr */
static void local_put(struct node *n, const char *net, const char *addr,
		      int port, const char *proto, const char *host, int hport,
		      int family, const char *ctr)
{
	struct op o = { .n = n };

	make_key(&o.e.key, net, addr, port, proto);
	parse_sa(host, hport, &o.e.host);
	o.e.family = family;
	snprintf(o.e.container, sizeof(o.e.container), "%s", ctr);
	snprintf(o.e.node, sizeof(o.e.node), "%s", n->name);
	on_main(do_put, &o);
	CHECK(o.r == 0, "peers_put: %s", strerror(-o.r));
}

static void do_del(void *arg)
{
	struct op *o = arg;

	o->r = peers_del(o->n->p, &o->e.key, o->remote);
}

static void local_del(struct node *n, const char *net, const char *addr,
		      int port, const char *proto)
{
	struct op o = { .n = n };

	make_key(&o.e.key, net, addr, port, proto);
	on_main(do_del, &o);
	CHECK(o.r == 0, "peers_del: %s", strerror(-o.r));
}

static void do_find(void *arg)
{
	struct op *o = arg;
	const struct peer_entry *e = peers_find(o->n->p, o->e.key.network,
						(const struct sockaddr *)&o->e.key.addr,
						o->e.key.proto);

	o->found = e != NULL;
	if (e)
		o->e = *e;
	o->count = peers_count(o->n->p, true);
}

/* lookup() - the entry of @n for NET ADDR:PORT/PROTO, if any */
static bool lookup(struct node *n, const char *net, const char *addr, int port,
		   const char *proto, struct peer_entry *out)
{
	struct op o = { .n = n };

	make_key(&o.e.key, net, addr, port, proto);
	on_main(do_find, &o);
	if (out)
		*out = o.e;
	return o.found;
}

static int remote_count(struct node *n)
{
	struct op o = { .n = n };

	make_key(&o.e.key, "x", "10.0.0.0", 1, "tcp");
	on_main(do_find, &o);
	return o.count;
}

static void do_status(void *arg)
{
	struct op *o = arg;
	struct json_object *s = cluster_status(o->n->c);

	snprintf(o->status, sizeof(o->status), "%s",
		 s ? json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN) :
		     "(null)");
	json_object_put(s);
}

/* status() - @n's cluster_status() parsed (put it) */
static struct json_object *status(struct node *n)
{
	struct op o = { .n = n };
	struct json_object *s;

	on_main(do_status, &o);
	s = json_tokener_parse(o.status);
	CHECK(s, "cluster_status not JSON: %s", o.status);
	return s;
}

static const char *jget_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) :
						      "";
}

static int64_t jget_int(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) :
						      -1;
}

/* etcd_state() - "ok", "down" or "connecting" of @n (@err: its error) */
static void etcd_state(struct node *n, char *st, size_t len, char *err,
		       size_t elen)
{
	struct json_object *s = status(n);

	snprintf(st, len, "%s", jget_str(s, "etcd"));
	if (err)
		snprintf(err, elen, "%s", jget_str(s, "error"));
	json_object_put(s);
}

/* wait_state() - wait until @n's etcd state is @want; ms taken or -1 */
static int64_t wait_state(struct node *n, const char *want, int timeout_ms)
{
	int64_t t0 = now_ms();
	char st[32];

	do {
		etcd_state(n, st, sizeof(st), NULL, 0);
		if (!strcmp(st, want))
			return now_ms() - t0;
		sleep_ms(20);
	} while (now_ms() - t0 < timeout_ms);
	return -1;
}

/* wait_remote() - wait until @n has (@present) or has not a remote entry
 * for the key; ms taken or -1 */
static int64_t wait_remote(struct node *n, const char *net, const char *addr,
			   int port, const char *proto, bool present,
			   int timeout_ms)
{
	int64_t t0 = now_ms();
	struct peer_entry e;

	do {
		bool f = lookup(n, net, addr, port, proto, &e) && e.remote;

		if (f == present)
			return now_ms() - t0;
		sleep_ms(10);
	} while (now_ms() - t0 < timeout_ms);
	return -1;
}

static void expect_host(struct node *n, const char *net, const char *addr,
			int port, const char *proto, const char *host,
			int hport, const char *node, const char *ctr)
{
	struct peer_entry e;
	struct sockaddr_storage want;
	char got[SA_STRLEN];

	CHECK(lookup(n, net, addr, port, proto, &e), "%s %s:%d/%s missing on %s",
	      net, addr, port, proto, n->name);
	parse_sa(host, hport, &want);
	sa_format((struct sockaddr *)&e.host, got, sizeof(got));
	CHECK(e.remote, "%s %s:%d not remote", net, addr, port);
	CHECK(sa_ip_equal((struct sockaddr *)&e.host, (struct sockaddr *)&want) &&
		      sa_port((struct sockaddr *)&e.host) == hport,
	      "host %s, want %s:%d", got, host, hport);
	CHECK(!strcmp(e.node, node), "node %s, want %s", e.node, node);
	CHECK(!strcmp(e.container, ctr), "container %s, want %s", e.container,
	      ctr);
}

/* ---- raw etcd views ---------------------------------------------------------------- */

struct kvlist {
	char keys[64][256];
	char vals[64][512];
	int n;
};

static void kv_collect(void *arg, const struct etcd_kv *kv)
{
	struct kvlist *l = arg;

	if (l->n < 64) {
		snprintf(l->keys[l->n], sizeof(l->keys[0]), "%s", kv->key);
		snprintf(l->vals[l->n], sizeof(l->vals[0]), "%s", kv->value);
		l->n++;
	}
}

static int64_t raw_list(struct etcd *e, struct kvlist *l)
{
	struct b4_error err = { "" };
	int64_t rev = 0;
	int r;

	memset(l, 0, sizeof(*l));
	r = etcd_range(e, "b4ns/v1/", "b4ns/v10", kv_collect, l, &rev, &err);
	CHECK(r >= 0, "range: %s", b4_error_msg(&err, r));
	return rev;
}

static void raw_put(struct etcd *e, const char *key, const char *value)
{
	struct b4_error err = { "" };
	int r = etcd_put(e, key, value, 0, &err);

	CHECK(r == 0, "put %s: %s", key, b4_error_msg(&err, r));
}

static const char *kv_find(const struct kvlist *l, const char *key)
{
	for (int i = 0; i < l->n; i++) {
		if (!strcmp(l->keys[i], key))
			return l->vals[i];
	}
	return NULL;
}

/* ---- tests ------------------------------------------------------------------------------ */

/* propagate: a local put on n1 is a remote entry on n2 within a second,
 * with the right host address; what must stay node-local does; deletes
 * and a clean stop propagate */
static void t_propagate(void)
{
	struct srv s;
	struct node n1, n2;
	struct kvlist kl;
	struct etcd *raw;
	struct json_object *v, *st;
	const char *val;
	int64_t ms;

	srv_start(&s, false);
	raw = raw_client(&s);
	node_rc(&n1, s.url, "n1", "10.0.0.1", 5);
	/* n2's first endpoint is dead: it must go on to the second */
	node_rc(&n2, "", "n2", "10.0.0.2", 5);
	snprintf(n2.rc.etcd[0], sizeof(n2.rc.etcd[0]), "http://127.0.0.1:%d",
		 free_port());
	snprintf(n2.rc.etcd[1], sizeof(n2.rc.etcd[1]), "%s", s.url);
	n2.rc.n_etcd = 2;
	node_start(&n1);
	node_start(&n2);
	CHECK(wait_state(&n2, "ok", 5000) >= 0, "n2 never connected");
	st = status(&n2);
	CHECK(!strcmp(jget_str(st, "endpoint"), s.url),
	      "n2 uses endpoint %s", jget_str(st, "endpoint"));
	json_object_put(st);

	/* never published: an auto network, a loopback listener */
	local_put(&n1, "@10.89.0.0/24", "10.89.0.4", 81, "tcp", "0.0.0.0",
		  8081, AF_INET, "c1");
	local_put(&n1, "blue", "10.89.0.5", 82, "tcp", "127.0.0.1", 8082,
		  AF_INET, "c1");
	local_put(&n1, "blue", "10.89.0.3", 80, "tcp", "0.0.0.0", 8080,
		  AF_INET, "c1");
	ms = wait_remote(&n2, "blue", "10.89.0.3", 80, "tcp", true, 3000);
	CHECK(ms >= 0 && ms <= 1000, "10.89.0.3:80 reached n2 in %lld ms",
	      (long long)ms);
	say("# put seen on n2 after %lld ms", (long long)ms);
	expect_host(&n2, "blue", "10.89.0.3", 80, "tcp", "10.0.0.1", 8080,
		    "n1", "c1");
	/* IPv6 key, specific host; UDP beside TCP on one address */
	local_put(&n1, "blue", "fd00::3", 443, "tcp", "2001:db8::1", 8443,
		  AF_INET6, "c2");
	local_put(&n1, "blue", "10.89.0.3", 53, "udp", "0.0.0.0", 5353,
		  AF_INET, "c1");
	CHECK(wait_remote(&n2, "blue", "fd00::3", 443, "tcp", true, 2000) >= 0,
	      "IPv6 entry not on n2");
	CHECK(wait_remote(&n2, "blue", "10.89.0.3", 53, "udp", true, 2000) >= 0,
	      "UDP entry not on n2");
	expect_host(&n2, "blue", "fd00::3", 443, "tcp", "2001:db8::1", 8443,
		    "n1", "c2");
	expect_host(&n2, "blue", "10.89.0.3", 53, "udp", "10.0.0.1", 5353,
		    "n1", "c1");
	sleep_ms(300);
	CHECK(!lookup(&n2, "@10.89.0.0/24", "10.89.0.4", 81, "tcp", NULL),
	      "an auto network's entry reached n2");
	CHECK(!lookup(&n2, "blue", "10.89.0.5", 82, "tcp", NULL),
	      "a loopback listener's entry reached n2");
	CHECK(remote_count(&n1) == 0, "n1 took its own entries as remote (%d)",
	      remote_count(&n1));
	CHECK(remote_count(&n2) == 3, "n2 has %d remote entries, want 3",
	      remote_count(&n2));

	/* what etcd holds: exactly the three keys, the documented value */
	raw_list(raw, &kl);
	for (int i = 0; i < kl.n; i++)
		say("# etcd: %s = %s", kl.keys[i], kl.vals[i]);
	CHECK(kl.n == 3, "%d keys in etcd, want 3", kl.n);
	CHECK(kv_find(&kl, "b4ns/v1/blue/[fd00::3]:443/tcp") &&
		      kv_find(&kl, "b4ns/v1/blue/10.89.0.3:53/udp"),
	      "keys not in the documented form");
	val = kv_find(&kl, "b4ns/v1/blue/10.89.0.3:80/tcp");
	CHECK(val, "key b4ns/v1/blue/10.89.0.3:80/tcp missing");
	v = json_tokener_parse(val);
	CHECK(v && !strcmp(jget_str(v, "host"), "10.0.0.1") &&
		      jget_int(v, "host_port") == 8080 &&
		      !strcmp(jget_str(v, "node"), "n1") &&
		      !strcmp(jget_str(v, "addr"), "10.89.0.3") &&
		      jget_int(v, "port") == 80 &&
		      !strcmp(jget_str(v, "proto"), "tcp") &&
		      !strcmp(jget_str(v, "network"), "blue") &&
		      !strcmp(jget_str(v, "container"), "c1"),
	      "value %s", val);
	json_object_put(v);

	/* a delete, then a whole container */
	local_del(&n1, "blue", "10.89.0.3", 80, "tcp");
	ms = wait_remote(&n2, "blue", "10.89.0.3", 80, "tcp", false, 3000);
	CHECK(ms >= 0 && ms <= 1000, "delete reached n2 in %lld ms",
	      (long long)ms);
	say("# delete seen on n2 after %lld ms", (long long)ms);
	st = status(&n2);
	say("# n2 status: %s", json_object_to_json_string(st));
	CHECK(!strcmp(jget_str(st, "etcd"), "ok") && jget_int(st, "remote") == 2,
	      "status of n2");
	json_object_put(st);
	st = status(&n1);
	say("# n1 status: %s", json_object_to_json_string(st));
	CHECK(jget_int(st, "published") == 2 && jget_int(st, "pending") == 0,
	      "status of n1");
	json_object_put(st);

	/* a clean stop revokes the lease: n2 loses n1's entries at once */
	node_stop(&n1);
	ms = wait_remote(&n2, "blue", "fd00::3", 443, "tcp", false, 3000);
	CHECK(ms >= 0 && ms <= 1000, "after n1 stopped, its entry left n2 in %lld ms",
	      (long long)ms);
	CHECK(wait_remote(&n2, "blue", "10.89.0.3", 53, "udp", false, 1000) >= 0,
	      "udp entry stayed");
	node_stop(&n2);
	raw_list(raw, &kl);
	CHECK(kl.n == 0, "%d keys left in etcd", kl.n);
	etcd_free(raw);
	srv_kill(&s);
}

/* conflict: two nodes claim one container address; each keeps its local
 * entry; a node's delete leaves the other's key in etcd alone, and the
 * other's entry then takes the deleted one's place */
static void t_conflict(void)
{
	struct srv s;
	struct node n1, n2;
	struct etcd *raw;
	struct kvlist kl;
	struct peer_entry e;
	struct json_object *st;
	const char *val;

	srv_start(&s, false);
	raw = raw_client(&s);
	node_rc(&n1, s.url, "n1", "10.0.0.1", 5);
	node_rc(&n2, s.url, "n2", "10.0.0.2", 5);
	node_start(&n1);
	node_start(&n2);
	local_put(&n2, "blue", "10.89.0.3", 80, "tcp", "10.0.0.2", 9000,
		  AF_INET, "on-n2");
	CHECK(wait_remote(&n1, "blue", "10.89.0.3", 80, "tcp", true, 3000) >= 0,
	      "n2's entry never reached n1");
	/* n1 claims it too: its local entry replaces the remote one there;
	 * on n2 the local one stays */
	local_put(&n1, "blue", "10.89.0.3", 80, "tcp", "0.0.0.0", 8080,
		  AF_INET, "on-n1");
	sleep_ms(500);
	CHECK(lookup(&n2, "blue", "10.89.0.3", 80, "tcp", &e) && !e.remote &&
		      !strcmp(e.container, "on-n2"),
	      "n2's local entry was replaced by n1's claim");
	st = status(&n2);
	CHECK(jget_int(st, "conflicts") >= 1, "no conflict counted: %s",
	      json_object_to_json_string(st));
	json_object_put(st);
	raw_list(raw, &kl);
	val = kv_find(&kl, "b4ns/v1/blue/10.89.0.3:80/tcp");
	CHECK(val && strstr(val, "\"node\":\"n1\""), "etcd holds %s", val);
	/* n2 lets go: n1's key stays, and n2 now reaches n1's container */
	local_del(&n2, "blue", "10.89.0.3", 80, "tcp");
	CHECK(wait_remote(&n2, "blue", "10.89.0.3", 80, "tcp", true, 2000) >= 0,
	      "n1's claim did not take the deleted entry's place on n2");
	expect_host(&n2, "blue", "10.89.0.3", 80, "tcp", "10.0.0.1", 8080,
		    "n1", "on-n1");
	raw_list(raw, &kl);
	CHECK(kv_find(&kl, "b4ns/v1/blue/10.89.0.3:80/tcp"),
	      "n2's delete removed n1's key");
	node_stop(&n1);
	node_stop(&n2);
	etcd_free(raw);
	srv_kill(&s);
}

/* spawn_node() - a node in a child process with one local entry */
static pid_t spawn_node(const char *url, int ttl, const char *name,
			const char *addr, const char *net, const char *caddr,
			int port)
{
	char ttls[16], ports[16];
	char *argv[] = { "/proc/self/exe", "node", (char *)url, ttls,
			 (char *)name, (char *)addr, (char *)net,
			 (char *)caddr, ports, NULL };
	pid_t pid;

	snprintf(ttls, sizeof(ttls), "%d", ttl);
	snprintf(ports, sizeof(ports), "%d", port);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	for (size_t i = 0; i < 4; i++) {
		if (!live_child[i]) {
			live_child[i] = pid;
			break;
		}
	}
	return pid;
}

/* crash: n1 killed (no revoke): its entries leave n2 when the lease (TTL
 * 5 s) runs out, within TTL + 2 s */
static void t_crash(void)
{
	struct srv s;
	struct node n2;
	pid_t pid;
	int64_t ms, t0;

	srv_start(&s, false);
	pid = spawn_node(s.url, 5, "n1", "10.0.0.1", "blue", "10.89.0.7", 80);
	node_rc(&n2, s.url, "n2", "10.0.0.2", 5);
	node_start(&n2);
	CHECK(wait_remote(&n2, "blue", "10.89.0.7", 80, "tcp", true, 5000) >= 0,
	      "n1's entry never reached n2");
	expect_host(&n2, "blue", "10.89.0.7", 80, "tcp", "10.0.0.1", 8080,
		    "n1", "crash-ctr");
	t0 = now_ms();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (size_t i = 0; i < 4; i++) {
		if (live_child[i] == pid)
			live_child[i] = 0;
	}
	ms = wait_remote(&n2, "blue", "10.89.0.7", 80, "tcp", false, 9000);
	CHECK(ms >= 0, "entry of the killed node still on n2 after 9 s");
	ms = now_ms() - t0;
	say("# killed node's entry left n2 after %lld ms (TTL 5 s)",
	    (long long)ms);
	CHECK(ms <= 7000, "took %lld ms, more than TTL + 2 s", (long long)ms);
	CHECK(ms >= 1500, "gone after %lld ms: not by the lease running out?",
	      (long long)ms);
	node_stop(&n2);
	srv_kill(&s);
}

/* outage: etcd stopped (SIGSTOP), then killed and restarted: n2 keeps
 * serving its cache; what n1 changed meanwhile arrives afterwards */
static void t_outage(void)
{
	struct srv s;
	struct node n1, n2;
	char st[32], err[512];
	int64_t ms;

	srv_start(&s, false);
	node_rc(&n1, s.url, "n1", "10.0.0.1", 5);
	node_rc(&n2, s.url, "n2", "10.0.0.2", 5);
	node_start(&n1);
	node_start(&n2);
	local_put(&n1, "blue", "10.89.0.3", 80, "tcp", "0.0.0.0", 8080,
		  AF_INET, "a");
	CHECK(wait_remote(&n2, "blue", "10.89.0.3", 80, "tcp", true, 3000) >= 0,
	      "A never reached n2");

	/* stopped: connections stay open, nothing answers */
	srv_signal(&s, SIGSTOP);
	local_put(&n1, "blue", "10.89.0.4", 80, "tcp", "0.0.0.0", 8081,
		  AF_INET, "b");
	ms = wait_state(&n2, "down", 10000);
	CHECK(ms >= 0, "n2 never noticed etcd stopped");
	etcd_state(&n2, st, sizeof(st), err, sizeof(err));
	say("# n2 saw etcd stopped after %lld ms: %s", (long long)ms, err);
	CHECK(lookup(&n2, "blue", "10.89.0.3", 80, "tcp", NULL),
	      "n2 dropped its cache while etcd was stopped");
	sleep_ms(1000);
	CHECK(lookup(&n2, "blue", "10.89.0.3", 80, "tcp", NULL),
	      "n2 dropped its cache while etcd was stopped");
	srv_signal(&s, SIGCONT);
	ms = wait_remote(&n2, "blue", "10.89.0.4", 80, "tcp", true, 15000);
	CHECK(ms >= 0, "B (put during the stop) never reached n2");
	say("# B reached n2 %lld ms after SIGCONT", (long long)ms);
	CHECK(wait_remote(&n2, "blue", "10.89.0.3", 80, "tcp", true, 5000) >= 0,
	      "A gone from n2 after the stop");

	/* killed and restarted */
	srv_kill(&s);
	local_put(&n1, "blue", "10.89.0.5", 80, "tcp", "0.0.0.0", 8082,
		  AF_INET, "c");
	local_del(&n1, "blue", "10.89.0.3", 80, "tcp");
	CHECK(wait_state(&n2, "down", 10000) >= 0,
	      "n2 never noticed etcd died");
	etcd_state(&n2, st, sizeof(st), err, sizeof(err));
	say("# n2 with etcd dead: %s", err);
	CHECK(strstr(err, "refused") || strstr(err, "closed") ||
		      strstr(err, "lost"),
	      "error does not say why: %s", err);
	sleep_ms(1500);
	CHECK(lookup(&n2, "blue", "10.89.0.3", 80, "tcp", NULL) &&
		      lookup(&n2, "blue", "10.89.0.4", 80, "tcp", NULL),
	      "n2 dropped its cache while etcd was down");
	srv_exec(&s);
	srv_wait(&s);
	ms = wait_remote(&n2, "blue", "10.89.0.5", 80, "tcp", true, 15000);
	CHECK(ms >= 0, "C (put while etcd was dead) never reached n2");
	say("# C reached n2 %lld ms after etcd answered again", (long long)ms);
	CHECK(wait_remote(&n2, "blue", "10.89.0.3", 80, "tcp", false, 5000) >= 0,
	      "A (deleted while etcd was dead) still on n2");
	CHECK(lookup(&n2, "blue", "10.89.0.4", 80, "tcp", NULL), "B lost");
	CHECK(wait_state(&n1, "ok", 5000) >= 0 && wait_state(&n2, "ok", 5000) >= 0,
	      "not ok again");
	node_stop(&n1);
	node_stop(&n2);
	srv_kill(&s);
}

/* compaction: n2 cut off (a proxy) while n1 changes keys and etcd
 * compacts; n2's watch resume is refused for compaction and it resyncs.
 * Without compaction the resumed watch replays (no resync). */
static void t_compaction(void)
{
	struct srv s;
	struct node n1, n2;
	struct proxy px;
	struct kvlist kl;
	struct etcd *raw;
	struct json_object *st;
	struct b4_error err = { "" };
	char url[64];
	int64_t rev, resyncs;
	int r;

	srv_start(&s, false);
	raw = raw_client(&s);
	proxy_start(&px, s.cport);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", px.port);
	node_rc(&n1, s.url, "n1", "10.0.0.1", 5);
	node_rc(&n2, url, "n2", "10.0.0.2", 5);
	node_start(&n1);
	node_start(&n2);
	local_put(&n1, "blue", "10.89.0.3", 80, "tcp", "0.0.0.0", 8080,
		  AF_INET, "a");
	CHECK(wait_remote(&n2, "blue", "10.89.0.3", 80, "tcp", true, 3000) >= 0,
	      "A never reached n2");
	st = status(&n2);
	resyncs = jget_int(st, "resyncs");
	json_object_put(st);
	CHECK(resyncs == 1, "resyncs %lld at start", (long long)resyncs);

	/* cut without compaction: the watch replays what was missed */
	proxy_ctl(&px, 'c');
	CHECK(wait_state(&n2, "down", 10000) >= 0, "n2 never noticed the cut");
	local_put(&n1, "blue", "10.89.0.4", 80, "tcp", "0.0.0.0", 8081,
		  AF_INET, "b");
	local_del(&n1, "blue", "10.89.0.3", 80, "tcp");
	sleep_ms(500);
	proxy_ctl(&px, 'r');
	CHECK(wait_remote(&n2, "blue", "10.89.0.4", 80, "tcp", true, 10000) >= 0,
	      "B never reached n2");
	CHECK(wait_remote(&n2, "blue", "10.89.0.3", 80, "tcp", false, 3000) >= 0,
	      "A's delete never reached n2");
	st = status(&n2);
	CHECK(jget_int(st, "resyncs") == 1, "replay did a full resync: %s",
	      json_object_to_json_string(st));
	json_object_put(st);

	/* cut, changes, compaction: the resumed watch is canceled */
	proxy_ctl(&px, 'c');
	CHECK(wait_state(&n2, "down", 10000) >= 0, "n2 never noticed the cut");
	local_put(&n1, "blue", "10.89.0.5", 80, "tcp", "0.0.0.0", 8082,
		  AF_INET, "c");
	local_del(&n1, "blue", "10.89.0.4", 80, "tcp");
	sleep_ms(500);
	rev = raw_list(raw, &kl);
	CHECK(kv_find(&kl, "b4ns/v1/blue/10.89.0.5:80/tcp") &&
		      !kv_find(&kl, "b4ns/v1/blue/10.89.0.4:80/tcp"),
	      "n1's changes not in etcd");
	r = etcd_compact(raw, rev, &err);
	CHECK(r == 0, "compact: %s", b4_error_msg(&err, r));
	say("# compacted at revision %lld", (long long)rev);
	proxy_ctl(&px, 'r');
	CHECK(wait_remote(&n2, "blue", "10.89.0.5", 80, "tcp", true, 10000) >= 0,
	      "C never reached n2 after the compaction");
	CHECK(wait_remote(&n2, "blue", "10.89.0.4", 80, "tcp", false, 3000) >= 0,
	      "B (deleted before the compaction) still on n2");
	st = status(&n2);
	say("# n2 status: %s", json_object_to_json_string(st));
	CHECK(jget_int(st, "resyncs") == 2 && !strcmp(jget_str(st, "etcd"), "ok"),
	      "no full resync after the compaction");
	json_object_put(st);
	CHECK(remote_count(&n2) == 1, "n2 has %d remote entries, want 1",
	      remote_count(&n2));
	node_stop(&n1);
	node_stop(&n2);
	proxy_stop(&px);
	etcd_free(raw);
	srv_kill(&s);
}

/* reject: values that would send a container to this host's loopback (or
 * that contradict their key) never become remote entries */
static void t_reject(void)
{
	static const char *const bad[][2] = {
		{ "b4ns/v1/blue/10.89.0.9:80/tcp",
		  "{\"network\":\"blue\",\"addr\":\"10.89.0.9\",\"port\":80,\"proto\":\"tcp\",\"host\":\"127.0.0.1\",\"host_port\":22,\"node\":\"evil\",\"container\":\"x\"}" },
		{ "b4ns/v1/blue/10.89.0.10:80/tcp",
		  "{\"network\":\"blue\",\"addr\":\"10.89.0.10\",\"port\":80,\"proto\":\"tcp\",\"host\":\"::ffff:127.0.0.1\",\"host_port\":22,\"node\":\"evil\"}" },
		{ "b4ns/v1/blue/10.89.0.11:80/tcp",
		  "{\"network\":\"blue\",\"addr\":\"10.89.0.11\",\"port\":80,\"proto\":\"tcp\",\"host\":\"::1\",\"host_port\":22,\"node\":\"evil\"}" },
		{ "b4ns/v1/blue/10.89.0.12:80/tcp",
		  "{\"network\":\"blue\",\"addr\":\"10.89.0.12\",\"port\":80,\"proto\":\"tcp\",\"host\":\"0.0.0.0\",\"host_port\":22,\"node\":\"evil\"}" },
		{ "b4ns/v1/blue/10.89.0.13:80/tcp",
		  "{\"network\":\"blue\",\"addr\":\"10.89.0.13\",\"port\":80,\"proto\":\"tcp\",\"host\":\"224.0.0.1\",\"host_port\":22,\"node\":\"evil\"}" },
		{ "b4ns/v1/blue/10.89.0.14:80/tcp", /* addr differs from the key */
		  "{\"network\":\"blue\",\"addr\":\"10.89.0.99\",\"port\":80,\"proto\":\"tcp\",\"host\":\"10.0.0.9\",\"host_port\":22,\"node\":\"evil\"}" },
		{ "b4ns/v1/blue/010.89.0.15:80/tcp", /* not the one spelling */
		  "{\"network\":\"blue\",\"addr\":\"10.89.0.15\",\"port\":80,\"proto\":\"tcp\",\"host\":\"10.0.0.9\",\"host_port\":22,\"node\":\"evil\"}" },
		{ "b4ns/v1/@10.89.0.0/24/10.89.0.16:80/tcp", /* auto network */
		  "{\"network\":\"@10.89.0.0/24\",\"addr\":\"10.89.0.16\",\"port\":80,\"proto\":\"tcp\",\"host\":\"10.0.0.9\",\"host_port\":22,\"node\":\"evil\"}" },
		{ "b4ns/v1/blue/10.89.0.17:80/tcp", "not json" },
		{ "b4ns/v1/blue/10.89.0.18:80/tcp",
		  "{\"network\":\"blue\",\"addr\":\"10.89.0.18\",\"port\":80,\"proto\":\"tcp\",\"host\":\"169.254.0.1\",\"host_port\":22,\"node\":\"evil\"}" },
	};
	static const char good_fmt[] =
		"{\"network\":\"blue\",\"addr\":\"10.89.0.%d\",\"port\":80,\"proto\":\"tcp\",\"host\":\"%s\",\"host_port\":8080,\"node\":\"n3\",\"container\":\"g\"}";
	struct srv s;
	struct node n2;
	struct etcd *raw;
	struct json_object *st;
	char key[128], val[512];

	srv_start(&s, false);
	raw = raw_client(&s);
	/* one bad value already there at the start (the range path) */
	raw_put(raw, bad[0][0], bad[0][1]);
	node_rc(&n2, s.url, "n2", "10.0.0.2", 5);
	node_start(&n2);
	CHECK(wait_state(&n2, "ok", 5000) >= 0, "n2 never connected");
	for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++)
		raw_put(raw, bad[i][0], bad[i][1]);
	/* a good one, then made bad: the entry must go */
	snprintf(val, sizeof(val), good_fmt, 20, "10.0.0.9");
	raw_put(raw, "b4ns/v1/blue/10.89.0.20:80/tcp", val);
	CHECK(wait_remote(&n2, "blue", "10.89.0.20", 80, "tcp", true, 3000) >= 0,
	      "a valid remote entry never arrived");
	expect_host(&n2, "blue", "10.89.0.20", 80, "tcp", "10.0.0.9", 8080,
		    "n3", "g");
	snprintf(val, sizeof(val), good_fmt, 20, "127.0.0.1");
	raw_put(raw, "b4ns/v1/blue/10.89.0.20:80/tcp", val);
	CHECK(wait_remote(&n2, "blue", "10.89.0.20", 80, "tcp", false, 3000) >= 0,
	      "an entry overwritten to point at 127.0.0.1 stayed");
	/* a marker after everything: once it is there, all else was seen */
	snprintf(val, sizeof(val), good_fmt, 21, "10.0.0.9");
	raw_put(raw, "b4ns/v1/blue/10.89.0.21:80/tcp", val);
	CHECK(wait_remote(&n2, "blue", "10.89.0.21", 80, "tcp", true, 3000) >= 0,
	      "marker never arrived");
	for (int i = 9; i <= 20; i++) {
		snprintf(key, sizeof(key), "10.89.0.%d", i);
		CHECK(!lookup(&n2, "blue", key, 80, "tcp", NULL),
		      "bad value for %s became an entry", key);
	}
	CHECK(!lookup(&n2, "@10.89.0.0/24", "10.89.0.16", 80, "tcp", NULL),
	      "auto network entry accepted");
	CHECK(remote_count(&n2) == 1, "n2 has %d remote entries, want 1",
	      remote_count(&n2));
	st = status(&n2);
	say("# n2 status: %s", json_object_to_json_string(st));
	CHECK(jget_int(st, "rejected") == 11, "rejected %lld, want 11",
	      (long long)jget_int(st, "rejected"));
	json_object_put(st);
	node_stop(&n2);
	etcd_free(raw);
	srv_kill(&s);
}

/* try_put() - a put through a client with these TLS files */
static int try_put(const struct srv *s, const char *ca, const char *cert,
		   const char *key, struct b4_error *err)
{
	const char *urls[1] = { s->url };
	char f[3][PATH_MAX];
	struct etcd_opts o = { .urls = urls, .n_urls = 1, .timeout_ms = 3000 };
	struct etcd *e;
	int r;

	if (ca) {
		certfile(f[0], sizeof(f[0]), ca);
		o.cacert = f[0];
	}
	if (cert) {
		certfile(f[1], sizeof(f[1]), cert);
		o.cert = f[1];
	}
	if (key) {
		certfile(f[2], sizeof(f[2]), key);
		o.key = f[2];
	}
	err->msg[0] = '\0';
	r = etcd_new(&o, &e, err);
	if (r < 0)
		return r;
	r = etcd_put(e, "tls-probe", "x", 0, err);
	etcd_free(e);
	return r;
}

/* tls: client certificate required; the right files work, a missing
 * client certificate or the wrong CA are refused in words */
static void t_tls(void)
{
	struct srv s;
	struct node n1, n2;
	struct b4_error err;
	char url[96];
	int r;

	if (!certs) {
		say("SKIP: no --certs");
		exit(77);
	}
	srv_start(&s, true);
	r = try_put(&s, "ca.pem", "client.pem", "client-key.pem", &err);
	CHECK(r == 0, "with the client certificate: %s", b4_error_msg(&err, r));
	r = try_put(&s, "ca.pem", NULL, NULL, &err);
	say("# without a client certificate: %d %s", r, err.msg);
	CHECK(r < 0 && strstr(err.msg, "TLS") && strstr(err.msg, s.url),
	      "without a client certificate: %d %s", r, err.msg);
	r = try_put(&s, "other-ca.pem", "client.pem", "client-key.pem", &err);
	say("# with the wrong CA: %d %s", r, err.msg);
	CHECK(r == -EPROTO && strstr(err.msg, "TLS") &&
		      strstr(err.msg, "verif"),
	      "with the wrong CA: %d %s", r, err.msg);
	r = try_put(&s, "ca.pem", "other-ca.pem", "client-key.pem", &err);
	say("# with a key that does not fit the certificate: %d %s", r, err.msg);
	CHECK(r < 0 && strstr(err.msg, "TLS"), "mismatched key: %d %s", r,
	      err.msg);
	/* plain HTTP to the TLS port */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.cport);
	{
		const char *urls[1] = { url };
		struct etcd_opts o = { .urls = urls, .n_urls = 1,
				       .timeout_ms = 2000 };
		struct etcd *e;

		r = etcd_new(&o, &e, &err);
		CHECK(r == 0, "%s", err.msg);
		r = etcd_put(e, "k", "v", 0, &err);
		say("# http:// to the https port: %d %s", r, err.msg);
		CHECK(r < 0 && strstr(err.msg, url), "plain HTTP: %d %s", r,
		      err.msg);
		etcd_free(e);
	}
	/* the sync over TLS */
	node_rc(&n1, s.url, "n1", "10.0.0.1", 5);
	node_rc(&n2, s.url, "n2", "10.0.0.2", 5);
	node_tls(&n1);
	node_tls(&n2);
	node_start(&n1);
	node_start(&n2);
	local_put(&n1, "blue", "10.89.0.3", 80, "tcp", "0.0.0.0", 8080,
		  AF_INET, "t");
	CHECK(wait_remote(&n2, "blue", "10.89.0.3", 80, "tcp", true, 3000) >= 0,
	      "no propagation over TLS");
	node_stop(&n1);
	node_stop(&n2);
	/* a node without its client certificate: down, saying why */
	node_rc(&n2, s.url, "n2", "10.0.0.2", 5);
	certfile(n2.rc.cacert, sizeof(n2.rc.cacert), "ca.pem");
	node_start(&n2);
	CHECK(wait_state(&n2, "down", 10000) >= 0, "n2 without cert not down");
	{
		char st[32], e2[512];

		etcd_state(&n2, st, sizeof(st), e2, sizeof(e2));
		say("# node without a client certificate: %s", e2);
		CHECK(strstr(e2, "TLS"), "status error %s", e2);
	}
	node_stop(&n2);
	srv_kill(&s);
}

/* settings: bad settings fail cluster_start() in words; an unreachable
 * etcd does not, and the node connects once etcd is there */
static void t_settings(void)
{
	static const struct {
		const char *url, *addr, *cert, *want;
	} cases[] = {
		{ "ftp://127.0.0.1:1", "10.0.0.1", "", "scheme" },
		{ "http://127.0.0.1", "10.0.0.1", "", "no port" },
		{ "http://127.0.0.1:2379/v3", "10.0.0.1", "", "no path" },
		{ "not a url", "10.0.0.1", "", "not a URL" },
		{ "http://127.0.0.1:2379", "127.0.0.1", "", "loopback" },
		{ "http://127.0.0.1:2379", "0.0.0.0", "", "unspecified" },
		{ "http://127.0.0.1:2379", "10.0.0.1", "/nonexistent/client.pem",
		  "/nonexistent/client.pem" },
	};
	struct node n;
	struct srv s;
	char url[64], st[32], err[512];
	struct etcd *raw;
	struct kvlist kl;
	int port, r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		node_rc(&n, cases[i].url, "n1", cases[i].addr, 5);
		snprintf(n.rc.cert, sizeof(n.rc.cert), "%s", cases[i].cert);
		r = node_try(&n);
		say("# %s, node_address %s%s%s: %d %s", cases[i].url,
		    cases[i].addr, *cases[i].cert ? ", cert " : "",
		    cases[i].cert, r, n.err.msg);
		CHECK(r < 0 && strstr(n.err.msg, cases[i].want),
		      "case %zu: %d \"%s\" does not say \"%s\"", i, r,
		      n.err.msg, cases[i].want);
	}
	node_rc(&n, "http://127.0.0.1:2379", "n1", "10.0.0.1", 5);
	n.rc.node_address.ss_family = AF_UNSPEC;
	r = node_try(&n);
	CHECK(r == -EINVAL && strstr(n.err.msg, "node_address"),
	      "no node_address: %d %s", r, n.err.msg);

	/* unreachable at the start: not an error */
	port = free_port();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	node_rc(&n, url, "n1", "10.0.0.1", 5);
	node_start(&n);
	local_put(&n, "blue", "10.89.0.3", 80, "tcp", "0.0.0.0", 8080, AF_INET,
		  "c");
	CHECK(wait_state(&n, "down", 5000) >= 0, "not down without etcd");
	etcd_state(&n, st, sizeof(st), err, sizeof(err));
	say("# without etcd: %s", err);
	CHECK(strstr(err, url) && strstr(err, "refused"), "error: %s", err);
	CHECK(lookup(&n, "blue", "10.89.0.3", 80, "tcp", NULL),
	      "local entry lost");
	/* etcd comes up on that port */
	memset(&s, 0, sizeof(s));
	srv_start(&s, false);
	/* srv_start picked its own ports: start one on @port instead */
	srv_kill(&s);
	s.cport = port;
	snprintf(s.url, sizeof(s.url), "%s", url);
	for (int i = 0; s.argv[i]; i++) {
		if (!strncmp(s.argv[i], "--listen-client-urls=", 21))
			snprintf(s.buf[i], PATH_MAX, "--listen-client-urls=%s", url);
		if (!strncmp(s.argv[i], "--advertise-client-urls=", 24))
			snprintf(s.buf[i], PATH_MAX, "--advertise-client-urls=%s",
				 url);
	}
	srv_exec(&s);
	srv_wait(&s);
	CHECK(wait_state(&n, "ok", 10000) >= 0, "never connected to late etcd");
	raw = raw_client(&s);
	sleep_ms(300);
	raw_list(raw, &kl);
	CHECK(kv_find(&kl, "b4ns/v1/blue/10.89.0.3:80/tcp"),
	      "entry put before etcd was up not published");
	node_stop(&n);
	etcd_free(raw);
	srv_kill(&s);
}

/* ---- node child, main -------------------------------------------------------------------- */

static int node_main(int argc, char **argv)
{
	struct node n;
	struct peer_entry e = { 0 };
	struct b4_error err = { "" };
	int r;

	if (argc != 8)
		return 2;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	node_rc(&n, argv[1], argv[3], argv[4], atoi(argv[2]));
	if (loop_new(&L) || peers_new(&n.p))
		return 1;
	r = cluster_start(&n.rc, L, n.p, &n.c, &err);
	if (r < 0) {
		fprintf(stderr, "node: %s\n", b4_error_msg(&err, r));
		return 1;
	}
	make_key(&e.key, argv[5], argv[6], atoi(argv[7]), "tcp");
	parse_sa("0.0.0.0", 8080, &e.host);
	e.family = AF_INET;
	snprintf(e.container, sizeof(e.container), "crash-ctr");
	if (peers_put(n.p, &e))
		return 1;
	return loop_run(L) ? 1 : 0;
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "propagate", t_propagate }, { "conflict", t_conflict },
	{ "crash", t_crash },
	{ "outage", t_outage },	      { "compaction", t_compaction },
	{ "reject", t_reject },	      { "tls", t_tls },
	{ "settings", t_settings },
};

static void (*test_fn)(void);

static void stop_loop(void *arg)
{
	loop_stop(L);
}

static void *test_thread(void *arg)
{
	test_fn();
	on_main(stop_loop, NULL);
	return NULL;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: b4ns-cluster-test [--etcd PATH] [--work DIR] [--certs DIR] [-v] TEST\n"
		"tests:");
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		fprintf(stderr, " %s", tests[i].name);
	fputc('\n', stderr);
	return 2;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int i;

	signal(SIGPIPE, SIG_IGN);
	log_level = LOG_LVL_INFO;
	if (argc > 1 && !strcmp(argv[1], "node"))
		return node_main(argc - 1, argv + 1);
	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--etcd"))
			etcd_bin = argv[++i];
		else if (!strcmp(argv[i], "--work"))
			work_dir = argv[++i];
		else if (!strcmp(argv[i], "--certs"))
			certs = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			log_level = LOG_LVL_DEBUG;
		else
			return usage();
	}
	if (i != argc - 1)
		return usage();
	for (size_t k = 0; k < sizeof(tests) / sizeof(tests[0]); k++) {
		if (!strcmp(tests[k].name, argv[i]))
			test_fn = tests[k].fn;
	}
	if (!test_fn)
		return usage();
	if (access(etcd_bin, X_OK)) {
		printf("SKIP: %s: %s\n", etcd_bin, strerror(errno));
		return 77;
	}
	atexit(kill_all);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (loop_new(&L) || pipe2(call_pipe, O_CLOEXEC | O_NONBLOCK) ||
	    loop_add(L, call_pipe[0], EPOLLIN, call_cb, NULL, NULL)) {
		perror("setup");
		return 1;
	}
	/* the writer must block, the reader not */
	fcntl(call_pipe[1], F_SETFL, 0);
	if (pthread_create(&t, NULL, test_thread, NULL))
		return 1;
	if (loop_run(L) < 0)
		return 1;
	pthread_join(t, NULL);
	loop_free(L);
	say("PASS");
	return test_rc;
}
