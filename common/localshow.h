/* SPDX-License-Identifier: GPL-2.0-or-later
 * localshow.h - the container-side local address of a connection accepted
 * on a published listener, from the container's side only (pure)
 */
#ifndef B4NS_LOCALSHOW_H
#define B4NS_LOCALSHOW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/**
 * struct localshow_own - the container's own addresses, one per family
 * @in4:	its IPv4 address (valid if @has4)
 * @in6:	its IPv6 address (valid if @has6)
 * @has4:	it has an IPv4 address
 * @has6:	it has an IPv6 address
 */
struct localshow_own {
	struct in_addr in4;
	struct in6_addr in6;
	uint8_t has4;
	uint8_t has6;
	uint8_t pad[2];
};

/**
 * localshow_accepted() - getsockname()'s answer for a connection accepted
 * on a published listener
 * @bound:	the address the container bound the listener to (its port
 *		is ignored)
 * @port:	the container port of the listener
 * @local:	the connection's real local address (on the host)
 * @own:	the container's own addresses
 * @shown:	result: what the container is shown
 *
 * @bound itself if it is a specific address; for a wildcard listener the
 * container's loopback when @local is a (host) loopback address, else its
 * own address of @local's real family (its loopback if it has none),
 * v4-mapped on an IPv6 socket as natively. The port is @port. Nothing of
 * @local but its family and whether it is loopback is shown.
 */
void localshow_accepted(const struct sockaddr_storage *bound, uint16_t port,
			const struct sockaddr_storage *local,
			const struct localshow_own *own,
			struct sockaddr_storage *shown);

#endif /* B4NS_LOCALSHOW_H */
