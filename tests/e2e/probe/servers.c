// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * servers.c - servers and helpers: count-server, udp-echo, wait-listen, tcp-echo, serve-peer, reuseport-worker
 *
 * The test-host servers the suites start (a connection/datagram counter
 * with SIGUSR1 snapshots, UDP and TCP echo), servers run inside containers
 * to test published ports (serve-peer reports its name and its clients'
 * addresses, reuseport-worker counts its share of SO_REUSEPORT
 * connections) and wait-listen, which polls a port until it accepts.
 */

#include "probe.h"

/* ---- count-server ----------------------------------------------------- */

static int listen_on(const char *host, const char *port, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (!parse_addr(host, port, false, &ss, &len))
		return -2;
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4096) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool write_count(const char *path, unsigned long count)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return false;
	fprintf(f, "%lu\n", count);
	if (fclose(f) || rename(tmp, path))
		return false;
	return true;
}

int cmd_count_server(int argc, char **argv)
{
	struct pollfd p[2];
	unsigned long count = 0;
	sigset_t set;
	int lfd;
	bool udp = false;

	if (argc == 4 && !strcmp(argv[3], "--udp"))
		udp = true;
	else if (argc != 3)
		return usage();
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	p[1].fd = signalfd(-1, &set, SFD_CLOEXEC);
	lfd = listen_on(argv[0], argv[1], udp ? SOCK_DGRAM : SOCK_STREAM);
	if (lfd < 0 || p[1].fd < 0) {
		fprintf(stderr, PROG ": count-server %s:%s: %s\n", argv[0],
			argv[1], strerror(errno));
		return 1;
	}
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	if (!write_count(argv[2], 0)) {
		fprintf(stderr, PROG ": %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	printf("count-server: listening on %s:%s\n", argv[0], argv[1]);
	fflush(stdout);
	p[0].fd = lfd;
	p[0].events = POLLIN;
	p[1].events = POLLIN;

	for (;;) {
		bool quit = false;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(p[1].fd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo != SIGUSR1)
				quit = true;
		}
		/* Accept everything queued, also before quitting. */
		for (;;) {
			struct sockaddr_storage peer = { 0 };
			socklen_t pl = sizeof(peer);
			char pbuf[80], dbuf[64];
			int c;

			if (udp) {
				if (recvfrom(lfd, dbuf, sizeof(dbuf), 0,
					     (struct sockaddr *)&peer, &pl) < 0) {
					if (errno == EINTR)
						continue;
					break;
				}
				count++;
				if (count <= 20)
					printf("count-server: datagram #%lu from %s\n",
					       count,
					       fmt_addr((struct sockaddr *)&peer,
							pbuf, sizeof(pbuf)));
				continue;
			}
			c = accept4(lfd, (struct sockaddr *)&peer, &pl,
				    SOCK_CLOEXEC);
			if (c < 0) {
				if (errno == EINTR || errno == ECONNABORTED)
					continue;
				break;
			}
			count++;
			if (count <= 20)
				printf("count-server: #%lu from %s\n", count,
				       fmt_addr((struct sockaddr *)&peer, pbuf,
						sizeof(pbuf)));
			fflush(stdout);
			close(c);
		}
		if (quit)
			break;
		if (p[1].revents & POLLIN) {
			if (!write_count(argv[2], count))
				fprintf(stderr, PROG ": %s: %s\n", argv[2],
					strerror(errno));
			printf("count-server: snapshot %lu\n", count);
		}
	}
	printf("count-server: %lu %s\n", count, udp ? "datagrams" : "connections");
	return write_count(argv[2], count) ? 0 : 1;
}

/* ---- udp-echo --------------------------------------------------------- */

int cmd_udp_echo(int argc, char **argv)
{
	char buf[65536];
	int fd;

	if (argc != 2)
		return usage();
	fd = listen_on(argv[0], argv[1], SOCK_DGRAM);
	if (fd < 0) {
		fprintf(stderr, PROG ": udp-echo %s:%s: %s\n", argv[0], argv[1],
			strerror(errno));
		return 1;
	}
	printf("udp-echo: listening on %s:%s\n", argv[0], argv[1]);
	fflush(stdout);
	for (unsigned long count = 1;; count++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		char pbuf[80];
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &pl);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror(PROG ": recvfrom");
			return 1;
		}
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer,
			   pl) < 0 && count <= 20)
			printf("udp-echo: #%lu from %s: reply: %s\n", count,
			       fmt_addr((struct sockaddr *)&peer, pbuf,
					sizeof(pbuf)), errname(errno));
		else if (count <= 20)
			printf("udp-echo: #%lu from %s\n", count,
			       fmt_addr((struct sockaddr *)&peer, pbuf,
					sizeof(pbuf)));
	}
}

/* ---- wait-listen ------------------------------------------------------ */

