// SPDX-License-Identifier: GPL-2.0-or-later
/* taskop.c - perform a socket call in the context of a trapped task
 *
 * Theory of operation: the supervisor never answers a trapped connect(),
 * bind() or sendto() with SECCOMP_USER_NOTIF_FLAG_CONTINUE, because the
 * kernel would then read the sockaddr *and the fd table* again, after the
 * supervisor looked at them: a racing thread could swap in a host socket
 * and a host-loopback address. The supervisor performs those calls itself,
 * on its pidfd_getfd() duplicate, with its own copy of the arguments. For
 * an IP socket of the container that is exact: the socket's network
 * namespace was fixed at its creation. Two things depend on *who* calls:
 * AF_UNIX path resolution (the task's root, cwd and mount namespace) and
 * credentials (AF_UNIX permissions, the SO_PEERCRED a server reads).
 *
 * taskop_same_context() tells whether the supervisor is indistinguishable
 * from the task in those respects (same fs uid/gid, groups, root and mount
 * namespace: the normal case of `b4ns run`). Otherwise, and for every
 * AF_UNIX path, taskop_start() forks a helper that makes itself
 * non-dumpable (the task, root in its user namespace, must not ptrace it),
 * closes every descriptor but the ones it needs, enters the task's user,
 * network and mount namespaces, chroots to the task's root, changes to its
 * cwd, takes its fs ids, groups and umask, and makes the call with the
 * task's own bytes. The helper may block as long as the call does; the supervisor
 * waits for its one-int answer on a pipe in its event loop. Known
 * difference from a native call: SO_PEERCRED's pid is the helper's (or the
 * supervisor's), not the task's.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "taskop.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define MAX_GROUPS 64

/**
 * struct task_creds - ids of a task as the supervisor sees them
 * @fsuid:	file-system uid
 * @fsgid:	file-system gid
 * @groups:	supplementary groups
 * @ngroups:	entries in @groups
 * @umask:	file mode creation mask
 * @cap_eff:	effective capabilities (in its user namespace)
 * @cap_prm:	permitted capabilities
 * @cap_inh:	inheritable capabilities
 */
struct task_creds {
	uid_t fsuid;
	gid_t fsgid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
	mode_t umask;
	uint64_t cap_eff;
	uint64_t cap_prm;
	uint64_t cap_inh;
};


static uint64_t cap_field(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

/* full_caps() - every capability this kernel knows */
static uint64_t full_caps(void)
{
	static uint64_t full;

	if (!full) {
		char buf[32] = "";
		int last = 40;

		if (!proc_read_text("/proc/sys/kernel/cap_last_cap", buf,
				     sizeof(buf)))
			last = (int)strtol(buf, NULL, 10);
		if (last <= 0 || last > 63)
			last = 40;
		full = last == 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
	}
	return full;
}

/* field() - the 4th (fs) id of a "Uid:" / "Gid:" status line */
static int fs_id(const char *status, const char *key, unsigned long *out)
{
	const char *p = strstr(status, key);
	char *end;

	if (!p)
		return -EIO;
	p += strlen(key);
	for (int i = 0; i < 4; i++) {
		*out = strtoul(p, &end, 10);
		if (end == p)
			return -EIO;
		p = end;
	}
	return 0;
}

static int task_creds(pid_t tid, struct task_creds *c)
{
	char path[64], buf[4096];
	unsigned long v;
	const char *p;
	char *end;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	ret = proc_read_text(path, buf, sizeof(buf));
	if (ret)
		return ret;
	if (fs_id(buf, "\nUid:", &v))
		return -EIO;
	c->fsuid = (uid_t)v;
	if (fs_id(buf, "\nGid:", &v))
		return -EIO;
	c->fsgid = (gid_t)v;
	p = strstr(buf, "\nUmask:");
	c->umask = p ? (mode_t)strtoul(p + 7, NULL, 8) : 022;
	c->cap_eff = cap_field(buf, "\nCapEff:");
	c->cap_prm = cap_field(buf, "\nCapPrm:");
	c->cap_inh = cap_field(buf, "\nCapInh:");
	c->ngroups = 0;
	p = strstr(buf, "\nGroups:");
	if (!p)
		return -EIO;
	p += 8;
	for (;;) {
		v = strtoul(p, &end, 10);
		if (end == p)
			break;
		if (c->ngroups == MAX_GROUPS)
			return -E2BIG;
		c->groups[c->ngroups++] = (gid_t)v;
		p = end;
	}
	return 0;
}

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* same_groups() - does @c list exactly the supervisor's groups? */
static bool same_groups(struct task_creds *c)
{
	gid_t mine[MAX_GROUPS];
	int n = getgroups(MAX_GROUPS, mine);

	if (n < 0 || n != c->ngroups)
		return false;
	qsort(mine, (size_t)n, sizeof(mine[0]), cmp_gid);
	qsort(c->groups, (size_t)n, sizeof(c->groups[0]), cmp_gid);
	return !memcmp(mine, c->groups, sizeof(mine[0]) * (size_t)n);
}

/* same_file() - do two paths name the same inode? */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* root_is_ours() - is @tid's root directory the supervisor's? Read with
 * readlink() of the magic link, which only walks the dentry cache: a stat()
 * would ask the file system, and a container's own FUSE root could make
 * the supervisor wait forever */
static bool root_is_ours(pid_t tid)
{
	char path[64], link[8];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)tid);
	n = readlink(path, link, sizeof(link));
	return n == 1 && link[0] == '/';
}

