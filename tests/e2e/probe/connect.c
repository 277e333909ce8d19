// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * connect.c - the connect subcommand: one TCP connect() and its outcome
 *
 * Options are parsed into struct connect_opts; the socket is created and
 * prepared (FIONBIO, bind to a local port, SO_SNDTIMEO), connect() is
 * timed, a non-blocking connect is completed by poll(POLLOUT) + SO_ERROR
 * unless --no-wait, and the outcome is compared with --expect and the
 * --min-ms/--max-ms bounds.  A successful connect then reports
 * getpeername()/getsockname() (--check-peer compares), may echo or read to
 * EOF, and --again checks a second connect() on the same socket.
 */

#include "probe.h"

struct connect_opts {
	bool v6, nonblock, fionbio, echo, check_peer, no_wait, do_recv;
	bool expect_any;
	long sndtimeo, wait_ms, min_ms, max_ms, bind_port;
	int expect;		/* errno wanted (0: ok) */
	int again;		/* errno of a second connect(), -1: none */
	const char *host, *port;
};

/* An option with an errno value (--expect, --again): the value, or -1
 * after a message. */
static int errno_arg(const char *v)
{
	int e = parse_errname(v);

	if (e < 0)
		fprintf(stderr, PROG ": unknown errno '%s'\n", v);
	return e;
}

/* A millisecond option value into @out: 0 or 2 (usage error). */
static int ms_arg(const char *v, long *out)
{
	return parse_long(v, 0, 3600000, out) ? 0 : 2;
}

/* Parse the command line into @o: 0, or the exit status of a usage
 * error. */
static int connect_parse(int argc, char **argv, struct connect_opts *o)
{
	const char *pos[2];
	int npos = 0, i;

	*o = (struct connect_opts){ .sndtimeo = -1, .wait_ms = 10000,
				    .min_ms = -1, .max_ms = -1, .again = -1 };
	for (i = 0; i < argc; i++) {
		const char *a = argv[i] ? argv[i] : "";
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		long *ms = NULL;

		if (!strcmp(a, "-6")) {
			o->v6 = true;
		} else if (!strcmp(a, "--nonblock")) {
			o->nonblock = true;
		} else if (!strcmp(a, "--fionbio")) {
			o->fionbio = true;
		} else if (!strcmp(a, "--echo")) {
			o->echo = true;
		} else if (!strcmp(a, "--check-peer")) {
			o->check_peer = true;
		} else if (!strcmp(a, "--recv")) {
			o->do_recv = true;
		} else if (!strcmp(a, "--bind") && v) {
			if (!parse_long(v, 1, 65535, &o->bind_port))
				return 2;
			i++;
		} else if (!strcmp(a, "--reconnect")) {
			o->again = EISCONN;
		} else if (!strcmp(a, "--again") && v) {
			o->again = errno_arg(v);
			if (o->again < 0)
				return 2;
			i++;
		} else if (!strcmp(a, "--no-wait")) {
			o->no_wait = true;
		} else if (!strcmp(a, "--expect") && v && !strcmp(v, "any")) {
			o->expect_any = true;
			i++;
		} else if (!strcmp(a, "--expect") && v) {
			o->expect = errno_arg(v);
			if (o->expect < 0)
				return 2;
			i++;
		} else if ((!strcmp(a, "--sndtimeo") && (ms = &o->sndtimeo)) ||
			   (!strcmp(a, "--wait") && (ms = &o->wait_ms)) ||
			   (!strcmp(a, "--min-ms") && (ms = &o->min_ms)) ||
			   (!strcmp(a, "--max-ms") && (ms = &o->max_ms))) {
			if (!v)
				goto bad_option;
			if (ms_arg(v, ms))
				return 2;
			i++;
		} else if (a[0] == '-' && a[1] == '-') {
			goto bad_option;
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			return usage();
		}
		continue;
bad_option:
		fprintf(stderr, PROG ": connect: bad option '%s'\n", a);
		return usage();
	}
	if (npos != 2 || (o->nonblock && o->fionbio))
		return usage();
	o->host = pos[0];
	o->port = pos[1];
	return 0;
}

/* The socket for @family with FIONBIO, the local port and SO_SNDTIMEO
 * applied: the fd, or -1 after fail(). */
static int connect_socket(const struct connect_opts *o, int family)
{
	int fd;

	fd = socket(family, SOCK_STREAM | (o->nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return -1;
	}
	if (o->fionbio) {
		int one = 1;

		if (ioctl(fd, FIONBIO, &one) < 0) {
			fail("ioctl FIONBIO: %s", strerror(errno));
			return -1;
		}
	}
	if (o->bind_port) {
		struct sockaddr_storage b;
		socklen_t bl;
		char pbuf[8];
		int one = 1;

		snprintf(pbuf, sizeof(pbuf), "%ld", o->bind_port);
		parse_addr(family == AF_INET6 ? "::" : "0.0.0.0", pbuf,
			   false, &b, &bl);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&b, bl) < 0) {
			fail("bind port %ld: %s", o->bind_port, errname(errno));
			return -1;
		}
		printf("bound to port %ld\n", o->bind_port);
	}
	if (o->sndtimeo >= 0) {
		struct timeval tv = { o->sndtimeo / 1000,
				      (o->sndtimeo % 1000) * 1000 };

		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
			fail("SO_SNDTIMEO: %s", strerror(errno));
			return -1;
		}
	}
	return fd;
}

