/* SPDX-License-Identifier: GPL-2.0-or-later
 * frame.h - reading one OCI seccomp listener message off a connection
 */
#ifndef B4NS_FRAME_H
#define B4NS_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "oci.h"

#define FRAME_MAX OCI_STATE_MAX	/* bytes of one message, at most */
#define FRAME_FDS_MAX 8		/* descriptors kept from one message */

/**
 * struct frame - one listener message being read
 * @buf:	the bytes so far (FRAME_MAX at most)
 * @len:	bytes in @buf
 * @fds:	descriptors received (SCM_RIGHTS), in order, owned
 * @nfds:	entries in @fds
 * @fds_dropped: more descriptors came than @fds holds: the extra ones
 *		were closed
 */
struct frame {
	char *buf;
	size_t len;
	int fds[FRAME_FDS_MAX];
	int nfds;
	bool fds_dropped;
};

/**
 * frame_init() - an empty message, its buffer allocated
 * @f:	the message
 *
 * Return: 0 or -ENOMEM
 */
int frame_init(struct frame *f);

/**
 * frame_free() - release a message: its buffer and the descriptors it
 * still holds (set entries of @f->fds to -1 to keep them)
 * @f:	the message
 */
void frame_free(struct frame *f);

/**
 * frame_complete() - do these bytes form one whole JSON document?
 * @buf:	bytes
 * @len:	their number
 *
 * Return: 1 complete, 0 not yet, -1 never will (a syntax error)
 */
int frame_complete(const char *buf, size_t len);

/**
 * frame_read() - read what a runtime's connection has for now
 * @f:		the message so far, from frame_init()
 * @fd:		the connection (an AF_UNIX stream; read with MSG_DONTWAIT)
 * @err:	why the message is refused
 *
 * A runtime sends one JSON document and its descriptors, possibly over
 * several writes, and may keep its end open (runc 1.1): the message ends
 * with a whole JSON document or with EOF, whichever comes first. Bytes
 * that can never become JSON end it too (the parser says why). Bytes after
 * the document in the same read stay in @f->buf for the parser to refuse.
 *
 * Return: 1 the message is complete (parse @f->buf, @f->len, @f->fds;
 * both empty if EOF came first: a liveness probe), 0 nothing more to read
 * for now,
 * -EMSGSIZE more than FRAME_MAX bytes, or recvmsg()'s negative errno
 */
int frame_read(struct frame *f, int fd, struct b4_error *err);

#endif /* B4NS_FRAME_H */
