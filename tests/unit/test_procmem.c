// SPDX-License-Identifier: GPL-2.0-or-later
/* test_procmem.c - bounded reads of another process's memory (procmem.c)
 *
 * Children are forked from this test, so a global here has the same address
 * in them. A "blocking" child registers an anonymous range with userfaultfd
 * and never answers its faults: process_vm_readv() of that range waits like
 * a read of a never-answered FUSE page, until the child dies (closing the
 * userfaultfd wakes the fault, which then maps a zero page).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "proc.h"

static unsigned char shared[4096];
static volatile uint32_t word;

/**
 * struct kid - a forked child and the address it offers
 * @pid:	pid
 * @addr:	the normal child: &shared; the blocking child: its uffd range
 */
struct kid {
	pid_t pid;
	uint64_t addr;
};

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* kid_start() - fork a child that fills @shared (and, if @block, sets up a
 * never-answered userfaultfd range), reports its address and waits */
static struct kid kid_start(bool block)
{
	struct kid k = { 0 };
	int p[2];

	cr_assert_eq(pipe(p), 0);
	k.pid = fork();
	cr_assert_geq(k.pid, 0);
	if (k.pid == 0) {
		uint64_t addr = (uint64_t)(uintptr_t)shared;

		close(p[0]);
		for (size_t i = 0; i < sizeof(shared); i++)
			shared[i] = (unsigned char)(i * 7 + 3);
		word = 0x600dcafe;
		if (block) {
			long pg = sysconf(_SC_PAGESIZE);
			int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
			struct uffdio_api api = { .api = UFFD_API };
			void *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			struct uffdio_register reg = {
				.range = { .start = (uintptr_t)m,
					   .len = 4 * pg },
				.mode = UFFDIO_REGISTER_MODE_MISSING,
			};

			if (uffd < 0 || m == MAP_FAILED ||
			    ioctl(uffd, UFFDIO_API, &api) ||
			    ioctl(uffd, UFFDIO_REGISTER, &reg))
				_exit(1);
			addr = (uint64_t)(uintptr_t)m;
		}
		if (write(p[1], &addr, sizeof(addr)) != sizeof(addr))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &k.addr, sizeof(k.addr)), sizeof(k.addr),
		     "child setup failed (userfaultfd?)");
	close(p[0]);
	return k;
}

static void kid_stop(struct kid *k)
{
	if (k->pid > 0) {
		kill(k->pid, SIGKILL);
		waitpid(k->pid, NULL, 0);
		k->pid = 0;
	}
}

static void fini(void)
{
	proc_read_owner(NULL);
	cr_assert_eq(proc_reader_shutdown(), 0, "stuck readers left");
}

TestSuite(procmem, .fini = fini, .timeout = 30);

Test(procmem, reads_and_writes_a_child)
{
	struct kid k = kid_start(false);
	unsigned char buf[sizeof(shared)];
	uint32_t w = 0, nw = 0x12345678;

	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], (unsigned char)(i * 7 + 3), "byte %zu", i);
	cr_assert_eq(proc_read_mem(k.pid, (uint64_t)(uintptr_t)&word, &w,
				   sizeof(w)), 0);
	cr_assert_eq(w, 0x600dcafe);
	/* a bigger request than any before: the reader's buffer grows */
	{
		static unsigned char big[65536];

		cr_assert_eq(proc_read_mem(k.pid, (uint64_t)(uintptr_t)big,
					   big, sizeof(big)), 0);
	}
	cr_assert_eq(proc_write_mem(k.pid, (uint64_t)(uintptr_t)&word, &nw,
				    sizeof(nw)), 0);
	cr_assert_eq(proc_read_mem(k.pid, (uint64_t)(uintptr_t)&word, &w,
				   sizeof(w)), 0);
	cr_assert_eq(w, 0x12345678);
	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, 0), 0);
	/* unmapped: -EFAULT, and the buffer is not touched */
	memset(buf, 0xaa, 8);
	cr_assert_eq(proc_read_mem(k.pid, 8, buf, 8), -EFAULT);
	cr_assert_eq(buf[0], 0xaa);
	kid_stop(&k);
	cr_assert_eq(proc_read_mem(k.pid ? k.pid : 999999, 4096, buf, 8), -ESRCH);
}

