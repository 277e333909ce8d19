// SPDX-License-Identifier: GPL-2.0-or-later
/* procmem.c - bounded reads and writes of another process's memory
 *
 * Theory of operation: process_vm_readv() faults the target's pages in, and
 * a page backed by a FUSE file, a userfaultfd range or a stalled network
 * filesystem can keep that fault waiting for as long as the container likes;
 * no signal interrupts it (the fault waits killable only). The supervisor is
 * one epoll loop serving every container, so such a read must not run on the
 * loop's thread.
 *
 * The copy therefore runs on a reader thread and the caller waits for it
 * with a deadline (PROC_MEM_TIMEOUT_MS). One reader is "active"; the caller
 * hands it a request through one futex word (struct reader.state) and
 * sleeps on that word until the reader answers or the deadline passes. The
 * reader is pinned to the caller's CPU (re-pinned when the caller moves), so
 * a hand-off is two context switches on one CPU and never the wake-up of an
 * idle CPU, and nobody spins. Measured with bench/memread on 2 shared vCPUs
 * (Firecracker): an inline 32-byte process_vm_readv costs ~2 us; through
 * the reader ~9 us, back to back or after an idle gap alike. Spinning on
 * both sides gave ~3.4 us back to back but ~57 us per read in bursts after
 * an idle gap (two idle-vCPU wake-ups), and burns a CPU other work needs.
 * The reader copies into a buffer it owns; the caller copies out of it only
 * after the reader has answered.
 *
 * The deadline is for a copy that is blocked, not for one that is slow: when
 * it passes while the reader is runnable (it has not been scheduled yet, or
 * was preempted, or is copying: a loaded machine, not a stalled page), the
 * caller waits another PROC_MEM_TIMEOUT_MS, up to PROC_MEM_RUNNABLE_MAX_MS
 * in all. (bench/soak found it: on two saturated vCPUs, about one connect
 * in 30 of a "b4ns run" container got EFAULT because its reader had not
 * run within 20 ms.) A fault on a FUSE or userfaultfd page sleeps ('S' or
 * 'D' in /proc), so it is abandoned at the first deadline as before.
 *
 * When the deadline passes, the caller marks the request abandoned and
 * returns -ETIMEDOUT; the reader becomes "stuck": it is detached, listed
 * with the owner of the request (proc_read_owner()), and when its copy
 * finally ends it drops the result, unlists itself, frees its buffer and
 * exits. The next request starts a fresh active reader. Two limits keep
 * stuck readers from piling up: an owner with PROC_MEM_OWNER_STUCK stuck
 * reads gets -ETIMEDOUT at once, and with PROC_MEM_MAX_STUCK stuck readers
 * in all no new reader is started (everyone gets -ETIMEDOUT until one
 * ends). A stuck fault on a container's own FUSE mount ends at the latest
 * when the container dies: its /dev/fuse descriptor closes, which aborts
 * the connection and fails the pending request.
 *
 * Callers are serialised by one mutex; the supervisor has one thread, so it
 * is never contended there.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

/* a request not answered in this time is abandoned: -ETIMEDOUT */
#define PROC_MEM_TIMEOUT_MS 20
/* ... unless its reader is runnable, waited for up to this long in all */
#define PROC_MEM_RUNNABLE_MAX_MS 1000
/* stuck readers in all, and per owner, before new requests fail at once */
#define PROC_MEM_MAX_STUCK 16
#define PROC_MEM_OWNER_STUCK 2
#define READER_STACK ((size_t)64 * 1024)

/*
 * Reader states, in struct reader.state (a futex word):
 *   IDLE     no request; the reader is about to sleep
 *   SLEEP    no request; the reader sleeps on the futex (post must wake it)
 *   POSTED   request posted; the caller is about to sleep
 *   WAITED   request posted; the caller sleeps (the answer must wake it)
 *   ABANDON  the caller gave up: the reader drops the result and exits
 *   EXIT     shutdown: the idle reader exits
 * The caller moves IDLE/SLEEP -> POSTED -> WAITED -> ABANDON and sets EXIT;
 * the reader moves IDLE -> SLEEP and POSTED/WAITED -> IDLE.
 */
enum { R_IDLE, R_SLEEP, R_POSTED, R_WAITED, R_ABANDON, R_EXIT };

enum { OP_READ, OP_WRITE, OP_SIZED };

