// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * b4ns-attack.c - attacks on the "no host loopback" promise (issue 9), for
 * tests/e2e/escape.sh
 *
 * Each case runs inside "b4ns run --net=none" and tries, as an attacker
 * would, to make a socket that b4ns switched to a host socket send to,
 * connect to or listen on the host's loopback: racing the supervisor
 * (family flip, fd swap), other syscall ABIs (i386 int $0x80, socketcall,
 * x32), io_uring, IP_PKTINFO, host-port squatting.  The suite watches
 * counting listeners on the test host's 127.0.0.1 and ::1 (b4ns-probe
 * count-server); this program prints what it did and what it could see
 * itself ("escapes=N": a host socket that became connected where only the
 * host loopback could have accepted it).
 *
 * A "re-aimable" host socket is a switched TCP socket that can be aimed
 * again: either connected through b4ns to HOST:TCPPORT and then
 * disconnected with connect(AF_UNSPEC) ("disconnect"), or whose switched
 * connect to HOST:CLOSEDPORT failed ("refused"; with the fix the container
 * gets its own socket back, so that one is no longer a host socket).
 *
 * Exit status: 0 the case ran and everything it can check itself held; 1
 * an escape was seen or an expectation failed ("WRONG" lines say which);
 * 2 usage; 77 the case cannot run here (no i386 emulation, built without
 * liburing).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#define PROG "b4ns-attack"

static const char usage_text[] =
	"usage: " PROG " [OPTIONS] CASE [ARGS]\n"
	"\n"
	"Options (defaults match tests/e2e/escape.sh):\n"
	"  --host ADDR         test host IPv4 address (10.77.0.1)\n"
	"  --host6 ADDR        test host IPv6 address (fd77::1)\n"
	"  --tcp-port P        TCP server on the test host (9998)\n"
	"  --closed-port P     closed TCP port on the test host (9)\n"
	"  --udp-port P        UDP echo on the test host (5300)\n"
	"  --target-port P     counters on the host's 127.0.0.1/::1 (9999)\n"
	"  --reaim METHOD      disconnect | refused: how a race gets its\n"
	"                      re-aimable host socket (disconnect)\n"
	"  -n N                attempts per race (20000)\n"
	"  -t SECS             time bound per race (20)\n"
	"\n"
	"Attacks (inside b4ns run --net=none; target 127.0.0.1:TARGET):\n"
	"  flip-connect        connect() while a thread flips the sockaddr\n"
	"                      AF_UNIX -> AF_INET 127.0.0.1 -> AF_UNSPEC\n"
	"  flip-sendto-tfo     the same through sendto(MSG_FASTOPEN)\n"
	"  flip-sendto-udp PORT\n"
	"                      a UDP socket bound to 0.0.0.0:PORT (published:\n"
	"                      a host socket), sendto() with the flipping\n"
	"                      sockaddr (datagrams counted by the suite)\n"
	"  swap-connect        connect(N, 127.0.0.1) while a thread dup2()s a\n"
	"                      host socket and a container socket onto N\n"
	"  swap-sendto-tfo     the same through sendto(MSG_FASTOPEN)\n"
	"  direct              plain connect(), sendto/sendmsg/sendmmsg\n"
	"                      (MSG_FASTOPEN) to 127.0.0.1 on host sockets;\n"
	"                      sendto/sendmsg/sendmmsg with MSG_FASTOPEN must\n"
	"                      give EOPNOTSUPP\n"
	"  i386                int $0x80 connect (362), socketcall CONNECT,\n"
	"                      SENDTO, SENDMSG, sendto (369), sendmsg (370)\n"
	"                      with MSG_FASTOPEN on re-aimable host sockets\n"
	"  i386-switch         i386 connect and socketcall CONNECT to\n"
	"                      HOST:TCPPORT on fresh sockets must be switched\n"
	"  x32                 x32 connect (0x40000000|42) must be ENOSYS\n"
	"  io-uring-denied     io_uring_setup/enter/register must be ENOSYS\n"
	"  io-uring [--expect-ring]\n"
	"                      IORING_OP_CONNECT and IORING_OP_SENDMSG\n"
	"                      (MSG_FASTOPEN) to 127.0.0.1 on host sockets;\n"
	"                      default: the ring must be denied (ENOSYS);\n"
	"                      --expect-ring: it must work (escapes are only\n"
	"                      reported: the opt-in gives the guarantee up)\n"
	"  io-uring-connect    a fresh TCP socket connected to HOST:TCPPORT\n"
	"                      through IORING_OP_CONNECT (prints its fd)\n"
	"  pktinfo             UDP connected to HOST:UDPPORT, then sendmsg and\n"
	"                      sendmmsg to 127.0.0.1 / ::ffff:127.0.0.1 with\n"
	"                      IP_PKTINFO{ifindex=1} and to ::1 with\n"
	"                      IPV6_PKTINFO{ifindex=1} (counted by the suite)\n"
	"  pub-range PORT OTHER\n"
	"                      (-p H-H+1:PORT-OTHER) listen on 0.0.0.0:PORT only\n"
	"                      (a host socket), reach it through 127.0.0.1:PORT,\n"
	"                      then 127.0.0.1:OTHER must be ECONNREFUSED (the\n"
	"                      container's own loopback, not the host's H+1)\n"
	"  pub-v6only PORT     listen on [::]:PORT with IPV6_V6ONLY; IPv4\n"
	"                      127.0.0.1:PORT must be ECONNREFUSED, [::1]:PORT\n"
	"                      must reach the listener\n"
	"  pub-closed PORT DONEFILE\n"
	"                      listen on 0.0.0.0:PORT, reach it through\n"
	"                      127.0.0.1:PORT, close it, print \"pub-closed:\n"
	"                      closed\", wait for DONEFILE (20 s; the test host\n"
	"                      takes the port meanwhile), then 127.0.0.1:PORT\n"
	"                      must be ECONNREFUSED\n"
	"  squat BASEPORT DONEFILE\n"
	"                      UDP and TCP sockets switched, disconnected and\n"
	"                      bound to 0.0.0.0/127.0.0.1:BASEPORT+i (TCP also\n"
	"                      listen(), EINVAL natively); prints\n"
	"                      \"squat-port NAME PORT\" and \"squat: ready\", then\n"
	"                      counts what arrives until DONEFILE exists (20 s);\n"
	"                      must be nothing\n"
	"\n"
	"What must still work:\n"
	"  retry               switched connect to CLOSEDPORT (ECONNREFUSED),\n"
	"                      then the same fd connects to HOST:TCPPORT;\n"
	"                      another refused fd then gets the container's own\n"
	"                      127.0.0.1 (ECONNREFUSED)\n"
	"  pub-self PORT       listen on 0.0.0.0:PORT (published: must be a host\n"
	"                      socket); connect 127.0.0.1:PORT must reach it\n"
	"  inside-ok           listeners inside the container (AF_UNIX path\n"
	"                      and abstract, 127.0.0.1, ::1) are reached by\n"
	"                      connect(), and by i386 connect where available\n"
	"  task-context DIR    AF_UNIX calls b4ns makes for the task resolve\n"
	"                      in its context: chdir() into a new directory\n"
	"                      under DIR, bind/connect a RELATIVE path; a\n"
	"                      symlink to an absolute path; the same after\n"
	"                      chroot() into it (\"/\" is the task's root);\n"
	"                      SO_PEERCRED uid/gid = the task's getuid/getgid\n"
	"\n"
	"Permissions (inside b4ns run; DIR writable by the container's root):\n"
	"  capdrop DIR         drop every capability (capset 0), then connect\n"
	"                      to an AF_UNIX socket file of mode 0000 and bind\n"
	"                      one in a directory of mode 0500: both EACCES, as\n"
	"                      natively (controls: with capabilities both work,\n"
	"                      without them a mode-0777 socket still connects)\n"
	"  capdrop-netlink     drop every capability, then ask rtnetlink for an\n"
	"                      address on lo by send() and by sendto() with a\n"
	"                      netlink address: both EPERM, as natively\n"
	"\n"
	"DNS (inside b4ns run with the default network, slirp4netns):\n"
	"  dns-forwarder ADDR...\n"
	"                      a DNS query over UDP and over TCP (connect with\n"
	"                      a 3 s timeout) to each ADDR:53 (slirp4netns'\n"
	"                      forwarder 10.0.2.3); prints what got through,\n"
	"                      the suite counts what reached the host's\n"
	"                      127.0.0.53:53; fails only if a datagram cannot\n"
	"                      be sent at all (no network: nothing tested)\n"
	"\n"
	"Helper (run in the test host):\n"
	"  poke ADDR PORT...   one UDP datagram, one TCP connect (300 ms) and a\n"
	"                      TCP bind (no SO_REUSEADDR: EADDRINUSE if held)\n"
	"                      on each ADDR:PORT; prints the outcomes\n";

static struct {
	const char *host4, *host6;
	int tcp_port, closed_port, udp_port, target_port;
	bool reaim_refused;
	long n, secs;
} O = { "10.77.0.1", "fd77::1", 9998, 9, 5300, 9999, false, 20000, 20 };

static int wrong; /* expectations that failed */

/* ---- small helpers ---------------------------------------------------- */

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static bool parse_num(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return !errno && *s && !*end && *out >= min && *out <= max;
}

