// SPDX-License-Identifier: GPL-2.0-or-later
/* test_trace.c - "b4ns trace"'s user-space side without the BPF program:
 * events as trace.bpf.c sends them, fed to trace_log_event(), give the
 * socket records and verdicts of the report (report.c). The i386 events
 * are tested here because int $0x80 cannot run on every machine (see the
 * README: the e2e test skips there); io_uring ones for their fd and
 * destination mapping. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "trace/trace.h"

/* a pid that no process has (pid_max is at most 4194304): the tracer reads
 * no namespace of it */
#define TGID 4194305
#define NS_CTR 4026530001u	/* the container's network namespace */
#define NS_HOST 4026530002u	/* a host socket's */

static struct trace_log log_;

static void setup(void)
{
	struct cfg cfg;
	struct b4_error err = { "" };

	memset(&log_, 0, sizeof(log_));
	cfg_init(&cfg);
	cr_assert_eq(cfg_policy(&cfg.global, &log_.pol, &err), 0, "%s", err.msg);
	cfg_free(&cfg);
	log_.mode = CFG_MODE_SECCOMP;
}

static void teardown(void)
{
	trace_log_free(&log_);
}

/* ev() - an event of kind @kind on fd @fd (socket @sk in @sk_netns) */
static struct b4tr_event ev(int kind, int fd, __u64 sk, __u32 sk_netns)
{
	struct b4tr_event e;

	memset(&e, 0, sizeof(e));
	e.kind = (__u16)kind;
	e.tgid = e.tid = TGID;
	e.netns = NS_CTR;
	e.fd = fd;
	e.sk = sk;
	e.sk_netns = sk_netns;
	e.cookie = sk; /* known: no SO_COOKIE lookup */
	e.family = AF_INET;
	e.type = SOCK_STREAM;
	e.proto = IPPROTO_TCP;
	memcpy(e.comm, "prog", 5);
	return e;
}

static void set_dst(struct b4tr_event *e, const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };

	cr_assert_eq(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	memcpy(e->addr, &sin, sizeof(sin));
	e->addrlen = sizeof(sin);
}

/* sock_at() - socket() of fd @fd (socket @sk, still the container's) */
static void sock_at(int fd, __u64 sk)
{
	struct b4tr_event e = ev(TRACE_SOCKET, -1, sk, NS_CTR);

	e.ret = fd;
	trace_log_event(&log_, &e);
}

/* connect_to() - a connect of fd @fd to @ip:@port; @i386 as the raw
 * sys_exit program marks one; @host: the fd then holds a host socket */
static void connect_to(int fd, __u64 sk, const char *ip, int port, bool i386,
		       bool host)
{
	struct b4tr_event e = ev(TRACE_CONNECT, fd, host ? sk + 1 : sk,
				 host ? NS_HOST : NS_CTR);

	e.arg2 = i386 ? 1 : 0;
	set_dst(&e, ip, port);
	trace_log_event(&log_, &e);
}

static const struct trace_sock *only_sock(void)
{
	cr_assert_eq(log_.n_socks, 1);
	return &log_.socks[0];
}

/* json_sock() - field @key of socket 0 in report_json()'s output */
static struct json_object *json_sock(struct json_object **root,
				     const char *key)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_object *socks, *v;

	cr_assert_not_null(f);
	cr_assert_eq(report_json(&log_, f), 0);
	fclose(f);
	*root = json_tokener_parse(buf);
	free(buf);
	cr_assert_not_null(*root);
	cr_assert(json_object_object_get_ex(*root, "sockets", &socks));
	cr_assert(json_object_object_get_ex(json_object_array_get_idx(socks, 0),
					    key, &v), "no %s", key);
	return v;
}

TestSuite(trace, .init = setup, .fini = teardown);

