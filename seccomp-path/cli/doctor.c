// SPDX-License-Identifier: GPL-2.0-or-later
/* doctor.c - "b4ns doctor": does this host have what b4ns needs?
 *
 * Theory of operation: each check probes one prerequisite the way b4ns
 * will use it - a real seccomp listener and ADDFD ioctl, a real user
 * namespace, a real connect() to the daemon's socket - rather than reading
 * version numbers only, and prints one line:
 *
 *   [ ok ] what was found
 *   [warn] what is missing or odd; b4ns works, with limits
 *          fix: what to do
 *   [FAIL] what is missing; b4ns cannot work without it
 *          fix: what to do
 *
 * Required (a failure makes the exit status 1): kernel >= 5.9 with seccomp
 * user notification and ADDFD, libseccomp >= 2.5, unprivileged user
 * namespaces, a usable config file if there is one (the one b4ns run and
 * the daemon read without --config), and the daemon's socket when
 * --socket names it. Everything
 * else (subuid ranges, /dev/net/tun, what "b4ns trace" needs: BTF and
 * CAP_BPF + CAP_PERFMON, runtimes, Podman, slirp4netns/pasta, the daemon
 * at its default socket) only warns: b4ns run works without it.
 *
 * Probes that change process state (installing a seccomp filter, unshare)
 * run in a forked child; external tools are run with a timeout and their
 * output parsed, never through a shell; a pause process that "podman
 * info" started (rootless Podman keeps one to hold its user namespace) is
 * stopped again. The ADDFD probe is the one "b4ns
 * run --mode=auto" uses (launch/probe.c), the daemon probe the one the
 * oci-hook uses (oci/daemon.c), the default socket paths.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <limits.h>
#include <seccomp.h>

#include "cli/cli.h"
#include "err.h"
#include "launch/probe.h"
#include "oci/daemon.h"
#include "paths.h"
#include "proc.h"

/* How long an external tool ("podman info" may set up storage) may take */
#define DOCTOR_TOOL_TIMEOUT_MS 30000

enum chk {
	CHK_OK,
	CHK_WARN,
	CHK_FAIL,
};

/**
 * struct doctor - the tally
 * @failed:	required checks that failed
 * @warned:	warnings
 */
struct doctor {
	int failed;
	int warned;
};

static void __attribute__((format(printf, 4, 5)))
report(struct doctor *d, enum chk lvl, const char *fix, const char *fmt, ...)
{
	static const char *const tag[] = { "[ ok ]", "[warn]", "[FAIL]" };
	va_list ap;

	printf("%s ", tag[lvl]);
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is the line above */
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (lvl != CHK_OK && fix)
		printf("       fix: %s\n", fix);
	if (lvl == CHK_FAIL)
		d->failed++;
	else if (lvl == CHK_WARN)
		d->warned++;
}

/**
 * run_tool() - run a program and capture the start of its standard output
 * @argv:	program (looked up in PATH) and arguments
 * @buf:	output, NUL-terminated, truncated to fit
 * @len:	size of @buf
 *
 * Return: the exit status, -ENOENT if it cannot be executed, -ETIMEDOUT
 * (killed) after DOCTOR_TOOL_TIMEOUT_MS, or -errno
 */
static int run_tool(const char *const argv[], char *buf, size_t len)
{
	struct timespec t0, t1;
	size_t n = 0;
	int p[2], status, rc = 0;
	pid_t pid;

	buf[0] = '\0';
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(p[0]);
		close(p[1]);
		return rc;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (dup2(p[1], STDOUT_FILENO) < 0 ||
		    (devnull >= 0 && (dup2(devnull, STDIN_FILENO) < 0 ||
				      dup2(devnull, STDERR_FILENO) < 0)))
			_exit(127);
		/* execvp() does not write to argv: its prototype predates const */
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		char sink[512];
		long ms;
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		     (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= DOCTOR_TOOL_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, (int)(DOCTOR_TOOL_TIMEOUT_MS - ms)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			kill(pid, SIGKILL);
			break;
		}
		if (n + 1 < len)
			r = read(p[0], buf + n, len - n - 1);
		else
			r = read(p[0], sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + 1 < len)
			n += (size_t)r;
	}
	buf[n] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (rc)
		return rc;
	if (!WIFEXITED(status))
		return -EINTR;
	return WEXITSTATUS(status) == 127 ? -ENOENT : WEXITSTATUS(status);
}