Test(procmem, many_reads_stay_correct)
{
	struct kid k = kid_start(false);

	for (int i = 0; i < 20000; i++) {
		size_t off = (size_t)(i * 13) % (sizeof(shared) - 64);
		unsigned char buf[64];

		cr_assert_eq(proc_read_mem(k.pid, k.addr + off, buf, 64), 0);
		cr_assert_eq(buf[0], (unsigned char)(off * 7 + 3));
		cr_assert_eq(buf[63], (unsigned char)((off + 63) * 7 + 3));
		if (!(i % 1000))
			usleep(200); /* let the reader fall asleep now and then */
	}
	kid_stop(&k);
}

Test(procmem, blocked_page_times_out_and_others_go_on)
{
	struct kid b = kid_start(true), k = kid_start(false);
	unsigned char buf[16];
	long t0, dt;

	proc_read_owner(&b);
	t0 = now_us();
	cr_assert_eq(proc_read_mem(b.pid, b.addr, buf, sizeof(buf)), -ETIMEDOUT);
	dt = now_us() - t0;
	cr_assert(dt >= 15000 && dt < 50000, "blocked read took %ld us", dt);
	cr_assert_eq(proc_reader_stuck(&b), 1);
	cr_assert_eq(proc_reader_stuck(NULL), 1);

	proc_read_owner(&k);
	t0 = now_us();
	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, sizeof(buf)), 0);
	dt = now_us() - t0;
	cr_assert(dt < 10000, "read after a stuck one took %ld us", dt);
	cr_assert_eq(buf[1], 10);

	/* the child dies: its userfaultfd closes, the stuck copy ends */
	kid_stop(&b);
	for (int i = 0; i < 200 && proc_reader_stuck(NULL); i++)
		usleep(5000);
	cr_assert_eq(proc_reader_stuck(NULL), 0, "stuck reader never ended");
	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, sizeof(buf)), 0);
	kid_stop(&k);
}

/* A copy that runs past the deadline without blocking (a large one here;
 * alike a reader not scheduled for 20 ms on a loaded machine, where
 * bench/soak saw connects fail with EFAULT) is waited for, not abandoned;
 * the blocked one above still times out at the first deadline. */
Test(procmem, running_copy_past_deadline_is_waited_for)
{
	size_t len = (size_t)16 << 20;
	unsigned char *src = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *dst = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long t0, dt;

	cr_assert(src != MAP_FAILED && dst != MAP_FAILED);
	for (size_t i = 0; i < len; i += 4096)
		src[i] = (unsigned char)(i >> 12);
	src[len - 1] = 0x5a;
	t0 = now_us();
	cr_assert_eq(proc_read_mem(getpid(), (uint64_t)(uintptr_t)src, dst, len),
		     0, "a running copy was abandoned");
	dt = now_us() - t0;
	cr_log_info("16 MiB copy: %ld us", dt);
	cr_assert_eq(memcmp(src, dst, len), 0);
	cr_assert_eq(proc_reader_stuck(NULL), 0);
	munmap(src, len);
	munmap(dst, len);
}

Test(procmem, owner_with_two_stuck_fails_fast)
{
	struct kid b = kid_start(true), k = kid_start(false);
	int owner_a, owner_b;
	unsigned char buf[16];
	long t0, dt;

	proc_read_owner(&owner_a);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(proc_read_mem(b.pid, b.addr, buf, 8), -ETIMEDOUT);
	cr_assert_eq(proc_reader_stuck(&owner_a), 2);
	/* owner A again, even for readable memory: refused without a copy */
	t0 = now_us();
	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, 8), -ETIMEDOUT);
	dt = now_us() - t0;
	cr_assert(dt < 5000, "refusal took %ld us", dt);
	cr_assert_eq(proc_reader_stuck(NULL), 2);
	/* owner B is served */
	proc_read_owner(&owner_b);
	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, 8), 0);
	/* no owner: only the global limit applies */
	proc_read_owner(NULL);
	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, 8), 0);

	kid_stop(&b);
	for (int i = 0; i < 200 && proc_reader_stuck(NULL); i++)
		usleep(5000);
	cr_assert_eq(proc_reader_stuck(NULL), 0);
	proc_read_owner(&owner_a);
	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, 8), 0);
	kid_stop(&k);
}

