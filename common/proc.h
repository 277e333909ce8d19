/* SPDX-License-Identifier: GPL-2.0-or-later
 * proc.h - another process's fds, memory and identity: pidfd, Tgid, fdinfo
 */
#ifndef B4NS_PROC_H
#define B4NS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * proc_pidfd_open() - a pidfd for the task @tid, which may be a thread
 * @tid:	task id in our pid namespace
 *
 * Uses PIDFD_THREAD where the kernel has it (6.9), else resolves the thread
 * group id from /proc/TID/status. The caller must check that the seccomp
 * notification naming @tid is still valid after this returns.
 *
 * Return: pidfd, or negative errno
 */
int proc_pidfd_open(pid_t tid);

/**
 * proc_getfd() - duplicate fd @fd of the process behind @pidfd
 * @pidfd:	pidfd
 * @fd:		descriptor number in that process
 *
 * Return: our descriptor (O_CLOEXEC), or negative errno (-EBADF: no such fd)
 */
int proc_getfd(int pidfd, int fd);

/**
 * proc_read_mem() - copy @len bytes at @addr out of task @tid
 * @tid:	task id
 * @addr:	address in the task
 * @buf:	destination
 * @len:	bytes wanted
 *
 * Return: 0 if all bytes were read, -EFAULT if any is unmapped, other
 * negative errno on failure
 */
int proc_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len);

/**
 * proc_write_mem() - copy @len bytes to @addr in task @tid
 * @tid:	task id
 * @addr:	address in the task
 * @buf:	source
 * @len:	bytes
 *
 * Return: 0 if all bytes were written, -EFAULT or other negative errno
 */
int proc_write_mem(pid_t tid, uint64_t addr, const void *buf, size_t len);

/**
 * proc_fd_cloexec() - is close-on-exec set on fd @fd of task @tid?
 * @tid:	task id
 * @fd:		descriptor number
 *
 * FD_CLOEXEC belongs to the descriptor, not to the file, so it is read from
 * the "flags:" line of /proc/TID/fdinfo/FD.
 *
 * Return: 1 if set, 0 if not, negative errno on failure
 */
int proc_fd_cloexec(pid_t tid, int fd);

/**
 * proc_netns_ino() - inode number of the network namespace of task @pid
 * @pid:	task id, 0 for ourselves
 * @ino:	result
 *
 * Return: 0 or negative errno
 */
int proc_netns_ino(pid_t pid, uint64_t *ino);

#endif /* B4NS_PROC_H */
