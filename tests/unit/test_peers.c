// SPDX-License-Identifier: GPL-2.0-or-later
/* test_peers.c - the registry of container services */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "peers.h"
#include "sockaddr.h"

static struct peer_entry entry(const char *net, const char *ip, uint16_t port,
			       int proto, const char *id, bool remote)
{
	struct peer_entry e;

	memset(&e, 0, sizeof(e));
	strcpy(e.key.network, net);
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&e.key.addr;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		cr_assert_eq(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&e.key.addr;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		cr_assert_eq(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	}
	e.key.proto = proto;
	strcpy(e.container, id);
	strcpy(e.node, remote ? "n2" : "n1");
	e.remote = remote;
	((struct sockaddr_in *)&e.host)->sin_family = AF_INET;
	((struct sockaddr_in *)&e.host)->sin_port = htons(8080);
	return e;
}

static struct sockaddr_storage dst(const char *ip, uint16_t port)
{
	struct peer_entry e = entry("x", ip, port, IPPROTO_TCP, "", false);

	return e.key.addr;
}

static struct sockaddr_storage d_buf;
#define D(ip, port) (d_buf = dst(ip, port), (const struct sockaddr *)&d_buf)

static int changes, puts_seen;

static void hook(void *arg, const struct peer_entry *e, bool present)
{
	(void)arg;
	(void)e;
	changes++;
	puts_seen += present;
}

Test(peers, find_by_network_addr_port_proto)
{
	struct peers *p;
	struct peer_entry e = entry("web", "10.89.0.3", 80, IPPROTO_TCP, "b", false);
	const struct peer_entry *f;

	cr_assert_eq(peers_new(&p), 0);
	cr_assert_null(peers_find(p, "web", D("10.89.0.3", 80), IPPROTO_TCP));
	cr_assert_eq(peers_put(p, &e), 0);
	f = peers_find(p, "web", D("10.89.0.3", 80), IPPROTO_TCP);
	cr_assert_not_null(f);
	cr_assert_str_eq(f->container, "b");
	cr_assert_not_null(peers_find(p, "web", D("10.89.0.3", 80), 0));
	cr_assert_null(peers_find(p, "web", D("10.89.0.3", 80), IPPROTO_UDP));
	cr_assert_null(peers_find(p, "db", D("10.89.0.3", 80), IPPROTO_TCP));
	cr_assert_null(peers_find(p, "web", D("10.89.0.3", 81), IPPROTO_TCP));
	cr_assert_null(peers_find(p, "web", D("10.89.0.4", 80), IPPROTO_TCP));
	/* an IPv4-mapped destination is the IPv4 address */
	cr_assert_not_null(peers_find(p, "web", D("::ffff:10.89.0.3", 80), IPPROTO_TCP));
	cr_assert_eq(peers_count(p, false), 1);
	cr_assert_eq(peers_count(p, true), 0);
	peers_free(p);
}

Test(peers, ipv6_and_replace)
{
	struct peers *p;
	struct peer_entry e = entry("web", "fd00::3", 443, IPPROTO_TCP, "b", false);

	cr_assert_eq(peers_new(&p), 0);
	cr_assert_eq(peers_put(p, &e), 0);
	/* the same container again: replaced */
	((struct sockaddr_in6 *)&e.host)->sin6_port = htons(9443);
	cr_assert_eq(peers_put(p, &e), 0);
	cr_assert_eq(peers_count(p, false), 1);
	cr_assert_eq(sa_port((const struct sockaddr *)&peers_find(p, "web", D("fd00::3", 443), 0)->host), 9443);
	peers_free(p);
}

Test(peers, remote_never_replaces_local)
{
	struct peers *p;
	struct peer_entry l = entry("web", "10.0.0.3", 80, IPPROTO_TCP, "b", false);
	struct peer_entry r = entry("web", "10.0.0.3", 80, IPPROTO_TCP, "x", true);

	cr_assert_eq(peers_new(&p), 0);
	cr_assert_eq(peers_put(p, &l), 0);
	cr_assert_eq(peers_put(p, &r), -EEXIST);
	cr_assert_str_eq(peers_find(p, "web", D("10.0.0.3", 80), 0)->container, "b");
	/* a remote delete does not take the local entry */
	cr_assert_eq(peers_del(p, &r.key, true), -ENOENT);
	cr_assert_eq(peers_del(p, &l.key, false), 0);
	cr_assert_eq(peers_put(p, &r), 0);
	cr_assert(peers_find(p, "web", D("10.0.0.3", 80), 0)->remote);
	peers_free(p);
}

Test(peers, first_local_claim_wins)
{
	struct peers *p;
	struct peer_entry b = entry("web", "10.0.0.3", 80, IPPROTO_TCP, "b", false);
	struct peer_entry c = entry("web", "10.0.0.3", 80, IPPROTO_TCP, "c", false);

	cr_assert_eq(peers_new(&p), 0);
	cr_assert_eq(peers_put(p, &b), 0);
	cr_assert_eq(peers_put(p, &c), -EEXIST);
	cr_assert_str_eq(peers_find(p, "web", D("10.0.0.3", 80), 0)->container, "b");
	cr_assert_eq(peers_del_container(p, "b"), 1);
	cr_assert_eq(peers_put(p, &c), 0);
	peers_free(p);
}

Test(peers, rebuild_tells_only_changes)
{
	struct peers *p;
	struct peer_entry a = entry("web", "10.0.0.3", 80, IPPROTO_TCP, "b", false);
	struct peer_entry b = entry("web", "10.0.0.3", 81, IPPROTO_TCP, "b", false);

	changes = puts_seen = 0;
	cr_assert_eq(peers_new(&p), 0);
	peers_set_hook(p, hook, NULL);
	cr_assert_eq(peers_put(p, &a), 0);
	cr_assert_eq(peers_put(p, &b), 0);
	cr_assert_eq(changes, 2);
	/* rebuilt with a only: b goes, a is not told again */
	peers_mark_container(p, "b");
	cr_assert_eq(peers_put(p, &a), 0);
	cr_assert_eq(peers_sweep(p), 1);
	cr_assert_eq(changes, 3);
	cr_assert_eq(puts_seen, 2);
	cr_assert_not_null(peers_find(p, "web", D("10.0.0.3", 80), 0));
	cr_assert_null(peers_find(p, "web", D("10.0.0.3", 81), 0));
	peers_free(p);
}

Test(peers, bad_keys)
{
	struct peers *p;
	struct peer_entry e = entry("web", "10.0.0.3", 80, IPPROTO_TCP, "b", false);

	cr_assert_eq(peers_new(&p), 0);
	e.key.proto = IPPROTO_SCTP;
	cr_assert_eq(peers_put(p, &e), -EINVAL);
	e.key.proto = IPPROTO_TCP;
	e.key.network[0] = '\0';
	cr_assert_eq(peers_put(p, &e), -EINVAL);
	strcpy(e.key.network, "web");
	e.key.addr.ss_family = AF_UNIX;
	cr_assert_eq(peers_put(p, &e), -EINVAL);
	cr_assert_eq(peers_count(p, false), 0);
	peers_free(p);
}

Test(peers, hook_sees_local_changes_only)
{
	struct peers *p;
	struct peer_entry a = entry("web", "10.0.0.3", 80, IPPROTO_TCP, "b", false);
	struct peer_entry b = entry("web", "10.0.0.3", 53, IPPROTO_UDP, "b", false);
	struct peer_entry r = entry("web", "10.0.1.3", 80, IPPROTO_TCP, "x", true);

	changes = puts_seen = 0;
	cr_assert_eq(peers_new(&p), 0);
	peers_set_hook(p, hook, NULL);
	cr_assert_eq(peers_put(p, &a), 0);
	cr_assert_eq(peers_put(p, &b), 0);
	cr_assert_eq(peers_put(p, &r), 0);
	cr_assert_eq(changes, 2);
	cr_assert_eq(peers_del_container(p, "b"), 2);
	cr_assert_eq(changes, 4);
	cr_assert_eq(puts_seen, 2);
	cr_assert_eq(peers_count(p, false), 0);
	cr_assert_eq(peers_count(p, true), 1);
	peers_free(p);
}

Test(peers, resync_sweeps_what_was_not_seen_again)
{
	struct peers *p;
	struct peer_entry r1 = entry("web", "10.0.1.3", 80, IPPROTO_TCP, "x", true);
	struct peer_entry r2 = entry("web", "10.0.1.4", 80, IPPROTO_TCP, "y", true);
	struct peer_entry l = entry("web", "10.0.0.3", 80, IPPROTO_TCP, "b", false);

	cr_assert_eq(peers_new(&p), 0);
	cr_assert_eq(peers_put(p, &r1), 0);
	cr_assert_eq(peers_put(p, &r2), 0);
	cr_assert_eq(peers_put(p, &l), 0);
	peers_mark_remote(p);
	cr_assert_eq(peers_put(p, &r2), 0);
	cr_assert_eq(peers_sweep(p), 1);
	cr_assert_null(peers_find(p, "web", D("10.0.1.3", 80), 0));
	cr_assert_not_null(peers_find(p, "web", D("10.0.1.4", 80), 0));
	cr_assert_not_null(peers_find(p, "web", D("10.0.0.3", 80), 0));
	peers_free(p);
}

Test(peers, many_entries)
{
	struct peers *p;
	char ip[32];

	cr_assert_eq(peers_new(&p), 0);
	for (int i = 0; i < 5000; i++) {
		struct peer_entry e;

		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		e = entry("net", ip, (uint16_t)(1000 + i % 7), IPPROTO_TCP, "c", false);
		cr_assert_eq(peers_put(p, &e), 0);
	}
	cr_assert_eq(peers_count(p, false), 5000);
	cr_assert_not_null(peers_find(p, "net", D("10.0.19.135", 1000 + 4999 % 7), 0));
	cr_assert_eq(peers_del_container(p, "c"), 5000);
	peers_free(p);
}

Test(peers, network_names)
{
	cr_assert(peers_net_valid("prod-1.web_x"));
	cr_assert_not(peers_net_valid(""));
	cr_assert_not(peers_net_valid("a/b"));
	cr_assert_not(peers_net_valid("@10.0.0.0/24"));
	cr_assert_not(peers_net_valid("a b"));
	cr_assert_not(peers_net_valid("0123456789012345678901234567890123456789012345678901234567890123"));
}
