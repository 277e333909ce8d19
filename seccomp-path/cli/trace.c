// SPDX-License-Identifier: GPL-2.0-or-later
/* trace.c - "b4ns trace": its options and usage
 *
 * Theory of operation: the trace's own options (--json, --output,
 * --duration, --interval, --pid, --container-id, --socket, --user) are
 * taken out of the command line; what is left is a
 * "b4ns run" command line, whose effective settings (cli_run_settings():
 * config file, section, options, exactly as "b4ns run" reads them) give
 * the policy the verdicts are judged by, and which the traced child runs
 * as "b4ns run ...". With --pid, the settings are those of the process's
 * own command line when it is a "b4ns run", else the options given here.
 * --container-id=ID asks the daemon at --socket (the status "b4ns status"
 * shows) for the container's pid and attaches to it like --pid; its
 * settings are the daemon's: the daemon's config file (read again here)
 * with the b4ns.* annotations and listener metadata the daemon shows for
 * it, put to oci_settings() as the daemon does (a "b4ns run --daemon"
 * container and an OCI runtime's alike); run options cannot go with it.
 * trace/trace.c collects, trace/report.c reports.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cli/cli.h"
#include "err.h"
#include "log.h"
#include "paths.h"
#include "proc.h"
#include "trace/trace.h"

#define TRACE_ARGS_MAX 256

static void trace_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns trace [TRACE OPTIONS] [RUN OPTIONS] -- CMD [ARG...]\n"
		"       b4ns trace --pid=PID [TRACE OPTIONS] [RUN OPTIONS]\n"
		"       b4ns trace --container-id=ID [--socket=PATH] [TRACE OPTIONS]\n"
		"\n"
		"Run CMD under \"b4ns run\" (or attach to the process tree of PID)\n"
		"and trace what it does with its sockets with eBPF: per socket its\n"
		"calls, destinations, bytes and b4ns's verdict with the reason (the\n"
		"supervisor's own policy code), then the share of connections and\n"
		"bytes on the fast path. Needs root (or CAP_BPF and CAP_PERFMON) and\n"
		"a kernel with BTF.\n"
		"\n"
		"Trace options:\n"
		"      --json            the report as JSON\n"
		"      --output=FILE     write the report to FILE (default stdout)\n"
		"      --duration=S      stop after S seconds (SIGTERM to b4ns run)\n"
		"      --interval=S      also print the report every S seconds while\n"
		"                        the workload runs (with --json: one JSON\n"
		"                        object per line, the last with \"final\":\n"
		"                        true)\n"
		"      --pid=PID         attach to PID and its descendants (a running\n"
		"                        \"b4ns run\": its command line gives the\n"
		"                        settings); sockets opened earlier show up\n"
		"                        when next used\n"
		"      --container-id=ID attach to container ID of the b4ns daemon\n"
		"                        (its pid from the daemon's status, as\n"
		"                        \"b4ns status\" shows it); judged by the\n"
		"                        daemon's settings for it (its config file,\n"
		"                        section and the container's annotations)\n"
		"      --socket=PATH     the daemon's socket (default: as b4ns status)\n"
		"      --user=NAME       run \"b4ns run\" as user NAME (the tracer\n"
		"                        itself stays root)\n"
		"  -h, --help            this text\n"
		"\n"
		"Run options: as \"b4ns run --help\" (not --daemon).\n"
		"\n"
		"Exit status: CMD's (as b4ns run's), 0 when attached, 1 if the trace\n"
		"could not start, 2 for bad options.\n");
}

/**
 * struct trace_cli - the trace's own options
 * @o:		for trace_run()
 * @output:	--output, or NULL
 * @container:	--container-id, or NULL
 * @sockarg:	--socket, or NULL
 * @run:	"b4ns", "run" and the options left, then the command
 * @n_run:	entries in @run
 */
struct trace_cli {
	struct trace_opts o;
	const char *output;
	const char *container;
	const char *sockarg;
	char *run[TRACE_ARGS_MAX + 4];
	int n_run;
};

/* seconds() - the seconds after the first @skip bytes of option @arg into
 * *@v: more than 0 (at least @min if @min > 0), at most a day. Return: 1,
 * or -EINVAL with the reason in @err */
static int seconds(const char *arg, size_t skip, double min, double *v,
		   struct b4_error *err)
{
	char *end;

	errno = 0;
	*v = strtod(arg + skip, &end);
	if (errno || end == arg + skip || *end || *v <= 0 || *v < min ||
	    *v > 86400)
		return b4_error_set(err, -EINVAL, "%s: expected seconds "
				    "(%g %s S <= 86400)", arg, min,
				    min > 0 ? "<=" : "<");
	return 1;
}

enum {
	OPT_JSON = 256,
	OPT_OUTPUT,
	OPT_DURATION,
	OPT_INTERVAL,
	OPT_CONTAINER_ID,
	OPT_SOCKET,
	OPT_USER,
	OPT_PID,
};

/* The trace's own options, taken out of the command line by take_opt():
 * "--NAME" (no_argument) or "--NAME=VALUE" (required_argument) only */