static const char *errname(int e)
{
#define E(x) case x: return #x
	static __thread char buf[16];

	switch (e) {
	case 0: return "ok";
	E(EPERM); E(ENOENT); E(EINTR); E(EBADF); E(EAGAIN); E(ENOMEM);
	E(EACCES); E(EFAULT); E(EINVAL); E(EPIPE); E(ENOSYS); E(ENOTSOCK);
	E(EDESTADDRREQ); E(EMSGSIZE); E(EPROTOTYPE); E(ENOPROTOOPT);
	E(EOPNOTSUPP); E(EAFNOSUPPORT); E(EADDRINUSE); E(EADDRNOTAVAIL);
	E(ENETDOWN); E(ENETUNREACH); E(ECONNABORTED); E(ECONNRESET);
	E(ENOBUFS); E(EISCONN); E(ENOTCONN); E(ETIMEDOUT); E(ECONNREFUSED);
	E(EHOSTUNREACH); E(EALREADY); E(EINPROGRESS); E(ECANCELED);
	}
#undef E
	snprintf(buf, sizeof(buf), "E#%d", e);
	return buf;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void expect(bool ok, const char *what)
{
	if (!ok) {
		wrong++;
		printf("WRONG: %s\n", what);
	}
}

static struct sockaddr_in sin4(const char *host, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, PROG ": bad IPv4 address %s\n", host);
		exit(2);
	}
	return sa;
}

static struct sockaddr_in6 sin6(const char *host, int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port) };

	if (inet_pton(AF_INET6, host, &sa.sin6_addr) != 1) {
		fprintf(stderr, PROG ": bad IPv6 address %s\n", host);
		exit(2);
	}
	return sa;
}

/* The target: the host's loopback counter. */
static struct sockaddr_in lo4(void)
{
	return sin4("127.0.0.1", O.target_port);
}

static bool is_connected(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return getpeername(fd, (struct sockaddr *)&ss, &len) == 0;
}

static int xconnect(int fd, const void *sa, socklen_t len)
{
	return connect(fd, sa, len) < 0 ? errno : 0;
}

static int disconnect(int fd)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	return xconnect(fd, &sa, sizeof(sa));
}

/*
 * host_tcp() - a re-aimable host TCP socket (see the header), or -1.  With
 * @refused: the switched connect to the closed port must fail with
 * ECONNREFUSED; otherwise the switched connect must succeed (it can only
 * under --net=none if b4ns switched it), then AF_UNSPEC disconnects it.
 */
static int host_tcp(bool refused, bool quiet)
{
	struct sockaddr_in sa = sin4(O.host4, refused ? O.closed_port : O.tcp_port);
	int fd = socket(AF_INET, SOCK_STREAM, 0), e;

	if (fd < 0) {
		perror(PROG ": socket");
		return -1;
	}
	e = xconnect(fd, &sa, sizeof(sa));
	if (refused) {
		if (e != ECONNREFUSED) {
			printf("host socket: connect %s:%d: %s, want ECONNREFUSED "
			       "(not switched?)\n", O.host4, O.closed_port,
			       errname(e));
			close(fd);
			return -1;
		}
		return fd;
	}
	if (e) {
		printf("host socket: connect %s:%d: %s (not switched?)\n",
		       O.host4, O.tcp_port, errname(e));
		close(fd);
		return -1;
	}
	e = disconnect(fd);
	if (!quiet)
		printf("host socket: switched connect ok, AF_UNSPEC disconnect: %s\n",
		       errname(e));
	return fd;
}

/* Errno histogram of a race. */
struct tally {
	long n[4096];
};

static void tally_add(struct tally *t, int e)
{
	t->n[e >= 0 && e < 4096 ? e : 4095]++;
}

static void tally_print(const char *name, const struct tally *t)
{
	for (int i = 0; i < 4096; i++)
		if (t->n[i])
			printf("%s: %s: %ld\n", name, errname(i), t->n[i]);
}

/* ---- 1. family flip --------------------------------------------------- */

/*
 * The shared sockaddr and the three images the flipper writes into its
 * first 16 bytes: AF_UNIX "/nonexistent-b4ns" (the path's tail beyond byte
 * 16 is always there), AF_INET 127.0.0.1:TARGET, AF_UNSPEC.
 */
static union {
	struct sockaddr sa;
	struct sockaddr_un un;
	uint64_t q[14];
} flip_buf;
static uint64_t flip_img[3][2];
static volatile int race_stop;
static volatile unsigned long race_flips;

static void *flipper(void *arg)
{
	volatile uint64_t *q = flip_buf.q;
	unsigned long n = 0;

	(void)arg;
	while (!race_stop) {
		for (int k = 0; k < 3; k++) {
			q[0] = flip_img[k][0];
			q[1] = flip_img[k][1];
		}
		n++;
	}
	race_flips = n;
	return NULL;
}

static void flip_setup(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = lo4();
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	strcpy(un.sun_path, "/nonexistent-b4ns");
	memcpy(&flip_buf.un, &un, sizeof(un));
	memcpy(flip_img[0], &un, 16);
	memcpy(flip_img[1], &in, 16);
	memset(flip_img[2], 0, 16);
	memcpy(flip_img[2], &unspec, 2);
}

static int flip_race(const char *name, bool tfo)
{
	struct tally *t = calloc(1, sizeof(*t));
	long i, escapes = 0, renewed = 0;
	double t0 = now_s();
	pthread_t th;
	int fd;

	flip_setup();
	fd = host_tcp(O.reaim_refused, false);
	if (fd < 0 || !t)
		return 1;
	race_stop = 0;
	pthread_create(&th, NULL, flipper, NULL);
	for (i = 0; i < O.n && now_s() - t0 < O.secs; i++) {
		int r;

		if (tfo)
			r = (int)sendto(fd, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL,
					&flip_buf.sa, sizeof(flip_buf.un));
		else
			r = connect(fd, &flip_buf.sa, sizeof(flip_buf.un));
		tally_add(t, r < 0 ? errno : 0);
		if (is_connected(fd)) {
			/* only the host's 127.0.0.1 listens there */
			escapes++;
			close(fd);
			fd = host_tcp(O.reaim_refused, true);
			renewed++;
			if (fd < 0)
				break;
		}
	}
	race_stop = 1;
	pthread_join(th, NULL);
	printf("%s: attempts=%ld in %.1f s, %lu flips, reaim=%s\n", name, i,
	       now_s() - t0, race_flips,
	       O.reaim_refused ? "refused" : "disconnect");
	tally_print(name, t);
	printf("%s: escapes=%ld\n", name, escapes);
	if (fd >= 0)
		close(fd);
	free(t);
	return escapes || fd < 0 ? 1 : 0;
}

/*
 * A UDP socket bound to a published port (a host socket from its bind on),
 * sendto() with the flipping sockaddr: the suite counts the datagrams on
 * the host's 127.0.0.1.
 */
static int case_flip_sendto_udp(int argc, char **argv)
{
	struct tally *t = calloc(1, sizeof(*t));
	struct sockaddr_in me = sin4("0.0.0.0", 0);
	double t0 = now_s();
	pthread_t th;
	long i, port;
	char *end;
	int fd, e;

	if (argc != 1 || (port = strtol(argv[0], &end, 10)) < 1 || *end ||
	    port > 65535 || !t)
		return usage();
	me.sin_port = htons((uint16_t)port);
	flip_setup();
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	e = bind(fd, (struct sockaddr *)&me, sizeof(me)) ? errno : 0;
	printf("flip-sendto-udp: bind 0.0.0.0:%ld: %s\n", port, errname(e));
	if (e)
		return 1;
	race_stop = 0;
	pthread_create(&th, NULL, flipper, NULL);
	for (i = 0; i < O.n && now_s() - t0 < O.secs; i++)
		tally_add(t, sendto(fd, "x", 1, MSG_NOSIGNAL, &flip_buf.sa,
				    sizeof(flip_buf.un)) < 0 ? errno : 0);
	race_stop = 1;
	pthread_join(th, NULL);
	printf("flip-sendto-udp: attempts=%ld in %.1f s, %lu flips\n", i,
	       now_s() - t0, race_flips);
	tally_print("flip-sendto-udp", t);
	close(fd);
	free(t);
	return 0;
}

static int case_flip_connect(int argc, char **argv)
{
	return flip_race("flip-connect", false);
}

static int case_flip_sendto_tfo(int argc, char **argv)
{
	return flip_race("flip-sendto-tfo", true);
}

/* ---- 2. fd swap ------------------------------------------------------- */

#define SWAP_FD 200
static volatile int swap_host = -1;
static int swap_ctr = -1;

static void *swapper(void *arg)
{
	unsigned long n = 0;

	(void)arg;
	while (!race_stop) {
		dup2(swap_host, SWAP_FD);
		dup2(swap_ctr, SWAP_FD);
		n++;
	}
	race_flips = n;
	return NULL;
}

