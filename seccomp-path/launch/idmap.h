/* SPDX-License-Identifier: GPL-2.0-or-later
 * idmap.h - the uid and gid maps of a container's user namespace
 */
#ifndef B4NS_IDMAP_H
#define B4NS_IDMAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

/* lines of one map: at most three (below, the caller, above) */
#define IDMAP_MAX_LINES 3

/**
 * enum idmap_mode - who the container's processes are (--userns)
 * @IDMAP_ROOT:		uid 0 inside is the caller; 1..N the caller's
 *			subordinate ids (Podman's rootless default)
 * @IDMAP_KEEP_ID:	the caller's uid and gid inside are the caller's own;
 *			the subordinate ids fill the ids around them
 */
enum idmap_mode {
	IDMAP_ROOT,
	IDMAP_KEEP_ID,
};

/**
 * struct idmap_line - one line of a map: @count ids from @inside on
 * @outside
 * @inside:	first id in the namespace
 * @outside:	first id outside
 * @count:	how many
 */
struct idmap_line {
	unsigned long inside;
	unsigned long outside;
	unsigned long count;
};

/**
 * struct idmap - the maps a container gets, decided before it starts
 * @helper:	newuidmap/newgidmap write them (subordinate ids); else the
 *		caller's own ids only, written directly, setgroups denied
 * @uid:	uid map lines
 * @n_uid:	entries in @uid
 * @gid:	gid map lines
 * @n_gid:	entries in @gid
 * @inside_uid:	the caller's uid inside (0, or the caller's with keep-id)
 * @self_uid:	the caller's uid alone: the map when a helper fails
 * @self_gid:	the caller's gid alone
 */
struct idmap {
	bool helper;
	struct idmap_line uid[IDMAP_MAX_LINES];
	int n_uid;
	struct idmap_line gid[IDMAP_MAX_LINES];
	int n_gid;
	unsigned long inside_uid;
	struct idmap_line self_uid;
	struct idmap_line self_gid;
};

/**
 * idmap_mode_parse() - --userns=MODE
 * @arg:	"root" or "keep-id"
 * @mode:	result
 *
 * Return: 0, or -EINVAL
 */
int idmap_mode_parse(const char *arg, enum idmap_mode *mode);

/**
 * idmap_plan() - the maps for a caller
 * @mode:	root or keep-id
 * @uid:	the caller's uid
 * @gid:	the caller's gid
 * @subuid:	the subordinate uid file (/etc/subuid)
 * @subgid:	the subordinate gid file (/etc/subgid)
 * @m:		result
 *
 * With a range for the caller (by name or uid) in both files and
 * newuidmap/newgidmap in PATH, the subordinate ids are mapped (first range
 * of each file): root mode maps 0 to the caller and 1..N to the range;
 * keep-id maps the caller's ids to themselves and fills 0..N around them
 * from the range, as Podman does. Otherwise only the caller's ids are
 * mapped (to 0, or to themselves with keep-id), and a one-line warning
 * says why (not for root, who has no subordinate ids to want).
 *
 * Return: 0 (a fallback is not an error)
 */
int idmap_plan(enum idmap_mode mode, uid_t uid, gid_t gid, const char *subuid,
	       const char *subgid, struct idmap *m);

/**
 * idmap_apply() - write the maps of a process that has just unshared its
 * user namespace
 * @m:		the maps (idmap_plan())
 * @pid:	the process; its user namespace is ours or a child of ours
 * @err:	what failed, with newuidmap's own first line of stderr
 *
 * Runs newuidmap and newgidmap on @pid (@m->helper), or denies setgroups
 * and writes the single-line maps into /proc/@pid/ itself. A helper that
 * fails (no_new_privs keeps a setuid helper from its privileges) is
 * warned about in one line, and the caller's own id is mapped instead.
 *
 * Return: 0, or negative errno
 */
int idmap_apply(const struct idmap *m, pid_t pid, struct b4_error *err);

#endif /* B4NS_IDMAP_H */
