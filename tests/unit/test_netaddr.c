// SPDX-License-Identifier: GPL-2.0-or-later
/* test_netaddr.c - interface subnets of a namespace through rtnetlink
 *
 * The current namespace is only read. Changes are made in a fresh network
 * namespace of a forked child (root, or an unprivileged user namespace),
 * skipped where neither is permitted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/ipv6.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "err.h"
#include "netaddr.h"
#include "sockaddr.h"

#define MAXN 256

/* cidr_addr() - the network address of @c as a socket address */
static struct sockaddr_storage cidr_addr(const struct sa_cidr *c)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)c->family;
	if (c->family == AF_INET)
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, c->addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, c->addr, 16);
	return ss;
}

/* well_formed() - NULL if @c is a sane dump entry, else what is wrong */
static const char *well_formed(const struct sa_cidr *c)
{
	struct sockaddr_storage a = cidr_addr(c);
	struct sa_cidr again;
	char buf[SA_STRLEN];

	if (c->family != AF_INET && c->family != AF_INET6)
		return "family";
	if (c->prefix < 0 || c->prefix > (c->family == AF_INET ? 32 : 128))
		return "prefix";
	if (sa_is_loopback((struct sockaddr *)&a))
		return "loopback listed";
	if (sa_is_local_scope((struct sockaddr *)&a))
		return "link-local or multicast listed";
	/* host bits cleared: reparsing the printed form changes nothing */
	sa_cidr_format(c, buf, sizeof(buf));
	if (sa_cidr_parse(buf, &again) || memcmp(&again, c, sizeof(again)) != 0)
		return "host bits set";
	return NULL;
}

static bool listed(const struct sa_cidr *v, int n, const char *cidr)
{
	struct sa_cidr want;

	cr_assert_eq(sa_cidr_parse(cidr, &want), 0);
	for (int i = 0; i < n; i++)
		if (!memcmp(&v[i], &want, sizeof(want)))
			return true;
	return false;
}

static bool covers(const struct sa_cidr *v, int n, const struct sockaddr *sa)
{
	for (int i = 0; i < n; i++)
		if (sa_cidr_contains(&v[i], sa))
			return true;
	return false;
}

/* --- current namespace, read only --------------------------------------- */

Test(netaddr, monitor_socket)
{
	_cleanup_close_ int nl = netaddr_monitor_open();
	struct sockaddr_nl sa;
	socklen_t len = sizeof(sa);
	int proto = 0;
	socklen_t plen = sizeof(proto);

	cr_assert_geq(nl, 0, "netaddr_monitor_open: %s", strerror(-nl));
	cr_assert(fcntl(nl, F_GETFL) & O_NONBLOCK);
	cr_assert(fcntl(nl, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(getsockopt(nl, SOL_SOCKET, SO_PROTOCOL, &proto, &plen), 0);
	cr_assert_eq(proto, NETLINK_ROUTE);
	cr_assert_eq(getsockname(nl, (struct sockaddr *)&sa, &len), 0);
	cr_assert_eq(sa.nl_family, AF_NETLINK);
	cr_assert_eq(sa.nl_groups & (RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR),
		     (unsigned)(RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR));
}

Test(netaddr, dump_current_namespace)
{
	_cleanup_close_ int nl = netaddr_monitor_open();
	struct sa_cidr v[MAXN];
	struct ifaddrs *ifa = NULL;
	int n;

	cr_assert_geq(nl, 0);
	n = netaddr_dump(nl, v, NULL, MAXN);
	cr_assert_geq(n, 0, "netaddr_dump: %s", strerror(-n));
	cr_assert_leq(n, MAXN);
	for (int i = 0; i < n; i++) {
		const char *bad = well_formed(&v[i]);
		char buf[SA_STRLEN];

		cr_assert_null(bad, "entry %d (%s): %s", i,
			       sa_cidr_format(&v[i], buf, sizeof(buf)), bad);
	}
	cr_assert_not(listed(v, n, "127.0.0.0/8"));
	cr_assert_not(listed(v, n, "::1/128"));

	/* every global address the C library sees is covered by an entry */
	cr_assert_eq(getifaddrs(&ifa), 0);
	for (struct ifaddrs *p = ifa; p; p = p->ifa_next) {
		char buf[SA_STRLEN];

		if (!p->ifa_addr || (p->ifa_addr->sa_family != AF_INET &&
				     p->ifa_addr->sa_family != AF_INET6))
			continue;
		if (sa_is_loopback(p->ifa_addr) || sa_is_local_scope(p->ifa_addr))
			continue;
		cr_assert(covers(v, n, p->ifa_addr), "%s on %s not listed",
			  sa_format(p->ifa_addr, buf, sizeof(buf)), p->ifa_name);
	}
	freeifaddrs(ifa);
}

Test(netaddr, dump_is_repeatable_and_bounded)
{
	_cleanup_close_ int nl = netaddr_monitor_open();
	struct sa_cidr a[MAXN], b[MAXN], one[1];
	int na, nb, n1, n0;

	cr_assert_geq(nl, 0);
	na = netaddr_dump(nl, a, NULL, MAXN);
	nb = netaddr_dump(nl, b, NULL, MAXN);
	cr_assert_geq(na, 0);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(a, b, sizeof(a[0]) * (size_t)na), 0);

	n0 = netaddr_dump(nl, one, NULL, 0);
	cr_assert_eq(n0, 0);
	n1 = netaddr_dump(nl, one, NULL, 1);
	cr_assert_eq(n1, na ? 1 : 0);
	if (na)
		cr_assert_eq(memcmp(&one[0], &a[0], sizeof(one[0])), 0);
	/* the socket still works after a truncated dump */
	nb = netaddr_dump(nl, b, NULL, MAXN);
	cr_assert_eq(nb, na);
}

Test(netaddr, dump_on_bad_socket)
{
	struct sa_cidr v[4];
	int p[2];

	cr_assert_lt(netaddr_dump(-1, v, NULL, 4), 0);
	cr_assert_eq(pipe(p), 0);
	cr_assert_lt(netaddr_dump(p[1], v, NULL, 4), 0);
	close(p[0]);
	close(p[1]);
}

/* --- a fresh namespace of a child --------------------------------------- */

static int report_fd = -1;

/* fail() - in the child: report @msg (snprintf() returned @len) and exit 1 */
static void __attribute__((noreturn)) fail(const char *msg, int len, size_t size)
{
	if (len > 0 && write(report_fd, msg, (size_t)len < size ? (size_t)len : size - 1) < 0)
		_exit(2);
	_exit(1);
}

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			char msg_[512];                               \
			int len_ = snprintf(msg_, sizeof(msg_), __VA_ARGS__); \
			fail(msg_, len_, sizeof(msg_));               \
		}                                                     \
	} while (0)

