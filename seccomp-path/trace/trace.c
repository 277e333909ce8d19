// SPDX-License-Identifier: GPL-2.0-or-later
/* trace.c - "b4ns trace": run (or attach to) a workload and collect what
 * it does with its sockets through the BPF program trace.bpf.c
 *
 * Theory of operation: the BPF program (trace.bpf.c, behind skel.h) is
 * loaded with the tracer's own network namespace as the one whose tasks
 * are not reported (the supervisor's: b4ns run stays on the host, its
 * container does not). Then either a child is forked that waits for the
 * go-ahead on a pipe and execs "b4ns run ..." (as --user, if given; its
 * pid is put into the BPF map of traced processes first, so the container
 * process it starts is traced from its first call), or with --pid the
 * given process and its descendants are put into that map. The ring
 * buffer is drained every 50 ms (the program wakes no one); each event
 * updates the record of its socket (found by process and fd while the fd
 * is open) and, for the first connect/bind/send naming a destination,
 * asks report.c for the verdict (the supervisor's own policy code). The
 * container's own subnets, which the policy reads, come from its network
 * namespace, entered for a moment at the first event. At the end (the
 * workload's end, --duration, SIGINT or SIGTERM: passed on to b4ns run
 * first) the buffer is drained and the byte counts of sockets still open
 * are read from the BPF map. A socket's cookie is the kernel's, read by
 * the BPF program (which has the kernel make one); the tracer never holds
 * a socket of the workload. With --interval the report is also printed
 * every S seconds while the workload runs: the open sockets' counts are
 * read from the map for it and left there.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "hostsock.h"
#include "log.h"
#include "netaddr.h"
#include "sockaddr.h"
#include "trace/skel.h"
#include "trace/trace.h"
#include "trace/trace_event.h"

/* the signal that ends the trace, 0 while none came */
static volatile sig_atomic_t trace_stop_sig;

static void on_signal(int sig)
{
	trace_stop_sig = sig;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_WARN && log_level >= LOG_LVL_DEBUG)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* grow() - room for one more entry in @arr (@n used of *@cap, @size
 * bytes each). Return: the array, moved perhaps, or NULL (unchanged) */
static void *grow(void *arr, size_t n, size_t *cap, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return arr;
	p = reallocarray(arr, c, size);
	if (p)
		*cap = c;
	return p;
}

struct trace_proc *trace_proc_get(struct trace_log *log, pid_t tgid)
{
	struct trace_proc *p;

	for (size_t i = 0; i < log->n_procs; i++) {
		if (log->procs[i].tgid == tgid)
			return &log->procs[i];
	}
	p = grow(log->procs, log->n_procs, &log->cap_procs, sizeof(*p));
	if (!p)
		return NULL;
	log->procs = p;
	p = &log->procs[log->n_procs++];
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	return p;
}

void trace_log_free(struct trace_log *log)
{
	for (size_t i = 0; i < log->n_procs; i++)
		free(log->procs[i].fds);
	free(log->socks);
	free(log->procs);
	free(log->folds);
	log->socks = NULL;
	log->procs = NULL;
	log->folds = NULL;
	log->n_socks = log->cap_socks = log->n_procs = log->cap_procs = 0;
	log->n_folds = log->cap_folds = 0;
	log->n_closed = log->n_gone = log->n_ids = log->last_fold_id = 0;
	log->have_map = false;
}

/* sock_find() - the open record of @tgid's @fd, or NULL */
static struct trace_sock *sock_find(struct trace_log *log, pid_t tgid, int fd)
{
	struct trace_proc *p = trace_proc_get(log, tgid);
	struct trace_sock *s;

	if (!p || fd < 0 || (size_t)fd >= p->n_fds || !p->fds[fd] ||
	    p->fds[fd] > log->n_socks)
		return NULL;
	s = &log->socks[p->fds[fd] - 1];
	return s->open && s->tgid == tgid && s->fd == fd ? s : NULL;
}

/* sock_index() - remember that @s is open at its fd in its process */
static void sock_index(struct trace_log *log, const struct trace_sock *s)
{
	struct trace_proc *p = trace_proc_get(log, s->tgid);

	if (!p || s->fd < 0)
		return;
	if ((size_t)s->fd >= p->n_fds) {
		size_t n = (size_t)s->fd + 64;
		size_t *f = reallocarray(p->fds, n, sizeof(*f));

		if (!f)
			return;
		memset(f + p->n_fds, 0, (n - p->n_fds) * sizeof(*f));
		p->fds = f;
		p->n_fds = n;
	}
	p->fds[s->fd] = (size_t)(s - log->socks) + 1;
}

