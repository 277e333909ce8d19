// SPDX-License-Identifier: GPL-2.0-or-later
/* test_cfg.c - configuration file loading, validation messages and merging */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cfg.h"

#define EXAMPLE B4NS_SOURCE_DIR "/config/b4ns.conf.example"

/* The format sample of the design notes: must load as is */
static const char sample[] =
	"# global defaults (all optional)\n"
	"log_level = \"info\";            # error|warn|info|debug\n"
	"net = \"slirp4netns\";           # auto|none|slirp4netns|pasta\n"
	"mode = \"seccomp\";              # seccomp|preload|auto|off\n"
	"allow_host_loopback = false;\n"
	"udp_sendmsg = false;\n"
	"ignore = [ \"10.10.0.0/16\", \"fd00:1::/64\" ];\n"
	"publish = [ \"8080:80\", \"127.0.0.1:5353:53/udp\" ];\n"
	"containers = {\n"
	"  web = { mode = \"seccomp\"; publish = [ \"8080:80/tcp\" ]; ignore = [ \"192.168.0.0/16\" ]; };\n"
	"  legacy = { mode = \"preload\"; net = \"none\"; };\n"
	"};\n";

/**
 * load_bad() - @text must fail to load with a message containing @msg
 * @text:	configuration, loaded as "t.conf"
 * @msg:	expected substring, usually "t.conf:LINE: KEY: problem"
 */
static void load_bad(const char *text, const char *msg)
{
	struct b4_error eb = { "" };
	char *err = eb.msg;
	struct cfg c;
	int rc = cfg_load_string(text, "t.conf", &c, &eb);

	cr_assert_eq(rc, -EINVAL, "accepted (rc %d):\n%s", rc, text);
	cr_assert(strstr(err, msg), "message '%s' lacks '%s'", err, msg);
	cfg_free(&c);
}

static void load_ok(const char *text, struct cfg *c)
{
	struct b4_error eb = { "" };
	char *err = eb.msg;
	int rc = cfg_load_string(text, "t.conf", c, &eb);

	cr_assert_eq(rc, 0, "rejected: %s", err);
}

/**
 * many() - "KEY = [ ... ];" with @n distinct valid entries
 * @key:	"ignore" (CIDRs) or "publish" (port specs)
 * @n:		number of entries
 *
 * Return: the text, in a static buffer
 */
static const char *many(const char *key, int n)
{
	static char buf[16384];
	bool cidr = !strcmp(key, "ignore");
	size_t len;

	len = (size_t)snprintf(buf, sizeof(buf), "%s = [", key);
	for (int i = 1; i <= n; i++) {
		if (cidr)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s\"10.%d.0.0/16\"",
						i > 1 ? ", " : " ", i);
		else
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s\"%d:%d\"",
						i > 1 ? ", " : " ", 1000 + i, i);
	}
	snprintf(buf + len, sizeof(buf) - len, " ];\n");
	return buf;
}

/* example_sections() - the example's commented-out "containers" block,
 * uncommented, as a config text of its own (@buf, @len) */
static void example_sections(char *buf, size_t len)
{
	FILE *f = fopen(EXAMPLE, "re");
	char line[512];
	size_t n = 0;
	bool in = false;

	cr_assert(f, "%s: %s", EXAMPLE, strerror(errno));
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "#containers = {", 15))
			in = true;
		if (in) {
			n += (size_t)snprintf(buf + n, len - n, "%s", line + 1);
			cr_assert_lt(n, len);
		}
		if (in && !strncmp(line, "#};", 3))
			in = false;
	}
	fclose(f);
	cr_assert_neq(n, 0, "no commented-out containers block in the example");
}

Test(cfg, example_loads)
{
	const struct cfg_container *web, *legacy, *batch;
	struct b4_error eb = { "" };
	char *err = eb.msg;
	char text[4096];
	struct cfg c;
	int rc = cfg_load(EXAMPLE, &c, &eb);

	cr_assert_eq(rc, 0, "%s", err);
	cr_assert(c.global.mode_set);
	cr_assert_eq(c.global.mode, CFG_MODE_SECCOMP);
	cr_assert(c.global.net_set);
	cr_assert_eq(c.global.net, CFG_NET_AUTO);
	cr_assert(c.global.log_level_set);
	cr_assert_eq(c.global.log_level, LOG_LVL_WARN);
	cr_assert(c.global.allow_host_loopback_set && !c.global.allow_host_loopback);
	cr_assert(c.global.udp_sendmsg_set && !c.global.udp_sendmsg);
	cr_assert(c.global.switch_udp_set && !c.global.switch_udp);
	cr_assert(c.global.allow_io_uring_set && !c.global.allow_io_uring);
	/* the examples of lists are commented out: not defaults */
	cr_assert_eq(c.global.n_ignore, 0);
	cr_assert_eq(c.global.n_publish, 0);
	cr_assert_str_empty(c.global.name);
	/* a copied example publishes nothing for any container: its sections
	 * are commented out too */
	cr_assert_eq(c.n_sections, 0);
	cr_assert_not(c.global.network_set);
	cr_assert_eq(c.global.n_egress_allow, 0);
	cr_assert_eq(c.global.n_egress_deny, 0);
	/* the registry's defaults, as written out */
	cr_assert_eq(c.registry.kind, CFG_REGISTRY_EMBEDDED);
	cr_assert_eq(c.registry.lease_ttl, CFG_LEASE_TTL_DEFAULT);
	cr_assert_str_eq(c.registry.prefix, CFG_PREFIX_DEFAULT);
	cr_assert_eq(c.registry.n_etcd, 0);
	cfg_free(&c);

	/* the commented-out sections are valid once uncommented */
	example_sections(text, sizeof(text));
	rc = cfg_load_string(text, "example sections", &c, &eb);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(c.n_sections, 3);
	web = cfg_find(&c, "web");
	legacy = cfg_find(&c, "legacy");
	batch = cfg_find(&c, "batch");
	cr_assert(web && legacy && batch);
	cr_assert_eq(web->n_publish, 3);
	cr_assert_eq(web->n_ignore, 1);
	cr_assert_not(web->net_set);
	cr_assert(web->network_set);
	cr_assert_str_eq(web->network, "web");
	cr_assert_eq(web->n_egress_deny, 1);
	cr_assert_eq(web->n_egress_allow, 0);
	cr_assert_eq(legacy->mode, CFG_MODE_PRELOAD);
	cr_assert_eq(legacy->net, CFG_NET_NONE);
	cr_assert_eq(legacy->log_level, LOG_LVL_DEBUG);
	cr_assert_eq(batch->net, CFG_NET_PASTA);
	cr_assert(batch->allow_host_loopback);
	cr_assert(batch->udp_sendmsg);
	cr_assert(batch->switch_udp);
	cfg_free(&c);
}

/* policy_of() - cfg_policy() of @text's global settings */
static int policy_of(const char *text, struct policy_cfg *pol,
		     struct b4_error *err)
{
	struct cfg c;
	struct b4_error lerr = { "" };
	int rc;

	cr_assert_eq(cfg_load_string(text, "t.conf", &c, &lerr), 0, "%s",
		     lerr.msg);
	err->msg[0] = '\0';
	rc = cfg_policy(&c.global, pol, err);
	cfg_free(&c);
	return rc;
}

