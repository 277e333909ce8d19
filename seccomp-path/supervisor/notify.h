/* SPDX-License-Identifier: GPL-2.0-or-later
 * notify.h - the supervisor's event loop over seccomp notify fds
 */
#ifndef B4NS_NOTIFY_H
#define B4NS_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/seccomp.h>

#include "policy.h"
#include "switch.h"

/* Every object registered in the epoll set starts with its type */
enum notif_ev_type {
	NOTIF_EV_NOTIFY = 1,	/* a seccomp notify fd */
	NOTIF_EV_PENDING,	/* a host socket whose connect is in progress */
	NOTIF_EV_NETLINK,	/* a container's address change monitor */
	NOTIF_EV_EXTRA,		/* a caller's fd (signalfd, listener, ...) */
};

struct notif_loop;
struct notif_container;

/**
 * struct notif_stats - counters of one container
 * @notifications:	notifications received
 * @switched:		sockets switched to host sockets
 * @kept:		connects left to the container namespace
 * @refused:		connects answered with an error by the supervisor
 * @errors:		internal failures (logged)
 */
struct notif_stats {
	uint64_t notifications;
	uint64_t switched;
	uint64_t kept;
	uint64_t refused;
	uint64_t errors;
};

/**
 * typedef notif_extra_fn - callback for a caller-registered fd
 * @loop:	the loop
 * @fd:		the fd that is ready
 * @events:	epoll events
 * @arg:	caller's pointer
 */
typedef void (*notif_extra_fn)(struct notif_loop *loop, int fd,
			       uint32_t events, void *arg);

/**
 * notif_loop_new() - create an event loop
 *
 * Return: the loop, or NULL (errno set)
 */
struct notif_loop *notif_loop_new(void);

/**
 * notif_loop_free() - tear down a loop and every container in it
 * @loop:	loop, may be NULL
 */
void notif_loop_free(struct notif_loop *loop);

/**
 * notif_loop_add_extra() - watch a caller's fd in the loop
 * @loop:	loop
 * @fd:		descriptor (the caller keeps ownership)
 * @events:	epoll events
 * @fn:		callback
 * @arg:	passed to @fn
 *
 * Return: 0 or negative errno
 */
int notif_loop_add_extra(struct notif_loop *loop, int fd, uint32_t events,
			 notif_extra_fn fn, void *arg);

/**
 * notif_loop_run() - serve events until notif_loop_stop() is called
 * @loop:	loop
 *
 * Return: 0, or negative errno if epoll failed
 */
int notif_loop_run(struct notif_loop *loop);

/**
 * notif_loop_stop() - make notif_loop_run() return after this iteration
 * @loop:	loop
 */
void notif_loop_stop(struct notif_loop *loop);

/**
 * notif_loop_stop_when_empty() - stop the loop once no container is left
 * @loop:	loop (stops at once if it has no container now)
 */
void notif_loop_stop_when_empty(struct notif_loop *loop);


/**
 * notif_container_new() - register a container
 * @loop:	loop
 * @id:		name for logs
 * @pid:	its first process, to find its network namespace
 * @pol:	its policy (copied)
 * @nl_fd:	address monitor in its namespace (netaddr_monitor_open()),
 *		owned by the container from now on, or -1
 *
 * The container lives while it has notify fds; it is freed when the last one
 * hangs up. Register at least one with notif_container_add_fd().
 *
 * Return: the container, or NULL (errno set)
 */
struct notif_container *notif_container_new(struct notif_loop *loop,
					    const char *id, pid_t pid,
					    const struct policy_cfg *pol,
					    int nl_fd);

/**
 * notif_container_add_fd() - serve a seccomp notify fd for a container
 * @loop:	loop
 * @c:		container
 * @fd:		notify fd, owned by the loop from now on (closed on error)
 *
 * Return: 0 or negative errno
 */
int notif_container_add_fd(struct notif_loop *loop, struct notif_container *c,
			   int fd);

/**
 * notif_container_find() - look up a container by id
 * @loop:	loop
 * @id:		its id
 *
 * Return: the container, or NULL
 */
struct notif_container *notif_container_find(struct notif_loop *loop,
					     const char *id);

/**
 * notif_container_by_netns() - the container whose network namespace is @ino
 * @loop:	loop
 * @ino:	namespace inode
 *
 * Return: the container, or NULL
 */
struct notif_container *notif_container_by_netns(struct notif_loop *loop,
						 uint64_t ino);

/**
 * notif_container_policy() - a container's policy
 * @c:	container
 *
 * Return: pointer to it (only the subnet monitor changes it)
 */
const struct policy_cfg *notif_container_policy(const struct notif_container *c);

/**
 * notif_container_pub() - the host sockets bound for a container's
 * published ports (runtime state the switch code updates)
 * @c:	container
 *
 * Return: pointer to it
 */
struct switch_pub *notif_container_pub(struct notif_container *c);

/**
 * notif_container_netns() - a container's network namespace inode
 * @c:	container
 *
 * Return: inode
 */
uint64_t notif_container_netns(const struct notif_container *c);

/**
 * notif_container_count() - count a request served outside the notify fds
 * @c:		container
 * @switched:	1 if it was switched, 0 if kept, -1 if refused
 */
void notif_container_count(struct notif_container *c, int switched);

/**
 * notif_loop_self_netns() - the supervisor's network namespace inode
 * @loop:	loop
 *
 * Return: inode
 */
uint64_t notif_loop_self_netns(const struct notif_loop *loop);

/**
 * notif_container_free() - tear a container down with all its notify fds
 * @loop:	loop
 * @c:		container
 */
void notif_container_free(struct notif_loop *loop, struct notif_container *c);

/**
 * notif_container_set_passthrough() - never switch anything for @c (b4ns
 * mode off, or settings in error): its trapped calls are performed with a
 * policy that keeps everything in the container, never answered CONTINUE
 * @c:	container
 */
void notif_container_set_passthrough(struct notif_container *c);

/**
 * struct notif_container_info - what status reports of a container
 * @id:		container id
 * @pid:	its first process as registered
 * @passthrough: nothing is switched
 * @n_fds:	live notify fds (processes or execs holding the filter)
 * @st:		counters
 * @pol:	policy (published ports, ignore list, own subnets)
 */
struct notif_container_info {
	const char *id;
	pid_t pid;
	bool passthrough;
	int n_fds;
	const struct notif_stats *st;
	const struct policy_cfg *pol;
};

/**
 * notif_loop_visit() - call @fn for every container
 * @loop:	loop
 * @fn:		callback
 * @arg:	its argument
 */
void notif_loop_visit(struct notif_loop *loop,
		      void (*fn)(const struct notif_container_info *, void *),
		      void *arg);

/**
 * notif_loop_del_extra() - stop watching a caller's fd
 * @loop:	loop
 * @fd:		descriptor given to notif_loop_add_extra() (not closed)
 */
void notif_loop_del_extra(struct notif_loop *loop, int fd);


#endif /* B4NS_NOTIFY_H */
