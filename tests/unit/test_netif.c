// SPDX-License-Identifier: GPL-2.0-or-later
/* test_netif.c - "b4ns run --ip": parsing ADDR/LEN, and the veth pair with
 * its addresses made in a fresh network namespace of a forked child (root,
 * or an unprivileged user namespace; skipped where neither is permitted)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "err.h"
#include "launch/netif.h"
#include "netaddr.h"
#include "sockaddr.h"

Test(netif, parse_ipv4_keeps_host_bits)
{
	struct netif_addr a;
	struct b4_error err = { "" };

	cr_assert_eq(netif_addr_parse("10.77.0.3/24", &a, &err), 0, "%s", err.msg);
	cr_assert_eq(a.family, AF_INET);
	cr_assert_eq(a.prefix, 24);
	cr_assert_eq(memcmp(a.addr, "\x0a\x4d\x00\x03", 4), 0);
	cr_assert_eq(netif_addr_parse("192.168.1.1/32", &a, &err), 0);
	cr_assert_eq(a.prefix, 32);
}

Test(netif, parse_ipv6)
{
	struct netif_addr a;
	struct b4_error err = { "" };
	uint8_t want[16];

	cr_assert_eq(netif_addr_parse("fd00:77::2/64", &a, &err), 0, "%s", err.msg);
	cr_assert_eq(a.family, AF_INET6);
	cr_assert_eq(a.prefix, 64);
	cr_assert_eq(inet_pton(AF_INET6, "fd00:77::2", want), 1);
	cr_assert_eq(memcmp(a.addr, want, 16), 0);
}

/* bad() - @s is refused with a message containing @msg and naming @s */
static void bad(const char *s, const char *msg)
{
	struct netif_addr a;
	struct b4_error err = { "" };

	cr_assert_eq(netif_addr_parse(s, &a, &err), -EINVAL, "%s accepted", s);
	cr_assert(strstr(err.msg, msg), "'%s': message '%s' lacks '%s'", s,
		  err.msg, msg);
	cr_assert(strstr(err.msg, s), "message '%s' does not name '%s'",
		  err.msg, s);
}

Test(netif, parse_refuses)
{
	bad("10.77.0.3", "expected ADDR/LEN");
	bad("/24", "not an IP address");
	bad("10.77.0.300/24", "is not an IPv4 or IPv6 address");
	bad("web/24", "is not an IPv4 or IPv6 address");
	bad("10.77.0.3/", "prefix length must be 1 to 32");
	bad("10.77.0.3/0", "prefix length must be 1 to 32");
	bad("10.77.0.3/33", "prefix length must be 1 to 32");
	bad("10.77.0.3/24x", "prefix length must be 1 to 32");
	bad("10.77.0.3/+24", "prefix length must be 1 to 32");
	bad("10.77.0.3/ 24", "prefix length must be 1 to 32");
	bad("fd00::2/129", "prefix length must be 1 to 128");
	bad("0.0.0.0/8", "unspecified");
	bad("127.0.0.2/8", "loopback");
	bad("224.0.0.1/4", "multicast");
	bad("169.254.1.1/16", "link-local");
	bad("::/64", "unspecified");
	bad("::1/128", "loopback");
	bad("ff02::1/64", "multicast");
	bad("fe80::1/64", "link-local");
	bad("::ffff:10.0.0.1/96", "IPv4-mapped");
}

static int report_fd = -1;

/* CHECK() - in the forked child: on failure report and exit 1 */
#define CHECK(cond, ...)                                        \
	do {                                                    \
		if (!(cond)) {                                  \
			dprintf(report_fd, __VA_ARGS__);        \
			_exit(1);                               \
		}                                               \
	} while (0)