Test(cfg, pasta_policy)
{
	struct policy_cfg pol;
	struct b4_error eb = { "" };

	/* slirp4netns, none, auto: own subnets kept, slirp's gateway */
	cr_assert_eq(policy_of("net = \"slirp4netns\";\n", &pol, &eb), 0);
	cr_assert_not(pol.subnets_copied);
	cr_assert_eq(pol.gateway4.ss_family, AF_INET);
	cr_assert_eq(policy_of("net = \"auto\";\n", &pol, &eb), 0);
	cr_assert_not(pol.subnets_copied);
	/* pasta: the subnets are the host's copies, no slirp gateway */
	cr_assert_eq(policy_of("net = \"pasta\";\n", &pol, &eb), 0);
	cr_assert(pol.subnets_copied);
	cr_assert_eq(pol.gateway4.ss_family, AF_UNSPEC);
	cr_assert_eq(pol.gateway6.ss_family, AF_UNSPEC);
}

Test(cfg, switch_udp_and_io_uring)
{
	struct policy_cfg pol;
	struct cfg c;
	struct cfg_container eff = { 0 };
	struct b4_error eb = { "" };
	char *err = eb.msg;

	/* off by default */
	cr_assert_eq(policy_of("net = \"none\";\n", &pol, &eb), 0);
	cr_assert_not(pol.switch_udp);
	cr_assert_eq(policy_of("switch_udp = true;\n", &pol, &eb), 0);
	cr_assert(pol.switch_udp);

	/* top level and per container, like the other booleans */
	cr_assert_eq(cfg_load_string("allow_io_uring = false;\nswitch_udp = true;\n"
				     "containers = { u = { allow_io_uring = true; "
				     "switch_udp = false; }; };\n",
				     "t.conf", &c, &eb), 0, "%s", err);
	cr_assert(c.global.allow_io_uring_set && !c.global.allow_io_uring);
	cr_assert(c.global.switch_udp_set && c.global.switch_udp);
	cr_assert_eq(cfg_merge(&eff, &c.global), 0);
	cr_assert_eq(cfg_merge(&eff, cfg_find(&c, "u")), 0);
	cr_assert(eff.allow_io_uring);
	cr_assert_not(eff.switch_udp);
	cfg_free(&c);

	load_bad("switch_udp = \"yes\";\n",
		 "t.conf:1: switch_udp: must be a boolean");
	load_bad("containers = { u = { allow_io_uring = 1; }; };\n",
		 "t.conf:1: containers.u.allow_io_uring: must be a boolean");
}

Test(cfg, udp_publish_needs_switch_udp)
{
	struct policy_cfg pol;
	struct b4_error eb = { "" };
	char *err = eb.msg;

	cr_assert_eq(policy_of("publish = [ \"5353:53/udp\" ];\n", &pol, &eb), -EINVAL);
	cr_assert(strstr(err, "publishing UDP port '5353:53/udp' requires "
			 "switch_udp = true (--switch-udp): "), "%s", err);
	cr_assert(strstr(err, "IP_PKTINFO"), "%s", err);
	/* TCP needs nothing */
	cr_assert_eq(policy_of("publish = [ \"8080:80\" ];\n", &pol, &eb), 0, "%s", err);
	cr_assert_eq(policy_of("switch_udp = true;\npublish = [ \"5353:53/udp\" ];\n",
			       &pol, &eb), 0, "%s", err);
	cr_assert_eq(pol.n_publish, 1);

	cr_assert_eq(policy_of("udp_sendmsg = true;\n", &pol, &eb),
		     -EINVAL);
	cr_assert(strstr(err, "udp_sendmsg = true requires switch_udp = true"),
		  "%s", err);
	cr_assert_eq(policy_of("udp_sendmsg = true;\nswitch_udp = true;\n", &pol,
			       &eb), 0, "%s", err);
}

Test(cfg, sample_loads)
{
	const struct cfg_container *web;
	struct cfg c;
	char buf[SA_STRLEN];

	load_ok(sample, &c);
	cr_assert_eq(c.global.log_level, LOG_LVL_INFO);
	cr_assert_eq(c.global.net, CFG_NET_SLIRP4NETNS);
	cr_assert_not(c.global.allow_host_loopback);
	cr_assert(c.global.allow_host_loopback_set);
	cr_assert_eq(c.global.n_ignore, 2);
	cr_assert_str_eq(sa_cidr_format(&c.global.ignore[1], buf, sizeof(buf)),
			 "fd00:1::/64");
	cr_assert_eq(c.global.n_publish, 2);
	cr_assert_str_eq(c.global.publish_spec[1], "127.0.0.1:5353:53/udp");

	web = cfg_find(&c, "web");
	cr_assert_not_null(web);
	cr_assert_str_eq(web->name, "web");
	cr_assert_str_eq(web->publish_spec[0], "8080:80/tcp");
	cr_assert_not(web->log_level_set);
	cr_assert_not(web->udp_sendmsg_set);
	cfg_free(&c);
}

Test(cfg, empty_and_no_containers)
{
	struct cfg c;

	load_ok("", &c);
	cr_assert_eq(c.n_sections, 0);
	cr_assert_null(c.sections);
	cr_assert_not(c.global.mode_set);
	cr_assert_null(cfg_find(&c, "web"));
	cfg_free(&c);

	load_ok("containers = { };\nignore = [ ];\npublish = ( );\n", &c);
	cr_assert_eq(c.n_sections, 0);
	cr_assert_eq(c.global.n_ignore, 0);
	cfg_free(&c);
}

Test(cfg, unknown_keys)
{
	load_bad("net = \"none\";\nfoo = 2;\n",
		 "t.conf:2: foo: unknown setting (expected log_level, net, "
		 "mode, allow_host_loopback, udp_sendmsg, switch_udp, "
		 "allow_io_uring, ignore, publish, network, egress_allow, "
		 "egress_deny, dns, host_resolv_conf, add_host, registry, etcd, node, node_address, "
		 "etcd_lease_ttl, etcd_prefix, etcd_cacert, etcd_cert, "
		 "etcd_key or containers)");
	load_bad("containers = {\n  web = {\n    colour = 1;\n  };\n};\n",
		 "containers.web.colour: unknown setting (expected log_level, "
		 "net, mode, allow_host_loopback, udp_sendmsg, switch_udp, "
		 "allow_io_uring, ignore, publish, network, egress_allow, "
		 "egress_deny, dns, host_resolv_conf, add_host)");
	load_bad("containers = {\n"
		 "  web = {\n"
		 "    mode = \"off\";\n"
		 "    colour = \"red\";\n"
		 "  };\n"
		 "};\n",
		 "t.conf:4: containers.web.colour: unknown setting");
	/* no nesting of sections */
	load_bad("containers = {\n  web = {\n    containers = { };\n  };\n};\n",
		 "t.conf:3: containers.web.containers: unknown setting");
}

Test(cfg, wrong_types)
{
	load_bad("net = 3;\n",
		 "t.conf:1: net: must be a string, not an integer");
	load_bad("\nmode = true;\n",
		 "t.conf:2: mode: must be a string, not a boolean");
	load_bad("log_level = [ \"info\" ];\n",
		 "t.conf:1: log_level: must be a string, not an array");
	load_bad("allow_host_loopback = \"yes\";\n",
		 "t.conf:1: allow_host_loopback: must be a boolean (true or false), not a string");
	load_bad("udp_sendmsg = 1;\n",
		 "t.conf:1: udp_sendmsg: must be a boolean");
	load_bad("ignore = \"x\";\n",
		 "t.conf:1: ignore: must be a list of strings");
	load_bad("publish = { a = 1; };\n",
		 "t.conf:1: publish: must be a list of strings [ \"...\", ... ], not a group");
	load_bad("publish = ( \"8080:80\",\n  80 );\n",
		 "t.conf:2: publish[1]: must be a string, not an integer");
	load_bad("ignore = [ 1.5 ];\n",
		 "t.conf:1: ignore[0]: must be a string, not a float");
	load_bad("containers = ( );\n",
		 "t.conf:1: containers: must be a group");
	load_bad("containers = {\n  web = \"x\";\n};\n",
		 "t.conf:2: containers.web: must be a group");
	load_bad("containers = {\n  web = {\n    net = 3L;\n  };\n};\n",
		 "t.conf:3: containers.web.net: must be a string, not a 64-bit integer");
}

