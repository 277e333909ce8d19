// SPDX-License-Identifier: GPL-2.0-or-later
/* switch.c - decide a connect() and perform it on a host socket
 *
 * Theory of operation: the caller (seccomp handler or preload request
 * server) has copied the destination out of the container exactly once and
 * holds a duplicate of the container's socket. Here the socket is inspected,
 * the policy asked, and, if the destination leaves through the host, a host
 * socket is built with the container socket's state and connected by the
 * supervisor itself to the policy's copy of the address. The kernel is never
 * asked to re-read the container's memory after a switch, so a thread racing
 * to change the sockaddr cannot redirect a host socket.
 *
 * Connects are always started non-blocking; the caller waits for
 * completion in its event loop and restores the container's blocking mode
 * before it answers, so a slow peer never stalls other containers.
 *
 * A socket found in a namespace other than the container's is either one we
 * switched earlier (TCP may reconnect after a failure, UDP at will) or one
 * inherited from the host: its connect() is performed here too, but only to
 * destinations the policy would switch, never by letting the kernel re-read
 * the address on a host socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "origin.h"
#include "switch.h"

/* egress_reason() - why a UDP host socket could not be tied to its
 * interface (hostsock_bind_egress() error) */
static const char *egress_reason(int err)
{
	if (err == -EADDRNOTAVAIL)
		return "destination is an address of the host's loopback "
		       "device, to which UDP host sockets are never bound";
	return "no interface reaches the destination";
}

