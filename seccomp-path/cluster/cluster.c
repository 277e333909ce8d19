// SPDX-License-Identifier: GPL-2.0-or-later
/* cluster.c - the daemon's registry shared through etcd
 *
 * Theory of operation: two threads, one table. The registry (common/peers.c)
 * belongs to the event loop's thread: connects read it, and only that
 * thread changes it. Every etcd call runs on this file's own thread (the
 * "worker"), so no connect ever waits for etcd: the registry is a cache the
 * worker keeps filled.
 *
 * Outbound: peers' hook tells of each local change (on the main thread);
 * the change becomes a key and a JSON value (or "delete this key") queued
 * to the worker, which keeps the set of keys it wants in etcd ("desired",
 * each marked synced or not) and puts what is unsynced under one lease per
 * node. Keys are PREFIX NETWORK/ADDR:PORT/PROTO (an IPv6 address in
 * brackets); values {"network","addr","port","proto","host","host_port",
 * "node","container"}. Auto networks ("@...") are never published; the host
 * address published is the listener's if it is specific, the node address
 * if the listener takes every address (and its family fits), and nothing
 * for a loopback or link-local listener. The lease is renewed every third
 * of its TTL; if etcd says it is gone, a new one is granted and every key
 * put again. A key is deleted only while it is on our lease (another node
 * may have claimed the address since).
 *
 * Inbound: a full resync reads the whole prefix and sends the main thread
 * "mark every remote entry stale, put these, sweep the stale", then
 * watches from the revision read + 1; watch events become puts and deletes
 * of remote entries. The worker remembers the last revision it applied
 * (the range's, then each event's): after a lost connection the watch
 * resumes from there and replays what was missed, deletions included; only
 * when etcd has compacted that history away (the watch is canceled with a
 * compact_revision) is a full resync done again. Values are checked against their key and must name a
 * host address other nodes can be reached at (not loopback, unspecified,
 * link-local, multicast or broadcast): a remote entry must never send a
 * container to this host's loopback. A bad value is warned about once per
 * key and drops the key's remote entry. Our own node's keys are skipped;
 * own keys left by a previous run (another lease) are deleted.
 *
 * Failures: any failed call tears the watch down; the worker then retries
 * (lease kept or granted anew, puts, watch resumed) after 0.2 s, doubling
 * to 5 s, while the cache keeps serving what it had. A stopped etcd (no
 * answer, connection open) is noticed by the keepalive timing out.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cluster.h"
#include "etcd.h"
#include "log.h"
#include "sockaddr.h"

#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000
#define MAP_BUCKETS 256

/**
 * struct smap_ent - an entry of a string map
 * @key:	key
 * @value:	value, NULL for "delete pending"
 * @synced:	etcd holds @value (or, with @value NULL, no longer the key)
 * @next:	next in the bucket
 */
struct smap_ent {
	char *key;
	char *value;
	bool synced;
	struct smap_ent *next;
};

/* struct smap - string keys to struct smap_ent, chained */
struct smap {
	struct smap_ent *b[MAP_BUCKETS];
	int n;
};

/**
 * struct local_op - a local change queued to the worker
 * @key:	etcd key
 * @value:	value to put, NULL to delete
 */
struct local_op {
	char *key;
	char *value;
};

enum remote_kind { R_PUT, R_DEL, R_MARK, R_SWEEP };

/**
 * struct remote_op - a change of the remote entries, queued to the main
 * thread
 * @kind:	what to do
 * @e:		the entry (R_PUT), its key (R_DEL)
 */
struct remote_op {
	enum remote_kind kind;
	struct peer_entry e;
};

enum etcd_state { ST_CONNECTING, ST_OK, ST_DOWN };

/**
 * struct cluster - the sync
 * @rc:		settings, defaults filled in
 * @prefix_end:	end of the prefix's range
 * @l:		event loop of the registry's thread
 * @p:		registry
 * @main_fd:	eventfd: remote ops queued for the main thread
 * @main_w:	its watch
 * @wake_fd:	eventfd: local ops queued (or stop) for the worker
 * @thread:	the worker
 * @etcd:	client (worker only, after the start)
 * @timeout_ms:	request timeout
 * @lock:	guards the fields down to @st
 * @lops:	queued local ops
 * @n_lops:	entries used
 * @cap_lops:	entries allocated
 * @rops:	queued remote ops
 * @n_rops:	entries used
 * @cap_rops:	entries allocated
 * @stop:	the worker must stop
 * @queue_oom:	an op was lost for memory: the worker resyncs
 * @state:	etcd's state as seen last
 * @since:	when @state last changed (CLOCK_MONOTONIC, ms)
 * @error:	last failure
 * @st_lease:	lease id (0: none)
 * @st_ttl:	its TTL
 * @revision:	copy of @applied for cluster_status()
 * @published:	keys in etcd
 * @pending:	keys waiting to be put or deleted
 * @rejected:	keys with a bad value, warned about
 * @resyncs:	resyncs done
 * @endpoint:	etcd endpoint in use
 * @conflicts:	remote entries refused because a local one holds the key
 *		(main thread only)
 * @desired:	worker: keys wanted in etcd
 * @bad:	worker: keys warned about
 * @lease:	worker: current lease, 0 for none
 * @ttl:	worker: its TTL (s)
 * @applied:	worker: revision up to which etcd's changes were sent to the
 *		main thread (0: a full resync is due)
 */
struct cluster {
	struct cfg_registry rc;
	char *prefix_end;
	struct loop *l;
	struct peers *p;
	int main_fd;
	struct loop_watch *main_w;
	int wake_fd;
	pthread_t thread;
	struct etcd *etcd;
	int timeout_ms;