Test(cfg, bad_enums)
{
	load_bad("mode = \"fast\";\n",
		 "t.conf:1: mode: invalid value 'fast' (expected seccomp, preload, auto or off)");
	load_bad("net = \"slirp\";\n",
		 "t.conf:1: net: invalid value 'slirp' (expected auto, none, slirp4netns or pasta)");
	load_bad("log_level = \"loud\";\n",
		 "t.conf:1: log_level: invalid value 'loud' (expected error, warn, info or debug)");
	load_bad("containers = {\n  a = { };\n  b = { mode = \"\"; };\n};\n",
		 "t.conf:3: containers.b.mode: invalid value ''");
}

Test(cfg, bad_cidrs)
{
	load_bad("ignore = [ \"bogus\" ];\n",
		 "t.conf:1: ignore[0]: invalid CIDR 'bogus'");
	load_bad("containers = {\n"
		 "  web = {\n"
		 "    ignore = [ \"10.0.0.0/8\",\n"
		 "               \"10.0.0.0/33\" ];\n"
		 "  };\n"
		 "};\n",
		 "t.conf:4: containers.web.ignore[1]: invalid CIDR '10.0.0.0/33'");
	load_bad("ignore = [ \"fd00::/129\" ];\n",
		 "t.conf:1: ignore[0]: invalid CIDR 'fd00::/129'");
}

Test(cfg, bad_publish)
{
	load_bad("publish = [ \"80\" ];\n",
		 "t.conf:1: publish[0]: publish spec '80': expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]");
	load_bad("containers = {\n"
		 "  web = {\n"
		 "    publish = [ \"8080:80\",\n"
		 "                \"70000:80\" ];\n"
		 "  };\n"
		 "};\n",
		 "t.conf:4: containers.web.publish[1]: publish spec '70000:80': port 70000 out of range 1-65535");
	load_bad("publish = [ \"8080:80/sctp\" ];\n",
		 "t.conf:1: publish[0]: publish spec '8080:80/sctp': unknown protocol 'sctp'");
	load_bad("publish = [ \"8080:80\", \"8081:80\" ];\n",
		 "t.conf:1: publish[1]: '8081:80' conflicts with publish[0] '8080:80'");
	load_bad("publish = [ \"1111111111111111111111111111111111111111111111111"
		 "11111111111111111111111111111111111111111111111111:80\" ];\n",
		 "t.conf:1: publish[0]: publish spec too long (at most 95 characters)");
}

Test(cfg, udp_and_tcp_same_port)
{
	struct cfg c;

	load_ok("publish = [ \"53:53/udp\", \"53:53/tcp\" ];\n", &c);
	cr_assert_eq(c.global.n_publish, 2);
	cfg_free(&c);
}

Test(cfg, too_many_entries)
{
	char text[20000];
	struct cfg c;
	size_t len;

	snprintf(text, sizeof(text), "\n%s", many("ignore", CFG_MAX_CIDRS + 1));
	load_bad(text, "t.conf:2: ignore: too many entries (65, at most 64)");
	snprintf(text, sizeof(text), "%s", many("ignore", CFG_MAX_CIDRS));
	load_ok(text, &c);
	cr_assert_eq(c.global.n_ignore, CFG_MAX_CIDRS);
	cfg_free(&c);

	snprintf(text, sizeof(text), "%s", many("publish", CFG_MAX_PUBLISH + 1));
	load_bad(text, "t.conf:1: publish: too many entries (65, at most 64)");
	snprintf(text, sizeof(text), "%s", many("publish", CFG_MAX_PUBLISH));
	load_ok(text, &c);
	cr_assert_eq(c.global.n_publish, CFG_MAX_PUBLISH);
	cfg_free(&c);

	len = (size_t)snprintf(text, sizeof(text), "containers = {\n");
	for (int i = 0; i <= CFG_MAX_SECTIONS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"  c%d = { };\n", i);
	snprintf(text + len, sizeof(text) - len, "};\n");
	load_bad(text, "t.conf:1: containers: too many sections (129, at most 128)");
}

Test(cfg, max_sections)
{
	char text[8192];
	struct cfg c;
	size_t len;

	len = (size_t)snprintf(text, sizeof(text), "containers = {\n");
	for (int i = 0; i < CFG_MAX_SECTIONS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"  c%d = { };\n", i);
	snprintf(text + len, sizeof(text) - len, "};\n");
	load_ok(text, &c);
	cr_assert_eq(c.n_sections, CFG_MAX_SECTIONS);
	cr_assert_not_null(cfg_find(&c, "c127"));
	cfg_free(&c);
}

Test(cfg, duplicate_sections)
{
	/* libconfig refuses duplicates while parsing, with the line */
	load_bad("containers = {\n  web = { };\n\n  web = { mode = \"off\"; };\n};\n",
		 "t.conf:4: duplicate setting name");
	load_bad("net = \"none\";\nnet = \"pasta\";\n",
		 "t.conf:2: duplicate setting name");
}

Test(cfg, section_names)
{
	char text[256];
	struct cfg c;

	load_bad("containers = {\n  we*b = { };\n};\n",
		 "t.conf:2: containers.we*b: section name must match [A-Za-z0-9_.-]{1,63}");
	snprintf(text, sizeof(text), "containers = {\n  %s = { };\n};\n",
		 "a123456789012345678901234567890123456789012345678901234567890123");
	load_bad(text, "t.conf:2: containers.a1234");
	load_bad(text, "section name must match");

	snprintf(text, sizeof(text), "containers = {\n  %s = { };\n  my-app_2 = { };\n};\n",
		 "a12345678901234567890123456789012345678901234567890123456789012");
	load_ok(text, &c);
	cr_assert_eq(c.n_sections, 2);
	cr_assert_not_null(cfg_find(&c, "my-app_2"));
	cfg_free(&c);
}

Test(cfg, syntax_errors)
{
	struct b4_error eb = { "" };
	char *err = eb.msg;
	struct cfg c;
	int rc;

	load_bad("net = \"none\";\nmode = ;\n", "t.conf:2: syntax error");
	load_bad("containers = {\n  web = {\n", "t.conf:");

	rc = cfg_load(B4NS_TEST_DATA "/cfg_syntax.conf", &c, &eb);
	cr_assert_eq(rc, -EINVAL);
	cr_assert(strstr(err, B4NS_TEST_DATA "/cfg_syntax.conf:3: syntax error"),
		  "%s", err);
	cfg_free(&c);
}

Test(cfg, error_in_file)
{
	struct b4_error eb = { "" };
	char *err = eb.msg;
	struct cfg c;
	int rc;

	/* libconfig dates a list element by the token after it (it needs
	 * the lookahead to concatenate adjacent strings): the line is exact
	 * when the ',' follows on the same line, as it does here
	 */
	rc = cfg_load(B4NS_TEST_DATA "/cfg_bad_section.conf", &c, &eb);
	cr_assert_eq(rc, -EINVAL);
	cr_assert_str_eq(err, B4NS_TEST_DATA "/cfg_bad_section.conf:7: "
			 "containers.web.ignore[1]: invalid CIDR '10.0.0.0/33' "
			 "(expected ADDR/LEN, e.g. 10.0.0.0/8 or fd00::/64)");
	cfg_free(&c);
}

