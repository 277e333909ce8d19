// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - the b4ns command: subcommand dispatch */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns COMMAND [OPTIONS]\n"
		"\n"
		"Host-speed networking for rootless containers: connect() calls are\n"
		"trapped with seccomp user notification and switched to host sockets.\n"
		"\n"
		"Commands:\n"
		"  run [OPTIONS] -- CMD [ARG...]   run CMD as a rootless container process\n"
		"  daemon [OPTIONS]                serve OCI runtimes' seccomp listeners\n"
		"  status [--json]                 what the daemon serves\n"
		"  profile [OPTIONS]               print an OCI seccomp profile for b4ns\n"
		"  oci-hook [--socket=PATH]        Podman precreate hook (OCI config on stdin)\n"
		"  doctor [--socket=PATH]          check this host for what b4ns needs\n"
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
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "daemon"))
		return cmd_daemon(argc - 1, argv + 1);
	if (!strcmp(argv[1], "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(argv[1], "profile"))
		return cmd_profile(argc - 1, argv + 1);
	if (!strcmp(argv[1], "oci-hook"))
		return cmd_oci_hook(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor"))
		return cmd_doctor(argc - 1, argv + 1);
	fprintf(stderr, "b4ns: unknown command '%s' (see 'b4ns --help')\n",
		argv[1]);
	return EXIT_USAGE;
}
