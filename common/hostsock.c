// SPDX-License-Identifier: GPL-2.0-or-later
/* hostsock.c - inspect a container socket and build its host twin
 *
 * Theory of operation: instead of trapping setsockopt(), fcntl() and close()
 * for the life of every descriptor to record state (what the published Go
 * implementation does), the state is read once, at switch time, from the
 * container's own socket through a pidfd_getfd() duplicate. Options are
 * compared with the defaults of a fresh host socket of the same kind (cached
 * per kind on first use) and only the ones that differ are set: no
 * setsockopt() for untouched options, and buffers the application did not
 * size keep auto-tuning. The SOL_SOCKET options are read in one batch
 * (sockopt.c: one io_uring_enter() on Linux 6.7+), the others with one
 * getsockopt() each; hostsock_inspect() reads type, protocol and device in
 * one batch too.
 *
 * Only the options that can matter for what the host socket is made for are
 * read (opt_needed()): a socket the supervisor connects skips the listener
 * options and, when it is unbound, the bind options; a TCP one also the
 * IPv4 options of an AF_INET6 socket whose destination is not v4-mapped
 * (a UDP socket may be connected to a mapped address later), and the IPv4
 * receive ancillary data switches, which a TCP client sees only through
 * IP_PKTOPTIONS. Both buffer sizes come from one SO_MEMINFO read, and every
 * SOL_SOCKET read of a switch goes in one io_uring batch (sockopt.c). A
 * published (bound) socket gets every option. hostsock_inspect() learns
 * family and bound address from one getsockname(), checked against
 * SO_DOMAIN in the same batch.
 *
 * Known limit: the kernel does not report whether a buffer size was set
 * (SOCK_*BUF_LOCK), so a size set to exactly half the default (it reads
 * back doubled, as the default) is not locked on the host socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "hostsock.h"
#include "log.h"
#include "sockaddr.h"
#include "sockopt.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

enum opt_scope {
	OPT_ALL = 0,
	OPT_TCP,	/* stream sockets only */
	OPT_UDP,	/* datagram sockets only */
	OPT_IP4,	/* AF_INET sockets (and mapped traffic of AF_INET6) */
	OPT_IP6,	/* AF_INET6 sockets only */
};

enum opt_kind {
	OPT_PLAIN = 0,
	OPT_BUF,	/* SO_RCVBUF/SO_SNDBUF: kernel doubles what is set */
};

/*
 * When an option can matter (struct opt_desc.when): a connect of an
 * unbound socket never reads the bind options, a client never the listener
 * ones, and TCP over IPv4 never delivers the receive ancillary data.
 */
enum {
	OPT_BIND = 1 << 0,	/* only for a bind: skipped for an unbound client */
	OPT_LISTEN = 1 << 1,	/* only for a listener: skipped for a client */
	OPT_CMSG4 = 1 << 2,	/* IPv4 receive ancillary data: not for a TCP client */
	OPT_V6ONLY = 1 << 3,	/* bind, or a connect to a v4-mapped address */
};

/**
 * struct opt_desc - one socket option copied at switch time
 * @level:	SOL_SOCKET, IPPROTO_TCP, ...
 * @name:	option
 * @len:	value size
 * @scope:	which sockets it applies to
 * @kind:	copy rule
 * @when:	OPT_BIND... : which uses of the host socket it matters for
 * @label:	name for logs
 */
struct opt_desc {
	int level;
	int name;
	socklen_t len;
	enum opt_scope scope;
	enum opt_kind kind;
	unsigned int when;
	const char *label;
};

