// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stress.c - the supervisor under load and attack: race, threads, badaddr
 *
 * race flips a shared sockaddr between a permitted address and the host
 * loopback while connects use it (time-of-check/time-of-use); threads runs
 * many concurrent connects while watching the supervisor's descriptor
 * count; badaddr calls connect() by raw syscall with bad lengths and
 * pointers.
 */

#include "probe.h"

/* ---- race ------------------------------------------------------------- */

static volatile struct sockaddr_in race_sa;
static volatile int race_stop;
static volatile unsigned long race_flips;

static void *race_flipper(void *arg)
{
	const struct sockaddr_in *ab = arg;
	unsigned long n = 0;

	while (!race_stop) {
		race_sa.sin_addr.s_addr = ab[1].sin_addr.s_addr;
		race_sa.sin_port = ab[1].sin_port;
		race_sa.sin_addr.s_addr = ab[0].sin_addr.s_addr;
		race_sa.sin_port = ab[0].sin_port;
		n++;
	}
	race_flips = n;
	return NULL;
}

int cmd_race(int argc, char **argv)
{
	struct sockaddr_storage good;
	struct sockaddr_in ab[2];
	socklen_t len;
	long loopport, n, i;
	long counts[4096] = { 0 };
	pthread_t th;
	long long t0;
	int e;

	if (argc != 4 || !parse_addr(argv[0], argv[1], false, &good, &len) ||
	    good.ss_family != AF_INET || !parse_long(argv[2], 1, 65535, &loopport) ||
	    !parse_long(argv[3], 1, 100000000, &n))
		return usage();
	memcpy(&ab[0], &good, sizeof(ab[0]));
	memset(&ab[1], 0, sizeof(ab[1]));
	ab[1].sin_family = AF_INET;
	ab[1].sin_port = htons((uint16_t)loopport);
	ab[1].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	race_sa.sin_family = AF_INET;
	race_sa.sin_addr.s_addr = ab[0].sin_addr.s_addr;
	race_sa.sin_port = ab[0].sin_port;

	e = pthread_create(&th, NULL, race_flipper, ab);
	if (e) {
		fail("pthread_create: %s", strerror(e));
		return 1;
	}
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int r;

		if (fd < 0) {
			fail("socket: %s", strerror(errno));
			race_stop = 1;
			pthread_join(th, NULL);
			return 1;
		}
		r = connect(fd, (struct sockaddr *)&race_sa, sizeof(race_sa));
		e = r < 0 ? errno : 0;
		counts[e >= 0 && e < 4096 ? e : 4095]++;
		close(fd);
	}
	race_stop = 1;
	pthread_join(th, NULL);
	printf("race: %ld connects in %lld ms, %lu flips\n", n, now_ms() - t0,
	       race_flips);
	for (i = 0; i < 4096; i++)
		if (counts[i])
			printf("race: %s: %ld\n", errname((int)i), counts[i]);
	printf("race-ok=%ld\n", counts[0]);
	return 0;
}

/* ---- threads ---------------------------------------------------------- */

struct thr_ctx {
	struct sockaddr_storage ss;
	socklen_t len;
	long n;
	long fails;
	int first_err;
};

static void *thr_main(void *arg)
{
	struct thr_ctx *c = arg;
	long i;

	for (i = 0; i < c->n; i++) {
		int fd = socket(c->ss.ss_family, SOCK_STREAM, 0);

		if (fd < 0) {
			c->fails++;
			if (!c->first_err)
				c->first_err = errno;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&c->ss, c->len) < 0) {
			c->fails++;
			if (!c->first_err)
				c->first_err = errno;
		}
		close(fd);
	}
	return NULL;
}

/* Number of open descriptors of process @pid other than pidfds, or
 * -errno; its pidfds into *@pidfds. The supervisor keeps the pidfds of the
 * last tasks it served (a bounded cache, common/proc.c): they are counted
 * apart, and may grow by one per thread, never with the connects. From a
 * container the links cannot be read (the supervisor is in the parent user
 * namespace): then every descriptor is counted, and the caller allows one
 * per thread. */
static int count_fds(pid_t pid, int *pidfds)
{
	char path[300], link[64];
	struct dirent *de;
	DIR *d;
	ssize_t l;
	int n = 0;

	*pidfds = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid,
			 de->d_name);
		l = readlink(path, link, sizeof(link) - 1);
		link[l > 0 ? l : 0] = '\0';
		if (!strcmp(link, "anon_inode:[pidfd]"))
			(*pidfds)++;
		else
			n++;
	}
	closedir(d);
	return n;
}

