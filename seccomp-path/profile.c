// SPDX-License-Identifier: GPL-2.0-or-later
/* profile.c - "b4ns profile": OCI seccomp profiles with b4ns's NOTIFY rules
 *
 * Theory of operation: a container started by runc or crun reaches the
 * b4ns daemon only through its seccomp profile: syscalls with action
 * SCMP_ACT_NOTIFY are reported on a listener fd that the runtime sends to
 * "listenerPath". profile_merge() turns any profile (Podman's seccomp.json
 * form with archMap/includes, or the OCI linux.seccomp form Podman hands to
 * the runtime) into one that traps profile_traps[] and names the daemon's
 * socket, changing nothing else the profile allows or denies:
 *
 *   - A trapped syscall must not also appear in another rule: libseccomp
 *     refuses two actions for one syscall, so it is removed from the rules
 *     naming it and rules left without names are dropped.
 *   - Only what the profile allows is trapped: the daemon answers CONTINUE
 *     for what it does not switch, so trapping a denied syscall would turn
 *     the denial into an allow. Denied syscalls are left alone (warning).
 *   - A conditionally trapped syscall (sendto with a destination) keeps its
 *     old action for the other calls through a rule with the inverse
 *     condition, added when that action differs from defaultAction.
 *   - Rules naming a trapped syscall with conditions of their own (args,
 *     includes, excludes) cannot be preserved and are refused, as are a
 *     NOTIFY defaultAction (runc rejects it) and a different listenerPath.
 *
 * Our own rules are recognised by shape (NOTIFY with the trap's condition,
 * the inverse condition), so merging an already merged profile - a
 * "b4ns profile" passed to Podman together with the hook - is a no-op.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "err.h"
#include "log.h"
#include "oci.h"
#include "profile.h"

#define ACT_NOTIFY "SCMP_ACT_NOTIFY"

const struct profile_trap profile_traps[PROFILE_N_TRAPS] = {
	{ .name = "connect", .arg_index = -1 },
	{ .name = "bind", .arg_index = -1 },
	/* sendto() with a destination; send() is sendto(..., NULL, 0) */
	{ .name = "sendto", .arg_index = 4, .op = "SCMP_CMP_NE",
	  .inverse_op = "SCMP_CMP_EQ", .value = 0 },
};

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is the line above */
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int profile_default_socket(char *buf, size_t len)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	int n;

	if (!dir || !*dir)
		return -ENOENT;
	n = snprintf(buf, len, "%s/b4ns/b4ns.sock", dir);
	if (n < 0 || (size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int profile_read_file(const char *path, char **out, size_t *len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, cap = 0;
	ssize_t r;

	*out = NULL;
	*len = 0;
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	for (;;) {
		if (cap - n < 4096) {
			char *nb;

			if (cap >= PROFILE_FILE_MAX + 1)
				return -EFBIG;
			cap = cap ? cap * 2 : 65536;
			if (cap > PROFILE_FILE_MAX + 1)
				cap = PROFILE_FILE_MAX + 1;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		r = read(fd >= 0 ? fd : STDIN_FILENO, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!r)
			break;
		n += (size_t)r;
		if (n > PROFILE_FILE_MAX)
			return -EFBIG;
	}
	buf[n] = '\0';
	*len = n;
	*out = buf;
	buf = NULL;
	return 0;
}

/* str_member() - @obj's member @key if it is a string, else NULL */
static const char *str_member(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* empty_member() - @obj has no @key, or it is null, [] or {} */
static bool empty_member(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return true;
	if (json_object_is_type(v, json_type_array))
		return json_object_array_length(v) == 0;
	if (json_object_is_type(v, json_type_object))
		return json_object_object_length(v) == 0;
	return false;
}

/* name_index() - index of @name in the "names" array @names, or -1 */
static int name_index(struct json_object *names, const char *name)
{
	size_t i, n = json_object_array_length(names);

	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(names, i);

		if (json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), name))
			return (int)i;
	}
	return -1;
}

enum rule_cond {
	COND_NONE,	/* applies to every call */
	COND_TRAP,	/* exactly the trap's condition */
	COND_INVERSE,	/* exactly the inverse of the trap's condition */
	COND_OTHER,	/* anything else: cannot be preserved */
};

/* arg_is() - is @arg the single comparison "args[@t->arg_index] @op value"? */
static bool arg_is(struct json_object *arg, const struct profile_trap *t,
		   const char *op)
{
	struct json_object *v;
	const char *aop = str_member(arg, "op");

	if (!aop || strcmp(aop, op) != 0)
		return false;
	if (!json_object_object_get_ex(arg, "index", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != t->arg_index)
		return false;
	if (!json_object_object_get_ex(arg, "value", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_uint64(v) != t->value)
		return false;
	if (json_object_object_get_ex(arg, "valueTwo", &v) &&
	    (!json_object_is_type(v, json_type_int) ||
	     json_object_get_uint64(v) != 0))
		return false;
	return true;
}

static enum rule_cond rule_cond(struct json_object *rule,
				const struct profile_trap *t)
{
	struct json_object *args, *arg;

	if (!empty_member(rule, "includes") || !empty_member(rule, "excludes"))
		return COND_OTHER;
	if (empty_member(rule, "args"))
		return COND_NONE;
	if (t->arg_index < 0 || !json_object_object_get_ex(rule, "args", &args) ||
	    !json_object_is_type(args, json_type_array) ||
	    json_object_array_length(args) != 1)
		return COND_OTHER;
	arg = json_object_array_get_idx(args, 0);
	if (!json_object_is_type(arg, json_type_object))
		return COND_OTHER;
	if (arg_is(arg, t, t->op))
		return COND_TRAP;
	if (arg_is(arg, t, t->inverse_op))
		return COND_INVERSE;
	return COND_OTHER;
}

static bool action_allows(const char *action)
{
	return !strcmp(action, "SCMP_ACT_ALLOW") || !strcmp(action, "SCMP_ACT_LOG");
}

/**
 * struct trap_plan - what to do with one trapped syscall
 * @trap:	trap it (the profile allows it, or it was trapped already)
 * @rest:	for a conditional trap, the action of the calls not trapped
 */
struct trap_plan {
	bool trap;
	char rest[64];
};

/* plan_trap() - find how the profile treats @t today */
static int plan_trap(struct json_object *syscalls, const char *def,
		     const struct profile_trap *t, struct trap_plan *plan,
		     char *err, size_t errlen)
{
	const char *base = NULL;
	bool trapped = false;
	size_t i, n = json_object_array_length(syscalls);

	for (i = 0; i < n; i++) {
		struct json_object *rule = json_object_array_get_idx(syscalls, i);
		struct json_object *names;
		const char *action, *name;

		if (!json_object_is_type(rule, json_type_object)) {
			seterr(err, errlen, "syscalls[%zu]: not an object", i);
			return -EINVAL;
		}
		name = str_member(rule, "name");
		if (name && !strcmp(name, t->name)) {
			seterr(err, errlen, "syscalls[%zu]: %s is named with the "
			       "old \"name\" field; use \"names\"", i, t->name);
			return -EINVAL;
		}
		if (!json_object_object_get_ex(rule, "names", &names))
			continue;
		if (!json_object_is_type(names, json_type_array)) {
			seterr(err, errlen, "syscalls[%zu].names: not an array", i);
			return -EINVAL;
		}
		if (name_index(names, t->name) < 0)
			continue;
		action = str_member(rule, "action");
		if (!action) {
			seterr(err, errlen, "syscalls[%zu]: no action", i);
			return -EINVAL;
		}
		switch (rule_cond(rule, t)) {
		case COND_NONE:
			if (!strcmp(action, ACT_NOTIFY))
				trapped = true;
			else if (!base)
				base = action;
			break;
		case COND_TRAP:
			if (!strcmp(action, ACT_NOTIFY)) {
				trapped = true;
				break;
			}
			/* fall through */
		case COND_OTHER:
			seterr(err, errlen, "syscalls[%zu]: the rule for %s has "
			       "conditions (args, includes or excludes) that b4ns "
			       "cannot keep when trapping it", i, t->name);
			return -EINVAL;
		case COND_INVERSE:
			base = action;
			break;
		}
	}
	if (!base)
		base = def;
	if (strlen(base) >= sizeof(plan->rest)) {
		seterr(err, errlen, "action '%.40s...' too long", base);
		return -EINVAL;
	}
	memcpy(plan->rest, base, strlen(base) + 1);
	plan->trap = trapped || action_allows(base);
	if (!plan->trap)
		b4_warn("profile: %s is denied by the base profile (%s); b4ns "
			"leaves it denied and does not trap it", t->name, base);
	return 0;
}

/* unlist() - remove @name from every rule; drop rules left without names */
static void unlist(struct json_object *syscalls, const char *name)
{
	size_t i = json_object_array_length(syscalls);

	while (i-- > 0) {
		struct json_object *rule = json_object_array_get_idx(syscalls, i);
		struct json_object *names;
		int k;

		if (!json_object_object_get_ex(rule, "names", &names))
			continue;
		while ((k = name_index(names, name)) >= 0)
			json_object_array_del_idx(names, (size_t)k, 1);
		if (!json_object_array_length(names))
			json_object_array_del_idx(syscalls, i, 1);
	}
}

/* new_rule() - {"names": [@name], "action": @action[, "args": [cond]]} */
static struct json_object *new_rule(const char *action,
				    const struct profile_trap *t, const char *op)
{
	struct json_object *rule = json_object_new_object();
	struct json_object *names = json_object_new_array();
	struct json_object *args, *arg;

	if (!rule || !names)
		goto fail;
	json_object_object_add(rule, "names", names);
	names = NULL;
	json_object_object_add(rule, "action", json_object_new_string(action));
	if (t && op) {
		args = json_object_new_array();
		arg = json_object_new_object();
		if (!args || !arg) {
			json_object_put(args);
			json_object_put(arg);
			goto fail;
		}
		json_object_object_add(arg, "index",
				       json_object_new_int(t->arg_index));
		json_object_object_add(arg, "value",
				       json_object_new_uint64(t->value));
		json_object_object_add(arg, "op", json_object_new_string(op));
		json_object_array_add(args, arg);
		json_object_object_add(rule, "args", args);
	}
	return rule;
fail:
	json_object_put(names);
	json_object_put(rule);
	return NULL;
}

/* rule_add_name() - append @name to @rule's names */
static int rule_add_name(struct json_object *rule, const char *name)
{
	struct json_object *names;

	json_object_object_get_ex(rule, "names", &names);
	return json_object_array_add(names, json_object_new_string(name)) ? -ENOMEM : 0;
}

int profile_merge(struct json_object *seccomp, const char *listener_path,
		  const char *metadata, char *err, size_t errlen)
{
	struct trap_plan plan[PROFILE_N_TRAPS];
	struct json_object *syscalls, *notify = NULL, *rule;
	const char *def, *lp;
	int i, rc;

	if (!json_object_is_type(seccomp, json_type_object)) {
		seterr(err, errlen, "the seccomp profile is not a JSON object");
		return -EINVAL;
	}
	def = str_member(seccomp, "defaultAction");
	if (!def) {
		seterr(err, errlen, "the seccomp profile has no defaultAction");
		return -EINVAL;
	}
	if (!strcmp(def, ACT_NOTIFY)) {
		seterr(err, errlen, "defaultAction SCMP_ACT_NOTIFY is not "
		       "supported (runc rejects it)");
		return -EINVAL;
	}
	lp = str_member(seccomp, "listenerPath");
	if (lp && *lp && strcmp(lp, listener_path) != 0) {
		seterr(err, errlen, "the seccomp profile already sends "
		       "notifications to listenerPath '%s', not to b4ns (%s)",
		       lp, listener_path);
		return -EINVAL;
	}
	if (!json_object_object_get_ex(seccomp, "syscalls", &syscalls) ||
	    json_object_is_type(syscalls, json_type_null)) {
		syscalls = json_object_new_array();
		if (!syscalls)
			return -ENOMEM;
		json_object_object_add(seccomp, "syscalls", syscalls);
	} else if (!json_object_is_type(syscalls, json_type_array)) {
		seterr(err, errlen, "syscalls: not an array");
		return -EINVAL;
	}

	/* Decide everything before changing anything */
	for (i = 0; i < PROFILE_N_TRAPS; i++) {
		rc = plan_trap(syscalls, def, &profile_traps[i], &plan[i], err,
			       errlen);
		if (rc)
			return rc;
	}

	for (i = 0; i < PROFILE_N_TRAPS; i++) {
		const struct profile_trap *t = &profile_traps[i];

		if (!plan[i].trap)
			continue;
		unlist(syscalls, t->name);
		if (t->arg_index < 0) {
			if (!notify) {
				notify = new_rule(ACT_NOTIFY, NULL, NULL);
				if (!notify || json_object_array_add(syscalls, notify)) {
					json_object_put(notify);
					return -ENOMEM;
				}
			}
			if (rule_add_name(notify, t->name))
				return -ENOMEM;
			continue;
		}
		rule = new_rule(ACT_NOTIFY, t, t->op);
		if (!rule || json_object_array_add(syscalls, rule) ||
		    rule_add_name(rule, t->name)) {
			json_object_put(rule);
			return -ENOMEM;
		}
		if (!strcmp(plan[i].rest, def))
			continue;
		rule = new_rule(plan[i].rest, t, t->inverse_op);
		if (!rule || json_object_array_add(syscalls, rule) ||
		    rule_add_name(rule, t->name)) {
			json_object_put(rule);
			return -ENOMEM;
		}
	}

	json_object_object_add(seccomp, "listenerPath",
			       json_object_new_string(listener_path));
	if (metadata)
		json_object_object_add(seccomp, "listenerMetadata",
				       json_object_new_string(metadata));
	return 0;
}

static void profile_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns profile [--base=FILE] [--socket=PATH] [--metadata=STR]\n"
		"\n"
		"Print an OCI seccomp profile that hands connect(), bind() and\n"
		"sendto() with an address to the b4ns daemon: the base profile with\n"
		"b4ns's NOTIFY rules added and listenerPath set. Use it as\n"
		"  podman run --security-opt seccomp=<(b4ns profile) ...\n"
		"or as linux.seccomp of a runc/crun config.json.\n"
		"\n"
		"Options:\n"
		"      --base=FILE      profile to start from (default: %s\n"
		"                       if it exists, else allow everything)\n"
		"      --socket=PATH    the daemon's socket (default:\n"
		"                       $XDG_RUNTIME_DIR/b4ns/b4ns.sock)\n"
		"      --metadata=STR   listenerMetadata, e.g. \"b4ns.config=web\"\n"
		"  -h, --help           this text\n"
		"\n"
		"Exit status: 0, 1 if the output cannot be written, 2 for bad\n"
		"options or a base profile b4ns cannot use.\n",
		PROFILE_PODMAN_BASE);
}

enum {
	OPT_BASE = 256,
	OPT_SOCKET,
	OPT_METADATA,
};

static const struct option profile_opts[] = {
	{ "base", required_argument, NULL, OPT_BASE },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "metadata", required_argument, NULL, OPT_METADATA },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* load_base() - the base profile: @path, or allow-all if NULL */
static int load_base(const char *path, struct json_object **out)
{
	_cleanup_free_ char *text = NULL;
	char err[256];
	size_t len;
	int rc;

	if (!path) {
		*out = json_object_new_object();
		if (!*out)
			return -ENOMEM;
		json_object_object_add(*out, "defaultAction",
				       json_object_new_string("SCMP_ACT_ALLOW"));
		return 0;
	}
	rc = profile_read_file(path, &text, &len);
	if (rc) {
		fprintf(stderr, "b4ns profile: %s: %s\n", path,
			rc == -EFBIG ? "file too large" : strerror(-rc));
		return rc;
	}
	rc = oci_json_parse(text, len, out, err, sizeof(err));
	if (rc)
		fprintf(stderr, "b4ns profile: %s: %s\n", path, err);
	return rc;
}

int cmd_profile(int argc, char **argv)
{
	const char *base = NULL, *socket = NULL, *metadata = NULL;
	char defsock[256], err[512];
	struct json_object *prof = NULL;
	const char *text;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", profile_opts, NULL)) != -1) {
		switch (c) {
		case OPT_BASE:
			base = optarg;
			break;
		case OPT_SOCKET:
			socket = optarg;
			break;
		case OPT_METADATA:
			metadata = optarg;
			break;
		case 'h':
			profile_usage(stdout);
			return 0;
		default:
			profile_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "b4ns profile: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!socket) {
		rc = profile_default_socket(defsock, sizeof(defsock));
		if (rc) {
			fprintf(stderr, "b4ns profile: %s; give the daemon's "
				"socket with --socket=PATH\n",
				rc == -ENOENT ? "XDG_RUNTIME_DIR is not set" :
						"$XDG_RUNTIME_DIR is too long");
			return EXIT_USAGE;
		}
		socket = defsock;
	}
	if (*socket != '/' ||
	    strlen(socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "b4ns profile: --socket must be an absolute "
			"path shorter than %zu bytes\n",
			sizeof(((struct sockaddr_un *)0)->sun_path));
		return EXIT_USAGE;
	}

	if (!base && !access(PROFILE_PODMAN_BASE, R_OK))
		base = PROFILE_PODMAN_BASE;
	if (load_base(base, &prof))
		return EXIT_USAGE;
	rc = profile_merge(prof, socket, metadata, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "b4ns profile: %s: %s\n",
			base ? base : "allow-all profile", err);
		json_object_put(prof);
		return EXIT_USAGE;
	}
	text = json_object_to_json_string_ext(prof, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = (!text || printf("%s\n", text) < 0 || fflush(stdout)) ? 1 : 0;
	if (rc)
		fprintf(stderr, "b4ns profile: cannot write the profile: %s\n",
			strerror(errno));
	json_object_put(prof);
	return rc;
}
