// SPDX-License-Identifier: GPL-2.0-or-later
/* helptext.c - a usage text read back in pieces
 *
 * Theory of operation: every subcommand's --help text follows one layout
 * (the cli/ files): "Usage: b4ns ..." lines, paragraphs of prose in the first
 * column, lists under a heading line ending in ':' whose entries start
 * with their option forms indented by 2 or 6 columns and continue on lines
 * indented deeper, and blank lines between. helptext_parse() runs the
 * printer into memory and cuts its output along that layout, so that the
 * man pages and the completion (cli/doc.c) say exactly what --help says,
 * and a test can check that --help documents every option of the table
 * the parser uses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/helptext.h"
#include "err.h"

/* a list entry's options are indented less than this, its text more */
#define HELP_TEXT_INDENT 8

/* add() - a new item of @kind with @text (and @head): 0 or -ENOMEM */
static int add(struct helptext *h, enum help_kind kind, const char *head,
	       size_t headlen, const char *text)
{
	struct help_item *items = realloc(h->items,
					  (h->n + 1) * sizeof(*items));
	struct help_item *it;

	if (!items)
		return -ENOMEM;
	h->items = items;
	it = &items[h->n];
	it->kind = kind;
	it->head = head ? strndup(head, headlen) : NULL;
	it->text = strdup(text);
	if (!it->text || (head && !it->head)) {
		free(it->head);
		free(it->text);
		return -ENOMEM;
	}
	h->n++;
	return 0;
}

/* append() - @text onto the last item's text after @sep: 0 or -ENOMEM */
static int append(struct helptext *h, char sep, const char *text)
{
	struct help_item *it = &h->items[h->n - 1];
	size_t old = strlen(it->text);
	char *s = realloc(it->text, old + strlen(text) + 2);

	if (!s)
		return -ENOMEM;
	if (old)
		s[old++] = sep;
	strcpy(s + old, text);
	it->text = s;
	return 0;
}

/* entry() - a list entry's first line @body into a HELP_ENTRY: its forms
 * ("-p, --publish=SPEC", comma-separated) up to the first word that is
 * not one, the rest its text. Return: 0 or -ENOMEM */
static int entry(struct helptext *h, const char *body)
{
	const char *p = body, *end = body;

	while (*p == '-') {
		const char *q = p + strcspn(p, " ");

		end = q;
		if (q[-1] != ',')
			break;
		end = q - 1;
		p = q + strspn(q, " ");
	}
	p = end + strspn(end, " ,");
	return add(h, HELP_ENTRY, body, (size_t)(end - body), p);
}

/* line() - one line of the text into @h, @state the kind of the line
 * before (-1: a blank one), @list whether a list runs. Return: 0 or
 * -ENOMEM */
static int line(struct helptext *h, char *s, int *state, bool *list)
{
	size_t indent = strspn(s, " "), len = strlen(s);
	const char *body = s + indent;

	while (len && s[len - 1] == ' ')
		s[--len] = '\0';
	if (!*body) {
		*state = -1;
		*list = false;
		return 0;
	}
	if (!indent && !strncmp(s, "Usage: ", 7)) {
		*state = HELP_SYNOPSIS;
		return add(h, HELP_SYNOPSIS, NULL, 0, s + 7);
	}
	if (*state == HELP_SYNOPSIS && indent)
		return strncmp(body, "b4ns ", 5) ?
		       append(h, ' ', body) :
		       add(h, HELP_SYNOPSIS, NULL, 0, body);
	if (*list && indent) {
		if (indent < HELP_TEXT_INDENT || *state != HELP_ENTRY) {
			*state = HELP_ENTRY;
			return entry(h, body);
		}
		return append(h, '\n', body);
	}
	*list = false;
	if (!indent && *state == -1 && s[len - 1] == ':') {
		*state = HELP_HEADING;
		*list = true;
		s[len - 1] = '\0';
		return add(h, HELP_HEADING, NULL, 0, s);
	}
	if (!indent) {
		if (*state == HELP_PARA)
			return append(h, '\n', s);
		*state = HELP_PARA;
		return add(h, HELP_PARA, NULL, 0, s);
	}
	/* indented lines in prose: an example, kept as it is after 2 columns */
	body = s + (indent < 2 ? indent : 2);
	if (*state == HELP_LITERAL)
		return append(h, '\n', body);
	*state = HELP_LITERAL;
	return add(h, HELP_LITERAL, NULL, 0, body);
}

int helptext_parse(void (*usage)(FILE *f), struct helptext *h)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	char *save = NULL;
	int state = -1;
	bool list = false;

	h->items = NULL;
	h->n = 0;
	if (!f)
		return -ENOMEM;
	usage(f);
	if (fclose(f) || !buf)
		return -ENOMEM;
	/* strtok_r() would join blank lines: cut at each '\n' by hand */
	for (char *s = buf; s; s = save) {
		char *nl = strchr(s, '\n');
		int rc;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		else if (!*s)
			break;
		rc = line(h, s, &state, &list);
		if (rc) {
			helptext_free(h);
			return rc;
		}
	}
	return 0;
}

void helptext_free(struct helptext *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->items[i].head);
		free(h->items[i].text);
	}
	free(h->items);
	h->items = NULL;
	h->n = 0;
}

/* form_arg() - does @head name --@name? Its argument placeholder (without
 * '=' and brackets) into @arg. Return: true if it does */
static bool form_arg(const char *head, const char *name, char *arg,
		     size_t arglen)
{
	size_t n = strlen(name);

	for (const char *p = strstr(head, "--"); p; p = strstr(p + 2, "--")) {
		const char *a = p + 2 + n;
		size_t alen;

		if ((p != head && p[-1] != ' ') || strncmp(p + 2, name, n) != 0 ||
		    (*a && !strchr("=[,", *a)))
			continue;
		a += strspn(a, "[=");
		alen = strcspn(a, ",");
		while (alen && a[alen - 1] == ']')
			alen--;
		if (arg)
			snprintf(arg, arglen, "%.*s", (int)alen, a);
		return true;
	}
	return false;
}

const struct help_item *helptext_find(const struct helptext *h,
				      const char *name, char *arg,
				      size_t arglen)
{
	for (size_t i = 0; i < h->n; i++) {
		if (h->items[i].kind == HELP_ENTRY &&
		    form_arg(h->items[i].head, name, arg, arglen))
			return &h->items[i];
	}
	return NULL;
}

void helptext_choices(const struct help_item *item, char *out, size_t len)
{
	const char *p = item->text;
	size_t n = 0;
	int words = 0;

	out[0] = '\0';
	for (;;) {
		size_t w = 0;

		while (islower((unsigned char)p[w]) || isdigit((unsigned char)p[w]) ||
		       (w && p[w] == '-'))
			w++;
		if (!w || n + w + 2 > len)
			break;
		memcpy(out + n, p, w);
		n += w;
		out[n] = '\0';
		words++;
		p += w;
		if (strncmp(p, " | ", 3) != 0)
			break;
		out[n++] = ' ';
		out[n] = '\0';
		p += 3;
	}
	/* one word is prose ("this text"), and so is a list cut short */
	if (words < 2 || out[n - 1] == ' ')
		out[0] = '\0';
}
