// SPDX-License-Identifier: GPL-2.0-or-later
/* keeper.c - the keeper: holds the daemon's seccomp notify fds and its
 * listener, and answers the containers' trapped calls while no daemon does
 *
 * Theory of operation: "b4ns daemon" (the worker) starts the keeper once
 * (client.c: a separate process, exec'd, in its own session) and gives it a
 * copy of its listener socket and of every notify fd it is given, each with
 * the runtime's message that came with it (opaque bytes here: the keeper
 * parses no JSON and reads no config). The keeper watches the worker
 * through a pidfd and its connection.
 *
 * While a worker is attached the keeper only waits: its notify fds are in
 * its epoll set with no events, so it learns of a hang-up (the filter has
 * no task left: the fd and its message are dropped) and never receives a
 * notification.
 *
 * When the worker is gone (its pidfd is readable: its connection's end is
 * not enough, it may still be removing its socket files), the keeper
 * answers:
 * - every notification the worker had received and not answered: the
 *   worker writes the id of each into the ledger (a shared memfd) when it
 *   receives it and clears it when it answers. Each id still valid
 *   (SECCOMP_IOCTL_NOTIF_ID_VALID) is answered EINTR: the keeper does not
 *   know what the worker had done already (for a switched blocking
 *   connect, a host socket may be in place and connecting: a retried
 *   connect then reports its progress, EALREADY/EISCONN, as after a signal).
 *   A worker killed between receiving a notification and writing its id
 *   leaves that one call waiting until the task gets a signal (a window
 *   of a few instructions).
 * - every new notification, at once, with the fail-safe answer
 *   keeper_failsafe(): getsockname, getpeername, accept and accept4 are
 *   let through (SECCOMP_USER_NOTIF_FLAG_CONTINUE): whichever socket the
 *   fd is when the kernel re-reads it, they originate no traffic and
 *   reach no address. Every call that could (connect, bind, listen,
 *   sendto, sendmsg, sendmmsg) gets a plain error: ECONNREFUSED for
 *   connect, EADDRINUSE for bind and listen, ENETUNREACH for sends. Never
 *   CONTINUE for those: between any check of ours and the kernel's re-read
 *   another thread of the container can put a switched host socket at
 *   that fd number and a host loopback address in the sockaddr (DESIGN
 *   §3.1). Performing the call ourselves on a verified container socket
 *   would keep a container's own loopback working in the gap, but needs
 *   the asynchronous connect machinery of the worker: the keeper stays
 *   small instead, and the gap short.
 * Runtimes that connect to the listener meanwhile wait in its backlog.
 *
 * A new worker that says KEEPER_HELLO while none is attached is handed the
 * ledger (cleared), the listener and every notify fd with its message
 * (SCM_RIGHTS), then KEEPER_END; from then on the keeper waits again. One
 * that says KEEPER_REPLACE while one is attached: the attached one is sent
 * KEEPER_STOP and the new one is handed everything when the old one is
 * gone (its unanswered calls answered as above first). KEEPER_HELLO while a
 * worker is attached gets KEEPER_BUSY. KEEPER_QUIT (the daemon stops for
 * good) and SIGTERM end the keeper: the notify fds close with it, and once
 * no process holds them the containers' trapped calls fail with ENOSYS.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/net.h>
#include <linux/seccomp.h>

#include "err.h"
#include "fdpass.h"
#include "keeper/keeper.h"
#include "keeper/proto.h"
#include "log.h"
#include "traps.h"
#include "unixsock.h"

/**
 * struct kfd - a notify fd held, with the runtime's message
 * @fd:		the notify fd
 * @len:	bytes of @blob
 * @blob:	the message, as the worker gave it
 * @next:	next fd held
 */
struct kfd {
	int fd;
	uint32_t len;
	char *blob;
	struct kfd *next;
};

