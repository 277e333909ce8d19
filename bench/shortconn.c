// SPDX-License-Identifier: GPL-2.0-or-later
/* shortconn.c - short-connection load: connect, 1-byte echo, close, repeat
 *
 * Usage: shortconn HOST PORT SECONDS [MAXCONNS]
 * (MAXCONNS: stop after that many connections, e.g. to count a supervisor's
 * system calls per connect)
 * Prints one line: "conns=N secs=S rate=R p50_us=A p99_us=B errors=E", also
 * when it gives up (more than 1000 errors and more errors than connections;
 * exit status 1 then).
 * The server (echod) closes first so TIME_WAIT stays on its side and the
 * client's ephemeral ports do not run out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES 2000000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	static float lat[MAX_SAMPLES];
	long n = 0, errors = 0, max = MAX_SAMPLES;
	int last_errno = 0;
	double start, end, secs = 0;
	char *e = NULL;

	if (argc == 4 || argc == 5)
		secs = strtod(argv[3], &e);
	if (argc == 5 && e && !*e) {
		max = strtol(argv[4], &e, 10);
		if (max <= 0 || max > MAX_SAMPLES)
			e = NULL;
	}
	if ((argc != 4 && argc != 5) || !e || *e || secs <= 0) {
		fprintf(stderr, "usage: shortconn HOST PORT SECONDS [MAXCONNS]\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai)) {
		fprintf(stderr, "shortconn: cannot resolve %s\n", argv[1]);
		return 2;
	}
	start = now_us();
	end = start + secs * 1e6;
	while (now_us() < end && n < max) {
		char c = 'x';
		double t0 = now_us();
		int s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen)) {
			errors++;
			if (s >= 0)
				close(s);
			last_errno = errno;
			if (errors > 1000 && errors > n) {
				fprintf(stderr, "shortconn: giving up: %s\n", strerror(errno));
				break;
			}
			continue;
		}
		lat[n] = (float)(now_us() - t0);
		if (write(s, &c, 1) != 1 || read(s, &c, 1) != 1) {
			last_errno = errno;
			errors++;
		}
		close(s);
		n++;
	}
	secs = (now_us() - start) / 1e6;
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp);
	printf("conns=%ld secs=%.2f rate=%.0f p50_us=%.1f p99_us=%.1f errors=%ld\n",
	       n, secs, (double)n / secs, n ? lat[n / 2] : 0.0,
	       n ? lat[n * 99 / 100] : 0.0, errors);
	if (errors)
		fprintf(stderr, "shortconn: %ld errors, last: %s\n", errors,
			strerror(last_errno));
	freeaddrinfo(ai);
	return n && errors <= n ? 0 : 1;
}
