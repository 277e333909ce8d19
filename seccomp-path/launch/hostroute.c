// SPDX-License-Identifier: GPL-2.0-or-later
/* hostroute.c - the host's default gateways
 *
 * Theory of operation: pasta copies the host's addresses and default
 * route into the container and, when asked to (b4ns passes --no-map-gw
 * unless --allow-host-loopback), maps connections to the gateway address
 * to the host's loopback. The launcher reads the gateway of the first
 * default route of each family from the kernel's text tables of its own
 * (the host's) network namespace, /proc/net/route and /proc/net/ipv6_route,
 * so that the policy treats that address as pasta does. Read once, before
 * the container starts; nothing of the container's is read.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "launch/hostroute.h"
#include "readall.h"

/* largest route table read */
#define HOSTROUTE_MAX ((size_t)1024 * 1024)

/* MAX_FIELDS: columns looked at, at most */
#define MAX_FIELDS 10

/* fields() - split the line at @line into up to MAX_FIELDS blank-separated
 * words of at most 32 characters, @n of them. Return: the next line, or
 * the text's terminating NUL */
static const char *fields(const char *line, char f[MAX_FIELDS][33], int *n)
{
	const char *eol = strchr(line, '\n');
	const char *end = eol ? eol : line + strlen(line);
	const char *next = eol ? eol + 1 : end;

	*n = 0;
	while (line < end && *n < MAX_FIELDS) {
		size_t len;

		line += strspn(line, " \t");
		len = strcspn(line, " \t\n");
		if (!len || line + len > end)
			break;
		snprintf(f[(*n)++], 33, "%.*s", (int)(len > 32 ? 32 : len),
			 line);
		line += len;
	}
	return next;
}

/* hexval() - a hexadecimal field. Return: 0, or -EINVAL */
static int hexval(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 16);
	return errno || end == s || *end ? -EINVAL : 0;
}

int hostroute_parse4(const char *text, struct sockaddr_storage *gw)
{
	char f[MAX_FIELDS][33];
	int n;
	/* skip the header */
	const char *line = fields(text, f, &n);

	while (*line) {
		unsigned long dst, via, flags, mask;

		/* Iface Destination Gateway Flags RefCnt Use Metric Mask */
		line = fields(line, f, &n);

		/* RTF_UP | RTF_GATEWAY, 0.0.0.0/0 */
		if (n >= 8 && !hexval(f[1], &dst) && !hexval(f[2], &via) &&
		    !hexval(f[3], &flags) && !hexval(f[7], &mask) && !dst &&
		    !mask && via && via <= 0xffffffffUL &&
		    (flags & 0x3) == 0x3) {
			struct sockaddr_in *in = (struct sockaddr_in *)gw;

			memset(gw, 0, sizeof(*gw));
			in->sin_family = AF_INET;
			/* the table prints the address as stored */
			in->sin_addr.s_addr = (in_addr_t)via;
			return 0;
		}
	}
	return -ENOENT;
}

/* hex16() - 32 hex digits into 16 bytes. Return: 0, or -EINVAL */
static int hex16(const char *s, unsigned char *out)
{
	if (strlen(s) != 32)
		return -EINVAL;
	for (size_t i = 0; i < 16; i++) {
		char byte[3] = { s[2 * i], s[2 * i + 1], '\0' };
		unsigned long b;

		if (hexval(byte, &b))
			return -EINVAL;
		out[i] = (unsigned char)b;
	}
	return 0;
}

int hostroute_parse6(const char *text, struct sockaddr_storage *gw)
{
	static const unsigned char zero[16];

	const char *line = text;
	char f[MAX_FIELDS][33];
	int n;

	while (*line) {
		unsigned long dlen, flags;
		unsigned char d[16], v[16];

		/* dest plen src plen next_hop metric refcnt use flags dev */
		line = fields(line, f, &n);

		/* RTF_UP | RTF_GATEWAY, ::/0 */
		if (n >= 9 && !hexval(f[1], &dlen) && !hexval(f[8], &flags) &&
		    !dlen && (flags & 0x3) == 0x3 && !hex16(f[0], d) &&
		    !hex16(f[4], v) && memcmp(d, zero, 16) == 0 &&
		    memcmp(v, zero, 16) != 0) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)gw;

			memset(gw, 0, sizeof(*gw));
			in6->sin6_family = AF_INET6;
			memcpy(&in6->sin6_addr, v, 16);
			return 0;
		}
	}
	return -ENOENT;
}

void hostroute_gateways(struct sockaddr_storage *gw4,
			struct sockaddr_storage *gw6)
{
	_cleanup_free_ char *t4 = NULL;
	_cleanup_free_ char *t6 = NULL;
	size_t len;

	memset(gw4, 0, sizeof(*gw4));
	memset(gw6, 0, sizeof(*gw6));
	if (readall_file("/proc/net/route", HOSTROUTE_MAX, &t4, &len) ||
	    hostroute_parse4(t4, gw4))
		memset(gw4, 0, sizeof(*gw4));
	if (readall_file("/proc/net/ipv6_route", HOSTROUTE_MAX, &t6, &len) ||
	    hostroute_parse6(t6, gw6))
		memset(gw6, 0, sizeof(*gw6));
}
