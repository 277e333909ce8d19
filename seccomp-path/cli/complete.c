// SPDX-License-Identifier: GPL-2.0-or-later
/* complete.c - the bash completion of b4ns
 *
 * Theory of operation: the script is data plus one fixed function. The
 * data is written here from what the parser itself uses: the subcommands
 * of cli_commands[], each one's long options from its getopt_long() table
 * (plus those of @also: "b4ns trace" takes the run options) and short
 * options from its short option string; the values an option completes to
 * come from its --help entry (helptext_choices(): "error | warn | info |
 * debug", or a placeholder "host|off|IP"; a FILE, PATH or SOCKET
 * placeholder: file names, DIR: directories).
 * The function _b4ns puts "--opt=value" back together when bash split it at
 * '=', completes the command after "--" or after the first operand of a
 * command that runs one (CLI_COMMAND), and leaves no space after an
 * option that takes "=VALUE". Nothing in it names an option.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/complete.h"
#include "cli/helptext.h"
#include "err.h"

/* The fixed part: $1 is the data's name prefix. COMP_WORDS is bash's
 * split of the line, '=' (COMP_WORDBREAKS) a word of its own */
static const char complete_fn[] =
	"_b4ns() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} sub opts= args= cmd=0\n"
	"\tlocal opt= val= pre= i w start=0 vals\n"
	"\tCOMPREPLY=()\n"
	"\tif ((COMP_CWORD == 1)); then\n"
	"\t\tCOMPREPLY=($(compgen -W \"$_b4ns_commands $_b4ns_top\" -- \"$cur\"))\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tsub=${COMP_WORDS[1]//-/_}\n"
	"\tw=_b4ns_opts_$sub; opts=${!w-}\n"
	"\tw=_b4ns_args_$sub; args=\" ${!w-} \"\n"
	"\tw=_b4ns_cmd_$sub; cmd=${!w-0}\n"
	"\t[ -n \"$opts\" ] || return 0\n"
	"\t# the command a subcommand runs: after \"--\" or its first operand\n"
	"\tfor ((i = 2; i <= COMP_CWORD; i++)); do\n"
	"\t\tw=${COMP_WORDS[i]}\n"
	"\t\tif [[ $w == = ]]; then\n"
	"\t\t\t((i++))\n"
	"\t\telif [[ $w == -- ]]; then\n"
	"\t\t\tstart=$((i + 1)); break\n"
	"\t\telif [[ $w == -* ]]; then\n"
	"\t\t\t[[ $args == *\" $w \"* && ${COMP_WORDS[i+1]-} != = ]] && ((i++))\n"
	"\t\telif ((cmd)); then\n"
	"\t\t\tstart=$i; break\n"
	"\t\tfi\n"
	"\tdone\n"
	"\tif ((cmd && start)); then\n"
	"\t\tif declare -F _command_offset >/dev/null; then\n"
	"\t\t\t_command_offset \"$start\"\n"
	"\t\telif ((start == COMP_CWORD)); then\n"
	"\t\t\tCOMPREPLY=($(compgen -c -- \"$cur\"))\n"
	"\t\telse\n"
	"\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	"\t\tfi\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\t# --opt=VALUE: split at '=' by bash, or whole\n"
	"\tif [[ $cur == = ]]; then\n"
	"\t\topt=${COMP_WORDS[COMP_CWORD-1]}\n"
	"\telif ((COMP_CWORD > 2)) && [[ ${COMP_WORDS[COMP_CWORD-1]} == = ]]; then\n"
	"\t\topt=${COMP_WORDS[COMP_CWORD-2]} val=$cur\n"
	"\telif [[ $cur == --*=* ]]; then\n"
	"\t\topt=${cur%%=*} val=${cur#*=} pre=$opt=\n"
	"\telif w=${COMP_WORDS[COMP_CWORD-1]}; [[ $cur != -* && $args == *\" $w \"* ]]\n"
	"\tthen\n"
	"\t\topt=$w val=$cur\n"
	"\tfi\n"
	"\tif [ -n \"$opt\" ]; then\n"
	"\t\tw=_b4ns_vals_${sub}_${opt//-/_}; vals=${!w-}\n"
	"\t\tcase $vals in\n"
	"\t\t@file) COMPREPLY=($(compgen -f -- \"$val\")) ;;\n"
	"\t\t@dir) COMPREPLY=($(compgen -d -- \"$val\")) ;;\n"
	"\t\t*) COMPREPLY=($(compgen -W \"$vals\" -- \"$val\")) ;;\n"
	"\t\tesac\n"
	"\t\t[ -z \"$pre\" ] || COMPREPLY=(\"${COMPREPLY[@]/#/$pre}\")\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tif [[ $cur == -* ]]; then\n"
	"\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	"\t\t[[ ${COMPREPLY[0]-} != *= ]] || compopt -o nospace 2>/dev/null\n"
	"\tfi\n"
	"\treturn 0\n"
	"}\n"
	"complete -F _b4ns b4ns\n";

/* ident() - @name as part of a shell variable name ('-' as '_') */
static void ident(FILE *o, const char *name)
{
	for (const char *s = name; *s; s++)
		fputc(*s == '-' ? '_' : *s, o);
}

