// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon.c - "b4ns daemon": its options and usage
 *
 * The listener itself is oci/daemon.c's daemon_run(). Exit status: 0 when
 * stopped by SIGTERM/SIGINT, 2 for bad options or config file, 1 if it
 * could not start or its event loop failed.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cfg.h"
#include "cli/cli.h"
#include "err.h"
#include "log.h"
#include "oci/daemon.h"
#include "paths.h"

static void daemon_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns daemon [OPTIONS]\n"
		"\n"
		"Serve the seccomp listeners of OCI containers (runc >= 1.1, crun >= 1.6,\n"
		"rootless Podman): point linux.seccomp.listenerPath at the socket\n"
		"(see 'b4ns profile' and 'b4ns oci-hook').\n"
		"\n"
		"Options:\n"
		"      --socket=PATH     listener socket (default\n"
		"                        $XDG_RUNTIME_DIR/b4ns/b4ns.sock, mode 0600,\n"
		"                        directory 0700); b4ns.ctl beside it serves status\n"
		"      --config=FILE     libconfig file: defaults and container sections,\n"
		"                        selected by the annotation b4ns.config=NAME\n"
		"      --replace         take over from the running daemon: its containers\n"
		"                        keep running (an upgrade)\n"
		"  -v, --verbose         log every switching decision\n"
		"      --log-level=LEVEL error | warn | info | debug (default info)\n"
		"  -h, --help            this text\n"
		"\n"
		"Registry of container services (override the config file's keys):\n"
		"      --registry=KIND   embedded (this host only, default) | etcd (shared\n"
		"                        by every node's daemon)\n"
		"      --etcd=URL[,URL]  etcd endpoints, http://HOST:PORT or https://...\n"
		"      --node=NAME       this node's name (default: the host name)\n"
		"      --node-address=IP address other nodes reach this node's published\n"
		"                        ports at (required with etcd)\n"
		"      --etcd-lease-ttl=S\n"
		"                        seconds a node's entries outlive it (5-3600,\n"
		"                        default 15)\n"
		"      --etcd-prefix=P   key prefix in etcd (default b4ns/v1/)\n"
		"      --etcd-cacert=FILE, --etcd-cert=FILE, --etcd-key=FILE\n"
		"                        TLS: CA bundle, client certificate and key\n"
		"\n"
		"SIGHUP reloads the config file for new containers; SIGTERM stops.\n"
		"A keeper process (b4ns.keeper beside the socket) holds the containers'\n"
		"seccomp fds: if the daemon dies, their calls get fail-safe errors until\n"
		"a new 'b4ns daemon' takes them over.\n");
}

/* The registry options: long only, their getopt codes OPT_REG + index */
#define OPT_REG 0x100
enum daemon_reg_opt {
	REG_KIND,
	REG_ETCD,
	REG_NODE,
	REG_NODE_ADDRESS,
	REG_LEASE_TTL,
	REG_PREFIX,
	REG_CACERT,
	REG_CERT,
	REG_KEY,
	REG_COUNT,
};

/* each registry option's key for cfg_registry_parse_opt() */
static const char *const reg_keys[] = {
	[REG_KIND]		= "registry",
	[REG_ETCD]		= "etcd",
	[REG_NODE]		= "node",
	[REG_NODE_ADDRESS]	= "node_address",
	[REG_LEASE_TTL]		= "etcd_lease_ttl",
	[REG_PREFIX]		= "etcd_prefix",
	[REG_CACERT]		= "etcd_cacert",
	[REG_CERT]		= "etcd_cert",
	[REG_KEY]		= "etcd_key",
};
_Static_assert(ARRAY_SIZE(reg_keys) == REG_COUNT,
	       "a registry option without its key");

/**
 * struct daemon_args - "b4ns daemon"'s command line
 * @o:		options for daemon_run(), registry options among them
 * @lvl:	--verbose or --log-level
 */
struct daemon_args {
	struct daemon_opts o;
	enum log_level lvl;
};

static int daemon_opt(int c, const char *arg, void *ctx, struct b4_error *err)
{
	struct daemon_args *a = ctx;

	if (c >= OPT_REG && c < OPT_REG + REG_COUNT) {
		const char *key = reg_keys[c - OPT_REG];
		int rc = cfg_registry_parse_opt(&a->o.reg, &a->o.reg_set, key,
						arg, err);
		char opt[32];
		size_t i;

		if (!rc)
			return 0;
		/* the option's name: the key with '-' for '_' */
		snprintf(opt, sizeof(opt), "%s", key);
		for (i = 0; opt[i]; i++)
			if (opt[i] == '_')
				opt[i] = '-';
		return b4_error_prefix(err, rc, "--%s", opt);
	}
	switch (c) {
	case 'c':
		a->o.config = arg;
		return 0;
	case 'v':
		a->lvl = LOG_LVL_DEBUG;
		return 0;
	case 'R':
		a->o.replace = true;
		return 0;
	default: /* 'l' */
		return cli_log_level(arg, &a->lvl, err);
	}
}

static const struct option daemon_longopts[] = {
	CLI_OPT_SOCKET,
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "replace", no_argument, NULL, 'R' },
	{ "registry", required_argument, NULL, OPT_REG + REG_KIND },
	{ "etcd", required_argument, NULL, OPT_REG + REG_ETCD },
	{ "node", required_argument, NULL, OPT_REG + REG_NODE },
	{ "node-address", required_argument, NULL, OPT_REG + REG_NODE_ADDRESS },
	{ "etcd-lease-ttl", required_argument, NULL, OPT_REG + REG_LEASE_TTL },
	{ "etcd-prefix", required_argument, NULL, OPT_REG + REG_PREFIX },
	{ "etcd-cacert", required_argument, NULL, OPT_REG + REG_CACERT },
	{ "etcd-cert", required_argument, NULL, OPT_REG + REG_CERT },
	{ "etcd-key", required_argument, NULL, OPT_REG + REG_KEY },
	CLI_OPT_HELP_END,
};

static const struct cli_cmd daemon_cmd = {
	.name = "daemon", .shortopts = "vh", .longopts = daemon_longopts,
	.flags = CLI_SOCKET, .usage = daemon_usage, .opt = daemon_opt,
};

const struct cli_cmd *cli_daemon_cmd(void)
{
	return &daemon_cmd;
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon_args a = { .lvl = LOG_LVL_INFO };
	struct b4_error err = { "" };
	char sock[PATHS_SOCK_MAX];
	bool bad_config;
	int rc;

	rc = cli_parse(&daemon_cmd, argc, argv, &a, sock);
	if (rc != CLI_GO)
		return rc;
	log_level = a.lvl;
	a.o.socket = sock;
	if (!daemon_run(&a.o, &bad_config, &err))
		return 0;
	if (bad_config)
		return cli_fail("daemon", &err);
	b4_err("%s", err.msg);
	return 1;
}
