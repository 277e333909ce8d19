/* SPDX-License-Identifier: GPL-2.0-or-later
 * localname.h - the local address a container sees for a connection
 * accepted on one of its published ports
 */
#ifndef B4NS_LOCALNAME_H
#define B4NS_LOCALNAME_H

#include <stdint.h>
#include <sys/socket.h>

#include "localshow.h"
#include "policy.h"

/**
 * localname_own() - the container's own addresses a wildcard listener's
 * connections show
 * @st:		its state (NULL: none)
 * @own:	result: per family, an address it was given first, else the
 *		first it has
 */
void localname_own(const struct policy_state *st, struct localshow_own *own);

/**
 * localname_accepted() - getsockname()'s answer for a connection accepted
 * on a published listener
 * @pol:		the container's policy (its publish mappings)
 * @st:			its state (bound listeners, own addresses)
 * @sock:		a socket of the container (the caller's duplicate)
 * @netns_id:		the container's network namespace
 * @self_netns_id:	the supervisor's (the host's) network namespace
 * @shown:		result: the container-side local address and port
 *
 * @sock is taken for a connection accepted on one of @st's published TCP
 * listeners when it is a host socket, TCP, not listening, and its local
 * port is the host port of such a listener of its family (a host port a
 * listener holds is never an ephemeral port of a connect). The address
 * shown is the one the container bound the listener to; for a wildcard
 * listener, the container's loopback address when the connection came
 * in on a host loopback address, else the container's own address of
 * that family (its loopback if it has none), v4-mapped on an IPv6 socket
 * as natively. The port is the container port. Nothing of the host's
 * addresses is shown.
 *
 * Return: 0 with @shown set; -ENOENT if @sock is no such connection;
 * other negative errno
 */
int localname_accepted(const struct policy_cfg *pol,
		       const struct policy_state *st, int sock,
		       uint64_t netns_id, uint64_t self_netns_id,
		       struct sockaddr_storage *shown);

#endif /* B4NS_LOCALNAME_H */