static int swap_race(const char *name, bool tfo)
{
	struct tally *t = calloc(1, sizeof(*t));
	struct sockaddr_in dst = lo4();
	long i, escapes = 0;
	double t0 = now_s();
	pthread_t th;
	int h;

	/* a container socket: connecting it to 127.0.0.1 stays inside */
	swap_ctr = socket(AF_INET, SOCK_STREAM, 0);
	h = host_tcp(O.reaim_refused, false);
	if (h < 0 || swap_ctr < 0 || !t)
		return 1;
	swap_host = h;
	dup2(swap_ctr, SWAP_FD);
	race_stop = 0;
	pthread_create(&th, NULL, swapper, NULL);
	for (i = 0; i < O.n && now_s() - t0 < O.secs; i++) {
		int r;

		if (tfo)
			r = (int)sendto(SWAP_FD, "x", 1,
					MSG_FASTOPEN | MSG_NOSIGNAL,
					(struct sockaddr *)&dst, sizeof(dst));
		else
			r = connect(SWAP_FD, (struct sockaddr *)&dst,
				    sizeof(dst));
		tally_add(t, r < 0 ? errno : 0);
		if (is_connected(h)) {
			escapes++;
			h = host_tcp(O.reaim_refused, true);
			if (h < 0)
				break;
			/* the old one stays open: the swapper may use it */
			swap_host = h;
		}
		if (is_connected(swap_ctr)) {
			printf("%s: the container socket got connected?\n", name);
			close(swap_ctr);
			swap_ctr = socket(AF_INET, SOCK_STREAM, 0);
		}
	}
	race_stop = 1;
	pthread_join(th, NULL);
	printf("%s: attempts=%ld in %.1f s, %lu swaps, reaim=%s\n", name, i,
	       now_s() - t0, race_flips,
	       O.reaim_refused ? "refused" : "disconnect");
	tally_print(name, t);
	printf("%s: escapes=%ld\n", name, escapes);
	free(t);
	return escapes || h < 0 ? 1 : 0;
}

static int case_swap_connect(int argc, char **argv)
{
	return swap_race("swap-connect", false);
}

static int case_swap_sendto_tfo(int argc, char **argv)
{
	return swap_race("swap-sendto-tfo", true);
}

/* ---- native TFO and plain connect on host sockets -------------------- */

static int case_direct(int argc, char **argv)
{
	struct sockaddr_in dst = lo4();
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = { .msg_name = &dst, .msg_namelen = sizeof(dst),
			      .msg_iov = &iov, .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = msg };
	long escapes = 0;

	for (int m = 0; m < 2; m++) {
		bool refused = m == 1;
		const char *how = refused ? "refused" : "disconnect";
		int fd, e, r;
		bool esc;

		for (int op = 0; op < 4; op++) {
			static const char *const ops[] = {
				"connect", "sendto(MSG_FASTOPEN)",
				"sendmsg(MSG_FASTOPEN)", "sendmmsg(MSG_FASTOPEN)",
			};
			char what[128];

			fd = host_tcp(refused, true);
			if (fd < 0)
				return 1;
			errno = 0;
			switch (op) {
			case 0:
				r = connect(fd, (struct sockaddr *)&dst,
					    sizeof(dst));
				break;
			case 1:
				r = (int)sendto(fd, "x", 1,
						MSG_FASTOPEN | MSG_NOSIGNAL,
						(struct sockaddr *)&dst,
						sizeof(dst));
				break;
			case 2:
				r = (int)sendmsg(fd, &msg,
						 MSG_FASTOPEN | MSG_NOSIGNAL);
				break;
			default:
				r = sendmmsg(fd, &mm, 1,
					     MSG_FASTOPEN | MSG_NOSIGNAL);
				break;
			}
			e = r < 0 ? errno : 0;
			if (e == 0 || e == EINPROGRESS) {
				/* a TFO send returns before the handshake ends */
				struct pollfd p = { .fd = fd, .events = POLLOUT };

				poll(&p, 1, 300);
			}
			esc = is_connected(fd);
			printf("direct (%s host socket): %s 127.0.0.1:%d: %s%s\n",
			       how, ops[op], O.target_port, errname(e),
			       esc ? "  <-- ESCAPE" : "");
			escapes += esc;
			if (op >= 1) {
				snprintf(what, sizeof(what),
					 "%s on a %s host socket: %s, want EOPNOTSUPP",
					 ops[op], how, errname(e));
				expect(e == EOPNOTSUPP, what);
			}
			close(fd);
		}
	}
	printf("direct: escapes=%ld\n", escapes);
	return escapes || wrong ? 1 : 0;
}

/* ---- 3. other ABIs ---------------------------------------------------- */

/*
 * sys32() - an i386 system call from this 64-bit process (int $0x80); the
 * arguments are 32 bits wide, pointers must be below 4 GiB.  The sixth goes
 * in %ebp, saved around the call (below the red zone).  r8-r11 are not
 * preserved by int $0x80 from 64-bit code.
 */
static long sys32(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3,
		  uint32_t a4, uint32_t a5, uint32_t a6)
{
	long ret;

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov %[a6], %%ebp\n\t"
			 "int $0x80\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp\n\t"
			 : "=a"(ret)
			 : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4),
			   "D"(a5), [a6] "r"(a6)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return (int)ret; /* -errno as a 32-bit value */
}

#define NR32_GETPID 20
#define NR32_SOCKETCALL 102
#define NR32_CONNECT 362
#define NR32_SENDTO 369
#define NR32_SENDMSG 370
#define SC_CONNECT 3
#define SC_SENDTO 11
#define SC_SENDMSG 16

struct msghdr32 {
	uint32_t name, namelen, iov, iovlen, control, controllen, flags;
};

struct iovec32 {
	uint32_t base, len;
};

/* Everything an i386 call points at, in one page below 2 GiB. */
struct low {
	struct sockaddr_in lo;		/* 127.0.0.1:TARGET */
	struct sockaddr_in host;	/* HOST:TCPPORT */
	struct sockaddr_un un;		/* for inside-ok */
	uint32_t args[6];		/* socketcall arguments */
	char data[4];
	struct msghdr32 msg;
	struct iovec32 iov;
};

static struct low *low_page(void)
{
	struct low *l = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (l == MAP_FAILED) {
		perror(PROG ": mmap(MAP_32BIT)");
		exit(1);
	}
	l->lo = lo4();
	l->host = sin4(O.host4, O.tcp_port);
	memcpy(l->data, "x", 2);
	l->iov.base = (uint32_t)(uintptr_t)l->data;
	l->iov.len = 1;
	l->msg.name = (uint32_t)(uintptr_t)&l->lo;
	l->msg.namelen = sizeof(l->lo);
	l->msg.iov = (uint32_t)(uintptr_t)&l->iov;
	l->msg.iovlen = 1;
	return l;
}

static uint32_t p32(const void *p)
{
	return (uint32_t)(uintptr_t)p;
}

/* int $0x80 works here: tried in a child, which a kernel without IA-32
 * emulation kills with SIGSEGV (the gate is not there). */
static bool have_i386(void)
{
	static int known = -1;
	pid_t pid;
	int st;

	if (known >= 0)
		return known;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(sys32(NR32_GETPID, 0, 0, 0, 0, 0, 0) == getpid() ? 0 : 1);
	known = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		WEXITSTATUS(st) == 0;
	if (!known)
		printf("i386: int $0x80 does not work here (%s): no IA-32 "
		       "emulation in this kernel\n",
		       pid > 0 && WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) :
						    "getpid mismatch");
	return known;
}

static long sockcall32(struct low *l, int call, uint32_t a0, uint32_t a1,
		       uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
	uint32_t v[6] = { a0, a1, a2, a3, a4, a5 };

	memcpy(l->args, v, sizeof(v));
	return sys32(NR32_SOCKETCALL, (uint32_t)call, p32(l->args), 0, 0, 0,
		     0);
}

static int case_i386(int argc, char **argv)
{
	static const char *const ops[] = {
		"connect (362)", "socketcall CONNECT", "sendto (369) MSG_FASTOPEN",
		"socketcall SENDTO MSG_FASTOPEN", "sendmsg (370) MSG_FASTOPEN",
		"socketcall SENDMSG MSG_FASTOPEN",
	};
	const uint32_t tfo = MSG_FASTOPEN | MSG_NOSIGNAL;
	struct low *l;
	long escapes = 0;

	if (!have_i386())
		return 77;
	l = low_page();
	for (int m = 0; m < 2; m++) {
		bool refused = m == 1;
		const char *how = refused ? "refused" : "disconnect";

		for (int op = 0; op < 6; op++) {
			int fd = host_tcp(refused, true);
			uint32_t lo = p32(&l->lo), d = p32(l->data);
			long r;

			if (fd < 0)
				return 1;
			switch (op) {
			case 0:
				r = sys32(NR32_CONNECT, (uint32_t)fd, lo,
					  sizeof(l->lo), 0, 0, 0);
				break;
			case 1:
				r = sockcall32(l, SC_CONNECT, (uint32_t)fd, lo,
					       sizeof(l->lo), 0, 0, 0);
				break;
			case 2:
				r = sys32(NR32_SENDTO, (uint32_t)fd, d, 1, tfo,
					  lo, sizeof(l->lo));
				break;
			case 3:
				r = sockcall32(l, SC_SENDTO, (uint32_t)fd, d, 1,
					       tfo, lo, sizeof(l->lo));
				break;
			case 4:
				r = sys32(NR32_SENDMSG, (uint32_t)fd,
					  p32(&l->msg), tfo, 0, 0, 0);
				break;
			default:
				r = sockcall32(l, SC_SENDMSG, (uint32_t)fd,
					       p32(&l->msg), tfo, 0, 0, 0);
				break;
			}
			printf("i386 (%s host socket): %s 127.0.0.1:%d: %s%s\n",
			       how, ops[op], O.target_port,
			       errname(r < 0 ? (int)-r : 0),
			       is_connected(fd) ? "  <-- ESCAPE" : "");
			if (is_connected(fd))
				escapes++;
			if (op >= 4) {
				char what[128];

				snprintf(what, sizeof(what),
					 "i386 %s: %s, want EOPNOTSUPP as native",
					 ops[op], errname(r < 0 ? (int)-r : 0));
				expect(r == -EOPNOTSUPP, what);
			}
			close(fd);
		}
	}
	printf("i386: escapes=%ld\n", escapes);
	return escapes || wrong ? 1 : 0;
}