	pthread_mutex_t lock;
	struct local_op *lops;
	size_t n_lops, cap_lops;
	struct remote_op *rops;
	size_t n_rops, cap_rops;
	bool stop;
	bool queue_oom;
	enum etcd_state state;
	int64_t since;
	char error[512];
	int64_t st_lease;
	int st_ttl;
	int64_t revision;
	int published;
	int pending;
	int rejected;
	int resyncs;
	char endpoint[CFG_URL_MAX];

	int conflicts;

	struct smap desired;
	struct smap bad;
	int64_t lease;
	int ttl;
	int64_t applied;
};

/* now_ms() - CLOCK_MONOTONIC in milliseconds */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- string map ----------------------------------------------------------------- */

static unsigned int smap_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % MAP_BUCKETS;
}

static struct smap_ent *smap_get(const struct smap *m, const char *key)
{
	for (struct smap_ent *e = m->b[smap_hash(key)]; e; e = e->next) {
		if (!strcmp(e->key, key))
			return e;
	}
	return NULL;
}

/* smap_add() - the entry of @key, created (value NULL) if missing; NULL if
 * out of memory */
static struct smap_ent *smap_add(struct smap *m, const char *key)
{
	struct smap_ent *e = smap_get(m, key);
	unsigned int h = smap_hash(key);

	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->key = strdup(key))) {
		free(e);
		return NULL;
	}
	e->next = m->b[h];
	m->b[h] = e;
	m->n++;
	return e;
}

static void smap_del(struct smap *m, const char *key)
{
	for (struct smap_ent **pp = &m->b[smap_hash(key)]; *pp;
	     pp = &(*pp)->next) {
		struct smap_ent *e = *pp;

		if (!strcmp(e->key, key)) {
			*pp = e->next;
			free(e->key);
			free(e->value);
			free(e);
			m->n--;
			return;
		}
	}
}

static void smap_clear(struct smap *m)
{
	for (int i = 0; i < MAP_BUCKETS; i++) {
		while (m->b[i]) {
			struct smap_ent *e = m->b[i];

			m->b[i] = e->next;
			free(e->key);
			free(e->value);
			free(e);
		}
	}
	m->n = 0;
}

/* ---- keys and values ----------------------------------------------------------- */

static const char *proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* key_format() - PREFIX NETWORK/ADDR:PORT/PROTO of @k into @buf */
static void key_format(const struct cfg_registry *rc,
		       const struct peer_key *k, char *buf, size_t len)
{
	char a[SA_STRLEN];

	snprintf(buf, len, "%s%s/%s/%s", rc->prefix, k->network,
		 sa_format((const struct sockaddr *)&k->addr, a, sizeof(a)),
		 proto_name(k->proto));
}

/* parse_ip() - "1.2.3.4" or "::1" (IPv4-mapped becomes IPv4) into @out
 * with port @port; -EINVAL */