/* fold_same() - the closed socket @s goes into the row @r of folded
 * sockets: the same verdict and kind, and with @by_dst the same process
 * name, destination, bound address and reason too */
static bool fold_same(const struct trace_sock *r, const struct trace_sock *s,
		      bool by_dst)
{
	if (r->verdict != s->verdict || r->host != s->host ||
	    r->switched != s->switched || r->decided != s->decided ||
	    r->connected != s->connected || r->accepted != s->accepted ||
	    r->family != s->family || r->type != s->type ||
	    (r->n_opts > 0) != (s->n_opts > 0) || r->i386 != s->i386 ||
	    r->conn != report_is_conn(s))
		return false;
	return !by_dst || (!strcmp(r->comm, s->comm) &&
			   !strcmp(r->reason, s->reason) &&
			   !memcmp(&r->dst, &s->dst, sizeof(r->dst)) &&
			   !memcmp(&r->bound, &s->bound, sizeof(r->bound)));
}

/* fold_find() - the row @s goes into: its own (same destination), else a
 * new one while fewer than TRACE_FOLDS_MAX are, else a "wide" row (fd -2)
 * of its verdict. Return: the row's index, or -1 for a new one; *@wide:
 * a new one is wide */
static long fold_find(const struct trace_log *log, const struct trace_sock *s,
		      bool *wide)
{
	size_t narrow = 0;

	for (size_t i = 0; i < log->n_folds; i++) {
		const struct trace_sock *r = &log->folds[i];

		if (r->fd == -2)
			continue;
		narrow++;
		if (fold_same(r, s, true))
			return (long)i;
	}
	*wide = narrow >= TRACE_FOLDS_MAX;
	for (size_t i = 0; *wide && i < log->n_folds; i++) {
		if (log->folds[i].fd == -2 && fold_same(&log->folds[i], s, false))
			return (long)i;
	}
	return -1;
}

/* fold() - add the closed socket @s to its row in @log->folds.
 * Return: 1 + the row's index, or 0 on -ENOMEM (@s stays) */
static size_t fold(struct trace_log *log, const struct trace_sock *s)
{
	bool wide = false;
	long i = fold_find(log, s, &wide);
	struct trace_sock *r;

	if (i >= 0) {
		r = &log->folds[i];
		r->n_folded++;
		r->tx += s->tx;
		r->rx += s->rx;
		r->n_dst += s->n_dst;
		return (size_t)i + 1;
	}
	r = grow(log->folds, log->n_folds, &log->cap_folds, sizeof(*r));
	if (!r)
		return 0;
	log->folds = r;
	r = &log->folds[log->n_folds++];
	*r = *s;
	r->conn = report_is_conn(s);
	r->n_folded = 1;
	r->fd = -1;
	r->cookie = r->cookie_sk = r->sk = 0;
	if (wide) {
		r->fd = -2;
		r->tgid = 0;
		r->hint = NULL;
		snprintf(r->comm, sizeof(r->comm), "(various)");
		memset(&r->dst, 0, sizeof(r->dst));
		memset(&r->bound, 0, sizeof(r->bound));
		snprintf(r->reason, sizeof(r->reason), "%s", "various "
			 "destinations and reasons (past the rows kept apart)");
	}
	return log->n_folds;
}

/* compact() - drop the empty slots folding left in @log->socks (keeping
 * the order) and index the open sockets anew, once they are half of it.
 * Called between events only: no record pointer is held across it */
static void compact(struct trace_log *log)
{
	size_t j = 0;

	if (log->n_gone < 1024 || log->n_gone * 2 < log->n_socks)
		return;
	for (size_t i = 0; i < log->n_socks; i++) {
		if (!log->socks[i].gone)
			log->socks[j++] = log->socks[i];
	}
	log->n_socks = j;
	log->n_gone = 0;
	for (size_t i = 0; i < log->n_procs; i++) {
		struct trace_proc *p = &log->procs[i];

		if (p->fds)
			memset(p->fds, 0, p->n_fds * sizeof(*p->fds));
	}
	for (size_t i = 0; i < log->n_socks; i++) {
		const struct trace_sock *t = &log->socks[i];
		struct trace_proc *p = t->open ? trace_proc_get(log, t->tgid) : NULL;

		if (p && t->fd >= 0 && (size_t)t->fd < p->n_fds)
			p->fds[t->fd] = i + 1;
	}
}