/* run_child() - run @fn in a forked child; skip on exit status 77 */
static void run_child(void (*fn)(void))
{
	char msg[512] = "";
	int p[2], st;
	ssize_t len;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
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
		cr_skip_test("%s", msg[0] ? msg : "no new network namespace here");
	cr_assert_eq(WEXITSTATUS(st), 0, "%s", msg);
}

/* new_netns() - enter a fresh network namespace, or exit 77 */
static void new_netns(void)
{
	int flags = geteuid() == 0 ? CLONE_NEWNET : CLONE_NEWUSER | CLONE_NEWNET;

	if (unshare(flags)) {
		dprintf(report_fd, "unshare: %s", strerror(errno));
		_exit(77);
	}
}

static void ifreq_v4(int fd, unsigned long req, const char *name,
		     const char *ip)
{
	struct ifreq ifr;
	struct sockaddr_in *in = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	in->sin_family = AF_INET;
	CHECK(inet_pton(AF_INET, ip, &in->sin_addr) == 1, "bad ip %s", ip);
	CHECK(!ioctl(fd, req, &ifr), "ioctl %#lx %s %s: %s", req, name, ip,
	      strerror(errno));
}

static void lo_up(void)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	CHECK(fd >= 0, "socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	CHECK(!ioctl(fd, SIOCGIFFLAGS, &ifr), "SIOCGIFFLAGS: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	CHECK(!ioctl(fd, SIOCSIFFLAGS, &ifr), "SIOCSIFFLAGS: %s", strerror(errno));
}

/* add_v4() - ADDR/MASK on interface (label) @name */
static void add_v4(const char *name, const char *ip, const char *mask)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0, "socket: %s", strerror(errno));
	ifreq_v4(fd, SIOCSIFADDR, name, ip);
	ifreq_v4(fd, SIOCSIFNETMASK, name, mask);
}

/* v6_addr() - add (SIOCSIFADDR) or delete (SIOCDIFADDR) an address on lo */
static int v6_addr(unsigned long req, const char *ip, unsigned prefix)
{
	_cleanup_close_ int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct in6_ifreq r;

	if (fd < 0)
		return -errno;
	memset(&r, 0, sizeof(r));
	CHECK(inet_pton(AF_INET6, ip, &r.ifr6_addr) == 1, "bad ip %s", ip);
	r.ifr6_prefixlen = prefix;
	r.ifr6_ifindex = (int)if_nametoindex("lo");
	return ioctl(fd, req, &r) ? -errno : 0;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms);
}

static void child_empty_namespace(void)
{
	struct sa_cidr v[MAXN];
	int nl, n;

	new_netns();
	nl = netaddr_monitor_open();
	CHECK(nl >= 0, "monitor: %s", strerror(-nl));
	n = netaddr_dump(nl, v, NULL, MAXN);
	CHECK(n == 0, "fresh namespace (lo down): %d entries", n);
	lo_up(); /* adds 127.0.0.1/8 and ::1, neither listed */
	n = netaddr_dump(nl, v, NULL, MAXN);
	CHECK(n == 0, "fresh namespace (lo up): %d entries", n);
	close(nl);
}

Test(netaddr_ns, empty_namespace)
{
	run_child(child_empty_namespace);
}

