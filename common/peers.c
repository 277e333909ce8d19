// SPDX-License-Identifier: GPL-2.0-or-later
/* peers.c - the registry of container services
 *
 * Theory of operation: one hash table of entries keyed by (network,
 * container address, port, protocol), chained in a fixed number of buckets.
 * The hash leaves the protocol out so that one bucket answers a lookup for
 * either protocol. Local entries are made by the daemon from its containers'
 * published ports (container.c) and every change of one is told to the hook
 * (the cluster sync publishes them); remote ones come from other nodes and
 * never replace a local one. A resync marks every remote entry stale, puts
 * the current set again and sweeps what is still stale; a container's
 * rebuild does the same with its local entries, so that an entry that did
 * not change is not told to the hook again. Nothing here makes a
 * system call: lookups run on the connect path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"
#include "sockaddr.h"

#define PEERS_BUCKETS 1024

/**
 * struct peer_node - an entry in its bucket
 * @e:		the entry
 * @stale:	marked by peers_mark_remote() or peers_mark_container() and
 *		not put since: peers_sweep() deletes it
 * @next:	next node of the bucket
 */
struct peer_node {
	struct peer_entry e;
	bool stale;
	struct peer_node *next;
};

/**
 * struct peers - the registry
 * @bucket:	chains
 * @n_local:	local entries
 * @n_remote:	remote entries
 * @hook:	told of local changes, or NULL
 * @hook_arg:	its argument
 */
struct peers {
	struct peer_node *bucket[PEERS_BUCKETS];
	int n_local;
	int n_remote;
	peers_hook_fn hook;
	void *hook_arg;
};

bool peers_net_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= PEERS_NET_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* norm_addr() - @sa as a key address: IPv4-mapped unmapped, IP and port
 * only. Return: false if not an IP address */
static bool norm_addr(const struct sockaddr *sa, struct sockaddr_storage *out)
{
	struct sockaddr_storage u;

	memset(out, 0, sizeof(*out));
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return false;
	sa_unmap(sa, &u);
	if (u.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&u;
		struct sockaddr_in *o = (struct sockaddr_in *)out;

		o->sin_family = AF_INET;
		o->sin_port = a->sin_port;
		o->sin_addr = a->sin_addr;
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&u;
		struct sockaddr_in6 *o = (struct sockaddr_in6 *)out;

		o->sin6_family = AF_INET6;
		o->sin6_port = a->sin6_port;
		o->sin6_addr = a->sin6_addr;
	}
	return true;
}

/* addr_bytes() - the bytes of a normalised key address that identify it */
static const void *addr_bytes(const struct sockaddr_storage *a, size_t *len)
{
	if (a->ss_family == AF_INET) {
		*len = sizeof(struct in_addr);
		return &((const struct sockaddr_in *)a)->sin_addr;
	}
	*len = sizeof(struct in6_addr);
	return &((const struct sockaddr_in6 *)a)->sin6_addr;
}

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* hash() - bucket of (network, normalised address); the protocol is left
 * out so that a lookup for either protocol is one bucket */
static uint32_t hash(const char *network, const struct sockaddr_storage *a)
{
	uint16_t port = sa_port((const struct sockaddr *)a);
	uint32_t h = 2166136261u;
	const void *ab;
	size_t n;

	h = fnv(h, network, strlen(network));
	ab = addr_bytes(a, &n);
	h = fnv(h, ab, n);
	h = fnv(h, &port, sizeof(port));
	return h % PEERS_BUCKETS;
}

static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	const void *x, *y;
	size_t n, m;

	if (a->ss_family != b->ss_family ||
	    sa_port((const struct sockaddr *)a) !=
		    sa_port((const struct sockaddr *)b))
		return false;
	x = addr_bytes(a, &n);
	y = addr_bytes(b, &m);
	return n == m && !memcmp(x, y, n);
}

/* slot() - the link pointing at the node with this key, or at the chain's
 * end */
static struct peer_node **slot(struct peers *p, const char *network,
			       const struct sockaddr_storage *a, int proto)
{
	struct peer_node **pp = &p->bucket[hash(network, a)];

	for (; *pp; pp = &(*pp)->next) {
		const struct peer_key *k = &(*pp)->e.key;

		if (k->proto == proto && same_addr(&k->addr, a) &&
		    !strcmp(k->network, network))
			break;
	}
	return pp;
}

/* same_value() - does entry @a say what @b says (their keys being equal)?
 * A new node, all zero, says nothing */
static bool same_value(const struct peer_entry *a, const struct peer_entry *b)
{
	struct sockaddr_storage x, y;

	if (!a->key.proto || a->remote != b->remote || a->family != b->family ||
	    a->cookie != b->cookie ||
	    strncmp(a->node, b->node, PEERS_NODE_MAX) != 0 ||
	    strncmp(a->container, b->container, PEERS_ID_MAX) != 0)
		return false;
	if (a->host.ss_family != b->host.ss_family)
		return false;
	if (!norm_addr((const struct sockaddr *)&a->host, &x) ||
	    !norm_addr((const struct sockaddr *)&b->host, &y))
		return a->host.ss_family == AF_UNSPEC;
	return same_addr(&x, &y);
}

