// SPDX-License-Identifier: GPL-2.0-or-later
/* profile.c - OCI seccomp profiles with b4ns's NOTIFY rules ("b4ns
 * profile" prints profile_build()'s; the oci-hook merges into Podman's)
 *
 * Theory of operation: a container started by runc or crun reaches the
 * b4ns daemon only through its seccomp profile: syscalls with action
 * SCMP_ACT_NOTIFY are reported on a listener fd that the runtime sends to
 * "listenerPath". profile_merge() turns any profile (Podman's seccomp.json
 * form with archMap/includes, or the OCI linux.seccomp form Podman hands to
 * the runtime) into one that traps what "b4ns run" traps (common/traps.c,
 * TRAP_PROFILE_FLAGS: the daemon cannot know a container's settings when
 * the profile is written) and names the daemon's socket, changing nothing
 * else the profile allows or denies, except io_uring:
 *
 *   - A trapped syscall must not also appear in another rule: libseccomp
 *     refuses two actions for one syscall, so it is removed from the rules
 *     naming it and rules left without names are dropped.
 *   - Only what the profile allows is trapped: the daemon answers CONTINUE
 *     for what it does not switch, so trapping a denied syscall would turn
 *     the denial into an allow. Denied syscalls are left alone (warning).
 *   - A conditionally trapped syscall (sendto with a destination, sendmsg
 *     and sendmmsg with MSG_FASTOPEN) keeps its old action for the other
 *     calls through a rule with the inverse condition, added when that
 *     action differs from defaultAction.
 *   - Rules naming a trapped syscall with conditions of their own (args,
 *     includes, excludes) cannot be preserved and are refused, as are a
 *     NOTIFY defaultAction (runc rejects it) and a different listenerPath.
 *   - io_uring_setup/enter/register get ERRNO(ENOSYS) wherever the profile
 *     allowed them: io_uring acts on sockets without a syscall to trap.
 *
 * Architectures: OCI rules name syscalls, and the runtime (libseccomp)
 * applies each rule to every architecture of "architectures"/"archMap"
 * (Podman: x86_64, x86, x32), so the NOTIFY rules hold for i386 and x32
 * too. One hole is i386's socketcall(2): Podman's profile allows it
 * without condition, and libseccomp (2.5.4, checked with
 * seccomp_export_pfc()) then drops the socketcall(SYS_CONNECT) NOTIFY rule
 * it derives from our connect rule, in either order - socketcall(SYS_CONNECT)
 * would be allowed untrapped. And the socketcall rules it derives from
 * conditional rules test socketcall's own registers (args[4] of
 * socketcall, not of sendto), which the container chooses. So socketcall
 * itself is planned like a trapped syscall: socketcall(SYS_x) (args[0] ==
 * x) is trapped for every trapped call x, the other call numbers keep the
 * old action, one rule each, and these rules come first among ours,
 * because libseccomp keeps the first of two overlapping rules and drops
 * the later, register-conditioned ones. A socketcall the profile denies by
 * its default action gets explicit denials of the trapped call numbers, for
 * the same reason. Without "architectures" (e.g. --base=none) the runtime
 * loads the native ABI only and other ABIs meet its bad-arch action
 * (libseccomp's default kills).
 *
 * Our own rules are recognised by shape (NOTIFY with the trap's condition,
 * the inverse condition), so merging an already merged profile - a
 * "b4ns profile" passed to Podman together with the hook - is a no-op.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "err.h"
#include "log.h"
#include "oci/oci.h"
#include "oci/profile.h"
#include "readall.h"
#include "traps.h"

#define ACT_NOTIFY "SCMP_ACT_NOTIFY"

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
	COND_TRAP,	/* exactly one of the trap's conditions */
	COND_INVERSE,	/* exactly one of the conditions of the calls not trapped */
	COND_OTHER,	/* anything else: cannot be preserved */
};

/**
 * struct prof_cond - one argument comparison of an OCI rule
 * @index:	argument index
 * @op:		OCI comparison ("SCMP_CMP_NE")
 * @value:	operand (the mask for SCMP_CMP_MASKED_EQ)
 * @value_two:	second operand (the datum for SCMP_CMP_MASKED_EQ), else 0
 */
struct prof_cond {
	int index;
	const char *op;
	uint64_t value;
	uint64_t value_two;
};

