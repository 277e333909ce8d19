// SPDX-License-Identifier: GPL-2.0-or-later
/* test_profile.c - seccomp profile merging, the precreate hook, the probe */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "doctor.h"
#include "err.h"
#include "hook.h"
#include "oci.h"
#include "profile.h"

#define SOCK "/run/user/1000/b4ns/b4ns.sock"

static char err[512];

static struct json_object *json(const char *text)
{
	struct json_object *o = NULL;
	char e[256];

	cr_assert_eq(oci_json_parse(text, strlen(text), &o, e, sizeof(e)), 0,
		     "%s: %s", e, text);
	return o;
}

static int merge(struct json_object *p, const char *meta)
{
	err[0] = '\0';
	return profile_merge(p, SOCK, meta, err, sizeof(err));
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *syscalls(struct json_object *p)
{
	struct json_object *v = NULL;

	cr_assert(json_object_object_get_ex(p, "syscalls", &v));
	return v;
}

static bool has_name(struct json_object *rule, const char *name)
{
	struct json_object *names;
	size_t i;

	if (!json_object_object_get_ex(rule, "names", &names))
		return false;
	for (i = 0; i < json_object_array_length(names); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(names, i)),
			    name))
			return true;
	return false;
}

/**
 * count_rules() - rules naming @name with @action and (if @op) one
 *		   argument condition with that op; without @op, only rules
 *		   without conditions count
 */
static int count_rules(struct json_object *p, const char *name,
		       const char *action, const char *op)
{
	struct json_object *sc = syscalls(p), *args;
	size_t i;
	int n = 0;

	for (i = 0; i < json_object_array_length(sc); i++) {
		struct json_object *r = json_object_array_get_idx(sc, i);
		bool has_args = json_object_object_get_ex(r, "args", &args) &&
				json_object_is_type(args, json_type_array) &&
				json_object_array_length(args) > 0;

		if (!has_name(r, name) || strcmp(str(r, "action"), action))
			continue;
		if (!op && !has_args)
			n++;
		if (op && has_args && json_object_array_length(args) == 1) {
			struct json_object *a = json_object_array_get_idx(args, 0);
			struct json_object *v;

			json_object_object_get_ex(a, "index", &v);
			if (json_object_get_int(v) != 4)
				continue;
			json_object_object_get_ex(a, "value", &v);
			if (json_object_get_int(v) == 0 && !strcmp(str(a, "op"), op))
				n++;
		}
	}
	return n;
}

/* rules_naming() - rules of any action and shape naming @name */
static int rules_naming(struct json_object *p, const char *name)
{
	struct json_object *sc = syscalls(p);
	size_t i;
	int n = 0;

	for (i = 0; i < json_object_array_length(sc); i++)
		n += has_name(json_object_array_get_idx(sc, i), name);
	return n;
}

Test(profile, trap_table)
{
	cr_assert_str_eq(profile_traps[0].name, "connect");
	cr_assert_str_eq(profile_traps[1].name, "bind");
	cr_assert_str_eq(profile_traps[2].name, "sendto");
	cr_assert_eq(profile_traps[2].arg_index, 4);
	cr_assert_str_eq(profile_traps[2].op, "SCMP_CMP_NE");
}

