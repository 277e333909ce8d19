/* SPDX-License-Identifier: GPL-2.0-or-later
 * profile.h - OCI seccomp profiles with b4ns's NOTIFY rules merged in
 */
#ifndef B4NS_PROFILE_H
#define B4NS_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct json_object;

/* Podman's default profile, the base when it exists */
#define PROFILE_PODMAN_BASE "/usr/share/containers/seccomp.json"
/* Largest base profile or OCI config read */
#define PROFILE_FILE_MAX ((size_t)16 * 1024 * 1024)

/**
 * profile_merge() - add b4ns's NOTIFY rules to a seccomp profile
 * @seccomp:	a profile object in OCI (linux.seccomp) or Podman
 *		(seccomp.json) form; modified in place
 * @listener_path: the daemon's socket, set as "listenerPath"
 * @metadata:	set as "listenerMetadata" if not NULL
 * @flags:	which conditional rules apply (common/traps.h's TRAP_IF_*;
 *		TRAP_PROFILE_FLAGS, with TRAP_IF_ACCEPT for a container of a
 *		named network)
 * @err:	on failure, why; may be NULL
 *
 * Each syscall of common/traps.c's trap_rules[] (with @flags)
 * that the profile allows (a rule without conditions with action
 * SCMP_ACT_ALLOW or SCMP_ACT_LOG, or such a default action) is removed from
 * the rules naming it, rules left without names are dropped, and NOTIFY
 * rules are appended (calls of a conditionally trapped syscall that are not
 * trapped keep their old action through rules with the inverse condition).
 * i386's socketcall(2) is trapped for the same calls, by its call number,
 * ahead of the other rules. A syscall the profile denies stays denied and
 * is not trapped (logged as a warning). io_uring_setup, io_uring_enter and
 * io_uring_register are answered ENOSYS wherever the profile allowed them.
 * The rules apply to every architecture of the profile
 * ("architectures"/"archMap"), as all OCI rules do. Merging twice gives the
 * same profile.
 *
 * Refused: not an object, no or NOTIFY defaultAction (runc rejects it), a
 * different listenerPath already set, a trapped syscall named by a rule
 * with argument or includes/excludes conditions b4ns cannot preserve.
 *
 * Return: 0, -EINVAL if refused, -ENOMEM
 */
int profile_merge(struct json_object *seccomp, const char *listener_path,
		  const char *metadata, unsigned int flags, struct b4_error *err);

/**
 * profile_build() - "b4ns profile": a base profile with b4ns's rules merged
 * @base:	profile file to start from; NULL: PROFILE_PODMAN_BASE if it
 *		is readable, else allow everything; "none": allow everything
 * @listener_path: the daemon's socket
 * @metadata:	"listenerMetadata", or NULL
 * @out:	on success the profile; json_object_put() it
 * @err:	why the base cannot be read or used, naming it
 *
 * Return: 0, -errno if the base is unreadable, -EFBIG, -EINVAL, -ENOMEM
 */
int profile_build(const char *base, const char *listener_path,
		  const char *metadata, struct json_object **out,
		  struct b4_error *err);

#endif /* B4NS_PROFILE_H */
