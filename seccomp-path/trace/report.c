// SPDX-License-Identifier: GPL-2.0-or-later
/* report.c - "b4ns trace"'s verdicts and its report
 *
 * Theory of operation: a verdict is never worked out here. The first
 * connect, bind or send naming a destination of a socket is put to the
 * supervisor's own decision functions of common/policy.c (policy_connect(),
 * policy_egress(), policy_bind()) with the policy cfg_policy() built from
 * the run's settings, after the few cases the policy never sees because
 * b4ns never traps the call: --mode=off, a static program in preload
 * mode, a sendmsg()/sendmmsg() b4ns does not trap, an io_uring connect
 * (its destination is the kernel's copy). The policy's answer is
 * then checked against what the kernel showed: a switched socket is a
 * host socket in the container's fd table (trace.bpf.c reports its
 * network namespace), so "switched" is what happened, and "why" is the
 * policy's reason. The report is a table of the IP sockets (the others are
 * counted), a summary of the fast-path share of connections and bytes,
 * the slow path's destinations with the setting that would move each,
 * and the options set before a switch that b4ns does not carry over;
 * --json gives the same as one object (one line each with --interval,
 * "final" false in the summary of the reports made while it ran).
 */
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "oci/oci.h"
#include "sockaddr.h"
#include "trace/trace.h"

/* hint() - the setting that would put a destination the policy keeps on
 * the fast path, or NULL where none should (by design) */
