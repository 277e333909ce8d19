/* SPDX-License-Identifier: GPL-2.0-or-later
 * cli.h - the b4ns subcommands: one file each in cli/, options and usage
 * only; main.c's commands[] dispatches to them. Their shared parsing is
 * cli/cli.c.
 */
#ifndef B4NS_CLI_H
#define B4NS_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "cfg.h"
#include "err.h"
#include "log.h"
#include "oci/oci.h"
#include "paths.h"

/* Exit statuses of b4ns itself (a container's own status passes through) */
#define EXIT_USAGE 2	/* bad flags or configuration */
#define EXIT_START 125	/* b4ns could not start the container */

/**
 * enum cli_flags - what cli_parse() does besides options
 * @CLI_NO_OPERANDS:	an operand is refused: "unexpected argument"
 * @CLI_COMMAND:	options stop at the first operand, which starts the
 *			command to run (required: "no command given", one
 *			line); the
 *			short options start with '+'
 * @CLI_OPERANDS_IGNORED: operands are ignored ("b4ns status", as it always
 *			did)
 * @CLI_SOCKET:		--socket=PATH ('s') is the daemon's socket, resolved
 *			(paths_daemon_socket(), default PATHS_XDG)
 * @CLI_SOCKET_HOST_UID: with CLI_SOCKET, the default is PATHS_HOST_UID
 * @CLI_SOCKET_IF_GIVEN: with CLI_SOCKET, no default: "" if not given
 * @CLI_EQUALS_ONLY:	the command parses its options itself, values only
 *			as --NAME=VALUE ("b4ns trace"; for the completion)
 */
enum cli_flags {
	CLI_NO_OPERANDS = 0,
	CLI_COMMAND = 1 << 0,
	CLI_OPERANDS_IGNORED = 1 << 1,
	CLI_SOCKET = 1 << 2,
	CLI_SOCKET_HOST_UID = 1 << 3,
	CLI_SOCKET_IF_GIVEN = 1 << 4,
	CLI_EQUALS_ONLY = 1 << 5,
};

/**
 * struct cli_cmd - a subcommand's options, for cli_parse()
 * @name:	as in its messages, "b4ns @name: ..."
 * @shortopts:	getopt_long()'s short options, "h" among them
 * @longopts:	its long options: "help" as 'h', "socket" as 's'
 * @flags:	enum cli_flags
 * @usage:	prints the usage text on the stream given
 * @opt:	takes option @c (not 'h', nor 's' with CLI_SOCKET) with its
 *		argument @arg (NULL if it has none) into @ctx; returns 0, or a
 *		negative errno with what is wrong with it in @err. NULL if
 *		there is no such option
 */
struct cli_cmd {
	const char *name;
	const char *shortopts;
	const struct option *longopts;
	unsigned int flags;
	void (*usage)(FILE *f);
	int (*opt)(int c, const char *arg, void *ctx, struct b4_error *err);
};

/**
 * struct cli_command - a subcommand of b4ns
 * @name:	as typed after "b4ns"
 * @fn:		its cmd_*() (argv[0] is @name)
 * @synopsis:	arguments, for the usage text
 * @help:	one line, for the usage text and its man page's NAME
 * @cmd:	its options (the tables are static in its file)
 * @also:	options it takes besides @cmd's and passes on ("b4ns trace"
 *		takes those of "b4ns run"), or NULL
 */
struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *help;
	const struct cli_cmd *(*cmd)(void);
	const struct cli_cmd *(*also)(void);
};

/* cli_commands - the subcommands, ending with a NULL @name: main.c
 * dispatches through it, cli_usage() and cli/doc.c write from it */
extern const struct cli_command cli_commands[];

/**
 * cli_usage() - print the usage text of b4ns itself
 * @f:		where
 */
void cli_usage(FILE *f);

/**
 * cli_run_cmd() - "b4ns run"'s options and usage (cli_parse())
 *
 * Return: its struct cli_cmd (cli/doc.c writes the man page and the
 * completion from it)
 */
const struct cli_cmd *cli_run_cmd(void);

/**
 * cli_daemon_cmd() - "b4ns daemon"'s options and usage (cli_parse())
 *
 * Return: its struct cli_cmd (cli/doc.c writes the man page and the
 * completion from it)
 */