/* in_path() - is @name an executable in PATH, or in /usr/sbin (often not
 * in a user's PATH, but runc lives there)? */
static bool in_path(const char *name)
{
	char file[PATH_MAX];

	if (paths_which(name, NULL, 0))
		return true;
	snprintf(file, sizeof(file), "/usr/sbin/%s", name);
	return !access(file, X_OK);
}

/* version_ge() - "A.B[.C...]" at or above @maj.@min? Unparsable: false */
static bool version_ge(const char *v, long maj, long min)
{
	char *end;
	long a, b;

	errno = 0;
	a = strtol(v, &end, 10);
	if (end == v || *end != '.' || errno)
		return false;
	v = end + 1;
	b = strtol(v, &end, 10);
	if (end == v || errno)
		return false;
	return a > maj || (a == maj && b >= min);
}

static void check_kernel(struct doctor *d)
{
	struct utsname u;
	int rc;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "(unknown)");
	else if (!version_ge(u.release, 5, 9))
		report(d, CHK_FAIL, "use Linux 5.9 or later",
		       "kernel %s: b4ns needs 5.9 (SECCOMP_IOCTL_NOTIF_ADDFD)",
		       u.release);
	rc = probe_addfd();
	if (!rc)
		report(d, CHK_OK, NULL, "kernel %s: seccomp user notification "
		       "with SECCOMP_IOCTL_NOTIF_ADDFD", u.release);
	else if (rc == -ENOSYS)
		report(d, CHK_FAIL, "use Linux 5.9 or later built with "
		       "CONFIG_SECCOMP_FILTER, and libseccomp 2.5",
		       "no seccomp user notification (installing a NOTIFY "
		       "filter failed)");
	else if (rc == -EINVAL || rc == -ENOTTY)
		report(d, CHK_FAIL, "use Linux 5.9 or later",
		       "seccomp user notification works but the kernel has no "
		       "SECCOMP_IOCTL_NOTIF_ADDFD (%s)", strerror(-rc));
	else
		report(d, CHK_FAIL, "run b4ns doctor outside restricted "
		       "sandboxes (seccomp filters that deny seccomp())",
		       "the seccomp probe could not run: %s", strerror(-rc));
}

static void check_libseccomp(struct doctor *d)
{
	const struct scmp_version *v = seccomp_version();

	if (!v) {
		report(d, CHK_FAIL, "install libseccomp 2.5 or later",
		       "libseccomp version unknown");
		return;
	}
	if (v->major > 2 || (v->major == 2 && v->minor >= 5))
		report(d, CHK_OK, NULL, "libseccomp %u.%u.%u (API level %u)",
		       v->major, v->minor, v->micro, seccomp_api_get());
	else
		report(d, CHK_FAIL, "install libseccomp 2.5 or later",
		       "libseccomp %u.%u.%u: b4ns needs 2.5 (user notification)",
		       v->major, v->minor, v->micro);
}