static int case_i386_switch(int argc, char **argv)
{
	struct low *l;

	if (!have_i386())
		return 77;
	l = low_page();
	for (int op = 0; op < 2; op++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		long r;
		char what[160];

		if (op == 0)
			r = sys32(NR32_CONNECT, (uint32_t)fd, p32(&l->host),
				  sizeof(l->host), 0, 0, 0);
		else
			r = sockcall32(l, SC_CONNECT, (uint32_t)fd,
				       p32(&l->host), sizeof(l->host), 0, 0, 0);
		printf("i386-switch: %s %s:%d: %s\n",
		       op ? "socketcall CONNECT" : "connect (362)", O.host4,
		       O.tcp_port, errname(r < 0 ? (int)-r : 0));
		snprintf(what, sizeof(what),
			 "i386 %s to %s:%d under --net=none: %s, want ok (switched)",
			 op ? "socketcall CONNECT" : "connect", O.host4,
			 O.tcp_port, errname(r < 0 ? (int)-r : 0));
		expect(r == 0 && is_connected(fd), what);
		close(fd);
	}
	return wrong ? 1 : 0;
}

static int case_x32(int argc, char **argv)
{
	struct sockaddr_in dst = lo4(), host = sin4(O.host4, O.tcp_port);
	long escapes = 0;

	for (int op = 0; op < 2; op++) {
		/* on a re-aimable host socket to 127.0.0.1, and on a fresh
		 * socket to the test host */
		int fd = op ? socket(AF_INET, SOCK_STREAM, 0) : host_tcp(false, true);
		struct sockaddr_in *sa = op ? &host : &dst;
		long r;
		int e;
		char what[128];

		if (fd < 0)
			return 1;
		r = syscall(0x40000000L | 42, fd, sa, sizeof(*sa));
		e = r < 0 ? errno : 0;
		printf("x32 connect (%s) %s: %s%s\n",
		       op ? "fresh socket" : "host socket",
		       op ? "test host" : "127.0.0.1", errname(e),
		       op == 0 && is_connected(fd) ? "  <-- ESCAPE" : "");
		if (op == 0 && is_connected(fd))
			escapes++;
		snprintf(what, sizeof(what), "x32 connect: %s, want ENOSYS",
			 errname(e));
		expect(r < 0 && e == ENOSYS, what);
		close(fd);
	}
	printf("x32: escapes=%ld\n", escapes);
	return escapes || wrong ? 1 : 0;
}

/* ---- 4. io_uring ------------------------------------------------------ */

static int uring_denied(void)
{
	struct io_uring_params p = { 0 };
	long r;
	int e;

	r = syscall(__NR_io_uring_setup, 4, &p);
	e = r < 0 ? errno : 0;
	printf("io_uring_setup: %s\n", errname(e));
	if (r >= 0)
		close((int)r);
	expect(r < 0 && e == ENOSYS, "io_uring_setup must fail with ENOSYS");
	r = syscall(__NR_io_uring_enter, -1, 1, 0, 0, NULL, 0);
	e = r < 0 ? errno : 0;
	printf("io_uring_enter(-1): %s (natively EBADF)\n", errname(e));
	expect(r < 0 && e == ENOSYS, "io_uring_enter must fail with ENOSYS");
	r = syscall(__NR_io_uring_register, -1, 0, NULL, 0);
	e = r < 0 ? errno : 0;
	printf("io_uring_register(-1): %s (natively EBADF)\n", errname(e));
	expect(r < 0 && e == ENOSYS, "io_uring_register must fail with ENOSYS");
	return wrong ? 1 : 0;
}

static int case_io_uring_denied(int argc, char **argv)
{
	return uring_denied();
}

#ifdef HAVE_LIBURING
/* One operation on a ring: the completion's res, or -ETIME. */
static int uring_one(struct io_uring *ring, int op, int fd)
{
	static struct sockaddr_in dst;
	static struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	static struct msghdr msg;
	struct __kernel_timespec ts = { .tv_sec = 5 };
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int r;

	dst = lo4();
	msg = (struct msghdr){ .msg_name = &dst, .msg_namelen = sizeof(dst),
			       .msg_iov = &iov, .msg_iovlen = 1 };
	if (op == 0)
		io_uring_prep_connect(sqe, fd, (struct sockaddr *)&dst,
				      sizeof(dst));
	else
		io_uring_prep_sendmsg(sqe, fd, &msg,
				      MSG_FASTOPEN | MSG_NOSIGNAL);
	io_uring_submit(ring);
	r = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (r < 0)
		return r;
	r = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return r;
}
#endif

static int case_io_uring(int argc, char **argv)
{
	bool expect_ring = argc > 0 && !strcmp(argv[0], "--expect-ring");
#ifdef HAVE_LIBURING
	static const char *const ops[] = { "IORING_OP_CONNECT",
					   "IORING_OP_SENDMSG(MSG_FASTOPEN)" };
	struct io_uring ring;
	long escapes = 0;
	int r;

	if (!expect_ring)
		uring_denied();
	r = io_uring_queue_init(8, &ring, 0);
	if (r < 0) {
		printf("io_uring_queue_init: %s\n", errname(-r));
		expect(!expect_ring, "--expect-ring: the ring must work");
		return wrong ? 1 : 0;
	}
	printf("io_uring: ring created\n");
	expect(expect_ring, "the ring must be denied by default");
	for (int m = 0; m < 2; m++) {
		for (int op = 0; op < 2; op++) {
			int fd = host_tcp(m == 1, true);

			if (fd < 0)
				return 1;
			r = uring_one(&ring, op, fd);
			printf("io_uring (%s host socket): %s 127.0.0.1:%d: %s%s\n",
			       m ? "refused" : "disconnect", ops[op],
			       O.target_port, errname(r < 0 ? -r : 0),
			       is_connected(fd) ? "  <-- ESCAPE" : "");
			if (is_connected(fd))
				escapes++;
			close(fd);
		}
	}
	io_uring_queue_exit(&ring);
	printf("io-uring: escapes=%ld%s\n", escapes,
	       expect_ring ? " (--allow-io-uring: not a guarantee)" : "");
	return (escapes && !expect_ring) || wrong ? 1 : 0;
#else
	printf("io-uring: built without liburing\n");
	return 77;
#endif
}

/* A fresh TCP socket connected to HOST:TCPPORT through IORING_OP_CONNECT
 * (for "b4ns trace": seccomp never sees it, the trace must). Prints the
 * socket's fd and the completion's result; fails only if the ring cannot
 * be made. */
static int case_io_uring_connect(int argc, char **argv)
{
#ifdef HAVE_LIBURING
	struct sockaddr_in dst = sin4(O.host4, O.tcp_port);
	struct __kernel_timespec ts = { .tv_sec = 5 };
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int fd, r;

	r = io_uring_queue_init(8, &ring, 0);
	if (r < 0) {
		printf("io_uring_queue_init: %s\n", errname(-r));
		return 1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror(PROG ": socket");
		return 1;
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&dst, sizeof(dst));
	io_uring_submit(&ring);
	r = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	if (!r) {
		r = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	printf("io-uring-connect: fd %d to %s:%d: %s\n", fd, O.host4,
	       O.tcp_port, errname(r < 0 ? -r : 0));
	close(fd);
	io_uring_queue_exit(&ring);
	return 0;
#else
	printf("io-uring-connect: built without liburing\n");
	return 77;
#endif
}

/* ---- 5. IP_PKTINFO ---------------------------------------------------- */

/* sendmsg() (and sendmmsg() of two) of "pktinfo" to @dst with a
 * IP_PKTINFO (@v6pkt: IPV6_PKTINFO) control message naming ifindex 1 (lo). */
static void pktinfo_send(const char *name, int fd, const void *dst,
			 socklen_t dlen, bool v6pkt)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = "pktinfo", .iov_len = 7 };
	struct msghdr msg = { .msg_name = (void *)dst, .msg_namelen = dlen,
			      .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf };
	struct cmsghdr *c;
	struct mmsghdr mm[2];
	int r, e;

	memset(&u, 0, sizeof(u));
	c = (struct cmsghdr *)u.buf;
	if (v6pkt) {
		struct in6_pktinfo pi = { .ipi6_ifindex = 1 };

		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in_pktinfo pi = { .ipi_ifindex = 1 };

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	r = (int)sendmsg(fd, &msg, MSG_NOSIGNAL);
	e = r < 0 ? errno : 0;
	printf("pktinfo %s: sendmsg: %s\n", name, errname(e));
	mm[0].msg_hdr = msg;
	mm[1].msg_hdr = msg;
	r = sendmmsg(fd, mm, 2, MSG_NOSIGNAL);
	e = r < 0 ? errno : 0;
	printf("pktinfo %s: sendmmsg: %d sent, %s\n", name, r < 0 ? 0 : r,
	       errname(e));
}