/* has_short() - is @opt's value a short option of @cmd's? */
static bool has_short(const struct cli_cmd *cmd, const struct option *opt)
{
	return opt->val > 0 && opt->val < 256 && opt->val != ':' &&
	       opt->val != '+' && strchr(cmd->shortopts, opt->val);
}

/* arg_choices() - the words of a placeholder "host|off|IP[,IP]" that
 * are values to type (lower case) into @out, "" unless it has a '|' */
static void arg_choices(const char *arg, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	if (!strchr(arg, '|'))
		return;
	for (const char *s = arg; *s;) {
		size_t w = strcspn(s, "|");

		if (w && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == w &&
		    n + w + 2 < len) {
			n += (size_t)snprintf(out + n, len - n, "%s%.*s",
					      n ? " " : "", (int)w, s);
		}
		s += w + (s[w] == '|');
	}
}

/* values() - the values option --@name of @sub completes to, from the
 * --help entry in @h, as a variable _b4ns_vals_SUB_OPT (and for its short
 * form, if @cmd has one) */
static void values(FILE *o, const char *sub, const struct cli_cmd *cmd,
		   const struct helptext *h, const struct option *opt)
{
	const struct help_item *it;
	char arg[64], vals[256];

	if (opt->has_arg == no_argument)
		return;
	it = helptext_find(h, opt->name, arg, sizeof(arg));
	if (!it)
		return;
	helptext_choices(it, vals, sizeof(vals));
	if (!vals[0])
		arg_choices(arg, vals, sizeof(vals));
	if (!vals[0] && (!strcmp(arg, "FILE") || !strcmp(arg, "PATH") ||
			 !strcmp(arg, "SOCKET")))
		snprintf(vals, sizeof(vals), "@file");
	if (!vals[0] && !strcmp(arg, "DIR"))
		snprintf(vals, sizeof(vals), "@dir");
	if (!vals[0])
		return;
	fputs("_b4ns_vals_", o);
	ident(o, sub);
	fputs("___", o);
	ident(o, opt->name);
	fprintf(o, "='%s'\n", vals);
	if (has_short(cmd, opt)) {
		fputs("_b4ns_vals_", o);
		ident(o, sub);
		fprintf(o, "__%c='%s'\n", opt->val, vals);
	}
}

/* table() - the options of @cmd: into the word lists (@what 0: every
 * option, 1: those whose value may be the next word) or as value variables
 * (@what 2); @also: the options another command passes on (its --help is
 * not) */
static int table(FILE *o, const char *sub, const struct cli_cmd *cmd,
		 int what, bool also)
{
	struct helptext h;
	int rc = helptext_parse(cmd->usage, &h);

	if (rc)
		return rc;
	for (const struct option *opt = cmd->longopts; opt->name; opt++) {
		bool arg = opt->has_arg == required_argument;

		if (also && opt->val == 'h')
			continue;
		if (what == 2) {
			values(o, sub, cmd, &h, opt);
			continue;
		}
		if (what == 1 && !arg)
			continue;
		/* trace's own options take "=VALUE" only (a word of their own
		 * would be the run's) */
		if (what == 1 && (cmd->flags & CLI_EQUALS_ONLY))
			continue;
		fprintf(o, " --%s%s", opt->name, arg && !what ? "=" : "");
		if (has_short(cmd, opt))
			fprintf(o, " -%c", opt->val);
	}
	helptext_free(&h);
	return 0;
}

int complete_bash(FILE *out)
{
	struct helptext top;
	int rc = helptext_parse(cli_usage, &top);

	if (rc)
		return rc;
	fputs("# bash completion for b4ns(1), written by \"b4ns __doc bash\" from\n"
	      "# the option tables b4ns parses its command lines with\n"
	      "_b4ns_commands='", out);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "%s%s", c == cli_commands ? "" : " ", c->name);
	fputs("'\n_b4ns_top='", out);
	for (size_t i = 0, n = 0; i < top.n; i++) {
		const char *h = top.items[i].head;

		if (top.items[i].kind != HELP_ENTRY || !h || h[0] != '-')
			continue;
		/* "-h, --help": its forms */
		for (const char *s = h; *s; s += strspn(s, ", ")) {
			size_t len = strcspn(s, ", =[");

			fprintf(out, "%s%.*s", n++ ? " " : "", (int)len, s);
			s += strcspn(s, ", ");
		}
	}
	fputs("'\n", out);
	helptext_free(&top);
	for (const struct cli_command *c = cli_commands; c->name && !rc; c++) {
		const struct cli_cmd *cmd = c->cmd();
		const struct cli_cmd *also = c->also ? c->also() : NULL;

		for (int what = 0; what < 3 && !rc; what++) {
			if (what < 2) {
				fprintf(out, "_b4ns_%s_", what ? "args" : "opts");
				ident(out, c->name);
				fputs("='", out);
			}
			rc = table(out, c->name, cmd, what, false);
			if (!rc && also)
				rc = table(out, c->name, also, what, true);
			if (what < 2)
				fputs(" '\n", out);
		}
		if (cmd->flags & CLI_COMMAND) {
			fputs("_b4ns_cmd_", out);
			ident(out, c->name);
			fputs("=1\n", out);
		}
	}
	if (rc)
		return rc;
	fputs(complete_fn, out);
	return ferror(out) ? -EIO : 0;
}
