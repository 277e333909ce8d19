// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sockopt.c - batched getsockopt(): the same results as getsockopt()
 * through io_uring and through the fallback, one io_uring_enter() a batch
 *
 * No traffic: sockets are created, configured and read, never connected.
 * Each test runs in its own process, so each sets up its own ring.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "err.h"
#include "sockopt.h"

#define VALMAX 64

static int sock(int family, int type)
{
	int s = socket(family, type | SOCK_CLOEXEC, 0);

	cr_assert_geq(s, 0, "socket(%d, %d): %s", family, type, strerror(errno));
	return s;
}

static void seti(int fd, int level, int name, int v)
{
	cr_assert_eq(setsockopt(fd, level, name, &v, sizeof(v)), 0,
		     "set %d/%d: %s", level, name, strerror(errno));
}

/**
 * struct opt - one option to read, with the size of the buffer offered
 */
struct opt {
	int level;
	int name;
	socklen_t len;
};

/* SOL_SOCKET options every TCP and UDP socket has, plus a few with odd
 * lengths (short buffer, too large a buffer, SO_BINDTODEVICE empty) */
static const struct opt sol_opts[] = {
	{ SOL_SOCKET, SO_TYPE, sizeof(int) },
	{ SOL_SOCKET, SO_PROTOCOL, sizeof(int) },
	{ SOL_SOCKET, SO_DOMAIN, sizeof(int) },
	{ SOL_SOCKET, SO_KEEPALIVE, sizeof(int) },
	{ SOL_SOCKET, SO_REUSEADDR, sizeof(int) },
	{ SOL_SOCKET, SO_LINGER, sizeof(struct linger) },
	{ SOL_SOCKET, SO_RCVBUF, sizeof(int) },
	{ SOL_SOCKET, SO_SNDBUF, sizeof(int) },
	{ SOL_SOCKET, SO_RCVLOWAT, sizeof(int) },
	{ SOL_SOCKET, SO_RCVTIMEO, sizeof(struct timeval) },
	{ SOL_SOCKET, SO_SNDTIMEO, sizeof(struct timeval) },
	{ SOL_SOCKET, SO_MARK, sizeof(int) },
	{ SOL_SOCKET, SO_PRIORITY, sizeof(int) },
	{ SOL_SOCKET, SO_BROADCAST, sizeof(int) },
	{ SOL_SOCKET, SO_TIMESTAMP, sizeof(int) },
	{ SOL_SOCKET, SO_MAX_PACING_RATE, sizeof(unsigned long) },
	{ SOL_SOCKET, SO_COOKIE, sizeof(uint64_t) },
	{ SOL_SOCKET, SO_BINDTODEVICE, IFNAMSIZ },
	{ SOL_SOCKET, SO_RCVBUF, 2 },		/* short: 2 bytes back */
	{ SOL_SOCKET, SO_TYPE, VALMAX },	/* long: 4 bytes back */
};

/* options of other levels: answered by getsockopt() in any case */
static const struct opt mixed_opts[] = {
	{ SOL_SOCKET, SO_KEEPALIVE, sizeof(int) },
	{ IPPROTO_TCP, TCP_NODELAY, sizeof(int) },
	{ SOL_SOCKET, SO_RCVBUF, sizeof(int) },
	{ IPPROTO_IP, IP_TOS, sizeof(int) },
	{ SOL_SOCKET, SO_PRIORITY, sizeof(int) },
	{ IPPROTO_TCP, TCP_KEEPIDLE, sizeof(int) },
	{ SOL_SOCKET, SO_LINGER, sizeof(struct linger) },
};

/* entries that fail, between entries that do not */
static const struct opt error_opts[] = {
	{ SOL_SOCKET, SO_KEEPALIVE, sizeof(int) },
	{ SOL_SOCKET, 9999, sizeof(int) },		/* no such option */
	{ SOL_SOCKET, SO_RCVBUF, sizeof(int) },
	{ SOL_SOCKET, SO_PEERNAME, VALMAX },		/* not connected */
	{ IPPROTO_TCP, TCP_NODELAY, sizeof(int) },	/* UDP: no TCP level */
	{ SOL_SOCKET, SO_PRIORITY, sizeof(int) },
};

