// SPDX-License-Identifier: GPL-2.0-or-later
/* cfg.c - the b4ns libconfig file: loading and validation into one struct
 *
 * Theory of operation: libconfig does the lexing and parsing and gives us a
 * tree of settings, each remembering its source line. We walk that tree
 * once, strictly: every setting must be a known key of the right type with
 * a valid value, or loading fails with exactly one message naming the file,
 * the line and the setting path ("containers.web.ignore[1]"), so a typo is
 * never silently ignored. Values are parsed once, here, with the parsers
 * every other input uses (sa_cidr_parse(), portmap_parse()); the result
 * holds CIDRs and port mappings, not text (the specs' text is kept only to
 * quote it in messages).
 *
 * The top level holds the global defaults; the optional "containers" group
 * holds one group per container name with the same keys. Loading keeps
 * them apart and records which scalars were set, so that the caller can
 * build a container's effective settings with cfg_merge(): the global
 * defaults, then the section on top. Nothing of libconfig outlives
 * cfg_load(): the result is plain memory, one allocation for the sections.
 * cfg_policy() finally turns a container's effective settings into its
 * switching policy, checking what only the merged lists can show.
 *
 * The top level also holds the daemon's registry settings (registry,
 * etcd, node, node_address, etcd_*), which no section may hold. They are
 * validated by cfg_registry_parse_opt(), which "b4ns daemon"'s options go
 * through too, so that each rule is written once; cfg_registry_check()
 * checks what only the combination of file and options can show.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "cfg.h"
#include "err.h"
#include "portmap.h"

/* Deepest setting we name in messages: containers.NAME.KEY[INDEX] */
#define CFG_PATH_DEPTH 8
#define CFG_PATH_MAX 256

enum cfg_key {
	KEY_LOG_LEVEL,
	KEY_NET,
	KEY_MODE,
	KEY_ALLOW_HOST_LOOPBACK,
	KEY_UDP_SENDMSG,
	KEY_SWITCH_UDP,
	KEY_ALLOW_IO_URING,
	KEY_IGNORE,
	KEY_PUBLISH,
	KEY_NETWORK,
	KEY_EGRESS_ALLOW,
	KEY_EGRESS_DENY,
	/* top level only from here */
	KEY_REGISTRY,
	KEY_ETCD,
	KEY_NODE,
	KEY_NODE_ADDRESS,
	KEY_ETCD_LEASE_TTL,
	KEY_ETCD_PREFIX,
	KEY_ETCD_CACERT,
	KEY_ETCD_CERT,
	KEY_ETCD_KEY,
	KEY_CONTAINERS,
};

#define KEY_FIRST_GLOBAL KEY_REGISTRY

static const char *const key_names[] = {
	[KEY_LOG_LEVEL]			= "log_level",
	[KEY_NET]			= "net",
	[KEY_MODE]			= "mode",
	[KEY_ALLOW_HOST_LOOPBACK]	= "allow_host_loopback",
	[KEY_UDP_SENDMSG]		= "udp_sendmsg",
	[KEY_SWITCH_UDP]		= "switch_udp",
	[KEY_ALLOW_IO_URING]		= "allow_io_uring",
	[KEY_IGNORE]			= "ignore",
	[KEY_PUBLISH]			= "publish",
	[KEY_NETWORK]			= "network",
	[KEY_EGRESS_ALLOW]		= "egress_allow",
	[KEY_EGRESS_DENY]		= "egress_deny",
	[KEY_REGISTRY]			= "registry",
	[KEY_ETCD]			= "etcd",
	[KEY_NODE]			= "node",
	[KEY_NODE_ADDRESS]		= "node_address",
	[KEY_ETCD_LEASE_TTL]		= "etcd_lease_ttl",
	[KEY_ETCD_PREFIX]		= "etcd_prefix",
	[KEY_ETCD_CACERT]		= "etcd_cacert",
	[KEY_ETCD_CERT]			= "etcd_cert",
	[KEY_ETCD_KEY]			= "etcd_key",
	[KEY_CONTAINERS]		= "containers",
};

/* The registry keys' enum cfg_registry_field bits */
static const unsigned int reg_bits[] = {
	[KEY_REGISTRY]		= CFG_REG_KIND,
	[KEY_ETCD]		= CFG_REG_ETCD,
	[KEY_NODE]		= CFG_REG_NODE,
	[KEY_NODE_ADDRESS]	= CFG_REG_NODE_ADDRESS,
	[KEY_ETCD_LEASE_TTL]	= CFG_REG_LEASE_TTL,
	[KEY_ETCD_PREFIX]	= CFG_REG_PREFIX,
	[KEY_ETCD_CACERT]	= CFG_REG_CACERT,
	[KEY_ETCD_CERT]		= CFG_REG_CERT,
	[KEY_ETCD_KEY]		= CFG_REG_KEY,
};

static const char *const registry_names[] = {
	[CFG_REGISTRY_EMBEDDED]	= "embedded",
	[CFG_REGISTRY_ETCD]	= "etcd",
};

/* The boolean keys: where a struct cfg_container keeps each value, and its
 * _set flag */
