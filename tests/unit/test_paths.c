// SPDX-License-Identifier: GPL-2.0-or-later
/* test_paths.c - the default config file and the run's private directory
 * (seccomp-path/paths.c)
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "paths.h"

static char tmp[] = "/tmp/b4ns-test-paths-XXXXXX";

static void setup(void)
{
	cr_assert(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd)) {
		/* best effort */
	}
}

TestSuite(paths, .init = setup, .fini = teardown);

/* put_conf() - DIR/REL with its directories */
static void put_conf(const char *dir, const char *rel, char *out, size_t len)
{
	char cmd[PATH_MAX * 2 + 32];
	FILE *f;

	snprintf(out, len, "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", out);
	cr_assert_eq(system(cmd), 0);
	f = fopen(out, "we");
	cr_assert(f);
	fputs("log_level = \"info\";\n", f);
	fclose(f);
}

static bool system_conf(void)
{
	return !access(PATHS_CONFIG_SYSTEM, F_OK);
}

Test(paths, config_xdg_config_home)
{
	struct b4_error err = { "" };
	char want[PATH_MAX], got[PATH_MAX], xdg[PATH_MAX];

	snprintf(xdg, sizeof(xdg), "%s/xdg", tmp);
	put_conf(xdg, PATHS_CONFIG_REL, want, sizeof(want));
	/* HOME's is not read when XDG_CONFIG_HOME is set */
	setenv("HOME", tmp, 1);
	put_conf(tmp, ".config/" PATHS_CONFIG_REL, got, sizeof(got));
	setenv("XDG_CONFIG_HOME", xdg, 1);
	cr_assert_eq(paths_config_default(got, sizeof(got), &err), 0, "%s", err.msg);
	cr_assert_str_eq(got, want);
}

Test(paths, config_home_dot_config)
{
	struct b4_error err = { "" };
	char want[PATH_MAX], got[PATH_MAX];

	setenv("HOME", tmp, 1);
	put_conf(tmp, ".config/" PATHS_CONFIG_REL, want, sizeof(want));
	cr_assert_eq(paths_config_default(got, sizeof(got), &err), 0, "%s", err.msg);
	cr_assert_str_eq(got, want);
	/* a relative XDG_CONFIG_HOME is ignored (XDG base directory spec) */
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	cr_assert_eq(paths_config_default(got, sizeof(got), &err), 0, "%s", err.msg);
	cr_assert_str_eq(got, want);
}

Test(paths, config_none)
{
	struct b4_error err = { "" };
	char got[PATH_MAX];

	if (system_conf())
		cr_skip_test(PATHS_CONFIG_SYSTEM " exists on this host");
	setenv("HOME", tmp, 1);
	setenv("XDG_CONFIG_HOME", tmp, 1);
	cr_assert_eq(paths_config_default(got, sizeof(got), &err), -ENOENT);
	cr_assert_str_empty(got);
}

Test(paths, run_dir_names_xdg_runtime_dir)
{
	struct b4_error err = { "" };
	char dir[PATH_MAX], missing[PATH_MAX];

	snprintf(missing, sizeof(missing), "%s/no-such-dir", tmp);
	setenv("XDG_RUNTIME_DIR", missing, 1);
	cr_assert_eq(paths_run_dir_make(dir, sizeof(dir), &err), -ENOENT);
	cr_assert_str_empty(dir);
	cr_assert(strstr(err.msg, missing), "'%s' does not name %s", err.msg,
		  missing);
	cr_assert(strstr(err.msg, "XDG_RUNTIME_DIR"), "%s", err.msg);
	/* and one that works */
	setenv("XDG_RUNTIME_DIR", tmp, 1);
	cr_assert_eq(paths_run_dir_make(dir, sizeof(dir), &err), 0, "%s", err.msg);
	cr_assert(!strncmp(dir, tmp, strlen(tmp)));
	paths_run_dir_remove(dir);
	cr_assert(access(dir, F_OK));
}