/**
 * struct reader - one reader thread and the request it serves
 * @state:	futex word, see above
 * @thr:	the thread
 * @op:		OP_READ, OP_WRITE or OP_SIZED (proc_write_sized())
 * @tid:	target task
 * @addr:	address in the target
 * @lenp:	OP_SIZED: address of the length in the target
 * @len:	bytes
 * @ret:	0 or negative errno, valid once the state left POSTED/WAITED
 * @owner:	who asked (proc_read_owner()), for the stuck limits
 * @buf:	the reader's own buffer: data in (write) or out (read)
 * @cap:	its size
 * @cpu:	the CPU the reader is pinned to, -1: none
 * @ktid:	the reader thread's kernel thread id, 0 until it runs
 */
struct reader {
	_Atomic uint32_t state;
	_Atomic pid_t ktid;
	pthread_t thr;
	int op;
	pid_t tid;
	uint64_t addr;
	uint64_t lenp;
	size_t len;
	int ret;
	const void *owner;
	unsigned char *buf;
	size_t cap;
	int cpu;
};

/**
 * struct reader_pool - the process-wide readers
 * @lock:	serialises callers; guards @active
 * @active:	the reader serving requests, NULL until the first one
 * @stuck_lock:	guards @stuck and @nstuck (taken by stuck readers too)
 * @stuck:	abandoned readers still in their copy
 * @nstuck:	entries used in @stuck
 */
struct reader_pool {
	pthread_mutex_t lock;
	struct reader *active;
	pthread_mutex_t stuck_lock;
	struct reader *stuck[PROC_MEM_MAX_STUCK];
	int nstuck;
};

static struct reader_pool pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.stuck_lock = PTHREAD_MUTEX_INITIALIZER,
};
static __thread const void *cur_owner;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* futex_wait() - sleep while *@w == @val, until the absolute monotonic
 * time @deadline_ns (0: no deadline); -ETIMEDOUT, -EAGAIN, -EINTR or 0 */
static int futex_wait(_Atomic uint32_t *w, uint32_t val, long deadline_ns)
{
	struct timespec ts = { .tv_sec = deadline_ns / 1000000000L,
			       .tv_nsec = deadline_ns % 1000000000L };
	long r = syscall(SYS_futex, (uint32_t *)w,
			 FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, val,
			 deadline_ns ? &ts : NULL, NULL, FUTEX_BITSET_MATCH_ANY);

	return r < 0 ? -errno : 0;
}

static void futex_wake(_Atomic uint32_t *w)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1,
		NULL, NULL, 0);
}

