/* SPDX-License-Identifier: GPL-2.0-or-later
 * cli.h - the b4ns subcommands
 */
#ifndef B4NS_CLI_H
#define B4NS_CLI_H

/* Exit statuses of b4ns itself (a container's own status passes through) */
#define EXIT_USAGE 2	/* bad flags or configuration */
#define EXIT_START 125	/* b4ns could not start the container */

/**
 * cmd_run() - "b4ns run [OPTIONS] -- CMD [ARG...]"
 * @argc:	arguments after "run" (argv[0] is "run")
 * @argv:	arguments
 *
 * Return: exit status for main()
 */
int cmd_run(int argc, char **argv);

#endif /* B4NS_CLI_H */