Test(cfg, unreadable)
{
	struct b4_error eb = { "" };
	char *err = eb.msg;
	struct cfg c;
	int rc;

	rc = cfg_load(B4NS_TEST_DATA "/does-not-exist.conf", &c, &eb);
	cr_assert_eq(rc, -ENOENT);
	cr_assert_str_eq(err, B4NS_TEST_DATA "/does-not-exist.conf: No such file or directory");
	cfg_free(&c);

	rc = cfg_load(B4NS_TEST_DATA, &c, &eb);
	cr_assert_eq(rc, -EISDIR);
	cr_assert(strstr(err, "Is a directory"), "%s", err);
	cfg_free(&c);

	/* a NULL message buffer is allowed */
	rc = cfg_load(B4NS_TEST_DATA "/does-not-exist.conf", &c, NULL);
	cr_assert_eq(rc, -ENOENT);
	rc = cfg_load_string("net = 3;", NULL, &c, NULL);
	cr_assert_eq(rc, -EINVAL);
	cfg_free(&c);
}

Test(cfg, message_in_b4_error)
{
	struct b4_error eb = { "" };
	struct cfg c;

	cr_assert_eq(cfg_load_string("net = 3;", "t.conf", &c, &eb), -EINVAL);
	cr_assert_str_eq(eb.msg, "t.conf:1: net: must be a string, not an "
			 "integer");
	cr_assert_str_eq(b4_error_msg(&eb, -EINVAL), eb.msg);
	cfg_free(&c);
}

Test(cfg, publish_parsed_at_load)
{
	struct cfg c;
	struct cfg_container cli = { 0 };
	struct b4_error eb = { "" };

	load_ok(sample, &c);
	cr_assert_eq(c.global.n_publish, 2);
	cr_assert_eq(c.global.publish[0].proto, IPPROTO_TCP);
	cr_assert_eq(c.global.publish[0].host_port, 8080);
	cr_assert_eq(c.global.publish[0].container_port, 80);
	cr_assert_not(c.global.publish[0].host_ip_set);
	cr_assert_eq(c.global.publish[1].proto, IPPROTO_UDP);
	cr_assert(c.global.publish[1].host_ip_set);
	cr_assert_eq(c.global.publish[1].host_port, 5353);
	cr_assert_eq(c.global.publish[1].container_port, 53);
	cfg_free(&c);

	/* the command line's way in: parsed once, text kept for messages */
	cr_assert_eq(cfg_publish_add(&cli, "8000-8001:80-81/udp", &eb), 0,
		     "%s", eb.msg);
	cr_assert_eq(cli.n_publish, 1);
	cr_assert_eq(cli.publish[0].count, 2);
	cr_assert_eq(cli.publish[0].proto, IPPROTO_UDP);
	cr_assert_str_eq(cli.publish_spec[0], "8000-8001:80-81/udp");
	cr_assert_eq(cfg_publish_add(&cli, "80", &eb), -EINVAL);
	cr_assert(strstr(eb.msg, "publish spec '80': expected"), "%s", eb.msg);
	cr_assert_eq(cli.n_publish, 1);
	cli.n_publish = CFG_MAX_PUBLISH;
	cr_assert_eq(cfg_publish_add(&cli, "9000:90", &eb), -E2BIG);
}

Test(cfg, policy_conflict_across_lists)
{
	struct cfg_container eff = { 0 }, cli = { 0 };
	struct b4_error eb = { "" };
	struct policy_cfg pol;
	struct cfg c;

	load_ok("publish = [ \"8080:80\" ];\n", &c);
	cr_assert_eq(cfg_merge(&eff, &c.global), 0);
	cfg_free(&c);
	cr_assert_eq(cfg_publish_add(&cli, "8081:80", &eb), 0, "%s", eb.msg);
	cr_assert_eq(cfg_merge(&eff, &cli), 0);
	cr_assert_eq(cfg_policy(&eff, &pol, &eb), -EINVAL);
	cr_assert_str_eq(eb.msg, "publish '8081:80' conflicts with '8080:80'");
}

Test(cfg, merge)
{
	struct cfg_container eff;
	struct cfg c;

	load_ok(sample, &c);
	eff = c.global;
	cr_assert_eq(cfg_merge(&eff, cfg_find(&c, "legacy")), 0);
	cr_assert_eq(eff.mode, CFG_MODE_PRELOAD);	/* replaced */
	cr_assert_eq(eff.net, CFG_NET_NONE);		/* replaced */
	cr_assert_eq(eff.log_level, LOG_LVL_INFO);	/* kept */
	cr_assert(eff.log_level_set);
	cr_assert_eq(eff.n_ignore, 2);
	cr_assert_eq(eff.n_publish, 2);
	cr_assert_str_empty(eff.name);

	eff = c.global;
	cr_assert_eq(cfg_merge(&eff, cfg_find(&c, "web")), 0);
	cr_assert_eq(eff.mode, CFG_MODE_SECCOMP);
	cr_assert_eq(eff.net, CFG_NET_SLIRP4NETNS);
	cr_assert_eq(eff.n_ignore, 3);			/* appended */
	cr_assert_eq(eff.ignore[2].family, AF_INET);
	cr_assert_eq(eff.ignore[2].prefix, 16);
	cr_assert_eq(eff.n_publish, 3);
	cr_assert_str_eq(eff.publish_spec[0], "8080:80");
	cr_assert_str_eq(eff.publish_spec[2], "8080:80/tcp");
	cfg_free(&c);
}

Test(cfg, merge_scalars_only_when_set)
{
	struct cfg_container dst, src;

	memset(&dst, 0, sizeof(dst));
	memset(&src, 0, sizeof(src));
	dst.allow_host_loopback = true;
	dst.allow_host_loopback_set = true;
	dst.udp_sendmsg = true;
	dst.udp_sendmsg_set = true;
	src.udp_sendmsg = false;
	src.udp_sendmsg_set = true;	/* explicit false wins */
	src.allow_host_loopback = false; /* not set: ignored */

	cr_assert_eq(cfg_merge(&dst, &src), 0);
	cr_assert(dst.allow_host_loopback);
	cr_assert_not(dst.udp_sendmsg);
	cr_assert(dst.udp_sendmsg_set);
	cr_assert_not(dst.mode_set);
	cr_assert_not(dst.net_set);
}

Test(cfg, merge_overflow)
{
	struct cfg_container dst, src;

	memset(&dst, 0, sizeof(dst));
	memset(&src, 0, sizeof(src));
	dst.n_ignore = CFG_MAX_CIDRS - 1;
	src.n_ignore = 2;
	src.mode = CFG_MODE_OFF;
	src.mode_set = true;
	cr_assert_eq(cfg_merge(&dst, &src), -E2BIG);
	cr_assert_eq(dst.n_ignore, CFG_MAX_CIDRS - 1);	/* untouched */
	cr_assert_not(dst.mode_set);

	src.n_ignore = 1;
	dst.n_publish = CFG_MAX_PUBLISH;
	src.n_publish = 1;
	cr_assert_eq(cfg_merge(&dst, &src), -E2BIG);

	src.n_publish = 0;
	cr_assert_eq(cfg_merge(&dst, &src), 0);
	cr_assert_eq(dst.n_ignore, CFG_MAX_CIDRS);
	cr_assert_eq(dst.mode, CFG_MODE_OFF);
}

Test(cfg, find)
{
	struct cfg c;

	load_ok(sample, &c);
	cr_assert_eq(c.n_sections, 2);
	cr_assert_eq(cfg_find(&c, "web"), &c.sections[0]);
	cr_assert_eq(cfg_find(&c, "legacy"), &c.sections[1]);
	cr_assert_null(cfg_find(&c, "Web"));
	cr_assert_null(cfg_find(&c, "we"));
	cr_assert_null(cfg_find(&c, ""));
	cr_assert_null(cfg_find(&c, NULL));
	cfg_free(&c);
	cr_assert_null(c.sections);
	cr_assert_eq(c.n_sections, 0);
	cfg_free(&c);	/* twice is harmless */
	cr_assert_null(cfg_find(&c, "web"));
}

