/* SPDX-License-Identifier: GPL-2.0-or-later
 * daemon.h - the OCI listener daemon and its control socket
 */
#ifndef B4NS_DAEMON_H
#define B4NS_DAEMON_H

#include <stdbool.h>

#include "cfg.h"
#include "err.h"

/**
 * struct daemon_opts - how the daemon runs
 * @socket:	listener socket, from paths_daemon_socket(); its directory
 *		is created (mode 0700) and holds the control and preload
 *		sockets too
 * @config:	config file (defaults and container sections), or NULL
 * @reg:	registry options given on the command line, validated
 *		(cfg_registry_parse_opt()); only the fields in @reg_set mean
 *		anything
 * @reg_set:	enum cfg_registry_field bits of the fields of @reg given;
 *		they override the config file's (cfg_registry_override()),
 *		then cfg_registry_check() has the last word
 * @replace:	take over from a running daemon (through its keeper)
 */
struct daemon_opts {
	const char *socket;
	const char *config;
	struct cfg_registry reg;
	unsigned int reg_set;
	bool replace;
};

/**
 * daemon_run() - serve OCI runtimes' seccomp listeners until SIGTERM/SIGINT
 * (or until a daemon started with --replace takes over)
 * @o:		options
 * @bad_config:	set if the failure is the config file's (b4ns exits 2)
 * @err:	why the daemon could not start or stopped on an error
 *
 * Return: 0 when stopped by a signal, else negative errno
 */
int daemon_run(const struct daemon_opts *o, bool *bad_config,
	       struct b4_error *err);

/**
 * daemon_probe() - is a daemon listening on @path?
 * @path:	the daemon's socket
 *
 * Connects to @path and closes the connection at once without sending
 * anything (the daemon takes an empty connection for a probe).
 *
 * Return: 0 if the connection was accepted, else -errno of socket() or
 * connect() (-ENOENT: no socket, -ECONNREFUSED: nobody listening)
 */
int daemon_probe(const char *path);

#endif /* B4NS_DAEMON_H */
