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
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
	KEY_CONTAINERS,		/* top level only */
};

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
	[KEY_CONTAINERS]		= "containers",
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

/* The longest list: "ignore" (CFG_MAX_CIDRS) or "publish" */
#define CFG_MAX_LIST CFG_MAX_CIDRS
_Static_assert(CFG_MAX_PUBLISH <= CFG_MAX_LIST, "publish list too long");

/* A list element parser: element @i (@e, text @v) of a list into @c */
typedef int (*load_elem_fn)(const struct cfg_ctx *ctx,
			    const config_setting_t *e, const char *v, int i,
			    struct cfg_container *c);

/**
 * load_list() - parse a list of strings into @c, element by element
 * @ctx:	load context
 * @s:		the list setting
 * @max:	at most this many elements (CFG_MAX_CIDRS, CFG_MAX_PUBLISH)
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
 * @global:	@g is the root group
 *
 * Return: 0 or -EINVAL
 */
static int load_container(const struct cfg_ctx *ctx, const config_setting_t *g,
			  struct cfg_container *c, bool global)
{
	int n = config_setting_length(g);

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
		case KEY_CONTAINERS:
			break;		/* by load_sections() */
		default:
			rc = cfg_error(ctx, s,
				       "unknown setting (expected log_level, net, mode, allow_host_loopback, udp_sendmsg, switch_udp, allow_io_uring, ignore, publish%s)",
				       global ? " or containers" : "");
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
		rc = load_container(ctx, s, c, false);
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

	rc = load_container(ctx, root, &out->global, true);
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

	memset(out, 0, sizeof(*out));
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

	memset(out, 0, sizeof(*out));
	config_init(&lc);
	return load_read(&ctx, &lc, config_read_string(&lc, text), out);
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
	    dst->n_publish + src->n_publish > CFG_MAX_PUBLISH)
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

	memcpy(&dst->ignore[dst->n_ignore], src->ignore,
	       (size_t)src->n_ignore * sizeof(src->ignore[0]));
	dst->n_ignore += src->n_ignore;
	memcpy(&dst->publish[dst->n_publish], src->publish,
	       (size_t)src->n_publish * sizeof(src->publish[0]));
	memcpy(&dst->publish_spec[dst->n_publish], src->publish_spec,
	       (size_t)src->n_publish * sizeof(src->publish_spec[0]));
	dst->n_publish += src->n_publish;
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
	return 0;
}