Test(trace, i386_connect_switched_and_marked)
{
	const struct trace_sock *s;
	struct json_object *root;

	sock_at(3, 0x1000);
	connect_to(3, 0x1000, "192.0.2.1", 80, true, true);
	s = only_sock();
	cr_assert_str_eq(s->calls, "socket connect(i386)");
	cr_assert(s->i386);
	cr_assert(s->host);
	cr_assert_str_eq(s->verdict, "switched at connect");
	cr_assert_str_eq(s->reason, "routable destination; i386 system call");
	cr_assert(json_object_get_boolean(json_sock(&root, "i386")));
	json_object_put(root);
}

Test(trace, native_connect_not_marked)
{
	const struct trace_sock *s;
	struct json_object *root;

	sock_at(3, 0x1000);
	connect_to(3, 0x1000, "192.0.2.1", 80, false, true);
	s = only_sock();
	cr_assert_str_eq(s->calls, "socket connect");
	cr_assert_not(s->i386);
	cr_assert_str_eq(s->reason, "routable destination");
	cr_assert_not(json_object_get_boolean(json_sock(&root, "i386")));
	json_object_put(root);
}

Test(trace, i386_connect_to_loopback_is_the_policy_s)
{
	const struct trace_sock *s;

	/* a socket the trace did not see made (i386 socketcall SOCKET is
	 * not traced): "(opened before)", judged all the same */
	connect_to(4, 0x2000, "127.0.0.1", 9, true, false);
	s = only_sock();
	cr_assert_str_eq(s->calls, "(opened before) connect(i386)");
	cr_assert_str_eq(s->verdict, "not switched");
	cr_assert_str_eq(s->reason, "loopback; i386 system call");
}

Test(trace, io_uring_connect_on_its_socket)
{
	struct b4tr_event e = ev(TRACE_URING_OP, 5, 0x3000, NS_CTR);
	const struct trace_sock *s;
	struct json_object *root;

	sock_at(5, 0x3000);
	e.arg1 = 16; /* IORING_OP_CONNECT */
	set_dst(&e, "192.0.2.1", 443);
	trace_log_event(&log_, &e);
	s = only_sock();
	cr_assert_eq(s->fd, 5);
	cr_assert_str_eq(s->calls, "socket io_uring connect");
	cr_assert_str_eq(s->verdict, "not switched");
	cr_assert_str_eq(s->reason, "io_uring connect: seccomp never sees it");
	cr_assert_str_eq(json_object_get_string(json_sock(&root, "destination")),
			 "192.0.2.1:443");
	json_object_put(root);
	cr_assert_eq(trace_proc_get(&log_, TGID)->uring_connects, 1);
}

Test(trace, io_uring_connect_of_a_fixed_file)
{
	struct b4tr_event e = ev(TRACE_URING_OP, -1, 0, NS_CTR);
	const struct trace_sock *s;

	e.arg1 = 16;
	e.arg2 = 3; /* fixed file 2 */
	set_dst(&e, "192.0.2.1", 443);
	trace_log_event(&log_, &e);
	s = only_sock();
	cr_assert_eq(s->fd, -1);
	cr_assert_eq(s->family, AF_UNSPEC);
	cr_assert_str_eq(s->calls, "io_uring connect(fixed file 2)");
	cr_assert_str_eq(s->verdict, "not switched");
	cr_assert_str_eq(s->reason, "io_uring connect: seccomp never sees it");
}

/* conn_closed() - one switched connection on fd 3 to 192.0.2.1:@port
 * (socket @sk), @bytes received, closed */
static void conn_closed(__u64 sk, int port, __u64 bytes)
{
	struct b4tr_event e;

	sock_at(3, sk);
	connect_to(3, sk, "192.0.2.1", port, false, true);
	e = ev(TRACE_CLOSE, 3, sk + 1, NS_HOST);
	e.rx = bytes;
	trace_log_event(&log_, &e);
}

/* report_text() - report_print()'s output (free() it) */
static char *report_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	report_print(&log_, f);
	fclose(f);
	return buf;
}