int cmd_threads(int argc, char **argv)
{
	bool v6 = false, fdcheck = true;
	const char *pos[4];
	int npos = 0, i, before = 0, after = 0, e, pbefore = 0, pafter = 0;
	long t, n, fails = 0;
	struct sockaddr_storage ss;
	socklen_t len;
	struct thr_ctx *ctx;
	pthread_t *th;
	pid_t ppid = getppid();
	char abuf[80], comm[64] = "?", path[64];
	long long t0;
	FILE *f;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-6"))
			v6 = true;
		else if (!strcmp(argv[i], "--no-fdcheck"))
			fdcheck = false;
		else if (argv[i][0] != '-' && npos < 4)
			pos[npos++] = argv[i];
		else
			return usage();
	}
	if (npos != 4 || !parse_addr(pos[0], pos[1], v6, &ss, &len) ||
	    !parse_long(pos[2], 1, 1024, &t) ||
	    !parse_long(pos[3], 1, 1000000, &n))
		return usage();
	fmt_addr((struct sockaddr *)&ss, abuf, sizeof(abuf));

	/* Warm up: let the supervisor make whatever it keeps per container. */
	{
		struct thr_ctx w = { .ss = ss, .len = len, .n = 1 };

		thr_main(&w);
		if (w.fails) {
			fail("warm-up connect to %s: %s", abuf,
			     errname(w.first_err));
			return 1;
		}
	}
	if (fdcheck) {
		/* Let the supervisor finish with the warm-up connect. */
		sleep_ms(500);
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)ppid);
		f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		before = count_fds(ppid, &pbefore);
		if (before < 0) {
			fail("cannot read /proc/%d/fd (parent '%s'): %s",
			     (int)ppid, comm, strerror(-before));
			return 1;
		}
		printf("supervisor pid %d (%s): %d fds and %d pidfds before\n",
		       (int)ppid, comm, before, pbefore);
	}

	ctx = calloc((size_t)t, sizeof(*ctx));
	th = calloc((size_t)t, sizeof(*th));
	if (!ctx || !th) {
		fail("out of memory");
		return 1;
	}
	t0 = now_ms();
	for (i = 0; i < t; i++) {
		ctx[i].ss = ss;
		ctx[i].len = len;
		ctx[i].n = n;
		e = pthread_create(&th[i], NULL, thr_main, &ctx[i]);
		if (e) {
			fail("pthread_create: %s", strerror(e));
			return 1;
		}
	}
	for (i = 0; i < t; i++) {
		pthread_join(th[i], NULL);
		if (ctx[i].fails)
			printf("thread %d: %ld failed, first %s\n", i,
			       ctx[i].fails, errname(ctx[i].first_err));
		fails += ctx[i].fails;
	}
	printf("threads: %ld x %ld connects to %s in %lld ms, %ld failed\n", t,
	       n, abuf, now_ms() - t0, fails);
	if (fdcheck) {
		/* Give asynchronous clean-up up to 3 s; a leak stays. */
		for (i = 0; i < 6; i++) {
			sleep_ms(500);
			after = count_fds(ppid, &pafter);
			if (after <= before + (pafter || pbefore ? 0 : t))
				break;
		}
		printf("supervisor pid %d: %d fds and %d pidfds after\n",
		       (int)ppid, after, pafter);
	}
	free(ctx);
	free(th);
	if (fails) {
		fail("%ld of %ld connects failed", fails, t * n);
		return 1;
	}
	if (fdcheck && (after < before || after > before + (pafter || pbefore ? 0 : t))) {
		fail("supervisor descriptor count changed: %d before, %d after",
		     before, after);
		return 1;
	}
	if (fdcheck && pafter > pbefore + t) {
		fail("supervisor pidfds: %d before, %d after %ld threads",
		     pbefore, pafter, t);
		return 1;
	}
	printf("threads: ok\n");
	return 0;
}

/* ---- badaddr ---------------------------------------------------------- */

static int raw_connect(int family, const void *addr, long len)
{
	int fd = socket(family, SOCK_STREAM, 0), e;
	long r;

	if (fd < 0)
		return -1;
	r = syscall(SYS_connect, fd, addr, len);
	e = r < 0 ? errno : 0;
	close(fd);
	return e;
}

int cmd_badaddr(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 s6;
	socklen_t len;
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *map;
	bool okay = true;
	int i;
	struct {
		const char *what;
		const void *addr;
		long len;
		int family;
		int want;
	} cases[8];
	int n = 0;

	if (argc != 2 || !parse_addr(argv[0], argv[1], false, &ss, &len) ||
	    ss.ss_family != AF_INET)
		return usage();

	/* Page 0 readable, page 1 PROT_NONE. */
	map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(map + pg, (size_t)pg, PROT_NONE)) {
		fail("mmap/mprotect: %s", strerror(errno));
		return 1;
	}
	/* The first half of a valid sockaddr_in at the end of page 0. */
	memcpy(map + pg - 8, &ss, 8);

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = ((struct sockaddr_in *)&ss)->sin_port;
	inet_pton(AF_INET6, "fd77::1", &s6.sin6_addr);

