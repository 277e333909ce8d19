// SPDX-License-Identifier: GPL-2.0-or-later
/* proc.c - reach into another process: pidfd, fds, fdinfo
 *
 * Theory of operation: a supervisor only ever acts on a task that is blocked
 * in a trapped system call. The task is named by its thread id; pidfds let us
 * duplicate its descriptors without races on pid reuse, process_vm_readv
 * copies its syscall arguments (procmem.c: on a reader thread, with a
 * deadline, because the container decides how long a fault on its memory
 * takes), and /proc/TID/fdinfo tells per-descriptor flags that the duplicate
 * cannot show. Callers re-check the notification's validity after using any
 * of these, which proves the tid still named the same waiting task.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* -1 not known yet, 0 PIDFD_THREAD works, 1 it does not (Linux < 6.9) */
static int pidfd_thread_unsupported = -1;

/* pidfd_thread_works() - does pidfd_open() take PIDFD_THREAD? Asked once,
 * of our own thread: an EINVAL about another task (a pid number without a
 * task, on some kernels) says nothing about the kernel's flags */
static bool pidfd_thread_works(void)
{
	if (pidfd_thread_unsupported < 0) {
		int fd = (int)syscall(SYS_pidfd_open, (pid_t)syscall(SYS_gettid),
				      PIDFD_THREAD);

		pidfd_thread_unsupported = fd < 0 && errno == EINVAL;
		if (fd >= 0)
			close(fd);
	}
	return !pidfd_thread_unsupported;
}

static int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

int proc_read_text(const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* proc_field() - the text after @key in the /proc file @path, read into
 * @buf of @len bytes. Return: 0, -EIO if @key is missing, or negative errno */
static int proc_field(const char *path, const char *key, char *buf, size_t len,
		      const char **val)
{
	int ret = proc_read_text(path, buf, len);

	if (ret)
		return ret;
	*val = strstr(buf, key);
	if (!*val)
		return -EIO;
	*val += strlen(key);
	return 0;
}

/* proc_tgid() - thread group id of @tid from /proc/TID/status */
static pid_t proc_tgid(pid_t tid)
{
	char path[64], buf[512];
	const char *v;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	ret = proc_field(path, "\nTgid:", buf, sizeof(buf), &v);
	return ret ? ret : (pid_t)strtol(v, NULL, 10);
}

int proc_pidfd_open(pid_t tid)
{
	int fd;
	pid_t tgid;

	if (pidfd_thread_works()) {
		fd = sys_pidfd_open(tid, PIDFD_THREAD);
		return fd >= 0 ? fd : -errno;
	}
	fd = sys_pidfd_open(tid, 0);
	if (fd >= 0)
		return fd;
	if (errno != EINVAL)
		return -errno;
	tgid = proc_tgid(tid);
	if (tgid < 0)
		return tgid;
	fd = sys_pidfd_open(tgid, 0);
	return fd < 0 ? -errno : fd;
}

int proc_getfd(int pidfd, int fd)
{
	int r = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);

	return r < 0 ? -errno : r;
}

/* pidfds of the last tasks seen; the supervisor is one thread */
#define PROC_PIDFD_CACHE 32
static struct {
	pid_t tid;
	int pidfd;
} pidfds[PROC_PIDFD_CACHE];
static unsigned int pidfd_next;

void proc_pidfd_cache_clear(void)
{
	for (size_t i = 0; i < PROC_PIDFD_CACHE; i++) {
		if (pidfds[i].tid > 0)
			close(pidfds[i].pidfd);
		pidfds[i].tid = 0;
	}
}

/* pidfd_slot() - the cache entry for @tid: -1 if none */
static int pidfd_slot(pid_t tid)
{
	for (int i = 0; i < PROC_PIDFD_CACHE; i++) {
		if (pidfds[i].tid == tid)
			return i;
	}
	return -1;
}

int proc_task_getfd(pid_t tid, int fd)
{
	int i = tid > 0 ? pidfd_slot(tid) : -1;
	int pidfd, ret;

	if (i >= 0) {
		ret = proc_getfd(pidfds[i].pidfd, fd);
		if (ret != -ESRCH)
			return ret;
		/* that task is gone; the number may name another one now */
		close(pidfds[i].pidfd);
		pidfds[i].tid = 0;
	}
	pidfd = proc_pidfd_open(tid);
	if (pidfd < 0)
		return pidfd;
	ret = proc_getfd(pidfd, fd);
	if (!pidfd_thread_works() || tid <= 0) {
		close(pidfd);
		return ret;
	}
	i = (int)(pidfd_next++ % PROC_PIDFD_CACHE);
	if (pidfds[i].tid > 0)
		close(pidfds[i].pidfd);
	pidfds[i].tid = tid;
	pidfds[i].pidfd = pidfd;
	return ret;
}

int proc_fd_cloexec(pid_t tid, int fd)
{
	char path[64], buf[256];
	const char *v;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)tid, fd);
	ret = proc_field(path, "flags:", buf, sizeof(buf), &v);
	if (ret)
		return ret;
	return (strtoul(v, NULL, 8) & O_CLOEXEC) ? 1 : 0;
}

int proc_netns_ino(pid_t pid, uint64_t *ino)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/net");
	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

int proc_cap_bounding(pid_t pid, uint64_t *caps)
{
	char path[64], buf[4096], *line, *end;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ret = proc_read_text(path, buf, sizeof(buf));
	if (ret)
		return ret;
	line = strstr(buf, "\nCapBnd:");
	if (!line)
		return -EINVAL;
	errno = 0;
	*caps = strtoull(line + strlen("\nCapBnd:"), &end, 16);
	if (errno || end == line + strlen("\nCapBnd:"))
		return -EINVAL;
	return 0;
}
