// SPDX-License-Identifier: GPL-2.0-or-later
/* test_doc.c - the man pages and the completion say what the parser takes:
 * every long option of every subcommand's table is described by its
 * --help, listed in its man page and offered by the completion; every key
 * of cfg.c's table is in b4ns.conf(5); and the usage-text reader cuts a
 * text where the layout says */
#include <criterion/criterion.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli/cli.h"
#include "cli/complete.h"
#include "cli/helptext.h"
#include "cli/man.h"

/* man_of() - the page of @c (NULL: b4ns.1); free() it */
static char *man_of(const struct cli_command *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(c ? man_command(f, c) : man_main(f), 0);
	fclose(f);
	return buf;
}

/* roff() - --@name as a man page's option list writes it ("\-\-a\-b") */
static void roff(char *out, size_t len, const char *name)
{
	size_t n = (size_t)snprintf(out, len, "\\-\\-");

	for (const char *s = name; *s && n + 3 < len; s++) {
		if (*s == '-')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
}

Test(doc, help_describes_every_option_of_every_table)
{
	int cmds = 0;

	for (const struct cli_command *c = cli_commands; c->name; c++) {
		const struct cli_cmd *cmd = c->cmd();
		struct helptext h;
		int opts = 0;

		cr_assert_eq(helptext_parse(cmd->usage, &h), 0);
		for (const struct option *o = cmd->longopts; o->name; o++, opts++)
			cr_expect_not_null(helptext_find(&h, o->name, NULL, 0),
					   "'b4ns %s --help' does not describe --%s",
					   c->name, o->name);
		cr_expect_geq(opts, 2, "%s: %d options", c->name, opts);
		helptext_free(&h);
		cmds++;
	}
	cr_assert_geq(cmds, 7);
}

Test(doc, man_page_lists_every_option_of_its_table)
{
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		char *page = man_of(c);
		char want[128];

		snprintf(want, sizeof(want), ".TH B4NS-%s 1", c->name);
		for (char *s = want + 9; *s; s++)
			*s = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		cr_expect_not_null(strstr(page, want), "%s: no '%s'", c->name, want);
		for (const struct option *o = c->cmd()->longopts; o->name; o++) {
			roff(want, sizeof(want), o->name);
			cr_expect_not_null(strstr(page, want), "b4ns-%s.1 lacks %s",
					   c->name, want);
		}
		free(page);
	}
}

Test(doc, main_page_lists_every_command)
{
	char *page = man_of(NULL);

	for (const struct cli_command *c = cli_commands; c->name; c++) {
		char want[64];

		snprintf(want, sizeof(want), "\\fBb4ns %s\\fR", c->name);
		cr_expect_not_null(strstr(page, want), "b4ns.1 lacks %s", c->name);
		snprintf(want, sizeof(want), ".BR b4ns\\-%s (1)", c->name);
		cr_expect_not_null(strstr(page, want), "b4ns.1 lacks %s", want);
	}
	free(page);
}

/* an option only the table has: listed bare, not lost */
static void undocumented_usage(FILE *f)
{
	fputs("Usage: b4ns x [--a]\n\nDo x.\n\nOptions:\n"
	      "      --a        a thing\n", f);
}

static const struct option undocumented_opts[] = {
	{ "a", no_argument, NULL, 'a' },
	{ "secret-thing", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_cmd undocumented_cmd = {
	.name = "x", .shortopts = "", .longopts = undocumented_opts,
	.usage = undocumented_usage,
};

static const struct cli_cmd *undocumented(void)
{
	return &undocumented_cmd;
}

Test(doc, option_missing_from_help_is_still_in_the_page)
{
	const struct cli_command c = { "x", NULL, "", "do x", undocumented, NULL };
	char *page = man_of(&c);

	cr_assert_not_null(strstr(page, "\\fB\\-\\-secret\\-thing\\fR=\\fIVALUE\\fR"),
			   "%s", page);
	free(page);
}

Test(doc, completion_offers_every_option_and_command)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(complete_bash(f), 0);
	fclose(f);
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		const struct cli_cmd *tables[] = { c->cmd(), c->also ? c->also() : NULL };
		char var[64], *line, *end;

		snprintf(var, sizeof(var), "\n_b4ns_opts_%s='", c->name);
		for (char *s = var; *s; s++)
			*s = *s == '-' ? '_' : *s;
		line = strstr(buf, var);
		cr_assert_not_null(line, "no %s", var + 1);
		end = strchr(line + strlen(var), '\'');
		cr_assert_not_null(end);
		*end = '\0';
		for (size_t t = 0; t < 2 && tables[t]; t++) {
			for (const struct option *o = tables[t]->longopts; o->name; o++) {
				char w1[80], w2[80];

				snprintf(w1, sizeof(w1), " --%s ", o->name);
				snprintf(w2, sizeof(w2), " --%s= ", o->name);
				cr_expect(strstr(line, w1) || strstr(line, w2),
					  "%s: --%s not offered", c->name, o->name);
			}
		}
		*end = '\'';
		snprintf(var, sizeof(var), " %s", c->name);
		cr_expect_not_null(strstr(buf, var));
	}
	cr_expect_not_null(strstr(buf, "_b4ns_vals_run___net='none slirp4netns pasta'"));
	cr_expect_not_null(strstr(buf, "_b4ns_vals_run___mode='seccomp preload auto off'"));
	cr_expect_not_null(strstr(buf, "_b4ns_vals_daemon___config='@file'"));
	cr_expect_not_null(strstr(buf, "complete -F _b4ns b4ns"));
	free(buf);
}

