// SPDX-License-Identifier: GPL-2.0-or-later
/* oci.c - the OCI seccomp listener message and a container's b4ns settings
 *
 * Theory of operation: for every container process (init and each exec) an
 * OCI runtime (runc >= 1.1, crun >= 1.6) connects to the profile's
 * listenerPath, sends one JSON "container process state" with the seccomp
 * notify fd in SCM_RIGHTS, and closes. The daemon reads until it holds one
 * complete JSON document or EOF (runc keeps its end open; see daemon.c) and
 * hands the bytes to oci_state_parse(), which uses json-c and copies what
 * b4ns needs into a fixed-size struct, so nothing of json-c outlives the
 * call:
 *
 *   { "ociVersion": "0.2.0", "fds": [ "seccompFd" ], "pid": 4242,
 *     "metadata": "b4ns.config=web",
 *     "state": { "ociVersion": "1.0.2", "id": "c1", "status": "creating",
 *                "pid": 4242, "bundle": "/path",
 *                "annotations": { "b4ns.publish": "8080:80" } } }
 *
 * The message is untrusted input from a local process: its size is capped,
 * the JSON must parse completely (no trailing bytes), types are checked and
 * every string that is kept must fit its field; nothing is truncated.
 *
 * oci_settings() then turns the container's b4ns annotations (and the
 * "b4ns.KEY=VALUE" pairs of listenerMetadata, which annotations override
 * key by key) into its effective settings: the configuration's global
 * defaults, the section named by b4ns.config, then the per-container lists
 * (ignore, publish, egress rules), mode and network. Every value is
 * parsed, once, with the parsers the config file uses (publish specs into
 * port mappings, checked for conflicts with portmap_find_conflict(); egress
 * rules with egress_parse(); network names with cfg_network_set()); any bad
 * or unknown setting fails the whole container. Failures are described in a struct b4_error that names the
 * container and the key; the daemon logs it. oci_state_json() writes the
 * parts of a message the settings come from back as a message (the
 * daemon's status shows it; "b4ns trace --container-id" parses it again
 * and makes the same settings).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "err.h"
#include "oci.h"
#include "portmap.h"
#include "sockaddr.h"

/* Nesting accepted in a listener message (it has three levels) */
#define OCI_JSON_DEPTH 32

int oci_json_parse(const char *buf, size_t len, struct json_object **out,
		   struct b4_error *err)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (!len)
		return b4_error_set(err, -EINVAL, "empty input, no JSON value");
	if (len > INT_MAX)
		return b4_error_set(err, -EINVAL, "JSON text too large");
	tok = json_tokener_new_ex(OCI_JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (!obj || jerr != json_tokener_success) {
		json_object_put(obj);
		if (jerr == json_tokener_continue || jerr == json_tokener_success)
			return b4_error_set(err, -EINVAL,
					    "truncated JSON (%zu bytes)", len);
		return b4_error_set(err, -EINVAL,
				    "JSON syntax error at offset %zu: %s", end,
				    json_tokener_error_desc(jerr));
	}
	for (; end < len; end++) {
		if (buf[end] != '\0' && !isspace((unsigned char)buf[end])) {
			json_object_put(obj);
			return b4_error_set(err, -EINVAL, "trailing data after "
					    "the JSON value at offset %zu", end);
		}
	}
	*out = obj;
	return 0;
}

/**
 * copy_str() - copy a JSON string that must fit, without embedded NULs
 * @v:		the value
 * @what:	its name in messages ("state.id")
 * @dst:	destination
 * @size:	size of @dst
 * @err:	message on failure
 *
 * Return: 0, or -EINVAL if @v is not a string or too long
 */
static int copy_str(struct json_object *v, const char *what, char *dst,
		    size_t size, struct b4_error *err)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return b4_error_set(err, -EINVAL, "%s: not a string", what);
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (strlen(s) != n)
		return b4_error_set(err, -EINVAL,
				    "%s: contains a NUL character", what);
	if (n >= size)
		return b4_error_set(err, -EINVAL,
				    "%s: too long (%zu bytes, at most %zu)",
				    what, n, size - 1);
	memcpy(dst, s, n + 1);
	return 0;
}

/* opt_str() - copy_str() of @obj's member @key if present */
static int opt_str(struct json_object *obj, const char *key, const char *what,
		   char *dst, size_t size, struct b4_error *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	return copy_str(v, what, dst, size, err);
}

