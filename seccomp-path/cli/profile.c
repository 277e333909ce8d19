// SPDX-License-Identifier: GPL-2.0-or-later
/* profile.c - "b4ns profile": its options and usage
 *
 * The profile is oci/profile.c's profile_build(), printed as JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "err.h"
#include "oci/profile.h"
#include "paths.h"

static void profile_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns profile [--base=FILE] [--socket=PATH] [--metadata=STR]\n"
		"\n"
		"Print an OCI seccomp profile that hands connect(), bind(), listen(),\n"
		"sendto() with an address, sendmsg()/sendmmsg() with MSG_FASTOPEN,\n"
		"getsockname() and getpeername() (and i386's socketcall() for them)\n"
		"to the b4ns daemon: the base profile with b4ns's NOTIFY rules added,\n"
		"io_uring denied (ENOSYS) and listenerPath set. Use it as\n"
		"  podman run --security-opt seccomp=<(b4ns profile) ...\n"
		"or as linux.seccomp of a runc/crun config.json.\n"
		"\n"
		"Options:\n"
		"      --base=FILE      profile to start from (default: %s\n"
		"                       if it exists, else allow everything);\n"
		"                       \"none\": allow everything\n"
		"      --socket=PATH    the daemon's socket (default:\n"
		"                       $XDG_RUNTIME_DIR/b4ns/b4ns.sock)\n"
		"      --metadata=STR   listenerMetadata, e.g. \"b4ns.config=web\"\n"
		"  -h, --help           this text\n"
		"\n"
		"Exit status: 0, 1 if the output cannot be written, 2 for bad\n"
		"options or a base profile b4ns cannot use.\n",
		PROFILE_PODMAN_BASE);
}

enum {
	OPT_BASE = 256,
	OPT_METADATA,
};

static const struct option profile_opts[] = {
	{ "base", required_argument, NULL, OPT_BASE },
	CLI_OPT_SOCKET,
	{ "metadata", required_argument, NULL, OPT_METADATA },
	CLI_OPT_HELP_END,
};

/**
 * struct profile_args - "b4ns profile"'s command line, as given
 * @base:	--base, or NULL
 * @metadata:	--metadata, or NULL
 */
struct profile_args {
	const char *base;
	const char *metadata;
};

static int profile_opt(int c, const char *arg, void *ctx, struct b4_error *err)
{
	struct profile_args *a = ctx;

	(void)err;
	if (c == OPT_BASE)
		a->base = arg;
	else
		a->metadata = arg;
	return 0;
}

static const struct cli_cmd profile_cmd = {
	.name = "profile", .shortopts = "h", .longopts = profile_opts,
	.flags = CLI_SOCKET, .usage = profile_usage, .opt = profile_opt,
};

const struct cli_cmd *cli_profile_cmd(void)
{
	return &profile_cmd;
}

int cmd_profile(int argc, char **argv)
{
	struct profile_args a = { NULL, NULL };
	struct b4_error err = { "" };
	char sock[PATHS_SOCK_MAX];
	struct json_object *prof;
	const char *text;
	int rc;

	rc = cli_parse(&profile_cmd, argc, argv, &a, sock);
	if (rc != CLI_GO)
		return rc;
	if (profile_build(a.base, sock, a.metadata, &prof, &err))
		return cli_fail("profile", &err);
	text = json_object_to_json_string_ext(prof, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = (!text || printf("%s\n", text) < 0 || fflush(stdout)) ? 1 : 0;
	if (rc)
		fprintf(stderr, "b4ns profile: cannot write the profile: %s\n",
			strerror(errno));
	json_object_put(prof);
	return rc;
}
