/* SPDX-License-Identifier: GPL-2.0-or-later
 * netaddr.h - a namespace's own interface subnets, through rtnetlink
 */
#ifndef B4NS_NETADDR_H
#define B4NS_NETADDR_H

#include "sockaddr.h"

/**
 * netaddr_monitor_open() - open an rtnetlink socket in the current network
 * namespace, subscribed to IPv4/IPv6 address changes
 *
 * Call it inside the namespace to watch; the socket keeps working from any
 * other namespace it is passed to.
 *
 * Return: socket (non-blocking, close-on-exec) or negative errno
 */
int netaddr_monitor_open(void);

/**
 * netaddr_dump() - list the subnets of the socket's namespace's interfaces
 * @nl:		socket from netaddr_monitor_open()
 * @out:	subnets found (loopback and link-local are left out: the
 *		policy keeps those anyway)
 * @addrs:	the interface address of each subnet in @out, as a host
 *		prefix (/32, /128), or NULL
 * @max:	room in @out (and @addrs)
 *
 * Pending change notifications are drained first, so after a notification
 * makes @nl readable one call brings the list up to date.
 *
 * Return: number of subnets stored, or negative errno
 */
int netaddr_dump(int nl, struct sa_cidr *out, struct sa_cidr *addrs, int max);

#endif /* B4NS_NETADDR_H */