/* remote_io() - one copy of @len bytes between @buf and @addr in @tid */
static int remote_io(bool rd, pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	/* NOLINTNEXTLINE(performance-no-int-to-ptr): an address in another process, never dereferenced here */
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr,
				.iov_len = len };
	ssize_t n = rd ? process_vm_readv(tid, &local, 1, &remote, 1, 0) :
			 process_vm_writev(tid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* sized_copy() - OP_SIZED: the room at @r->lenp, then the result and its
 * length, as the kernel hands back a socket address */
static int sized_copy(const struct reader *r)
{
	int32_t room;
	uint32_t full = (uint32_t)r->len;
	int ret = remote_io(true, r->tid, r->lenp, &room, sizeof(room));

	if (ret)
		return ret;
	if (room < 0)
		return -EINVAL;
	ret = remote_io(false, r->tid, r->addr, r->buf,
			(size_t)room < r->len ? (size_t)room : r->len);
	if (ret)
		return ret;
	return remote_io(false, r->tid, r->lenp, &full, sizeof(full));
}

/* mem_copy() - the copy itself: process_vm_readv/writev on @r's buffer */
static int mem_copy(const struct reader *r)
{
	if (r->op == OP_SIZED)
		return sized_copy(r);
	return remote_io(r->op == OP_READ, r->tid, r->addr, r->buf, r->len);
}

/* reader_next() - wait for a request: R_POSTED/R_WAITED, or R_EXIT */
static uint32_t reader_next(struct reader *r)
{
	for (;;) {
		uint32_t idle = R_IDLE;
		uint32_t s = atomic_load(&r->state);

		if (s != R_IDLE && s != R_SLEEP)
			return s;
		if (s == R_IDLE &&
		    !atomic_compare_exchange_strong(&r->state, &idle, R_SLEEP))
			continue;
		futex_wait(&r->state, R_SLEEP, 0);
	}
}

/* reader_unlist() - an abandoned reader's copy ended: forget and free it */
static void reader_unlist(struct reader *r)
{
	pthread_mutex_lock(&pool.stuck_lock);
	for (int i = 0; i < pool.nstuck; i++) {
		if (pool.stuck[i] == r) {
			pool.stuck[i] = pool.stuck[--pool.nstuck];
			break;
		}
	}
	pthread_mutex_unlock(&pool.stuck_lock);
	free(r->buf);
	free(r);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	atomic_store(&r->ktid, (pid_t)syscall(SYS_gettid));
	for (;;) {
		uint32_t s = reader_next(r);

		if (s == R_EXIT)
			return NULL;
		r->ret = mem_copy(r);
		for (;;) {
			if (atomic_compare_exchange_strong(&r->state, &s,
							   R_IDLE)) {
				if (s == R_WAITED)
					futex_wake(&r->state);
				break;
			}
			if (s == R_ABANDON) {
				reader_unlist(r);
				return NULL;
			}
			/* POSTED became WAITED meanwhile: try again */
		}
	}
}

/* pool_atfork_child() - a forked child has none of our threads: forget them
 * (their memory stays allocated; the child normally execs) */
static void pool_atfork_child(void)
{
	pthread_mutex_init(&pool.lock, NULL);
	pthread_mutex_init(&pool.stuck_lock, NULL);
	pool.active = NULL;
	pool.nstuck = 0;
}

static void pool_atfork_register(void)
{
	pthread_atfork(NULL, NULL, pool_atfork_child);
}

/* reader_new() - start a reader thread with every signal blocked
 *
 * Return: the reader, or NULL with *@err set to a negative errno
 */
static struct reader *reader_new(int *err)
{
	struct reader *r = calloc(1, sizeof(*r));
	sigset_t all, old;
	pthread_attr_t attr;
	int e;

	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	atomic_init(&r->state, R_IDLE);
	r->cpu = -1;
	pthread_once(&atfork_once, pool_atfork_register);
	e = pthread_attr_init(&attr);
	if (!e) {
		pthread_attr_setstacksize(&attr, READER_STACK);
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		e = pthread_create(&r->thr, &attr, reader_main, r);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	if (e) {
		free(r);
		*err = -e;
		return NULL;
	}
	return r;
}

/* reader_pin() - keep @r on the caller's CPU: the hand-off is then two
 * context switches on one CPU, never the wake-up of an idle one */
static void reader_pin(struct reader *r)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0 || cpu == r->cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* on failure the reader runs where the scheduler puts it */
	if (!pthread_setaffinity_np(r->thr, sizeof(set), &set))
		r->cpu = cpu;
}

/* stuck_count() - stuck readers of @owner (NULL: none counted) and in all */
static void stuck_count(const void *owner, int *mine, int *all)
{
	*mine = 0;
	pthread_mutex_lock(&pool.stuck_lock);
	for (int i = 0; owner && i < pool.nstuck; i++)
		*mine += pool.stuck[i]->owner == owner;
	*all = pool.nstuck;
	pthread_mutex_unlock(&pool.stuck_lock);
}

/* reader_abandon() - give up on @r's request unless it just ended
 *
 * Return: true if abandoned (@r now belongs to itself), false if the answer
 * is there after all
 */
static bool reader_abandon(struct reader *r)
{
	bool gone = false;
	uint32_t s;

	pthread_mutex_lock(&pool.stuck_lock);
	s = atomic_load(&r->state);
	while ((s == R_POSTED || s == R_WAITED) &&
	       !atomic_compare_exchange_weak(&r->state, &s, R_ABANDON))
		;
	if (s == R_POSTED || s == R_WAITED) {
		/* there is room: the caller checked nstuck before posting */
		pool.stuck[pool.nstuck++] = r;
		pthread_detach(r->thr);
		gone = true;
	}
	pthread_mutex_unlock(&pool.stuck_lock);
	return gone;
}

/* reader_runnable() - is @r's thread runnable ('R' in its /proc stat), or
 * not started yet? A copy blocked in a page fault sleeps ('S' or 'D') */
static bool reader_runnable(struct reader *r)
{
	pid_t t = atomic_load(&r->ktid);
	char path[64], buf[512];
	const char *p;

	if (!t)
		return true;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)t);
	if (proc_read_text(path, buf, sizeof(buf)) || !buf[0])
		return false;
	/* "TID (COMM) STATE ...": COMM may hold anything, ')' included */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'R';
}