/**
 * struct result - what getsockopt() or the batch said about one option
 */
struct result {
	int ret;
	socklen_t len;
	unsigned char val[VALMAX];
};

static void plain(int fd, const struct opt *o, size_t n, struct result *r)
{
	for (size_t i = 0; i < n; i++) {
		memset(r[i].val, 0xa5, sizeof(r[i].val));
		r[i].len = o[i].len;
		r[i].ret = getsockopt(fd, o[i].level, o[i].name, r[i].val,
				      &r[i].len) ? -errno : 0;
		if (r[i].ret)
			r[i].len = o[i].len;
	}
}

/* batched() - run @o as one batch; return sockopt_batch_run()'s value */
static int batched(int fd, const struct opt *o, size_t n, struct result *r)
{
	struct sockopt_batch b = { 0 };

	for (size_t i = 0; i < n; i++) {
		memset(r[i].val, 0xa5, sizeof(r[i].val));
		cr_assert_eq(sockopt_batch_add(&b, o[i].level, o[i].name,
					       r[i].val, o[i].len),
			     (int)i);
	}
	int ret = sockopt_batch_run(fd, &b);

	for (size_t i = 0; i < n; i++) {
		r[i].ret = b.e[i].ret;
		r[i].len = b.e[i].len;
	}
	return ret;
}

static void same(const struct opt *o, size_t n, const struct result *want,
		 const struct result *got, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(got[i].ret, want[i].ret,
			     "%s: option %d/%d: %d, getsockopt() %d", what,
			     o[i].level, o[i].name, got[i].ret, want[i].ret);
		cr_assert_eq(got[i].len, want[i].len,
			     "%s: option %d/%d: len %u, getsockopt() %u", what,
			     o[i].level, o[i].name, got[i].len, want[i].len);
		cr_assert_arr_eq(got[i].val, want[i].val, sizeof(got[i].val),
				 "%s: option %d/%d: value differs", what,
				 o[i].level, o[i].name);
	}
}

/* check_socket() - the batch, the fallback and getsockopt() agree on @o,
 * and the batch costs one io_uring_enter() where io_uring is used */
static void check_socket(int fd, const struct opt *o, size_t n)
{
	struct result want[ARRAY_SIZE(sol_opts)], got[ARRAY_SIZE(sol_opts)];
	unsigned long before;
	bool uring;

	cr_assert_leq(n, ARRAY_SIZE(want));
	uring = sockopt_uring();
	plain(fd, o, n, want);
	before = sockopt_submissions();
	batched(fd, o, n, got);
	same(o, n, want, got, uring ? "io_uring" : "getsockopt");
	cr_assert_eq(sockopt_submissions() - before, uring ? 1UL : 0UL);

	sockopt_force_fallback(true);
	cr_assert_not(sockopt_uring());
	before = sockopt_submissions();
	batched(fd, o, n, got);
	sockopt_force_fallback(false);
	same(o, n, want, got, "fallback");
	cr_assert_eq(sockopt_submissions(), before);
}

/* configured() - a socket with some options away from their defaults */
static int configured(int family, int type)
{
	int s = sock(family, type);
	struct linger l = { 1, 7 };
	struct timeval tv = { 3, 500000 };

	seti(s, SOL_SOCKET, SO_KEEPALIVE, 1);
	seti(s, SOL_SOCKET, SO_RCVBUF, 65536);
	seti(s, SOL_SOCKET, SO_PRIORITY, 3);
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return s;
}

/* --- same results ------------------------------------------------------- */

Test(batch, tcp4)
{
	_cleanup_close_ int f = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int c = configured(AF_INET, SOCK_STREAM);

	check_socket(f, sol_opts, ARRAY_SIZE(sol_opts));
	check_socket(c, sol_opts, ARRAY_SIZE(sol_opts));
}

