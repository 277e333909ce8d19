// SPDX-License-Identifier: GPL-2.0-or-later
/* probe.c - can this kernel inject fds into a trapped process (ADDFD)?
 *
 * Theory of operation: the probe changes process state (it installs a
 * seccomp filter), so it runs in a forked child that reports its result
 * through a pipe and exits; see probe_addfd().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <seccomp.h>

#include "err.h"
#include "launch/probe.h"

/* probe_child() - the ADDFD probe proper; runs in a throwaway child */
static int probe_child(void)
{
	struct seccomp_notif_addfd addfd = { 0 };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int fd, rc;

	if (!ctx)
		return -ENOMEM;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(kexec_load), 0);
	if (!rc)
		rc = seccomp_load(ctx);
	fd = rc ? -1 : seccomp_notify_fd(ctx);
	seccomp_release(ctx);
	if (rc || fd < 0)
		return -ENOSYS;
	addfd.id = 0x6234e5a1d0fd1dULL;	/* no such notification */
	addfd.srcfd = (uint32_t)fd;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

int probe_addfd(void)
{
	const char *sim = getenv("B4NS_TEST_NO_ADDFD");
	_cleanup_close_ int rd = -1, wr = -1;
	_cleanup_child_ pid_t pid = 0;
	int p[2], res = -ECHILD;
	ssize_t n;

	if (sim && !strcmp(sim, "1"))
		return -EINVAL;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	rd = p[0];
	wr = p[1];
	pid = fork();
	if (pid < 0) {
		pid = 0;
		return -errno;
	}
	if (pid == 0) {
		res = probe_child();
		n = write(wr, &res, sizeof(res));
		_exit(n == sizeof(res) ? 0 : 1);
	}
	closep(&wr);
	n = B4_NOINTR(read(rd, &res, sizeof(res)));
	/* the child has written its answer, or died: reap it */
	B4_NOINTR(waitpid(take_pid(&pid), NULL, 0));
	return n == sizeof(res) ? res : -ECHILD;
}
