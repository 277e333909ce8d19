/* SPDX-License-Identifier: GPL-2.0-or-later
 * paths.h - every socket, run-directory and library path b4ns uses
 */
#ifndef B4NS_PATHS_H
#define B4NS_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/un.h>

#include "err.h"

/* Size of an AF_UNIX address's path, NUL included: no socket path is longer */
#define PATHS_SOCK_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/* The daemon's directory ($XDG_RUNTIME_DIR/b4ns by default) holds: */
#define PATHS_DAEMON_SOCK "b4ns.sock"		/* the listener */
#define PATHS_CTL_SOCK "b4ns.ctl"		/* "b4ns status" */
#define PATHS_KEEPER_SOCK "b4ns.keeper"	/* the daemon's keeper */
/* preload requests: the socket, in a subdirectory of its own, which is all
 * of the daemon's directory a preload-mode container gets to see (the
 * oci-hook bind-mounts it; the listener and the status socket stay out of
 * the container's reach) */
#define PATHS_PRELOAD_DIR "preload"
#define PATHS_PRELOAD_SOCK "b4ns-preload.sock"

/* A "b4ns run" private directory (paths_run_dir_make()) holds: */
#define PATHS_RUN_PRELOAD_SOCK "preload.sock"
#define PATHS_RUN_SLIRP_API_SOCK "slirp-api.sock"

/* Where the oci-hook puts the preload path's files inside a container */
#define PATHS_CONTAINER_PRELOAD_DIR "/run/b4ns"
#define PATHS_CONTAINER_PRELOAD_LIB "/usr/lib/b4ns/libb4ns.so"

/**
 * enum paths_flags - how paths_daemon_socket() finds the default
 * @PATHS_XDG:		$XDG_RUNTIME_DIR/b4ns/b4ns.sock only
 * @PATHS_HOST_UID:	without XDG_RUNTIME_DIR, /run/user/UID/b4ns/b4ns.sock
 *			with UID our uid on the host (read from uid_map: the
 *			oci-hook runs in Podman's user namespace, with an
 *			empty environment)
 */
enum paths_flags {
	PATHS_XDG = 0,
	PATHS_HOST_UID = 1,
};

/**
 * paths_daemon_socket() - the daemon's listener socket
 * @arg:	--socket=PATH as given, or NULL for the default
 * @flags:	enum paths_flags, where the default comes from
 * @buf:	result, PATHS_SOCK_MAX bytes
 * @err:	why it cannot be used: not absolute, too long for an AF_UNIX
 *		address (naming the path; it is never truncated), or no
 *		XDG_RUNTIME_DIR to derive the default from
 *
 * Return: 0, -EINVAL (not absolute), -ENAMETOOLONG, -ENOENT (no default)
 */
int paths_daemon_socket(const char *arg, enum paths_flags flags,
			char buf[PATHS_SOCK_MAX], struct b4_error *err);

/**
 * paths_beside() - a file in the directory of the daemon's socket
 * @sock:	the daemon's socket (absolute)
 * @name:	file name (PATHS_CTL_SOCK, PATHS_PRELOAD_SOCK)
 * @buf:	result, PATHS_SOCK_MAX bytes
 * @err:	why not: no directory in @sock, or the result would be too
 *		long for an AF_UNIX address
 *
 * Return: 0, -EINVAL or -ENAMETOOLONG
 */
int paths_beside(const char *sock, const char *name, char buf[PATHS_SOCK_MAX],
		 struct b4_error *err);

/**
 * paths_run_dir_make() - a private directory for one "b4ns run"
 * @buf:	result: $XDG_RUNTIME_DIR/b4ns-run-XXXXXX (or under /tmp),
 *		mode 0700; "" on failure
 * @len:	size of @buf
 * @err:	why not, naming the directory it was to be made in
 *
 * It holds PATHS_RUN_PRELOAD_SOCK and PATHS_RUN_SLIRP_API_SOCK.
 *
 * Return: 0 or negative errno
 */
int paths_run_dir_make(char *buf, size_t len, struct b4_error *err);

/* The config file read without --config: the user's, relative to
 * $XDG_CONFIG_HOME (default ~/.config), else the system's */
#define PATHS_CONFIG_REL "b4ns/b4ns.conf"
#define PATHS_CONFIG_SYSTEM "/etc/b4ns/b4ns.conf"

/**
 * paths_config_default() - the config file to read when none is given
 * @buf:	result: $XDG_CONFIG_HOME/b4ns/b4ns.conf (an absolute
 *		XDG_CONFIG_HOME; else $HOME/.config/b4ns/b4ns.conf) if it
 *		exists, else PATHS_CONFIG_SYSTEM if it exists, else ""
 * @len:	size of @buf
 * @err:	why a file there cannot even be looked at (EACCES on its
 *		directory), naming it
 *
 * A file that exists is returned whatever it holds: cfg_load() then
 * reports what is wrong in it ("FILE:LINE: KEY: ...").
 *
 * Return: 0 with the file in @buf, -ENOENT if there is none (built-in
 * defaults), or another negative errno
 */
int paths_config_default(char *buf, size_t len, struct b4_error *err);

/**
 * paths_run_dir_remove() - remove a run's sockets and directory, if made
 * @dir:	the directory, "" for none
 */
void paths_run_dir_remove(const char *dir);

/**
 * paths_preload_library() - where libb4ns.so is
 * @buf:	result
 * @len:	size of @buf
 *
 * Looks at $B4NS_PRELOAD_LIB, then beside the running b4ns binary (a build
 * tree), then in the library directory of its install prefix.
 *
 * Return: 0, or -ENOENT
 */
int paths_preload_library(char *buf, size_t len);

/**
 * paths_which() - a program as execvp() would find it
 * @cmd:	a name (searched in $PATH; if unset, in PATHS_DEFAULT_PATH)
 *		or a path (containing '/', taken as it is)
 * @buf:	result, may be NULL
 * @len:	size of @buf
 *
 * An empty element of $PATH is the current directory, as for execvp().
 *
 * Return: true if found (a path is not checked), with the file in @buf
 */
bool paths_which(const char *cmd, char *buf, size_t len);

/* Where paths_which() looks without $PATH (sbin too: runc, slirp4netns) */
#define PATHS_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"

#endif /* B4NS_PATHS_H */
