// SPDX-License-Identifier: GPL-2.0-or-later
/* test_handover.c - "b4ns run --daemon": the annotations of a run's
 * settings, and the message a fake daemon (a thread with the listener and
 * control sockets in a temporary directory) receives: it must parse with
 * the daemon's own oci_state_parse() and give back the settings through
 * oci_settings(); the answer of the control socket decides the outcome
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cfg.h"
#include "err.h"
#include "fdpass.h"
#include "launch/handover.h"
#include "oci/oci.h"
#include "unixsock.h"

/**
 * struct fake - a daemon that reads one message and answers one status
 * @dir:	its directory
 * @sock:	listener socket path
 * @lfd:	listener
 * @cfd:	control socket
 * @status:	what the control socket answers
 * @msg:	the message received
 * @len:	its length
 * @nfds:	descriptors that came with it
 */
struct fake {
	char dir[64];
	char sock[128];
	int lfd;
	int cfd;
	char status[512];
	char msg[OCI_STATE_MAX];
	size_t len;
	int nfds;
};

static struct fake fk;

static void fake_open(void)
{
	char ctl[128];

	memset(&fk, 0, sizeof(fk));
	snprintf(fk.dir, sizeof(fk.dir), "/tmp/b4ns-test-handover.XXXXXX");
	cr_assert_not_null(mkdtemp(fk.dir));
	snprintf(fk.sock, sizeof(fk.sock), "%s/b4ns.sock", fk.dir);
	snprintf(ctl, sizeof(ctl), "%s/b4ns.ctl", fk.dir);
	fk.lfd = unixsock_listen(fk.sock, SOCK_STREAM);
	fk.cfd = unixsock_listen(ctl, SOCK_STREAM);
	cr_assert_geq(fk.lfd, 0);
	cr_assert_geq(fk.cfd, 0);
}

static void fake_close(void)
{
	char path[160];

	close(fk.lfd);
	close(fk.cfd);
	snprintf(path, sizeof(path), "%s/b4ns.sock", fk.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b4ns.ctl", fk.dir);
	unlink(path);
	rmdir(fk.dir);
}

/* accept_blocking() - accept on a non-blocking listener, waiting */
static int accept_blocking(int lfd)
{
	for (int i = 0; i < 500; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			return fd;
		usleep(10000);
	}
	return -1;
}

/* fake_serve() - the thread: read messages to EOF until one is not empty
 * (the probe's connection carries nothing), then answer one status */
static void *fake_serve(void *arg)
{
	int fd;
	ssize_t n;

	(void)arg;
	while (!fk.len) {
		fd = accept_blocking(fk.lfd);
		if (fd < 0)
			return NULL;
		for (;;) {
			struct fdpass_rx rx;
			int fds[FDPASS_MAX];

			n = fdpass_recv(fd, fk.msg + fk.len,
					sizeof(fk.msg) - fk.len, fds,
					FDPASS_MAX, 0, &rx);
			if (n <= 0)
				break;
			fk.len += (size_t)n;
			fk.nfds += rx.nfds;
			fdpass_close(fds, rx.nfds);
		}
		close(fd);
	}
	fd = accept_blocking(fk.cfd);
	if (fd < 0)
		return NULL;
	if (send(fd, fk.status, strlen(fk.status), MSG_NOSIGNAL) < 0) {
		/* the client gave up */
	}
	close(fd);
	return NULL;
}

/* settings() - a run's command line: publish, ignore, network */
static void settings(struct cfg_container *c)
{
	memset(c, 0, sizeof(*c));
	cr_assert_eq(cfg_publish_add(c, "18080:80", NULL), 0);
	cr_assert_eq(cfg_publish_add(c, "127.0.0.1:9000-9001:90-91/tcp", NULL), 0);
	cr_assert_eq(sa_cidr_parse("10.1.0.0/16", &c->ignore[c->n_ignore++]), 0);
	cr_assert_eq(sa_cidr_parse("fd00::/8", &c->ignore[c->n_ignore++]), 0);
	snprintf(c->network, sizeof(c->network), "n1");
	c->network_set = true;
}

/* ann() - value of annotation @key in @h, or NULL */
static const char *ann(const struct handover *h, const char *key)
{
	for (int i = 0; i < h->n_ann; i++)
		if (!strcmp(h->ann[i].key, key))
			return h->ann[i].value;
	return NULL;
}

Test(handover, prepare_annotations)
{
	static struct cfg_container c;
	static struct handover h;
	struct b4_error err = { "" };

	settings(&c);
	cr_assert_eq(handover_prepare(&h, "/run/x/b4ns.sock", "web", &c, &err),
		     0, "%s", err.msg);
	cr_assert_str_eq(h.ctl, "/run/x/b4ns.ctl");
	cr_assert_str_eq(ann(&h, "b4ns.mode"), "seccomp");
	cr_assert_str_eq(ann(&h, "b4ns.config"), "web");
	cr_assert_str_eq(ann(&h, "b4ns.network"), "n1");
	cr_assert_str_eq(ann(&h, "b4ns.publish"),
			 "18080:80,127.0.0.1:9000-9001:90-91/tcp");
	cr_assert_str_eq(ann(&h, "b4ns.ignore"), "10.1.0.0/16,fd00::/8");
	cr_assert_null(ann(&h, "b4ns.egress.allow"));

	/* nothing set: the mode only */
	memset(&c, 0, sizeof(c));
	cr_assert_eq(handover_prepare(&h, "/run/x/b4ns.sock", NULL, &c, &err), 0);
	cr_assert_eq(h.n_ann, 1);
}

Test(handover, prepare_too_long)
{
	static struct cfg_container c;
	static struct handover h;
	struct b4_error err = { "" };
	char spec[32];

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 40; i++) {
		snprintf(spec, sizeof(spec), "127.0.0.1:%d:%d", 20000 + i, 80 + i);
		cr_assert_eq(cfg_publish_add(&c, spec, NULL), 0);
	}
	cr_assert_eq(handover_prepare(&h, "/run/x/b4ns.sock", NULL, &c, &err),
		     -E2BIG);
	cr_assert(strstr(err.msg, "b4ns.publish"), "%s", err.msg);
	cr_assert(strstr(err.msg, "config section"), "%s", err.msg);
}