/**
 * struct prof_name - what b4ns does to one syscall name in a profile
 * @name:	syscall name
 * @rest_errno:	plan: errnoRet of @rest_act, or -1
 * @trap:	unless @always, one NOTIFY rule per condition (any traps)
 * @rest:	conditions selecting every call not trapped: rules keeping
 *		the old action, when it is not the default action
 * @n_trap:	entries in @trap
 * @n_rest:	entries in @rest
 * @always:	trapped without condition (one NOTIFY rule, shared)
 * @socketcall:	socketcall(2): its conditions are ours whatever the action
 *		(a denied socketcall keeps explicit denials, see plan_name())
 * @do_trap:	plan: trap it (the profile allows it, or it was trapped)
 * @touch:	plan: replace the rules naming it with ours
 * @rest_act:	plan: the action of the calls not trapped
 */
struct prof_name {
	const char *name;
	int64_t rest_errno;
	struct prof_cond trap[TRAP_SYS_MAX];
	struct prof_cond rest[TRAP_SYS_MAX];
	int n_trap;
	int n_rest;
	bool always;
	bool socketcall;
	bool do_trap;
	bool touch;
	char rest_act[64];
};

/* socketcall, then one per trapped name */
#define PROF_MAX_NAMES (TRAP_N_CALLS + 1)

/**
 * prof_names() - the syscall names a profile traps, from trap_rules[]
 * @names:	PROF_MAX_NAMES entries to fill
 *
 * socketcall(2) comes first: its rules must precede the conditional rules
 * of sendto/sendmsg/sendmmsg, for which libseccomp generates socketcall
 * rules with register conditions on i386 that a container controls (the
 * first of two overlapping rules wins in libseccomp; see common/traps.c).
 *
 * Return: number of entries
 */
static int prof_names(struct prof_name *names, unsigned int flags)
{
	struct prof_name *sc = &names[0];
	int n = 1;

	memset(names, 0, sizeof(*names) * PROF_MAX_NAMES);
	sc->name = "socketcall";
	sc->socketcall = true;
	/*
	 * i386 socketcall(2) is trapped unconditionally in the profile: per
	 * call-number rules (args[0] == SYS_x) collide in runc's libseccomp
	 * with the socketcall rules it derives from the profile's own
	 * conditional "socket" rules (socket's args[0] == AF_NETLINK is
	 * socketcall's args[0] == SYS_SENDMSG, both 16: "error adding seccomp
	 * rule for syscall socket: file exists"). The daemon answers the call
	 * numbers it does not handle with CONTINUE, which is safe: the call
	 * number is a register the kernel does not read again.
	 */
	sc->always = true;
	for (int sys = 1; sys <= TRAP_SYS_MAX; sys++) {
		struct prof_cond c = { .index = 0, .op = "SCMP_CMP_EQ",
				       .value = (uint64_t)sys };

		/* only used for explicit denials (a base that denies it) */
		if (trap_socketcall_trapped(sys, flags))
			sc->trap[sc->n_trap++] = c;
	}
	for (size_t i = 0; i < trap_n_rules; i++) {
		const struct trap_rule *r = &trap_rules[i];
		struct prof_name *p = NULL;

		if (!trap_rule_active(r, flags))
			continue;
		for (int k = 1; k < n; k++)
			if (!strcmp(names[k].name, r->name))
				p = &names[k];
		if (!p) {
			if (n >= PROF_MAX_NAMES)
				break;
			p = &names[n++];
			p->name = r->name;
		}
		switch (r->op) {
		case TRAP_ALWAYS:
			p->always = true;
			break;
		case TRAP_NE:
			p->trap[p->n_trap++] = (struct prof_cond){
				r->arg, "SCMP_CMP_NE", r->value, 0 };
			p->rest[p->n_rest++] = (struct prof_cond){
				r->arg, "SCMP_CMP_EQ", r->value, 0 };
			break;
		case TRAP_MASKED_EQ:
			p->trap[p->n_trap++] = (struct prof_cond){
				r->arg, "SCMP_CMP_MASKED_EQ", r->value, r->value };
			p->rest[p->n_rest++] = (struct prof_cond){
				r->arg, "SCMP_CMP_MASKED_EQ", r->value, 0 };
			break;
		}
	}
	return n;
}