#define BOOL_KEY(f) { offsetof(struct cfg_container, f),		\
		      offsetof(struct cfg_container, f##_set) }
static const struct {
	size_t val;
	size_t set;
} bool_keys[] = {
	[KEY_ALLOW_HOST_LOOPBACK]	= BOOL_KEY(allow_host_loopback),
	[KEY_UDP_SENDMSG]		= BOOL_KEY(udp_sendmsg),
	[KEY_SWITCH_UDP]		= BOOL_KEY(switch_udp),
	[KEY_ALLOW_IO_URING]		= BOOL_KEY(allow_io_uring),
};

static const char *const net_names[] = {
	[CFG_NET_AUTO]		= "auto",
	[CFG_NET_NONE]		= "none",
	[CFG_NET_SLIRP4NETNS]	= "slirp4netns",
	[CFG_NET_PASTA]		= "pasta",
};

static const char *const mode_names[] = {
	[CFG_MODE_SECCOMP]	= "seccomp",
	[CFG_MODE_PRELOAD]	= "preload",
	[CFG_MODE_AUTO]		= "auto",
	[CFG_MODE_OFF]		= "off",
};

/**
 * struct cfg_ctx - where a load reports its error
 * @file:	file name used in messages
 * @err:	message destination, may be NULL
 */
struct cfg_ctx {
	const char *file;
	struct b4_error *err;
};

/**
 * type_name() - libconfig setting type, with article, for messages
 * @type:	CONFIG_TYPE_*
 *
 * Return: static string
 */
static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
		return "an integer";
	case CONFIG_TYPE_INT64:
		return "a 64-bit integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "empty";
	}
}

/**
 * setting_path() - name of a setting as "containers.web.ignore[1]"
 * @s:		setting
 * @buf:	destination
 * @len:	size of @buf
 */
static void setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *chain[CFG_PATH_DEPTH];
	size_t n = 0;
	int depth = 0;

	for (; s && !config_setting_is_root(s) && depth < CFG_PATH_DEPTH;
	     s = config_setting_parent(s))
		chain[depth++] = s;

	buf[0] = '\0';
	while (depth-- > 0 && n < len) {
		const char *name = config_setting_name(chain[depth]);
		int r;

		if (name)
			r = snprintf(buf + n, len - n, "%s%s", n ? "." : "",
				     name);
		else
			r = snprintf(buf + n, len - n, "[%d]",
				     config_setting_index(chain[depth]));
		if (r < 0)
			break;
		n += (size_t)r;
	}
}

/**
 * cfg_where() - put "FILE:LINE: KEY" before the message in @ctx->err
 * @ctx:	load context
 * @s:		offending setting
 */
static void cfg_where(const struct cfg_ctx *ctx, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);
	char path[CFG_PATH_MAX];

	if (!ctx->err)
		return;
	setting_path(s, path, sizeof(path));
	b4_error_prefix(ctx->err, -EINVAL, "%s:%u: %s", file ? file : ctx->file,
			(unsigned int)config_setting_source_line(s), path);
}

/**
 * cfg_msg() - record "FILE:LINE: KEY: MESSAGE" for a setting
 * @ctx:	load context
 * @s:		offending setting
 * @fmt:	printf format of MESSAGE
 */
__attribute__((format(printf, 3, 4)))
static void cfg_msg(const struct cfg_ctx *ctx, const config_setting_t *s,
		    const char *fmt, ...)
{
	char msg[sizeof(ctx->err->msg)];
	va_list ap;

	if (!ctx->err)
		return;
	va_start(ap, fmt);
	/* va_start() is just above: clang-tidy 14 loses track of it when it
	 * checks several files in one run
	 */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b4_error_set(ctx->err, -EINVAL, "%s", msg);
	cfg_where(ctx, s);
}

/* cfg_error() - cfg_msg(), then -EINVAL; a macro, so that static analysers,
 * which do not follow calls to variadic functions, see the constant
 */
#define cfg_error(ctx, s, ...) (cfg_msg((ctx), (s), __VA_ARGS__), -EINVAL)

/**
 * get_string() - value of a setting that must be a string
 * @ctx:	load context
 * @s:		setting
 * @out:	the string, owned by libconfig
 *
 * Return: 0 or -EINVAL
 */
static int get_string(const struct cfg_ctx *ctx, const config_setting_t *s,
		      const char **out)
{
	*out = config_setting_get_string(s);	/* NULL unless a string */
	if (!*out)
		return cfg_error(ctx, s, "must be a string, not %s",
				 type_name(config_setting_type(s)));
	return 0;
}

/**
 * get_bool() - value of a setting that must be a boolean
 * @ctx:	load context
 * @s:		setting
 * @c:		settings to fill
 * @key:	which of bool_keys[]: its value and _set flag in @c are set
 *
 * Return: 0 or -EINVAL
 */
static int get_bool(const struct cfg_ctx *ctx, const config_setting_t *s,
		    struct cfg_container *c, enum cfg_key key)
{
	char *base = (char *)c;

	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return cfg_error(ctx, s,
				 "must be a boolean (true or false), not %s",
				 type_name(config_setting_type(s)));
	*(bool *)(base + bool_keys[key].val) = config_setting_get_bool(s);
	*(bool *)(base + bool_keys[key].set) = true;
	return 0;
}

/**
 * get_list() - strings of a list or array of at most @max strings
 * @ctx:	load context
 * @s:		setting
 * @max:	capacity of @vals
 * @vals:	the strings, owned by libconfig
 *
 * Return: number of elements, or -EINVAL
 */
static int get_list(const struct cfg_ctx *ctx, const config_setting_t *s,
		    int max, const char **vals)
{
	int type = config_setting_type(s), n;

	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return cfg_error(ctx, s,
				 "must be a list of strings [ \"...\", ... ], not %s",
				 type_name(type));
	n = config_setting_length(s);
	if (n > max)
		return cfg_error(ctx, s, "too many entries (%d, at most %d)",
				 n, max);
	for (int i = 0; i < n; i++) {
		int rc = get_string(ctx,
				    config_setting_get_elem(s, (unsigned int)i),
				    &vals[i]);

		if (rc)
			return rc;
	}
	return n;
}

