// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind.c - the bind-listen subcommand: bind() (and listen()) and its outcome
 *
 * bind() with SO_REUSEADDR (and SO_REUSEPORT on request), listen() for TCP,
 * the outcome compared with --expect; a published port's bind() in a
 * container is switched, so this shows what the supervisor answered.
 */

#include "probe.h"

/* ---- bind-listen ------------------------------------------------------ */

struct bind_opts {
	bool udp, reuseport;
	int expect;
};

static int bind_opt(void *st, const char *a, const char *v)
{
	struct bind_opts *o = st;

	if (!strcmp(a, "--udp")) {
		o->udp = true;
		return 1;
	}
	if (!strcmp(a, "--reuseport")) {
		o->reuseport = true;
		return 1;
	}
	if (!strcmp(a, "--expect") && v) {
		o->expect = parse_errname(v);
		if (o->expect < 0) {
			fprintf(stderr, PROG ": unknown errno '%s'\n", v);
			return -1;
		}
		return 2;
	}
	return 0;
}

int cmd_bind_listen(int argc, char **argv)
{
	struct bind_opts o = { 0 };
	struct sockaddr_storage ss, name;
	socklen_t len, nl = sizeof(name);
	char abuf[80], nbuf[80];
	int fd, one = 1, err = 0;
	const char *what = "bind";

	if (!parse_hostport_args(argc, argv, bind_opt, &o, &ss, &len))
		return usage();
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));
	fd = socket(ss.ss_family, o.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (o.reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		err = errno;
	} else if (!o.udp && listen(fd, 128) < 0) {
		err = errno;
		what = "listen";
	}
	printf("bind-listen %s/%s: %s %s\n", abuf, o.udp ? "udp" : "tcp", what,
	       errname(err));
	if (!err && getsockname(fd, (struct sockaddr *)&name, &nl) == 0)
		printf("getsockname %s\n",
		       fmt_addr((struct sockaddr *)&name, nbuf, sizeof(nbuf)));
	close(fd);
	if (err != o.expect) {
		fail("bind-listen %s: expected %s, got %s from %s", abuf,
		     errname(o.expect), errname(err), what);
		return 1;
	}
	printf("bind-listen: ok\n");
	return 0;
}
