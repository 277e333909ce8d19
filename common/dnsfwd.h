/* SPDX-License-Identifier: GPL-2.0-or-later
 * dnsfwd.h - UDP name queries from a container's loopback name server
 *            address to exactly that name server of the host
 */
#ifndef B4NS_DNSFWD_H
#define B4NS_DNSFWD_H

#include <sys/socket.h>

struct loop;
struct dnsfwd;

/* queries waiting for an answer per forwarder; a new one beyond this
 * replaces the oldest (a resolver retries) */
#define DNSFWD_PENDING 32

/**
 * dnsfwd_start() - relay the datagrams arriving on @inner to @target
 * @l:		the loop that serves it
 * @inner:	a UDP socket bound in the container's network namespace to
 *		the name server's address and port (taken over: closed by
 *		dnsfwd_free(), or here on failure)
 * @target:	the host's name server (its address and port 53); the
 *		only address the forwarder ever sends to on the host
 * @out:	the forwarder
 *
 * Each query gets a new host UDP socket connected to @target (so only
 * @target's answers come back, to a random source port); the answer is
 * sent back on @inner to the query's sender, which lies in the container.
 *
 * Return: 0 or negative errno
 */
int dnsfwd_start(struct loop *l, int inner, const struct sockaddr *target,
		 struct dnsfwd **out);

/**
 * dnsfwd_free() - stop relaying, close every socket of @f
 * @f:		forwarder, may be NULL
 */
void dnsfwd_free(struct dnsfwd *f);

#endif /* B4NS_DNSFWD_H */
