// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * b4ns-probe.c - socket probes for the b4ns end-to-end tests
 *
 * One small program (plain libc + pthread, links statically if asked) with
 * one subcommand per behaviour the end-to-end suite wants to observe from
 * inside a container: blocking and non-blocking connect() with an expected
 * outcome, socket options and file flags surviving the switch to a host
 * socket, close-on-exec, connected UDP, a connect() racing a thread that
 * rewrites the sockaddr, many threads connecting at once while the
 * supervisor's descriptor table is watched, malformed connect() arguments,
 * unconnected UDP through sendto()/sendmsg()/sendmmsg(), bind() outcomes,
 * plus the servers the suites need (a counting TCP or UDP listener, UDP and
 * TCP echo, a server reporting its name and its clients' addresses,
 * SO_REUSEPORT workers) and a wait-for-port helper.
 *
 * Every subcommand prints what it did and exits 0 on success, 1 on failure
 * (with a diagnostic saying what was expected and what happened) and 2 on
 * usage errors.  Only numeric addresses are accepted: nothing here resolves
 * names.  Run "b4ns-probe help" for the list.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PROG "b4ns-probe"

static const char usage_text[] =
	"usage: " PROG " COMMAND [ARGS]\n"
	"\n"
	"Client probes (exit 0 on success, 1 on failure, 2 on usage errors):\n"
	"  connect [-6] HOST PORT [--nonblock|--fionbio] [--sndtimeo MS]\n"
	"          [--expect ok|ERRNO|any] [--echo] [--check-peer] [--reconnect]\n"
	"          [--again ERRNO] [--no-wait] [--wait MS] [--min-ms MS]\n"
	"          [--max-ms MS] [--recv] [--bind LPORT]\n"
	"      TCP connect().  Blocking by default; with --nonblock\n"
	"      (SOCK_NONBLOCK) or --fionbio (ioctl FIONBIO) connect() must\n"
	"      return EINPROGRESS without blocking, then the outcome is SO_ERROR\n"
	"      after poll(POLLOUT) for --wait MS (default 10000; ETIMEDOUT if\n"
	"      none) (--no-wait: the outcome is connect()'s own).\n"
	"      --sndtimeo sets SO_SNDTIMEO first.  --expect names the outcome\n"
	"      (default ok; any: only report it).  --echo sends \"ping\\n\" and\n"
	"      wants it back (only if the connect succeeded).\n"
	"      --check-peer wants getpeername() == HOST:PORT.  --recv reads\n"
	"      until EOF (5 s) and prints every line as \"recv: LINE\".\n"
	"      --bind binds the wildcard address and LPORT (SO_REUSEADDR)\n"
	"      before connecting.\n"
	"      --again wants a\n"
	"      second connect() on the socket to end with ERRNO (--reconnect:\n"
	"      --again EISCONN).  --min-ms/--max-ms bound the elapsed time.\n"
	"  sockopts [-6] HOST PORT [--basic]\n"
	"      Set TCP_NODELAY, SO_KEEPALIVE, TCP_KEEPIDLE=77, SO_RCVBUF=65536,\n"
	"      IP_TOS/IPV6_TCLASS=0x10 (and without --basic: SO_SNDBUF,\n"
	"      TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT, SO_LINGER,\n"
	"      SO_PRIORITY, IP_TTL/IPV6_UNICAST_HOPS), FIONBIO; connect\n"
	"      (EINPROGRESS, SO_ERROR 0); check every value and O_NONBLOCK.\n"
	"  cloexec [-6] HOST PORT [--echo]\n"
	"      Connect a SOCK_CLOEXEC socket and a plain one, exec self as\n"
	"      check-fds: the first must be closed, the second connected.\n"
	"  check-fds FD_CLOSED FD_OPEN PORT [--echo]   (used by cloexec)\n"
	"  udp [-6] HOST PORT\n"
	"      Connected UDP: send \"ping-PID\", want it echoed within 3 s.\n"
	"  race HOST PORT LOOPPORT N\n"
	"      A thread flips a shared sockaddr_in between HOST:PORT and\n"
	"      127.0.0.1:LOOPPORT while N blocking connects use it; prints the\n"
	"      outcomes (\"race-ok=N\": connects that succeeded).\n"
	"  threads [-6] HOST PORT T N [--no-fdcheck]\n"
	"      T threads x N blocking connect+close, all must succeed; the\n"
	"      descriptor count of /proc/PPID/fd (the supervisor) must be the\n"
	"      same before (0.5 s after a warm-up connect) and after (within\n"
	"      3 s).\n"
	"  badaddr HOST PORT\n"
	"      Raw connect() with bad lengths and pointers must fail with\n"
	"      EINVAL/EFAULT/EAFNOSUPPORT; then a normal connect must work.\n"
	"  bind-listen [-6] ADDR PORT [--udp] [--reuseport] [--expect ERRNO]\n"
	"      bind() (and listen() for TCP) with SO_REUSEADDR; the outcome must\n"
	"      be ERRNO (default ok).\n"
	"  udp-sendto [-6] HOST PORT [--bind LPORT] [--no-reply]\n"
	"             [--expect ERRNO]\n"
	"             [--then HOST2 PORT2 ERRNO|any [--via sendmsg|sendmmsg]]\n"
	"      Unconnected UDP (--bind: bound to the wildcard address and\n"
	"      LPORT first): sendto(HOST:PORT) \"ping-PID\", want it echoed\n"
	"      within 3 s from HOST:PORT (--no-reply: only send; --expect:\n"
	"      the sendto() must fail with ERRNO, no echo awaited).  --then: a\n"
	"      second sendto() (--via: sendmsg()/sendmmsg() with msg_name) on\n"
	"      the same socket to HOST2:PORT2 must end with ERRNO (ok: it must\n"
	"      be sent; any: only report).\n"
	"  udp-sendmsg [-6] HOST PORT [--expect ERRNO] [--no-reply]\n"
	"      Unconnected UDP: sendmsg() with msg_name HOST:PORT; the outcome\n"
	"      must be ERRNO (default ok: then the echo must come back).\n"
	"\n"
	"Servers and helpers:\n"
	"  count-server ADDR PORT OUTFILE [--udp]\n"
	"      Accept and close TCP connections (--udp: receive datagrams),\n"
	"      counting them.  Prints \"listening\" when ready.  SIGUSR1\n"
	"      drains the accept queue, writes\n"
	"      the count to OUTFILE and prints \"snapshot N\"; SIGTERM/SIGINT\n"
	"      drain the queue, write the count and exit.\n"
	"  udp-echo ADDR PORT\n"
	"      Echo every UDP datagram back to its sender (the first 20\n"
	"      senders are printed).\n"
	"  tcp-echo ADDR PORT\n"
	"      Echo TCP connections, one at a time, until EOF; forever.\n"
	"  serve-peer ADDR PORT [--count N] [--check-name NAME]\n"
	"             [--timeout MS]\n"
	"      Listen (SO_REUSEADDR; IPV6_V6ONLY off), print getsockname()\n"
	"      as \"serve-peer: listening on NAME\"; --check-name wants it to\n"
	"      be NAME (\"0.0.0.0:80\", \"[::]:80\"), also through a short\n"
	"      buffer (truncated, length = full size).  Then accept N (default\n"
	"      1) connections within MS (default 20000) and write\n"
	"      \"peer ADDR:PORT\\n\" (the accept()ed address, which must equal\n"
	"      getpeername()) to each client.\n"
	"  reuseport-worker PORT SECONDS OUTFILE\n"
	"      Bind 0.0.0.0:PORT with SO_REUSEPORT, listen, print \"listening\",\n"
	"      accept and close connections for SECONDS, then write the count\n"
	"      to OUTFILE and print \"reuseport-worker PID: N connections\".\n"
	"  wait-listen [-6] HOST PORT [TIMEOUT_MS]\n"
	"      Connect until something accepts (default 5000 ms).\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

