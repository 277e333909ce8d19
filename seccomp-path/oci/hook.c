// SPDX-License-Identifier: GPL-2.0-or-later
/* hook.c - "b4ns oci-hook": Podman's precreate hook
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
 * Rootless Podman runs hooks inside its user namespace, where we are uid 0,
 * and gives them an empty environment: without --socket and
 * XDG_RUNTIME_DIR the socket is /run/user/UID/b4ns/b4ns.sock with UID our
 * uid on the host, read from /proc/self/uid_map.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "err.h"
#include "hook.h"
#include "oci.h"
#include "profile.h"
#include "server.h"
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

/* Where the preload path's files appear inside a container */
#define HOOK_PRELOAD_DIR "/run/b4ns"
#define HOOK_PRELOAD_LIB "/usr/lib/b4ns/libb4ns.so"

static bool mode_is(struct json_object *config, const char *mode)
{
	struct json_object *ann, *v;

	return json_object_object_get_ex(config, "annotations", &ann) &&
	       json_object_object_get_ex(ann, "b4ns.mode", &v) &&
	       json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), mode);
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
 * daemon's socket directory and LD_PRELOAD go into the container */
static int preload_config(struct json_object *root, const char *listener_path,
			  char *err, size_t errlen)
{
	struct json_object *mounts, *process, *env;
	char lib[PATH_MAX], dir[PATH_MAX], *slash;
	const char *old = NULL;
	char buf[PATH_MAX + 32];
	size_t n;

	if (preload_find_library(lib, sizeof(lib))) {
		snprintf(err, err ? errlen : 0, "b4ns.mode=preload: libb4ns.so "
			 "not found");
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s", listener_path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -EINVAL;
	*slash = '\0';
	if (!json_object_object_get_ex(root, "mounts", &mounts)) {
		mounts = json_object_new_array();
		json_object_object_add(root, "mounts", mounts);
	}
	process = get_or_add(root, "process");
	if (!json_object_is_type(mounts, json_type_array) || !process) {
		snprintf(err, err ? errlen : 0, "OCI config: mounts or process "
			 "malformed");
		return -EINVAL;
	}
	if (add_bind(mounts, lib, HOOK_PRELOAD_LIB) ||
	    add_bind(mounts, dir, HOOK_PRELOAD_DIR))
		return -ENOMEM;
	if (!json_object_object_get_ex(process, "env", &env)) {
		env = json_object_new_array();
		json_object_object_add(process, "env", env);
	}
	if (!json_object_is_type(env, json_type_array))
		return -EINVAL;
	n = json_object_array_length(env);
	for (size_t i = 0; i < n; i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));

		if (e && !strncmp(e, "LD_PRELOAD=", 11)) {
			old = e + 11;
			snprintf(buf, sizeof(buf), "LD_PRELOAD=%s%s%s",
				 HOOK_PRELOAD_LIB, *old ? ":" : "", old);
			json_object_array_put_idx(env, i, json_object_new_string(buf));
		}
	}
	if (!old) {
		snprintf(buf, sizeof(buf), "LD_PRELOAD=%s", HOOK_PRELOAD_LIB);
		json_object_array_add(env, json_object_new_string(buf));
	}
	snprintf(buf, sizeof(buf), "B4NS_PRELOAD_SOCK=%s/b4ns-preload.sock",
		 HOOK_PRELOAD_DIR);
	json_object_array_add(env, json_object_new_string(buf));
	return 0;
}

int hook_filter(const char *in, size_t len, const char *listener_path,
		char **out, char *err, size_t errlen)
{
	struct json_object *root, *linux_, *seccomp, *v;
	struct b4_error jerr = { "" };
	char merr[384];
	const char *text;
	int rc;

	*out = NULL;
	rc = oci_json_parse(in, len, &root, &jerr);
	if (rc) {
		snprintf(err, err ? errlen : 0, "OCI config: %s",
			 b4_error_msg(&jerr, rc));
		return rc;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, err ? errlen : 0, "OCI config: not a JSON object");
		rc = -EINVAL;
		goto out;
	}
	if (!hook_selected(root))
		goto out;
	if (mode_is(root, "preload")) {
		rc = preload_config(root, listener_path, err, errlen);
		if (rc)
			goto out;
		goto print;
	}

	linux_ = get_or_add(root, "linux");
	if (!linux_) {
		snprintf(err, err ? errlen : 0, "OCI config: linux: not an object");
		rc = -EINVAL;
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
	rc = profile_merge(seccomp, listener_path, NULL, merr, sizeof(merr));
	if (rc) {
		snprintf(err, err ? errlen : 0, "linux.seccomp: %s", merr);
		goto out;
	}
print:
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = text ? strdup(text) : NULL;
	if (!*out)
		rc = -ENOMEM;
out:
	json_object_put(root);
	return rc;
}

int hook_daemon_probe(const char *path)
{
	_cleanup_close_ int fd = unixsock_connect(path, SOCK_STREAM);

	return fd < 0 ? fd : 0;
}