/* int_member() - @obj's integer member @key into *@v; false if none */
static bool int_member(struct json_object *obj, const char *key, int64_t *v)
{
	struct json_object *m;

	if (!json_object_object_get_ex(obj, key, &m) ||
	    !json_object_is_type(m, json_type_int))
		return false;
	*v = json_object_get_int64(m);
	return true;
}

/* arg_is() - is @arg the comparison @c? */
static bool arg_is(struct json_object *arg, const struct prof_cond *c)
{
	struct json_object *v;
	const char *aop = str_member(arg, "op");

	if (!aop || strcmp(aop, c->op) != 0)
		return false;
	if (!json_object_object_get_ex(arg, "index", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != c->index)
		return false;
	if (!json_object_object_get_ex(arg, "value", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_uint64(v) != c->value)
		return false;
	if (json_object_object_get_ex(arg, "valueTwo", &v)) {
		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_uint64(v) != c->value_two)
			return false;
	} else if (c->value_two) {
		return false;
	}
	return true;
}

static enum rule_cond rule_cond(struct json_object *rule,
				const struct prof_name *p)
{
	struct json_object *args, *arg;

	if (!empty_member(rule, "includes") || !empty_member(rule, "excludes"))
		return COND_OTHER;
	if (empty_member(rule, "args"))
		return COND_NONE;
	if (!json_object_object_get_ex(rule, "args", &args) ||
	    !json_object_is_type(args, json_type_array) ||
	    json_object_array_length(args) != 1)
		return COND_OTHER;
	arg = json_object_array_get_idx(args, 0);
	if (!json_object_is_type(arg, json_type_object))
		return COND_OTHER;
	for (int i = 0; i < p->n_trap; i++)
		if (arg_is(arg, &p->trap[i]))
			return COND_TRAP;
	for (int i = 0; i < p->n_rest; i++)
		if (arg_is(arg, &p->rest[i]))
			return COND_INVERSE;
	return COND_OTHER;
}

static bool action_allows(const char *action)
{
	return !strcmp(action, "SCMP_ACT_ALLOW") || !strcmp(action, "SCMP_ACT_LOG");
}

/* set_rest() - remember @action (with @rule's errnoRet) as @p's old action */
static int set_rest(struct prof_name *p, const char *action,
		    struct json_object *rule, struct b4_error *err)
{
	if (strlen(action) >= sizeof(p->rest_act))
		return b4_error_set(err, -EINVAL, "action '%.40s...' too long", action);
	memcpy(p->rest_act, action, strlen(action) + 1);
	if (!rule || !int_member(rule, "errnoRet", &p->rest_errno))
		p->rest_errno = -1;
	return 0;
}

/**
 * plan_name() - find how the profile treats @p today
 * @syscalls:	the profile's rules
 * @seccomp:	the profile (defaultAction, defaultErrnoRet)
 * @p:		name to plan; its do_trap, touch, rest_act and rest_errno
 *		are set
 * @err:	why it is refused
 *
 * Return: 0, or -EINVAL
 */
static int plan_name(struct json_object *syscalls, struct json_object *seccomp,
		     struct prof_name *p, struct b4_error *err)
{
	const char *def = str_member(seccomp, "defaultAction");
	bool trapped = false, have_base = false, uncond = false, base;
	size_t i, n = json_object_array_length(syscalls);
	int rc;

	for (i = 0; i < n; i++) {
		struct json_object *rule = json_object_array_get_idx(syscalls, i);
		struct json_object *names;
		const char *action, *name;

		if (!json_object_is_type(rule, json_type_object))
			return b4_error_set(err, -EINVAL, "syscalls[%zu]: not an object", i);
		name = str_member(rule, "name");
		if (name && !strcmp(name, p->name)) {
			return b4_error_set(err, -EINVAL, "syscalls[%zu]: %s is named with the "
			              "old \"name\" field; use \"names\"", i, p->name);
		}
		if (!json_object_object_get_ex(rule, "names", &names))
			continue;
		if (!json_object_is_type(names, json_type_array))
			return b4_error_set(err, -EINVAL, "syscalls[%zu].names: not an array", i);
		if (name_index(names, p->name) < 0)
			continue;
		action = str_member(rule, "action");
		if (!action)
			return b4_error_set(err, -EINVAL, "syscalls[%zu]: no action", i);
		base = false;
		switch (rule_cond(rule, p)) {
		case COND_NONE:
			uncond = true;
			if (!strcmp(action, ACT_NOTIFY))
				trapped = true;
			else
				base = !have_base;
			break;
		case COND_TRAP:
			if (!strcmp(action, ACT_NOTIFY)) {
				trapped = true;
				break;
			}
			if (p->socketcall) {
				/* our explicit denial of a denied socketcall */
				base = true;
				break;
			}
			/* fall through */
		case COND_OTHER:
			return b4_error_set(err, -EINVAL, "syscalls[%zu]: the rule for %s has "
			              "conditions (args, includes or excludes) that b4ns "
			              "cannot keep when trapping it", i, p->name);
		case COND_INVERSE:
			base = true;
			break;
		}
		if (base) {
			/* the rule gives the call's action today */
			rc = set_rest(p, action, rule, err);
			if (rc)
				return rc;
			have_base = true;
		}
	}
	if (!have_base) {
		rc = set_rest(p, def, NULL, err);
		if (rc)
			return rc;
		if (!int_member(seccomp, "defaultErrnoRet", &p->rest_errno))
			p->rest_errno = -1;
	}
	p->do_trap = trapped || action_allows(p->rest_act);
	p->touch = p->do_trap;
	/*
	 * A denied socketcall still needs explicit denials of the trapped
	 * calls, ahead of the rules libseccomp generates on i386 from ours
	 * (a sendto rule's "args[4] == 0" would otherwise allow
	 * socketcall(SYS_SENDTO) whenever a register the container chooses
	 * is 0). An unconditional rule denying it already wins over them.
	 */
	if (p->socketcall && !p->do_trap && !uncond)
		p->touch = true;
	/*
	 * A denied socketcall still needs explicit denials of the trapped
	 * calls, ahead of the rules libseccomp generates on i386 from ours
	 * (a sendto rule's "args[4] == 0" would otherwise allow
	 * socketcall(SYS_SENDTO) whenever a register the container chooses
	 * is 0). An unconditional rule denying it already wins over them.
	 */
	if (!p->do_trap && !p->socketcall)
		b4_warn("profile: %s is denied by the base profile (%s); b4ns "
			"leaves it denied and does not trap it", p->name,
			p->rest_act);
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

		if (!json_object_object_get_ex(rule, "names", &names) ||
		    !json_object_is_type(names, json_type_array))
			continue;
		while ((k = name_index(names, name)) >= 0)
			json_object_array_del_idx(names, (size_t)k, 1);
		if (!json_object_array_length(names))
			json_object_array_del_idx(syscalls, i, 1);
	}
}

