// SPDX-License-Identifier: GPL-2.0-or-later
/* trapped.c - latency of one trapped connect() (seccomp notification round trip)
 *
 * Usage: trapped ADDR PORT ITERATIONS
 * Each iteration creates a UDP socket, times connect(ADDR:PORT) and closes
 * the socket. A UDP connect sends no packet, so what is measured is the
 * syscall itself plus, inside `b4ns run`, the notification round trip:
 *   - ADDR 127.0.0.1 (never switched): notification + CONTINUE;
 *   - an address outside the container (switched): notification + host
 *     socket + state copy + connect + ADDFD.
 * Prints one line: "n=N p50_us=A p99_us=B mean_us=C min_us=D errors=E".
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 200

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST }, *ai;
	long iters = 0, n = 0, errors = 0;
	char *e = NULL;
	double *lat, sum = 0;
	int last_errno = 0;

	if (argc == 4)
		iters = strtol(argv[3], &e, 10);
	if (argc != 4 || !e || *e || iters <= 0) {
		fprintf(stderr, "usage: trapped ADDR PORT ITERATIONS\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai)) {
		fprintf(stderr, "trapped: bad address %s\n", argv[1]);
		return 2;
	}
	lat = calloc((size_t)iters, sizeof(*lat));
	if (!lat)
		return 1;
	for (long i = -WARMUP; i < iters; i++) {
		int s = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		double t0, t1;
		int r;

		if (s < 0) {
			perror("trapped: socket");
			free(lat);
			return 1;
		}
		t0 = now_ns();
		r = connect(s, ai->ai_addr, ai->ai_addrlen);
		t1 = now_ns();
		if (r) {
			last_errno = errno;
			errors++;
		} else if (i >= 0) {
			lat[n++] = (t1 - t0) / 1e3;
			sum += (t1 - t0) / 1e3;
		}
		close(s);
	}
	if (!n) {
		fprintf(stderr, "trapped: every connect failed: %s\n", strerror(last_errno));
		free(lat);
		return 1;
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("n=%ld p50_us=%.2f p99_us=%.2f mean_us=%.2f min_us=%.2f errors=%ld\n",
	       n, lat[n / 2], lat[n * 99 / 100], sum / (double)n, lat[0], errors);
	freeaddrinfo(ai);
	free(lat);
	return 0;
}