/* ---- errno names ------------------------------------------------------ */

#define E(x) { #x, x }
static const struct {
	const char *name;
	int value;
} errnames[] = {
	{ "ok", 0 },
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(EBADF), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EINVAL),
	E(EMFILE), E(ENFILE), E(EPIPE), E(ENOSYS), E(ENOTSOCK),
	E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(EOPNOTSUPP), E(EAFNOSUPPORT), E(EADDRINUSE),
	E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ENETRESET),
	E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN),
	E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH),
	E(EALREADY), E(EINPROGRESS),
};
#undef E

static const char *errname(int e)
{
	static __thread char buf[16];
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].value == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "E#%d", e);
	return buf;
}

/* Return the errno value named by @s ("ok" is 0, a number is taken as is),
 * or -1. */
static int parse_errname(const char *s)
{
	size_t i;
	char *end;
	long v;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcasecmp(errnames[i].name, s))
			return errnames[i].value;
	if (!strcasecmp(s, "EWOULDBLOCK"))
		return EWOULDBLOCK;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 4095)
		return -1;
	return (int)v;
}

/* ---- small helpers ---------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static __attribute__((format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, PROG ": bad number '%s' (want %ld..%ld)\n",
			s, min, max);
		return false;
	}
	*out = v;
	return true;
}

/*
 * parse_addr() - numeric HOST and PORT into a sockaddr; IPv6 if @force6 or
 * HOST contains ':' ("[addr]" brackets are accepted).
 */
