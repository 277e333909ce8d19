/* SPDX-License-Identifier: GPL-2.0-or-later
 * netif.h - a container's own address ("b4ns run --ip"): a veth pair inside
 * its network namespace, through rtnetlink
 */
#ifndef B4NS_NETIF_H
#define B4NS_NETIF_H

#include <stdint.h>

#include "err.h"

/* The interface that carries the address, and its peer (both inside the
 * container's namespace: slirp4netns' tap0 and pasta's copies of the host's
 * interface names stay free) */
#define NETIF_NAME "b4ns0"
#define NETIF_PEER "b4ns0p"

/* At most one address of each family */
#define NETIF_MAX_ADDRS 2

/**
 * struct netif_addr - an interface address with its prefix length
 * @family:	AF_INET or AF_INET6
 * @prefix:	prefix length in bits (1 to 32, or 1 to 128)
 * @addr:	the address, host bits kept (4 or 16 bytes used)
 */
struct netif_addr {
	int family;
	int prefix;
	uint8_t addr[16];
};

/**
 * netif_addr_parse() - parse "ADDR/LEN"
 * @s:		text: an IPv4 or IPv6 address and a prefix length, both
 *		required ("10.77.0.2/24", "fd00:77::2/64")
 * @out:	result
 * @err:	on failure, what is wrong with @s; may be NULL
 *
 * Refuses the unspecified, loopback, multicast and link-local addresses (a
 * container address other containers connect to must be none of them).
 *
 * Return: 0, or -EINVAL
 */
int netif_addr_parse(const char *s, struct netif_addr *out,
		     struct b4_error *err);

/**
 * netif_setup() - create NETIF_NAME with its peer NETIF_PEER, both up, and
 * put @addrs on NETIF_NAME, in the current network namespace
 * @addrs:	addresses (IPv6 ones without duplicate address detection, so
 *		they are usable at once)
 * @n:		entries in @addrs, 1 to NETIF_MAX_ADDRS
 * @what:	on failure, the step that failed ("creating the veth pair
 *		b4ns0", ...), a static string
 *
 * Needs CAP_NET_ADMIN over the namespace (the container's first process
 * has it in its own user namespace). Uses plain rtnetlink requests, each
 * acknowledged, on a socket closed before returning.
 *
 * Return: 0, or the kernel's negative errno for the failed step
 */
int netif_setup(const struct netif_addr *addrs, int n, const char **what);

#endif /* B4NS_NETIF_H */
