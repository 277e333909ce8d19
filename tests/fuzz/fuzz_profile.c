// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_profile.c - libFuzzer harness of the seccomp profile merger
 * (seccomp-path/oci/profile.c): any bytes through the strict JSON parser
 * (oci_json_parse()) and profile_merge(), as "b4ns profile" and the daemon
 * read a base profile. A merge that succeeds must be idempotent: merging
 * the result again succeeds and changes nothing (profile.h promises it).
 * The input's length picks the flags: with accept() trapped (a container
 * of a named network, as the hook merges it) or without.
 */
#include <json-c/json.h>

#include "fuzz.h"
#include "oci/oci.h"
#include "oci/profile.h"
#include "traps.h"

#define LISTENER "/run/user/1000/b4ns/daemon.sock"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FUZZ_QUIET();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_free_ char *once = NULL;
	struct b4_error err = { { 0 } };
	unsigned int flags = TRAP_PROFILE_FLAGS |
			     (size & 1 ? TRAP_IF_ACCEPT : 0);

	if (oci_json_parse((const char *)data, size, &o, &err)) {
		FUZZ_ASSERT(err.msg[0]);
		return 0;
	}
	if (profile_merge(o, LISTENER, "fuzz", flags, &err)) {
		FUZZ_ASSERT(err.msg[0]);
		return 0;
	}
	once = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	if (!once)
		return 0;
	FUZZ_ASSERT(profile_merge(o, LISTENER, "fuzz", flags, NULL) == 0);
	FUZZ_ASSERT(!strcmp(once, json_object_to_json_string_ext(
					  o, JSON_C_TO_STRING_PLAIN)));
	return 0;
}