#define OPTW(l, n, sz, sc, w) { l, n, sz, sc, OPT_PLAIN, w, #n }
/* not OPTW(l, n, sz, sc, 0): @n would be expanded to its number first */
#define OPT(l, n, sz, sc) { l, n, sz, sc, OPT_PLAIN, 0, #n }
static const struct opt_desc opts[] = {
	OPTW(SOL_SOCKET, SO_REUSEADDR, sizeof(int), OPT_ALL, OPT_BIND),
	OPTW(SOL_SOCKET, SO_REUSEPORT, sizeof(int), OPT_ALL, OPT_BIND),
	OPT(SOL_SOCKET, SO_KEEPALIVE, sizeof(int), OPT_ALL),
	OPT(SOL_SOCKET, SO_LINGER, sizeof(struct linger), OPT_ALL),
	{ SOL_SOCKET, SO_RCVBUF, sizeof(int), OPT_ALL, OPT_BUF, 0, "SO_RCVBUF" },
	{ SOL_SOCKET, SO_SNDBUF, sizeof(int), OPT_ALL, OPT_BUF, 0, "SO_SNDBUF" },
	OPT(SOL_SOCKET, SO_RCVLOWAT, sizeof(int), OPT_ALL),
	OPT(SOL_SOCKET, SO_RCVTIMEO, sizeof(struct timeval), OPT_ALL),
	OPT(SOL_SOCKET, SO_SNDTIMEO, sizeof(struct timeval), OPT_ALL),
	OPT(SOL_SOCKET, SO_MARK, sizeof(int), OPT_ALL),
	OPT(SOL_SOCKET, SO_OOBINLINE, sizeof(int), OPT_ALL),
	OPT(SOL_SOCKET, SO_BROADCAST, sizeof(int), OPT_UDP),
	OPT(SOL_SOCKET, SO_TIMESTAMP, sizeof(int), OPT_ALL),
	OPT(SOL_SOCKET, SO_MAX_PACING_RATE, sizeof(unsigned long), OPT_ALL),
	OPT(IPPROTO_TCP, TCP_NODELAY, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_CORK, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_KEEPIDLE, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_KEEPINTVL, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_KEEPCNT, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_USER_TIMEOUT, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_SYNCNT, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_LINGER2, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_MAXSEG, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_WINDOW_CLAMP, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_NOTSENT_LOWAT, sizeof(int), OPT_TCP),
	OPT(IPPROTO_TCP, TCP_FASTOPEN_CONNECT, sizeof(int), OPT_TCP),
	OPTW(IPPROTO_TCP, TCP_DEFER_ACCEPT, sizeof(int), OPT_TCP, OPT_LISTEN),
	OPTW(IPPROTO_TCP, TCP_FASTOPEN, sizeof(int), OPT_TCP, OPT_LISTEN),
	OPT(IPPROTO_TCP, TCP_CONGESTION, 16, OPT_TCP),
	OPT(IPPROTO_UDP, UDP_SEGMENT, sizeof(int), OPT_UDP),
	OPT(IPPROTO_IP, IP_TOS, sizeof(int), OPT_IP4),
	OPT(IPPROTO_IP, IP_TTL, sizeof(int), OPT_IP4),
	OPT(IPPROTO_IP, IP_MTU_DISCOVER, sizeof(int), OPT_IP4),
	OPT(IPPROTO_IP, IP_RECVERR, sizeof(int), OPT_IP4),
	OPTW(IPPROTO_IP, IP_PKTINFO, sizeof(int), OPT_IP4, OPT_CMSG4),
	OPTW(IPPROTO_IP, IP_RECVTOS, sizeof(int), OPT_IP4, OPT_CMSG4),
	OPTW(IPPROTO_IP, IP_RECVTTL, sizeof(int), OPT_IP4, OPT_CMSG4),
	OPTW(IPPROTO_IP, IP_FREEBIND, sizeof(int), OPT_IP4, OPT_BIND),
	OPTW(IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, sizeof(int), OPT_IP4, OPT_BIND),
	OPTW(IPPROTO_IPV6, IPV6_V6ONLY, sizeof(int), OPT_IP6, OPT_V6ONLY),
	OPT(IPPROTO_IPV6, IPV6_TCLASS, sizeof(int), OPT_IP6),
	OPT(IPPROTO_IPV6, IPV6_UNICAST_HOPS, sizeof(int), OPT_IP6),
	OPT(IPPROTO_IPV6, IPV6_MTU_DISCOVER, sizeof(int), OPT_IP6),
	OPT(IPPROTO_IPV6, IPV6_RECVERR, sizeof(int), OPT_IP6),
	OPT(IPPROTO_IPV6, IPV6_RECVPKTINFO, sizeof(int), OPT_IP6),
	OPT(IPPROTO_IPV6, IPV6_RECVTCLASS, sizeof(int), OPT_IP6),
	OPTW(IPPROTO_IPV6, IPV6_FREEBIND, sizeof(int), OPT_IP6, OPT_BIND),
	/* last: setting IP_TOS or IPV6_TCLASS recomputes the priority */
	OPT(SOL_SOCKET, SO_PRIORITY, sizeof(int), OPT_ALL),
};
#undef OPT
#undef OPTW