const struct cli_cmd *cli_daemon_cmd(void);

/**
 * cli_trace_cmd() - "b4ns trace"'s own options and usage (the run options
 * it passes on are cli_run_cmd()'s)
 *
 * Return: its struct cli_cmd (cli/doc.c writes the man page and the
 * completion from it)
 */
const struct cli_cmd *cli_trace_cmd(void);

/**
 * cli_status_cmd() - "b4ns status"'s options and usage (cli_parse())
 *
 * Return: its struct cli_cmd (cli/doc.c writes the man page and the
 * completion from it)
 */
const struct cli_cmd *cli_status_cmd(void);

/**
 * cli_profile_cmd() - "b4ns profile"'s options and usage (cli_parse())
 *
 * Return: its struct cli_cmd (cli/doc.c writes the man page and the
 * completion from it)
 */
const struct cli_cmd *cli_profile_cmd(void);

/**
 * cli_hook_cmd() - "b4ns oci-hook"'s options and usage (cli_parse())
 *
 * Return: its struct cli_cmd (cli/doc.c writes the man page and the
 * completion from it)
 */
const struct cli_cmd *cli_hook_cmd(void);

/**
 * cli_doctor_cmd() - "b4ns doctor"'s options and usage (cli_parse())
 *
 * Return: its struct cli_cmd (cli/doc.c writes the man page and the
 * completion from it)
 */
const struct cli_cmd *cli_doctor_cmd(void);

/**
 * cmd_doc() - "b4ns __doc ...": the man pages and the bash completion
 * (hidden: the build runs it; cli/doc.c)
 * @argc:	arguments after "__doc" (argv[0] is "__doc")
 * @argv:	arguments
 *
 * Return: exit status: 0, 1 if a file cannot be written, 2 for bad usage
 */
int cmd_doc(int argc, char **argv);

/* cli_parse()'s return value when the command is to go on */
#define CLI_GO (-1)

/* The entries of a struct cli_cmd's @longopts that cli_parse() handles:
 * --socket=PATH (with CLI_SOCKET), and --help with the table's end */
#define CLI_OPT_SOCKET { "socket", required_argument, NULL, 's' }
#define CLI_OPT_HELP_END { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }

/* cli_socket_longopts - --socket=PATH and --help, for CLI_SOCKET commands
 * with no other option */
extern const struct option cli_socket_longopts[];

/**
 * cli_parse() - a subcommand's command line, option by option to @cmd->opt
 * @cmd:	the subcommand
 * @argc:	arguments (argv[0] is the subcommand's name)
 * @argv:	arguments
 * @ctx:	passed to @cmd->opt
 * @sock:	with CLI_SOCKET, the daemon's socket (PATHS_SOCK_MAX bytes),
 *		else NULL
 *
 * -h/--help prints the usage on stdout; an unknown option (or one missing
 * its value) is one line on stderr naming it, "see 'b4ns NAME --help'";
 * what @cmd->opt or paths_daemon_socket() refuses is printed as
 * "b4ns NAME: MESSAGE". With CLI_COMMAND the command starts at
 * argv[optind].
 *
 * Return: CLI_GO, or the exit status to return: 0 after --help, EXIT_USAGE
 */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, void *ctx,
	      char *sock);

/**
 * cli_fail() - print a usage error as "b4ns CMD: MESSAGE"
 * @cmd:	the subcommand's name
 * @err:	the message
 *
 * Return: EXIT_USAGE
 */
int cli_fail(const char *cmd, const struct b4_error *err);

/**
 * cli_log_level() - a --log-level=LEVEL option
 * @arg:	LEVEL
 * @lvl:	result
 * @err:	what is wrong with @arg
 *
 * Return: 0, or -EINVAL
 */
int cli_log_level(const char *arg, enum log_level *lvl, struct b4_error *err);

/**
 * cmd_run() - "b4ns run [OPTIONS] -- CMD [ARG...]" (launch/launch.c)
 * @argc:	arguments after "run" (argv[0] is "run")
 * @argv:	arguments
 *
 * Return: the container's exit status, EXIT_USAGE or EXIT_START
 */
int cmd_run(int argc, char **argv);

