/* SPDX-License-Identifier: GPL-2.0-or-later
 * switch.h - the one "switch this socket" operation both paths call
 */
#ifndef B4NS_SWITCH_H
#define B4NS_SWITCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "hostsock.h"
#include "policy.h"

/**
 * enum switch_action - what the caller must do with the container's fd
 * @SWITCH_NONE:	nothing: let the call run in the container namespace
 * @SWITCH_INJECT:	put the host socket (struct switch_req's @hsock) in
 *			place of the container's fd
 * @SWITCH_INPLACE:	the container's fd already is a host socket; the
 *			connect was made on it in place
 * @SWITCH_REFUSE:	answer struct switch_req's @err without touching
 *			anything
 */
enum switch_action {
	SWITCH_NONE = 0,
	SWITCH_INJECT,
	SWITCH_INPLACE,
	SWITCH_REFUSE,
};

/**
 * struct switch_req - what every request to switch a socket has: the socket
 * and its container going in, the outcome coming out
 * @csock:	in: our duplicate of the container's socket
 * @addr:	in: the address the call names, copied once from the
 *		container (a connect's: length-checked; a send's: NULL if
 *		it names none, or not a complete IP address)
 * @addrlen:	in: its length as given (not used by a send)
 * @netns_id:	in: the container's network namespace (hostsock_netns_id())
 * @self_netns_id: in: the supervisor's (host) network namespace
 * @st:		in: the container's policy state (own subnets, published
 *		ports bound: a publish bind records its host socket there),
 *		or NULL
 * @action:	out: see enum switch_action (which ones each request
 *		can give: its struct)
 * @reason:	out: static text for logs
 * @hsock:	out: for SWITCH_INJECT, the new host socket
 * @err:	out: for SWITCH_REFUSE, the negative errno to answer (a
 *		connect: also its outcome, 0 or -EINPROGRESS)
 * @info:	out: the container socket's properties (@info.fl: its file
 *		status flags, the mode to give the host socket back)
 * @to:		out: the address on the host: where a connect goes, where a
 *		bind is made (or attempted), where a datagram is sent
 *		(AF_UNSPEC: none)
 * @local_peer:	out: a TCP connect to a container service on this node
 *
 * A call that fails (a negative errno) leaves @action SWITCH_NONE.
 */
struct switch_req {
	int csock;
	const struct sockaddr *addr;
	socklen_t addrlen;
	uint64_t netns_id;
	uint64_t self_netns_id;
	struct policy_state *st;
	enum switch_action action;
	const char *reason;
	int hsock;
	int err;
	struct hostsock_info info;
	struct sockaddr_storage to;
	bool local_peer;
};

/**
 * struct switch_conn - one connect() to decide and perform
 * @req:	the socket, the destination (@req.addr) and the outcome
 *		(@req.hsock: O_NONBLOCK, @req.err: 0 connected, -EINPROGRESS
 *		in progress, or negative errno)
 */
struct switch_conn {
	struct switch_req req;
};

/**
 * switch_connect() - decide a connect() and, if switched, start it on a host
 * socket
 * @pol:	the container's policy
 * @c:		the request; see struct switch_conn
 *
 * Either builds a host socket carrying the container socket's state and
 * starts a non-blocking connect() to the policy's address (SWITCH_INJECT),
 * or, when the container's fd already is a host socket, connects it in place
 * if the policy allows the destination (SWITCH_INPLACE) and refuses with
 * -ENETUNREACH otherwise, or leaves the call to the container (SWITCH_NONE).
 * The address used is the caller's copy: nothing is read twice.
 *
 * Return: 0 (the outcome is in @c), or negative errno if inspecting the
 * socket failed (then @c->req.action is SWITCH_NONE)
 */
int switch_connect(const struct policy_cfg *pol, struct switch_conn *c);

/**
 * switch_connect_other() - decide a connect() whose address is not a
 * complete IP address (AF_UNIX, another family, a short length)
 * @c:		the request (@c->req.addr, @c->req.addrlen as given)
 *
 * On a host socket the call is refused with the errno the kernel gives an
 * IP socket (-EINVAL for a short IP address, -EAFNOSUPPORT otherwise): the
 * kernel is never asked to read such an address again. On any other socket
 * the caller performs the call itself (SWITCH_NONE).
 *
 * Return: 0 (the outcome is in @c), or negative errno
 */
int switch_connect_other(struct switch_conn *c);

/**
 * switch_connect_raw() - connect @s to the bytes @addr without blocking
 * @s:		socket (the container's own, or a host socket)
 * @addr:	address as the container gave it
 * @len:	its length
 * @fl:		file status flags of @s: a blocking socket is made
 *		non-blocking for the call and, unless -EINPROGRESS is
 *		returned, restored
 *
 * Return: 0, -EINPROGRESS (flags left non-blocking: see
 * switch_connect_result()), or negative errno
 */
int switch_connect_raw(int s, const struct sockaddr *addr, socklen_t len,
		       int fl);

/**
 * switch_connect_result() - outcome of a connect() that was in progress
 * @sock:	the host socket (or the in-place socket)
 * @fl:		file status flags to restore
 * @to:		the address it was connecting to
 *
 * On success the socket is connected once more to settle it: Linux leaves a
 * socket whose non-blocking connect completed in a state where the next
 * connect() returns 0 instead of EISCONN, which a caller that blocked must
 * not see.
 *
 * Return: 0 or the negative errno of the connect (SO_ERROR)
 */
int switch_connect_result(int sock, int fl, const struct sockaddr_storage *to);