/* After a non-blocking connect() gave EINPROGRESS: poll(POLLOUT) up to
 * --wait, then SO_ERROR.  Stores the outcome in @outcome; false on a
 * poll/getsockopt error (after fail()). */
static bool connect_complete(const struct connect_opts *o, int fd,
			     long long t0, int *outcome)
{
	short rev = 0;
	int soerr = 0, r;
	socklen_t sl = sizeof(soerr);

	r = wait_fd(fd, POLLOUT, (int)o->wait_ms, &rev);
	if (r == 0) {
		printf("no POLLOUT within %ld ms: outcome ETIMEDOUT\n",
		       o->wait_ms);
		soerr = ETIMEDOUT;
	} else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
				       &soerr, &sl) < 0) {
		fail("poll/SO_ERROR: %s", strerror(errno));
		return false;
	}
	*outcome = soerr;
	if (r > 0)
		printf("poll revents 0x%x, SO_ERROR %s after %lld ms\n",
		       rev, errname(soerr), now_ms() - t0);
	return true;
}

/* The outcome and the elapsed time @ms against --expect, --min-ms and
 * --max-ms. */
static bool connect_check_outcome(const struct connect_opts *o,
				  const char *abuf, int outcome, long long ms)
{
	bool okay = true;

	if (outcome != o->expect && !o->expect_any) {
		fail("connect %s: expected %s, got %s", abuf,
		     errname(o->expect), errname(outcome));
		okay = false;
	}
	if (o->min_ms >= 0 && ms < o->min_ms) {
		fail("took %lld ms, expected at least %ld ms", ms, o->min_ms);
		okay = false;
	}
	if (o->max_ms >= 0 && ms > o->max_ms) {
		fail("took %lld ms, expected at most %ld ms", ms, o->max_ms);
		okay = false;
	}
	return okay;
}

/* A connected socket: print "peer P local L" (--check-peer: P must be
 * @ss), then --echo and --recv. */
static bool connect_connected(const struct connect_opts *o, int fd,
			      const struct sockaddr_storage *ss,
			      const char *abuf)
{
	struct sockaddr_storage peer, self;
	socklen_t pl = sizeof(peer), sl = sizeof(self);
	char pbuf[80], sbuf[80];
	bool okay = true;

	memset(&peer, 0, sizeof(peer));
	memset(&self, 0, sizeof(self));
	if (getpeername(fd, (struct sockaddr *)&peer, &pl) < 0) {
		fail("getpeername: %s", errname(errno));
		okay = false;
	} else if (getsockname(fd, (struct sockaddr *)&self, &sl) < 0) {
		fail("getsockname: %s", errname(errno));
		okay = false;
	} else {
		printf("peer %s local %s\n",
		       fmt_addr((struct sockaddr *)&peer, pbuf, sizeof(pbuf)),
		       fmt_addr((struct sockaddr *)&self, sbuf, sizeof(sbuf)));
		if (o->check_peer && !same_addr(&peer, ss)) {
			fail("getpeername %s is not %s", pbuf, abuf);
			okay = false;
		}
	}
	if (okay && o->echo)
		okay = echo_check(fd);
	if (okay && o->do_recv)
		okay = recv_lines(fd);
	return okay;
}

/* --again: a second connect() on the socket must end with that errno. */
static bool connect_again(const struct connect_opts *o, int fd,
			  const struct sockaddr_storage *ss, socklen_t len)
{
	int r, err;

	r = connect(fd, (const struct sockaddr *)ss, len);
	err = r < 0 ? errno : 0;
	printf("second connect: %s\n", errname(err));
	if (err != o->again) {
		fail("second connect: expected %s, got %s",
		     errname(o->again), errname(err));
		return false;
	}
	return true;
}

int cmd_connect(int argc, char **argv)
{
	struct connect_opts o;
	struct sockaddr_storage ss;
	socklen_t len;
	long long t0, t1;
	int fd, r, err, outcome;
	char abuf[80];
	bool okay = true;

	r = connect_parse(argc, argv, &o);
	if (r)
		return r;
	if (!parse_addr(o.host, o.port, o.v6, &ss, &len))
		return 2;
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));

	fd = connect_socket(&o, ss.ss_family);
	if (fd < 0)
		return 1;

	t0 = now_ms();
	r = connect(fd, (struct sockaddr *)&ss, len);
	err = r < 0 ? errno : 0;
	t1 = now_ms();
	printf("connect %s%s%s: %s after %lld ms\n", abuf,
	       o.nonblock ? " (SOCK_NONBLOCK)" : o.fionbio ? " (FIONBIO)" : "",
	       o.sndtimeo >= 0 ? " (SO_SNDTIMEO)" : "", errname(err), t1 - t0);
	outcome = err;

	if (o.nonblock || o.fionbio) {
		if (t1 - t0 > 1000) {
			fail("non-blocking connect() blocked for %lld ms",
			     t1 - t0);
			okay = false;
		}
		if (err == 0)
			printf("note: non-blocking connect() succeeded at once\n");
		if (err == EINPROGRESS && !o.no_wait &&
		    !connect_complete(&o, fd, t0, &outcome))
			return 1;
	}

	if (!connect_check_outcome(&o, abuf, outcome, now_ms() - t0))
		okay = false;
	if (okay && outcome == 0)
		okay = connect_connected(&o, fd, &ss, abuf);
	if (okay && o.again >= 0)
		okay = connect_again(&o, fd, &ss, len);
	close(fd);
	if (okay)
		printf("connect: ok\n");
	return okay ? 0 : 1;
}