static const struct option trace_opts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "container-id", required_argument, NULL, OPT_CONTAINER_ID },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "user", required_argument, NULL, OPT_USER },
	CLI_OPT_HELP_END,
};

/* its options for the man page and the completion; the run options it
 * passes on are those of cli_run_cmd() */
static const struct cli_cmd trace_cmd = {
	.name = "trace", .shortopts = "+h", .longopts = trace_opts,
	.flags = CLI_COMMAND | CLI_EQUALS_ONLY, .usage = trace_usage,
};

const struct cli_cmd *cli_trace_cmd(void)
{
	return &trace_cmd;
}

/* trace_opt() - the entry of trace_opts[] (not --help) @arg is, or NULL;
 * @value: result, what follows '=' ("" for no_argument) */
static const struct option *trace_opt(const char *arg, const char **value)
{
	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	for (const struct option *o = trace_opts; o->name; o++) {
		size_t len = strlen(o->name);

		if (o->val == 'h' || strncmp(arg + 2, o->name, len) != 0)
			continue;
		if (o->has_arg == no_argument && !arg[2 + len]) {
			*value = "";
			return o;
		}
		if (o->has_arg != no_argument && arg[2 + len] == '=') {
			*value = arg + 3 + len;
			return o;
		}
	}
	return NULL;
}

/* take_opt() - one of the trace's own options in @arg. Return: 1 if it was
 * one, 0 if not, or -EINVAL with the reason in @err */
static int take_opt(struct trace_cli *c, const char *arg, struct b4_error *err)
{
	const char *v = "";
	const struct option *o = trace_opt(arg, &v);
	char *end;
	long pid;

	if (!o)
		return 0;
	switch (o->val) {
	case OPT_JSON:
		c->o.json = true;
		return 1;
	case OPT_OUTPUT:
		c->output = v;
		if (!*v)
			return b4_error_set(err, -EINVAL, "--output: empty file name");
		return 1;
	case OPT_DURATION:
		return seconds(arg, (size_t)(v - arg), 0, &c->o.duration, err);
	case OPT_INTERVAL:
		return seconds(arg, (size_t)(v - arg), 0.1, &c->o.interval, err);
	case OPT_CONTAINER_ID:
		c->container = v;
		if (!*v)
			return b4_error_set(err, -EINVAL, "--container-id: empty id");
		return 1;
	case OPT_SOCKET:
		c->sockarg = v;
		return 1;
	case OPT_USER:
		c->o.user = v;
		if (!*v)
			return b4_error_set(err, -EINVAL, "--user: empty name");
		return 1;
	default: /* OPT_PID */
		errno = 0;
		pid = strtol(v, &end, 10);
		if (errno || end == v || *end || pid <= 0 || pid > 4194304)
			return b4_error_set(err, -EINVAL, "%s: expected a process "
					    "id", arg);
		c->o.pid = (pid_t)pid;
		return 1;
	}
}

/* split() - the trace's options out of @argv, the rest into @c->run */
static int split(struct trace_cli *c, int argc, char **argv,
		 struct b4_error *err)
{
	bool opts = true;

	c->run[c->n_run++] = (char *)"b4ns";
	c->run[c->n_run++] = (char *)"run";
	for (int i = 1; i < argc; i++) {
		int r = 0;

		if (opts && !strcmp(argv[i], "--"))
			opts = false;
		else if (opts)
			r = take_opt(c, argv[i], err);
		if (r < 0)
			return r;
		if (r)
			continue;
		if (c->n_run >= TRACE_ARGS_MAX)
			return b4_error_set(err, -E2BIG, "too many arguments");
		c->run[c->n_run++] = argv[i];
	}
	return 0;
}

/* pid_settings() - the settings of the "b4ns run" at @pid, if it is one,
 * in @eff. Return: CLI_GO if found, 1 if @pid is not a b4ns run, or an
 * exit status */
static int pid_settings(pid_t pid, struct cfg_container *eff)
{
	char path[64], buf[8192];
	char *args[TRACE_ARGS_MAX + 1];
	_cleanup_fclose_ FILE *f = NULL;
	size_t len;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "b4ns trace: --pid=%d: %s\n", (int)pid,
			strerror(errno));
		return 1;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[len] = '\0';
	for (size_t i = 0; i < len && n < TRACE_ARGS_MAX; i += strlen(buf + i) + 1)
		args[n++] = buf + i;
	args[n] = NULL;
	if (n < 3 || strcmp(args[1], "run") != 0)
		return 1;
	return cli_run_settings(n - 1, args + 1, true, eff);
}

/* settings() - the policy's settings into @eff. Return: CLI_GO or an exit
 * status */
static int settings(struct trace_cli *c, struct cfg_container *eff)
{
	int ret;

	if (c->o.pid) {
		ret = pid_settings(c->o.pid, eff);
		if (ret != 1)
			return ret;
		/* not a b4ns run: the options given, with a stand-in command */
		if (c->n_run + 2 > TRACE_ARGS_MAX) {
			fprintf(stderr, "b4ns trace: too many arguments\n");
			return EXIT_USAGE;
		}
		c->run[c->n_run++] = (char *)"--";
		c->run[c->n_run++] = (char *)"true";
	}
	c->run[c->n_run] = NULL;
	return cli_run_settings(c->n_run - 1, c->run + 1, false, eff);
}

