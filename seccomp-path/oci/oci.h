/* SPDX-License-Identifier: GPL-2.0-or-later
 * oci.h - the OCI seccomp listener message and a container's b4ns settings
 */
#ifndef B4NS_OCI_H
#define B4NS_OCI_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "cfg.h"
#include "err.h"

/**
 * json_putp() - drop a reference to *o if set, for __attribute__((cleanup))
 * @o:	pointer to the object pointer; NULL means "nothing to drop"
 */
static inline void json_putp(struct json_object **o)
{
	if (*o) {
		json_object_put(*o);
		*o = NULL;
	}
}

#define _cleanup_json_ __attribute__((cleanup(json_putp)))

struct json_object;

/* Largest listener message accepted (the daemon reads at most this much) */
#define OCI_STATE_MAX ((size_t)64 * 1024)
#define OCI_ID_MAX 128
#define OCI_METADATA_MAX 256
#define OCI_STATUS_MAX 32
#define OCI_ANN_KEY_MAX 64
#define OCI_ANN_VALUE_MAX 512
#define OCI_ANN_MAX 32
/* Annotation prefix that selects and configures b4ns */
#define OCI_ANN_PREFIX "b4ns."

/**
 * struct oci_state - the "container process state" a runtime sends to
 *		      linux.seccomp.listenerPath
 * @id:			state.id, the container id, never empty
 * @pid:		the container process (top-level "pid", else state.pid)
 * @seccomp_fd_index:	index of "seccompFd" in "fds", the SCM_RIGHTS slot of
 *			the notify fd; -1 if absent
 * @n_fds:		number of names in "fds"
 * @metadata:		"metadata" (= the profile's listenerMetadata), or ""
 * @status:		state.status ("creating", "created", "running"...), or ""
 * @bundle:		state.bundle, or ""
 * @ann:		the annotations whose key starts with "b4ns."
 * @n_ann:		entries used in @ann
 */
struct oci_state {
	char id[OCI_ID_MAX];
	pid_t pid;
	int seccomp_fd_index;
	int n_fds;
	char metadata[OCI_METADATA_MAX];
	char status[OCI_STATUS_MAX];
	char bundle[PATH_MAX];
	struct {
		char key[OCI_ANN_KEY_MAX];
		char value[OCI_ANN_VALUE_MAX];
	} ann[OCI_ANN_MAX];
	int n_ann;
};

/**
 * oci_json_parse() - parse one complete JSON value from a buffer, strictly
 * @buf:	text, need not be NUL-terminated
 * @len:	bytes in @buf; trailing whitespace and NUL bytes are allowed
 * @out:	on success, the value; release with json_object_put()
 * @err:	on failure, what is wrong ("truncated JSON", "JSON syntax
 *		error at offset N: ..."); may be NULL
 *
 * Return: 0, -EINVAL for malformed, truncated or trailing text, -ENOMEM
 */
int oci_json_parse(const char *buf, size_t len, struct json_object **out,
		   struct b4_error *err);

/**
 * oci_state_parse() - parse and validate a listener message
 * @buf:	the bytes received up to EOF, need not be NUL-terminated
 * @len:	bytes in @buf, at most OCI_STATE_MAX
 * @out:	result (cleared first)
 * @err:	on failure, one line saying what is wrong; may be NULL
 *
 * The message must be a JSON object with an "fds" array of strings, a pid
 * greater than 0 (top-level "pid", else "state.pid") and a non-empty
 * "state.id". Unknown fields and "ociVersion" are ignored. Only annotations
 * with the "b4ns." prefix are kept, so foreign annotations of any size are
 * fine; a b4ns annotation or a kept string that does not fit its field is an
 * error, never truncated.
 *
 * Return: 0, -E2BIG if @len exceeds OCI_STATE_MAX, -EINVAL if malformed,
 * -ENOMEM
 */
int oci_state_parse(const char *buf, size_t len, struct oci_state *out,
		    struct b4_error *err);

/**
 * oci_state_json() - the parts of a listener message that a container's
 * settings come from, as a message oci_state_parse() reads back
 * @st:		the message (as parsed)
 *
 * Gives { "fds": [], "pid": PID, "metadata": ..., "state": { "id": ...,
 * "pid": PID, "status": ..., "annotations": { the b4ns.* ones } } }: what
 * the daemon's status shows of a container, so that "b4ns trace" can put
 * it to oci_settings() as the daemon did.
 *
 * Return: the object (json_object_put() it), or NULL if out of memory
 */
struct json_object *oci_state_json(const struct oci_state *st);

/**
 * oci_settings() - the effective b4ns settings of a container
 * @st:		its listener message
 * @cfg:	the daemon's configuration
 * @out:	result: @cfg->global, then the section named by "b4ns.config",
 *		then "b4ns.ignore", "b4ns.publish", "b4ns.egress.allow" and
 *		"b4ns.egress.deny" appended and "b4ns.mode" and
 *		"b4ns.network" replacing the mode and network; @out->name is
 *		the section name or ""
 * @err:	on failure, one line naming the container id and the key; may
 *		be NULL
 *
 * Settings come from the annotations and from @st->metadata, which may hold
 * the same "b4ns.KEY=VALUE" pairs separated by ';' or white space. A key
 * given in both places takes the annotation's value. Recognised keys:
 * b4ns.config=NAME, b4ns.publish=SPEC[,SPEC], b4ns.ignore=CIDR[,CIDR],
 * b4ns.mode=seccomp|off|preload|auto, b4ns.network=NAME,
 * b4ns.egress.allow=RULE[,RULE], b4ns.egress.deny=RULE[,RULE] (egress_parse()
 * rules). Any other b4ns.* key, an unknown section, a malformed spec, CIDR,
 * rule, network name or mode, or published ports conflicting
 * with each other are errors: the caller should then leave the container
 * unswitched rather than half-configured.
 *
 * Return: 0, -EINVAL on a bad or unknown setting, -E2BIG if a list would
 * overflow
 */
int oci_settings(const struct oci_state *st, const struct cfg *cfg,
		 struct cfg_container *out, struct b4_error *err);

#endif /* B4NS_OCI_H */