/**
 * cli_run_settings() - the effective settings of a "b4ns run" command line
 * @argc:	arguments ("run", its options, "--", the command)
 * @argv:	arguments
 * @daemon_ok:	accept --daemon (a running daemon's container is traced:
 *		its settings are those of the command line, the daemon's
 *		own section is not read)
 * @eff:	result: config file, its section, then the command line
 *
 * What "b4ns run" would run with (--daemon refused unless @daemon_ok: a
 * daemon's section is not known here). Bad options are printed as for
 * "b4ns run".
 *
 * Return: CLI_GO (optind at the command), or the exit status to return
 */
int cli_run_settings(int argc, char **argv, bool daemon_ok,
		     struct cfg_container *eff);

/**
 * cmd_trace() - "b4ns trace [OPTIONS] [RUN OPTIONS] -- CMD [ARG...]" or
 * "b4ns trace --pid=PID" (trace/trace.c, trace/report.c)
 * @argc:	arguments after "trace" (argv[0] is "trace")
 * @argv:	arguments
 *
 * Return: the workload's exit status (0 when attached), 1 if tracing
 * failed, EXIT_USAGE for bad options
 */
int cmd_trace(int argc, char **argv);

/**
 * cmd_profile() - "b4ns profile [--base=FILE] [--socket=PATH] [--metadata=STR]"
 * @argc:	arguments after "profile" (argv[0] is "profile")
 * @argv:	arguments
 *
 * Prints an OCI seccomp profile with b4ns's NOTIFY rules (oci/profile.c).
 *
 * Return: exit status: 0, 1 if the output cannot be written, 2 for bad
 * options or a base profile that cannot be used
 */
int cmd_profile(int argc, char **argv);

/**
 * cmd_oci_hook() - "b4ns oci-hook [--socket=PATH]", Podman's precreate hook
 * @argc:	arguments after "oci-hook" (argv[0] is "oci-hook")
 * @argv:	arguments
 *
 * Reads an OCI config on stdin and writes the config to use (oci/hook.c).
 *
 * Return: exit status: 0, 1 if the config is unusable or the daemon is not
 * running, 2 for bad options
 */
int cmd_oci_hook(int argc, char **argv);

/**
 * cmd_doctor() - "b4ns doctor [--socket=PATH]": check the host
 * @argc:	arguments after "doctor" (argv[0] is "doctor")
 * @argv:	arguments
 *
 * Return: exit status: 0 if every required check passed, 1 otherwise, 2 for
 * bad options
 */
int cmd_doctor(int argc, char **argv);

/**
 * cmd_daemon() - "b4ns daemon [OPTIONS]" (oci/daemon.c)
 * @argc:	arguments after "daemon" (argv[0] is "daemon")
 * @argv:	arguments
 *
 * Return: exit status: 0 when stopped by a signal, 1 on failure, 2 for bad
 * options or config file
 */
int cmd_daemon(int argc, char **argv);

/**
 * struct status_ctr - what the daemon's status says of one container
 * @pid:	its first process
 * @switching:	the daemon switches its sockets (mode "seccomp"; "off": it
 *		could not configure it, or b4ns.mode says so)
 * @origin:	the listener message its settings came from (annotations,
 *		metadata), parsed back; id "" if the daemon gives none
 * @config:	the daemon's config file as it names it, "" for the
 *		built-in defaults
 * @daemon_pid:	the daemon's pid (its config path may be relative to its
 *		working directory)
 */
struct status_ctr {
	pid_t pid;
	bool switching;
	struct oci_state origin;
	char config[PATH_MAX];
	pid_t daemon_pid;
};

/**
 * status_container_get() - container @id as the status of the daemon at
 * @sock shows it (what "b4ns status --json" prints)
 * @sock:	the daemon's socket (its control socket lies beside it)
 * @id:		container id ("run-PID" for "b4ns run --daemon")
 * @out:	result
 * @err:	why not: no daemon answers, no such container, ...
 *
 * Return: 0, or a negative errno
 */
int status_container_get(const char *sock, const char *id,
			 struct status_ctr *out, struct b4_error *err);

/**
 * cmd_status() - "b4ns status [--json] [--socket=PATH]"
 * @argc:	arguments after "status"
 * @argv:	arguments
 *
 * Return: exit status: 0, 1 if no daemon answers, 2 for bad options
 */
int cmd_status(int argc, char **argv);

#endif /* B4NS_CLI_H */