/* The longest list: "ignore" (CFG_MAX_CIDRS), "publish", "egress_*" or
 * "etcd" */
#define CFG_MAX_LIST CFG_MAX_CIDRS
_Static_assert(CFG_MAX_PUBLISH <= CFG_MAX_LIST, "publish list too long");
_Static_assert(CFG_MAX_EGRESS <= CFG_MAX_LIST, "egress list too long");
_Static_assert(CFG_MAX_ETCD <= CFG_MAX_LIST, "etcd list too long");
_Static_assert(CFG_MAX_EGRESS <= POLICY_MAX_EGRESS, "egress lists differ");
_Static_assert(CFG_NAME_MAX == PEERS_NET_MAX, "network name sizes differ");
_Static_assert(CFG_NAME_MAX == PEERS_NODE_MAX, "node name sizes differ");

/* A list element parser: element @i (@e, text @v) of a list into @c */
typedef int (*load_elem_fn)(const struct cfg_ctx *ctx,
			    const config_setting_t *e, const char *v, int i,
			    struct cfg_container *c);

/**
 * load_list() - parse a list of strings into @c, element by element
 * @ctx:	load context
 * @s:		the list setting
 * @max:	at most this many elements (CFG_MAX_CIDRS, CFG_MAX_PUBLISH,
 *		CFG_MAX_EGRESS)
 * @elem:	parses one element
 * @c:		container settings to fill
 * @count:	set to the number of elements once all are parsed
 *
 * Return: 0 or -EINVAL
 */
static int load_list(const struct cfg_ctx *ctx, const config_setting_t *s,
		     int max, load_elem_fn elem, struct cfg_container *c,
		     int *count)
{
	const char *vals[CFG_MAX_LIST];
	int n = get_list(ctx, s, max, vals);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int rc = elem(ctx, config_setting_get_elem(s, (unsigned int)i),
			      vals[i], i, c);

		if (rc)
			return rc;
	}
	*count = n;
	return 0;
}

/* load_cidr() - an "ignore" element: a CIDR into @c->ignore[@i] */
static int load_cidr(const struct cfg_ctx *ctx, const config_setting_t *e,
		     const char *v, int i, struct cfg_container *c)
{
	if (sa_cidr_parse(v, &c->ignore[i]))
		return cfg_error(ctx, e,
				 "invalid CIDR '%s' (expected ADDR/LEN, e.g. 10.0.0.0/8 or fd00::/64)",
				 v);
	return 0;
}

/* load_spec() - a "publish" element into @c->publish[@i] and its text into
 * @c->publish_spec[@i]: it must parse with portmap_parse() and not conflict
 * with the elements before it */
static int load_spec(const struct cfg_ctx *ctx, const config_setting_t *e,
		     const char *v, int i, struct cfg_container *c)
{
	size_t len = strlen(v);
	int j;

	if (len >= CFG_SPEC_MAX)
		return cfg_error(ctx, e,
				 "publish spec too long (at most %d characters)",
				 CFG_SPEC_MAX - 1);
	if (portmap_parse(v, &c->publish[i], ctx->err)) {
		cfg_where(ctx, e);
		return -EINVAL;
	}
	j = portmap_find_conflict(c->publish, i, &c->publish[i]);
	if (j >= 0)
		return cfg_error(ctx, e, "'%s' conflicts with publish[%d] '%s'",
				 v, j, c->publish_spec[j]);
	memcpy(c->publish_spec[i], v, len + 1);
	return 0;
}

/* load_egress() - an "egress_allow" or "egress_deny" element (@e, text
 * @v) into @rule */
static int load_egress(const struct cfg_ctx *ctx, const config_setting_t *e,
		       const char *v, struct egress_rule *rule)
{
	if (egress_parse(v, rule, ctx->err)) {
		cfg_where(ctx, e);
		return -EINVAL;
	}
	return 0;
}

/* load_allow() - an "egress_allow" element into @c->egress_allow[@i] */
static int load_allow(const struct cfg_ctx *ctx, const config_setting_t *e,
		      const char *v, int i, struct cfg_container *c)
{
	return load_egress(ctx, e, v, &c->egress_allow[i]);
}

/* load_deny() - an "egress_deny" element into @c->egress_deny[@i] */
static int load_deny(const struct cfg_ctx *ctx, const config_setting_t *e,
		     const char *v, int i, struct cfg_container *c)
{
	return load_egress(ctx, e, v, &c->egress_deny[i]);
}

/**
 * etcd_url_add() - check an etcd endpoint and append it to @r->etcd
 * @r:		registry settings
 * @url:	"http://HOST[:PORT]" or "https://..."
 * @err:	on failure, what is wrong; may be NULL
 *
 * Return: 0 or -EINVAL
 */
static int etcd_url_add(struct cfg_registry *r, const char *url,
			struct b4_error *err)
{
	size_t len = strlen(url), scheme;

	if (!strncmp(url, "http://", 7))
		scheme = 7;
	else if (!strncmp(url, "https://", 8))
		scheme = 8;
	else
		return b4_error_set(err, -EINVAL, "etcd endpoint '%s' must "
				    "start with http:// or https://", url);
	if (len == scheme || url[scheme] == '/' || url[scheme] == ':')
		return b4_error_set(err, -EINVAL, "etcd endpoint '%s' has no "
				    "host", url);
	for (size_t i = 0; i < len; i++) {
		if (isspace((unsigned char)url[i]) ||
		    iscntrl((unsigned char)url[i]) || url[i] == ',')
			return b4_error_set(err, -EINVAL, "etcd endpoint '%s' "
					    "holds white space, a control "
					    "character or ','", url);
	}
	if (len >= CFG_URL_MAX)
		return b4_error_set(err, -EINVAL, "etcd endpoint too long (at "
				    "most %d characters)", CFG_URL_MAX - 1);
	if (r->n_etcd >= CFG_MAX_ETCD)
		return b4_error_set(err, -EINVAL, "too many etcd endpoints (at "
				    "most %d)", CFG_MAX_ETCD);
	memcpy(r->etcd[r->n_etcd++], url, len + 1);
	return 0;
}

