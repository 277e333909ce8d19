// SPDX-License-Identifier: GPL-2.0-or-later
/* man.c - the man pages of b4ns, in roff
 *
 * Theory of operation: nothing here is written twice. A subcommand's page
 * is its --help text (helptext_parse()) set in man(7) macros: the "Usage:"
 * lines are the SYNOPSIS, the prose before the first list the
 * DESCRIPTION, the lists (its options) OPTIONS, the prose after them NOTES,
 * an "Exit status" paragraph EXIT STATUS; an option of the table
 * cli_parse() uses that --help does not describe is still listed. b4ns(1)
 * is cli_usage() with cli_commands[] as COMMANDS. b4ns.conf(5) is the
 * annotated config/b4ns.conf.example: its header the DESCRIPTION, each
 * comment block the description of the settings after it (uncommented:
 * the defaults, commented out: examples), "# ---- TITLE (PROSE)" a
 * subsection;
 * a key of cfg.c's table the file does not show is listed bare.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli/cli.h"
#include "cli/helptext.h"
#include "cli/man.h"
#include "err.h"
#include "paths.h"

#define MAN_SOURCE "b4ns " B4NS_VERSION
#define MAN_MANUAL "b4ns manual"
/* at most this many keys in cfg.c's table */
#define MAN_CONF_KEYS 128

/* esc() - @n bytes of @s as roff text: '\' escaped, a '-' that starts a
 * word (an option) as a minus, a line starting with '.' or '\'' kept */
static void esc(FILE *o, const char *s, size_t n, bool line_start)
{
	for (size_t i = 0; i < n; i++) {
		if (line_start && i == 0 && (s[i] == '.' || s[i] == '\''))
			fputs("\\&", o);
		if (s[i] == '\\')
			fputs("\\e", o);
		else if (s[i] == '-' && (i == 0 || !isalnum((unsigned char)s[i - 1])))
			fputs("\\-", o);
		else
			fputc(s[i], o);
	}
}

/* subsection() - .SS with @n bytes of @s as its title */
static void subsection(FILE *o, const char *s, size_t n)
{
	fputs(".SS \"", o);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			fputs("\\(dq", o);
		else
			esc(o, s + i, 1, false);
	}
	fputs("\"\n", o);
}

/* lines() - @text's lines as roff text lines (indentation removed) */
static void lines(FILE *o, const char *text)
{
	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n");
		size_t sp = strspn(s, " ");

		if (sp < n) {
			esc(o, s + sp, n - sp, true);
			fputc('\n', o);
		}
		s += n + (s[n] == '\n');
	}
}

/* literal() - @text as lines kept as they are (an example) */
static void literal(FILE *o, const char *text)
{
	fputs(".PP\n.RS 4\n.nf\n", o);
	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n");

		esc(o, s, n, true);
		fputc('\n', o);
		s += n + (s[n] == '\n');
	}
	fputs(".fi\n.RE\n", o);
}

/* head() - an entry's option forms: names bold, placeholders italic */
static void head(FILE *o, const char *h)
{
	bool name = true;

	fputs(".TP\n", o);
	for (const char *s = h; *s; s++) {
		bool upper = isupper((unsigned char)*s);

		if (*s == '-' && (s == h || s[-1] == ' '))
			name = true;
		if (name && (*s == '=' || *s == '[' || *s == ','))
			name = false;
		if ((name && (s == h || s[-1] == ' ')) ||
		    (upper && (s == h || !isupper((unsigned char)s[-1]))))
			fputs(name ? "\\fB" : "\\fI", o);
		esc(o, s, 1, s == h);
		if ((name && (!s[1] || strchr("=[, ", s[1]))) ||
		    (!name && upper && !isupper((unsigned char)s[1])))
			fputs("\\fR", o);
	}
	fputc('\n', o);
}

