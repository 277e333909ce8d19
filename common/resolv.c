// SPDX-License-Identifier: GPL-2.0-or-later
/* resolv.c - the host's loopback name servers, from its resolv.conf
 *
 * Theory of operation: on a host running systemd-resolved (or dnsmasq,
 * unbound... on loopback) /etc/resolv.conf names "nameserver 127.0.0.53".
 * A container reads the same file but its 127.0.0.53 is its own loopback,
 * where nothing answers. The supervisor reads the host's file once at start
 * (bounded), keeps the loopback name servers it lists (port 53), and the
 * policy (policy.c) switches a connect to exactly one of those
 * address:port pairs to the host; nothing else of host loopback opens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "readall.h"
#include "resolv.h"
#include "sockaddr.h"

bool resolv_ns_parse(const char *v, size_t len, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char buf[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, buf, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(53);
		return true;
	}
	if (inet_pton(AF_INET6, buf, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(53);
		return true;
	}
	return false;
}

int resolv_loopback_parse(const char *text, struct sockaddr_storage *out,
			  int max)
{
	static const char key[] = "nameserver";
	const char *p = text;
	int n = 0;

	while (*p && n < max) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *v;
		size_t len;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) > sizeof(key) &&
		    !strncmp(p, key, sizeof(key) - 1) &&
		    (p[sizeof(key) - 1] == ' ' || p[sizeof(key) - 1] == '\t')) {
			v = p + sizeof(key) - 1;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			len = strcspn(v, " \t\r\n#;");
			if (v + len > end)
				len = (size_t)(end - v);
			if (resolv_ns_parse(v, len, &out[n]) &&
			    sa_is_loopback((struct sockaddr *)&out[n]))
				n++;
		}
		p = eol ? eol + 1 : end;
	}
	return n;
}

int resolv_loopback_read(const char *path, struct sockaddr_storage *out,
			 int max)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int ret;

	ret = readall_file(path, RESOLV_MAX_SIZE, &text, &len);
	if (ret)
		return ret;
	return resolv_loopback_parse(text, out, max);
}
