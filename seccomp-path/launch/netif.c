// SPDX-License-Identifier: GPL-2.0-or-later
/* netif.c - a container's own address ("b4ns run --ip"): a veth pair inside
 * its network namespace, through rtnetlink
 *
 * Theory of operation: "b4ns run --ip=ADDR/LEN" gives the container an
 * address other containers of its network reach it at (the daemon's
 * registry of container services switches their connects to its published
 * ports). The address must sit on an interface of the container's own
 * namespace, so that the container's subnets (common/netaddr.c) hold it and
 * its servers can bind it; this kernel has no dummy driver, so the
 * interface is one end of a veth pair whose both ends stay in the
 * namespace. The container's first process, root in its new user
 * namespace, calls netif_setup() before it loads its filter: four or five
 * rtnetlink requests (RTM_NEWLINK creating NETIF_NAME with its peer
 * NETIF_PEER, RTM_NEWLINK setting each up, RTM_NEWADDR per address), each
 * sent with NLM_F_ACK and its answer read before the next, on one
 * NETLINK_ROUTE socket. Nothing is routed beyond the subnet: a connect to
 * another address of it that the registry does not switch finds nobody
 * there (the neighbour lookup on the veth fails). netif_addr_parse() reads
 * the option's text, keeping the host bits the kernel needs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "launch/netif.h"

/* room for the largest request (RTM_NEWLINK of a veth pair) */
#define NETIF_REQ_MAX 512

/**
 * struct nlreq - one rtnetlink request being built
 * @nh:		its header (nlmsg_len: bytes so far)
 * @buf:	the rest of the message
 */
struct nlreq {
	struct nlmsghdr nh;
	char buf[NETIF_REQ_MAX];
};

/* nl_tail() - where the next attribute of @r goes */
static struct rtattr *nl_tail(struct nlreq *r)
{
	return (struct rtattr *)((char *)&r->nh + NLMSG_ALIGN(r->nh.nlmsg_len));
}

/* nl_put() - append attribute @type with @len bytes of @data (NULL: none
 * yet, a nest filled by later calls); Return: it, or NULL if full */
static struct rtattr *nl_put(struct nlreq *r, unsigned short type,
			     const void *data, size_t len)
{
	struct rtattr *rta = nl_tail(r);
	size_t at = NLMSG_ALIGN(r->nh.nlmsg_len);

	if (at + RTA_SPACE(len) > sizeof(*r))
		return NULL;
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = (uint32_t)(at + RTA_ALIGN(rta->rta_len));
	return rta;
}

/* nl_end() - close the nest @nest opened by nl_put(..., NULL, 0) */
static void nl_end(struct nlreq *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)nl_tail(r) - (char *)nest);
}

/* nl_start() - a request of @type with @hdr_len bytes of @hdr */
static void nl_start(struct nlreq *r, uint16_t type, uint16_t flags,
		     const void *hdr, size_t hdr_len)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr_len);
	memcpy(NLMSG_DATA(&r->nh), hdr, hdr_len);
}

/**
 * nl_talk() - send a request and read its acknowledgement
 * @s:		NETLINK_ROUTE socket
 * @r:		the request
 *
 * Return: 0, or the kernel's negative errno (-EIO for an answer that is
 * not an acknowledgement)
 */
static int nl_talk(int s, struct nlreq *r)
{
	static uint32_t seq;
	char buf[4096];
	ssize_t n;

	r->nh.nlmsg_seq = ++seq;
	if (B4_NOINTR(send(s, &r->nh, r->nh.nlmsg_len, 0)) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		int len;

		n = B4_NOINTR(recv(s, buf, sizeof(buf), 0));
		if (n < 0)
			return -errno;
		len = (int)n;
		for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type != NLMSG_ERROR)
				return -EIO;
			return e->error;
		}
		if (!n)
			return -EIO;
	}
}

/* veth_create() - NETIF_NAME with its peer NETIF_PEER */
static int veth_create(int s)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *info, *data, *peer;
	struct nlreq r;

	nl_start(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	nl_put(&r, IFLA_IFNAME, NETIF_NAME, sizeof(NETIF_NAME));
	info = nl_put(&r, IFLA_LINKINFO, NULL, 0);
	nl_put(&r, IFLA_INFO_KIND, "veth", sizeof("veth"));
	data = nl_put(&r, IFLA_INFO_DATA, NULL, 0);
	peer = nl_put(&r, VETH_INFO_PEER, &ifi, sizeof(ifi));
	if (!nl_put(&r, IFLA_IFNAME, NETIF_PEER, sizeof(NETIF_PEER)))
		return -ENOBUFS;
	nl_end(&r, peer);
	nl_end(&r, data);
	nl_end(&r, info);
	return nl_talk(s, &r);
}

