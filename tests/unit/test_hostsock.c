// SPDX-License-Identifier: GPL-2.0-or-later
/* test_hostsock.c - socket inspection, the state copy to a host socket, and
 * switch_connect() on real local sockets
 *
 * Only loopback traffic: every connect goes to a listener of this test on
 * 127.0.0.1 or ::1 (the gateway address 10.0.2.2 / fd00::2 is rewritten to
 * those by the policy before anything is sent).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "err.h"
#include "hostsock.h"
#include "policy.h"
#include "sockaddr.h"
#include "switch.h"

#define SA(ss) ((const struct sockaddr *)&(ss))
#define PSA(p) ((const struct sockaddr *)(p))

/* --- helpers ------------------------------------------------------------ */

static int sock(int family, int type)
{
	int s = socket(family, type | SOCK_CLOEXEC, 0);

	cr_assert_geq(s, 0, "socket(%d, %d): %s", family, type, strerror(errno));
	return s;
}

static int geti(int fd, int level, int name, const char *label)
{
	int v = 0;
	socklen_t len = sizeof(v);

	cr_assert_eq(getsockopt(fd, level, name, &v, &len), 0, "get %s: %s",
		     label, strerror(errno));
	return v;
}

static void seti(int fd, int level, int name, int v, const char *label)
{
	cr_assert_eq(setsockopt(fd, level, name, &v, sizeof(v)), 0, "set %s: %s",
		     label, strerror(errno));
}

#define GETI(fd, l, n) geti(fd, l, n, #n)
#define SETI(fd, l, n, v) seti(fd, l, n, v, #n)

/* copied() - @n has @o's value for an option the test changed from @f's */
static void copied(int o, int n, int f, int level, int name, size_t len,
		   const char *label)
{
	unsigned char vo[64], vn[64], vf[64];
	socklen_t lo = (socklen_t)len, ln = (socklen_t)len, lf = (socklen_t)len;

	memset(vo, 0, sizeof(vo));
	memset(vn, 0, sizeof(vn));
	memset(vf, 0, sizeof(vf));
	cr_assert_eq(getsockopt(o, level, name, vo, &lo), 0, "%s", label);
	cr_assert_eq(getsockopt(n, level, name, vn, &ln), 0, "%s", label);
	cr_assert_eq(getsockopt(f, level, name, vf, &lf), 0, "%s", label);
	cr_assert(lo != lf || memcmp(vo, vf, lo) != 0,
		  "%s: test did not change it from the default", label);
	cr_assert_eq(ln, lo, "%s: length differs", label);
	cr_assert_eq(memcmp(vo, vn, lo), 0, "%s not copied", label);
}

/* untouched() - @n has the fresh socket @f's value */
static void untouched(int n, int f, int level, int name, size_t len,
		      const char *label)
{
	unsigned char vn[64], vf[64];
	socklen_t ln = (socklen_t)len, lf = (socklen_t)len;

	memset(vn, 0, sizeof(vn));
	memset(vf, 0, sizeof(vf));
	cr_assert_eq(getsockopt(n, level, name, vn, &ln), 0, "%s", label);
	cr_assert_eq(getsockopt(f, level, name, vf, &lf), 0, "%s", label);
	cr_assert_eq(ln, lf, "%s: length differs", label);
	cr_assert_eq(memcmp(vn, vf, ln), 0, "%s changed from the default", label);
}

#define COPIED(o, n, f, l, name, T) copied(o, n, f, l, name, sizeof(T), #name)
#define UNTOUCHED(n, f, l, name, T) untouched(n, f, l, name, sizeof(T), #name)

static struct sockaddr_storage loaddr(int family, uint16_t port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	sa_set_port((struct sockaddr *)&ss, port);
	return ss;
}

static struct sockaddr_storage anyaddr(int family, uint16_t port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	sa_set_port((struct sockaddr *)&ss, port);
	return ss;
}

static struct sockaddr_storage text_addr(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
	} else {
		cr_assert_eq(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1, "%s", ip);
		in6->sin6_family = AF_INET6;
	}
	sa_set_port((struct sockaddr *)&ss, port);
	return ss;
}

static void bind_to(int s, const struct sockaddr_storage *a)
{
	char buf[SA_STRLEN];

	cr_assert_eq(bind(s, PSA(a), sa_len(PSA(a))), 0, "bind %s: %s",
		     sa_format(PSA(a), buf, sizeof(buf)), strerror(errno));
}

static struct sockaddr_storage local_of(int s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	cr_assert_eq(getsockname(s, (struct sockaddr *)&ss, &len), 0);
	return ss;
}

/* listener() - a loopback TCP listener or UDP receiver; *port receives its port */
static int listener(int family, int type, uint16_t *port)
{
	int s = sock(family, type);
	struct sockaddr_storage a = loaddr(family, 0);

	if (family == AF_INET6 && bind(s, SA(a), sa_len(SA(a)))) {
		close(s);
		cr_skip_test("no ::1 here: %s", strerror(errno));
	} else if (family == AF_INET) {
		bind_to(s, &a);
	}
	if (type == SOCK_STREAM)
		cr_assert_eq(listen(s, 8), 0);
	a = local_of(s);
	*port = sa_port(SA(a));
	cr_assert_neq(*port, 0);
	return s;
}

static void wait_out(int s)
{
	struct pollfd p = { .fd = s, .events = POLLOUT };

	cr_assert_eq(poll(&p, 1, 5000), 1, "connect did not complete");
}

static uint64_t self_ino(void)
{
	struct stat st;

	cr_assert_eq(stat("/proc/self/ns/net", &st), 0);
	return st.st_ino;
}

/* self_id() - our namespace as hostsock_netns_id() names it */
static uint64_t self_id(void)
{
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t id = 0;

	cr_assert_geq(s, 0);
	cr_assert_eq(hostsock_netns_id(s, &id), 0);
	close(s);
	return id;
}

static bool have_cc(const char *name)
{
	char buf[512] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control", "r");
	bool ok = false;

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
			ok = ok || !strcmp(t, name);
	}
	fclose(f);
	return ok;
}

static void inspect(int s, struct hostsock_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	cr_assert_eq(hostsock_inspect(s, info), 0, "inspect: %s",
		     strerror(errno));
}

/* create() - inspect @o and build its host twin, checking the basics */
static int create(int o, struct hostsock_info *info)
{
	int n;

	inspect(o, info);
	n = hostsock_create(o, info, NULL);
	cr_assert_geq(n, 0, "hostsock_create: %s", strerror(-n));
	cr_assert_neq(n, o);
	cr_assert_eq(GETI(n, SOL_SOCKET, SO_DOMAIN), info->family);
	cr_assert_eq(GETI(n, SOL_SOCKET, SO_TYPE), info->type);
	cr_assert_eq(GETI(n, SOL_SOCKET, SO_PROTOCOL), info->protocol);
	cr_assert(fcntl(n, F_GETFL) & O_NONBLOCK, "host socket not O_NONBLOCK");
	cr_assert(fcntl(n, F_GETFD) & FD_CLOEXEC, "host socket not O_CLOEXEC");
	return n;
}