bool taskop_has_cap(pid_t tid, int cap)
{
	struct task_creds c;

	return !task_creds(tid, &c) && (c.cap_eff & (1ULL << cap));
}

bool taskop_same_context(pid_t tid)
{
	struct task_creds c;
	char mnt[64];

	if (task_creds(tid, &c))
		return false;
	if (c.fsuid != geteuid() || c.fsgid != getegid() || !same_groups(&c))
		return false;
	/* the supervisor owns the task's user namespace: it has every
	 * capability there, so must the task */
	if ((c.cap_eff & full_caps()) != full_caps())
		return false;
	snprintf(mnt, sizeof(mnt), "/proc/%d/ns/mnt", (int)tid);
	return same_file(mnt, "/proc/self/ns/mnt") && root_is_ours(tid);
}

/* map_id() - the id @host has inside the user namespace of @tid, from its
 * uid_map or gid_map; -1 if unmapped */
static long map_id(pid_t tid, const char *map, unsigned long host)
{
	char path[64], buf[4096];
	const char *p = buf;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, map);
	if (proc_read_text(path, buf, sizeof(buf)))
		return -1;
	while (*p) {
		unsigned long in, out, count;
		char *end;

		in = strtoul(p, &end, 10);
		out = strtoul(end, &end, 10);
		count = strtoul(end, &end, 10);
		if (end == p)
			break;
		if (host >= out && host - out < count)
			return (long)(in + (host - out));
		p = strchr(end, '\n');
		if (!p)
			break;
		p++;
	}
	return -1;
}

/**
 * struct helper_plan - everything the forked helper needs, prepared before
 * fork() so that the child only makes system calls
 * @userns:	the task's user namespace, -1 if it is ours
 * @netns:	the task's network namespace, -1 if it is ours
 * @mntns:	the task's mount namespace, -1 if it is ours
 * @root:	the task's root directory (O_PATH), -1 if it is ours
 * @cwd:	the task's working directory (O_PATH)
 * @uid:	fs uid inside the task's user namespace
 * @gid:	fs gid inside it
 * @groups:	supplementary groups inside it
 * @ngroups:	entries, -1 to keep ours
 * @umask:	the task's umask
 * @cap:	the task's effective, permitted and inheritable capabilities
 */
struct helper_plan {
	int userns;
	int netns;
	int mntns;
	int root;
	int cwd;
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
	mode_t umask;
	uint64_t cap[3];
};

static void plan_close(struct helper_plan *p)
{
	closep(&p->userns);
	closep(&p->netns);
	closep(&p->mntns);
	closep(&p->root);
	closep(&p->cwd);
}

static int open_other(pid_t tid, const char *what, const char *self, int flags,
		      int *out)
{
	char path[64];

	*out = -1;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, what);
	if (self && same_file(path, self))
		return 0;
	*out = open(path, flags | O_CLOEXEC);
	return *out < 0 ? -errno : 0;
}

