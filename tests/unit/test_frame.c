// SPDX-License-Identifier: GPL-2.0-or-later
/* test_frame.c - reading one OCI listener message off a connection
 * (seccomp-path/oci/frame.c)
 *
 * The runtime's side is played on an AF_UNIX stream socketpair: bytes come
 * in pieces, with descriptors anywhere, and the writer may keep its end
 * open. A message ends at a whole JSON document, at bytes that never become
 * one, or at EOF; FRAME_MAX bytes without an end refuse it.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "oci/frame.h"
#include "oci/oci.h"

static int sv[2];	/* sv[0]: the runtime, sv[1]: the daemon's side */
static struct frame f;

static void setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(frame_init(&f), 0);
	cr_assert_not_null(f.buf);
	cr_assert_eq(f.len, 0);
	cr_assert_eq(f.nfds, 0);
}

static void teardown(void)
{
	frame_free(&f);
	if (sv[0] >= 0)
		close(sv[0]);
	close(sv[1]);
}

TestSuite(frame, .init = setup, .fini = teardown);

/* put() - the runtime writes @s */
static void put(const char *s)
{
	size_t len = strlen(s);

	cr_assert_eq(send(sv[0], s, len, 0), (ssize_t)len);
}

/* put_fds() - the runtime writes @s with @n descriptors in SCM_RIGHTS */
static void put_fds(const char *s, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 16)];
	struct iovec iov = { .iov_base = (void *)s, .iov_len = strlen(s) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) };
	struct cmsghdr *cm;

	cr_assert_leq(n, 16);
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	cr_assert_eq(sendmsg(sv[0], &mh, 0), (ssize_t)strlen(s));
}

