// SPDX-License-Identifier: GPL-2.0-or-later
/* client.c - the daemon's side of the keeper (keeper.c)
 *
 * Theory of operation: at start "b4ns daemon" connects to the keeper's
 * socket beside its listener; if nothing answers it starts a keeper: a
 * grandchild (so that it is nobody's child to reap) in a session of its
 * own that execs "/proc/self/exe __keeper PATH FD" and writes one byte on
 * FD once it listens. The daemon then says KEEPER_HELLO (or
 * KEEPER_REPLACE) and reads the handover: the ledger, the listener if the
 * keeper holds one, every notify fd with its runtime message, KEEPER_END.
 * Afterwards it gives the keeper a copy of every listener and notify fd it
 * gets (keeper_keep()), and its seccomp loop writes the id of each
 * notification it has received and not yet answered into the ledger.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "keeper/keeper.h"
#include "keeper/proto.h"
#include "log.h"
#include "unixsock.h"

#define HANDOVER_TIMEOUT_S 10	/* a replaced daemon exits at once */

/* spawn() - start a keeper at @path; 0 once it listens */
static int spawn(const char *path)
{
	int pipefd[2], status;
	char c;
	pid_t pid;
	struct pollfd p;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (!pid) {
		char a0[] = "b4ns", a1[] = "__keeper", fdarg[16];
		char *argv[] = { a0, a1, (char *)path, fdarg, NULL };

		close(pipefd[0]);
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		/* the write end survives exec, nothing else of ours */
		snprintf(fdarg, sizeof(fdarg), "%d", pipefd[1]);
		if (fcntl(pipefd[1], F_SETFD, 0))
			_exit(1);
		execv("/proc/self/exe", argv);
		_exit(1);
	}
	close(pipefd[1]);
	waitpid(pid, &status, 0);
	p = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	status = poll(&p, 1, 5000) == 1 && read(pipefd[0], &c, 1) == 1;
	close(pipefd[0]);
	return status ? 0 : -ETIMEDOUT;
}

/* recv_pkt() - one packet: header checked, payload into @buf */
static int recv_pkt(int conn, struct keeper_hdr *h, char *buf, size_t size,
		    int *fd)
{
	struct fdpass_rx rx = { 0 };
	ssize_t n;

	*fd = -1;
	n = fdpass_recv(conn, buf, size, fd, 1, 0, &rx);
	if (n < 0)
		return (int)n;
	if (n < (ssize_t)sizeof(*h)) {
		if (rx.nfds)
			closep(fd);
		return n ? -EPROTO : -ECONNRESET;
	}
	memcpy(h, buf, sizeof(*h));
	if (h->version != KEEPER_VERSION || h->len != (size_t)n - sizeof(*h)) {
		if (rx.nfds)
			closep(fd);
		return -EPROTO;
	}
	return 0;
}