/* title() - .TH and NAME */
static void title(FILE *o, const char *page, const char *sec,
		  const char *name, const char *what)
{
	fputs(".TH ", o);
	for (const char *s = page; *s; s++)
		fputc(*s == '-' ? '-' : toupper((unsigned char)*s), o);
	/* options and paths are not to be hyphenated, nor spread out */
	fprintf(o, " %s \"\" \"%s\" \"%s\"\n.nh\n.ad l\n.SH NAME\n", sec,
		MAN_SOURCE, MAN_MANUAL);
	esc(o, name, strlen(name), true);
	fputs(" \\- ", o);
	esc(o, what, strlen(what), false);
	fputc('\n', o);
}

/* synopsis() - the "Usage:" lines, "b4ns NAME" bold */
static void synopsis(FILE *o, const struct helptext *h)
{
	fputs(".SH SYNOPSIS\n.nf\n", o);
	for (size_t i = 0; i < h->n; i++) {
		const char *t = h->items[i].text;
		size_t n = strcspn(t, " ");

		if (h->items[i].kind != HELP_SYNOPSIS)
			continue;
		/* the command and its subcommand: the words in lower case */
		if (t[n] == ' ' && islower((unsigned char)t[n + 1]))
			n += 1 + strcspn(t + n + 1, " ");
		fputs("\\fB", o);
		esc(o, t, n, false);
		fputs("\\fR", o);
		esc(o, t + n, strlen(t + n), false);
		fputc('\n', o);
	}
	fputs(".fi\n", o);
}

/* is_exit() - is @it the paragraph on exit statuses? */
static bool is_exit(const struct help_item *it)
{
	return it->kind == HELP_PARA && !strncmp(it->text, "Exit status", 11);
}

/* prose() - the paragraphs of @h before the first list (@after false) or
 * after it (not the exit status), under section @sec if there are any */
static void prose(FILE *o, const struct helptext *h, bool after,
		  const char *sec)
{
	bool listed = false, any = false, para = false;

	for (size_t i = 0; i < h->n; i++) {
		const struct help_item *it = &h->items[i];

		listed = listed || it->kind == HELP_HEADING;
		if (listed != after || is_exit(it) ||
		    (it->kind != HELP_PARA && it->kind != HELP_LITERAL)) {
			para = false;
			continue;
		}
		if (!any)
			fprintf(o, ".SH %s\n", sec);
		any = true;
		if (it->kind == HELP_LITERAL) {
			literal(o, it->text);
		} else {
			/* prose right after an example goes on the paragraph */
			if (!para)
				fputs(".PP\n", o);
			lines(o, it->text);
		}
		para = it->kind == HELP_LITERAL;
	}
}

/* options() - the lists of @h (the first one's heading is OPTIONS; the
 * lists under @skip are left out), then the options of @cmd that no entry
 * describes */
static void options(FILE *o, const struct helptext *h,
		    const struct cli_cmd *cmd, const char *skip)
{
	bool first = true, skipping = false;

	for (size_t i = 0; i < h->n; i++) {
		const struct help_item *it = &h->items[i];

		if (it->kind == HELP_HEADING) {
			skipping = skip && !strcmp(it->text, skip);
			if (skipping)
				continue;
			if (first)
				fputs(".SH OPTIONS\n", o);
			else
				subsection(o, it->text, strlen(it->text));
			first = false;
		} else if (it->kind == HELP_ENTRY && !skipping) {
			head(o, it->head);
			lines(o, it->text);
		}
	}
	for (const struct option *opt = cmd ? cmd->longopts : NULL;
	     opt && opt->name; opt++) {
		char form[128];

		if (helptext_find(h, opt->name, NULL, 0))
			continue;
		if (first)
			fputs(".SH OPTIONS\n", o);
		first = false;
		snprintf(form, sizeof(form), "--%s%s", opt->name,
			 opt->has_arg == required_argument ? "=VALUE" :
			 opt->has_arg == optional_argument ? "[=VALUE]" : "");
		head(o, form);
	}
}

/* exit_status() - the "Exit status" paragraph of @h, if any */
static void exit_status(FILE *o, const struct helptext *h)
{
	for (size_t i = 0; i < h->n; i++) {
		if (!is_exit(&h->items[i]))
			continue;
		const char *t = h->items[i].text + 11;

		/* "Exit status: 0, ...": the heading says the first words */
		if (*t == ':')
			t += 1 + strspn(t + 1, " \n");
		else
			t = h->items[i].text;
		fputs(".SH EXIT STATUS\n", o);
		lines(o, t);
	}
}