/**
 * load_registry() - a top-level registry setting into @r
 * @ctx:	load context
 * @s:		the setting
 * @key:	which (KEY_REGISTRY to KEY_ETCD_KEY)
 * @r:		registry settings to update
 *
 * "etcd" is a list of URLs or one string; "etcd_lease_ttl" an integer;
 * the others strings. Each value goes through cfg_registry_parse_opt().
 *
 * Return: 0 or -EINVAL
 */
static int load_registry(const struct cfg_ctx *ctx, const config_setting_t *s,
			 enum cfg_key key, struct cfg_registry *r)
{
	const char *name = key_names[key], *v = NULL;
	int type = config_setting_type(s), rc;

	if (key == KEY_ETCD && (type == CONFIG_TYPE_ARRAY ||
				type == CONFIG_TYPE_LIST)) {
		const char *vals[CFG_MAX_LIST];
		int n = get_list(ctx, s, CFG_MAX_ETCD, vals);

		if (n < 0)
			return n;
		if (!n)
			return cfg_error(ctx, s, "empty list (give one etcd "
					 "endpoint at least, or leave it out)");
		r->n_etcd = 0;
		for (int i = 0; i < n; i++) {
			const config_setting_t *e =
				config_setting_get_elem(s, (unsigned int)i);

			if (strchr(vals[i], ','))
				return cfg_error(ctx, e, "one URL per list "
						 "entry, not '%s'", vals[i]);
			if (etcd_url_add(r, vals[i], ctx->err)) {
				cfg_where(ctx, e);
				return -EINVAL;
			}
		}
		return 0;
	}
	if (key == KEY_ETCD_LEASE_TTL) {
		char num[32];

		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
			return cfg_error(ctx, s, "must be an integer (seconds), "
					 "not %s", type_name(type));
		snprintf(num, sizeof(num), "%lld",
			 config_setting_get_int64(s));
		v = num;
		rc = cfg_registry_parse_opt(r, NULL, name, v, ctx->err);
	} else {
		rc = get_string(ctx, s, &v);
		if (rc)
			return rc;
		rc = cfg_registry_parse_opt(r, NULL, name, v, ctx->err);
	}
	if (rc)
		cfg_where(ctx, s);
	return rc;
}

/**
 * find_key() - index of a known key
 * @name:	setting name
 * @global:	top level: "containers" is allowed
 *
 * Return: enum cfg_key value, or -ENOENT
 */
static int find_key(const char *name, bool global)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_names); i++) {
		if (strcmp(name, key_names[i]) != 0)
			continue;
		if (i == KEY_CONTAINERS && !global)
			return -ENOENT;
		return (int)i;
	}
	return -ENOENT;
}

/**
 * load_container() - validate the settings of one group into @c
 * @ctx:	load context
 * @g:		the root group or a section of "containers"
 * @c:		settings to fill; only the keys present are marked set
 * @reg:	registry settings to fill if @g is the root group, else NULL
 *
 * Return: 0 or -EINVAL
 */
static int load_container(const struct cfg_ctx *ctx, const config_setting_t *g,
			  struct cfg_container *c, struct cfg_registry *reg)
{
	int n = config_setting_length(g);
	bool global = reg != NULL;

/* a string setting that @parse turns into @c->f: sets rc, and f##_set */
#define GET_CHOICE(f, parse, expected)					\
	do {								\
		rc = get_string(ctx, s, &v);				\
		if (!rc && parse(v, &c->f))				\
			rc = cfg_error(ctx, s, "invalid value '%s' (expected " \
				       expected ")", v);		\
		c->f##_set = !rc;					\
	} while (0)
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g,
							(unsigned int)i);
		const char *name = config_setting_name(s), *v = NULL;
		int key = find_key(name, global), rc = 0;

		switch (key) {
		case KEY_LOG_LEVEL:
			GET_CHOICE(log_level, log_level_parse,
				   "error, warn, info or debug");
			break;
		case KEY_NET:
			GET_CHOICE(net, cfg_net_parse,
				   "auto, none, slirp4netns or pasta");
			break;
		case KEY_MODE:
			GET_CHOICE(mode, cfg_mode_parse,
				   "seccomp, preload, auto or off");
			break;
		case KEY_ALLOW_HOST_LOOPBACK:
		case KEY_UDP_SENDMSG:
		case KEY_SWITCH_UDP:
		case KEY_ALLOW_IO_URING:
			rc = get_bool(ctx, s, c, (enum cfg_key)key);
			break;
		case KEY_IGNORE:
			rc = load_list(ctx, s, CFG_MAX_CIDRS, load_cidr, c,
				       &c->n_ignore);
			break;
		case KEY_PUBLISH:
			rc = load_list(ctx, s, CFG_MAX_PUBLISH, load_spec, c,
				       &c->n_publish);
			break;
		case KEY_NETWORK:
			rc = get_string(ctx, s, &v);
			if (!rc && cfg_network_set(c, v, ctx->err)) {
				cfg_where(ctx, s);
				rc = -EINVAL;
			}
			break;
		case KEY_EGRESS_ALLOW:
			rc = load_list(ctx, s, CFG_MAX_EGRESS, load_allow, c,
				       &c->n_egress_allow);
			break;
		case KEY_EGRESS_DENY:
			rc = load_list(ctx, s, CFG_MAX_EGRESS, load_deny, c,
				       &c->n_egress_deny);
			break;
		case KEY_CONTAINERS:
			break;		/* by load_sections() */
		default:
			if (key >= KEY_FIRST_GLOBAL && global) {
				rc = load_registry(ctx, s, (enum cfg_key)key,
						   reg);
				break;
			}
			if (key >= KEY_FIRST_GLOBAL) {
				rc = cfg_error(ctx, s, "a daemon setting, "
					       "allowed at the top level only");
				break;
			}
			rc = cfg_error(ctx, s,
				       "unknown setting (expected log_level, net, mode, allow_host_loopback, udp_sendmsg, switch_udp, allow_io_uring, ignore, publish, network, egress_allow, egress_deny%s)",
				       global ? ", registry, etcd, node, node_address, etcd_lease_ttl, etcd_prefix, etcd_cacert, etcd_cert, etcd_key or containers" : "");
		}
		if (rc)
			return rc;
	}
