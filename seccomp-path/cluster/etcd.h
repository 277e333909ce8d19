/* SPDX-License-Identifier: GPL-2.0-or-later
 * etcd.h - a small etcd v3 client over etcd's JSON gRPC gateway (libcurl)
 *
 * Every call blocks its thread for at most the client's timeout per
 * endpoint: call them from a thread that may wait (cluster.c's), never
 * from the event loop.
 */
#ifndef B4NS_ETCD_H
#define B4NS_ETCD_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct etcd;
struct etcd_watch;

/**
 * struct etcd_opts - how to reach etcd
 * @urls:	endpoints, "http://HOST:PORT" or "https://HOST:PORT"
 * @n_urls:	entries in @urls (1 or more)
 * @cacert:	CA bundle that signs the server's certificate (NULL or "":
 *		the system's)
 * @cert:	client certificate, PEM (NULL or "": none)
 * @key:	its private key, PEM (NULL or "": in @cert)
 * @timeout_ms:	longest a request may take on one endpoint (connecting
 *		included); 0: 5000
 */
struct etcd_opts {
	const char *const *urls;
	int n_urls;
	const char *cacert;
	const char *cert;
	const char *key;
	int timeout_ms;
};

/**
 * struct etcd_kv - one key-value pair (keys and values are text: a pair
 * whose key or value holds a NUL byte is never given)
 * @key:		key
 * @value:		value ("" for a deletion)
 * @lease:		lease the key is attached to, 0 for none
 * @mod_revision:	revision of its last change
 */
struct etcd_kv {
	const char *key;
	const char *value;
	int64_t lease;
	int64_t mod_revision;
};

/**
 * struct etcd_watch_msg - one message of a watch stream
 * @revision:		the store's revision when it was sent (0 if the
 *			gateway left it out, as on a cancel)
 * @created:		the watch is set up (first message)
 * @canceled:		the server ended the watch (the stream ends too)
 * @compact_revision:	if canceled because the start revision was
 *			compacted: the oldest revision still there (resync
 *			with a range, then watch from its revision + 1)
 * @reason:		cancel reason given by the server, or ""
 * @events:		changes, oldest first
 * @deleted:		per event: true for DELETE (the gateway omits the
 *			type of PUT, its enum's default)
 * @n_events:		entries in @events and @deleted
 */
struct etcd_watch_msg {
	int64_t revision;
	bool created;
	bool canceled;
	int64_t compact_revision;
	const char *reason;
	const struct etcd_kv *events;
	const bool *deleted;
	int n_events;
};

/**
 * typedef etcd_kv_fn - called for every pair of a range
 * @arg:	the caller's argument
 * @kv:		the pair (valid during the call)
 */
typedef void (*etcd_kv_fn)(void *arg, const struct etcd_kv *kv);

/**
 * typedef etcd_watch_fn - called for every message of a watch stream
 * @arg:	the caller's argument
 * @m:		the message (valid during the call)
 */
typedef void (*etcd_watch_fn)(void *arg, const struct etcd_watch_msg *m);

/**
 * etcd_new() - a client; checks the settings, does not connect
 * @o:		options (copied)
 * @out:	the client
 * @err:	what is wrong with @o: a URL that is not http(s)://HOST:PORT,
 *		a certificate or key file that cannot be read, a key without
 *		a certificate
 *
 * Return: 0, -EINVAL, -errno of an unreadable file, or -ENOMEM
 */
int etcd_new(const struct etcd_opts *o, struct etcd **out,
	     struct b4_error *err);

/**
 * etcd_free() - free a client (its watches must be freed before)
 * @e:		client, may be NULL
 */
void etcd_free(struct etcd *e);

/**
 * etcd_endpoint() - the endpoint the client uses now (the last that
 * answered)
 * @e:		client
 *
 * Return: its URL
 */
const char *etcd_endpoint(const struct etcd *e);

/**
 * etcd_put() - set a key
 * @e:		client
 * @key:	key
 * @value:	value
 * @lease:	lease to attach it to, 0 for none
 * @err:	why it failed (see etcd_range())
 *
 * Return: 0, -ENOENT if the lease does not exist, or another error of
 * etcd_range()
 */
int etcd_put(struct etcd *e, const char *key, const char *value,
	     int64_t lease, struct b4_error *err);

/**
 * etcd_delete() - delete a key
 * @e:		client
 * @key:	key
 * @lease:	0: delete it whatever it holds; else only while it is
 *		attached to lease @lease (a transaction: a key another node
 *		has put since is left alone)
 * @err:	why it failed (see etcd_range())
 *
 * Return: number deleted (0 or 1), or an error of etcd_range()
 */
int etcd_delete(struct etcd *e, const char *key, int64_t lease,
		struct b4_error *err);

