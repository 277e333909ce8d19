// SPDX-License-Identifier: GPL-2.0-or-later
/* policy.c - should this connect() leave the container through the host?
 *
 * Theory of operation: the decision is a pure function of the container's
 * policy (ignore list, own subnets, gateway handling) and of what the caller
 * learnt about the socket and the destination. Both the seccomp supervisor
 * and the preload request server call it, so the two paths cannot disagree.
 *
 * Never switched: non-IP sockets, anything but TCP/UDP, sockets already
 * connected (or listening, or connecting), sockets of a nested namespace,
 * sockets bound to a device, loopback, unspecified, link-local, multicast
 * and broadcast destinations, the container's own subnets, ignored CIDRs,
 * and the gateway address unless host loopback is allowed, in which case
 * the gateway is rewritten to the host's loopback address.
 *
 * The one other way into host loopback: a host name server in host loopback
 * (@dns: the loopback "nameserver" lines of the host's resolv.conf, read by
 * the supervisor, e.g. systemd-resolved's 127.0.0.53) is reached on exactly
 * its address and port 53, which is what the container's copy of that
 * resolv.conf names, over TCP. Any other port or address of host loopback
 * stays the container's own. UDP to it is never switched, not even with
 * switch_udp (a switched UDP socket can be re-aimed by sendmsg(), see
 * below): it stays in the container, where the DNS forwarder (dnsfwd.c)
 * relays each datagram to exactly that host address and port.
 *
 * With pasta (subnets_copied) the container's addresses are copies of the
 * host's: its "own subnets" are the host's LAN and its own addresses the
 * host's, so neither is kept; only loopback (and the gateway address, which
 * pasta maps to the host's loopback with --allow-host-loopback) is.
 *
 * UDP is switched (and published) only with switch_udp: a UDP host socket
 * in the container's fd table can be aimed anywhere by untrapped sendmsg()
 * with IP_PKTINFO, host loopback included.
 *
 * Publishing: a bind() of a published container port (on the unspecified
 * address or a container address) moves to the host address of the
 * mapping. While that host socket lives, the container's own connects to
 * the port on loopback or on its own subnets follow the service to the host
 * (policy_self(), for exactly that protocol, port and family): the one path
 * to host loopback that exists without --allow-host-loopback, and its
 * address is the mapping's, never the container's.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

void policy_default(struct policy_cfg *cfg)
{
	struct sockaddr_in *g4 = (struct sockaddr_in *)&cfg->gateway4;
	struct sockaddr_in6 *g6 = (struct sockaddr_in6 *)&cfg->gateway6;

	memset(cfg, 0, sizeof(*cfg));
	g4->sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.2.2", &g4->sin_addr);
	g6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "fd00::2", &g6->sin6_addr);
}

/* loopback_for() - the host loopback address in the form of @dst's family */
static void loopback_for(const struct sockaddr *dst,
			 struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (dst->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;

		in->sin_family = AF_INET;
		in->sin_port = ((const struct sockaddr_in *)dst)->sin_port;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		const struct sockaddr_in6 *d6 = (const struct sockaddr_in6 *)dst;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = d6->sin6_port;
		if (IN6_IS_ADDR_V4MAPPED(&d6->sin6_addr))
			inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6->sin6_addr);
		else
			in6->sin6_addr = in6addr_loopback;
	}
}

int policy_proto(const struct policy_sock *sock)
{
	if (sock->family != AF_INET && sock->family != AF_INET6)
		return 0;
	if (sock->type == SOCK_STREAM &&
	    (sock->protocol == 0 || sock->protocol == IPPROTO_TCP))
		return IPPROTO_TCP;
	if (sock->type == SOCK_DGRAM &&
	    (sock->protocol == 0 || sock->protocol == IPPROTO_UDP))
		return IPPROTO_UDP;
	return 0;
}

/* publish_find() - the entry publishing container @port for @proto */
static int publish_find(const struct policy_cfg *cfg, int proto, uint16_t port)
{
	for (int i = 0; i < cfg->n_publish; i++) {
		const struct portmap_entry *e = &cfg->publish[i];

		if (e->proto == proto && port >= e->container_port &&
		    port - e->container_port < e->count)
			return i;
	}
	return -1;
}