static bool parse_addr(const char *host, const char *port, bool force6,
		       struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);
	long p;

	if (!parse_long(port, 0, 65535, &p))
		return false;
	if (n >= sizeof(buf))
		goto bad;
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, host, n + 1);
	}
	memset(ss, 0, sizeof(*ss));
	if (force6 || strchr(buf, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1)
			goto bad;
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, buf, &s4->sin_addr) != 1)
			goto bad;
		*len = sizeof(*s4);
	}
	return true;
bad:
	fprintf(stderr, PROG ": bad numeric address '%s'%s\n", host,
		force6 ? " (IPv6 wanted)" : "");
	return false;
}

static const char *fmt_addr(const struct sockaddr *sa, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, n, "%s:%u", a, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, n, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, n, "(family %d)", sa->sa_family);
	}
	return buf;
}

static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return false;
}

static int addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return -1;
}

/* Wait up to @ms for @events on @fd: 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int ms, short *revents)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long end = now_ms() + ms;
	int r;

	for (;;) {
		long long left = end - now_ms();

		r = poll(&p, 1, left > 0 ? (int)left : 0);
		if (r >= 0 || errno != EINTR)
			break;
	}
	if (r > 0 && revents)
		*revents = p.revents;
	return r;
}

/* Send "ping\n" and want it back within 5 s. */
static bool echo_check(int fd)
{
	static const char msg[] = "ping\n";
	char buf[64];
	size_t got = 0;
	ssize_t n;

	n = send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL);
	if (n != (ssize_t)sizeof(msg) - 1) {
		fail("echo: send: %s", n < 0 ? errname(errno) : "short write");
		return false;
	}
	while (got < sizeof(msg) - 1) {
		if (wait_fd(fd, POLLIN, 5000, NULL) <= 0) {
			fail("echo: no reply within 5 s (got %zu bytes)", got);
			return false;
		}
		n = recv(fd, buf + got, sizeof(buf) - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			fail("echo: recv: %s", n < 0 ? errname(errno) : "EOF");
			return false;
		}
		got += (size_t)n;
	}
	if (got != sizeof(msg) - 1 || memcmp(buf, msg, got) != 0) {
		fail("echo: reply '%.*s' is not 'ping'", (int)got, buf);
		return false;
	}
	printf("echo: ok\n");
	return true;
}

/* Read until EOF (within 5 s) and print each line as "recv: LINE". */
static bool recv_lines(int fd)
{
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	char *line, *nl;

	for (;;) {
		if (got >= sizeof(buf) - 1) {
			fail("recv: more than %zu bytes", sizeof(buf) - 1);
			return false;
		}
		if (wait_fd(fd, POLLIN, 5000, NULL) <= 0) {
			fail("recv: no EOF within 5 s (got %zu bytes)", got);
			return false;
		}
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			fail("recv: %s", errname(errno));
			return false;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	for (line = buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			printf("recv: %s\n", line);
			break;
		}
		*nl = '\0';
		printf("recv: %s\n", line);
	}
	if (!got)
		printf("recv: (nothing)\n");
	return true;
}

/* ---- connect ---------------------------------------------------------- */

