// SPDX-License-Identifier: GPL-2.0-or-later
/* hook.c - Podman's precreate hook: the OCI config rewrite, and the
 * createRuntime registration of preload containers ("b4ns oci-hook"; its
 * options and I/O are cli/hook.c's)
 *
 * Theory of operation: Podman (4.x, rootless too) runs the OCI hooks of
 * stage "precreate" before it hands the container to the runtime: the hook
 * reads the OCI runtime config on standard input and writes the config to
 * use on standard output. The hook JSON b4ns installs (b4ns-hook.json.in)
 * runs us only for containers with an annotation matching ^b4ns\. and we
 * look again: a container selects b4ns with b4ns.config, b4ns.publish or
 * b4ns.mode other than "off". Such a container gets b4ns's NOTIFY rules
 * merged into the seccomp profile Podman generated (profile_merge(), every
 * other rule kept) with listenerPath set to the daemon's socket; its
 * settings are read later by the daemon from the annotations, which the
 * runtime passes on in the listener message. Any other config is copied to
 * standard output byte for byte, never re-serialised.
 *
 * A selected container whose daemon is not running would start with
 * connect() and bind() failing (the runtime cannot reach listenerPath, or
 * nobody answers the notifications), so the hook fails its creation instead,
 * saying how to start the daemon.
 *
 * A container with b4ns.mode=preload gets no seccomp rules: libb4ns.so and
 * the directory of the daemon's preload socket (only that one, never the
 * listener's) are bind-mounted into it and LD_PRELOAD set; at
 * createRuntime, hook_register() sends its state to the daemon (no listener
 * message will), which then serves its library's requests.
 *
 * Rootless Podman runs hooks inside its user namespace, where we are uid 0,
 * and gives them an empty environment: without --socket and
 * XDG_RUNTIME_DIR the socket is /run/user/UID/b4ns/b4ns.sock with UID our
 * uid on the host (paths_daemon_socket(), PATHS_HOST_UID).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "err.h"
#include "oci/hook.h"
#include "oci/oci.h"
#include "oci/profile.h"
#include "paths.h"
#include "traps.h"
#include "unixsock.h"

bool hook_selected(struct json_object *config)
{
	struct json_object *ann, *v;
	bool sel = false;

	if (!json_object_object_get_ex(config, "annotations", &ann) ||
	    !json_object_is_type(ann, json_type_object))
		return false;
	if (json_object_object_get_ex(ann, "b4ns.mode", &v)) {
		if (json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), "off"))
			return false;
		sel = true;
	}
	if (json_object_object_get_ex(ann, "b4ns.config", &v) ||
	    json_object_object_get_ex(ann, "b4ns.publish", &v))
		sel = true;
	return sel;
}

/* get_or_add() - @obj's object member @key, created empty if missing */
static struct json_object *get_or_add(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(obj, key, &v) &&
	    !json_object_is_type(v, json_type_null))
		return json_object_is_type(v, json_type_object) ? v : NULL;
	v = json_object_new_object();
	if (v && json_object_object_add(obj, key, v)) {
		json_object_put(v);
		v = NULL;
	}
	return v;
}

static bool mode_is(struct json_object *config, const char *mode)
{
	struct json_object *ann, *v;

	return json_object_object_get_ex(config, "annotations", &ann) &&
	       json_object_object_get_ex(ann, "b4ns.mode", &v) &&
	       json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), mode);
}

/* named_network() - the container names its network (b4ns.network): its
 * services are shown which container of that network connected, which
 * traps accept() (common/traps.h, TRAP_IF_ACCEPT) */
static bool named_network(struct json_object *config)
{
	struct json_object *ann, *v;

	return json_object_object_get_ex(config, "annotations", &ann) &&
	       json_object_object_get_ex(ann, "b4ns.network", &v) &&
	       json_object_is_type(v, json_type_string) &&
	       *json_object_get_string(v);
}

static int add_bind(struct json_object *mounts, const char *src,
		    const char *dst)
{
	struct json_object *m = json_object_new_object();
	struct json_object *opts = json_object_new_array();

	if (!m || !opts) {
		json_object_put(m);
		json_object_put(opts);
		return -ENOMEM;
	}
	json_object_array_add(opts, json_object_new_string("rbind"));
	json_object_array_add(opts, json_object_new_string("ro"));
	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", opts);
	return json_object_array_add(mounts, m) ? -ENOMEM : 0;
}

/* preload_config() - preload mode: no seccomp listener; the library, the
 * directory of the daemon's preload socket (only that: the listener and the
 * status socket stay outside) and LD_PRELOAD go into the container */
static int preload_config(struct json_object *root, const char *listener_path,
			  struct b4_error *err)
{
	struct json_object *mounts, *process, *env;
	char lib[PATH_MAX], dir[PATH_MAX], *slash;
	const char *old = NULL;
	char buf[PATH_MAX + 32];
	size_t n;