static int parse_ip(const char *s, uint16_t port, struct sockaddr_storage *out)
{
	struct sockaddr_storage a = { 0 };
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a;

	if (inet_pton(AF_INET, s, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
	} else {
		return -EINVAL;
	}
	sa_set_port((struct sockaddr *)&a, port);
	sa_unmap((const struct sockaddr *)&a, out);
	return 0;
}

/**
 * key_parse() - an etcd key back into a peer key; it must be in the exact
 * form key_format() writes
 * @rc:		registry settings (the prefix)
 * @key:	the whole key, prefix included
 * @k:		result
 *
 * Return: 0, or -EINVAL naming nothing (the caller warns)
 */
static int key_parse(const struct cfg_registry *rc, const char *key,
		     struct peer_key *k)
{
	size_t plen = strlen(rc->prefix);
	char buf[256], back[320];
	char *slash, *last, *colon, *addr;
	uint16_t port;

	memset(k, 0, sizeof(*k));
	if (strncmp(key, rc->prefix, plen) != 0 ||
	    strlen(key + plen) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, key + plen);
	slash = strchr(buf, '/');
	last = strrchr(buf, '/');
	if (!slash || slash == last || slash - buf >= PEERS_NET_MAX)
		return -EINVAL;
	*slash = '\0';
	*last = '\0';
	if (!peers_net_valid(buf))
		return -EINVAL;
	strcpy(k->network, buf);
	if (!strcmp(last + 1, "tcp"))
		k->proto = IPPROTO_TCP;
	else if (!strcmp(last + 1, "udp"))
		k->proto = IPPROTO_UDP;
	else
		return -EINVAL;
	addr = slash + 1;
	colon = strrchr(addr, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (sa_port_parse(colon + 1, &port))
		return -EINVAL;
	if (*addr == '[') {
		size_t n = strlen(addr);

		if (n < 3 || addr[n - 1] != ']')
			return -EINVAL;
		addr[n - 1] = '\0';
		addr++;
	}
	if (parse_ip(addr, port, &k->addr))
		return -EINVAL;
	/* one spelling per key: it must read back the same */
	key_format(rc, k, back, sizeof(back));
	return strcmp(back, key) ? -EINVAL : 0;
}

/* json_add() - add @v (NULL: out of memory) as member @name of object @o,
 * or (@name NULL) at the end of array @o; takes @v */
static int json_add(struct json_object *o, const char *name,
		    struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (name ? json_object_object_add(o, name, v) :
		   json_object_array_add(o, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/**
 * local_value() - the JSON value to publish for local entry @e
 * @c:		sync
 * @e:		entry
 * @value:	the value (malloc'd), or NULL if @e is not published
 *		(then a debug line says why)
 *
 * Return: 0 or -ENOMEM
 */
static int local_value(const struct cluster *c, const struct peer_entry *e,
		       char **value)
{
	struct sockaddr_storage host;
	char ip[INET6_ADDRSTRLEN], hip[INET6_ADDRSTRLEN], ks[SA_STRLEN];
	struct json_object *o;
	int family = e->family ? e->family : e->host.ss_family;
	const char *s;
	int r;

	*value = NULL;
	sa_unmap((const struct sockaddr *)&e->host, &host);
	sa_format((const struct sockaddr *)&e->key.addr, ks, sizeof(ks));
	if (host.ss_family != AF_INET && host.ss_family != AF_INET6) {
		b4_debug("cluster: %s %s/%s not published: its host address is not IP",
			 e->key.network, ks, proto_name(e->key.proto));
		return 0;
	}
	if (sa_is_unspecified((const struct sockaddr *)&host)) {
		uint16_t port = sa_port((const struct sockaddr *)&host);

		if (family == AF_INET && c->rc.node_address.ss_family != AF_INET) {
			b4_debug("cluster: %s %s/%s not published: its listener is IPv4 only and the node address is IPv6",
				 e->key.network, ks, proto_name(e->key.proto));
			return 0;
		}
		host = c->rc.node_address;
		sa_set_port((struct sockaddr *)&host, port);
	} else if (sa_is_loopback((const struct sockaddr *)&host) ||
		   sa_is_local_scope((const struct sockaddr *)&host)) {
		b4_debug("cluster: %s %s/%s not published: its listener is on a loopback or link-local address",
			 e->key.network, ks, proto_name(e->key.proto));
		return 0;
	}
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	r = json_add(o, "network", json_object_new_string(e->key.network)) ||
	    json_add(o, "addr", json_object_new_string(sa_format_ip(
					(const struct sockaddr *)&e->key.addr,
					ip, sizeof(ip)))) ||
	    json_add(o, "port", json_object_new_int(sa_port(
					(const struct sockaddr *)&e->key.addr))) ||
	    json_add(o, "proto", json_object_new_string(proto_name(e->key.proto))) ||
	    json_add(o, "host", json_object_new_string(sa_format_ip(
					(const struct sockaddr *)&host, hip,
					sizeof(hip)))) ||
	    json_add(o, "host_port", json_object_new_int(sa_port(
					(const struct sockaddr *)&host))) ||
	    json_add(o, "node", json_object_new_string(c->rc.node)) ||
	    json_add(o, "container", json_object_new_string(e->container));
	s = r ? NULL : json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (s)
		*value = strdup(s);
	json_object_put(o);
	return *value ? 0 : -ENOMEM;
}

/* jstr() - string member @name of @o, or NULL */
static const char *jstr(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* jport() - integer member @name of @o in 1..65535, or 0 */
static uint16_t jport(struct json_object *o, const char *name)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	n = json_object_get_int64(v);
	return n >= 1 && n <= 65535 ? (uint16_t)n : 0;
}

/* cluster_entry_parse(): see cluster.h */
int cluster_entry_parse(const struct cfg_registry *rc, const char *key,
			const char *value, struct peer_entry *e, char *why,
			size_t len)
{
	struct json_object *o = NULL;
	struct sockaddr_storage a;
	const char *s, *node;
	uint16_t port, hport;
	int r = -EINVAL;

	memset(e, 0, sizeof(*e));
	if (key_parse(rc, key, &e->key)) {
		snprintf(why, len, "not a key of the form PREFIX NETWORK/ADDR:PORT/tcp|udp");
		return -EINVAL;
	}
	o = json_tokener_parse(value);
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(why, len, "the value is not a JSON object");
		goto out;
	}
	node = jstr(o, "node");
	if (!node || !*node || strlen(node) >= PEERS_NODE_MAX) {
		snprintf(why, len, "\"node\" missing or longer than %d",
			 PEERS_NODE_MAX - 1);
		goto out;
	}
	if (!strcmp(node, rc->node)) {
		r = 1;
		goto out;
	}
	port = jport(o, "port");
	if (!(s = jstr(o, "network")) || strcmp(s, e->key.network) != 0 ||
	    !(s = jstr(o, "proto")) ||
	    strcmp(s, proto_name(e->key.proto)) != 0 ||
	    port != sa_port((const struct sockaddr *)&e->key.addr) ||
	    !(s = jstr(o, "addr")) || parse_ip(s, port, &a) ||
	    !sa_ip_equal((const struct sockaddr *)&a,
			 (const struct sockaddr *)&e->key.addr)) {
		snprintf(why, len, "\"network\", \"addr\", \"port\" or \"proto\" differ from the key");
		goto out;
	}
	hport = jport(o, "host_port");
	if (!(s = jstr(o, "host")) || !hport || parse_ip(s, hport, &e->host)) {
		snprintf(why, len, "\"host\" or \"host_port\" missing or not an IP address and port");
		goto out;
	}
	if (sa_is_loopback((const struct sockaddr *)&e->host) ||
	    sa_is_unspecified((const struct sockaddr *)&e->host) ||
	    sa_is_local_scope((const struct sockaddr *)&e->host)) {
		snprintf(why, len, "host %s is a loopback, unspecified, link-local, multicast or broadcast address",
			 s);
		goto out;
	}
	s = jstr(o, "container");
	if (s && strlen(s) >= PEERS_ID_MAX) {
		snprintf(why, len, "\"container\" longer than %d",
			 PEERS_ID_MAX - 1);
		goto out;
	}
	snprintf(e->node, sizeof(e->node), "%s", node);
	snprintf(e->container, sizeof(e->container), "%s", s ? s : "");
	e->remote = true;
	e->family = e->host.ss_family;
	r = 0;
out:
	json_object_put(o);
	return r;
}

/* ---- queues ---------------------------------------------------------------------- */

/* grow() - make room for one more element in *@v; -ENOMEM */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* kick() - add one to eventfd @fd */
static void kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		b4_warn("cluster: eventfd write: %s", strerror(errno));
}

/* drain_fd() - reset eventfd @fd */
static void drain_fd(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		b4_warn("cluster: eventfd read: %s", strerror(errno));
}

/**
 * push_remote() - queue remote ops for the main thread
 * @c:		sync
 * @ops:	ops
 * @n:		how many
 *
 * Called on the worker; wakes the main thread.
 */
static void push_remote(struct cluster *c, const struct remote_op *ops,
			size_t n)
{
	bool lost = false;

	if (!n)
		return;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < n; i++) {
		if (grow((void **)&c->rops, &c->cap_rops, c->n_rops,
			 sizeof(*c->rops))) {
			lost = true;
			break;
		}
		c->rops[c->n_rops++] = ops[i];
	}
	if (lost)
		c->queue_oom = true;
	pthread_mutex_unlock(&c->lock);
	kick(c->main_fd);
}

/* push_local() - queue a local op for the worker (main thread); takes
 * @value */
static void push_local(struct cluster *c, const char *key, char *value)
{
	char *k = strdup(key);

	pthread_mutex_lock(&c->lock);
	if (!k || grow((void **)&c->lops, &c->cap_lops, c->n_lops,
		       sizeof(*c->lops))) {
		c->queue_oom = true;
		free(k);
		free(value);
	} else {
		c->lops[c->n_lops].key = k;
		c->lops[c->n_lops].value = value;
		c->n_lops++;
	}
	pthread_mutex_unlock(&c->lock);
	kick(c->wake_fd);
}

/* ---- main thread ----------------------------------------------------------------- */

/* local_changed() - peers' hook: queue the local change to the worker */
static void local_changed(void *arg, const struct peer_entry *e, bool present)
{
	struct cluster *c = arg;
	char key[320];
	char *value = NULL;

	if (e->key.network[0] == '@')
		return; /* a node's own auto network: never shared */
	key_format(&c->rc, &e->key, key, sizeof(key));
	if (present && local_value(c, e, &value) < 0) {
		pthread_mutex_lock(&c->lock);
		c->queue_oom = true;
		pthread_mutex_unlock(&c->lock);
		kick(c->wake_fd);
		return;
	}
	/* not published (any more): delete what may have been */
	push_local(c, key, value);
}

/* visit_local() - peers_visit() callback of the start: queue local entries */
static void visit_local(const struct peer_entry *e, void *arg)
{
	if (!e->remote)
		local_changed(arg, e, true);
}

/* apply_remote() - the main thread's eventfd callback: apply queued remote
 * ops to the registry */
static void apply_remote(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct cluster *c = arg;
	struct remote_op *ops;
	size_t n;

	drain_fd(fd);
	pthread_mutex_lock(&c->lock);
	ops = c->rops;
	n = c->n_rops;
	c->rops = NULL;
	c->n_rops = c->cap_rops = 0;
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; i < n; i++) {
		struct remote_op *o = &ops[i];
		char ks[SA_STRLEN];
		int r;

		switch (o->kind) {
		case R_PUT:
			r = peers_put(c->p, &o->e);
			if (r == -EEXIST) {
				c->conflicts++;
				b4_debug("cluster: %s %s/%s of node %s: a local entry has that address, it wins",
					 o->e.key.network,
					 sa_format((const struct sockaddr *)&o->e.key.addr,
						   ks, sizeof(ks)),
					 proto_name(o->e.key.proto), o->e.node);
			} else if (r < 0) {
				b4_warn("cluster: remote entry of node %s: %s",
					o->e.node, strerror(-r));
			}
			break;
		case R_DEL:
			peers_del(c->p, &o->e.key, true);
			break;
		case R_MARK:
			peers_mark_remote(c->p);
			break;
		case R_SWEEP:
			r = peers_sweep(c->p);
			if (r > 0)
				b4_debug("cluster: resync dropped %d remote entries",
					 r);
			break;
		}
	}
	free(ops);
}

/* ---- worker ------------------------------------------------------------------------ */

/* set_state() - record etcd's state (and the error when not OK) */
static void set_state(struct cluster *c, enum etcd_state st,
		      const struct b4_error *err, int r)
{
	pthread_mutex_lock(&c->lock);
	if (c->state != st) {
		c->since = now_ms();
		if (st == ST_OK)
			b4_info("cluster: etcd %s: connected, node %s",
				etcd_endpoint(c->etcd), c->rc.node);
		else if (st == ST_DOWN)
			b4_warn("cluster: etcd unreachable, serving the cached registry: %s",
				b4_error_msg(err, r));
	}
	c->state = st;
	if (st == ST_OK)
		c->error[0] = '\0';
	else if (err || r)
		snprintf(c->error, sizeof(c->error), "%s", b4_error_msg(err, r));
	pthread_mutex_unlock(&c->lock);
}

/* update_counts() - publish the worker's counters for cluster_status() */
static void update_counts(struct cluster *c)
{
	int published = 0, pending = 0;

	for (int i = 0; i < MAP_BUCKETS; i++) {
		for (struct smap_ent *e = c->desired.b[i]; e; e = e->next) {
			if (!e->synced)
				pending++;
			else if (e->value)
				published++;
		}
	}
	pthread_mutex_lock(&c->lock);
	c->published = published;
	c->pending = pending;
	c->rejected = c->bad.n;
	c->st_lease = c->lease;
	c->st_ttl = c->ttl;
	snprintf(c->endpoint, sizeof(c->endpoint), "%s",
		 etcd_endpoint(c->etcd));
	pthread_mutex_unlock(&c->lock);
}

/* take_local() - move the queued local ops into the desired set.
 * Return: true if an op was lost (a full resync is due) */
static bool take_local(struct cluster *c)
{
	struct local_op *ops;
	size_t n;
	bool oom;

	drain_fd(c->wake_fd);
	pthread_mutex_lock(&c->lock);
	ops = c->lops;
	n = c->n_lops;
	oom = c->queue_oom;
	c->lops = NULL;
	c->n_lops = c->cap_lops = 0;
	c->queue_oom = false;
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; i < n; i++) {
		struct smap_ent *e = smap_get(&c->desired, ops[i].key);

		if (!ops[i].value && !e) {
			/* never published */
		} else if (!(e = e ? e : smap_add(&c->desired, ops[i].key))) {
			oom = true;
			free(ops[i].value);
		} else if (!ops[i].value || !e->value ||
			   strcmp(ops[i].value, e->value) != 0) {
			free(e->value);
			e->value = ops[i].value;
			e->synced = false;
		} else {
			free(ops[i].value); /* unchanged */
		}
		free(ops[i].key);
	}
	free(ops);
	return oom;
}

