/* SPDX-License-Identifier: GPL-2.0-or-later
 * accept.h - accept() on a published port, performed by the supervisor so
 * that a connection from another container shows that container's address
 */
#ifndef B4NS_ACCEPT_H
#define B4NS_ACCEPT_H

#include <stdint.h>
#include <sys/socket.h>
#include <linux/seccomp.h>

#include "handlers.h"

#define ACCEPT_STASH_MAX 8

/**
 * struct accept_stash - connections accepted for a task that could not take
 * them (a signal ended its call, its fd table was full): the next accept()
 * on the same listener gets them first, none is lost
 * @n:		entries used
 * @e:		the entries
 * @e.listener:	SO_COOKIE of the listener it came from
 * @e.sock:	the accepted connection
 * @e.shown:	the peer address to show
 */
struct accept_stash {
	int n;
	struct {
		uint64_t listener;
		int sock;
		struct sockaddr_storage shown;
	} e[ACCEPT_STASH_MAX];
};

/**
 * accept_stash_free() - close every stashed connection
 * @s:		the stash (a container's)
 */
void accept_stash_free(struct accept_stash *s);

/**
 * accept_nowait() - accept a connection of a container's listener without
 * ever waiting
 * @lsock:	our duplicate of the listener: it shares the container's file,
 *		whose O_NONBLOCK is the container's (not ours to flip), and the
 *		container may take a connection at any time
 * @peer:	the connection's peer address
 * @plen:	its length (in: the room in @peer)
 *
 * io_uring's accept with IORING_ACCEPT_DONTWAIT (Linux 6.10) fails with
 * EAGAIN instead of waiting, whatever the file's flags. Whether the kernel
 * has it is probed once, on a listener of the supervisor's own.
 *
 * Return: the connection (O_NONBLOCK, O_CLOEXEC), -EAGAIN if there is none,
 * -EOPNOTSUPP if the kernel cannot accept without waiting, or the accept's
 * negative errno (-EINVAL: not listening)
 */
int accept_nowait(int lsock, struct sockaddr_storage *peer, socklen_t *plen);

/**
 * accept_handle() - an accept() or accept4() of a container
 * @ctx:	the notification and the container
 * @hc:		the decoded call (HOP_ACCEPT or HOP_ACCEPT4)
 * @resp:	the answer, when HANDLER_ANSWER is returned
 * @wait:	filled when HANDLER_WAIT is returned (a blocking accept()
 *		with nothing to accept: the listener joins the loop)
 *
 * On a listener of the container's published ports the supervisor accepts
 * on its duplicate and injects the connection (SECCOMP_ADDFD_FLAG_SEND),
 * writing the peer address the container should see: for a connection from
 * a container on this node (origin.h), that container's address. Any
 * other fd is answered CONTINUE: accept() cannot originate a connection,
 * whatever fd or buffer the kernel then finds.
 *
 * Return: HANDLER_ANSWER, HANDLER_WAIT, or HANDLER_DROP (answered by the
 * injection, or the notification is gone)
 */
enum handler_result accept_handle(const struct handler_ctx *ctx,
				  const struct hcall *hc,
				  struct seccomp_notif_resp *resp,
				  struct handler_wait *wait);

/**
 * accept_wait_event() - the listener of a waiting accept() is readable
 * @w:		the wait (HWAIT_ACCEPT)
 * @notify_fd:	notify fd of the notification
 * @id:		its id
 * @resp:	the answer, when HANDLER_ANSWER is returned
 *
 * Return: HANDLER_WAIT (nothing to accept after all), HANDLER_ANSWER or
 * HANDLER_DROP, as accept_handle()
 */
enum handler_result accept_wait_event(struct handler_wait *w, int notify_fd,
				      uint64_t id,
				      struct seccomp_notif_resp *resp);

#endif /* B4NS_ACCEPT_H */
