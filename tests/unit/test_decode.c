// SPDX-License-Identifier: GPL-2.0-or-later
/* test_decode.c - argument layouts of the trapped calls, per ABI
 * (handler_decode() in seccomp-path/supervisor/handlers.c)
 *
 * test_handlers.c proves which call each number is; this file pins where
 * each argument comes from and how wide it is: x86_64 passes all six
 * registers through, i386 keeps their low 32 bits (a 64-bit task can enter
 * the i386 table with int $0x80 and any upper bits; the kernel ignores
 * them, so must we), and socketcall(2) copies exactly as many 32-bit words
 * as the kernel reads for that call (bind, connect, getsockname,
 * getpeername, sendmsg: 3; listen: 2; sendmmsg: 4; sendto: 6). Anything
 * that is neither x86_64 nor i386, and x32, is denied with ENOSYS.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/net.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "supervisor/handlers.h"

#define I386_SOCKETCALL 102

/* sixty-four bit patterns whose halves differ, and whose low halves would
 * show a sign extension */
static const uint64_t pattern[6] = {
	0xdead0000ffffffffULL, 0x0000000180000000ULL, 0xffffffff00000010ULL,
	0x123456789abcdef0ULL, 0x8000000000000001ULL, 0x00000000fffffff0ULL,
};

static struct seccomp_notif notif(uint32_t arch, int nr)
{
	struct seccomp_notif n;

	memset(&n, 0, sizeof(n));
	n.id = 1;
	n.pid = (uint32_t)getpid();
	n.data.arch = arch;
	n.data.nr = nr;
	memcpy(n.data.args, pattern, sizeof(pattern));
	return n;
}

/* decode() - handler_decode() into a result full of garbage first, so
 * that whatever it does not set shows */
static int decode(const struct seccomp_notif *n, struct hcall *c)
{
	memset(c, 0xa5, sizeof(*c));
	return handler_decode(n, c);
}

Test(decode_layout, x86_64_passes_all_six_registers_through)
{
	static const int nr[] = {
		__NR_connect, __NR_bind, __NR_listen, __NR_sendto,
		__NR_sendmsg, __NR_sendmmsg, __NR_getsockname,
		__NR_getpeername,
	};

	for (size_t i = 0; i < ARRAY_SIZE(nr); i++) {
		struct seccomp_notif n = notif(AUDIT_ARCH_X86_64, nr[i]);
		struct hcall c;

		cr_assert_eq(decode(&n, &c), 0);
		cr_assert_not(c.multiplexed);
		for (int k = 0; k < 6; k++)
			cr_assert_eq(c.a[k], pattern[k], "nr %d arg %d", nr[i], k);
	}
}

Test(decode_layout, x86_64_numbers_not_trapped_are_denied)
{
	/* never sent to the supervisor by its filter: if one comes, it is
	 * refused, never let run */
	static const int nr[] = {
		__NR_socket, __NR_recvmsg, __NR_recvfrom, __NR_close,
		__NR_openat, -1, 0x3fffffff, 102 /* getuid, not socketcall */,
	};

	for (size_t i = 0; i < ARRAY_SIZE(nr); i++) {
		struct seccomp_notif n = notif(AUDIT_ARCH_X86_64, nr[i]);
		struct hcall c;

		cr_assert_eq(decode(&n, &c), 0);
		cr_assert_eq(c.op, HOP_DENY, "nr %d", nr[i]);
	}
}

