// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sockopts.c - socket state across the switch: sockopts, cloexec, check-fds
 *
 * sockopts sets socket options and O_NONBLOCK before a connect and checks
 * every value afterwards (a switched socket is a different host socket:
 * the supervisor must copy them); cloexec connects a SOCK_CLOEXEC and a
 * plain socket and execs itself as check-fds, which wants the first closed
 * and the second still connected.
 */

#include "probe.h"

/* ---- sockopts --------------------------------------------------------- */

struct optcheck {
	const char *name;
	int level;
	int opt;
	int set;	/* value to set */
	int want;	/* value expected back (filled before connect) */
	bool basic;	/* in the --basic set */
};

int cmd_sockopts(int argc, char **argv)
{
	bool v6 = false, basic = false;
	const char *pos[2];
	int npos = 0, i, fd, r, flags, soerr = 0, one = 1;
	struct sockaddr_storage ss;
	socklen_t len, sl;
	struct linger lg = { 1, 5 }, lgback;
	char abuf[80], byte;
	bool okay = true;
	struct optcheck opts[] = {
		{ "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, 1, 0, true },
		{ "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, 1, 0, true },
		{ "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 77, 0, true },
		{ "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, 65536, 0, true },
		{ "IP_TOS", IPPROTO_IP, IP_TOS, 0x10, 0, true },
		{ "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, 32768, 0, false },
		{ "TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 7, 0, false },
		{ "TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 3, 0, false },
		{ "TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT, 12345, 0,
		  false },
		{ "SO_PRIORITY", SOL_SOCKET, SO_PRIORITY, 3, 0, false },
		{ "IP_TTL", IPPROTO_IP, IP_TTL, 42, 0, false },
	};
	int nopts = (int)(sizeof(opts) / sizeof(opts[0]));

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-6"))
			v6 = true;
		else if (!strcmp(argv[i], "--basic"))
			basic = true;
		else if (argv[i][0] != '-' && npos < 2)
			pos[npos++] = argv[i];
		else
			return usage();
	}
	if (npos != 2 || !parse_addr(pos[0], pos[1], v6, &ss, &len))
		return 2;
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));
	if (ss.ss_family == AF_INET6) {
		for (i = 0; i < nopts; i++) {
			if (opts[i].opt == IP_TOS && opts[i].level == IPPROTO_IP) {
				opts[i].name = "IPV6_TCLASS";
				opts[i].level = IPPROTO_IPV6;
				opts[i].opt = IPV6_TCLASS;
			} else if (opts[i].opt == IP_TTL &&
				   opts[i].level == IPPROTO_IP) {
				opts[i].name = "IPV6_UNICAST_HOPS";
				opts[i].level = IPPROTO_IPV6;
				opts[i].opt = IPV6_UNICAST_HOPS;
			}
		}
	}

	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < nopts; i++) {
		struct optcheck *o = &opts[i];

		if (basic && !o->basic)
			continue;
		sl = sizeof(o->want);
		if (setsockopt(fd, o->level, o->opt, &o->set, sizeof(o->set)) ||
		    getsockopt(fd, o->level, o->opt, &o->want, &sl)) {
			fail("%s: %s", o->name, strerror(errno));
			return 1;
		}
		printf("before connect: %s set %d, reads %d\n", o->name, o->set,
		       o->want);
	}
	if (!basic && setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg))) {
		fail("SO_LINGER: %s", strerror(errno));
		return 1;
	}
	if (ioctl(fd, FIONBIO, &one) < 0) {
		fail("ioctl FIONBIO: %s", strerror(errno));
		return 1;
	}

	r = connect(fd, (struct sockaddr *)&ss, len);
	printf("connect %s (FIONBIO): %s\n", abuf,
	       errname(r < 0 ? errno : 0));
	if (r < 0 && errno != EINPROGRESS) {
		fail("connect: expected EINPROGRESS, got %s", errname(errno));
		return 1;
	}
	if (r == 0)
		printf("note: non-blocking connect() succeeded at once\n");
	if (wait_fd(fd, POLLOUT, 10000, NULL) <= 0) {
		fail("no POLLOUT within 10 s");
		return 1;
	}
	sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		fail("SO_ERROR: %s", errname(soerr ? soerr : errno));
		return 1;
	}
	printf("SO_ERROR: ok\n");

	for (i = 0; i < nopts; i++) {
		struct optcheck *o = &opts[i];
		int v = -1;

		if (basic && !o->basic)
			continue;
		sl = sizeof(v);
		if (getsockopt(fd, o->level, o->opt, &v, &sl) < 0) {
			fail("after connect: getsockopt %s: %s", o->name,
			     strerror(errno));
			okay = false;
			continue;
		}
		printf("after connect: %s = %d (want %d)%s\n", o->name, v,
		       o->want, v == o->want ? "" : "  <-- WRONG");
		if (v != o->want) {
			fail("%s is %d after connect, was %d", o->name, v,
			     o->want);
			okay = false;
		}
	}
	if (!basic) {
		memset(&lgback, 0, sizeof(lgback));
		sl = sizeof(lgback);
		if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &lgback, &sl) < 0) {
			fail("after connect: SO_LINGER: %s", strerror(errno));
			okay = false;
		} else {
			printf("after connect: SO_LINGER = {%d, %d} (want {1, 5})\n",
			       lgback.l_onoff, lgback.l_linger);
			if (!lgback.l_onoff || lgback.l_linger != 5) {
				fail("SO_LINGER lost");
				okay = false;
			}
		}
	}

	flags = fcntl(fd, F_GETFL);
	printf("after connect: F_GETFL 0x%x, O_NONBLOCK %s\n", flags,
	       flags >= 0 && (flags & O_NONBLOCK) ? "set" : "CLEAR");
	if (flags < 0 || !(flags & O_NONBLOCK)) {
		fail("O_NONBLOCK (set with FIONBIO) is lost");
		okay = false;
	}
	/* The server sends nothing: a non-blocking recv() must not block. */
	r = (int)recv(fd, &byte, 1, 0);
	printf("after connect: recv on idle socket: %s\n",
	       r < 0 ? errname(errno) : r == 0 ? "EOF" : "data");
	if (!(r < 0 && errno == EAGAIN)) {
		fail("recv on an idle non-blocking socket: expected EAGAIN");
		okay = false;
	}
	flags = fcntl(fd, F_GETFD);
	if (flags < 0 || (flags & FD_CLOEXEC)) {
		fail("FD_CLOEXEC appeared on a socket made without it");
		okay = false;
	}
	close(fd);
	if (okay)
		printf("sockopts: ok\n");
	return okay ? 0 : 1;
}

