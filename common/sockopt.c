// SPDX-License-Identifier: GPL-2.0-or-later
/* sockopt.c - read many socket options of one socket with one system call
 *
 * Theory of operation: a switch reads a dozen SOL_SOCKET options of the
 * container's socket (hostsock.c), each one getsockopt() and, on this kind
 * of machine, a microsecond or more of kernel entry and exit. Since Linux
 * 6.7 io_uring runs getsockopt() as a socket command (IORING_OP_URING_CMD,
 * cmd_op SOCKET_URING_OP_GETSOCKOPT), for level SOL_SOCKET only: a batch
 * puts one such entry per SOL_SOCKET option in the submission queue and
 * submits and waits for all of them with one io_uring_enter(). The command
 * completes inline (getsockopt() never waits), so the completions are there
 * when io_uring_enter() returns; each is matched to its entry by user_data.
 * The kernel writes the value where the entry points and returns the
 * length in cqe->res, which becomes the entry's len exactly as getsockopt()
 * would have written it back.
 *
 * Entries of other levels, a batch with a single SOL_SOCKET entry (one
 * system call either way) and every entry when io_uring cannot be used are
 * plain getsockopt() calls. An entry io_uring answers -EOPNOTSUPP is read
 * again with getsockopt(): the kernel runs socket commands only for
 * protocols with an ioctl handler (not AF_UNIX, for one), and the plain
 * call gives the authoritative answer.
 *
 * Whether io_uring can be used is decided once, on first use, and kept:
 * the ring is set up (which fails with ENOSYS without io_uring, EPERM when
 * kernel.io_uring_disabled or a seccomp filter forbids it) and one
 * SO_TYPE read of a throwaway UDP socket must come back right (a kernel
 * older than 6.7 answers -EOPNOTSUPP, or -EINVAL before 5.19). The probe
 * uses a socket of its own because the first batch may well be on a socket
 * the command does not support, which says nothing about the kernel.
 *
 * One small ring per process, created on first use. The kernel always
 * opens an io_uring descriptor close-on-exec, so exec'd children never
 * inherit it; a forked child forgets the ring (pthread_atfork()) and would
 * set up its own. Nothing here is thread-safe: only the supervisor's main
 * thread, which is single-threaded in this respect, runs batches.
 *
 * Should a submission go wrong (an error, or fewer entries taken than
 * queued), the completions of what was taken are waited for, the ring is
 * torn down (discarding entries the kernel never took, which point into
 * the caller's stack) and io_uring is not used again; the entries without
 * a result are read with getsockopt().
 *
 * Debian 12's headers (uapi 6.1, liburing 2.3) know IORING_OP_URING_CMD but
 * not the socket command fields, so they are written at their ABI offsets
 * (include/uapi/linux/io_uring.h): cmd_op at 8, level and optname as two
 * u32 at 16 (the union with addr), optlen as u32 at 44 (the union with
 * splice_fd_in and file_index) and the optval pointer at 48 (addr3).
 */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "sockopt.h"

#define SOCKOPT_URING_OP_GETSOCKOPT 2 /* SOCKET_URING_OP_GETSOCKOPT, 6.7 */

_Static_assert(offsetof(struct io_uring_sqe, cmd_op) == 8, "sqe cmd_op");
_Static_assert(offsetof(struct io_uring_sqe, addr) == 16, "sqe level/optname");
_Static_assert(offsetof(struct io_uring_sqe, file_index) == 44, "sqe optlen");
_Static_assert(offsetof(struct io_uring_sqe, addr3) == 48, "sqe optval");

enum uring_state {
	URING_UNKNOWN = 0,
	URING_ON,
	URING_OFF,
};

static enum uring_state state;
static struct io_uring ring;
static bool forced_fallback;
static unsigned long submissions;

int sockopt_batch_add(struct sockopt_batch *b, int level, int name, void *val,
		      socklen_t len)
{
	struct sockopt_entry *e;

	if (b->n >= SOCKOPT_BATCH_MAX)
		return -ENOSPC;
	e = &b->e[b->n];
	e->level = level;
	e->name = name;
	e->val = val;
	e->len = len;
	e->ret = 0;
	return (int)b->n++;
}

/* prep_getsockopt() - @sqe: getsockopt(@fd, @level, @name, @val, @len) */
static void prep_getsockopt(struct io_uring_sqe *sqe, int fd, int level,
			    int name, void *val, socklen_t len, uint64_t tag)
{
	uint32_t lv = (uint32_t)level, nm = (uint32_t)name;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = SOCKOPT_URING_OP_GETSOCKOPT;
	/* union { u64 addr; struct { u32 level; u32 optname; }; } */
	memcpy((unsigned char *)&sqe->addr, &lv, sizeof(lv));
	memcpy((unsigned char *)&sqe->addr + sizeof(lv), &nm, sizeof(nm));
	sqe->file_index = (uint32_t)len;	/* optlen */
	sqe->addr3 = (uint64_t)(uintptr_t)val;	/* optval */
	sqe->user_data = tag;
}

