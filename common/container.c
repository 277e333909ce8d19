// SPDX-License-Identifier: GPL-2.0-or-later
/* container.c - the supervisor's containers
 *
 * Theory of operation: a registry is the list of containers one supervisor
 * serves (one for "b4ns run", any number for the daemon), beside the event
 * loop they are served by. A container holds its policy configuration (a
 * private copy, read-only once registered), the runtime state its policy
 * decisions read and the switch code updates (own subnets, published ports
 * bound now), its counters, and whatever the serving path keeps of it (the
 * seccomp supervisor's notify fds): both paths find a container here, by id
 * or by network namespace, and count their requests here. Its address
 * monitor (a netlink socket in its namespace) is watched in the loop and
 * refreshes its own subnets on every change.
 *
 * A container served with a registry of container services (the daemon's,
 * container_serve_peers()) has its published ports in it: one local entry
 * per (network, own address, bound port), rebuilt whenever a port is bound
 * or found closed and whenever its addresses change, deleted when it goes.
 * Only addresses given to the container count (mark_given()): a container
 * that can change its own addresses (CAP_NET_ADMIN in its bounding set, as
 * every "b4ns run" container) is registered under, and looks up the
 * registry from, only those it had when first read; one that cannot
 * follows every change (the runtime's).
 *
 * A container taken out is unlinked at once and freed by a loop_defer()
 * call after the current batch of events, so an event of it later in the
 * same batch never touches freed memory.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "hostsock.h"
#include "log.h"
#include "netaddr.h"
#include "proc.h"
#include "sockaddr.h"

/**
 * struct registry - the containers of one supervisor
 * @loop:	their event loop
 * @self_netns_id: the supervisor's network namespace (hostsock_netns_id())
 * @stop_when_empty: stop the loop once the last container is gone
 * @containers:	live containers
 */
struct registry {
	struct loop *loop;
	uint64_t self_netns_id;
	bool stop_when_empty;
	struct container *containers;
};

int registry_new(struct loop *l, struct registry **out)
{
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct registry *r;
	int ret;

	if (s < 0)
		return -errno;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = hostsock_netns_id(s, &r->self_netns_id);
	if (ret) {
		free(r);
		return ret;
	}
	r->loop = l;
	*out = r;
	return 0;
}

void registry_free(struct registry *r)
{
	if (!r)
		return;
	while (r->containers)
		container_free(r, r->containers);
	free(r);
}

struct loop *registry_loop(const struct registry *r)
{
	return r->loop;
}

uint64_t registry_self_netns(const struct registry *r)
{
	return r->self_netns_id;
}

void registry_stop_when_empty(struct registry *r)
{
	r->stop_when_empty = true;
	if (!r->containers)
		loop_stop(r->loop);
}

#define container_of(p, type, m) \
	((type *)(void *)((char *)(p) - offsetof(type, m)))

/* peer_put() - register container port @l on own address @i in @net */
static void peer_put(struct container *c, const struct policy_listener *l,
		     int i, const char *net)
{
	const struct portmap_entry *pm = &c->cfg->publish[l->entry];
	const struct sa_cidr *a = &c->state.own[i];
	struct peer_entry e;
	int ret;

	memset(&e, 0, sizeof(e));
	snprintf(e.key.network, sizeof(e.key.network), "%s", net);
	e.key.addr.ss_family = (sa_family_t)a->family;
	if (a->family == AF_INET)
		memcpy(&((struct sockaddr_in *)&e.key.addr)->sin_addr, a->addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&e.key.addr)->sin6_addr, a->addr, 16);
	sa_set_port((struct sockaddr *)&e.key.addr, l->port);
	e.key.proto = l->proto;
	if (pm->host_ip_set)
		memcpy(&e.host, &pm->host, sizeof(pm->host));
	else
		e.host.ss_family = (sa_family_t)l->family;
	sa_set_port((struct sockaddr *)&e.host,
		    (uint16_t)(pm->host_port + (l->port - pm->container_port)));
	snprintf(e.container, sizeof(e.container), "%s", c->id);
	e.family = l->family;
	e.cookie = l->cookie;
	ret = peers_put(c->peers, &e);
	if (ret == -EEXIST) /* told on every rebuild: not a warning */
		b4_debug("container %s: port %u not registered in network %s: "
			 "another container claimed that address first", c->id,
			 l->port, net);
	else if (ret)
		b4_warn("container %s: port %u not registered in network %s: %s",
			c->id, l->port, net, strerror(-ret));
}