#undef GET_CHOICE
	return 0;
}

/**
 * valid_name() - does a section name match [A-Za-z0-9_.-]{1,63}?
 * @name:	section name
 *
 * Return: true if valid
 */
static bool valid_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= CFG_NAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_.-") == len;
}

/**
 * load_sections() - validate the "containers" group into @out->sections
 * @ctx:	load context
 * @g:		the "containers" setting
 * @out:	configuration to fill
 *
 * Return: 0, -EINVAL or -ENOMEM
 */
static int load_sections(const struct cfg_ctx *ctx, const config_setting_t *g,
			 struct cfg *out)
{
	int n;

	if (!config_setting_is_group(g))
		return cfg_error(ctx, g,
				 "must be a group { NAME = { ... }; ... }, not %s",
				 type_name(config_setting_type(g)));
	n = config_setting_length(g);
	if (n > CFG_MAX_SECTIONS)
		return cfg_error(ctx, g, "too many sections (%d, at most %d)",
				 n, CFG_MAX_SECTIONS);
	if (!n)
		return 0;
	out->sections = calloc((size_t)n, sizeof(*out->sections));
	if (!out->sections)
		return -ENOMEM;

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g,
							(unsigned int)i);
		struct cfg_container *c = &out->sections[i];
		const char *name = config_setting_name(s);
		int rc;

		if (!valid_name(name))
			return cfg_error(ctx, s,
					 "section name must match [A-Za-z0-9_.-]{1,63}");
		/* libconfig rejects duplicate names itself; keep the
		 * guarantee should that ever change
		 */
		if (cfg_find(out, name))
			return cfg_error(ctx, s, "duplicate section name");
		if (!config_setting_is_group(s))
			return cfg_error(ctx, s,
					 "must be a group { KEY = VALUE; ... }, not %s",
					 type_name(config_setting_type(s)));
		rc = load_container(ctx, s, c, NULL);
		if (rc)
			return rc;
		memcpy(c->name, name, strlen(name) + 1);
		out->n_sections = i + 1;
	}
	return 0;
}

/**
 * load() - validate a parsed libconfig tree into @out
 * @ctx:	load context
 * @lc:		parsed configuration
 * @out:	configuration, zeroed
 *
 * Return: 0, -EINVAL or -ENOMEM
 */
static int load(const struct cfg_ctx *ctx, const config_t *lc, struct cfg *out)
{
	const config_setting_t *root = config_root_setting(lc);
	const config_setting_t *sections;
	int rc;

	rc = load_container(ctx, root, &out->global, &out->registry);
	if (rc)
		return rc;
	sections = config_setting_get_member(root, key_names[KEY_CONTAINERS]);
	if (sections)
		return load_sections(ctx, sections, out);
	return 0;
}

/**
 * syntax_error() - report a libconfig parse error as "FILE:LINE: MESSAGE"
 * @ctx:	load context
 * @lc:		libconfig state after the failed read
 *
 * Return: -EINVAL
 */
static int syntax_error(const struct cfg_ctx *ctx, const config_t *lc)
{
	const char *file = config_error_file(lc);

	b4_error_set(ctx->err, -EINVAL, "%s:%d: %s", file ? file : ctx->file,
		     config_error_line(lc), config_error_text(lc));
	return -EINVAL;
}

/* load_read() - what libconfig read into @lc (@read: its config_read*()
 * result) into @out; @lc is destroyed. Return: load()'s or syntax_error()'s */
static int load_read(const struct cfg_ctx *ctx, config_t *lc, int read,
		     struct cfg *out)
{
	int rc = read ? load(ctx, lc, out) : syntax_error(ctx, lc);

	config_destroy(lc);
	return rc;
}

int cfg_load(const char *path, struct cfg *out, struct b4_error *err)
{
	struct cfg_ctx ctx = { .file = path, .err = err };
	struct stat st;
	config_t lc;
	FILE *f;
	int rc;

	cfg_init(out);
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		goto io_error;
	}
	if (fstat(fileno(f), &st)) {
		rc = -errno;
		fclose(f);
		goto io_error;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		fclose(f);
		goto io_error;
	}

	config_init(&lc);
	rc = load_read(&ctx, &lc, config_read(&lc, f), out);
	fclose(f);
	return rc;

io_error:
	b4_error_set(err, rc, "%s: %s", path, strerror(-rc));
	return rc;
}