/**
 * struct keeper - the keeper's state
 * @lsock:	its own listening socket (SOCK_SEQPACKET)
 * @ep:		epoll set
 * @listen_fd:	the daemon's listener, or -1
 * @ledger:	ids received by the worker and not answered yet
 * @ledger_fd:	the ledger's memfd
 * @wconn:	the attached worker's connection, or -1
 * @wpidfd:	its pidfd, or -1
 * @next_conn:	a worker waiting for the attached one to go (replace), or -1
 * @fds:	notify fds held
 * @path:	its socket's path (removed when it quits)
 */
struct keeper {
	int lsock;
	int ep;
	int listen_fd;
	uint64_t *ledger;
	int ledger_fd;
	int wconn;
	int wpidfd;
	int next_conn;
	struct kfd *fds;
	const char *path;
};

/* epoll tags of the fixed descriptors; a notify fd's tag is its struct kfd */
static char tag_lsock, tag_wconn, tag_wpidfd;

static int watch(struct keeper *k, int op, int fd, uint32_t events, void *tag)
{
	struct epoll_event ev = { .events = events, .data.ptr = tag };

	return epoll_ctl(k->ep, op, fd, &ev) ? -errno : 0;
}

/* is_harmless() - may @nr pass unexamined: it reaches no address and moves
 * no data, whatever socket its fd is when the kernel runs it */
static bool is_harmless(uint32_t arch, int nr, uint64_t arg0)
{
	if (arch == AUDIT_ARCH_I386) {
		if (nr == 102)	/* socketcall */
			return arg0 == SYS_ACCEPT || arg0 == SYS_ACCEPT4 ||
			       arg0 == SYS_GETSOCKNAME || arg0 == SYS_GETPEERNAME;
		/* syscall_32.tbl: accept4, getsockname, getpeername */
		return nr == 364 || nr == 367 || nr == 368;
	}
#if defined(__x86_64__)
	if (arch != AUDIT_ARCH_X86_64 || (nr & 0x40000000))
		return false;
#endif
	return nr == __NR_accept || nr == __NR_accept4 ||
	       nr == __NR_getsockname || nr == __NR_getpeername;
}

int keeper_failsafe(uint32_t arch, int nr, uint64_t arg0, uint32_t *flags)
{
	*flags = 0;
	if (is_harmless(arch, nr, arg0)) {
		*flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		return 0;
	}
	switch (trap_classify(arch, nr, arg0, NULL)) {
	case TRAP_CONNECT:
		return -ECONNREFUSED;
	case TRAP_BIND:
	case TRAP_LISTEN:
		return -EADDRINUSE;
	case TRAP_SENDTO:
	case TRAP_SENDMSG:
	case TRAP_SENDMMSG:
		return -ENETUNREACH;
	default:
		return -EPERM;
	}
}

/* answer_new() - a notification arrived while no worker is attached */
static void answer_new(int fd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req))
		return; /* ENOENT: its task went meanwhile */
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.error = keeper_failsafe(req.data.arch, req.data.nr,
				     req.data.args[0], &resp.flags);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
		b4_warn("keeper: answering a notification: %s", strerror(errno));
}