int switch_connect_raw(int s, const struct sockaddr *addr, socklen_t len,
		       int fl)
{
	int ret;

	if (!(fl & O_NONBLOCK) && fcntl(s, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	ret = connect(s, addr, len) ? -errno : 0;
	if (ret == -EINPROGRESS)
		return ret;
	if (!(fl & O_NONBLOCK) && fcntl(s, F_SETFL, fl) && !ret)
		ret = -errno;
	return ret;
}

/* connect_nonblock() - connect @s to @to without blocking, keeping its flags */
static int connect_nonblock(int s, const struct sockaddr_storage *to, int fl)
{
	socklen_t len = to->ss_family == AF_UNSPEC ?
				sizeof(sa_family_t) :
				sa_len((const struct sockaddr *)to);

	return switch_connect_raw(s, (const struct sockaddr *)to, len, fl);
}

/* pub_alive() - is the recorded host socket @i still open? Drops it if not */
static bool pub_alive(struct policy_state *st, int i)
{
	const struct policy_listener *l = &st->pub[i];
	int ret = hostsock_alive(l->family, l->proto, l->cookie);

	/* gone for sure (a kernel without TCP_BOUND_INACTIVE cannot tell a
	 * closed TCP socket from one bound and not listening yet: the entry
	 * stays, the connect is not redirected) */
	if (ret == 0 && (l->proto != IPPROTO_TCP || hostsock_diag_bound())) {
		st->pub[i] = st->pub[--st->n_pub];
		if (st->pub_changed)
			st->pub_changed(st);
		return false;
	}
	return ret > 0;
}

/* switch_self() - the container's own published service, if it is bound
 * now: @c->req.to is set and true returned */
static bool switch_self(const struct policy_cfg *pol, struct switch_conn *c,
			const struct policy_sock *ps)
{
	struct policy_state *st = c->req.st;
	int n;

	for (int i = 0; st && i < st->n_pub; i++) {
		struct sockaddr_storage to;

		if (!policy_self(pol, st, ps, c->req.addr, &st->pub[i], &to))
			continue;
		n = st->n_pub;
		if (!pub_alive(st, i)) {
			if (st->n_pub < n)
				i--; /* entry i was replaced by the last one */
			continue;
		}
		c->req.to = to;
		return true;
	}
	return false;
}

static bool pub_has_port(const struct policy_state *st, uint16_t port)
{
	for (int i = 0; st && i < st->n_pub; i++) {
		if (st->pub[i].port == port)
			return true;
	}
	return false;
}

bool switch_is_host_socket(int sock, uint64_t netns_id,
			   uint64_t self_netns_id, bool *foreign)
{
	uint64_t ino = 0;
	int ret = hostsock_netns_id(sock, &ino);

	*foreign = false;
	if (ret == -EPERM || (!ret && ino == self_netns_id && ino != netns_id))
		return true;
	*foreign = !ret && ino != netns_id;
	return false;
}

static void sock_props(const struct hostsock_info *info, bool foreign,
		       struct policy_sock *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->family = info->family;
	ps->type = info->type;
	ps->protocol = info->protocol;
	ps->connected = info->connected;
	ps->foreign_ns = foreign;
	ps->bound_dev = info->bound_dev || info->bound_specific;
}

/* req_start() - no outcome yet (reason @reason); is @r->csock a host
 * socket? (@foreign: one in neither namespace) */
static bool req_start(struct switch_req *r, const char *reason, bool *foreign)
{
	r->action = SWITCH_NONE;
	r->hsock = -1;
	r->err = 0;
	r->reason = reason;
	r->local_peer = false;
	return switch_is_host_socket(r->csock, r->netns_id, r->self_netns_id,
				     foreign);
}

/* refuse() - the outcome is to answer @err (@reason, unless NULL: the one
 * recorded stays); a host socket made is closed. Return: 0 */
static int refuse(struct switch_req *r, int err, const char *reason)
{
	closep(&r->hsock);
	r->action = SWITCH_REFUSE;
	r->err = err;
	if (reason)
		r->reason = reason;
	return 0;
}

/* switch_peer() - a connect or send of a container socket to a container
 * service of the registry: @r->to is set and true returned */
static bool switch_peer(const struct policy_cfg *pol, struct switch_req *r,
			const struct policy_sock *ps, const struct sockaddr *dst)
{
	int proto = policy_proto(ps);
	const struct peer_entry *e;

	if (!proto || ps->connected || ps->foreign_ns || ps->bound_dev)
		return false;
	if (dst->sa_family != ps->family &&
	    !(ps->family == AF_INET6 && proto == IPPROTO_UDP))
		return false;
	e = policy_peer(pol, r->st, ps->family, proto, dst, &r->to);
	if (!e)
		return false;
	/* a local service whose host socket is gone: whatever bound that
	 * port since is not the container's to reach */
	if (!e->remote &&
	    hostsock_listener_alive(e->family, proto,
				    (const struct sockaddr *)&e->host,
				    e->cookie) == 0)
		return false;
	r->reason = e->remote ? "container service on another node" :
				"container service on this node";
	r->local_peer = !e->remote && proto == IPPROTO_TCP;
	return true;
}

/* note_origin() - @r's host socket goes to a container service on this
 * node: let that service's accept() show the container's address (before
 * the container can use the socket, so before the service can accept it:
 * both are served by this one loop). Return: false if the connect must be
 * refused: a container of a named network, whose service traps accept(),
 * is never shown as the host's loopback for want of a free entry */
static bool note_origin(const struct policy_cfg *pol, struct switch_req *r,
			const struct sockaddr *to)
{
	static const struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage l, shown;
	socklen_t ll = sizeof(l);
	int ret;

	if (!r->st || !r->st->origins ||
	    getsockname(r->hsock, (struct sockaddr *)&l, &ll) ||
	    !policy_peer_source(r->st, r->addr, sa_port((struct sockaddr *)&l),
				&shown))
		return true;
	ret = origins_note(r->st->origins, r->hsock, to,
			   (struct sockaddr *)&shown);
	if (!ret || !pol->network[0])
		return true;
	/* the connection may be queued already: reset, it never carries a
	 * byte of the container's */
	setsockopt(r->hsock, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	refuse(r, ret == -EAGAIN ? -EAGAIN : -ENOMEM,
	       "too many connections to container services not accepted yet");
	return false;
}

/* egress_ok() - the container's egress rules let a switched call to @dst
 * through, and their deny rules the address it goes to on the host, @to
 * (a container service's host, the host loopback of a gateway; NULL: @dst
 * itself); if not, it is refused (ECONNREFUSED, EPERM for UDP) and logged
 * with the rule (at most a few lines a second) */
static bool egress_ok(const struct policy_cfg *pol, struct switch_req *r,
		      const struct sockaddr *dst,
		      const struct sockaddr_storage *to, int proto)
{
	static time_t last;
	static unsigned int burst, dropped;
	const struct sockaddr *hit = dst;
	char a[SA_STRLEN];
	const char *rule;
	time_t now;

	if (policy_egress(pol, dst, proto, &rule)) {
		if (!to || to->ss_family == AF_UNSPEC ||
		    egress_check(NULL, 0, pol->deny, pol->n_deny,
				 (const struct sockaddr *)to, proto, &rule))
			return true;
		hit = (const struct sockaddr *)to;
	}
	refuse(r, proto == IPPROTO_UDP ? -EPERM : -ECONNREFUSED, rule);
	now = time(NULL);
	if (now != last) {
		if (dropped)
			b4_warn("egress: %u more denials not logged", dropped);
		last = now;
		burst = dropped = 0;
	}
	if (++burst > 10) {
		dropped++;
		return false;
	}
	b4_warn("egress: %s to %s denied by rule '%s'",
		proto == IPPROTO_UDP ? "UDP" : "TCP",
		sa_format(hit, a, sizeof(a)), rule);
	return false;
}

/* req_inspect() - @r->csock's properties into @r->info and @ps. Return: 0,
 * 1 if it is not a socket (left alone), or negative errno */
static int req_inspect(struct switch_req *r, bool foreign,
		       struct policy_sock *ps)
{
	int ret = hostsock_inspect(r->csock, &r->info);

	if (ret == -ENOTSOCK) {
		r->reason = "not a socket";
		return 1;
	}
	if (ret)
		return ret;
	sock_props(&r->info, foreign, ps);
	return 0;
}

/* req_create() - @r->csock's host twin, to be connected to @dst (NULL: to
 * be bound), into @r->hsock. Return: true, or false if refused (e.g. the
 * container's bound port is taken on the host) */
static bool req_create(struct switch_req *r, const struct sockaddr *dst)
{
	int ret = hostsock_create(r->csock, &r->info, dst);

	if (ret < 0) {
		refuse(r, ret, "host socket could not be created");
		return false;
	}
	r->hsock = ret;
	return true;
}

/* req_egress() - bind @r->hsock for the route to @to before the container
 * holds it (see hostsock_bind_egress()). Return: true, or false if refused */
static bool req_egress(struct switch_req *r, const struct sockaddr *to)
{
	int ret = hostsock_bind_egress(r->hsock, to);

	if (ret)
		refuse(r, -ENETUNREACH, egress_reason(ret));
	return !ret;
}

/* host_dst() - a host socket goes to @dst only where the policy lets a
 * host socket go (its address in @to): SWITCH_INPLACE, else refused with
 * -ENETUNREACH. Return: true if in place */
static bool host_dst(const struct policy_cfg *pol, struct switch_req *r,
		     const struct sockaddr *dst, struct sockaddr_storage *to)
{
	int proto = r->info.type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	const struct peer_entry *e = NULL;

	if ((r->info.family == AF_INET || r->info.family == AF_INET6) &&
	    (dst->sa_family == AF_INET || dst->sa_family == AF_INET6))
		e = policy_peer(pol, r->st, r->info.family, proto, dst, to);
	if (e && !e->remote &&
	    hostsock_listener_alive(e->family, proto,
				    (const struct sockaddr *)&e->host,
				    e->cookie) == 0)
		e = NULL;
	if (e) {
		r->reason = "container service of the registry";
	} else if (!policy_host_connect(pol, r->st, proto, dst, to,
					&r->reason)) {
		refuse(r, -ENETUNREACH, NULL);
		return false;
	}
	if (dst->sa_family != AF_UNSPEC && !egress_ok(pol, r, dst, to, proto))
		return false;
	r->action = SWITCH_INPLACE;
	return true;
}

static int switch_inplace(const struct policy_cfg *pol, struct switch_conn *c)
{
	if (hostsock_inspect(c->req.csock, &c->req.info) == 0 &&
	    c->req.info.family != AF_INET && c->req.info.family != AF_INET6) {
		c->req.action = SWITCH_NONE;
		c->req.reason = "not an IP socket";
		return 0;
	}
	if (host_dst(pol, &c->req, c->req.addr, &c->req.to))
		c->req.err = connect_nonblock(c->req.csock, &c->req.to,
					      c->req.info.fl);
	return 0;
}

int switch_connect(const struct policy_cfg *pol, struct switch_conn *c)
{
	struct switch_req *r = &c->req;
	const struct sockaddr *to = (const struct sockaddr *)&c->req.to;
	struct policy_sock ps;
	bool foreign;
	int ret;

	if (req_start(r, "", &foreign))
		return switch_inplace(pol, c);
	/* the common case of a kept connect needs no more system calls */
	if (!pub_has_port(r->st, sa_port(c->req.addr)) &&
	    !policy_peer(pol, r->st, 0, 0, c->req.addr, NULL) &&
	    policy_keep_by_address(pol, r->st, c->req.addr, &r->reason))
		return 0;

	ret = req_inspect(r, foreign, &ps);
	if (ret)
		return ret < 0 ? ret : 0;
	if (!ps.connected && !ps.foreign_ns && !ps.bound_dev &&
	    switch_self(pol, c, &ps)) {
		r->reason = "own published port, moved to the host";
	} else if (!switch_peer(pol, r, &ps, r->addr) &&
		   policy_connect(pol, r->st, &ps, r->addr, &r->to,
				  &r->reason) != POLICY_SWITCH) {
		return 0;
	}
	if (!egress_ok(pol, r, r->addr, &r->to, policy_proto(&ps)))
		return 0;

	if (!req_create(r, to))
		return 0;
	r->err = connect(r->hsock, to, sa_len(to)) ? -errno : 0;
	if ((!r->err || r->err == -EINPROGRESS) && r->local_peer &&
	    !note_origin(pol, r, to))
		return 0;
	if (!r->err && r->info.type == SOCK_DGRAM && !sa_is_loopback(to) &&
	    !req_egress(r, to))
		return 0;
	if (r->err && r->err != -EINPROGRESS) {
		/* failed at once: the container keeps its own socket */
		return refuse(r, r->err, NULL);
	}
	r->action = SWITCH_INJECT;
	if (!r->err && !(r->info.fl & O_NONBLOCK))
		r->err = switch_restore_flags(r->hsock, r->info.fl);
	return 0;
}

int switch_connect_other(struct switch_conn *c)
{
	bool foreign;

	memset(&c->req.info, 0, sizeof(c->req.info));
	if (!req_start(&c->req, "not an IP address", &foreign))
		return 0;
	/* what an IP socket answers; the kernel never reads it again */
	return refuse(&c->req, (c->req.addr->sa_family == AF_INET ||
				c->req.addr->sa_family == AF_INET6 ||
				c->req.addrlen < sizeof(sa_family_t)) ?
			       -EINVAL : -EAFNOSUPPORT,
		      "host socket, not an IP address");
}

int switch_restore_flags(int sock, int fl)
{
	if (fcntl(sock, F_SETFL, fl))
		return -errno;
	return 0;
}

int switch_connect_result(int sock, int fl, const struct sockaddr_storage *to)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (!err && to->ss_family != AF_UNSPEC &&
	    connect(sock, (const struct sockaddr *)to,
		    sa_len((const struct sockaddr *)to)) &&
	    errno != EISCONN)
		err = errno;
	if (!(fl & O_NONBLOCK) && fcntl(sock, F_SETFL, fl) && !err)
		err = errno;
	return -err;
}

bool switch_connect_ended(int sock, int fl, const struct sockaddr_storage *to,
			  int *result)
{
	struct pollfd pfd = { .fd = sock, .events = POLLOUT };
	int err;

	if (to->ss_family != AF_INET && to->ss_family != AF_INET6) {
		if (poll(&pfd, 1, 0) != 1)
			return false;
		*result = switch_connect_result(sock, fl, to);
		return true;
	}
	err = connect(sock, (const struct sockaddr *)to,
		      sa_len((const struct sockaddr *)to)) ? errno : 0;
	if (err == EALREADY || err == EINPROGRESS)
		return false;
	if (err == EISCONN)
		err = 0;
	if (!(fl & O_NONBLOCK) && fcntl(sock, F_SETFL, fl) && !err)
		err = errno;
	*result = -err;
	return true;
}

/* pub_record() - remember host socket @hsock bound for mapping @entry */
static void pub_record(struct policy_state *st, int hsock, int entry,
		       const struct hostsock_info *info, uint16_t port,
		       const struct sockaddr *addr)
{
	struct policy_listener *l;
	socklen_t len = sizeof(int);
	int v6only = 0;

	if (!st)
		return;
	/* full: closed sockets are dropped lazily, at a self-connect; now */
	for (int i = 0; st->n_pub == POLICY_MAX_LISTENERS && i < st->n_pub; i++) {
		int n = st->n_pub;

		if (!pub_alive(st, i) && st->n_pub < n)
			i--;
	}
	if (st->n_pub == POLICY_MAX_LISTENERS)
		return;
	l = &st->pub[st->n_pub];
	if (hostsock_cookie(hsock, &l->cookie))
		return;
	if (info->family == AF_INET6 &&
	    getsockopt(hsock, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len))
		v6only = 0;
	l->entry = entry;
	l->proto = info->type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	l->family = info->family;
	l->v6only = v6only;
	l->port = port;
	memset(&l->addr, 0, sizeof(l->addr));
	if (addr)
		memcpy(&l->addr, addr, sa_len(addr));
	st->n_pub++;
	if (st->pub_changed)
		st->pub_changed(st);
}

void switch_pub_sweep(struct policy_state *st)
{
	for (int i = 0; i < st->n_pub; i++) {
		int n = st->n_pub;

		if (!pub_alive(st, i) && st->n_pub < n)
			i--;
	}
}

void switch_bind_forget(struct policy_state *st, int hsock)
{
	uint64_t cookie;

	if (!st || hostsock_cookie(hsock, &cookie))
		return;
	for (int i = 0; i < st->n_pub; i++) {
		if (st->pub[i].cookie == cookie) {
			st->pub[i] = st->pub[--st->n_pub];
			if (st->pub_changed)
				st->pub_changed(st);
			return;
		}
	}
}

bool switch_pub_adopt(const struct policy_cfg *pol, struct policy_state *st,
		      int hsock)
{
	struct hostsock_info info;
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int proto;

	/* a listener is "connected" to hostsock_inspect() (not TCP_CLOSE) */
	if (hostsock_inspect(hsock, &info) ||
	    !getpeername(hsock, (struct sockaddr *)&peer, &len) ||
	    !info.bound_port || switch_is_published(st, hsock) ||
	    (info.family != AF_INET && info.family != AF_INET6))
		return false;
	proto = info.type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	for (int i = 0; i < pol->n_publish; i++) {
		const struct portmap_entry *e = &pol->publish[i];

		if (e->proto != proto || info.bound_port < e->host_port ||
		    info.bound_port - e->host_port >= e->count)
			continue;
		pub_record(st, hsock, i, &info, (uint16_t)(e->container_port +
				(info.bound_port - e->host_port)), NULL);
		return true;
	}
	return false;
}

bool switch_is_published(const struct policy_state *st, int sock)
{
	uint64_t cookie;

	if (!st || hostsock_cookie(sock, &cookie))
		return false;
	for (int i = 0; i < st->n_pub; i++) {
		if (st->pub[i].cookie == cookie)
			return true;
	}
	return false;
}

int switch_bind(const struct policy_cfg *pol, struct switch_bind *b)
{
	const struct sockaddr *host = (const struct sockaddr *)&b->req.to;
	struct switch_req *r = &b->req;
	struct policy_sock ps;
	bool foreign;
	int ret;

	b->entry = -1;
	if (req_start(r, "", &foreign))
		return refuse(r, -EINVAL, "bind on a host socket");
	if ((r->addr->sa_family != AF_INET && r->addr->sa_family != AF_INET6) ||
	    !sa_valid_len(r->addr, r->addrlen)) {
		r->reason = "not an IP address";
		return 0;
	}
	ret = req_inspect(r, foreign, &ps);
	if (ret)
		return ret < 0 ? ret : 0;
	ps.connected = r->info.connected || r->info.bound_port ||
		       r->info.bound_specific;
	ps.bound_dev = r->info.bound_dev;
	if (policy_bind(pol, &ps, r->addr, &r->to, &b->entry, &r->reason) !=
	    POLICY_SWITCH)
		return 0;
	if (b->req.to.ss_family == AF_UNSPEC)
		return refuse(r, -EADDRNOTAVAIL, NULL);

	if (!req_create(r, NULL))
		return 0;
	if (bind(r->hsock, host, sa_len(host)))
		return refuse(r, -errno, "host address cannot be bound");
	ret = switch_restore_flags(r->hsock, r->info.fl);
	if (ret)
		return refuse(r, ret, NULL);
	r->action = SWITCH_INJECT;
	pub_record(r->st, r->hsock, b->entry, &r->info, sa_port(b->req.addr),
		   b->req.addr);
	return 0;
}

/* ephemeral_port() - in the host's ip_local_port_range, where the client
 * ports a published UDP service answers to are */
static bool ephemeral_port(uint16_t port)
{
	static int lo, hi;

	if (!lo) {
		FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
		char buf[64] = "", *end;

		lo = 32768;
		hi = 60999;
		if (f && fgets(buf, sizeof(buf), f)) {
			long a = strtol(buf, &end, 10), b = strtol(end, NULL, 10);

			if (a > 0 && b >= a && b < 65536) {
				lo = (int)a;
				hi = (int)b;
			}
		}
		if (f)
			fclose(f);
	}
	return port >= lo && port <= hi;
}


int switch_send(const struct policy_cfg *pol, struct switch_send *s)
{
	struct policy_sock ps;
	bool foreign;
	int ret;

	memset(&s->req.to, 0, sizeof(s->req.to));
	if (req_start(&s->req, "", &foreign)) {
		ret = hostsock_inspect(s->req.csock, &s->req.info);
		if (ret)
			return ret;
		if (s->req.info.type == SOCK_STREAM) {
			if ((s->flags & MSG_FASTOPEN) && !s->req.info.connected)
				return refuse(&s->req, -EOPNOTSUPP,
					      "TCP Fast Open sendto on a host socket");
			/* the kernel ignores the address of a TCP send; the
			 * supervisor does not even pass it on */
			s->req.action = SWITCH_INPLACE;
			s->req.reason = "TCP ignores the address";
			return 0;
		}
		if (s->bad_dst)
			return refuse(&s->req, -EINVAL,
				      "host socket, not an IP address");
		if (s->req.info.type != SOCK_DGRAM) {
			s->req.action = SWITCH_INPLACE;
			s->req.reason = "not a datagram socket";
			return 0;
		}
		if (switch_is_published(s->req.st, s->req.csock)) {
			/* it answers its clients, wherever they are, but host
			 * services on loopback ports are not its business */
			if (s->req.addr && sa_is_loopback(s->req.addr) &&
			    !ephemeral_port(sa_port(s->req.addr)))
				return refuse(&s->req, -ENETUNREACH,
					      "published socket to a host "
					      "loopback service port");
			if (s->req.addr &&
			    !egress_ok(pol, &s->req, s->req.addr, NULL,
				       IPPROTO_UDP))
				return 0;
			if (s->req.addr) {
				memcpy(&s->req.to, s->req.addr,
				       sa_len(s->req.addr));
				s->req.action = SWITCH_INPLACE;
			}
			s->req.reason = "published UDP socket";
			return 0;
		}
		if (!s->req.addr) {
			s->req.action = SWITCH_INPLACE;
			s->req.reason = "host socket, no destination";
			return 0;
		}
		host_dst(pol, &s->req, s->req.addr, &s->req.to);
		return 0;
	}

	if (!s->req.addr) {
		s->req.reason = "no destination";
		return 0;
	}
	ret = hostsock_inspect(s->req.csock, &s->req.info);
	if (ret)
		return ret;
	sock_props(&s->req.info, foreign, &ps);
	if (policy_proto(&ps) != IPPROTO_UDP) {
		s->req.reason = "not a UDP socket";
		return 0;
	}
	if (!pol->switch_udp) {
		s->req.reason = "UDP is not switched (switch_udp)";
		return 0;
	}
	if (!switch_peer(pol, &s->req, &ps, s->req.addr) &&
	    policy_connect(pol, s->req.st, &ps, s->req.addr, &s->req.to,
			   &s->req.reason) != POLICY_SWITCH)
		return 0;
	if (!egress_ok(pol, &s->req, s->req.addr, &s->req.to, IPPROTO_UDP))
		return 0;
	if (!req_create(&s->req, NULL))
		return 0;
	if (!sa_is_loopback((const struct sockaddr *)&s->req.to) &&
	    !req_egress(&s->req, (const struct sockaddr *)&s->req.to))
		return 0;
	s->req.action = SWITCH_INJECT;
	return 0;
}