/* send_to_fake() - handover_send() of pid 4242 with an eventfd as the
 * listener, the control socket answering @status; Return: its result */
static int send_to_fake(const char *status, struct b4_error *err)
{
	static struct cfg_container c;
	static struct handover h;
	pthread_t t;
	int efd, ret;

	fake_open();
	snprintf(fk.status, sizeof(fk.status), "%s", status);
	settings(&c);
	cr_assert_eq(handover_prepare(&h, fk.sock, "web", &c, err), 0);
	cr_assert_eq(handover_probe(&h, err), 0, "%s", err->msg);
	/* the probe's empty connection comes first: the fake skips it */
	cr_assert_eq(pthread_create(&t, NULL, fake_serve, NULL), 0);
	efd = eventfd(0, EFD_CLOEXEC);
	cr_assert_geq(efd, 0);
	ret = handover_send(&h, 4242, efd, err);
	pthread_join(t, NULL);
	close(efd);
	fake_close();
	return ret;
}

#define SERVED "{ \"containers\": [ { \"id\": \"run-9\", \"mode\": \"seccomp\" }, " \
	       "{ \"id\": \"run-4242\", \"mode\": \"%s\" } ] }"

/* st_ann() - value of annotation @key in @st, or NULL */
static const char *st_ann(const struct oci_state *st, const char *key)
{
	for (int i = 0; i < st->n_ann; i++)
		if (!strcmp(st->ann[i].key, key))
			return st->ann[i].value;
	return NULL;
}

Test(handover, send_message_the_daemon_parses)
{
	static struct oci_state st;
	struct b4_error err = { "" };
	char status[256];

	snprintf(status, sizeof(status), SERVED, "seccomp");
	cr_assert_eq(send_to_fake(status, &err), 0, "%s", err.msg);
	cr_assert_eq(fk.nfds, 1, "the listener travels in SCM_RIGHTS");
	cr_assert_eq(oci_state_parse(fk.msg, fk.len, &st, &err), 0, "%s: %.*s",
		     err.msg, (int)fk.len, fk.msg);
	cr_assert_str_eq(st.id, "run-4242");
	cr_assert_eq(st.pid, 4242);
	cr_assert_eq(st.seccomp_fd_index, 0);
	cr_assert_eq(st.n_fds, 1);
	cr_assert_str_eq(st.status, "creating");
	cr_assert_eq(st.n_ann, 5);
	cr_assert_str_eq(st_ann(&st, "b4ns.mode"), "seccomp");
	cr_assert_str_eq(st_ann(&st, "b4ns.config"), "web");
	cr_assert_str_eq(st_ann(&st, "b4ns.network"), "n1");
	cr_assert_str_eq(st_ann(&st, "b4ns.publish"),
			 "18080:80,127.0.0.1:9000-9001:90-91/tcp");
	cr_assert_str_eq(st_ann(&st, "b4ns.ignore"), "10.1.0.0/16,fd00::/8");
}

Test(handover, send_refused_settings)
{
	struct b4_error err = { "" };
	char status[256];

	snprintf(status, sizeof(status), SERVED, "off");
	cr_assert_eq(send_to_fake(status, &err), -EINVAL);
	cr_assert(strstr(err.msg, "refused the container's settings"), "%s",
		  err.msg);
}

Test(handover, send_dropped)
{
	struct b4_error err = { "" };

	cr_assert_eq(send_to_fake("{ \"containers\": [ { \"id\": \"run-9\" } ] }",
				  &err), -ENOENT);
	cr_assert(strstr(err.msg, "dropped the container"), "%s", err.msg);
}

Test(handover, send_bad_status)
{
	struct b4_error err = { "" };

	cr_assert_neq(send_to_fake("not json", &err), 0);
	cr_assert(strstr(err.msg, "cannot ask the daemon"), "%s", err.msg);
}

Test(handover, probe_no_daemon)
{
	static struct cfg_container c;
	static struct handover h;
	struct b4_error err = { "" };

	memset(&c, 0, sizeof(c));
	cr_assert_eq(handover_prepare(&h, "/nonexistent/b4ns.sock", NULL, &c,
				      &err), 0);
	cr_assert_eq(handover_probe(&h, &err), -ENOENT);
	cr_assert(strstr(err.msg, "no b4ns daemon answers at "
			 "/nonexistent/b4ns.sock"), "%s", err.msg);
}
