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

#include "fdpass.h"
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

int frame_read(struct frame *f, int fd, struct b4_error *err)
{
	for (;;) {
		struct fdpass_rx rx;
		ssize_t n;

		if (f->len == FRAME_MAX)
			return b4_error_set(err, -EMSGSIZE,
					    "larger than %zu bytes", FRAME_MAX);
		n = fdpass_recv(fd, f->buf + f->len, FRAME_MAX - f->len,
				f->fds + f->nfds, FRAME_FDS_MAX - f->nfds,
				MSG_DONTWAIT, &rx);
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return 0;
		if (n < 0)
			return b4_error_set(err, (int)n, "unreadable: %s",
					    strerror((int)-n));
		f->nfds += rx.nfds;
		if (rx.dropped)
			f->fds_dropped = true;
		if (n == 0)
			return 1;
		f->len += (size_t)n;
		if (frame_complete(f->buf, f->len) != 0)
			return 1;	/* whole, or hopeless: the parser says why */
	}
}
