/* SPDX-License-Identifier: GPL-2.0-or-later
 * cli.h - the b4ns subcommands: one file each in cli/, options and usage
 * only; main.c's commands[] dispatches to them
 */
#ifndef B4NS_CLI_H
#define B4NS_CLI_H

/* Exit statuses of b4ns itself (a container's own status passes through) */
#define EXIT_USAGE 2	/* bad flags or configuration */
#define EXIT_START 125	/* b4ns could not start the container */

/**
 * cmd_run() - "b4ns run [OPTIONS] -- CMD [ARG...]" (launch/launch.c)
 * @argc:	arguments after "run" (argv[0] is "run")
 * @argv:	arguments
 *
 * Return: the container's exit status, EXIT_USAGE or EXIT_START
 */
int cmd_run(int argc, char **argv);

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
 * cmd_status() - "b4ns status [--json] [--socket=PATH]"
 * @argc:	arguments after "status"
 * @argv:	arguments
 *
 * Return: exit status: 0, 1 if no daemon answers, 2 for bad options
 */
int cmd_status(int argc, char **argv);

#endif /* B4NS_CLI_H */