Test(profile, small_base)
{
	struct json_object *p = json(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
		"\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":["
		"{\"names\":[\"accept\",\"bind\",\"close\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"connect\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[]},"
		"{\"names\":[\"sendto\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
	struct json_object *sc, *r0;

	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	cr_assert_str_eq(str(p, "listenerPath"), SOCK);
	cr_assert_null(str(p, "listenerMetadata"));
	cr_assert_str_eq(str(p, "defaultAction"), "SCMP_ACT_ERRNO");
	sc = syscalls(p);

	/* bind left the first rule, the others stay */
	r0 = json_object_array_get_idx(sc, 0);
	cr_assert(!has_name(r0, "bind"));
	cr_assert(has_name(r0, "accept") && has_name(r0, "close"));
	/* the connect-only rule is gone; write stays allowed */
	cr_assert_eq(count_rules(p, "write", "SCMP_ACT_ALLOW", NULL), 1);
	cr_assert_eq(count_rules(p, "ptrace", "SCMP_ACT_ERRNO", NULL), 1);

	cr_assert_eq(count_rules(p, "connect", "SCMP_ACT_NOTIFY", NULL), 1);
	cr_assert_eq(count_rules(p, "bind", "SCMP_ACT_NOTIFY", NULL), 1);
	cr_assert_eq(rules_naming(p, "connect"), 1);
	cr_assert_eq(rules_naming(p, "bind"), 1);
	/* sendto with an address is trapped, without one it stays allowed */
	cr_assert_eq(count_rules(p, "sendto", "SCMP_ACT_NOTIFY", "SCMP_CMP_NE"), 1);
	cr_assert_eq(count_rules(p, "sendto", "SCMP_ACT_ALLOW", "SCMP_CMP_EQ"), 1);
	cr_assert_eq(rules_naming(p, "sendto"), 2);
	/* 4 base rules - 1 emptied + NOTIFY + sendto NOTIFY + sendto ALLOW */
	cr_assert_eq(json_object_array_length(sc), 6);
	json_object_put(p);
}

Test(profile, metadata)
{
	struct json_object *p = json("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");

	cr_assert_eq(merge(p, "b4ns.config=web"), 0, "%s", err);
	cr_assert_str_eq(str(p, "listenerMetadata"), "b4ns.config=web");
	json_object_put(p);
}

Test(profile, allow_all)
{
	struct json_object *p = json("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");

	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	cr_assert_eq(count_rules(p, "connect", "SCMP_ACT_NOTIFY", NULL), 1);
	cr_assert_eq(count_rules(p, "bind", "SCMP_ACT_NOTIFY", NULL), 1);
	cr_assert_eq(count_rules(p, "sendto", "SCMP_ACT_NOTIFY", "SCMP_CMP_NE"), 1);
	/* the default already allows sendto without an address */
	cr_assert_eq(rules_naming(p, "sendto"), 1);
	cr_assert_eq(json_object_array_length(syscalls(p)), 2);
	json_object_put(p);
}

Test(profile, listener_path)
{
	struct json_object *p = json("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
				     "\"listenerPath\":\"/run/other.sock\"}");

	cr_assert_eq(merge(p, NULL), -EINVAL);
	cr_assert(strstr(err, "listenerPath '/run/other.sock'"), "%s", err);
	json_object_put(p);

	/* our own socket is fine */
	p = json("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"" SOCK "\"}");
	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	json_object_put(p);
}

Test(profile, refused_bases)
{
	static const char *const bad[][2] = {
		{ "[]", "not a JSON object" },
		{ "{}", "no defaultAction" },
		{ "{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "runc rejects it" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", "syscalls: not an array" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[1]}", "syscalls[0]: not an object" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"bind\"]}]}",
		  "syscalls[0]: no action" },
		/* conditions b4ns cannot keep */
		{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"bind\"],"
		  "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":3,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		  "syscalls[0]: the rule for bind has conditions" },
		{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"connect\"],"
		  "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_NET_ADMIN\"]}}]}",
		  "the rule for connect has conditions" },
		{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"name\":\"bind\","
		  "\"action\":\"SCMP_ACT_ALLOW\"}]}", "old \"name\" field" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *p = json(bad[i][0]);

		cr_assert_eq(merge(p, NULL), -EINVAL, "accepted %s", bad[i][0]);
		cr_assert(strstr(err, bad[i][1]), "'%s' lacks '%s'", err, bad[i][1]);
		json_object_put(p);
	}
}

Test(profile, empty_conditions_are_none)
{
	/* Podman's seccomp.json spells "no condition" as [] and {} */
	struct json_object *p = json(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
		"[\"bind\",\"connect\",\"sendto\",\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
		"\"args\":[],\"comment\":\"\",\"includes\":{},\"excludes\":{}}]}");

	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	cr_assert_eq(rules_naming(p, "bind"), 1);
	cr_assert_eq(count_rules(p, "read", "SCMP_ACT_ALLOW", NULL), 1);
	json_object_put(p);
}

Test(profile, denied_stays_denied)
{
	/* connect is denied by the default action: it must not be trapped
	 * (the daemon's CONTINUE would allow it) */
	struct json_object *p = json(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		"{\"names\":[\"bind\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"sendto\"],\"action\":\"SCMP_ACT_KILL\"}]}");

	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	cr_assert_eq(rules_naming(p, "connect"), 0);
	cr_assert_eq(count_rules(p, "bind", "SCMP_ACT_NOTIFY", NULL), 1);
	cr_assert_eq(count_rules(p, "sendto", "SCMP_ACT_KILL", NULL), 1);
	cr_assert_eq(rules_naming(p, "sendto"), 1);
	json_object_put(p);
}

Test(profile, idempotent)
{
	struct json_object *p = json(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		"{\"names\":[\"accept\",\"bind\",\"connect\",\"sendto\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	_cleanup_free_ char *once = NULL;

	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	once = strdup(json_object_to_json_string(p));
	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	cr_assert_str_eq(json_object_to_json_string(p), once);
	json_object_put(p);
}

Test(profile, podman_default)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *p;
	size_t len;

	if (profile_read_file(PROFILE_PODMAN_BASE, &text, &len))
		cr_skip_test("%s not installed", PROFILE_PODMAN_BASE);
	p = json(text);
	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	cr_assert_eq(rules_naming(p, "connect"), 1);
	cr_assert_eq(rules_naming(p, "bind"), 1);
	cr_assert_eq(count_rules(p, "sendto", "SCMP_ACT_NOTIFY", "SCMP_CMP_NE"), 1);
	cr_assert_eq(count_rules(p, "sendto", "SCMP_ACT_ALLOW", "SCMP_CMP_EQ"), 1);
	cr_assert_eq(count_rules(p, "write", "SCMP_ACT_ALLOW", NULL), 1);
	json_object_put(p);
}

Test(profile, default_socket)
{
	char buf[256];

	setenv("XDG_RUNTIME_DIR", "/run/user/5", 1);
	cr_assert_eq(profile_default_socket(buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/run/user/5/b4ns/b4ns.sock");
	cr_assert_eq(profile_default_socket(buf, 10), -ENAMETOOLONG);
	unsetenv("XDG_RUNTIME_DIR");
	cr_assert_eq(profile_default_socket(buf, sizeof(buf)), -ENOENT);
}

/* ---- the precreate hook ------------------------------------------------ */

static const char cfg_plain[] =
	"{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"args\":[\"sh\"]},"
	"\"annotations\":{\"io.podman.annotations.init\":\"FALSE\"},"
	"\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
	"[{\"names\":[\"bind\",\"connect\",\"sendto\",\"close\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}\n";

/* config() - cfg_plain's shape with @ann as the annotations object */
static char *config(const char *ann, bool seccomp)
{
	char *s = NULL;

	cr_assert(asprintf(&s,
		"{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"args\":[\"sh\"]},"
		"\"annotations\":%s,\"linux\":{\"namespaces\":[]%s}}", ann,
		seccomp ? ",\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
			  "\"syscalls\":[{\"names\":[\"bind\",\"connect\","
			  "\"sendto\",\"close\"],\"action\":\"SCMP_ACT_ALLOW\"}]}" : "") > 0);
	return s;
}

static int filter(const char *in, char **out)
{
	err[0] = '\0';
	return hook_filter(in, strlen(in), SOCK, out, err, sizeof(err));
}

Test(hook, selection)
{
	static const struct {
		const char *ann;
		bool sel;
	} cases[] = {
		{ "{}", false },
		{ "{\"io.x\":\"1\"}", false },
		{ "{\"b4ns.ignore\":\"10.0.0.0/8\"}", false },
		{ "{\"b4ns.mode\":\"off\"}", false },
		{ "{\"b4ns.mode\":\"off\",\"b4ns.config\":\"web\"}", false },
		{ "{\"b4ns.mode\":\"seccomp\"}", true },
		{ "{\"b4ns.mode\":\"auto\"}", true },
		{ "{\"b4ns.config\":\"web\"}", true },
		{ "{\"b4ns.publish\":\"8080:80\"}", true },
		{ "[]", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *c = config(cases[i].ann, true);
		struct json_object *o = json(c);

		cr_assert_eq(hook_selected(o), cases[i].sel, "%s", cases[i].ann);
		json_object_put(o);
	}
}

Test(hook, unselected_untouched)
{
	char *out = (char *)"sentinel";
	_cleanup_free_ char *off = config("{\"b4ns.mode\":\"off\",\"b4ns.publish\":\"1:1\"}", true);

	cr_assert_eq(filter(cfg_plain, &out), 0, "%s", err);
	cr_assert_null(out, "an unselected config must be passed on as is");
	out = (char *)"sentinel";
	cr_assert_eq(filter(off, &out), 0, "%s", err);
	cr_assert_null(out);
}

Test(hook, selected_gets_listener)
{
	_cleanup_free_ char *in = config("{\"b4ns.config\":\"web\",\"io.x\":\"y\"}", true);
	_cleanup_free_ char *out = NULL;
	struct json_object *o, *linux_, *sec, *ann, *args;

	cr_assert_eq(filter(in, &out), 0, "%s", err);
	cr_assert_not_null(out);
	o = json(out);
	cr_assert(json_object_object_get_ex(o, "linux", &linux_));
	cr_assert(json_object_object_get_ex(linux_, "seccomp", &sec));
	cr_assert_str_eq(str(sec, "listenerPath"), SOCK);
	cr_assert_eq(count_rules(sec, "connect", "SCMP_ACT_NOTIFY", NULL), 1);
	cr_assert_eq(count_rules(sec, "close", "SCMP_ACT_ALLOW", NULL), 1);
	cr_assert_eq(rules_naming(sec, "bind"), 1);
	/* everything else is kept */
	cr_assert_str_eq(str(o, "ociVersion"), "1.0.2-dev");
	cr_assert(json_object_object_get_ex(o, "annotations", &ann));
	cr_assert_str_eq(str(ann, "io.x"), "y");
	cr_assert(json_object_object_get_ex(linux_, "namespaces", &args));
	cr_assert(strstr(out, "\"listenerPath\":\"/run/user/1000/b4ns/b4ns.sock\""),
		  "slashes must not be escaped: %s", out);
	json_object_put(o);
}

Test(hook, unconfined_gets_allow_all)
{
	_cleanup_free_ char *in = config("{\"b4ns.mode\":\"seccomp\"}", false);
	_cleanup_free_ char *out = NULL;
	struct json_object *o, *linux_, *sec;

	cr_assert_eq(filter(in, &out), 0, "%s", err);
	o = json(out);
	cr_assert(json_object_object_get_ex(o, "linux", &linux_));
	cr_assert(json_object_object_get_ex(linux_, "seccomp", &sec));
	cr_assert_str_eq(str(sec, "defaultAction"), "SCMP_ACT_ALLOW");
	cr_assert_str_eq(str(sec, "listenerPath"), SOCK);
	cr_assert_eq(count_rules(sec, "bind", "SCMP_ACT_NOTIFY", NULL), 1);
	json_object_put(o);
}

Test(hook, bad_input)
{
	char *out = NULL;

	cr_assert_eq(filter("{\"annotations\":", &out), -EINVAL);
	cr_assert(strstr(err, "OCI config: truncated"), "%s", err);
	cr_assert_eq(filter("[]", &out), -EINVAL);
	cr_assert_eq(filter("{\"annotations\":{\"b4ns.mode\":\"seccomp\"},\"linux\":[]}", &out),
		     -EINVAL);
	cr_assert(strstr(err, "linux: not an object"), "%s", err);
	/* a profile that notifies someone else */
	cr_assert_eq(filter("{\"annotations\":{\"b4ns.mode\":\"seccomp\"},\"linux\":"
			    "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			    "\"listenerPath\":\"/x\"}}}", &out), -EINVAL);
	cr_assert(strstr(err, "linux.seccomp: the seccomp profile already sends"), "%s", err);
	cr_assert_null(out);
}

Test(hook, daemon_probe)
{
	cr_assert_eq(hook_daemon_probe("/nonexistent/b4ns.sock"), -ENOENT);
}

/* ---- doctor ------------------------------------------------------------- */

Test(doctor, addfd_probe)
{
	struct utsname u;
	int maj = 0, min = 0;

	setenv("B4NS_TEST_NO_ADDFD", "1", 1);
	cr_assert_eq(doctor_probe_addfd(), -EINVAL);
	unsetenv("B4NS_TEST_NO_ADDFD");
	cr_assert_eq(uname(&u), 0);
	sscanf(u.release, "%d.%d", &maj, &min);
	if (maj < 5 || (maj == 5 && min < 9))
		cr_skip_test("kernel %s has no ADDFD", u.release);
	cr_assert_eq(doctor_probe_addfd(), 0);
}
