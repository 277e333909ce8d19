/* SPDX-License-Identifier: GPL-2.0-or-later
 * trace.h - "b4ns trace": what a traced workload did with its sockets
 * (trace.c collects it with the BPF program, report.c judges and prints it)
 */
#ifndef B4NS_TRACE_H
#define B4NS_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/types.h> /* trace_event.h's __u64, ... */

#include "cfg.h"
#include "err.h"
#include "policy.h"
#include "trace/trace_event.h"

#define TRACE_CALLS_MAX 240	/* the call sequence text of one socket */
#define TRACE_OPTS_MAX 8	/* options set before the switch, kept */
/* closed sockets kept one by one; each later one is folded into a row of
 * trace_log.folds when it closes, so a long trace's memory and report stay
 * bounded */
#define TRACE_KEEP_CLOSED 1000
/* rows of folded sockets told apart by destination; past them, rows are
 * told apart only by verdict */
#define TRACE_FOLDS_MAX 200

/**
 * struct trace_sock - one socket of the traced workload
 * @id:		1, 2, ... in the order the sockets appeared
 * @tgid:	process that made (or accepted) it
 * @fd:		its fd there
 * @sk:		the kernel socket the fd refers to now (an opaque id)
 * @cookie:	the socket cookie of @sk (SO_COOKIE), 0 if not known
 * @cookie_sk:	the @sk @cookie belongs to
 * @comm:	the process's name
 * @family:	its family (of the host socket once switched)
 * @type:	SOCK_STREAM, SOCK_DGRAM, ...
 * @proto:	protocol
 * @calls:	the calls made on it in order, repeats counted ("sendto x3")
 * @last_call:	the last entry of @calls, to fold repeats
 * @last_n:	how many times @last_call came in a row (0: @calls is full)
 * @last_at:	where @last_call starts in @calls
 * @dst:	the first destination (connect, or a send naming one);
 *		AF_UNSPEC if none
 * @n_dst:	destinations named (connects and sends with one)
 * @bound:	the address bound, AF_UNSPEC if none
 * @tx:		bytes sent through it by the workload
 * @rx:		bytes received
 * @open:	its fd is still open
 * @connected:	a connect() or accept() made it a connection
 * @accepted:	it came from accept()
 * @host:	it was seen to be a host socket (b4ns switched it)
 * @decided:	@verdict is set (the first connect, bind or send with a
 *		destination decides)
 * @switched:	the verdict: true if on the fast path
 * @verdict:	"switched at connect", "not switched", ...
 * @reason:	why: the policy's words or what the trace saw
 * @hint:	the b4ns setting that would change it, or NULL
 * @opts:	options set before the switch that b4ns does not copy
 *		(level << 16 | name)
 * @n_opts:	entries in @opts
 * @err:	the deciding call's result (0 or a negative errno)
 * @i386:	an i386 system call (int $0x80) connected it
 * @n_folded:	0 for one socket; in trace_log.folds, how many closed
 *		sockets alike the row stands for (sums in @tx, @rx; the other
 *		fields are the first one's)
 * @gone:	folded away: the slot is empty until the next compaction
 * @fold_row:	a @gone slot: 1 + the index of its row in trace_log.folds
 * @conn:	a row of folded sockets: they were connections
 *		(report_is_conn() of each)
 */
struct trace_sock {
	unsigned long id;
	pid_t tgid;
	int fd;
	uint64_t sk;
	uint64_t cookie;
	uint64_t cookie_sk;
	char comm[16];
	int family;
	int type;
	int proto;
	char calls[TRACE_CALLS_MAX];
	char last_call[40];
	unsigned int last_n;
	size_t last_at;
	struct sockaddr_storage dst;
	unsigned long n_dst;
	struct sockaddr_storage bound;
	uint64_t tx;
	uint64_t rx;
	bool open;
	bool connected;
	bool accepted;
	bool host;
	bool decided;
	bool switched;
	const char *verdict;
	char reason[128];
	const char *hint;
	int opts[TRACE_OPTS_MAX];
	int n_opts;
	int err;
	bool i386;
	unsigned long n_folded;
	bool gone;
	size_t fold_row;
	bool conn;
};

