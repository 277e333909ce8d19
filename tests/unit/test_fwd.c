// SPDX-License-Identifier: GPL-2.0-or-later
/* test_fwd.c - published ports handed to pasta / slirp4netns (mode off) */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "launch/fwd.h"
#include "portmap.h"

static struct portmap_entry entry(const char *spec)
{
	struct b4_error err = { "" };
	struct portmap_entry e;

	cr_assert_eq(portmap_parse(spec, &e, &err), 0, "%s", err.msg);
	return e;
}

static void spec_is(const char *spec, const char *opt, const char *want)
{
	struct portmap_entry e = entry(spec);
	char buf[FWD_PASTA_SPEC_MAX];

	cr_assert_str_eq(fwd_pasta_spec(&e, buf, sizeof(buf)), opt, "%s", spec);
	cr_assert_str_eq(buf, want, "%s", spec);
}

Test(fwd, pasta_specs)
{
	spec_is("8080:80", "-t", "8080:80");
	spec_is("5353:53/udp", "-u", "5353:53");
	spec_is("127.0.0.1:8080:80", "-t", "127.0.0.1/8080:80");
	spec_is("[::1]:8080:80/tcp", "-t", "::1/8080:80");
	spec_is("8000-8009:80-89", "-t", "8000-8009:80-89");
	spec_is("0.0.0.0:8080:80", "-t", "8080:80");
}

Test(fwd, check)
{
	struct portmap_entry tab[2] = { entry("8080:80"), entry("[::1]:81:81") };
	struct b4_error e = { "" };
	const char *err = e.msg;

	cr_assert_eq(fwd_check(CFG_NET_PASTA, false, tab, 2, &e), 0);
	cr_assert_eq(fwd_check(CFG_NET_SLIRP4NETNS, false, tab, 1, &e), 0);
	cr_assert_eq(fwd_check(CFG_NET_NONE, false, tab, 0, &e), 0);
	cr_assert_eq(fwd_check(CFG_NET_SLIRP4NETNS, false, tab, 2, &e),
		     -EINVAL);
	cr_assert(strstr(err, "IPv4 host addresses only"), "%s", err);
	cr_assert_eq(fwd_check(CFG_NET_NONE, false, tab, 1, &e), -EINVAL);
	cr_assert(strstr(err, "--net=slirp4netns or --net=pasta"), "%s", err);
}