static int cmd_connect(int argc, char **argv)
{
	bool v6 = false, nonblock = false, fionbio = false, echo = false;
	bool check_peer = false, no_wait = false, do_recv = false;
	bool expect_any = false;
	long sndtimeo = -1, wait_ms = 10000, min_ms = -1, max_ms = -1;
	long bind_port = 0;
	const char *pos[2];
	int npos = 0, expect = 0, again = -1, fd, r, err, outcome, i;
	struct sockaddr_storage ss;
	socklen_t len;
	long long t0, t1, t2;
	char abuf[80];
	bool okay = true;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i] ? argv[i] : "";
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-6")) {
			v6 = true;
		} else if (!strcmp(a, "--nonblock")) {
			nonblock = true;
		} else if (!strcmp(a, "--fionbio")) {
			fionbio = true;
		} else if (!strcmp(a, "--echo")) {
			echo = true;
		} else if (!strcmp(a, "--check-peer")) {
			check_peer = true;
		} else if (!strcmp(a, "--recv")) {
			do_recv = true;
		} else if (!strcmp(a, "--bind") && v) {
			if (!parse_long(v, 1, 65535, &bind_port))
				return 2;
			i++;
		} else if (!strcmp(a, "--reconnect")) {
			again = EISCONN;
		} else if (!strcmp(a, "--again") && v) {
			again = parse_errname(v);
			if (again < 0) {
				fprintf(stderr, PROG ": unknown errno '%s'\n", v);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--no-wait")) {
			no_wait = true;
		} else if (!strcmp(a, "--expect") && v && !strcmp(v, "any")) {
			expect_any = true;
			i++;
		} else if (!strcmp(a, "--expect") && v) {
			expect = parse_errname(v);
			if (expect < 0) {
				fprintf(stderr, PROG ": unknown errno '%s'\n", v);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--sndtimeo") && v) {
			if (!parse_long(v, 0, 3600000, &sndtimeo))
				return 2;
			i++;
		} else if (!strcmp(a, "--wait") && v) {
			if (!parse_long(v, 0, 3600000, &wait_ms))
				return 2;
			i++;
		} else if (!strcmp(a, "--min-ms") && v) {
			if (!parse_long(v, 0, 3600000, &min_ms))
				return 2;
			i++;
		} else if (!strcmp(a, "--max-ms") && v) {
			if (!parse_long(v, 0, 3600000, &max_ms))
				return 2;
			i++;
		} else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, PROG ": connect: bad option '%s'\n", a);
			return usage();
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			return usage();
		}
	}
	if (npos != 2 || (nonblock && fionbio))
		return usage();
	if (!parse_addr(pos[0], pos[1], v6, &ss, &len))
		return 2;
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));

	fd = socket(ss.ss_family, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0),
		    0);
	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return 1;
	}
	if (fionbio) {
		int one = 1;

		if (ioctl(fd, FIONBIO, &one) < 0) {
			fail("ioctl FIONBIO: %s", strerror(errno));
			return 1;
		}
	}
	if (bind_port) {
		struct sockaddr_storage b;
		socklen_t bl;
		char pbuf[8];
		int one = 1;

		snprintf(pbuf, sizeof(pbuf), "%ld", bind_port);
		parse_addr(ss.ss_family == AF_INET6 ? "::" : "0.0.0.0", pbuf,
			   false, &b, &bl);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&b, bl) < 0) {
			fail("bind port %ld: %s", bind_port, errname(errno));
			return 1;
		}
		printf("bound to port %ld\n", bind_port);
	}
	if (sndtimeo >= 0) {
		struct timeval tv = { sndtimeo / 1000, (sndtimeo % 1000) * 1000 };

		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
			fail("SO_SNDTIMEO: %s", strerror(errno));
			return 1;
		}
	}

	t0 = now_ms();
	r = connect(fd, (struct sockaddr *)&ss, len);
	err = r < 0 ? errno : 0;
	t1 = now_ms();
	printf("connect %s%s%s: %s after %lld ms\n", abuf,
	       nonblock ? " (SOCK_NONBLOCK)" : fionbio ? " (FIONBIO)" : "",
	       sndtimeo >= 0 ? " (SO_SNDTIMEO)" : "", errname(err), t1 - t0);
	outcome = err;

	if (nonblock || fionbio) {
		if (t1 - t0 > 1000) {
			fail("non-blocking connect() blocked for %lld ms",
			     t1 - t0);
			okay = false;
		}
		if (err == 0)
			printf("note: non-blocking connect() succeeded at once\n");
		if (err == EINPROGRESS && !no_wait) {
			short rev = 0;
			int soerr = 0;
			socklen_t sl = sizeof(soerr);

			r = wait_fd(fd, POLLOUT, (int)wait_ms, &rev);
			if (r == 0) {
				printf("no POLLOUT within %ld ms: outcome ETIMEDOUT\n",
				       wait_ms);
				soerr = ETIMEDOUT;
			} else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
						       &soerr, &sl) < 0) {
				fail("poll/SO_ERROR: %s", strerror(errno));
				return 1;
			}
			outcome = soerr;
			if (r > 0)
				printf("poll revents 0x%x, SO_ERROR %s after %lld ms\n",
				       rev, errname(soerr), now_ms() - t0);
		}
	}
	t2 = now_ms();

	if (outcome != expect && !expect_any) {
		fail("connect %s: expected %s, got %s", abuf, errname(expect),
		     errname(outcome));
		okay = false;
	}
	if (min_ms >= 0 && t2 - t0 < min_ms) {
		fail("took %lld ms, expected at least %ld ms", t2 - t0, min_ms);
		okay = false;
	}
	if (max_ms >= 0 && t2 - t0 > max_ms) {
		fail("took %lld ms, expected at most %ld ms", t2 - t0, max_ms);
		okay = false;
	}

	if (okay && outcome == 0) {
		struct sockaddr_storage peer, self;
		socklen_t pl = sizeof(peer), sl = sizeof(self);
		char pbuf[80], sbuf[80];

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
			       fmt_addr((struct sockaddr *)&peer, pbuf,
					sizeof(pbuf)),
			       fmt_addr((struct sockaddr *)&self, sbuf,
					sizeof(sbuf)));
			if (check_peer && !same_addr(&peer, &ss)) {
				fail("getpeername %s is not %s", pbuf, abuf);
				okay = false;
			}
		}
		if (okay && echo)
			okay = echo_check(fd);
		if (okay && do_recv)
			okay = recv_lines(fd);
	}
	if (okay && again >= 0) {
		r = connect(fd, (struct sockaddr *)&ss, len);
		err = r < 0 ? errno : 0;
		printf("second connect: %s\n", errname(err));
		if (err != again) {
			fail("second connect: expected %s, got %s",
			     errname(again), errname(err));
			okay = false;
		}
	}
	close(fd);
	if (okay)
		printf("connect: ok\n");
	return okay ? 0 : 1;
}

