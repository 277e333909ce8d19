// SPDX-License-Identifier: GPL-2.0-or-later
/* test_origin.c - which container a connection to a container service came
 * from: real loopback connections, as the supervisor makes them */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "origin.h"
#include "sockaddr.h"

static int listener(struct sockaddr_in *at)
{
	socklen_t len = sizeof(*at);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	memset(at, 0, sizeof(*at));
	at->sin_family = AF_INET;
	at->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_geq(l, 0);
	cr_assert_eq(bind(l, (struct sockaddr *)at, sizeof(*at)), 0);
	cr_assert_eq(listen(l, 64), 0);
	cr_assert_eq(getsockname(l, (struct sockaddr *)at, &len), 0);
	return l;
}

/* client() - a socket connected to @to, bound to @port first if not 0 */
static int client(const struct sockaddr_in *to, uint16_t port)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in b = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	cr_assert_geq(s, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (port)
		cr_assert_eq(bind(s, (struct sockaddr *)&b, sizeof(b)), 0);
	cr_assert_eq(connect(s, (const struct sockaddr *)to, sizeof(*to)), 0);
	return s;
}

static struct sockaddr_in shown_addr(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	cr_assert_eq(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

/* accepted() - accept on @l; its peer and local addresses */
static int accepted(int l, struct sockaddr_storage *peer,
		    struct sockaddr_storage *local)
{
	socklen_t pl = sizeof(*peer), ll = sizeof(*local);
	int c = accept(l, (struct sockaddr *)peer, &pl);

	cr_assert_geq(c, 0);
	cr_assert_eq(getsockname(c, (struct sockaddr *)local, &ll), 0);
	return c;
}

Test(origin, a_noted_connection_is_found_while_it_lives)
{
	struct origins *t;
	struct sockaddr_in at;
	struct sockaddr_storage peer, local, found;
	int l = listener(&at), s = client(&at, 0), c;
	struct sockaddr_in shown;
	struct sockaddr_in cl;
	socklen_t cll = sizeof(cl);

	cr_assert_eq(origins_new(&t), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&cl, &cll), 0);
	shown = shown_addr("10.88.0.4", ntohs(cl.sin_port));
	cr_assert_eq(origins_note(t, s, (struct sockaddr *)&at,
				  (struct sockaddr *)&shown), 0);
	c = accepted(l, &peer, &local);
	cr_assert(origins_find(t, (struct sockaddr *)&peer,
			       (struct sockaddr *)&local, &found));
	cr_assert_eq(found.ss_family, AF_INET);
	cr_assert_eq(memcmp(&((struct sockaddr_in *)&found)->sin_addr,
			    &shown.sin_addr, 4), 0);
	cr_assert_eq(sa_port((struct sockaddr *)&found), ntohs(cl.sin_port));
	/* another listener's connection from the same port is not it */
	((struct sockaddr_in *)&local)->sin_port ^= htons(1);
	cr_assert_not(origins_find(t, (struct sockaddr *)&peer,
				   (struct sockaddr *)&local, &found));
	close(c);
	close(s);
	close(l);
	origins_free(t);
}

Test(origin, a_port_reused_by_someone_else_is_not_the_container)
{
	struct origins *t;
	struct sockaddr_in at, cl, shown;
	struct sockaddr_storage peer, local, found;
	socklen_t cll = sizeof(cl);
	int l = listener(&at), s = client(&at, 0), c, s2;

	cr_assert_eq(origins_new(&t), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&cl, &cll), 0);
	shown = shown_addr("10.88.0.4", ntohs(cl.sin_port));
	cr_assert_eq(origins_note(t, s, (struct sockaddr *)&at,
				  (struct sockaddr *)&shown), 0);
	/* the server closes first, so the client's port is free at once */
	c = accepted(l, &peer, &local);
	close(c);
	usleep(20000);
	close(s);
	usleep(20000);
	s2 = client(&at, ntohs(cl.sin_port));
	c = accepted(l, &peer, &local);
	cr_assert_eq(sa_port((struct sockaddr *)&peer), ntohs(cl.sin_port));
	cr_assert_not(origins_find(t, (struct sockaddr *)&peer,
				   (struct sockaddr *)&local, &found));
	close(c);
	close(s2);
	close(l);
	origins_free(t);
}

Test(origin, unknown_connections_and_families)
{
	struct origins *t;
	struct sockaddr_in at, shown = shown_addr("10.88.0.4", 1);
	struct sockaddr_storage peer, local, found;
	int l = listener(&at), s = client(&at, 0), c;
	int u = socket(AF_UNIX, SOCK_STREAM, 0);

	cr_assert_eq(origins_new(&t), 0);
	c = accepted(l, &peer, &local);
	cr_assert_not(origins_find(t, (struct sockaddr *)&peer,
				   (struct sockaddr *)&local, &found));
	/* not an IP socket: nothing noted */
	cr_assert_lt(origins_note(t, u, (struct sockaddr *)&at,
				  (struct sockaddr *)&shown), 0);
	close(u);
	close(c);
	close(s);
	close(l);
	origins_free(t);
}