Test(decode_layout, accept_by_every_abi)
{
	/* x86_64 accept and accept4, i386 accept4 (i386 has accept only
	 * through socketcall, tested with the other socketcall numbers) */
	static const struct { uint32_t arch; int nr; enum hop op; } t[] = {
		{ AUDIT_ARCH_X86_64, __NR_accept, HOP_ACCEPT },
		{ AUDIT_ARCH_X86_64, __NR_accept4, HOP_ACCEPT4 },
		{ AUDIT_ARCH_I386, 364, HOP_ACCEPT4 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct seccomp_notif n = notif(t[i].arch, t[i].nr);
		struct hcall c;

		cr_assert_eq(decode(&n, &c), 0);
		cr_assert_eq(c.op, t[i].op, "nr %d", t[i].nr);
		cr_assert_not(c.multiplexed);
	}
}

Test(decode_layout, x32_is_denied_whatever_the_number)
{
	/* x32's connect, bind, listen, sendto (the x86_64 numbers with the
	 * x32 bit) and its own sendmsg (518) and sendmmsg (538) */
	static const int nr[] = {
		__NR_connect, __NR_bind, __NR_listen, __NR_sendto,
		__NR_getsockname, __NR_getpeername, 518, 538, 0,
	};

	for (size_t i = 0; i < ARRAY_SIZE(nr); i++) {
		struct seccomp_notif n = notif(AUDIT_ARCH_X86_64,
					       0x40000000 | nr[i]);
		struct hcall c;

		cr_assert_eq(decode(&n, &c), 0);
		cr_assert_eq(c.op, HOP_DENY, "x32 nr %d", nr[i]);
		cr_assert_not(c.multiplexed);
	}
}

Test(decode_layout, other_architectures_are_denied)
{
	static const uint32_t arch[] = {
		AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_PPC64LE,
		AUDIT_ARCH_S390X, AUDIT_ARCH_RISCV64, 0,
		/* the i386 and x86_64 machine numbers without their flags */
		AUDIT_ARCH_X86_64 & ~(uint32_t)__AUDIT_ARCH_64BIT,
		AUDIT_ARCH_I386 | __AUDIT_ARCH_64BIT,
	};

	for (size_t i = 0; i < ARRAY_SIZE(arch); i++) {
		/* the numbers connect has on x86_64 and i386, and socketcall */
		static const int nr[] = { __NR_connect, 362, I386_SOCKETCALL };

		for (size_t j = 0; j < ARRAY_SIZE(nr); j++) {
			struct seccomp_notif n = notif(arch[i], nr[j]);
			struct hcall c;

			cr_assert_eq(decode(&n, &c), 0);
			cr_assert_eq(c.op, HOP_DENY, "arch %#x nr %d", arch[i],
				     nr[j]);
			cr_assert_not(c.multiplexed);
		}
	}
}

Test(decode_layout, i386_keeps_the_low_32_bits_unsigned)
{
	static const int nr[] = { 362, 361, 363, 369, 370, 345, 367, 368,
				  364 /* accept4 */ };

	for (size_t i = 0; i < ARRAY_SIZE(nr); i++) {
		struct seccomp_notif n = notif(AUDIT_ARCH_I386, nr[i]);
		struct hcall c;

		cr_assert_eq(decode(&n, &c), 0);
		cr_assert_not(c.multiplexed);
		for (int k = 0; k < 6; k++)
			cr_assert_eq(c.a[k], (uint64_t)(uint32_t)pattern[k],
				     "nr %d arg %d: %#llx", nr[i], k,
				     (unsigned long long)c.a[k]);
	}
}

/* struct guarded - a page of argument words below 4 GiB followed by an
 * unreadable page, so that a read of one word too many fails */
struct guarded {
	uint8_t *base;
};

static struct guarded guarded_new(void)
{
	struct guarded g;

	g.base = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	cr_assert_neq(g.base, MAP_FAILED);
	cr_assert_eq(mprotect(g.base + 4096, 4096, PROT_NONE), 0);
	return g;
}

/* guarded_words() - @n words ending where the readable page ends, filled
 * with @first, @first + 1, ... */
static uint32_t *guarded_words(const struct guarded *g, int n, uint32_t first)
{
	uint32_t *w = (uint32_t *)(g->base + 4096) - n;

	for (int i = 0; i < n; i++)
		w[i] = first + (uint32_t)i;
	return w;
}

Test(decode_layout, socketcall_copies_exactly_the_words_of_each_call)
{
	static const struct { unsigned int call; enum hop op; int n; } t[] = {
		{ SYS_BIND, HOP_BIND, 3 },
		{ SYS_CONNECT, HOP_CONNECT, 3 },
		{ SYS_LISTEN, HOP_LISTEN, 2 },
		{ SYS_GETSOCKNAME, HOP_GETSOCKNAME, 3 },
		{ SYS_GETPEERNAME, HOP_GETPEERNAME, 3 },
		{ SYS_SENDTO, HOP_SENDTO, 6 },
		{ SYS_SENDMSG, HOP_SENDMSG, 3 },
		{ SYS_SENDMMSG, HOP_SENDMMSG, 4 },
		{ SYS_ACCEPT, HOP_ACCEPT, 3 },
		{ SYS_ACCEPT4, HOP_ACCEPT4, 4 },
	};
	struct guarded g = guarded_new();

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct seccomp_notif n = notif(AUDIT_ARCH_I386, I386_SOCKETCALL);
		uint32_t *w = guarded_words(&g, t[i].n, 0xfffffff0u);
		struct hcall c;

		/* all n words readable, not one more: decoded */
		n.data.args[0] = t[i].call;
		n.data.args[1] = (uint64_t)(uintptr_t)w;
		cr_assert_eq(decode(&n, &c), 0, "call %u", t[i].call);
		cr_assert_eq(c.op, t[i].op, "call %u", t[i].call);
		cr_assert(c.multiplexed);
		for (int k = 0; k < t[i].n; k++)
			cr_assert_eq(c.a[k], 0xfffffff0ull + (uint64_t)k,
				     "call %u word %d", t[i].call, k);
		/* the words the call does not have are zero, not the
		 * registers' or the array's */
		for (int k = t[i].n; k < 6; k++)
			cr_assert_eq(c.a[k], 0, "call %u word %d", t[i].call, k);

		/* one word fewer readable: every word is read */
		n.data.args[1] = (uint64_t)(uintptr_t)(w + 1);
		cr_assert_eq(decode(&n, &c), -EFAULT, "call %u", t[i].call);
	}
	munmap(g.base, 8192);
}

