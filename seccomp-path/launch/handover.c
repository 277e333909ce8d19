// SPDX-License-Identifier: GPL-2.0-or-later
/* handover.c - "b4ns run --daemon": hand a container's seccomp listener to a
 * running "b4ns daemon"
 *
 * Theory of operation: the daemon (oci/daemon.c) serves the listeners OCI
 * runtimes send it; "b4ns run --daemon" becomes one more such runtime. Its
 * settings that the daemon has annotations for are turned into b4ns.*
 * annotations before the container starts (handover_prepare(), so a list
 * too long to carry is a usage error, not a killed container), and
 * handover_probe() checks that a daemon answers before anything is forked.
 * Once the container's first process has loaded its filter and waits
 * before exec, handover_send() connects to the listener socket and sends
 * the JSON "container process state" a runtime sends (built with json-c,
 * so every value is escaped) with the listener in SCM_RIGHTS, then shuts
 * its side down and waits for the daemon to close the connection, which it
 * does once it has registered the container or dropped the message. The
 * protocol has no answer, so the daemon's control socket (the one "b4ns
 * status" reads) is asked whether it serves "run-PID" in seccomp mode; a
 * container the daemon does not serve is the caller's to kill, before it
 * ever runs. Every wait is bounded by socket timeouts.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "err.h"
#include "fdpass.h"
#include "launch/handover.h"
#include "oci/oci.h"
#include "paths.h"
#include "readall.h"
#include "unixsock.h"

/* How long the daemon may take to read the message and to answer status */
#define HANDOVER_TIMEOUT_MS 10000
/* Largest status answer read (every container of the daemon is listed) */
#define HANDOVER_STATUS_MAX ((size_t)16 * 1024 * 1024)

/**
 * ann_add() - one annotation of @h
 * @h:		the handover
 * @key:	"b4ns.KEY" (static)
 * @value:	its value
 * @err:	if the value does not fit OCI_ANN_VALUE_MAX
 *
 * Return: 0, or -E2BIG
 */
static int ann_add(struct handover *h, const char *key, const char *value,
		   struct b4_error *err)
{
	size_t n = strlen(value);

	if (h->n_ann >= HANDOVER_MAX_ANN)
		return b4_error_set(err, -E2BIG, "too many annotations");
	if (n >= OCI_ANN_VALUE_MAX)
		return b4_error_set(err, -E2BIG, "%s: the list is too long to "
				    "hand to the daemon (%zu bytes, at most %d): "
				    "put it in the daemon's config section "
				    "(--container=NAME)", key, n,
				    OCI_ANN_VALUE_MAX - 1);
	memcpy(h->ann[h->n_ann].value, value, n + 1);
	h->ann[h->n_ann++].key = key;
	return 0;
}

/* join() - @n strings (@str(@arg, i)) comma-separated into @buf */
static int join(char *buf, size_t size, int n,
		const char *(*str)(const struct cfg_container *, int, char *,
				   size_t),
		const struct cfg_container *s)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		char one[SA_STRLEN + CFG_SPEC_MAX];
		int w = snprintf(buf + off, size - off, "%s%s", i ? "," : "",
				 str(s, i, one, sizeof(one)));

		if (w < 0 || (size_t)w >= size - off)
			return -E2BIG;
		off += (size_t)w;
	}
	return 0;
}

static const char *publish_str(const struct cfg_container *s, int i, char *buf,
			       size_t len)
{
	(void)buf;
	(void)len;
	return s->publish_spec[i];
}

static const char *ignore_str(const struct cfg_container *s, int i, char *buf,
			      size_t len)
{
	return sa_cidr_format(&s->ignore[i], buf, len);
}

static const char *allow_str(const struct cfg_container *s, int i, char *buf,
			     size_t len)
{
	(void)buf;
	(void)len;
	return s->egress_allow[i].spec;
}

static const char *deny_str(const struct cfg_container *s, int i, char *buf,
			    size_t len)
{
	(void)buf;
	(void)len;
	return s->egress_deny[i].spec;
}

