/* SPDX-License-Identifier: GPL-2.0-or-later
 * peers.h - the registry of container services: (network, container address,
 * port, protocol) -> the host address a switched socket connects to
 */
#ifndef B4NS_PEERS_H
#define B4NS_PEERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define PEERS_NET_MAX 64	/* network name, with its NUL */
#define PEERS_NODE_MAX 64	/* node name, with its NUL */
#define PEERS_ID_MAX 128	/* container id, with its NUL */

/**
 * struct peer_key - what a connect of a container names
 * @network:	the network the service is registered in: a name given by
 *		the user ([A-Za-z0-9_.-], see peers_net_valid()), or for a
 *		container without one "@CIDR" of one of its own subnets
 *		(never shared with other nodes)
 * @addr:	the container's address and port (AF_INET or AF_INET6, never
 *		IPv4-mapped; other bytes zero)
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 */
struct peer_key {
	char network[PEERS_NET_MAX];
	struct sockaddr_storage addr;
	int proto;
};

/**
 * struct peer_entry - one container service
 * @key:	what it answers
 * @host:	where it is on the host side: for a local entry the address
 *		its host listener is bound to (unspecified: every address),
 *		for a remote one the other node's address; the port is the
 *		host port
 * @node:	node that registered it ("" for this node's before a name is
 *		known)
 * @container:	container id on that node
 * @remote:	learnt from another node (the cluster registry)
 * @family:	local entries: the host listener's family
 * @cookie:	local entries: the host listener's SO_COOKIE, to check that
 *		it still exists before a connect is sent to it
 */
struct peer_entry {
	struct peer_key key;
	struct sockaddr_storage host;
	char node[PEERS_NODE_MAX];
	char container[PEERS_ID_MAX];
	bool remote;
	int family;
	uint64_t cookie;
};

struct peers;

/**
 * typedef peers_hook_fn - told of every change of a local entry
 * @arg:	the hook's argument
 * @e:		the entry (valid during the call only)
 * @present:	true if put (new or changed), false if deleted
 */
typedef void (*peers_hook_fn)(void *arg, const struct peer_entry *e,
			      bool present);

/**
 * peers_new() - an empty registry
 * @out:	the registry
 *
 * Return: 0 or -ENOMEM
 */
int peers_new(struct peers **out);

/**
 * peers_free() - free a registry
 * @p:		registry, may be NULL
 */
void peers_free(struct peers *p);

/**
 * peers_set_hook() - call @fn for every change of a local entry
 * @p:		registry
 * @fn:		callback, or NULL
 * @arg:	its argument
 */
void peers_set_hook(struct peers *p, peers_hook_fn fn, void *arg);

/**
 * peers_put() - add or replace the entry with @e's key
 * @p:		registry
 * @e:		entry (copied; the hook is told only if it differs from the
 *		one it replaces); @e->key.addr is normalised (IPv4-mapped
 *		IPv6 becomes IPv4, bytes past the address cleared)
 *
 * The first claim of a key wins: a remote entry never replaces a local
 * one (two nodes claiming one container address), nor a local entry one of
 * another container (a container that added a neighbour's address to its
 * interface); -EEXIST is returned then.
 *
 * Return: 0, -EEXIST, -EINVAL (bad key) or -ENOMEM
 */
int peers_put(struct peers *p, const struct peer_entry *e);

/**
 * peers_del() - delete the entry with key @k
 * @p:		registry
 * @k:		key
 * @remote:	delete it only if it is remote (true) or only if local
 *
 * Return: 0, or -ENOENT if there is no such entry
 */
int peers_del(struct peers *p, const struct peer_key *k, bool remote);

/**
 * peers_del_container() - delete every local entry of container @id
 * @p:		registry
 * @id:		container id
 *
 * Return: number of entries deleted
 */
int peers_del_container(struct peers *p, const char *id);

/**
 * peers_find() - the entry for a connect in @network to @dst
 * @p:		registry
 * @network:	network name
 * @dst:	destination as the container named it (IPv4-mapped is
 *		looked up as IPv4)
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, or 0 for either
 *
 * Return: the entry (valid until the registry next changes), or NULL
 */
const struct peer_entry *peers_find(const struct peers *p, const char *network,
				    const struct sockaddr *dst, int proto);

/**
 * peers_mark_remote() - mark every remote entry stale (before a resync)
 * @p:		registry
 */
void peers_mark_remote(struct peers *p);

/**
 * peers_mark_container() - mark every local entry of container @id stale
 * (before its entries are put again)
 * @p:		registry
 * @id:		container id
 */
void peers_mark_container(struct peers *p, const char *id);

/**
 * peers_sweep() - delete the entries still stale since peers_mark_remote()
 * or peers_mark_container() (not put again meanwhile)
 * @p:		registry
 *
 * Return: number deleted
 */
int peers_sweep(struct peers *p);

/**
 * peers_visit() - call @fn for every entry
 * @p:		registry
 * @fn:		callback; must not change the registry
 * @arg:	its argument
 */
void peers_visit(const struct peers *p,
		 void (*fn)(const struct peer_entry *e, void *arg), void *arg);

/**
 * peers_count() - number of entries
 * @p:		registry
 * @remote:	count remote (true) or local (false) ones
 *
 * Return: count
 */
int peers_count(const struct peers *p, bool remote);

/**
 * peers_net_valid() - is @name a network name a user may give?
 * @name:	name
 *
 * Return: true for 1-63 characters of [A-Za-z0-9_.-]
 */
bool peers_net_valid(const char *name);

#endif /* B4NS_PEERS_H */
