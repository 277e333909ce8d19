// SPDX-License-Identifier: GPL-2.0-or-later
/* doc.c - "b4ns __doc": the man pages and the bash completion
 *
 * Theory of operation: a hidden subcommand the build runs (CMakeLists.txt)
 * so that the installed man pages (cli/man.c) and completion
 * (cli/complete.c) are written by the binary from the very tables and
 * --help texts its parser uses, and cannot drift from them. "write" puts
 * every file in a directory: man1/b4ns.1, man1/b4ns-COMMAND.1,
 * man5/b4ns.conf.5, completions/b4ns; the other forms print one on
 * standard output.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/complete.h"
#include "cli/man.h"
#include "err.h"

static void doc_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns __doc man [COMMAND]      b4ns(1) or b4ns-COMMAND(1)\n"
		"       b4ns __doc conf EXAMPLE       b4ns.conf(5) from the example file\n"
		"       b4ns __doc bash               the bash completion\n"
		"       b4ns __doc write DIR EXAMPLE  all of them under DIR\n");
}

/**
 * enum doc_kind - what a struct doc is
 * @DOC_MAIN:	b4ns(1)
 * @DOC_CMD:	b4ns-COMMAND(1)
 * @DOC_CONF:	b4ns.conf(5)
 * @DOC_BASH:	the completion
 */
enum doc_kind { DOC_MAIN, DOC_CMD, DOC_CONF, DOC_BASH };

/**
 * struct doc - one document
 * @kind:	enum doc_kind
 * @c:		DOC_CMD: the command
 * @example:	DOC_CONF: the example config file
 */
struct doc {
	enum doc_kind kind;
	const struct cli_command *c;
	const char *example;
};

/* doc_one() - document @d on @out. Return: 0, or a negative errno with
 * the reason in @err */
static int doc_one(FILE *out, const struct doc *d, struct b4_error *err)
{
	int rc;

	if (d->kind == DOC_CONF)
		return man_conf(out, d->example, err);
	if (d->kind == DOC_CMD)
		rc = man_command(out, d->c);
	else if (d->kind == DOC_MAIN)
		rc = man_main(out);
	else
		rc = complete_bash(out);
	return rc ? b4_error_set(err, rc, "%s", strerror(-rc)) : 0;
}

/* doc_file() - doc_one() into the file @dir/@sub/@name */
static int doc_file(const char *dir, const char *sub, const char *name,
		    const struct doc *d, struct b4_error *err)
{
	char path[4096];
	_cleanup_fclose_ FILE *f = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) && errno != EEXIST)
		return b4_error_set(err, -errno, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "we");
	if (!f)
		return b4_error_set(err, -errno, "%s: %s", path, strerror(errno));
	rc = doc_one(f, d, err);
	if (rc)
		return b4_error_prefix(err, rc, "%s", path);
	rc = fclose(f);
	f = NULL;
	if (rc)
		return b4_error_set(err, -EIO, "%s: %s", path, strerror(errno));
	return 0;
}

/* doc_write() - every document under @dir */
static int doc_write(const char *dir, const char *example,
		     struct b4_error *err)
{
	struct doc d = { DOC_MAIN, NULL, NULL };
	int rc;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return b4_error_set(err, -errno, "%s: %s", dir, strerror(errno));
	rc = doc_file(dir, "man1", "b4ns.1", &d, err);
	for (const struct cli_command *c = cli_commands; c->name && !rc; c++) {
		char name[64];

		snprintf(name, sizeof(name), "b4ns-%s.1", c->name);
		d = (struct doc){ DOC_CMD, c, NULL };
		rc = doc_file(dir, "man1", name, &d, err);
	}
	d = (struct doc){ DOC_CONF, NULL, example };
	if (!rc)
		rc = doc_file(dir, "man5", "b4ns.conf.5", &d, err);
	d = (struct doc){ DOC_BASH, NULL, NULL };
	if (!rc)
		rc = doc_file(dir, "completions", "b4ns", &d, err);
	return rc;
}

int cmd_doc(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	struct b4_error err = { "" };
	struct doc d = { DOC_MAIN, NULL, NULL };
	int rc = 0;

	if (!strcmp(what, "man") && argc == 2) {
		rc = doc_one(stdout, &d, &err);
	} else if (!strcmp(what, "man") && argc == 3) {
		const struct cli_command *c = cli_commands;

		while (c->name && strcmp(c->name, argv[2]) != 0)
			c++;
		if (!c->name) {
			fprintf(stderr, "b4ns __doc: unknown command '%s'\n",
				argv[2]);
			return EXIT_USAGE;
		}
		d = (struct doc){ DOC_CMD, c, NULL };
		rc = doc_one(stdout, &d, &err);
	} else if (!strcmp(what, "conf") && argc == 3) {
		d = (struct doc){ DOC_CONF, NULL, argv[2] };
		rc = doc_one(stdout, &d, &err);
	} else if (!strcmp(what, "bash") && argc == 2) {
		d = (struct doc){ DOC_BASH, NULL, NULL };
		rc = doc_one(stdout, &d, &err);
	} else if (!strcmp(what, "write") && argc == 4) {
		rc = doc_write(argv[2], argv[3], &err);
	} else {
		doc_usage(stderr);
		return EXIT_USAGE;
	}
	if (!rc && fflush(stdout))
		rc = b4_error_set(&err, -EIO, "standard output: %s",
				  strerror(errno));
	if (rc) {
		fprintf(stderr, "b4ns __doc: %s\n", err.msg);
		return 1;
	}
	return 0;
}
