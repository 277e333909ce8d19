// SPDX-License-Identifier: GPL-2.0-or-later
/* test_idmap.c - the user namespace's maps: subordinate ranges, keep-id */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "launch/idmap.h"

/* an uid no passwd line names: matched by number in the files */
#define UID 4242u
#define GID 4343u

static char dir[] = "/tmp/b4ns-test-idmap.XXXXXX";
static char subuid[64], subgid[64], bin[64], *old_path;

static void put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(subuid, sizeof(subuid), "%s/subuid", dir);
	snprintf(subgid, sizeof(subgid), "%s/subgid", dir);
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	mkdir(bin, 0755);
	/* bad lines first: skipped; then the caller's range by uid */
	put(subuid, "nouser\n4242:x:5\n4242:1:0\n4242:100000:65536\n", 0644);
	put(subgid, "other:1:1\n4242:300000:1000\n", 0644);
	old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", bin, 1);
}

static void teardown(void)
{
	char cmd[128];

	if (old_path)
		setenv("PATH", old_path, 1);
	else
		unsetenv("PATH");
	free(old_path);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static void helpers(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/newuidmap", bin);
	put(path, "#!/bin/sh\n", 0755);
	snprintf(path, sizeof(path), "%s/newgidmap", bin);
	put(path, "#!/bin/sh\n", 0755);
}

static void line_is(const struct idmap_line *l, unsigned long in,
		    unsigned long out, unsigned long count)
{
	cr_assert_eq(l->inside, in);
	cr_assert_eq(l->outside, out);
	cr_assert_eq(l->count, count);
}

TestSuite(idmap, .init = setup, .fini = teardown);

Test(idmap, mode_parse)
{
	enum idmap_mode m;

	cr_assert_eq(idmap_mode_parse("root", &m), 0);
	cr_assert_eq(m, IDMAP_ROOT);
	cr_assert_eq(idmap_mode_parse("keep-id", &m), 0);
	cr_assert_eq(m, IDMAP_KEEP_ID);
	cr_assert_eq(idmap_mode_parse("auto", &m), -EINVAL);
	cr_assert_eq(idmap_mode_parse("", &m), -EINVAL);
}

Test(idmap, root_mode_maps_the_range_after_the_caller)
{
	struct idmap m;

	helpers();
	cr_assert_eq(idmap_plan(IDMAP_ROOT, UID, GID, subuid, subgid, &m), 0);
	cr_assert(m.helper);
	cr_assert_eq(m.inside_uid, 0);
	cr_assert_eq(m.n_uid, 2);
	line_is(&m.uid[0], 0, UID, 1);
	line_is(&m.uid[1], 1, 100000, 65536);
	cr_assert_eq(m.n_gid, 2);
	line_is(&m.gid[0], 0, GID, 1);
	line_is(&m.gid[1], 1, 300000, 1000);
}

Test(idmap, keep_id_fills_around_the_caller)
{
	struct idmap m;

	helpers();
	cr_assert_eq(idmap_plan(IDMAP_KEEP_ID, UID, GID, subuid, subgid, &m), 0);
	cr_assert(m.helper);
	cr_assert_eq(m.inside_uid, UID);
	/* 0..4241 from the range, 4242 itself, the rest above */
	cr_assert_eq(m.n_uid, 3);
	line_is(&m.uid[0], 0, 100000, UID);
	line_is(&m.uid[1], UID, UID, 1);
	line_is(&m.uid[2], UID + 1, 100000 + UID, 65536 - UID);
	/* a range shorter than the caller's gid: all of it below */
	cr_assert_eq(m.n_gid, 2);
	line_is(&m.gid[0], 0, 300000, 1000);
	line_is(&m.gid[1], GID, GID, 1);
}

Test(idmap, no_helper_single_mapping)
{
	struct idmap m;

	cr_assert_eq(idmap_plan(IDMAP_ROOT, UID, GID, subuid, subgid, &m), 0);
	cr_assert_not(m.helper);
	cr_assert_eq(m.n_uid, 1);
	line_is(&m.uid[0], 0, UID, 1);
	cr_assert_eq(idmap_plan(IDMAP_KEEP_ID, UID, GID, subuid, subgid, &m), 0);
	cr_assert_not(m.helper);
	line_is(&m.uid[0], UID, UID, 1);
	line_is(&m.gid[0], GID, GID, 1);
}

Test(idmap, no_range_single_mapping)
{
	struct idmap m;

	helpers();
	put(subgid, "4243:300000:1000\n", 0644);
	cr_assert_eq(idmap_plan(IDMAP_ROOT, UID, GID, subuid, subgid, &m), 0);
	cr_assert_not(m.helper);
	cr_assert_eq(m.n_uid, 1);
	cr_assert_eq(m.n_gid, 1);
	line_is(&m.gid[0], 0, GID, 1);
	unlink(subuid);
	cr_assert_eq(idmap_plan(IDMAP_ROOT, UID, GID, subuid, subgid, &m), 0);
	cr_assert_not(m.helper);
}
