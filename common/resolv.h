/* SPDX-License-Identifier: GPL-2.0-or-later
 * resolv.h - the host's name servers that a container reaches on its own
 *            loopback address (systemd-resolved's 127.0.0.53)
 */
#ifndef B4NS_RESOLV_H
#define B4NS_RESOLV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* most name servers taken from one resolv.conf (glibc uses 3) */
#define RESOLV_MAX_NS 8
/* largest resolv.conf read */
#define RESOLV_MAX_SIZE ((size_t)64 * 1024)
/* the host's resolv.conf, unless configured otherwise */
#define RESOLV_HOST_PATH "/etc/resolv.conf"

/**
 * resolv_ns_parse() - a name server address as resolv.conf writes it
 * @v:		text, not necessarily NUL-terminated
 * @len:	its length
 * @ss:		result: the address on port 53
 *
 * Return: true for a plain IPv4 or IPv6 address (no scope suffix)
 */
bool resolv_ns_parse(const char *v, size_t len, struct sockaddr_storage *ss);

/**
 * resolv_loopback_parse() - the loopback name servers of a resolv.conf text
 * @text:	NUL-terminated contents of a resolv.conf
 * @out:	each "nameserver" line whose address is in 127.0.0.0/8 or
 *		is ::1, as that address on port 53 (an IPv6 scope suffix
 *		is not accepted)
 * @max:	entries available in @out
 *
 * Other name servers are not returned: a container reaches them as any
 * other routable address. Lines that do not parse are skipped, as the
 * resolver skips them.
 *
 * Return: entries stored (at most @max)
 */
int resolv_loopback_parse(const char *text, struct sockaddr_storage *out,
			  int max);

/**
 * resolv_loopback_read() - resolv_loopback_parse() of a file, read once
 * @path:	file to read (at most RESOLV_MAX_SIZE bytes)
 * @out:	as resolv_loopback_parse()
 * @max:	entries available in @out
 *
 * Return: entries stored, or -errno if the file cannot be read (-EFBIG if
 * larger than RESOLV_MAX_SIZE)
 */
int resolv_loopback_read(const char *path, struct sockaddr_storage *out,
			 int max);

#endif /* B4NS_RESOLV_H */