#define OPT_MAXLEN 16
#define N_OPTS ARRAY_SIZE(opts)

const char *hostsock_opt_label(int level, int name)
{
	for (size_t i = 0; i < N_OPTS; i++) {
		if (opts[i].level == level && opts[i].name == name)
			return opts[i].label;
	}
	return NULL;
}

/**
 * struct opt_defaults - option values of a fresh host socket of one kind
 * @valid:	entries read
 * @have:	option readable on this kind of socket
 * @len:	length getsockopt() returned
 * @val:	the value
 */
struct opt_defaults {
	bool valid;
	bool have[N_OPTS];
	socklen_t len[N_OPTS];
	unsigned char val[N_OPTS][OPT_MAXLEN];
};

/* [AF_INET, AF_INET6][SOCK_STREAM, SOCK_DGRAM]; the supervisor is one thread */
static struct opt_defaults defaults[2][2];

static bool opt_applies(const struct opt_desc *o, const struct hostsock_info *info)
{
	switch (o->scope) {
	case OPT_TCP:
		return info->type == SOCK_STREAM;
	case OPT_UDP:
		return info->type == SOCK_DGRAM;
	case OPT_IP4:
		return true; /* AF_INET6 sockets carry them for mapped traffic */
	case OPT_IP6:
		return info->family == AF_INET6;
	default:
		return true;
	}
}

static struct opt_defaults *defaults_for(const struct hostsock_info *info)
{
	struct opt_defaults *d;
	_cleanup_close_ int s = -1;
	size_t i;

	if ((info->family != AF_INET && info->family != AF_INET6) ||
	    (info->type != SOCK_STREAM && info->type != SOCK_DGRAM))
		return NULL;
	d = &defaults[info->family == AF_INET6][info->type == SOCK_DGRAM];
	if (d->valid)
		return d;
	s = socket(info->family, info->type | SOCK_CLOEXEC, info->protocol);
	if (s < 0)
		return NULL;
	for (i = 0; i < N_OPTS; i++) {
		d->len[i] = opts[i].len;
		d->have[i] = opt_applies(&opts[i], info) &&
			     !getsockopt(s, opts[i].level, opts[i].name,
					 d->val[i], &d->len[i]);
	}
	d->valid = true;
	return d;
}

int hostsock_inspect(int sock, struct hostsock_info *info)
{
	socklen_t len = sizeof(info->bound);
	struct sockopt_batch b = { 0 };
	char dev[IFNAMSIZ];
	int t, p = -1, d = -1, f = -1, domain = 0;
	bool ip;

	memset(info, 0, sizeof(*info));
	/* the family comes with the bound address: one call for both */
	if (getsockname(sock, (struct sockaddr *)&info->bound, &len)) {
		if (errno == ENOTSOCK)
			return -ENOTSOCK;
		/* a family without getsockname() (AF_ALG...) */
		len = sizeof(int);
		if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &info->family, &len))
			return -errno;
		memset(&info->bound, 0, sizeof(info->bound));
	} else {
		info->family = info->bound.ss_family;
	}
	ip = info->family == AF_INET || info->family == AF_INET6;
	/* type, protocol and device: one batch (one system call) */
	t = sockopt_batch_add(&b, SOL_SOCKET, SO_TYPE, &info->type, sizeof(int));
	if (ip) {
		p = sockopt_batch_add(&b, SOL_SOCKET, SO_PROTOCOL,
				      &info->protocol, sizeof(int));
		d = sockopt_batch_add(&b, SOL_SOCKET, SO_BINDTODEVICE, dev,
				      sizeof(dev));
		/* getsockname() of AF_SMC answers for its inner TCP
		 * socket: the family is the socket's own only if it says so */
		f = sockopt_batch_add(&b, SOL_SOCKET, SO_DOMAIN, &domain,
				      sizeof(domain));
	}
	sockopt_batch_run(sock, &b);
	if (b.e[t].ret)
		return b.e[t].ret;
	if (ip && (b.e[f].ret || domain != info->family)) {
		if (b.e[f].ret)
			return b.e[f].ret;
		info->family = domain;
		ip = false;
	}
	info->fl = fcntl(sock, F_GETFL);
	if (info->fl < 0)
		return -errno;
	if (!ip) {
		memset(&info->bound, 0, sizeof(info->bound));
		return 0;
	}
	if (b.e[p].ret)
		return b.e[p].ret;

	if (info->type == SOCK_STREAM) {
		struct tcp_info ti;

		len = sizeof(ti);
		if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len))
			return -errno;
		info->connected = ti.tcpi_state != TCP_CLOSE;
	} else {
		struct sockaddr_storage peer;

		len = sizeof(peer);
		info->connected = !getpeername(sock, (struct sockaddr *)&peer, &len);
	}

	info->bound_port = sa_port((struct sockaddr *)&info->bound);
	info->bound_specific =
		!sa_is_unspecified((struct sockaddr *)&info->bound);

	/* length 0: no device */
	if (!b.e[d].ret)
		info->bound_dev = b.e[d].len > 0 && dev[0];
	return 0;
}

