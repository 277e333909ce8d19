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

/**
 * trace_skel_open() - open, load and attach trace.bpf.c
 * @host_netns:	inode of the network namespace whose tasks are not reported
 * @i386:	attach the i386 handler (raw sys_exit: it costs every system
 *		call of the machine, so only where i386 calls can run)
 * @out:	the loaded program; trace_skel_close() it
 *
 * Return: 0, or a negative errno (-EPERM without CAP_BPF/CAP_PERFMON)
 */
int trace_skel_open(uint32_t host_netns, bool i386, struct trace_skel **out);

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
