// SPDX-License-Identifier: GPL-2.0-or-later
/* traps.c - the one list of syscalls b4ns traps, for every filter it builds
 *
 * Theory of operation: b4ns builds seccomp filters in two places: "b4ns
 * run" loads one with libseccomp (seccomp-path/launch/sandbox.c), and "b4ns
 * profile" and the Podman hook write OCI profiles that runc or crun load
 * for the daemon (seccomp-path/oci/profile.c). Both walk trap_rules[] below, so
 * what the daemon traps cannot drift from what "b4ns run" traps. The list
 * is data only (common/ does not link libseccomp): a syscall name, an
 * optional argument condition, and the settings under which the rule
 * applies.
 *
 * Every ABI a filter lets through gets the same rules. On x86_64 that is
 * i386 too (int $0x80 from a 64-bit process): libseccomp and runc/crun
 * apply a rule to each architecture of the filter by name. i386 also has
 * socketcall(2), which multiplexes the socket calls and passes their
 * arguments in memory; libseccomp adds socketcall(SYS_x) for every rule of
 * call x on i386, but keeps the rule's register conditions, which then test
 * socketcall's unused registers: a container chooses them. So a filter
 * traps socketcall(SYS_x) without condition for every call x of the list
 * (trap_socketcall_trapped()), and adds those rules first: libseccomp
 * keeps the first of two overlapping rules and drops the later one. x32
 * and other ABIs are never let through (ENOSYS).
 *
 * io_uring submits connect/sendmsg/bind without a syscall a filter could
 * see: it is denied (trap_denied[]) unless a container opts in.
 */
#include <errno.h>
#include <linux/audit.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "err.h"
#include "traps.h"

const struct trap_rule trap_rules[] = {
	{ .name = "connect", .call = TRAP_CONNECT, .sys = TRAP_SYS_CONNECT },
	{ .name = "bind", .call = TRAP_BIND, .sys = TRAP_SYS_BIND },
	{ .name = "listen", .call = TRAP_LISTEN, .sys = TRAP_SYS_LISTEN },
	/* sendto() with a destination; send() is sendto(..., NULL, 0) */
	{ .name = "sendto", .call = TRAP_SENDTO, .sys = TRAP_SYS_SENDTO,
	  .op = TRAP_NE, .arg = 4, .value = 0 },
	/* TCP Fast Open connects from sendmsg()/sendmmsg() too */
	{ .name = "sendmsg", .call = TRAP_SENDMSG, .sys = TRAP_SYS_SENDMSG,
	  .op = TRAP_MASKED_EQ, .arg = 2, .value = MSG_FASTOPEN,
	  .unless = TRAP_IF_ALL_SENDMSG },
	{ .name = "sendmsg", .call = TRAP_SENDMSG, .sys = TRAP_SYS_SENDMSG,
	  .when = TRAP_IF_ALL_SENDMSG },
	{ .name = "sendmmsg", .call = TRAP_SENDMMSG, .sys = TRAP_SYS_SENDMMSG,
	  .op = TRAP_MASKED_EQ, .arg = 3, .value = MSG_FASTOPEN },
	{ .name = "getsockname", .call = TRAP_GETSOCKNAME,
	  .sys = TRAP_SYS_GETSOCKNAME, .when = TRAP_IF_NAMES },
	{ .name = "getpeername", .call = TRAP_GETPEERNAME,
	  .sys = TRAP_SYS_GETPEERNAME, .when = TRAP_IF_NAMES },
	{ .name = "accept", .call = TRAP_ACCEPT, .sys = TRAP_SYS_ACCEPT,
	  .when = TRAP_IF_ACCEPT },
	{ .name = "accept4", .call = TRAP_ACCEPT4, .sys = TRAP_SYS_ACCEPT4,
	  .when = TRAP_IF_ACCEPT },
};
const size_t trap_n_rules = ARRAY_SIZE(trap_rules);

const char *const trap_denied[] = {
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
};
const size_t trap_n_denied = ARRAY_SIZE(trap_denied);

bool trap_rule_active(const struct trap_rule *r, unsigned int flags)
{
	return (r->when & flags) == r->when && !(r->unless & flags);
}

bool trap_socketcall_trapped(int sys, unsigned int flags)
{
	for (size_t i = 0; i < trap_n_rules; i++) {
		if (trap_rules[i].sys == sys &&
		    trap_rule_active(&trap_rules[i], flags))
			return true;
	}
	return false;
}

/* i386's multiplexer (arch/x86/entry/syscalls/syscall_32.tbl) */
#define I386_NR_SOCKETCALL	102

/**
 * struct trap_nr - one trapped call's numbers and arity
 * @native:	its number in the native ABI
 * @ia32:	its number in the i386 ABI (syscall_32.tbl)
 * @nargs:	its arguments (socketcall(2) reads that many words)
 */
static const struct trap_nr {
	int native;
	int ia32;
	int nargs;
} trap_nr[TRAP_N_CALLS] = {
	[TRAP_CONNECT]		= { __NR_connect,	362, 3 },
	[TRAP_BIND]		= { __NR_bind,		361, 3 },
	[TRAP_LISTEN]		= { __NR_listen,	363, 2 },
	[TRAP_SENDTO]		= { __NR_sendto,	369, 6 },
	[TRAP_SENDMSG]		= { __NR_sendmsg,	370, 3 },
	[TRAP_SENDMMSG]		= { __NR_sendmmsg,	345, 4 },
	[TRAP_GETSOCKNAME]	= { __NR_getsockname,	367, 3 },
	[TRAP_GETPEERNAME]	= { __NR_getpeername,	368, 3 },
	/* i386 has accept() only through socketcall(2) */
	[TRAP_ACCEPT]		= { __NR_accept,	-1, 3 },
	[TRAP_ACCEPT4]		= { __NR_accept4,	364, 4 },
};

#if defined(__x86_64__)
#define TRAP_ARCH_NATIVE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TRAP_ARCH_NATIVE AUDIT_ARCH_AARCH64
#endif

int trap_classify(uint32_t arch, int nr, uint64_t arg0, bool *indirect)
{
	bool native = false, is_i386 = false;

	if (indirect)
		*indirect = false;
#ifdef TRAP_ARCH_NATIVE
	native = arch == TRAP_ARCH_NATIVE;
#endif
#if defined(__x86_64__)
	if (arch == AUDIT_ARCH_X86_64 && (nr & 0x40000000))
		return -ENOENT; /* x32 */
	is_i386 = arch == AUDIT_ARCH_I386;
	if (is_i386 && nr == I386_NR_SOCKETCALL) {
		if (indirect)
			*indirect = true;
		for (size_t i = 0; i < trap_n_rules; i++) {
			if ((uint32_t)trap_rules[i].sys == (uint32_t)arg0)
				return (int)trap_rules[i].call;
		}
		return -ENOENT;
	}
#else
	(void)arg0;
#endif
	for (int c = 0; (native || is_i386) && c < TRAP_N_CALLS; c++) {
		if (nr == (native ? trap_nr[c].native : trap_nr[c].ia32))
			return c;
	}
	return -ENOENT;
}

int trap_nargs(enum trap_call call)
{
	return (int)call >= 0 && call < TRAP_N_CALLS ? trap_nr[call].nargs : 0;
}