/* reader_wait() - wait for @r's answer until the deadline (extended while
 * the reader is runnable, see the theory of operation): 0 or -ETIMEDOUT */
static int reader_wait(struct reader *r, long start)
{
	long deadline = start + PROC_MEM_TIMEOUT_MS * 1000000L;
	long last = start + PROC_MEM_RUNNABLE_MAX_MS * 1000000L;

	for (;;) {
		uint32_t s = atomic_load(&r->state);

		if (s != R_POSTED && s != R_WAITED)
			return 0;
		if (s == R_POSTED &&
		    !atomic_compare_exchange_strong(&r->state, &s, R_WAITED))
			continue;
		if (futex_wait(&r->state, R_WAITED, deadline) != -ETIMEDOUT)
			continue;
		if (deadline < last && reader_runnable(r)) {
			deadline += PROC_MEM_TIMEOUT_MS * 1000000L;
			continue;
		}
		return reader_abandon(r) ? -ETIMEDOUT : 0;
	}
}

/* mem_op() - one bounded copy, see the theory of operation (@lenp: for
 * OP_SIZED) */
static int mem_op(int op, pid_t tid, uint64_t addr, uint64_t lenp, void *buf,
		  size_t len)
{
	const void *owner = cur_owner;
	struct reader *r;
	int mine, all, ret;
	long start;

	if (!len)
		return 0;
	pthread_mutex_lock(&pool.lock);
	stuck_count(owner, &mine, &all);
	if (mine >= PROC_MEM_OWNER_STUCK) {
		ret = -ETIMEDOUT;
		goto out;
	}
	r = pool.active;
	if (!r) {
		if (all >= PROC_MEM_MAX_STUCK) {
			ret = -ETIMEDOUT;
			goto out;
		}
		r = reader_new(&ret);
		if (!r)
			goto out;
		pool.active = r;
	}
	if (r->cap < len) {
		size_t cap = len < 256 ? 256 : len;
		unsigned char *nb = realloc(r->buf, cap);

		if (!nb) {
			ret = -ENOMEM;
			goto out;
		}
		r->buf = nb;
		r->cap = cap;
	}
	if (op != OP_READ)
		memcpy(r->buf, buf, len);
	r->op = op;
	r->tid = tid;
	r->addr = addr;
	r->lenp = lenp;
	r->len = len;
	r->owner = owner;
	reader_pin(r);
	start = now_ns();
	if (atomic_exchange(&r->state, R_POSTED) == R_SLEEP)
		futex_wake(&r->state);
	ret = reader_wait(r, start);
	if (ret) {
		pool.active = NULL;	/* stuck: it frees itself */
		goto out;
	}
	ret = r->ret;
	if (!ret && op == OP_READ)
		memcpy(buf, r->buf, len);
out:
	pthread_mutex_unlock(&pool.lock);
	return ret;
}

int proc_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	return mem_op(OP_READ, tid, addr, 0, buf, len);
}

int proc_write_mem(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	return mem_op(OP_WRITE, tid, addr, 0, (void *)buf, len);
}

int proc_write_sized(pid_t tid, uint64_t addr, uint64_t lenp, const void *buf,
		     uint32_t len)
{
	return mem_op(OP_SIZED, tid, addr, lenp, (void *)buf, len);
}

void proc_read_owner(const void *key)
{
	cur_owner = key;
}

int proc_reader_stuck(const void *owner)
{
	int mine, all;

	stuck_count(owner, &mine, &all);
	return owner ? mine : all;
}

int proc_reader_shutdown(void)
{
	struct reader *r;

	pthread_mutex_lock(&pool.lock);
	r = pool.active;
	pool.active = NULL;
	pthread_mutex_unlock(&pool.lock);
	if (r) {
		/* idle: callers are serialised and none is in mem_op() now */
		if (atomic_exchange(&r->state, R_EXIT) == R_SLEEP)
			futex_wake(&r->state);
		pthread_join(r->thr, NULL);
		free(r->buf);
		free(r);
	}
	for (int i = 0; i < 1000; i++) {
		if (!proc_reader_stuck(NULL))
			return 0;
		usleep(1000);
	}
	return -EBUSY;
}