/* host_addr_for() - host side of entry @e for container @port, in the
 * address family @family; false if the family cannot carry it */
static bool host_addr_for(const struct portmap_entry *e, uint16_t port,
			  int family, struct sockaddr_storage *out)
{
	uint16_t hport = (uint16_t)(e->host_port + (port - e->container_port));
	const struct sockaddr *h = (const struct sockaddr *)&e->host;
	struct sockaddr_storage v4;

	memset(out, 0, sizeof(*out));
	sa_unmap(h, &v4);
	if (!e->host_ip_set || sa_is_unspecified(h)) {
		out->ss_family = (sa_family_t)family;
	} else if (!sa_in_family(&v4, family, out)) {
		return false;
	}
	sa_set_port((struct sockaddr *)out, hport);
	return true;
}

bool policy_self(const struct policy_cfg *cfg,
			const struct policy_state *st, const struct policy_sock *sock,
		 const struct sockaddr *dst, const struct policy_listener *l,
		 struct sockaddr_storage *out)
{
	bool own = sa_is_loopback(dst) || sa_is_unspecified(dst);
	const struct portmap_entry *e;
	struct sockaddr_storage v4;
	bool want_v4;

	if (l->entry < 0 || l->entry >= cfg->n_publish ||
	    policy_proto(sock) != l->proto || sa_port(dst) != l->port)
		return false;
	sa_unmap(dst, &v4);
	want_v4 = v4.ss_family == AF_INET;
	if (want_v4 ? !(l->family == AF_INET ||
			(l->family == AF_INET6 && !l->v6only)) :
		      l->family != AF_INET6)
		return false;
	for (int j = 0; st && !own && j < st->n_local; j++)
		own = sa_cidr_contains(&st->local[j], dst);
	if (!own)
		return false;
	e = &cfg->publish[l->entry];
	if (!e->host_ip_set || sa_is_unspecified((const struct sockaddr *)&e->host)) {
		/* published on every host address: reach it on loopback */
		loopback_for(dst, out);
		sa_set_port((struct sockaddr *)out,
			    (uint16_t)(e->host_port + (sa_port(dst) - e->container_port)));
		return true;
	}
	return host_addr_for(e, sa_port(dst), sock->family, out);
}

enum policy_verdict policy_bind(const struct policy_cfg *cfg,
				const struct policy_sock *sock,
				const struct sockaddr *addr,
				struct sockaddr_storage *host, int *entry,
				const char **reason)
{
	int proto = policy_proto(sock);
	int i;

	*entry = -1;
	if (!proto) {
		*reason = "not a TCP or UDP socket";
		return POLICY_KEEP;
	}
	if (sock->foreign_ns) {
		*reason = "socket of a nested network namespace";
		return POLICY_KEEP;
	}
	if (sock->connected) {
		*reason = "already bound or connected";
		return POLICY_KEEP;
	}
	if (addr->sa_family != sock->family) {
		*reason = "address family differs from socket";
		return POLICY_KEEP;
	}
	i = publish_find(cfg, proto, sa_port(addr));
	if (i < 0) {
		*reason = "port not published";
		return POLICY_KEEP;
	}
	if (sa_is_loopback(addr)) {
		*reason = "container loopback";
		return POLICY_KEEP;
	}
	if (proto == IPPROTO_UDP && !cfg->switch_udp) {
		*reason = "UDP is not switched (switch_udp)";
		return POLICY_KEEP;
	}
	*entry = i;
	if (!host_addr_for(&cfg->publish[i], sa_port(addr), sock->family,
			   host)) {
		memset(host, 0, sizeof(*host));
		*reason = "published host address is IPv6, socket is IPv4";
		return POLICY_SWITCH;
	}
	*reason = "published port";
	return POLICY_SWITCH;
}