/* get_pid() - a pid member: an integer in 1..INT_MAX */
static int get_pid(struct json_object *v, const char *what, pid_t *out,
		   struct b4_error *err)
{
	int64_t pid;

	if (!json_object_is_type(v, json_type_int))
		return b4_error_set(err, -EINVAL, "%s: not an integer", what);
	pid = json_object_get_int64(v);
	if (pid <= 0 || pid > INT_MAX)
		return b4_error_set(err, -EINVAL, "%s: %lld is not a valid pid",
				    what, (long long)pid);
	*out = (pid_t)pid;
	return 0;
}

/* parse_fds() - the "fds" array: names of the SCM_RIGHTS descriptors */
static int parse_fds(struct json_object *root, struct oci_state *out,
		     struct b4_error *err)
{
	struct json_object *fds;
	size_t i, n;

	if (!json_object_object_get_ex(root, "fds", &fds)) {
		/* a plain OCI state (hooks get one) carries no descriptors */
		if (!json_object_object_get_ex(root, "state", &fds) &&
		    json_object_object_get_ex(root, "status", &fds))
			return 0;
		return b4_error_set(err, -EINVAL, "no \"fds\" array");
	}
	if (!json_object_is_type(fds, json_type_array))
		return b4_error_set(err, -EINVAL, "fds: not an array");
	n = json_object_array_length(fds);
	if (n > 253)	/* SCM_MAX_FD */
		return b4_error_set(err, -EINVAL, "fds: %zu entries, more than "
				    "SCM_RIGHTS can carry", n);
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(fds, i);

		if (!json_object_is_type(v, json_type_string))
			return b4_error_set(err, -EINVAL,
					    "fds[%zu]: not a string", i);
		if (out->seccomp_fd_index < 0 &&
		    !strcmp(json_object_get_string(v), "seccompFd"))
			out->seccomp_fd_index = (int)i;
	}
	out->n_fds = (int)n;
	return 0;
}

/* parse_annotations() - keep the "b4ns." annotations of state.annotations */
static int parse_annotations(struct json_object *state, struct oci_state *out,
			     struct b4_error *err)
{
	struct json_object *ann;
	char what[OCI_ANN_KEY_MAX + 32];
	int rc;

	if (!json_object_object_get_ex(state, "annotations", &ann) ||
	    json_object_is_type(ann, json_type_null))
		return 0;
	if (!json_object_is_type(ann, json_type_object))
		return b4_error_set(err, -EINVAL,
				    "state.annotations: not an object");
	json_object_object_foreach(ann, key, val) {
		size_t klen = strlen(key);

		if (strncmp(key, OCI_ANN_PREFIX, strlen(OCI_ANN_PREFIX)) != 0)
			continue;
		if (klen >= OCI_ANN_KEY_MAX)
			return b4_error_set(err, -EINVAL, "annotation key "
					    "'%.40s...' too long (at most %d "
					    "bytes)", key, OCI_ANN_KEY_MAX - 1);
		if (out->n_ann == OCI_ANN_MAX)
			return b4_error_set(err, -EINVAL,
					    "more than %d b4ns.* annotations",
					    OCI_ANN_MAX);
		snprintf(what, sizeof(what), "annotation %s", key);
		rc = copy_str(val, what, out->ann[out->n_ann].value,
			      sizeof(out->ann[0].value), err);
		if (rc)
			return rc;
		memcpy(out->ann[out->n_ann].key, key, klen + 1);
		out->n_ann++;
	}
	return 0;
}