/* ---- cloexec / check-fds ---------------------------------------------- */

int cmd_cloexec(int argc, char **argv)
{
	bool v6 = false, echo = false;
	const char *pos[2];
	int npos = 0, i, a, b, fa, fb;
	struct sockaddr_storage ss;
	socklen_t len;
	char sa[16], sb[16], abuf[80];
	char *args[8];
	int n = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-6"))
			v6 = true;
		else if (!strcmp(argv[i], "--echo"))
			echo = true;
		else if (argv[i][0] != '-' && npos < 2)
			pos[npos++] = argv[i];
		else
			return usage();
	}
	if (npos != 2 || !parse_addr(pos[0], pos[1], v6, &ss, &len))
		return 2;
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));

	a = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	b = socket(ss.ss_family, SOCK_STREAM, 0);
	if (a < 0 || b < 0) {
		fail("socket: %s", strerror(errno));
		return 1;
	}
	if (connect(a, (struct sockaddr *)&ss, len) < 0) {
		fail("connect A (SOCK_CLOEXEC) to %s: %s", abuf, errname(errno));
		return 1;
	}
	if (connect(b, (struct sockaddr *)&ss, len) < 0) {
		fail("connect B to %s: %s", abuf, errname(errno));
		return 1;
	}
	fa = fcntl(a, F_GETFD);
	fb = fcntl(b, F_GETFD);
	printf("connected A=fd %d (FD_CLOEXEC %s), B=fd %d (FD_CLOEXEC %s)\n",
	       a, fa > 0 && (fa & FD_CLOEXEC) ? "set" : "clear", b,
	       fb > 0 && (fb & FD_CLOEXEC) ? "set" : "clear");
	if (fa < 0 || !(fa & FD_CLOEXEC)) {
		fail("A lost FD_CLOEXEC in connect()");
		return 1;
	}
	if (fb < 0 || (fb & FD_CLOEXEC)) {
		fail("B gained FD_CLOEXEC in connect()");
		return 1;
	}
	snprintf(sa, sizeof(sa), "%d", a);
	snprintf(sb, sizeof(sb), "%d", b);
	args[n++] = (char *)PROG;
	args[n++] = (char *)"check-fds";
	args[n++] = sa;
	args[n++] = sb;
	args[n++] = (char *)pos[1];
	if (echo)
		args[n++] = (char *)"--echo";
	args[n] = NULL;
	fflush(stdout);
	execv("/proc/self/exe", args);
	fail("execv /proc/self/exe: %s", strerror(errno));
	return 1;
}

int cmd_check_fds(int argc, char **argv)
{
	long a, b, port;
	bool echo = argc == 4 && !strcmp(argv[3], "--echo");
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	struct stat st;
	char pbuf[80];
	int fl;

	if ((argc != 3 && !echo) || !parse_long(argv[0], 0, INT_MAX, &a) ||
	    !parse_long(argv[1], 0, INT_MAX, &b) ||
	    !parse_long(argv[2], 0, 65535, &port))
		return usage();
	printf("check-fds after exec: A=%ld B=%ld\n", a, b);
	if (fcntl((int)a, F_GETFD) >= 0 || errno != EBADF) {
		fail("fd %ld (SOCK_CLOEXEC) survived exec", a);
		return 1;
	}
	printf("A: closed (EBADF)\n");
	fl = fcntl((int)b, F_GETFD);
	if (fl < 0) {
		fail("fd %ld (no CLOEXEC) did not survive exec: %s", b,
		     strerror(errno));
		return 1;
	}
	if (fstat((int)b, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		fail("fd %ld is not a socket after exec", b);
		return 1;
	}
	memset(&peer, 0, sizeof(peer));
	if (getpeername((int)b, (struct sockaddr *)&peer, &pl) < 0) {
		fail("fd %ld: getpeername: %s", b, errname(errno));
		return 1;
	}
	fmt_addr((struct sockaddr *)&peer, pbuf, sizeof(pbuf));
	printf("B: open socket, connected to %s\n", pbuf);
	if (addr_port(&peer) != port) {
		fail("fd %ld is connected to %s, not port %ld", b, pbuf, port);
		return 1;
	}
	if (echo && !echo_check((int)b))
		return 1;
	printf("cloexec: ok\n");
	return 0;
}
