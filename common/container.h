/* SPDX-License-Identifier: GPL-2.0-or-later
 * container.h - the supervisor's containers: registry, runtime state, counters
 */
#ifndef B4NS_CONTAINER_H
#define B4NS_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "loop.h"
#include "policy.h"

struct registry;

/**
 * struct container_stats - counters of one container
 * @notifications:	requests received (notifications, preload requests)
 * @switched:		sockets switched to host sockets
 * @kept:		calls left to the container namespace
 * @refused:		calls answered with an error by the supervisor
 * @errors:		internal failures (logged)
 */
struct container_stats {
	uint64_t notifications;
	uint64_t switched;
	uint64_t kept;
	uint64_t refused;
	uint64_t errors;
};

/**
 * struct container - one container the supervisor serves
 * @id:		name for logs and status
 * @pid:	its first process as registered
 * @netns_ino:	its network namespace's inode (to find it by a pid's)
 * @netns_id:	its network namespace's id (hostsock_netns_id(), to compare
 *		sockets'), 0 if no socket of its namespace was given
 * @cfg:	its policy configuration: owned, never written after
 *		container_new()
 * @state:	its policy's runtime state: own subnets (refreshed by the
 *		address monitor), published ports bound now
 * @st:		counters
 * @passthrough: switch nothing (the daemon could not configure it): its
 *		calls are still performed by the supervisor, with a policy
 *		that keeps everything (container_policy())
 * @path:	the serving path's state of it (the seccomp supervisor's notify
 *		fds and waiting answers), or NULL
 * @path_free:	releases @path when the container goes, or NULL
 * @nl_fd:	address monitor in its namespace, or -1
 * @nl_watch:	its watch in the loop
 * @addr_frozen: its processes may change its addresses (CAP_NET_ADMIN in
 *		their bounding set): only the addresses it had when it was
 *		registered (@given, before its own code ran for "b4ns run",
 *		at once for a runtime) count as given, see policy_state.given
 * @given:	with @addr_frozen, those addresses
 * @n_given:	entries used in @given
 * @snapped:	@addr_frozen and @given are decided (first address read)
 * @origin:	what the serving path made it from (the daemon: its OCI
 *		state, to apply a reloaded config), freed with it, or NULL
 * @peers:	the registry of container services its published ports are
 *		in (container_serve_peers()), or NULL
 * @gone:	taken out of the registry; freed after the loop's batch
 * @next:	next container of the registry
 */
struct container {
	char id[128];
	pid_t pid;
	uint64_t netns_ino;
	uint64_t netns_id;
	const struct policy_cfg *cfg;
	struct policy_state state;
	struct container_stats st;
	bool passthrough;
	void *path;
	void (*path_free)(struct container *c);
	int nl_fd;
	struct loop_watch *nl_watch;
	bool addr_frozen;
	struct sa_cidr given[POLICY_MAX_CIDRS];
	int n_given;
	bool snapped;
	void *origin;
	struct peers *peers;
	bool gone;
	struct container *next;
};

/**
 * registry_new() - an empty set of containers served by @l
 * @l:		the event loop (address monitors are watched there)
 * @out:	the registry
 *
 * Return: 0 or negative errno
 */
int registry_new(struct loop *l, struct registry **out);

/**
 * registry_free() - free every container, then the registry
 * @r:		registry, may be NULL
 */
void registry_free(struct registry *r);

/**
 * registry_loop() - the event loop of a registry
 * @r:		registry
 *
 * Return: the loop
 */
struct loop *registry_loop(const struct registry *r);

/**
 * registry_self_netns() - the supervisor's network namespace id
 * @r:		registry
 *
 * Return: hostsock_netns_id() of a socket of the supervisor
 */
uint64_t registry_self_netns(const struct registry *r);

/**
 * registry_stop_when_empty() - stop the loop once no container is left
 * @r:		registry (stops the loop at once if it is empty now)
 */
void registry_stop_when_empty(struct registry *r);

/**
 * container_new() - register a container
 * @r:		registry
 * @id:		name for logs
 * @pid:	its first process, to find its network namespace
 * @cfg:	its policy configuration (copied once; own subnets are not
 *		taken from it but from the address monitor)
 * @nl_fd:	address monitor in its namespace (netaddr_monitor_open()),
 *		owned by the container from now on, or -1
 * @out:	the container
 * @err:	why it could not be registered, with the container's id
 *
 * Return: 0 or negative errno (@nl_fd is closed then)
 */
int container_new(struct registry *r, const char *id, pid_t pid,
		  const struct policy_cfg *cfg, int nl_fd,
		  struct container **out, struct b4_error *err);

/**
 * container_serve_peers() - register the container's published ports in
 * @p, and let its connects reach the services of @p
 * @c:		container (not a passthrough one)
 * @p:		registry of container services, owned by the caller and
 *		outliving @c
 * @o:		table of connections to container services of this node
 *		(their accept() shows the connecting container), owned by
 *		the caller and outliving @c; may be NULL
 *
 * From now on its entries follow its bound ports and addresses and go
 * with it.
 *
 * Return: number of local entries of @p now
 */
int container_serve_peers(struct container *c, struct peers *p,
			  struct origins *o);

/**
 * container_set_policy() - new settings for a running container (a config
 * reload): its next calls are decided by them
 * @r:		registry
 * @c:		container
 * @cfg:	the settings (copied); its published ports are not taken: the
 *		ports the container bound stay as they were
 */
void container_set_policy(struct registry *r, struct container *c,
			  const struct policy_cfg *cfg);

/**
 * container_free() - take a container out of the registry: its path state
 * is released now, its memory after the loop's batch
 * @r:		registry
 * @c:		container, may already be gone
 */
void container_free(struct registry *r, struct container *c);

/**
 * container_find() - look up a container by id
 * @r:		registry
 * @id:		its id
 *
 * Return: the container, or NULL
 */
struct container *container_find(const struct registry *r, const char *id);

/**
 * container_by_netns() - the container whose network namespace is @ino
 * @r:		registry
 * @ino:	namespace inode
 *
 * Return: the container, or NULL
 */
struct container *container_by_netns(const struct registry *r, uint64_t ino);

/**
 * container_policy() - the configuration a container's calls are decided by
 * @c:		container
 *
 * Return: its own, or for a passthrough container one that keeps every
 * address in the container's namespace and publishes nothing
 */
const struct policy_cfg *container_policy(const struct container *c);

/**
 * container_count() - count one request served
 * @c:		container
 * @switched:	1 if it was switched, 0 if kept, -1 if refused
 */
void container_count(struct container *c, int switched);

/**
 * registry_each() - call @fn for every container, which it may change
 * (not free)
 * @r:		registry
 * @fn:		callback
 * @arg:	its argument
 */
void registry_each(struct registry *r, void (*fn)(struct container *, void *),
		   void *arg);

/**
 * registry_visit() - call @fn for every container
 * @r:		registry
 * @fn:		callback
 * @arg:	its argument
 */
void registry_visit(const struct registry *r,
		    void (*fn)(const struct container *, void *), void *arg);

#endif /* B4NS_CONTAINER_H */
