/* SPDX-License-Identifier: GPL-2.0-or-later
 * cfg.h - the b4ns libconfig file: loading and validation into one struct
 */
#ifndef B4NS_CFG_H
#define B4NS_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "egress.h"
#include "err.h"
#include "log.h"
#include "policy.h"
#include "peers.h"
#include "portmap.h"
#include "sockaddr.h"

#define CFG_MAX_CIDRS 64
#define CFG_MAX_PUBLISH 64
#define CFG_MAX_SECTIONS 128
#define CFG_NAME_MAX 64
#define CFG_SPEC_MAX 96
#define CFG_MAX_EGRESS 32
#define CFG_MAX_ETCD 8
#define CFG_URL_MAX 256
#define CFG_FILE_MAX 4096
#define CFG_PREFIX_MAX 64
#define CFG_LEASE_TTL_DEFAULT 15
#define CFG_LEASE_TTL_MIN 5
#define CFG_LEASE_TTL_MAX 3600
#define CFG_PREFIX_DEFAULT "b4ns/v1/"

enum cfg_net {
	CFG_NET_AUTO = 0,	/* slirp4netns if installed, else none */
	CFG_NET_NONE,
	CFG_NET_SLIRP4NETNS,
	CFG_NET_PASTA,
};

enum cfg_mode {
	CFG_MODE_SECCOMP = 0,
	CFG_MODE_PRELOAD,
	CFG_MODE_AUTO,
	CFG_MODE_OFF,
};

/**
 * struct cfg_container - settings of one container (or the global defaults)
 * @name:		section name ("" for the global defaults)
 * @mode:		switching path; valid if @mode_set
 * @net:		fallback network; valid if @net_set
 * @log_level:		valid if @log_level_set
 * @allow_host_loopback: valid if @allow_host_loopback_set
 * @udp_sendmsg:	trap every sendmsg() (needs @switch_udp); valid if
 *			@udp_sendmsg_set
 * @switch_udp:		switch UDP sockets too; valid if @switch_udp_set
 * @allow_io_uring:	do not deny io_uring: its operations then act on host
 *			sockets without any check; valid if @allow_io_uring_set
 * @ignore:		CIDRs never switched (appended on merge)
 * @publish:		published ports, parsed once where read, not
 *			conflicting with each other within one list
 *			(appended on merge)
 * @publish_spec:	the text of each @publish entry, for messages
 * @n_publish:		entries used in @publish and @publish_spec
 * @network:		network name (peers_net_valid()); valid if @network_set
 * @egress_allow:	egress allow rules (appended on merge)
 * @n_egress_allow:	entries used in @egress_allow
 * @egress_deny:	egress deny rules (appended on merge)
 * @n_egress_deny:	entries used in @egress_deny
 */
struct cfg_container {
	char name[CFG_NAME_MAX];
	enum cfg_mode mode;
	bool mode_set;
	enum cfg_net net;
	bool net_set;
	enum log_level log_level;
	bool log_level_set;
	bool allow_host_loopback;
	bool allow_host_loopback_set;
	bool udp_sendmsg;
	bool udp_sendmsg_set;
	bool switch_udp;
	bool switch_udp_set;
	bool allow_io_uring;
	bool allow_io_uring_set;
	struct sa_cidr ignore[CFG_MAX_CIDRS];
	int n_ignore;
	struct portmap_entry publish[CFG_MAX_PUBLISH];
	char publish_spec[CFG_MAX_PUBLISH][CFG_SPEC_MAX];
	int n_publish;
	char network[PEERS_NET_MAX];
	bool network_set;
	struct egress_rule egress_allow[CFG_MAX_EGRESS];
	int n_egress_allow;
	struct egress_rule egress_deny[CFG_MAX_EGRESS];
	int n_egress_deny;
};

/**
 * enum cfg_registry_kind - where the daemon keeps the registry of container
 * services
 * @CFG_REGISTRY_EMBEDDED:	in its own memory (one machine)
 * @CFG_REGISTRY_ETCD:		in etcd, shared by every node's daemon
 */
