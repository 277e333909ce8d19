// SPDX-License-Identifier: GPL-2.0-or-later
/* trace.bpf.c - the kernel side of "b4ns trace" (CO-RE, libbpf)
 *
 * Theory of operation: user space puts the pid of the process it starts
 * (or attaches to) into the map "traced"; the fork tracepoint adds every
 * child of a traced task, the exit tracepoint removes a leader that ends.
 * The exit tracepoints of the socket calls of a traced task whose network
 * namespace is not the tracer's (so the b4ns supervisor and slirp4netns,
 * which stay on the host, are left out) send one struct b4tr_event each
 * through the ring buffer: the arguments are read from the task's saved
 * registers at the exit, because a call b4ns answered itself (a switched
 * connect) never reaches the entry tracepoint (seccomp runs before it),
 * and the struct sock the fd then refers to: after a switch that is the
 * host socket b4ns put in place, which lives in another network namespace
 * than the task (@sk_netns). close() is seen at its entry instead (its fd
 * is gone at the exit); sendto()/sendmsg() at their entry too, to tell a
 * send the kernel ran from one b4ns run made. Bytes are counted in the map "bytes" per struct
 * sock on the kernel's sock_send_length/sock_recv_length tracepoints
 * (Linux 6.3), which every send and receive path of a socket passes
 * (read, write, send*, recv*, sendfile, splice to a socket, io_uring; not
 * splice from a TCP socket, which reads its queue directly): no tracepoint
 * sits on read/write, so the other processes of the machine pay nothing
 * for their file I/O. A kernel without them (or B4NS_TEST_TRACE_IO_SYSCALLS
 * in the tracer's environment) counts at the exits of read/write/send/recv
 * and sendfile calls instead (@io_by_syscall; splice and io_uring I/O are
 * not counted then). Counts are never reported per call: a
 * close reports the socket's totals (and drops them), user space reads
 * what is left at the end. The socket cookie is the kernel's; these
 * BTF tracepoint programs have the kernel make one (bpf_get_socket_cookie)
 * for a socket a traced task moves bytes through and for a TCP socket of
 * the traced tree that changes state (connect, listen), so later events
 * carry it; a socket that never does either may have none. An io_uring connect
 * is seen at its submission (io_uring_submit_req): its fd and its
 * destination, found through the request. The per-syscall
 * tracepoints never fire for an i386 system call of a 64-bit task
 * (int $0x80); the raw sys_exit tracepoint does, and it reports i386
 * connect and socketcall(CONNECT) of a traced task as connects marked
 * i386 (x86 only).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace_event.h"

char LICENSE[] SEC("license") = "GPL";

/* the tracer's own network namespace: tasks in it are not reported */
const volatile __u32 host_netns;
/* bytes counted at the exits of read/write/... (no sock_*_length) */
const volatile bool io_by_syscall;
/* events the ring buffer had no room for */
__u64 dropped;

#define S_IFMT_ 00170000
#define S_IFSOCK_ 0140000
#define IORING_OP_CONNECT_ 16
#define MSG_PEEK_ 2

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} traced SEC(".maps");

/* a call's arguments, as emit() reports them */
struct pending {
	__u16 kind;	/* enum b4tr_kind */
	__s32 fd;
	__s32 arg1;
	__s32 arg2;
	__u32 addrlen;
	__u8 addr[TRACE_ADDR_MAX];
	__u64 cookie;	/* close: the socket's cookie, read at the entry */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct b4tr_bytes);
} bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* the per-syscall exit tracepoints' record */
struct sys_exit_args {
	__u64 common;
	__s32 nr;
	__s32 pad;
	__s64 ret;
};

/* the close tracepoint's entry record */
struct sys_enter_args {
	__u64 common;
	__s32 nr;
	__s32 pad;
	__u64 args[6];
};

/* current_netns() - the current task's network namespace (direct loads
 * through BTF: no helper call per pointer) */
static __always_inline __u32 current_netns(void)
{
	return bpf_get_current_task_btf()->nsproxy->net_ns->ns.inum;
}

/* is_traced() - the current task is one of the tree, in a container */
static __always_inline bool is_traced(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!bpf_map_lookup_elem(&traced, &tgid))
		return false;
	return current_netns() != host_netns;
}

