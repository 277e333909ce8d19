/* SPDX-License-Identifier: GPL-2.0-or-later
 * sockopt.h - read many socket options of one socket with one system call
 */
#ifndef B4NS_SOCKOPT_H
#define B4NS_SOCKOPT_H

#include <stdbool.h>
#include <sys/socket.h>

/* entries of one batch, and of the io_uring submission queue */
#define SOCKOPT_BATCH_MAX 32

/**
 * struct sockopt_entry - one getsockopt() of a batch
 * @level:	SOL_SOCKET, IPPROTO_TCP, ...
 * @name:	option
 * @val:	where the value goes
 * @len:	in: size of @val; out (on success): the length the kernel
 *		returned, as getsockopt()'s optlen (0 for an unset
 *		SO_BINDTODEVICE)
 * @ret:	0, or the negative errno getsockopt() failed with
 */
struct sockopt_entry {
	int level;
	int name;
	void *val;
	socklen_t len;
	int ret;
};

/**
 * struct sockopt_batch - getsockopt() calls on one socket, run together
 * @n:		entries used; zero-initialise the batch before the first add
 * @e:		the entries
 */
struct sockopt_batch {
	unsigned int n;
	struct sockopt_entry e[SOCKOPT_BATCH_MAX];
};

/**
 * sockopt_batch_add() - queue one getsockopt() in a batch
 * @b:		batch (zero-initialised before its first entry)
 * @level:	option level
 * @name:	option
 * @val:	buffer for the value, valid until sockopt_batch_run() returns
 * @len:	its size
 *
 * Return: the entry's index in @b->e, or -ENOSPC when the batch is full
 */
int sockopt_batch_add(struct sockopt_batch *b, int level, int name, void *val,
		      socklen_t len);

/**
 * sockopt_batch_run() - read every option of a batch from one socket
 * @fd:		socket
 * @b:		batch; every entry gets its own result (->ret, ->len), a
 *		failed entry does not keep the others from being read
 *
 * SOL_SOCKET entries (two or more) go to the kernel in one io_uring_enter()
 * when io_uring can read socket options (see the theory of operation in
 * sockopt.c); everything else is one getsockopt() per entry. The results
 * are the ones getsockopt() would give either way. Not thread-safe: the
 * ring is per process and only the supervisor's main thread uses it.
 *
 * Return: 0 if every entry was read, else the ->ret of the first failed
 * entry (a negative errno)
 */
int sockopt_batch_run(int fd, struct sockopt_batch *b);

/**
 * sockopt_uring() - can batches go through io_uring in this process?
 *
 * Decided on the first call (of this or sockopt_batch_run()) and
 * remembered; false while sockopt_force_fallback() is on.
 *
 * Return: true if SOL_SOCKET entries are read through io_uring
 */
bool sockopt_uring(void);

/**
 * sockopt_force_fallback() - for tests: read every entry with getsockopt()
 * @on:		true to bypass io_uring, false to use it again where available
 */
void sockopt_force_fallback(bool on);

/**
 * sockopt_submissions() - for tests: io_uring_enter() calls made by batches
 * so far in this process (the availability probe not counted)
 *
 * Return: the count
 */
unsigned long sockopt_submissions(void);

#endif /* B4NS_SOCKOPT_H */