Test(cfg, enum_names)
{
	enum cfg_mode m;
	enum cfg_net n;

	for (int i = CFG_NET_AUTO; i <= CFG_NET_PASTA; i++) {
		cr_assert_eq(cfg_net_parse(cfg_net_name((enum cfg_net)i), &n), 0);
		cr_assert_eq((int)n, i);
	}
	for (int i = CFG_MODE_SECCOMP; i <= CFG_MODE_OFF; i++) {
		cr_assert_eq(cfg_mode_parse(cfg_mode_name((enum cfg_mode)i), &m), 0);
		cr_assert_eq((int)m, i);
	}
	cr_assert_str_eq(cfg_net_name(CFG_NET_SLIRP4NETNS), "slirp4netns");
	cr_assert_str_eq(cfg_mode_name(CFG_MODE_PRELOAD), "preload");
	cr_assert_eq(cfg_net_parse("Pasta", &n), -EINVAL);
	cr_assert_eq(cfg_net_parse("", &n), -EINVAL);
	cr_assert_eq(cfg_mode_parse("seccomp ", &m), -EINVAL);
	cr_assert_str_eq(cfg_net_name((enum cfg_net)42), "unknown");
	cr_assert_str_eq(cfg_mode_name((enum cfg_mode)-1), "unknown");
}

/* egress_many() - "KEY = [ ... ];" with @n distinct valid egress rules */
static const char *egress_many(const char *key, int n)
{
	static char buf[4096];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "%s = [", key);

	for (int i = 1; i <= n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%s\"10.%d.0.0/16:%d/tcp\"",
					i > 1 ? ", " : " ", i, i);
	snprintf(buf + len, sizeof(buf) - len, " ];\n");
	return buf;
}

Test(cfg, network)
{
	struct cfg_container eff = { 0 };
	struct b4_error eb = { "" };
	struct policy_cfg pol;
	struct cfg c;

	load_ok("network = \"prod.net_1-a\";\n"
		"containers = { web = { network = \"web\"; }; db = { }; };\n",
		&c);
	cr_assert(c.global.network_set);
	cr_assert_str_eq(c.global.network, "prod.net_1-a");
	cr_assert(cfg_find(&c, "web")->network_set);
	cr_assert_not(cfg_find(&c, "db")->network_set);

	/* a section's network replaces the global one */
	cr_assert_eq(cfg_merge(&eff, &c.global), 0);
	cr_assert_eq(cfg_merge(&eff, cfg_find(&c, "db")), 0);
	cr_assert_str_eq(eff.network, "prod.net_1-a");
	cr_assert_eq(cfg_merge(&eff, cfg_find(&c, "web")), 0);
	cr_assert_str_eq(eff.network, "web");
	cr_assert_eq(cfg_policy(&eff, &pol, &eb), 0, "%s", eb.msg);
	cr_assert_str_eq(pol.network, "web");
	cfg_free(&c);

	/* none given: none in the policy */
	cr_assert_eq(policy_of("", &pol, &eb), 0, "%s", eb.msg);
	cr_assert_str_empty(pol.network);

	load_bad("network = \"my net\";\n",
		 "t.conf:1: network: network name 'my net' must match "
		 "[A-Za-z0-9_.-]{1,63}");
	load_bad("network = \"\";\n", "t.conf:1: network: network name ''");
	load_bad("network = \"a/b\";\n", "network name 'a/b' must match");
	load_bad("network = \"a1234567890123456789012345678901234567890"
		 "12345678901234567890123\";\n",
		 "t.conf:1: network: network name 'a1234");
	load_bad("containers = {\n  web = {\n    network = 5;\n  };\n};\n",
		 "t.conf:3: containers.web.network: must be a string, not an "
		 "integer");
	/* 63 characters are fine */
	load_ok("network = \"a1234567890123456789012345678901234567890"
		"1234567890123456789012\";\n", &c);
	cr_assert_eq(strlen(c.global.network), 63);
	cfg_free(&c);
}

Test(cfg, network_set)
{
	struct cfg_container c = { 0 };
	struct b4_error eb = { "" };

	cr_assert_eq(cfg_network_set(&c, "front", &eb), 0, "%s", eb.msg);
	cr_assert(c.network_set);
	cr_assert_str_eq(c.network, "front");
	cr_assert_eq(cfg_network_set(&c, "front end", &eb), -EINVAL);
	cr_assert_str_eq(eb.msg, "network name 'front end' must match "
			 "[A-Za-z0-9_.-]{1,63}");
	cr_assert_str_eq(c.network, "front");	/* unchanged */
	cr_assert_eq(cfg_network_set(&c, "", NULL), -EINVAL);
}

Test(cfg, egress_lists)
{
	const struct cfg_container *web;
	struct cfg_container eff;
	struct b4_error eb = { "" };
	struct policy_cfg pol;
	struct cfg c;

	load_ok("egress_deny = [ \"10.0.0.0/8\", \"[fd00::/8]:22/tcp\" ];\n"
		"containers = {\n"
		"  web = { egress_allow = [ \"0.0.0.0/0:443/tcp\" ];\n"
		"          egress_deny = ( \"192.168.0.0/16\" ); };\n"
		"};\n", &c);
	cr_assert_eq(c.global.n_egress_deny, 2);
	cr_assert_eq(c.global.n_egress_allow, 0);
	cr_assert_str_eq(c.global.egress_deny[1].spec, "[fd00::/8]:22/tcp");
	cr_assert_eq(c.global.egress_deny[1].proto, IPPROTO_TCP);
	cr_assert_eq(c.global.egress_deny[1].port_lo, 22);
	web = cfg_find(&c, "web");
	cr_assert_eq(web->n_egress_allow, 1);
	cr_assert_eq(web->egress_allow[0].port_lo, 443);

	/* appended on merge, global rules first */
	eff = c.global;
	cr_assert_eq(cfg_merge(&eff, web), 0);
	cr_assert_eq(eff.n_egress_deny, 3);
	cr_assert_str_eq(eff.egress_deny[0].spec, "10.0.0.0/8");
	cr_assert_str_eq(eff.egress_deny[2].spec, "192.168.0.0/16");
	cr_assert_eq(eff.n_egress_allow, 1);

	/* into the policy */
	cr_assert_eq(cfg_policy(&eff, &pol, &eb), 0, "%s", eb.msg);
	cr_assert_eq(pol.n_deny, 3);
	cr_assert_eq(pol.n_allow, 1);
	cr_assert_str_eq(pol.deny[2].spec, "192.168.0.0/16");
	cr_assert_str_eq(pol.allow[0].spec, "0.0.0.0/0:443/tcp");
	cfg_free(&c);

	load_bad("egress_allow = [ \"10.0.0.0/8\",\n  \"10.0.0.0/8:0\" ];\n",
		 "t.conf:2: egress_allow[1]: egress rule '10.0.0.0/8:0': port "
		 "out of range 1-65535");
	load_bad("containers = {\n  web = {\n"
		 "    egress_deny = [ \"nope\" ];\n  };\n};\n",
		 "t.conf:3: containers.web.egress_deny[0]: egress rule 'nope': "
		 "invalid CIDR 'nope'");
	load_bad("egress_deny = \"10.0.0.0/8\";\n",
		 "t.conf:1: egress_deny: must be a list of strings");
	load_bad("egress_allow = [ 5 ];\n",
		 "t.conf:1: egress_allow[0]: must be a string, not an integer");
}

