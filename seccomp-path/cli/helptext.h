/* SPDX-License-Identifier: GPL-2.0-or-later
 * helptext.h - a subcommand's usage text (what --help prints), read back
 * as synopsis, paragraphs and option entries for the man pages and the
 * shell completion (cli/doc.c)
 */
#ifndef B4NS_HELPTEXT_H
#define B4NS_HELPTEXT_H

#include <stddef.h>
#include <stdio.h>

/**
 * enum help_kind - what a piece of a usage text is
 * @HELP_SYNOPSIS:	a "Usage: b4ns ..." line (or one below it), without
 *			"Usage: "
 * @HELP_PARA:		a paragraph of prose
 * @HELP_LITERAL:	indented lines inside prose (an example command)
 * @HELP_HEADING:	a line ending in ':' that starts a list ("Options:")
 * @HELP_ENTRY:		an entry of that list: @head is "-p, --publish=SPEC",
 *			@text its description
 */
enum help_kind {
	HELP_SYNOPSIS,
	HELP_PARA,
	HELP_LITERAL,
	HELP_HEADING,
	HELP_ENTRY,
};

/**
 * struct help_item - one piece of a usage text
 * @kind:	enum help_kind
 * @head:	HELP_ENTRY: its option forms ("-p, --publish=SPEC"); else NULL
 * @text:	the text, lines joined by '\n' (indentation removed)
 */
struct help_item {
	enum help_kind kind;
	char *head;
	char *text;
};

/**
 * struct helptext - a usage text, in pieces
 * @items:	in the order of the text
 * @n:		entries in @items
 */
struct helptext {
	struct help_item *items;
	size_t n;
};

/**
 * helptext_parse() - what @usage prints, in pieces
 * @usage:	a struct cli_cmd's usage printer (or cli_usage())
 * @h:		result, helptext_free() it
 *
 * A line in the first column ending in ':' after a blank line (or at the
 * start) is a heading and starts a list: its lines indented
 * less than 8 columns start an entry, deeper ones continue its
 * description. Blank lines end paragraphs and lists.
 *
 * Return: 0, or -ENOMEM
 */
int helptext_parse(void (*usage)(FILE *f), struct helptext *h);

/**
 * helptext_free() - free what helptext_parse() made
 * @h:		the text
 */
void helptext_free(struct helptext *h);

/**
 * helptext_find() - the entry documenting --@name
 * @h:		the text
 * @name:	a long option's name
 * @arg:	result: its argument's placeholder ("SPEC", "SOCKET" of
 *		"[=SOCKET]"), "" if none; NULL if not wanted
 * @arglen:	size of @arg
 *
 * Return: the entry, or NULL if the text does not document --@name
 */
const struct help_item *helptext_find(const struct helptext *h,
				      const char *name, char *arg,
				      size_t arglen);

/**
 * helptext_choices() - the values an entry's description starts with as
 * "a | b | c" (at least two words of [a-z0-9-])
 * @item:	a HELP_ENTRY
 * @out:	result: the words separated by spaces, "" if none
 * @len:	size of @out
 */
void helptext_choices(const struct help_item *item, char *out, size_t len);

#endif /* B4NS_HELPTEXT_H */