/* ring_forget() - in a forked child: the ring is the parent's */
static void ring_forget(void)
{
	if (state == URING_ON)
		state = URING_UNKNOWN;
	memset(&ring, 0, sizeof(ring));
}

static void ring_down(void)
{
	io_uring_queue_exit(&ring);
	memset(&ring, 0, sizeof(ring));
	state = URING_OFF;
}

/* wait_cqes() - take @want completions, calling @fn for each */
static int wait_cqes(unsigned int want,
		     void (*fn)(const struct io_uring_cqe *, void *), void *arg)
{
	while (want) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;
		int ret;

		io_uring_for_each_cqe(&ring, head, cqe) {
			fn(cqe, arg);
			if (++seen == want)
				break;
		}
		io_uring_cq_advance(&ring, seen);
		want -= seen;
		if (!want)
			break;
		submissions++;
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN)
			return ret;
	}
	return 0;
}

static void probe_cqe(const struct io_uring_cqe *cqe, void *arg)
{
	*(int *)arg = cqe->res;
}

/* ring_up() - set the ring up and check that it reads socket options */
static int ring_up(void)
{
	static bool atfork;
	_cleanup_close_ int s = -1;
	struct io_uring_sqe *sqe;
	int type = -1, res = -EIO, ret;

	ret = io_uring_queue_init(SOCKOPT_BATCH_MAX, &ring,
				  IORING_SETUP_SUBMIT_ALL);
	if (ret < 0) {
		memset(&ring, 0, sizeof(ring));
		return ret;
	}
	if (!atfork && !pthread_atfork(NULL, NULL, ring_forget))
		atfork = true;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		ret = -errno;
	sqe = io_uring_get_sqe(&ring);
	if (!ret && sqe) {
		prep_getsockopt(sqe, s, SOL_SOCKET, SO_TYPE, &type, sizeof(type), 0);
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret == 1)
			ret = wait_cqes(1, probe_cqe, &res);
		else if (ret >= 0)
			ret = -EIO;
	}
	if (!ret && (res != (int)sizeof(type) || type != SOCK_DGRAM))
		ret = res < 0 ? res : -EIO;
	if (ret < 0) {
		ring_down();
		return ret;
	}
	return 0;
}

bool sockopt_uring(void)
{
	if (state == URING_UNKNOWN)
		state = ring_up() ? URING_OFF : URING_ON;
	return state == URING_ON && !forced_fallback;
}

void sockopt_force_fallback(bool on)
{
	forced_fallback = on;
}

unsigned long sockopt_submissions(void)
{
	return submissions;
}

/**
 * struct reap - where the completions of one batch go
 * @b:		the batch
 * @pending:	entry i is still without a result
 */
struct reap {
	struct sockopt_batch *b;
	bool *pending;
};

static void batch_cqe(const struct io_uring_cqe *cqe, void *arg)
{
	struct reap *r = arg;
	uint64_t i = cqe->user_data;
	struct sockopt_entry *e;

	if (i >= r->b->n || !r->pending[i])
		return;
	e = &r->b->e[i];
	/* a protocol without socket commands (AF_UNIX...): ask again */
	if (cqe->res == -EOPNOTSUPP)
		return;
	r->pending[i] = false;
	if (cqe->res < 0) {
		e->ret = cqe->res;
		return;
	}
	e->ret = 0;
	if ((socklen_t)cqe->res < e->len)
		e->len = (socklen_t)cqe->res;
}

/* batch_uring() - the SOL_SOCKET entries of @b through the ring; those
 * read keep pending[i] false */
static void batch_uring(int fd, struct sockopt_batch *b, bool *pending)
{
	struct reap r = { b, pending };
	unsigned int i, queued = 0;
	int ret;

	for (i = 0; i < b->n; i++) {
		struct sockopt_entry *e = &b->e[i];
		struct io_uring_sqe *sqe;

		if (e->level != SOL_SOCKET)
			continue;
		sqe = io_uring_get_sqe(&ring);
		if (!sqe)
			break;
		prep_getsockopt(sqe, fd, e->level, e->name, e->val, e->len, i);
		queued++;
	}
	if (!queued)
		return;
	submissions++;
	ret = io_uring_submit_and_wait(&ring, queued);
	if (ret > 0 && wait_cqes((unsigned int)ret, batch_cqe, &r) < 0)
		ret = -EIO;
	if (ret != (int)queued)
		ring_down();
}

int sockopt_batch_run(int fd, struct sockopt_batch *b)
{
	bool pending[SOCKOPT_BATCH_MAX] = { false };
	unsigned int i, sol = 0;
	int first = 0;

	for (i = 0; i < b->n; i++) {
		pending[i] = true;
		sol += b->e[i].level == SOL_SOCKET;
	}
	if (sol > 1 && sockopt_uring())
		batch_uring(fd, b, pending);
	for (i = 0; i < b->n; i++) {
		struct sockopt_entry *e = &b->e[i];

		if (pending[i]) {
			socklen_t len = e->len;

			e->ret = getsockopt(fd, e->level, e->name, e->val, &len) ?
					 -errno : 0;
			if (!e->ret)
				e->len = len;
		}
		if (e->ret && !first)
			first = e->ret;
	}
	return first;
}
