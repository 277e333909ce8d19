// SPDX-License-Identifier: GPL-2.0-or-later
/* holdconn.c - open K TCP connections and hold them
 *
 * Usage: holdconn HOST PORT K SECONDS
 * Connects K sockets to HOST:PORT, prints "ready K" (flushed), then holds
 * them for SECONDS or until SIGTERM/SIGINT. Used by bench/run to measure
 * the supervisor's memory and CPU with many containers holding connections.
 * Exits 1 if a connect fails.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	char *end1 = NULL, *end2 = NULL;
	long k = 0, secs = 0;

	if (argc == 5) {
		k = strtol(argv[3], &end1, 10);
		secs = strtol(argv[4], &end2, 10);
	}
	if (argc != 5 || !end1 || *end1 || !end2 || *end2 || k < 0 || secs < 0) {
		fprintf(stderr, "usage: holdconn HOST PORT K SECONDS\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai)) {
		fprintf(stderr, "holdconn: cannot resolve %s\n", argv[1]);
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (long i = 0; i < k; i++) {
		int s = socket(ai->ai_family, SOCK_STREAM, 0);

		if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen)) {
			fprintf(stderr, "holdconn: connect %ld: %s\n", i, strerror(errno));
			return 1;
		}
	}
	printf("ready %ld\n", k);
	fflush(stdout);
	sleep((unsigned)secs);
	return 0;
}