int hostsock_netns_ino(int sock, uint64_t *ino)
{
	_cleanup_close_ int ns = ioctl(sock, SIOCGSKNS);
	struct stat st;

	if (ns < 0)
		return -errno;
	if (fstat(ns, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int hostsock_netns_id(int sock, uint64_t *id)
{
	static bool no_cookie;
	socklen_t len = sizeof(*id);

	if (!no_cookie) {
		if (!getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, id, &len))
			return 0;
		if (errno != ENOPROTOOPT)
			return -errno;
		no_cookie = true;
	}
	return hostsock_netns_ino(sock, id);
}

/* opt_needed() - does option @o matter for a host socket made from a
 * socket with @info, to be connected to @dst (NULL: to be bound)? */
static bool opt_needed(const struct opt_desc *o, const struct hostsock_info *info,
		       const struct sockaddr *dst)
{
	bool unbound = !info->bound_port && !info->bound_specific;
	bool mapped = dst && dst->sa_family == AF_INET6 &&
		      IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)dst)->sin6_addr);

	if (!dst)
		return true;
	if ((o->when & OPT_CMSG4) && info->type == SOCK_STREAM)
		return false;
	if (o->when & OPT_LISTEN)
		return false;
	if ((o->when & OPT_BIND) && unbound)
		return false;
	/* a UDP socket may be connected elsewhere later, mapped or not */
	if (info->type != SOCK_STREAM)
		return true;
	/* an AF_INET6 socket carries IPv4 options for mapped traffic only */
	if (o->scope == OPT_IP4 && info->family == AF_INET6 && !mapped)
		return false;
	if ((o->when & OPT_V6ONLY) && unbound && !mapped)
		return false;
	return true;
}

/**
 * struct opt_reads - the SOL_SOCKET options of one copy, read in one batch
 * @b:		the batch
 * @slot:	entry of option i in @b, -1 if it is not in it
 * @mem:	SO_MEMINFO (both buffer sizes)
 * @mem_slot:	its entry, -1 if not read
 * @val:	values of the batched options
 */
struct opt_reads {
	struct sockopt_batch b;
	int slot[N_OPTS];
	uint32_t mem[SK_MEMINFO_VARS];
	int mem_slot;
	unsigned char val[N_OPTS][OPT_MAXLEN];
};

/* opt_read() - option @i of @from into @val (@len in, out): a SOL_SOCKET
 * option from the batch @r, a buffer size from its SO_MEMINFO read; the
 * rest, and what the batch could not read, with getsockopt() */
static int opt_read(int from, size_t i, unsigned char *val, socklen_t *len,
		    const struct opt_reads *r)
{
	if (opts[i].kind == OPT_BUF && r->mem_slot >= 0) {
		const struct sockopt_entry *e = &r->b.e[r->mem_slot];
		uint32_t v;

		if (!e->ret &&
		    e->len >= (SK_MEMINFO_SNDBUF + 1) * sizeof(r->mem[0])) {
			v = r->mem[opts[i].name == SO_RCVBUF ? SK_MEMINFO_RCVBUF :
							       SK_MEMINFO_SNDBUF];
			memcpy(val, &v, sizeof(v));
			*len = sizeof(v);
			return 0;
		}
	}
	if (r->slot[i] >= 0) {
		const struct sockopt_entry *e = &r->b.e[r->slot[i]];

		if (e->ret) {
			errno = -e->ret;
			return -1;
		}
		memcpy(val, r->val[i], e->len);
		*len = e->len;
		return 0;
	}
	return getsockopt(from, opts[i].level, opts[i].name, val, len);
}