enum cfg_registry_kind {
	CFG_REGISTRY_EMBEDDED = 0,
	CFG_REGISTRY_ETCD,
};

/**
 * struct cfg_registry - the daemon's registry settings (top level of the
 * file only; "b4ns daemon" options override them)
 * @kind:		embedded or etcd
 * @etcd:		etcd endpoints, "http[s]://HOST:PORT"
 * @n_etcd:		entries used in @etcd
 * @node:		this node's name (default: the host name)
 * @node_address:	the address other nodes reach this node's published
 *			ports at (required with etcd)
 * @lease_ttl:		seconds an entry outlives its node (default 15,
 *			CFG_LEASE_TTL_MIN to CFG_LEASE_TTL_MAX)
 * @prefix:		key prefix in etcd (default "b4ns/v1/", ends with '/')
 * @cacert:		CA bundle to check etcd's certificate ("" system)
 * @cert:		client certificate ("" none)
 * @key:		client key ("" none)
 */
struct cfg_registry {
	enum cfg_registry_kind kind;
	char etcd[CFG_MAX_ETCD][CFG_URL_MAX];
	int n_etcd;
	char node[PEERS_NODE_MAX];
	struct sockaddr_storage node_address;
	int lease_ttl;
	char prefix[CFG_PREFIX_MAX];
	char cacert[CFG_FILE_MAX];
	char cert[CFG_FILE_MAX];
	char key[CFG_FILE_MAX];
};

/**
 * enum cfg_registry_field - which fields of a struct cfg_registry were
 * given, as bits (cfg_registry_parse_opt(), cfg_registry_override())
 * @CFG_REG_KIND:	@kind ("registry")
 * @CFG_REG_ETCD:	@etcd and @n_etcd ("etcd")
 * @CFG_REG_NODE:	@node ("node")
 * @CFG_REG_NODE_ADDRESS: @node_address ("node_address")
 * @CFG_REG_LEASE_TTL:	@lease_ttl ("etcd_lease_ttl")
 * @CFG_REG_PREFIX:	@prefix ("etcd_prefix")
 * @CFG_REG_CACERT:	@cacert ("etcd_cacert")
 * @CFG_REG_CERT:	@cert ("etcd_cert")
 * @CFG_REG_KEY:	@key ("etcd_key")
 */
enum cfg_registry_field {
	CFG_REG_KIND = 1 << 0,
	CFG_REG_ETCD = 1 << 1,
	CFG_REG_NODE = 1 << 2,
	CFG_REG_NODE_ADDRESS = 1 << 3,
	CFG_REG_LEASE_TTL = 1 << 4,
	CFG_REG_PREFIX = 1 << 5,
	CFG_REG_CACERT = 1 << 6,
	CFG_REG_CERT = 1 << 7,
	CFG_REG_KEY = 1 << 8,
};

/* CFG_SET() - set setting @f of struct cfg_container *@c to @v, and mark it
 * set (@f##_set) */
#define CFG_SET(c, f, v)		\
	do {				\
		(c)->f = (v);		\
		(c)->f##_set = true;	\
	} while (0)

/**
 * struct cfg - a whole configuration file
 * @global:	top-level settings, the defaults of every container
 * @sections:	named sections from the "containers" group
 * @n_sections:	entries used in @sections
 * @registry:	the daemon's registry settings (top-level keys only;
 *		defaults if absent; cfg_registry_check() is for the caller,
 *		once "b4ns daemon"'s options are applied)
 */
struct cfg {
	struct cfg_container global;
	struct cfg_registry registry;
	struct cfg_container *sections;
	int n_sections;
};

/**
 * cfg_load() - read and validate a configuration file
 * @path:	file name
 * @out:	result; free with cfg_free() (also on error)
 * @err:	on failure, "FILE:LINE: KEY: what is wrong" (KEY is the
 *		setting path, e.g. "containers.web.ignore[1]"), "FILE:LINE:
 *		MESSAGE" for libconfig syntax errors, "FILE: strerror" if
 *		unreadable; may be NULL
 *
 * Return: 0, -errno if unreadable (-ENOENT, -EACCES, -EISDIR...), -EINVAL
 * if invalid, -ENOMEM
 */
