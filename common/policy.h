/* SPDX-License-Identifier: GPL-2.0-or-later
 * policy.h - the one switching decision, shared by the seccomp and preload paths
 */
#ifndef B4NS_POLICY_H
#define B4NS_POLICY_H

#include <stdbool.h>
#include <sys/socket.h>

#include "egress.h"
#include "origin.h"
#include "peers.h"
#include "portmap.h"
#include "sockaddr.h"

#define POLICY_MAX_CIDRS 64
#define POLICY_MAX_PUBLISH 64
#define POLICY_MAX_EGRESS 32
#define POLICY_MAX_DNS 8

/**
 * struct policy_cfg - inputs of the decision for one container
 * @ignore:		user CIDRs never switched
 * @n_ignore:		entries used in @ignore
 * @allow_host_loopback: switch the gateway address to the host's loopback
 * @gateway4:		IPv4 gateway address (slirp4netns default 10.0.2.2)
 * @gateway6:		IPv6 gateway address (slirp4netns default fd00::2)
 * @publish:		published ports
 * @n_publish:		entries used in @publish
 * @switch_udp:		UDP sockets may be switched and UDP ports published
 *			(off by default: a host UDP socket in the container can
 *			be aimed at the host's loopback by an untrapped
 *			sendmsg() with IP_PKTINFO)
 * @udp_sendmsg:	with @switch_udp, sendmsg() is trapped so that
 *			unconnected UDP is switched by it too
 * @network:		the network the container's services are registered
 *			in and whose services it reaches ("": one per own
 *			subnet, "@CIDR", this node only)
 * @allow:		egress allow rules (none: all not denied)
 * @n_allow:		entries used in @allow
 * @deny:		egress deny rules, checked on every switched connect
 *			and send
 * @n_deny:		entries used in @deny
 * @dns:		the host's name servers in host loopback (resolv.h),
 *			each an address and port 53: a TCP connect to
 *			exactly one of them is switched to it on the host
 *			(UDP never: the DNS forwarder relays it)
 * @n_dns:		entries used in @dns
 * @subnets_copied:	the container's interface addresses are copies of the
 *			host's (pasta): destinations in its subnets, its own
 *			addresses included, are the host's LAN and the host
 *			itself, and are switched like any routable address;
 *			only loopback (and the gateway, see above) stays local
 *
 * Nothing writes a policy_cfg once it is built: runtime state (bound
 * published ports, see struct policy_listener) lives beside it.
 */
struct policy_cfg {
	struct sa_cidr ignore[POLICY_MAX_CIDRS];
	int n_ignore;
	bool allow_host_loopback;
	struct sockaddr_storage gateway4;
	struct sockaddr_storage gateway6;
	struct portmap_entry publish[POLICY_MAX_PUBLISH];
	int n_publish;
	bool switch_udp;
	bool udp_sendmsg;
	char network[PEERS_NET_MAX];
	struct egress_rule allow[POLICY_MAX_EGRESS];
	int n_allow;
	struct egress_rule deny[POLICY_MAX_EGRESS];
	int n_deny;
	struct sockaddr_storage dns[POLICY_MAX_DNS];
	int n_dns;
	bool subnets_copied;
};

/**
 * struct policy_listener - a host socket bound for a publish mapping
 * @entry:	index of the mapping in policy_cfg.publish
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @family:	the socket's family
 * @v6only:	IPV6_V6ONLY of an AF_INET6 socket
 * @port:	the container port it was bound as
 * @cookie:	SO_COOKIE of the host socket
 * @addr:	the address the container bound it to (AF_UNSPEC if not
 *		known: a listener adopted from an earlier supervisor)
 */
struct policy_listener {
	int entry;
	int proto;
	int family;
	bool v6only;
	uint16_t port;
	uint64_t cookie;
	struct sockaddr_storage addr;
};

#define POLICY_MAX_LISTENERS 64