/* fd_sock() - the struct sock of the current task's @fd, or NULL */
static __always_inline struct sock *fd_sock(int fd)
{
	struct fdtable *fdt = bpf_get_current_task_btf()->files->fdt;
	struct file **fds;
	struct file *f = NULL;
	struct socket *s;

	if (fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT_) != S_IFSOCK_)
		return NULL;
	s = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(s, sk);
}

/* count() - @n bytes through @sk */
static __always_inline void count(struct sock *sk, __u8 tx, __s64 n)
{
	__u64 key = (__u64)sk;
	struct b4tr_bytes *b = bpf_map_lookup_elem(&bytes, &key);

	if (!b) {
		struct b4tr_bytes z = { 0 };

		bpf_map_update_elem(&bytes, &key, &z, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&bytes, &key);
		if (!b)
			return;
	}
	if (tx)
		__sync_fetch_and_add(&b->tx, n);
	else
		__sync_fetch_and_add(&b->rx, n);
}

/* take() - move the byte counts of @sk into @e */
static __always_inline void take(struct sock *sk, struct b4tr_event *e)
{
	__u64 key = (__u64)sk;
	struct b4tr_bytes *b = bpf_map_lookup_elem(&bytes, &key);

	if (!b)
		return;
	e->tx = b->tx;
	e->rx = b->rx;
	bpf_map_delete_elem(&bytes, &key);
}

/* emit() - the event of a call that ended with @ret */
static __always_inline void emit(const struct pending *p, __s64 ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct b4tr_event *e;
	struct sock *sk = NULL;
	int fd = p->fd;

	if ((p->kind == TRACE_SOCKET || p->kind == TRACE_ACCEPT) && ret >= 0)
		fd = (int)ret;
	if (p->kind != TRACE_CLOSE && p->kind != TRACE_URING_SETUP &&
	    p->kind != TRACE_EXEC && p->kind != TRACE_EXIT)
		sk = fd_sock(fd);
	if (p->kind == TRACE_CLOSE) {
		/* looked up at entry: the fd is gone now */
		sk = (struct sock *)(((__u64)p->arg2 << 32) | (__u32)p->arg1);
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->sk = (__u64)sk;
	e->ret = ret;
	e->tgid = id >> 32;
	e->tid = (__u32)id;
	e->netns = current_netns();
	e->fd = fd;
	e->kind = p->kind;
	e->arg1 = p->arg1;
	e->arg2 = p->arg2;
	e->addrlen = p->addrlen;
	__builtin_memcpy(e->addr, p->addr, TRACE_ADDR_MAX);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (sk) {
		e->sk_netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
		e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
		e->type = BPF_CORE_READ(sk, sk_type);
		e->proto = BPF_CORE_READ(sk, sk_protocol);
		if (p->kind == TRACE_SOCKET || p->kind == TRACE_ACCEPT ||
		    p->kind == TRACE_CLOSE)
			take(sk, e);
		if (p->kind == TRACE_CLOSE) {
			e->cookie = p->cookie;
		} else {
			e->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
		}
	} else if (p->kind == TRACE_SOCKET) {
		e->family = p->arg1;
		e->type = p->arg2;
	}
	/* no wake-up per event: user space drains the buffer every 50 ms */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* libbpf 1.1 names five syscall arguments only */
#ifndef PT_REGS_PARM6_CORE_SYSCALL
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_PARM6_CORE_SYSCALL(x) BPF_CORE_READ(x, r9)
#elif defined(__TARGET_ARCH_arm64)
#define PT_REGS_PARM6_CORE_SYSCALL(x) \
	BPF_CORE_READ((const struct user_pt_regs *)(x), regs[5])
#else
#error "the sixth system call argument of this architecture is not known"
#endif
#endif

/* arg() - argument @i (0-5) of the current task's system call: its saved
 * registers still hold them at the exit, also for a call seccomp answered
 * (which never reaches the entry tracepoint) */
static __always_inline __u64 arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0:
		return PT_REGS_PARM1_CORE_SYSCALL(regs);
	case 1:
		return PT_REGS_PARM2_CORE_SYSCALL(regs);
	case 2:
		return PT_REGS_PARM3_CORE_SYSCALL(regs);
	case 3:
		return PT_REGS_PARM4_CORE_SYSCALL(regs);
	case 4:
		return PT_REGS_PARM5_CORE_SYSCALL(regs);
	default:
		return PT_REGS_PARM6_CORE_SYSCALL(regs);
	}
}