static const char *hint(const char *reason)
{
	static const struct {
		const char *reason;
		const char *hint;
	} hints[] = {
		{ "ignored CIDR", "drop the CIDR from --ignore (or the config's ignore)" },
		{ "UDP is not switched (switch_udp)", "--switch-udp" },
		{ "gateway address, host loopback not allowed",
		  "--allow-host-loopback" },
		{ "container subnet", "another container's service: give both "
		  "--ip and one --network under a b4ns daemon" },
		{ "port not published", "-p HOSTPORT:PORT" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(hints); i++) {
		if (!strcmp(reason, hints[i].reason))
			return hints[i].hint;
	}
	return NULL;
}

/* find_proc() - the process record of @tgid, or NULL */
static const struct trace_proc *find_proc(const struct trace_log *log,
					  pid_t tgid)
{
	for (size_t i = 0; i < log->n_procs; i++) {
		if (log->procs[i].tgid == tgid)
			return &log->procs[i];
	}
	return NULL;
}

/* untrapped() - why b4ns never saw the call, or NULL if it did */
static const char *untrapped(const struct trace_log *log,
			     const struct trace_sock *s, enum report_seen seen,
			     const char **h)
{
	const struct trace_proc *p = find_proc(log, s->tgid);

	if (log->mode == CFG_MODE_OFF) {
		*h = "--mode=seccomp";
		return "--mode=off: nothing is switched";
	}
	if (log->mode == CFG_MODE_PRELOAD && p && p->is_static) {
		*h = "--mode=seccomp (seccomp sees static programs too)";
		return "static binary in preload mode: libb4ns.so never loads";
	}
	if (seen == REPORT_URING) {
		*h = "use connect(2), not io_uring, for this socket";
		return "io_uring connect: seccomp never sees it";
	}
	if (seen == REPORT_SENDMSG_OFF) {
		*h = s->type == SOCK_DGRAM && !log->pol.switch_udp ?
		     "--switch-udp and udp_sendmsg = true (config file)" :
		     "udp_sendmsg = true (config file, with --switch-udp)";
		return "sendmsg with a destination is not trapped (udp_sendmsg off)";
	}
	return NULL;
}

/* decide_connect() - report_decide_connect() but for the i386 mark */
static void decide_connect(struct trace_log *log, struct trace_sock *s,
			   const struct sockaddr *dst, bool send,
			   enum report_seen seen, bool foreign_ns, long ret)
{
	struct policy_sock ps = {
		.family = s->family, .type = s->type, .protocol = s->proto,
		.connected = s->connected, .foreign_ns = foreign_ns,
	};
	struct sockaddr_storage out;
	const char *reason, *rule, *h = NULL;
	bool sw = false;

	if (s->decided)
		return;
	s->decided = true;
	s->err = ret < 0 ? (int)ret : 0;
	reason = untrapped(log, s, seen, &h);
	if (!reason) {
		sw = policy_connect(&log->pol, &log->st, &ps, dst, &out,
				    &reason) == POLICY_SWITCH;
		h = sw ? NULL : hint(reason);
		if (sw && !policy_egress(&log->pol, dst, policy_proto(&ps),
					 &rule)) {
			snprintf(s->reason, sizeof(s->reason),
				 "denied by egress rule %s", rule);
			s->verdict = "not switched";
			s->hint = "--egress-allow/--egress-deny";
			return;
		}
	}
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	s->hint = h;
	if (sw && !s->host) {
		s->verdict = "not switched";
		if (ret < 0 && ret != -EINPROGRESS)
			snprintf(s->reason, sizeof(s->reason), "%s, but the "
				 "switched call failed: %s", reason,
				 strerror((int)-ret));
		else
			snprintf(s->reason, sizeof(s->reason), "policy says "
				 "switch (%s), the socket stayed in the container",
				 reason);
		return;
	}
	if (!sw && s->host) {
		s->switched = true;
		s->verdict = "switched";
		snprintf(s->reason, sizeof(s->reason), "%s, but b4ns moved it "
			 "(a registry service or an own published port)", reason);
		s->hint = NULL;
		return;
	}
	s->switched = sw;
	s->verdict = !sw ? "not switched" : send ? "switched at send" :
		     "switched at connect";
}

void report_decide_connect(struct trace_log *log, struct trace_sock *s,
			   const struct sockaddr *dst, bool send,
			   enum report_seen seen, bool foreign_ns, long ret)
{
	size_t len;

	if (s->decided)
		return;
	decide_connect(log, s, dst, send, seen, foreign_ns, ret);
	len = strlen(s->reason);
	/* b4ns's filter traps i386 connects as native ones: the same policy */
	if (s->i386 && len < sizeof(s->reason))
		snprintf(s->reason + len, sizeof(s->reason) - len,
			 "; i386 system call");
}

void report_decide_bind(struct trace_log *log, struct trace_sock *s,
			const struct sockaddr *addr, long ret)
{
	struct policy_sock ps = {
		.family = s->family, .type = s->type, .protocol = s->proto,
	};
	struct sockaddr_storage host;
	const char *reason, *h = NULL;
	int entry;
	bool sw;

	if (s->decided)
		return;
	s->decided = true;
	s->err = ret < 0 ? (int)ret : 0;
	reason = untrapped(log, s, REPORT_TRAPPED, &h);
	if (reason) {
		snprintf(s->reason, sizeof(s->reason), "%s", reason);
		s->verdict = "not published";
		s->hint = h;
		return;
	}
	sw = policy_bind(&log->pol, &ps, addr, &host, &entry, &reason) ==
	     POLICY_SWITCH;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	s->switched = sw && s->host;
	s->verdict = s->switched ? "published at bind" : "not published";
	if (sw && !s->host)
		snprintf(s->reason, sizeof(s->reason), "%s, but the bind %s",
			 reason, ret < 0 ? strerror((int)-ret) :
			 "stayed in the container");
	s->hint = sw ? NULL : hint(reason);
}

/* is_ip() - an IPv4 or IPv6 socket (or an io_uring connect) */
static bool is_ip(const struct trace_sock *s)
{
	return s->family == AF_INET || s->family == AF_INET6 ||
	       (s->family == AF_UNSPEC && s->fd < 0);
}

bool report_is_conn(const struct trace_sock *s)
{
	if (s->n_folded)
		return s->conn;
	return is_ip(s) && (s->connected || s->accepted ||
			    (s->decided && s->bound.ss_family == AF_UNSPEC));
}


/* verdict() - the socket's verdict, also for undecided ones */
static const char *verdict(const struct trace_sock *s, const char **reason)
{
	if (s->decided) {
		*reason = s->reason;
		return s->verdict;
	}
	*reason = s->host ? "b4ns put a host socket in its place" :
		  "never connected, bound or sent to an address";
	return s->host ? "switched" : "unused";
}

static const char *kind(const struct trace_sock *s, char *buf, size_t len)
{
	const char *p = s->type == SOCK_STREAM ? "tcp" :
			s->type == SOCK_DGRAM ? "udp" :
			s->type == SOCK_RAW ? "raw" : "sock";

	if (s->family == AF_UNSPEC)
		snprintf(buf, len, "uring");
	else if (s->family == AF_UNIX)
		snprintf(buf, len, "unix");
	else if (s->family == AF_NETLINK)
		snprintf(buf, len, "netlink");
	else
		snprintf(buf, len, "%s%s", p, s->family == AF_INET6 ? "6" : "4");
	return buf;
}

/* row() - row @i of the report: the sockets kept one by one, then the rows
 * of folded ones; NULL for a slot folding emptied */
static const struct trace_sock *row(const struct trace_log *log, size_t i)
{
	if (i < log->n_socks)
		return log->socks[i].gone ? NULL : &log->socks[i];
	return &log->folds[i - log->n_socks];
}

static size_t n_rows(const struct trace_log *log)
{
	return log->n_socks + log->n_folds;
}

/* weight() - how many sockets @s stands for */
static unsigned long weight(const struct trace_sock *s)
{
	return s->n_folded ? s->n_folded : 1;
}

/**
 * struct report_sum - the summary's figures
 * @conns:	connections
 * @fast:	of them on the fast path
 * @bytes:	bytes through IP sockets
 * @fast_bytes:	of them through host sockets
 * @other:	sockets not shown (not IP)
 * @lost_opts:	sockets with an option set before the switch that b4ns does
 *		not copy
 */
struct report_sum {
	unsigned long conns;
	unsigned long fast;
	uint64_t bytes;
	uint64_t fast_bytes;
	unsigned long other;
	unsigned long lost_opts;
};

static void sum(const struct trace_log *log, struct report_sum *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < n_rows(log); i++) {
		const struct trace_sock *s = row(log, i);

		if (!s)
			continue;
		if (!is_ip(s)) {
			r->other += weight(s);
			continue;
		}
		if (report_is_conn(s)) {
			r->conns += weight(s);
			r->fast += s->host ? weight(s) : 0;
		}
		r->bytes += s->tx + s->rx;
		if (s->host)
			r->fast_bytes += s->tx + s->rx;
		r->lost_opts += s->host && s->n_opts > 0 ? weight(s) : 0;
	}
}