/* see_also() - the other pages, but @self */
static void see_also(FILE *o, const char *self)
{
	bool main_page = !strcmp(self, "b4ns"), first = true;

	fputs(".SH SEE ALSO\n", o);
	if (!main_page) {
		fputs(".BR b4ns (1)", o);
		first = false;
	}
	/* b4ns(1) names every page, the others b4ns-run(1) */
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		if (!strcmp(c->name, self) ||
		    (!main_page && strcmp(c->name, "run") != 0))
			continue;
		fprintf(o, "%s\n.BR b4ns\\-%s (1)", first ? "" : ",", c->name);
		first = false;
	}
	if (strcmp(self, "b4ns.conf") != 0)
		fprintf(o, "%s\n.BR b4ns.conf (5)", first ? "" : ",");
	fputs(",\n.BR podman (1)\n", o);
}

int man_command(FILE *out, const struct cli_command *c)
{
	const struct cli_cmd *cmd = c->cmd();
	struct helptext h;
	char page[64];
	int rc;

	rc = helptext_parse(cmd->usage, &h);
	if (rc)
		return rc;
	snprintf(page, sizeof(page), "b4ns-%s", c->name);
	title(out, page, "1", page, c->help);
	synopsis(out, &h);
	prose(out, &h, false, "DESCRIPTION");
	options(out, &h, cmd, NULL);
	prose(out, &h, true, "NOTES");
	exit_status(out, &h);
	see_also(out, c->name);
	helptext_free(&h);
	return ferror(out) ? -EIO : 0;
}

int man_main(FILE *out)
{
	struct helptext h;
	int rc = helptext_parse(cli_usage, &h);

	if (rc)
		return rc;
	title(out, "b4ns", "1", "b4ns",
	      "host-speed networking for rootless containers");
	synopsis(out, &h);
	prose(out, &h, false, "DESCRIPTION");
	fputs(".PP\n"
	      "\\fBb4ns run\\fR is a network-accelerating wrapper, not a full "
	      "container runtime: for images, mounts and the rest, run the "
	      "container with Podman and let \\fBb4ns daemon\\fR serve it "
	      "(\\fBb4ns oci\\-hook\\fR).\n"
	      ".SH COMMANDS\n", out);
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		fprintf(out, ".TP\n\\fBb4ns %s\\fR ", c->name);
		esc(out, c->synopsis, strlen(c->synopsis), false);
		fputc('\n', out);
		esc(out, c->help, strlen(c->help), true);
		fprintf(out, "; see\n.BR b4ns\\-%s (1).\n", c->name);
	}
	options(out, &h, NULL, "Commands");
	fputs(".SH FILES\n"
	      ".TP\n\\fI$XDG_CONFIG_HOME/" PATHS_CONFIG_REL "\\fR, \\fI"
	      PATHS_CONFIG_SYSTEM "\\fR\n"
	      "the configuration file, the first that exists (see\n"
	      ".BR b4ns.conf (5))\n"
	      ".TP\n\\fI$XDG_RUNTIME_DIR/b4ns/" PATHS_DAEMON_SOCK "\\fR\n"
	      "the socket of \\fBb4ns daemon\\fR; \\fI" PATHS_CTL_SOCK
	      "\\fR beside it serves \\fBb4ns status\\fR\n", out);
	see_also(out, "b4ns");
	helptext_free(&h);
	return ferror(out) ? -EIO : 0;
}

/**
 * struct conf_entry - the settings after one comment block
 * @desc:	the comment block, "# " removed, lines joined by '\n'
 * @keys:	the keys set, joined by ", "
 * @defaults:	the settings not commented out (the defaults)
 * @examples:	the commented-out ones (examples), '#' removed
 */
struct conf_entry {
	char desc[4096];
	char keys[256];
	char defaults[1024];
	char examples[4096];
};

