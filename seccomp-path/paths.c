// SPDX-License-Identifier: GPL-2.0-or-later
/* paths.c - every socket, run-directory and library path b4ns uses
 *
 * Theory of operation: the daemon lives in one directory, by default
 * $XDG_RUNTIME_DIR/b4ns (mode 0700): its listener socket (runtimes connect
 * to it as linux.seccomp.listenerPath), the control socket "b4ns status"
 * reads, and the preload path's request socket. Every command that names
 * the daemon (daemon, status, profile, oci-hook, doctor) gets the listener
 * socket from paths_daemon_socket(), so that a --socket PATH is validated
 * the same way everywhere: absolute, and short enough for an AF_UNIX
 * address (refused, naming the path, rather than truncated). "b4ns run"
 * gets a private directory of its own for the sockets of that run. Without
 * --config, the daemon and "b4ns run" read the user's config file, else
 * the system's, if there is one (paths_config_default()). The
 * preload library is looked for where a build tree or an install puts it,
 * and programs where execvp() would find them (paths_which()).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

/* host_uid() - our uid outside the user namespace we may be running in */
static uid_t host_uid(void)
{
	char line[128], *p, *end;
	unsigned long v[3];
	uid_t uid = getuid();
	_cleanup_fclose_ FILE *f = fopen("/proc/self/uid_map", "re");
	int i;

	if (!f)
		return uid;
	/* lines: "INSIDE OUTSIDE COUNT" */
	while (fgets(line, sizeof(line), f)) {
		for (i = 0, p = line; i < 3; i++, p = end) {
			errno = 0;
			v[i] = strtoul(p, &end, 10);
			if (end == p || errno)
				break;
		}
		if (i == 3 && uid >= v[0] && uid - v[0] < v[2])
			return (uid_t)(v[1] + (uid - v[0]));
	}
	return uid;
}

int paths_daemon_socket(const char *arg, enum paths_flags flags,
			char buf[PATHS_SOCK_MAX], struct b4_error *err)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	int n;

	if (arg) {
		if (*arg != '/')
			return b4_error_set(err, -EINVAL, "--socket=%s: not an "
					    "absolute path", arg);
		if (strlen(arg) >= PATHS_SOCK_MAX)
			return b4_error_set(err, -ENAMETOOLONG, "--socket=%s: "
					    "path too long (at most %zu bytes)",
					    arg, PATHS_SOCK_MAX - 1);
		memcpy(buf, arg, strlen(arg) + 1);
		return 0;
	}
	if (dir && *dir) {
		n = snprintf(buf, PATHS_SOCK_MAX, "%s/b4ns/" PATHS_DAEMON_SOCK,
			     dir);
		if (n < 0 || (size_t)n >= PATHS_SOCK_MAX || *dir != '/')
			return b4_error_set(err, -ENAMETOOLONG,
					    "$XDG_RUNTIME_DIR (%s) is too long or "
					    "not absolute for the daemon's socket; "
					    "give it with --socket=PATH", dir);
		return 0;
	}
	if (!(flags & PATHS_HOST_UID))
		return b4_error_set(err, -ENOENT, "XDG_RUNTIME_DIR is not set; "
				    "give the daemon's socket with --socket=PATH");
	n = snprintf(buf, PATHS_SOCK_MAX, "/run/user/%u/b4ns/" PATHS_DAEMON_SOCK,
		     (unsigned int)host_uid());
	if (n < 0 || (size_t)n >= PATHS_SOCK_MAX)
		return b4_error_set(err, -ENAMETOOLONG, "socket path too long");
	return 0;
}

int paths_beside(const char *sock, const char *name, char buf[PATHS_SOCK_MAX],
		 struct b4_error *err)
{
	const char *slash = strrchr(sock, '/');
	int n;

	if (!slash)
		return b4_error_set(err, -EINVAL, "socket path %s: not an "
				    "absolute path to the daemon's socket", sock);
	n = snprintf(buf, PATHS_SOCK_MAX, "%.*s/%s", (int)(slash - sock), sock,
		     name);
	if (n < 0 || (size_t)n >= PATHS_SOCK_MAX)
		return b4_error_set(err, -ENAMETOOLONG, "socket path %s: the %s "
				    "socket beside it would be too long for an "
				    "AF_UNIX address", sock,
				    strcmp(name, PATHS_CTL_SOCK) ? name : "control");
	return 0;
}

int paths_run_dir_make(char *buf, size_t len, struct b4_error *err)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	bool xdg = base && *base;
	int ret;

	if (!xdg)
		base = "/tmp";
	snprintf(buf, len, "%s/b4ns-run-XXXXXX", base);
	if (mkdtemp(buf))
		return 0;
	ret = -errno;
	buf[0] = '\0';
	return b4_error_set(err, ret, "cannot make this run's private "
			    "directory in %s%s: %s", base, xdg ?
			    " ($XDG_RUNTIME_DIR)" : "", strerror(-ret));
}

int paths_config_default(char *buf, size_t len, struct b4_error *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;

	/* an XDG_CONFIG_HOME that is not absolute is to be ignored (XDG
	 * Base Directory specification) */
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/" PATHS_CONFIG_REL, xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.config/" PATHS_CONFIG_REL, home);
	else
		n = -1;
	if (n > 0 && (size_t)n < len && !access(buf, F_OK))
		return 0;
	if (n > 0 && (size_t)n < len && errno != ENOENT && errno != ENOTDIR)
		return b4_error_set(err, -errno, "%s: %s", buf, strerror(errno));
	snprintf(buf, len, "%s", PATHS_CONFIG_SYSTEM);
	if (!access(buf, F_OK))
		return 0;
	if (errno != ENOENT && errno != ENOTDIR)
		return b4_error_set(err, -errno, "%s: %s", buf, strerror(errno));
	buf[0] = '\0';
	return -ENOENT;
}

void paths_run_dir_remove(const char *dir)
{
	static const char *const names[] = { PATHS_RUN_PRELOAD_SOCK,
					     PATHS_RUN_SLIRP_API_SOCK };
	char path[PATH_MAX];

	if (!dir[0])
		return;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int paths_preload_library(char *buf, size_t len)
{
	const char *env = getenv("B4NS_PRELOAD_LIB");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return access(buf, R_OK) ? -ENOENT : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	snprintf(buf, len, "%s/libb4ns.so", exe);
	if (!access(buf, R_OK))
		return 0;
	snprintf(buf, len, "%s/../%s/libb4ns.so", exe, B4NS_LIBDIR_REL);
	if (!access(buf, R_OK))
		return 0;
	snprintf(buf, len, "%s/libb4ns.so", B4NS_LIBDIR);
	return access(buf, R_OK) ? -ENOENT : 0;
}

bool paths_which(const char *cmd, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char file[PATH_MAX];

	if (strchr(cmd, '/')) {
		if (buf)
			snprintf(buf, len, "%s", cmd);
		return true;
	}
	if (!path)
		path = PATHS_DEFAULT_PATH;
	for (;;) {
		size_t l = strcspn(path, ":");
		int n = l ? snprintf(file, sizeof(file), "%.*s/%s", (int)l, path,
				     cmd) :
			    snprintf(file, sizeof(file), "./%s", cmd);

		if (n > 0 && (size_t)n < sizeof(file) && !access(file, X_OK)) {
			if (buf)
				snprintf(buf, len, "%s", file);
			return true;
		}
		if (!path[l])
			return false;
		path += l + 1;
	}
}
