// SPDX-License-Identifier: GPL-2.0-or-later
/* localshow.c - the container-side local address of a connection accepted
 * on a published listener
 *
 * Theory of operation: one pure decision shared by both paths. The seccomp
 * path's getsockname() handler (through common/localname.c, which finds
 * the listener in the container's state) and libb4ns.so (which keeps its
 * own small table of the listeners it bound through the supervisor) both
 * call localshow_accepted() with what the container bound, the container
 * port, the connection's real local address and the container's own
 * addresses. It computes from the container's side only: the address the
 * container bound the listener to, or for a wildcard listener its loopback
 * (the connection came in on a host loopback address: the container's own
 * connects to its published port do) or its own address of the family;
 * and the container port. It makes no system call: the library links it.
 */
#include <string.h>

#include "localshow.h"
#include "sockaddr.h"

/* loopback() - the loopback address of @family into @out */
static void loopback(int family, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	out->ss_family = (sa_family_t)family;
	if (family == AF_INET)
		((struct sockaddr_in *)out)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)out)->sin6_addr = in6addr_loopback;
}

/* own_address() - the container's own address of @family into @out:
 * false if it has none */
static bool own_address(const struct localshow_own *own, int family,
			struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	out->ss_family = (sa_family_t)family;
	if (family == AF_INET && own->has4)
		((struct sockaddr_in *)out)->sin_addr = own->in4;
	else if (family == AF_INET6 && own->has6)
		((struct sockaddr_in6 *)out)->sin6_addr = own->in6;
	else
		return false;
	return true;
}

void localshow_accepted(const struct sockaddr_storage *bound, uint16_t port,
			const struct sockaddr_storage *local,
			const struct localshow_own *own,
			struct sockaddr_storage *shown)
{
	struct sockaddr_storage ip, un;

	if ((bound->ss_family == AF_INET || bound->ss_family == AF_INET6) &&
	    !sa_is_unspecified((const struct sockaddr *)bound)) {
		*shown = *bound;
		sa_set_port((struct sockaddr *)shown, port);
		return;
	}
	/* the address family the connection really has (an IPv4 client of
	 * a dual-stack listener: v4-mapped) */
	sa_unmap((const struct sockaddr *)local, &un);
	if (sa_is_loopback((const struct sockaddr *)&un) ||
	    !own_address(own, un.ss_family, &ip))
		loopback(un.ss_family, &ip);
	if (!sa_in_family(&ip, local->ss_family, shown))
		loopback(local->ss_family, shown);
	sa_set_port((struct sockaddr *)shown, port);
}