/* sock_closed() - @s was closed: kept one by one while fewer than
 * TRACE_KEEP_CLOSED are, else folded into a row and its slot emptied
 * (compact() reclaims it after the event) */
static void sock_closed(struct trace_log *log, struct trace_sock *s)
{
	size_t row;

	if (log->n_closed < TRACE_KEEP_CLOSED) {
		log->n_closed++;
		return;
	}
	row = fold(log, s);
	if (!row)
		return;
	s->gone = true;
	s->fold_row = row;
	if (s->id > log->last_fold_id)
		log->last_fold_id = s->id;
	log->n_gone++;
}

/* sock_new() - a new socket record for @tgid's @fd. Return: it, or NULL */
static struct trace_sock *sock_new(struct trace_log *log, pid_t tgid, int fd,
				   const struct b4tr_event *e)
{
	struct trace_sock *s;

	s = grow(log->socks, log->n_socks, &log->cap_socks, sizeof(*s));
	if (!s)
		return NULL;
	log->socks = s;
	s = &log->socks[log->n_socks++];
	memset(s, 0, sizeof(*s));
	s->id = ++log->n_ids;
	s->tgid = tgid;
	s->fd = fd;
	s->open = fd >= 0;
	s->sk = e->sk;
	s->family = e->family;
	s->type = e->type;
	s->proto = e->proto;
	memcpy(s->comm, e->comm, sizeof(s->comm));
	s->comm[sizeof(s->comm) - 1] = '\0';
	sock_index(log, s);
	return s;
}

/* add_call() - append @name to the call sequence of @s, folding repeats
 * into " xN" */
static void add_call(struct trace_sock *s, const char *name)
{
	size_t len = strlen(s->calls);

	if (s->last_n && !strcmp(s->last_call, name)) {
		size_t end = s->last_at + strlen(name);

		s->last_n++;
		if (end < sizeof(s->calls))
			snprintf(s->calls + end, sizeof(s->calls) - end, " x%u",
				 s->last_n);
		return;
	}
	if (len + strlen(name) + 16 >= sizeof(s->calls)) {
		if (s->last_n) /* full: say so once */
			snprintf(s->calls + len, sizeof(s->calls) - len, " ...");
		s->last_n = 0;
		return;
	}
	snprintf(s->last_call, sizeof(s->last_call), "%s", name);
	s->last_n = 1;
	s->last_at = len + (len ? 1 : 0);
	snprintf(s->calls + len, sizeof(s->calls) - len, "%s%s",
		 len ? " " : "", name);
}

/* event_addr() - the event's address as a sockaddr in @ss. Return: true
 * if it is a complete IPv4 or IPv6 address */
static bool event_addr(const struct b4tr_event *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->addrlen < sizeof(sa_family_t))
		return false;
	memcpy(ss, e->addr, e->addrlen < TRACE_ADDR_MAX ? e->addrlen :
	       TRACE_ADDR_MAX);
	return (ss->ss_family == AF_INET || ss->ss_family == AF_INET6) &&
	       sa_valid_len((const struct sockaddr *)ss, e->addrlen);
}

/* optname() - "setsockopt(LEVEL,NAME)" in @buf: the names of the
 * options b4ns copies, numbers for the others */
static const char *optname(int level, int name, char *buf, size_t len)
{
	const char *n = hostsock_opt_label(level, name);
	const char *l = level == SOL_SOCKET ? "SOL_SOCKET" :
			level == IPPROTO_TCP ? "IPPROTO_TCP" :
			level == IPPROTO_UDP ? "IPPROTO_UDP" :
			level == IPPROTO_IP ? "IPPROTO_IP" :
			level == IPPROTO_IPV6 ? "IPPROTO_IPV6" : NULL;

	if (l && n)
		snprintf(buf, len, "setsockopt(%s,%s)", l, n);
	else if (l)
		snprintf(buf, len, "setsockopt(%s,%d)", l, name);
	else
		snprintf(buf, len, "setsockopt(%d,%d)", level, name);
	return buf;
}

