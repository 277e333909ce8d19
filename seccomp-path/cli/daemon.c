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

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = { 0 };
	struct b4_error err = { "" };
	enum log_level lvl = LOG_LVL_INFO;
	const char *sockarg = NULL;
	char sock[PATHS_SOCK_MAX];
	bool bad_config;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sockarg = optarg;
			break;
		case 'c':
			o.config = optarg;
			break;
		case 'v':
			lvl = LOG_LVL_DEBUG;
			break;
		case 'l':
			if (log_level_parse(optarg, &lvl)) {
				fprintf(stderr, "b4ns daemon: --log-level=%s: expected "
					"error, warn, info or debug\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			daemon_usage(stdout);
			return 0;
		default:
			daemon_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "b4ns daemon: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	log_level = lvl;
	if (paths_daemon_socket(sockarg, PATHS_XDG, sock, &err)) {
		fprintf(stderr, "b4ns daemon: %s\n", err.msg);
		return EXIT_USAGE;
	}
	o.socket = sock;
	if (!daemon_run(&o, &bad_config, &err))
		return 0;
	if (bad_config) {
		fprintf(stderr, "b4ns daemon: %s\n", err.msg);
		return EXIT_USAGE;
	}
	b4_err("%s", err.msg);
	return 1;
}