int oci_state_parse(const char *buf, size_t len, struct oci_state *out,
		    struct b4_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *state, *v;
	int rc;

	memset(out, 0, sizeof(*out));
	out->seccomp_fd_index = -1;
	if (len > OCI_STATE_MAX)
		return b4_error_set(err, -E2BIG, "message too large (%zu bytes, "
				    "at most %zu)", len, OCI_STATE_MAX);
	if (!len)
		return b4_error_set(err, -EINVAL, "empty message");
	rc = oci_json_parse(buf, len, &root, err);
	if (rc)
		return rc;
	if (!json_object_is_type(root, json_type_object))
		return b4_error_set(err, -EINVAL, "not a JSON object");
	rc = parse_fds(root, out, err);
	if (rc)
		return rc;
	rc = opt_str(root, "metadata", "metadata", out->metadata,
		     sizeof(out->metadata), err);
	if (rc)
		return rc;

	if (!json_object_object_get_ex(root, "state", &state) ||
	    !json_object_is_type(state, json_type_object)) {
		/* an OCI state as hooks receive it: id, pid, annotations at
		 * the top (the preload path registers containers so) */
		if (!json_object_object_get_ex(root, "id", &v) ||
		    !json_object_object_get_ex(root, "status", &v)) {
			return b4_error_set(err, -EINVAL,
					    "no \"state\" object");
		}
		state = root;
	}
	if (!json_object_object_get_ex(state, "id", &v))
		return b4_error_set(err, -EINVAL, "no state.id");
	rc = copy_str(v, "state.id", out->id, sizeof(out->id), err);
	if (rc)
		return rc;
	if (!out->id[0])
		return b4_error_set(err, -EINVAL, "state.id is empty");
	if (json_object_object_get_ex(root, "pid", &v))
		rc = get_pid(v, "pid", &out->pid, err);
	else if (json_object_object_get_ex(state, "pid", &v))
		rc = get_pid(v, "state.pid", &out->pid, err);
	else
		rc = b4_error_set(err, -EINVAL, "no pid");
	if (rc)
		return rc;
	rc = opt_str(state, "status", "state.status", out->status,
		     sizeof(out->status), err);
	if (!rc)
		rc = opt_str(state, "bundle", "state.bundle", out->bundle,
			     sizeof(out->bundle), err);
	if (!rc)
		rc = parse_annotations(state, out, err);
	return rc;
}

struct json_object *oci_state_json(const struct oci_state *st)
{
	struct json_object *root = json_object_new_object();
	struct json_object *state = json_object_new_object();
	struct json_object *ann = json_object_new_object();
	struct json_object *fds = json_object_new_array();
	int ret = root && state && ann && fds ? 0 : -1;

	for (int i = 0; !ret && i < st->n_ann; i++)
		ret = json_object_object_add(ann, st->ann[i].key,
					     json_object_new_string(st->ann[i].value));
	if (!ret) {
		json_object_object_add(state, "id", json_object_new_string(st->id));
		json_object_object_add(state, "pid", json_object_new_int(st->pid));
		json_object_object_add(state, "status",
				       json_object_new_string(st->status));
		ret = json_object_object_add(state, "annotations", ann);
		ann = NULL;
	}
	if (!ret) {
		json_object_object_add(root, "fds", fds);
		fds = NULL;
		json_object_object_add(root, "pid", json_object_new_int(st->pid));
		json_object_object_add(root, "metadata",
				       json_object_new_string(st->metadata));
		ret = json_object_object_add(root, "state", state);
		state = NULL;
	}
	json_object_put(ann);
	json_object_put(fds);
	json_object_put(state);
	if (ret) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

/* The b4ns.* keys oci_settings() understands */
enum oci_key {
	OKEY_CONFIG,
	OKEY_PUBLISH,
	OKEY_IGNORE,
	OKEY_MODE,
	OKEY_NETWORK,
	OKEY_EGRESS_ALLOW,
	OKEY_EGRESS_DENY,
	OKEY_COUNT,
};

static const char *const okey_names[OKEY_COUNT] = {
	[OKEY_CONFIG]	= "b4ns.config",
	[OKEY_PUBLISH]	= "b4ns.publish",
	[OKEY_IGNORE]	= "b4ns.ignore",
	[OKEY_MODE]	= "b4ns.mode",
	[OKEY_NETWORK]	= "b4ns.network",
	[OKEY_EGRESS_ALLOW] = "b4ns.egress.allow",
	[OKEY_EGRESS_DENY] = "b4ns.egress.deny",
};

/**
 * struct oci_kv - the value of each known key and where it came from
 * @val:	value, NUL-terminated; valid if @from
 * @from:	"annotation" or "listenerMetadata", NULL if not given
 */
struct oci_kv {
	char val[OCI_ANN_VALUE_MAX];
	const char *from;
};

/* kv_set() - record KEY=VALUE; unknown keys are an error */
static int kv_set(struct oci_kv *kv, const char *key, size_t klen,
		  const char *val, size_t vlen, const char *from,
		  const struct oci_state *st, struct b4_error *err)
{
	int k;

	for (k = 0; k < OKEY_COUNT; k++)
		if (strlen(okey_names[k]) == klen &&
		    !strncmp(okey_names[k], key, klen))
			break;
	if (k == OKEY_COUNT)
		return b4_error_set(err, -EINVAL, "container %s: %s: unknown "
				    "key '%.*s' (expected b4ns.config, "
				    "b4ns.publish, b4ns.ignore, b4ns.mode, "
				    "b4ns.network, b4ns.egress.allow or "
				    "b4ns.egress.deny)",
				    st->id, from,
				    (int)(klen > 64 ? 64 : klen), key);
	if (vlen >= sizeof(kv[k].val))
		return b4_error_set(err, -EINVAL,
				    "container %s: %s %s: value too long",
				    st->id, from, okey_names[k]);
	memcpy(kv[k].val, val, vlen);
	kv[k].val[vlen] = '\0';
	kv[k].from = from;
	return 0;
}

/* parse_metadata() - "b4ns.KEY=VALUE" pairs separated by ';' or spaces */
static int parse_metadata(struct oci_kv *kv, const struct oci_state *st,
			  struct b4_error *err)
{
	const char *p = st->metadata, *tok, *eq;
	size_t n;
	int rc;

