/* SPDX-License-Identifier: GPL-2.0-or-later
 * man.h - the man pages of b4ns, written from what --help says and from
 * the annotated config file (cli/man.c)
 */
#ifndef B4NS_MAN_H
#define B4NS_MAN_H

#include <stdio.h>

#include "cli/cli.h"
#include "err.h"

/**
 * man_command() - the man page b4ns-NAME(1) of a subcommand, in roff
 * @out:	where
 * @c:		the subcommand
 *
 * Its usage text gives SYNOPSIS, DESCRIPTION, OPTIONS, NOTES and EXIT
 * STATUS; an option of its table that the text does not describe is listed
 * bare under OPTIONS.
 *
 * Return: 0, or a negative errno
 */
int man_command(FILE *out, const struct cli_command *c);

/**
 * man_main() - the man page b4ns(1), in roff: cli_usage(), the commands
 * of cli_commands[], the files
 * @out:	where
 *
 * Return: 0, or a negative errno
 */
int man_main(FILE *out);

/**
 * man_conf() - the man page b4ns.conf(5), in roff, from the annotated
 * example file: its comments describe the keys, its settings are the
 * defaults (commented out: examples); a key of cfg_key_name() the file
 * does not show is listed bare
 * @out:	where
 * @example:	config/b4ns.conf.example
 * @err:	why not
 *
 * Return: 0, or a negative errno
 */
int man_conf(FILE *out, const char *example, struct b4_error *err);

#endif /* B4NS_MAN_H */