static __always_inline struct pt_regs *regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* copy_addr() - a sockaddr of the container into @p */
static __always_inline void copy_addr(struct pending *p, const void *uaddr,
				      __u32 alen)
{
	p->addrlen = uaddr ? alen : 0;
	if (uaddr && alen)
		bpf_probe_read_user(p->addr, alen < TRACE_ADDR_MAX ?
				    (alen & 31) : TRACE_ADDR_MAX, uaddr);
}

/* traced_any() - the current process is one of the tree, also b4ns run
 * itself, which makes the host sockets it switches in */
static __always_inline bool traced_any(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return bpf_map_lookup_elem(&traced, &tgid) != NULL;
}

/* moved() - @ret bytes through @sk (a send if @tx) by the current task */
static __always_inline void moved(struct sock *sk, int ret, __u8 tx)
{
	if (ret <= 0 || !sk || !is_traced())
		return;
	bpf_get_socket_cookie(sk); /* made now if the socket had none */
	count(sk, tx, ret);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_sent, struct sock *sk, int ret, int flags)
{
	moved(sk, ret, 1);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_received, struct sock *sk, int ret, int flags)
{
	if (!(flags & MSG_PEEK_)) /* peeked bytes are read again */
		moved(sk, ret, 0);
	return 0;
}

#define TCP_SYN_SENT_ 2
#define TCP_LISTEN_ 10

/* a TCP socket of the tree connects or listens: its cookie is made now */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_state, struct sock *sk, int oldstate, int newstate)
{
	/* the states first: most changes happen in softirqs, of any task */
	if (newstate != TCP_SYN_SENT_ && newstate != TCP_LISTEN_)
		return 0;
	if (sk && traced_any())
		bpf_get_socket_cookie(sk);
	return 0;
}

/* bytes_done() - count what a read/write/send/recv moved (@io_by_syscall);
 * @flags_arg: which argument holds a recv's flags (MSG_PEEK: not counted,
 * the bytes are read again), or -1 */
static __always_inline void bytes_done(struct sys_exit_args *ctx, __u8 tx,
				       int flags_arg)
{
	struct pt_regs *r;
	struct sock *sk;

	if (ctx->ret <= 0 || !is_traced())
		return;
	r = regs();
	if (flags_arg >= 0 && (arg(r, flags_arg) & MSG_PEEK_))
		return;
	sk = fd_sock((int)arg(r, 0));
	if (sk)
		count(sk, tx, ctx->ret);
}

#define BYTES(name, dir, flags_arg)                                        \
	SEC("tracepoint/syscalls/sys_exit_" #name)                         \
	int exit_##name(struct sys_exit_args *ctx)                         \
	{                                                                  \
		bytes_done(ctx, dir, flags_arg);                           \
		return 0;                                                  \
	}

BYTES(read, 0, -1)
BYTES(readv, 0, -1)
BYTES(recvfrom, 0, 3)
BYTES(recvmsg, 0, 2)
BYTES(write, 1, -1)
BYTES(writev, 1, -1)
BYTES(sendfile64, 1, -1)	/* out_fd is the first argument */

/* threads of the tree inside a sendto()/sendmsg() the kernel runs. A call
 * seccomp answered never reaches the entry tracepoint: b4ns run made its
 * send then, in the host's namespace, where sock_sent() does not count */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} in_send SEC(".maps");

