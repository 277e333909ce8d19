/* SPDX-License-Identifier: GPL-2.0-or-later
 * proto.h - requests of libb4ns.so to the supervisor, and the answers
 *
 * One request is one SOCK_SEQPACKET message on the request channel carrying
 * struct preload_req and, in SCM_RIGHTS, first the application's socket and
 * then the sending end of a private reply channel (a socketpair). The
 * supervisor identifies the sender by the credentials the kernel attaches
 * (SO_PASSCRED), never by anything the request says, and answers on the
 * reply channel with struct preload_resp and, if the socket was switched,
 * the host socket in SCM_RIGHTS.
 */
#ifndef B4NS_PRELOAD_PROTO_H
#define B4NS_PRELOAD_PROTO_H

#include <stdint.h>
#include <sys/socket.h>

#include "localshow.h"

#define PRELOAD_MAGIC 0x62346e73u /* "b4ns" */
#define PRELOAD_VERSION 2

/* Environment: an inherited request channel, or a socket path to connect */
#define PRELOAD_ENV_FD "B4NS_PRELOAD_FD"
#define PRELOAD_ENV_SOCK "B4NS_PRELOAD_SOCK"

enum preload_op {
	PRELOAD_CONNECT = 1,
	PRELOAD_BIND,
	PRELOAD_SENDTO,
};

/**
 * struct preload_req - a request (the socket travels in SCM_RIGHTS)
 * @magic:	PRELOAD_MAGIC
 * @version:	PRELOAD_VERSION
 * @op:		enum preload_op
 * @flags:	MSG_* flags of a sendto()
 * @addrlen:	bytes of @addr the application passed
 * @addr:	the address
 */
struct preload_req {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	int32_t flags;
	uint32_t addrlen;
	struct sockaddr_storage addr;
};

enum preload_action {
	PRELOAD_NATIVE = 0,	/* not switched: make the call natively */
	PRELOAD_SWITCHED,	/* host socket attached: dup3() it over the fd */
	PRELOAD_FAIL,		/* answer @err without calling anything */
	PRELOAD_SEND,		/* already a host socket: send natively to @to */
};

/**
 * struct preload_resp - the answer
 * @magic:	PRELOAD_MAGIC
 * @action:	enum preload_action
 * @err:	0, -EINPROGRESS (connect in progress: the library waits if
 *		the application's socket was blocking) or negative errno
 * @published:	1 if a bind was switched to a published port's host socket
 * @to:		where the host socket connects (connect) or sends (sendto)
 * @own:	with @published: the container's own addresses, for what
 *		connections accepted on a wildcard listener show
 */
struct preload_resp {
	uint32_t magic;
	int32_t action;
	int32_t err;
	int32_t published;
	struct sockaddr_storage to;
	struct localshow_own own;
};

#endif /* B4NS_PRELOAD_PROTO_H */