/* add_rule() - {"names": [@name], "action": @action[, "errnoRet": @errno]
 * [, "args": [@c]]}, appended to @syscalls */
static int add_rule(struct json_object *syscalls, const char *name,
		    const char *action, int64_t errno_ret,
		    const struct prof_cond *c)
{
	struct json_object *rule = json_object_new_object();
	struct json_object *names = json_object_new_array();
	struct json_object *args = NULL, *arg = NULL;

	if (!rule || !names)
		goto fail;
	if (json_object_array_add(names, json_object_new_string(name)))
		goto fail;
	json_object_object_add(rule, "names", names);
	names = NULL;
	json_object_object_add(rule, "action", json_object_new_string(action));
	if (errno_ret >= 0)
		json_object_object_add(rule, "errnoRet",
				       json_object_new_int64(errno_ret));
	if (c) {
		args = json_object_new_array();
		arg = json_object_new_object();
		if (!args || !arg)
			goto fail;
		json_object_object_add(arg, "index", json_object_new_int(c->index));
		json_object_object_add(arg, "value",
				       json_object_new_uint64(c->value));
		if (c->value_two)
			json_object_object_add(arg, "valueTwo",
					       json_object_new_uint64(c->value_two));
		json_object_object_add(arg, "op", json_object_new_string(c->op));
		json_object_array_add(args, arg);
		arg = NULL;
		json_object_object_add(rule, "args", args);
		args = NULL;
	}
	if (json_object_array_add(syscalls, rule))
		goto fail;
	return 0;
fail:
	json_object_put(arg);
	json_object_put(args);
	json_object_put(names);
	json_object_put(rule);
	return -ENOMEM;
}

