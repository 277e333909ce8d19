// SPDX-License-Identifier: GPL-2.0-or-later
/* idmap.c - the uid and gid maps of a container's user namespace
 *
 * Theory of operation: before the container starts, idmap_plan() decides
 * its maps. If /etc/subuid and /etc/subgid give the caller a range (the
 * first line naming the caller's user name or uid) and newuidmap and
 * newgidmap (the setuid helpers of shadow's uidmap package) are installed,
 * the range is mapped as Podman and RootlessKit do: in root mode uid 0
 * inside is the caller and 1..N the range; with keep-id the caller's uid is
 * itself inside, and 0..N around it come from the range. Otherwise only
 * the caller's own uid and gid are mapped (setgroups must then be denied,
 * a kernel rule for unprivileged maps), with a one-line warning.
 * sandbox.c's child unshares its user namespace and waits; the parent
 * calls idmap_apply() on the child's pid (newuidmap and newgidmap must be
 * run from outside: they check the caller's ranges against the target's
 * owner) and only then lets the child go on. The supervisor stays the
 * namespace's owner, so it keeps CAP_SYS_PTRACE over the container's
 * processes that switch to other ids (reading /proc/PID/mem of a daemon
 * that dropped to "nobody").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "launch/idmap.h"
#include "log.h"
#include "paths.h"

/* the newest kernel ids: what a map can name */
#define IDMAP_ID_MAX 4294967294UL

int idmap_mode_parse(const char *arg, enum idmap_mode *mode)
{
	if (!strcmp(arg, "root"))
		*mode = IDMAP_ROOT;
	else if (!strcmp(arg, "keep-id"))
		*mode = IDMAP_KEEP_ID;
	else
		return -EINVAL;
	return 0;
}

/**
 * sub_range() - the caller's first range in a subordinate id file
 * @path:	/etc/subuid or /etc/subgid
 * @name:	the caller's user name, or NULL
 * @id:		the caller's uid
 * @start:	first subordinate id
 * @count:	how many
 *
 * Return: 0, or -ENOENT (no file, no line for the caller, a bad line)
 */
static int sub_range(const char *path, const char *name, unsigned long id,
		     unsigned long *start, unsigned long *count)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2, *end;
		unsigned long s, n;

		if (!c1)
			continue;
		*c1 = '\0';
		if (!(name && !strcmp(line, name))) {
			unsigned long u = strtoul(line, &end, 10);

			if (!*line || *end || u != id)
				continue;
		}
		c2 = strchr(c1 + 1, ':');
		if (!c2)
			continue;
		errno = 0;
		s = strtoul(c1 + 1, &end, 10);
		if (errno || end != c2)
			continue;
		n = strtoul(c2 + 1, &end, 10);
		if (errno || (*end && *end != '\n') || !n ||
		    s > IDMAP_ID_MAX || n > IDMAP_ID_MAX - s)
			continue;
		*start = s;
		*count = n;
		return 0;
	}
	return -ENOENT;
}

/* add() - one line into a map */
static void add(struct idmap_line *l, int *n, unsigned long in,
		unsigned long out, unsigned long count)
{
	if (count)
		l[(*n)++] = (struct idmap_line){ in, out, count };
}

/**
 * layout() - one map: the caller's @id and the range @start/@count
 * @mode:	root or keep-id
 * @id:		the caller's id
 * @start:	the range
 * @count:	its length
 * @l:		result lines
 * @n:		result count
 *
 * Root: 0 -> @id, 1.. -> range. Keep-id: 0..@id-1 -> range, @id -> @id,
 * @id+1.. -> the rest of the range.
 */
static void layout(enum idmap_mode mode, unsigned long id, unsigned long start,
		   unsigned long count, struct idmap_line *l, int *n)
{
	unsigned long below;

	*n = 0;
	if (mode == IDMAP_ROOT) {
		add(l, n, 0, id, 1);
		add(l, n, 1, start, count);
		return;
	}
	below = id < count ? id : count;
	add(l, n, 0, start, below);
	add(l, n, id, id, 1);
	if (count > below)
		add(l, n, id + 1, start + below, count - below);
}