/**
 * struct trace_proc - a process of the traced workload
 * @tgid:	its pid
 * @comm:	its name after its last exec
 * @is_static:	its program is statically linked (libb4ns.so cannot load)
 * @uring:	io_uring_setup() result: 0 not called, 1 allowed, or the
 *		negative errno b4ns's filter gave
 * @uring_connects: io_uring connect submissions (never seen by seccomp)
 * @fds:	by fd: 1 + the index in trace_log.socks of the socket open at
 *		that fd, or 0
 * @n_fds:	entries allocated in @fds
 */
struct trace_proc {
	pid_t tgid;
	char comm[16];
	bool is_static;
	int uring;
	unsigned long uring_connects;
	size_t *fds;
	size_t n_fds;
};

/**
 * struct trace_log - everything one trace collected, and the settings its
 * verdicts are judged by
 * @pol:	the container's switching policy (cfg_policy() of the run's
 *		settings: the supervisor's own)
 * @st:		its runtime state as far as the trace knows it (the
 *		container's own subnets, read from its namespace)
 * @mode:	the run's switching mode (auto resolved)
 * @netns:	the container's network namespace (of the first process
 *		seen), 0 until known
 * @socks:	sockets, in order of appearance
 * @n_socks:	entries in @socks
 * @cap_socks:	entries allocated
 * @procs:	processes
 * @n_procs:	entries in @procs
 * @cap_procs:	entries allocated
 * @folds:	rows of closed sockets folded together (TRACE_KEEP_CLOSED)
 * @n_folds:	entries in @folds
 * @cap_folds:	entries allocated
 * @n_closed:	closed sockets kept one by one in @socks
 * @n_gone:	slots of @socks left empty by folding
 * @n_ids:	sockets seen: the last trace_sock.id given
 * @last_fold_id: the highest trace_sock.id folded away (bytes left in the
 *		kernel's map by a socket are not given to an older record)
 * @have_map:	@bytes_map is set: a process's exit collects the byte counts
 *		of the sockets it left open
 * @bytes_map:	fd of the BPF map of byte counts
 * @events:	events received
 * @lost:	events the ring buffer could not take
 * @seconds:	how long the trace ran
 * @io_syscalls: bytes were counted at the exits of read/write/send/recv
 *		calls (a kernel before 6.3), not on the sock_*_length tracepoints
 * @lines:	report_json() writes one line per report (--interval)
 * @interim:	the report is one of --interval's, the workload runs on
 */
struct trace_log {
	struct policy_cfg pol;
	struct policy_state st;
	enum cfg_mode mode;
	uint32_t netns;
	struct trace_sock *socks;
	size_t n_socks;
	size_t cap_socks;
	struct trace_proc *procs;
	size_t n_procs;
	size_t cap_procs;
	struct trace_sock *folds;
	size_t n_folds;
	size_t cap_folds;
	unsigned long n_closed;
	unsigned long n_gone;
	unsigned long n_ids;
	unsigned long last_fold_id;
	bool have_map;
	int bytes_map;
	unsigned long events;
	unsigned long lost;
	double seconds;
	bool io_syscalls;
	bool lines;
	bool interim;
};

/**
 * struct trace_opts - what to trace and how to report it
 * @run_argv:	"b4ns", "run" and its options, then "--" and the command
 *		(NULL-terminated); NULL with @pid
 * @pid:	attach to this running process tree instead, or 0
 * @duration:	stop after this many seconds (0: when the workload ends)
 * @interval:	also report every this many seconds while it runs (0: not)
 * @out:	where the --interval reports go
 * @json:	report as JSON
 * @settings:	the run's effective settings (the policy is built from them)
 * @user:	run "b4ns run" as this user (its uid, gid and groups), or NULL
 *		for the caller's
 */