static int case_pktinfo(int argc, char **argv)
{
	struct sockaddr_in echo4 = sin4(O.host4, O.udp_port);
	struct sockaddr_in to4 = lo4();
	char mapped_echo[64];
	struct sockaddr_in6 to_mapped = sin6("::ffff:127.0.0.1", O.target_port);
	struct sockaddr_in6 to6 = sin6("::1", O.target_port);
	struct sockaddr_in6 echo6 = sin6(O.host6, O.udp_port);
	struct sockaddr_in6 echo_mapped;
	int zero = 0, fd, e;

	snprintf(mapped_echo, sizeof(mapped_echo), "::ffff:%s", O.host4);
	echo_mapped = sin6(mapped_echo, O.udp_port);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	e = xconnect(fd, &echo4, sizeof(echo4));
	printf("pktinfo v4: connect %s:%d: %s\n", O.host4, O.udp_port,
	       errname(e));
	pktinfo_send("v4 -> 127.0.0.1", fd, &to4, sizeof(to4), false);
	close(fd);

	for (int k = 0; k < 2; k++) {
		const struct sockaddr_in6 *via = k ? &echo6 : &echo_mapped;
		char name[80];

		fd = socket(AF_INET6, SOCK_DGRAM, 0);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		e = xconnect(fd, via, sizeof(*via));
		printf("pktinfo dual-stack: connect [%s]:%d: %s\n",
		       k ? O.host6 : mapped_echo, O.udp_port, errname(e));
		snprintf(name, sizeof(name), "dual-stack (via %s) -> ::ffff:127.0.0.1",
			 k ? "v6" : "mapped");
		pktinfo_send(name, fd, &to_mapped, sizeof(to_mapped), false);
		if (k) {
			snprintf(name, sizeof(name), "v6 -> ::1 (IPV6_PKTINFO)");
			pktinfo_send(name, fd, &to6, sizeof(to6), true);
		}
		close(fd);
	}
	printf("pktinfo: done (the suite counts what reached the host)\n");
	return 0;
}

/* ---- 6. squatting ----------------------------------------------------- */

struct squat {
	const char *name;
	int type;
	bool bind_first;	/* bind before the switched connect */
	const char *bind_addr;	/* NULL: no bind (listen autobinds) */
	int fd, port;
};

/*
 * TCP: listen() after any connect() is EINVAL on Linux, so a switched TCP
 * socket cannot accept; but a bind() on it would hold the host port (the
 * test host's "poke" sees EADDRINUSE).  It listens anyway, in case.
 */

static void squat_open(struct squat *s, int port)
{
	struct sockaddr_in peer = sin4(O.host4, s->type == SOCK_DGRAM ?
					O.udp_port : O.tcp_port);
	struct sockaddr_in me;
	struct sockaddr_in got;
	socklen_t gl = sizeof(got);
	int one = 1, e;

	s->fd = socket(AF_INET, s->type | SOCK_NONBLOCK, 0);
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s->bind_addr)
		me = sin4(s->bind_addr, port);
	if (s->bind_first) {
		e = bind(s->fd, (struct sockaddr *)&me, sizeof(me)) ? errno : 0;
		printf("squat %s: bind %s:%d: %s\n", s->name, s->bind_addr,
		       port, errname(e));
	}
	/* non-blocking: the TCP connect reports EINPROGRESS, then wait */
	e = xconnect(s->fd, &peer, sizeof(peer));
	if (e == EINPROGRESS) {
		struct pollfd p = { .fd = s->fd, .events = POLLOUT };
		socklen_t el = sizeof(e);

		poll(&p, 1, 3000);
		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el);
	}
	printf("squat %s: connect %s:%d: %s\n", s->name, O.host4,
	       ntohs(peer.sin_port), errname(e));
	e = disconnect(s->fd);
	printf("squat %s: AF_UNSPEC disconnect: %s\n", s->name, errname(e));
	if (s->bind_addr && !s->bind_first) {
		e = bind(s->fd, (struct sockaddr *)&me, sizeof(me)) ? errno : 0;
		printf("squat %s: bind %s:%d: %s\n", s->name, s->bind_addr,
		       port, errname(e));
	}
	if (s->type == SOCK_STREAM) {
		e = listen(s->fd, 16) ? errno : 0;
		printf("squat %s: listen: %s\n", s->name, errname(e));
	}
	s->port = 0;
	if (getsockname(s->fd, (struct sockaddr *)&got, &gl) == 0 &&
	    got.sin_family == AF_INET)
		s->port = ntohs(got.sin_port);
	printf("squat-port %s %d\n", s->name, s->port);
}

static int case_squat(int argc, char **argv)
{
	struct squat sq[] = {
		{ "udp-bound-then-switched", SOCK_DGRAM, true, "0.0.0.0", -1, 0 },
		{ "udp-switched-then-bound", SOCK_DGRAM, false, "0.0.0.0", -1, 0 },
		{ "tcp-bind-any", SOCK_STREAM, false, "0.0.0.0", -1, 0 },
		{ "tcp-bind-loopback", SOCK_STREAM, false, "127.0.0.1", -1, 0 },
	};
	const size_t n = sizeof(sq) / sizeof(sq[0]);
	struct pollfd p[sizeof(sq) / sizeof(sq[0])];
	long base, received = 0;
	double t0;
	char *end;

	if (argc != 2)
		return usage();
	base = strtol(argv[0], &end, 10);
	if (*end || base < 1 || base > 65000)
		return usage();
	for (size_t i = 0; i < n; i++) {
		squat_open(&sq[i], (int)base + (int)i);
		p[i].fd = sq[i].fd;
		p[i].events = POLLIN;
	}
	printf("squat: ready\n");
	fflush(stdout);
	t0 = now_s();
	while (access(argv[1], F_OK) != 0 && now_s() - t0 < 20) {
		if (poll(p, n, 100) <= 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			char buf[64];
			int c;

			if (!(p[i].revents & POLLIN))
				continue;
			if (sq[i].type == SOCK_DGRAM) {
				while (recv(sq[i].fd, buf, sizeof(buf), 0) >= 0) {
					received++;
					printf("squat %s: RECEIVED a datagram  <-- ESCAPE\n",
					       sq[i].name);
				}
			} else {
				while ((c = accept(sq[i].fd, NULL, NULL)) >= 0) {
					received++;
					printf("squat %s: ACCEPTED a connection  <-- ESCAPE\n",
					       sq[i].name);
					close(c);
				}
			}
		}
	}
	printf("squat: received %ld\n", received);
	return received ? 1 : 0;
}

/* poke: from the test host, at what a squatter might hold */
static int case_poke(int argc, char **argv)
{
	if (argc < 2 || argc % 2)
		return usage();
	for (int i = 0; i < argc; i += 2) {
		struct sockaddr_storage ss = { 0 };
		socklen_t len;
		int port = atoi(argv[i + 1]), fd, e;
		struct pollfd p;

		if (strchr(argv[i], ':')) {
			struct sockaddr_in6 a = sin6(argv[i], port);

			memcpy(&ss, &a, sizeof(a));
			len = sizeof(a);
		} else {
			struct sockaddr_in a = sin4(argv[i], port);

			memcpy(&ss, &a, sizeof(a));
			len = sizeof(a);
		}
		fd = socket(ss.ss_family, SOCK_DGRAM, 0);
		e = sendto(fd, "poke", 4, 0, (struct sockaddr *)&ss, len) < 0 ?
			errno : 0;
		printf("poke udp %s:%d: %s\n", argv[i], port, errname(e));
		close(fd);
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		e = xconnect(fd, &ss, len);
		if (e == EINPROGRESS) {
			socklen_t el = sizeof(e);

			p = (struct pollfd){ .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, 300) == 1)
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
			else
				e = ETIMEDOUT;
		}
		printf("poke tcp %s:%d: %s\n", argv[i], port, errname(e));
		close(fd);
		/* without SO_REUSEADDR: EADDRINUSE if anything holds the port */
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		e = bind(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
		printf("poke bind tcp %s:%d: %s\n", argv[i], port, errname(e));
		close(fd);
	}
	return 0;
}

/* ---- what must still work -------------------------------------------- */

static int case_retry(int argc, char **argv)
{
	struct sockaddr_in closed = sin4(O.host4, O.closed_port);
	struct sockaddr_in open_ = sin4(O.host4, O.tcp_port);
	struct sockaddr_in dst = lo4();
	int fd = socket(AF_INET, SOCK_STREAM, 0), e;
	char what[160];

	e = xconnect(fd, &closed, sizeof(closed));
	printf("retry: connect %s:%d: %s\n", O.host4, O.closed_port, errname(e));
	expect(e == ECONNREFUSED, "the switched connect to a closed port: want ECONNREFUSED");
	e = xconnect(fd, &open_, sizeof(open_));
	printf("retry: the same fd, connect %s:%d: %s\n", O.host4, O.tcp_port,
	       errname(e));
	snprintf(what, sizeof(what), "a retry after a refused switched connect: %s, want ok",
		 errname(e));
	expect(e == 0 && is_connected(fd), what);
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	e = xconnect(fd, &closed, sizeof(closed));
	printf("retry: connect %s:%d: %s\n", O.host4, O.closed_port, errname(e));
	e = xconnect(fd, &dst, sizeof(dst));
	printf("retry: the same fd, connect 127.0.0.1:%d: %s%s\n", O.target_port,
	       errname(e), is_connected(fd) ? "  <-- ESCAPE" : "");
	snprintf(what, sizeof(what),
		 "after a refused switched connect, 127.0.0.1:%d: %s, want ECONNREFUSED "
		 "(the container's own loopback)", O.target_port, errname(e));
	expect(e == ECONNREFUSED, what);
	close(fd);
	return wrong ? 1 : 0;
}