int idmap_plan(enum idmap_mode mode, uid_t uid, gid_t gid, const char *subuid,
	       const char *subgid, struct idmap *m)
{
	const struct passwd *pw = getpwuid(uid);
	const char *name = pw ? pw->pw_name : NULL;
	unsigned long us = 0, uc = 0, gs = 0, gc = 0;
	const char *missing = NULL; /* the file without a range for us */

	*m = (struct idmap){ .inside_uid = mode == IDMAP_KEEP_ID ? uid : 0 };
	m->self_uid = (struct idmap_line){ m->inside_uid, uid, 1 };
	m->self_gid = (struct idmap_line){ mode == IDMAP_KEEP_ID ? gid : 0, gid,
					   1 };
	if (uid != 0 && sub_range(subuid, name, uid, &us, &uc))
		missing = subuid;
	else if (uid != 0 && sub_range(subgid, name, uid, &gs, &gc))
		missing = subgid;
	if (uid != 0 && !missing) {
		if (paths_which("newuidmap", NULL, 0) &&
		    paths_which("newgidmap", NULL, 0)) {
			m->helper = true;
			layout(mode, uid, us, uc, m->uid, &m->n_uid);
			layout(mode, gid, gs, gc, m->gid, &m->n_gid);
			return 0;
		}
		b4_warn("newuidmap/newgidmap not installed (package uidmap): "
			"only uid %u is mapped, setgroups is denied",
			(unsigned)uid);
	} else if (missing) {
		b4_warn("no subordinate ids for %s in %s: only uid %u is "
			"mapped, setgroups is denied", name ? name : "you",
			missing, (unsigned)uid);
	}
	/* root has no subordinate ids to want: its own are mapped */
	m->uid[m->n_uid++] = m->self_uid;
	m->gid[m->n_gid++] = m->self_gid;
	return 0;
}

/**
 * run_helper() - newuidmap/newgidmap PID LINES...
 * @prog:	"newuidmap" or "newgidmap"
 * @pid:	target
 * @l:		lines
 * @n:		line count
 * @err:	its exit status and first line of stderr
 *
 * Return: 0, or negative errno
 */
static int run_helper(const char *prog, pid_t pid, const struct idmap_line *l,
		      int n, struct b4_error *err)
{
	char args[1 + 3 * IDMAP_MAX_LINES][24], path[PATH_MAX], msg[256];
	char *argv[3 + 3 * IDMAP_MAX_LINES];
	_cleanup_close_ int rd = -1, wr = -1;
	int a = 0, pfd[2], status;
	ssize_t got;
	pid_t p;

	if (!paths_which(prog, path, sizeof(path)))
		return b4_error_set(err, -ENOENT, "%s not found", prog);
	if (pipe2(pfd, O_CLOEXEC))
		return b4_error_set(err, -errno, "pipe: %s", strerror(errno));
	rd = pfd[0];
	wr = pfd[1];
	argv[a++] = path;
	snprintf(args[0], sizeof(args[0]), "%d", (int)pid);
	argv[a++] = args[0];
	for (int i = 0; i < n; i++) {
		snprintf(args[1 + 3 * i], sizeof(args[0]), "%lu", l[i].inside);
		snprintf(args[2 + 3 * i], sizeof(args[0]), "%lu", l[i].outside);
		snprintf(args[3 + 3 * i], sizeof(args[0]), "%lu", l[i].count);
		argv[a++] = args[1 + 3 * i];
		argv[a++] = args[2 + 3 * i];
		argv[a++] = args[3 + 3 * i];
	}
	argv[a] = NULL;
	p = fork();
	if (p < 0)
		return b4_error_set(err, -errno, "fork: %s", strerror(errno));
	if (p == 0) {
		dup2(wr, STDERR_FILENO);
		execv(path, argv);
		_exit(127);
	}
	closep(&wr);
	got = B4_NOINTR(read(rd, msg, sizeof(msg) - 1));
	msg[got > 0 ? got : 0] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	if (B4_NOINTR(waitpid(p, &status, 0)) != p)
		return b4_error_set(err, -ECHILD, "%s: lost", prog);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return b4_error_set(err, -EPERM, "%s failed%s%s%s", prog,
			    *msg ? " (" : "", msg, *msg ? ")" : "");
}

/* write_map() - one line into /proc/PID/FILE */
static int write_map(pid_t pid, const char *file, const char *text,
		     struct b4_error *err)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !strcmp(file, "setgroups"))
		return 0; /* kernels before 3.19 */
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return b4_error_set(err, -errno, "%s: %s", path,
				    strerror(errno));
	return 0;
}

/* write_self() - @l alone into /proc/PID/FILE */
static int write_self(pid_t pid, const char *file,
		      const struct idmap_line *l, struct b4_error *err)
{
	char line[80];

	snprintf(line, sizeof(line), "%lu %lu 1", l->inside, l->outside);
	return write_map(pid, file, line, err);
}

int idmap_apply(const struct idmap *m, pid_t pid, struct b4_error *err)
{
	struct b4_error herr = { "" };
	bool uid_done = false;
	int ret;

	if (m->helper) {
		ret = run_helper("newuidmap", pid, m->uid, m->n_uid, &herr);
		if (!ret) {
			uid_done = true;
			ret = run_helper("newgidmap", pid, m->gid, m->n_gid,
					 &herr);
			if (!ret)
				return 0;
		}
		b4_warn("%s: only %s %lu is mapped, setgroups is denied",
			herr.msg, uid_done ? "gid" : "uid",
			uid_done ? m->self_gid.outside : m->self_uid.outside);
	}
	ret = write_map(pid, "setgroups", "deny", err);
	if (!ret && !uid_done)
		ret = write_self(pid, "uid_map", &m->self_uid, err);
	if (!ret)
		ret = write_self(pid, "gid_map", &m->self_gid, err);
	return ret;
}