int cfg_load_string(const char *text, const char *name, struct cfg *out,
		    struct b4_error *err)
{
	struct cfg_ctx ctx = { .file = name ? name : "(string)", .err = err };
	config_t lc;

	cfg_init(out);
	config_init(&lc);
	return load_read(&ctx, &lc, config_read_string(&lc, text), out);
}

void cfg_init(struct cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg_registry_default(&cfg->registry);
}

const struct cfg_container *cfg_find(const struct cfg *cfg, const char *name)
{
	if (!name)
		return NULL;
	for (int i = 0; i < cfg->n_sections; i++) {
		if (!strcmp(cfg->sections[i].name, name))
			return &cfg->sections[i];
	}
	return NULL;
}

int cfg_merge(struct cfg_container *dst, const struct cfg_container *src)
{
	if (dst->n_ignore + src->n_ignore > CFG_MAX_CIDRS ||
	    dst->n_publish + src->n_publish > CFG_MAX_PUBLISH ||
	    dst->n_egress_allow + src->n_egress_allow > CFG_MAX_EGRESS ||
	    dst->n_egress_deny + src->n_egress_deny > CFG_MAX_EGRESS)
		return -E2BIG;

/* a setting @src sets overrides @dst's */
#define MERGE(f)				\
	do {					\
		if (src->f##_set)		\
			CFG_SET(dst, f, src->f);	\
	} while (0)
	MERGE(mode);
	MERGE(net);
	MERGE(log_level);
	MERGE(allow_host_loopback);
	MERGE(udp_sendmsg);
	MERGE(switch_udp);
	MERGE(allow_io_uring);
#undef MERGE
	if (src->network_set) {
		memcpy(dst->network, src->network, sizeof(dst->network));
		dst->network_set = true;
	}

	memcpy(&dst->ignore[dst->n_ignore], src->ignore,
	       (size_t)src->n_ignore * sizeof(src->ignore[0]));
	dst->n_ignore += src->n_ignore;
	memcpy(&dst->publish[dst->n_publish], src->publish,
	       (size_t)src->n_publish * sizeof(src->publish[0]));
	memcpy(&dst->publish_spec[dst->n_publish], src->publish_spec,
	       (size_t)src->n_publish * sizeof(src->publish_spec[0]));
	dst->n_publish += src->n_publish;
	memcpy(&dst->egress_allow[dst->n_egress_allow], src->egress_allow,
	       (size_t)src->n_egress_allow * sizeof(src->egress_allow[0]));
	dst->n_egress_allow += src->n_egress_allow;
	memcpy(&dst->egress_deny[dst->n_egress_deny], src->egress_deny,
	       (size_t)src->n_egress_deny * sizeof(src->egress_deny[0]));
	dst->n_egress_deny += src->n_egress_deny;
	return 0;
}

int cfg_publish_add(struct cfg_container *c, const char *spec,
		    struct b4_error *err)
{
	int ret;

	if (c->n_publish >= CFG_MAX_PUBLISH)
		return b4_error_set(err, -E2BIG,
				    "too many published ports (max %d)",
				    CFG_MAX_PUBLISH);
	ret = portmap_parse(spec, &c->publish[c->n_publish], err);
	if (ret)
		return ret;
	snprintf(c->publish_spec[c->n_publish], CFG_SPEC_MAX, "%s", spec);
	c->n_publish++;
	return 0;
}

int cfg_egress_add(struct cfg_container *c, bool deny, const char *spec,
		   struct b4_error *err)
{
	struct egress_rule *list = deny ? c->egress_deny : c->egress_allow;
	int *n = deny ? &c->n_egress_deny : &c->n_egress_allow;
	int ret;

	if (*n >= CFG_MAX_EGRESS)
		return b4_error_set(err, -E2BIG, "too many egress %s rules "
				    "(max %d)", deny ? "deny" : "allow",
				    CFG_MAX_EGRESS);
	ret = egress_parse(spec, &list[*n], err);
	if (ret)
		return ret;
	(*n)++;
	return 0;
}

int cfg_network_set(struct cfg_container *c, const char *name,
		    struct b4_error *err)
{
	if (!valid_name(name))
		return b4_error_set(err, -EINVAL, "network name '%.*s' must "
				    "match [A-Za-z0-9_.-]{1,63}",
				    CFG_NAME_MAX, name);
	memcpy(c->network, name, strlen(name) + 1);
	c->network_set = true;
	return 0;
}

void cfg_registry_default(struct cfg_registry *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = CFG_REGISTRY_EMBEDDED;
	r->lease_ttl = CFG_LEASE_TTL_DEFAULT;
	memcpy(r->prefix, CFG_PREFIX_DEFAULT, sizeof(CFG_PREFIX_DEFAULT));
}

/**
 * parse_node_address() - an IP literal other nodes can reach
 * @val:	text
 * @out:	result, port 0
 * @err:	on failure, what is wrong; may be NULL
 *
 * Return: 0 or -EINVAL
 */
static int parse_node_address(const char *val, struct sockaddr_storage *out,
			      struct b4_error *err)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const struct sockaddr *sa = (const struct sockaddr *)&ss;
	const char *what = NULL;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, val, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, val, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		return b4_error_set(err, -EINVAL, "'%s' is not an IPv4 or "
				    "IPv6 address", val);
	if (sin6->sin6_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		what = "an IPv4-mapped address (give the IPv4 address)";
	else if (sa_is_loopback(sa))
		what = "a loopback address";
	else if (sa_is_unspecified(sa))
		what = "the unspecified address";
	else if (sa_is_local_scope(sa))
		what = "a link-local, multicast or broadcast address";
	if (what)
		return b4_error_set(err, -EINVAL, "'%s' is %s: other nodes "
				    "cannot reach this node there", val, what);
	*out = ss;
	return 0;
}

/**
 * set_path() - copy a file name setting
 * @dst:	destination, CFG_FILE_MAX bytes
 * @val:	file name
 * @err:	on failure, what is wrong; may be NULL
 *
 * Return: 0 or -EINVAL
 */
static int set_path(char *dst, const char *val, struct b4_error *err)
{
	size_t len = strlen(val);

	if (!len)
		return b4_error_set(err, -EINVAL, "empty file name");
	if (len >= CFG_FILE_MAX)
		return b4_error_set(err, -EINVAL, "file name too long (at most "
				    "%d characters)", CFG_FILE_MAX - 1);
	memcpy(dst, val, len + 1);
	return 0;
}

int cfg_registry_parse_opt(struct cfg_registry *r, unsigned int *set,
			   const char *key, const char *val,
			   struct b4_error *err)
{
	int k = find_key(key, true);
	size_t len = strlen(val);
	int rc = 0;

	if (k < KEY_FIRST_GLOBAL || k == KEY_CONTAINERS)
		return b4_error_set(err, -EINVAL, "unknown registry setting "
				    "'%s'", key);
	switch (k) {
	case KEY_REGISTRY:
		if (!strcmp(val, registry_names[CFG_REGISTRY_EMBEDDED]))
			r->kind = CFG_REGISTRY_EMBEDDED;
		else if (!strcmp(val, registry_names[CFG_REGISTRY_ETCD]))
			r->kind = CFG_REGISTRY_ETCD;
		else
			rc = b4_error_set(err, -EINVAL, "invalid value '%s' "
					  "(expected embedded or etcd)", val);
		break;
	case KEY_ETCD: {
		const char *p = val;

		r->n_etcd = 0;
		do {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			char url[CFG_URL_MAX];

			if (!n)
				return b4_error_set(err, -EINVAL, "empty etcd "
						    "endpoint in '%s'", val);
			if (n >= sizeof(url))
				return b4_error_set(err, -EINVAL, "etcd "
						    "endpoint too long (at "
						    "most %d characters)",
						    CFG_URL_MAX - 1);
			memcpy(url, p, n);
			url[n] = '\0';
			rc = etcd_url_add(r, url, err);
			if (rc)
				return rc;
			p = comma ? comma + 1 : NULL;
		} while (p);
		break;
	}
	case KEY_NODE:
		if (!valid_name(val))
			rc = b4_error_set(err, -EINVAL, "node name '%.*s' must "
					  "match [A-Za-z0-9_.-]{1,63}",
					  CFG_NAME_MAX, val);
		else
			memcpy(r->node, val, len + 1);
		break;
	case KEY_NODE_ADDRESS:
		rc = parse_node_address(val, &r->node_address, err);
		break;
	case KEY_ETCD_LEASE_TTL: {
		char *end;
		long v;

		errno = 0;
		v = strtol(val, &end, 10);
		if (!len || *end || errno || !isdigit((unsigned char)val[0]) ||
		    v < CFG_LEASE_TTL_MIN || v > CFG_LEASE_TTL_MAX)
			rc = b4_error_set(err, -EINVAL, "'%s' is not a number "
					  "of seconds from %d to %d", val,
					  CFG_LEASE_TTL_MIN, CFG_LEASE_TTL_MAX);
		else
			r->lease_ttl = (int)v;
		break;
	}
	case KEY_ETCD_PREFIX:
		for (size_t i = 0; i < len; i++) {
			if (isspace((unsigned char)val[i]) ||
			    iscntrl((unsigned char)val[i]))
				return b4_error_set(err, -EINVAL, "prefix "
						    "'%s' holds white space or "
						    "a control character", val);
		}
		if (!len || val[len - 1] != '/')
			rc = b4_error_set(err, -EINVAL, "prefix '%s' must end "
					  "with '/'", val);
		else if (len >= sizeof(r->prefix))
			rc = b4_error_set(err, -EINVAL, "prefix too long (at "
					  "most %zu characters)",
					  sizeof(r->prefix) - 1);
		else
			memcpy(r->prefix, val, len + 1);
		break;
	case KEY_ETCD_CACERT:
		rc = set_path(r->cacert, val, err);
		break;
	case KEY_ETCD_CERT:
		rc = set_path(r->cert, val, err);
		break;
	default: /* KEY_ETCD_KEY */
		rc = set_path(r->key, val, err);
		break;
	}
	if (!rc && set)
		*set |= reg_bits[k];
	return rc;
}

void cfg_registry_override(struct cfg_registry *dst,
			   const struct cfg_registry *src, unsigned int set)
{
	if (set & CFG_REG_KIND)
		dst->kind = src->kind;
	if (set & CFG_REG_ETCD) {
		memcpy(dst->etcd, src->etcd, sizeof(dst->etcd));
		dst->n_etcd = src->n_etcd;
	}
	if (set & CFG_REG_NODE)
		memcpy(dst->node, src->node, sizeof(dst->node));
	if (set & CFG_REG_NODE_ADDRESS)
		dst->node_address = src->node_address;
	if (set & CFG_REG_LEASE_TTL)
		dst->lease_ttl = src->lease_ttl;
	if (set & CFG_REG_PREFIX)
		memcpy(dst->prefix, src->prefix, sizeof(dst->prefix));
	if (set & CFG_REG_CACERT)
		memcpy(dst->cacert, src->cacert, sizeof(dst->cacert));
	if (set & CFG_REG_CERT)
		memcpy(dst->cert, src->cert, sizeof(dst->cert));
	if (set & CFG_REG_KEY)
		memcpy(dst->key, src->key, sizeof(dst->key));
}

int cfg_registry_check(struct cfg_registry *r, struct b4_error *err)
{
	char host[256];

	if (!r->node[0] && !gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = '\0';
		if (valid_name(host))
			memcpy(r->node, host, strlen(host) + 1);
	}
	if (r->kind != CFG_REGISTRY_ETCD)
		return 0;
	if (!r->n_etcd)
		return b4_error_set(err, -EINVAL, "registry = \"etcd\" needs "
				    "etcd endpoints: etcd = [ \"http://HOST:2379\" ] "
				    "in the config file or --etcd=URL");
	if (r->node_address.ss_family == AF_UNSPEC)
		return b4_error_set(err, -EINVAL, "registry = \"etcd\" needs "
				    "node_address, the address other nodes "
				    "reach this one at: node_address = \"IP\" "
				    "in the config file or --node-address=IP");
	if (!r->node[0])
		return b4_error_set(err, -EINVAL, "registry = \"etcd\" needs "
				    "a node name and the host name is not one "
				    "([A-Za-z0-9_.-]{1,63}): node = \"NAME\" "
				    "in the config file or --node=NAME");
	if (!r->cert[0] != !r->key[0])
		return b4_error_set(err, -EINVAL, "etcd_cert and etcd_key go "
				    "together (--etcd-cert, --etcd-key): %s is "
				    "missing", r->cert[0] ? "etcd_key" :
				    "etcd_cert");
	return 0;
}

void cfg_free(struct cfg *cfg)
{
	free(cfg->sections);
	cfg->sections = NULL;
	cfg->n_sections = 0;
}

int cfg_net_parse(const char *s, enum cfg_net *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(net_names); i++) {
		if (!strcmp(s, net_names[i])) {
			*out = (enum cfg_net)i;
			return 0;
		}
	}
	return -EINVAL;
}