/* Connect to the listener @l at @sa and accept it: the outcome errno. */
static int connect_accept(int l, const void *sa, socklen_t len, bool i386,
			  struct low *low)
{
	int fd = socket(((const struct sockaddr *)sa)->sa_family, SOCK_STREAM, 0);
	int e, c;

	if (i386) {
		long r;

		memcpy(&low->un, sa, len);
		r = sys32(NR32_CONNECT, (uint32_t)fd, p32(&low->un), len, 0, 0, 0);
		e = r < 0 ? (int)-r : 0;
	} else {
		e = xconnect(fd, sa, len);
	}
	if (!e) {
		struct pollfd p = { .fd = l, .events = POLLIN };

		if (poll(&p, 1, 2000) != 1 || (c = accept(l, NULL, NULL)) < 0)
			e = ETIMEDOUT;
		else
			close(c);
	}
	close(fd);
	return e;
}

static int case_inside_ok(int argc, char **argv)
{
	char dir[] = "/tmp/b4ns-attack.XXXXXX";
	struct sockaddr_un path = { .sun_family = AF_UNIX };
	struct sockaddr_un abs = { .sun_family = AF_UNIX };
	struct sockaddr_in in4 = sin4("127.0.0.1", O.target_port);
	struct sockaddr_in6 in6 = sin6("::1", O.target_port);
	socklen_t abslen;
	struct low *low = NULL;
	bool i386 = have_i386();
	int one = 1;
	struct {
		const char *name;
		const void *sa;
		socklen_t len;
		int family;
	} t[4];

	if (!mkdtemp(dir)) {
		perror(PROG ": mkdtemp");
		return 1;
	}
	snprintf(path.sun_path, sizeof(path.sun_path), "%s/sock", dir);
	snprintf(abs.sun_path + 1, sizeof(abs.sun_path) - 1, "b4ns-attack-%d",
		 getpid());
	abslen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			     strlen(abs.sun_path + 1));
	t[0] = (typeof(t[0])){ "AF_UNIX path", &path, sizeof(path), AF_UNIX };
	t[1] = (typeof(t[0])){ "AF_UNIX abstract", &abs, abslen, AF_UNIX };
	t[2] = (typeof(t[0])){ "127.0.0.1 (container loopback)", &in4,
			       sizeof(in4), AF_INET };
	t[3] = (typeof(t[0])){ "::1 (container loopback)", &in6, sizeof(in6),
			       AF_INET6 };
	if (i386)
		low = low_page();
	for (int i = 0; i < 4; i++) {
		int l = socket(t[i].family, SOCK_STREAM, 0), e;
		char what[160];

		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(l, t[i].sa, t[i].len) || listen(l, 8)) {
			printf("inside-ok %s: listen: %s\n", t[i].name,
			       errname(errno));
			wrong++;
			close(l);
			continue;
		}
		for (int abi = 0; abi < (i386 ? 2 : 1); abi++) {
			e = connect_accept(l, t[i].sa, t[i].len, abi == 1, low);
			printf("inside-ok %s: %sconnect: %s\n", t[i].name,
			       abi ? "i386 " : "", errname(e));
			snprintf(what, sizeof(what), "%s%s: %s, want ok",
				 abi ? "i386 " : "", t[i].name, errname(e));
			expect(e == 0, what);
		}
		close(l);
	}
	unlink(path.sun_path);
	rmdir(dir);
	return wrong ? 1 : 0;
}

/* ---- task context of AF_UNIX calls -------------------------------------- */

/* AF_UNIX sockaddr for @path (relative or absolute) and its length */
static socklen_t un_addr(struct sockaddr_un *a, const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof(a->sun_path)) {
		fprintf(stderr, PROG ": AF_UNIX path too long: %s\n", path);
		exit(2);
	}
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, path, n + 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

/* A listening AF_UNIX stream socket bound to @path, or -1 (errno). */
static int un_listen(const char *path)
{
	struct sockaddr_un a;
	socklen_t len = un_addr(&a, path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0), e;

	unlink(path);
	if (bind(l, (struct sockaddr *)&a, len) || listen(l, 8)) {
		e = errno;
		close(l);
		errno = e;
		return -1;
	}
	return l;
}

/*
 * un_check() - connect to @path, accept on @l, compare the SO_PEERCRED the
 * listener sees with this task's ids; prints and records the outcome.
 */
static void un_check(const char *name, int l, const char *path)
{
	struct sockaddr_un a;
	socklen_t len = un_addr(&a, path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), c = -1, e;
	char what[240];

	e = xconnect(fd, &a, len);
	if (!e) {
		struct pollfd p = { .fd = l, .events = POLLIN };

		if (poll(&p, 1, 2000) != 1 || (c = accept(l, NULL, NULL)) < 0)
			e = ETIMEDOUT;
	}
	printf("task-context %s: connect %s: %s\n", name, path, errname(e));
	snprintf(what, sizeof(what), "%s: connect %s: %s, want ok (the "
		 "container's own listener)", name, path, errname(e));
	expect(e == 0, what);
	if (c >= 0) {
		struct ucred cr;
		socklen_t cl = sizeof(cr);

		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl)) {
			printf("task-context %s: SO_PEERCRED: %s\n", name,
			       errname(errno));
			wrong++;
		} else {
			printf("task-context %s: SO_PEERCRED uid %u gid %u pid %d "
			       "(the task: uid %u gid %u pid %d)\n", name,
			       (unsigned int)cr.uid, (unsigned int)cr.gid,
			       (int)cr.pid, (unsigned int)getuid(),
			       (unsigned int)getgid(), (int)getpid());
			snprintf(what, sizeof(what), "%s: SO_PEERCRED uid %u gid %u, "
				 "want the connecting task's uid %u gid %u", name,
				 (unsigned int)cr.uid, (unsigned int)cr.gid,
				 (unsigned int)getuid(), (unsigned int)getgid());
			expect(cr.uid == getuid() && cr.gid == getgid(), what);
		}
		close(c);
	}
	close(fd);
}

/* The steps of task-context, in a directory that is the cwd; @abs is its
 * absolute name as this task sees it. */
static void ctx_steps(const char *tag, const char *abs)
{
	char target[512], name[64];
	int l;

	/* bind and connect by a relative name: the task's cwd, not
	 * b4ns' */
	snprintf(name, sizeof(name), "%s relative", tag);
	l = un_listen("rel.sock");
	snprintf(target, sizeof(target), "%s/rel.sock", abs);
	if (l < 0) {
		printf("WRONG: %s: bind rel.sock: %s, want ok\n", name,
		       errname(errno));
		wrong++;
	} else {
		struct stat st;

		/* where the bind put it: here, not in b4ns' cwd */
		if (lstat(target, &st) || !S_ISSOCK(st.st_mode)) {
			printf("WRONG: %s: bind rel.sock made no socket %s\n",
			       name, target);
			wrong++;
		}
		un_check(name, l, "rel.sock");
		un_check(name, l, "./rel.sock");
		un_check(name, l, target);
		close(l);
	}
	/* a symlink to an absolute path: resolved in the task's root */
	snprintf(name, sizeof(name), "%s symlink", tag);
	snprintf(target, sizeof(target), "%s/abs.sock", abs);
	l = un_listen(target);
	unlink("link.sock");
	if (l < 0 || symlink(target, "link.sock")) {
		printf("task-context %s: listen %s / symlink: %s\n", name, target,
		       errname(errno));
		wrong++;
	} else {
		printf("task-context %s: link.sock -> %s\n", name, target);
		un_check(name, l, "link.sock");
		snprintf(target, sizeof(target), "%s/link.sock", abs);
		un_check(name, l, target);
	}
	if (l >= 0)
		close(l);
	unlink("rel.sock");
	unlink("abs.sock");
	unlink("link.sock");
}

static int case_task_context(int argc, char **argv)
{
	char dir[400], start[400];
	pid_t pid;
	int st;

	if (argc != 1)
		return usage();
	if (!getcwd(start, sizeof(start)))
		snprintf(start, sizeof(start), "?");
	snprintf(dir, sizeof(dir), "%s/ctx.XXXXXX", argv[0]);
	if (!mkdtemp(dir) || chdir(dir)) {
		perror(PROG ": task-context: mkdtemp/chdir");
		return 1;
	}
	printf("task-context: cwd %s (started in %s)\n", dir, start);
	ctx_steps("cwd", dir);

	/* chroot into a subdirectory (root in its user namespace may): "/"
	 * is now the task's own, the symlink's target exists only there */
	if (mkdir("root", 0755)) {
		perror(PROG ": task-context: mkdir root");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		if (chroot("root") || chdir("/")) {
			printf("task-context chroot: %s\n", errname(errno));
			_exit(1);
		}
		if (mkdir("/sub", 0755) || chdir("/sub")) {
			printf("task-context chroot: mkdir/chdir /sub: %s\n",
			       errname(errno));
			_exit(1);
		}
		printf("task-context: chroot %s/root, cwd /sub\n", dir);
		ctx_steps("chroot", "/sub");
		rmdir("/sub");
		_exit(wrong ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		printf("WRONG: the chroot part failed\n");
		wrong++;
	}
	rmdir("root");
	if (chdir("/") == 0)
		rmdir(dir);
	return wrong ? 1 : 0;
}

/* ---- capabilities the task dropped ---------------------------------------- */

static int drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return (int)syscall(SYS_capset, &h, d);
}