	for (;;) {
		while (*p == ';' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		tok = p;
		while (*p && *p != ';' && !isspace((unsigned char)*p))
			p++;
		n = (size_t)(p - tok);
		eq = memchr(tok, '=', n);
		if (!eq)
			return b4_error_set(err, -EINVAL, "container %s: "
					    "listenerMetadata: '%.*s' is not "
					    "KEY=VALUE", st->id,
					    (int)(n > 64 ? 64 : n), tok);
		rc = kv_set(kv, tok, (size_t)(eq - tok), eq + 1,
			    n - (size_t)(eq - tok) - 1, "listenerMetadata",
			    st, err);
		if (rc)
			return rc;
	}
}

/**
 * next_item() - the next entry of a comma-separated list, trimmed
 * @p:		cursor, advanced past the entry and its comma
 * @buf:	destination
 * @size:	size of @buf
 *
 * Return: 1 with an entry in @buf, 0 at the end, -EINVAL if the entry is
 * empty or does not fit
 */
static int next_item(const char **p, char *buf, size_t size)
{
	const char *s = *p, *e;

	if (!*s)
		return 0;
	e = strchr(s, ',');
	if (!e)
		e = s + strlen(s);
	*p = *e ? e + 1 : e;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e == s || (size_t)(e - s) >= size)
		return -EINVAL;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return 1;
}

/* apply_ignore() - append the CIDRs of b4ns.ignore to @out->ignore */
static int apply_ignore(const struct oci_kv *kv, const struct oci_state *st,
			struct cfg_container *out, struct b4_error *err)
{
	const char *p = kv->val;
	char item[CFG_SPEC_MAX];
	int rc;

	while ((rc = next_item(&p, item, sizeof(item))) > 0) {
		if (out->n_ignore == CFG_MAX_CIDRS)
			return b4_error_set(err, -E2BIG, "container %s: %s "
					    "b4ns.ignore: more than %d CIDRs "
					    "in all", st->id, kv->from,
					    CFG_MAX_CIDRS);
		if (sa_cidr_parse(item, &out->ignore[out->n_ignore]))
			return b4_error_set(err, -EINVAL, "container %s: %s "
					    "b4ns.ignore: '%s' is not a CIDR",
					    st->id, kv->from, item);
		out->n_ignore++;
	}
	if (rc < 0)
		return b4_error_set(err, -EINVAL, "container %s: %s b4ns.ignore: "
				    "empty or overlong entry in '%s'", st->id,
				    kv->from, kv->val);
	return 0;
}

/* apply_publish() - parse the specs of b4ns.publish into @out->publish;
 * none may conflict with any before it, from the configuration or not */
static int apply_publish(const struct oci_kv *kv, const struct oci_state *st,
			 struct cfg_container *out, struct b4_error *err)
{
	const char *p = kv->val;
	char item[CFG_SPEC_MAX];
	int rc, n, i;

