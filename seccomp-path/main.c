// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - the b4ns command: dispatch to a subcommand of cli_commands[]
 *
 * Each subcommand's options and usage are in cli/ (one file each), listed
 * in cli/cli.c's cli_commands[]; "__doc" writes the man pages and the
 * shell completion from them (cli/doc.c), "__keeper" is the daemon's keeper.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "err.h"
#include "keeper/keeper.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cli_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("b4ns %s\n", B4NS_VERSION);
		return 0;
	}
	/* the daemon's keeper (keeper/client.c starts it), not for users */
	if (!strcmp(argv[1], "__keeper") && argc == 4)
		return keeper_main(argv[2], (int)strtol(argv[3], NULL, 10));
	/* the man pages and completion, from the option tables (the build) */
	if (!strcmp(argv[1], "__doc"))
		return cmd_doc(argc - 1, argv + 1);
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "b4ns: unknown command '%s' (see 'b4ns --help')\n",
		argv[1]);
	return EXIT_USAGE;
}
