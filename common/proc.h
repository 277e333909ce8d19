/* SPDX-License-Identifier: GPL-2.0-or-later
 * proc.h - another process's fds, memory and identity: pidfd, Tgid, fdinfo,
 * bounded memory copies (procmem.c)
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
 * proc_task_getfd() - duplicate fd @fd of task @tid through a cached pidfd
 * @tid:	task id in our pid namespace (a thread's own fd table)
 * @fd:		descriptor number in that task
 *
 * Keeps the PIDFD_THREAD pidfds of the last PROC_PIDFD_CACHE tasks, so that
 * a task making one trapped call after another costs one pidfd_getfd() each.
 * A pidfd names one task for good: once that task is gone, pidfd_getfd()
 * fails with ESRCH even if its number was given to another task, and the
 * entry is replaced by a fresh pidfd for the number. Without PIDFD_THREAD
 * (Linux < 6.9: a pidfd of the thread group, found by number) nothing is
 * cached. As with proc_pidfd_open(), the caller must check that the seccomp
 * notification naming @tid is still valid after this returns.
 *
 * Return: our descriptor (O_CLOEXEC), or negative errno
 */
int proc_task_getfd(pid_t tid, int fd);

/**
 * proc_pidfd_cache_clear() - close every cached pidfd (tests, shutdown)
 */
void proc_pidfd_cache_clear(void);

/**
 * proc_read_mem() - copy @len bytes at @addr out of task @tid, bounded
 * @tid:	task id
 * @addr:	address in the task
 * @buf:	destination, written only on success
 * @len:	bytes wanted
 *
 * The copy (process_vm_readv) runs on a reader thread (procmem.c) because a
 * page of the task's memory may be backed by its own FUSE file or
 * userfaultfd, whose fault it answers when it likes. If the copy has not
 * ended within PROC_MEM_TIMEOUT_MS (20 ms), the reader is abandoned (it
 * finishes by itself, into its own buffer) and -ETIMEDOUT is returned. Also
 * -ETIMEDOUT, at once and without a copy: the current owner
 * (proc_read_owner()) already has 2 abandoned copies still running, or 16
 * are running in all. Callers are serialised; safe from any thread.
 *
 * Return: 0 if all bytes were read, -EFAULT if any is unmapped,
 * -ETIMEDOUT as above, other negative errno on failure
 */
int proc_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len);

/**
 * proc_write_mem() - copy @len bytes to @addr in task @tid, bounded
 * @tid:	task id
 * @addr:	address in the task
 * @buf:	source
 * @len:	bytes
 *
 * Bounded like proc_read_mem(): after -ETIMEDOUT the write may still happen
 * later (the abandoned reader holds its own copy of @buf).
 *
 * Return: 0 if all bytes were written, -EFAULT, -ETIMEDOUT or other negative
 * errno
 */
int proc_write_mem(pid_t tid, uint64_t addr, const void *buf, size_t len);

/**
 * proc_write_sized() - hand task @tid a result of variable size, as the
 * kernel hands back a socket address (getsockname(), accept())
 * @tid:	task id
 * @addr:	the task's buffer
 * @lenp:	the task's length: in, the room at @addr; out, @len
 * @buf:	the result
 * @len:	its full size
 *
 * Reads the room (an int) at @lenp, writes the first min(room, @len) bytes
 * of @buf at @addr (a short buffer gets a truncated result) and @len at
 * @lenp: in one bounded copy on the reader thread (one hand-off instead of
 * three), bounded like proc_read_mem().
 *
 * Return: 0; -EINVAL if the room is negative (nothing written); -EFAULT,
 * -ETIMEDOUT or other negative errno
 */
int proc_write_sized(pid_t tid, uint64_t addr, uint64_t lenp, const void *buf,
		     uint32_t len);

/**
 * proc_read_owner() - name who the following proc_read_mem() calls are for
 * @key:	any pointer that identifies the requester (e.g. the container
 *		the notification came from); NULL: nobody in particular
 *
 * Stuck copies are counted per owner: an owner with 2 copies still stuck
 * gets -ETIMEDOUT at once, so one container cannot take every reader. The
 * event loop calls this before handling each notification (and may call it
 * with NULL after). The key is per calling thread and compared by value
 * only; with NULL only the global limit applies.
 */
void proc_read_owner(const void *key);

/**
 * proc_reader_stuck() - how many abandoned copies are still running
 * @owner:	count those of this owner; NULL: all of them
 *
 * Return: the count
 */
int proc_reader_stuck(const void *owner);

/**
 * proc_reader_shutdown() - stop the idle reader and wait for stuck ones
 *
 * Joins and frees the active reader, then waits up to one second for every
 * abandoned copy to end (each frees itself). No proc_read_mem() or
 * proc_write_mem() may run concurrently; a later call starts a new reader.
 * For tests and orderly exits.
 *
 * Return: 0, or -EBUSY if abandoned copies are still running
 */
int proc_reader_shutdown(void);

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

/**
 * proc_read_text() - read the start of a small /proc file, NUL-terminated
 * @path:	file
 * @buf:	destination ("" on error)
 * @len:	its size (at most @len - 1 bytes are read)
 *
 * Return: 0 or negative errno
 */
int proc_read_text(const char *path, char *buf, size_t len);

/**
 * proc_cap_bounding() - the capability bounding set of a task
 * @pid:	task id
 * @caps:	result, bit N for capability N (CapBnd of /proc/PID/status)
 *
 * Return: 0 or negative errno (-EINVAL if the file has no such line)
 */
int proc_cap_bounding(pid_t pid, uint64_t *caps);

#endif /* B4NS_PROC_H */
