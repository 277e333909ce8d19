// SPDX-License-Identifier: GPL-2.0-or-later
/* echod.c - epoll echo server for the short-connection benchmark
 *
 * Usage: echod ADDR PORT
 * Echoes what it reads once, then closes the connection itself (so TIME_WAIT
 * lands on the server side). Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	struct epoll_event ev, evs[64];
	int one = 1, ls, ep;

	if (argc != 3) {
		fprintf(stderr, "usage: echod ADDR PORT\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai)) {
		fprintf(stderr, "echod: cannot resolve %s\n", argv[1]);
		return 2;
	}
	ls = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, ai->ai_addr, ai->ai_addrlen) || listen(ls, 4096)) {
		fprintf(stderr, "echod: %s\n", strerror(errno));
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == ls) {
				int c;

				while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					ev.events = EPOLLIN;
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
			} else {
				char buf[4096];
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r < 0 && errno == EAGAIN)
					continue;
				if (r > 0 && write(fd, buf, (size_t)r) < 0) {
					/* peer gone: close below */
				}
				close(fd);
			}
		}
	}
}