/* in_child() - run @fn in a forked child in a fresh network namespace */
static void in_child(void (*fn)(void))
{
	char msg[512] = "";
	int p[2], st;
	ssize_t len;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int flags = geteuid() == 0 ? CLONE_NEWNET :
			    CLONE_NEWUSER | CLONE_NEWNET;

		close(p[0]);
		report_fd = p[1];
		if (unshare(flags)) {
			dprintf(report_fd, "unshare: %s", strerror(errno));
			_exit(77);
		}
		fn();
		_exit(0);
	}
	close(p[1]);
	len = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	if (len > 0)
		msg[len] = '\0';
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "child died (signal %d)", WTERMSIG(st));
	if (WEXITSTATUS(st) == 77)
		cr_skip_test("%s", msg);
	cr_assert_eq(WEXITSTATUS(st), 0, "%s", msg);
}

/* is_up() - interface @name exists and is up */
static bool is_up(const char *name)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return s >= 0 && !ioctl(s, SIOCGIFFLAGS, &ifr) &&
	       (ifr.ifr_flags & IFF_UP);
}

static void setup_both(void)
{
	struct netif_addr a[2];
	struct sa_cidr got[8];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	const char *what = "";
	char buf[SA_STRLEN];
	bool v4 = false, v6 = false;
	int nl, n, ret, s;

	CHECK(!netif_addr_parse("10.88.0.2/24", &a[0], NULL), "parse");
	CHECK(!netif_addr_parse("fd88::2/64", &a[1], NULL), "parse");
	ret = netif_setup(a, 2, &what);
	if (ret == -EOPNOTSUPP) {
		dprintf(report_fd, "%s: no veth in this kernel", what);
		_exit(77);
	}
	CHECK(!ret, "netif_setup: %s: %s", what, strerror(-ret));
	CHECK(is_up(NETIF_NAME), NETIF_NAME " is not up");
	CHECK(is_up(NETIF_PEER), NETIF_PEER " is not up");

	/* the namespace's subnets, as the supervisor reads them */
	nl = netaddr_monitor_open();
	CHECK(nl >= 0, "monitor: %s", strerror(-nl));
	n = netaddr_dump(nl, got, NULL, 8);
	close(nl);
	for (int i = 0; i < n; i++) {
		sa_cidr_format(&got[i], buf, sizeof(buf));
		v4 |= !strcmp(buf, "10.88.0.0/24");
		v6 |= !strcmp(buf, "fd88::/64");
	}
	CHECK(v4 && v6, "subnets 10.88.0.0/24 and fd88::/64 not both listed "
	      "(%d subnets)", n);

	/* both addresses usable at once (IPv6 without DAD) */
	sin.sin_port = htons(8000);
	memcpy(&sin.sin_addr, a[0].addr, 4);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(!bind(s, (struct sockaddr *)&sin, sizeof(sin)),
	      "bind 10.88.0.2: %s", strerror(errno));
	close(s);
	sin6.sin6_port = htons(8000);
	memcpy(&sin6.sin6_addr, a[1].addr, 16);
	s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(!bind(s, (struct sockaddr *)&sin6, sizeof(sin6)),
	      "bind fd88::2: %s", strerror(errno));
	close(s);

	/* a second setup finds the pair there: the kernel's error, named */
	ret = netif_setup(a, 1, &what);
	CHECK(ret == -EEXIST, "second netif_setup: %d", ret);
	CHECK(strstr(what, "creating the veth pair"), "step '%s'", what);
}

Test(netif, setup_in_fresh_netns)
{
	in_child(setup_both);
}

static void setup_bad_count(void)
{
	struct netif_addr a;
	const char *what = "";

	CHECK(!netif_addr_parse("10.88.0.2/24", &a, NULL), "parse");
	CHECK(netif_setup(&a, 0, &what) == -EINVAL, "0 addresses accepted");
	CHECK(netif_setup(&a, 3, &what) == -EINVAL, "3 addresses accepted");
	CHECK(if_nametoindex(NETIF_NAME) == 0, "made " NETIF_NAME " anyway");
}

Test(netif, setup_refuses_bad_count)
{
	in_child(setup_bad_count);
}
