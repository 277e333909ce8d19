// SPDX-License-Identifier: GPL-2.0-or-later
/* cli.c - what every subcommand's command line shares
 *
 * Theory of operation: each cli/ file describes its options in a struct
 * cli_cmd (getopt_long() tables, a usage printer, a callback taking one
 * option at a time) and cli_parse() runs the getopt loop for it: --help,
 * unknown options, refused values, operands and --socket (the daemon's
 * socket, resolved by paths_daemon_socket()) are handled here, with the same
 * messages and exit statuses for every subcommand.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "err.h"
#include "log.h"
#include "paths.h"

const struct option cli_socket_longopts[] = {
	CLI_OPT_SOCKET,
	CLI_OPT_HELP_END,
};

/* cli_operands() - check what follows the options. Return: CLI_GO or
 * EXIT_USAGE */
static int cli_operands(const struct cli_cmd *cmd, int argc, char **argv)
{
	if (cmd->flags & CLI_OPERANDS_IGNORED)
		return CLI_GO;
	if (!(cmd->flags & CLI_COMMAND)) {
		if (optind >= argc)
			return CLI_GO;
		fprintf(stderr, "b4ns %s: unexpected argument '%s'\n",
			cmd->name, argv[optind]);
		return EXIT_USAGE;
	}
	if (optind < argc)
		return CLI_GO;
	fprintf(stderr, "b4ns %s: no command given\n", cmd->name);
	cmd->usage(stderr);
	return EXIT_USAGE;
}

int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, void *ctx,
	      char *sock)
{
	enum paths_flags pf = (cmd->flags & CLI_SOCKET_HOST_UID) ?
			      PATHS_HOST_UID : PATHS_XDG;
	struct b4_error err = { "" };
	const char *sockarg = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, cmd->shortopts, cmd->longopts,
				NULL)) != -1) {
		if (c == 'h') {
			cmd->usage(stdout);
			return 0;
		}
		if (c == 's' && (cmd->flags & CLI_SOCKET)) {
			sockarg = optarg;
			continue;
		}
		if (c == '?' || c == ':' || !cmd->opt) {
			if (!(cmd->flags & CLI_OPERANDS_IGNORED))
				cmd->usage(stderr);
			return EXIT_USAGE;
		}
		if (cmd->opt(c, optarg, ctx, &err))
			return cli_fail(cmd->name, &err);
	}
	rc = cli_operands(cmd, argc, argv);
	if (rc != CLI_GO || !(cmd->flags & CLI_SOCKET))
		return rc;
	sock[0] = '\0';
	if (!sockarg && (cmd->flags & CLI_SOCKET_IF_GIVEN))
		return CLI_GO;
	if (paths_daemon_socket(sockarg, pf, sock, &err))
		return cli_fail(cmd->name, &err);
	return CLI_GO;
}

int cli_fail(const char *cmd, const struct b4_error *err)
{
	fprintf(stderr, "b4ns %s: %s\n", cmd, err->msg);
	return EXIT_USAGE;
}

int cli_log_level(const char *arg, enum log_level *lvl, struct b4_error *err)
{
	if (log_level_parse(arg, lvl))
		return b4_error_set(err, -EINVAL, "--log-level=%s: expected "
				    "error, warn, info or debug", arg);
	return 0;
}
