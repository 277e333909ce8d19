// SPDX-License-Identifier: GPL-2.0-or-later
/* test_rewrite.c - the table of addresses getsockname()/getpeername() show
 * for redirected sockets (seccomp-path/supervisor/rewrite.c)
 *
 * Keys are (SO_COOKIE, peer?); values are whole sockaddr_storage copies of
 * any family; the table is a ring of REWRITE_MAX entries whose oldest goes
 * first, and a socket noted twice is answered by its newest entry.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervisor/rewrite.h"

/* v4() - 10.0.x.y:port, x.y from @n, as the container asked for it */
static struct sockaddr_storage v4(unsigned int n, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(0x0a000000u | (n & 0xffff));
	return ss;
}

static struct sockaddr_storage v6(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_scope_id = 7;
	cr_assert_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
	return ss;
}

static void assert_is(const struct sockaddr_storage *got,
		      const struct sockaddr_storage *want)
{
	cr_assert_not_null(got);
	cr_assert_eq(memcmp(got, want, sizeof(*want)), 0,
		     "stored address differs");
}

Test(rewrite, empty_table_finds_nothing)
{
	struct rewrite_table t = { 0 };

	cr_assert_null(rewrite_find(&t, 0, false));
	cr_assert_null(rewrite_find(&t, 1, true));
	rewrite_free(&t); /* nothing allocated: no crash */
	cr_assert_null(t.e);
	cr_assert_eq(t.n, 0);
}

Test(rewrite, add_then_find_a_copy)
{
	struct rewrite_table t = { 0 };
	struct sockaddr_storage a = v4(1, 80), want = a;

	cr_assert_eq(rewrite_add(&t, 42, false, &a), 0);
	/* the table keeps a copy: the caller's buffer may change */
	memset(&a, 0xff, sizeof(a));
	assert_is(rewrite_find(&t, 42, false), &want);
	cr_assert_eq(t.n, 1);
	rewrite_free(&t);
}

Test(rewrite, keyed_by_cookie_and_direction)
{
	struct rewrite_table t = { 0 };
	struct sockaddr_storage name = v4(1, 8080), peer = v4(2, 443);
	struct sockaddr_storage other = v4(3, 53);

	cr_assert_eq(rewrite_add(&t, 7, false, &name), 0);
	cr_assert_eq(rewrite_add(&t, 7, true, &peer), 0);
	cr_assert_eq(rewrite_add(&t, 8, true, &other), 0);
	assert_is(rewrite_find(&t, 7, false), &name);
	assert_is(rewrite_find(&t, 7, true), &peer);
	assert_is(rewrite_find(&t, 8, true), &other);
	/* socket 8 has no getsockname() answer, socket 9 none at all */
	cr_assert_null(rewrite_find(&t, 8, false));
	cr_assert_null(rewrite_find(&t, 9, false));
	cr_assert_null(rewrite_find(&t, 9, true));
	/* cookies are 64 bits: no truncation to 32 */
	cr_assert_null(rewrite_find(&t, 7 | (1ULL << 32), false));
	rewrite_free(&t);
}

Test(rewrite, any_family_returned_as_stored)
{
	struct rewrite_table t = { 0 };
	struct sockaddr_storage a6 = v6("fd00::1", 8443);
	struct sockaddr_storage a4 = v4(5, 8443);
	struct sockaddr_storage un;
	const struct sockaddr_storage *got;

	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	strcpy(((struct sockaddr_un *)&un)->sun_path, "/run/x.sock");

	/* the same socket may be named in one family and seen by its peer in
	 * another (an IPv6 socket connected to a v4-mapped address): the
	 * table never converts, it answers what was noted */
	cr_assert_eq(rewrite_add(&t, 100, false, &a6), 0);
	cr_assert_eq(rewrite_add(&t, 100, true, &a4), 0);
	cr_assert_eq(rewrite_add(&t, 101, false, &un), 0);
	got = rewrite_find(&t, 100, false);
	assert_is(got, &a6);
	cr_assert_eq(got->ss_family, AF_INET6);
	cr_assert_eq(((const struct sockaddr_in6 *)got)->sin6_scope_id, 7);
	got = rewrite_find(&t, 100, true);
	assert_is(got, &a4);
	cr_assert_eq(got->ss_family, AF_INET);
	assert_is(rewrite_find(&t, 101, false), &un);
	rewrite_free(&t);
}

Test(rewrite, newest_entry_of_a_socket_wins)
{
	struct rewrite_table t = { 0 };
	struct sockaddr_storage first = v4(1, 1), second = v4(2, 2);
	struct sockaddr_storage third = v4(3, 3);

	cr_assert_eq(rewrite_add(&t, 5, true, &first), 0);
	cr_assert_eq(rewrite_add(&t, 6, true, &third), 0);
	cr_assert_eq(rewrite_add(&t, 5, true, &second), 0);
	assert_is(rewrite_find(&t, 5, true), &second);
	assert_is(rewrite_find(&t, 6, true), &third);
	rewrite_free(&t);
}