/* cat() - @n bytes of @s, then @sep, onto the string @dst of @len bytes */
static void cat(char *dst, size_t len, const char *s, size_t n,
		const char *sep)
{
	size_t used = strlen(dst);

	snprintf(dst + used, len - used, "%.*s%s", (int)n, s, sep);
}

/* setting() - is @line "KEY = ..." or "#KEY = ..."? @key gets KEY */
static bool setting(const char *line, char *key, size_t len)
{
	const char *s = line + (line[0] == '#');
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");

	if (!n || strncmp(s + n, " = ", 3) != 0)
		return false;
	snprintf(key, len, "%.*s", (int)n, s);
	return true;
}

/* conf_text() - a comment block: prose as text lines, lines indented
 * after "# " (a list of values) kept as they are */
static void conf_text(FILE *o, const char *desc)
{
	bool lit = false;

	for (const char *s = desc; *s;) {
		size_t n = strcspn(s, "\n");
		bool indented = s[0] == ' ';

		if (indented != lit)
			fputs(indented ? ".nf\n" : ".fi\n", o);
		lit = indented;
		if (!n && !lit)
			fputs(".IP\n", o);
		else
			esc(o, s, n, true);
		if (n || lit)
			fputc('\n', o);
		s += n + (s[n] == '\n');
	}
	if (lit)
		fputs(".fi\n", o);
}

/* conf_entry() - one entry of SETTINGS */
static void conf_entry(FILE *o, const struct conf_entry *e)
{
	fputs(".TP\n", o);
	for (const char *s = e->keys; *s;) {
		size_t n = strcspn(s, ",");

		fputs("\\fB", o);
		esc(o, s, n, true);
		fputs(s[n] ? "\\fR, " : "\\fR\n", o);
		s += n + (s[n] ? 2 : 0);
	}
	conf_text(o, e->desc);
	/* each default as "Default: VALUE" */
	for (const char *s = e->defaults; *s;) {
		size_t n = strcspn(s, "\n");
		const char *v = strstr(s, " = ");

		if (v && v < s + n) {
			size_t len = (size_t)(s + n - v) - 3;

			if (len && v[3 + len - 1] == ';')
				len--;
			fputs(".IP\nDefault", o);
			if (strchr(e->keys, ','))
				fprintf(o, " of %.*s", (int)(v - s), s);
			fputs(": \\fB", o);
			esc(o, v + 3, len, false);
			fputs("\\fR\n", o);
		}
		s += n + (s[n] == '\n');
	}
	if (e->examples[0]) {
		fputs(".IP\n.nf\n", o);
		for (const char *s = e->examples; *s;) {
			size_t n = strcspn(s, "\n");

			fputs("  ", o);
			esc(o, s, n, false);
			fputc('\n', o);
			s += n + (s[n] == '\n');
		}
		fputs(".fi\n", o);
	}
}

/* conf_title() - a comment block starting "---- TITLE" opens a
 * subsection: TITLE runs to " (" or the end of the line, the parenthesis
 * (to its closing one) is the subsection's prose. Return: the rest of
 * @desc, the description of the settings after it */
static const char *conf_title(FILE *o, const char *desc)
{
	const char *t = desc + 5, *eol = t + strcspn(t, "\n");
	const char *paren = strstr(t, " (");
	int depth = 0;
	const char *p;

	if (!paren || paren > eol) {
		subsection(o, t, (size_t)(eol - t));
		return eol + (*eol == '\n');
	}
	subsection(o, t, (size_t)(paren - t));
	for (p = paren + 1; *p; p++) {
		depth += (*p == '(') - (*p == ')');
		if (!depth)
			break;
	}
	fputs(".PP\n", o);
	/* the prose without its parentheses, as lines */
	for (const char *s = paren + 2; s < p;) {
		size_t n = strcspn(s, "\n");

		if (s + n > p)
			n = (size_t)(p - s);
		esc(o, s, n, true);
		fputc('\n', o);
		s += n + (s[n] == '\n');
	}
	p += *p == ')';
	return p + strspn(p, "\n");
}