/* rule_add_name() - append @name to @rule's names */
static int rule_add_name(struct json_object *rule, const char *name)
{
	struct json_object *names;

	json_object_object_get_ex(rule, "names", &names);
	return json_object_array_add(names, json_object_new_string(name)) ? -ENOMEM : 0;
}

/* move_first() - put @rule at the head of @syscalls: runc adds rules in
 * order, and libseccomp keeps the first of overlapping rules; our
 * unconditional socketcall(2) NOTIFY must precede the socketcall rules it
 * derives from the base's conditional "socket" rules (where the base had
 * its unconditional socketcall ALLOW) */
static int move_first(struct json_object *syscalls, struct json_object *rule)
{
	size_t n = json_object_array_length(syscalls);
	struct json_object **all = calloc(n ? n : 1, sizeof(struct json_object *));
	size_t k, j = 0;

	if (!all)
		return -ENOMEM;
	all[j++] = json_object_get(rule);
	for (k = 0; k < n; k++) {
		struct json_object *r = json_object_array_get_idx(syscalls, k);

		if (r != rule)
			all[j++] = json_object_get(r);
	}
	json_object_array_del_idx(syscalls, 0, n);
	for (k = 0; k < j; k++)
		json_object_array_add(syscalls, all[k]);
	free(all);
	return 0;
}

/* emit() - our rules for @p, appended to @syscalls; @notify is the shared
 * unconditional NOTIFY rule, created on first use */
