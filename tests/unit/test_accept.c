// SPDX-License-Identifier: GPL-2.0-or-later
/* test_accept.c - the supervisor's accept of a container's listener never
 * waits, whatever the container did to that listener before */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/accept.h"

/* Linked with -Wl,--wrap=poll (tests/CMakeLists.txt): a poll() that says
 * "readable" stands for the container taking the connection between a
 * poll() and an accept() of the supervisor */
int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout);
int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	(void)timeout;
	for (nfds_t i = 0; i < n; i++)
		fds[i].revents = fds[i].events & POLLIN;
	return (int)n;
}

/* listener() - a blocking listener on 127.0.0.1 */
static int listener(void)
{
	struct sockaddr_in at = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int l = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(l, 0);
	cr_assert_eq(bind(l, (struct sockaddr *)&at, sizeof(at)), 0);
	cr_assert_eq(listen(l, 8), 0);
	return l;
}

Test(accept, a_shut_listener_does_not_make_later_accepts_wait, .timeout = 10)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int l = listener(), m = listener();

	/* a container shuts its listener down, then accepts on it: natively
	 * EINVAL, and nothing else changes */
	cr_assert_eq(shutdown(l, SHUT_RD), 0);
	cr_assert_eq(accept_nowait(l, &peer, &plen), -EINVAL);
	/* a blocking listener with nothing to accept: EAGAIN at once, never
	 * a wait (which would stall every container's calls) */
	plen = sizeof(peer);
	cr_assert_eq(accept_nowait(m, &peer, &plen), -EAGAIN);
	close(l);
	close(m);
}

Test(accept, a_connection_is_accepted_nonblocking, .timeout = 10)
{
	struct sockaddr_storage peer, at;
	socklen_t plen = sizeof(peer), al = sizeof(at);
	int l = listener(), c = socket(AF_INET, SOCK_STREAM, 0), s;

	cr_assert_eq(getsockname(l, (struct sockaddr *)&at, &al), 0);
	cr_assert_eq(connect(c, (struct sockaddr *)&at, al), 0);
	s = accept_nowait(l, &peer, &plen);
	cr_assert_geq(s, 0);
	cr_assert_eq(peer.ss_family, AF_INET);
	cr_assert(fcntl(s, F_GETFL) & O_NONBLOCK);
	cr_assert(fcntl(s, F_GETFD) & FD_CLOEXEC);
	close(s);
	close(c);
	close(l);
}