/* peers_rebuild() - the container's local entries, from its bound ports
 * and own addresses now */
static void peers_rebuild(struct container *c)
{
	char net[PEERS_NET_MAX], cidr[SA_STRLEN];

	if (!c->peers)
		return;
	peers_mark_container(c->peers, c->id);
	for (int p = 0; p < c->state.n_pub; p++) {
		const struct policy_listener *l = &c->state.pub[p];

		if (l->entry < 0 || l->entry >= c->cfg->n_publish)
			continue;
		for (int i = 0; i < c->state.n_local; i++) {
			int fam = c->state.own[i].family;

			if (!(c->state.given & (1ULL << i)))
				continue;

			/* only addresses the host socket takes */
			if (fam == AF_INET6 ? l->family != AF_INET6 :
			    !(l->family == AF_INET ||
			      (l->family == AF_INET6 && !l->v6only)))
				continue;
			if (c->cfg->network[0])
				snprintf(net, sizeof(net), "%s", c->cfg->network);
			else
				snprintf(net, sizeof(net), "@%s",
					 sa_cidr_format(&c->state.local[i], cidr,
							sizeof(cidr)));
			peer_put(c, l, i, net);
		}
	}
	peers_sweep(c->peers);
}

static void on_pub_changed(struct policy_state *st)
{
	peers_rebuild(container_of(st, struct container, state));
}

int container_serve_peers(struct container *c, struct peers *p,
			  struct origins *o)
{
	c->peers = p;
	c->state.peers = p;
	c->state.origins = o;
	c->state.pub_changed = on_pub_changed;
	peers_rebuild(c);
	return peers_count(p, false);
}

void container_set_policy(struct registry *r, struct container *c,
			  const struct policy_cfg *cfg)
{
	struct policy_cfg *own = malloc(sizeof(*own));

	if (!own) {
		b4_warn("container %s: settings not reloaded: out of memory",
			c->id);
		return;
	}
	*own = *cfg;
	/* the ports it has bound stay published as they were */
	memcpy(own->publish, c->cfg->publish, sizeof(own->publish));
	own->n_publish = c->cfg->n_publish;
	loop_defer(r->loop, free, (void *)c->cfg);
	c->cfg = own;
	peers_rebuild(c);
}