/* ---- sockopts --------------------------------------------------------- */

struct optcheck {
	const char *name;
	int level;
	int opt;
	int set;	/* value to set */
	int want;	/* value expected back (filled before connect) */
	bool basic;	/* in the --basic set */
};

static int cmd_sockopts(int argc, char **argv)
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

static int cmd_cloexec(int argc, char **argv)
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

static int cmd_check_fds(int argc, char **argv)
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

/* ---- udp -------------------------------------------------------------- */

static int cmd_udp(int argc, char **argv)
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

/* ---- race ------------------------------------------------------------- */

static volatile struct sockaddr_in race_sa;
static volatile int race_stop;
static volatile unsigned long race_flips;

static void *race_flipper(void *arg)
{
	const struct sockaddr_in *ab = arg;
	unsigned long n = 0;

	while (!race_stop) {
		race_sa.sin_addr.s_addr = ab[1].sin_addr.s_addr;
		race_sa.sin_port = ab[1].sin_port;
		race_sa.sin_addr.s_addr = ab[0].sin_addr.s_addr;
		race_sa.sin_port = ab[0].sin_port;
		n++;
	}
	race_flips = n;
	return NULL;
}

static int cmd_race(int argc, char **argv)
{
	struct sockaddr_storage good;
	struct sockaddr_in ab[2];
	socklen_t len;
	long loopport, n, i;
	long counts[4096] = { 0 };
	pthread_t th;
	long long t0;
	int e;

	if (argc != 4 || !parse_addr(argv[0], argv[1], false, &good, &len) ||
	    good.ss_family != AF_INET || !parse_long(argv[2], 1, 65535, &loopport) ||
	    !parse_long(argv[3], 1, 100000000, &n))
		return usage();
	memcpy(&ab[0], &good, sizeof(ab[0]));
	memset(&ab[1], 0, sizeof(ab[1]));
	ab[1].sin_family = AF_INET;
	ab[1].sin_port = htons((uint16_t)loopport);
	ab[1].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	race_sa.sin_family = AF_INET;
	race_sa.sin_addr.s_addr = ab[0].sin_addr.s_addr;
	race_sa.sin_port = ab[0].sin_port;

	e = pthread_create(&th, NULL, race_flipper, ab);
	if (e) {
		fail("pthread_create: %s", strerror(e));
		return 1;
	}
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int r;

		if (fd < 0) {
			fail("socket: %s", strerror(errno));
			race_stop = 1;
			pthread_join(th, NULL);
			return 1;
		}
		r = connect(fd, (struct sockaddr *)&race_sa, sizeof(race_sa));
		e = r < 0 ? errno : 0;
		counts[e >= 0 && e < 4096 ? e : 4095]++;
		close(fd);
	}
	race_stop = 1;
	pthread_join(th, NULL);
	printf("race: %ld connects in %lld ms, %lu flips\n", n, now_ms() - t0,
	       race_flips);
	for (i = 0; i < 4096; i++)
		if (counts[i])
			printf("race: %s: %ld\n", errname((int)i), counts[i]);
	printf("race-ok=%ld\n", counts[0]);
	return 0;
}

