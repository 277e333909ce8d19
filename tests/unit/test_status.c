// SPDX-License-Identifier: GPL-2.0-or-later
/* test_status.c - "b4ns status" refuses socket paths it cannot use,
 * instead of truncating them */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

#include "cli/cli.h"

static int status(const char *sock)
{
	char arg[6000];
	char *argv[] = { "status", arg, NULL };

	snprintf(arg, sizeof(arg), "--socket=%s", sock);
	return cmd_status(2, argv);
}

Test(status, long_socket_path_is_refused, .init = cr_redirect_stderr)
{
	char p[5000];

	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	p[sizeof(p) - 1] = '\0';
	cr_assert_eq(status(p), 2);
	cr_assert_stderr_neq_str("");
}

Test(status, control_socket_too_long_is_refused, .init = cr_redirect_stderr)
{
	char p[104];
	char line[512] = "";
	FILE *err;

	/* fits (103 bytes), but "DIR/b4ns.ctl" beside it (110) would not
	 * fit an AF_UNIX address */
	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	memcpy(p + sizeof(p) - 3, "/s", 3);
	cr_assert_eq(status(p), 2);
	fflush(stderr);
	err = cr_get_redirected_stderr();
	cr_assert_not_null(fgets(line, sizeof(line), err));
	cr_assert(strstr(line, "the control socket beside it would be too long"),
		  "%s", line);
}