/* daemon_config() - the daemon's config file of @ctr into @cfg (its
 * built-in defaults if it has none; a relative path is the daemon's: under
 * its working directory). Return: 0, or a negative errno with @err */
static int daemon_config(const struct status_ctr *ctr, struct cfg *cfg,
			 struct b4_error *err)
{
	char path[PATH_MAX + 64];
	int ret;

	cfg_init(cfg);
	if (!ctr->config[0])
		return 0;
	if (ctr->config[0] == '/')
		snprintf(path, sizeof(path), "%s", ctr->config);
	else
		snprintf(path, sizeof(path), "/proc/%d/cwd/%s",
			 (int)ctr->daemon_pid, ctr->config);
	ret = cfg_load(path, cfg, err);
	return ret ? b4_error_prefix(err, ret, "the daemon's config file") : 0;
}

/* daemon_settings() - the settings the daemon at @sock serves container
 * @id with, into @eff: exactly its decision (settings_of() in
 * oci/daemon.c: oci_settings() on its config and the container's
 * listener message); a container it does not switch gets mode "off".
 * Also sets @c->o.pid. Return: 0, or a negative errno with @err */
static int daemon_settings(struct trace_cli *c, const char *sock, const char *id,
			   struct cfg_container *eff, struct b4_error *err)
{
	_cleanup_free_ struct status_ctr *ctr = calloc(1, sizeof(*ctr));
	_cleanup_free_ struct cfg *cfg = NULL;
	int ret;

	if (!ctr)
		return b4_error_set(err, -ENOMEM, "%s", strerror(ENOMEM));
	ret = status_container_get(sock, id, ctr, err);
	if (ret)
		return ret;
	c->o.pid = ctr->pid;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return b4_error_set(err, -ENOMEM, "%s", strerror(ENOMEM));
	ret = daemon_config(ctr, cfg, err);
	if (!ret && ctr->switching && ctr->origin.id[0])
		ret = oci_settings(&ctr->origin, cfg, eff, err);
	else if (!ret)
		*eff = cfg->global;
	if (!ret && !ctr->switching) {
		eff->mode = CFG_MODE_OFF;
		eff->mode_set = true;
	}
	cfg_free(cfg);
	return ret;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_cli *c = calloc(1, sizeof(*c));
	struct cfg_container *eff = calloc(1, sizeof(*eff));
	struct trace_log log = { 0 };
	struct b4_error err = { "" };
	_cleanup_fclose_ FILE *out = NULL;
	int ret, status = 0;

	if (!c || !eff) {
		fprintf(stderr, "b4ns trace: %s\n", strerror(ENOMEM));
		ret = 1;
		goto done;
	}
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		trace_usage(stdout);
		ret = 0;
		goto done;
	}
	if (split(c, argc, argv, &err)) {
		ret = cli_fail("trace", &err);
		goto done;
	}
	if (c->container) {
		char sock[PATHS_SOCK_MAX];

		if (c->o.pid) {
			fprintf(stderr, "b4ns trace: --pid and --container-id "
				"cannot go together\n");
			ret = EXIT_USAGE;
			goto done;
		}
		if (c->n_run > 2) {
			fprintf(stderr, "b4ns trace: %s: the daemon's settings "
				"judge its container; run options cannot go with "
				"--container-id\n", c->run[2]);
			ret = EXIT_USAGE;
			goto done;
		}
		if (paths_daemon_socket(c->sockarg, PATHS_XDG, sock, &err)) {
			ret = cli_fail("trace", &err);
			goto done;
		}
		if (daemon_settings(c, sock, c->container, eff, &err)) {
			fprintf(stderr, "b4ns trace: --container-id=%s: %s\n",
				c->container, err.msg);
			ret = 1;
			goto done;
		}
	} else if (c->sockarg) {
		fprintf(stderr, "b4ns trace: --socket goes with --container-id\n");
		ret = EXIT_USAGE;
		goto done;
	} else {
		ret = settings(c, eff);
		if (ret != CLI_GO)
			goto done;
	}
	if (c->output) {
		out = fopen(c->output, "we");
		if (!out) {
			fprintf(stderr, "b4ns trace: --output=%s: %s\n", c->output,
				strerror(errno));
			ret = 1;
			goto done;
		}
	}
	c->o.run_argv = c->o.pid ? NULL : c->run;
	c->o.settings = eff;
	c->o.out = out ? out : stdout;
	if (trace_run(&c->o, &log, &status, &err)) {
		fprintf(stderr, "b4ns trace: %s\n", err.msg);
		ret = 1;
		goto done;
	}
	ret = 0;
	if (c->o.json)
		ret = report_json(&log, c->o.out);
	else
		report_print(&log, c->o.out);
	if (ret) {
		fprintf(stderr, "b4ns trace: cannot write the report: %s\n",
			strerror(-ret));
		ret = 1;
	} else {
		ret = status;
	}
done:
	trace_log_free(&log);
	free(eff);
	free(c);
	return ret;
}