/* nl_addr_req() - an RTM_NEWADDR request for @ip/32 on lo */
struct nl_addr_req {
	struct nlmsghdr n;
	struct ifaddrmsg a;
	char buf[64];
};

static void nl_addr_req(struct nl_addr_req *r, const char *ip, unsigned int seq)
{
	struct rtattr *rta;

	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r->n.nlmsg_type = RTM_NEWADDR;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	r->n.nlmsg_seq = seq;
	r->a.ifa_family = AF_INET;
	r->a.ifa_prefixlen = 32;
	r->a.ifa_index = if_nametoindex("lo");
	rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));
	rta->rta_type = IFA_LOCAL;
	rta->rta_len = RTA_LENGTH(4);
	inet_pton(AF_INET, ip, RTA_DATA(rta));
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + rta->rta_len;
}

/* nl_ack() - the error of the kernel's answer, 0 for success */
static int nl_ack(int s)
{
	long buf[1024];
	ssize_t n = recv(s, buf, sizeof(buf), 0);
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

	if (n < (ssize_t)sizeof(*h))
		return -errno;
	if (h->nlmsg_type == NLMSG_ERROR)
		return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
	return 0;
}

/* case_capdrop_netlink() - a process without capabilities asks rtnetlink
 * for an address on lo: EPERM through send(), which is not trapped, and
 * EPERM through sendto() with a netlink address, which is (the supervisor
 * must not make it with its own capabilities: it holds all of them in the
 * container's user namespace, and the kernel checks only the sender's when
 * the message carries an address) */
static int case_capdrop_netlink(int argc, char **argv)
{
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	struct nl_addr_req r;
	int s, e1, e2;

	(void)argc;
	(void)argv;
	if (drop_caps()) {
		printf("capset: %s\n", strerror(errno));
		return 1;
	}
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0) {
		printf("netlink socket: %s\n", strerror(errno));
		return 1;
	}
	nl_addr_req(&r, "10.99.99.1", 1);
	e1 = send(s, &r, r.n.nlmsg_len, 0) < 0 ? -errno : nl_ack(s);
	nl_addr_req(&r, "10.99.99.2", 2);
	e2 = sendto(s, &r, r.n.nlmsg_len, 0, (struct sockaddr *)&k, sizeof(k)) < 0 ?
		     -errno : nl_ack(s);
	printf("send() RTM_NEWADDR without capabilities: %s\n",
	       e1 ? strerror(-e1) : "ok");
	printf("sendto(&sockaddr_nl) RTM_NEWADDR without capabilities: %s\n",
	       e2 ? strerror(-e2) : "ok");
	close(s);
	return e1 == -EPERM && e2 == -EPERM ? 0 : 1;
}