/* ---- threads ---------------------------------------------------------- */

struct thr_ctx {
	struct sockaddr_storage ss;
	socklen_t len;
	long n;
	long fails;
	int first_err;
};

static void *thr_main(void *arg)
{
	struct thr_ctx *c = arg;
	long i;

	for (i = 0; i < c->n; i++) {
		int fd = socket(c->ss.ss_family, SOCK_STREAM, 0);

		if (fd < 0) {
			c->fails++;
			if (!c->first_err)
				c->first_err = errno;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&c->ss, c->len) < 0) {
			c->fails++;
			if (!c->first_err)
				c->first_err = errno;
		}
		close(fd);
	}
	return NULL;
}

/* Number of open descriptors of process @pid, or -errno. */
static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int cmd_threads(int argc, char **argv)
{
	bool v6 = false, fdcheck = true;
	const char *pos[4];
	int npos = 0, i, before = 0, after = 0, e;
	long t, n, fails = 0;
	struct sockaddr_storage ss;
	socklen_t len;
	struct thr_ctx *ctx;
	pthread_t *th;
	pid_t ppid = getppid();
	char abuf[80], comm[64] = "?", path[64];
	long long t0;
	FILE *f;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-6"))
			v6 = true;
		else if (!strcmp(argv[i], "--no-fdcheck"))
			fdcheck = false;
		else if (argv[i][0] != '-' && npos < 4)
			pos[npos++] = argv[i];
		else
			return usage();
	}
	if (npos != 4 || !parse_addr(pos[0], pos[1], v6, &ss, &len) ||
	    !parse_long(pos[2], 1, 1024, &t) ||
	    !parse_long(pos[3], 1, 1000000, &n))
		return usage();
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));

	/* Warm up: let the supervisor make whatever it keeps per container. */
	{
		struct thr_ctx w = { .ss = ss, .len = len, .n = 1 };

		thr_main(&w);
		if (w.fails) {
			fail("warm-up connect to %s: %s", abuf,
			     errname(w.first_err));
			return 1;
		}
	}
	if (fdcheck) {
		/* Let the supervisor finish with the warm-up connect. */
		sleep_ms(500);
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)ppid);
		f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		before = count_fds(ppid);
		if (before < 0) {
			fail("cannot read /proc/%d/fd (parent '%s'): %s",
			     (int)ppid, comm, strerror(-before));
			return 1;
		}
		printf("supervisor pid %d (%s): %d fds before\n", (int)ppid,
		       comm, before);
	}

	ctx = calloc((size_t)t, sizeof(*ctx));
	th = calloc((size_t)t, sizeof(*th));
	if (!ctx || !th) {
		fail("out of memory");
		return 1;
	}
	t0 = now_ms();
	for (i = 0; i < t; i++) {
		ctx[i].ss = ss;
		ctx[i].len = len;
		ctx[i].n = n;
		e = pthread_create(&th[i], NULL, thr_main, &ctx[i]);
		if (e) {
			fail("pthread_create: %s", strerror(e));
			return 1;
		}
	}
	for (i = 0; i < t; i++) {
		pthread_join(th[i], NULL);
		if (ctx[i].fails)
			printf("thread %d: %ld failed, first %s\n", i,
			       ctx[i].fails, errname(ctx[i].first_err));
		fails += ctx[i].fails;
	}
	printf("threads: %ld x %ld connects to %s in %lld ms, %ld failed\n", t,
	       n, abuf, now_ms() - t0, fails);
	if (fdcheck) {
		/* Give asynchronous clean-up up to 3 s; a leak stays. */
		for (i = 0; i < 6; i++) {
			sleep_ms(500);
			after = count_fds(ppid);
			if (after == before)
				break;
		}
		printf("supervisor pid %d: %d fds after\n", (int)ppid, after);
	}
	free(ctx);
	free(th);
	if (fails) {
		fail("%ld of %ld connects failed", fails, t * n);
		return 1;
	}
	if (fdcheck && after != before) {
		fail("supervisor descriptor count changed: %d before, %d after",
		     before, after);
		return 1;
	}
	printf("threads: ok\n");
	return 0;
}