/* stopping() - has cluster_free() asked the worker to stop? */
static bool stopping(struct cluster *c)
{
	bool s;

	pthread_mutex_lock(&c->lock);
	s = c->stop;
	pthread_mutex_unlock(&c->lock);
	return s;
}

/* grant() - a new lease; every wanted key must be put again */
static int grant(struct cluster *c, struct b4_error *err)
{
	int64_t id;
	int r = etcd_lease_grant(c->etcd, c->rc.lease_ttl, &id, err);

	if (r < 0)
		return r;
	if (c->lease)
		b4_info("cluster: lease %" PRIx64 " lost, now %" PRIx64,
			(uint64_t)c->lease, (uint64_t)id);
	c->lease = id;
	c->ttl = r;
	for (int i = 0; i < MAP_BUCKETS; i++) {
		for (struct smap_ent *e = c->desired.b[i]; e; e = e->next) {
			if (e->value)
				e->synced = false;
		}
	}
	return 0;
}

static void refresh_key(struct cluster *c, const char *key);

/* flush() - put the unsynced keys, delete the pending deletions. A lease
 * etcd no longer knows is replaced (once per call) and everything put
 * again. A key deleted locally that another node holds in etcd (its
 * delete left it alone) is read back: the remote entry it names may now
 * take the place the local one had */
