// SPDX-License-Identifier: GPL-2.0-or-later
/* offsock.c - cost of syscalls b4ns does not trap (open/fcntl/close loop)
 *
 * Usage: offsock SECONDS
 * Loops open("/dev/null") + fcntl(F_GETFL) + fcntl(F_SETFD) + close for
 * SECONDS and prints "loops=N secs=S rate=R ns_per_loop=T". Inside
 * `b4ns run` only connect() is trapped, so the rate should equal the
 * host-native one (the seccomp filter itself is the only extra cost).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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
	double secs = 0, start, end, t;
	char *e = NULL;
	long loops = 0;

	if (argc == 2)
		secs = strtod(argv[1], &e);
	if (argc != 2 || !e || *e || secs <= 0) {
		fprintf(stderr, "usage: offsock SECONDS\n");
		return 2;
	}
	start = now_s();
	end = start + secs;
	do {
		for (int i = 0; i < 1000; i++) {
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

			if (fd < 0) {
				perror("offsock: open");
				return 1;
			}
			if (fcntl(fd, F_GETFL) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
				perror("offsock: fcntl");
				return 1;
			}
			close(fd);
		}
		loops += 1000;
		t = now_s();
	} while (t < end);
	t -= start;
	printf("loops=%ld secs=%.3f rate=%.0f ns_per_loop=%.1f\n", loops, t,
	       (double)loops / t, t * 1e9 / (double)loops);
	return 0;
}