/* ---- badaddr ---------------------------------------------------------- */

static int raw_connect(int family, const void *addr, long len)
{
	int fd = socket(family, SOCK_STREAM, 0), e;
	long r;

	if (fd < 0)
		return -1;
	r = syscall(SYS_connect, fd, addr, len);
	e = r < 0 ? errno : 0;
	close(fd);
	return e;
}

static int cmd_badaddr(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 s6;
	socklen_t len;
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *map;
	bool okay = true;
	int i;
	struct {
		const char *what;
		const void *addr;
		long len;
		int family;
		int want;
	} cases[8];
	int n = 0;

	if (argc != 2 || !parse_addr(argv[0], argv[1], false, &ss, &len) ||
	    ss.ss_family != AF_INET)
		return usage();

	/* Page 0 readable, page 1 PROT_NONE. */
	map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(map + pg, (size_t)pg, PROT_NONE)) {
		fail("mmap/mprotect: %s", strerror(errno));
		return 1;
	}
	/* The first half of a valid sockaddr_in at the end of page 0. */
	memcpy(map + pg - 8, &ss, 8);

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = ((struct sockaddr_in *)&ss)->sin_port;
	inet_pton(AF_INET6, "fd77::1", &s6.sin6_addr);

#define CASE(w, a, l, f, e) \
	cases[n++] = (typeof(cases[0])){ (w), (a), (l), (f), (e) }
	CASE("(a) addrlen 0", &ss, 0, AF_INET, EINVAL);
	CASE("(b) addrlen 4096", &ss, 4096, AF_INET, EINVAL);
	CASE("(c) addr on a PROT_NONE page", map + pg, 16, AF_INET, EFAULT);
	CASE("(d) addr NULL, addrlen 16", NULL, 16, AF_INET, EFAULT);
	CASE("(e) AF_INET with addrlen 8", &ss, 8, AF_INET, EINVAL);
	CASE("(f) addrlen -1", &ss, -1, AF_INET, EINVAL);
	CASE("(g) addr straddling into a PROT_NONE page", map + pg - 8, 16,
	     AF_INET, EFAULT);
	CASE("(h) AF_INET6 sockaddr on an AF_INET socket", &s6,
	     (long)sizeof(s6), AF_INET, EAFNOSUPPORT);
