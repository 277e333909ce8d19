// SPDX-License-Identifier: GPL-2.0-or-later
/* status.c - "b4ns status": ask the daemon what it serves
 *
 * The daemon answers a connection to its control socket with one JSON
 * document and closes it; --json prints it as it came, otherwise it is
 * rendered as a table.
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

#include "cli.h"
#include "oci/daemon.h"
#include "err.h"
#include "oci/profile.h"
#include "unixsock.h"

static int read_status(const char *ctl, char **out)
{
	_cleanup_close_ int s = unixsock_connect(ctl, SOCK_STREAM);
	size_t len = 0, cap = 0;
	char *buf = NULL;

	if (s < 0)
		return s;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap += 65536;
		}
		n = read(s, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int ret = -errno;

			free(buf);
			return ret;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static void print_table(struct json_object *root)
{
	struct json_object *dm, *arr;
	size_t n;

	if (json_object_object_get_ex(root, "daemon", &dm))
		printf("daemon pid %s, up %s s, %s messages accepted, %s rejected\n",
		       jstr(dm, "pid"), jstr(dm, "uptime_s"),
		       jstr(dm, "messages_accepted"), jstr(dm, "messages_rejected"));
	if (!json_object_object_get_ex(root, "containers", &arr) ||
	    !(n = json_object_array_length(arr))) {
		printf("no containers\n");
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
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char sock[108], ctl[108];
	const char *sockarg = NULL;
	struct json_object *root;
	char *text = NULL;
	bool json = false;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			sockarg = optarg;
			break;
		case 'h':
			printf("Usage: b4ns status [--json] [--socket=PATH]\n\n"
			       "Show the containers the daemon serves, with counts of\n"
			       "notifications and switched sockets.\n");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (sockarg) {
		if ((size_t)snprintf(sock, sizeof(sock), "%s", sockarg) >=
		    sizeof(sock)) {
			fprintf(stderr, "b4ns status: --socket=%s: path too long "
				"(at most %zu bytes)\n", sockarg, sizeof(sock) - 1);
			return EXIT_USAGE;
		}
	} else if (profile_default_socket(sock, sizeof(sock))) {
		fprintf(stderr, "b4ns status: XDG_RUNTIME_DIR is not set; give "
			"--socket=PATH\n");
		return EXIT_USAGE;
	}
	ret = daemon_ctl_path(sock, ctl, sizeof(ctl));
	if (ret) {
		fprintf(stderr, "b4ns status: socket path %s: %s\n", sock,
			ret == -ENAMETOOLONG ? "the control socket beside it "
			"would be too long for an AF_UNIX address" :
			"not an absolute path to the daemon's socket");
		return EXIT_USAGE;
	}
	ret = read_status(ctl, &text);
	if (ret) {
		fprintf(stderr, "b4ns status: no daemon answers at %s: %s (start "
			"it with 'b4ns daemon')\n", ctl, strerror(-ret));
		return 1;
	}
	root = json_tokener_parse(text);
	if (!root) {
		fprintf(stderr, "b4ns status: the daemon's answer is not JSON\n");
		free(text);
		return 1;
	}
	if (json)
		printf("%s\n", text);
	else
		print_table(root);
	json_object_put(root);
	free(text);
	return 0;
}