/* read_subnets() - the container's own subnets, from its namespace
 * (entered for a moment through @tgid's), into the policy state */
static void read_subnets(struct trace_log *log, pid_t tgid)
{
	char path[64];
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int ns = -1;
	_cleanup_close_ int nl = -1;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)tgid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET))
		return;
	nl = netaddr_monitor_open();
	if (setns(self, CLONE_NEWNET)) {
		/* cannot happen to root; nothing else would be right here */
		b4_err("trace: cannot return to the host network namespace: %s",
		       strerror(errno));
		abort();
	}
	if (nl < 0)
		return;
	n = netaddr_dump(nl, log->st.local, log->st.own, POLICY_MAX_CIDRS);
	if (n > 0)
		log->st.n_local = n;
}

/* note_cookie() - the socket cookie of the event's socket for @s, if the
 * kernel has made one (trace.bpf.c has it made when the socket connects,
 * listens or moves bytes) */
static void note_cookie(struct trace_sock *s, const struct b4tr_event *e)
{
	if (!e->sk || e->sk == s->cookie_sk || !e->cookie)
		return;
	s->cookie = e->cookie;
	s->cookie_sk = e->sk;
}

/* sock_of() - the open record the event's fd refers to, made if the
 * socket was opened before the trace saw it */
static struct trace_sock *sock_of(struct trace_log *log,
				  const struct b4tr_event *e)
{
	struct trace_sock *s = sock_find(log, (pid_t)e->tgid, e->fd);

	if (!s && e->sk) {
		s = sock_new(log, (pid_t)e->tgid, e->fd, e);
		if (s)
			add_call(s, "(opened before)");
	}
	if (s && e->sk) {
		s->sk = e->sk;
		s->family = e->family;
		s->type = e->type;
		s->proto = e->proto;
		if (e->sk_netns != e->netns)
			s->host = true;
		note_cookie(s, e);
	}
	return s;
}

/* leftover() - bytes an earlier socket at the same kernel socket left in
 * the map: they are the newest closed one's (a folded one's row's); not
 * given to a record older than a socket folded away since, which may
 * have been the one */
static void leftover(struct trace_log *log, const struct b4tr_event *e)
{
	if (!e->tx && !e->rx)
		return;
	for (size_t i = log->n_socks; i-- > 0;) {
		struct trace_sock *s = &log->socks[i];

		if (s->open || s->sk != e->sk)
			continue;
		if (s->gone) {
			s = &log->folds[s->fold_row - 1];
		} else if (s->id < log->last_fold_id) {
			return;
		}
		s->tx += e->tx;
		s->rx += e->rx;
		return;
	}
}

/* new_fd() - a socket() or accept() result */
static void new_fd(struct trace_log *log, const struct b4tr_event *e)
{
	struct trace_sock *old = sock_find(log, (pid_t)e->tgid, (int)e->ret);
	struct trace_sock *s;

	if (old) { /* its fd was replaced behind the trace's back (dup2) */
		old->open = false;
		sock_closed(log, old);
	}
	leftover(log, e);
	s = sock_new(log, (pid_t)e->tgid, (int)e->ret, e);
	if (!s)
		return;
	note_cookie(s, e);
	if (e->kind == TRACE_SOCKET) {
		add_call(s, "socket");
		return;
	}
	add_call(s, "accept");
	s->accepted = s->connected = s->decided = true;
	s->host = e->sk_netns != e->netns;
	s->switched = s->host;
	s->verdict = s->host ? "switched (published port)" : "not switched";
	snprintf(s->reason, sizeof(s->reason), "%s", s->host ?
		 "accepted on a listener b4ns moved to the host" :
		 "accepted on a listener in the container");
}

/* to_dst() - a connect or send of @s to the event's address: counted, and
 * judged if it is the socket's first */
static void to_dst(struct trace_log *log, struct trace_sock *s,
		   const struct b4tr_event *e, enum report_seen seen,
		   bool foreign)
{
	struct sockaddr_storage dst;

	if (!event_addr(e, &dst))
		return;
	s->n_dst++;
	if (s->dst.ss_family == AF_UNSPEC)
		s->dst = dst;
	report_decide_connect(log, s, (const struct sockaddr *)&dst,
			      e->kind != TRACE_CONNECT &&
			      e->kind != TRACE_URING_OP, seen, foreign,
			      (long)e->ret);
}