static int plan_prepare(pid_t tid, struct helper_plan *p)
{
	struct task_creds c;
	long id;
	int ret;

	p->userns = p->netns = p->mntns = p->root = p->cwd = -1;
	ret = task_creds(tid, &c);
	if (ret)
		return ret;
	ret = open_other(tid, "ns/user", "/proc/self/ns/user", O_RDONLY,
			 &p->userns);
	if (!ret && p->userns >= 0)
		ret = open_other(tid, "ns/net", "/proc/self/ns/net", O_RDONLY,
				 &p->netns);
	if (!ret)
		ret = open_other(tid, "ns/mnt", "/proc/self/ns/mnt", O_RDONLY,
				 &p->mntns);
	if (!ret && !(p->mntns < 0 && root_is_ours(tid)))
		ret = open_other(tid, "root", NULL, O_PATH | O_DIRECTORY,
				 &p->root);
	if (!ret)
		ret = open_other(tid, "cwd", NULL, O_PATH | O_DIRECTORY, &p->cwd);
	if (ret)
		return ret;
	p->umask = c.umask;
	p->cap[0] = c.cap_eff;
	p->cap[1] = c.cap_prm;
	p->cap[2] = c.cap_inh;
	if (p->userns < 0) {
		p->uid = c.fsuid;
		p->gid = c.fsgid;
	} else {
		id = map_id(tid, "uid_map", c.fsuid);
		if (id < 0)
			return -EPERM;
		p->uid = (uid_t)id;
		id = map_id(tid, "gid_map", c.fsgid);
		if (id < 0)
			return -EPERM;
		p->gid = (gid_t)id;
	}
	p->ngroups = -1;
	if (!same_groups(&c)) {
		p->ngroups = c.ngroups;
		for (int i = 0; i < c.ngroups; i++) {
			id = p->userns < 0 ? (long)c.groups[i] :
					     map_id(tid, "gid_map", c.groups[i]);
			if (id < 0)
				return -EPERM;
			p->groups[i] = (gid_t)id;
		}
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* keep_only() - close every descriptor but those in @keep: the helper
 * forked from the supervisor must not carry other containers' notify fds
 * or host sockets into a task's namespaces */
static void keep_only(int *keep, int n)
{
	unsigned int from = 0;

	qsort(keep, (size_t)n, sizeof(keep[0]), cmp_int);
	for (int i = 0; i < n; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned int)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned int)keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

/* helper_main() - the forked helper: system calls only, then _exit() */
static void __attribute__((noreturn))
helper_main(const struct taskop *op, const struct helper_plan *p, int wfd)
{
	int keep[] = { op->sock, p->userns, p->netns, p->mntns, p->root,
		       p->cwd, wfd };
	sigset_t none;
	long ret = 0;

	/* never attachable by the task it acts for (it enters the task's
	 * user namespace, where the task may hold CAP_SYS_PTRACE) */
	prctl(PR_SET_DUMPABLE, 0);
	keep_only(keep, (int)ARRAY_SIZE(keep));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (p->userns >= 0 && setns(p->userns, CLONE_NEWUSER))
		goto fail;
	/* and nothing of the host's network either */
	if (p->netns >= 0 && setns(p->netns, CLONE_NEWNET))
		goto fail;
	if (p->mntns >= 0 && setns(p->mntns, CLONE_NEWNS))
		goto fail;
	if (p->root >= 0 && (fchdir(p->root) || chroot(".")))
		goto fail;
	if (fchdir(p->cwd))
		goto fail;
	if (p->ngroups >= 0 && setgroups((size_t)p->ngroups, p->groups))
		goto fail;
	/* the task's ids and exactly its capabilities: after setns() the
	 * helper holds all of them in the task's user namespace */
	if (prctl(PR_SET_KEEPCAPS, 1) ||
	    setresgid(p->gid, p->gid, p->gid) || setresuid(p->uid, p->uid, p->uid))
		goto fail;
	{
		struct __user_cap_header_struct hdr = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct data[2] = {
			{ (uint32_t)p->cap[0], (uint32_t)p->cap[1],
			  (uint32_t)p->cap[2] },
			{ (uint32_t)(p->cap[0] >> 32), (uint32_t)(p->cap[1] >> 32),
			  (uint32_t)(p->cap[2] >> 32) },
		};

		if (syscall(SYS_capset, &hdr, data))
			goto fail;
	}
	umask(p->umask);
	switch (op->kind) {
	case TASKOP_CONNECT:
		ret = connect(op->sock, op->addr, op->addrlen);
		break;
	case TASKOP_BIND:
		ret = bind(op->sock, op->addr, op->addrlen);
		break;
	case TASKOP_SENDTO:
		ret = sendto(op->sock, op->data, op->len, op->flags | MSG_NOSIGNAL,
			     op->addr, op->addrlen);
		break;
	}
	if (ret < 0)
		goto fail;
	if (write(wfd, &ret, sizeof(ret)) < 0)
		_exit(1);
	_exit(0);
fail:
	ret = -errno;
	if (write(wfd, &ret, sizeof(ret)) < 0)
		_exit(1);
	_exit(0);
}

int taskop_start(const struct taskop *op, int *helper)
{
	struct helper_plan plan;
	int pfd[2];
	pid_t pid;
	int ret;

	ret = plan_prepare(op->tid, &plan);
	if (ret) {
		plan_close(&plan);
		return ret;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		ret = -errno;
		plan_close(&plan);
		return ret;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pfd[0]);
		close(pfd[1]);
		plan_close(&plan);
		return ret;
	}
	if (!pid)
		helper_main(op, &plan, pfd[1]);
	close(pfd[1]);
	plan_close(&plan);
	/* a pidfd at once, before anybody else's waitpid(-1) can reap it (the
	 * run's SIGCHLD handler does): kill and reap never hit a reused pid */
	*helper = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*helper < 0) {
		ret = -errno;
		kill(pid, SIGKILL);
		close(pfd[0]);
		return ret;
	}
	return pfd[0];
}

ssize_t taskop_finish(int pipefd, int helper, bool abandon)
{
	siginfo_t si;
	long ret = -EIO;

	if (abandon)
		syscall(SYS_pidfd_send_signal, helper, SIGKILL, NULL, 0);
	else if (read(pipefd, &ret, sizeof(ret)) != sizeof(ret))
		ret = -EIO;
	close(pipefd);
	/* it wrote its answer and exits now, or was killed: reap it (or
	 * the run's SIGCHLD handler already did) */
	while (waitid((idtype_t)P_PIDFD, (id_t)helper, &si, WEXITED) < 0 &&
	       errno == EINTR)
		;
	close(helper);
	return (ssize_t)ret;
}
