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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
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
		return false;
	}
	return ret > 0;
}

/* switch_self() - the container's own published service, if it is bound
 * now: @c->to is set and true returned */
static bool switch_self(const struct policy_cfg *pol, struct switch_conn *c,
			const struct policy_sock *ps)
{
	struct policy_state *st = c->st;
	int n;

	for (int i = 0; st && i < st->n_pub; i++) {
		struct sockaddr_storage to;

		if (!policy_self(pol, st, ps, c->dst, &st->pub[i], &to))
			continue;
		n = st->n_pub;
		if (!pub_alive(st, i)) {
			if (st->n_pub < n)
				i--; /* entry i was replaced by the last one */
			continue;
		}
		c->to = to;
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

static int switch_inplace(const struct policy_cfg *pol, struct switch_conn *c)
{
	if (hostsock_inspect(c->csock, &c->info) == 0 &&
	    c->info.family != AF_INET && c->info.family != AF_INET6) {
		c->action = SWITCH_NONE;
		c->reason = "not an IP socket";
		return 0;
	}
	if (!policy_host_connect(pol, c->st, c->dst, &c->to, &c->reason)) {
		c->action = SWITCH_REFUSE;
		c->err = -ENETUNREACH;
		return 0;
	}
	c->action = SWITCH_INPLACE;
	c->err = connect_nonblock(c->csock, &c->to, c->info.fl);
	return 0;
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

int switch_connect(const struct policy_cfg *pol, struct switch_conn *c)
{
	struct policy_sock ps;
	bool foreign;
	int ret;

	c->action = SWITCH_NONE;
	c->hsock = -1;
	c->err = 0;
	c->reason = "";

	if (switch_is_host_socket(c->csock, c->netns_id, c->self_netns_id,
				  &foreign))
		return switch_inplace(pol, c);
	/* the common case of a kept connect needs no more system calls */
	if (!pub_has_port(c->st, sa_port(c->dst)) &&
	    policy_keep_by_address(pol, c->st, c->dst, &c->reason))
		return 0;

	ret = hostsock_inspect(c->csock, &c->info);
	if (ret == -ENOTSOCK) {
		c->reason = "not a socket";
		return 0;
	}
	if (ret)
		return ret;
	sock_props(&c->info, foreign, &ps);

	if (!ps.connected && !ps.foreign_ns && !ps.bound_dev &&
	    switch_self(pol, c, &ps)) {
		c->reason = "own published port, moved to the host";
	} else if (policy_connect(pol, c->st, &ps, c->dst, &c->to, &c->reason) !=
		   POLICY_SWITCH) {
		return 0;
	}

	ret = hostsock_create(c->csock, &c->info);
	if (ret < 0) {
		/* e.g. the container's bound port is taken on the host */
		c->action = SWITCH_REFUSE;
		c->err = ret;
		c->reason = "host socket could not be created";
		return 0;
	}
	c->hsock = ret;
	c->err = connect(c->hsock, (const struct sockaddr *)&c->to,
			 sa_len((const struct sockaddr *)&c->to)) ? -errno : 0;
	if (!c->err && c->info.type == SOCK_DGRAM &&
	    !sa_is_loopback((const struct sockaddr *)&c->to)) {
		/* before the container holds it: see hostsock_bind_egress() */
		ret = hostsock_bind_egress(c->hsock, (const struct sockaddr *)&c->to);
		if (ret) {
			closep(&c->hsock);
			c->action = SWITCH_REFUSE;
			c->err = -ENETUNREACH;
			c->reason = egress_reason(ret);
			return 0;
		}
	}
	if (c->err && c->err != -EINPROGRESS) {
		/* failed at once: the container keeps its own socket */
		closep(&c->hsock);
		c->action = SWITCH_REFUSE;
		return 0;
	}
	c->action = SWITCH_INJECT;
	if (!c->err && !(c->info.fl & O_NONBLOCK))
		c->err = switch_restore_flags(c->hsock, c->info.fl);
	return 0;
}

int switch_connect_other(struct switch_conn *c)
{
	bool foreign;

	c->action = SWITCH_NONE;
	c->hsock = -1;
	c->err = 0;
	c->reason = "not an IP address";
	memset(&c->info, 0, sizeof(c->info));
	if (!switch_is_host_socket(c->csock, c->netns_id, c->self_netns_id,
				   &foreign))
		return 0;
	/* what an IP socket answers; the kernel never reads it again */
	c->action = SWITCH_REFUSE;
	c->err = (c->dst->sa_family == AF_INET || c->dst->sa_family == AF_INET6 ||
		  c->dstlen < sizeof(sa_family_t)) ? -EINVAL : -EAFNOSUPPORT;
	c->reason = "host socket, not an IP address";
	return 0;
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

/* pub_record() - remember host socket @hsock bound for mapping @entry */
static void pub_record(struct policy_state *st, int hsock, int entry,
		       const struct hostsock_info *info, uint16_t port)
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
	st->n_pub++;
}

void switch_bind_forget(struct policy_state *st, int hsock)
{
	uint64_t cookie;

	if (!st || hostsock_cookie(hsock, &cookie))
		return;
	for (int i = 0; i < st->n_pub; i++) {
		if (st->pub[i].cookie == cookie) {
			st->pub[i] = st->pub[--st->n_pub];
			return;
		}
	}
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
	struct policy_sock ps;
	bool foreign;
	int ret;

	b->action = SWITCH_NONE;
	b->hsock = -1;
	b->err = 0;
	b->entry = -1;
	b->reason = "";

	if (switch_is_host_socket(b->csock, b->netns_id, b->self_netns_id,
				  &foreign)) {
		b->action = SWITCH_REFUSE;
		b->err = -EINVAL;
		b->reason = "bind on a host socket";
		return 0;
	}
	if ((b->addr->sa_family != AF_INET && b->addr->sa_family != AF_INET6) ||
	    !sa_valid_len(b->addr, b->addrlen)) {
		b->reason = "not an IP address";
		return 0;
	}
	ret = hostsock_inspect(b->csock, &b->info);
	if (ret == -ENOTSOCK) {
		b->reason = "not a socket";
		return 0;
	}
	if (ret)
		return ret;
	sock_props(&b->info, foreign, &ps);
	ps.connected = b->info.connected || b->info.bound_port ||
		       b->info.bound_specific;
	ps.bound_dev = b->info.bound_dev;
	if (policy_bind(pol, &ps, b->addr, &b->host, &b->entry, &b->reason) !=
	    POLICY_SWITCH)
		return 0;
	if (b->host.ss_family == AF_UNSPEC) {
		b->action = SWITCH_REFUSE;
		b->err = -EADDRNOTAVAIL;
		return 0;
	}

	ret = hostsock_create(b->csock, &b->info);
	if (ret < 0) {
		b->action = SWITCH_REFUSE;
		b->err = ret;
		b->reason = "host socket could not be created";
		return 0;
	}
	b->hsock = ret;
	if (bind(b->hsock, (struct sockaddr *)&b->host,
		 sa_len((struct sockaddr *)&b->host))) {
		b->err = -errno;
		closep(&b->hsock);
		b->action = SWITCH_REFUSE;
		b->reason = "host address cannot be bound";
		return 0;
	}
	ret = switch_restore_flags(b->hsock, b->info.fl);
	if (ret) {
		closep(&b->hsock);
		b->action = SWITCH_REFUSE;
		b->err = ret;
		return 0;
	}
	b->action = SWITCH_INJECT;
	pub_record(b->st, b->hsock, b->entry, &b->info, sa_port(b->addr));
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

	s->action = SWITCH_NONE;
	s->hsock = -1;
	s->err = 0;
	s->reason = "";
	memset(&s->to, 0, sizeof(s->to));

	if (switch_is_host_socket(s->csock, s->netns_id, s->self_netns_id,
				  &foreign)) {
		ret = hostsock_inspect(s->csock, &s->info);
		if (ret)
			return ret;
		if (s->info.type == SOCK_STREAM) {
			if ((s->flags & MSG_FASTOPEN) && !s->info.connected) {
				s->action = SWITCH_REFUSE;
				s->err = -EOPNOTSUPP;
				s->reason = "TCP Fast Open sendto on a host socket";
				return 0;
			}
			/* the kernel ignores the address of a TCP send; the
			 * supervisor does not even pass it on */
			s->action = SWITCH_INPLACE;
			s->reason = "TCP ignores the address";
			return 0;
		}
		if (s->bad_dst) {
			s->action = SWITCH_REFUSE;
			s->err = -EINVAL;
			s->reason = "host socket, not an IP address";
			return 0;
		}
		if (s->info.type != SOCK_DGRAM) {
			s->action = SWITCH_INPLACE;
			s->reason = "not a datagram socket";
			return 0;
		}
		if (switch_is_published(s->st, s->csock)) {
			/* it answers its clients, wherever they are, but host
			 * services on loopback ports are not its business */
			if (s->dst && sa_is_loopback(s->dst) &&
			    !ephemeral_port(sa_port(s->dst))) {
				s->action = SWITCH_REFUSE;
				s->err = -ENETUNREACH;
				s->reason = "published socket to a host loopback "
					    "service port";
				return 0;
			}
			if (s->dst) {
				memcpy(&s->to, s->dst, sa_len(s->dst));
				s->action = SWITCH_INPLACE;
			}
			s->reason = "published UDP socket";
			return 0;
		}
		if (!s->dst) {
			s->action = SWITCH_INPLACE;
			s->reason = "host socket, no destination";
			return 0;
		}
		if (!policy_host_connect(pol, s->st, s->dst, &s->to, &s->reason)) {
			s->action = SWITCH_REFUSE;
			s->err = -ENETUNREACH;
			return 0;
		}
		s->action = SWITCH_INPLACE;
		return 0;
	}

	if (!s->dst) {
		s->reason = "no destination";
		return 0;
	}
	ret = hostsock_inspect(s->csock, &s->info);
	if (ret)
		return ret;
	sock_props(&s->info, foreign, &ps);
	if (policy_proto(&ps) != IPPROTO_UDP) {
		s->reason = "not a UDP socket";
		return 0;
	}
	if (!pol->switch_udp) {
		s->reason = "UDP is not switched (switch_udp)";
		return 0;
	}
	if (policy_connect(pol, s->st, &ps, s->dst, &s->to, &s->reason) !=
	    POLICY_SWITCH)
		return 0;
	ret = hostsock_create(s->csock, &s->info);
	if (ret < 0) {
		s->action = SWITCH_REFUSE;
		s->err = ret;
		s->reason = "host socket could not be created";
		return 0;
	}
	s->hsock = ret;
	if (!sa_is_loopback((const struct sockaddr *)&s->to)) {
		ret = hostsock_bind_egress(s->hsock, (const struct sockaddr *)&s->to);
		if (ret) {
			closep(&s->hsock);
			s->action = SWITCH_REFUSE;
			s->err = -ENETUNREACH;
			s->reason = egress_reason(ret);
			return 0;
		}
	}
	s->action = SWITCH_INJECT;
	return 0;
}