/* opt_batch() - read every needed SOL_SOCKET option of @from into @r at
 * once (one io_uring_enter() where the kernel can) */
static void opt_batch(int from, const struct opt_defaults *d,
		      const struct hostsock_info *info,
		      const struct sockaddr *dst, struct opt_reads *r)
{
	size_t i;

	r->b.n = 0;
	r->mem_slot = -1;
	for (i = 0; i < N_OPTS; i++) {
		r->slot[i] = -1;
		if (opts[i].level != SOL_SOCKET || !d->have[i] ||
		    !opt_needed(&opts[i], info, dst))
			continue;
		if (opts[i].kind == OPT_BUF) {
			if (r->mem_slot < 0)
				r->mem_slot = sockopt_batch_add(&r->b, SOL_SOCKET,
								SO_MEMINFO, r->mem,
								sizeof(r->mem));
			continue;
		}
		r->slot[i] = sockopt_batch_add(&r->b, opts[i].level,
					       opts[i].name, r->val[i],
					       opts[i].len);
	}
	sockopt_batch_run(from, &r->b);
}

int hostsock_copy_opts(int from, int to, const struct hostsock_info *info,
		       const struct sockaddr *dst)
{
	const struct opt_defaults *d = defaults_for(info);
	struct opt_reads r;
	int copied = 0;
	size_t i;

	if (!d)
		return 0;
	opt_batch(from, d, info, dst, &r);
	for (i = 0; i < N_OPTS; i++) {
		unsigned char val[OPT_MAXLEN];
		socklen_t len = opts[i].len;
		int v;

		if (!d->have[i] || !opt_needed(&opts[i], info, dst))
			continue;
		if (opt_read(from, i, val, &len, &r))
			continue;
		if (len == d->len[i] && !memcmp(val, d->val[i], len))
			continue;
		if (opts[i].kind == OPT_BUF) {
			memcpy(&v, val, sizeof(v));
			v /= 2;
			memcpy(val, &v, sizeof(v));
		}
		if (setsockopt(to, opts[i].level, opts[i].name, val, len)) {
			b4_debug("state copy: host refuses %s: %s", opts[i].label,
				 strerror(errno));
			continue;
		}
		copied++;
	}
	return copied;
}

int hostsock_create(int csock, const struct hostsock_info *info,
		    const struct sockaddr *dst)
{
	_cleanup_close_ int s = -1;

	s = socket(info->family, info->type | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   info->protocol);
	if (s < 0)
		return -errno;
	hostsock_copy_opts(csock, s, info, dst);

	if (info->bound_port && !info->bound_specific) {
		struct sockaddr_storage a = info->bound;

		if (bind(s, (struct sockaddr *)&a, sa_len((struct sockaddr *)&a)))
			return -errno;
	}
	return take_fd(&s);
}

/**
 * struct egress_cache - which interface owns a local source address, kept
 * for a few seconds (getifaddrs() costs tens of microseconds; the
 * supervisor is one thread)
 * @src:	local address
 * @ifindex:	interface owning it
 * @until:	CLOCK_MONOTONIC second the entry expires
 */
static struct egress_cache {
	struct sockaddr_storage src;
	unsigned int ifindex;
	time_t until;
} egress[16];

/* egress_lookup() - the non-loopback interface owning @src; 0 if none, and
 * *@on_lo when only a loopback device has it */