int cfg_mode_parse(const char *s, enum cfg_mode *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++) {
		if (!strcmp(s, mode_names[i])) {
			*out = (enum cfg_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cfg_net_name(enum cfg_net net)
{
	if ((unsigned int)net >= ARRAY_SIZE(net_names))
		return "unknown";
	return net_names[net];
}

const char *cfg_mode_name(enum cfg_mode mode)
{
	if ((unsigned int)mode >= ARRAY_SIZE(mode_names))
		return "unknown";
	return mode_names[mode];
}

const char *cfg_key_name(unsigned int i)
{
	return i < ARRAY_SIZE(key_names) ? key_names[i] : NULL;
}

int cfg_policy(const struct cfg_container *s, struct policy_cfg *pol,
	       struct b4_error *err)
{
	policy_default(pol);
	pol->allow_host_loopback = s->allow_host_loopback;
	pol->switch_udp = s->switch_udp;
	pol->udp_sendmsg = s->udp_sendmsg && s->switch_udp;
	if (s->udp_sendmsg && !s->switch_udp)
		return b4_error_set(err, -EINVAL, "udp_sendmsg = true requires "
				    "switch_udp = true (--switch-udp): "
				    "udp_sendmsg traps sendmsg() to switch UDP "
				    "sockets, which are not switched otherwise");
	for (int i = 0; i < s->n_ignore && i < POLICY_MAX_CIDRS; i++)
		pol->ignore[pol->n_ignore++] = s->ignore[i];
	for (int i = 0; i < s->n_publish; i++) {
		const struct portmap_entry *e = &s->publish[i];
		int j;

		if (pol->n_publish >= POLICY_MAX_PUBLISH)
			return b4_error_set(err, -EINVAL,
					    "too many published ports (max %d)",
					    POLICY_MAX_PUBLISH);
		/* mode off: pasta/slirp4netns forward it, nothing switched */
		if (e->proto == IPPROTO_UDP && !s->switch_udp &&
		    !(s->mode_set && s->mode == CFG_MODE_OFF))
			return b4_error_set(err, -EINVAL, "publishing UDP port "
					    "'%s' requires switch_udp = true "
					    "(--switch-udp): a published UDP "
					    "socket is a switched host socket, "
					    "and switched UDP sockets can be "
					    "aimed at the host's loopback with "
					    "sendmsg() and IP_PKTINFO",
					    s->publish_spec[i]);
		/* entries are added in order: index j of @pol is entry j of @s */
		j = portmap_find_conflict(pol->publish, pol->n_publish, e);
		if (j >= 0)
			return b4_error_set(err, -EINVAL,
					    "publish '%s' conflicts with '%s'",
					    s->publish_spec[i],
					    s->publish_spec[j]);
		pol->publish[pol->n_publish++] = *e;
	}
	if (s->network_set)
		memcpy(pol->network, s->network, sizeof(pol->network));
	if (s->n_egress_allow > POLICY_MAX_EGRESS ||
	    s->n_egress_deny > POLICY_MAX_EGRESS)
		return b4_error_set(err, -EINVAL, "too many egress %s rules "
				    "(max %d)", s->n_egress_allow >
				    POLICY_MAX_EGRESS ? "allow" : "deny",
				    POLICY_MAX_EGRESS);
	memcpy(pol->allow, s->egress_allow,
	       (size_t)s->n_egress_allow * sizeof(pol->allow[0]));
	pol->n_allow = s->n_egress_allow;
	memcpy(pol->deny, s->egress_deny,
	       (size_t)s->n_egress_deny * sizeof(pol->deny[0]));
	pol->n_deny = s->n_egress_deny;
	return 0;
}
