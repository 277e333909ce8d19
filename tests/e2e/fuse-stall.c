// SPDX-License-Identifier: GPL-2.0-or-later
/* fuse-stall.c - a container that stalls the supervisor with a FUSE page
 *
 * Usage (inside "b4ns run --net=none", root in its user namespace, with
 * /dev/fuse usable): fuse-stall IP PORT
 *
 * Mounts a private FUSE file system served by a thread of this program
 * whose READ is never answered, maps its one file, and has a thread call
 * connect() with the sockaddr pointer in that page: the supervisor's copy
 * of the sockaddr faults on it and waits. Once the READ has arrived (the
 * supervisor is waiting), the main thread times a normal connect() to
 * IP:PORT, which the supervisor must answer while the other one is stuck.
 *
 * Prints "stalled-read-seen" and "connect-ms N" and exits 0 if the connect
 * succeeded within 50 ms, 1 if it was slower or failed, 2 on set-up errors,
 * 3 if the supervisor never read the page. Never answered at all: killed by
 * the alarm after 5 s (exit by SIGALRM; the FUSE mount then hangs the exit
 * until the caller aborts it: the supervisor's fault still waits on it).
 * After the measurement every READ is answered with -EIO, so the stuck
 * copy and connect end and the exit is clean.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int fuse_fd = -1;
static atomic_int read_seen;
static _Atomic uint64_t read_unique;
static atomic_int release_all;
static void *page;

static void reply(uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header h = { .len = (uint32_t)(sizeof(h) + len),
				     .error = error, .unique = unique };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, len } };

	if (writev(fuse_fd, iov, data ? 2 : 1) < 0 && errno != ENOENT)
		perror("fuse reply");
}

static void fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = 1;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
	} else {
		a->mode = S_IFREG | 0444;
		a->size = 4096;
		a->blocks = 8;
	}
	a->blksize = 4096;
}

static void *fuse_server(void *arg)
{
	static char buf[FUSE_MIN_READ_BUFFER * 2];

	for (;;) {
		ssize_t n = read(fuse_fd, buf, sizeof(buf));
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *body = buf + sizeof(*in);

		if (n < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL; /* unmounted / aborted */
		}
		switch (in->opcode) {
		case FUSE_INIT: {
			const struct fuse_init_in *ii = body;
			struct fuse_init_out o = { 0 };

			o.major = FUSE_KERNEL_VERSION;
			o.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
				  ii->minor : FUSE_KERNEL_MINOR_VERSION;
			o.max_readahead = ii->max_readahead;
			o.max_write = 4096;
			reply(in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out e = { 0 };

			if (in->nodeid != FUSE_ROOT_ID || strcmp(body, "f")) {
				reply(in->unique, -ENOENT, NULL, 0);
				break;
			}
			e.nodeid = 2;
			fill_attr(&e.attr, 2);
			reply(in->unique, 0, &e, sizeof(e));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out a = { 0 };

			fill_attr(&a.attr, in->nodeid);
			reply(in->unique, 0, &a, sizeof(a));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1 };

			reply(in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
			/* not answered until main() is done, then -EIO */
			if (atomic_load(&release_all)) {
				reply(in->unique, -EIO, NULL, 0);
				break;
			}
			atomic_store(&read_unique, in->unique);
			atomic_store(&read_seen, 1);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break; /* no reply expected (INTERRUPT: ignored) */
		case FUSE_RELEASE:
		case FUSE_FLUSH:
			reply(in->unique, 0, NULL, 0);
			break;
		default:
			reply(in->unique, -ENOSYS, NULL, 0);
		}
	}
}

static void *stuck_connect(void *arg)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* the sockaddr is in the never-read page: the supervisor waits */
	connect(s, page, sizeof(struct sockaddr_in));
	return NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	char mnt[] = "/tmp/fuse-stall-XXXXXX", opts[128], file[64];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	pthread_t srv, stuck;
	double t0, dt;
	int f, s, r;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "usage: fuse-stall IP PORT\n");
		return 2;
	}
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	alarm(5);
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		perror("unshare/mount private");
		return 2;
	}
	if (!mkdtemp(mnt)) {
		perror("mkdtemp");
		return 2;
	}
	fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse_fd < 0) {
		perror("/dev/fuse");
		return 2;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse_fd);
	if (mount("fuse-stall", mnt, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		perror("mount fuse");
		return 2;
	}
	pthread_create(&srv, NULL, fuse_server, NULL);
	snprintf(file, sizeof(file), "%s/f", mnt);
	f = open(file, O_RDONLY | O_CLOEXEC);
	if (f < 0) {
		perror(file);
		return 2;
	}
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, f, 0);
	if (page == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	pthread_create(&stuck, NULL, stuck_connect, NULL);
	for (int i = 0; i < 2000 && !atomic_load(&read_seen); i++)
		usleep(1000);
	if (!atomic_load(&read_seen)) {
		fprintf(stderr, "the supervisor never read the page\n");
		return 3;
	}
	printf("stalled-read-seen\n");
	fflush(stdout);

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	t0 = now_ms();
	r = connect(s, (struct sockaddr *)&sin, sizeof(sin));
	dt = now_ms() - t0;
	printf("connect-ms %.1f%s%s\n", dt, r ? " error " : "",
	       r ? strerror(errno) : "");
	fflush(stdout);
	/* let everything go: the READ fails, the stuck connect gets EFAULT
	 * (and the supervisor's stuck copy ends), then unmount */
	alarm(0);
	atomic_store(&release_all, 1);
	reply(atomic_load(&read_unique), -EIO, NULL, 0);
	pthread_join(stuck, NULL);
	munmap(page, 4096);
	close(f);
	umount2(mnt, MNT_DETACH);
	close(fuse_fd);
	rmdir(mnt);
	_exit(!r && dt < 50 ? 0 : 1);
}
