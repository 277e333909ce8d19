// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_cfg.c - libFuzzer harness of the configuration loader (config/cfg.c):
 * any text through cfg_load_string(); a file that loads is then merged
 * section by section on top of the global settings and turned into a
 * policy (cfg_merge(), cfg_policy()), as "b4ns run" and the daemon do.
 */
#include "cfg.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FUZZ_QUIET();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_cstr(data, size);
	struct b4_error err = { { 0 } };
	struct policy_cfg pol;
	struct cfg cfg;
	int r, i;

	if (!text)
		return 0;
	r = cfg_load_string(text, "fuzz", &cfg, &err);
	if (r) {
		/* every refusal says why */
		FUZZ_ASSERT(r < 0 && err.msg[0]);
		cfg_free(&cfg);
		return 0;
	}
	(void)cfg_policy(&cfg.global, &pol, NULL);
	for (i = 0; i < cfg.n_sections; i++) {
		struct cfg_container eff = cfg.global;

		FUZZ_ASSERT(cfg_find(&cfg, cfg.sections[i].name));
		if (cfg_merge(&eff, &cfg.sections[i]) == 0)
			(void)cfg_policy(&eff, &pol, NULL);
	}
	(void)cfg_registry_check(&cfg.registry, NULL);
	cfg_free(&cfg);
	return 0;
}