static void check_userns(struct doctor *d)
{
	int status, err;
	pid_t pid = fork();

	if (pid < 0) {
		report(d, CHK_FAIL, NULL, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		/* as root, try what an unprivileged user gets */
		if (getuid() == 0 && (setresgid(65534, 65534, 65534) ||
				      setresuid(65534, 65534, 65534)))
			_exit(255);
		_exit(unshare(CLONE_NEWUSER) ? (errno & 0x7f) : 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	err = WIFEXITED(status) ? WEXITSTATUS(status) : 254;
	if (!err)
		report(d, CHK_OK, NULL, "unprivileged user namespaces");
	else if (err >= 254)
		report(d, CHK_WARN, NULL, "unprivileged user namespaces: probe "
		       "could not run as an unprivileged user");
	else
		report(d, CHK_FAIL, "sysctl -w kernel.unprivileged_userns_clone=1 "
		       "(Debian) and user.max_user_namespaces=15000",
		       "unprivileged user namespaces are not available: "
		       "unshare(CLONE_NEWUSER): %s", strerror(err));
}

/* has_subid() - does @file have a "NAME:" or "UID:" line? */
static bool has_subid(const char *file, const char *name, uid_t uid)
{
	_cleanup_free_ char *line = NULL;
	char uidstr[16];
	size_t cap = 0, nl = strlen(name), ul;
	bool found = false;
	FILE *f = fopen(file, "re");

	if (!f)
		return false;
	ul = (size_t)snprintf(uidstr, sizeof(uidstr), "%u", (unsigned int)uid);
	while (!found && getline(&line, &cap, f) > 0) {
		found = (nl && !strncmp(line, name, nl) && line[nl] == ':') ||
			(!strncmp(line, uidstr, ul) && line[ul] == ':');
	}
	fclose(f);
	return found;
}

static void check_subids(struct doctor *d)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *name = pw ? pw->pw_name : "";
	char fix[256];
	bool u = has_subid("/etc/subuid", name, getuid());
	bool g = has_subid("/etc/subgid", name, getuid());

	if (u && g) {
		report(d, CHK_OK, NULL, "/etc/subuid and /etc/subgid have "
		       "ranges for %s", name);
		return;
	}
	snprintf(fix, sizeof(fix), "usermod --add-subuids 100000-165535 "
		 "--add-subgids 100000-165535 %s", *name ? name : "USER");
	report(d, CHK_WARN, fix, "no %s%s%s range for %s: rootless Podman "
	       "needs them (b4ns run does not)", u ? "" : "/etc/subuid",
	       !u && !g ? " and " : "", g ? "" : "/etc/subgid",
	       *name ? name : "this user");
}

static void check_tun(struct doctor *d)
{
	_cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		report(d, CHK_OK, NULL, "/dev/net/tun is usable");
	else
		report(d, CHK_WARN, "chmod 666 /dev/net/tun, or give this user "
		       "access to it (group or udev rule)",
		       "/dev/net/tun: %s: slirp4netns and pasta need it for "
		       "traffic b4ns does not switch", strerror(errno));
}

/* check_trace() - can "b4ns trace" load its BPF program here? (optional:
 * a warning) */
static void check_trace(struct doctor *d)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2] = { { 0 } };
	uint64_t eff;
	bool bpf, perfmon;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		report(d, CHK_WARN, "a kernel built with CONFIG_DEBUG_INFO_BTF",
		       "b4ns trace: this kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return;
	}
	if (syscall(SYS_capget, &h, c)) {
		report(d, CHK_WARN, NULL, "b4ns trace: capget: %s", strerror(errno));
		return;
	}
	eff = (uint64_t)c[1].effective << 32 | c[0].effective;
	bpf = eff & (1ULL << CAP_BPF) || eff & (1ULL << CAP_SYS_ADMIN);
	perfmon = eff & (1ULL << CAP_PERFMON) || eff & (1ULL << CAP_SYS_ADMIN);
	if (bpf && perfmon)
		report(d, CHK_OK, NULL, "b4ns trace can load its BPF program "
		       "(BTF, CAP_BPF and CAP_PERFMON)");
	else
		report(d, CHK_WARN, "run b4ns trace as root (or give it CAP_BPF "
		       "and CAP_PERFMON)", "b4ns trace: missing %s%s%s",
		       bpf ? "" : "CAP_BPF", bpf || perfmon ? "" : " and ",
		       perfmon ? "" : "CAP_PERFMON");
}

/* check_runtime() - "NAME --version" first line "NAME version X.Y.Z" */
static bool check_runtime(struct doctor *d, const char *name, int maj, int min)
{
	const char *const argv[] = { name, "--version", NULL };
	char out[512], fix[128], ver[32] = "";
	const char *p;
	int rc;

	if (!in_path(name))
		return false;
	rc = run_tool(argv, out, sizeof(out));
	p = strstr(out, "version ");
	if (rc || !p || sscanf(p + 8, "%31s", ver) != 1) {
		report(d, CHK_WARN, NULL, "%s --version failed or printed no "
		       "version", name);
		return true;
	}
	snprintf(fix, sizeof(fix), "install %s %d.%d or later", name, maj, min);
	if (version_ge(ver, maj, min))
		report(d, CHK_OK, NULL, "%s %s supports the seccomp "
		       "listenerPath", name, ver);
	else
		report(d, CHK_WARN, fix, "%s %s is too old for the seccomp "
		       "listenerPath (needs %d.%d)", name, ver, maj, min);
	return true;
}