int cmd_wait_listen(int argc, char **argv)
{
	bool v6 = false;
	const char *pos[3];
	int npos = 0, i;
	long timeout = 5000;
	struct sockaddr_storage ss;
	socklen_t len;
	long long end;
	int last = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-6"))
			v6 = true;
		else if (argv[i][0] != '-' && npos < 3)
			pos[npos++] = argv[i];
		else
			return usage();
	}
	if (npos < 2 || !parse_addr(pos[0], pos[1], v6, &ss, &len) ||
	    (npos == 3 && !parse_long(pos[2], 0, 3600000, &timeout)))
		return usage();
	end = now_ms() + timeout;
	do {
		int fd = socket(ss.ss_family, SOCK_STREAM, 0);
		int r = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&ss, len);

		last = r < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		if (!r)
			return 0;
		sleep_ms(50);
	} while (now_ms() < end);
	fail("nothing listens on %s:%s after %ld ms (last %s)", pos[0], pos[1],
	     timeout, errname(last));
	return 1;
}

/* ---- tcp-echo --------------------------------------------------------- */

int cmd_tcp_echo(int argc, char **argv)
{
	char buf[65536];
	unsigned long count = 0;
	int lfd;

	if (argc != 2)
		return usage();
	lfd = listen_on(argv[0], argv[1], SOCK_STREAM);
	if (lfd < 0) {
		fprintf(stderr, PROG ": tcp-echo %s:%s: %s\n", argv[0], argv[1],
			strerror(errno));
		return 1;
	}
	printf("tcp-echo: listening on %s:%s\n", argv[0], argv[1]);
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		char pbuf[80];
		int c = accept(lfd, (struct sockaddr *)&peer, &pl);
		ssize_t n;

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror(PROG ": accept");
			return 1;
		}
		if (++count <= 20)
			printf("tcp-echo: #%lu from %s\n", count,
			       fmt_addr((struct sockaddr *)&peer, pbuf,
					sizeof(pbuf)));
		while ((n = read(c, buf, sizeof(buf))) > 0)
			if (write(c, buf, (size_t)n) != n)
				break;
		close(c);
	}
}

/* ---- serve-peer ------------------------------------------------------- */

struct serve_opts {
	long count, timeout;
	const char *check_name;
	bool block, accept4;
};

static int serve_opt(void *st, const char *a, const char *v)
{
	struct serve_opts *o = st;

	if (!strcmp(a, "--count") && v)
		return parse_long(v, 0, 100000, &o->count) ? 2 : -1;
	if (!strcmp(a, "--timeout") && v)
		return parse_long(v, 0, 3600000, &o->timeout) ? 2 : -1;
	if (!strcmp(a, "--block")) {
		o->block = true;
		return 1;
	}
	if (!strcmp(a, "--accept4")) {
		o->accept4 = true;
		return 1;
	}
	if (!strcmp(a, "--check-name") && v) {
		o->check_name = v;
		return 2;
	}
	return 0;
}

