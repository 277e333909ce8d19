/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostsock.h - inspect a container socket and build its host twin
 */
#ifndef B4NS_HOSTSOCK_H
#define B4NS_HOSTSOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

/**
 * struct hostsock_info - what a switch needs to know about a socket
 * @family:	SO_DOMAIN
 * @type:	SO_TYPE
 * @protocol:	SO_PROTOCOL
 * @fl:		file status flags (F_GETFL), shared with the container's fd
 * @connected:	TCP not in CLOSE state, or UDP with a peer
 * @bound_dev:	SO_BINDTODEVICE set
 * @bound:	local address from getsockname()
 * @bound_port:	port of @bound, 0 if not bound
 * @bound_specific: bound to a specific (non-wildcard) address
 */
struct hostsock_info {
	int family;
	int type;
	int protocol;
	int fl;
	bool connected;
	bool bound_dev;
	struct sockaddr_storage bound;
	uint16_t bound_port;
	bool bound_specific;
};

/**
 * hostsock_inspect() - read family, type, state and flags of a socket
 * @sock:	our duplicate of the container's socket
 * @info:	result
 *
 * Return: 0, -ENOTSOCK if @sock is no socket, other negative errno
 */
int hostsock_inspect(int sock, struct hostsock_info *info);

/**
 * hostsock_netns_ino() - network namespace inode of a socket
 * @sock:	socket
 * @ino:	result
 *
 * Return: 0, -EPERM if the namespace belongs to a user namespace we have no
 * CAP_NET_ADMIN over (for an unprivileged supervisor: the host's), other
 * negative errno
 */
int hostsock_netns_ino(int sock, uint64_t *ino);

/**
 * hostsock_netns_id() - an identifier of a socket's network namespace
 * @sock:	socket
 * @id:		result: SO_NETNS_COOKIE (one cheap getsockopt, Linux 5.14+),
 *		or on older kernels the namespace inode (hostsock_netns_ino())
 *
 * Every id the caller compares must come from this function.
 *
 * Return: 0, -EPERM (inode fallback only: a namespace we cannot inspect,
 * for an unprivileged supervisor the host's), other negative errno
 */
int hostsock_netns_id(int sock, uint64_t *id);

/**
 * hostsock_create() - create a host socket carrying the state of @csock
 * @csock:	our duplicate of the container's socket
 * @info:	its properties, from hostsock_inspect()
 * @dst:	where the supervisor will connect it, NULL if it is to be bound
 *		(published): decides which options are read (see the theory of
 *		operation in hostsock.c)
 *
 * The new socket has the same family, type and protocol, every socket option
 * the container changed from its default that matters for that use (only
 * those, so that kernel auto-tuning of unset buffers survives), and
 * O_NONBLOCK set whatever the container's mode: the caller connects it
 * asynchronously and restores @info->fl before answering. A wildcard local
 * port the container bound is bound on the host socket too.
 *
 * Return: the new descriptor (O_CLOEXEC), or negative errno
 */
int hostsock_create(int csock, const struct hostsock_info *info,
		    const struct sockaddr *dst);

/**
 * hostsock_copy_opts() - copy changed socket options from @from to @to
 * @from:	socket to read options from
 * @to:		socket to set them on
 * @info:	properties of @from
 * @dst:	destination @to will be connected to, or NULL (to be bound:
 *		every option)
 *
 * Options the host refuses (e.g. SO_MARK without CAP_NET_ADMIN) are skipped
 * with a debug message.
 *
 * Return: number of options copied
 */
int hostsock_copy_opts(int from, int to, const struct hostsock_info *info,
		       const struct sockaddr *dst);

/**
 * hostsock_opt_label() - is a socket option one b4ns copies at switch time?
 * @level:	option level (SOL_SOCKET, IPPROTO_TCP, ...)
 * @name:	option
 *
 * Return: its name ("SO_KEEPALIVE") if hostsock_copy_opts() carries it
 * over to the host socket, NULL if it is lost at the switch
 */
const char *hostsock_opt_label(int level, int name);

/**
 * hostsock_bind_egress() - tie a host socket to the interface it leaves by
 * @sock:	host socket, connected to @dst or not
 * @dst:	the destination it is switched for
 *
 * A UDP host socket can be aimed anywhere by sendmsg()/sendmmsg(), which
 * are not trapped. Bound to the interface that reaches @dst (for a local
 * address: the interface that owns it), the kernel will not deliver it to
 * the host's loopback, and an unprivileged process cannot unbind it.
 *
 * A destination whose route leaves by a loopback device (an address of
 * the host's own "lo", even outside 127.0.0.0/8) cannot be bound that way:
 * binding to "lo" would open all of the host's loopback to sendmsg().
 *
 * Return: 0, -EADDRNOTAVAIL for a destination on a loopback device, or
 * another negative errno (the caller does not switch then)
 */
int hostsock_bind_egress(int sock, const struct sockaddr *dst);

/**
 * hostsock_cookie() - SO_COOKIE of a socket (stable for its life, never
 * reused while the host runs)
 * @sock:	socket
 * @cookie:	result
 *
 * Return: 0 or negative errno
 */
int hostsock_cookie(int sock, uint64_t *cookie);

/**
 * hostsock_tcp_cookie() - SO_COOKIE of the host's TCP socket with local
 * address @local and peer @remote (one sock_diag lookup, no dump)
 * @local:	its local address and port (IPv4-mapped is found as IPv4)
 * @remote:	its peer address and port; NULL: the listener that would
 *		take a connection to @local
 * @cookie:	result
 *
 * Return: 0, -ENOENT if no such socket exists (TIME_WAIT ones are found),
 * other negative errno
 */
int hostsock_tcp_cookie(const struct sockaddr *local,
			const struct sockaddr *remote, uint64_t *cookie);

/**
 * hostsock_listener_alive() - hostsock_alive(), first through the address
 * a TCP listener takes connections at (one sock_diag lookup instead of a
 * dump of every socket of the host)
 * @family:	the socket's family
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @at:		the address it is bound to (unspecified: looked up on
 *		loopback), or NULL
 * @cookie:	its SO_COOKIE
 *
 * Return: as hostsock_alive()
 */
int hostsock_listener_alive(int family, int proto, const struct sockaddr *at,
			    uint64_t cookie);

/**
 * hostsock_alive() - does a socket of the supervisor's network namespace
 * with this cookie still exist (TCP: listening, or bound and not listening
 * yet, where the kernel can report that: see hostsock_diag_bound())?
 * @family:	AF_INET or AF_INET6
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @cookie:	its SO_COOKIE
 *
 * One NETLINK_SOCK_DIAG dump (as `ss` does, no privilege needed): used only
 * for a container's connects to its own published ports, so that a port the
 * container closed (and a host process may have taken since) is never
 * reached through it.
 *
 * Return: 1 alive, 0 gone, negative errno if the kernel cannot say
 */
int hostsock_alive(int family, int proto, uint64_t cookie);

/**
 * hostsock_diag_bound() - does this kernel report bound, not listening TCP
 * sockets through sock_diag (TCP_BOUND_INACTIVE, Linux 6.8)? Probed once.
 *
 * Without it a TCP socket hostsock_alive() does not find may still be bound.
 *
 * Return: true if it does
 */
bool hostsock_diag_bound(void);

#endif /* B4NS_HOSTSOCK_H */