/**
 * struct policy_state - what a container's policy decisions read besides its
 * configuration: runtime state, never part of the configuration
 * @local:	the container namespace's own interface subnets now (its
 *		address monitor refreshes them)
 * @n_local:	entries used in @local
 * @own:	the container's address in each @local subnet (a host
 *		prefix)
 * @given:	bit i set: @own[i] (and @local[i]) was given to the
 *		container, not made by it: only those are registered, and
 *		only destinations in those subnets are looked up in the
 *		registry (container.c decides)
 * @pub:	one entry per host socket bound for a publish mapping now
 * @n_pub:	entries used in @pub
 * @peers:	the registry of container services the container may reach
 *		(its daemon's), or NULL
 * @origins:	connections to container services of this node, where
 *		their accept() learns who connected (origin.h), or NULL
 * @pub_changed: told after @pub changed (a port bound, or found closed),
 *		or NULL
 *
 * A @pub entry is only a candidate: before a connect of the container is
 * redirected to its own published service, the host socket it names (by
 * SO_COOKIE) is looked up among the host's live sockets; an entry whose
 * socket is gone (the container closed it) is dropped then.
 */
struct policy_state {
	struct sa_cidr local[POLICY_MAX_CIDRS];
	int n_local;
	struct sa_cidr own[POLICY_MAX_CIDRS];
	uint64_t given;
	struct policy_listener pub[POLICY_MAX_LISTENERS];
	int n_pub;
	const struct peers *peers;
	struct origins *origins;
	void (*pub_changed)(struct policy_state *st);
};

enum policy_verdict {
	POLICY_KEEP = 0,	/* leave the socket in the container namespace */
	POLICY_SWITCH,		/* switch to a host socket, connect to *out */
};

/**
 * struct policy_sock - what the caller learnt about the socket
 * @family:	SO_DOMAIN
 * @type:	SO_TYPE
 * @protocol:	SO_PROTOCOL
 * @connected:	already connected, listening or connecting
 * @foreign_ns:	the socket lives in another namespace than the container's
 *		(a nested namespace of the container)
 * @bound_dev:	SO_BINDTODEVICE is set (container interface names)
 */
struct policy_sock {
	int family;
	int type;
	int protocol;
	bool connected;
	bool foreign_ns;
	bool bound_dev;
};

/**
 * policy_default() - initialise @cfg with the built-in defaults
 * @cfg:	configuration to fill (no ignore CIDRs, no local subnets,
 *		gateways 10.0.2.2 and fd00::2, host loopback not allowed)
 */
void policy_default(struct policy_cfg *cfg);

/**
 * policy_connect() - decide whether a connect() leaves through the host
 * @cfg:	container policy
 * @st:		its runtime state (own subnets), or NULL for none
 * @sock:	the socket's properties
 * @dst:	destination as given by the container, already copied and
 *		length-checked by the caller
 * @out:	on POLICY_SWITCH, the address the host socket connects to (the
 *		destination, or the host's loopback for the gateway address)
 * @reason:	static text explaining the decision, for logs
 *
 * Pure function: no system calls, no global state.
 *
 * Return: the verdict
 */
enum policy_verdict policy_connect(const struct policy_cfg *cfg,
				   const struct policy_state *st,
				   const struct policy_sock *sock,
				   const struct sockaddr *dst,
				   struct sockaddr_storage *out,
				   const char **reason);

/**
 * policy_self() - a connect of the container to its own published service
 * @cfg:	container policy
 * @st:		its runtime state (own subnets), or NULL for none
 * @sock:	the connecting socket's properties
 * @dst:	destination
 * @l:		a live host socket the container bound for a mapping
 * @out:	on true, the host address of that service to connect to
 *
 * True when @dst is the container's own address (loopback, unspecified or
 * one of its subnets) on exactly the port @l was bound as, with @l's
 * protocol, in a family @l accepts (an AF_INET6 socket with IPV6_V6ONLY
 * takes no IPv4).
 *
 * Return: true if the connect goes to *@out on the host
 */
bool policy_self(const struct policy_cfg *cfg,
			const struct policy_state *st, const struct policy_sock *sock,
		 const struct sockaddr *dst, const struct policy_listener *l,
		 struct sockaddr_storage *out);

/**
 * policy_keep_by_address() - is a connect() to @dst kept in the container
 * whatever the socket is, provided it is a container socket?
 * @cfg:	container policy
 * @st:		its runtime state (own subnets), or NULL for none
 * @dst:	destination
 * @reason:	static text for logs when true
 *
 * Lets the caller answer without inspecting the socket (its namespace must
 * still be checked: a host socket is never left to the kernel).
 *
 * Return: true if policy_connect() would answer POLICY_KEEP for any socket
 */