/* on_send() - a send naming a destination */
static void on_send(struct trace_log *log, struct trace_sock *s,
		    const struct b4tr_event *e, bool foreign)
{
	bool trapped = true;

	if (e->kind == TRACE_SENDMSG)
		trapped = log->pol.udp_sendmsg || (e->arg1 & MSG_FASTOPEN);
	else if (e->kind == TRACE_SENDMMSG)
		trapped = e->arg1 & MSG_FASTOPEN;
	add_call(s, e->kind == TRACE_SENDTO ? "sendto(dst)" :
		 e->kind == TRACE_SENDMSG ? "sendmsg(dst)" : "sendmmsg(dst)");
	to_dst(log, s, e, trapped ? REPORT_TRAPPED : REPORT_SENDMSG_OFF,
	       foreign);
}

/* on_call() - a call on an existing socket */
static void on_call(struct trace_log *log, const struct b4tr_event *e)
{
	struct trace_sock *s = sock_of(log, e);
	struct sockaddr_storage a;
	bool foreign = e->netns != log->netns;
	char buf[64];

	if (!s)
		return;
	switch (e->kind) {
	case TRACE_CONNECT:
		if (e->arg2 == 1)
			s->i386 = true;
		add_call(s, e->ret == 0 || e->ret == -EINPROGRESS ?
			 (e->arg2 == 1 ? "connect(i386)" : "connect") :
			 (e->arg2 == 1 ? "connect(i386,failed)" : "connect(failed)"));
		to_dst(log, s, e, REPORT_TRAPPED, foreign);
		if (e->ret == 0 || e->ret == -EINPROGRESS)
			s->connected = true;
		break;
	case TRACE_BIND:
		add_call(s, "bind");
		if (event_addr(e, &a)) {
			s->bound = a;
			report_decide_bind(log, s, (const struct sockaddr *)&a,
					   (long)e->ret);
		}
		break;
	case TRACE_LISTEN:
		add_call(s, "listen");
		break;
	case TRACE_SENDTO:
	case TRACE_SENDMSG:
	case TRACE_SENDMMSG:
		on_send(log, s, e, foreign);
		break;
	case TRACE_SETSOCKOPT:
		add_call(s, optname(e->arg1, e->arg2, buf, sizeof(buf)));
		if (!s->host && !s->decided && s->n_opts < TRACE_OPTS_MAX &&
		    !hostsock_opt_label(e->arg1, e->arg2))
			s->opts[s->n_opts++] = (e->arg1 << 16) | (e->arg2 & 0xffff);
		break;
	case TRACE_SHUTDOWN:
		add_call(s, "shutdown");
		break;
	default: /* TRACE_CLOSE */
		add_call(s, "close");
		s->tx += e->tx;
		s->rx += e->rx;
		s->open = false;
		sock_closed(log, s);
		break;
	}
}

/* on_uring_connect() - an io_uring connect: a call on the socket at its
 * fd (a record of its own for a fixed file, whose fd is not known),
 * judged like a connect that b4ns never sees */
static void on_uring_connect(struct trace_log *log, const struct b4tr_event *e)
{
	struct trace_sock *s = e->fd >= 0 ? sock_of(log, e) : NULL;
	char name[48];

	if (!s) {
		s = sock_new(log, (pid_t)e->tgid, -1, e);
		if (!s)
			return;
		s->family = AF_UNSPEC;
	}
	if (e->arg2 > 0)
		snprintf(name, sizeof(name), "io_uring connect(fixed file %d)",
			 e->arg2 - 1);
	else
		snprintf(name, sizeof(name), "io_uring connect");
	add_call(s, name);
	s->connected = true;
	to_dst(log, s, e, REPORT_URING, e->netns != log->netns);
	if (s->decided)
		return;
	/* no address the trace could read: the verdict all the same */
	s->decided = true;
	s->verdict = "not switched";
	snprintf(s->reason, sizeof(s->reason), "io_uring connect: seccomp "
		 "never sees it");
	s->hint = "use connect(2), not io_uring, for this socket";
}

