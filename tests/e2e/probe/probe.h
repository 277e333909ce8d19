/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe.h - what the b4ns-probe subcommand files share: the command table
 * entry, the usage printer, errno names, numeric address parsing and
 * formatting, poll with a deadline and the echo/recv checks of a connected
 * TCP socket.
 */
#ifndef B4NS_PROBE_H
#define B4NS_PROBE_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PROG "b4ns-probe"

/* Subcommands, one family per file (main.c has the table). */
int cmd_connect(int argc, char **argv);		/* connect.c */
int cmd_sockopts(int argc, char **argv);	/* sockopts.c */
int cmd_cloexec(int argc, char **argv);
int cmd_check_fds(int argc, char **argv);
int cmd_udp(int argc, char **argv);		/* udp.c */
int cmd_udp_sendto(int argc, char **argv);
int cmd_udp_sendmsg(int argc, char **argv);
int cmd_race(int argc, char **argv);		/* stress.c */
int cmd_threads(int argc, char **argv);
int cmd_storm(int argc, char **argv);
int cmd_badaddr(int argc, char **argv);
int cmd_bind_listen(int argc, char **argv);	/* bind.c */
int cmd_count_server(int argc, char **argv);	/* servers.c */
int cmd_udp_echo(int argc, char **argv);
int cmd_tcp_echo(int argc, char **argv);
int cmd_serve_peer(int argc, char **argv);
int cmd_reuseport_worker(int argc, char **argv);
int cmd_wait_listen(int argc, char **argv);

/**
 * usage() - print the whole usage text to stderr (main.c)
 *
 * Return: 2, the exit status of a usage error
 */
int usage(void);

/**
 * errname() - the symbolic name of an errno value ("ok" for 0, "E#N" if
 * unknown)
 * @e:		errno value
 *
 * Return: a static (thread-local for unknown values) string
 */
const char *errname(int e);

/**
 * parse_errname() - an errno value from its name
 * @s:		"ok", "EINPROGRESS", "EWOULDBLOCK", ... (any case) or a number
 *
 * Return: the errno value (0 for "ok"), -1 if @s names none
 */
int parse_errname(const char *s);

/**
 * now_ms() - CLOCK_MONOTONIC in milliseconds
 *
 * Return: milliseconds
 */
long long now_ms(void);

/**
 * sleep_ms() - sleep @ms milliseconds, resuming after signals
 * @ms:		milliseconds
 */
void sleep_ms(long ms);

/**
 * fail() - print "b4ns-probe: FAIL: MESSAGE" on stdout (flushed)
 * @fmt:	printf format
 */
__attribute__((format(printf, 1, 2))) void fail(const char *fmt, ...);

/**
 * parse_long() - a number in [@min, @max]; complains on stderr if not
 * @s:		the text (strtol base 0)
 * @min:	smallest value accepted
 * @max:	largest value accepted
 * @out:	the value
 *
 * Return: true if @s is such a number
 */
bool parse_long(const char *s, long min, long max, long *out);

/**
 * parse_addr() - numeric HOST and PORT into a sockaddr
 * @host:	IPv4 or IPv6 address ("[addr]" brackets are accepted)
 * @port:	port number
 * @force6:	IPv6 even without ':' in @host
 * @ss:		the address
 * @len:	its length
 *
 * Return: true on success, false (after a message on stderr) otherwise
 */
bool parse_addr(const char *host, const char *port, bool force6,
		struct sockaddr_storage *ss, socklen_t *len);

/**
 * fmt_addr() - "ADDR:PORT" or "[ADDR]:PORT" of @sa into @buf
 * @sa:		the address
 * @buf:	output buffer
 * @n:		its size
 *
 * Return: @buf
 */
const char *fmt_addr(const struct sockaddr *sa, char *buf, size_t n);

/**
 * same_addr() - whether two IPv4/IPv6 addresses and ports are equal
 * @a:		one address
 * @b:		the other
 *
 * Return: true if equal
 */
bool same_addr(const struct sockaddr_storage *a,
	       const struct sockaddr_storage *b);

/**
 * addr_port() - the port of an IPv4/IPv6 address
 * @ss:		the address
 *
 * Return: the port, -1 for another family
 */
int addr_port(const struct sockaddr_storage *ss);

/**
 * wait_fd() - poll @fd for @events for up to @ms milliseconds
 * @fd:		descriptor
 * @events:	poll events
 * @ms:		deadline
 * @revents:	the events seen (if not NULL and ready)
 *
 * Return: 1 ready, 0 timeout, -1 error
 */
int wait_fd(int fd, short events, int ms, short *revents);

/**
 * echo_check() - send "ping\n" on @fd and want it back within 5 s
 * @fd:		connected TCP socket
 *
 * Return: true if echoed
 */
bool echo_check(int fd);

/**
 * recv_lines() - read @fd until EOF (within 5 s), print each line as
 * "recv: LINE"
 * @fd:		connected TCP socket
 *
 * Return: true on EOF in time
 */
bool recv_lines(int fd);

/* Option handler for parse_hostport_args(): returns the number of
 * arguments it consumed, 0 if @a is unknown, -1 on a bad value. */
typedef int (*opt_fn)(void *st, const char *a, const char *v);

/**
 * parse_hostport_args() - positional HOST PORT plus -6; other "--" options
 * go to @opt
 * @argc:	argument count
 * @argv:	arguments (after the subcommand)
 * @opt:	option handler, or NULL
 * @st:		passed to @opt
 * @ss:		the address
 * @len:	its length
 *
 * Return: true if the arguments were valid
 */
bool parse_hostport_args(int argc, char **argv, opt_fn opt, void *st,
			 struct sockaddr_storage *ss, socklen_t *len);

#endif /* B4NS_PROBE_H */