static bool same_cidr(const struct sa_cidr *a, const struct sa_cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* mark_given() - which addresses now were given to the container: all of
 * them, unless it can change them itself (CAP_NET_ADMIN in its bounding
 * set): then those it had at its first read, and still has */
static void mark_given(struct container *c)
{
	uint64_t caps = ~0ULL;
	char buf[SA_STRLEN];

	if (!c->snapped) {
		if (proc_cap_bounding(c->pid, &caps))
			caps = ~0ULL; /* unknown: assume it can */
		c->addr_frozen = caps & (1ULL << 12); /* CAP_NET_ADMIN */
		c->n_given = c->state.n_local;
		memcpy(c->given, c->state.own, sizeof(c->given));
		c->snapped = true;
	}
	c->state.given = 0;
	for (int i = 0; i < c->state.n_local; i++) {
		bool ok = !c->addr_frozen;

		for (int j = 0; !ok && j < c->n_given; j++)
			ok = same_cidr(&c->state.own[i], &c->given[j]);
		if (ok)
			c->state.given |= 1ULL << i;
		else
			b4_debug("container %s: address %s was not given to it: "
				 "not in the registry", c->id,
				 sa_cidr_format(&c->state.own[i], buf, sizeof(buf)));
	}
}

/* refresh_subnets() - read the container's interface addresses again */
static void refresh_subnets(struct container *c)
{
	int n = netaddr_dump(c->nl_fd, c->state.local, c->state.own,
			     POLICY_MAX_CIDRS);
	char buf[SA_STRLEN];

	if (n < 0) {
		b4_warn("container %s: cannot read its interface addresses: %s",
			c->id, strerror(-n));
		return;
	}
	c->state.n_local = n;
	for (int i = 0; i < n; i++)
		b4_debug("container %s: own subnet %s", c->id,
			 sa_cidr_format(&c->state.local[i], buf, sizeof(buf)));
	mark_given(c);
	peers_rebuild(c);
}

static void on_netlink(struct loop *l, int fd, uint32_t events, void *arg)
{
	refresh_subnets(arg);
}

/* container_release() - the memory of a container, after the batch */
static void container_release(void *arg)
{
	struct container *c = arg;

	free((void *)c->cfg);
	free(c->origin);
	free(c);
}

int container_new(struct registry *r, const char *id, pid_t pid,
		  const struct policy_cfg *cfg, int nl_fd,
		  struct container **out, struct b4_error *err)
{
	_cleanup_close_ int nl = nl_fd;
	struct policy_cfg *own;
	struct container *c;
	int ret;

	c = calloc(1, sizeof(*c));
	own = malloc(sizeof(*own));
	if (!c || !own) {
		free(c);
		free(own);
		return b4_error_set(err, -ENOMEM, "container %s: out of memory",
				    id);
	}
	*own = *cfg;
	c->cfg = own;
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->pid = pid;
	c->nl_fd = -1;
	/* The monitor was opened in the container's namespace before exec; the
	 * first process may already have moved to a nested one by now */
	ret = nl >= 0 ? hostsock_netns_ino(nl, &c->netns_ino) :
			proc_netns_ino(pid, &c->netns_ino);
	if (!ret && nl >= 0)
		ret = hostsock_netns_id(nl, &c->netns_id);
	else if (!ret)
		b4_warn("container %s: no socket of its namespace: nothing will "
			"be switched", id);
	if (ret) {
		container_release(c);
		return b4_error_set(err, ret, "container %s: cannot find network "
				    "namespace of pid %d: %s", id, (int)pid,
				    strerror(-ret));
	}
	if (c->netns_id == r->self_netns_id)
		b4_warn("container %s shares the supervisor's network namespace",
			id);
	if (nl >= 0) {
		c->nl_fd = take_fd(&nl);
		refresh_subnets(c);
		ret = loop_add(r->loop, c->nl_fd, EPOLLIN, on_netlink, c,
			       &c->nl_watch);
		if (ret)
			b4_warn("container %s: address changes not watched: %s",
				id, strerror(-ret));
	}
	c->next = r->containers;
	r->containers = c;
	*out = c;
	return 0;
}

void container_free(struct registry *r, struct container *c)
{
	struct container **pp;

	if (c->gone)
		return;
	for (pp = &r->containers; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	c->gone = true;
	if (c->peers)
		peers_del_container(c->peers, c->id);
	if (c->path_free)
		c->path_free(c);
	b4_info("container %s gone: %llu notifications, %llu switched, "
		"%llu kept, %llu refused, %llu errors", c->id,
		(unsigned long long)c->st.notifications,
		(unsigned long long)c->st.switched,
		(unsigned long long)c->st.kept,
		(unsigned long long)c->st.refused,
		(unsigned long long)c->st.errors);
	if (c->nl_fd >= 0) {
		loop_del(r->loop, c->nl_watch);
		close(c->nl_fd);
		c->nl_fd = -1;
	}
	loop_defer(r->loop, container_release, c);
	if (r->stop_when_empty && !r->containers)
		loop_stop(r->loop);
}

struct container *container_find(const struct registry *r, const char *id)
{
	for (struct container *c = r->containers; c; c = c->next) {
		if (!strcmp(c->id, id))
			return c;
	}
	return NULL;
}

struct container *container_by_netns(const struct registry *r, uint64_t ino)
{
	for (struct container *c = r->containers; c; c = c->next) {
		if (c->netns_ino == ino)
			return c;
	}
	return NULL;
}

/* keep_all_policy() - the policy of a container the daemon could not
 * configure: nothing is switched, nothing published */
static const struct policy_cfg *keep_all_policy(void)
{
	static struct policy_cfg keep;
	static bool ready;

	if (!ready) {
		policy_default(&keep);
		if (!sa_cidr_parse("0.0.0.0/0", &keep.ignore[0]) &&
		    !sa_cidr_parse("::/0", &keep.ignore[1]))
			keep.n_ignore = 2;
		ready = true;
	}
	return &keep;
}

const struct policy_cfg *container_policy(const struct container *c)
{
	return c->passthrough ? keep_all_policy() : c->cfg;
}

void container_count(struct container *c, int switched)
{
	c->st.notifications++;
	if (switched > 0)
		c->st.switched++;
	else if (switched == 0)
		c->st.kept++;
	else
		c->st.refused++;
}

void registry_visit(const struct registry *r,
		    void (*fn)(const struct container *, void *), void *arg)
{
	for (const struct container *c = r->containers; c; c = c->next)
		fn(c, arg);
}

void registry_each(struct registry *r, void (*fn)(struct container *, void *),
		   void *arg)
{
	for (struct container *c = r->containers; c; c = c->next)
		fn(c, arg);
}
