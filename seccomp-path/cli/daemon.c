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
		"  -v, --verbose         log every switching decision\n"
		"      --log-level=LEVEL error | warn | info | debug (default info)\n"
		"  -h, --help            this text\n"
		"\n"
		"SIGHUP reloads the config file for new containers; SIGTERM stops.\n");
}

/**
 * struct daemon_args - "b4ns daemon"'s command line
 * @o:		options for daemon_run()
 * @lvl:	--verbose or --log-level
 */
struct daemon_args {
	struct daemon_opts o;
	enum log_level lvl;
};

static int daemon_opt(int c, const char *arg, void *ctx, struct b4_error *err)
{
	struct daemon_args *a = ctx;

	switch (c) {
	case 'c':
		a->o.config = arg;
		return 0;
	case 'v':
		a->lvl = LOG_LVL_DEBUG;
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
	CLI_OPT_HELP_END,
};

static const struct cli_cmd daemon_cmd = {
	.name = "daemon", .shortopts = "vh", .longopts = daemon_longopts,
	.flags = CLI_SOCKET, .usage = daemon_usage, .opt = daemon_opt,
};

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