Test(cfg, egress_too_many)
{
	struct cfg_container dst, src;
	struct b4_error eb = { "" };
	struct policy_cfg pol;
	char text[4096];
	struct cfg c;

	snprintf(text, sizeof(text), "%s",
		 egress_many("egress_allow", CFG_MAX_EGRESS + 1));
	load_bad(text, "t.conf:1: egress_allow: too many entries (33, at "
		 "most 32)");
	snprintf(text, sizeof(text), "%s",
		 egress_many("egress_deny", CFG_MAX_EGRESS));
	load_ok(text, &c);
	cr_assert_eq(c.global.n_egress_deny, CFG_MAX_EGRESS);
	cr_assert_eq(cfg_policy(&c.global, &pol, &eb), 0, "%s", eb.msg);
	cr_assert_eq(pol.n_deny, POLICY_MAX_EGRESS);

	/* merging past the limit changes nothing */
	dst = c.global;
	memset(&src, 0, sizeof(src));
	src.n_egress_deny = 1;
	src.mode_set = true;
	cr_assert_eq(cfg_merge(&dst, &src), -E2BIG);
	cr_assert_eq(dst.n_egress_deny, CFG_MAX_EGRESS);
	cr_assert_not(dst.mode_set);
	memset(&dst, 0, sizeof(dst));
	dst.n_egress_allow = CFG_MAX_EGRESS;
	src.n_egress_deny = 0;
	src.n_egress_allow = 1;
	cr_assert_eq(cfg_merge(&dst, &src), -E2BIG);

	/* a policy never takes more than it holds */
	dst = c.global;
	dst.n_egress_deny = POLICY_MAX_EGRESS + 1;
	cr_assert_eq(cfg_policy(&dst, &pol, &eb), -EINVAL);
	cr_assert_str_eq(eb.msg, "too many egress deny rules (max 32)");
	cfg_free(&c);
}

Test(cfg, egress_add)
{
	struct cfg_container c = { 0 };
	struct b4_error eb = { "" };

	cr_assert_eq(cfg_egress_add(&c, false, "8.8.8.8:53/udp", &eb), 0,
		     "%s", eb.msg);
	cr_assert_eq(cfg_egress_add(&c, true, "fd00::/8", &eb), 0, "%s",
		     eb.msg);
	cr_assert_eq(c.n_egress_allow, 1);
	cr_assert_eq(c.n_egress_deny, 1);
	cr_assert_eq(c.egress_allow[0].proto, IPPROTO_UDP);
	cr_assert_str_eq(c.egress_deny[0].spec, "fd00::/8");

	cr_assert_eq(cfg_egress_add(&c, true, "fd00::/8:22", &eb), -EINVAL);
	cr_assert(strstr(eb.msg, "egress rule 'fd00::/8:22': invalid CIDR"),
		  "%s", eb.msg);
	cr_assert_eq(c.n_egress_deny, 1);

	c.n_egress_allow = CFG_MAX_EGRESS;
	cr_assert_eq(cfg_egress_add(&c, false, "1.2.3.4", &eb), -E2BIG);
	cr_assert_str_eq(eb.msg, "too many egress allow rules (max 32)");
	cr_assert_eq(cfg_egress_add(&c, false, "1.2.3.4", NULL), -E2BIG);
}

Test(cfg, registry_defaults)
{
	struct cfg c;

	load_ok("", &c);
	cr_assert_eq(c.registry.kind, CFG_REGISTRY_EMBEDDED);
	cr_assert_eq(c.registry.lease_ttl, 15);
	cr_assert_str_eq(c.registry.prefix, "b4ns/v1/");
	cr_assert_eq(c.registry.n_etcd, 0);
	cr_assert_eq(c.registry.node_address.ss_family, AF_UNSPEC);
	cr_assert_str_empty(c.registry.node);
	cr_assert_str_empty(c.registry.cacert);
	cfg_free(&c);

	/* without a file */
	memset(&c, 0xff, sizeof(c));
	cfg_init(&c);
	cr_assert_eq(c.registry.kind, CFG_REGISTRY_EMBEDDED);
	cr_assert_eq(c.registry.lease_ttl, CFG_LEASE_TTL_DEFAULT);
	cr_assert_str_eq(c.registry.prefix, CFG_PREFIX_DEFAULT);
	cr_assert_null(c.sections);
	cr_assert_not(c.global.mode_set);
	cfg_free(&c);
}

Test(cfg, registry_keys)
{
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;
	struct cfg c;

	load_ok("registry = \"etcd\";\n"
		"etcd = [ \"http://127.0.0.1:2379\", \"https://etcd.example:2379\" ];\n"
		"node = \"node-1.a_b\";\n"
		"node_address = \"192.0.2.7\";\n"
		"etcd_lease_ttl = 30;\n"
		"etcd_prefix = \"test/b4ns/\";\n"
		"etcd_cacert = \"/etc/ssl/ca.pem\";\n"
		"etcd_cert = \"/etc/b4ns/cert.pem\";\n"
		"etcd_key = \"key.pem\";\n", &c);
	cr_assert_eq(c.registry.kind, CFG_REGISTRY_ETCD);
	cr_assert_eq(c.registry.n_etcd, 2);
	cr_assert_str_eq(c.registry.etcd[0], "http://127.0.0.1:2379");
	cr_assert_str_eq(c.registry.etcd[1], "https://etcd.example:2379");
	cr_assert_str_eq(c.registry.node, "node-1.a_b");
	sin = (const struct sockaddr_in *)&c.registry.node_address;
	cr_assert_eq(sin->sin_family, AF_INET);
	cr_assert_eq(sin->sin_addr.s_addr, htonl(0xc0000207));
	cr_assert_eq(sin->sin_port, 0);
	cr_assert_eq(c.registry.lease_ttl, 30);
	cr_assert_str_eq(c.registry.prefix, "test/b4ns/");
	cr_assert_str_eq(c.registry.cacert, "/etc/ssl/ca.pem");
	cr_assert_str_eq(c.registry.cert, "/etc/b4ns/cert.pem");
	cr_assert_str_eq(c.registry.key, "key.pem");
	cfg_free(&c);

	/* one string, or several separated by ',' */
	load_ok("registry = \"embedded\";\netcd = \"http://10.0.0.1:2379\";\n"
		"node_address = \"2001:db8::7\";\n"
		"etcd_lease_ttl = 5;\n", &c);
	cr_assert_eq(c.registry.kind, CFG_REGISTRY_EMBEDDED);
	cr_assert_eq(c.registry.n_etcd, 1);
	cr_assert_str_eq(c.registry.etcd[0], "http://10.0.0.1:2379");
	sin6 = (const struct sockaddr_in6 *)&c.registry.node_address;
	cr_assert_eq(sin6->sin6_family, AF_INET6);
	cr_assert_eq(sin6->sin6_addr.s6_addr[15], 7);
	cr_assert_eq(c.registry.lease_ttl, 5);
	cfg_free(&c);
	load_ok("etcd = \"http://a:1,https://b:2\";\netcd_lease_ttl = 3600;\n",
		&c);
	cr_assert_eq(c.registry.n_etcd, 2);
	cr_assert_str_eq(c.registry.etcd[1], "https://b:2");
	cr_assert_eq(c.registry.lease_ttl, 3600);
	cfg_free(&c);
}

