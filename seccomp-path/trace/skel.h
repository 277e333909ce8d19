/* SPDX-License-Identifier: GPL-2.0-or-later
 * skel.h - the BPF program of "b4ns trace" behind a small interface (the
 * bpftool skeleton stays in one generated file, skel.c.in)
 */
#ifndef B4NS_TRACE_SKEL_H
#define B4NS_TRACE_SKEL_H

#include <stdbool.h>
#include <stdint.h>

struct trace_skel;

/* enum trace_skel_map - the maps of trace.bpf.c user space uses */
enum trace_skel_map {
	TRACE_MAP_EVENTS,	/* ring buffer of struct b4tr_event */
	TRACE_MAP_TRACED,	/* tgid -> 1: the traced processes */
	TRACE_MAP_BYTES,	/* struct sock address -> struct b4tr_bytes */
};

/* flags of trace_skel_open() */
enum trace_skel_flag {
	/* attach the i386 handler (raw sys_exit: it costs every system call of
	 * the machine, so only where i386 calls can run) */
	TRACE_SKEL_I386 = 1 << 0,
	/* count bytes at the exits of read/write/send/recv calls, as on a
	 * kernel without the sock_send_length tracepoints (tests) */
	TRACE_SKEL_IO_SYSCALLS = 1 << 1,
	/* watch io_uring submissions for connects (the io_uring_submit_req
	 * tracepoint fires for every request of the machine, b4ns run's own
	 * getsockopt batches included): only where the workload may have a
	 * ring */
	TRACE_SKEL_URING = 1 << 2,
};

/**
 * trace_skel_open() - open, load and attach trace.bpf.c
 * @host_netns:	inode of the network namespace whose tasks are not reported
 * @flags:	enum trace_skel_flag
 * @out:	the loaded program; trace_skel_close() it
 *
 * Bytes are counted on the sock_send_length/sock_recv_length tracepoints
 * where the kernel has them (6.3), else at the system calls' exits.
 *
 * Return: 0, or a negative errno (-EPERM without CAP_BPF/CAP_PERFMON)
 */
int trace_skel_open(uint32_t host_netns, unsigned int flags,
		    struct trace_skel **out);

/**
 * trace_skel_io_syscalls() - are bytes counted at the system calls' exits?
 * @s:		the program
 *
 * Return: true on a kernel without the sock_*_length tracepoints
 */
bool trace_skel_io_syscalls(const struct trace_skel *s);

/**
 * trace_skel_fd() - the fd of one of the program's maps
 * @s:		the program
 * @map:	which
 *
 * Return: the fd
 */
int trace_skel_fd(const struct trace_skel *s, enum trace_skel_map map);

/**
 * trace_skel_dropped() - events the ring buffer had no room for
 * @s:		the program
 *
 * Return: the count
 */
uint64_t trace_skel_dropped(const struct trace_skel *s);

/**
 * trace_skel_close() - detach and unload
 * @s:		the program, or NULL
 */
void trace_skel_close(struct trace_skel *s);

#endif /* B4NS_TRACE_SKEL_H */
