/* SPDX-License-Identifier: GPL-2.0-or-later
 * handlers.h - turn one trapped syscall into a switch decision and an answer
 */
#ifndef B4NS_HANDLERS_H
#define B4NS_HANDLERS_H

#include <stdint.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/seccomp.h>

#include "container.h"
#include "policy.h"
#include "rewrite.h"
#include "switch.h"
#include "traps.h"

struct accept_call;
struct accept_stash;

/**
 * struct handler_ctx - what a handler may use
 * @notify_fd:		the notify fd the request came from
 * @req:		the notification
 * @pol:		the container's policy
 * @pstate:		the container's policy state (own subnets, published
 *			ports bound)
 * @rw:			the container's rewrite table, NULL if getsockname()
 *			and getpeername() are not trapped
 * @netns_id:		the container's network namespace
 * @self_netns_id:	the supervisor's network namespace
 * @st:			the container's counters
 * @stash:		connections accepted for the container's tasks that
 *			could not take them yet (accept.h), or NULL
 * @waits:		answers of this container waiting in the loop now
 */
struct handler_ctx {
	int notify_fd;
	const struct seccomp_notif *req;
	const struct policy_cfg *pol;
	struct policy_state *pstate;
	struct rewrite_table *rw;
	uint64_t netns_id;
	uint64_t self_netns_id;
	struct container_stats *st;
	struct accept_stash *stash;
	int waits;
};

/* a container's answers waiting at once (blocked connects and sends, taskop
 * helpers): each holds fds, a helper is a process; over it, new ones are
 * answered at once (EINPROGRESS for a connect, EAGAIN otherwise) */
#define HANDLER_MAX_WAITS 128

/**
 * enum handler_wait_kind - what an answer waits for
 * @HWAIT_CONNECT:	a non-blocking connect() of @sock to finish (EPOLLOUT)
 * @HWAIT_SEND:		room to send @buf on @sock (EPOLLOUT)
 * @HWAIT_HELPER:	a taskop helper's answer on the pipe @sock (EPOLLIN)
 * @HWAIT_ACCEPT:	a connection on the listener @sock (EPOLLIN; accept.c)
 */
enum handler_wait_kind {
	HWAIT_CONNECT = 0,
	HWAIT_SEND,
	HWAIT_HELPER,
	HWAIT_ACCEPT,
};

/**
 * struct handler_wait - an answer that must wait for the event loop
 * @kind:	see enum handler_wait_kind
 * @sock:	fd to watch (owned by the waiter from now on)
 * @fl:		CONNECT: file status flags to restore on completion
 * @to:		CONNECT: address being connected to (to settle it);
 *		SEND: destination, @tolen bytes
 * @tolen:	SEND: length of @to, 0 for none
 * @deadline:	CLOCK_MONOTONIC time after which the answer is given up
 *		(SO_SNDTIMEO: -EINPROGRESS for a connect, -EAGAIN for a
 *		send), or zero for none
 * @restore:	CONNECT: the container's own socket, put back at @fd if the
 *		host socket's connect fails; -1 for none
 * @fd:		CONNECT: the task's fd number
 * @pid:	the task
 * @helper:	HELPER: pidfd of the helper
 * @buf:	SEND: payload (malloc'ed)
 * @len:	SEND: its length
 * @flags:	SEND: MSG_* flags
 * @acc:	ACCEPT: the call being served (malloc'ed, accept.c's)
 */
struct handler_wait {
	enum handler_wait_kind kind;
	int sock;
	int fl;
	struct sockaddr_storage to;
	socklen_t tolen;
	struct timespec deadline;
	int restore;
	int fd;
	pid_t pid;
	int helper;
	void *buf;
	size_t len;
	int flags;
	struct accept_call *acc;
};

enum handler_result {
	HANDLER_ANSWER = 0,	/* @resp is ready to send */
	HANDLER_WAIT,		/* @wait is filled: answer when it completes */
	HANDLER_DROP,		/* the notification is gone, send nothing */
};

/**
 * enum hop - a trapped call, whatever ABI it came by: the trapped ones are
 * common/traps.c's enum trap_call, so a classified call is its own op
 * @HOP_CONNECT:	connect()
 * @HOP_BIND:		bind()
 * @HOP_LISTEN:		listen()
 * @HOP_SENDTO:		sendto()
 * @HOP_SENDMSG:	sendmsg()
 * @HOP_SENDMMSG:	sendmmsg()
 * @HOP_GETSOCKNAME:	getsockname()
 * @HOP_GETPEERNAME:	getpeername()
 * @HOP_ACCEPT:		accept()
 * @HOP_ACCEPT4:	accept4()
 * @HOP_OTHER:		harmless to let run (answered CONTINUE): a socketcall(2)
 *			number b4ns does not trap, decided by a register
 * @HOP_DENY:		answered ENOSYS (x32, unknown architecture or number)
 */