Test(cfg, registry_bad)
{
	char text[512];

	load_bad("registry = \"consul\";\n",
		 "t.conf:1: registry: invalid value 'consul' (expected "
		 "embedded or etcd)");
	load_bad("registry = 1;\n", "t.conf:1: registry: must be a string");
	load_bad("etcd = [ \"ftp://x:1\" ];\n",
		 "t.conf:1: etcd[0]: etcd endpoint 'ftp://x:1' must start with "
		 "http:// or https://");
	load_bad("etcd = [ \"http://a:1\",\n  \"127.0.0.1:2379\" ];\n",
		 "t.conf:2: etcd[1]: etcd endpoint '127.0.0.1:2379' must start");
	load_bad("etcd = [ \"http://a:1,http://b:2\" ];\n",
		 "t.conf:1: etcd[0]: one URL per list entry");
	load_bad("etcd = \"http://a:1,,http://b:2\";\n",
		 "t.conf:1: etcd: empty etcd endpoint in");
	load_bad("etcd = \"http://\";\n",
		 "t.conf:1: etcd: etcd endpoint 'http://' has no host");
	load_bad("etcd = \"http://a b:1\";\n",
		 "t.conf:1: etcd: etcd endpoint 'http://a b:1' holds white space");
	load_bad("etcd = [ ];\n", "t.conf:1: etcd: empty list");
	load_bad("etcd = 2379;\n",
		 "t.conf:1: etcd: must be a string, not an integer");
	load_bad("etcd = [ \"http://a:1\", \"http://a:2\", \"http://a:3\", "
		 "\"http://a:4\", \"http://a:5\", \"http://a:6\", \"http://a:7\", "
		 "\"http://a:8\", \"http://a:9\" ];\n",
		 "t.conf:1: etcd: too many entries (9, at most 8)");
	load_bad("etcd = \"http://a:1,http://a:2,http://a:3,http://a:4,"
		 "http://a:5,http://a:6,http://a:7,http://a:8,http://a:9\";\n",
		 "t.conf:1: etcd: too many etcd endpoints (at most 8)");
	load_bad("node = \"node one\";\n",
		 "t.conf:1: node: node name 'node one' must match "
		 "[A-Za-z0-9_.-]{1,63}");
	load_bad("node = \"\";\n", "t.conf:1: node: node name ''");
	load_bad("node_address = \"nonsense\";\n",
		 "t.conf:1: node_address: 'nonsense' is not an IPv4 or IPv6 "
		 "address");
	load_bad("node_address = \"10.0.0.1/8\";\n",
		 "node_address: '10.0.0.1/8' is not an IPv4 or IPv6 address");
	load_bad("node_address = \"127.0.0.2\";\n",
		 "t.conf:1: node_address: '127.0.0.2' is a loopback address: "
		 "other nodes cannot reach this node there");
	load_bad("node_address = \"::1\";\n", "'::1' is a loopback address");
	load_bad("node_address = \"0.0.0.0\";\n",
		 "'0.0.0.0' is the unspecified address");
	load_bad("node_address = \"::\";\n", "'::' is the unspecified address");
	load_bad("node_address = \"224.0.0.1\";\n",
		 "'224.0.0.1' is a link-local, multicast or broadcast address");
	load_bad("node_address = \"ff02::1\";\n", "'ff02::1' is a link-local");
	load_bad("node_address = \"fe80::1\";\n", "'fe80::1' is a link-local");
	load_bad("node_address = \"::ffff:10.0.0.1\";\n",
		 "'::ffff:10.0.0.1' is an IPv4-mapped address");
	load_bad("etcd_lease_ttl = 4;\n",
		 "t.conf:1: etcd_lease_ttl: '4' is not a number of seconds from "
		 "5 to 3600");
	load_bad("etcd_lease_ttl = 3601;\n", "'3601' is not a number");
	load_bad("etcd_lease_ttl = -15;\n", "'-15' is not a number");
	load_bad("etcd_lease_ttl = 99999999999L;\n", "'99999999999' is not");
	load_bad("etcd_lease_ttl = \"15\";\n",
		 "t.conf:1: etcd_lease_ttl: must be an integer (seconds), not "
		 "a string");
	load_bad("etcd_prefix = \"b4ns\";\n",
		 "t.conf:1: etcd_prefix: prefix 'b4ns' must end with '/'");
	load_bad("etcd_prefix = \"\";\n", "prefix '' must end with '/'");
	load_bad("etcd_prefix = \"b4 ns/\";\n",
		 "prefix 'b4 ns/' holds white space");
	load_bad("etcd_prefix = \"a12345678901234567890123456789012345678901"
		 "234567890123456789012/\";\n",
		 "etcd_prefix: prefix too long (at most 63 characters)");
	load_bad("etcd_cacert = \"\";\n", "t.conf:1: etcd_cacert: empty file name");
	load_bad("etcd_cert = 1;\n", "t.conf:1: etcd_cert: must be a string");
	load_bad("etcd_key = [ \"k\" ];\n", "t.conf:1: etcd_key: must be a string");

	/* the daemon's settings are no container's */
	static const char *const keys[] = {
		"registry", "etcd", "node", "node_address", "etcd_lease_ttl",
		"etcd_prefix", "etcd_cacert", "etcd_cert", "etcd_key",
	};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char want[128];

		snprintf(text, sizeof(text),
			 "containers = {\n  web = {\n    %s = \"x\";\n  };\n};\n",
			 keys[i]);
		snprintf(want, sizeof(want), "t.conf:3: containers.web.%s: a "
			 "daemon setting, allowed at the top level only",
			 keys[i]);
		load_bad(text, want);
	}
}

