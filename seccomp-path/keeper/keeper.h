/* SPDX-License-Identifier: GPL-2.0-or-later
 * keeper.h - the keeper process (keeper.c) and the daemon's side of it
 * (client.c)
 */
#ifndef B4NS_KEEPER_H
#define B4NS_KEEPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/**
 * keeper_main() - be the keeper ("b4ns __keeper PATH FD"); never returns
 * unless it cannot start
 * @path:	the keeper's socket
 * @ready_fd:	written one byte and closed once @path accepts connections
 *
 * Return: 1 if it could not start (logged); it exits 0 when the daemon
 * says KEEPER_QUIT
 */
int keeper_main(const char *path, int ready_fd);

/**
 * keeper_failsafe() - the keeper's answer to a notification while no
 * daemon serves it
 * @arch:	seccomp_data.arch
 * @nr:		seccomp_data.nr
 * @arg0:	seccomp_data.args[0] (socketcall's call number)
 * @flags:	out: SECCOMP_USER_NOTIF_FLAG_CONTINUE or 0
 *
 * Return: 0 with @flags CONTINUE for calls that reach no address, else the
 * negative errno to answer
 */
int keeper_failsafe(uint32_t arch, int nr, uint64_t arg0, uint32_t *flags);

/**
 * struct keeper_item - a notify fd handed back by the keeper
 * @fd:		the notify fd (the caller's)
 * @len:	bytes of @blob
 * @blob:	the runtime's message it came with
 */
struct keeper_item {
	int fd;
	size_t len;
	char *blob;
};

/**
 * struct keeper_link - the daemon's connection to its keeper
 * @conn:	the connection (watch it: readable means KEEPER_STOP or the
 *		keeper's end, see keeper_event())
 * @ledger:	the shared ledger of unanswered notification ids
 * @listen_fd:	the listener the keeper held, or -1 (the caller takes it)
 * @items:	the notify fds it held (the caller takes them)
 * @n_items:	entries in @items
 */
struct keeper_link {
	int conn;
	uint64_t *ledger;
	int listen_fd;
	struct keeper_item *items;
	int n_items;
};

/**
 * keeper_join() - connect to the keeper at @path, starting one if none
 * answers, and take over what it holds
 * @path:	the keeper's socket
 * @replace:	take over from a daemon that is running (it is stopped);
 *		without it, a running daemon is an error
 * @out:	the link, to free with keeper_free()
 * @err:	why not
 *
 * Waits until the keeper hands everything over (with @replace: until the
 * running daemon has exited, at most 10 s).
 *
 * Return: 0, -EADDRINUSE if another daemon holds the keeper (and not
 * @replace), other negative errno
 */
int keeper_join(const char *path, bool replace, struct keeper_link **out,
		struct b4_error *err);

/**
 * keeper_send() - send one packet (both sides)
 * @conn:	the connection
 * @type:	enum keeper_msg
 * @buf:	payload, or NULL
 * @len:	bytes of @buf, at most KEEPER_BLOB_MAX
 * @fd:		descriptor to pass, or -1
 *
 * Not thread-safe (one static packet buffer): each side sends from one
 * thread.
 *
 * Return: 0 or negative errno
 */
int keeper_send(int conn, uint32_t type, const void *buf, size_t len, int fd);

/**
 * keeper_keep() - give the keeper a copy of @fd
 * @k:		link, or NULL (no keeper: nothing done)
 * @type:	KEEPER_LISTEN or KEEPER_FD
 * @blob:	for KEEPER_FD, the runtime's message
 * @len:	bytes of @blob, at most KEEPER_BLOB_MAX
 * @fd:		the descriptor
 *
 * Return: 0 or negative errno
 */
int keeper_keep(struct keeper_link *k, int type, const void *blob,
		size_t len, int fd);

/**
 * keeper_event() - @k->conn is readable: what did the keeper say?
 * @k:		link
 *
 * Return: KEEPER_STOP (a new daemon replaces this one), 0 for the keeper's
 * end (it is gone), -EAGAIN for nothing
 */
int keeper_event(struct keeper_link *k);

/**
 * keeper_free() - close the link
 * @k:		link, or NULL
 * @quit:	tell the keeper to exit first (the daemon stops for good)
 */
void keeper_free(struct keeper_link *k, bool quit);

#endif /* B4NS_KEEPER_H */
