// SPDX-License-Identifier: GPL-2.0-or-later
/* frame.c - reading one OCI seccomp listener message off a connection
 *
 * Theory of operation: for every container process the runtime connects to
 * the listener, sends one JSON "container process state" with the seccomp
 * notify fd in SCM_RIGHTS and closes, but runc 1.1 keeps its end open for as
 * long as it runs, so EOF cannot be waited for. frame_read() is called each
 * time the connection is readable; it appends what is there (never
 * blocking), keeps the descriptors that came with it (a bounded number, the
 * rest closed), and says the message is complete once the bytes form a
 * whole JSON document, can never form one, or EOF came. A message that
 * reaches FRAME_MAX bytes without being complete is refused. Parsing the
 * message is oci.c's business; waiting for it (and giving up) the daemon's.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"

int frame_init(struct frame *f)
{
	memset(f, 0, sizeof(*f));
	f->buf = malloc(FRAME_MAX);
	return f->buf ? 0 : -ENOMEM;
}

void frame_free(struct frame *f)
{
	for (int i = 0; i < f->nfds; i++) {
		if (f->fds[i] >= 0)
			close(f->fds[i]);
	}
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

int frame_complete(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	enum json_tokener_error e;

	if (!tok)
		return 0;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	e = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (o) {
		json_object_put(o);
		return 1;
	}
	return e == json_tokener_continue ? 0 : -1;
}

/* keep_fds() - take the descriptors of one recvmsg() */
static void keep_fds(struct frame *f, struct msghdr *mh)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		int k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++) {
			int nfd;

			memcpy(&nfd, CMSG_DATA(cm) + (size_t)i * sizeof(int),
			       sizeof(int));
			if (f->nfds < FRAME_FDS_MAX) {
				f->fds[f->nfds++] = nfd;
			} else {
				close(nfd);
				f->fds_dropped = true;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		f->fds_dropped = true;
}

int frame_read(struct frame *f, int fd, struct b4_error *err)
{
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int) * FRAME_FDS_MAX)];
		struct iovec iov = { .iov_base = f->buf + f->len,
				     .iov_len = FRAME_MAX - f->len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t n;

		if (f->len == FRAME_MAX)
			return b4_error_set(err, -EMSGSIZE,
					    "larger than %zu bytes", FRAME_MAX);
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			int e = errno;

			return b4_error_set(err, -e, "unreadable: %s",
					    strerror(e));
		}
		keep_fds(f, &mh);
		if (n == 0)
			return 1;
		f->len += (size_t)n;
		if (frame_complete(f->buf, f->len) != 0)
			return 1;	/* whole, or hopeless: the parser says why */
	}
}