/**
 * switch_connect_ended() - has a connect() started non-blocking ended?
 * @sock:	the host socket (or the in-place socket)
 * @fl:		file status flags to restore once it has
 * @to:		the address it is connecting to (AF_UNSPEC: not an IP one)
 * @result:	out, if it has: 0 or the negative errno of the connect
 *
 * Asked at once after the connect (loopback and LAN handshakes are often
 * done by then), without the event loop. For an IP address this is one
 * connect() to @to: it answers 0 or EISCONN when the connection is up and
 * then also settles the socket (see switch_connect_result()), EALREADY while
 * the handshake runs, or the connect's error. Other families are polled.
 *
 * Return: true if ended (*@result set, flags restored), false if not
 */
bool switch_connect_ended(int sock, int fl, const struct sockaddr_storage *to,
			  int *result);

/**
 * switch_restore_flags() - put back the container's blocking mode
 * @sock:	host socket
 * @fl:		flags read from the container's socket
 *
 * Return: 0 or negative errno
 */
int switch_restore_flags(int sock, int fl);

/**
 * struct switch_bind - one bind() to decide and perform
 * @req:	the socket and the outcome: SWITCH_NONE, SWITCH_INJECT
 *		(@req.hsock bound, in the container socket's blocking mode)
 *		or SWITCH_REFUSE; a publish bind adds its host socket to
 *		@req.st->pub
 * @entry:	out: index of the publish entry, -1 if none
 */
struct switch_bind {
	struct switch_req req;
	int entry;
};

/**
 * switch_bind() - publish a container bind() on the host if it is mapped
 * @pol:	the container's policy
 * @b:		the request; see struct switch_bind
 *
 * A host socket with the container socket's state is bound to the mapping's
 * host address by the supervisor itself: a host port that cannot be bound
 * fails the container's bind() with the real errno, never silently falls
 * back. A bind() on a socket that already is a host socket is refused with
 * -EINVAL, as the kernel answers for a bound socket, so host ports can only
 * be claimed through mappings. On success the host socket is recorded in
 * @b->req.st->pub, so the container's own connects to it follow while it lives.
 *
 * Return: 0 (the outcome is in @b), or negative errno if inspecting failed
 */
int switch_bind(const struct policy_cfg *pol, struct switch_bind *b);

/**
 * switch_bind_forget() - drop the record switch_bind() made for @hsock
 * (it could not be given to the container)
 * @st:		the container's policy state, or NULL
 * @hsock:	the host socket
 */
void switch_bind_forget(struct policy_state *st, int hsock);

/**
 * switch_pub_adopt() - record host socket @hsock as a published port if it
 * is one: not connected, bound to the host port of one of @pol's mappings
 * with its protocol (how a restarted daemon learns the host ports its
 * containers hold)
 * @pol:	the container's policy
 * @st:		its policy state
 * @hsock:	our duplicate of a host socket found in the container
 *
 * Return: true if it was recorded now
 */
bool switch_pub_adopt(const struct policy_cfg *pol, struct policy_state *st,
		      int hsock);

/**
 * switch_is_published() - is host socket @sock one bound for a mapping?
 * @st:		the container's policy state, or NULL
 * @sock:	a host socket
 *
 * Return: true if @sock is recorded in @st->pub (listen() may proceed on it)
 */
bool switch_is_published(const struct policy_state *st, int sock);

/**
 * struct switch_send - one sendto()/sendmsg() with a destination
 * @req:	the socket and the outcome: SWITCH_NONE (the caller sends on
 *		the container's own socket), SWITCH_INJECT (switch to
 *		@req.hsock, O_NONBLOCK, then send through it), SWITCH_INPLACE
 *		(the fd is a host socket: the supervisor sends, to @req.to
 *		only, AF_UNSPEC meaning no address) or SWITCH_REFUSE
 * @bad_dst:	in: the call named a destination that is not a complete IP
 *		address
 * @flags:	in: the call's MSG_* flags
 */
struct switch_send {
	struct switch_req req;
	bool bad_dst;
	int flags;
};

/**
 * switch_send() - decide a datagram send with a destination
 * @pol:	the container's policy
 * @s:		the request; see struct switch_send
 *
 * With switch_udp, an unconnected UDP socket of the container sending to a
 * destination the policy switches is switched once (SWITCH_INJECT). On a
 * socket that already is a host socket the caller sends itself, only to
 * @s->req.to (SWITCH_INPLACE): a destination the policy allows, any peer for a
 * published UDP socket except host-loopback service ports, no address at
 * all for TCP (the kernel ignores it; TCP Fast Open on an unconnected host
 * socket is refused), and a non-IP or short address on a UDP host socket
 * is refused. SWITCH_NONE: a container socket, on which the caller performs
 * the send in the container's namespace.
 *
 * Return: 0 (the outcome is in @s), or negative errno if inspecting failed
 */
int switch_send(const struct policy_cfg *pol, struct switch_send *s);

/**
 * switch_is_host_socket() - does @sock live outside the container namespace?
 * @sock:		socket
 * @netns_id:		the container's network namespace
 * @self_netns_id:	the supervisor's network namespace
 * @foreign:		set if it lives in a namespace that is neither (nested)
 *
 * Return: true for a host socket (one we switched, or inherited from the
 * host)
 */
bool switch_is_host_socket(int sock, uint64_t netns_id,
			   uint64_t self_netns_id, bool *foreign);

/**
 * switch_pub_sweep() - drop the published ports whose host socket the
 * container has closed (@st->pub_changed is told)
 * @st:		the container's policy state
 */
void switch_pub_sweep(struct policy_state *st);

#endif /* B4NS_SWITCH_H */