bool policy_keep_by_address(const struct policy_cfg *cfg,
			    const struct policy_state *st,
			    const struct sockaddr *dst, const char **reason);

/**
 * policy_host_connect() - decide a connect() on a socket that already is a
 * host socket (switched earlier): only destinations the policy would switch
 * may be reached from it
 * @cfg:	container policy
 * @st:		its runtime state (own subnets), or NULL for none
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @dst:	destination
 * @out:	address to connect to on success
 * @reason:	static text for logs
 *
 * Return: true if the supervisor may connect the host socket to *@out
 */
bool policy_host_connect(const struct policy_cfg *cfg,
			 const struct policy_state *st, int proto,
			 const struct sockaddr *dst,
			 struct sockaddr_storage *out, const char **reason);

/**
 * policy_bind() - decide whether a bind() publishes a port on the host
 * @cfg:	container policy
 * @sock:	the socket's properties (@sock->connected: already bound)
 * @addr:	address the container binds, copied and length-checked
 * @host:	on POLICY_SWITCH, the host address to bind, in @sock's family
 * @entry:	on POLICY_SWITCH, index of the @cfg->publish entry
 * @reason:	static text for logs; on POLICY_SWITCH with a negative
 *		return, why the mapping cannot be honoured
 *
 * A bind of a published container port on the unspecified address or on a
 * container address moves to the host; loopback binds stay container-local.
 *
 * Return: the verdict; for a published port that cannot be bound in this
 * socket's family (an IPv6 host address for an IPv4 socket) POLICY_SWITCH
 * with @host zeroed and @reason set: the caller fails the bind
 */
enum policy_verdict policy_bind(const struct policy_cfg *cfg,
				const struct policy_sock *sock,
				const struct sockaddr *addr,
				struct sockaddr_storage *host, int *entry,
				const char **reason);

/**
 * policy_peer() - a connect or send to a container service of the registry
 * @cfg:	container policy (its network, or "" for its own subnets)
 * @st:		its runtime state (@st->peers, own subnets), or NULL
 * @family:	the socket's family, or 0 to ask for any service at @dst
 * @proto:	IPPROTO_TCP or IPPROTO_UDP (with @family), or 0
 * @dst:	destination as the container named it
 * @out:	with @family, the host address to connect or send to, in
 *		the socket's family (a local service published on every host
 *		address is reached on loopback); may be NULL otherwise
 *
 * Only services of the container's own network are found, and only for
 * a @dst inside a subnet the container was given (@st->given): in the
 * network named in @cfg, or without a name "@CIDR" of that subnet; never
 * one at an address of the container's own (@st->own), which natively is
 * the container itself. A UDP service is found only with
 * @cfg->switch_udp. Pure: no system calls (the caller checks that a local
 * entry's host socket still exists).
 *
 * Return: the entry, or NULL (the normal policy decides)
 */
const struct peer_entry *policy_peer(const struct policy_cfg *cfg,
				     const struct policy_state *st, int family,
				     int proto, const struct sockaddr *dst,
				     struct sockaddr_storage *out);

/**
 * policy_peer_source() - the address a container has in the subnet of a
 * container service it connects to, as that service would see it natively
 * @st:		the connecting container's state (its own addresses)
 * @dst:	the service's address, as the container named it
 * @port:	the port to show (the switched socket's own)
 * @out:	result
 *
 * Only an address the container was given (@st->given) is shown: one it
 * added itself may be another container's.
 *
 * Return: false if the container was given no address in @dst's subnet
 */
bool policy_peer_source(const struct policy_state *st,
			const struct sockaddr *dst, uint16_t port,
			struct sockaddr_storage *out);

/**
 * policy_egress() - do the container's egress rules let a switched
 * connect or send reach @dst?
 * @cfg:	container policy
 * @dst:	destination as the container named it
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @rule:	when not, the deciding rule's text (see egress_check())
 *
 * Return: true if allowed
 */
bool policy_egress(const struct policy_cfg *cfg, const struct sockaddr *dst,
		   int proto, const char **rule);

/**
 * policy_proto() - IPPROTO_TCP or IPPROTO_UDP for a socket, 0 if neither
 * @sock:	the socket's properties
 *
 * Return: protocol
 */
int policy_proto(const struct policy_sock *sock);

#endif /* B4NS_POLICY_H */
