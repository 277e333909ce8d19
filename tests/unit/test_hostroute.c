// SPDX-License-Identifier: GPL-2.0-or-later
/* test_hostroute.c - the host's default gateways from /proc/net/route and
 * /proc/net/ipv6_route texts (pasta's gateway, launch/hostroute.c)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "launch/hostroute.h"

static const char route4[] =
	"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	"eth0\t004DA8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	"eth1\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"
	"eth0\t00000000\tFE4D0A0A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	"eth2\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n";

static const char route6[] =
	"fd770000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 b4th0\n"
	"00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n"
	"00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd770000000000000000000000000002 00000400 00000001 00000000 00000003 b4th0\n";

Test(hostroute, ipv4_first_default_gateway)
{
	struct sockaddr_storage gw;
	char buf[INET_ADDRSTRLEN];

	cr_assert_eq(hostroute_parse4(route4, &gw), 0);
	cr_assert_eq(gw.ss_family, AF_INET);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&gw)->sin_addr, buf,
		  sizeof(buf));
	/* not the on-link 192.168.77.0/24 route, not the gateway-less
	 * default, the first one with a gateway */
	cr_assert_str_eq(buf, "10.10.77.254");
}

Test(hostroute, ipv6_default_gateway)
{
	struct sockaddr_storage gw;
	char buf[INET6_ADDRSTRLEN];

	cr_assert_eq(hostroute_parse6(route6, &gw), 0);
	cr_assert_eq(gw.ss_family, AF_INET6);
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&gw)->sin6_addr, buf,
		  sizeof(buf));
	cr_assert_str_eq(buf, "fd77::2");
}

Test(hostroute, none)
{
	struct sockaddr_storage gw;

	cr_assert_eq(hostroute_parse4("Iface\tDestination\n", &gw), -ENOENT);
	cr_assert_eq(hostroute_parse4("", &gw), -ENOENT);
	cr_assert_eq(hostroute_parse4(
		"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
		"eth0\t00000000\tzz\t0003\t0\t0\t0\t00000000\n", &gw), -ENOENT);
	cr_assert_eq(hostroute_parse6("", &gw), -ENOENT);
	/* only the unreachable default of lo: no gateway */
	cr_assert_eq(hostroute_parse6(
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n",
		&gw), -ENOENT);
}