/* --- hostsock_inspect --------------------------------------------------- */

static void fresh_inspect(int family, int type, int protocol)
{
	_cleanup_close_ int s = sock(family, type);
	struct hostsock_info info;

	inspect(s, &info);
	cr_assert_eq(info.family, family);
	cr_assert_eq(info.type, type);
	cr_assert_eq(info.protocol, protocol);
	cr_assert_eq(info.fl & O_ACCMODE, O_RDWR);
	cr_assert_not(info.fl & O_NONBLOCK);
	cr_assert_not(info.connected);
	cr_assert_not(info.bound_dev);
	cr_assert_eq(info.bound_port, 0);
	cr_assert_not(info.bound_specific);
	cr_assert_eq(info.bound.ss_family, family);
}

Test(inspect, fresh_sockets)
{
	fresh_inspect(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	fresh_inspect(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	fresh_inspect(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	fresh_inspect(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
}

Test(inspect, nonblock_flag)
{
	_cleanup_close_ int a = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	_cleanup_close_ int b = sock(AF_INET6, SOCK_DGRAM);
	struct hostsock_info info;

	cr_assert_geq(a, 0);
	inspect(a, &info);
	cr_assert(info.fl & O_NONBLOCK);
	inspect(b, &info);
	cr_assert_not(info.fl & O_NONBLOCK);
	cr_assert_eq(fcntl(b, F_SETFL, O_NONBLOCK), 0);
	inspect(b, &info);
	cr_assert(info.fl & O_NONBLOCK);
}

Test(inspect, unix_family_from_getsockname)
{
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct hostsock_info info;

	cr_assert_geq(s, 0);
	inspect(s, &info);
	cr_assert_eq(info.family, AF_UNIX);
	cr_assert_eq(info.type, SOCK_STREAM);
	cr_assert_not(info.connected);
}

Test(inspect, connected_tcp)
{
	uint16_t port;
	_cleanup_close_ int l = listener(AF_INET, SOCK_STREAM, &port);
	_cleanup_close_ int c = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int a = -1;
	struct sockaddr_storage to = loaddr(AF_INET, port);
	struct hostsock_info info;

	inspect(c, &info);
	cr_assert_not(info.connected);
	cr_assert_eq(connect(c, SA(to), sa_len(SA(to))), 0, "%s", strerror(errno));
	inspect(c, &info);
	cr_assert(info.connected, "connected client not reported");
	cr_assert(info.bound_specific, "connected socket has a local address");
	cr_assert_neq(info.bound_port, 0);
	a = accept(l, NULL, NULL);
	cr_assert_geq(a, 0);
	inspect(a, &info);
	cr_assert(info.connected, "accepted socket not reported");
	inspect(l, &info);
	cr_assert(info.connected, "listening socket not reported");
	cr_assert_eq(info.bound_port, port);
	cr_assert(info.bound_specific);
}

Test(inspect, listening_on_wildcard)
{
	_cleanup_close_ int l = sock(AF_INET6, SOCK_STREAM);
	struct sockaddr_storage a = anyaddr(AF_INET6, 0);
	struct hostsock_info info;

	bind_to(l, &a);
	cr_assert_eq(listen(l, 1), 0);
	inspect(l, &info);
	cr_assert(info.connected);
	cr_assert_neq(info.bound_port, 0);
	cr_assert_not(info.bound_specific);
}

Test(inspect, connecting_tcp)
{
	uint16_t port;
	_cleanup_close_ int l = listener(AF_INET, SOCK_STREAM, &port);
	_cleanup_close_ int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_storage to = loaddr(AF_INET, port);
	struct hostsock_info info;
	int r;

	cr_assert_geq(c, 0);
	r = connect(c, SA(to), sa_len(SA(to)));
	cr_assert(r == 0 || errno == EINPROGRESS, "%s", strerror(errno));
	inspect(c, &info);
	cr_assert(info.connected, "connecting socket not reported");
	cr_assert(info.fl & O_NONBLOCK);
}

Test(inspect, connected_udp)
{
	uint16_t port;
	_cleanup_close_ int r = listener(AF_INET6, SOCK_DGRAM, &port);
	_cleanup_close_ int c = sock(AF_INET6, SOCK_DGRAM);
	struct sockaddr_storage to = loaddr(AF_INET6, port);
	struct sockaddr_storage un;
	struct hostsock_info info;

	inspect(c, &info);
	cr_assert_not(info.connected);
	cr_assert_eq(connect(c, SA(to), sa_len(SA(to))), 0);
	inspect(c, &info);
	cr_assert(info.connected);
	/* AF_UNSPEC dissolves the association */
	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNSPEC;
	cr_assert_eq(connect(c, SA(un), sizeof(sa_family_t)), 0);
	inspect(c, &info);
	cr_assert_not(info.connected);
	/* a receiver bound but without peer is not connected */
	inspect(r, &info);
	cr_assert_not(info.connected);
}

Test(inspect, bound_addresses)
{
	static const struct {
		int family, type;
		bool loop;
	} cases[] = {
		{ AF_INET, SOCK_STREAM, false }, { AF_INET, SOCK_STREAM, true },
		{ AF_INET, SOCK_DGRAM, false },	 { AF_INET, SOCK_DGRAM, true },
		{ AF_INET6, SOCK_STREAM, false }, { AF_INET6, SOCK_STREAM, true },
		{ AF_INET6, SOCK_DGRAM, false }, { AF_INET6, SOCK_DGRAM, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_close_ int s = sock(cases[i].family, cases[i].type);
		struct sockaddr_storage a = cases[i].loop ? loaddr(cases[i].family, 0) :
							    anyaddr(cases[i].family, 0);
		struct hostsock_info info;

		bind_to(s, &a);
		a = local_of(s);
		inspect(s, &info);
		cr_assert_eq(info.bound_port, sa_port(SA(a)), "case %zu", i);
		cr_assert_neq(info.bound_port, 0, "case %zu", i);
		cr_assert_eq(info.bound_specific, cases[i].loop, "case %zu", i);
		cr_assert_not(info.connected, "case %zu", i);
		cr_assert(sa_ip_equal(SA(info.bound), SA(a)), "case %zu", i);
	}
}

Test(inspect, bound_v4_mapped_any_is_wildcard)
{
	_cleanup_close_ int s = sock(AF_INET6, SOCK_DGRAM);
	struct sockaddr_storage a = text_addr("::ffff:0.0.0.0", 0);
	struct hostsock_info info;

	bind_to(s, &a);
	inspect(s, &info);
	cr_assert_neq(info.bound_port, 0);
	cr_assert_not(info.bound_specific);
}

Test(inspect, bound_dev)
{
	_cleanup_close_ int s = sock(AF_INET, SOCK_DGRAM);
	struct hostsock_info info;

	if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3))
		cr_skip_test("SO_BINDTODEVICE: %s", strerror(errno));
	inspect(s, &info);
	cr_assert(info.bound_dev);
	/* unbinding: an empty name */
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "", 0), 0);
	inspect(s, &info);
	cr_assert_not(info.bound_dev);
}

Test(inspect, not_a_socket)
{
	int p[2];
	struct hostsock_info info;

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(hostsock_inspect(p[0], &info), -ENOTSOCK);
	close(p[0]);
	close(p[1]);
	cr_assert_eq(hostsock_inspect(p[0], &info), -EBADF);
}

Test(inspect, non_ip_socket)
{
	int sp[2];
	struct hostsock_info info;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	inspect(sp[0], &info);
	cr_assert_eq(info.family, AF_UNIX);
	cr_assert_eq(info.type, SOCK_STREAM);
	cr_assert_not(info.connected);
	cr_assert_eq(info.bound_port, 0);
	close(sp[0]);
	close(sp[1]);
}

/* --- hostsock_netns_ino ------------------------------------------------- */

Test(netns_id, current_namespace)
{
	_cleanup_close_ int s = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int u = socket(AF_UNIX, SOCK_DGRAM, 0);
	uint64_t ino = 0;
	int p[2];

	cr_assert_eq(hostsock_netns_ino(s, &ino), 0);
	cr_assert_eq(ino, self_ino());
	ino = 0;
	cr_assert_eq(hostsock_netns_ino(u, &ino), 0);
	cr_assert_eq(ino, self_ino());

	cr_assert_eq(pipe(p), 0);
	cr_assert_lt(hostsock_netns_ino(p[0], &ino), 0);
	close(p[0]);
	close(p[1]);
}

Test(netns_id, socket_keeps_its_namespace)
{
	int pfd[2];
	uint64_t v[3] = { 0 };
	pid_t pid;
	int st;

	if (geteuid() != 0)
		cr_skip_test("needs root for unshare(CLONE_NEWNET)");
	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int before = socket(AF_INET, SOCK_DGRAM, 0);
		int after;
		uint64_t r[3] = { 0 };
		struct stat sst;

		close(pfd[0]);
		if (unshare(CLONE_NEWNET))
			_exit(77);
		after = socket(AF_INET, SOCK_DGRAM, 0);
		if (hostsock_netns_ino(before, &r[0]) ||
		    hostsock_netns_ino(after, &r[1]) ||
		    stat("/proc/self/ns/net", &sst))
			_exit(1);
		r[2] = sst.st_ino;
		_exit(write(pfd[1], r, sizeof(r)) == sizeof(r) ? 0 : 2);
	}
	close(pfd[1]);
	cr_assert_eq(read(pfd[0], v, sizeof(v)), (ssize_t)sizeof(v));
	close(pfd[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		cr_skip_test("unshare(CLONE_NEWNET) not permitted");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_eq(v[0], self_ino(), "old socket must stay in our namespace");
	cr_assert_eq(v[1], v[2], "new socket must be in the new namespace");
	cr_assert_neq(v[1], v[0]);
}

/* --- hostsock_create / hostsock_copy_opts ------------------------------- */

Test(copy, tcp4_options)
{
	_cleanup_close_ int o = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int f = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int n = -1;
	struct linger lg = { .l_onoff = 1, .l_linger = 5 };
	struct timeval rt = { .tv_sec = 2, .tv_usec = 500000 };
	struct timeval st = { .tv_sec = 7, .tv_usec = 0 };
	struct hostsock_info info;

	SETI(o, IPPROTO_TCP, TCP_NODELAY, 1);
	SETI(o, SOL_SOCKET, SO_KEEPALIVE, 1);
	SETI(o, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	SETI(o, IPPROTO_TCP, TCP_KEEPINTVL, 13);
	SETI(o, IPPROTO_TCP, TCP_KEEPCNT, 4);
	/*
	 * Not 65536: on TCP that reads back as 131072, which is the usual
	 * tcp_rmem default, so it would not prove anything was copied (see
	 * explicit_buffer_size_equal_to_default_stays_locked).
	 */
	SETI(o, SOL_SOCKET, SO_RCVBUF, 49152);
	SETI(o, SOL_SOCKET, SO_SNDBUF, 98304);
	SETI(o, IPPROTO_IP, IP_TOS, 0x10);
	SETI(o, IPPROTO_TCP, TCP_USER_TIMEOUT, 12345);
	SETI(o, SOL_SOCKET, SO_REUSEADDR, 1);
	SETI(o, SOL_SOCKET, SO_REUSEPORT, 1);
	cr_assert_eq(setsockopt(o, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	cr_assert_eq(setsockopt(o, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt)), 0);
	cr_assert_eq(setsockopt(o, SOL_SOCKET, SO_SNDTIMEO, &st, sizeof(st)), 0);
	/* the kernel doubles what is set: the copy must not double twice */
	cr_assert_eq(GETI(o, SOL_SOCKET, SO_RCVBUF), 98304);
	cr_assert_eq(GETI(o, SOL_SOCKET, SO_SNDBUF), 196608);

	n = create(o, &info);
	cr_assert_eq(GETI(n, IPPROTO_TCP, TCP_KEEPIDLE), 77);
	cr_assert_eq(GETI(n, SOL_SOCKET, SO_RCVBUF), 98304);
	cr_assert_eq(GETI(n, SOL_SOCKET, SO_SNDBUF), 196608);
	cr_assert_eq(GETI(n, IPPROTO_IP, IP_TOS), 0x10);
	COPIED(o, n, f, IPPROTO_TCP, TCP_NODELAY, int);
	COPIED(o, n, f, SOL_SOCKET, SO_KEEPALIVE, int);
	COPIED(o, n, f, IPPROTO_TCP, TCP_KEEPIDLE, int);
	COPIED(o, n, f, IPPROTO_TCP, TCP_KEEPINTVL, int);
	COPIED(o, n, f, IPPROTO_TCP, TCP_KEEPCNT, int);
	COPIED(o, n, f, SOL_SOCKET, SO_RCVBUF, int);
	COPIED(o, n, f, SOL_SOCKET, SO_SNDBUF, int);
	COPIED(o, n, f, IPPROTO_IP, IP_TOS, int);
	COPIED(o, n, f, IPPROTO_TCP, TCP_USER_TIMEOUT, int);
	COPIED(o, n, f, SOL_SOCKET, SO_REUSEADDR, int);
	COPIED(o, n, f, SOL_SOCKET, SO_REUSEPORT, int);
	COPIED(o, n, f, SOL_SOCKET, SO_LINGER, struct linger);
	COPIED(o, n, f, SOL_SOCKET, SO_RCVTIMEO, struct timeval);
	COPIED(o, n, f, SOL_SOCKET, SO_SNDTIMEO, struct timeval);
	/* untouched options keep the host default */
	UNTOUCHED(n, f, IPPROTO_IP, IP_TTL, int);
	UNTOUCHED(n, f, IPPROTO_TCP, TCP_CORK, int);
	UNTOUCHED(n, f, IPPROTO_TCP, TCP_SYNCNT, int);
	UNTOUCHED(n, f, SOL_SOCKET, SO_OOBINLINE, int);
	UNTOUCHED(n, f, SOL_SOCKET, SO_RCVLOWAT, int);
	/* the original is not modified and stays blocking */
	cr_assert_eq(GETI(o, IPPROTO_TCP, TCP_KEEPIDLE), 77);
	cr_assert_not(fcntl(o, F_GETFL) & O_NONBLOCK);
}

/* a socket the supervisor connects reads only the options that can matter
 * for it; a bound one (or one to be bound, dst NULL) reads them all */
Test(copy, connect_scope)
{
	struct sockaddr_storage lo4 = loaddr(AF_INET, 9);
	_cleanup_close_ int o = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int f = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int n = -1, m = -1, b = -1, nb = -1;
	struct hostsock_info info;

	SETI(o, SOL_SOCKET, SO_REUSEADDR, 1);
	SETI(o, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5);
	SETI(o, IPPROTO_IP, IP_FREEBIND, 1);
	SETI(o, IPPROTO_IP, IP_PKTINFO, 1);
	SETI(o, IPPROTO_TCP, TCP_NODELAY, 1);
	SETI(o, SOL_SOCKET, SO_RCVBUF, 49152);
	SETI(o, SOL_SOCKET, SO_SNDBUF, 98304);
	inspect(o, &info);
	n = hostsock_create(o, &info, (struct sockaddr *)&lo4);
	cr_assert_geq(n, 0);
	COPIED(o, n, f, IPPROTO_TCP, TCP_NODELAY, int);
	COPIED(o, n, f, SOL_SOCKET, SO_RCVBUF, int); /* both from SO_MEMINFO */
	COPIED(o, n, f, SOL_SOCKET, SO_SNDBUF, int);
	UNTOUCHED(n, f, SOL_SOCKET, SO_REUSEADDR, int);	/* unbound */
	UNTOUCHED(n, f, IPPROTO_TCP, TCP_DEFER_ACCEPT, int); /* listener */
	UNTOUCHED(n, f, IPPROTO_IP, IP_FREEBIND, int);	/* unbound */
	UNTOUCHED(n, f, IPPROTO_IP, IP_PKTINFO, int);	/* TCP over IPv4 */
	/* to be bound: all of them */
	m = hostsock_create(o, &info, NULL);
	cr_assert_geq(m, 0);
	COPIED(o, m, f, SOL_SOCKET, SO_REUSEADDR, int);
	COPIED(o, m, f, IPPROTO_TCP, TCP_DEFER_ACCEPT, int);
	COPIED(o, m, f, IPPROTO_IP, IP_FREEBIND, int);
	COPIED(o, m, f, IPPROTO_IP, IP_PKTINFO, int);
	/* bound to a port before connect(): the bind options matter */
	b = sock(AF_INET, SOCK_STREAM);
	SETI(b, SOL_SOCKET, SO_REUSEADDR, 1);
	{
		struct sockaddr_storage any = loaddr(AF_INET, 0);

		((struct sockaddr_in *)&any)->sin_addr.s_addr = htonl(INADDR_ANY);
		cr_assert_eq(bind(b, (struct sockaddr *)&any, sizeof(struct sockaddr_in)), 0);
	}
	inspect(b, &info);
	cr_assert_neq(info.bound_port, 0);
	nb = hostsock_create(b, &info, (struct sockaddr *)&lo4);
	cr_assert_geq(nb, 0, "%s", strerror(-nb));
	COPIED(b, nb, f, SOL_SOCKET, SO_REUSEADDR, int);
}

/* IPv4 options of an AF_INET6 socket: only for a v4-mapped destination,
 * which also needs IPV6_V6ONLY */
Test(copy, connect_scope_v6)
{
	struct sockaddr_storage lo6 = loaddr(AF_INET6, 9), mapped;
	_cleanup_close_ int o = sock(AF_INET6, SOCK_STREAM);
	_cleanup_close_ int f = sock(AF_INET6, SOCK_STREAM);
	_cleanup_close_ int n = -1, m = -1;
	struct sockaddr_in6 *m6 = (struct sockaddr_in6 *)&mapped;
	struct hostsock_info info;

	memset(&mapped, 0, sizeof(mapped));
	m6->sin6_family = AF_INET6;
	m6->sin6_port = htons(9);
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:127.0.0.1", &m6->sin6_addr), 1);
	SETI(o, IPPROTO_IP, IP_TOS, 0x10);
	SETI(o, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
	SETI(o, IPPROTO_IPV6, IPV6_V6ONLY, !GETI(f, IPPROTO_IPV6, IPV6_V6ONLY));
	inspect(o, &info);
	n = hostsock_create(o, &info, (struct sockaddr *)&lo6);
	cr_assert_geq(n, 0);
	COPIED(o, n, f, IPPROTO_IPV6, IPV6_TCLASS, int);
	UNTOUCHED(n, f, IPPROTO_IP, IP_TOS, int);
	UNTOUCHED(n, f, IPPROTO_IPV6, IPV6_V6ONLY, int);
	m = hostsock_create(o, &info, (struct sockaddr *)&mapped);
	cr_assert_geq(m, 0);
	COPIED(o, m, f, IPPROTO_IP, IP_TOS, int);
	COPIED(o, m, f, IPPROTO_IPV6, IPV6_V6ONLY, int);
	COPIED(o, m, f, IPPROTO_IPV6, IPV6_TCLASS, int);
}

Test(copy, tcp6_options)
{
	_cleanup_close_ int o = sock(AF_INET6, SOCK_STREAM);
	_cleanup_close_ int f = sock(AF_INET6, SOCK_STREAM);
	_cleanup_close_ int n = -1;
	struct hostsock_info info;

	SETI(o, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
	SETI(o, IPPROTO_IPV6, IPV6_V6ONLY, !GETI(f, IPPROTO_IPV6, IPV6_V6ONLY));
	SETI(o, IPPROTO_IP, IP_TOS, 0x10); /* for v4-mapped traffic */
	SETI(o, IPPROTO_TCP, TCP_NODELAY, 1);
	SETI(o, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	SETI(o, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 17);
	SETI(o, SOL_SOCKET, SO_RCVBUF, 49152);

	n = create(o, &info);
	cr_assert_eq(info.family, AF_INET6);
	COPIED(o, n, f, IPPROTO_IPV6, IPV6_TCLASS, int);
	COPIED(o, n, f, IPPROTO_IPV6, IPV6_V6ONLY, int);
	COPIED(o, n, f, IPPROTO_IP, IP_TOS, int);
	COPIED(o, n, f, IPPROTO_TCP, TCP_NODELAY, int);
	COPIED(o, n, f, IPPROTO_TCP, TCP_KEEPIDLE, int);
	COPIED(o, n, f, IPPROTO_IPV6, IPV6_UNICAST_HOPS, int);
	COPIED(o, n, f, SOL_SOCKET, SO_RCVBUF, int);
	UNTOUCHED(n, f, SOL_SOCKET, SO_SNDBUF, int);
	UNTOUCHED(n, f, SOL_SOCKET, SO_KEEPALIVE, int);
}

Test(copy, udp_options)
{
	static const int fams[] = { AF_INET, AF_INET6 };

	for (size_t i = 0; i < 2; i++) {
		_cleanup_close_ int o = sock(fams[i], SOCK_DGRAM);
		_cleanup_close_ int f = sock(fams[i], SOCK_DGRAM);
		_cleanup_close_ int n = -1;
		struct hostsock_info info;

		SETI(o, SOL_SOCKET, SO_BROADCAST, 1);
		SETI(o, SOL_SOCKET, SO_RCVBUF, 65536);
		SETI(o, SOL_SOCKET, SO_PRIORITY, 3);
		SETI(o, IPPROTO_IP, IP_TOS, 0x10);
		SETI(o, IPPROTO_IP, IP_TTL, 9);
		SETI(o, IPPROTO_IP, IP_PKTINFO, 1);
		if (fams[i] == AF_INET6) {
			SETI(o, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
			SETI(o, IPPROTO_IPV6, IPV6_V6ONLY, 1);
			SETI(o, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
		}
		n = create(o, &info);
		cr_assert_eq(info.type, SOCK_DGRAM);
		cr_assert_eq(GETI(n, SOL_SOCKET, SO_RCVBUF), 131072);
		COPIED(o, n, f, SOL_SOCKET, SO_BROADCAST, int);
		COPIED(o, n, f, SOL_SOCKET, SO_RCVBUF, int);
		COPIED(o, n, f, SOL_SOCKET, SO_PRIORITY, int);
		COPIED(o, n, f, IPPROTO_IP, IP_TOS, int);
		COPIED(o, n, f, IPPROTO_IP, IP_TTL, int);
		COPIED(o, n, f, IPPROTO_IP, IP_PKTINFO, int);
		if (fams[i] == AF_INET6) {
			COPIED(o, n, f, IPPROTO_IPV6, IPV6_TCLASS, int);
			COPIED(o, n, f, IPPROTO_IPV6, IPV6_V6ONLY, int);
			COPIED(o, n, f, IPPROTO_IPV6, IPV6_RECVPKTINFO, int);
		}
		UNTOUCHED(n, f, SOL_SOCKET, SO_SNDBUF, int);
		UNTOUCHED(n, f, SOL_SOCKET, SO_REUSEADDR, int);
	}
}

Test(copy, congestion_control)
{
	_cleanup_close_ int o = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int f = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int n = -1;
	struct hostsock_info info;
	char cc[16] = "";
	socklen_t len = sizeof(cc);
	const char *pick = "reno";

	cr_assert_eq(getsockopt(f, IPPROTO_TCP, TCP_CONGESTION, cc, &len), 0);
	if (!strcmp(cc, "reno"))
		pick = "cubic";
	if (!have_cc(pick))
		cr_skip_test("congestion control %s not available", pick);
	cr_assert_eq(setsockopt(o, IPPROTO_TCP, TCP_CONGESTION, pick, strlen(pick)),
		     0, "%s", strerror(errno));
	n = create(o, &info);
	memset(cc, 0, sizeof(cc));
	len = sizeof(cc);
	cr_assert_eq(getsockopt(n, IPPROTO_TCP, TCP_CONGESTION, cc, &len), 0);
	cr_assert_str_eq(cc, pick);
}

Test(copy, untouched_buffers_not_locked)
{
	static const int kinds[][2] = { { AF_INET, SOCK_STREAM },
					{ AF_INET6, SOCK_STREAM },
					{ AF_INET, SOCK_DGRAM },
					{ AF_INET6, SOCK_DGRAM } };

	for (size_t i = 0; i < 4; i++) {
		_cleanup_close_ int o = sock(kinds[i][0], kinds[i][1]);
		_cleanup_close_ int f = sock(kinds[i][0], kinds[i][1]);
		_cleanup_close_ int n = -1;
		struct hostsock_info info;

		/* something else changed, so the copy runs */
		SETI(o, SOL_SOCKET, SO_PRIORITY, 2);
		n = create(o, &info);
		UNTOUCHED(n, f, SOL_SOCKET, SO_RCVBUF, int);
		UNTOUCHED(n, f, SOL_SOCKET, SO_SNDBUF, int);
		COPIED(o, n, f, SOL_SOCKET, SO_PRIORITY, int);
	}
}

/*
 * Setting IP_TOS also sets SO_PRIORITY (the kernel derives sk_priority from
 * the TOS). An application that sets IP_TOS and then an explicit SO_PRIORITY
 * ends up with both; the copy must reproduce that pair.
 *
 * SO_PRIORITY is copied after IP_TOS for that reason: the other order
 * would overwrite the copied priority with rt_tos2priority(tos).
 */
Test(copy, priority_set_after_tos_survives)
{
	static const int fams[] = { AF_INET, AF_INET6 };

	for (size_t i = 0; i < 2; i++) {
		_cleanup_close_ int o = sock(fams[i], SOCK_STREAM);
		_cleanup_close_ int n = -1;
		struct hostsock_info info;

		SETI(o, IPPROTO_IP, IP_TOS, 0x10);
		SETI(o, SOL_SOCKET, SO_PRIORITY, 2);
		cr_assert_eq(GETI(o, SOL_SOCKET, SO_PRIORITY), 2);
		n = create(o, &info);
		cr_assert_eq(GETI(n, IPPROTO_IP, IP_TOS), 0x10);
		int prio = GETI(n, SOL_SOCKET, SO_PRIORITY);

		cr_assert_eq(prio, 2, "family %d: priority %d, overwritten by IP_TOS",
			     fams[i], prio);
	}
}

/* the other order: IP_TOS alone also carries its derived priority over */
Test(copy, tos_derived_priority)
{
	_cleanup_close_ int o = sock(AF_INET, SOCK_DGRAM);
	_cleanup_close_ int n = -1;
	struct hostsock_info info;

	SETI(o, IPPROTO_IP, IP_TOS, 0x10);
	n = create(o, &info);
	cr_assert_eq(GETI(n, SOL_SOCKET, SO_PRIORITY),
		     GETI(o, SOL_SOCKET, SO_PRIORITY));
}

Test(copy, only_changed_options_are_set)
{
	_cleanup_close_ int o = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int t1 = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int t2 = sock(AF_INET, SOCK_STREAM);
	struct hostsock_info info;

	inspect(o, &info);
	cr_assert_eq(hostsock_copy_opts(o, t1, &info, NULL), 0,
		     "a fresh socket has nothing to copy");
	SETI(o, IPPROTO_TCP, TCP_NODELAY, 1);
	SETI(o, SOL_SOCKET, SO_KEEPALIVE, 1);
	SETI(o, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	cr_assert_eq(hostsock_copy_opts(o, t2, &info, NULL), 3);
	cr_assert_eq(GETI(t2, IPPROTO_TCP, TCP_KEEPIDLE), 77);
	cr_assert_eq(GETI(t2, IPPROTO_TCP, TCP_NODELAY), 1);
}

Test(copy, non_ip_copies_nothing)
{
	int sp[2];
	_cleanup_close_ int t = sock(AF_INET, SOCK_STREAM);
	struct hostsock_info info;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	SETI(sp[0], SOL_SOCKET, SO_PRIORITY, 4);
	inspect(sp[0], &info);
	cr_assert_eq(hostsock_copy_opts(sp[0], t, &info, NULL), 0);
	cr_assert_eq(GETI(t, SOL_SOCKET, SO_PRIORITY), 0);
	close(sp[0]);
	close(sp[1]);
}

Test(copy, always_nonblocking)
{
	_cleanup_close_ int a = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int b = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	_cleanup_close_ int na = -1, nb = -1;
	struct hostsock_info info;

	cr_assert_geq(b, 0);
	na = create(a, &info); /* checks O_NONBLOCK and FD_CLOEXEC */
	cr_assert_not(info.fl & O_NONBLOCK);
	cr_assert(fcntl(na, F_GETFL) & O_NONBLOCK);
	nb = create(b, &info);
	cr_assert(info.fl & O_NONBLOCK);
	cr_assert(fcntl(nb, F_GETFL) & O_NONBLOCK);
}

/*
 * A wildcard-bound port is bound on the host socket too. Here the "host" is
 * the test's own namespace, where the original still holds the port, so the
 * second bind needs SO_REUSEADDR+SO_REUSEPORT on the original (copied to the
 * host socket before its bind); without them hostsock_create() must fail
 * with -EADDRINUSE.
 */
Test(copy, wildcard_port_bound_with_reuse)
{
	static const int kinds[][2] = { { AF_INET, SOCK_STREAM },
					{ AF_INET6, SOCK_STREAM },
					{ AF_INET, SOCK_DGRAM },
					{ AF_INET6, SOCK_DGRAM } };

	for (size_t i = 0; i < 4; i++) {
		_cleanup_close_ int o = sock(kinds[i][0], kinds[i][1]);
		_cleanup_close_ int n = -1;
		struct sockaddr_storage a = anyaddr(kinds[i][0], 0);
		struct sockaddr_storage got;
		struct hostsock_info info;

		SETI(o, SOL_SOCKET, SO_REUSEADDR, 1);
		SETI(o, SOL_SOCKET, SO_REUSEPORT, 1);
		bind_to(o, &a);
		a = local_of(o);
		n = create(o, &info);
		cr_assert_eq(info.bound_port, sa_port(SA(a)));
		cr_assert_not(info.bound_specific);
		got = local_of(n);
		cr_assert_eq(got.ss_family, kinds[i][0]);
		cr_assert_eq(sa_port(SA(got)), sa_port(SA(a)),
			     "kind %zu: host socket not bound to the port", i);
		cr_assert(sa_is_unspecified(SA(got)));
	}
}

Test(copy, wildcard_port_taken)
{
	static const int kinds[][2] = { { AF_INET, SOCK_STREAM },
					{ AF_INET6, SOCK_DGRAM } };

	for (size_t i = 0; i < 2; i++) {
		_cleanup_close_ int o = sock(kinds[i][0], kinds[i][1]);
		struct sockaddr_storage a = anyaddr(kinds[i][0], 0);
		struct hostsock_info info;

		bind_to(o, &a);
		inspect(o, &info);
		cr_assert_neq(info.bound_port, 0);
		cr_assert_eq(hostsock_create(o, &info, NULL), -EADDRINUSE);
	}
}

Test(copy, specific_address_not_bound)
{
	static const int fams[] = { AF_INET, AF_INET6 };

	for (size_t i = 0; i < 2; i++) {
		_cleanup_close_ int o = sock(fams[i], SOCK_STREAM);
		_cleanup_close_ int n = -1;
		struct sockaddr_storage a = loaddr(fams[i], 0);
		struct sockaddr_storage got;
		struct hostsock_info info;

		if (bind(o, SA(a), sa_len(SA(a))))
			continue; /* no ::1 */
		n = create(o, &info);
		cr_assert(info.bound_specific);
		got = local_of(n);
		cr_assert_eq(sa_port(SA(got)), 0);
	}
}

Test(copy, create_non_ip_fails)
{
	struct hostsock_info info;

	memset(&info, 0, sizeof(info));
	info.family = 12345;
	info.type = SOCK_STREAM;
	cr_assert_lt(hostsock_create(-1, &info, NULL), 0);
}

/* --- switch_connect ----------------------------------------------------- */

static struct switch_conn conn(int csock, const struct sockaddr_storage *dst)
{
	struct switch_conn c;

	memset(&c, 0xa5, sizeof(c));
	c.req.csock = csock;
	c.req.addr = PSA(dst);
	c.req.addrlen = sa_len(PSA(dst));
	c.req.st = NULL;
	c.req.netns_id = self_id(); /* the "container" is our own namespace */
	c.req.self_netns_id = 1;	  /* so the socket is a container socket */
	return c;
}

static void assert_none(const struct switch_conn *c)
{
	cr_assert_eq(c->req.action, SWITCH_NONE);
	cr_assert_eq(c->req.hsock, -1);
	cr_assert_not_null(c->req.reason);
	cr_assert_neq(c->req.reason[0], '\0');
}

Test(switching, loopback_is_none)
{
	uint16_t port;
	_cleanup_close_ int l = listener(AF_INET, SOCK_STREAM, &port);
	_cleanup_close_ int s = sock(AF_INET, SOCK_STREAM);
	struct sockaddr_storage dst = loaddr(AF_INET, port);
	struct switch_conn c = conn(s, &dst);
	struct policy_cfg pol;
	struct hostsock_info info;

	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	cr_assert_eq(switch_connect(&pol, &c), 0);
	assert_none(&c);
	cr_assert_eq(c.req.err, 0);
	/* nothing happened to the socket */
	inspect(s, &info);
	cr_assert_not(info.connected);
	cr_assert_not(info.fl & O_NONBLOCK);
}

Test(switching, gateway_without_host_loopback_is_none)
{
	uint16_t port = 8080;
	_cleanup_close_ int s = sock(AF_INET, SOCK_STREAM);
	struct sockaddr_storage dst = text_addr("10.0.2.2", port);
	struct switch_conn c = conn(s, &dst);
	struct policy_cfg pol;

	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	cr_assert_eq(switch_connect(&pol, &c), 0);
	assert_none(&c);
}

/* inject() - switch a connect to the gateway at @gw:port to our listener */
static void inject(int family, int type, const char *gw, int lfamily,
		   bool nonblock)
{
	uint16_t port;
	_cleanup_close_ int l = listener(lfamily, type, &port);
	_cleanup_close_ int s = socket(family, type | SOCK_CLOEXEC |
						   (nonblock ? SOCK_NONBLOCK : 0), 0);
	_cleanup_close_ int a = -1;
	struct sockaddr_storage dst = text_addr(gw, port);
	struct sockaddr_storage want, peer, mine;
	struct switch_conn c;
	struct policy_cfg pol;
	struct hostsock_info info;
	socklen_t len = sizeof(peer);
	char b1[SA_STRLEN], b2[SA_STRLEN];

	cr_assert_geq(s, 0);
	if (type == SOCK_STREAM) {
		SETI(s, IPPROTO_TCP, TCP_NODELAY, 1);
		SETI(s, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	}
	SETI(s, SOL_SOCKET, SO_PRIORITY, 5);
	c = conn(s, &dst);
	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	pol.allow_host_loopback = true;

	cr_assert_eq(switch_connect(&pol, &c), 0);
	cr_assert_eq(c.req.action, SWITCH_INJECT, "action %d (%s), err %d", c.req.action,
		     c.req.reason, c.req.err);
	cr_assert_not_null(c.req.reason);
	cr_assert_neq(c.req.reason[0], '\0');
	cr_assert_geq(c.req.hsock, 0);
	cr_assert_neq(c.req.hsock, s);
	cr_assert(c.req.err == 0 || c.req.err == -EINPROGRESS, "err %d", c.req.err);
	if (type == SOCK_DGRAM)
		cr_assert_eq(c.req.err, 0, "UDP connects at once");
	cr_assert_eq(c.req.info.family, family);
	cr_assert_eq(c.req.info.type, type);
	cr_assert_eq(!!(c.req.info.fl & O_NONBLOCK), nonblock);

	if (family == AF_INET)
		want = loaddr(AF_INET, port);
	else if (lfamily == AF_INET)
		want = text_addr("::ffff:127.0.0.1", port);
	else
		want = loaddr(AF_INET6, port);
	cr_assert_eq(memcmp(&c.req.to, &want, sa_len(SA(want))), 0, "to %s, want %s",
		     sa_format(SA(c.req.to), b1, sizeof(b1)),
		     sa_format(SA(want), b2, sizeof(b2)));

	if (c.req.err == -EINPROGRESS) {
		cr_assert(fcntl(c.req.hsock, F_GETFL) & O_NONBLOCK);
		wait_out(c.req.hsock);
		cr_assert_eq(switch_connect_result(c.req.hsock, c.req.info.fl, &c.req.to), 0);
	}
	/* the container's blocking mode is back */
	cr_assert_eq(!!(fcntl(c.req.hsock, F_GETFL) & O_NONBLOCK), nonblock);

	cr_assert_eq(getpeername(c.req.hsock, (struct sockaddr *)&peer, &len), 0);
	cr_assert(sa_ip_equal(SA(peer), SA(want)));
	cr_assert_eq(sa_port(SA(peer)), port);
	mine = local_of(c.req.hsock);
	if (type == SOCK_STREAM) {
		struct sockaddr_storage from;

		len = sizeof(from);
		a = accept4(l, (struct sockaddr *)&from, &len, SOCK_CLOEXEC);
		cr_assert_geq(a, 0, "accept: %s", strerror(errno));
		cr_assert_eq(sa_port(SA(from)), sa_port(SA(mine)));
		cr_assert_eq(GETI(c.req.hsock, IPPROTO_TCP, TCP_KEEPIDLE), 77);
		cr_assert_eq(GETI(c.req.hsock, IPPROTO_TCP, TCP_NODELAY), 1);
	} else {
		char buf[8] = "";
		struct sockaddr_storage from;

		cr_assert_eq(send(c.req.hsock, "ping", 4, 0), 4);
		len = sizeof(from);
		cr_assert_eq(recvfrom(l, buf, sizeof(buf), 0,
				      (struct sockaddr *)&from, &len), 4);
		cr_assert_str_eq(buf, "ping");
		cr_assert_eq(sa_port(SA(from)), sa_port(SA(mine)));
	}
	cr_assert_eq(GETI(c.req.hsock, SOL_SOCKET, SO_PRIORITY), 5);
	/* the container's own socket is left alone */
	inspect(s, &info);
	cr_assert_not(info.connected);
	close(c.req.hsock);
}

Test(switching, inject_tcp4_blocking)
{
	inject(AF_INET, SOCK_STREAM, "10.0.2.2", AF_INET, false);
}

Test(switching, inject_tcp4_nonblocking)
{
	inject(AF_INET, SOCK_STREAM, "10.0.2.2", AF_INET, true);
}

Test(switching, inject_udp4)
{
	inject(AF_INET, SOCK_DGRAM, "10.0.2.2", AF_INET, false);
}

Test(switching, inject_tcp6)
{
	inject(AF_INET6, SOCK_STREAM, "fd00::2", AF_INET6, false);
}

Test(switching, inject_udp6_nonblocking)
{
	inject(AF_INET6, SOCK_DGRAM, "fd00::2", AF_INET6, true);
}

Test(switching, inject_tcp6_v4_mapped)
{
	inject(AF_INET6, SOCK_STREAM, "::ffff:10.0.2.2", AF_INET, false);
}

Test(switching, inject_refused_port)
{
	/* a bound, not listening TCP socket: connects to it are reset */
	_cleanup_close_ int hold = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int s = sock(AF_INET, SOCK_STREAM);
	struct sockaddr_storage a = loaddr(AF_INET, 0);
	struct sockaddr_storage dst;
	struct switch_conn c;
	struct policy_cfg pol;

	bind_to(hold, &a);
	a = local_of(hold);
	dst = text_addr("10.0.2.2", sa_port(SA(a)));
	c = conn(s, &dst);
	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	pol.allow_host_loopback = true;
	cr_assert_eq(switch_connect(&pol, &c), 0);
	if (c.req.action == SWITCH_REFUSE) {
		cr_assert_eq(c.req.err, -ECONNREFUSED);
		cr_assert_eq(c.req.hsock, -1);
	} else {
		cr_assert_eq(c.req.action, SWITCH_INJECT);
		cr_assert_eq(c.req.err, -EINPROGRESS);
		wait_out(c.req.hsock);
		cr_assert_eq(switch_connect_result(c.req.hsock, c.req.info.fl, &c.req.to), -ECONNREFUSED);
		cr_assert_not(fcntl(c.req.hsock, F_GETFL) & O_NONBLOCK);
		close(c.req.hsock);
	}
}

Test(switching, host_port_taken_is_refused)
{
	_cleanup_close_ int s = sock(AF_INET, SOCK_DGRAM);
	struct sockaddr_storage a = anyaddr(AF_INET, 0);
	struct sockaddr_storage dst = text_addr("10.0.2.2", 9);
	struct switch_conn c;
	struct policy_cfg pol;

	bind_to(s, &a); /* no SO_REUSE*: the host bind of the same port fails */
	c = conn(s, &dst);
	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	pol.allow_host_loopback = true;
	cr_assert_eq(switch_connect(&pol, &c), 0);
	cr_assert_eq(c.req.action, SWITCH_REFUSE);
	cr_assert_eq(c.req.err, -EADDRINUSE);
	cr_assert_eq(c.req.hsock, -1);
	cr_assert_not_null(c.req.reason);
	cr_assert_neq(c.req.reason[0], '\0');
}

Test(switching, kept_sockets)
{
	uint16_t port;
	_cleanup_close_ int l = listener(AF_INET, SOCK_STREAM, &port);
	_cleanup_close_ int bound = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int conned = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int plain = sock(AF_INET, SOCK_STREAM);
	int sp[2];
	struct sockaddr_storage lo = loaddr(AF_INET, 0);
	struct sockaddr_storage to = loaddr(AF_INET, port);
	struct sockaddr_storage dst = text_addr("10.0.2.2", port);
	struct switch_conn c;
	struct policy_cfg pol;

	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	pol.allow_host_loopback = true;

	/* bound to a specific address */
	bind_to(bound, &lo);
	c = conn(bound, &dst);
	cr_assert_eq(switch_connect(&pol, &c), 0);
	assert_none(&c);

	/* already connected */
	cr_assert_eq(connect(conned, SA(to), sa_len(SA(to))), 0);
	c = conn(conned, &dst);
	cr_assert_eq(switch_connect(&pol, &c), 0);
	assert_none(&c);

	/* a socket of a nested namespace (neither container's nor ours) */
	c = conn(plain, &dst);
	c.req.netns_id = 12345;
	c.req.self_netns_id = 1;
	cr_assert_eq(switch_connect(&pol, &c), 0);
	assert_none(&c);

	/* not an IP socket */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	c = conn(sp[0], &dst);
	cr_assert_eq(switch_connect(&pol, &c), 0);
	assert_none(&c);
	close(sp[0]);
	close(sp[1]);
}

Test(switching, not_a_socket)
{
	int p[2];
	struct sockaddr_storage dst = text_addr("10.0.2.2", 80);
	struct switch_conn c;
	struct policy_cfg pol;

	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	pol.allow_host_loopback = true;
	cr_assert_eq(pipe(p), 0);
	c = conn(p[0], &dst);
	cr_assert_eq(switch_connect(&pol, &c), 0);
	assert_none(&c);
	close(p[0]);
	close(p[1]);
}

/* sockets already in the supervisor's namespace: connected in place */
static struct switch_conn conn_host(int csock, const struct sockaddr_storage *dst)
{
	struct switch_conn c = conn(csock, dst);

	c.req.self_netns_id = self_id();
	c.req.netns_id = 1;
	return c;
}

Test(switching, inplace_connect)
{
	uint16_t port;
	_cleanup_close_ int l = listener(AF_INET, SOCK_STREAM, &port);
	_cleanup_close_ int s = sock(AF_INET, SOCK_STREAM);
	_cleanup_close_ int a = -1;
	struct sockaddr_storage dst = text_addr("10.0.2.2", port);
	struct sockaddr_storage want = loaddr(AF_INET, port);
	struct switch_conn c = conn_host(s, &dst);
	struct policy_cfg pol;

	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	pol.allow_host_loopback = true;
	cr_assert_eq(switch_connect(&pol, &c), 0);
	cr_assert_eq(c.req.action, SWITCH_INPLACE, "action %d (%s)", c.req.action, c.req.reason);
	cr_assert_eq(c.req.hsock, -1);
	cr_assert_eq(memcmp(&c.req.to, &want, sizeof(struct sockaddr_in)), 0);
	cr_assert(c.req.err == 0 || c.req.err == -EINPROGRESS, "err %d", c.req.err);
	if (c.req.err == -EINPROGRESS) {
		wait_out(s);
		cr_assert_eq(switch_connect_result(s, c.req.info.fl, &c.req.to), 0);
	}
	cr_assert_not(fcntl(s, F_GETFL) & O_NONBLOCK, "blocking mode not restored");
	a = accept(l, NULL, NULL);
	cr_assert_geq(a, 0);
}

Test(switching, inplace_refused)
{
	static const char *const bad[] = { "127.0.0.1", "10.0.2.2", "0.0.0.0",
					   "169.254.0.1" };
	struct policy_cfg pol;

	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */ /* host loopback not allowed: gateway refused too */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_close_ int s = sock(AF_INET, SOCK_DGRAM);
		struct sockaddr_storage dst = text_addr(bad[i], 53);
		struct switch_conn c = conn_host(s, &dst);
		struct hostsock_info info;

		cr_assert_eq(switch_connect(&pol, &c), 0);
		cr_assert_eq(c.req.action, SWITCH_REFUSE, "%s", bad[i]);
		cr_assert_eq(c.req.err, -ENETUNREACH);
		cr_assert_eq(c.req.hsock, -1);
		inspect(s, &info);
		cr_assert_not(info.connected);
	}
}

Test(switching, inplace_udp_disconnect)
{
	uint16_t port;
	_cleanup_close_ int r = listener(AF_INET, SOCK_DGRAM, &port);
	_cleanup_close_ int s = sock(AF_INET, SOCK_DGRAM);
	struct sockaddr_storage to = loaddr(AF_INET, port);
	struct sockaddr_storage un;
	struct switch_conn c;
	struct policy_cfg pol;
	struct hostsock_info info;

	cr_assert_eq(connect(s, SA(to), sa_len(SA(to))), 0);
	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNSPEC;
	c = conn_host(s, &un);
	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	cr_assert_eq(switch_connect(&pol, &c), 0);
	cr_assert_eq(c.req.action, SWITCH_INPLACE);
	cr_assert_eq(c.req.err, 0);
	inspect(s, &info);
	cr_assert_not(info.connected, "AF_UNSPEC did not disconnect");
	cr_assert_not(fcntl(s, F_GETFL) & O_NONBLOCK);
}

Test(switching, inplace_non_ip_is_none)
{
	int sp[2];
	struct sockaddr_storage dst = text_addr("203.0.113.1", 80);
	struct switch_conn c;
	struct policy_cfg pol;

	policy_default(&pol);
	pol.switch_udp = true; /* the UDP cases switch: opt-in */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp), 0);
	c = conn_host(sp[0], &dst);
	cr_assert_eq(switch_connect(&pol, &c), 0);
	assert_none(&c);
	close(sp[0]);
	close(sp[1]);
}

Test(switching, restore_flags)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(s, 0);
	cr_assert_eq(switch_restore_flags(s, O_RDWR), 0);
	cr_assert_not(fcntl(s, F_GETFL) & O_NONBLOCK);
	cr_assert_eq(switch_restore_flags(s, O_RDWR | O_NONBLOCK), 0);
	cr_assert(fcntl(s, F_GETFL) & O_NONBLOCK);
	cr_assert_eq(switch_restore_flags(-1, O_RDWR), -EBADF);
}