Test(cfg, registry_check)
{
	struct b4_error eb = { "" };
	struct cfg_registry r;
	char host[256] = "";

	cfg_registry_default(&r);
	cr_assert_eq(cfg_registry_check(&r, &eb), 0, "%s", eb.msg);
	/* the node name defaults to the host name, if it is a valid one */
	cr_assert_eq(gethostname(host, sizeof(host)), 0);
	if (strlen(host) < CFG_NAME_MAX &&
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789_.-") == strlen(host))
		cr_assert_str_eq(r.node, host);

	cfg_registry_default(&r);
	r.kind = CFG_REGISTRY_ETCD;
	cr_assert_eq(cfg_registry_check(&r, &eb), -EINVAL);
	cr_assert(strstr(eb.msg, "registry = \"etcd\" needs etcd endpoints: "
			 "etcd = [ \"http://HOST:2379\" ]"), "%s", eb.msg);
	cr_assert(strstr(eb.msg, "--etcd=URL"), "%s", eb.msg);
	cr_assert_eq(cfg_registry_parse_opt(&r, NULL, "etcd",
					    "http://127.0.0.1:2379", &eb), 0,
		     "%s", eb.msg);
	cr_assert_eq(cfg_registry_check(&r, &eb), -EINVAL);
	cr_assert(strstr(eb.msg, "registry = \"etcd\" needs node_address"),
		  "%s", eb.msg);
	cr_assert(strstr(eb.msg, "--node-address=IP"), "%s", eb.msg);
	cr_assert_eq(cfg_registry_parse_opt(&r, NULL, "node_address",
					    "10.1.2.3", &eb), 0, "%s", eb.msg);
	cr_assert_eq(cfg_registry_parse_opt(&r, NULL, "node", "n1", &eb), 0);
	cr_assert_eq(cfg_registry_check(&r, &eb), 0, "%s", eb.msg);
	cr_assert_str_eq(r.node, "n1");	/* given: kept */

	cr_assert_eq(cfg_registry_parse_opt(&r, NULL, "etcd_cert", "c.pem",
					    &eb), 0);
	cr_assert_eq(cfg_registry_check(&r, &eb), -EINVAL);
	cr_assert(strstr(eb.msg, "etcd_cert and etcd_key go together"),
		  "%s", eb.msg);
	cr_assert(strstr(eb.msg, "etcd_key is missing"), "%s", eb.msg);
	cr_assert_eq(cfg_registry_parse_opt(&r, NULL, "etcd_key", "k.pem",
					    &eb), 0);
	cr_assert_eq(cfg_registry_check(&r, &eb), 0, "%s", eb.msg);
}

Test(cfg, registry_options_override_file)
{
	struct b4_error eb = { "" };
	struct cfg_registry cli;
	unsigned int set = 0;
	struct cfg c;

	load_ok("registry = \"etcd\";\netcd = \"http://a:1\";\n"
		"node_address = \"10.0.0.1\";\nnode = \"file\";\n"
		"etcd_lease_ttl = 20;\n", &c);

	/* the options, as "b4ns daemon" gives them */
	memset(&cli, 0, sizeof(cli));
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "etcd",
					    "http://b:2,https://c:3", &eb), 0,
		     "%s", eb.msg);
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "node_address",
					    "fd00::5", &eb), 0, "%s", eb.msg);
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "etcd_lease_ttl", "60",
					    &eb), 0, "%s", eb.msg);
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "etcd_prefix", "x/",
					    &eb), 0, "%s", eb.msg);
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "etcd_cacert", "ca",
					    &eb), 0, "%s", eb.msg);
	cr_assert_eq(set, CFG_REG_ETCD | CFG_REG_NODE_ADDRESS |
		     CFG_REG_LEASE_TTL | CFG_REG_PREFIX | CFG_REG_CACERT);

	/* a refused value sets no bit */
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "etcd_lease_ttl", "1m",
					    &eb), -EINVAL);
	cr_assert_str_eq(eb.msg, "'1m' is not a number of seconds from 5 to "
			 "3600");
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "registry", "",
					    &eb), -EINVAL);
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "etcd_lease_ttl", "",
					    &eb), -EINVAL);
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "ignore", "x", &eb),
		     -EINVAL);
	cr_assert_str_eq(eb.msg, "unknown registry setting 'ignore'");
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "containers", "x",
					    NULL), -EINVAL);
	cr_assert_eq(set, CFG_REG_ETCD | CFG_REG_NODE_ADDRESS |
		     CFG_REG_LEASE_TTL | CFG_REG_PREFIX | CFG_REG_CACERT);

	cfg_registry_override(&c.registry, &cli, set);
	cr_assert_eq(c.registry.kind, CFG_REGISTRY_ETCD);	/* file's */
	cr_assert_str_eq(c.registry.node, "file");		/* file's */
	cr_assert_eq(c.registry.n_etcd, 2);
	cr_assert_str_eq(c.registry.etcd[0], "http://b:2");
	cr_assert_str_eq(c.registry.etcd[1], "https://c:3");
	cr_assert_eq(c.registry.node_address.ss_family, AF_INET6);
	cr_assert_eq(c.registry.lease_ttl, 60);
	cr_assert_str_eq(c.registry.prefix, "x/");
	cr_assert_str_eq(c.registry.cacert, "ca");
	cr_assert_eq(cfg_registry_check(&c.registry, &eb), 0, "%s", eb.msg);

	/* every field by its bit */
	set = 0;
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "registry", "embedded",
					    &eb), 0);
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "node", "cli", &eb), 0);
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "etcd_cert", "c", &eb),
		     0);
	cr_assert_eq(cfg_registry_parse_opt(&cli, &set, "etcd_key", "k", &eb),
		     0);
	cr_assert_eq(set, CFG_REG_KIND | CFG_REG_NODE | CFG_REG_CERT |
		     CFG_REG_KEY);
	cfg_registry_override(&c.registry, &cli, set);
	cr_assert_eq(c.registry.kind, CFG_REGISTRY_EMBEDDED);
	cr_assert_str_eq(c.registry.node, "cli");
	cr_assert_str_eq(c.registry.cert, "c");
	cr_assert_str_eq(c.registry.key, "k");
	cr_assert_eq(c.registry.lease_ttl, 60);		/* not in @set */
	cfg_free(&c);
}

Test(cfg, dns_setting)
{
	struct cfg c;
	struct cfg_container cli;
	struct policy_cfg pol;
	struct b4_error eb = { "" };
	char path[] = "/tmp/test_cfg_resolv.XXXXXX";
	char text[256];
	int fd;

	load_ok("dns = \"off\";\n", &c);
	cr_assert(c.global.dns_set);
	cr_assert_eq(c.global.dns, CFG_DNS_OFF);
	cfg_free(&c);
	load_ok("dns = \"192.0.2.1,2001:db8::1\";\n", &c);
	cr_assert_eq(c.global.dns, CFG_DNS_LIST);
	cr_assert_eq(c.global.n_dns_servers, 2);
	cr_assert_eq(sa_port((struct sockaddr *)&c.global.dns_servers[1]), 53);
	cfg_free(&c);
	load_bad("dns = \"8.8.8.8,nope\";\n", "'nope' is not an IP address");
	load_bad("dns = \"\";\n", "expected host, off or IP");
	load_bad("dns = \"1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4\";\n",
		 "more than 3 name servers");
	load_bad("host_resolv_conf = \"rel/path\";\n", "not an absolute");

	memset(&cli, 0, sizeof(cli));
	cr_assert_eq(cfg_dns_set(&cli, "1.2.3", &eb), -EINVAL);
	cr_assert_not(cli.dns_set);

	/* dns = host (the default) reads host_resolv_conf */
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "nameserver 127.0.0.53\nnameserver 10.1.1.1\n", 43),
		     43);
	close(fd);
	snprintf(text, sizeof(text), "host_resolv_conf = \"%s\";\n", path);
	load_ok(text, &c);
	cr_assert_eq(cfg_policy(&c.global, &pol, &eb), 0, "%s", eb.msg);
	cr_assert_eq(cfg_dns_policy(&c.global, &pol, &eb), 0, "%s", eb.msg);
	cr_assert_eq(pol.n_dns, 1);
	cfg_free(&c);
	snprintf(text, sizeof(text), "host_resolv_conf = \"%s\";\ndns = \"off\";\n",
		 path);
	load_ok(text, &c);
	cr_assert_eq(cfg_dns_policy(&c.global, &pol, &eb), 0, "%s", eb.msg);
	cr_assert_eq(pol.n_dns, 0);
	cfg_free(&c);
	unlink(path);
	snprintf(text, sizeof(text), "host_resolv_conf = \"%s\";\n", path);
	load_ok(text, &c);
	cr_assert_eq(cfg_dns_policy(&c.global, &pol, &eb), -ENOENT);
	cr_assert(strstr(eb.msg, path), "%s", eb.msg);
	cr_assert_eq(pol.n_dns, 0);
	cfg_free(&c);
}

Test(cfg, add_host)
{
	struct cfg c;
	struct cfg_container cli;
	struct b4_error eb = { "" };

	load_ok("add_host = [ \"db.test:10.1.2.3\", \"v6.test:fd00::1\" ];\n", &c);
	cr_assert_eq(c.global.n_hosts, 2);
	cr_assert_str_eq(c.global.hosts[0], "10.1.2.3 db.test");
	cr_assert_str_eq(c.global.hosts[1], "fd00::1 v6.test");
	cfg_free(&c);
	load_bad("add_host = [ \"db.test\" ];\n", "expected NAME:IP");
	load_bad("add_host = [ \"a b:10.0.0.1\" ];\n", "expected NAME:IP");
	load_bad("add_host = [ \"-x:10.0.0.1\" ];\n", "expected NAME:IP");
	load_bad("add_host = [ \"db:10.0.0\" ];\n", "'10.0.0' is not an IP");
	memset(&cli, 0, sizeof(cli));
	for (int i = 0; i < CFG_MAX_HOSTS; i++)
		cr_assert_eq(cfg_host_add(&cli, "h:127.0.0.1", &eb), 0, "%s",
			     eb.msg);
	cr_assert_eq(cfg_host_add(&cli, "h:127.0.0.1", &eb), -E2BIG);
	cr_assert_eq(cli.n_hosts, CFG_MAX_HOSTS);
}