static __always_inline int send_entered(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u8 one = 1;

	if (!io_by_syscall && is_traced())
		bpf_map_update_elem(&in_send, &tid, &one, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int enter_sendto(void *ctx)
{
	return send_entered();
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int enter_sendmsg(void *ctx)
{
	return send_entered();
}

/* send_done() - the bytes of a sendto()/sendmsg() on @fd that no
 * sock_send_length of this task counted: all of them with @io_by_syscall,
 * else those b4ns run sent for the task (the call never entered) */
static __always_inline void send_done(int fd, __s64 ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sock *sk;

	if (!io_by_syscall && bpf_map_lookup_elem(&in_send, &tid)) {
		bpf_map_delete_elem(&in_send, &tid);
		return;
	}
	if (ret <= 0)
		return;
	sk = fd_sock(fd);
	if (sk)
		count(sk, 1, ret);
}

/* done() - the exit of a socket call of @kind: its event */
static __always_inline int done(struct sys_exit_args *ctx, __u16 kind)
{
	struct pt_regs *r;
	struct pending p = { .kind = kind };

	if (!is_traced())
		return 0;
	r = regs();
	p.fd = (int)arg(r, 0);
	switch (kind) {
	case TRACE_SOCKET:
		p.fd = -1;
		p.arg1 = (int)arg(r, 0);
		p.arg2 = (int)arg(r, 1);
		break;
	case TRACE_CONNECT:
	case TRACE_BIND:
		copy_addr(&p, (const void *)arg(r, 1), (__u32)arg(r, 2));
		break;
	case TRACE_LISTEN:
	case TRACE_SHUTDOWN:
		p.arg1 = (int)arg(r, 1);
		break;
	case TRACE_SETSOCKOPT:
		p.arg1 = (int)arg(r, 1);
		p.arg2 = (int)arg(r, 2);
		break;
	case TRACE_SENDTO:
		send_done(p.fd, ctx->ret);
		copy_addr(&p, (const void *)arg(r, 4), (__u32)arg(r, 5));
		if (!p.addrlen)
			return 0;
		break;
	case TRACE_SENDMSG:
	case TRACE_SENDMMSG: {
		const struct user_msghdr *msg = (const void *)arg(r, 1);
		void *name = NULL;
		int len = 0;

		if (kind == TRACE_SENDMSG)
			send_done(p.fd, ctx->ret);
		p.arg1 = (int)arg(r, kind == TRACE_SENDMSG ? 2 : 3);
		bpf_probe_read_user(&name, sizeof(name), &msg->msg_name);
		bpf_probe_read_user(&len, sizeof(len), &msg->msg_namelen);
		copy_addr(&p, name, len > 0 ? len : 0);
		if (!p.addrlen)
			return 0;
		break;
	}
	default:
		break;
	}
	emit(&p, ctx->ret);
	return 0;
}

#define CALL(name, kind)                                                   \
	SEC("tracepoint/syscalls/sys_exit_" #name)                         \
	int exit_##name(struct sys_exit_args *ctx)                         \
	{                                                                  \
		return done(ctx, kind);                                    \
	}

CALL(socket, TRACE_SOCKET)
CALL(connect, TRACE_CONNECT)
CALL(bind, TRACE_BIND)
CALL(listen, TRACE_LISTEN)
CALL(accept, TRACE_ACCEPT)
CALL(accept4, TRACE_ACCEPT)
CALL(sendto, TRACE_SENDTO)
CALL(sendmsg, TRACE_SENDMSG)
CALL(sendmmsg, TRACE_SENDMMSG)
CALL(setsockopt, TRACE_SETSOCKOPT)
CALL(shutdown, TRACE_SHUTDOWN)
CALL(io_uring_setup, TRACE_URING_SETUP)

/* close: only of sockets, reported at the entry (the fd is gone at the
 * exit; a close of an fd that holds a socket always releases it, so no
 * exit program is needed, and the machine's other closes pay one program,
 * not two) */
SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct sys_enter_args *ctx)
{
	struct pending p = { .kind = TRACE_CLOSE };
	struct sock *sk;
	__u64 v;

	if (!is_traced())
		return 0;
	sk = fd_sock((int)ctx->args[0]);
	if (!sk)
		return 0;
	v = (__u64)sk;
	p.fd = (int)ctx->args[0];
	p.arg1 = (__s32)(__u32)v;
	p.arg2 = (__s32)(__u32)(v >> 32);
	p.cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	emit(&p, 0);
	return 0;
}

#if defined(__TARGET_ARCH_x86)
#define TS_COMPAT_ 0x0002	/* thread_info.status: an i386 call runs */
#define NR32_SOCKETCALL_ 102
#define NR32_CONNECT_ 362
#define SC_CONNECT_ 3

/* every system call's exit: i386 connects of the traced tasks (the
 * per-syscall tracepoints ignore i386 calls) */
SEC("tracepoint/raw_syscalls/sys_exit")
int raw_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pending p = { .kind = TRACE_CONNECT, .arg2 = 1 };
	struct pt_regs *r;
	__u32 a[3] = { 0, 0, 0 };
	long nr;

	/* cheapest test first: this runs for every call of the machine */
	if (!(t->thread_info.status & TS_COMPAT_))
		return 0;
	nr = BPF_CORE_READ(ctx, id);
	if ((nr != NR32_CONNECT_ && nr != NR32_SOCKETCALL_) || !is_traced())
		return 0;
	r = regs();
	if (nr == NR32_CONNECT_) {
		a[0] = (__u32)BPF_CORE_READ(r, bx);
		a[1] = (__u32)BPF_CORE_READ(r, cx);
		a[2] = (__u32)BPF_CORE_READ(r, dx);
	} else {
		if ((__u32)BPF_CORE_READ(r, bx) != SC_CONNECT_)
			return 0;
		if (bpf_probe_read_user(a, sizeof(a),
					(const void *)(unsigned long)(__u32)
					BPF_CORE_READ(r, cx)))
			return 0;
	}
	p.fd = (int)a[0];
	copy_addr(&p, (const void *)(unsigned long)a[1], a[2]);
	emit(&p, BPF_CORE_READ(ctx, ret));
	return 0;
}
#endif

#define REQ_F_FIXED_FILE_ 1	/* IOSQE_FIXED_FILE: cqe.fd is a table index */

/* an io_uring connect, at its submission (in the submitting task, after
 * the kernel prepared it): the fd from the request (req->cqe.fd holds the
 * SQE's fd until the completion; an index in the ring's file table with
 * IOSQE_FIXED_FILE, reported as @arg2 then), the destination from the
 * program's buffer the request points to (struct io_connect: its layout
 * is stable, the kernel's own copy moved between kernel versions; the
 * kernel copied it a moment before, so only a thread rewriting the buffer
 * in that moment could make the two differ) */
SEC("tracepoint/io_uring/io_uring_submit_req")
int uring_submit(struct trace_event_raw_io_uring_submit_req *ctx)
{
	struct pending p = { .kind = TRACE_URING_OP, .fd = -1 };
	struct io_kiocb *req;
	struct io_connect *conn;
	int fd, alen;

	/* the opcode first: b4ns run itself submits getsockopt commands */
	p.arg1 = BPF_CORE_READ(ctx, opcode);
	if (p.arg1 != IORING_OP_CONNECT_ || !is_traced())
		return 0;
	req = (struct io_kiocb *)BPF_CORE_READ(ctx, req);
	fd = BPF_CORE_READ(req, cqe.fd);
	if (BPF_CORE_READ(ctx, flags) & REQ_F_FIXED_FILE_)
		p.arg2 = fd + 1;
	else
		p.fd = fd;
	conn = (struct io_connect *)&req->cmd;
	alen = BPF_CORE_READ(conn, addr_len);
	copy_addr(&p, BPF_CORE_READ(conn, addr), alen > 0 ? alen : 0);
	emit(&p, 0);
	return 0;
}

#define AT_NULL_ 0
#define AT_BASE_ 7	/* the interpreter's base: 0 without PT_INTERP */

/* no_interp() - the current task's program was loaded without an ELF
 * interpreter (statically linked): AT_BASE in its auxiliary vector is 0 */
static __always_inline int no_interp(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	int i;

	if (!mm)
		return 0;
	for (i = 0; i < 26; i++) {
		unsigned long pair[2] = { 0, 0 };

		if (bpf_core_read(pair, sizeof(pair), &mm->saved_auxv[2 * i]))
			return 0;
		if (pair[0] == AT_NULL_)
			return 0;
		if (pair[0] == AT_BASE_)
			return pair[1] == 0;
	}
	return 0;
}

/* an exec: @arg1 1 if the new program is statically linked */
SEC("tracepoint/sched/sched_process_exec")
int proc_exec(void *ctx)
{
	struct pending p = { .kind = TRACE_EXEC, .fd = -1 };

	if (is_traced()) {
		p.arg1 = no_interp();
		emit(&p, 0);
	}
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int proc_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	__u32 parent = bpf_get_current_pid_tgid() >> 32;
	__u32 child = BPF_CORE_READ(ctx, child_pid);
	__u8 one = 1;

	if (bpf_map_lookup_elem(&traced, &parent))
		bpf_map_update_elem(&traced, &child, &one, BPF_ANY);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int proc_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	bpf_map_delete_elem(&in_send, &tid);
	if (tid != id >> 32)
		return 0;
	/* a process of the tree ends: the sockets it left open are closed
	 * by the kernel, no close() will say so (its fd table is still
	 * there at this tracepoint, its namespaces too) */
	if (is_traced()) {
		struct pending p = { .kind = TRACE_EXIT, .fd = -1 };

		emit(&p, 0);
	}
	bpf_map_delete_elem(&traced, &tid);
	return 0;
}
