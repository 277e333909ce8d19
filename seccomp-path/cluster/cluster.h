/* SPDX-License-Identifier: GPL-2.0-or-later
 * cluster.h - the daemon's registry shared through etcd: this node's local
 * entries published, the other nodes' learnt as remote entries
 *
 * How "b4ns daemon" uses it (seccomp-path/oci/daemon.c), all on the main
 * thread:
 *
 *	if (cfg->registry.kind == CFG_REGISTRY_ETCD) {
 *		r = cluster_start(&cfg->registry, loop, peers, &d->cluster,
 *				  &err);
 *		if (r < 0)
 *			-> fail the daemon's start with b4_error_msg(&err, r)
 *	}
 *	... loop_run(loop) ...
 *	status JSON: json_object_object_add(st, "registry",
 *					    cluster_status(d->cluster));
 *	at exit, before peers_free() and loop_free():
 *		cluster_free(d->cluster);
 *
 * cluster_start() may come before or after local entries exist: the ones
 * already in @p are published, later changes follow through peers' hook
 * (cluster owns peers_set_hook() while it runs). etcd being unreachable is
 * not an error: the daemon serves its own entries, the sync retries in the
 * background and cluster_status() says why it is down.
 */
#ifndef B4NS_CLUSTER_H
#define B4NS_CLUSTER_H

#include <json-c/json.h>

#include "cfg.h"
#include "err.h"
#include "loop.h"
#include "peers.h"

struct cluster;

/**
 * cluster_start() - start publishing @p's local entries to etcd and
 * learning the other nodes' into @p
 * @rc:		registry settings (copied), as cfg_registry_check() left
 *		them: endpoints, node name ("": the host name),
 *		node_address (required: a specific, non-loopback address
 *		other nodes reach this one at), lease_ttl (0: 15 s), prefix
 *		("": "b4ns/v1/"), TLS files
 * @l:		the event loop of the thread that owns @p: remote changes
 *		are applied to @p there, by a callback on an eventfd
 * @p:		the registry; touched only from @l's thread
 * @out:	the sync
 * @err:	what is wrong with a setting: no endpoint or a bad URL, an
 *		unreadable certificate, key or CA file, a missing or
 *		loopback node_address, a bad node name or prefix
 *
 * Starts a thread that does all the etcd I/O: it grants a lease of
 * lease_ttl seconds (renewed every third of it), puts every published
 * local entry under it, reads the prefix and then watches it. Nothing waits
 * for etcd here: an unreachable etcd is retried with a backoff.
 *
 * Return: 0, -EINVAL (bad setting), -errno of an unreadable file, -ENOMEM,
 * or the errno of a failed thread or eventfd creation
 */
int cluster_start(const struct cfg_registry *rc, struct loop *l,
		  struct peers *p, struct cluster **out, struct b4_error *err);

/**
 * cluster_free() - stop the sync cleanly: revoke the lease (this node's
 * entries leave etcd at once rather than when the lease runs out), stop
 * the thread, drop the remote entries from the registry
 * @c:		sync, may be NULL
 *
 * Blocks while the revoke runs: at most the request timeout (a third of
 * the TTL, 1 to 5 s) per endpoint when etcd does not answer.
 */
void cluster_free(struct cluster *c);

/**
 * cluster_status() - the sync's state, for "b4ns status"
 * @c:		sync
 *
 * Return: a new JSON object (the caller owns it), or NULL if out of
 * memory: {"kind":"etcd","node","node_address","prefix","endpoints":[..],
 * "endpoint" (in use),"etcd":"ok"|"connecting"|"down","error" (last, ""
 * once "ok"),"since" (seconds in that state),"lease":{"id" (hex, "" for
 * none),"ttl"},"revision","published","pending","remote","rejected",
 * "conflicts","resyncs"}
 */
struct json_object *cluster_status(const struct cluster *c);

/**
 * cluster_entry_parse() - check a key and value read from etcd and make the
 * remote entry they describe
 * @rc:		registry settings: the key prefix and this node's name
 * @key:	the key, "PREFIX NETWORK/ADDR:PORT/tcp|udp" exactly as this
 *		node would write it (one spelling per key)
 * @value:	the JSON value: an object whose "network", "addr", "port"
 *		and "proto" repeat the key, with "node", "host" and
 *		"host_port" (a specific, non-loopback, non-link-local
 *		address) and optionally "container"
 * @e:		result, a remote entry
 * @why:	what is wrong, when -EINVAL
 * @len:	room in @why
 *
 * Everything in etcd is untrusted input (any node, or anyone with write
 * access to etcd, puts there): this is the one check of it.
 *
 * Return: 0, 1 if it is this node's own entry, -EINVAL if it is not a
 * valid entry
 */
int cluster_entry_parse(const struct cfg_registry *rc, const char *key,
			const char *value, struct peer_entry *e, char *why,
			size_t len);

#endif /* B4NS_CLUSTER_H */
