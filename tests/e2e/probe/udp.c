// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udp.c - UDP probes: udp (connected), udp-sendto, udp-sendmsg
 *
 * Connected UDP echo; unconnected sendto() (optionally from a bound port,
 * and a second send on the same socket through sendto/sendmsg/sendmmsg);
 * sendmsg() with msg_name.  Each wants the echo back from the address it
 * sent to, or the expected errno.
 */

#include "probe.h"

/* ---- udp -------------------------------------------------------------- */

int cmd_udp(int argc, char **argv)
{
	bool v6 = false;
	const char *pos[2];
	int npos = 0, i, fd;
	struct sockaddr_storage ss;
	socklen_t len;
	struct timeval tv = { 3, 0 };
	char abuf[80], msg[64], buf[128];
	ssize_t n;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-6"))
			v6 = true;
		else if (argv[i][0] != '-' && npos < 2)
			pos[npos++] = argv[i];
		else
			return usage();
	}
	if (npos != 2 || !parse_addr(pos[0], pos[1], v6, &ss, &len))
		return 2;
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));

	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		fail("connect udp %s: %s", abuf, errname(errno));
		return 1;
	}
	printf("udp connect %s: ok\n", abuf);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(msg, sizeof(msg), "ping-%d", (int)getpid());
	n = send(fd, msg, strlen(msg), 0);
	if (n != (ssize_t)strlen(msg)) {
		fail("send: %s", n < 0 ? errname(errno) : "short");
		return 1;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		fail("recv (3 s timeout): %s", errname(errno));
		return 1;
	}
	if ((size_t)n != strlen(msg) || memcmp(buf, msg, (size_t)n) != 0) {
		fail("reply '%.*s' is not '%s'", (int)n, buf, msg);
		return 1;
	}
	printf("udp echo '%s': ok\n", msg);
	close(fd);
	return 0;
}

/* ---- udp-sendto / udp-sendmsg ----------------------------------------- */

/* Wait up to 3 s for "@msg" back from @from on @fd. */
static bool udp_await(int fd, const char *msg,
		      const struct sockaddr_storage *from)
{
	struct sockaddr_storage src;
	socklen_t sl = sizeof(src);
	char buf[512], sbuf[80], fbuf[80];
	ssize_t n;

	if (wait_fd(fd, POLLIN, 3000, NULL) <= 0) {
		fail("no reply within 3 s");
		return false;
	}
	memset(&src, 0, sizeof(src));
	n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		     (struct sockaddr *)&src, &sl);
	if (n < 0) {
		fail("recvfrom: %s", errname(errno));
		return false;
	}
	fmt_addr((struct sockaddr *)&src, sbuf, sizeof(sbuf));
	fmt_addr((const struct sockaddr *)from, fbuf, sizeof(fbuf));
	printf("reply '%.*s' from %s\n", (int)n, buf, sbuf);
	if ((size_t)n != strlen(msg) || memcmp(buf, msg, (size_t)n) != 0) {
		fail("reply '%.*s' is not '%s'", (int)n, buf, msg);
		return false;
	}
	if (!same_addr(&src, from)) {
		fail("reply from %s, not from %s", sbuf, fbuf);
		return false;
	}
	return true;
}

struct sendto_opts {
	bool no_reply;
	long bind_port;
	const char *then_host, *then_port;
	int then_expect;
	int expect;
};