Test(origin, a_connection_still_in_syn_sent_is_noted, .timeout = 30)
{
	struct origins *t;
	struct sockaddr_in at, cl, shown, pa;
	struct sockaddr_storage peer, local, found;
	socklen_t cll = sizeof(cl), pal = sizeof(pa);
	int l = listener(&at), q[4], n = 0, s = -1, c;
	struct pollfd p;

	/* the service's accept queue is full (a busy server): a connect
	 * stays in SYN_SENT past connect()'s EINPROGRESS */
	cr_assert_eq(listen(l, 0), 0);
	while (n < 4 && s < 0) {
		q[n] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		cr_assert_geq(q[n], 0);
		connect(q[n], (struct sockaddr *)&at, sizeof(at));
		if (getpeername(q[n], (struct sockaddr *)&pa, &pal) &&
		    errno == ENOTCONN)
			s = q[n];
		n++;
	}
	cr_assert_geq(s, 0, "no connect left in SYN_SENT");
	cr_assert_eq(getsockname(s, (struct sockaddr *)&cl, &cll), 0);
	cr_assert_eq(origins_new(&t), 0);
	shown = shown_addr("10.88.0.4", ntohs(cl.sin_port));
	cr_assert_eq(origins_note(t, s, (struct sockaddr *)&at,
				  (struct sockaddr *)&shown), 0);
	/* the server catches up; the SYN is sent again and accepted */
	for (int i = 0; i < n - 1; i++)
		close(accepted(l, &peer, &local));
	p = (struct pollfd){ .fd = s, .events = POLLOUT };
	cr_assert_eq(poll(&p, 1, 20000), 1);
	c = accepted(l, &peer, &local);
	cr_assert_eq(sa_port((struct sockaddr *)&peer), ntohs(cl.sin_port));
	cr_assert(origins_find(t, (struct sockaddr *)&peer,
			       (struct sockaddr *)&local, &found),
		  "shown as the host's 127.0.0.1");
	close(c);
	for (int i = 0; i < n; i++)
		close(q[i]);
	close(l);
	origins_free(t);
}

/* bound() - a TCP socket bound to @port, or -1 if it is taken */
static int bound(uint16_t port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in b = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	cr_assert_geq(s, 0);
	if (bind(s, (struct sockaddr *)&b, sizeof(b))) {
		close(s);
		return -1;
	}
	return s;
}

/* ports whose entries compete for one window of slots: 16 connections that
 * are alive and not accepted fill it; a 17th is refused, and none of the
 * 16 is ever replaced (it would show as the host's 127.0.0.1) */
Test(origin, a_live_entry_is_never_replaced)
{
	enum { N = 16, SLOTS = 4096 };
	struct origins *t;
	struct sockaddr_in at, shown = shown_addr("10.88.0.4", 1);
	struct sockaddr_storage peer, local, found;
	uint16_t base = 0, port[N + 1];
	int l = listener(&at), s[N + 1], c, ok = 0;

	cr_assert_eq(origins_new(&t), 0);
	/* ports base + k*4096 (k < 15), base + 15 (slots base .. base + 15)
	 * and base + 15*4096: a base where all are free on this host */
	for (int tries = 0; tries < 200 && !base; tries++) {
		base = (uint16_t)(1024 + (getpid() * 7 + tries * 97) % 3000);
		for (int k = 0; k <= N; k++) {
			port[k] = k < N - 1 ? (uint16_t)(base + k * SLOTS) :
			  k == N - 1 ? (uint16_t)(base + N - 1) :
				       (uint16_t)(base + (N - 1) * SLOTS);
			s[k] = bound(port[k]);
			if (s[k] < 0) {
				while (k--)
					close(s[k]);
				base = 0;
				break;
			}
		}
	}
	cr_assert(base, "no free set of ports");
	for (int k = 0; k < N; k++) {
		cr_assert_eq(connect(s[k], (struct sockaddr *)&at, sizeof(at)), 0);
		cr_assert_eq(origins_note(t, s[k], (struct sockaddr *)&at,
					  (struct sockaddr *)&shown), 0,
			     "connection %d", k);
	}
	cr_assert_eq(connect(s[N], (struct sockaddr *)&at, sizeof(at)), 0);
	cr_assert_eq(origins_note(t, s[N], (struct sockaddr *)&at,
				  (struct sockaddr *)&shown), -EAGAIN);
	/* every one of the 16 is still found, once */
	for (int k = 0; k <= N; k++) {
		c = accepted(l, &peer, &local);
		if (origins_find(t, (struct sockaddr *)&peer,
				 (struct sockaddr *)&local, &found))
			ok++;
		else
			cr_assert_eq(sa_port((struct sockaddr *)&peer), port[N],
				     "a noted connection was not found");
		close(c);
	}
	cr_assert_eq(ok, N);
	for (int k = 0; k <= N; k++)
		close(s[k]);
	close(l);
	origins_free(t);
}