/* link_up() - set interface @name up */
static int link_up(int s, const char *name)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct nlreq r;
	unsigned int idx = if_nametoindex(name);

	if (!idx)
		return -errno;
	if (idx > INT_MAX)
		return -ERANGE;
	ifi.ifi_index = (int)idx;
	nl_start(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	return nl_talk(s, &r);
}

/* addr_add() - put @a on NETIF_NAME */
static int addr_add(int s, const struct netif_addr *a)
{
	struct ifaddrmsg ifa = {
		.ifa_family = (uint8_t)a->family,
		.ifa_prefixlen = (uint8_t)a->prefix,
		/* usable at once: nobody else is on this link */
		.ifa_flags = a->family == AF_INET6 ? IFA_F_NODAD : 0,
		.ifa_scope = RT_SCOPE_UNIVERSE,
	};
	size_t len = a->family == AF_INET ? 4 : 16;
	unsigned int idx = if_nametoindex(NETIF_NAME);
	struct nlreq r;

	if (!idx)
		return -errno;
	ifa.ifa_index = idx;
	nl_start(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	nl_put(&r, IFA_LOCAL, a->addr, len);
	nl_put(&r, IFA_ADDRESS, a->addr, len);
	return nl_talk(s, &r);
}

int netif_setup(const struct netif_addr *addrs, int n, const char **what)
{
	_cleanup_close_ int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
				       NETLINK_ROUTE);
	int ret;

	*what = "rtnetlink socket";
	if (s < 0)
		return -errno;
	if (n < 1 || n > NETIF_MAX_ADDRS) {
		*what = "container addresses";
		return -EINVAL;
	}
	*what = "creating the veth pair " NETIF_NAME "/" NETIF_PEER;
	ret = veth_create(s);
	if (ret)
		return ret;
	*what = "setting " NETIF_NAME " up";
	ret = link_up(s, NETIF_NAME);
	if (ret)
		return ret;
	*what = "setting " NETIF_PEER " up";
	ret = link_up(s, NETIF_PEER);
	if (ret)
		return ret;
	for (int i = 0; i < n; i++) {
		*what = addrs[i].family == AF_INET ?
			"adding the IPv4 address to " NETIF_NAME :
			"adding the IPv6 address to " NETIF_NAME;
		ret = addr_add(s, &addrs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* addr_unusable() - why @a cannot be a container's address, or NULL */
static const char *addr_unusable(const struct netif_addr *a)
{
	static const uint8_t zero[16];
	const uint8_t *b = a->addr;

	if (a->family == AF_INET) {
		if (!memcmp(b, zero, 4))
			return "the unspecified address";
		if (b[0] == 127)
			return "a loopback address";
		if (b[0] >= 224)
			return "a multicast or reserved address";
		if (b[0] == 169 && b[1] == 254)
			return "a link-local address";
		return NULL;
	}
	if (!memcmp(b, zero, 16))
		return "the unspecified address";
	if (!memcmp(b, zero, 15) && b[15] == 1)
		return "the loopback address";
	if (b[0] == 0xff)
		return "a multicast address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local address";
	if (!memcmp(b, zero, 10) && b[10] == 0xff && b[11] == 0xff)
		return "an IPv4-mapped address (give the IPv4 address)";
	return NULL;
}

int netif_addr_parse(const char *s, struct netif_addr *out,
		     struct b4_error *err)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strrchr(s, '/');
	const char *why;
	size_t hlen;
	char *end;
	long len;
	int max;

	memset(out, 0, sizeof(*out));
	if (!slash)
		return b4_error_set(err, -EINVAL, "'%s': expected ADDR/LEN "
				    "(e.g. 10.77.0.2/24, fd00:77::2/64)", s);
	hlen = (size_t)(slash - s);
	if (!hlen || hlen >= sizeof(host))
		return b4_error_set(err, -EINVAL, "'%s': not an IP address "
				    "before the '/'", s);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = AF_INET6;
	else
		return b4_error_set(err, -EINVAL, "'%s': '%s' is not an IPv4 "
				    "or IPv6 address", s, host);
	max = out->family == AF_INET ? 32 : 128;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end || errno || len < 1 || len > max ||
	    slash[1] == '+' || slash[1] == '-' || slash[1] == ' ')
		return b4_error_set(err, -EINVAL, "'%s': prefix length must be "
				    "1 to %d", s, max);
	out->prefix = (int)len;
	why = addr_unusable(out);
	if (why)
		return b4_error_set(err, -EINVAL, "'%s': %s cannot be a "
				    "container's address", s, why);
	return 0;
}