/* ann_list() - annotation @key of @n entries of @s, if any */
static int ann_list(struct handover *h, const char *key, int n,
		    const char *(*str)(const struct cfg_container *, int,
				       char *, size_t),
		    const struct cfg_container *s, struct b4_error *err)
{
	/* one byte more than fits: ann_add() names the overflow */
	char buf[OCI_ANN_VALUE_MAX + 1];

	if (!n)
		return 0;
	if (join(buf, sizeof(buf), n, str, s))
		return b4_error_set(err, -E2BIG, "%s: the list is too long to "
				    "hand to the daemon (at most %d bytes): put "
				    "it in the daemon's config section "
				    "(--container=NAME)", key,
				    (int)OCI_ANN_VALUE_MAX - 1);
	return ann_add(h, key, buf, err);
}

int handover_prepare(struct handover *h, const char *sock, const char *section,
		     const struct cfg_container *s, struct b4_error *err)
{
	int ret;

	memset(h, 0, sizeof(*h));
	snprintf(h->sock, sizeof(h->sock), "%s", sock);
	ret = paths_beside(h->sock, PATHS_CTL_SOCK, h->ctl, err);
	if (ret)
		return ret;
	ret = ann_add(h, "b4ns.mode", "seccomp", err);
	if (!ret && section)
		ret = ann_add(h, "b4ns.config", section, err);
	if (!ret && s->network_set)
		ret = ann_add(h, "b4ns.network", s->network, err);
	if (!ret)
		ret = ann_list(h, "b4ns.publish", s->n_publish, publish_str, s,
			       err);
	if (!ret)
		ret = ann_list(h, "b4ns.ignore", s->n_ignore, ignore_str, s, err);
	if (!ret)
		ret = ann_list(h, "b4ns.egress.allow", s->n_egress_allow,
			       allow_str, s, err);
	if (!ret)
		ret = ann_list(h, "b4ns.egress.deny", s->n_egress_deny, deny_str,
			       s, err);
	return ret;
}

int handover_probe(const struct handover *h, struct b4_error *err)
{
	_cleanup_close_ int fd = unixsock_connect(h->sock, SOCK_STREAM);

	if (fd >= 0)
		return 0;
	return b4_error_set(err, fd, "no b4ns daemon answers at %s (%s): start "
			    "one with \"b4ns daemon\", or run without --daemon",
			    h->sock, strerror(-fd));
}