Test(trace, closed_sockets_past_the_kept_ones_fold_into_rows)
{
	unsigned long total = TRACE_KEEP_CLOSED + 3000 + TRACE_FOLDS_MAX + 50;
	unsigned long in_rows = 0, wide = 0;
	struct json_object *root, *sm, *v;
	char *text, want[96];
	__u64 sk = 0x10000;

	/* kept one by one, then 3000 alike (one row), then one row per new
	 * destination up to TRACE_FOLDS_MAX, and the rest in a wide row */
	for (unsigned long i = 0; i < TRACE_KEEP_CLOSED + 3000; i++, sk += 16)
		conn_closed(sk, 80, 10);
	for (int i = 0; i < TRACE_FOLDS_MAX + 50; i++, sk += 16)
		conn_closed(sk, 1000 + i, 10);
	/* the log stays bounded: compaction dropped the folded slots */
	cr_assert_lt(log_.n_socks, TRACE_KEEP_CLOSED + 2100, "%zu", log_.n_socks);
	cr_assert_leq(log_.n_folds, TRACE_FOLDS_MAX + 1);
	for (size_t i = 0; i < log_.n_folds; i++) {
		in_rows += log_.folds[i].n_folded;
		wide += log_.folds[i].fd == -2 ? log_.folds[i].n_folded : 0;
	}
	cr_assert_eq(in_rows, total - TRACE_KEEP_CLOSED);
	cr_assert_eq(log_.folds[0].n_folded, 3000);
	cr_assert_eq(log_.folds[0].rx, 30000);
	cr_assert_str_eq(log_.folds[0].verdict, "switched at connect");
	/* port 80 had its row: 1 + (TRACE_FOLDS_MAX - 1) rows by destination */
	cr_assert_eq(wide, 50 + 1);
	/* the summary counts every socket, folded or not */
	json_sock(&root, "folded");
	cr_assert(json_object_object_get_ex(root, "summary", &sm));
	cr_assert(json_object_object_get_ex(sm, "connections", &v));
	cr_assert_eq(json_object_get_int64(v), (int64_t)total);
	cr_assert(json_object_object_get_ex(sm, "fast_path_connections", &v));
	cr_assert_eq(json_object_get_int64(v), (int64_t)total);
	cr_assert(json_object_object_get_ex(sm, "bytes", &v));
	cr_assert_eq(json_object_get_int64(v), (int64_t)total * 10);
	json_object_put(root);
	text = report_text();
	cr_assert_not_null(strstr(text, "3000 closed sockets like this, folded"));
	snprintf(want, sizeof(want), "Summary: %lu connections, %lu on the fast "
		 "path", total, total);
	cr_assert_not_null(strstr(text, want), "%s", strstr(text, "Summary"));
	free(text);
}

Test(trace, an_open_socket_keeps_its_record_across_compaction)
{
	struct b4tr_event e;
	__u64 sk = 0x10000;
	const struct trace_sock *s = NULL;

	sock_at(7, 0x7000);
	connect_to(7, 0x7000, "192.0.2.7", 443, false, true);
	for (unsigned long i = 0; i < TRACE_KEEP_CLOSED + 3000; i++, sk += 16)
		conn_closed(sk, 80, 1);
	/* fd 7 is still found, with its calls, after the compactions */
	e = ev(TRACE_SHUTDOWN, 7, 0x7001, NS_HOST);
	trace_log_event(&log_, &e);
	for (size_t i = 0; i < log_.n_socks; i++) {
		if (log_.socks[i].fd == 7)
			s = &log_.socks[i];
	}
	cr_assert_not_null(s);
	cr_assert_eq(s->id, 1);
	cr_assert(s->open);
	cr_assert_str_eq(s->calls, "socket connect shutdown");
}