Test(doc, conf_page_shows_every_key)
{
	struct b4_error err = { "" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int keys = 0;

	cr_assert_eq(man_conf(f, B4NS_SOURCE_DIR "/config/b4ns.conf.example",
			      &err), 0, "%s", err.msg);
	fclose(f);
	for (unsigned int i = 0; cfg_key_name(i); i++, keys++) {
		char want[64];
		const char *p;

		snprintf(want, sizeof(want), "\\fB%s\\fR", cfg_key_name(i));
		p = strstr(buf, want);
		cr_expect_not_null(p, "b4ns.conf.5 lacks %s", cfg_key_name(i));
		/* described: a bare entry (a key the example lacks) has no
		 * text after it */
		cr_expect(p && strncmp(p + strlen(want), "\n.TP", 4) &&
			  strncmp(p + strlen(want), "\n.SH", 4),
			  "%s is not described", cfg_key_name(i));
	}
	cr_expect_geq(keys, 20);
	cr_expect_not_null(strstr(buf, "Default: \\fB\"warn\"\\fR"));
	free(buf);
}

static void layout_usage(FILE *f)
{
	fputs("Usage: b4ns y [OPTIONS]\n"
	      "       b4ns y --pid=PID\n"
	      "\n"
	      "First paragraph, with an example as\n"
	      "  y --go\n"
	      "and more.\n"
	      "\n"
	      "Options:\n"
	      "  -m, --mode=MODE       fast | slow: how\n"
	      "      --long-option-name=S\n"
	      "                        text on the next line\n"
	      "      --tight-one text after one space, which names\n"
	      "                        --other in its description\n"
	      "      --a=FILE, --b=FILE, --c=FILE\n"
	      "                        three at once\n"
	      "\n"
	      "Exit status: 0.\n", f);
}

Test(doc, usage_text_is_cut_along_its_layout)
{
	struct helptext h;
	const struct help_item *it;
	char arg[32], vals[64];

	cr_assert_eq(helptext_parse(layout_usage, &h), 0);
	cr_assert_eq(h.items[0].kind, HELP_SYNOPSIS);
	cr_assert_str_eq(h.items[1].text, "b4ns y --pid=PID");
	cr_assert_eq(h.items[2].kind, HELP_PARA);
	cr_assert_eq(h.items[3].kind, HELP_LITERAL);
	cr_assert_str_eq(h.items[3].text, "y --go");
	it = helptext_find(&h, "mode", arg, sizeof(arg));
	cr_assert_not_null(it);
	cr_assert_str_eq(it->head, "-m, --mode=MODE");
	cr_assert_str_eq(arg, "MODE");
	helptext_choices(it, vals, sizeof(vals));
	cr_assert_str_eq(vals, "fast slow");
	it = helptext_find(&h, "long-option-name", NULL, 0);
	cr_assert_not_null(it);
	cr_assert_str_eq(it->text, "text on the next line");
	it = helptext_find(&h, "tight-one", NULL, 0);
	cr_assert_not_null(it);
	cr_assert_str_eq(it->head, "--tight-one");
	/* named in a description only: not described */
	cr_assert_null(helptext_find(&h, "other", NULL, 0));
	it = helptext_find(&h, "b", arg, sizeof(arg));
	cr_assert_not_null(it);
	cr_assert_str_eq(arg, "FILE");
	cr_assert_str_eq(it->text, "three at once");
	helptext_choices(it, vals, sizeof(vals));
	cr_assert_str_eq(vals, "");
	cr_assert_eq(h.items[h.n - 1].kind, HELP_PARA);
	cr_assert_str_eq(h.items[h.n - 1].text, "Exit status: 0.");
	helptext_free(&h);
}