/* policy_dst() - the part of the decision that depends on the address only */
static enum policy_verdict policy_dst(const struct policy_cfg *cfg,
				      const struct policy_state *st,
				      int proto, const struct sockaddr *dst,
				      struct sockaddr_storage *out,
				      const char **reason)
{
	int i;

	/* TCP (or, for policy_keep_by_address(), any protocol); UDP to a
	 * host name server stays in the container, where the DNS forwarder
	 * (dnsfwd.c) answers */
	for (i = 0; proto != IPPROTO_UDP && i < cfg->n_dns; i++) {
		const struct sockaddr *ns = (const struct sockaddr *)&cfg->dns[i];

		if (sa_ip_equal(dst, ns) && sa_port(dst) == sa_port(ns)) {
			memset(out, 0, sizeof(*out));
			memcpy(out, dst, sa_len(dst));
			*reason = "host name server";
			return POLICY_SWITCH;
		}
	}
	if (sa_ip_equal(dst, (const struct sockaddr *)&cfg->gateway4) ||
	    sa_ip_equal(dst, (const struct sockaddr *)&cfg->gateway6)) {
		if (!cfg->allow_host_loopback) {
			*reason = "gateway address, host loopback not allowed";
			return POLICY_KEEP;
		}
		loopback_for(dst, out);
		*reason = "gateway address to host loopback";
		return POLICY_SWITCH;
	}
	if (sa_is_loopback(dst)) {
		*reason = "loopback";
		return POLICY_KEEP;
	}
	if (sa_is_unspecified(dst)) {
		*reason = "unspecified address";
		return POLICY_KEEP;
	}
	if (sa_is_local_scope(dst)) {
		*reason = "link-local, multicast or broadcast";
		return POLICY_KEEP;
	}
	for (i = 0; st && !cfg->subnets_copied && i < st->n_local; i++) {
		if (sa_cidr_contains(&st->local[i], dst)) {
			*reason = "container subnet";
			return POLICY_KEEP;
		}
	}
	for (i = 0; i < cfg->n_ignore; i++) {
		if (sa_cidr_contains(&cfg->ignore[i], dst)) {
			*reason = "ignored CIDR";
			return POLICY_KEEP;
		}
	}
	memset(out, 0, sizeof(*out));
	memcpy(out, dst, sa_len(dst));
	*reason = "routable destination";
	return POLICY_SWITCH;
}

enum policy_verdict policy_connect(const struct policy_cfg *cfg,
				   const struct policy_state *st,
				   const struct policy_sock *sock,
				   const struct sockaddr *dst,
				   struct sockaddr_storage *out,
				   const char **reason)
{
	if (sock->family != AF_INET && sock->family != AF_INET6) {
		*reason = "not an IP socket";
		return POLICY_KEEP;
	}
	if (!((sock->type == SOCK_STREAM &&
	       (sock->protocol == 0 || sock->protocol == IPPROTO_TCP)) ||
	      (sock->type == SOCK_DGRAM &&
	       (sock->protocol == 0 || sock->protocol == IPPROTO_UDP)))) {
		*reason = "not TCP or UDP";
		return POLICY_KEEP;
	}
	if (sock->foreign_ns) {
		*reason = "socket of a nested network namespace";
		return POLICY_KEEP;
	}
	if (sock->connected) {
		*reason = "already connected, connecting or listening";
		return POLICY_KEEP;
	}
	if (sock->bound_dev) {
		*reason = "bound to a container interface";
		return POLICY_KEEP;
	}
	if (dst->sa_family != sock->family &&
	    !(sock->family == AF_INET6 && sock->type == SOCK_DGRAM &&
	      dst->sa_family == AF_INET)) {
		/* AF_UNSPEC disconnects; other mismatches fail natively. A
		 * dual-stack UDP socket may connect to an AF_INET address. */
		*reason = "address family differs from socket";
		return POLICY_KEEP;
	}
	if (policy_proto(sock) == IPPROTO_UDP && !cfg->switch_udp) {
		*reason = "UDP is not switched (switch_udp)";
		return POLICY_KEEP;
	}
	return policy_dst(cfg, st, policy_proto(sock), dst, out, reason);
}

bool policy_host_connect(const struct policy_cfg *cfg,
			 const struct policy_state *st, int proto,
			 const struct sockaddr *dst,
			 struct sockaddr_storage *out, const char **reason)
{
	if (dst->sa_family == AF_UNSPEC) {
		memset(out, 0, sizeof(*out));
		out->ss_family = AF_UNSPEC;
		*reason = "disconnect";
		return true;
	}
	if (dst->sa_family != AF_INET && dst->sa_family != AF_INET6) {
		*reason = "not an IP address";
		return false;
	}
	return policy_dst(cfg, st, proto, dst, out, reason) == POLICY_SWITCH;
}

