// SPDX-License-Identifier: GPL-2.0-or-later
/* test_resolv.c - the host's loopback name servers (common/resolv.c) */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "resolv.h"
#include "sockaddr.h"

static const char *ip_of(const struct sockaddr_storage *ss)
{
	static char buf[SA_STRLEN];

	return sa_format((const struct sockaddr *)ss, buf, sizeof(buf));
}

Test(resolv, loopback_only_with_port_53)
{
	struct sockaddr_storage ns[RESOLV_MAX_NS];
	const char *text =
		"# comment nameserver 127.0.0.9\n"
		"search example.test\n"
		"nameserver 127.0.0.53\n"
		"nameserver 10.0.0.1\n"
		"  nameserver\t::1   # trailing\n"
		"nameserver 127.0.0.54;x\n"
		"nameserver fe80::1%eth0\n"
		"nameserver not-an-ip\n"
		"nameservers 127.0.0.2\n"
		"nameserver\n"
		"options edns0 trust-ad\n"
		"nameserver 127.1.2.3";	/* no final newline */
	int n = resolv_loopback_parse(text, ns, RESOLV_MAX_NS);

	cr_assert_eq(n, 4, "got %d", n);
	cr_assert_str_eq(ip_of(&ns[0]), "127.0.0.53:53");
	cr_assert_str_eq(ip_of(&ns[1]), "[::1]:53");
	cr_assert_str_eq(ip_of(&ns[2]), "127.0.0.54:53");
	cr_assert_str_eq(ip_of(&ns[3]), "127.1.2.3:53");
}

Test(resolv, bounded)
{
	struct sockaddr_storage ns[2];
	const char *text = "nameserver 127.0.0.1\nnameserver 127.0.0.2\n"
			   "nameserver 127.0.0.3\n";

	cr_assert_eq(resolv_loopback_parse(text, ns, 2), 2);
	cr_assert_eq(resolv_loopback_parse("", ns, 2), 0);
}

Test(resolv, read_file)
{
	struct sockaddr_storage ns[RESOLV_MAX_NS];
	char path[] = "/tmp/test_resolv.XXXXXX";
	int fd = mkstemp(path);
	static char big[RESOLV_MAX_SIZE + 2];

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "nameserver 127.0.0.53\n", 22), 22);
	cr_assert_eq(resolv_loopback_read(path, ns, RESOLV_MAX_NS), 1);
	memset(big, '#', sizeof(big) - 1);
	cr_assert_eq(pwrite(fd, big, sizeof(big) - 1, 0),
		     (ssize_t)sizeof(big) - 1);
	cr_assert_eq(resolv_loopback_read(path, ns, RESOLV_MAX_NS), -EFBIG);
	close(fd);
	unlink(path);
	cr_assert_eq(resolv_loopback_read(path, ns, RESOLV_MAX_NS), -ENOENT);
}