static unsigned int egress_lookup(const struct sockaddr *src, bool *on_lo)
{
	struct ifaddrs *ifa, *i;
	struct timespec now;
	unsigned int ifindex = 0;
	size_t slot = 0;

	*on_lo = false;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (size_t k = 0; k < ARRAY_SIZE(egress); k++) {
		if (egress[k].until > now.tv_sec &&
		    sa_ip_equal((struct sockaddr *)&egress[k].src, src))
			return egress[k].ifindex;
		if (egress[k].until < egress[slot].until)
			slot = k;
	}
	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i && !ifindex; i = i->ifa_next) {
		if (!i->ifa_addr || !sa_ip_equal(i->ifa_addr, src))
			continue;
		if (i->ifa_flags & IFF_LOOPBACK)
			*on_lo = true;
		else
			ifindex = if_nametoindex(i->ifa_name);
	}
	freeifaddrs(ifa);
	if (ifindex) {
		memset(&egress[slot].src, 0, sizeof(egress[slot].src));
		memcpy(&egress[slot].src, src, sa_len(src));
		egress[slot].ifindex = ifindex;
		egress[slot].until = now.tv_sec + 5;
	}
	return ifindex;
}

int hostsock_bind_egress(int sock, const struct sockaddr *dst)
{
	struct sockaddr_storage src;
	socklen_t len = sizeof(src);
	_cleanup_close_ int probe = -1;
	unsigned int ifindex;
	bool on_lo;

	/* the route's source address names the outgoing interface; a
	 * connected socket knows it already */
	if (getsockname(sock, (struct sockaddr *)&src, &len))
		return -errno;
	if (sa_is_unspecified((struct sockaddr *)&src)) {
		probe = socket(dst->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (probe < 0)
			return -errno;
		len = sizeof(src);
		if (connect(probe, dst, sa_len(dst)) ||
		    getsockname(probe, (struct sockaddr *)&src, &len))
			return -errno;
	}
	ifindex = egress_lookup((struct sockaddr *)&src, &on_lo);
	if (!ifindex)
		return on_lo ? -EADDRNOTAVAIL : -ENETUNREACH;
	if (setsockopt(sock, SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex,
		       sizeof(ifindex)))
		return -errno;
	return 0;
}

int hostsock_cookie(int sock, uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);

	if (getsockopt(sock, SOL_SOCKET, SO_COOKIE, cookie, &len))
		return -errno;
	return 0;
}

/* diag_scan() - look for @cookie in one sock_diag reply buffer: 1 found,
 * 0 not in it, 2 the dump ended, negative errno */
static int diag_scan(const void *buf, size_t n, uint64_t cookie)
{
	const struct nlmsghdr *h;
	size_t len = n;

	for (h = buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		const struct inet_diag_msg *m = NLMSG_DATA(h);
		uint64_t c;

		if (h->nlmsg_type == NLMSG_DONE)
			return 2;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			return e->error ? e->error : -EIO;
		}
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
			continue;
		c = (uint64_t)m->id.idiag_cookie[0] |
		    (uint64_t)m->id.idiag_cookie[1] << 32;
		if (c == cookie)
			return 1;
	}
	return 0;
}

#ifndef TCP_BOUND_INACTIVE
#define TCP_BOUND_INACTIVE 13 /* Linux 6.8: sock_diag of bound-only sockets */
#endif

/* diag_send() - send one sock_diag request for @proto sockets of @family:
 * a dump (@id NULL) of those in the TCP @states (UDP: any), or the lookup of
 * the socket @id names. Return: the netlink socket to read the answer
 * from, or -errno */
static int diag_send(int family, int proto, uint32_t states,
		     const struct inet_diag_sockid *id)
{
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
			NETLINK_SOCK_DIAG);
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | (id ? 0 : NLM_F_DUMP),
		},
		.r = {
			.sdiag_family = (uint8_t)family,
			.sdiag_protocol = (uint8_t)proto,
			.idiag_states = proto == IPPROTO_TCP ? states : ~0U,
		},
	};

	if (nl < 0)
		return -errno;
	if (id)
		req.r.id = *id;
	if (send(nl, &req, sizeof(req), 0) < 0) {
		int ret = -errno;

		close(nl);
		return ret;
	}
	return nl;
}

/* diag_find() - is a socket with @cookie among the host's @proto sockets of
 * @family in one of the TCP @states (UDP: any)? 1 yes, 0 no, -errno */
static int diag_find(int family, int proto, uint32_t states, uint64_t cookie)
{
	_cleanup_close_ int nl = diag_send(family, proto, states, NULL);
	static long buf[8192 / sizeof(long)];
	int found = 0;

	if (nl < 0)
		return nl;
	for (;;) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);
		int r;

		if (n < 0)
			return errno == EINTR ? -EINTR : -errno;
		if (!n)
			return found;
		r = diag_scan(buf, (size_t)n, cookie);
		if (r < 0)
			return r;
		if (r == 1)
			found = 1; /* read on to the end of the dump */
		if (r == 2)
			return found;
	}
}

