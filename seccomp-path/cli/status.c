// SPDX-License-Identifier: GPL-2.0-or-later
/* status.c - "b4ns status": ask the daemon what it serves
 *
 * The daemon's control socket lies beside its listener socket (paths.h).
 * The daemon answers a connection to its control socket with one JSON
 * document and closes it; --json prints it as it came, otherwise it is
 * rendered as a table. Without an answer, --json prints {"error": ...}.
 * status_container_get() reads the same answer for "b4ns trace
 * --container-id": one container's pid, mode and the listener message its
 * settings came from, and the daemon's config file.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "err.h"
#include "oci/oci.h"
#include "paths.h"
#include "readall.h"
#include "unixsock.h"

/* Largest answer read from the control socket */
#define STATUS_MAX ((size_t)16 * 1024 * 1024)

/* read_status() - the daemon's answer at control socket @ctl, to its EOF */
static int read_status(const char *ctl, char **out)
{
	_cleanup_close_ int s = unixsock_connect(ctl, SOCK_STREAM);
	size_t len;

	if (s < 0)
		return s;
	return readall_fd(s, STATUS_MAX, out, &len);
}

/* ctr_fill() - @out from the status object @c of a container and
 * the daemon object @dm. Return: 0, or a negative errno with @err */
static int ctr_fill(struct json_object *c, struct json_object *dm,
		    const char *id, struct status_ctr *out, struct b4_error *err)
{
	struct json_object *v;
	const char *text;
	int ret;

	if (!json_object_object_get_ex(c, "pid", &v) || json_object_get_int(v) <= 0)
		return b4_error_set(err, -EPROTO, "the daemon gives no pid for "
				    "container %s", id);
	out->pid = (pid_t)json_object_get_int(v);
	out->switching = json_object_object_get_ex(c, "mode", &v) &&
			 !strcmp(json_object_get_string(v), "seccomp");
	if (dm && json_object_object_get_ex(dm, "pid", &v))
		out->daemon_pid = (pid_t)json_object_get_int(v);
	if (dm && json_object_object_get_ex(dm, "config", &v))
		snprintf(out->config, sizeof(out->config), "%s",
			 json_object_get_string(v));
	if (!json_object_object_get_ex(c, "origin", &v))
		return 0;
	text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	ret = oci_state_parse(text, strlen(text), &out->origin, err);
	return ret ? b4_error_prefix(err, ret, "the daemon's origin of "
				     "container %s", id) : 0;
}

int status_container_get(const char *sock, const char *id,
			 struct status_ctr *out, struct b4_error *err)
{
	char ctl[PATHS_SOCK_MAX];
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *arr, *dm = NULL, *c, *v;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = paths_beside(sock, PATHS_CTL_SOCK, ctl, err);
	if (ret)
		return ret;
	ret = read_status(ctl, &text);
	if (ret)
		return b4_error_set(err, ret, "no daemon answers at %s: %s", ctl,
				    strerror(-ret));
	root = json_tokener_parse(text);
	if (!root || !json_object_object_get_ex(root, "containers", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return b4_error_set(err, -EPROTO, "the daemon's answer at %s has "
				    "no list of containers", ctl);
	json_object_object_get_ex(root, "daemon", &dm);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		c = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(c, "id", &v) &&
		    !strcmp(json_object_get_string(v), id))
			return ctr_fill(c, dm, id, out, err);
	}
	return b4_error_set(err, -ENOENT, "the daemon at %s serves no "
			    "container %s (see b4ns status)", sock, id);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* print_registry() - the registry of container services: its kind, its
 * cluster state (every field the daemon gives), one line per entry */
static void print_registry(struct json_object *root)
{
	struct json_object *reg, *cl, *arr;
	size_t n;

	if (!json_object_object_get_ex(root, "registry", &reg))
		return;
	printf("\nregistry: %s, %s local, %s remote entries\n", jstr(reg, "kind"),
	       jstr(reg, "local"), jstr(reg, "remote"));
	if (json_object_object_get_ex(reg, "cluster", &cl) &&
	    json_object_is_type(cl, json_type_object)) {
		struct json_object_iterator it = json_object_iter_begin(cl);
		struct json_object_iterator end = json_object_iter_end(cl);

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			printf("  %s: %s\n", json_object_iter_peek_name(&it),
			       json_object_get_string(json_object_iter_peek_value(&it)));
	}
	if (!json_object_object_get_ex(reg, "entries", &arr) ||
	    !(n = json_object_array_length(arr)))
		return;
	printf("%-16s %-24s %-5s %-24s %-10s %-6s %s\n", "NETWORK", "ADDRESS",
	       "PROTO", "HOST", "NODE", "WHERE", "CONTAINER");
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *r;
		bool remote = json_object_object_get_ex(e, "remote", &r) &&
			      json_object_get_boolean(r);

		printf("%-16.16s %-24.24s %-5s %-24.24s %-10.10s %-6s %.14s\n",
		       jstr(e, "network"), jstr(e, "address"), jstr(e, "proto"),
		       jstr(e, "host"), jstr(e, "node")[0] ? jstr(e, "node") : "-",
		       remote ? "remote" : "local", jstr(e, "container"));
	}
}

