/* SPDX-License-Identifier: GPL-2.0-or-later
 * fdpass.h - send and receive file descriptors (SCM_RIGHTS) with a payload
 */
#ifndef B4NS_FDPASS_H
#define B4NS_FDPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* most descriptors one message carries (either way) */
#define FDPASS_MAX 8

/**
 * struct fdpass_rx - what fdpass_recv() found beside the payload
 * @nfds:	descriptors stored in the caller's array
 * @dropped:	descriptors closed because they did not fit: those beyond
 *		the caller's array, plus one if the message held more than
 *		the control buffer takes (FDPASS_MAX and a few; the kernel
 *		closes those itself, MSG_CTRUNC); 0 when none
 * @truncated:	the message was longer than the buffer (SOCK_SEQPACKET or
 *		SOCK_DGRAM: the rest is discarded)
 * @has_cred:	@cred holds the sender's SCM_CREDENTIALS (the socket has
 *		SO_PASSCRED)
 * @cred:	pid, uid and gid of the sender, as the kernel attached them
 */
struct fdpass_rx {
	int nfds;
	int dropped;
	bool truncated;
	bool has_cred;
	struct ucred cred;
};

/**
 * fdpass_send() - send a payload and descriptors in one message
 * @sock:	AF_UNIX socket
 * @buf:	payload (at least one byte on a SOCK_STREAM socket, where
 *		descriptors need data to travel with)
 * @len:	bytes of @buf
 * @fds:	descriptors to pass, duplicated into the receiver
 * @nfds:	entries in @fds, 0 to FDPASS_MAX
 * @flags:	MSG_* flags for sendmsg(); MSG_NOSIGNAL is always added
 *
 * Interrupted calls are retried. Async-signal-safe (libb4ns.so calls it
 * from its interposers: no allocation, no locks).
 *
 * Return: bytes sent, or negative errno (-EINVAL for a bad @nfds)
 */
ssize_t fdpass_send(int sock, const void *buf, size_t len, const int *fds,
		    int nfds, int flags);

/**
 * fdpass_recv() - receive one message and the descriptors it carries
 * @sock:	AF_UNIX socket
 * @buf:	payload buffer
 * @len:	size of @buf
 * @fds:	where to store the received descriptors (close-on-exec)
 * @maxfds:	room in @fds; descriptors beyond it are closed
 * @flags:	MSG_* flags for recvmsg(); MSG_CMSG_CLOEXEC is always added
 * @rx:		what came beside the payload, see struct fdpass_rx
 *
 * Control messages other than SCM_RIGHTS and SCM_CREDENTIALS are ignored
 * (they carry no descriptors). Interrupted calls are retried. The caller
 * owns the @rx->nfds descriptors in @fds, also when it rejects the
 * payload. Async-signal-safe, as fdpass_send().
 *
 * Return: payload bytes (0: end of stream, or an empty message), or
 * negative errno (then no descriptor was received)
 */
ssize_t fdpass_recv(int sock, void *buf, size_t len, int *fds, int maxfds,
		    int flags, struct fdpass_rx *rx);

/**
 * fdpass_close() - close received descriptors
 * @fds:	descriptors
 * @nfds:	entries in @fds
 */
void fdpass_close(const int *fds, int nfds);

#endif /* B4NS_FDPASS_H */
