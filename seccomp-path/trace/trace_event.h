/* SPDX-License-Identifier: GPL-2.0-or-later
 * trace_event.h - what trace.bpf.c reports to "b4ns trace" through its ring
 * buffer: one record per socket system call of the traced process tree
 * (shared by the BPF program and user space; no kernel or libc header here)
 */
#ifndef B4NS_TRACE_EVENT_H
#define B4NS_TRACE_EVENT_H

/* enum b4tr_kind - the call a struct b4tr_event records */
enum b4tr_kind {
	TRACE_SOCKET = 1,	/* @ret: the new fd */
	TRACE_CONNECT,		/* @addr: destination; @arg2: 1 if an i386
				 * system call made it (int $0x80: connect
				 * or socketcall CONNECT) */
	TRACE_BIND,		/* @addr: address */
	TRACE_LISTEN,
	TRACE_ACCEPT,		/* @ret: the new fd, @sk its socket */
	TRACE_SENDTO,		/* with a destination (@addr) only */
	TRACE_SENDMSG,		/* with a destination (@addr) only; @arg1 flags */
	TRACE_SENDMMSG,		/* likewise, the first message's; @arg1 flags */
	TRACE_SETSOCKOPT,	/* @arg1: level, @arg2: name */
	TRACE_SHUTDOWN,		/* @arg1: how */
	TRACE_CLOSE,		/* @tx/@rx: bytes of @sk, final */
	TRACE_URING_SETUP,	/* io_uring_setup(): @ret */
	TRACE_URING_OP,		/* an io_uring connect submitted: @arg1
				 * opcode, @fd its fd (-1 for a fixed file:
				 * @arg2 is 1 + its index), @addr the
				 * destination (read at the submission) */
	TRACE_EXEC,		/* the process ran execve(): @comm; @arg1 1 if
				 * its program has no ELF interpreter (static) */
	TRACE_EXIT,		/* the process (its leader) exits: the sockets
				 * it left open close with it */
	TRACE_KIND_MAX,
};

#define TRACE_ADDR_MAX 28	/* sizeof(struct sockaddr_in6) */
#define TRACE_COMM_MAX 16

/**
 * struct b4tr_event - one socket call of a traced task
 * @ts:		ktime (ns) at its end
 * @sk:		the struct sock the fd refers to after the call (an opaque
 *		id; 0 if the fd is not a socket)
 * @tx:		TRACE_CLOSE: bytes sent on @sk; TRACE_SOCKET and
 *		TRACE_ACCEPT: bytes an earlier socket at the same @sk left
 *		uncollected
 * @rx:		likewise, bytes received
 * @cookie:	@sk's socket cookie, 0 while none was made for it (the
 *		kernel makes one when first asked: SO_COOKIE, sock_diag, and
 *		trace.bpf.c's BTF programs)
 * @ret:	the call's return value
 * @tgid:	process
 * @tid:	thread
 * @netns:	the task's network namespace (inode number)
 * @sk_netns:	@sk's network namespace: differs from @netns for a host
 *		socket b4ns put in the container
 * @fd:		the fd the call names (-1 if none)
 * @kind:	enum b4tr_kind
 * @family:	@sk's family (TRACE_SOCKET: the call's argument)
 * @type:	@sk's type (TRACE_SOCKET: the call's argument)
 * @proto:	@sk's protocol (TRACE_SOCKET: the call's argument)
 * @arg1:	see enum b4tr_kind
 * @arg2:	see enum b4tr_kind
 * @addrlen:	the address length given (may exceed TRACE_ADDR_MAX)
 * @addr:	its first TRACE_ADDR_MAX bytes
 * @comm:	the task's name
 */
struct b4tr_event {
	__u64 ts;
	__u64 sk;
	__u64 tx;
	__u64 rx;
	__u64 cookie;
	__s64 ret;
	__u32 tgid;
	__u32 tid;
	__u32 netns;
	__u32 sk_netns;
	__s32 fd;
	__u16 kind;
	__u16 family;
	__u16 type;
	__u16 proto;
	__s32 arg1;
	__s32 arg2;
	__u32 addrlen;
	__u8 addr[TRACE_ADDR_MAX];
	char comm[TRACE_COMM_MAX];
};

/**
 * struct b4tr_bytes - bytes moved through one struct sock by traced tasks
 * (the BPF map "bytes", key: the sock's address)
 * @tx:	sent
 * @rx:	received
 */
struct b4tr_bytes {
	__u64 tx;
	__u64 rx;
};

#endif /* B4NS_TRACE_EVENT_H */