#define CASE(w, a, l, f, e) \
	cases[n++] = (typeof(cases[0])){ (w), (a), (l), (f), (e) }
	CASE("(a) addrlen 0", &ss, 0, AF_INET, EINVAL);
	CASE("(b) addrlen 4096", &ss, 4096, AF_INET, EINVAL);
	CASE("(c) addr on a PROT_NONE page", map + pg, 16, AF_INET, EFAULT);
	CASE("(d) addr NULL, addrlen 16", NULL, 16, AF_INET, EFAULT);
	CASE("(e) AF_INET with addrlen 8", &ss, 8, AF_INET, EINVAL);
	CASE("(f) addrlen -1", &ss, -1, AF_INET, EINVAL);
	CASE("(g) addr straddling into a PROT_NONE page", map + pg - 8, 16,
	     AF_INET, EFAULT);
	CASE("(h) AF_INET6 sockaddr on an AF_INET socket", &s6,
	     (long)sizeof(s6), AF_INET, EAFNOSUPPORT);
#undef CASE

	for (i = 0; i < n; i++) {
		int e = raw_connect(cases[i].family, cases[i].addr, cases[i].len);

		printf("badaddr %s: %s (want %s)%s\n", cases[i].what,
		       errname(e), errname(cases[i].want),
		       e == cases[i].want ? "" : "  <-- WRONG");
		if (e != cases[i].want) {
			fail("%s: expected %s, got %s", cases[i].what,
			     errname(cases[i].want), errname(e));
			okay = false;
		}
	}
	i = raw_connect(AF_INET, &ss, len);
	printf("badaddr then a normal connect to %s:%s: %s\n", argv[0],
	       argv[1], errname(i));
	if (i) {
		fail("normal connect after bad ones: %s", errname(i));
		okay = false;
	}
	munmap(map, (size_t)pg * 2);
	if (okay)
		printf("badaddr: ok\n");
	return okay ? 0 : 1;
}

/* ---- storm ------------------------------------------------------------ */

static struct {
	pthread_mutex_t lock;
	struct sockaddr_storage ss;
	socklen_t len;
	long long until, last_ok, gap, max_call, first_fail, last_fail;
	long counts[4096];
} storm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *storm_main(void *arg)
{
	(void)arg;
	while (wall_ms() < storm.until) {
		int fd = socket(storm.ss.ss_family, SOCK_STREAM, 0);
		long long t0 = wall_ms(), t1;
		int e = 0;

		if (fd < 0)
			e = errno;
		else if (connect(fd, (struct sockaddr *)&storm.ss, storm.len) < 0)
			e = errno;
		if (fd >= 0)
			close(fd);
		t1 = wall_ms();
		pthread_mutex_lock(&storm.lock);
		storm.counts[e >= 0 && e < 4096 ? e : 4095]++;
		if (t1 - t0 > storm.max_call)
			storm.max_call = t1 - t0;
		if (!e) {
			if (storm.last_ok && t1 - storm.last_ok > storm.gap)
				storm.gap = t1 - storm.last_ok;
			storm.last_ok = t1;
		} else {
			if (!storm.first_fail)
				storm.first_fail = t1;
			storm.last_fail = t1;
		}
		pthread_mutex_unlock(&storm.lock);
		if (e)
			usleep(2000);	/* a failing storm does not spin */
	}
	return NULL;
}

int cmd_storm(int argc, char **argv)
{
	pthread_t th[16];
	long ms, t;
	int i;

	if (argc != 4 || !parse_addr(argv[0], argv[1], false, &storm.ss,
				     &storm.len) ||
	    !parse_long(argv[2], 1, 3600000, &ms) ||
	    !parse_long(argv[3], 1, 16, &t))
		return usage();
	storm.until = wall_ms() + ms;
	for (i = 0; i < t; i++) {
		int e = pthread_create(&th[i], NULL, storm_main, NULL);

		if (e) {
			fail("pthread_create: %s", strerror(e));
			return 1;
		}
	}
	for (i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 4096; i++)
		if (storm.counts[i])
			printf("storm: %s: %ld\n", errname(i), storm.counts[i]);
	printf("storm-longest-gap-ms=%lld\nstorm-max-call-ms=%lld\n"
	       "storm-first-fail=%lld\nstorm-last-fail=%lld\n", storm.gap,
	       storm.max_call, storm.first_fail, storm.last_fail);
	return 0;
}