	if (paths_preload_library(lib, sizeof(lib)))
		return b4_error_set(err, -ENOENT, "b4ns.mode=preload: libb4ns.so "
				    "not found");
	snprintf(dir, sizeof(dir), "%s", listener_path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return b4_error_set(err, -EINVAL, "socket path %s: no directory",
				    listener_path);
	/* only the preload socket's own directory, never the listener's */
	snprintf(slash, sizeof(dir) - (size_t)(slash - dir), "/%s",
		 PATHS_PRELOAD_DIR);
	if (!json_object_object_get_ex(root, "mounts", &mounts)) {
		mounts = json_object_new_array();
		json_object_object_add(root, "mounts", mounts);
	}
	process = get_or_add(root, "process");
	if (!json_object_is_type(mounts, json_type_array) || !process)
		return b4_error_set(err, -EINVAL, "OCI config: mounts or process "
				    "malformed");
	if (add_bind(mounts, lib, PATHS_CONTAINER_PRELOAD_LIB) ||
	    add_bind(mounts, dir, PATHS_CONTAINER_PRELOAD_DIR))
		return -ENOMEM;
	if (!json_object_object_get_ex(process, "env", &env)) {
		env = json_object_new_array();
		json_object_object_add(process, "env", env);
	}
	if (!json_object_is_type(env, json_type_array))
		return b4_error_set(err, -EINVAL, "OCI config: process.env: not "
				    "an array");
	n = json_object_array_length(env);
	for (size_t i = 0; i < n; i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));

		if (e && !strncmp(e, "LD_PRELOAD=", 11)) {
			old = e + 11;
			snprintf(buf, sizeof(buf), "LD_PRELOAD=%s%s%s",
				 PATHS_CONTAINER_PRELOAD_LIB, *old ? ":" : "", old);
			json_object_array_put_idx(env, i, json_object_new_string(buf));
		}
	}
	if (!old) {
		snprintf(buf, sizeof(buf), "LD_PRELOAD=%s", PATHS_CONTAINER_PRELOAD_LIB);
		json_object_array_add(env, json_object_new_string(buf));
	}
	snprintf(buf, sizeof(buf), "B4NS_PRELOAD_SOCK=%s/" PATHS_PRELOAD_SOCK,
		 PATHS_CONTAINER_PRELOAD_DIR);
	json_object_array_add(env, json_object_new_string(buf));
	return 0;
}

int hook_filter(const char *in, size_t len, const char *listener_path,
		char **out, struct b4_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *linux_, *seccomp, *v;
	struct b4_error jerr = { "" };
	const char *text;
	int rc;

	*out = NULL;
	rc = oci_json_parse(in, len, &root, &jerr);
	if (rc)
		return b4_error_set(err, rc, "OCI config: %s",
				    b4_error_msg(&jerr, rc));
	if (!json_object_is_type(root, json_type_object)) {
		rc = b4_error_set(err, -EINVAL, "OCI config: not a JSON object");
		goto out;
	}
	if (!hook_selected(root))
		goto out;
	if (mode_is(root, "preload")) {
		rc = preload_config(root, listener_path, err);
		if (rc)
			goto out;
		goto print;
	}

	linux_ = get_or_add(root, "linux");
	if (!linux_) {
		rc = b4_error_set(err, -EINVAL, "OCI config: linux: not an object");
		goto out;
	}
	if (!json_object_object_get_ex(linux_, "seccomp", &seccomp) ||
	    json_object_is_type(seccomp, json_type_null)) {
		/* seccomp=unconfined: trap b4ns's syscalls, allow the rest */
		seccomp = get_or_add(linux_, "seccomp");
		v = json_object_new_string("SCMP_ACT_ALLOW");
		if (!seccomp || !v || json_object_object_add(seccomp, "defaultAction", v)) {
			json_object_put(v);
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = profile_merge(seccomp, listener_path, NULL,
			   TRAP_PROFILE_FLAGS |
				   (named_network(root) ? TRAP_IF_ACCEPT : 0),
			   err);
	if (rc) {
		b4_error_prefix(err, rc, "linux.seccomp");
		goto out;
	}
print:
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = text ? strdup(text) : NULL;
	if (!*out)
		rc = -ENOMEM;
out:
	return rc;
}

int hook_register(const char *in, size_t len, const char *socket,
		  struct b4_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *v;
	_cleanup_close_ int s = -1;
	bool state;
	int rc = 0;

	if (oci_json_parse(in, len, &root, NULL))
		return 0;
	state = json_object_is_type(root, json_type_object) &&
		json_object_object_get_ex(root, "status", &v) &&
		json_object_object_get_ex(root, "pid", &v) &&
		!json_object_object_get_ex(root, "process", &v);
	if (state && mode_is(root, "preload")) {
		s = unixsock_connect(socket, SOCK_STREAM);
		if (s < 0)
			rc = s;
		else if (write(s, in, len) != (ssize_t)len)
			rc = errno ? -errno : -EIO;
		if (rc)
			b4_error_set(err, rc, "cannot register the container "
				     "with the daemon at %s: %s", socket,
				     strerror(-rc));
	}
	if (rc)
		return rc;
	return state ? 1 : 0;
}
