// SPDX-License-Identifier: GPL-2.0-or-later
/* cli.c - what every subcommand's command line shares
 *
 * Theory of operation: each cli/ file describes its options in a struct
 * cli_cmd (getopt_long() tables, a usage printer, a callback taking one
 * option at a time) and cli_parse() runs the getopt loop for it: --help,
 * unknown options, refused values, operands and --socket (the daemon's
 * socket, resolved by paths_daemon_socket()) are handled here, with the same
 * messages and exit statuses for every subcommand. cli_commands[] lists
 * the subcommands: main.c dispatches through it, the usage text and the
 * generated man pages and completion (cli/doc.c) are written from it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "err.h"
#include "log.h"
#include "paths.h"

const struct option cli_socket_longopts[] = {
	CLI_OPT_SOCKET,
	CLI_OPT_HELP_END,
};

const struct cli_command cli_commands[] = {
	{ "run", cmd_run, "[OPTIONS] -- CMD [ARG...]",
	  "run CMD as a rootless container process", cli_run_cmd, NULL },
	{ "daemon", cmd_daemon, "[OPTIONS]",
	  "serve OCI runtimes' seccomp listeners", cli_daemon_cmd, NULL },
	{ "trace", cmd_trace, "[OPTIONS] -- CMD [ARG...]",
	  "trace a workload's sockets with eBPF: fast path?", cli_trace_cmd,
	  cli_run_cmd },
	{ "status", cmd_status, "[--json]", "what the daemon serves",
	  cli_status_cmd, NULL },
	{ "profile", cmd_profile, "[OPTIONS]",
	  "print an OCI seccomp profile for b4ns", cli_profile_cmd, NULL },
	{ "oci-hook", cmd_oci_hook, "[--socket=PATH]",
	  "Podman precreate hook (OCI config on stdin)", cli_hook_cmd, NULL },
	{ "doctor", cmd_doctor, "[--socket=PATH]",
	  "check this host for what b4ns needs", cli_doctor_cmd, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

void cli_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns COMMAND [OPTIONS]\n"
		"\n"
		"Host-speed networking for rootless containers: connect() calls are\n"
		"trapped with seccomp user notification and switched to host sockets.\n"
		"\n"
		"Commands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		int n = fprintf(f, "  %s %s", c->name, c->synopsis);

		fprintf(f, "%*s%s\n", n < 34 ? 34 - n : 1, "", c->help);
	}
	fprintf(f,
		"\n"
		"Options:\n"
		"  -h, --help      this text; 'b4ns COMMAND --help' for a command's options\n"
		"  -V, --version   print the version\n");
}

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
	fprintf(stderr, "b4ns %s: no command given (see 'b4ns %s --help')\n",
		cmd->name, cmd->name);
	return EXIT_USAGE;
}

/* cli_long() - the entry of @opts that --@name (up to '=' or its end)
 * names, exactly or as the unique prefix getopt_long() accepts; NULL if
 * none or ambiguous (@ambiguous then says which) */
static const struct option *cli_long(const struct option *opts,
				     const char *name, bool *ambiguous)
{
	size_t len = strcspn(name, "=");
	const struct option *hit = NULL;
	int n = 0;

	*ambiguous = false;
	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (strlen(o->name) == len)
			return o;
		hit = o;
		n++;
	}
	*ambiguous = n > 1;
	return n == 1 ? hit : NULL;
}

/* cli_bad_option() - what getopt_long() refused (it prints nothing:
 * opterr is 0), as one line naming the option and where help is.
 * Return: EXIT_USAGE */
static int cli_bad_option(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	const char *why = "unknown option";
	int len;

	if (!strncmp(word, "--", 2) && word[2]) {
		bool ambiguous;
		const struct option *o = cli_long(cmd->longopts, word + 2,
						  &ambiguous);

		len = (int)strcspn(word, "=");
		if (ambiguous)
			why = "ambiguous option";
		else if (o && o->has_arg == required_argument)
			why = "missing value for option";
		else if (o && o->has_arg == no_argument)
			why = "no value allowed for option";
		fprintf(stderr, "b4ns %s: %s '%.*s' (see 'b4ns %s --help')\n",
			cmd->name, why, len, word, cmd->name);
		return EXIT_USAGE;
	}
	{
		const char *s = optopt > 0 && optopt < 256 ?
				strchr(cmd->shortopts, optopt) : NULL;

		if (s && *s != '+' && *s != ':' && s[1] == ':')
			why = "missing value for option";
		if (optopt > 0 && optopt < 256)
			fprintf(stderr, "b4ns %s: %s '-%c' (see 'b4ns %s "
				"--help')\n", cmd->name, why, optopt, cmd->name);
		else
			fprintf(stderr, "b4ns %s: %s '%s' (see 'b4ns %s "
				"--help')\n", cmd->name, why, word, cmd->name);
	}
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
	opterr = 0; /* cli_bad_option() says it, in one line */
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
		if (c == '?' || c == ':' || !cmd->opt)
			return cli_bad_option(cmd, argc, argv);
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