static double pct(uint64_t part, uint64_t all)
{
	return all ? 100.0 * (double)part / (double)all : 0.0;
}

static const char *addr_text(const struct sockaddr_storage *ss, char *buf,
			     size_t len)
{
	if (ss->ss_family == AF_UNSPEC)
		return "-";
	return sa_format((const struct sockaddr *)ss, buf, len);
}

/* opt_text() - the options of @s b4ns does not copy, "L,N L,N" */
static const char *opt_text(const struct trace_sock *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < s->n_opts && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%d,%d", i ? " " : "",
				      s->opts[i] >> 16, s->opts[i] & 0xffff);
	return buf;
}

/* print_slow() - the slow path's destinations, one line each (the same
 * destination and reason folded) */
static void print_slow(const struct trace_log *log, FILE *f)
{
	bool any = false;

	for (size_t i = 0; i < n_rows(log); i++) {
		const struct trace_sock *s = row(log, i);
		unsigned long n = 0;
		uint64_t b = 0;
		const char *why;
		char a[SA_STRLEN];
		bool seen = false;

		if (!s || !report_is_conn(s) || s->host)
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct trace_sock *t = row(log, j);

			seen = t && report_is_conn(t) && !t->host &&
			       !memcmp(&t->dst, &s->dst, sizeof(t->dst)) &&
			       !strcmp(t->reason, s->reason);
		}
		if (seen)
			continue;
		for (size_t j = i; j < n_rows(log); j++) {
			const struct trace_sock *t = row(log, j);

			if (t && report_is_conn(t) && !t->host &&
			    !memcmp(&t->dst, &s->dst, sizeof(t->dst)) &&
			    !strcmp(t->reason, s->reason)) {
				n += weight(t);
				b += t->tx + t->rx;
			}
		}
		if (!any)
			fprintf(f, "Slow path by destination:\n");
		any = true;
		verdict(s, &why);
		fprintf(f, "  %-24s %lu connection%s, %llu bytes: %s; %s\n",
			addr_text(&s->dst, a, sizeof(a)), n, n == 1 ? "" : "s",
			(unsigned long long)b, why,
			s->hint ? s->hint : "stays in the container by design");
	}
}