bool hostsock_diag_bound(void)
{
	static int known = -1;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	_cleanup_close_ int s = -1;
	uint64_t cookie;

	if (known >= 0)
		return known;
	known = 0;
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && !bind(s, (struct sockaddr *)&a, sizeof(a)) &&
	    !hostsock_cookie(s, &cookie))
		known = diag_find(AF_INET, IPPROTO_TCP, 1U << TCP_BOUND_INACTIVE,
				  cookie) == 1;
	return known;
}

/* diag_addr() - @sa's address into a sock_diag id field of @family */
static void diag_addr(const struct sockaddr *sa, int family, __be32 out[4])
{
	if (family == AF_INET)
		out[0] = ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
	else
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

int hostsock_tcp_cookie(const struct sockaddr *local,
			const struct sockaddr *remote, uint64_t *cookie)
{
	_cleanup_close_ int nl = -1;
	struct sockaddr_storage l, r;
	struct inet_diag_sockid id = {
		.idiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE },
	};
	long buf[1024 / sizeof(long)];
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	const struct inet_diag_msg *m;
	ssize_t n;

	/* an IPv4-mapped socket is found by its IPv4 addresses */
	sa_unmap(local, &l);
	if (remote) {
		sa_unmap(remote, &r);
	} else {
		/* a listener: no peer */
		memset(&r, 0, sizeof(r));
		r.ss_family = l.ss_family;
	}
	if (l.ss_family != r.ss_family ||
	    (l.ss_family != AF_INET && l.ss_family != AF_INET6))
		return -EAFNOSUPPORT;
	id.idiag_sport = htons(sa_port((struct sockaddr *)&l));
	id.idiag_dport = htons(sa_port((struct sockaddr *)&r));
	diag_addr((struct sockaddr *)&l, l.ss_family, id.idiag_src);
	diag_addr((struct sockaddr *)&r, r.ss_family, id.idiag_dst);
	nl = diag_send(l.ss_family, IPPROTO_TCP, ~0U, &id);
	if (nl < 0)
		return nl;
	n = recv(nl, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(h, (size_t)n))
		return -EIO;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return e->error ? e->error : -ENOENT;
	}
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EIO;
	m = NLMSG_DATA(h);
	*cookie = (uint64_t)m->id.idiag_cookie[0] |
		  (uint64_t)m->id.idiag_cookie[1] << 32;
	return 0;
}

int hostsock_listener_alive(int family, int proto, const struct sockaddr *at,
			    uint64_t cookie)
{
	struct sockaddr_storage l;
	uint64_t found = 0;

	/* the listener that takes a connection to its address: found
	 * without a dump of every socket the host has */
	if (proto == IPPROTO_TCP && at) {
		sa_unmap(at, &l);
		if (sa_is_unspecified((struct sockaddr *)&l)) {
			uint16_t port = sa_port((struct sockaddr *)&l);

			memset(&l, 0, sizeof(l));
			l.ss_family = at->sa_family == AF_INET6 &&
						      l.ss_family == AF_INET6 ?
					      AF_INET6 : AF_INET;
			if (l.ss_family == AF_INET)
				((struct sockaddr_in *)&l)->sin_addr.s_addr =
					htonl(INADDR_LOOPBACK);
			else
				((struct sockaddr_in6 *)&l)->sin6_addr =
					in6addr_loopback;
			sa_set_port((struct sockaddr *)&l, port);
		}
		if (!hostsock_tcp_cookie((struct sockaddr *)&l, NULL, &found) &&
		    found == cookie)
			return 1;
	}
	/* bound and not listening yet, one of a SO_REUSEPORT group, gone */
	return hostsock_alive(family, proto, cookie);
}

int hostsock_alive(int family, int proto, uint64_t cookie)
{
	/* TCP: listening, or bound and not listening yet (a connect to it is
	 * refused, as natively) */
	return diag_find(family, proto,
			 1U << TCP_LISTEN | 1U << TCP_BOUND_INACTIVE, cookie);
}