#undef CASE

	for (i = 0; i < n; i++) {
		int e = raw_connect(cases[i].family, cases[i].addr, cases[i].len);

		printf("badaddr %s: %s (want %s)%s\n", cases[i].what,
		       errname(e), errname(cases[i].want),
		       e == cases[i].want ? "" : "  <-- WRONG");
		if (e != cases[i].want) {
			fail("%s: expected %s, got %s", cases[i].what,
			     errname(cases[i].want), errname(e));
			okay = false;
		}
	}
	i = raw_connect(AF_INET, &ss, len);
	printf("badaddr then a normal connect to %s:%s: %s\n", argv[0],
	       argv[1], errname(i));
	if (i) {
		fail("normal connect after bad ones: %s", errname(i));
		okay = false;
	}
	munmap(map, (size_t)pg * 2);
	if (okay)
		printf("badaddr: ok\n");
	return okay ? 0 : 1;
}

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

static int cmd_count_server(int argc, char **argv)
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

static int cmd_udp_echo(int argc, char **argv)
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

static int cmd_wait_listen(int argc, char **argv)
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

/* ---- bind-listen ------------------------------------------------------ */

/* Positional HOST PORT plus -6; other options handled by the caller via
 * @opt (returns the number of arguments it consumed, 0 if unknown, -1 on a
 * bad value). */
typedef int (*opt_fn)(void *st, const char *a, const char *v);

static bool parse_hostport_args(int argc, char **argv, opt_fn opt, void *st,
				struct sockaddr_storage *ss, socklen_t *len)
{
	bool v6 = false;
	const char *pos[2];
	int npos = 0, i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int used;

		if (!strcmp(a, "-6")) {
			v6 = true;
			continue;
		}
		if (a[0] == '-' && a[1] == '-') {
			used = opt ? opt(st, a, v) : 0;
			if (used <= 0) {
				if (!used)
					fprintf(stderr, PROG ": bad option '%s'\n", a);
				return false;
			}
			i += used - 1;
			continue;
		}
		if (npos >= 2)
			return false;
		pos[npos++] = a;
	}
	return npos == 2 && parse_addr(pos[0], pos[1], v6, ss, len);
}

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

static int cmd_bind_listen(int argc, char **argv)
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
static int cmd_udp_sendto(int argc, char **argv)
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

static int cmd_udp_sendmsg(int argc, char **argv)
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

/* ---- tcp-echo --------------------------------------------------------- */

static int cmd_tcp_echo(int argc, char **argv)
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
};

static int serve_opt(void *st, const char *a, const char *v)
{
	struct serve_opts *o = st;

	if (!strcmp(a, "--count") && v)
		return parse_long(v, 0, 100000, &o->count) ? 2 : -1;
	if (!strcmp(a, "--timeout") && v)
		return parse_long(v, 0, 3600000, &o->timeout) ? 2 : -1;
	if (!strcmp(a, "--check-name") && v) {
		o->check_name = v;
		return 2;
	}
	return 0;
}

static int cmd_serve_peer(int argc, char **argv)
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

		if (wait_fd(fd, POLLIN, left > 0 ? (int)left : 0, NULL) <= 0) {
			fail("serve-peer: connection %ld of %ld did not come "
			     "within %ld ms", i + 1, o.count, o.timeout);
			return 1;
		}
		memset(&peer, 0, sizeof(peer));
		memset(&gp, 0, sizeof(gp));
		c = accept(fd, (struct sockaddr *)&peer, &pl);
		if (c < 0) {
			fail("accept: %s", errname(errno));
			return 1;
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

static int cmd_reuseport_worker(int argc, char **argv)
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

/* ---- main ------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "connect", cmd_connect },
		{ "sockopts", cmd_sockopts },
		{ "cloexec", cmd_cloexec },
		{ "check-fds", cmd_check_fds },
		{ "udp", cmd_udp },
		{ "race", cmd_race },
		{ "threads", cmd_threads },
		{ "badaddr", cmd_badaddr },
		{ "count-server", cmd_count_server },
		{ "udp-echo", cmd_udp_echo },
		{ "wait-listen", cmd_wait_listen },
		{ "bind-listen", cmd_bind_listen },
		{ "udp-sendto", cmd_udp_sendto },
		{ "udp-sendmsg", cmd_udp_sendmsg },
		{ "tcp-echo", cmd_tcp_echo },
		{ "serve-peer", cmd_serve_peer },
		{ "reuseport-worker", cmd_reuseport_worker },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, PROG ": unknown command '%s'\n", argv[1]);
	return usage();
}