/* take_bytes() - move what the BPF map @map counted for @s's kernel socket
 * into @s (and out of the map) */
static void take_bytes(int map, struct trace_sock *s)
{
	struct b4tr_bytes b;
	__u64 key = s->sk;

	if (!key || bpf_map_lookup_elem(map, &key, &b))
		return;
	s->tx += b.tx;
	s->rx += b.rx;
	bpf_map_delete_elem(map, &key);
}

/* proc_ended() - process @tgid ended: the sockets it left open are closed,
 * with the bytes the kernel's map still holds for them */
static void proc_ended(struct trace_log *log, pid_t tgid)
{
	struct trace_proc *p = trace_proc_get(log, tgid);

	for (size_t i = 0; i < log->n_socks; i++) {
		struct trace_sock *s = &log->socks[i];

		if (!s->open || s->tgid != tgid)
			continue;
		if (log->have_map)
			take_bytes(log->bytes_map, s);
		add_call(s, "(exit)");
		s->open = false;
		sock_closed(log, s);
	}
	if (p) { /* its fds are gone: a pid reused starts afresh */
		free(p->fds);
		p->fds = NULL;
		p->n_fds = 0;
	}
}

/* on_event() - one ring buffer record (ring_buffer__new()'s callback) */
static int on_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct b4tr_event))
		trace_log_event(ctx, data);
	return 0;
}

void trace_log_event(struct trace_log *log, const struct b4tr_event *e)
{
	struct trace_proc *p;

	log->events++;
	if (!log->netns) {
		log->netns = e->netns;
		read_subnets(log, (pid_t)e->tgid);
	}
	p = trace_proc_get(log, (pid_t)e->tgid);
	if (p && !p->comm[0])
		memcpy(p->comm, e->comm, sizeof(p->comm));
	switch (e->kind) {
	case TRACE_EXEC:
		if (p) {
			memcpy(p->comm, e->comm, sizeof(p->comm));
			p->comm[sizeof(p->comm) - 1] = '\0';
			p->is_static = e->arg1 == 1;
		}
		break;
	case TRACE_URING_SETUP:
		if (p)
			p->uring = e->ret < 0 ? (int)e->ret : 1;
		break;
	case TRACE_URING_OP:
		if (p)
			p->uring_connects++;
		on_uring_connect(log, e);
		break;
	case TRACE_EXIT:
		proc_ended(log, (pid_t)e->tgid);
		break;
	case TRACE_SOCKET:
	case TRACE_ACCEPT:
		if (e->ret >= 0)
			new_fd(log, e);
		break;
	default:
		if (e->kind < TRACE_KIND_MAX)
			on_call(log, e);
		break;
	}
	compact(log);
}

/* seed_tree() - put @pid and its descendants (the children of each
 * process's main thread) into the traced map. Return: how many, or a
 * negative errno */
static int seed_tree(int map, pid_t pid)
{
	pid_t todo[4096];
	size_t n = 0, done = 0;
	__u8 one = 1;

	todo[n++] = pid;
	while (done < n) {
		char path[64], buf[4096];
		pid_t cur = todo[done++];
		_cleanup_fclose_ FILE *f = NULL;
		__u32 key = (__u32)cur;

		if (bpf_map_update_elem(map, &key, &one, BPF_ANY))
			return -errno;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", cur, cur);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fscanf(f, "%4095s", buf) == 1 && n < ARRAY_SIZE(todo))
			todo[n++] = (pid_t)strtol(buf, NULL, 10);
	}
	return (int)n;
}

/* i386_runs() - can this kernel run i386 system calls (int $0x80)? A
 * kernel without IA-32 emulation, or with it off at boot, kills the
 * probing child with SIGSEGV. Only then is the i386 handler attached: it
 * sits on the raw sys_exit tracepoint, which slows every system call of
 * the machine. */