/* set_timeout() - bound every blocking send and receive on @fd */
static void set_timeout(int fd)
{
	struct timeval tv = { HANDOVER_TIMEOUT_MS / 1000, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/**
 * state_json() - the listener message for container @id, process @pid
 * @h:		the handover (annotations)
 * @id:		"run-PID"
 * @pid:	the process
 *
 * Return: the message, to release with json_object_put(); NULL if out of
 * memory
 */
static struct json_object *state_json(const struct handover *h, const char *id,
				      pid_t pid)
{
	struct json_object *root = json_object_new_object();
	struct json_object *state = json_object_new_object();
	struct json_object *fds = json_object_new_array();
	struct json_object *ann = json_object_new_object();

	if (!root || !state || !fds || !ann) {
		json_object_put(root);
		json_object_put(state);
		json_object_put(fds);
		json_object_put(ann);
		return NULL;
	}
	for (int i = 0; i < h->n_ann; i++)
		json_object_object_add(ann, h->ann[i].key,
				       json_object_new_string(h->ann[i].value));
	json_object_array_add(fds, json_object_new_string("seccompFd"));
	json_object_object_add(state, "ociVersion",
			       json_object_new_string("1.0.2"));
	json_object_object_add(state, "id", json_object_new_string(id));
	json_object_object_add(state, "status",
			       json_object_new_string("creating"));
	json_object_object_add(state, "pid", json_object_new_int(pid));
	json_object_object_add(state, "annotations", ann);
	json_object_object_add(root, "ociVersion",
			       json_object_new_string("0.2.0"));
	json_object_object_add(root, "fds", fds);
	json_object_object_add(root, "pid", json_object_new_int(pid));
	json_object_object_add(root, "state", state);
	return root;
}

/* wait_closed() - wait until the daemon closes its end of @fd */
static int wait_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char byte;
	int n;

	n = B4_NOINTR(poll(&p, 1, HANDOVER_TIMEOUT_MS));
	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	n = (int)B4_NOINTR(recv(fd, &byte, 1, MSG_DONTWAIT));
	if (n < 0 && errno != ECONNRESET)
		return -errno;
	return 0; /* EOF (or a reset): it is done with the message */
}

/**
 * served_mode() - how the daemon serves container @id, from its status
 * @ctl:	control socket
 * @id:		container id
 * @mode:	result: "seccomp", "off", ... or "" if it is not listed
 * @size:	size of @mode
 *
 * Return: 0, or negative errno (no answer, or not JSON)
 */
static int served_mode(const char *ctl, const char *id, char *mode, size_t size)
{
	_cleanup_close_ int s = unixsock_connect(ctl, SOCK_STREAM);
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *arr, *c, *v;
	size_t len;
	int ret;

	mode[0] = '\0';
	if (s < 0)
		return s;
	set_timeout(s);
	ret = readall_fd(s, HANDOVER_STATUS_MAX, &text, &len);
	if (!ret)
		ret = oci_json_parse(text, len, &root, NULL);
	if (ret)
		return ret;
	if (!json_object_object_get_ex(root, "containers", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -EPROTO;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		c = json_object_array_get_idx(arr, i);
		if (!json_object_object_get_ex(c, "id", &v) ||
		    strcmp(json_object_get_string(v), id) != 0)
			continue;
		if (json_object_object_get_ex(c, "mode", &v))
			snprintf(mode, size, "%s", json_object_get_string(v));
		else
			snprintf(mode, size, "?");
		return 0;
	}
	return 0;
}

int handover_send(const struct handover *h, pid_t pid, int notify_fd,
		  struct b4_error *err)
{
	_cleanup_json_ struct json_object *msg = NULL;
	_cleanup_close_ int s = -1;
	char id[32], mode[32];
	const char *text;
	ssize_t n;
	int ret;

	snprintf(id, sizeof(id), "run-%d", (int)pid);
	msg = state_json(h, id, pid);
	if (!msg)
		return b4_error_set(err, -ENOMEM, "%s", strerror(ENOMEM));
	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	s = unixsock_connect(h->sock, SOCK_STREAM);
	if (s < 0)
		return b4_error_set(err, s, "no b4ns daemon answers at %s (%s)",
				    h->sock, strerror(-s));
	set_timeout(s);
	/* one message: the payload is far below a socket's buffer */
	n = fdpass_send(s, text, strlen(text), &notify_fd, 1, 0);
	if (n >= 0 && (size_t)n != strlen(text))
		n = -EMSGSIZE;
	if (n < 0)
		return b4_error_set(err, (int)n, "sending the container to the "
				    "daemon at %s: %s", h->sock,
				    strerror((int)-n));
	shutdown(s, SHUT_WR);
	ret = wait_closed(s);
	if (ret)
		return b4_error_set(err, ret, "the daemon at %s did not take "
				    "the container: %s", h->sock, strerror(-ret));
	ret = served_mode(h->ctl, id, mode, sizeof(mode));
	if (ret)
		return b4_error_set(err, ret, "cannot ask the daemon whether it "
				    "serves the container (%s: %s)", h->ctl,
				    strerror(-ret));
	if (!mode[0])
		return b4_error_set(err, -ENOENT, "the daemon at %s dropped the "
				    "container (see its log)", h->sock);
	if (strcmp(mode, "seccomp") != 0)
		return b4_error_set(err, -EINVAL, "the daemon at %s refused the "
				    "container's settings and would not switch "
				    "it (see its log)", h->sock);
	return 0;
}