static int emit(struct json_object *syscalls, const char *def,
		const struct prof_name *p, struct json_object **notify)
{
	const char *act = p->do_trap ? ACT_NOTIFY : p->rest_act;
	int64_t eret = p->do_trap ? -1 : p->rest_errno;
	int rc;

	if (p->always && p->do_trap) {
		if (!*notify) {
			rc = add_rule(syscalls, p->name, ACT_NOTIFY, -1, NULL);
			if (!rc)
				*notify = json_object_array_get_idx(syscalls,
					json_object_array_length(syscalls) - 1);
			return rc;
		}
		return rule_add_name(*notify, p->name);
	}
	for (int i = 0; i < p->n_trap; i++) {
		rc = add_rule(syscalls, p->name, act, eret, &p->trap[i]);
		if (rc)
			return rc;
	}
	if (!strcmp(p->rest_act, def))
		return 0;
	/*
	 * socketcall's other call numbers are not re-allowed one by one:
	 * libseccomp derives an i386 socketcall(SYS_x) rule from every named
	 * socket syscall of the profile (socket, accept, recvmsg, ...), and a
	 * second rule for the same call fails to load in runc ("error adding
	 * seccomp rule for syscall socket: file exists"). The base profile's
	 * own rules for those names carry them.
	 */
	if (p->socketcall)
		return 0;
	for (int i = 0; i < p->n_rest; i++) {
		rc = add_rule(syscalls, p->name, p->rest_act, p->rest_errno,
			      &p->rest[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* deny_io_uring() - trap_denied[] answered ENOSYS wherever the profile
 * allows them (Podman's and Docker's newer profiles do the same) */
static int deny_io_uring(struct json_object *syscalls, const char *def)
{
	struct json_object *rule = NULL;
	int rc;

	for (size_t k = 0; k < trap_n_denied; k++) {
		const char *name = trap_denied[k];
		size_t n = json_object_array_length(syscalls);
		bool allowed = false, uncond = false;

		for (size_t i = 0; i < n; i++) {
			struct json_object *r = json_object_array_get_idx(syscalls, i);
			struct json_object *names;
			const char *action = str_member(r, "action");

			if (!json_object_object_get_ex(r, "names", &names) ||
			    !json_object_is_type(names, json_type_array) ||
			    name_index(names, name) < 0)
				continue;
			int64_t eret;

			if (!action || action_allows(action) ||
			    !strcmp(action, ACT_NOTIFY))
				allowed = true;
			if (empty_member(r, "args") && empty_member(r, "includes") &&
			    empty_member(r, "excludes")) {
				uncond = true;
				/* ours (or its twin): moved to the end again,
				 * so that merging twice changes nothing */
				if (action && !strcmp(action, "SCMP_ACT_ERRNO") &&
				    int_member(r, "errnoRet", &eret) &&
				    eret == TRAP_DENIED_ERRNO)
					allowed = true;
			}
		}
		if (!allowed && (uncond || !action_allows(def)))
			continue;
		unlist(syscalls, name);
		if (rule) {
			rc = rule_add_name(rule, name);
		} else {
			rc = add_rule(syscalls, name, "SCMP_ACT_ERRNO",
				      TRAP_DENIED_ERRNO, NULL);
			rule = json_object_array_get_idx(syscalls,
				json_object_array_length(syscalls) - 1);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int profile_merge(struct json_object *seccomp, const char *listener_path,
		  const char *metadata, unsigned int flags, struct b4_error *err)
{
	struct prof_name names[PROF_MAX_NAMES];
	struct json_object *syscalls, *notify = NULL;
	const char *def, *lp;
	int i, n, rc;

	if (!json_object_is_type(seccomp, json_type_object))
		return b4_error_set(err, -EINVAL, "the seccomp profile is not a JSON object");
	def = str_member(seccomp, "defaultAction");
	if (!def)
		return b4_error_set(err, -EINVAL, "the seccomp profile has no defaultAction");
	if (!strcmp(def, ACT_NOTIFY))
		return b4_error_set(err, -EINVAL, "defaultAction SCMP_ACT_NOTIFY is not "
		              "supported (runc rejects it)");
	lp = str_member(seccomp, "listenerPath");
	if (lp && *lp && strcmp(lp, listener_path) != 0)
		return b4_error_set(err, -EINVAL, "the seccomp profile already sends "
		              "notifications to listenerPath '%s', not to b4ns (%s)",
		              lp, listener_path);
	if (!json_object_object_get_ex(seccomp, "syscalls", &syscalls) ||
	    json_object_is_type(syscalls, json_type_null)) {
		syscalls = json_object_new_array();
		if (!syscalls)
			return -ENOMEM;
		json_object_object_add(seccomp, "syscalls", syscalls);
	} else if (!json_object_is_type(syscalls, json_type_array))
		return b4_error_set(err, -EINVAL, "syscalls: not an array");

	/* Decide everything before changing anything */
	n = prof_names(names, flags);
	for (i = 0; i < n; i++) {
		rc = plan_name(syscalls, seccomp, &names[i], err);
		if (rc)
			return rc;
	}

	for (i = 0; i < n; i++) {
		if (!names[i].touch)
			continue;
		unlist(syscalls, names[i].name);
		rc = emit(syscalls, def, &names[i], &notify);
		if (rc)
			return rc;
	}
	if (notify) {
		rc = move_first(syscalls, notify);
		if (rc)
			return rc;
	}
	rc = deny_io_uring(syscalls, def);
	if (rc)
		return rc;

	json_object_object_add(seccomp, "listenerPath",
			       json_object_new_string(listener_path));
	if (metadata)
		json_object_object_add(seccomp, "listenerMetadata",
				       json_object_new_string(metadata));
	return 0;
}

/* load_base() - the base profile: @path, or allow-all if NULL */
static int load_base(const char *path, struct json_object **out,
		     struct b4_error *err)
{
	_cleanup_free_ char *text = NULL;
	struct b4_error perr = { "" };
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
	rc = readall_file(path, PROFILE_FILE_MAX, &text, &len);
	if (rc)
		return b4_error_set(err, rc, "%s: %s", path, rc == -EFBIG ?
				    "file too large" : strerror(-rc));
	rc = oci_json_parse(text, len, out, &perr);
	if (rc)
		return b4_error_set(err, rc, "%s: %s", path,
				    b4_error_msg(&perr, rc));
	return 0;
}

int profile_build(const char *base, const char *listener_path,
		  const char *metadata, struct json_object **out,
		  struct b4_error *err)
{
	struct json_object *prof = NULL;
	int rc;

	*out = NULL;
	if (base && !strcmp(base, "none"))
		base = NULL; /* an empty base: allow all, no rules */
	else if (!base && !access(PROFILE_PODMAN_BASE, R_OK))
		base = PROFILE_PODMAN_BASE;
	rc = load_base(base, &prof, err);
	if (rc)
		return rc;
	rc = profile_merge(prof, listener_path, metadata, TRAP_PROFILE_FLAGS,
			   err);
	if (rc) {
		json_object_put(prof);
		return b4_error_prefix(err, rc, "%s",
				       base ? base : "allow-all profile");
	}
	*out = prof;
	return 0;
}
