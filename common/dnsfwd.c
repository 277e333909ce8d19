// SPDX-License-Identifier: GPL-2.0-or-later
/* dnsfwd.c - UDP name queries from a container to the host's name server
 *
 * Theory of operation: a host whose resolv.conf names a name server in its
 * own loopback (systemd-resolved's 127.0.0.53) gives containers the same
 * file, where that address is the container's own loopback. TCP connects
 * to it are switched by the policy (policy.c); UDP is not, because a
 * switched UDP socket in the container's hands could be re-aimed at any
 * host address with an untrapped sendmsg(). Instead the caller binds a UDP
 * socket to the name server's address and port inside the container's
 * network namespace ("inner"), and this forwarder relays: each datagram
 * read there goes out of a fresh host UDP socket connected to exactly the
 * one host name server, and the answer read there goes back through the
 * inner socket to the query's sender. The container never holds a host
 * socket, so nothing it does (sendmsg, sendmmsg, io_uring, a static binary,
 * the preload path's limits) reaches any other host address: the only
 * host destination is the target, the only payload what the container
 * could send over a switched TCP connection anyway. At most DNSFWD_PENDING
 * queries wait for an answer; a new one replaces the oldest, so a silent
 * server or a flood costs a bounded number of sockets and no timer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "dnsfwd.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "sockaddr.h"

/* largest UDP payload */
#define DNSFWD_MSG_MAX 65536
/* datagrams read per wake-up before other events get their turn */
#define DNSFWD_BATCH 64

/**
 * struct dnsfwd_query - one query waiting for its answer
 * @f:		its forwarder
 * @fd:		host socket connected to the target, or -1 (slot free)
 * @w:		its watch
 * @client:	the sender in the container
 * @clen:	length of @client
 */
struct dnsfwd_query {
	struct dnsfwd *f;
	int fd;
	struct loop_watch *w;
	struct sockaddr_storage client;
	socklen_t clen;
};

/**
 * struct dnsfwd - a forwarder
 * @loop:	its loop
 * @inner:	the socket in the container's namespace
 * @w:		its watch
 * @target:	the host's name server
 * @q:		the queries waiting for an answer
 * @next:	the slot the next query takes
 * @buf:	one datagram
 */
struct dnsfwd {
	struct loop *loop;
	int inner;
	struct loop_watch *w;
	struct sockaddr_storage target;
	struct dnsfwd_query q[DNSFWD_PENDING];
	unsigned int next;
	unsigned char buf[DNSFWD_MSG_MAX];
};

static void query_close(struct dnsfwd_query *q)
{
	if (q->fd < 0)
		return;
	loop_del(q->f->loop, q->w);
	q->w = NULL;
	closep(&q->fd);
}

static void on_answer(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct dnsfwd_query *q = arg;
	struct dnsfwd *f = q->f;
	ssize_t n = recv(fd, f->buf, sizeof(f->buf), MSG_DONTWAIT);

	if (n < 0 && errno == EAGAIN)
		return;
	if (n >= 0 &&
	    sendto(f->inner, f->buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL,
		   (struct sockaddr *)&q->client, q->clen) < 0)
		b4_debug("dns forwarder: answer not delivered: %s",
			 strerror(errno));
	query_close(q);
}

/* query_send() - @len bytes of f->buf from @client out to the target */
static void query_send(struct dnsfwd *f, size_t len,
		       const struct sockaddr_storage *client, socklen_t clen)
{
	const struct sockaddr *t = (const struct sockaddr *)&f->target;
	struct dnsfwd_query *q = &f->q[f->next++ % DNSFWD_PENDING];
	int ret;

	query_close(q);	/* the oldest query gives way */
	q->fd = socket(t->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (q->fd < 0) {
		b4_debug("dns forwarder: socket: %s", strerror(errno));
		return;
	}
	if (connect(q->fd, t, sa_len(t)) ||
	    send(q->fd, f->buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		b4_debug("dns forwarder: query not sent: %s", strerror(errno));
		closep(&q->fd);
		return;
	}
	ret = loop_add(f->loop, q->fd, EPOLLIN, on_answer, q, &q->w);
	if (ret) {
		closep(&q->fd);
		return;
	}
	q->client = *client;
	q->clen = clen;
}

static void on_query(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct dnsfwd *f = arg;

	for (int i = 0; i < DNSFWD_BATCH; i++) {
		struct sockaddr_storage client;
		socklen_t clen = sizeof(client);
		ssize_t n = recvfrom(fd, f->buf, sizeof(f->buf), MSG_DONTWAIT,
				     (struct sockaddr *)&client, &clen);

		if (n < 0)
			return;	/* EAGAIN, or an ICMP error of an old answer */
		query_send(f, (size_t)n, &client, clen);
	}
}

int dnsfwd_start(struct loop *l, int inner, const struct sockaddr *target,
		 struct dnsfwd **out)
{
	_cleanup_close_ int fd = inner;
	struct dnsfwd *f;
	int ret;

	if (target->sa_family != AF_INET && target->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->loop = l;
	f->inner = -1;
	memcpy(&f->target, target, sa_len(target));
	for (int i = 0; i < DNSFWD_PENDING; i++) {
		f->q[i].f = f;
		f->q[i].fd = -1;
	}
	ret = loop_add(l, fd, EPOLLIN, on_query, f, &f->w);
	if (ret) {
		free(f);
		return ret;
	}
	f->inner = take_fd(&fd);
	*out = f;
	return 0;
}

void dnsfwd_free(struct dnsfwd *f)
{
	if (!f)
		return;
	for (int i = 0; i < DNSFWD_PENDING; i++)
		query_close(&f->q[i]);
	loop_del(f->loop, f->w);
	closep(&f->inner);
	/* an event of this batch may still name it: free it after */
	loop_defer(f->loop, free, f);
}