static int flush(struct cluster *c, struct b4_error *err)
{
	bool regranted = false;
	int r = 0;

again:
	for (int i = 0; i < MAP_BUCKETS && !r; i++) {
		struct smap_ent **pp = &c->desired.b[i];

		while (*pp && !r) {
			struct smap_ent *e = *pp;

			if (e->synced) {
				pp = &e->next;
				continue;
			}
			if (e->value) {
				r = etcd_put(c->etcd, e->key, e->value,
					     c->lease, err);
				if (r == -ENOENT && !regranted) {
					/* lease gone: a new one, then all */
					regranted = true;
					r = grant(c, err);
					if (r == 0)
						goto again;
					break;
				}
				if (r == 0)
					e->synced = true;
				pp = &e->next;
				continue;
			}
			r = etcd_delete(c->etcd, e->key, c->lease, err);
			if (r >= 0) {
				if (r == 0)
					refresh_key(c, e->key);
				r = 0;
				*pp = e->next;
				free(e->key);
				free(e);
				c->desired.n--;
			}
		}
	}
	update_counts(c);
	return r;
}

/**
 * struct ingest - what a range or a watch message turned into
 * @ops:	remote ops for the main thread
 * @n:		entries used
 * @cap:	entries allocated
 * @stale:	own keys of another lease (range only)
 * @n_stale:	entries used
 * @oom:	something was lost for memory
 * @range:	ingesting a range (own keys of old leases are collected)
 */
struct ingest {
	struct remote_op *ops;
	size_t n, cap;
	struct etcd_kv *stale;
	size_t n_stale, cap_stale;
	bool oom;
	bool range;
};

static void ingest_op(struct ingest *in, enum remote_kind kind,
		      const struct peer_entry *e)
{
	if (grow((void **)&in->ops, &in->cap, in->n, sizeof(*in->ops))) {
		in->oom = true;
		return;
	}
	memset(&in->ops[in->n], 0, sizeof(in->ops[in->n]));
	in->ops[in->n].kind = kind;
	if (e)
		in->ops[in->n].e = *e;
	in->n++;
}

/* ingest_kv() - one key from etcd: a remote put, a rejection, or ours */
static void ingest_kv(struct cluster *c, struct ingest *in,
		      const struct etcd_kv *kv, bool deleted)
{
	struct peer_entry e;
	struct smap_ent *d;
	char why[160];
	int r;

	if (deleted) {
		if (key_parse(&c->rc, kv->key, &e.key) == 0)
			ingest_op(in, R_DEL, &e);
		smap_del(&c->bad, kv->key);
		/* ours, deleted behind our back: put it again */
		d = smap_get(&c->desired, kv->key);
		if (d && d->value)
			d->synced = false;
		return;
	}
	r = cluster_entry_parse(&c->rc, kv->key, kv->value, &e, why,
				sizeof(why));
	if (r == 1) {
		d = smap_get(&c->desired, kv->key);
		if (in->range && kv->lease != c->lease && (!d || !d->value) &&
		    !grow((void **)&in->stale, &in->cap_stale, in->n_stale,
			  sizeof(*in->stale))) {
			in->stale[in->n_stale].key = strdup(kv->key);
			in->stale[in->n_stale].lease = kv->lease;
			if (in->stale[in->n_stale].key)
				in->n_stale++;
		}
		return;
	}
	if (r < 0) {
		if (!smap_get(&c->bad, kv->key)) {
			b4_warn("cluster: ignoring etcd key \"%s\": %s", kv->key,
				why);
			if (!smap_add(&c->bad, kv->key))
				in->oom = true;
		}
		/* whatever the key held before goes too */
		if (key_parse(&c->rc, kv->key, &e.key) == 0)
			ingest_op(in, R_DEL, &e);
		return;
	}
	smap_del(&c->bad, kv->key);
	d = smap_get(&c->desired, kv->key);
	if (d && d->value)
		b4_warn("cluster: etcd key \"%s\" of this node was taken by node %s",
			kv->key, e.node);
	ingest_op(in, R_PUT, &e);
}