static void child_changes(void)
{
	struct sa_cidr v[MAXN];
	char buf[SA_STRLEN];
	int nl, n;
	bool v6;

	new_netns();
	lo_up();
	nl = netaddr_monitor_open();
	CHECK(nl >= 0, "monitor: %s", strerror(-nl));
	n = netaddr_dump(nl, v, NULL, MAXN);
	CHECK(n == 0, "%d entries before any change", n);
	CHECK(readable(nl, 0) == 0, "readable before any change");

	add_v4("lo", "10.1.2.3", "255.255.255.0");
	CHECK(readable(nl, 2000) == 1, "no notification for a new IPv4 address");
	add_v4("lo:1", "192.168.50.77", "255.255.240.0");
	add_v4("lo:2", "169.254.9.9", "255.255.0.0");
	v6 = v6_addr(SIOCSIFADDR, "2001:db8:1::5", 64) == 0;
	if (v6)
		CHECK(!v6_addr(SIOCSIFADDR, "fe80::5", 64), "fe80::5: %s",
		      strerror(errno));

	n = netaddr_dump(nl, v, NULL, MAXN);
	CHECK(n == (v6 ? 3 : 2), "%d entries, want %d", n, v6 ? 3 : 2);
	for (int i = 0; i < n; i++) {
		const char *bad = well_formed(&v[i]);

		CHECK(!bad, "%s: %s", sa_cidr_format(&v[i], buf, sizeof(buf)), bad);
	}
	CHECK(listed(v, n, "10.1.2.0/24"), "10.1.2.0/24 missing");
	CHECK(listed(v, n, "192.168.48.0/20"), "192.168.48.0/20 missing");
	CHECK(!v6 || listed(v, n, "2001:db8:1::/64"), "2001:db8:1::/64 missing");
	/* a dump consumed the pending notifications */
	CHECK(netaddr_dump(nl, v, NULL, MAXN) == n, "second dump differs");
	{
		struct sa_cidr a[MAXN];

		/* the interface addresses, beside their subnets */
		CHECK(netaddr_dump(nl, v, a, MAXN) == n, "dump with addresses");
		CHECK(listed(a, n, "10.1.2.3/32"), "10.1.2.3 missing");
		CHECK(listed(a, n, "192.168.50.77/32"), "192.168.50.77 missing");
		CHECK(!v6 || listed(a, n, "2001:db8:1::5/128"), "2001:db8:1::5 missing");
		for (int i = 0; i < n; i++)
			CHECK(a[i].family == v[i].family &&
			      !memcmp(a[i].addr, v[i].addr, (size_t)v[i].prefix / 8),
			      "address %d not beside its subnet", i);
	}

	if (v6) {
		CHECK(!v6_addr(SIOCDIFADDR, "2001:db8:1::5", 64), "delete: %s",
		      strerror(errno));
		CHECK(readable(nl, 2000) == 1, "no notification for a removal");
		n = netaddr_dump(nl, v, NULL, MAXN);
		CHECK(n == 2, "%d entries after removal", n);
		CHECK(!listed(v, n, "2001:db8:1::/64"), "removed subnet listed");
		CHECK(listed(v, n, "10.1.2.0/24"), "10.1.2.0/24 lost");
	}

	/* limited room: the first entries only, no overflow */
	{
		struct sa_cidr small[2];

		memset(small, 0x5a, sizeof(small));
		n = netaddr_dump(nl, small, NULL, 1);
		CHECK(n == 1, "max 1: %d entries", n);
		CHECK(small[1].family == 0x5a5a5a5a, "wrote past max");
	}
	close(nl);
}

Test(netaddr_ns, follows_changes)
{
	run_child(child_changes);
}

static void child_other_namespace(void)
{
	_cleanup_close_ int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct sa_cidr v[MAXN];
	int nl, here, n;

	CHECK(home >= 0, "open ns: %s", strerror(errno));
	if (geteuid() != 0) {
		dprintf(report_fd, "needs root to return to the namespace");
		_exit(77);
	}
	new_netns();
	lo_up();
	add_v4("lo", "10.77.0.1", "255.255.0.0");
	nl = netaddr_monitor_open();
	CHECK(nl >= 0, "monitor: %s", strerror(-nl));
	CHECK(!setns(home, CLONE_NEWNET), "setns: %s", strerror(errno));

	/* used from the original namespace, the socket reads the new one */
	n = netaddr_dump(nl, v, NULL, MAXN);
	CHECK(n == 1 && listed(v, n, "10.77.0.0/16"),
	      "%d entries through the moved socket", n);

	here = netaddr_monitor_open();
	CHECK(here >= 0, "monitor: %s", strerror(-here));
	n = netaddr_dump(here, v, NULL, MAXN);
	CHECK(n >= 0, "dump here: %d", n);
	CHECK(!listed(v, n, "10.77.0.0/16"), "other namespace's subnet seen here");
	close(here);
	close(nl);
}

Test(netaddr_ns, socket_stays_in_its_namespace)
{
	run_child(child_other_namespace);
}