Test(rewrite, full_ring_drops_the_oldest_first)
{
	struct rewrite_table t = { 0 };
	struct sockaddr_storage a;

	for (unsigned int i = 0; i < REWRITE_MAX; i++) {
		a = v4(i, 1000);
		cr_assert_eq(rewrite_add(&t, 1000 + i, false, &a), 0);
	}
	cr_assert_eq(t.n, REWRITE_MAX);
	for (unsigned int i = 0; i < REWRITE_MAX; i++) {
		a = v4(i, 1000);
		assert_is(rewrite_find(&t, 1000 + i, false), &a);
	}

	/* one more: the very first goes, the second stays */
	a = v4(9999, 2000);
	cr_assert_eq(rewrite_add(&t, 99999, false, &a), 0);
	cr_assert_eq(t.n, REWRITE_MAX);
	assert_is(rewrite_find(&t, 99999, false), &a);
	cr_assert_null(rewrite_find(&t, 1000, false));
	a = v4(1, 1000);
	assert_is(rewrite_find(&t, 1001, false), &a);

	/* a socket noted again after the wrap: its newest entry answers,
	 * although it sits at a lower index than its older one */
	a = v4(77, 7777);
	cr_assert_eq(rewrite_add(&t, 1000 + REWRITE_MAX - 1, false, &a), 0);
	assert_is(rewrite_find(&t, 1000 + REWRITE_MAX - 1, false), &a);

	/* a whole ring later, every old entry is gone */
	for (unsigned int i = 0; i < REWRITE_MAX; i++) {
		a = v4(i, 3000);
		cr_assert_eq(rewrite_add(&t, 50000 + i, true, &a), 0);
	}
	cr_assert_eq(t.n, REWRITE_MAX);
	for (unsigned int i = 0; i < REWRITE_MAX; i++)
		cr_assert_null(rewrite_find(&t, 1000 + i, false));
	cr_assert_null(rewrite_find(&t, 99999, false));
	a = v4(0, 3000);
	assert_is(rewrite_find(&t, 50000, true), &a);
	a = v4(REWRITE_MAX - 1, 3000);
	assert_is(rewrite_find(&t, 50000 + REWRITE_MAX - 1, true), &a);
	rewrite_free(&t);
}

Test(rewrite, free_empties_and_table_is_reusable)
{
	struct rewrite_table t = { 0 };
	struct sockaddr_storage a = v4(1, 80), b = v4(2, 81);

	for (int i = 0; i < REWRITE_MAX + 3; i++)
		cr_assert_eq(rewrite_add(&t, (uint64_t)i, false, &a), 0);
	rewrite_free(&t);
	cr_assert_null(t.e);
	cr_assert_eq(t.n, 0);
	cr_assert_eq(t.next, 0);
	cr_assert_null(rewrite_find(&t, 5, false));
	/* usable again, from an empty ring */
	cr_assert_eq(rewrite_add(&t, 5, false, &b), 0);
	cr_assert_eq(t.n, 1);
	assert_is(rewrite_find(&t, 5, false), &b);
	cr_assert_null(rewrite_find(&t, 6, false));
	rewrite_free(&t);
	rewrite_free(&t); /* twice is harmless */
}

Test(rewrite, cookie_names_the_socket_not_the_fd)
{
	uint64_t c1 = 0, c2 = 0, c3 = 0;
	int s1 = socket(AF_INET, SOCK_STREAM, 0);
	int s2 = socket(AF_INET6, SOCK_DGRAM, 0);
	int d;

	cr_assert_geq(s1, 0);
	cr_assert_geq(s2, 0);
	d = dup(s1);
	cr_assert_geq(d, 0);
	cr_assert_eq(rewrite_cookie(s1, &c1), 0);
	cr_assert_eq(rewrite_cookie(s2, &c2), 0);
	cr_assert_eq(rewrite_cookie(d, &c3), 0);
	cr_assert_neq(c1, 0);
	cr_assert_neq(c1, c2);
	cr_assert_eq(c1, c3, "a dup()ed fd is the same socket");
	close(s1);
	close(s2);
	close(d);
	/* a new socket, even on a reused fd number, has a new cookie */
	s1 = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(rewrite_cookie(s1, &c3), 0);
	cr_assert_neq(c3, c1);
	close(s1);
}

Test(rewrite, cookie_of_what_is_not_a_socket)
{
	uint64_t c = 12345;
	int fd = open("/dev/null", O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(rewrite_cookie(fd, &c), -ENOTSOCK);
	close(fd);
	cr_assert_eq(rewrite_cookie(fd, &c), -EBADF);
	cr_assert_eq(rewrite_cookie(-1, &c), -EBADF);
}
