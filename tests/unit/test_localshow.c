// SPDX-License-Identifier: GPL-2.0-or-later
/* test_localshow.c - what a connection accepted on a published listener
 * shows (common/localshow.c, shared by both paths)
 */
#include <arpa/inet.h>
#include <string.h>

#include <criterion/criterion.h>

#include "localshow.h"
#include "sockaddr.h"

/* ss() - an address from text and port */
static struct sockaddr_storage ss(const char *ip, uint16_t port)
{
	struct sockaddr_storage s;

	memset(&s, 0, sizeof(s));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&s;

		a->sin6_family = AF_INET6;
		cr_assert_eq(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
		a->sin6_port = htons(port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&s;

		a->sin_family = AF_INET;
		cr_assert_eq(inet_pton(AF_INET, ip, &a->sin_addr), 1);
		a->sin_port = htons(port);
	}
	return s;
}

static struct localshow_own both(void)
{
	struct localshow_own own = { .has4 = 1, .has6 = 1 };

	inet_pton(AF_INET, "10.88.5.2", &own.in4);
	inet_pton(AF_INET6, "fd88:5::2", &own.in6);
	return own;
}

/* shown() - the text localshow_accepted() gives */
static const char *shown(const char *bound, const char *local,
			 const struct localshow_own *own)
{
	static char buf[SA_STRLEN];
	struct sockaddr_storage b = ss(bound, 0), l = ss(local, 18080), out;

	localshow_accepted(&b, 80, &l, own, &out);
	return sa_format((const struct sockaddr *)&out, buf, sizeof(buf));
}

Test(localshow, specific_address_is_the_bound_one)
{
	struct localshow_own own = both();

	cr_assert_str_eq(shown("10.88.5.2", "10.77.0.1", &own), "10.88.5.2:80");
	cr_assert_str_eq(shown("fd88:5::2", "::1", &own), "[fd88:5::2]:80");
}

Test(localshow, wildcard_shows_own_address_or_loopback)
{
	struct localshow_own own = both();

	cr_assert_str_eq(shown("0.0.0.0", "10.77.0.1", &own), "10.88.5.2:80");
	cr_assert_str_eq(shown("0.0.0.0", "127.0.0.1", &own), "127.0.0.1:80");
	cr_assert_str_eq(shown("::", "::ffff:10.77.0.1", &own),
			 "[::ffff:10.88.5.2]:80");
	cr_assert_str_eq(shown("::", "fd77::1", &own), "[fd88:5::2]:80");
	cr_assert_str_eq(shown("::", "::1", &own), "[::1]:80");
	cr_assert_str_eq(shown("::", "::ffff:127.0.0.1", &own),
			 "[::ffff:127.0.0.1]:80");
}

Test(localshow, no_own_address_of_the_family_is_loopback)
{
	struct localshow_own own = both();

	own.has6 = 0;
	cr_assert_str_eq(shown("::", "fd77::1", &own), "[::1]:80");
	own.has4 = 0;
	cr_assert_str_eq(shown("0.0.0.0", "10.77.0.1", &own), "127.0.0.1:80");
}
