// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util.c - helpers shared by the b4ns-probe subcommands
 *
 * Errno names both ways, numbers and numeric addresses parsed strictly (no
 * name resolution), addresses formatted as ADDR:PORT / [ADDR]:PORT, poll
 * with a deadline, the "ping" echo and the read-until-EOF checks of a
 * connected TCP socket, and the HOST PORT [-6] [--option...] parser most
 * subcommands share.
 */

#include "probe.h"

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

const char *errname(int e)
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
int parse_errname(const char *s)
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

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void fail(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

bool parse_long(const char *s, long min, long max, long *out)
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
bool parse_addr(const char *host, const char *port, bool force6,
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

const char *fmt_addr(const struct sockaddr *sa, char *buf, size_t n)
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

bool same_addr(const struct sockaddr_storage *a,
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

int addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return -1;
}

/* Wait up to @ms for @events on @fd: 1 ready, 0 timeout, -1 error. */
int wait_fd(int fd, short events, int ms, short *revents)
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
bool echo_check(int fd)
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
bool recv_lines(int fd)
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

/* Positional HOST PORT plus -6; other options handled by the caller via
 * @opt (returns the number of arguments it consumed, 0 if unknown, -1 on a
 * bad value). */
bool parse_hostport_args(int argc, char **argv, opt_fn opt, void *st,
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