int peers_new(struct peers **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void peers_free(struct peers *p)
{
	if (!p)
		return;
	for (int i = 0; i < PEERS_BUCKETS; i++) {
		while (p->bucket[i]) {
			struct peer_node *n = p->bucket[i];

			p->bucket[i] = n->next;
			free(n);
		}
	}
	free(p);
}

void peers_set_hook(struct peers *p, peers_hook_fn fn, void *arg)
{
	p->hook = fn;
	p->hook_arg = arg;
}

/* count() - adjust the counters for @e coming (+1) or going (-1) */
static void count(struct peers *p, const struct peer_entry *e, int d)
{
	if (e->remote)
		p->n_remote += d;
	else
		p->n_local += d;
}

int peers_put(struct peers *p, const struct peer_entry *e)
{
	struct sockaddr_storage a;
	struct peer_node **pp, *n;
	bool changed;

	if (!norm_addr((const struct sockaddr *)&e->key.addr, &a) ||
	    (e->key.proto != IPPROTO_TCP && e->key.proto != IPPROTO_UDP) ||
	    !e->key.network[0] ||
	    strnlen(e->key.network, PEERS_NET_MAX) == PEERS_NET_MAX)
		return -EINVAL;
	pp = slot(p, e->key.network, &a, e->key.proto);
	n = *pp;
	/* first claim wins: a remote entry never replaces a local one, nor a
	 * container another's (one that added a neighbour's address to its
	 * interface does not take over the neighbour's services) */
	if (n && !n->e.remote &&
	    (e->remote || strncmp(n->e.container, e->container, PEERS_ID_MAX) != 0))
		return -EEXIST;
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		*pp = n;
	} else {
		count(p, &n->e, -1);
	}
	n->stale = false;
	changed = !same_value(&n->e, e);
	n->e = *e;
	n->e.key.addr = a;
	n->e.node[PEERS_NODE_MAX - 1] = '\0';
	n->e.container[PEERS_ID_MAX - 1] = '\0';
	count(p, &n->e, 1);
	/* the same entry again (a rebuild) is no change */
	if (!n->e.remote && p->hook && changed)
		p->hook(p->hook_arg, &n->e, true);
	return 0;
}

/* unlink_node() - take the node at *@pp out, tell the hook, free it */
static void unlink_node(struct peers *p, struct peer_node **pp)
{
	struct peer_node *n = *pp;

	*pp = n->next;
	count(p, &n->e, -1);
	if (!n->e.remote && p->hook)
		p->hook(p->hook_arg, &n->e, false);
	free(n);
}

int peers_del(struct peers *p, const struct peer_key *k, bool remote)
{
	struct sockaddr_storage a;
	struct peer_node **pp;

	if (!norm_addr((const struct sockaddr *)&k->addr, &a))
		return -ENOENT;
	pp = slot(p, k->network, &a, k->proto);
	if (!*pp || (*pp)->e.remote != remote)
		return -ENOENT;
	unlink_node(p, pp);
	return 0;
}

int peers_del_container(struct peers *p, const char *id)
{
	int n = 0;

	for (int i = 0; i < PEERS_BUCKETS; i++) {
		struct peer_node **pp = &p->bucket[i];

		while (*pp) {
			if (!(*pp)->e.remote && !strcmp((*pp)->e.container, id)) {
				unlink_node(p, pp);
				n++;
			} else {
				pp = &(*pp)->next;
			}
		}
	}
	return n;
}

const struct peer_entry *peers_find(const struct peers *p, const char *network,
				    const struct sockaddr *dst, int proto)
{
	const struct peer_node *n;
	struct sockaddr_storage a;

	if (!p || !(p->n_local + p->n_remote) || !norm_addr(dst, &a))
		return NULL;
	for (n = p->bucket[hash(network, &a)]; n; n = n->next) {
		const struct peer_key *k = &n->e.key;

		if ((!proto || k->proto == proto) && same_addr(&k->addr, &a) &&
		    !strcmp(k->network, network))
			return &n->e;
	}
	return NULL;
}

void peers_mark_container(struct peers *p, const char *id)
{
	for (int i = 0; i < PEERS_BUCKETS; i++) {
		for (struct peer_node *n = p->bucket[i]; n; n = n->next) {
			if (!n->e.remote && !strcmp(n->e.container, id))
				n->stale = true;
		}
	}
}

void peers_mark_remote(struct peers *p)
{
	for (int i = 0; i < PEERS_BUCKETS; i++) {
		for (struct peer_node *n = p->bucket[i]; n; n = n->next)
			n->stale = n->e.remote;
	}
}

int peers_sweep(struct peers *p)
{
	int n = 0;

	for (int i = 0; i < PEERS_BUCKETS; i++) {
		struct peer_node **pp = &p->bucket[i];

		while (*pp) {
			if ((*pp)->stale) {
				unlink_node(p, pp);
				n++;
			} else {
				pp = &(*pp)->next;
			}
		}
	}
	return n;
}

void peers_visit(const struct peers *p,
		 void (*fn)(const struct peer_entry *e, void *arg), void *arg)
{
	for (int i = 0; i < PEERS_BUCKETS; i++) {
		for (const struct peer_node *n = p->bucket[i]; n; n = n->next)
			fn(&n->e, arg);
	}
}

int peers_count(const struct peers *p, bool remote)
{
	return remote ? p->n_remote : p->n_local;
}
