// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - the b4ns command: dispatch to a subcommand of commands[]
 *
 * Each subcommand's options and usage are in cli/ (one file each); the
 * usage text below is generated from commands[].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "err.h"
#include "keeper/keeper.h"

/**
 * struct command - a subcommand
 * @name:	as typed after "b4ns"
 * @fn:		its cmd_*() (argv[0] is @name)
 * @synopsis:	arguments, for the usage text
 * @help:	one line, for the usage text
 */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, "[OPTIONS] -- CMD [ARG...]",
	  "run CMD as a rootless container process" },
	{ "daemon", cmd_daemon, "[OPTIONS]",
	  "serve OCI runtimes' seccomp listeners" },
	{ "trace", cmd_trace, "[OPTIONS] -- CMD [ARG...]",
	  "trace a workload's sockets with eBPF: fast path?" },
	{ "status", cmd_status, "[--json]", "what the daemon serves" },
	{ "profile", cmd_profile, "[OPTIONS]",
	  "print an OCI seccomp profile for b4ns" },
	{ "oci-hook", cmd_oci_hook, "[--socket=PATH]",
	  "Podman precreate hook (OCI config on stdin)" },
	{ "doctor", cmd_doctor, "[--socket=PATH]",
	  "check this host for what b4ns needs" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns COMMAND [OPTIONS]\n"
		"\n"
		"Host-speed networking for rootless containers: connect() calls are\n"
		"trapped with seccomp user notification and switched to host sockets.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		int n = fprintf(f, "  %s %s", commands[i].name,
				commands[i].synopsis);

		fprintf(f, "%*s%s\n", n < 34 ? 34 - n : 1, "", commands[i].help);
	}
	fprintf(f,
		"\n"
		"Options:\n"
		"  -h, --help      this text; 'b4ns COMMAND --help' for a command's options\n"
		"  -V, --version   print the version\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("b4ns %s\n", B4NS_VERSION);
		return 0;
	}
	/* the daemon's keeper (keeper/client.c starts it), not for users */
	if (!strcmp(argv[1], "__keeper") && argc == 4)
		return keeper_main(argv[2], (int)strtol(argv[3], NULL, 10));
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "b4ns: unknown command '%s' (see 'b4ns --help')\n",
		argv[1]);
	return EXIT_USAGE;
}
