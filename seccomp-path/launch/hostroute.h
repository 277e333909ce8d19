/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostroute.h - the host's default gateways, which pasta copies into the
 *               container (and maps to the host's loopback on request)
 */
#ifndef B4NS_HOSTROUTE_H
#define B4NS_HOSTROUTE_H

#include <sys/socket.h>

/**
 * hostroute_parse4() - the first IPv4 default route's gateway of a
 * /proc/net/route text
 * @text:	NUL-terminated contents of /proc/net/route
 * @gw:		result: the gateway (AF_INET, port 0)
 *
 * Return: 0, or -ENOENT if no default route has a gateway
 */
int hostroute_parse4(const char *text, struct sockaddr_storage *gw);

/**
 * hostroute_parse6() - the first IPv6 default route's gateway of a
 * /proc/net/ipv6_route text
 * @text:	NUL-terminated contents of /proc/net/ipv6_route
 * @gw:		result: the gateway (AF_INET6, port 0)
 *
 * Return: 0, or -ENOENT if no default route has a gateway
 */
int hostroute_parse6(const char *text, struct sockaddr_storage *gw);

/**
 * hostroute_gateways() - the default gateways of our network namespace
 * @gw4:	IPv4 gateway, or zeroed (AF_UNSPEC) if none
 * @gw6:	IPv6 gateway, or zeroed (AF_UNSPEC) if none
 */
void hostroute_gateways(struct sockaddr_storage *gw4,
			struct sockaddr_storage *gw6);

#endif /* B4NS_HOSTROUTE_H */
