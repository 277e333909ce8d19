/* SPDX-License-Identifier: GPL-2.0-or-later
 * handover.h - "b4ns run --daemon": hand a container's seccomp listener to a
 * running "b4ns daemon"
 */
#ifndef B4NS_HANDOVER_H
#define B4NS_HANDOVER_H

#include <sys/types.h>

#include "cfg.h"
#include "err.h"
#include "oci/oci.h"
#include "paths.h"

/* Annotations a run carries at most: config, publish, ignore, network,
 * egress.allow, egress.deny, mode */
#define HANDOVER_MAX_ANN 7

/**
 * struct handover - what a run tells the daemon, prepared before the
 * container starts
 * @sock:	the daemon's listener socket
 * @ctl:	its control socket (beside it), where the handover is checked
 * @ann:	the b4ns.* annotations: key and value
 * @n_ann:	entries used in @ann
 */
struct handover {
	char sock[PATHS_SOCK_MAX];
	char ctl[PATHS_SOCK_MAX];
	struct {
		const char *key;
		char value[OCI_ANN_VALUE_MAX];
	} ann[HANDOVER_MAX_ANN];
	int n_ann;
};

/**
 * handover_prepare() - the annotations of a run's settings
 * @h:		result
 * @sock:	the daemon's listener socket (paths_daemon_socket())
 * @section:	the daemon's config section to apply (b4ns.config), or NULL
 * @s:		the run's own settings (the command line's)
 * @err:	what cannot be carried: a list too long for an annotation
 *
 * b4ns.config=@section, b4ns.publish (the -p specs, comma-separated),
 * b4ns.ignore, b4ns.network, b4ns.egress.allow and b4ns.egress.deny when
 * set, and b4ns.mode=seccomp always (the run traps for the seccomp path,
 * whatever the section says). Settings without an annotation are the
 * caller's to refuse.
 *
 * Return: 0, -E2BIG if a list does not fit an annotation, -ENAMETOOLONG if
 * the control socket's path would not fit
 */
int handover_prepare(struct handover *h, const char *sock, const char *section,
		     const struct cfg_container *s, struct b4_error *err);

/**
 * handover_probe() - does a daemon answer at @h->sock?
 * @h:		prepared handover
 * @err:	if not, "no b4ns daemon answers at SOCK: reason"
 *
 * Connects and closes without a word (the daemon takes that for a probe).
 *
 * Return: 0, or the negative errno of connect()
 */
int handover_probe(const struct handover *h, struct b4_error *err);

/**
 * handover_send() - give the container's listener to the daemon
 * @h:		prepared handover
 * @pid:	the container's first process (waiting before exec)
 * @notify_fd:	its seccomp listener (still ours: the caller closes it)
 * @err:	why the daemon does not serve it
 *
 * Sends one OCI "container process state" (id "run-PID", status
 * "creating", the annotations of @h) with @notify_fd in SCM_RIGHTS, as an
 * OCI runtime does, and waits (at most 10 s) until the daemon has read it
 * and closed the connection. The daemon answers nothing on that socket,
 * so its control socket is asked whether it now serves "run-PID" with
 * seccomp: a message it dropped, or settings it refused (an unknown
 * section, publish specs conflicting with the section's) fail here.
 *
 * Return: 0 once the daemon serves the container, else negative errno
 */
int handover_send(const struct handover *h, pid_t pid, int notify_fd,
		  struct b4_error *err);

#endif /* B4NS_HANDOVER_H */