Test(batch, tcp6)
{
	_cleanup_close_ int f = sock(AF_INET6, SOCK_STREAM);
	_cleanup_close_ int c = configured(AF_INET6, SOCK_STREAM);

	check_socket(f, sol_opts, ARRAY_SIZE(sol_opts));
	check_socket(c, sol_opts, ARRAY_SIZE(sol_opts));
}

Test(batch, udp4)
{
	_cleanup_close_ int f = sock(AF_INET, SOCK_DGRAM);
	_cleanup_close_ int c = configured(AF_INET, SOCK_DGRAM);

	seti(c, SOL_SOCKET, SO_BROADCAST, 1);
	check_socket(f, sol_opts, ARRAY_SIZE(sol_opts));
	check_socket(c, sol_opts, ARRAY_SIZE(sol_opts));
}

Test(batch, udp6)
{
	_cleanup_close_ int f = sock(AF_INET6, SOCK_DGRAM);
	_cleanup_close_ int c = configured(AF_INET6, SOCK_DGRAM);

	check_socket(f, sol_opts, ARRAY_SIZE(sol_opts));
	check_socket(c, sol_opts, ARRAY_SIZE(sol_opts));
}

Test(batch, bound_device)
{
	_cleanup_close_ int s = sock(AF_INET, SOCK_DGRAM);
	struct result r[ARRAY_SIZE(sol_opts)];
	size_t dev = 17;

	cr_assert_eq(sol_opts[dev].name, SO_BINDTODEVICE);
	batched(s, sol_opts, ARRAY_SIZE(sol_opts), r);
	cr_assert_eq(r[dev].ret, 0);
	cr_assert_eq(r[dev].len, 0, "no device: length 0");
	if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3))
		cr_skip_test("SO_BINDTODEVICE: %s", strerror(errno));
	batched(s, sol_opts, ARRAY_SIZE(sol_opts), r);
	cr_assert_eq(r[dev].ret, 0);
	cr_assert_eq(r[dev].len, 3);
	cr_assert_str_eq((const char *)r[dev].val, "lo");
	check_socket(s, sol_opts, ARRAY_SIZE(sol_opts));
}

/* AF_UNIX has no socket commands: io_uring says -EOPNOTSUPP, the entries
 * are read again with getsockopt() */
Test(batch, unix_socket)
{
	_cleanup_close_ int s = sock(AF_UNIX, SOCK_STREAM);
	static const struct opt o[] = {
		{ SOL_SOCKET, SO_TYPE, sizeof(int) },
		{ SOL_SOCKET, SO_DOMAIN, sizeof(int) },
		{ SOL_SOCKET, SO_RCVBUF, sizeof(int) },
		{ SOL_SOCKET, SO_PASSCRED, sizeof(int) },
	};
	struct result r[ARRAY_SIZE(o)];

	check_socket(s, o, ARRAY_SIZE(o));
	cr_assert_eq(batched(s, o, ARRAY_SIZE(o), r), 0);
	cr_assert_eq(*(int *)r[1].val, AF_UNIX);
}

