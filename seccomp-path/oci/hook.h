/* SPDX-License-Identifier: GPL-2.0-or-later
 * hook.h - "b4ns oci-hook": Podman's precreate hook
 */
#ifndef B4NS_HOOK_H
#define B4NS_HOOK_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/**
 * hook_selected() - does an OCI config's annotations select b4ns?
 * @config:	the parsed OCI runtime config
 *
 * Return: true if config.annotations has "b4ns.config", "b4ns.publish" or
 * "b4ns.mode", unless "b4ns.mode" is "off"
 */
bool hook_selected(struct json_object *config);

/**
 * hook_filter() - the precreate hook's transformation of an OCI config
 * @in:		the config as read from standard input
 * @len:	bytes in @in
 * @listener_path: the daemon's socket
 * @out:	on success, NULL if @in must be passed on unchanged (byte for
 *		byte), else the new config as a malloc()ed NUL-terminated
 *		string; free() it
 * @err:	on failure, one line saying why; may be NULL
 * @errlen:	size of @err
 *
 * For a selected config, linux.seccomp (created allowing everything if
 * absent) gets b4ns's NOTIFY rules and listenerPath via profile_merge();
 * every other field is kept.
 *
 * Return: 0, -EINVAL if @in is not a usable OCI config or its profile
 * cannot be merged, -ENOMEM
 */
int hook_filter(const char *in, size_t len, const char *listener_path,
		char **out, char *err, size_t errlen);

/**
 * hook_daemon_probe() - is a daemon listening on @path?
 * @path:	the daemon's socket
 *
 * Connects to @path and closes the connection at once without sending
 * anything (the daemon must treat an empty connection as a probe).
 *
 * Return: 0 if the connection was accepted, else -errno of socket() or
 * connect() (-ENOENT: no socket, -ECONNREFUSED: nobody listening)
 */
int hook_daemon_probe(const char *path);

#endif /* B4NS_HOOK_H */
