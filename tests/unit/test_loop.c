// SPDX-License-Identifier: GPL-2.0-or-later
/* test_loop.c - the event loop (common/loop.c) and the container registry
 * (common/container.c): objects taken out by a callback are freed only
 * after the batch
 *
 * A callback may take a container out while an event of that container is
 * later in the same epoll batch (the daemon's preload exit callback does).
 * The loop must skip that event and free the container after the batch:
 * under the ASan build of the unit tests (CI) a use-after-free here is an
 * error, and the counters below fail without ASan.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "loop.h"
#include "policy.h"

struct ctx {
	struct registry *r;
	struct container *c;
	struct loop_watch *other;
	int calls;
	int other_calls;
	int deferred;
	int deferred_seen_by_cb;
	int ticks;
};

static void drain(int fd)
{
	char b[16];

	if (read(fd, b, sizeof(b)) < 1)
		cr_log_warn("read");
}

static void free_container(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctx *x = arg;

	x->calls++;
	drain(fd);
	if (x->c) {
		container_free(x->r, x->c);
		x->c = NULL;
	}
	loop_stop(l);
}

Test(loop, container_freed_by_callback_while_its_event_is_pending)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct policy_cfg pol;
	struct ctx x = { 0 };
	struct loop *l;
	int p[2], u, ret;

	cr_assert_eq(loop_new(&l), 0);
	cr_assert_eq(registry_new(l, &x.r), 0);
	policy_default(&pol);
	/* the container's "address monitor": any socket of our namespace that
	 * becomes readable stands in for the rtnetlink one */
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(u, 0);
	cr_assert_eq(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(u, (struct sockaddr *)&a, &alen), 0);
	ret = container_new(x.r, "t", getpid(), &pol, u, &x.c, NULL);
	if (ret)
		cr_skip_test("no socket namespace inode here (needs CAP_NET_ADMIN)");
	cr_assert_eq(container_find(x.r, "t"), x.c);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(loop_add(l, p[0], EPOLLIN, free_container, &x, NULL), 0);

	/* ready in this order: the callback's fd first, then the monitor */
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(sendto(u, "y", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	usleep(10000);
	cr_assert_eq(loop_run(l), 0);
	cr_assert_eq(x.calls, 1);
	cr_assert_null(x.c);
	cr_assert_null(container_find(x.r, "t"), "a freed container is not found");
	registry_free(x.r);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void count_deferred(void *arg)
{
	((struct ctx *)arg)->deferred++;
}

static void other_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctx *x = arg;

	x->other_calls++;
	drain(fd);
}

/* first of the batch: removes the other watch and defers a call */
static void remove_other(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctx *x = arg;

	x->calls++;
	drain(fd);
	loop_del(l, x->other);
	cr_assert_eq(loop_defer(l, count_deferred, x), 0);
	x->deferred_seen_by_cb = x->deferred;
}

static int tick(struct loop *l, void *arg)
{
	struct ctx *x = arg;

	x->ticks++;
	loop_stop(l);
	return -1;
}

Test(loop, removed_watch_skipped_deferred_call_after_batch_then_tick)
{
	struct ctx x = { 0 };
	struct loop *l;
	int p[2], q[2];

	cr_assert_eq(loop_new(&l), 0);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(pipe(q), 0);
	cr_assert_eq(loop_add(l, p[0], EPOLLIN, remove_other, &x, NULL), 0);
	cr_assert_eq(loop_add(l, q[0], EPOLLIN, other_cb, &x, &x.other), 0);
	loop_set_tick(l, tick, &x);
	/* both ready before the loop runs: one batch of two events, in the
	 * order they were made ready */
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(write(q[1], "y", 1), 1);
	cr_assert_eq(loop_run(l), 0);
	cr_assert_eq(x.calls, 1);
	cr_assert_eq(x.other_calls, 0, "a watch removed in the batch is skipped");
	cr_assert_eq(x.deferred_seen_by_cb, 0, "deferred calls wait for the batch");
	cr_assert_eq(x.deferred, 1);
	cr_assert_eq(x.ticks, 1);
	loop_free(l);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

Test(loop, del_fd_and_free_runs_pending_deferred)
{
	struct ctx x = { 0 };
	struct loop *l;
	int p[2];

	cr_assert_eq(loop_new(&l), 0);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(loop_add(l, p[0], EPOLLIN, other_cb, &x, NULL), 0);
	loop_del_fd(l, p[0]);
	/* the fd can be watched again at once */
	cr_assert_eq(loop_add(l, p[0], EPOLLIN, other_cb, &x, NULL), 0);
	cr_assert_eq(loop_defer(l, count_deferred, &x), 0);
	loop_free(l);
	cr_assert_eq(x.deferred, 1, "loop_free() makes the deferred calls");
	close(p[0]);
	close(p[1]);
}

Test(container, counters_policy_and_passthrough)
{
	struct policy_cfg pol;
	struct container *c;
	struct registry *r;
	struct loop *l;
	int ret;

	cr_assert_eq(loop_new(&l), 0);
	cr_assert_eq(registry_new(l, &r), 0);
	policy_default(&pol);
	pol.allow_host_loopback = true;
	ret = container_new(r, "c1", getpid(), &pol, -1, &c, NULL);
	cr_assert_eq(ret, 0);
	cr_assert_eq(container_by_netns(r, c->netns_ino), c);
	cr_assert(container_policy(c)->allow_host_loopback);
	cr_assert_neq(container_policy(c), &pol, "the configuration is copied");
	container_count(c, 1);
	container_count(c, 0);
	container_count(c, -1);
	cr_assert_eq(c->st.notifications, 3);
	cr_assert_eq(c->st.switched, 1);
	cr_assert_eq(c->st.kept, 1);
	cr_assert_eq(c->st.refused, 1);
	c->passthrough = true;
	cr_assert_not(container_policy(c)->allow_host_loopback,
		      "a passthrough container keeps everything");
	cr_assert_eq(container_policy(c)->n_ignore, 2);
	registry_free(r);
	loop_free(l);
}