static int case_capdrop(int argc, char **argv)
{
	char dir[400], s0[460], s777[460], ro[460], rosock[480], what[600];
	struct sockaddr_un a;
	socklen_t len;
	int l0, l777, fd, e;

	if (argc != 1)
		return usage();
	snprintf(dir, sizeof(dir), "%s/cap.XXXXXX", argv[0]);
	if (!mkdtemp(dir)) {
		perror(PROG ": capdrop: mkdtemp");
		return 1;
	}
	snprintf(s0, sizeof(s0), "%s/mode0000.sock", dir);
	snprintf(s777, sizeof(s777), "%s/mode0777.sock", dir);
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	snprintf(rosock, sizeof(rosock), "%s/ro/new.sock", dir);
	l0 = un_listen(s0);
	l777 = un_listen(s777);
	if (l0 < 0 || l777 < 0 || chmod(s0, 0) || chmod(s777, 0777) ||
	    mkdir(ro, 0500)) {
		printf("capdrop: setup: %s\n", errname(errno));
		return 1;
	}

	/* control: with every capability (CAP_DAC_OVERRIDE) mode 0000 is
	 * no obstacle, natively and through b4ns */
	len = un_addr(&a, s0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	e = xconnect(fd, &a, len);
	close(fd);
	printf("capdrop: with capabilities, connect %s: %s\n", s0, errname(e));
	expect(e == 0, "with capabilities, connect to the mode-0000 socket: want ok");

	if (drop_caps()) {
		printf("capdrop: capset: %s\n", errname(errno));
		return 1;
	}
	printf("capdrop: capabilities dropped (capset 0)\n");

	len = un_addr(&a, s0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	e = xconnect(fd, &a, len);
	close(fd);
	printf("capdrop: connect %s (mode 0000): %s\n", s0, errname(e));
	snprintf(what, sizeof(what), "without capabilities, connect to a mode-0000 "
		 "socket: %s, want EACCES (as natively)", errname(e));
	expect(e == EACCES, what);

	len = un_addr(&a, rosock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	e = bind(fd, (struct sockaddr *)&a, len) < 0 ? errno : 0;
	close(fd);
	printf("capdrop: bind %s (directory mode 0500): %s\n", rosock, errname(e));
	snprintf(what, sizeof(what), "without capabilities, bind in a mode-0500 "
		 "directory: %s, want EACCES (as natively)", errname(e));
	expect(e == EACCES, what);

	/* a privileged port: the supervisor owns the user namespace and may
	 * bind it, the task without CAP_NET_BIND_SERVICE may not */
	{
		struct sockaddr_in in = { .sin_family = AF_INET,
					  .sin_port = htons(80) };

		fd = socket(AF_INET, SOCK_STREAM, 0);
		e = bind(fd, (struct sockaddr *)&in, sizeof(in)) < 0 ? errno : 0;
		close(fd);
		printf("capdrop: bind 0.0.0.0:80: %s\n", errname(e));
		snprintf(what, sizeof(what), "without capabilities, bind "
			 "0.0.0.0:80: %s, want EACCES (as natively)", errname(e));
		expect(e == EACCES, what);
	}

	/* control: what the permissions allow still works */
	len = un_addr(&a, s777);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	e = xconnect(fd, &a, len);
	close(fd);
	printf("capdrop: connect %s (mode 0777): %s\n", s777, errname(e));
	expect(e == 0, "without capabilities, connect to a mode-0777 socket: want ok");

	close(l0);
	close(l777);
	unlink(s0);
	unlink(s777);
	unlink(rosock);
	rmdir(ro);
	rmdir(dir);
	return wrong ? 1 : 0;
}

/* ---- slirp4netns' DNS forwarder ------------------------------------------- */

static int case_dns_forwarder(int argc, char **argv)
{
	static const unsigned char q[] = {
		0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1,
	};
	unsigned char tq[sizeof(q) + 2], buf[512];
	int sent = 0;

	if (argc < 1)
		return usage();
	tq[0] = 0;
	tq[1] = sizeof(q);
	memcpy(tq + 2, q, sizeof(q));
	for (int i = 0; i < argc; i++) {
		struct sockaddr_in sa = sin4(argv[i], 53);
		struct timeval tv = { 3, 0 };
		struct pollfd p;
		ssize_t n;
		int fd, e;

		fd = socket(AF_INET, SOCK_DGRAM, 0);
		e = sendto(fd, q, sizeof(q), 0, (struct sockaddr *)&sa,
			   sizeof(sa)) < 0 ? errno : 0;
		sent += !e;
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		n = !e && poll(&p, 1, 1000) == 1 ? recv(fd, buf, sizeof(buf), 0) : -1;
		printf("dns-forwarder udp %s:53: sendto %s, %s\n", argv[i],
		       errname(e), n >= 0 ? "answered" : "no answer");
		close(fd);

		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		e = xconnect(fd, &sa, sizeof(sa));
		if (!e) {
			e = write(fd, tq, sizeof(tq)) < 0 ? errno : 0;
			usleep(200000);
		}
		printf("dns-forwarder tcp %s:53: connect/write %s\n", argv[i],
		       errname(e));
		close(fd);
	}
	if (!sent)
		printf("WRONG: no datagram could be sent (no network?)\n");
	return sent ? 0 : 1;
}

/* ---- 6. published-port self-connect ----------------------------------- */

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/*
 * host_socket() - 1 if @fd lives in another network namespace than a fresh
 * socket of this process (a host socket b4ns injected), 0 if in the same,
 * -1 if the kernel cannot tell (no SO_NETNS_COOKIE before 5.14)
 */
static int host_socket(int fd)
{
	uint64_t a = 0, b = 0;
	socklen_t la = sizeof(a), lb = sizeof(b);
	int f = socket(AF_INET, SOCK_DGRAM, 0), r = -1;

	if (f >= 0 && !getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &a, &la) &&
	    !getsockopt(f, SOL_SOCKET, SO_NETNS_COOKIE, &b, &lb))
		r = a != b;
	if (f >= 0)
		close(f);
	return r;
}

/*
 * pub_listen() - a TCP listener on the wildcard address of @family, port
 * @port (IPV6_V6ONLY = @v6only for AF_INET6); it must be a host socket (the
 * port is published).  -1 on failure.
 */
static int pub_listen(const char *name, int family, int port, int v6only)
{
	struct sockaddr_in a4 = sin4("0.0.0.0", port);
	struct sockaddr_in6 a6 = sin6("::", port);
	const void *sa = family == AF_INET ? (void *)&a4 : (void *)&a6;
	socklen_t len = family == AF_INET ? sizeof(a4) : sizeof(a6);
	int l = socket(family, SOCK_STREAM, 0), one = 1, e, h;
	char what[160];

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	e = bind(l, sa, len) || listen(l, 8) ? errno : 0;
	h = e ? -1 : host_socket(l);
	printf("%s: listen %s:%d%s: %s, %s\n", name,
	       family == AF_INET ? "0.0.0.0" : "[::]", port,
	       family == AF_INET6 && v6only ? " (IPV6_V6ONLY)" : "", errname(e),
	       h < 0 ? "socket namespace unknown" :
	       h ? "a host socket (published)" : "a container socket");
	snprintf(what, sizeof(what), "%s: listen on port %d: %s, want ok", name,
		 port, errname(e));
	expect(e == 0, what);
	snprintf(what, sizeof(what),
		 "%s: the listener on port %d is not a host socket (not published?)",
		 name, port);
	expect(e || h != 0, what);
	if (e) {
		close(l);
		return -1;
	}
	return l;
}

/* self_ok() - connect to @sa, which must reach the listener @l */
static void self_ok(const char *name, int l, const void *sa, socklen_t len,
		    const char *dst)
{
	char what[160];
	int e = connect_accept(l, sa, len, false, NULL);

	printf("%s: connect %s: %s (own listener)\n", name, dst, errname(e));
	snprintf(what, sizeof(what), "%s: connect %s: %s, want ok (own published listener)",
		 name, dst, errname(e));
	expect(e == 0, what);
}

/*
 * must_refuse() - connect to @sa: it must stay in the container, whose
 * loopback has no listener there (ECONNREFUSED); connected is an escape
 */
static void must_refuse(const char *name, const void *sa, socklen_t len,
			const char *dst)
{
	int fd = socket(((const struct sockaddr *)sa)->sa_family, SOCK_STREAM, 0);
	int e = xconnect(fd, sa, len);
	bool esc = is_connected(fd);
	char what[200];

	printf("%s: connect %s: %s%s\n", name, dst, errname(e),
	       esc ? "  <-- ESCAPE" : "");
	snprintf(what, sizeof(what),
		 "%s: connect %s: %s, want ECONNREFUSED (the container's own loopback)",
		 name, dst, errname(e));
	expect(e == ECONNREFUSED && !esc, what);
	close(fd);
}

static bool port_arg(const char *s, int *port)
{
	long v;

	if (!parse_num(s, 1, 65535, &v))
		return false;
	*port = (int)v;
	return true;
}

static int case_pub_self(int argc, char **argv)
{
	struct sockaddr_in me;
	char dst[32];
	int port, l;

	if (argc != 1 || !port_arg(argv[0], &port))
		return usage();
	me = sin4("127.0.0.1", port);
	snprintf(dst, sizeof(dst), "127.0.0.1:%d", port);
	l = pub_listen("pub-self", AF_INET, port, 0);
	if (l >= 0) {
		self_ok("pub-self", l, &me, sizeof(me), dst);
		close(l);
	}
	return wrong ? 1 : 0;
}

static int case_pub_range(int argc, char **argv)
{
	struct sockaddr_in me, other;
	char dst[32], dst2[32];
	int port, oport, l;

	if (argc != 2 || !port_arg(argv[0], &port) || !port_arg(argv[1], &oport))
		return usage();
	me = sin4("127.0.0.1", port);
	other = sin4("127.0.0.1", oport);
	snprintf(dst, sizeof(dst), "127.0.0.1:%d", port);
	snprintf(dst2, sizeof(dst2), "127.0.0.1:%d", oport);
	l = pub_listen("pub-range", AF_INET, port, 0);
	if (l < 0)
		return 1;
	self_ok("pub-range", l, &me, sizeof(me), dst);
	must_refuse("pub-range (published, nothing listens)", &other,
		    sizeof(other), dst2);
	close(l);
	return wrong ? 1 : 0;
}

static int case_pub_v6only(int argc, char **argv)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
	char dst[32], dst6[32];
	int port, l;

	if (argc != 1 || !port_arg(argv[0], &port))
		return usage();
	v4 = sin4("127.0.0.1", port);
	v6 = sin6("::1", port);
	snprintf(dst, sizeof(dst), "127.0.0.1:%d", port);
	snprintf(dst6, sizeof(dst6), "[::1]:%d", port);
	l = pub_listen("pub-v6only", AF_INET6, port, 1);
	if (l < 0)
		return 1;
	must_refuse("pub-v6only (IPv4 to a V6ONLY listener)", &v4, sizeof(v4), dst);
	self_ok("pub-v6only", l, &v6, sizeof(v6), dst6);
	close(l);
	return wrong ? 1 : 0;
}

static int case_pub_closed(int argc, char **argv)
{
	struct sockaddr_in me;
	char dst[32];
	double t0;
	int port, l;

	if (argc != 2 || !port_arg(argv[0], &port))
		return usage();
	me = sin4("127.0.0.1", port);
	snprintf(dst, sizeof(dst), "127.0.0.1:%d", port);
	l = pub_listen("pub-closed", AF_INET, port, 0);
	if (l < 0)
		return 1;
	self_ok("pub-closed", l, &me, sizeof(me), dst);
	close(l);
	printf("pub-closed: closed\n");
	fflush(stdout);
	t0 = now_s();
	while (access(argv[1], F_OK) != 0 && now_s() - t0 < 20)
		usleep(50000);
	if (access(argv[1], F_OK) != 0) {
		printf("pub-closed: no %s after 20 s\n", argv[1]);
		wrong++;
	}
	must_refuse("pub-closed (listener closed, the host took the port)", &me,
		    sizeof(me), dst);
	return wrong ? 1 : 0;
}

/* ---- main ------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cases[] = {
	{ "flip-connect", case_flip_connect },
	{ "flip-sendto-tfo", case_flip_sendto_tfo },
	{ "flip-sendto-udp", case_flip_sendto_udp },
	{ "swap-connect", case_swap_connect },
	{ "swap-sendto-tfo", case_swap_sendto_tfo },
	{ "direct", case_direct },
	{ "i386", case_i386 },
	{ "i386-switch", case_i386_switch },
	{ "x32", case_x32 },
	{ "io-uring-denied", case_io_uring_denied },
	{ "io-uring", case_io_uring },
	{ "io-uring-connect", case_io_uring_connect },
	{ "pktinfo", case_pktinfo },
	{ "squat", case_squat },
	{ "poke", case_poke },
	{ "retry", case_retry },
	{ "inside-ok", case_inside_ok },
	{ "pub-self", case_pub_self },
	{ "pub-range", case_pub_range },
	{ "pub-v6only", case_pub_v6only },
	{ "pub-closed", case_pub_closed },
	{ "task-context", case_task_context },
	{ "capdrop", case_capdrop },
	{ "capdrop-netlink", case_capdrop_netlink },
	{ "dns-forwarder", case_dns_forwarder },
};

int main(int argc, char **argv)
{
	enum { HOST = 256, HOST6, TCPP, CLOSEDP, UDPP, TARGETP, REAIM };
	static const struct option lopts[] = {
		{ "host", required_argument, NULL, HOST },
		{ "host6", required_argument, NULL, HOST6 },
		{ "tcp-port", required_argument, NULL, TCPP },
		{ "closed-port", required_argument, NULL, CLOSEDP },
		{ "udp-port", required_argument, NULL, UDPP },
		{ "target-port", required_argument, NULL, TARGETP },
		{ "reaim", required_argument, NULL, REAIM },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "+n:t:h", lopts, NULL)) != -1) {
		switch (c) {
		case HOST: O.host4 = optarg; break;
		case HOST6: O.host6 = optarg; break;
		case TCPP: case CLOSEDP: case UDPP: case TARGETP:
			if (!parse_num(optarg, 1, 65535, &v))
				return usage();
			if (c == TCPP) O.tcp_port = (int)v;
			else if (c == CLOSEDP) O.closed_port = (int)v;
			else if (c == UDPP) O.udp_port = (int)v;
			else O.target_port = (int)v;
			break;
		case REAIM:
			if (strcmp(optarg, "disconnect") && strcmp(optarg, "refused"))
				return usage();
			O.reaim_refused = !strcmp(optarg, "refused");
			break;
		case 'n':
			if (!parse_num(optarg, 1, 100000000, &O.n))
				return usage();
			break;
		case 't':
			if (!parse_num(optarg, 1, 3600, &O.secs))
				return usage();
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(argv[optind], cases[i].name))
			return cases[i].fn(argc - optind - 1, argv + optind + 1);
	fprintf(stderr, PROG ": unknown case '%s'\n", argv[optind]);
	return usage();
}