void report_print(const struct trace_log *log, FILE *f)
{
	struct report_sum r;
	char k[16], a[SA_STRLEN];

	sum(log, &r);
	if (log->interim)
		fprintf(f, "=== after %.1f s (--interval; the workload runs on) "
			"===\n", log->seconds);
	fprintf(f, "%-4s %-7s %-15s %-4s %-6s %-24s %12s %12s  %s\n", "ID",
		"PID", "COMM", "FD", "SOCKET", "DESTINATION", "SENT", "RECEIVED",
		"VERDICT");
	for (size_t i = 0; i < n_rows(log); i++) {
		const struct trace_sock *s = row(log, i);
		const char *why, *v;
		char o[128], id[24], pid[16], fd[16];

		if (!s || !is_ip(s))
			continue;
		v = verdict(s, &why);
		snprintf(id, sizeof(id), s->n_folded ? "x%lu" : "%lu",
			 s->n_folded ? s->n_folded : s->id);
		snprintf(pid, sizeof(pid), s->n_folded ? "-" : "%d", (int)s->tgid);
		snprintf(fd, sizeof(fd), s->n_folded ? "-" : "%d", s->fd);
		fprintf(f, "%-4s %-7s %-15s %-4s %-6s %-24s %12llu %12llu  %s: %s\n",
			id, pid, s->comm, fd, kind(s, k, sizeof(k)),
			addr_text(s->dst.ss_family ? &s->dst : &s->bound, a,
				  sizeof(a)),
			(unsigned long long)s->tx, (unsigned long long)s->rx, v,
			why);
		if (s->n_folded)
			fprintf(f, "     %lu closed sockets like this, folded (the "
				"trace keeps %d closed sockets one by one); the "
				"first one's calls: %s\n", s->n_folded,
				TRACE_KEEP_CLOSED, s->calls);
		else
			fprintf(f, "     calls: %s\n", s->calls);
		if (s->n_opts)
			fprintf(f, "     set before the switch, not copied by "
				"b4ns (level,name): %s\n",
				opt_text(s, o, sizeof(o)));
		if (s->hint && !s->switched)
			fprintf(f, "     fast path: %s\n", s->hint);
	}
	fprintf(f, "\nSummary: %lu connection%s, %lu on the fast path (%.1f%%); "
		"%llu bytes, %llu on the fast path (%.1f%%)\n", r.conns,
		r.conns == 1 ? "" : "s", r.fast, pct(r.fast, r.conns),
		(unsigned long long)r.bytes, (unsigned long long)r.fast_bytes,
		pct(r.fast_bytes, r.bytes));
	print_slow(log, f);
	fprintf(f, "Options set before a switch that b4ns does not copy: %s\n",
		r.lost_opts ? "see \"not copied\" above" : "none");
	for (size_t i = 0; i < log->n_procs; i++) {
		const struct trace_proc *p = &log->procs[i];

		if (p->uring < 0)
			fprintf(f, "io_uring: %s (pid %d) was refused it (%s): "
				"b4ns denies io_uring unless --allow-io-uring\n",
				p->comm, (int)p->tgid, strerror(-p->uring));
		if (p->uring_connects)
			fprintf(f, "io_uring: %s (pid %d) connected %lu socket%s "
				"through io_uring: seccomp never sees those\n",
				p->comm, (int)p->tgid, p->uring_connects,
				p->uring_connects == 1 ? "" : "s");
	}
	fprintf(f, "(%lu other socket%s not shown: unix, netlink, ...; %lu "
		"events in %.1f s%s)\n", r.other, r.other == 1 ? "" : "s",
		log->events, log->seconds, log->lost ? ", SOME LOST" : "");
}