int cmd_serve_peer(int argc, char **argv)
{
	struct serve_opts o = { .count = 1, .timeout = 20000 };
	struct sockaddr_storage ss, name;
	socklen_t len, nl = sizeof(name);
	char abuf[80], nbuf[80];
	int fd, one = 1, zero = 0;
	long i;
	long long end;
	bool okay = true;

	if (!parse_hostport_args(argc, argv, serve_opt, &o, &ss, &len))
		return usage();
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		fail("serve-peer %s: %s", abuf, errname(errno));
		return 1;
	}
	memset(&name, 0, sizeof(name));
	if (getsockname(fd, (struct sockaddr *)&name, &nl) < 0) {
		fail("getsockname: %s", errname(errno));
		return 1;
	}
	fmt_addr((struct sockaddr *)&name, nbuf, sizeof(nbuf));
	printf("serve-peer: getsockname %s (length %u)\n", nbuf, (unsigned)nl);
	if (o.check_name) {
		socklen_t want = name.ss_family == AF_INET6 ?
			sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		unsigned char shortbuf[16];
		socklen_t sl = 8;

		if (strcmp(nbuf, o.check_name) != 0) {
			fail("getsockname %s is not %s", nbuf, o.check_name);
			okay = false;
		}
		if (nl != want) {
			fail("getsockname length %u, want %u", (unsigned)nl,
			     (unsigned)want);
			okay = false;
		}
		/* Short buffer: truncated, length says the full size. */
		memset(shortbuf, 0xa5, sizeof(shortbuf));
		if (getsockname(fd, (struct sockaddr *)shortbuf, &sl) < 0) {
			fail("getsockname (8-byte buffer): %s", errname(errno));
			okay = false;
		} else {
			bool same = memcmp(shortbuf, &name, 8) == 0;
			bool untouched = true;

			for (size_t k = 8; k < sizeof(shortbuf); k++)
				if (shortbuf[k] != 0xa5)
					untouched = false;
			printf("serve-peer: getsockname (8-byte buffer): length %u, "
			       "%s, %s\n", (unsigned)sl,
			       same ? "same 8 bytes" : "DIFFERENT bytes",
			       untouched ? "nothing written beyond"
					 : "WRITTEN BEYOND the buffer");
			if (sl != want || !same || !untouched) {
				fail("getsockname with an 8-byte buffer: length %u "
				     "(want %u), %s, %s", (unsigned)sl,
				     (unsigned)want,
				     same ? "same bytes" : "different bytes",
				     untouched ? "no overrun" : "overrun");
				okay = false;
			}
		}
		if (okay)
			printf("serve-peer: name ok\n");
	}
	printf("serve-peer: listening on %s\n", nbuf);
	end = now_ms() + o.timeout;
	for (i = 0; i < o.count; i++) {
		struct sockaddr_storage peer, gp;
		socklen_t pl = sizeof(peer), gl = sizeof(gp);
		char pbuf[80], gbuf[80], line[128];
		long long left = end - now_ms();
		int c;

		if (o.block) {
			/* a blocking accept() that waits for its client */
			struct timeval tv = { .tv_sec = left > 0 ? left / 1000 : 0,
					      .tv_usec = left > 0 ? left % 1000 * 1000 : 1 };

			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		} else if (wait_fd(fd, POLLIN, left > 0 ? (int)left : 0,
				   NULL) <= 0) {
			fail("serve-peer: connection %ld of %ld did not come "
			     "within %ld ms", i + 1, o.count, o.timeout);
			return 1;
		}
		memset(&peer, 0, sizeof(peer));
		memset(&gp, 0, sizeof(gp));
		c = o.accept4 ? accept4(fd, (struct sockaddr *)&peer, &pl,
					SOCK_NONBLOCK | SOCK_CLOEXEC) :
				accept(fd, (struct sockaddr *)&peer, &pl);
		if (c < 0) {
			fail("accept: %s", errname(errno));
			return 1;
		}
		if (!(fcntl(c, F_GETFL) & O_NONBLOCK) != !o.accept4 ||
		    !(fcntl(c, F_GETFD) & FD_CLOEXEC) != !o.accept4) {
			fail("accepted socket: O_NONBLOCK/FD_CLOEXEC are not "
			     "as accept%s() asked", o.accept4 ? "4" : "");
			okay = false;
		}
		if (pl != (peer.ss_family == AF_INET6 ?
				   sizeof(struct sockaddr_in6) :
				   sizeof(struct sockaddr_in))) {
			fail("accept(): address length %u", (unsigned)pl);
			okay = false;
		}
		fmt_addr((struct sockaddr *)&peer, pbuf, sizeof(pbuf));
		if (getpeername(c, (struct sockaddr *)&gp, &gl) < 0) {
			fail("getpeername on the accepted socket: %s",
			     errname(errno));
			okay = false;
		} else if (!same_addr(&gp, &peer)) {
			fail("accept() says %s, getpeername() %s", pbuf,
			     fmt_addr((struct sockaddr *)&gp, gbuf,
				      sizeof(gbuf)));
			okay = false;
		}
		printf("serve-peer: #%ld from %s\n", i + 1, pbuf);
		/* the accepted socket's own name: the container side, as
		 * natively (issue 15); not "#N" (suites count those lines) */
		gl = sizeof(gp);
		memset(&gp, 0, sizeof(gp));
		if (getsockname(c, (struct sockaddr *)&gp, &gl) < 0)
			printf("serve-peer: name of %ld: getsockname: %s\n",
			       i + 1, errname(errno));
		else
			printf("serve-peer: name of %ld: %s\n", i + 1,
			       fmt_addr((struct sockaddr *)&gp, gbuf,
					sizeof(gbuf)));
		snprintf(line, sizeof(line), "peer %s\n", pbuf);
		if (write(c, line, strlen(line)) < 0)
			printf("serve-peer: write: %s\n", errname(errno));
		close(c);
	}
	close(fd);
	if (okay)
		printf("serve-peer: ok\n");
	return okay ? 0 : 1;
}

/* ---- reuseport-worker ------------------------------------------------- */

int cmd_reuseport_worker(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned long count = 0;
	long port, secs;
	long long end;
	int fd, one = 1;

	if (argc != 3 || !parse_long(argv[0], 1, 65535, &port) ||
	    !parse_long(argv[1], 1, 3600, &secs))
		return usage();
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4096) < 0) {
		fail("reuseport-worker %d: 0.0.0.0:%ld: %s", (int)getpid(), port,
		     errname(errno));
		return 1;
	}
	printf("reuseport-worker %d: listening on 0.0.0.0:%ld\n",
	       (int)getpid(), port);
	end = now_ms() + secs * 1000;
	for (;;) {
		long long left = end - now_ms();
		int c;

		if (left <= 0)
			break;
		if (wait_fd(fd, POLLIN, (int)left, NULL) <= 0)
			continue;
		while ((c = accept(fd, NULL, NULL)) >= 0) {
			count++;
			close(c);
		}
	}
	if (!write_count(argv[2], count)) {
		fail("%s: %s", argv[2], strerror(errno));
		return 1;
	}
	printf("reuseport-worker %d: %lu connections\n", (int)getpid(), count);
	return 0;
}