struct trace_opts {
	char **run_argv;
	pid_t pid;
	double duration;
	double interval;
	FILE *out;
	bool json;
	const struct cfg_container *settings;
	const char *user;
};

/**
 * trace_run() - load the BPF program, run or attach to the workload, and
 * collect its socket calls into @log until it ends (or @o->duration, or
 * SIGINT/SIGTERM, which are passed on to it)
 * @o:		what to trace
 * @log:	result (zero-initialised by the caller); trace_log_free() it
 * @status:	the workload's exit status (b4ns run's), or 0 when attached
 * @err:	why tracing could not start: no BTF, no privilege, ...
 *
 * Return: 0, or a negative errno
 */
int trace_run(const struct trace_opts *o, struct trace_log *log, int *status,
	      struct b4_error *err);

/**
 * trace_log_free() - release what trace_run() allocated in @log
 * @log:	the log
 */
void trace_log_free(struct trace_log *log);

/**
 * trace_log_event() - one event of the BPF program into @log: the record
 * of its socket and process updated, and the socket judged at its first
 * connect, bind or send naming a destination (report_decide_connect(),
 * report_decide_bind())
 * @log:	the log (its policy and mode set)
 * @e:		the event
 */
void trace_log_event(struct trace_log *log, const struct b4tr_event *e);

/**
 * trace_proc_get() - the record of process @tgid, made if new
 * @log:	the log
 * @tgid:	process
 *
 * Return: the record, or NULL if out of memory
 */
struct trace_proc *trace_proc_get(struct trace_log *log, pid_t tgid);

/**
 * enum report_seen - whether b4ns's filter sees a call naming a destination
 * @REPORT_TRAPPED:	it does (connect, sendto, a trapped sendmsg)
 * @REPORT_SENDMSG_OFF:	not: sendmsg with udp_sendmsg off, sendmmsg
 * @REPORT_URING:	not: an io_uring connect (seccomp never sees those)
 */
enum report_seen {
	REPORT_TRAPPED,
	REPORT_SENDMSG_OFF,
	REPORT_URING,
};

/**
 * report_is_conn() - is @s a connection (connected, accepted, or a datagram
 * socket that named a destination; a row of folded sockets: were they)?
 * @s:		the socket
 *
 * Return: true if it counts as a connection in the summary
 */
bool report_is_conn(const struct trace_sock *s);

/**
 * report_decide_connect() - judge a connect (or a send naming @dst) of @s
 * with the supervisor's own policy, and record the verdict if it is the
 * socket's first
 * @log:	the trace (policy, mode, processes)
 * @s:		the socket (its properties, @s->host: seen switched after it)
 * @dst:	destination
 * @send:	the call is a send naming @dst, not a connect
 * @seen:	whether b4ns sees this call
 * @foreign_ns:	the call came from a namespace nested in the container
 * @ret:	the call's result
 */
void report_decide_connect(struct trace_log *log, struct trace_sock *s,
			   const struct sockaddr *dst, bool send,
			   enum report_seen seen, bool foreign_ns, long ret);

/**
 * report_decide_bind() - judge a bind of @s with the supervisor's policy
 * @log:	the trace
 * @s:		the socket
 * @addr:	the address bound
 * @ret:	the call's result
 */
void report_decide_bind(struct trace_log *log, struct trace_sock *s,
			const struct sockaddr *addr, long ret);

/**
 * report_print() - the table of sockets and the summary, as text
 * @log:	the trace
 * @f:		where to
 */
void report_print(const struct trace_log *log, FILE *f);

/**
 * report_json() - the same as one JSON object
 * @log:	the trace
 * @f:		where to
 *
 * Return: 0, or -ENOMEM
 */
int report_json(const struct trace_log *log, FILE *f);

#endif /* B4NS_TRACE_H */