Test(procmem, global_cap_then_recovery)
{
	struct kid b = kid_start(true), k = kid_start(false);
	int owners[9];
	unsigned char buf[16];
	long t0, dt;

	for (int i = 0; i < 8; i++) {
		proc_read_owner(&owners[i]);
		for (int j = 0; j < 2; j++)
			cr_assert_eq(proc_read_mem(b.pid, b.addr, buf, 8),
				     -ETIMEDOUT);
	}
	cr_assert_eq(proc_reader_stuck(NULL), 16);
	proc_read_owner(&owners[8]);
	t0 = now_us();
	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, 8), -ETIMEDOUT);
	dt = now_us() - t0;
	cr_assert(dt < 5000, "refusal took %ld us", dt);
	kid_stop(&b);
	for (int i = 0; i < 200 && proc_reader_stuck(NULL); i++)
		usleep(5000);
	cr_assert_eq(proc_reader_stuck(NULL), 0);
	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, 8), 0);
	kid_stop(&k);
}

/* a loose bound only (shared CPUs): bench/memread measures the cost */
Test(procmem, fast_path_is_cheap)
{
	struct kid k = kid_start(false);
	unsigned char buf[32];
	long t0, dt;

	cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, sizeof(buf)), 0);
	t0 = now_us();
	for (int i = 0; i < 100000; i++)
		cr_assert_eq(proc_read_mem(k.pid, k.addr, buf, sizeof(buf)), 0);
	dt = now_us() - t0;
	cr_log_info("100000 reads: %.3f us each", dt / 100000.0);
	cr_assert(dt < 100000 * 20L, "%.3f us per read", dt / 100000.0);
	kid_stop(&k);
}

/* same_file() - do @a and @b name the same open file description? */
static bool same_file(int a, int b)
{
	return syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, a, b) == 0;
}

/* the cached pidfd of a task answers every later call, and a task that is
 * gone is never answered from its cache entry (pidfd_getfd() fails, a fresh
 * pidfd is opened, and that fails too) */
Test(procmem, pidfd_cache_follows_the_task)
{
	struct kid a = kid_start(false);
	int d1, d2, ret;

	/* the child inherited our fd 0..2: its fd 2 is our stderr's file */
	d1 = proc_task_getfd(a.pid, 2);
	cr_assert_geq(d1, 0, "%s", strerror(-d1));
	d2 = proc_task_getfd(a.pid, 2);
	cr_assert_geq(d2, 0, "%s", strerror(-d2));
	cr_assert(same_file(d1, 2));
	cr_assert(same_file(d2, 2));
	close(d1);
	close(d2);
	cr_assert_eq(proc_task_getfd(a.pid, 999), -EBADF);
	kid_stop(&a);
	ret = proc_task_getfd(a.pid, 2);
	if (ret >= 0)
		close(ret);
	cr_assert_lt(ret, 0, "a reaped task answered: %d", ret);
	proc_pidfd_cache_clear();
}

/* count_pidfds() - pidfds among our descriptors */
static int count_pidfds(void)
{
	char path[64], link[64];
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		ssize_t l;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		l = readlink(path, link, sizeof(link) - 1);
		if (l <= 0)
			continue;
		link[l] = '\0';
		n += !strcmp(link, "anon_inode:[pidfd]");
	}
	return n;
}

/* the cache is bounded: more tasks than entries evict old ones, and
 * clearing it closes every pidfd */
Test(procmem, pidfd_cache_is_bounded)
{
	struct kid k[40];
	int base;

	proc_pidfd_cache_clear();
	base = count_pidfds();
	for (size_t i = 0; i < 40; i++) {
		int d;

		k[i] = kid_start(false);
		d = proc_task_getfd(k[i].pid, 2);
		cr_assert_geq(d, 0, "%s", strerror(-d));
		close(d);
	}
	cr_assert_leq(count_pidfds(), base + 32, "%d pidfds", count_pidfds());
	cr_assert_geq(count_pidfds(), base + 1);
	for (size_t i = 0; i < 40; i++)
		kid_stop(&k[i]);
	proc_pidfd_cache_clear();
	cr_assert_eq(count_pidfds(), base);
}