/* same_file() - do two descriptors name the same open file's inode? */
static bool same_file(int a, int b)
{
	struct stat sa, sb;

	cr_assert_eq(fstat(a, &sa), 0);
	cr_assert_eq(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* open_fds() - descriptors this process has open */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

Test(frame, complete_is_one_whole_json_document)
{
	static const struct { const char *s; int want; } t[] = {
		{ "{}", 1 },
		{ "  {\"a\": [1, 2, {\"b\": \"}\"}]}\n", 1 },
		{ "{\"a\":1}{\"b\":", 1 },	/* the first is whole */
		{ "", 0 },
		{ "   ", 0 },
		{ "{", 0 },
		{ "{\"a\":", 0 },
		{ "{\"a\":\"}", 0 },		/* a brace inside a string */
		{ "{\"a\":[1,2", 0 },
		{ "}", -1 },
		{ "hello", -1 },
		{ "{\"a\" 1}", -1 },
		{ "{,}", -1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		cr_assert_eq(frame_complete(t[i].s, strlen(t[i].s)), t[i].want,
			     "'%s'", t[i].s);
	/* only @len bytes count */
	cr_assert_eq(frame_complete("{}", 1), 0);
}

Test(frame, nothing_yet)
{
	struct b4_error err = { "" };

	cr_assert_eq(frame_read(&f, sv[1], &err), 0);
	cr_assert_eq(f.len, 0);
	cr_assert_eq(f.nfds, 0);
	cr_assert_str_empty(err.msg);
}

Test(frame, message_split_across_reads)
{
	static const char *const part[] = {
		"{\"ociVersion\":", "\"0.2.0\",\"fds\":[\"secc", "ompFd\"],",
		"\"pid\":1", "2}",
	};
	char want[256] = "";

	for (size_t i = 0; i < ARRAY_SIZE(part); i++) {
		put(part[i]);
		strcat(want, part[i]);
		cr_assert_eq(frame_read(&f, sv[1], NULL),
			     i + 1 < ARRAY_SIZE(part) ? 0 : 1, "part %zu", i);
		cr_assert_eq(f.len, strlen(want));
		cr_assert_eq(memcmp(f.buf, want, f.len), 0);
	}
}

Test(frame, message_byte_by_byte)
{
	static const char msg[] = "{\"a\":\"x\",\"b\":[1,{}]}";

	for (size_t i = 0; i < sizeof(msg) - 1; i++) {
		cr_assert_eq(send(sv[0], msg + i, 1, 0), 1);
		cr_assert_eq(frame_read(&f, sv[1], NULL),
			     i + 2 < sizeof(msg) ? 0 : 1, "byte %zu", i);
	}
	cr_assert_eq(f.len, sizeof(msg) - 1);
	cr_assert_eq(memcmp(f.buf, msg, f.len), 0);
}

Test(frame, complete_without_eof)
{
	/* runc 1.1 keeps its end open: a whole document is enough */
	put("{\"id\":\"c1\"}");
	cr_assert_eq(frame_read(&f, sv[1], NULL), 1);
	cr_assert_eq(f.len, 11);
	/* what comes after the message is not read */
	put("{}");
	{
		char rest[8];

		cr_assert_eq(recv(sv[1], rest, sizeof(rest), MSG_DONTWAIT), 2);
	}
}

Test(frame, two_messages_in_one_read_are_refused_by_the_parser)
{
	struct json_object *o = NULL;
	struct b4_error err = { "" };

	/* both arrive before the daemon reads: the bytes after the first
	 * document stay in the buffer, and the message is not taken */
	put("{\"a\":1}");
	put("{\"b\":2}");
	cr_assert_eq(frame_read(&f, sv[1], NULL), 1);
	cr_assert_eq(f.len, 14);
	cr_assert_eq(memcmp(f.buf, "{\"a\":1}{\"b\":2}", 14), 0);
	cr_assert_eq(oci_json_parse(f.buf, f.len, &o, &err), -EINVAL);
	cr_assert_null(o);
	cr_assert(strstr(err.msg, "at offset 7"), "%s", err.msg);
}

Test(frame, truncated_at_eof)
{
	struct oci_state *st = calloc(1, sizeof(*st));
	struct b4_error err = { "" };

	cr_assert_not_null(st);
	put("{\"ociVersion\":\"0.2.0\",\"fds\":[");
	cr_assert_eq(frame_read(&f, sv[1], NULL), 0);
	cr_assert_eq(shutdown(sv[0], SHUT_WR), 0);
	cr_assert_eq(frame_read(&f, sv[1], NULL), 1);
	cr_assert_eq(f.len, 29);
	cr_assert_eq(oci_state_parse(f.buf, f.len, st, &err), -EINVAL);
	cr_assert(strstr(err.msg, "truncated JSON"), "%s", err.msg);
	free(st);
}

Test(frame, eof_at_once_is_an_empty_message)
{
	/* the oci-hook and "b4ns doctor" probe the listener so */
	close(sv[0]);
	sv[0] = -1;
	cr_assert_eq(frame_read(&f, sv[1], NULL), 1);
	cr_assert_eq(f.len, 0);
	cr_assert_eq(f.nfds, 0);
}

Test(frame, garbage_ends_the_message_at_once)
{
	struct oci_state *st = calloc(1, sizeof(*st));
	struct b4_error err = { "" };

	cr_assert_not_null(st);
	/* no waiting for EOF or the timeout: it can never become JSON */
	put("GET / HTTP/1.1\r\n");
	cr_assert_eq(frame_read(&f, sv[1], NULL), 1);
	cr_assert_eq(oci_state_parse(f.buf, f.len, st, &err), -EINVAL);
	cr_assert(strstr(err.msg, "syntax error"), "%s", err.msg);
	free(st);
}

/* put_all() - the runtime writes @len bytes of @buf, the daemon reading
 * as they come; Return: frame_read()'s last result */
static int put_all(const char *buf, size_t len, struct b4_error *err)
{
	size_t off = 0;
	int ret = 0;

	while (off < len) {
		ssize_t n = send(sv[0], buf + off, len - off, MSG_DONTWAIT);

		if (n < 0) {
			cr_assert(errno == EAGAIN, "send: %s", strerror(errno));
			n = 0;
		}
		off += (size_t)n;
		ret = frame_read(&f, sv[1], err);
		if (ret)
			return ret;
	}
	return ret;
}

/* long_msg() - {"a":"xxx...x"} of exactly @len bytes; @close: with its
 * closing quote and brace */
static char *long_msg(size_t len, bool close)
{
	char *m = malloc(len);

	cr_assert_not_null(m);
	memset(m, 'x', len);
	memcpy(m, "{\"a\":\"", 6);
	if (close)
		memcpy(m + len - 2, "\"}", 2);
	return m;
}

Test(frame, exactly_frame_max_bytes_is_accepted)
{
	_cleanup_free_ char *m = long_msg(FRAME_MAX, true);
	struct b4_error err = { "" };

	/* all but the last byte, then the last byte */
	cr_assert_eq(put_all(m, FRAME_MAX - 1, &err), 0, "%s", err.msg);
	cr_assert_eq(f.len, FRAME_MAX - 1);
	cr_assert_eq(put_all(m + FRAME_MAX - 1, 1, &err), 1, "%s", err.msg);
	cr_assert_eq(f.len, FRAME_MAX);
	cr_assert_eq(memcmp(f.buf, m, FRAME_MAX), 0);
}

Test(frame, oversized_message_is_refused)
{
	_cleanup_free_ char *m = long_msg(FRAME_MAX + 100, true);
	struct b4_error err = { "" };
	char want[64];

	cr_assert_eq(put_all(m, FRAME_MAX + 100, &err), -EMSGSIZE);
	snprintf(want, sizeof(want), "larger than %zu bytes", FRAME_MAX);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(f.len, FRAME_MAX, "never beyond the buffer");
}

Test(frame, frame_max_bytes_without_an_end_are_refused)
{
	_cleanup_free_ char *m = long_msg(FRAME_MAX, false);
	struct b4_error err = { "" };

	/* the buffer is full and the document open: refused at once,
	 * without waiting for a byte that could not be kept anyway */
	cr_assert_eq(put_all(m, FRAME_MAX, &err), -EMSGSIZE);
	cr_assert_eq(f.len, FRAME_MAX);
	cr_assert(strstr(err.msg, "larger than"), "%s", err.msg);
}

Test(frame, fds_in_the_middle_of_the_stream)
{
	int p[2];

	cr_assert_eq(pipe(p), 0);
	put("{\"fds\":[\"seccompFd\",");
	cr_assert_eq(frame_read(&f, sv[1], NULL), 0);
	cr_assert_eq(f.nfds, 0);
	put_fds("\"other\"],", p, 2);
	cr_assert_eq(frame_read(&f, sv[1], NULL), 0);
	cr_assert_eq(f.nfds, 2);
	put("\"pid\":1}");
	cr_assert_eq(frame_read(&f, sv[1], NULL), 1);
	cr_assert_eq(f.len, strlen("{\"fds\":[\"seccompFd\",\"other\"],\"pid\":1}"));
	/* in the order sent, new descriptors of the same files, close-on-exec */
	cr_assert_eq(f.nfds, 2);
	cr_assert(f.fds[0] != p[0] && f.fds[1] != p[1]);
	cr_assert(same_file(f.fds[0], p[0]));
	cr_assert(same_file(f.fds[1], p[1]));
	cr_assert(fcntl(f.fds[0], F_GETFD) & FD_CLOEXEC);
	cr_assert(fcntl(f.fds[1], F_GETFD) & FD_CLOEXEC);
	cr_assert_not(f.fds_dropped);
	close(p[0]);
	close(p[1]);
}

Test(frame, fds_of_several_writes_add_up_in_order)
{
	int p[2];

	cr_assert_eq(pipe(p), 0);
	put_fds("{\"a\":", &p[1], 1);
	put_fds("1", &p[0], 1);
	put_fds("}", &p[1], 1);
	/* descriptors split reads: read until the end */
	while (frame_read(&f, sv[1], NULL) == 0)
		;
	cr_assert_eq(f.len, 7);
	cr_assert_eq(f.nfds, 3);
	cr_assert(same_file(f.fds[0], p[1]));
	cr_assert(same_file(f.fds[1], p[0]));
	cr_assert(same_file(f.fds[2], p[1]));
	close(p[0]);
	close(p[1]);
}

Test(frame, too_many_fds_are_closed_not_leaked)
{
	int fds[10], before, p[2];

	cr_assert_eq(pipe(p), 0);
	for (int i = 0; i < 10; i++)
		fds[i] = p[i % 2];
	before = open_fds();
	/* more than fit in one read: the kernel closes the excess */
	put_fds("{\"a\":", fds, 10);
	cr_assert_eq(frame_read(&f, sv[1], NULL), 0);
	cr_assert_eq(f.nfds, FRAME_FDS_MAX);
	cr_assert(f.fds_dropped);
	/* and over several writes: frame_read() closes the excess itself */
	put_fds("1", fds, 3);
	put("}");
	while (frame_read(&f, sv[1], NULL) == 0)
		;
	cr_assert_eq(f.nfds, FRAME_FDS_MAX);
	cr_assert_eq(open_fds(), before + FRAME_FDS_MAX);
	frame_free(&f);
	cr_assert_eq(open_fds(), before);
	close(p[0]);
	close(p[1]);
}

Test(frame, free_closes_what_is_still_held)
{
	int p[2], kept;

	cr_assert_eq(pipe(p), 0);
	put_fds("{}", p, 2);
	cr_assert_eq(frame_read(&f, sv[1], NULL), 1);
	cr_assert_eq(f.nfds, 2);
	/* the caller takes the first one */
	kept = f.fds[0];
	f.fds[0] = -1;
	{
		int other = f.fds[1];

		frame_free(&f);
		cr_assert_eq(fcntl(other, F_GETFD), -1);
		cr_assert_eq(errno, EBADF);
	}
	cr_assert_geq(fcntl(kept, F_GETFD), 0);
	cr_assert_null(f.buf);
	cr_assert_eq(f.nfds, 0);
	frame_free(&f); /* twice is harmless */
	close(kept);
	close(p[0]);
	close(p[1]);
}

Test(frame, unreadable_connection)
{
	struct b4_error err = { "" };
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(frame_read(&f, p[0], &err), -ENOTSOCK);
	cr_assert(strstr(err.msg, "unreadable"), "%s", err.msg);
	close(p[0]);
	close(p[1]);
}

Test(frame, a_real_message_with_its_seccomp_fd)
{
	static const char msg[] =
		"{\"ociVersion\":\"0.2.0\",\"fds\":[\"seccompFd\"],\"pid\":4242,"
		"\"metadata\":\"\",\"state\":{\"ociVersion\":\"1.0.0\",\"id\":\"c1\","
		"\"status\":\"creating\",\"pid\":4242,\"bundle\":\"/b\"}}";
	struct oci_state *st = calloc(1, sizeof(*st));
	struct b4_error err = { "" };
	int p[2];

	cr_assert_not_null(st);
	cr_assert_eq(pipe(p), 0);
	/* crun sends it in one sendmsg(); runc in several writes */
	put_fds(msg, &p[0], 1);
	cr_assert_eq(frame_read(&f, sv[1], NULL), 1);
	cr_assert_eq(oci_state_parse(f.buf, f.len, st, &err), 0,
		     "%s", err);
	cr_assert_str_eq(st->id, "c1");
	cr_assert_eq(st->n_fds, f.nfds);
	cr_assert(same_file(f.fds[st->seccomp_fd_index], p[0]));
	free(st);
	close(p[0]);
	close(p[1]);
}