int cfg_load(const char *path, struct cfg *out, struct b4_error *err);

/**
 * cfg_load_string() - cfg_load() on text in memory
 * @text:	configuration text
 * @name:	name used for the file in messages, NULL for "(string)"
 * @out:	result; free with cfg_free() (also on error)
 * @err:	on failure, "NAME:LINE: KEY: what is wrong"; may be NULL
 *
 * Return: 0, -EINVAL or -ENOMEM
 */
int cfg_load_string(const char *text, const char *name, struct cfg *out,
		    struct b4_error *err);

/**
 * cfg_init() - an empty configuration: what applies without a file
 * @cfg:	result: no section, nothing set, registry defaults
 *		(cfg_registry_default()); cfg_free() is harmless on it
 */
void cfg_init(struct cfg *cfg);

/**
 * cfg_find() - look up a named container section
 * @cfg:	configuration
 * @name:	section name
 *
 * Return: the section, or NULL
 */
const struct cfg_container *cfg_find(const struct cfg *cfg, const char *name);

/**
 * cfg_merge() - apply the settings of @src that are set on top of @dst
 * @dst:	settings to update; scalars set in @src replace them, lists
 *		are appended
 * @src:	overriding settings
 *
 * @dst->name is left alone. Nothing is changed if a list would overflow.
 *
 * Return: 0, or -E2BIG if a list would overflow
 */
int cfg_merge(struct cfg_container *dst, const struct cfg_container *src);

/**
 * cfg_publish_add() - parse a publish spec and append it to @c
 * @c:		settings to update
 * @spec:	"[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]"; its text is kept
 *		for messages, cut to CFG_SPEC_MAX - 1 characters
 * @err:	on failure, portmap_parse()'s message; may be NULL
 *
 * Conflicts are not checked here: cfg_policy() checks the merged list.
 *
 * Return: 0, -E2BIG if @c holds CFG_MAX_PUBLISH entries, -EINVAL if @spec
 * is malformed
 */
int cfg_publish_add(struct cfg_container *c, const char *spec,
		    struct b4_error *err);

/**
 * cfg_egress_add() - parse an egress rule and append it to @c
 * @c:		settings to update
 * @deny:	append to @c->egress_deny, else to @c->egress_allow
 * @spec:	egress_parse()'s "CIDR[:PORT[-PORT]][/tcp|/udp]"
 * @err:	on failure, egress_parse()'s message or that the list is
 *		full; may be NULL
 *
 * Return: 0, -E2BIG if the list holds CFG_MAX_EGRESS rules, -EINVAL if
 * @spec is malformed
 */
int cfg_egress_add(struct cfg_container *c, bool deny, const char *spec,
		   struct b4_error *err);

/**
 * cfg_network_set() - set @c's network name
 * @c:		settings to update (@network and @network_set)
 * @name:	1-63 characters of [A-Za-z0-9_.-]
 * @err:	on failure, what is wrong with @name; may be NULL
 *
 * Return: 0, or -EINVAL (@c unchanged)
 */
int cfg_network_set(struct cfg_container *c, const char *name,
		    struct b4_error *err);

/**
 * cfg_registry_default() - the registry settings without file or options
 * @r:		result: embedded, no endpoints, no node address, lease TTL
 *		CFG_LEASE_TTL_DEFAULT, prefix CFG_PREFIX_DEFAULT, node "" (the
 *		host name once cfg_registry_check() runs)
 */
void cfg_registry_default(struct cfg_registry *r);