enum hop {
	HOP_CONNECT = TRAP_CONNECT,
	HOP_BIND = TRAP_BIND,
	HOP_LISTEN = TRAP_LISTEN,
	HOP_SENDTO = TRAP_SENDTO,
	HOP_SENDMSG = TRAP_SENDMSG,
	HOP_SENDMMSG = TRAP_SENDMMSG,
	HOP_GETSOCKNAME = TRAP_GETSOCKNAME,
	HOP_GETPEERNAME = TRAP_GETPEERNAME,
	HOP_ACCEPT = TRAP_ACCEPT,
	HOP_ACCEPT4 = TRAP_ACCEPT4,
	HOP_OTHER = TRAP_N_CALLS,
	HOP_DENY,
};

/**
 * struct hcall - a decoded trapped call
 * @op:		which call
 * @a:		its arguments, zero-extended, in the native (x86_64) order
 * @multiplexed: it came through socketcall(2): its arguments were copied
 *		once from the task's memory (the kernel would read them again)
 */
struct hcall {
	enum hop op;
	uint64_t a[6];
	bool multiplexed;
};

/**
 * handler_decode() - what was called, with which arguments, whatever the
 * ABI: x86_64, i386 (int $0x80) and its socketcall(2), whose argument
 * array is copied from the task (@req->pid) once; x32 and anything else
 * decode to HOP_DENY
 * @req:	the notification
 * @c:		result
 *
 * Return: 0, or -EFAULT if socketcall's argument array cannot be read
 */
int handler_decode(const struct seccomp_notif *req, struct hcall *c);

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
 * handler_wait_event() - the event a wait was waiting for happened
 * @w:		the wait
 * @notify_fd:	notify fd of the notification
 * @id:		its id
 * @resp:	answer to fill (id already set)
 *
 * Return: HANDLER_ANSWER (send @resp, then handler_wait_release()) or
 * HANDLER_WAIT (keep waiting: a send found no room after all)
 */
enum handler_result handler_wait_event(struct handler_wait *w, int notify_fd,
				       uint64_t id,
				       struct seccomp_notif_resp *resp);

/**
 * handler_wait_timeout() - the answer for a wait whose deadline passed
 * @w:		the wait
 * @resp:	answer to fill (id already set)
 */
void handler_wait_timeout(struct handler_wait *w,
			  struct seccomp_notif_resp *resp);

/**
 * handler_wait_release() - free what a wait holds (kills a helper that
 * has not answered)
 * @w:		the wait
 */
void handler_wait_release(struct handler_wait *w);

/* handler_grab_fd() could not answer: the notification is gone */
#define HANDLER_GRAB_GONE 1

/**
 * handler_grab_fd() - duplicate the task's fd and prove the notification
 * is still the task's
 * @ctx:	the notification
 * @fd:		the task's fd number
 * @csock:	result: our duplicate, or -1
 *
 * Return: 0, a negative errno to answer (-EBADF...), or HANDLER_GRAB_GONE
 */
int handler_grab_fd(const struct handler_ctx *ctx, int fd, int *csock);

/**
 * handler_timeo_deadline() - when a blocking call on @sock that waits in
 * the loop gives up, as its SO_SNDTIMEO or SO_RCVTIMEO says
 * @sock:	the socket
 * @opt:	SO_SNDTIMEO or SO_RCVTIMEO
 * @d:		result: CLOCK_MONOTONIC deadline, or zero (none)
 */
void handler_timeo_deadline(int sock, int opt, struct timespec *d);

/**
 * handler_answer() - answer with an error, or 0
 * @resp:	the answer
 * @err:	0 or a negative errno
 *
 * Return: HANDLER_ANSWER
 */
enum handler_result handler_answer(struct seccomp_notif_resp *resp, int err);

/**
 * handler_continue() - let the kernel run the call as it is (only where
 * nothing it re-reads can reach anything)
 * @resp:	the answer
 *
 * Return: HANDLER_ANSWER
 */
enum handler_result handler_continue(struct seccomp_notif_resp *resp);

/**
 * handler_inject() - put @sock at fd @fd of the task, keeping FD_CLOEXEC
 * @notify_fd:	notify fd
 * @id:		the pending notification
 * @pid:	the task
 * @sock:	socket to install
 * @fd:		fd number in the task
 * @expect:	the file fd @fd must still hold (-1: do not check); if another
 *		thread replaced it meanwhile nothing is installed
 *
 * Return: 0, -EBADF if @fd no longer holds @expect, other negative errno
 */
int handler_inject(int notify_fd, uint64_t id, pid_t pid, int sock, int fd,
		   int expect);

/**
 * handler_id_valid() - is the notification still pending in the kernel?
 * @notify_fd:	notify fd
 * @id:		notification id
 *
 * Return: true if the target still waits for our answer
 */
bool handler_id_valid(int notify_fd, uint64_t id);

#endif /* B4NS_HANDLERS_H */
