// SPDX-License-Identifier: GPL-2.0-or-later
/* switch.c - decide a connect() and perform it on a host socket
 *
 * Theory of operation: the caller (seccomp handler or preload request
 * server) has copied the destination out of the container exactly once and
 * holds a duplicate of the container's socket. Here the socket is inspected,
 * the policy asked, and, if the destination leaves through the host, a host
 * socket is built with the container socket's state and connected by the
 * supervisor itself to the policy's copy of the address. The kernel is never
 * asked to re-read the container's memory after a switch, so a thread racing
 * to change the sockaddr cannot redirect a host socket.
 *
 * Connects are always started non-blocking; the caller waits for
 * completion in its event loop and restores the container's blocking mode
 * before it answers, so a slow peer never stalls other containers.
 *
 * A socket found in a namespace other than the container's is either one we
 * switched earlier (TCP may reconnect after a failure, UDP at will) or one
 * inherited from the host: its connect() is performed here too, but only to
 * destinations the policy would switch, never by letting the kernel re-read
 * the address on a host socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "switch.h"

/* connect_nonblock() - connect @s to @to without blocking, keeping its flags */
static int connect_nonblock(int s, const struct sockaddr_storage *to, int fl)
{
	socklen_t len = to->ss_family == AF_UNSPEC ?
				sizeof(sa_family_t) :
				sa_len((const struct sockaddr *)to);
	int ret;

	if (!(fl & O_NONBLOCK) && fcntl(s, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	ret = connect(s, (const struct sockaddr *)to, len) ? -errno : 0;
	if (ret == -EINPROGRESS)
		return ret;
	if (!(fl & O_NONBLOCK) && fcntl(s, F_SETFL, fl) && !ret)
		ret = -errno;
	return ret;
}

static int switch_inplace(const struct policy_cfg *pol, struct switch_conn *c)
{
	if (hostsock_inspect(c->csock, &c->info) == 0 &&
	    c->info.family != AF_INET && c->info.family != AF_INET6) {
		c->action = SWITCH_NONE;
		c->reason = "not an IP socket";
		return 0;
	}
	if (!policy_host_connect(pol, c->dst, &c->to, &c->reason)) {
		c->action = SWITCH_REFUSE;
		c->err = -ENETUNREACH;
		return 0;
	}
	c->action = SWITCH_INPLACE;
	c->err = connect_nonblock(c->csock, &c->to, c->info.fl);
	return 0;
}

int switch_connect(const struct policy_cfg *pol, struct switch_conn *c)
{
	struct policy_sock ps = { 0 };
	uint64_t ino = 0;
	int ret;

	c->action = SWITCH_NONE;
	c->hsock = -1;
	c->err = 0;
	c->reason = "";

	ret = hostsock_netns_ino(c->csock, &ino);
	if (ret == -EPERM || (!ret && ino == c->self_netns_ino &&
			      ino != c->netns_ino))
		return switch_inplace(pol, c);
	if (ret == -ENOTTY || ret == -ENOTSOCK) {
		c->reason = "not a socket";
		return 0;
	}
	if (ret)
		return ret;

	ret = hostsock_inspect(c->csock, &c->info);
	if (ret)
		return ret;
	ps.family = c->info.family;
	ps.type = c->info.type;
	ps.protocol = c->info.protocol;
	ps.connected = c->info.connected;
	ps.foreign_ns = ino != c->netns_ino;
	ps.bound_dev = c->info.bound_dev || c->info.bound_specific;

	if (policy_connect(pol, &ps, c->dst, &c->to, &c->reason) != POLICY_SWITCH)
		return 0;

	ret = hostsock_create(c->csock, &c->info);
	if (ret < 0) {
		/* e.g. the container's bound port is taken on the host */
		c->action = SWITCH_REFUSE;
		c->err = ret;
		c->reason = "host socket could not be created";
		return 0;
	}
	c->hsock = ret;
	c->err = connect(c->hsock, (const struct sockaddr *)&c->to,
			 sa_len((const struct sockaddr *)&c->to)) ? -errno : 0;
	if (c->err && c->err != -EINPROGRESS) {
		/* failed at once: the container keeps its own socket */
		closep(&c->hsock);
		c->action = SWITCH_REFUSE;
		return 0;
	}
	c->action = SWITCH_INJECT;
	if (!c->err && !(c->info.fl & O_NONBLOCK))
		c->err = switch_restore_flags(c->hsock, c->info.fl);
	return 0;
}

int switch_restore_flags(int sock, int fl)
{
	if (fcntl(sock, F_SETFL, fl))
		return -errno;
	return 0;
}

int switch_connect_result(int sock, int fl, const struct sockaddr_storage *to)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (!err && to->ss_family != AF_UNSPEC &&
	    connect(sock, (const struct sockaddr *)to,
		    sa_len((const struct sockaddr *)to)) &&
	    errno != EISCONN)
		err = errno;
	if (!(fl & O_NONBLOCK) && fcntl(sock, F_SETFL, fl) && !err)
		err = errno;
	return -err;
}