/* host_uid() - our uid outside the user namespace we may be running in */
static uid_t host_uid(void)
{
	char line[128], *p, *end;
	unsigned long v[3];
	uid_t uid = getuid();
	FILE *f = fopen("/proc/self/uid_map", "re");
	int i;

	if (!f)
		return uid;
	/* lines: "INSIDE OUTSIDE COUNT" */
	while (fgets(line, sizeof(line), f)) {
		for (i = 0, p = line; i < 3; i++, p = end) {
			errno = 0;
			v[i] = strtoul(p, &end, 10);
			if (end == p || errno)
				break;
		}
		if (i == 3 && uid >= v[0] && uid - v[0] < v[2]) {
			uid = (uid_t)(v[1] + (uid - v[0]));
			break;
		}
	}
	fclose(f);
	return uid;
}

/* hook_socket() - the daemon's socket when --socket is not given */
static int hook_socket(char *buf, size_t len)
{
	int n, rc = profile_default_socket(buf, len);

	if (rc != -ENOENT)
		return rc;
	n = snprintf(buf, len, "/run/user/%u/b4ns/b4ns.sock",
		     (unsigned int)host_uid());
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

/* write_all() - write @len bytes to standard output */
static int write_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(STDOUT_FILENO, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static void hook_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns oci-hook [--socket=PATH]\n"
		"\n"
		"OCI precreate hook for Podman: reads the OCI config on standard\n"
		"input and writes the config to use on standard output. Containers\n"
		"annotated with b4ns.config, b4ns.publish or b4ns.mode (not \"off\")\n"
		"get b4ns's seccomp rules and the daemon's socket as listenerPath;\n"
		"others pass unchanged. Installed as a hooks.d JSON file; enable with\n"
		"podman --hooks-dir or hooks_dir in containers.conf.\n"
		"\n"
		"Options:\n"
		"      --socket=PATH   the daemon's socket (default:\n"
		"                      $XDG_RUNTIME_DIR/b4ns/b4ns.sock, else\n"
		"                      /run/user/UID/b4ns/b4ns.sock)\n"
		"  -h, --help          this text\n");
}

static const struct option hook_opts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* hook_register() - createRuntime: the runtime hands us the state of the
 * container, whose namespaces exist and whose process has not run yet;
 * a preload container is announced to the daemon with it (there is no
 * seccomp listener message to tell the daemon about it).
 * Return: true if @in was a state (handled, whatever the outcome) */
static bool hook_register(const char *in, size_t len, const char *socket)
{
	struct json_object *root, *v;
	_cleanup_close_ int s = -1;
	bool state;

	if (oci_json_parse(in, len, &root, NULL))
		return false;
	state = json_object_is_type(root, json_type_object) &&
		json_object_object_get_ex(root, "status", &v) &&
		json_object_object_get_ex(root, "pid", &v) &&
		!json_object_object_get_ex(root, "process", &v);
	if (state && mode_is(root, "preload")) {
		int err = 0;

		s = unixsock_connect(socket, SOCK_STREAM);
		if (s < 0)
			err = -s;
		else if (write(s, in, len) != (ssize_t)len)
			err = errno ? errno : EIO;
		if (err)
			fprintf(stderr, "b4ns oci-hook: cannot register the "
				"container with the daemon at %s: %s\n", socket,
				strerror(err));
	}
	json_object_put(root);
	return state;
}

/* hook_run() - read, filter, check the daemon, write; exit status */
static int hook_run(const char *socket)
{
	char *in = NULL, *out = NULL;
	char err[512];
	size_t len;
	int rc;

	rc = profile_read_file("-", &in, &len);
	if (rc) {
		fprintf(stderr, "b4ns oci-hook: reading the OCI config: %s\n",
			rc == -EFBIG ? "too large" : strerror(-rc));
		return 1;
	}
	if (hook_register(in, len, socket)) {
		free(in);
		return 0; /* a state (createRuntime): nothing to print */
	}
	rc = hook_filter(in, len, socket, &out, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "b4ns oci-hook: %s\n",
			rc == -ENOMEM ? strerror(ENOMEM) : err);
		free(in);
		return 1;
	}
	if (out) {
		rc = hook_daemon_probe(socket);
		if (rc) {
			fprintf(stderr, "b4ns: daemon not running at %s (%s); "
				"start it with `b4ns daemon` or `systemctl --user "
				"start b4ns`\n", socket, strerror(-rc));
			free(in);
			free(out);
			return 1;
		}
	}
	rc = out ? write_all(out, strlen(out)) : write_all(in, len);
	free(in);
	free(out);
	if (rc) {
		fprintf(stderr, "b4ns oci-hook: writing the config: %s\n",
			strerror(-rc));
		return 1;
	}
	return 0;
}

int cmd_oci_hook(int argc, char **argv)
{
	const char *socket = NULL;
	char defsock[256];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", hook_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket = optarg;
			break;
		case 'h':
			hook_usage(stdout);
			return 0;
		default:
			hook_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "b4ns oci-hook: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!socket) {
		if (hook_socket(defsock, sizeof(defsock))) {
			fprintf(stderr, "b4ns oci-hook: socket path too long\n");
			return EXIT_USAGE;
		}
		socket = defsock;
	}
	return hook_run(socket);
}