static void check_runtimes(struct doctor *d)
{
	bool runc = check_runtime(d, "runc", 1, 1);
	bool crun = check_runtime(d, "crun", 1, 6);

	if (!runc && !crun)
		report(d, CHK_WARN, "install runc (1.1 or later)",
		       "no OCI runtime (runc or crun) found: only b4ns run works");
}

/* The pause processes a rootless Podman starts to hold its user namespace:
 * "catatonit -P" or Podman's own ("podman pause") */
static bool is_pause_process(pid_t pid, uid_t uid)
{
	char path[64], buf[256] = { 0 };
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) || st.st_uid != uid)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	/* buf stays zeroed past what was read */
	if (proc_read_text(path, buf, sizeof(buf)) || !buf[0])
		return false;
	/* argv[0] NUL argv[1]: "catatonit\0-P" or "podman pause" */
	if (!strcmp(buf, "podman pause"))
		return true;
	{
		const char *base = strrchr(buf, '/');
		size_t l = strlen(buf);

		base = base ? base + 1 : buf;
		return !strcmp(base, "catatonit") && l + 1 < sizeof(buf) &&
		       !strcmp(buf + l + 1, "-P");
	}
}

/**
 * struct pause_set - the pause processes of our uid at one time
 * @pid:	their pids
 * @n:		entries in @pid
 */
struct pause_set {
	pid_t pid[16];
	int n;
};

static void pause_scan(struct pause_set *ps)
{
	DIR *dir = opendir("/proc");
	const struct dirent *e;

	ps->n = 0;
	if (!dir)
		return;
	while ((e = readdir(dir)) && ps->n < (int)ARRAY_SIZE(ps->pid)) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || !is_pause_process((pid_t)pid, getuid()))
			continue;
		ps->pid[ps->n++] = (pid_t)pid;
	}
	closedir(dir);
}

/* pause_cleanup() - stop the pause processes that are not in @before: the
 * "podman info" just run started them (it had none to join), and they would
 * outlive "b4ns doctor" for no use. Return: how many were stopped */
static int pause_cleanup(const struct pause_set *before)
{
	struct pause_set after;
	int n = 0;

	pause_scan(&after);
	for (int i = 0; i < after.n; i++) {
		bool old = false;

		for (int j = 0; j < before->n; j++)
			old = old || after.pid[i] == before->pid[j];
		if (!old && !kill(after.pid[i], SIGKILL))
			n++;
	}
	return n;
}

static void check_podman(struct doctor *d)
{
	static const char fmt[] = "{{.Host.OCIRuntime.Name}} "
				  "{{.Host.CgroupsVersion}} {{.Version.Version}}";
	const char *const argv[] = { "podman", "info", "--format", fmt, NULL };
	char out[512], rt[64], cg[16], ver[32];
	struct pause_set pause;
	struct stat st;
	bool hybrid;
	int rc;

	if (!in_path("podman")) {
		report(d, CHK_OK, NULL, "podman: not installed (not needed for "
		       "b4ns run or runc)");
		return;
	}
	/* a rootless "podman info" starts a pause process if there is none */
	pause_scan(&pause);
	rc = run_tool(argv, out, sizeof(out));
	pause_cleanup(&pause);
	if (rc || sscanf(out, "%63s %15s %31s", rt, cg, ver) != 3) {
		report(d, CHK_WARN, "run podman info to see why",
		       "podman info failed (%s)", rc < 0 ? strerror(-rc) :
		       rc ? "non-zero exit status" : "unexpected output");
		return;
	}
	hybrid = !strcmp(cg, "v2") ? false :
		 stat("/sys/fs/cgroup/unified", &st) == 0;
	if (!strcmp(rt, "crun") && strcmp(cg, "v2") != 0)
		report(d, CHK_WARN, "run podman --runtime runc, or set runtime = "
		       "\"runc\" under [engine] in "
		       "~/.config/containers/containers.conf",
		       "podman %s uses crun on cgroup %s%s: crun cannot start "
		       "containers here", ver, cg, hybrid ? " (hybrid)" : "");
	else if (!version_ge(ver, 4, 0))
		report(d, CHK_WARN, "use Podman 4 or b4ns profile with "
		       "--security-opt seccomp=FILE",
		       "podman %s: the precreate hook needs Podman 4", ver);
	else
		report(d, CHK_OK, NULL, "podman %s: runtime %s, cgroup %s%s",
		       ver, rt, cg, hybrid ? " (hybrid)" : "");
}