Test(batch, mixed_levels)
{
	_cleanup_close_ int s = configured(AF_INET, SOCK_STREAM);
	struct result want[ARRAY_SIZE(mixed_opts)], got[ARRAY_SIZE(mixed_opts)];

	seti(s, IPPROTO_TCP, TCP_NODELAY, 1);
	seti(s, IPPROTO_IP, IP_TOS, 0x10);
	seti(s, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	plain(s, mixed_opts, ARRAY_SIZE(mixed_opts), want);
	cr_assert_eq(batched(s, mixed_opts, ARRAY_SIZE(mixed_opts), got), 0);
	same(mixed_opts, ARRAY_SIZE(mixed_opts), want, got, "mixed");
	cr_assert_eq(*(int *)got[0].val, 1);		/* SO_KEEPALIVE */
	cr_assert_neq(*(int *)got[1].val, 0);		/* TCP_NODELAY */
	cr_assert_eq(*(int *)got[3].val, 0x10);		/* IP_TOS */
	cr_assert_eq(*(int *)got[5].val, 77);		/* TCP_KEEPIDLE */
	check_socket(s, mixed_opts, ARRAY_SIZE(mixed_opts));
}

/* --- errors ------------------------------------------------------------- */

Test(batch, error_per_entry)
{
	_cleanup_close_ int s = configured(AF_INET, SOCK_DGRAM);
	struct result want[ARRAY_SIZE(error_opts)], got[ARRAY_SIZE(error_opts)];

	plain(s, error_opts, ARRAY_SIZE(error_opts), want);
	cr_assert_eq(want[1].ret, -ENOPROTOOPT);
	cr_assert_eq(want[3].ret, -ENOTCONN);
	cr_assert_lt(want[4].ret, 0);
	cr_assert_eq(batched(s, error_opts, ARRAY_SIZE(error_opts), got),
		     -ENOPROTOOPT, "the first failed entry's error");
	same(error_opts, ARRAY_SIZE(error_opts), want, got, "errors");
	cr_assert_eq(got[0].ret, 0);
	cr_assert_eq(got[2].ret, 0);
	cr_assert_eq(got[5].ret, 0);
	cr_assert_eq(*(int *)got[5].val, 3);
	check_socket(s, error_opts, ARRAY_SIZE(error_opts));
}

Test(batch, bad_descriptor)
{
	struct result got[ARRAY_SIZE(mixed_opts)];
	int fd = 1000;

	cr_assert_lt(fcntl(fd, F_GETFD), 0, "descriptor %d open", fd);
	cr_assert_eq(batched(fd, mixed_opts, ARRAY_SIZE(mixed_opts), got),
		     -EBADF);
	for (size_t i = 0; i < ARRAY_SIZE(got); i++)
		cr_assert_eq(got[i].ret, -EBADF, "entry %zu", i);
	cr_assert_eq(batched(-1, mixed_opts, ARRAY_SIZE(mixed_opts), got),
		     -EBADF);
	/* the ring survives errors */
	if (sockopt_uring()) {
		_cleanup_close_ int s = sock(AF_INET, SOCK_STREAM);

		check_socket(s, sol_opts, ARRAY_SIZE(sol_opts));
	}
}

Test(batch, not_a_socket)
{
	struct result got[ARRAY_SIZE(mixed_opts)];
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(batched(p[0], mixed_opts, ARRAY_SIZE(mixed_opts), got),
		     -ENOTSOCK);
	for (size_t i = 0; i < ARRAY_SIZE(got); i++)
		cr_assert_eq(got[i].ret, -ENOTSOCK, "entry %zu: %d", i,
			     got[i].ret);
	close(p[0]);
	close(p[1]);
}

Test(batch, full)
{
	struct sockopt_batch b = { 0 };
	int v;

	for (int i = 0; i < SOCKOPT_BATCH_MAX; i++)
		cr_assert_eq(sockopt_batch_add(&b, SOL_SOCKET, SO_TYPE, &v,
					       sizeof(v)), i);
	cr_assert_eq(sockopt_batch_add(&b, SOL_SOCKET, SO_TYPE, &v, sizeof(v)),
		     -ENOSPC);
}

/* a full batch fits the ring, and batches reuse it */
Test(batch, full_and_repeated)
{
	_cleanup_close_ int s = configured(AF_INET6, SOCK_STREAM);
	struct sockopt_batch b = { 0 };
	int v[SOCKOPT_BATCH_MAX];
	unsigned long before;

	for (int i = 0; i < SOCKOPT_BATCH_MAX; i++)
		sockopt_batch_add(&b, SOL_SOCKET,
				  i % 2 ? SO_PRIORITY : SO_KEEPALIVE, &v[i],
				  sizeof(v[i]));
	before = sockopt_submissions();
	for (int round = 0; round < 100; round++) {
		memset(v, 0, sizeof(v));
		for (int i = 0; i < SOCKOPT_BATCH_MAX; i++)
			b.e[i].len = sizeof(v[i]);
		cr_assert_eq(sockopt_batch_run(s, &b), 0);
		for (int i = 0; i < SOCKOPT_BATCH_MAX; i++) {
			cr_assert_eq(b.e[i].len, sizeof(int));
			cr_assert_eq(v[i], i % 2 ? 3 : 1);
		}
	}
	if (sockopt_uring())
		cr_assert_eq(sockopt_submissions() - before, 100UL);
}

/* --- the ring ------------------------------------------------------------ */

/* one io_uring_enter() however many SOL_SOCKET entries; none for one */
Test(ring, one_enter_per_batch)
{
	_cleanup_close_ int s = sock(AF_INET, SOCK_STREAM);
	struct sockopt_batch b;
	int v[8];
	unsigned long before;

	if (!sockopt_uring())
		cr_skip_test("io_uring cannot read socket options here");
	for (unsigned int n = 1; n <= ARRAY_SIZE(v); n++) {
		memset(&b, 0, sizeof(b));
		for (unsigned int i = 0; i < n; i++)
			sockopt_batch_add(&b, SOL_SOCKET, SO_TYPE, &v[i],
					  sizeof(v[i]));
		/* other levels never go to the ring */
		sockopt_batch_add(&b, IPPROTO_TCP, TCP_NODELAY, &v[0],
				  sizeof(v[0]));
		before = sockopt_submissions();
		cr_assert_eq(sockopt_batch_run(s, &b), 0);
		cr_assert_eq(sockopt_submissions() - before, n > 1 ? 1UL : 0UL,
			     "%u SOL_SOCKET entries", n);
	}
}

/* the ring's descriptor is close-on-exec */
Test(ring, cloexec)
{
	_cleanup_close_ int s = sock(AF_INET, SOCK_STREAM);
	struct sockopt_batch b = { 0 };
	int v[2], found = 0;
	struct dirent *de;
	DIR *d;

	if (!sockopt_uring())
		cr_skip_test("io_uring cannot read socket options here");
	sockopt_batch_add(&b, SOL_SOCKET, SO_TYPE, &v[0], sizeof(v[0]));
	sockopt_batch_add(&b, SOL_SOCKET, SO_DOMAIN, &v[1], sizeof(v[1]));
	cr_assert_eq(sockopt_batch_run(s, &b), 0);
	d = opendir("/proc/self/fd");
	cr_assert_not_null(d);
	while ((de = readdir(d))) {
		char path[PATH_MAX], target[64];
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (strcmp(target, "anon_inode:[io_uring]"))
			continue;
		fd = atoi(de->d_name);
		cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC, "ring fd %d", fd);
		found++;
	}
	closedir(d);
	cr_assert_eq(found, 1, "one ring per process");
}

/* a forked child sets up a ring of its own */
Test(ring, fork_child)
{
	_cleanup_close_ int s = sock(AF_INET, SOCK_STREAM);
	pid_t pid;
	int st;

	if (!sockopt_uring())
		cr_skip_test("io_uring cannot read socket options here");
	check_socket(s, sol_opts, ARRAY_SIZE(sol_opts));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		struct sockopt_batch b = { 0 };
		unsigned long before = sockopt_submissions();
		int v[2] = { 0, 0 };

		sockopt_batch_add(&b, SOL_SOCKET, SO_TYPE, &v[0], sizeof(v[0]));
		sockopt_batch_add(&b, SOL_SOCKET, SO_DOMAIN, &v[1], sizeof(v[1]));
		_exit(sockopt_batch_run(s, &b) || v[0] != SOCK_STREAM ||
		      v[1] != AF_INET || !sockopt_uring() ||
		      sockopt_submissions() - before != 1);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %#x", st);
	check_socket(s, sol_opts, ARRAY_SIZE(sol_opts));
}
