// SPDX-License-Identifier: GPL-2.0-or-later
/* test_keeper.c - the keeper's fail-safe answers (keeper/keeper.c)
 *
 * While no daemon serves them, only calls that reach no address may run
 * (CONTINUE); every call that could act on a host socket gets an errno,
 * by every ABI the filters let through.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/net.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include "keeper/keeper.h"
#include "traps.h"

#define I386_SOCKETCALL 102

static int answer(uint32_t arch, int nr, uint64_t arg0, uint32_t *flags)
{
	return keeper_failsafe(arch, nr, arg0, flags);
}

Test(keeper, native_calls)
{
	static const struct { int nr; int err; } want[] = {
		{ __NR_connect, -ECONNREFUSED }, { __NR_bind, -EADDRINUSE },
		{ __NR_listen, -EADDRINUSE }, { __NR_sendto, -ENETUNREACH },
		{ __NR_sendmsg, -ENETUNREACH }, { __NR_sendmmsg, -ENETUNREACH },
	};
	uint32_t flags;

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		cr_expect_eq(answer(AUDIT_ARCH_X86_64, want[i].nr, 3, &flags),
			     want[i].err, "nr %d", want[i].nr);
		cr_expect_eq(flags, 0u, "nr %d must not CONTINUE", want[i].nr);
	}
	for (int nr = 0; nr < 4; nr++) {
		static const int pass[] = { __NR_getsockname, __NR_getpeername,
					    __NR_accept, __NR_accept4 };

		cr_expect_eq(answer(AUDIT_ARCH_X86_64, pass[nr], 3, &flags), 0);
		cr_expect_eq(flags, (uint32_t)SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	}
}

Test(keeper, i386_and_socketcall)
{
	uint32_t flags;

	/* i386 connect (362) and socketcall(SYS_CONNECT) */
	cr_expect_eq(answer(AUDIT_ARCH_I386, 362, 0, &flags), -ECONNREFUSED);
	cr_expect_eq(flags, 0u);
	cr_expect_eq(answer(AUDIT_ARCH_I386, I386_SOCKETCALL, SYS_CONNECT,
			    &flags), -ECONNREFUSED);
	cr_expect_eq(flags, 0u);
	cr_expect_eq(answer(AUDIT_ARCH_I386, I386_SOCKETCALL, SYS_SENDTO,
			    &flags), -ENETUNREACH);
	cr_expect_eq(flags, 0u);
	cr_expect_eq(answer(AUDIT_ARCH_I386, I386_SOCKETCALL, SYS_ACCEPT,
			    &flags), 0);
	cr_expect_eq(flags, (uint32_t)SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	cr_expect_eq(answer(AUDIT_ARCH_I386, 367, 0, &flags), 0);
	cr_expect_eq(flags, (uint32_t)SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	/* x32 and unknown calls: an error, never CONTINUE */
	cr_expect_eq(answer(AUDIT_ARCH_X86_64, __NR_connect | 0x40000000, 0,
			    &flags), -EPERM);
	cr_expect_eq(flags, 0u);
	cr_expect_eq(answer(AUDIT_ARCH_X86_64, __NR_getsockname | 0x40000000,
			    0, &flags), -EPERM);
	cr_expect_eq(flags, 0u);
}

/* every call a filter traps gets an answer; only the name calls CONTINUE */
Test(keeper, every_trapped_call)
{
	for (size_t i = 0; i < trap_n_rules; i++) {
		const struct trap_rule *r = &trap_rules[i];
		bool names = r->call == TRAP_GETSOCKNAME ||
			     r->call == TRAP_GETPEERNAME;
		uint32_t flags;
		int nr = -1, ret;

		switch (r->call) {
		case TRAP_CONNECT: nr = __NR_connect; break;
		case TRAP_BIND: nr = __NR_bind; break;
		case TRAP_LISTEN: nr = __NR_listen; break;
		case TRAP_SENDTO: nr = __NR_sendto; break;
		case TRAP_SENDMSG: nr = __NR_sendmsg; break;
		case TRAP_SENDMMSG: nr = __NR_sendmmsg; break;
		case TRAP_GETSOCKNAME: nr = __NR_getsockname; break;
		case TRAP_GETPEERNAME: nr = __NR_getpeername; break;
		default: break;
		}
		if (nr < 0)
			continue; /* a call added later: see keeper_failsafe() */
		ret = answer(AUDIT_ARCH_X86_64, nr, 0, &flags);
		if (names) {
			cr_expect_eq(flags, (uint32_t)SECCOMP_USER_NOTIF_FLAG_CONTINUE,
				     "%s", r->name);
		} else {
			cr_expect_eq(flags, 0u, "%s must not CONTINUE", r->name);
			cr_expect_lt(ret, 0, "%s", r->name);
			cr_expect_neq(ret, -ENOSYS, "%s", r->name);
		}
	}
}