/**
 * etcd_range() - read the keys from @key up to @range_end
 * @e:		client
 * @key:	first key
 * @range_end:	end of the range (excluded; etcd_prefix_end() for a
 *		prefix), NULL for @key alone
 * @fn:		called for every pair
 * @arg:	its argument
 * @revision:	the store's revision the range was read at; may be NULL
 * @err:	why it failed: "etcd http://H:P: connection refused", "...:
 *		TLS: <curl's reason>", "...: HTTP 404: <etcd's message>",
 *		"...: bad JSON ...". With several endpoints, each is tried in
 *		turn while the failure is the endpoint's (no connection,
 *		timeout, TLS, HTTP 5xx); the message names the last.
 *
 * Return: number of pairs, or -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH,
 * -EPROTO (TLS), -EACCES (TLS client authentication or etcd auth refused),
 * -ENOENT (lease not found), -ERANGE (revision compacted), -EINVAL
 * (refused as invalid), -EBADMSG (not etcd's JSON), -EIO (other), -ENOMEM
 */
int etcd_range(struct etcd *e, const char *key, const char *range_end,
	       etcd_kv_fn fn, void *arg, int64_t *revision,
	       struct b4_error *err);

/**
 * etcd_compact() - drop the history before @revision (tests use it)
 * @e:		client
 * @revision:	first revision to keep
 * @err:	why it failed (see etcd_range())
 *
 * Return: 0 or an error of etcd_range()
 */
int etcd_compact(struct etcd *e, int64_t revision, struct b4_error *err);

/**
 * etcd_lease_grant() - a new lease
 * @e:		client
 * @ttl:	seconds it lives without a keepalive
 * @id:		its id
 * @err:	why it failed (see etcd_range())
 *
 * Return: the TTL granted (seconds, > 0), or an error of etcd_range()
 */
int etcd_lease_grant(struct etcd *e, int ttl, int64_t *id,
		     struct b4_error *err);

/**
 * etcd_lease_keepalive() - renew a lease once
 * @e:		client
 * @id:		lease
 * @err:	why it failed (see etcd_range())
 *
 * Return: its TTL again (seconds, > 0), -ENOENT if it expired or was
 * revoked, or another error of etcd_range()
 */
int etcd_lease_keepalive(struct etcd *e, int64_t id, struct b4_error *err);

/**
 * etcd_lease_revoke() - end a lease now: its keys are deleted
 * @e:		client
 * @id:		lease
 * @err:	why it failed (see etcd_range())
 *
 * Return: 0, -ENOENT if it does not exist, or another error
 */
int etcd_lease_revoke(struct etcd *e, int64_t id, struct b4_error *err);

/**
 * etcd_prefix_end() - the range end that covers every key starting with
 * @prefix
 * @prefix:	prefix, not empty
 *
 * Return: the end (malloc'd), or NULL if out of memory or @prefix is
 * empty or all 0xff bytes
 */
char *etcd_prefix_end(const char *prefix);

/**
 * etcd_watch_start() - open a watch stream on the current endpoint
 * @e:		client; must outlive the watch
 * @key:	first key
 * @range_end:	end (as for etcd_range()), NULL for @key alone
 * @start_rev:	first revision to report, 0 for changes from now on
 * @fn:		called for every message, from etcd_watch_poll()
 * @arg:	its argument
 * @out:	the watch
 * @err:	why it failed
 *
 * Nothing is sent before etcd_watch_poll() runs: a connection failure
 * shows there.
 *
 * Return: 0, -ENOMEM or -EIO
 */
int etcd_watch_start(struct etcd *e, const char *key, const char *range_end,
		     int64_t start_rev, etcd_watch_fn fn, void *arg,
		     struct etcd_watch **out, struct b4_error *err);

/**
 * etcd_watch_poll() - wait for the watch stream (and @wake_fd), handle
 * what came
 * @w:		watch
 * @wake_fd:	also return when this fd is readable (-1: none); it is not
 *		read
 * @timeout_ms:	longest wait
 * @err:	why the stream ended
 *
 * Return: 0 while the stream is open, -ECANCELED once the server canceled
 * the watch (the message went to the callback), or the error that ended
 * it: -EPIPE if it closed without error, a transport error (see
 * etcd_range()), -EBADMSG for a line that is not a watch response, -EIO
 * for an error message in the stream
 */
int etcd_watch_poll(struct etcd_watch *w, int wake_fd, int timeout_ms,
		    struct b4_error *err);

/**
 * etcd_watch_free() - close a watch stream
 * @w:		watch, may be NULL
 */
void etcd_watch_free(struct etcd_watch *w);

#endif /* B4NS_ETCD_H */
