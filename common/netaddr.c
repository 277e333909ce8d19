// SPDX-License-Identifier: GPL-2.0-or-later
/* netaddr.c - a namespace's own interface subnets, through rtnetlink
 *
 * Theory of operation: the container's first process opens a NETLINK_ROUTE
 * socket inside the container's network namespace, subscribed to address
 * change groups, and hands it to the supervisor with the notify fd. The
 * socket stays bound to that namespace wherever it is used from, so the
 * supervisor can dump the addresses at start and again whenever a change
 * notification makes the socket readable, without entering the namespace.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "netaddr.h"

int netaddr_monitor_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	_cleanup_close_ int s = -1;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   NETLINK_ROUTE);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return take_fd(&s);
}

static void drain(int nl)
{
	char buf[8192];

	while (recv(nl, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* add_addr() - record the subnet of one RTM_NEWADDR message */
static int add_addr(struct nlmsghdr *nh, struct sa_cidr *out,
		    struct sa_cidr *addrs, int n, int max)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	int len = (int)IFA_PAYLOAD(nh);
	struct rtattr *rta;
	struct sockaddr_storage ss = { 0 };
	const void *addr = NULL;
	int bytes;

	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return n;
	bytes = ifa->ifa_family == AF_INET ? 4 : 16;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if ((rta->rta_type == IFA_LOCAL ||
		     (rta->rta_type == IFA_ADDRESS && !addr)) &&
		    RTA_PAYLOAD(rta) >= (unsigned)bytes)
			addr = RTA_DATA(rta);
	}
	if (!addr || n >= max)
		return n;

	ss.ss_family = ifa->ifa_family;
	if (ifa->ifa_family == AF_INET)
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, addr, 16);
	if (sa_is_loopback((struct sockaddr *)&ss) ||
	    sa_is_local_scope((struct sockaddr *)&ss))
		return n;

	if (sa_cidr_make(&out[n], ifa->ifa_family, addr, ifa->ifa_prefixlen))
		return n;
	if (addrs && sa_cidr_make(&addrs[n], ifa->ifa_family, addr,
				  ifa->ifa_family == AF_INET ? 32 : 128))
		return n;
	return n + 1;
}

int netaddr_dump(int nl, struct sa_cidr *out, struct sa_cidr *addrs, int max)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETADDR,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1 },
		.ifa = { .ifa_family = AF_UNSPEC },
	};
	char buf[16384] __attribute__((aligned(4)));
	int n = 0;

	drain(nl);
	if (send(nl, &req, sizeof(req), 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *nh;
		ssize_t len = recv(nl, buf, sizeof(buf), 0);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				/* dump answers are queued before send() returns */
				return n;
			}
			return -errno;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != 1)
				continue; /* a change notification: dump is fresher */
			if (nh->nlmsg_type == NLMSG_DONE)
				return n;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			if (nh->nlmsg_type == RTM_NEWADDR)
				n = add_addr(nh, out, addrs, n, max);
		}
	}
}
