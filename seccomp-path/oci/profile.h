/* SPDX-License-Identifier: GPL-2.0-or-later
 * profile.h - OCI seccomp profiles with b4ns's NOTIFY rules merged in
 */
#ifndef B4NS_PROFILE_H
#define B4NS_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/* Podman's default profile, the base when it exists */
#define PROFILE_PODMAN_BASE "/usr/share/containers/seccomp.json"
/* Largest base profile or OCI config read */
#define PROFILE_FILE_MAX ((size_t)16 * 1024 * 1024)

/**
 * profile_default_socket() - the daemon's default socket path
 * @buf:	destination: "$XDG_RUNTIME_DIR/b4ns/b4ns.sock"
 * @len:	size of @buf
 *
 * Return: 0, -ENOENT if XDG_RUNTIME_DIR is unset or empty, -ENAMETOOLONG
 * if the path does not fit @len or a sockaddr_un
 */
int profile_default_socket(char *buf, size_t len);

/**
 * profile_read_file() - read a whole (JSON) file into memory
 * @path:	file name, or "-" for standard input
 * @out:	on success a NUL-terminated malloc()ed buffer; free() it
 * @len:	on success, bytes read (not counting the NUL)
 *
 * Return: 0, -errno if unreadable, -EFBIG beyond PROFILE_FILE_MAX, -ENOMEM
 */
int profile_read_file(const char *path, char **out, size_t *len);

/**
 * profile_merge() - add b4ns's NOTIFY rules to a seccomp profile
 * @seccomp:	a profile object in OCI (linux.seccomp) or Podman
 *		(seccomp.json) form; modified in place
 * @listener_path: the daemon's socket, set as "listenerPath"
 * @metadata:	set as "listenerMetadata" if not NULL
 * @err:	on failure, one line saying why; may be NULL
 * @errlen:	size of @err
 *
 * Each syscall of common/traps.c's trap_rules[] (with TRAP_PROFILE_FLAGS)
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
		  const char *metadata, char *err, size_t errlen);

#endif /* B4NS_PROFILE_H */
