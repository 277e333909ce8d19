// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - b4ns-probe: socket probes for the b4ns end-to-end tests
 *
 * One small program (plain libc + pthread, links statically if asked) with
 * one subcommand per behaviour the end-to-end suite wants to observe from
 * inside a container: blocking and non-blocking connect() with an expected
 * outcome, socket options and file flags surviving the switch to a host
 * socket, close-on-exec, connected UDP, a connect() racing a thread that
 * rewrites the sockaddr, many threads connecting at once while the
 * supervisor's descriptor table is watched, malformed connect() arguments,
 * unconnected UDP through sendto()/sendmsg()/sendmmsg(), bind() outcomes,
 * plus the servers the suites need (a counting TCP or UDP listener, UDP and
 * TCP echo, a server reporting its name and its clients' addresses,
 * SO_REUSEPORT workers) and a wait-for-port helper.
 *
 * Every subcommand prints what it did and exits 0 on success, 1 on failure
 * (with a diagnostic saying what was expected and what happened) and 2 on
 * usage errors.  Only numeric addresses are accepted: nothing here resolves
 * names.  Run "b4ns-probe help" for the list.
 *
 * This file holds the table of subcommands (name, function, usage text)
 * and dispatches to them; one file per family: connect.c, sockopts.c
 * (sockopts, cloexec, check-fds), udp.c (udp, udp-sendto, udp-sendmsg),
 * stress.c (race, threads, badaddr), bind.c (bind-listen), servers.c
 * (count-server, udp-echo, tcp-echo, serve-peer, reuseport-worker,
 * wait-listen); util.c has the shared helpers.
 */

#include "probe.h"

