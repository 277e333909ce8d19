/* SPDX-License-Identifier: GPL-2.0-or-later
 * portmap.h - published ports: "[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]"
 */
#ifndef B4NS_PORTMAP_H
#define B4NS_PORTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "err.h"

/**
 * union portmap_host - the host address of a mapping, IPv4 or IPv6 (a
 * sockaddr_storage would make each entry 100 bytes larger, and every
 * configuration and policy holds 64 of them)
 * @sa:		the address, to pass where a struct sockaddr is wanted
 * @sin:	AF_INET
 * @sin6:	AF_INET6
 */
union portmap_host {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/**
 * struct portmap_entry - one published port or port range
 * @host:		host IP and first host port; 0.0.0.0 (all addresses,
 *			dual-stack) unless @host_ip_set
 * @host_ip_set:	the spec named a host IP
 * @host_port:		first host port
 * @container_port:	first container port
 * @count:		number of ports in the range, at least 1
 * @proto:		IPPROTO_TCP or IPPROTO_UDP
 *
 * Container port @container_port + i is published on host port
 * @host_port + i, for i in 0..@count-1.
 */
struct portmap_entry {
	union portmap_host host;
	bool host_ip_set;
	uint16_t host_port;
	uint16_t container_port;
	uint16_t count;
	int proto;
};

/**
 * portmap_parse() - parse a publish spec
 * @spec:	"[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]"; HOSTIP is IPv4 or
 *		"[IPv6]"; ports are 1-65535, or ranges "A-B" of equal length
 *		on both sides; the protocol defaults to tcp
 * @out:	result
 * @err:	on failure, "publish spec 'SPEC': what is wrong"; may be NULL
 *
 * Return: 0, or -EINVAL if @spec is malformed
 */
int portmap_parse(const char *spec, struct portmap_entry *out,
		  struct b4_error *err);

/**
 * portmap_conflicts() - would two mappings claim the same port?
 * @a:	first mapping
 * @b:	second mapping
 *
 * Two mappings of the same protocol conflict if their host port ranges
 * overlap on the same host IP (an unspecified host IP, of either family,
 * overlaps every IP), or if their container port ranges overlap: a
 * container port is switched to exactly one host address.
 *
 * Return: true if they conflict
 */
bool portmap_conflicts(const struct portmap_entry *a,
		       const struct portmap_entry *b);

/**
 * portmap_find_conflict() - the first mapping of a table that @e conflicts
 * with, in the sense of portmap_conflicts()
 * @tab:	mappings
 * @n:		entries in @tab
 * @e:		the mapping to check
 *
 * The one conflict check of b4ns: the config file, the OCI annotations and
 * the effective policy of a container use it, each naming the specs in its
 * own message.
 *
 * Return: index in @tab, or -1 if @e conflicts with none
 */
int portmap_find_conflict(const struct portmap_entry *tab, int n,
			  const struct portmap_entry *e);

#endif /* B4NS_PORTMAP_H */
