/* SPDX-License-Identifier: GPL-2.0-or-later
 * launch.h - "b4ns run"'s machinery: start one container and supervise it
 */
#ifndef B4NS_LAUNCH_H
#define B4NS_LAUNCH_H

#include <stdbool.h>

#include "cfg.h"
#include "err.h"
#include "launch/netif.h"
#include "launch/sandbox.h"

/**
 * struct launch_opts - what to run, and how
 * @argv:	command and arguments, NULL-terminated
 * @settings:	effective settings: config file, its section, then the
 *		command line, already merged (not changed); with @daemon the
 *		command line's only
 * @addrs:	the container's own addresses (--ip), on a veth pair in its
 *		namespace
 * @n_addrs:	entries in @addrs (0 to NETIF_MAX_ADDRS)
 * @daemon:	the listener socket of a "b4ns daemon" that serves the
 *		container instead of this process, or NULL
 * @section:	with @daemon: the daemon's config section to apply, or NULL
 * @proc:	--userns, -e, -w, --hostname, or NULL for the defaults
 */
struct launch_opts {
	char **argv;
	const struct cfg_container *settings;
	const struct netif_addr *addrs;
	int n_addrs;
	const char *daemon;
	const char *section;
	const struct sandbox_proc *proc;
};

/**
 * launch_run() - start the container process and supervise it to its end
 * @o:		what to run
 * @bad_settings: set if the failure is the settings' (b4ns exits 2)
 * @err:	why it could not start; empty when the reason was already
 *		logged by sandbox_start()
 *
 * Resolves the switching mode (auto: probe_addfd()) and the fallback
 * network, starts the container with sandbox_start(), and becomes its
 * supervisor: one event loop serves the container's notify fd or, on the
 * preload path, its library's requests; a signalfd forwards SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the container's first
 * process (its PID namespace's init, which runs the command: ctrinit.c),
 * except what a terminal sent the whole process group (ctrinit_forward()),
 * and reaps it. With @o->daemon the seccomp listener goes to that daemon
 * (handover.c) before the command runs, and a daemon that does not answer
 * or does not take it fails the start (the container is killed before it
 * runs its command). Returns when the first process has exited (the
 * kernel has then killed the rest of the namespace) and nothing holds the
 * filter any more, or at a terminating signal after that. Every resource
 * (loop, signalfd, fallback network helper, the run's private directory
 * and sockets, a child not yet reaped) is released on one path, whatever
 * the outcome.
 *
 * Return: the first process's exit status (128+N if killed by signal N);
 * negative errno if the settings are unusable (@bad_settings set: b4ns
 * exits 2) or the container could not be started or supervised (b4ns
 * exits 125)
 */
int launch_run(const struct launch_opts *o, bool *bad_settings,
	       struct b4_error *err);

#endif /* B4NS_LAUNCH_H */