/**
 * cfg_registry_parse_opt() - parse one registry setting given as text
 * @r:		settings to update
 * @set:	the setting's enum cfg_registry_field bit is or-ed in; may be
 *		NULL
 * @key:	"registry" (embedded|etcd), "etcd" (URL[,URL...], replacing
 *		the list; each "http://" or "https://"), "node" (a name of
 *		[A-Za-z0-9_.-]{1,63}), "node_address" (an IPv4 or IPv6
 *		literal, not loopback, unspecified, link-local, multicast or
 *		broadcast), "etcd_lease_ttl" (CFG_LEASE_TTL_MIN to
 *		CFG_LEASE_TTL_MAX seconds), "etcd_prefix" (ends with '/', no
 *		white space), "etcd_cacert", "etcd_cert", "etcd_key" (file
 *		names)
 * @val:	the value
 * @err:	on failure, what is wrong with @val (the caller adds which
 *		key or option it is); may be NULL
 *
 * The one validation of these settings: the config file's top level and
 * "b4ns daemon"'s options use it.
 *
 * Return: 0, or -EINVAL (@r may hold part of a list) for a bad value or
 * an unknown @key
 */
int cfg_registry_parse_opt(struct cfg_registry *r, unsigned int *set,
			   const char *key, const char *val,
			   struct b4_error *err);

/**
 * cfg_registry_override() - copy the fields of @src given in @set to @dst
 * @dst:	settings to update (e.g. the config file's)
 * @src:	overriding settings (e.g. "b4ns daemon"'s options)
 * @set:	enum cfg_registry_field bits of the fields to copy
 */
void cfg_registry_override(struct cfg_registry *dst,
			   const struct cfg_registry *src, unsigned int set);

/**
 * cfg_registry_check() - final checks of the registry settings in use
 * @r:		settings; an empty @node becomes the host name if that is a
 *		valid node name
 * @err:	on failure, which setting is missing; may be NULL
 *
 * With etcd, endpoints ("etcd") and "node_address" are required, and a
 * node name (given or the host name); "etcd_cert" and "etcd_key" go
 * together.
 *
 * Return: 0 or -EINVAL
 */
int cfg_registry_check(struct cfg_registry *r, struct b4_error *err);

/**
 * cfg_policy() - the switching policy of a container from its settings
 * @s:		effective settings (global, section, overrides merged)
 * @pol:	result: built-in defaults, ignore list, host loopback, the
 *		publish table, the network name and the egress rules
 * @err:	on failure, which setting is wrong or which publish specs
 *		conflict; may be NULL
 *
 * Return: 0, or -EINVAL (conflicting publish specs, too many, UDP ones
 * without switch_udp, udp_sendmsg without switch_udp, more egress rules
 * than POLICY_MAX_EGRESS)
 */
int cfg_policy(const struct cfg_container *s, struct policy_cfg *pol,
	       struct b4_error *err);

/**
 * cfg_free() - release what cfg_load() allocated
 * @cfg:	configuration
 */
void cfg_free(struct cfg *cfg);

/**
 * cfg_net_parse() - "none", "slirp4netns", "pasta" or "auto" to enum
 * @s:		text
 * @out:	result
 *
 * Return: 0 or -EINVAL
 */
int cfg_net_parse(const char *s, enum cfg_net *out);

/**
 * cfg_mode_parse() - "seccomp", "preload", "auto" or "off" to enum
 * @s:		text
 * @out:	result
 *
 * Return: 0 or -EINVAL
 */
int cfg_mode_parse(const char *s, enum cfg_mode *out);

/**
 * cfg_key_name() - the @i-th key the file may hold (the man page
 * b4ns.conf(5) documents each)
 * @i:		0, 1, ...
 *
 * Return: static string, or NULL after the last
 */
const char *cfg_key_name(unsigned int i);

/**
 * cfg_net_name() - name of a network mode
 * @net:	mode
 *
 * Return: static string, "unknown" if out of range
 */
const char *cfg_net_name(enum cfg_net net);

/**
 * cfg_mode_name() - name of a switching mode
 * @mode:	mode
 *
 * Return: static string, "unknown" if out of range
 */
const char *cfg_mode_name(enum cfg_mode mode);

#endif /* B4NS_CFG_H */
