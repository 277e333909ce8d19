// SPDX-License-Identifier: GPL-2.0-or-later
/* memread.c - what a bounded read of container memory costs
 *
 * Usage: memread [N] [SIZE]   (default 100000 reads of 32 bytes)
 *
 * Forks a child and reads SIZE bytes of it N times, three ways:
 *   inline  process_vm_readv() on this thread (what proc_read_mem() did)
 *   pool    proc_read_mem(): the reader thread, back to back (the reads
 *           of one notification)
 *   iburst  inline, in bursts of 4 as below
 *   burst   proc_read_mem() in bursts of 4 with a 200 us pause between
 *           bursts (both CPUs may have gone idle: a new notification);
 *           the pauses are not counted
 * and prints microseconds per read (median of 5 rounds each).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

static unsigned char shared[65536];

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int inline_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { .iov_base = buf, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	return process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	size_t size = argc > 2 ? (size_t)atol(argv[2]) : 32;
	uint64_t addr = (uint64_t)(uintptr_t)shared;
	const char *names[] = { "inline", "pool", "iburst", "burst" };
	unsigned char *buf;
	pid_t pid;

	if (n <= 0 || !size || size > sizeof(shared)) {
		fprintf(stderr, "usage: memread [N] [SIZE<=65536]\n");
		return 2;
	}
	buf = malloc(size);
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	for (int m = 0; m < 4; m++) {
		double per[5];

		for (int round = 0; round < 5; round++) {
			double t = 0, t0 = now_us();

			for (long i = 0; i < n; i++) {
				int r;

				if (m >= 2 && i && !(i % 4)) {
					t += now_us() - t0;
					usleep(200);
					t0 = now_us();
				}
				r = m == 0 || m == 2 ? inline_read(pid, addr, buf, size) :
				    proc_read_mem(pid, addr, buf, size);
				if (r) {
					fprintf(stderr, "read failed: %d\n", r);
					return 1;
				}
			}
			t += now_us() - t0;
			per[round] = t / (double)n;
		}
		qsort(per, 5, sizeof(per[0]), cmp);
		printf("%-6s %6zu B  %8.3f us/read  (min %.3f, max %.3f)\n",
		       names[m], size, per[2], per[0], per[4]);
		if (m == 1)
			n = n / 10 > 1000 ? n / 10 : n; /* burst: pauses */
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	free(buf);
	return proc_reader_shutdown() ? 1 : 0;
}