static void check_fallback_net(struct doctor *d)
{
	bool slirp = in_path("slirp4netns"), pasta = in_path("pasta");

	if (slirp || pasta)
		report(d, CHK_OK, NULL, "fallback network: %s%s%s",
		       slirp ? "slirp4netns" : "", slirp && pasta ? ", " : "",
		       pasta ? "pasta" : "");
	else
		report(d, CHK_WARN, "install slirp4netns or passt (pasta)",
		       "neither slirp4netns nor pasta: traffic that is not "
		       "switched has no route out (b4ns run --net=none)");
}

/* hook_path() - "hook"."path" of the hook JSON @file, in @out */
static int hook_path(const char *file, char *out, size_t len)
{
	struct json_object *j = json_object_from_file(file), *hook, *path;
	int rc = -EINVAL;

	if (!j)
		return -errno ? -errno : -EINVAL;
	if (json_object_object_get_ex(j, "hook", &hook) &&
	    json_object_object_get_ex(hook, "path", &path) &&
	    json_object_is_type(path, json_type_string)) {
		snprintf(out, len, "%s", json_object_get_string(path));
		rc = 0;
	}
	json_object_put(j);
	return rc;
}

/* check_hook() - does every b4ns hook JSON Podman may read run this b4ns?
 * (an install with another prefix, or a moved binary, leaves one that runs
 * a binary that is not there: Podman then silently skips the hook) */
static void check_hook(struct doctor *d)
{
	char self[PATH_MAX], dirs[3][PATH_MAX], file[PATH_MAX + 16];
	char path[PATH_MAX], real[PATH_MAX], fix[PATH_MAX * 3];
	int n = 0, found = 0;

	if (!realpath("/proc/self/exe", self))
		return;
	snprintf(dirs[n++], sizeof(dirs[0]), "/usr/share/containers/oci/hooks.d");
	snprintf(dirs[n++], sizeof(dirs[0]), "/etc/containers/oci/hooks.d");
	{
		/* PREFIX/bin/b4ns -> PREFIX/share/containers/oci/hooks.d */
		char *slash = strrchr(self, '/');

		if (slash && slash != self) {
			*slash = '\0';
			slash = strrchr(self, '/');
			if (slash)
				snprintf(dirs[n++], sizeof(dirs[0]),
					 "%.*s/share/containers/oci/hooks.d",
					 (int)(slash - self), self);
			self[strlen(self)] = '/';
		}
	}
	for (int i = 0; i < n; i++) {
		if (snprintf(file, sizeof(file), "%s/b4ns.json", dirs[i]) >=
		    (int)sizeof(file))
			continue;
		if (access(file, F_OK) || hook_path(file, path, sizeof(path)))
			continue;
		found++;
		if (realpath(path, real) && !strcmp(real, self)) {
			report(d, CHK_OK, NULL, "Podman hook %s runs this b4ns", file);
			continue;
		}
		snprintf(fix, sizeof(fix), "reinstall b4ns to that prefix, or "
			 "set \"path\" in %s to %s", file, self);
		report(d, CHK_WARN, fix, "Podman hook %s runs %s, not this b4ns "
		       "(%s): Podman runs that one, or skips the hook if it is "
		       "missing, and containers are not switched", file, path,
		       self);
	}
	if (!found)
		report(d, CHK_WARN, "cmake --install build (or "
		       "podman --hooks-dir PREFIX/share/containers/oci/hooks.d)",
		       "no b4ns Podman hook in %s or %s: rootless Podman switches "
		       "only with --security-opt seccomp=(b4ns profile)",
		       dirs[0], dirs[1]);
}