/* handover() - read what the keeper hands over, up to KEEPER_END */
static int handover(struct keeper_link *k, struct b4_error *err)
{
	_cleanup_free_ char *buf = malloc(sizeof(struct keeper_hdr) +
					  KEEPER_BLOB_MAX);
	struct keeper_hdr h;
	int fd, ret;

	if (!buf)
		return b4_error_set(err, -ENOMEM, "keeper: out of memory");
	for (;;) {
		ret = recv_pkt(k->conn, &h, buf, sizeof(h) + KEEPER_BLOB_MAX, &fd);
		if (ret == -EAGAIN)
			return b4_error_set(err, -ETIMEDOUT, "the running daemon "
					    "did not hand over within %d s",
					    HANDOVER_TIMEOUT_S);
		if (ret)
			return b4_error_set(err, ret, "keeper: %s", strerror(-ret));
		if (h.type == KEEPER_END)
			return 0;
		if (h.type == KEEPER_BUSY)
			return b4_error_set(err, -EADDRINUSE, "another daemon is "
					    "running (b4ns daemon --replace takes "
					    "over from it)");
		if (fd < 0)
			return b4_error_set(err, -EPROTO, "keeper: a packet "
					    "without its descriptor");
		if (h.type == KEEPER_LEDGER && !k->ledger) {
			void *m = mmap(NULL, KEEPER_LEDGER_SIZE,
				       PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

			close(fd);
			if (m == MAP_FAILED)
				return b4_error_set(err, -errno, "keeper ledger: %s",
						    strerror(errno));
			k->ledger = m;
		} else if (h.type == KEEPER_LISTEN && k->listen_fd < 0) {
			k->listen_fd = fd;
		} else if (h.type == KEEPER_FD) {
			struct keeper_item *it = reallocarray(k->items,
					(size_t)k->n_items + 1, sizeof(*it));
			char *blob = malloc(h.len ? h.len : 1);

			if (it)
				k->items = it;
			if (!it || !blob) {
				free(blob);
				close(fd);
				return b4_error_set(err, -ENOMEM,
						    "keeper: out of memory");
			}
			memcpy(blob, buf + sizeof(h), h.len);
			it[k->n_items++] = (struct keeper_item){ fd, h.len, blob };
		} else {
			close(fd);
		}
	}
}

/* join_once() - one attempt of keeper_join() */
static int join_once(const char *path, bool replace, struct keeper_link *k,
		     struct b4_error *err)
{
	struct keeper_hdr hello = { KEEPER_VERSION,
				    replace ? KEEPER_REPLACE : KEEPER_HELLO, 0 };
	struct timeval tv = { HANDOVER_TIMEOUT_S, 0 };
	int ret;

	k->conn = unixsock_connect(path, SOCK_SEQPACKET);
	if (k->conn < 0 && k->conn != -ENAMETOOLONG) {
		ret = spawn(path);
		if (ret)
			return b4_error_set(err, ret, "starting the keeper at %s: %s",
					    path, strerror(-ret));
		k->conn = unixsock_connect(path, SOCK_SEQPACKET);
	}
	if (k->conn < 0)
		return b4_error_set(err, k->conn, "keeper at %s: %s", path,
				    strerror(-k->conn));
	setsockopt(k->conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(k->conn, &hello, sizeof(hello), MSG_NOSIGNAL) < 0)
		return b4_error_set(err, -errno, "keeper at %s: %s", path,
				    strerror(errno));
	ret = handover(k, err);
	if (!ret && !k->ledger)
		ret = b4_error_set(err, -EPROTO, "keeper: no ledger handed over");
	if (ret)
		return ret;
	tv.tv_sec = 0;
	setsockopt(k->conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

int keeper_join(const char *path, bool replace, struct keeper_link **out,
		struct b4_error *err)
{
	int ret = -ECONNRESET;

	*out = NULL;
	/* a keeper told to quit by the daemon before us may still take our
	 * connection and then end it: start another */
	for (int i = 0; i < 5 && ret == -ECONNRESET; i++) {
		struct keeper_link *k = calloc(1, sizeof(*k));

		if (!k)
			return b4_error_set(err, -ENOMEM, "keeper: out of memory");
		k->conn = k->listen_fd = -1;
		if (i)
			usleep(100 * 1000);
		ret = join_once(path, replace, k, err);
		if (!ret) {
			*out = k;
			return 0;
		}
		keeper_free(k, false);
	}
	return ret;
}

int keeper_send(int conn, uint32_t type, const void *buf, size_t len, int fd)
{
	/* one thread sends on each side: the daemon's loop, the keeper */
	static char pkt[sizeof(struct keeper_hdr) + KEEPER_BLOB_MAX];
	struct keeper_hdr h = { KEEPER_VERSION, type, (uint32_t)len };
	ssize_t n;

	if (len > KEEPER_BLOB_MAX)
		return -EMSGSIZE;
	memcpy(pkt, &h, sizeof(h));
	if (len)
		memcpy(pkt + sizeof(h), buf, len);
	n = fdpass_send(conn, pkt, sizeof(h) + len, &fd, fd >= 0 ? 1 : 0, 0);
	return n < 0 ? (int)n : 0;
}

int keeper_keep(struct keeper_link *k, int type, const void *blob,
		size_t len, int fd)
{
	if (!k || k->conn < 0)
		return 0;
	return keeper_send(k->conn, (uint32_t)type, blob, len, fd);
}

int keeper_event(struct keeper_link *k)
{
	struct keeper_hdr h;
	char buf[sizeof(h)];
	int fd, ret;

	ret = recv_pkt(k->conn, &h, buf, sizeof(buf), &fd);
	if (fd >= 0)
		close(fd);
	if (ret == -EAGAIN)
		return ret;
	if (!ret && h.type == KEEPER_STOP)
		return KEEPER_STOP;
	return ret ? 0 : -EAGAIN;
}

void keeper_free(struct keeper_link *k, bool quit)
{
	if (!k)
		return;
	if (quit && k->conn >= 0) {
		struct keeper_hdr h = { KEEPER_VERSION, KEEPER_QUIT, 0 };

		if (send(k->conn, &h, sizeof(h), MSG_NOSIGNAL) < 0)
			b4_debug("keeper: telling it to quit: %s", strerror(errno));
	}
	closep(&k->conn);
	closep(&k->listen_fd);
	for (int i = 0; i < k->n_items; i++) {
		closep(&k->items[i].fd);
		free(k->items[i].blob);
	}
	free(k->items);
	if (k->ledger)
		munmap(k->ledger, KEEPER_LEDGER_SIZE);
	free(k);
}
