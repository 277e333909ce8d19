/* SPDX-License-Identifier: GPL-2.0-or-later
 * handlers.h - turn one trapped syscall into a switch decision and an answer
 */
#ifndef B4NS_HANDLERS_H
#define B4NS_HANDLERS_H

#include <stdint.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/seccomp.h>

#include "notify.h"
#include "policy.h"
#include "rewrite.h"

/**
 * struct handler_ctx - what a handler may use
 * @notify_fd:		the notify fd the request came from
 * @req:		the notification
 * @pol:		the container's policy (handlers record published ports)
 * @rw:			the container's rewrite table, NULL if getsockname()
 *			and getpeername() are not trapped
 * @netns_id:		the container's network namespace
 * @self_netns_id:	the supervisor's network namespace
 * @st:			the container's counters
 */
struct handler_ctx {
	int notify_fd;
	const struct seccomp_notif *req;
	struct policy_cfg *pol;
	struct rewrite_table *rw;
	uint64_t netns_id;
	uint64_t self_netns_id;
	struct notif_stats *st;
};

/**
 * struct handler_wait - an answer that must wait for a connect to complete
 * @sock:	socket to watch for EPOLLOUT (owned by the caller from now on)
 * @fl:		file status flags to restore on completion
 * @to:		address being connected to
 * @deadline:	CLOCK_MONOTONIC time after which the answer is -EINPROGRESS
 *		(SO_SNDTIMEO), or zero for none
 */
struct handler_wait {
	int sock;
	int fl;
	struct sockaddr_storage to;
	struct timespec deadline;
};

enum handler_result {
	HANDLER_ANSWER = 0,	/* @resp is ready to send */
	HANDLER_WAIT,		/* @wait is filled: answer when it completes */
	HANDLER_DROP,		/* the notification is gone, send nothing */
};

/**
 * handler_dispatch() - handle any trapped syscall
 * @ctx:	request context
 * @resp:	answer to fill (id already set)
 * @wait:	filled for HANDLER_WAIT
 *
 * Return: what the caller must do next
 */
enum handler_result handler_dispatch(const struct handler_ctx *ctx,
				     struct seccomp_notif_resp *resp,
				     struct handler_wait *wait);

/**
 * handler_connect() - handle a trapped connect()
 * @ctx:	request context
 * @resp:	answer to fill (id already set)
 * @wait:	filled for HANDLER_WAIT
 *
 * Return: what the caller must do next
 */
enum handler_result handler_connect(const struct handler_ctx *ctx,
				    struct seccomp_notif_resp *resp,
				    struct handler_wait *wait);

/**
 * handler_id_valid() - is the notification still pending in the kernel?
 * @notify_fd:	notify fd
 * @id:		notification id
 *
 * Return: true if the target still waits for our answer
 */
bool handler_id_valid(int notify_fd, uint64_t id);

#endif /* B4NS_HANDLERS_H */
