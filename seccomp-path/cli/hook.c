// SPDX-License-Identifier: GPL-2.0-or-later
/* hook.c - "b4ns oci-hook": its options, usage and I/O
 *
 * Reads what Podman hands the hook on standard input: a container state at
 * createRuntime (hook_register()), else an OCI config, rewritten by
 * hook_filter() (oci/hook.c). A rewritten config is written only if the
 * daemon answers at the socket (daemon_probe()); an untouched one is
 * copied byte for byte.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "err.h"
#include "oci/daemon.h"
#include "oci/hook.h"
#include "oci/profile.h"
#include "paths.h"
#include "readall.h"

/* write_all() - write @len bytes to standard output */
static int write_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(STDOUT_FILENO, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static void hook_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns oci-hook [--socket=PATH]\n"
		"\n"
		"OCI precreate hook for Podman: reads the OCI config on standard\n"
		"input and writes the config to use on standard output. Containers\n"
		"annotated with b4ns.config, b4ns.publish or b4ns.mode (not \"off\")\n"
		"get b4ns's seccomp rules and the daemon's socket as listenerPath;\n"
		"others pass unchanged. Installed as a hooks.d JSON file; enable with\n"
		"podman --hooks-dir or hooks_dir in containers.conf.\n"
		"\n"
		"Options:\n"
		"      --socket=PATH   the daemon's socket (default:\n"
		"                      $XDG_RUNTIME_DIR/b4ns/b4ns.sock, else\n"
		"                      /run/user/UID/b4ns/b4ns.sock)\n"
		"  -h, --help          this text\n");
}

/* hook_run() - read, register or filter, check the daemon, write; exit
 * status */
static int hook_run(const char *socket)
{
	_cleanup_free_ char *in = NULL;
	_cleanup_free_ char *out = NULL;
	struct b4_error err = { "" };
	size_t len;
	int rc;

	rc = readall_file("-", PROFILE_FILE_MAX, &in, &len);
	if (rc) {
		fprintf(stderr, "b4ns oci-hook: reading the OCI config: %s\n",
			rc == -EFBIG ? "too large" : strerror(-rc));
		return 1;
	}
	rc = hook_register(in, len, socket, &err);
	if (rc < 0)
		fprintf(stderr, "b4ns oci-hook: %s\n", err.msg);
	if (rc)
		return 0; /* a state (createRuntime): nothing to print */
	rc = hook_filter(in, len, socket, &out, &err);
	if (rc) {
		fprintf(stderr, "b4ns oci-hook: %s\n", b4_error_msg(&err, rc));
		return 1;
	}
	if (out) {
		rc = daemon_probe(socket);
		if (rc) {
			fprintf(stderr, "b4ns: daemon not running at %s (%s); "
				"start it with `b4ns daemon` or `systemctl --user "
				"start b4ns`\n", socket, strerror(-rc));
			return 1;
		}
	}
	rc = out ? write_all(out, strlen(out)) : write_all(in, len);
	if (rc) {
		fprintf(stderr, "b4ns oci-hook: writing the config: %s\n",
			strerror(-rc));
		return 1;
	}
	return 0;
}

static const struct cli_cmd hook_cmd = {
	.name = "oci-hook", .shortopts = "h", .longopts = cli_socket_longopts,
	.flags = CLI_SOCKET | CLI_SOCKET_HOST_UID, .usage = hook_usage,
};

const struct cli_cmd *cli_hook_cmd(void)
{
	return &hook_cmd;
}

int cmd_oci_hook(int argc, char **argv)
{
	char sock[PATHS_SOCK_MAX];
	int rc = cli_parse(&hook_cmd, argc, argv, NULL, sock);

	return rc == CLI_GO ? hook_run(sock) : rc;
}