/* add() - json_object_object_add() that owns @v even on failure.
 * Return: 0, or -ENOMEM */
static int add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* add_str() - @key: the string @v, or null if @v is NULL. Return: 0, or
 * -ENOMEM */
static int add_str(struct json_object *o, const char *key, const char *v)
{
	if (!v) /* json-c's null is a NULL object */
		return json_object_object_add(o, key, NULL) ? -ENOMEM : 0;
	return add(o, key, json_object_new_string(v));
}

/* sock_json() - one socket as an object, or NULL */
static struct json_object *sock_json(const struct trace_sock *s)
{
	struct json_object *o = json_object_new_object();
	const char *why, *v = verdict(s, &why);
	char k[16], a[SA_STRLEN], b[SA_STRLEN];
	struct json_object *opts;
	int ret = 0;

	if (!o)
		return NULL;
	opts = json_object_new_array();
	for (int i = 0; opts && i < s->n_opts; i++) {
		struct json_object *p = json_object_new_array();

		if (!p || json_object_array_add(opts, p)) {
			json_object_put(p);
			ret = -ENOMEM;
			break;
		}
		json_object_array_add(p, json_object_new_int(s->opts[i] >> 16));
		json_object_array_add(p, json_object_new_int(s->opts[i] & 0xffff));
	}
	ret = ret ? ret : add(o, "id", json_object_new_int64((int64_t)s->id));
	/* 0: one socket; N: a row of N closed sockets folded together (id,
	 * pid and calls of the first one, fd -1, no cookie; pid 0 and fd -2
	 * for a row of various destinations) */
	ret = ret ? ret : add(o, "folded", json_object_new_int64((int64_t)s->n_folded));
	ret = ret ? ret : add(o, "pid", json_object_new_int(s->tgid));
	ret = ret ? ret : add(o, "comm", json_object_new_string(s->comm));
	ret = ret ? ret : add(o, "fd", json_object_new_int(s->fd));
	if (s->cookie)
		ret = ret ? ret : add(o, "cookie", json_object_new_uint64(s->cookie));
	else
		ret = ret ? ret : add_str(o, "cookie", NULL);
	ret = ret ? ret : add(o, "socket", json_object_new_string(kind(s, k, sizeof(k))));
	ret = ret ? ret : add(o, "family", json_object_new_int(s->family));
	ret = ret ? ret : add(o, "type", json_object_new_int(s->type));
	ret = ret ? ret : add(o, "protocol", json_object_new_int(s->proto));
	ret = ret ? ret : add(o, "calls", json_object_new_string(s->calls));
	ret = ret ? ret : add_str(o, "destination", s->dst.ss_family ?
				  addr_text(&s->dst, a, sizeof(a)) : NULL);
	ret = ret ? ret : add(o, "destinations", json_object_new_int64((int64_t)s->n_dst));
	ret = ret ? ret : add_str(o, "bound", s->bound.ss_family ?
				  addr_text(&s->bound, b, sizeof(b)) : NULL);
	ret = ret ? ret : add(o, "sent", json_object_new_int64((int64_t)s->tx));
	ret = ret ? ret : add(o, "received", json_object_new_int64((int64_t)s->rx));
	ret = ret ? ret : add(o, "host_socket", json_object_new_boolean(s->host));
	ret = ret ? ret : add(o, "connection", json_object_new_boolean(report_is_conn(s)));
	ret = ret ? ret : add(o, "switched", json_object_new_boolean(s->host));
	ret = ret ? ret : add(o, "verdict", json_object_new_string(v));
	ret = ret ? ret : add(o, "reason", json_object_new_string(why));
	ret = ret ? ret : add(o, "i386", json_object_new_boolean(s->i386));
	ret = ret ? ret : add_str(o, "fast_path_setting", s->switched ? NULL : s->hint);
	ret = ret ? ret : add(o, "options_not_copied", opts);
	if (ret) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int report_json(const struct trace_log *log, FILE *f)
{
	_cleanup_json_ struct json_object *root = json_object_new_object();
	struct json_object *socks = json_object_new_array();
	struct json_object *sm = json_object_new_object();
	struct json_object *procs = json_object_new_array();
	struct report_sum r;
	int ret;

	sum(log, &r);
	ret = root ? 0 : -ENOMEM;
	for (size_t i = 0; !ret && socks && i < n_rows(log); i++) {
		struct json_object *s;

		if (!row(log, i))
			continue;
		s = sock_json(row(log, i));

		if (!s || json_object_array_add(socks, s)) {
			json_object_put(s);
			ret = -ENOMEM;
		}
	}
	for (size_t i = 0; !ret && procs && i < log->n_procs; i++) {
		const struct trace_proc *p = &log->procs[i];
		struct json_object *o = json_object_new_object();

		if (!o || json_object_array_add(procs, o)) {
			json_object_put(o);
			ret = -ENOMEM;
			break;
		}
		ret = add(o, "pid", json_object_new_int(p->tgid));
		ret = ret ? ret : add(o, "comm", json_object_new_string(p->comm));
		ret = ret ? ret : add(o, "static", json_object_new_boolean(p->is_static));
		ret = ret ? ret : add(o, "io_uring", json_object_new_string(
				      p->uring < 0 ? "refused" : p->uring ?
				      "used" : "unused"));
		ret = ret ? ret : add(o, "io_uring_connects",
				      json_object_new_int64((int64_t)p->uring_connects));
	}
	if (!ret && sm) {
		ret = add(sm, "connections", json_object_new_int64((int64_t)r.conns));
		ret = ret ? ret : add(sm, "fast_path_connections", json_object_new_int64((int64_t)r.fast));
		ret = ret ? ret : add(sm, "fast_path_connection_share", json_object_new_double(pct(r.fast, r.conns) / 100));
		ret = ret ? ret : add(sm, "bytes", json_object_new_int64((int64_t)r.bytes));
		ret = ret ? ret : add(sm, "fast_path_bytes", json_object_new_int64((int64_t)r.fast_bytes));
		ret = ret ? ret : add(sm, "fast_path_byte_share", json_object_new_double(pct(r.fast_bytes, r.bytes) / 100));
		ret = ret ? ret : add(sm, "other_sockets", json_object_new_int64((int64_t)r.other));
		ret = ret ? ret : add(sm, "events", json_object_new_int64((int64_t)log->events));
		ret = ret ? ret : add(sm, "events_lost", json_object_new_int64((int64_t)log->lost));
		ret = ret ? ret : add(sm, "seconds", json_object_new_double(log->seconds));
		ret = ret ? ret : add(sm, "bytes_counted_at", json_object_new_string(
			log->io_syscalls ? "system calls" : "socket tracepoints"));
		ret = ret ? ret : add(sm, "final", json_object_new_boolean(!log->interim));
	}
	if (!root)
		ret = -ENOMEM;
	if (!ret) {
		ret = add(root, "sockets", socks);
		socks = NULL;
	}
	if (!ret) {
		ret = add(root, "processes", procs);
		procs = NULL;
	}
	if (!ret) {
		ret = add(root, "summary", sm);
		sm = NULL;
	}
	json_object_put(socks);
	json_object_put(procs);
	json_object_put(sm);
	if (ret)
		return ret;
	fprintf(f, "%s\n", json_object_to_json_string_ext(root,
			(log->lines ? JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY) |
			JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}
