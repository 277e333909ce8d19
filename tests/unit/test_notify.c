// SPDX-License-Identifier: GPL-2.0-or-later
/* test_notify.c - the event loop frees objects only after a batch
 *
 * A callback may take a container out of the loop while an event of that
 * container is later in the same epoll batch (the daemon's preload exit
 * callback does). The loop must skip that event and free the container
 * after the batch: under the ASan build of the unit tests (CI) a
 * use-after-free here is an error.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "supervisor/notify.h"
#include "policy.h"

struct ctx {
	struct notif_container *c;
	int calls;
};

static void free_it(struct notif_loop *l, int fd, uint32_t events, void *arg)
{
	struct ctx *x = arg;
	char b;

	x->calls++;
	if (read(fd, &b, 1) != 1)
		cr_log_warn("pipe read");
	if (x->c) {
		notif_container_free(l, x->c);
		x->c = NULL;
	}
	notif_loop_stop(l);
}

Test(loop, container_freed_by_callback_while_its_event_is_pending)
{
	struct notif_loop *l = notif_loop_new();
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct policy_cfg pol;
	struct ctx x = { 0 };
	int p[2], u;

	cr_assert_not_null(l);
	policy_default(&pol);
	/* the container's "address monitor": any socket of our namespace that
	 * becomes readable stands in for the rtnetlink one */
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(u, 0);
	cr_assert_eq(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(u, (struct sockaddr *)&a, &alen), 0);
	x.c = notif_container_new(l, "t", getpid(), &pol, u);
	if (!x.c)
		cr_skip_test("no socket namespace inode here (needs CAP_NET_ADMIN)");
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(notif_loop_add_extra(l, p[0], EPOLLIN, free_it, &x), 0);

	/* ready in this order: the callback's fd first, then the monitor */
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(sendto(u, "y", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	usleep(10000);
	cr_assert_eq(notif_loop_run(l), 0);
	cr_assert_eq(x.calls, 1);
	cr_assert_null(x.c);
	notif_loop_free(l);
	close(p[0]);
	close(p[1]);
}
