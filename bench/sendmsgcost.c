// SPDX-License-Identifier: GPL-2.0-or-later
/* sendmsgcost.c - cost of one 1-byte TCP sendmsg() (the udp_sendmsg trade-off)
 *
 * Usage: sendmsgcost ADDR PORT ITERATIONS
 * Connects one TCP socket to ADDR:PORT (a server that reads and discards,
 * e.g. bench/echod's peer or `socat -u TCP-LISTEN:PORT,fork /dev/null`),
 * then times ITERATIONS sendmsg() calls of one byte each. Inside `b4ns run`
 * the socket is switched; with `udp_sendmsg = true` every sendmsg() is a
 * seccomp notification round trip, by default only the filter's argument
 * check runs. Prints "n=N us_per_call=U errors=E".
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST }, *ai;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	long iters = 0, errors = 0;
	char *e = NULL;
	double t0, t1;
	int s;

	if (argc == 4)
		iters = strtol(argv[3], &e, 10);
	if (argc != 4 || !e || *e || iters <= 0) {
		fprintf(stderr, "usage: sendmsgcost ADDR PORT ITERATIONS\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai)) {
		fprintf(stderr, "sendmsgcost: bad address %s\n", argv[1]);
		return 2;
	}
	s = socket(ai->ai_family, SOCK_STREAM, 0);
	if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen)) {
		perror("sendmsgcost: connect");
		return 1;
	}
	t0 = now_s();
	for (long i = 0; i < iters; i++)
		if (sendmsg(s, &mh, 0) != 1)
			errors++;
	t1 = now_s();
	printf("n=%ld us_per_call=%.2f errors=%ld\n", iters,
	       (t1 - t0) * 1e6 / (double)iters, errors);
	close(s);
	freeaddrinfo(ai);
	return errors ? 1 : 0;
}