/* check_daemon() - does a daemon answer at @socket (given: required), or
 * at the default socket (a warning)? */
static void check_daemon(struct doctor *d, const char *socket)
{
	enum chk lvl = socket ? CHK_FAIL : CHK_WARN;
	char def[PATHS_SOCK_MAX];
	int rc;

	if (!socket) {
		if (paths_daemon_socket(NULL, PATHS_XDG, def, NULL)) {
			report(d, CHK_WARN, "set XDG_RUNTIME_DIR (log in through "
			       "a session, or export XDG_RUNTIME_DIR=/run/user/$(id -u))",
			       "XDG_RUNTIME_DIR is not set: no default daemon socket");
			return;
		}
		socket = def;
	}
	rc = daemon_probe(socket);
	if (!rc)
		report(d, CHK_OK, NULL, "daemon listening at %s", socket);
	else
		report(d, lvl, "start it with `b4ns daemon` or `systemctl "
		       "--user start b4ns`", "no daemon at %s: %s", socket,
		       strerror(-rc));
}

/* check_config() - the config file "b4ns run" and the daemon read without
 * --config: which one, and can it be used? */
static void check_config(struct doctor *d)
{
	struct b4_error err = { "" };
	char file[PATH_MAX];
	/* every section's settings: on the heap */
	_cleanup_free_ struct cfg *cfg = NULL;
	int rc = paths_config_default(file, sizeof(file), &err);

	if (rc == -ENOENT) {
		report(d, CHK_OK, NULL, "config file: none ($XDG_CONFIG_HOME/"
		       PATHS_CONFIG_REL " or ~/.config/" PATHS_CONFIG_REL
		       ", then " PATHS_CONFIG_SYSTEM "): built-in defaults");
		return;
	}
	if (!rc) {
		cfg = calloc(1, sizeof(*cfg));
		rc = cfg ? cfg_load(file, cfg, &err) :
		     b4_error_set(&err, -ENOMEM, "%s: %s", file, strerror(ENOMEM));
		if (cfg)
			cfg_free(cfg);
	}
	if (!rc)
		report(d, CHK_OK, NULL, "config file in use: %s", file);
	else
		report(d, CHK_FAIL, "correct the file, or remove it for the "
		       "built-in defaults", "config file: %s",
		       b4_error_msg(&err, rc));
}

static void doctor_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns doctor [--socket=PATH]\n"
		"\n"
		"Check that this host has what b4ns needs, with the fix for each\n"
		"problem. Exit status 0 if every required check passed, else 1.\n"
		"\n"
		"Options:\n"
		"      --socket=PATH   the daemon's socket; given, an unreachable\n"
		"                      daemon fails the check (default:\n"
		"                      $XDG_RUNTIME_DIR/b4ns/b4ns.sock, warning only)\n"
		"  -h, --help          this text\n");
}

static const struct cli_cmd doctor_cmd = {
	.name = "doctor", .shortopts = "h", .longopts = cli_socket_longopts,
	.flags = CLI_SOCKET | CLI_SOCKET_IF_GIVEN, .usage = doctor_usage,
};

const struct cli_cmd *cli_doctor_cmd(void)
{
	return &doctor_cmd;
}

int cmd_doctor(int argc, char **argv)
{
	struct doctor d = { 0 };
	char sock[PATHS_SOCK_MAX];
	int rc;

	rc = cli_parse(&doctor_cmd, argc, argv, NULL, sock);
	if (rc != CLI_GO)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);

	check_kernel(&d);
	check_libseccomp(&d);
	check_userns(&d);
	check_subids(&d);
	check_tun(&d);
	check_trace(&d);
	check_runtimes(&d);
	check_podman(&d);
	check_fallback_net(&d);
	check_hook(&d);
	check_config(&d);
	check_daemon(&d, sock[0] ? sock : NULL);

	printf("\n%s: %d required check%s failed, %d warning%s\n",
	       d.failed ? "not ready" : "ready", d.failed,
	       d.failed == 1 ? "" : "s", d.warned, d.warned == 1 ? "" : "s");
	return d.failed ? 1 : 0;
}