	while ((rc = next_item(&p, item, sizeof(item))) > 0) {
		n = out->n_publish;
		if (n == CFG_MAX_PUBLISH)
			return b4_error_set(err, -E2BIG, "container %s: %s "
					    "b4ns.publish: more than %d specs "
					    "in all", st->id, kv->from,
					    CFG_MAX_PUBLISH);
		rc = portmap_parse(item, &out->publish[n], err);
		if (rc)
			return b4_error_prefix(err, rc,
					       "container %s: %s b4ns.publish",
					       st->id, kv->from);
		i = portmap_find_conflict(out->publish, n, &out->publish[n]);
		if (i >= 0)
			return b4_error_set(err, -EINVAL, "container %s: %s "
					    "b4ns.publish: '%s' conflicts with "
					    "'%s'", st->id, kv->from, item,
					    out->publish_spec[i]);
		memcpy(out->publish_spec[n], item, strlen(item) + 1);
		out->n_publish++;
	}
	if (rc < 0)
		return b4_error_set(err, -EINVAL, "container %s: %s "
				    "b4ns.publish: empty or overlong entry in "
				    "'%s'", st->id, kv->from, kv->val);
	return 0;
}

/* apply_egress() - append the rules of b4ns.egress.allow (or .deny, with
 * @deny) to @out's list */
static int apply_egress(const struct oci_kv *kv, bool deny,
			const struct oci_state *st, struct cfg_container *out,
			struct b4_error *err)
{
	const char *key = deny ? "b4ns.egress.deny" : "b4ns.egress.allow";
	const char *p = kv->val;
	char item[CFG_SPEC_MAX];
	int rc;

	while ((rc = next_item(&p, item, sizeof(item))) > 0) {
		if ((deny ? out->n_egress_deny : out->n_egress_allow) ==
		    CFG_MAX_EGRESS)
			return b4_error_set(err, -E2BIG, "container %s: %s %s: "
					    "more than %d rules in all", st->id,
					    kv->from, key, CFG_MAX_EGRESS);
		rc = cfg_egress_add(out, deny, item, err);
		if (rc)
			return b4_error_prefix(err, rc, "container %s: %s %s",
					       st->id, kv->from, key);
	}
	if (rc < 0)
		return b4_error_set(err, -EINVAL, "container %s: %s %s: empty "
				    "or overlong entry in '%s'", st->id,
				    kv->from, key, kv->val);
	return 0;
}

int oci_settings(const struct oci_state *st, const struct cfg *cfg,
		 struct cfg_container *out, struct b4_error *err)
{
	struct oci_kv kv[OKEY_COUNT];
	int i, rc;

	memset(kv, 0, sizeof(kv));
	*out = cfg->global;
	out->name[0] = '\0';

	rc = parse_metadata(kv, st, err);
	if (rc)
		return rc;
	for (i = 0; i < st->n_ann; i++) {
		rc = kv_set(kv, st->ann[i].key, strlen(st->ann[i].key),
			    st->ann[i].value, strlen(st->ann[i].value),
			    "annotation", st, err);
		if (rc)
			return rc;
	}

	if (kv[OKEY_CONFIG].from) {
		const struct cfg_container *s = cfg_find(cfg, kv[OKEY_CONFIG].val);

		if (!s)
			return b4_error_set(err, -EINVAL, "container %s: %s "
					    "b4ns.config: no section '%s' in "
					    "the configuration", st->id,
					    kv[OKEY_CONFIG].from,
					    kv[OKEY_CONFIG].val);
		if (cfg_merge(out, s))
			return b4_error_set(err, -E2BIG, "container %s: section "
					    "'%s': too many ignore, publish or "
					    "egress entries", st->id, s->name);
		memcpy(out->name, s->name, sizeof(out->name));
	}
	if (kv[OKEY_MODE].from) {
		if (cfg_mode_parse(kv[OKEY_MODE].val, &out->mode))
			return b4_error_set(err, -EINVAL, "container %s: %s "
					    "b4ns.mode: '%s' (expected seccomp, "
					    "off, preload or auto)", st->id,
					    kv[OKEY_MODE].from,
					    kv[OKEY_MODE].val);
		out->mode_set = true;
	}
	if (kv[OKEY_NETWORK].from &&
	    cfg_network_set(out, kv[OKEY_NETWORK].val, err))
		return b4_error_prefix(err, -EINVAL, "container %s: %s "
				       "b4ns.network", st->id,
				       kv[OKEY_NETWORK].from);
	if (kv[OKEY_IGNORE].from) {
		rc = apply_ignore(&kv[OKEY_IGNORE], st, out, err);
		if (rc)
			return rc;
	}
	if (kv[OKEY_EGRESS_ALLOW].from) {
		rc = apply_egress(&kv[OKEY_EGRESS_ALLOW], false, st, out, err);
		if (rc)
			return rc;
	}
	if (kv[OKEY_EGRESS_DENY].from) {
		rc = apply_egress(&kv[OKEY_EGRESS_DENY], true, st, out, err);
		if (rc)
			return rc;
	}
	if (kv[OKEY_PUBLISH].from)
		return apply_publish(&kv[OKEY_PUBLISH], st, out, err);
	return 0;
}