Test(decode_layout, socketcall_pointer_is_32_bits)
{
	struct guarded g = guarded_new();
	uint32_t *w = guarded_words(&g, 3, 7);
	struct seccomp_notif n = notif(AUDIT_ARCH_I386, I386_SOCKETCALL);
	struct hcall c;

	/* the kernel reads the array at the register's low 32 bits */
	n.data.args[0] = SYS_CONNECT;
	n.data.args[1] = 0xffff000000000000ULL | (uint64_t)(uintptr_t)w;
	cr_assert_eq(decode(&n, &c), 0);
	cr_assert_eq(c.op, HOP_CONNECT);
	cr_assert_eq(c.a[0], 7);
	cr_assert_eq(c.a[1], 8);
	cr_assert_eq(c.a[2], 9);
	munmap(g.base, 8192);
}

Test(decode_layout, socketcall_number_is_32_bits)
{
	struct guarded g = guarded_new();
	uint32_t *w = guarded_words(&g, 3, 7);
	struct seccomp_notif n = notif(AUDIT_ARCH_I386, I386_SOCKETCALL);
	struct hcall c;

	/* int $0x80 from 64-bit code can set the upper half of ebx; the
	 * kernel's socketcall takes an int: this is a connect, and must not
	 * be let run as "a number b4ns does not trap" */
	n.data.args[0] = (1ULL << 32) | SYS_CONNECT;
	n.data.args[1] = (uint64_t)(uintptr_t)w;
	cr_assert_eq(decode(&n, &c), 0);
	cr_assert_eq(c.op, HOP_CONNECT);
	cr_assert_eq(c.a[0], 7);
	n.data.args[0] = 0xffffffff00000000ULL | SYS_SENDTO;
	cr_assert_eq(decode(&n, &c), -EFAULT, "sendto reads 6 words, 3 exist");
	munmap(g.base, 8192);
}

