/* SPDX-License-Identifier: GPL-2.0-or-later
 * hook.h - Podman's precreate hook: the OCI config rewrite
 */
#ifndef B4NS_HOOK_H
#define B4NS_HOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

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
 * @err:	on failure, why; may be NULL
 *
 * For a selected config, linux.seccomp (created allowing everything if
 * absent) gets b4ns's NOTIFY rules and listenerPath via profile_merge();
 * every other field is kept.
 *
 * Return: 0, -EINVAL if @in is not a usable OCI config or its profile
 * cannot be merged, -ENOMEM
 */
int hook_filter(const char *in, size_t len, const char *listener_path,
		char **out, struct b4_error *err);

/**
 * hook_register() - createRuntime: announce a preload container to the daemon
 * @in:		what the hook read on standard input
 * @len:	bytes in @in
 * @socket:	the daemon's socket
 * @err:	why the registration failed
 *
 * At createRuntime the runtime hands hooks the container's state (its
 * namespaces exist, its process has not run yet) rather than its config.
 * A b4ns.mode=preload container is announced to the daemon with it: there
 * is no seccomp listener message to tell the daemon about it.
 *
 * Return: 0 if @in is not a container state (a config: hook_filter() it),
 * 1 if it is one (handled), negative errno if it is one and it could not
 * be sent to the daemon
 */
int hook_register(const char *in, size_t len, const char *socket,
		  struct b4_error *err);

#endif /* B4NS_HOOK_H */