/* range_kv() - etcd_range() callback of a resync */
static void range_kv(void *arg, const struct etcd_kv *kv)
{
	struct cluster *c = ((void **)arg)[0];
	struct ingest *in = ((void **)arg)[1];

	ingest_kv(c, in, kv, false);
}

/* refresh_key() - read one key again and send what it holds (if another
 * node's) to the main thread; best effort: a failure is left to the next
 * resync */
static void refresh_key(struct cluster *c, const char *key)
{
	struct ingest in = { 0 };
	void *arg[2] = { c, &in };
	struct b4_error err;

	if (etcd_range(c->etcd, key, NULL, range_kv, arg, NULL, &err) > 0)
		push_remote(c, in.ops, in.n);
	free(in.ops);
}

/**
 * struct watch_ctx - what the watch callback needs
 * @c:		sync
 * @compacted:	the watch was canceled for compaction
 */
struct watch_ctx {
	struct cluster *c;
	bool compacted;
};

/* watch_msg() - etcd_watch_fn: queue the changes to the main thread */
static void watch_msg(void *arg, const struct etcd_watch_msg *m)
{
	struct watch_ctx *w = arg;
	struct cluster *c = w->c;
	struct ingest in = { 0 };

	/* progress is the events' revisions, never the header's: a
	 * "created" answer carries the current revision while the replay
	 * from the start revision is still to come */
	for (int i = 0; i < m->n_events; i++) {
		ingest_kv(c, &in, &m->events[i], m->deleted[i]);
		if (m->events[i].mod_revision > c->applied)
			c->applied = m->events[i].mod_revision;
	}
	push_remote(c, in.ops, in.n);
	free(in.ops);
	pthread_mutex_lock(&c->lock);
	if (in.oom)
		c->queue_oom = true;
	c->revision = c->applied;
	pthread_mutex_unlock(&c->lock);
	if (m->canceled && m->compact_revision)
		w->compacted = true;
}

/**
 * full_range() - read the whole prefix: the main thread's remote entries
 * become exactly the valid ones read; own keys of an earlier run go
 * @c:		sync
 * @err:	why it failed
 *
 * Return: 0 or negative errno
 */
static int full_range(struct cluster *c, struct b4_error *err)
{
	struct ingest in = { .range = true };
	struct remote_op mark = { .kind = R_MARK };
	void *arg[2] = { c, &in };
	struct b4_error derr;
	int64_t rev = 0;
	int r;

	r = etcd_range(c->etcd, c->rc.prefix, c->prefix_end, range_kv, arg,
		       &rev, err);
	if (r >= 0 && !in.oom) {
		push_remote(c, &mark, 1);
		push_remote(c, in.ops, in.n);
		mark.kind = R_SWEEP;
		push_remote(c, &mark, 1);
		c->applied = rev;
		pthread_mutex_lock(&c->lock);
		c->revision = rev;
		c->resyncs++;
		pthread_mutex_unlock(&c->lock);
	}
	for (size_t i = 0; i < in.n_stale; i++) {
		int d = 0;

		if (r >= 0 && !in.oom)
			d = etcd_delete(c->etcd, in.stale[i].key,
					in.stale[i].lease, &derr);
		if (d > 0)
			b4_info("cluster: deleted \"%s\", left by an earlier run of this node",
				in.stale[i].key);
		free((char *)in.stale[i].key);
	}
	free(in.stale);
	free(in.ops);
	return r < 0 ? r : in.oom ? -ENOMEM : 0;
}

/**
 * resync() - after a start or a lost connection: the lease (kept if etcd
 * still has it), the puts, the remote entries (a full range if nothing was
 * applied yet, else the watch replays from the last revision applied), a
 * new watch
 * @c:		sync
 * @wctx:	the watch's context
 * @w:		the new watch
 * @err:	why it failed
 *
 * Return: 0 or negative errno
 */
static int resync(struct cluster *c, struct watch_ctx *wctx,
		  struct etcd_watch **w, struct b4_error *err)
{
	int r;

	*w = NULL;
	if (c->lease) {
		r = etcd_lease_keepalive(c->etcd, c->lease, err);
		if (r == -ENOENT)
			c->lease = 0;
		else if (r < 0)
			return r;
	}
	if (!c->lease && (r = grant(c, err)) < 0)
		return r;
	r = flush(c, err);
	if (r < 0)
		return r;
	if (!c->applied && (r = full_range(c, err)) < 0)
		return r;
	wctx->compacted = false;
	r = etcd_watch_start(c->etcd, c->rc.prefix, c->prefix_end,
			     c->applied + 1, watch_msg, wctx, w, err);
	update_counts(c);
	return r;
}

/* wait_wake() - wait up to @ms for the wake eventfd */
static void wait_wake(struct cluster *c, int64_t ms)
{
	struct pollfd pfd = { .fd = c->wake_fd, .events = POLLIN };

	if (ms > 0)
		poll(&pfd, 1, ms > 60000 ? 60000 : (int)ms);
}