static int sendto_opt(void *st, const char *a, const char *v)
{
	struct sendto_opts *o = st;

	if (!strcmp(a, "--no-reply")) {
		o->no_reply = true;
		return 1;
	}
	if (!strcmp(a, "--bind") && v)
		return parse_long(v, 1, 65535, &o->bind_port) ? 2 : -1;
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

/* udp-sendto [-6] HOST PORT [--no-reply] [--then HOST2 PORT2 ERRNO] */
int cmd_udp_sendto(int argc, char **argv)
{
	struct sendto_opts o = { .then_expect = -1, .bind_port = 0 };
	struct sockaddr_storage ss, ss2;
	socklen_t len, len2;
	char abuf[80], bbuf[80], msg[64];
	int fd, i, n = argc;
	ssize_t r;
	bool okay = true, then_any = false;
	const char *via = "sendto";

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--then")) {
			if (i + 4 > argc)
				return usage();
			o.then_host = argv[i + 1];
			o.then_port = argv[i + 2];
			if (i + 4 < argc) {
				if (i + 6 != argc || strcmp(argv[i + 4], "--via"))
					return usage();
				via = argv[i + 5];
				if (strcmp(via, "sendto") && strcmp(via, "sendmsg") &&
				    strcmp(via, "sendmmsg"))
					return usage();
			}
			then_any = !strcmp(argv[i + 3], "any");
			o.then_expect = then_any ? 0 : parse_errname(argv[i + 3]);
			if (o.then_expect < 0) {
				fprintf(stderr, PROG ": unknown errno '%s'\n",
					argv[i + 3]);
				return 2;
			}
			n = i;
			break;
		}
	}
	if (!parse_hostport_args(n, argv, sendto_opt, &o, &ss, &len))
		return usage();
	if (o.then_host && !parse_addr(o.then_host, o.then_port,
				       ss.ss_family == AF_INET6, &ss2, &len2))
		return usage();
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));

	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return 1;
	}
	if (o.bind_port) {
		struct sockaddr_storage b;
		socklen_t bl;
		char pbuf[8];

		snprintf(pbuf, sizeof(pbuf), "%ld", o.bind_port);
		parse_addr(ss.ss_family == AF_INET6 ? "::" : "0.0.0.0", pbuf,
			   false, &b, &bl);
		if (bind(fd, (struct sockaddr *)&b, bl) < 0) {
			fail("bind port %ld: %s", o.bind_port, errname(errno));
			return 1;
		}
		printf("bound to port %ld\n", o.bind_port);
	}
	snprintf(msg, sizeof(msg), "ping-%d", (int)getpid());
	r = sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&ss, len);
	printf("sendto %s: %s\n", abuf, r < 0 ? errname(errno) : "ok");
	if (o.expect) {
		/* --expect ERRNO: the first sendto() must fail so. */
		if (r >= 0 || errno != o.expect) {
			fail("sendto %s: expected %s, got %s", abuf,
			     errname(o.expect), r < 0 ? errname(errno) : "ok");
			return 1;
		}
	} else if (r != (ssize_t)strlen(msg)) {
		fail("sendto %s: %s", abuf, r < 0 ? errname(errno) : "short");
		return 1;
	}
	if (!o.no_reply && !o.expect) {
		if (!udp_await(fd, msg, &ss))
			return 1;
		/* A second datagram goes natively on the switched socket. */
		r = sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&ss, len);
		if (r != (ssize_t)strlen(msg)) {
			fail("second sendto %s: %s", abuf,
			     r < 0 ? errname(errno) : "short");
			return 1;
		}
		if (!udp_await(fd, msg, &ss))
			return 1;
		printf("udp-sendto echo x2: ok\n");
	}
	if (o.then_host) {
		int e;

		struct iovec iov = { msg, strlen(msg) };
		struct mmsghdr mm;

		memset(&mm, 0, sizeof(mm));
		mm.msg_hdr.msg_name = &ss2;
		mm.msg_hdr.msg_namelen = len2;
		mm.msg_hdr.msg_iov = &iov;
		mm.msg_hdr.msg_iovlen = 1;
		fmt_addr((struct sockaddr *)&ss2, bbuf, sizeof(bbuf));
		if (!strcmp(via, "sendmsg")) {
			r = sendmsg(fd, &mm.msg_hdr, 0);
		} else if (!strcmp(via, "sendmmsg")) {
			r = sendmmsg(fd, &mm, 1, 0);
			if (r == 1 && mm.msg_len != strlen(msg))
				r = 0;
		} else {
			r = sendto(fd, msg, strlen(msg), 0,
				   (struct sockaddr *)&ss2, len2);
		}
		e = r < 0 ? errno : 0;
		printf("then %s %s: %s\n", via, bbuf, errname(e));
		if (!then_any && e != o.then_expect) {
			fail("sendto %s: expected %s, got %s", bbuf,
			     errname(o.then_expect), errname(e));
			okay = false;
		}
	}
	close(fd);
	if (okay)
		printf("udp-sendto: ok\n");
	return okay ? 0 : 1;
}

int cmd_udp_sendmsg(int argc, char **argv)
{
	struct sendto_opts o = { 0 };
	struct sockaddr_storage ss;
	socklen_t len;
	char abuf[80], msg[64];
	struct iovec iov;
	struct msghdr mh;
	int fd, e;
	ssize_t r;

	if (!parse_hostport_args(argc, argv, sendto_opt, &o, &ss, &len))
		return usage();
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return 1;
	}
	snprintf(msg, sizeof(msg), "ping-%d", (int)getpid());
	iov.iov_base = msg;
	iov.iov_len = strlen(msg);
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &ss;
	mh.msg_namelen = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	r = sendmsg(fd, &mh, 0);
	e = r < 0 ? errno : 0;
	printf("sendmsg %s: %s\n", abuf, errname(e));
	if (e != o.expect) {
		fail("sendmsg %s: expected %s, got %s", abuf, errname(o.expect),
		     errname(e));
		return 1;
	}
	if (!e) {
		if (r != (ssize_t)strlen(msg)) {
			fail("sendmsg: short");
			return 1;
		}
		if (!o.no_reply && !udp_await(fd, msg, &ss))
			return 1;
	}
	close(fd);
	printf("udp-sendmsg: ok\n");
	return 0;
}