/* answer_ledger() - the calls the gone worker had received: EINTR */
static void answer_ledger(struct keeper *k)
{
	int n = 0;

	for (size_t i = 0; i < KEEPER_LEDGER_SLOTS; i++) {
		uint64_t id = k->ledger[i];

		if (!id)
			continue;
		k->ledger[i] = 0;
		for (struct kfd *f = k->fds; f; f = f->next) {
			struct seccomp_notif_resp resp = { .id = id,
							   .error = -EINTR };

			if (ioctl(f->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
				continue;
			if (!ioctl(f->fd, SECCOMP_IOCTL_NOTIF_SEND, &resp))
				n++;
			break;
		}
	}
	if (n)
		b4_info("keeper: %d call(s) the daemon had not answered: EINTR", n);
}

/* set_answering() - receive the notifications (no worker), or only learn
 * of hang-ups (a worker serves them) */
static void set_answering(struct keeper *k, bool on)
{
	for (struct kfd *f = k->fds; f; f = f->next)
		watch(k, EPOLL_CTL_MOD, f->fd, on ? EPOLLIN : 0, f);
}

static void kfd_drop(struct keeper *k, struct kfd *f)
{
	struct kfd **pp;

	for (pp = &k->fds; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	epoll_ctl(k->ep, EPOLL_CTL_DEL, f->fd, NULL);
	close(f->fd);
	free(f->blob);
	free(f);
}

/* attach() - hand everything to the worker at @conn; it serves from now */
static void attach(struct keeper *k, int conn)
{
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	int ret, n = 0;

	set_answering(k, false);
	memset(k->ledger, 0, KEEPER_LEDGER_SIZE);
	getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
	k->wpidfd = (int)syscall(SYS_pidfd_open, cred.pid, 0);
	ret = keeper_send(conn, KEEPER_LEDGER, NULL, 0, k->ledger_fd);
	if (!ret && k->listen_fd >= 0)
		ret = keeper_send(conn, KEEPER_LISTEN, NULL, 0, k->listen_fd);
	for (struct kfd *f = k->fds; f && !ret; f = f->next, n++)
		ret = keeper_send(conn, KEEPER_FD, f->blob, f->len, f->fd);
	if (!ret)
		ret = keeper_send(conn, KEEPER_END, NULL, 0, -1);
	if (ret || k->wpidfd < 0 ||
	    watch(k, EPOLL_CTL_ADD, conn, EPOLLIN, &tag_wconn) ||
	    watch(k, EPOLL_CTL_ADD, k->wpidfd, EPOLLIN, &tag_wpidfd)) {
		b4_err("keeper: handing over to daemon pid %d failed: %s",
		       (int)cred.pid, strerror(ret ? -ret : errno));
		closep(&k->wpidfd);
		close(conn);
		set_answering(k, true);
		return;
	}
	k->wconn = conn;
	b4_info("keeper: daemon pid %d serves %d notify fd(s)", (int)cred.pid, n);
}

/* worker_gone() - answer what it left, then everything until the next */
static void worker_gone(struct keeper *k)
{
	if (k->wconn >= 0)
		epoll_ctl(k->ep, EPOLL_CTL_DEL, k->wconn, NULL);
	epoll_ctl(k->ep, EPOLL_CTL_DEL, k->wpidfd, NULL);
	closep(&k->wconn);
	closep(&k->wpidfd);
	answer_ledger(k);
	set_answering(k, true);
	if (k->next_conn >= 0) {
		int c = k->next_conn;

		k->next_conn = -1;
		attach(k, c);
		return;
	}
	b4_warn("keeper: the daemon is gone; answering its containers' calls "
		"(fail-safe) until a new one starts");
}

/* on_worker() - a packet from the attached worker; false: it is gone */
static bool on_worker(struct keeper *k)
{
	_cleanup_free_ char *buf = malloc(sizeof(struct keeper_hdr) +
					  KEEPER_BLOB_MAX);
	struct fdpass_rx rx = { 0 };
	struct keeper_hdr h;
	struct kfd *f, **pp;
	int fd = -1;
	ssize_t n;

	if (!buf)
		return true;
	n = fdpass_recv(k->wconn, buf, sizeof(h) + KEEPER_BLOB_MAX, &fd, 1,
			MSG_DONTWAIT, &rx);
	if (n == -EAGAIN)
		return true;
	if (n < (ssize_t)sizeof(h)) {
		if (rx.nfds)
			close(fd);
		return false;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.type == KEEPER_QUIT) {
		b4_info("keeper: the daemon stops for good; so do I");
		unlink(k->path);
		exit(0);
	}
	if (!rx.nfds || h.len != (size_t)n - sizeof(h)) {
		if (rx.nfds)
			close(fd);
		return true;
	}
	if (h.type == KEEPER_LISTEN) {
		closep(&k->listen_fd);
		k->listen_fd = fd;
		return true;
	}
	f = h.type == KEEPER_FD ? calloc(1, sizeof(*f)) : NULL;
	if (f)
		f->blob = malloc(h.len ? h.len : 1);
	if (!f || !f->blob || watch(k, EPOLL_CTL_ADD, fd, 0, f)) {
		if (f)
			free(f->blob);
		free(f);
		close(fd);
		return true;
	}
	memcpy(f->blob, buf + sizeof(h), h.len);
	f->len = h.len;
	f->fd = fd;
	/* in the order given: a container's first process comes first */
	for (pp = &k->fds; *pp; pp = &(*pp)->next)
		;
	*pp = f;
	return true;
}

/* on_hello() - a daemon connects */
static void on_hello(struct keeper *k)
{
	struct timeval tv = { 2, 0 };
	struct keeper_hdr h = { 0 };
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	int c = accept4(k->lsock, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen) ||
	    cred.uid != geteuid() ||
	    recv(c, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    h.version != KEEPER_VERSION ||
	    (h.type != KEEPER_HELLO && h.type != KEEPER_REPLACE)) {
		close(c);
		return;
	}
	if (k->wpidfd < 0) {
		attach(k, c);
	} else if (h.type == KEEPER_HELLO) {
		keeper_send(c, KEEPER_BUSY, NULL, 0, -1);
		close(c);
	} else {
		if (k->next_conn >= 0)
			close(k->next_conn);
		k->next_conn = c;
		b4_info("keeper: daemon pid %d replaces the running one",
			(int)cred.pid);
		if (k->wconn >= 0)
			keeper_send(k->wconn, KEEPER_STOP, NULL, 0, -1);
	}
}

int keeper_main(const char *path, int ready_fd)
{
	struct keeper k = { .listen_fd = -1, .wconn = -1, .wpidfd = -1,
			    .next_conn = -1, .path = path };
	struct epoll_event evs[32];
	sigset_t mask;

	log_level = LOG_LVL_INFO;	/* it says little, all of it worth a line */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	k.ep = epoll_create1(EPOLL_CLOEXEC);
	k.ledger_fd = memfd_create("b4ns-ledger", MFD_CLOEXEC);
	if (k.ep < 0 || k.ledger_fd < 0 ||
	    ftruncate(k.ledger_fd, KEEPER_LEDGER_SIZE)) {
		b4_err("keeper: setup: %s", strerror(errno));
		return 1;
	}
	k.ledger = mmap(NULL, KEEPER_LEDGER_SIZE, PROT_READ | PROT_WRITE,
			MAP_SHARED, k.ledger_fd, 0);
	k.lsock = unixsock_listen(path, SOCK_SEQPACKET);
	if (k.ledger == MAP_FAILED || k.lsock < 0 ||
	    watch(&k, EPOLL_CTL_ADD, k.lsock, EPOLLIN, &tag_lsock)) {
		b4_err("keeper: listening on %s: %s", path,
		       strerror(k.lsock < 0 ? -k.lsock : errno));
		return 1;
	}
	/* the daemon that started us connects once this byte arrives */
	if (write(ready_fd, "k", 1) != 1 || close(ready_fd))
		return 1;
	for (;;) {
		int n = epoll_wait(k.ep, evs, ARRAY_SIZE(evs), -1);

		for (int i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;
			struct kfd *f = tag;

			if (tag == &tag_lsock) {
				on_hello(&k);
			} else if (tag == &tag_wpidfd) {
				if (k.wpidfd >= 0)
					worker_gone(&k);
			} else if (tag == &tag_wconn) {
				/* its end: gone once its pidfd says so (it
				 * may still be removing its socket files) */
				if (k.wconn >= 0 && !on_worker(&k)) {
					epoll_ctl(k.ep, EPOLL_CTL_DEL, k.wconn, NULL);
					closep(&k.wconn);
				}
			} else if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
				kfd_drop(&k, f);
			} else if (k.wpidfd < 0) {
				answer_new(f->fd);
			}
		}
	}
}