/* worker() - the thread: keep etcd and the registry in step until told to
 * stop, then revoke the lease */
static void *worker(void *arg)
{
	struct cluster *c = arg;
	struct watch_ctx wctx = { .c = c };
	struct etcd_watch *w = NULL;
	int64_t backoff = BACKOFF_MIN_MS, next_try = 0, next_ka = 0;
	struct b4_error err;

	while (!stopping(c)) {
		int64_t now = now_ms();
		bool lost = take_local(c);
		int r = 0;

		err.msg[0] = '\0';
		if (lost) {
			/* an op was lost for memory: start over */
			etcd_watch_free(w);
			w = NULL;
			c->applied = 0;
			next_try = now;
		}
		if (!w) {
			if (now < next_try) {
				wait_wake(c, next_try - now);
				continue;
			}
			r = resync(c, &wctx, &w, &err);
			if (r < 0) {
				etcd_watch_free(w);
				w = NULL;
				set_state(c, ST_DOWN, &err, r);
				next_try = now_ms() + backoff;
				backoff = backoff * 2 > BACKOFF_MAX_MS ?
						  BACKOFF_MAX_MS :
						  backoff * 2;
				continue;
			}
			set_state(c, ST_OK, NULL, 0);
			backoff = BACKOFF_MIN_MS;
			next_ka = now_ms() + c->ttl * 1000 / 3;
			continue;
		}
		r = flush(c, &err);
		if (r == 0 && now >= next_ka) {
			r = etcd_lease_keepalive(c->etcd, c->lease, &err);
			if (r == -ENOENT) {
				r = grant(c, &err);
				if (r == 0)
					r = flush(c, &err);
			}
			if (r >= 0) {
				r = 0;
				next_ka = now_ms() + c->ttl * 1000 / 3;
				update_counts(c);
			}
		}
		if (r == 0) {
			int64_t wait = next_ka - now_ms();

			r = etcd_watch_poll(w, c->wake_fd,
					    wait < 0 ? 0 : (int)wait, &err);
		}
		if (r < 0) {
			etcd_watch_free(w);
			w = NULL;
			if (r == -ECANCELED && wctx.compacted) {
				b4_info("cluster: etcd compacted the history the watch needed: full resync");
				c->applied = 0;
				next_try = now_ms();
				continue;
			}
			set_state(c, ST_DOWN, &err, r);
			next_try = now_ms() + backoff;
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
								 backoff * 2;
		}
	}
	etcd_watch_free(w);
	if (c->lease) {
		int r;

		err.msg[0] = '\0';
		r = etcd_lease_revoke(c->etcd, c->lease, &err);
		if (r < 0 && r != -ENOENT)
			b4_warn("cluster: lease not revoked (this node's entries stay until it runs out): %s",
				b4_error_msg(&err, r));
	}
	return NULL;
}

/* ---- start, stop, status ----------------------------------------------------------- */

/* check_settings() - fill in defaults, refuse what cannot work */
static int check_settings(struct cfg_registry *rc, struct b4_error *err)
{
	char ip[INET6_ADDRSTRLEN];
	const struct sockaddr *na = (const struct sockaddr *)&rc->node_address;

	if (rc->n_etcd < 1)
		return b4_error_set(err, -EINVAL,
				    "registry: etcd needs at least one endpoint (http://HOST:PORT)");
	if (!rc->lease_ttl)
		rc->lease_ttl = CFG_LEASE_TTL_DEFAULT;
	if (rc->lease_ttl < CFG_LEASE_TTL_MIN ||
	    rc->lease_ttl > CFG_LEASE_TTL_MAX)
		return b4_error_set(err, -EINVAL,
				    "registry: etcd_lease_ttl %d: must be %d to %d seconds",
				    rc->lease_ttl, CFG_LEASE_TTL_MIN,
				    CFG_LEASE_TTL_MAX);
	if (!rc->prefix[0])
		snprintf(rc->prefix, sizeof(rc->prefix), "%s",
			 CFG_PREFIX_DEFAULT);
	if (!rc->node[0] && gethostname(rc->node, sizeof(rc->node)) < 0)
		return b4_error_set(err, -errno,
				    "registry: no node name and no host name: %s",
				    strerror(errno));
	rc->node[sizeof(rc->node) - 1] = '\0';
	if (!peers_net_valid(rc->node)) /* the same alphabet */
		return b4_error_set(err, -EINVAL,
				    "registry: node name \"%s\": 1 to 63 of [A-Za-z0-9_.-]",
				    rc->node);
	if (na->sa_family != AF_INET && na->sa_family != AF_INET6)
		return b4_error_set(err, -EINVAL,
				    "registry: etcd needs node_address, the address other nodes reach this node's published ports at");
	if (sa_is_loopback(na) || sa_is_unspecified(na) ||
	    sa_is_local_scope(na))
		return b4_error_set(err, -EINVAL,
				    "registry: node_address %s: other nodes cannot reach a loopback, unspecified, link-local or multicast address",
				    sa_format_ip(na, ip, sizeof(ip)));
	return 0;
}