bool policy_keep_by_address(const struct policy_cfg *cfg,
			    const struct policy_state *st,
			    const struct sockaddr *dst, const char **reason)
{
	struct sockaddr_storage out;

	if (dst->sa_family != AF_INET && dst->sa_family != AF_INET6) {
		*reason = "not an IP address";
		return true;
	}
	return policy_dst(cfg, st, 0, dst, &out, reason) == POLICY_KEEP;
}

/* peer_target() - where the socket of @family goes for entry @e, named as
 * @dst by the container. Return: false if its family cannot reach it */
static bool peer_target(const struct peer_entry *e, const struct sockaddr *dst,
			int family, struct sockaddr_storage *out)
{
	const struct sockaddr *h = (const struct sockaddr *)&e->host;
	struct sockaddr_storage ip, key;

	memset(out, 0, sizeof(*out));
	sa_unmap(h, &ip);
	if (!e->remote && sa_is_unspecified(h)) {
		/* bound on every address: loopback in the family the
		 * container used (the listener takes it: container.c) */
		sa_unmap(dst, &key);
		loopback_for((const struct sockaddr *)&key, &ip);
	}
	if (!sa_in_family(&ip, family, out))
		return false;
	sa_set_port((struct sockaddr *)out, sa_port(h));
	return true;
}

const struct peer_entry *policy_peer(const struct policy_cfg *cfg,
				     const struct policy_state *st, int family,
				     int proto, const struct sockaddr *dst,
				     struct sockaddr_storage *out)
{
	const struct peer_entry *e = NULL;
	char net[PEERS_NET_MAX], cidr[SA_STRLEN];

	if (!st || !st->peers || (dst->sa_family != AF_INET &&
				  dst->sa_family != AF_INET6))
		return NULL;
	if ((proto == IPPROTO_UDP && !cfg->switch_udp) ||
	    !(peers_count(st->peers, false) + peers_count(st->peers, true)))
		return NULL;
	/* a connect to its own address never leaves the container, whoever
	 * else claims that address (two slirp4netns containers are both
	 * 10.0.2.100, pasta ones both the host's address) */
	for (int i = 0; i < st->n_local; i++) {
		if (sa_cidr_contains(&st->own[i], dst))
			return NULL;
	}
	/* only in a subnet the container was given: a registry entry never
	 * stands for an address outside the container's own network (its
	 * name groups subnets, it does not widen them) */
	for (int i = 0; !e && i < st->n_local; i++) {
		if (!(st->given & (1ULL << i)) ||
		    !sa_cidr_contains(&st->local[i], dst))
			continue;
		if (cfg->network[0])
			snprintf(net, sizeof(net), "%s", cfg->network);
		else
			snprintf(net, sizeof(net), "@%s",
				 sa_cidr_format(&st->local[i], cidr, sizeof(cidr)));
		e = peers_find(st->peers, net, dst, proto);
	}
	if (!e)
		return NULL;
	if (family && (!out || !peer_target(e, dst, family, out)))
		return NULL;
	return e;
}

bool policy_peer_source(const struct policy_state *st,
			const struct sockaddr *dst, uint16_t port,
			struct sockaddr_storage *out)
{
	struct sockaddr_storage u;

	if (!st)
		return false;
	sa_unmap(dst, &u);
	for (int i = 0; i < st->n_local; i++) {
		const struct sa_cidr *own = &st->own[i];

		/* only an address it was given: one it added itself (with
		 * CAP_NET_ADMIN) may be another container's */
		if (!(st->given & (1ULL << i)) ||
		    !sa_cidr_contains(&st->local[i], (struct sockaddr *)&u))
			continue;
		memset(out, 0, sizeof(*out));
		if (own->family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)out;

			in->sin_family = AF_INET;
			memcpy(&in->sin_addr, own->addr, 4);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;

			in6->sin6_family = AF_INET6;
			memcpy(&in6->sin6_addr, own->addr, 16);
		}
		sa_set_port((struct sockaddr *)out, port);
		return true;
	}
	return false;
}

bool policy_egress(const struct policy_cfg *cfg, const struct sockaddr *dst,
		   int proto, const char **rule)
{
	return egress_check(cfg->allow, cfg->n_allow, cfg->deny, cfg->n_deny,
			    dst, proto, rule);
}