Test(decode_layout, socketcall_numbers_not_trapped_or_out_of_range)
{
	/* harmless to let run: the kernel reads the number from its register
	 * once (and refuses 0, > SYS_SENDMMSG with EINVAL); nothing is read
	 * from the task, so an unreadable array is no error */
	static const uint64_t call[] = {
		0, SYS_SOCKET, SYS_SEND, SYS_RECV, SYS_RECVFROM,
		SYS_SHUTDOWN, SYS_SETSOCKOPT, SYS_GETSOCKOPT, SYS_RECVMSG,
		SYS_RECVMMSG, SYS_SOCKETPAIR,
		21, 22, 100, 0x7fffffff, 0x80000000, 0xffffffff,
		(1ULL << 32) | SYS_RECV,
	};

	for (size_t i = 0; i < ARRAY_SIZE(call); i++) {
		struct seccomp_notif n = notif(AUDIT_ARCH_I386, I386_SOCKETCALL);
		struct hcall c;

		n.data.args[0] = call[i];
		n.data.args[1] = 16; /* the zero page */
		cr_assert_eq(decode(&n, &c), 0, "call %#llx",
			     (unsigned long long)call[i]);
		cr_assert_eq(c.op, HOP_OTHER, "call %#llx",
			     (unsigned long long)call[i]);
		cr_assert(c.multiplexed);
	}
}

Test(decode_layout, socketcall_with_its_array_at_address_zero)
{
	struct seccomp_notif n = notif(AUDIT_ARCH_I386, I386_SOCKETCALL);
	struct hcall c;

	n.data.args[0] = SYS_BIND;
	n.data.args[1] = 0;
	cr_assert_eq(decode(&n, &c), -EFAULT);
	/* only the low half counts: 1 << 32 is address 0 too */
	n.data.args[1] = 1ULL << 32;
	cr_assert_eq(decode(&n, &c), -EFAULT);
}

/* a stats object of whatever type handler_ctx counts in */
typedef __typeof__(*((struct handler_ctx *)0)->st) stats_t;

/* dispatch() - handler_dispatch() of @n, which must not need more than
 * the notification and the counters */
static enum handler_result dispatch(const struct seccomp_notif *n,
				    struct seccomp_notif_resp *resp,
				    stats_t *st)
{
	struct handler_ctx ctx;
	struct handler_wait w;

	memset(&ctx, 0, sizeof(ctx));
	ctx.notify_fd = -1;
	ctx.req = n;
	ctx.st = st;
	memset(resp, 0, sizeof(*resp));
	resp->id = n->id;
	return handler_dispatch(&ctx, resp, &w);
}

Test(decode_layout, denied_calls_are_answered_enosys)
{
	struct seccomp_notif n[] = {
		notif(AUDIT_ARCH_X86_64, 0x40000000 | __NR_connect),
		notif(AUDIT_ARCH_AARCH64, 203),
		notif(AUDIT_ARCH_X86_64, __NR_openat),
		notif(AUDIT_ARCH_I386, 42),
	};
	stats_t st;

	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < ARRAY_SIZE(n); i++) {
		struct seccomp_notif_resp resp;

		cr_assert_eq(dispatch(&n[i], &resp, &st), HANDLER_ANSWER);
		cr_assert_eq(resp.error, -ENOSYS, "case %zu", i);
		cr_assert_eq(resp.flags, 0, "never CONTINUE");
		cr_assert_eq(resp.val, 0);
	}
	cr_assert_eq(st.refused, ARRAY_SIZE(n));
}

Test(decode_layout, socketcall_answers_without_a_task)
{
	struct seccomp_notif n = notif(AUDIT_ARCH_I386, I386_SOCKETCALL);
	struct seccomp_notif_resp resp;
	stats_t st;

	memset(&st, 0, sizeof(st));
	/* a number not trapped: CONTINUE */
	n.data.args[0] = SYS_RECVFROM;
	n.data.args[1] = 16;
	cr_assert_eq(dispatch(&n, &resp, &st), HANDLER_ANSWER);
	cr_assert_eq(resp.flags, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	cr_assert_eq(resp.error, 0);
	/* a trapped one whose array cannot be read: EFAULT, as the kernel */
	n.data.args[0] = SYS_CONNECT;
	cr_assert_eq(dispatch(&n, &resp, &st), HANDLER_ANSWER);
	cr_assert_eq(resp.error, -EFAULT);
	cr_assert_eq(resp.flags, 0);
	cr_assert_eq(st.refused, 0);
}
