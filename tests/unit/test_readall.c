// SPDX-License-Identifier: GPL-2.0-or-later
/* test_readall.c - readall_head(): the start of a small file in one read,
 * NUL-terminated and bounded by the buffer, as procmem.c reads a thread's
 * /proc stat and doctor.c a process's cmdline */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "readall.h"

Test(readall, head_of_a_proc_file)
{
	char path[64], buf[512];
	ssize_t n;
	const char *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)gettid());
	n = readall_head(path, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(strlen(buf), (size_t)n);
	p = strrchr(buf, ')');
	cr_assert_not_null(p);
	cr_assert_eq(p[2], 'R', "this thread runs while it reads: %s", buf);
}

Test(readall, head_is_bounded_and_terminated)
{
	char buf[5];
	ssize_t n;

	memset(buf, 'x', sizeof(buf));
	n = readall_head("/proc/self/cmdline", buf, sizeof(buf));
	cr_assert_eq(n, 4);
	cr_assert_eq(buf[4], '\0');
}

Test(readall, head_of_a_missing_file)
{
	char buf[8] = "junk";

	cr_assert_eq(readall_head("/proc/self/no-such-file", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(buf[0], '\0');
}

Test(readall, head_of_an_empty_file)
{
	char buf[8] = "junk";

	cr_assert_eq(readall_head("/dev/null", buf, sizeof(buf)), 0);
	cr_assert_eq(buf[0], '\0');
}