Test(trace, a_row_by_destination_is_used_past_the_row_limit)
{
	__u64 sk = 0x10000;

	for (unsigned long i = 0; i < TRACE_KEEP_CLOSED; i++, sk += 16)
		conn_closed(sk, 80, 10);
	for (int i = 0; i < TRACE_FOLDS_MAX; i++, sk += 16)
		conn_closed(sk, 1000 + i, 10);
	cr_assert_eq(log_.n_folds, TRACE_FOLDS_MAX);
	conn_closed(sk, 1000, 10); /* the destination of row 0 */
	cr_assert_eq(log_.n_folds, TRACE_FOLDS_MAX);
	cr_assert_eq(log_.folds[0].n_folded, 2);
	conn_closed(sk + 16, 5555, 10); /* a new one: the wide row */
	cr_assert_eq(log_.n_folds, TRACE_FOLDS_MAX + 1);
	cr_assert_eq(log_.folds[TRACE_FOLDS_MAX].fd, -2);
}

/* listener_closed() - a listener on fd 3 bound to 0.0.0.0:@port, closed */
static void listener_closed(__u64 sk, int port)
{
	struct b4tr_event e;
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };

	sock_at(3, sk);
	e = ev(TRACE_BIND, 3, sk, NS_CTR);
	memcpy(e.addr, &sin, sizeof(sin));
	e.addrlen = sizeof(sin);
	trace_log_event(&log_, &e);
	e = ev(TRACE_LISTEN, 3, sk, NS_CTR);
	trace_log_event(&log_, &e);
	e = ev(TRACE_CLOSE, 3, sk, NS_CTR);
	trace_log_event(&log_, &e);
}

Test(trace, folded_listeners_are_no_connections)
{
	struct json_object *root, *sm, *v;
	__u64 sk = 0x10000;

	for (unsigned long i = 0; i < TRACE_KEEP_CLOSED; i++, sk += 16)
		listener_closed(sk, 5000);
	for (int i = 0; i < TRACE_FOLDS_MAX + 10; i++, sk += 16)
		listener_closed(sk, 6000 + i);
	cr_assert_eq(log_.folds[log_.n_folds - 1].fd, -2); /* a wide row */
	json_sock(&root, "id");
	cr_assert(json_object_object_get_ex(root, "summary", &sm));
	cr_assert(json_object_object_get_ex(sm, "connections", &v));
	cr_assert_eq(json_object_get_int64(v), 0);
	json_object_put(root);
}

Test(trace, bytes_left_by_a_folded_socket_go_to_its_row)
{
	struct b4tr_event e;
	__u64 sk = 0x10000;

	/* kept socket 1 at kernel address 0xABC00 */
	sock_at(3, 0xABC00);
	e = ev(TRACE_CLOSE, 3, 0xABC00, NS_CTR);
	trace_log_event(&log_, &e);
	for (unsigned long i = 0; i < TRACE_KEEP_CLOSED; i++, sk += 16)
		conn_closed(sk, 80, 10);
	/* a later socket at the same address, its fd replaced (dup2): closed
	 * and folded with its bytes still in the kernel's map */
	sock_at(4, 0xABC00);
	sock_at(4, 0xDEF00);
	cr_assert(log_.n_folds > 0);
	/* a new socket at 0xABC00 brings them */
	e = ev(TRACE_SOCKET, -1, 0xABC00, NS_CTR);
	e.ret = 5;
	e.tx = 777;
	trace_log_event(&log_, &e);
	cr_assert_eq(log_.socks[0].tx, 0, "kept socket 1 got %llu bytes of another",
		     (unsigned long long)log_.socks[0].tx);
	cr_assert_eq(log_.folds[log_.n_folds - 1].tx, 777);
}

Test(trace, a_process_that_exits_closes_its_sockets)
{
	struct b4tr_event e;
	__u64 sk = 0x10000;

	for (unsigned long i = 0; i < TRACE_KEEP_CLOSED + 10; i++, sk += 16) {
		sock_at(3, sk);
		connect_to(3, sk, "192.0.2.1", 80, false, true);
		e = ev(TRACE_EXIT, -1, 0, 0);
		trace_log_event(&log_, &e);
	}
	cr_assert_str_eq(log_.socks[0].calls, "socket connect (exit)");
	cr_assert(!log_.socks[0].open);
	/* past the kept ones, folded like closed ones */
	cr_assert_eq(log_.n_folds, 1);
	cr_assert_eq(log_.folds[0].n_folded, 10);
}
