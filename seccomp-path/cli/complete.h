/* SPDX-License-Identifier: GPL-2.0-or-later
 * complete.h - the bash completion of b4ns, written from the option tables
 * (cli/complete.c)
 */
#ifndef B4NS_COMPLETE_H
#define B4NS_COMPLETE_H

#include <stdio.h>

/**
 * complete_bash() - the bash completion script for b4ns
 * @out:	where
 *
 * Subcommands from cli_commands[], each one's options from the table
 * cli_parse() uses (and its @also table), option values from --help
 * ("none | slirp4netns | pasta"; FILE, PATH, SOCKET and DIR placeholders
 * complete file names), the command after "--" or the first operand of
 * commands that run one.
 *
 * Return: 0, or a negative errno
 */
int complete_bash(FILE *out);

#endif /* B4NS_COMPLETE_H */
