/* SPDX-License-Identifier: GPL-2.0-or-later
 * portmap.h - published ports: "[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]"
 */
#ifndef B4NS_PORTMAP_H
#define B4NS_PORTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Room for any message portmap_parse() writes, spec included */
#define PORTMAP_ERR_MAX 256

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
	struct sockaddr_storage host;
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
 * @errlen:	size of @err, PORTMAP_ERR_MAX is always enough
 *
 * Return: 0, or -EINVAL if @spec is malformed
 */
int portmap_parse(const char *spec, struct portmap_entry *out, char *err,
		  size_t errlen);

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


#endif /* B4NS_PORTMAP_H */
