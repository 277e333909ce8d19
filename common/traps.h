/* SPDX-License-Identifier: GPL-2.0-or-later
 * traps.h - the one list of syscalls b4ns traps, for every filter it builds
 */
#ifndef B4NS_TRAPS_H
#define B4NS_TRAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* socketcall(2) call numbers (linux/net.h SYS_*), x86's multiplexer */
#define TRAP_SYS_BIND		2
#define TRAP_SYS_CONNECT	3
#define TRAP_SYS_LISTEN		4
#define TRAP_SYS_ACCEPT		5
#define TRAP_SYS_GETSOCKNAME	6
#define TRAP_SYS_GETPEERNAME	7
#define TRAP_SYS_SENDTO		11
#define TRAP_SYS_SENDMSG	16
#define TRAP_SYS_ACCEPT4		18
#define TRAP_SYS_SENDMMSG	20
/* highest socketcall(2) call number (SYS_SENDMMSG); the list is frozen */
#define TRAP_SYS_MAX		20

/* Conditions of the rules: trap_rule.when / .unless flags */
/* getsockname()/getpeername(): addresses may be rewritten (published
 * ports, or host loopback allowed) */
#define TRAP_IF_NAMES		(1u << 0)
/* every sendmsg(), not only TCP Fast Open (udp_sendmsg with switch_udp) */
#define TRAP_IF_ALL_SENDMSG	(1u << 1)
/* accept()/accept4(): a container service of a daemon-served container of a
 * named network is shown which container connected
 * (seccomp-path/supervisor/accept.c): only where asked for, it costs every
 * accept() a round trip to the supervisor */
#define TRAP_IF_ACCEPT		(1u << 2)

/* What "b4ns profile" and the hook trap: the daemon cannot know a
 * container's settings when the profile is written, so it traps what
 * "b4ns run" traps with names rewritten (the hook adds TRAP_IF_ACCEPT for
 * a container of a named network, b4ns.network) */
#define TRAP_PROFILE_FLAGS	TRAP_IF_NAMES

/* Error of the denied syscalls (io_uring), as Podman's and Docker's
 * default profiles answer them */
#define TRAP_DENIED_ERRNO	38 /* ENOSYS */

/**
 * enum trap_call - a socket call b4ns traps, whatever the ABI
 */
enum trap_call {
	TRAP_CONNECT,
	TRAP_BIND,
	TRAP_LISTEN,
	TRAP_SENDTO,
	TRAP_SENDMSG,
	TRAP_SENDMMSG,
	TRAP_GETSOCKNAME,
	TRAP_GETPEERNAME,
	TRAP_ACCEPT,
	TRAP_ACCEPT4,
	TRAP_N_CALLS,
};

/**
 * enum trap_op - when a rule traps a call
 * @TRAP_ALWAYS:	every call
 * @TRAP_NE:		argument @arg != @value
 * @TRAP_MASKED_EQ:	(argument @arg & @value) == @value; @value is a
 *			single bit, so the calls not trapped are exactly
 *			(argument & @value) == 0
 */
enum trap_op {
	TRAP_ALWAYS,
	TRAP_NE,
	TRAP_MASKED_EQ,
};

/**
 * struct trap_rule - one NOTIFY rule, as data (no libseccomp in common/)
 * @name:	syscall name, as libseccomp and OCI profiles spell it
 * @call:	which call it is
 * @sys:	its socketcall(2) number (TRAP_SYS_*)
 * @op:		condition
 * @arg:	argument index of the condition (not for TRAP_ALWAYS)
 * @value:	operand (TRAP_NE) or bit (TRAP_MASKED_EQ)
 * @when:	TRAP_IF_* flags that must all be given for the rule to apply,
 *		0: always
 * @unless:	TRAP_IF_* flags none of which may be given
 *
 * The argument conditions hold for the direct syscalls of every ABI. For
 * x86's socketcall(2) the arguments are in the container's memory, out of
 * a filter's reach: a filter traps socketcall(@sys) without condition.
 */
struct trap_rule {
	const char *name;
	enum trap_call call;
	int sys;
	enum trap_op op;
	int arg;
	uint64_t value;
	unsigned int when;
	unsigned int unless;
};

extern const struct trap_rule trap_rules[];
extern const size_t trap_n_rules;

/* Syscalls denied with TRAP_DENIED_ERRNO unless allowed (allow_io_uring):
 * io_uring acts on sockets without any syscall a filter could see */
extern const char *const trap_denied[];
extern const size_t trap_n_denied;

/**
 * trap_rule_active() - does @r apply with the settings @flags?
 * @r:		rule
 * @flags:	TRAP_IF_* flags
 *
 * Return: true if the rule is part of the filter
 */
bool trap_rule_active(const struct trap_rule *r, unsigned int flags);

/**
 * trap_socketcall_trapped() - is socketcall(@sys) trapped with @flags?
 * @sys:	socketcall(2) call number
 * @flags:	TRAP_IF_* flags
 *
 * A socketcall is trapped, without condition, when a rule of that call is
 * active, whatever the rule's condition.
 *
 * Return: true if a filter must trap socketcall(@sys)
 */
bool trap_socketcall_trapped(int sys, unsigned int flags);

/**
 * trap_classify() - which trapped call a notification is about
 * @arch:	seccomp_data.arch (AUDIT_ARCH_*)
 * @nr:		seccomp_data.nr
 * @arg0:	seccomp_data.args[0] (socketcall's call number)
 * @indirect:	set to true for socketcall(2), also for its numbers b4ns does
 *		not trap: the call's arguments are an array of trap_nargs()
 *		32-bit words in the container's memory at args[1] (copy it
 *		once, then use only the copy); may be NULL
 *
 * Knows the native ABI, and i386 on x86_64 (direct calls and socketcall,
 * whose call number is taken as the kernel takes it: the low 32 bits of
 * @arg0). x32 calls (nr with bit 30 set) are never a trapped call. The
 * filters (trap_rules[]) and the supervisor's decoding use these tables.
 *
 * Return: enum trap_call, or -ENOENT if (@arch, @nr, @arg0) is none of them
 */
int trap_classify(uint32_t arch, int nr, uint64_t arg0, bool *indirect);

/**
 * trap_nargs() - how many arguments a trapped call takes
 * @call:	the call
 *
 * Return: 2 to 6 (socketcall(2) reads that many words), 0 if @call is none
 */
int trap_nargs(enum trap_call call);

#endif /* B4NS_TRAPS_H */
