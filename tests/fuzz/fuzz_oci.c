// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_oci.c - libFuzzer harness of the OCI listener message
 * (seccomp-path/oci/oci.c): any bytes through oci_state_parse(), as the
 * daemon receives them from a runtime; a message that parses is turned
 * into a container's settings (oci_settings(): annotations and metadata
 * over a configuration with one section) and its policy (cfg_policy()).
 * A refused message always says why.
 */
#include "cfg.h"
#include "fuzz.h"
#include "oci/oci.h"

static struct cfg conf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct b4_error err = { { 0 } };

	FUZZ_QUIET();
	if (cfg_load_string("switch_udp = true;\n"
			    "publish = [ \"8080:80\" ];\n"
			    "containers = { web = { publish = [ \"8443:443\" ];\n"
			    "  ignore = [ \"10.9.0.0/16\" ]; network = \"n1\"; }; };\n",
			    "fuzz-oci", &conf, &err)) {
		fprintf(stderr, "fuzz_oci: %s\n", err.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct b4_error err = { { 0 } };
	struct cfg_container set;
	struct policy_cfg pol;
	struct oci_state st;

	if (oci_state_parse((const char *)data, size, &st, &err)) {
		FUZZ_ASSERT(err.msg[0]);
		return 0;
	}
	FUZZ_ASSERT(st.pid > 0 && st.id[0]);
	FUZZ_ASSERT(st.n_ann >= 0 && st.n_ann <= OCI_ANN_MAX);
	err.msg[0] = '\0';
	if (oci_settings(&st, &conf, &set, &err)) {
		FUZZ_ASSERT(err.msg[0]);
		return 0;
	}
	(void)cfg_policy(&set, &pol, NULL);
	return 0;
}