int cluster_start(const struct cfg_registry *rc, struct loop *l,
		  struct peers *p, struct cluster **out, struct b4_error *err)
{
	const char *urls[CFG_MAX_ETCD];
	struct etcd_opts o = { 0 };
	struct cluster *c;
	sigset_t all, old;
	int r;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->rc = *rc;
	c->main_fd = c->wake_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	r = check_settings(&c->rc, err);
	if (r < 0)
		goto fail;
	c->rc.n_etcd = c->rc.n_etcd > CFG_MAX_ETCD ? CFG_MAX_ETCD : c->rc.n_etcd;
	for (int i = 0; i < c->rc.n_etcd; i++)
		urls[i] = c->rc.etcd[i];
	o.urls = urls;
	o.n_urls = c->rc.n_etcd;
	o.cacert = c->rc.cacert;
	o.cert = c->rc.cert;
	o.key = c->rc.key;
	/* a third of the TTL: a keepalive that times out still leaves time
	 * for another before the lease runs out */
	c->timeout_ms = c->rc.lease_ttl * 1000 / 3;
	c->timeout_ms = c->timeout_ms < 1000 ? 1000 :
			c->timeout_ms > 5000 ? 5000 : c->timeout_ms;
	o.timeout_ms = c->timeout_ms;
	r = etcd_new(&o, &c->etcd, err);
	if (r < 0) {
		b4_error_prefix(err, r, "registry");
		goto fail;
	}
	c->prefix_end = etcd_prefix_end(c->rc.prefix);
	if (!c->prefix_end) {
		r = b4_error_set(err, -EINVAL, "registry: prefix \"%s\" unusable",
				 c->rc.prefix);
		goto fail;
	}
	c->main_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->main_fd < 0 || c->wake_fd < 0) {
		r = b4_error_set(err, -errno, "registry: eventfd: %s",
				 strerror(errno));
		goto fail;
	}
	r = loop_add(l, c->main_fd, EPOLLIN, apply_remote, c, &c->main_w);
	if (r < 0) {
		b4_error_set(err, r, "registry: event loop: %s", strerror(-r));
		goto fail;
	}
	c->l = l;
	c->p = p;
	c->state = ST_CONNECTING;
	c->since = now_ms();
	snprintf(c->error, sizeof(c->error), "not connected yet");
	snprintf(c->endpoint, sizeof(c->endpoint), "%s", c->rc.etcd[0]);
	peers_visit(p, visit_local, c);
	peers_set_hook(p, local_changed, c);
	/* the worker takes no signal: the daemon's signalfd gets them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&c->thread, NULL, worker, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		peers_set_hook(p, NULL, NULL);
		b4_error_set(err, r, "registry: thread: %s", strerror(-r));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (c->main_w)
		loop_del(l, c->main_w);
	if (c->main_fd >= 0)
		close(c->main_fd);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	for (size_t i = 0; i < c->n_lops; i++) {
		free(c->lops[i].key);
		free(c->lops[i].value);
	}
	free(c->lops);
	etcd_free(c->etcd);
	free(c->prefix_end);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return r;
}

void cluster_free(struct cluster *c)
{
	if (!c)
		return;
	peers_set_hook(c->p, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_mutex_unlock(&c->lock);
	kick(c->wake_fd);
	pthread_join(c->thread, NULL);
	loop_del(c->l, c->main_w);
	close(c->main_fd);
	close(c->wake_fd);
	peers_mark_remote(c->p);
	peers_sweep(c->p);
	for (size_t i = 0; i < c->n_lops; i++) {
		free(c->lops[i].key);
		free(c->lops[i].value);
	}
	free(c->lops);
	free(c->rops);
	smap_clear(&c->desired);
	smap_clear(&c->bad);
	etcd_free(c->etcd);
	free(c->prefix_end);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* jadd_str() / jadd_int() - add a member; false if out of memory */
static bool jadd_str(struct json_object *o, const char *k, const char *v)
{
	return json_add(o, k, json_object_new_string(v)) == 0;
}

static bool jadd_int(struct json_object *o, const char *k, int64_t v)
{
	return json_add(o, k, json_object_new_int64(v)) == 0;
}

struct json_object *cluster_status(const struct cluster *c)
{
	static const char *const states[] = { "connecting", "ok", "down" };
	struct json_object *o = json_object_new_object(), *eps, *lease;
	struct cluster *m = (struct cluster *)c; /* the lock only */
	char ip[INET6_ADDRSTRLEN], id[24] = "";
	bool ok;

	if (!o)
		return NULL;
	eps = json_object_new_array();
	lease = json_object_new_object();
	ok = json_add(o, "endpoints", eps) == 0;
	ok = json_add(o, "lease", lease) == 0 && ok;
	ok = ok && jadd_str(o, "kind", "etcd") &&
	     jadd_str(o, "node", c->rc.node) &&
	     jadd_str(o, "node_address",
		      sa_format_ip((const struct sockaddr *)&c->rc.node_address,
				   ip, sizeof(ip))) &&
	     jadd_str(o, "prefix", c->rc.prefix);
	for (int i = 0; ok && i < c->rc.n_etcd; i++)
		ok = json_add(eps, NULL, json_object_new_string(c->rc.etcd[i])) == 0;
	pthread_mutex_lock(&m->lock);
	if (c->st_lease)
		snprintf(id, sizeof(id), "%" PRIx64, (uint64_t)c->st_lease);
	ok = ok && jadd_str(o, "endpoint", c->endpoint) &&
	     jadd_str(o, "etcd", states[c->state]) &&
	     jadd_str(o, "error", c->error) &&
	     jadd_int(o, "since", (now_ms() - c->since) / 1000) &&
	     jadd_str(lease, "id", id) && jadd_int(lease, "ttl", c->st_ttl) &&
	     jadd_int(o, "revision", c->revision) &&
	     jadd_int(o, "published", c->published) &&
	     jadd_int(o, "pending", c->pending) &&
	     jadd_int(o, "rejected", c->rejected) &&
	     jadd_int(o, "resyncs", c->resyncs);
	pthread_mutex_unlock(&m->lock);
	ok = ok && jadd_int(o, "remote", peers_count(c->p, true)) &&
	     jadd_int(o, "conflicts", c->conflicts);
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
