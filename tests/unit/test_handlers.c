// SPDX-License-Identifier: GPL-2.0-or-later
/* test_handlers.c - decoding a trapped call, whatever ABI it came by
 *
 * The end-to-end suites cannot run i386 code on every machine (a kernel
 * without IA-32 emulation kills int $0x80 before seccomp sees it), so the
 * decoding of i386 calls and of socketcall(2) is proved here with synthetic
 * notifications; socketcall's argument array is read from this process.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/net.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor/handlers.h"

static struct seccomp_notif notif(uint32_t arch, int nr)
{
	struct seccomp_notif n;

	memset(&n, 0, sizeof(n));
	n.pid = (uint32_t)getpid();
	n.data.arch = arch;
	n.data.nr = nr;
	for (int i = 0; i < 6; i++)
		n.data.args[i] = 0xdead000000000000ULL | (uint64_t)(i + 1);
	return n;
}

Test(decode, x86_64_calls_keep_their_arguments)
{
	static const struct { int nr; enum hop op; } t[] = {
		{ __NR_connect, HOP_CONNECT }, { __NR_bind, HOP_BIND },
		{ __NR_listen, HOP_LISTEN }, { __NR_sendto, HOP_SENDTO },
		{ __NR_sendmsg, HOP_SENDMSG }, { __NR_sendmmsg, HOP_SENDMMSG },
		{ __NR_getsockname, HOP_GETSOCKNAME },
		{ __NR_getpeername, HOP_GETPEERNAME },
		{ __NR_openat, HOP_DENY },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct seccomp_notif n = notif(AUDIT_ARCH_X86_64, t[i].nr);
		struct hcall c;

		cr_assert_eq(handler_decode(&n, &c), 0);
		cr_assert_eq(c.op, t[i].op, "nr %d", t[i].nr);
		cr_assert_not(c.multiplexed);
		cr_assert_eq(c.a[2], n.data.args[2]); /* nothing truncated */
	}
}

Test(decode, x32_and_other_arches_are_denied)
{
	struct seccomp_notif n = notif(AUDIT_ARCH_X86_64, 0x40000000 | __NR_connect);
	struct hcall c;

	cr_assert_eq(handler_decode(&n, &c), 0);
	cr_assert_eq(c.op, HOP_DENY);
	n = notif(AUDIT_ARCH_AARCH64, 203 /* connect there */);
	cr_assert_eq(handler_decode(&n, &c), 0);
	cr_assert_eq(c.op, HOP_DENY);
}

Test(decode, i386_direct_calls_zero_extend_their_arguments)
{
	static const struct { int nr; enum hop op; } t[] = {
		{ 362, HOP_CONNECT }, { 361, HOP_BIND }, { 363, HOP_LISTEN },
		{ 369, HOP_SENDTO }, { 370, HOP_SENDMSG }, { 345, HOP_SENDMMSG },
		{ 367, HOP_GETSOCKNAME }, { 368, HOP_GETPEERNAME },
		{ 42, HOP_DENY },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct seccomp_notif n = notif(AUDIT_ARCH_I386, t[i].nr);
		struct hcall c;

		cr_assert_eq(handler_decode(&n, &c), 0);
		cr_assert_eq(c.op, t[i].op, "nr %d", t[i].nr);
		for (int k = 0; k < 6; k++)
			cr_assert_eq(c.a[k], (uint64_t)(k + 1));
	}
}

/* args32() - an argument array below 4 GiB, where an i386 pointer can name it */
static uint32_t *args32(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	return p;
}

Test(decode, i386_socketcall_copies_its_argument_array_once)
{
	uint32_t *a = args32();
	struct seccomp_notif n = notif(AUDIT_ARCH_I386, 102);
	struct hcall c;

	/* socketcall(SYS_SENDTO, a): fd, buf, len, flags, dest, destlen */
	for (int i = 0; i < 6; i++)
		a[i] = 100 + (uint32_t)i;
	n.data.args[0] = SYS_SENDTO;
	n.data.args[1] = (uint64_t)(uintptr_t)a;
	cr_assert_eq(handler_decode(&n, &c), 0);
	cr_assert_eq(c.op, HOP_SENDTO);
	cr_assert(c.multiplexed);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(c.a[i], 100 + (uint64_t)i);
	/* later changes of the array do not reach the copy */
	a[4] = 0;
	cr_assert_eq(c.a[4], 104);

	n.data.args[0] = SYS_CONNECT;
	cr_assert_eq(handler_decode(&n, &c), 0);
	cr_assert_eq(c.op, HOP_CONNECT);
	cr_assert_eq(c.a[0], 100);
	cr_assert_eq(c.a[2], 102);
	n.data.args[0] = SYS_LISTEN;
	cr_assert_eq(handler_decode(&n, &c), 0);
	cr_assert_eq(c.op, HOP_LISTEN);
	n.data.args[0] = SYS_SENDMSG;
	cr_assert_eq(handler_decode(&n, &c), 0);
	cr_assert_eq(c.op, HOP_SENDMSG);
	cr_assert(c.multiplexed);
	munmap(a, 4096);
}

Test(decode, i386_socketcall_others_and_faults)
{
	struct seccomp_notif n = notif(AUDIT_ARCH_I386, 102);
	struct hcall c;

	/* a call number b4ns does not trap: let run, nothing read */
	n.data.args[0] = SYS_RECV;
	n.data.args[1] = 0;
	cr_assert_eq(handler_decode(&n, &c), 0);
	cr_assert_eq(c.op, HOP_OTHER);
	/* a trapped one whose array cannot be read */
	n.data.args[0] = SYS_CONNECT;
	n.data.args[1] = 16; /* the zero page */
	cr_assert_eq(handler_decode(&n, &c), -EFAULT);
}