static bool i386_runs(void)
{
#if defined(__x86_64__)
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return false;
	if (pid == 0) {
		long ret;

		/* getpid, i386 number 20 */
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		_exit(ret > 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
#else
	return false;
#endif
}

/* open_bpf() - the BPF program, loaded and attached; io_uring submissions
 * watched if @uring */
static int open_bpf(bool uring, struct trace_skel **out, struct b4_error *err)
{
	unsigned int flags = uring ? TRACE_SKEL_URING : 0;
	struct stat st;
	int ret;

	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return b4_error_set(err, -ENOTSUP, "this kernel has no BTF "
				    "(/sys/kernel/btf/vmlinux): b4ns trace needs a "
				    "kernel built with CONFIG_DEBUG_INFO_BTF");
	if (stat("/proc/self/ns/net", &st))
		return b4_error_set(err, -errno, "/proc/self/ns/net: %s",
				    strerror(errno));
	libbpf_set_print(quiet_libbpf);
	if (i386_runs())
		flags |= TRACE_SKEL_I386;
	/* tests: count bytes as on a kernel before 6.3 */
	if (getenv("B4NS_TEST_TRACE_IO_SYSCALLS"))
		flags |= TRACE_SKEL_IO_SYSCALLS;
	ret = trace_skel_open((uint32_t)st.st_ino, flags, out);
	if (ret == -EPERM || ret == -EACCES)
		return b4_error_set(err, ret, "cannot load the BPF program: %s "
				    "(b4ns trace needs root, or CAP_BPF and "
				    "CAP_PERFMON)", strerror(-ret));
	if (ret)
		return b4_error_set(err, ret, "cannot load the BPF program: %s",
				    strerror(-ret));
	return 0;
}

/* start_child() - fork "b4ns run ..." held at a pipe until it is traced.
 * Return: its pid, or a negative errno */
static pid_t start_child(char **run_argv, const char *user, int map,
			 struct b4_error *err)
{
	struct passwd *pw = NULL;
	int go[2];
	pid_t pid;
	__u32 key;
	__u8 one = 1;

	if (user) {
		errno = 0;
		pw = getpwnam(user);
		if (!pw)
			return b4_error_set(err, errno ? -errno : -ENOENT,
					    "--user=%s: no such user", user);
	}
	if (pipe2(go, O_CLOEXEC))
		return b4_error_set(err, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(go[0]);
		close(go[1]);
		return b4_error_set(err, -errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(EXIT_FAILURE);
		if (pw && (initgroups(pw->pw_name, pw->pw_gid) ||
			   setgid(pw->pw_gid) || setuid(pw->pw_uid))) {
			fprintf(stderr, "b4ns trace: --user=%s: %s\n", user,
				strerror(errno));
			_exit(125);
		}
		execv("/proc/self/exe", run_argv);
		fprintf(stderr, "b4ns trace: cannot run b4ns: %s\n",
			strerror(errno));
		_exit(125);
	}
	close(go[0]);
	key = (__u32)pid;
	if (bpf_map_update_elem(map, &key, &one, BPF_ANY)) {
		int e = errno;

		close(go[1]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return b4_error_set(err, -e, "cannot trace the child: %s",
				    strerror(e));
	}
	if (write(go[1], "g", 1) != 1)
		b4_warn("trace: cannot start the child: %s", strerror(errno));
	close(go[1]);
	return pid;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* collect_open() - byte counts of the sockets still open at the end */
static void collect_open(struct trace_log *log, int map)
{
	for (size_t i = 0; i < log->n_socks; i++) {
		if (log->socks[i].open)
			take_bytes(map, &log->socks[i]);
	}
}

/* interim() - the report so far (--interval): the byte counts of open
 * sockets are read from the map, shown, and left there for the end */
static void interim(const struct trace_opts *o, struct trace_log *log,
		    struct trace_skel *skel, double start)
{
	int map = trace_skel_fd(skel, TRACE_MAP_BYTES);
	struct b4tr_bytes *b = calloc(log->n_socks + 1, sizeof(*b));
	int ret = 0;

	if (!b)
		return;
	for (size_t i = 0; i < log->n_socks; i++) {
		struct trace_sock *s = &log->socks[i];
		__u64 key = s->sk;

		if (!s->open || !key || bpf_map_lookup_elem(map, &key, &b[i]))
			continue;
		s->tx += b[i].tx;
		s->rx += b[i].rx;
	}
	log->seconds = now() - start;
	log->lost = trace_skel_dropped(skel);
	log->interim = true;
	if (o->json)
		ret = report_json(log, o->out);
	else
		report_print(log, o->out);
	log->interim = false;
	if (ret || fflush(o->out))
		b4_warn("trace: cannot write the report: %s",
			strerror(ret ? -ret : errno));
	for (size_t i = 0; i < log->n_socks; i++) {
		log->socks[i].tx -= b[i].tx;
		log->socks[i].rx -= b[i].rx;
	}
	free(b);
}

/* wait_workload() - poll the ring buffer until the workload ends or the
 * trace is stopped, reporting every @o->interval seconds if set.
 * Return: the child's status (or 0) */
static int wait_workload(const struct trace_opts *o, struct trace_log *log,
			 struct trace_skel *skel, struct ring_buffer *rb,
			 pid_t child, double start)
{
	bool passed_on = false;
	double next = start + o->interval;
	int status = 0;

	for (;;) {
		int r;

		/* events come without wake-ups (trace.bpf.c): drain on a clock */
		poll(NULL, 0, 50);
		r = ring_buffer__consume(rb);
		if (r < 0 && r != -EINTR)
			b4_warn("trace: ring buffer: %s", strerror(-r));
		if (child > 0) {
			pid_t w = waitpid(child, &status, WNOHANG);

			if (w == child)
				break;
		} else if (kill(o->pid, 0) && errno == ESRCH) {
			break;
		}
		if (o->interval > 0 && now() >= next && !trace_stop_sig) {
			interim(o, log, skel, start);
			next += o->interval;
		}
		if (o->duration > 0 && now() - start >= o->duration &&
		    !trace_stop_sig)
			trace_stop_sig = SIGTERM;
		if (trace_stop_sig && child <= 0)
			break;
		if (trace_stop_sig && !passed_on) {
			kill(child, trace_stop_sig);
			passed_on = true;
		}
	}
	if (child <= 0)
		return 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int trace_run(const struct trace_opts *o, struct trace_log *log, int *status,
	      struct b4_error *err)
{
	struct trace_skel *skel = NULL;
	struct ring_buffer *rb;
	struct sigaction sa = { .sa_handler = on_signal };
	int ret;
	pid_t child = 0;
	double start = now();

	*status = 0;
	if (cfg_policy(o->settings, &log->pol, err))
		return -EINVAL;
	log->mode = o->settings->mode;
	if (log->mode == CFG_MODE_AUTO)
		log->mode = CFG_MODE_SECCOMP; /* this b4ns's kernels have ADDFD */
	/* a b4ns run in seccomp mode denies io_uring unless allowed: its
	 * workload can make no io_uring connect then */
	ret = open_bpf(o->pid || log->mode != CFG_MODE_SECCOMP ||
		       o->settings->allow_io_uring, &skel, err);
	if (ret || !skel)
		return ret ? ret : -EINVAL;
	log->io_syscalls = trace_skel_io_syscalls(skel);
	log->bytes_map = trace_skel_fd(skel, TRACE_MAP_BYTES);
	log->have_map = true;
	rb = ring_buffer__new(trace_skel_fd(skel, TRACE_MAP_EVENTS), on_event, log,
			      NULL);
	if (!rb) {
		ret = b4_error_set(err, -errno, "ring buffer: %s", strerror(errno));
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o->pid) {
		ret = kill(o->pid, 0) ? -errno :
		      seed_tree(trace_skel_fd(skel, TRACE_MAP_TRACED), o->pid);
		if (ret < 0) {
			b4_error_set(err, ret, "cannot trace pid %d: %s",
				     (int)o->pid, strerror(-ret));
			goto out_rb;
		}
		/* the one status line: tells a caller the trace is on */
		fprintf(stderr, "b4ns trace: attached to pid %d and %d "
			"descendant%s\n", (int)o->pid, ret - 1,
			ret == 2 ? "" : "s");
	} else {
		child = start_child(o->run_argv, o->user,
				    trace_skel_fd(skel, TRACE_MAP_TRACED), err);
		if (child < 0) {
			ret = child;
			goto out_rb;
		}
	}
	log->lines = o->json && o->interval > 0;
	*status = wait_workload(o, log, skel, rb, child, start);
	ring_buffer__consume(rb);
	log->lost = trace_skel_dropped(skel);
	collect_open(log, trace_skel_fd(skel, TRACE_MAP_BYTES));
	log->seconds = now() - start;
	ret = 0;
out_rb:
	ring_buffer__free(rb);
out:
	log->have_map = false;
	trace_skel_close(skel);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return ret;
}