/* conf_flush() - the entry or comment block gathered in @e, then @e
 * emptied: settings with their description (after the title a "---- "
 * line opens), or prose */
static void conf_flush(FILE *o, struct conf_entry *e)
{
	size_t k = strlen(e->keys), d = strlen(e->desc);
	const char *desc = e->desc;

	if (d && e->desc[d - 1] == '\n')
		e->desc[d - 1] = '\0';
	if (!strncmp(desc, "---- ", 5))
		desc = conf_title(o, desc);
	if (k >= 2) {
		e->keys[k - 2] = '\0';
		memmove(e->desc, desc, strlen(desc) + 1);
		conf_entry(o, e);
	} else if (*desc) {
		fputs(".PP\n", o);
		conf_text(o, desc);
	}
	memset(e, 0, sizeof(*e));
}

/* conf_body() - DESCRIPTION and SETTINGS from the example file @f; the
 * keys shown are marked in @shown (by cfg_key_name() index) */
static void conf_body(FILE *o, FILE *f, bool *shown, size_t nkeys)
{
	struct conf_entry e;
	char line[1024], key[64];
	bool header = true, first = true, in_group = false;

	memset(&e, 0, sizeof(e));
	fputs(".SH DESCRIPTION\n.PP\n", o);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		line[n] = '\0';
		if (header) {
			/* the file's own first line names the file: left out */
			if (first) {
				first = false;
			} else if (!n) {
				header = false;
				fputs(".SH SETTINGS\n", o);
			} else if (n == 1) {
				fputs(".PP\n", o);
			} else {
				esc(o, line + 2, n - 2, true);
				fputc('\n', o);
			}
			continue;
		}
		if (in_group) {
			/* a group's example runs to its closing brace */
			cat(e.examples, sizeof(e.examples), line + (n > 0),
			    n ? n - 1 : 0, "\n");
			in_group = strcmp(line, "#};") != 0;
		} else if (setting(line, key, sizeof(key))) {
			for (size_t i = 0; i < nkeys; i++)
				shown[i] = shown[i] ||
					   !strcmp(cfg_key_name((unsigned int)i), key);
			cat(e.keys, sizeof(e.keys), key, strlen(key), ", ");
			if (line[0] != '#')
				cat(e.defaults, sizeof(e.defaults), line, n, "\n");
			else
				cat(e.examples, sizeof(e.examples), line + 1,
				    n - 1, "\n");
			in_group = line[0] == '#' && line[n - 1] == '{';
		} else if (!n) {
			conf_flush(o, &e);
		} else if (line[0] == '#') {
			if (e.keys[0])
				conf_flush(o, &e);
			cat(e.desc, sizeof(e.desc), line + (n > 1 ? 2 : 1),
			    n > 1 ? n - 2 : 0, "\n");
		}
	}
	conf_flush(o, &e);
}

int man_conf(FILE *out, const char *example, struct b4_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(example, "re");
	bool shown[MAN_CONF_KEYS] = { false };
	size_t nkeys = 0;

	if (!f)
		return b4_error_set(err, -errno, "%s: %s", example,
				    strerror(errno));
	while (cfg_key_name((unsigned int)nkeys))
		nkeys++;
	if (nkeys > MAN_CONF_KEYS)
		return b4_error_set(err, -E2BIG, "more than %d config keys",
				    MAN_CONF_KEYS);
	title(out, "b4ns.conf", "5", "b4ns.conf",
	      "configuration file of b4ns run and b4ns daemon");
	fputs(".SH SYNOPSIS\n.nf\n\\fI$XDG_CONFIG_HOME/" PATHS_CONFIG_REL
	      "\\fR\n\\fI" PATHS_CONFIG_SYSTEM "\\fR\n.fi\n", out);
	conf_body(out, f, shown, nkeys);
	for (size_t i = 0; i < nkeys; i++) {
		if (!shown[i])
			fprintf(out, ".TP\n\\fB%s\\fR\n", cfg_key_name((unsigned int)i));
	}
	see_also(out, "b4ns.conf");
	if (ferror(out))
		return b4_error_set(err, -EIO, "cannot write the man page");
	return 0;
}
