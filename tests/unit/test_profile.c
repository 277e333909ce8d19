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
#include <limits.h>
#include <json-c/json.h>

#include <linux/audit.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "cli/cli.h"
#include "err.h"
#include "launch/probe.h"
#include "oci/daemon.h"
#include "paths.h"
#include "readall.h"
#include "oci/hook.h"
#include "oci/oci.h"
#include "oci/profile.h"
#include "traps.h"

#define SOCK "/run/user/1000/b4ns/b4ns.sock"

static char err[512];

static struct json_object *json(const char *text)
{
	struct json_object *o = NULL;
	struct b4_error e = { "" };

	cr_assert_eq(oci_json_parse(text, strlen(text), &o, &e), 0,
		     "%s: %s", e.msg, text);
	return o;
}

/* the flags of the next merge() (small_base: a named network's) */
static unsigned int merge_flags = TRAP_PROFILE_FLAGS;

static int merge(struct json_object *p, const char *meta)
{
	struct b4_error e = { "" };
	int rc = profile_merge(p, SOCK, meta, merge_flags, &e);

	memcpy(err, e.msg, sizeof(err));
	return rc;
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

/**
 * count_cond() - rules naming @name with @action and exactly one argument
 *		  condition "args[@index] @op @value (@value_two)"
 */
static int count_cond(struct json_object *p, const char *name,
		      const char *action, int index, const char *op,
		      uint64_t value, uint64_t value_two)
{
	struct json_object *sc = syscalls(p), *args, *a, *v;
	size_t i;
	int n = 0;

	for (i = 0; i < json_object_array_length(sc); i++) {
		struct json_object *r = json_object_array_get_idx(sc, i);

		if (!has_name(r, name) || strcmp(str(r, "action"), action) ||
		    !json_object_object_get_ex(r, "args", &args) ||
		    json_object_array_length(args) != 1)
			continue;
		a = json_object_array_get_idx(args, 0);
		json_object_object_get_ex(a, "index", &v);
		if (json_object_get_int(v) != index || strcmp(str(a, "op"), op))
			continue;
		json_object_object_get_ex(a, "value", &v);
		if (json_object_get_uint64(v) != value)
			continue;
		if (json_object_object_get_ex(a, "valueTwo", &v) ?
		    json_object_get_uint64(v) != value_two : value_two != 0)
			continue;
		n++;
	}
	return n;
}

/* first_rule() - index of the first rule naming @name, or -1 */
static int first_rule(struct json_object *p, const char *name)
{
	struct json_object *sc = syscalls(p);

	for (size_t i = 0; i < json_object_array_length(sc); i++)
		if (has_name(json_object_array_get_idx(sc, i), name))
			return (int)i;
	return -1;
}

/* rules_with_includes() - rules with non-empty includes or excludes */
static int rules_with_includes(struct json_object *p)
{
	struct json_object *sc = syscalls(p), *v;
	int n = 0;

	for (size_t i = 0; i < json_object_array_length(sc); i++) {
		struct json_object *r = json_object_array_get_idx(sc, i);

		if ((json_object_object_get_ex(r, "includes", &v) &&
		     json_object_object_length(v)) ||
		    (json_object_object_get_ex(r, "excludes", &v) &&
		     json_object_object_length(v)))
			n++;
	}
	return n;
}

static const int trapped_sys[] = { TRAP_SYS_BIND, TRAP_SYS_CONNECT,
				   TRAP_SYS_LISTEN, TRAP_SYS_GETSOCKNAME,
				   TRAP_SYS_GETPEERNAME, TRAP_SYS_SENDTO,
				   TRAP_SYS_SENDMSG, TRAP_SYS_SENDMMSG,
				   /* with TRAP_IF_ACCEPT */
				   TRAP_SYS_ACCEPT, TRAP_SYS_ACCEPT4 };

/* assert_traps() - every call of "b4ns run" is trapped in @p, the
 * conditional ones after socketcall's rules */
static void assert_traps(struct json_object *p)
{
	static const char *const always[] = { "connect", "bind", "listen",
					      "getsockname", "getpeername" };

	for (size_t i = 0; i < ARRAY_SIZE(always); i++) {
		cr_assert_eq(count_rules(p, always[i], "SCMP_ACT_NOTIFY", NULL), 1,
			     "%s", always[i]);
		cr_assert_eq(rules_naming(p, always[i]), 1, "%s", always[i]);
	}
	/* accept() only for a container of a named network (TRAP_IF_ACCEPT) */
	cr_assert_eq(count_rules(p, "accept", "SCMP_ACT_NOTIFY", NULL), 0);
	cr_assert_eq(count_rules(p, "accept4", "SCMP_ACT_NOTIFY", NULL), 0);
	cr_assert_eq(count_rules(p, "sendto", "SCMP_ACT_NOTIFY", "SCMP_CMP_NE"), 1);
	cr_assert_eq(count_cond(p, "sendmsg", "SCMP_ACT_NOTIFY", 2,
				"SCMP_CMP_MASKED_EQ", MSG_FASTOPEN, MSG_FASTOPEN), 1);
	cr_assert_eq(count_cond(p, "sendmmsg", "SCMP_ACT_NOTIFY", 3,
				"SCMP_CMP_MASKED_EQ", MSG_FASTOPEN, MSG_FASTOPEN), 1);
	/* i386 socketcall(2): one unconditional NOTIFY rule, the first rule
	 * of all (see move_first() in profile.c) */
	cr_assert_eq(count_rules(p, "socketcall", "SCMP_ACT_NOTIFY", NULL), 1);
	cr_assert_eq(rules_naming(p, "socketcall"), 1);
	cr_assert_eq(first_rule(p, "socketcall"), 0);
	cr_assert_lt(first_rule(p, "socketcall"), first_rule(p, "sendto"));
	cr_assert_lt(first_rule(p, "socketcall"), first_rule(p, "sendmsg"));
	cr_assert_lt(first_rule(p, "socketcall"), first_rule(p, "sendmmsg"));
}

/* assert_io_uring_denied() - no io_uring syscall is allowed by @p */
static void assert_io_uring_denied(struct json_object *p, bool by_rule)
{
	static const char *const names[] = { "io_uring_setup", "io_uring_enter",
					     "io_uring_register" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		cr_assert_eq(count_rules(p, names[i], "SCMP_ACT_ALLOW", NULL), 0);
		cr_assert_eq(rules_naming(p, names[i]), by_rule ? 1 : 0, "%s",
			     names[i]);
		if (by_rule) {
			struct json_object *r = json_object_array_get_idx(
				syscalls(p), (size_t)first_rule(p, names[i]));
			struct json_object *v;

			cr_assert_str_eq(str(r, "action"), "SCMP_ACT_ERRNO");
			cr_assert(json_object_object_get_ex(r, "errnoRet", &v));
			cr_assert_eq(json_object_get_int(v), ENOSYS);
		}
	}
}

Test(traps, table)
{
	unsigned int run_default = 0;
	bool seen[TRAP_N_CALLS] = { false };

	for (size_t i = 0; i < trap_n_rules; i++) {
		const struct trap_rule *r = &trap_rules[i];

		if (trap_rule_active(r, run_default))
			seen[r->call] = true;
		if (r->op == TRAP_MASKED_EQ)
			cr_assert_eq(r->value & (r->value - 1), 0,
				     "%s: MASKED_EQ needs a single bit", r->name);
	}
	/* connect, bind, listen always; sendto/sendmsg/sendmmsg (TFO) too */
	cr_assert(seen[TRAP_CONNECT] && seen[TRAP_BIND] && seen[TRAP_LISTEN]);
	cr_assert(seen[TRAP_SENDTO] && seen[TRAP_SENDMSG] && seen[TRAP_SENDMMSG]);
	cr_assert_not(seen[TRAP_GETSOCKNAME] || seen[TRAP_GETPEERNAME]);
	cr_assert(trap_socketcall_trapped(TRAP_SYS_GETSOCKNAME, TRAP_IF_NAMES));
	cr_assert_not(trap_socketcall_trapped(TRAP_SYS_GETSOCKNAME, 0));
	cr_assert(trap_socketcall_trapped(TRAP_SYS_SENDMSG, 0));
	cr_assert_not(trap_socketcall_trapped(9 /* SYS_SEND */, ~0u));
	/* sendmsg: the TFO rule, or the unconditional one, never both */
	for (unsigned int f = 0; f < 4; f++) {
		int n = 0;

		for (size_t i = 0; i < trap_n_rules; i++)
			n += !strcmp(trap_rules[i].name, "sendmsg") &&
			     trap_rule_active(&trap_rules[i], f);
		cr_assert_eq(n, 1, "flags %u", f);
	}
}

Test(traps, classify)
{
	bool ind = true;

	cr_assert_eq(trap_classify(AUDIT_ARCH_X86_64, __NR_connect, 0, &ind),
		     TRAP_CONNECT);
	cr_assert_not(ind);
	cr_assert_eq(trap_classify(AUDIT_ARCH_X86_64, __NR_listen, 0, NULL),
		     TRAP_LISTEN);
	cr_assert_eq(trap_classify(AUDIT_ARCH_X86_64, __NR_read, 0, NULL), -ENOENT);
	/* x32 is never one of ours */
	cr_assert_eq(trap_classify(AUDIT_ARCH_X86_64, 0x40000000 | __NR_connect,
				   0, NULL), -ENOENT);
	/* i386: direct calls and socketcall */
	cr_assert_eq(trap_classify(AUDIT_ARCH_I386, 362, 0, &ind), TRAP_CONNECT);
	cr_assert_not(ind);
	cr_assert_eq(trap_classify(AUDIT_ARCH_I386, 345, 0, NULL), TRAP_SENDMMSG);
	cr_assert_eq(trap_classify(AUDIT_ARCH_I386, __NR_connect, 0, NULL), -ENOENT);
	cr_assert_eq(trap_classify(AUDIT_ARCH_I386, 102, TRAP_SYS_SENDTO, &ind),
		     TRAP_SENDTO);
	cr_assert(ind);
	cr_assert_eq(trap_classify(AUDIT_ARCH_I386, 102, 9, NULL), -ENOENT);
	cr_assert_eq(trap_classify(AUDIT_ARCH_AARCH64 + 1, __NR_connect, 0, NULL),
		     -ENOENT);
}

Test(profile, small_base)
{
	struct json_object *p = json(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
		"\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":["
		"{\"names\":[\"getsockopt\",\"bind\",\"close\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"accept\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"connect\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[]},"
		"{\"names\":[\"sendto\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
	struct json_object *sc, *r0;

	merge_flags = TRAP_PROFILE_FLAGS | TRAP_IF_ACCEPT;
	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	merge_flags = TRAP_PROFILE_FLAGS;
	cr_assert_str_eq(str(p, "listenerPath"), SOCK);
	cr_assert_null(str(p, "listenerMetadata"));
	cr_assert_str_eq(str(p, "defaultAction"), "SCMP_ACT_ERRNO");
	sc = syscalls(p);

	/* bind left the first base rule, the others stay */
	r0 = json_object_array_get_idx(sc, (size_t)first_rule(p, "getsockopt"));
	cr_assert(!has_name(r0, "bind"));
	cr_assert(has_name(r0, "getsockopt") && has_name(r0, "close"));
	/* accept is trapped where it was allowed; accept4 stays denied */
	cr_assert_eq(count_rules(p, "accept", "SCMP_ACT_NOTIFY", NULL), 1);
	cr_assert_eq(rules_naming(p, "accept"), 1);
	cr_assert_eq(count_rules(p, "accept4", "SCMP_ACT_NOTIFY", NULL), 0);
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
	/* socketcall is denied by the default action: explicit denials of
	 * the trapped call numbers, with the default's errno, come first */
	for (size_t i = 0; i < ARRAY_SIZE(trapped_sys); i++)
		cr_assert_eq(count_cond(p, "socketcall", "SCMP_ACT_ERRNO", 0,
					"SCMP_CMP_EQ", (uint64_t)trapped_sys[i], 0), 1);
	cr_assert_eq(rules_naming(p, "socketcall"), 10);
	cr_assert_lt(first_rule(p, "socketcall"), first_rule(p, "sendto"));
	/* denied by the default: not trapped */
	cr_assert_eq(rules_naming(p, "listen"), 0);
	cr_assert_eq(rules_naming(p, "sendmsg"), 0);
	/* 5 base rules - 2 emptied (connect, accept) + 10 socketcall + NOTIFY +
	 * sendto NOTIFY + sendto ALLOW */
	cr_assert_eq(json_object_array_length(sc), 16);
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
	assert_traps(p);
	/* the default already allows sendto without an address */
	cr_assert_eq(rules_naming(p, "sendto"), 1);
	cr_assert_eq(rules_naming(p, "sendmsg"), 1);
	assert_io_uring_denied(p, true);
	/* NOTIFY (socketcall with it) + sendto, sendmsg, sendmmsg + io_uring */
	cr_assert_eq(json_object_array_length(syscalls(p)), 5);
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

	if (readall_file(PROFILE_PODMAN_BASE, PROFILE_FILE_MAX, &text, &len))
		cr_skip_test("%s not installed", PROFILE_PODMAN_BASE);
	p = json(text);
	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	assert_traps(p);
	cr_assert_eq(count_rules(p, "sendto", "SCMP_ACT_ALLOW", "SCMP_CMP_EQ"), 1);
	cr_assert_eq(count_cond(p, "sendmsg", "SCMP_ACT_ALLOW", 2,
				"SCMP_CMP_MASKED_EQ", MSG_FASTOPEN, 0), 1);
	cr_assert_eq(count_cond(p, "sendmmsg", "SCMP_ACT_ALLOW", 3,
				"SCMP_CMP_MASKED_EQ", MSG_FASTOPEN, 0), 1);
	cr_assert_eq(count_rules(p, "write", "SCMP_ACT_ALLOW", NULL), 1);
	/* denied by the default action (ENOSYS) already */
	assert_io_uring_denied(p, false);
	/* the architectures are untouched: the rules hold for all of them */
	cr_assert_eq(json_object_object_get_ex(p, "archMap", NULL), true);
	json_object_put(p);
}

Test(profile, every_architecture)
{
	/* Podman hands the runtime x86_64, x86 and x32: OCI rules name
	 * syscalls and apply to every architecture listed, so ours must
	 * carry no arch includes/excludes, and the list stays as it is */
	struct json_object *p = json(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
		"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
		"\"syscalls\":[{\"names\":[\"bind\",\"connect\",\"listen\",\"sendto\","
		"\"sendmsg\",\"sendmmsg\",\"getsockname\",\"getpeername\",\"socketcall\","
		"\"io_uring_setup\",\"io_uring_enter\",\"io_uring_register\",\"read\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\","
		"\"includes\":{\"arches\":[\"x86\"]}}]}");
	struct json_object *arches;

	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	assert_traps(p);
	assert_io_uring_denied(p, true);
	cr_assert_eq(rules_with_includes(p), 1); /* the base's own */
	cr_assert(json_object_object_get_ex(p, "architectures", &arches));
	cr_assert_eq(json_object_array_length(arches), 3);
	cr_assert_eq(count_rules(p, "read", "SCMP_ACT_ALLOW", NULL), 1);
	json_object_put(p);
}

Test(profile, io_uring_allowed_by_default)
{
	struct json_object *p = json("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		"\"syscalls\":[{\"names\":[\"io_uring_enter\"],\"action\":\"SCMP_ACT_LOG\"}]}");
	_cleanup_free_ char *once = NULL;

	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	assert_io_uring_denied(p, true);
	once = strdup(json_object_to_json_string(p));
	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	cr_assert_str_eq(json_object_to_json_string(p), once);
	json_object_put(p);
}

Test(profile, socketcall_with_conditions_refused)
{
	struct json_object *p = json("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		"\"syscalls\":[{\"names\":[\"socketcall\"],\"action\":\"SCMP_ACT_ALLOW\","
		"\"args\":[{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_NE\"}]}]}");

	cr_assert_eq(merge(p, NULL), -EINVAL);
	cr_assert(strstr(err, "the rule for socketcall has conditions"), "%s", err);
	json_object_put(p);
}

Test(profile, idempotent_podman_like)
{
	struct json_object *p = json(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
		"\"syscalls\":[{\"names\":[\"bind\",\"connect\",\"listen\",\"sendto\","
		"\"sendmsg\",\"sendmmsg\",\"getsockname\",\"getpeername\",\"socketcall\","
		"\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	_cleanup_free_ char *once = NULL;

	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	assert_traps(p);
	once = strdup(json_object_to_json_string(p));
	cr_assert_eq(merge(p, NULL), 0, "%s", err);
	cr_assert_str_eq(json_object_to_json_string(p), once);
	json_object_put(p);
}

/* run_profile() - "b4ns profile ARGS...", its stdout into @out */
static int run_profile(char **out, int argc, char **argv)
{
	char path[] = "/tmp/b4ns-test-profile-XXXXXX";
	int fd = mkstemp(path), saved, rc;
	size_t len;

	cr_assert_geq(fd, 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	rc = cmd_profile(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	cr_assert_eq(readall_file(path, PROFILE_FILE_MAX, out, &len), 0);
	unlink(path);
	return rc;
}

Test(profile, base_none)
{
	char *argv[] = { "profile", "--base=none", "--socket=" SOCK, NULL };
	_cleanup_free_ char *out = NULL;
	struct json_object *p;

	cr_assert_eq(run_profile(&out, 3, argv), 0);
	p = json(out);
	cr_assert_str_eq(str(p, "defaultAction"), "SCMP_ACT_ALLOW");
	cr_assert_str_eq(str(p, "listenerPath"), SOCK);
	assert_traps(p);
	assert_io_uring_denied(p, true);
	json_object_put(p);
}

Test(paths, daemon_socket)
{
	char buf[PATHS_SOCK_MAX], big[PATHS_SOCK_MAX + 8];
	struct b4_error e = { "" };

	setenv("XDG_RUNTIME_DIR", "/run/user/5", 1);
	cr_assert_eq(paths_daemon_socket(NULL, PATHS_XDG, buf, &e), 0);
	cr_assert_str_eq(buf, "/run/user/5/b4ns/b4ns.sock");
	cr_assert_eq(paths_daemon_socket("/x/s.sock", PATHS_XDG, buf, &e), 0);
	cr_assert_str_eq(buf, "/x/s.sock");
	cr_assert_eq(paths_daemon_socket("x/s.sock", PATHS_XDG, buf, &e), -EINVAL);
	cr_assert(strstr(e.msg, "x/s.sock: not an absolute path"), "%s", e.msg);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(paths_daemon_socket(big, PATHS_XDG, buf, &e), -ENAMETOOLONG);
	cr_assert(strstr(e.msg, "path too long"), "%s", e.msg);
	cr_assert(strstr(e.msg, big), "the path is named: %s", e.msg);
	setenv("XDG_RUNTIME_DIR", big, 1);
	cr_assert_eq(paths_daemon_socket(NULL, PATHS_XDG, buf, &e), -ENAMETOOLONG);
	unsetenv("XDG_RUNTIME_DIR");
	cr_assert_eq(paths_daemon_socket(NULL, PATHS_XDG, buf, &e), -ENOENT);
	cr_assert(strstr(e.msg, "XDG_RUNTIME_DIR is not set"), "%s", e.msg);
	cr_assert_eq(paths_daemon_socket(NULL, PATHS_HOST_UID, buf, &e), 0);
	cr_assert(!strncmp(buf, "/run/user/", 10), "%s", buf);
	cr_assert_eq(paths_beside("/run/user/5/b4ns/b4ns.sock", PATHS_CTL_SOCK,
				  buf, &e), 0);
	cr_assert_str_eq(buf, "/run/user/5/b4ns/b4ns.ctl");
}

Test(paths, which)
{
	char buf[PATH_MAX];

	setenv("PATH", "/nonexistent:/bin:/usr/bin", 1);
	cr_assert(paths_which("sh", buf, sizeof(buf)));
	cr_assert(!strcmp(buf, "/bin/sh") || !strcmp(buf, "/usr/bin/sh"), "%s", buf);
	cr_assert(!paths_which("b4ns-no-such-program", NULL, 0));
	cr_assert(paths_which("./x", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "./x");
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
	struct b4_error e = { "" };
	int rc = hook_filter(in, strlen(in), SOCK, out, &e);

	memcpy(err, e.msg, sizeof(err));
	return rc;
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
	cr_assert_eq(daemon_probe("/nonexistent/b4ns.sock"), -ENOENT);
}

/* ---- doctor ------------------------------------------------------------- */

Test(doctor, addfd_probe)
{
	struct utsname u;
	int maj = 0, min = 0;

	setenv("B4NS_TEST_NO_ADDFD", "1", 1);
	cr_assert_eq(probe_addfd(), -EINVAL);
	unsetenv("B4NS_TEST_NO_ADDFD");
	cr_assert_eq(uname(&u), 0);
	sscanf(u.release, "%d.%d", &maj, &min);
	if (maj < 5 || (maj == 5 && min < 9))
		cr_skip_test("kernel %s has no ADDFD", u.release);
	cr_assert_eq(probe_addfd(), 0);
}