static void print_table(struct json_object *root)
{
	struct json_object *dm, *arr;
	size_t n;

	if (json_object_object_get_ex(root, "daemon", &dm)) {
		printf("daemon pid %s, up %s s, %s messages accepted, %s rejected\n",
		       jstr(dm, "pid"), jstr(dm, "uptime_s"),
		       jstr(dm, "messages_accepted"), jstr(dm, "messages_rejected"));
		printf("config: %s\n", jstr(dm, "config")[0] ?
		       jstr(dm, "config") : "none (built-in defaults)");
	}
	printf("(containers of 'b4ns run' are listed only if run with --daemon,\n"
	       " or with --network while a daemon answers at the default socket)\n");
	if (!json_object_object_get_ex(root, "containers", &arr) ||
	    !(n = json_object_array_length(arr))) {
		printf("no containers\n");
		print_registry(root);
		return;
	}
	printf("%-14s %8s %-7s %5s %8s %8s %6s %7s %6s  %s\n", "CONTAINER", "PID",
	       "MODE", "PROCS", "NOTIFS", "SWITCHED", "KEPT", "REFUSED",
	       "ERRORS", "PUBLISHED");
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(arr, i), *pub;
		char ports[256] = "";

		if (json_object_object_get_ex(c, "published", &pub)) {
			for (size_t j = 0; j < json_object_array_length(pub); j++) {
				size_t used = strlen(ports);

				snprintf(ports + used, sizeof(ports) - used, "%s%s",
					 j ? "," : "",
					 json_object_get_string(
						 json_object_array_get_idx(pub, j)));
			}
		}
		printf("%-14.14s %8s %-7s %5s %8s %8s %6s %7s %6s  %s\n",
		       jstr(c, "id"), jstr(c, "pid"), jstr(c, "mode"),
		       jstr(c, "processes"), jstr(c, "notifications"),
		       jstr(c, "switched"), jstr(c, "kept"), jstr(c, "refused"),
		       jstr(c, "errors"), ports[0] ? ports : "-");
	}
	print_registry(root);
}

static void status_usage(FILE *f)
{
	fprintf(f, "Usage: b4ns status [--json] [--socket=PATH]\n\n"
		"Show the containers the daemon serves, with counts of\n"
		"notifications and switched sockets, and its registry of\n"
		"container services (local and remote entries, cluster state).\n"
		"Containers of 'b4ns run' are served in-process and listed only\n"
		"if run with --daemon (or with --network while a daemon answers\n"
		"at the default socket).\n"
		"\n"
		"Options:\n"
		"      --json          the status as the daemon gives it (JSON); with\n"
		"                      no daemon answering: {\"error\": MESSAGE}\n"
		"      --socket=PATH   the daemon's socket (default:\n"
		"                      $XDG_RUNTIME_DIR/b4ns/b4ns.sock)\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: 0, 1 if no daemon answers, 2 for bad options.\n");
}

/* status_opt() - --json: sets the bool at @ctx */
static int status_opt(int c, const char *arg, void *ctx, struct b4_error *err)
{
	(void)c;
	(void)arg;
	(void)err;
	*(bool *)ctx = true;
	return 0;
}

static const struct option status_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	CLI_OPT_SOCKET,
	CLI_OPT_HELP_END,
};

static const struct cli_cmd status_cmd = {
	.name = "status", .shortopts = "h", .longopts = status_longopts,
	.flags = CLI_SOCKET | CLI_OPERANDS_IGNORED, .usage = status_usage,
	.opt = status_opt,
};

const struct cli_cmd *cli_status_cmd(void)
{
	return &status_cmd;
}

/* status_fail() - no status: @err on stderr, and with --json (@json) also
 * as {"error": MESSAGE} on stdout, so that a JSON reader always gets JSON.
 * Return: 1 */
static int status_fail(bool json, const struct b4_error *err)
{
	fprintf(stderr, "b4ns status: %s\n", err->msg);
	if (json) {
		_cleanup_json_ struct json_object *o = json_object_new_object();

		if (o) {
			json_object_object_add(o, "error",
					       json_object_new_string(err->msg));
			printf("%s\n", json_object_to_json_string_ext(
					       o, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
		}
	}
	return 1;
}

int cmd_status(int argc, char **argv)
{
	char sock[PATHS_SOCK_MAX], ctl[PATHS_SOCK_MAX];
	bool json = false;
	struct b4_error err = { "" };
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_free_ char *text = NULL;
	int ret;

	ret = cli_parse(&status_cmd, argc, argv, &json, sock);
	if (ret != CLI_GO)
		return ret;
	if (paths_beside(sock, PATHS_CTL_SOCK, ctl, &err))
		return cli_fail("status", &err);
	ret = read_status(ctl, &text);
	if (ret) {
		b4_error_set(&err, ret, "no daemon answers at %s: %s (start it "
			     "with 'b4ns daemon')", ctl, strerror(-ret));
		return status_fail(json, &err);
	}
	root = json_tokener_parse(text);
	if (!root) {
		b4_error_set(&err, -EBADMSG, "the daemon's answer is not JSON");
		return status_fail(json, &err);
	}
	if (json)
		printf("%s\n", text);
	else
		print_table(root);
	return 0;
}