static const struct probe_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool server;		/* listed under "Servers and helpers" */
	const char *usage;
} cmds[] = {
	{ "connect", cmd_connect, false,
	  "  connect [-6] HOST PORT [--nonblock|--fionbio] [--sndtimeo MS]\n"
	  "          [--expect ok|ERRNO|any] [--echo] [--check-peer] [--reconnect]\n"
	  "          [--again ERRNO] [--no-wait] [--wait MS] [--min-ms MS]\n"
	  "          [--max-ms MS] [--recv] [--bind LPORT]\n"
	  "      TCP connect().  Blocking by default; with --nonblock\n"
	  "      (SOCK_NONBLOCK) or --fionbio (ioctl FIONBIO) connect() must\n"
	  "      return EINPROGRESS without blocking, then the outcome is SO_ERROR\n"
	  "      after poll(POLLOUT) for --wait MS (default 10000; ETIMEDOUT if\n"
	  "      none) (--no-wait: the outcome is connect()'s own).\n"
	  "      --sndtimeo sets SO_SNDTIMEO first.  --expect names the outcome\n"
	  "      (default ok; any: only report it).  --echo sends \"ping\\n\" and\n"
	  "      wants it back (only if the connect succeeded).\n"
	  "      --check-peer wants getpeername() == HOST:PORT.  --recv reads\n"
	  "      until EOF (5 s) and prints every line as \"recv: LINE\".\n"
	  "      --bind binds the wildcard address and LPORT (SO_REUSEADDR)\n"
	  "      before connecting.\n"
	  "      --again wants a\n"
	  "      second connect() on the socket to end with ERRNO (--reconnect:\n"
	  "      --again EISCONN).  --min-ms/--max-ms bound the elapsed time.\n" },
	{ "sockopts", cmd_sockopts, false,
	  "  sockopts [-6] HOST PORT [--basic]\n"
	  "      Set TCP_NODELAY, SO_KEEPALIVE, TCP_KEEPIDLE=77, SO_RCVBUF=65536,\n"
	  "      IP_TOS/IPV6_TCLASS=0x10 (and without --basic: SO_SNDBUF,\n"
	  "      TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT, SO_LINGER,\n"
	  "      SO_PRIORITY, IP_TTL/IPV6_UNICAST_HOPS), FIONBIO; connect\n"
	  "      (EINPROGRESS, SO_ERROR 0); check every value and O_NONBLOCK.\n" },
	{ "cloexec", cmd_cloexec, false,
	  "  cloexec [-6] HOST PORT [--echo]\n"
	  "      Connect a SOCK_CLOEXEC socket and a plain one, exec self as\n"
	  "      check-fds: the first must be closed, the second connected.\n" },
	{ "check-fds", cmd_check_fds, false,
	  "  check-fds FD_CLOSED FD_OPEN PORT [--echo]   (used by cloexec)\n" },
	{ "udp", cmd_udp, false,
	  "  udp [-6] HOST PORT\n"
	  "      Connected UDP: send \"ping-PID\", want it echoed within 3 s.\n" },
	{ "race", cmd_race, false,
	  "  race HOST PORT LOOPPORT N\n"
	  "      A thread flips a shared sockaddr_in between HOST:PORT and\n"
	  "      127.0.0.1:LOOPPORT while N blocking connects use it; prints the\n"
	  "      outcomes (\"race-ok=N\": connects that succeeded).\n" },
	{ "threads", cmd_threads, false,
	  "  threads [-6] HOST PORT T N [--no-fdcheck]\n"
	  "      T threads x N blocking connect+close, all must succeed; the\n"
	  "      descriptor count of /proc/PPID/fd (the supervisor) must be the\n"
	  "      same before (0.5 s after a warm-up connect) and after (within\n"
	  "      3 s).\n" },
	{ "storm", cmd_storm, false,
	  "  storm HOST PORT MS T\n"
	  "      T threads connect (blocking) and close for MS milliseconds;\n"
	  "      prints the count of each outcome, the longest time between\n"
	  "      two successes, the longest call, and the wall-clock ms of the\n"
	  "      first and last failure.\n" },
	{ "badaddr", cmd_badaddr, false,
	  "  badaddr HOST PORT\n"
	  "      Raw connect() with bad lengths and pointers must fail with\n"
	  "      EINVAL/EFAULT/EAFNOSUPPORT; then a normal connect must work.\n" },
	{ "bind-listen", cmd_bind_listen, false,
	  "  bind-listen [-6] ADDR PORT [--udp] [--reuseport] [--expect ERRNO]\n"
	  "      bind() (and listen() for TCP) with SO_REUSEADDR; the outcome must\n"
	  "      be ERRNO (default ok).\n" },
	{ "udp-sendto", cmd_udp_sendto, false,
	  "  udp-sendto [-6] HOST PORT [--bind LPORT] [--no-reply]\n"
	  "             [--expect ERRNO]\n"
	  "             [--then HOST2 PORT2 ERRNO|any [--via sendmsg|sendmmsg]]\n"
	  "      Unconnected UDP (--bind: bound to the wildcard address and\n"
	  "      LPORT first): sendto(HOST:PORT) \"ping-PID\", want it echoed\n"
	  "      within 3 s from HOST:PORT (--no-reply: only send; --expect:\n"
	  "      the sendto() must fail with ERRNO, no echo awaited).  --then: a\n"
	  "      second sendto() (--via: sendmsg()/sendmmsg() with msg_name) on\n"
	  "      the same socket to HOST2:PORT2 must end with ERRNO (ok: it must\n"
	  "      be sent; any: only report).\n" },
	{ "udp-sendmsg", cmd_udp_sendmsg, false,
	  "  udp-sendmsg [-6] HOST PORT [--expect ERRNO] [--no-reply]\n"
	  "      Unconnected UDP: sendmsg() with msg_name HOST:PORT; the outcome\n"
	  "      must be ERRNO (default ok: then the echo must come back).\n" },
	{ "count-server", cmd_count_server, true,
	  "  count-server ADDR PORT OUTFILE [--udp]\n"
	  "      Accept and close TCP connections (--udp: receive datagrams),\n"
	  "      counting them.  Prints \"listening\" when ready.  SIGUSR1\n"
	  "      drains the accept queue, writes\n"
	  "      the count to OUTFILE and prints \"snapshot N\"; SIGTERM/SIGINT\n"
	  "      drain the queue, write the count and exit.\n" },
	{ "udp-echo", cmd_udp_echo, true,
	  "  udp-echo ADDR PORT\n"
	  "      Echo every UDP datagram back to its sender (the first 20\n"
	  "      senders are printed).\n" },
	{ "tcp-echo", cmd_tcp_echo, true,
	  "  tcp-echo ADDR PORT\n"
	  "      Echo TCP connections, one at a time, until EOF; forever.\n" },
	{ "serve-peer", cmd_serve_peer, true,
	  "  serve-peer ADDR PORT [--count N] [--check-name NAME]\n"
	  "             [--timeout MS] [--block] [--accept4]\n"
	  "      Listen (SO_REUSEADDR; IPV6_V6ONLY off), print getsockname()\n"
	  "      as \"serve-peer: listening on NAME\"; --check-name wants it to\n"
	  "      be NAME (\"0.0.0.0:80\", \"[::]:80\"), also through a short\n"
	  "      buffer (truncated, length = full size).  Then accept N (default\n"
	  "      1) connections within MS (default 20000) and write\n"
	  "      \"peer ADDR:PORT\\n\" (the accept()ed address, which must equal\n"
	  "      getpeername()) to each client; print each accepted socket's\n"
	  "      getsockname() as \"serve-peer: name of I: ADDR:PORT\".  --block:\n"
	  "      a blocking accept()\n"
	  "      (SO_RCVTIMEO = what is left of MS) instead of poll() first;\n"
	  "      --accept4: accept4(SOCK_NONBLOCK|SOCK_CLOEXEC).  Either way\n"
	  "      the new fd's O_NONBLOCK and FD_CLOEXEC must be as asked.\n" },
	{ "reuseport-worker", cmd_reuseport_worker, true,
	  "  reuseport-worker PORT SECONDS OUTFILE\n"
	  "      Bind 0.0.0.0:PORT with SO_REUSEPORT, listen, print \"listening\",\n"
	  "      accept and close connections for SECONDS, then write the count\n"
	  "      to OUTFILE and print \"reuseport-worker PID: N connections\".\n" },
	{ "wait-listen", cmd_wait_listen, true,
	  "  wait-listen [-6] HOST PORT [TIMEOUT_MS]\n"
	  "      Connect until something accepts (default 5000 ms).\n" },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void print_usage(FILE *f)
{
	size_t i;

	fputs("usage: " PROG " COMMAND [ARGS]\n"
	      "\n"
	      "Client probes (exit 0 on success, 1 on failure, 2 on usage errors):\n",
	      f);
	for (i = 0; i < N_CMDS; i++)
		if (!cmds[i].server)
			fputs(cmds[i].usage, f);
	fputs("\nServers and helpers:\n", f);
	for (i = 0; i < N_CMDS; i++)
		if (cmds[i].server)
			fputs(cmds[i].usage, f);
}

int usage(void)
{
	print_usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return 0;
	}
	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, PROG ": unknown command '%s'\n", argv[1]);
	return usage();
}
