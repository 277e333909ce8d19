// SPDX-License-Identifier: GPL-2.0-or-later
/* test_oci.c - OCI listener messages and per-container settings */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "cfg.h"
#include "err.h"
#include "oci/oci.h"
#include "oci/profile.h"
#include "readall.h"

#define RUNC_STATE B4NS_TEST_DATA "/oci-state-runc.json"

static struct oci_state st;
static struct b4_error oerr;
static char *const err = oerr.msg;

/* parse() - oci_state_parse() of a C string into st */
static int parse(const char *text)
{
	err[0] = '\0';
	return oci_state_parse(text, strlen(text), &st, &oerr);
}

/* parse_bad() - @text must be rejected with @rc and a message with @msg */
static void parse_bad(const char *text, int rc, const char *msg)
{
	int got = parse(text);

	cr_assert_eq(got, rc, "rc %d, want %d for: %.200s", got, rc, text);
	cr_assert(strstr(err, msg), "message '%s' lacks '%s'", err, msg);
}

/* A message with everything: crun's shape (ociVersion 0.2.0, metadata) */
static const char crun_msg[] =
	"{\"ociVersion\":\"0.2.0\",\"fds\":[\"seccompFd\"],\"pid\":4242,"
	"\"metadata\":\"b4ns.config=web\","
	"\"state\":{\"ociVersion\":\"1.0.0\",\"id\":\"c1\",\"status\":\"creating\","
	"\"pid\":4242,\"bundle\":\"/b\",\"annotations\":{\"b4ns.mode\":\"seccomp\","
	"\"io.podman.annotations.init\":\"FALSE\"}}}";

Test(oci_state, runc_message_from_podman)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int i, found = 0;

	cr_assert_eq(readall_file(RUNC_STATE, PROFILE_FILE_MAX, &text, &len), 0);
	cr_assert_eq(oci_state_parse(text, len, &st, &oerr), 0, "%s", err);
	cr_assert_str_eq(st.id, "0484a779bb163a88e9cb78969447fae06f9d93e7701ffa2340353cc9bf3fc972");
	cr_assert_eq(st.pid, 10909);
	cr_assert_eq(st.seccomp_fd_index, 0);
	cr_assert_eq(st.n_fds, 1);
	cr_assert_str_eq(st.status, "creating");
	cr_assert(!strncmp(st.bundle, "/tmp/b4ns-hooktest/storage/", 27));
	cr_assert_str_eq(st.metadata, "");
	/* only the b4ns.* annotations are kept */
	cr_assert_eq(st.n_ann, 2);
	for (i = 0; i < st.n_ann; i++) {
		if (!strcmp(st.ann[i].key, "b4ns.config"))
			found += !strcmp(st.ann[i].value, "web");
		if (!strcmp(st.ann[i].key, "b4ns.publish"))
			found += !strcmp(st.ann[i].value, "8080:80");
	}
	cr_assert_eq(found, 2);
}

Test(oci_state, crun_message)
{
	cr_assert_eq(parse(crun_msg), 0, "%s", err);
	cr_assert_str_eq(st.id, "c1");
	cr_assert_eq(st.pid, 4242);
	cr_assert_str_eq(st.metadata, "b4ns.config=web");
	cr_assert_eq(st.n_ann, 1);
	cr_assert_str_eq(st.ann[0].key, "b4ns.mode");
	cr_assert_str_eq(st.ann[0].value, "seccomp");
}

Test(oci_state, seccomp_fd_index)
{
	cr_assert_eq(parse("{\"fds\":[\"pidFd\",\"other\",\"seccompFd\"],\"pid\":7,"
			   "\"state\":{\"id\":\"x\"}}"), 0, "%s", err);
	cr_assert_eq(st.seccomp_fd_index, 2);
	cr_assert_eq(st.n_fds, 3);
	/* no seccompFd: parsed, the caller decides */
	cr_assert_eq(parse("{\"fds\":[\"pidFd\"],\"pid\":7,\"state\":{\"id\":\"x\"}}"), 0);
	cr_assert_eq(st.seccomp_fd_index, -1);
	cr_assert_eq(parse("{\"fds\":[],\"pid\":7,\"state\":{\"id\":\"x\"}}"), 0);
	cr_assert_eq(st.seccomp_fd_index, -1);
	cr_assert_eq(st.n_fds, 0);
}

Test(oci_state, fds_required_and_typed)
{
	parse_bad("{\"pid\":7,\"state\":{\"id\":\"x\"}}", -EINVAL, "fds");
	parse_bad("{\"fds\":\"seccompFd\",\"pid\":7,\"state\":{\"id\":\"x\"}}",
		  -EINVAL, "fds: not an array");
	parse_bad("{\"fds\":[\"seccompFd\",3],\"pid\":7,\"state\":{\"id\":\"x\"}}",
		  -EINVAL, "fds[1]: not a string");
}

Test(oci_state, pid)
{
	/* falls back to state.pid */
	cr_assert_eq(parse("{\"fds\":[],\"state\":{\"id\":\"x\",\"pid\":99}}"), 0, "%s", err);
	cr_assert_eq(st.pid, 99);
	/* top-level pid wins */
	cr_assert_eq(parse("{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"x\",\"pid\":99}}"), 0);
	cr_assert_eq(st.pid, 5);
	parse_bad("{\"fds\":[],\"state\":{\"id\":\"x\"}}", -EINVAL, "no pid");
	parse_bad("{\"fds\":[],\"pid\":0,\"state\":{\"id\":\"x\"}}", -EINVAL,
		  "pid: 0 is not a valid pid");
	parse_bad("{\"fds\":[],\"pid\":-3,\"state\":{\"id\":\"x\"}}", -EINVAL, "pid");
	parse_bad("{\"fds\":[],\"pid\":4294967296,\"state\":{\"id\":\"x\"}}",
		  -EINVAL, "not a valid pid");
	parse_bad("{\"fds\":[],\"pid\":\"5\",\"state\":{\"id\":\"x\"}}", -EINVAL,
		  "pid: not an integer");
	parse_bad("{\"fds\":[],\"pid\":5.5,\"state\":{\"id\":\"x\"}}", -EINVAL,
		  "pid: not an integer");
	parse_bad("{\"fds\":[],\"state\":{\"id\":\"x\",\"pid\":0}}", -EINVAL,
		  "state.pid");
}

Test(oci_state, id)
{
	char big[512];

	parse_bad("{\"fds\":[],\"pid\":5}", -EINVAL, "no \"state\" object");
	parse_bad("{\"fds\":[],\"pid\":5,\"state\":[]}", -EINVAL, "state");
	parse_bad("{\"fds\":[],\"pid\":5,\"state\":{}}", -EINVAL, "no state.id");
	parse_bad("{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"\"}}", -EINVAL,
		  "state.id is empty");
	parse_bad("{\"fds\":[],\"pid\":5,\"state\":{\"id\":7}}", -EINVAL,
		  "state.id: not a string");
	parse_bad("{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"a\\u0000b\"}}",
		  -EINVAL, "NUL");
	snprintf(big, sizeof(big), "{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"%0200d\"}}", 1);
	parse_bad(big, -EINVAL, "state.id: too long");
	/* the longest id that fits */
	snprintf(big, sizeof(big), "{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"%0127d\"}}", 1);
	cr_assert_eq(parse(big), 0, "%s", err);
	cr_assert_eq(strlen(st.id), 127);
}

Test(oci_state, garbage_and_truncated)
{
	char trunc[sizeof(crun_msg)];
	size_t n;

	parse_bad("", -EINVAL, "empty");
	parse_bad("hello", -EINVAL, "JSON");
	parse_bad("[1,2]", -EINVAL, "not a JSON object");
	parse_bad("\"str\"", -EINVAL, "not a JSON object");
	parse_bad("{\"fds\":[],}", -EINVAL, "JSON syntax error");
	parse_bad("{\"fds\":[]} {}", -EINVAL, "JSON syntax error at offset 11");
	/* every proper prefix of a good message is rejected */
	for (n = 1; n < strlen(crun_msg); n++) {
		memcpy(trunc, crun_msg, n);
		cr_assert_eq(oci_state_parse(trunc, n, &st, &oerr),
			     -EINVAL, "accepted %zu-byte prefix", n);
	}
	cr_assert(strstr(err, "truncated"), "%s", err);
	/* a trailing NUL is fine */
	cr_assert_eq(oci_state_parse(crun_msg, sizeof(crun_msg), &st, &oerr), 0, "%s", err);
}

Test(oci_state, length_is_respected)
{
	/* the bytes after @len are not looked at */
	char buf[sizeof(crun_msg) + 8];

	memcpy(buf, crun_msg, strlen(crun_msg));
	memcpy(buf + strlen(crun_msg), "garbage", 8);
	cr_assert_eq(oci_state_parse(buf, strlen(crun_msg), &st, &oerr),
		     0, "%s", err);
	cr_assert_eq(oci_state_parse(buf, strlen(crun_msg) + 3, &st, &oerr),
		     -EINVAL);
}

Test(oci_state, size_limit)
{
	size_t n = OCI_STATE_MAX + 1;
	char *big = malloc(n);

	cr_assert(big);
	memset(big, ' ', n);
	memcpy(big, crun_msg, strlen(crun_msg));
	cr_assert_eq(oci_state_parse(big, n, &st, &oerr), -E2BIG);
	cr_assert(strstr(err, "too large"), "%s", err);
	/* at the limit it is fine */
	cr_assert_eq(oci_state_parse(big, OCI_STATE_MAX, &st, &oerr), 0,
		     "%s", err);
	free(big);
}

/* with_state_field() - a valid message with one extra state field */
static char *with_state_field(const char *field)
{
	size_t n = strlen(field) + 128;
	char *s = malloc(n);

	cr_assert(s);
	snprintf(s, n, "{\"fds\":[\"seccompFd\"],\"pid\":5,\"state\":{\"id\":\"c9\",%s}}",
		 field);
	return s;
}

/* str_of() - "KEY":"<n times c>" */
static char *str_of(const char *prefix, size_t n, char c, const char *suffix)
{
	size_t len = strlen(prefix) + n + strlen(suffix) + 1;
	char *s = malloc(len);

	cr_assert(s);
	strcpy(s, prefix);
	memset(s + strlen(prefix), c, n);
	strcpy(s + strlen(prefix) + n, suffix);
	return s;
}

Test(oci_state, huge_strings)
{
	char *f, *m;

	/* a large foreign annotation is fine: not kept */
	f = str_of("\"annotations\":{\"io.x\":\"", 20000, 'a', "\"}");
	m = with_state_field(f);
	cr_assert_eq(parse(m), 0, "%s", err);
	cr_assert_eq(st.n_ann, 0);
	free(f);
	free(m);

	f = str_of("\"annotations\":{\"b4ns.publish\":\"", OCI_ANN_VALUE_MAX, '1', "\"}");
	m = with_state_field(f);
	parse_bad(m, -EINVAL, "annotation b4ns.publish: too long");
	free(f);
	free(m);

	f = str_of("\"annotations\":{\"b4ns.", 100, 'k', "\":\"v\"}");
	m = with_state_field(f);
	parse_bad(m, -EINVAL, "annotation key");
	free(f);
	free(m);

	f = str_of("\"bundle\":\"/", 5000, 'b', "\"");
	m = with_state_field(f);
	parse_bad(m, -EINVAL, "state.bundle: too long");
	free(f);
	free(m);

	f = str_of("\"status\":\"", 40, 's', "\"");
	m = with_state_field(f);
	parse_bad(m, -EINVAL, "state.status: too long");
	free(f);
	free(m);

	m = str_of("{\"fds\":[],\"pid\":5,\"metadata\":\"", OCI_METADATA_MAX, 'm',
		   "\",\"state\":{\"id\":\"c\"}}");
	parse_bad(m, -EINVAL, "metadata: too long");
	free(m);
}

Test(oci_state, annotations)
{
	char buf[8192];
	size_t n;
	int i;

	parse_bad("{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"c\",\"annotations\":[]}}",
		  -EINVAL, "state.annotations: not an object");
	parse_bad("{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"c\",\"annotations\":"
		  "{\"b4ns.mode\":1}}}", -EINVAL, "annotation b4ns.mode: not a string");
	/* foreign annotations may have any type */
	cr_assert_eq(parse("{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"c\",\"annotations\":"
			   "{\"io.x\":1,\"b4nsx\":\"y\",\"B4NS.mode\":\"off\"}}}"), 0, "%s", err);
	cr_assert_eq(st.n_ann, 0);
	cr_assert_eq(parse("{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"c\",\"annotations\":null}}"), 0);

	/* at most OCI_ANN_MAX b4ns annotations */
	n = (size_t)snprintf(buf, sizeof(buf), "{\"fds\":[],\"pid\":5,\"state\":{\"id\":\"c\",\"annotations\":{");
	for (i = 0; i <= OCI_ANN_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"b4ns.k%d\":\"v\"",
				      i ? "," : "", i);
	snprintf(buf + n, sizeof(buf) - n, "}}}");
	parse_bad(buf, -EINVAL, "more than 32 b4ns.* annotations");
}

/* oci_state_json() gives back what oci_state_parse() made: the same id,
 * pid, metadata and b4ns.* annotations (what "b4ns trace --container-id"
 * judges a daemon's container by) */
Test(oci_state, json_round_trip)
{
	struct oci_state first;
	struct json_object *o;
	const char *text;

	cr_assert_eq(parse("{\"fds\":[\"seccompFd\"],\"pid\":77,"
			   "\"metadata\":\"b4ns.ignore=10.1.0.0/16\",\"state\":"
			   "{\"id\":\"web\",\"status\":\"creating\",\"annotations\":"
			   "{\"b4ns.config\":\"strict\",\"io.x\":\"y\","
			   "\"b4ns.publish\":\"8080:80,53:53/udp\"}}}"), 0, "%s", err);
	first = st;
	o = oci_state_json(&first);
	cr_assert_not_null(o);
	text = json_object_to_json_string(o);
	cr_assert_eq(parse(text), 0, "%s: %s", err, text);
	json_object_put(o);
	cr_assert_str_eq(st.id, "web");
	cr_assert_eq(st.pid, 77);
	cr_assert_str_eq(st.status, "creating");
	cr_assert_str_eq(st.metadata, "b4ns.ignore=10.1.0.0/16");
	cr_assert_eq(st.seccomp_fd_index, -1);
	cr_assert_eq(st.n_ann, 2);
	for (int i = 0; i < 2; i++) {
		cr_assert_str_eq(st.ann[i].key, first.ann[i].key);
		cr_assert_str_eq(st.ann[i].value, first.ann[i].value);
	}
}

Test(oci_state, unknown_fields_ignored)
{
	cr_assert_eq(parse("{\"ociVersion\":\"9.9\",\"fds\":[\"seccompFd\"],\"pid\":5,"
			   "\"future\":{\"a\":[1,2,{\"b\":null}]},"
			   "\"state\":{\"id\":\"c\",\"x\":true}}"), 0, "%s", err);
	cr_assert_eq(st.seccomp_fd_index, 0);
}

/* ---- oci_settings ------------------------------------------------------ */

static const char conf[] =
	"ignore = [ \"10.10.0.0/16\" ];\n"
	"publish = [ \"9000:9000\" ];\n"
	"containers = {\n"
	"  web = { mode = \"seccomp\"; publish = [ \"8080:80\" ]; ignore = [ \"192.168.0.0/16\" ]; };\n"
	"  legacy = { mode = \"off\"; };\n"
	"  blue = { network = \"blue\"; egress_deny = [ \"10.0.0.0/8\" ]; };\n"
	"};\n";

static struct cfg cfg;
static struct cfg_container eff;

static void cfg_setup(void)
{
	struct b4_error e = { "" };

	cr_assert_eq(cfg_load_string(conf, "t.conf", &cfg, &e), 0, "%s", e.msg);
}

static void cfg_teardown(void)
{
	cfg_free(&cfg);
}

/* mkstate() - a state with id "ctr1", @metadata and NULL-ended key/values */
static void mkstate(const char *metadata, ...)
{
	va_list ap;
	const char *k;

	memset(&st, 0, sizeof(st));
	snprintf(st.id, sizeof(st.id), "ctr1");
	st.pid = 1;
	st.seccomp_fd_index = 0;
	snprintf(st.metadata, sizeof(st.metadata), "%s", metadata);
	va_start(ap, metadata);
	while ((k = va_arg(ap, const char *))) {
		snprintf(st.ann[st.n_ann].key, sizeof(st.ann[0].key), "%s", k);
		snprintf(st.ann[st.n_ann].value, sizeof(st.ann[0].value), "%s",
			 va_arg(ap, const char *));
		st.n_ann++;
	}
	va_end(ap);
}

static int settings(void)
{
	err[0] = '\0';
	return oci_settings(&st, &cfg, &eff, &oerr);
}

static void settings_bad(int rc, const char *msg)
{
	int got = settings();

	cr_assert_eq(got, rc, "rc %d, want %d", got, rc);
	cr_assert(strstr(err, msg), "message '%s' lacks '%s'", err, msg);
	cr_assert(strstr(err, "ctr1"), "message '%s' lacks the container id", err);
}

TestSuite(oci_settings, .init = cfg_setup, .fini = cfg_teardown);

Test(oci_settings, global_only)
{
	mkstate("", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_str_eq(eff.name, "");
	cr_assert_eq(eff.n_ignore, 1);
	cr_assert_eq(eff.n_publish, 1);
	cr_assert(!eff.mode_set);
}

Test(oci_settings, section_from_annotation)
{
	mkstate("", "b4ns.config", "web", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_str_eq(eff.name, "web");
	cr_assert(eff.mode_set);
	cr_assert_eq(eff.mode, CFG_MODE_SECCOMP);
	cr_assert_eq(eff.n_publish, 2);
	cr_assert_str_eq(eff.publish_spec[1], "8080:80");
	cr_assert_eq(eff.n_ignore, 2);
}

Test(oci_settings, section_from_metadata)
{
	mkstate("b4ns.config=legacy", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_str_eq(eff.name, "legacy");
	cr_assert_eq(eff.mode, CFG_MODE_OFF);

	mkstate(" ;b4ns.config=web ; b4ns.mode=off\tb4ns.ignore=10.1.0.0/16;", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_str_eq(eff.name, "web");
	cr_assert_eq(eff.mode, CFG_MODE_OFF);
	cr_assert_eq(eff.n_ignore, 3);
}

Test(oci_settings, annotations_override_metadata)
{
	mkstate("b4ns.config=legacy;b4ns.mode=off", "b4ns.config", "web", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_str_eq(eff.name, "web");
	/* the metadata's mode still applies: only the same key is overridden */
	cr_assert_eq(eff.mode, CFG_MODE_OFF);

	mkstate("b4ns.mode=off", "b4ns.mode", "auto", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_eq(eff.mode, CFG_MODE_AUTO);

	mkstate("b4ns.config=nosuch", "b4ns.config", "web", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
}

Test(oci_settings, unknown_section)
{
	mkstate("", "b4ns.config", "nosuch", NULL);
	settings_bad(-EINVAL, "no section 'nosuch'");
	mkstate("b4ns.config=nosuch", NULL);
	settings_bad(-EINVAL, "listenerMetadata b4ns.config");
}

Test(oci_settings, publish)
{
	mkstate("", "b4ns.publish", "8081:81, 127.0.0.1:5353:53/udp", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_eq(eff.n_publish, 3);
	cr_assert_str_eq(eff.publish_spec[1], "8081:81");
	cr_assert_str_eq(eff.publish_spec[2], "127.0.0.1:5353:53/udp");

	mkstate("", "b4ns.publish", "8081", NULL);
	settings_bad(-EINVAL, "publish spec '8081'");
	mkstate("", "b4ns.publish", "8081:81,,8082:82", NULL);
	settings_bad(-EINVAL, "empty");
	/* host port 9000 is published by the global settings already */
	mkstate("", "b4ns.publish", "9000:9001", NULL);
	settings_bad(-EINVAL, "conflicts with '9000:9000'");
	mkstate("", "b4ns.config", "web", "b4ns.publish", "8080:81", NULL);
	settings_bad(-EINVAL, "conflicts");
}

Test(oci_settings, ignore)
{
	mkstate("", "b4ns.ignore", "10.1.0.0/16,fd00::/8", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_eq(eff.n_ignore, 3);
	cr_assert_eq(eff.ignore[2].family, AF_INET6);

	mkstate("", "b4ns.ignore", "notacidr", NULL);
	settings_bad(-EINVAL, "'notacidr' is not a CIDR");
	mkstate("", "b4ns.ignore", "10.0.0.0/33", NULL);
	settings_bad(-EINVAL, "not a CIDR");
	mkstate("", "b4ns.ignore", "10.0.0.0/8,", NULL);
	cr_assert_eq(settings(), 0, "trailing comma: %s", err);
	mkstate("", "b4ns.ignore", "", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_eq(eff.n_ignore, 1);
}

Test(oci_settings, mode)
{
	static const char *const ok[] = { "seccomp", "off", "preload", "auto" };
	static const enum cfg_mode want[] = { CFG_MODE_SECCOMP, CFG_MODE_OFF,
					      CFG_MODE_PRELOAD, CFG_MODE_AUTO };
	size_t i;

	for (i = 0; i < 4; i++) {
		mkstate("", "b4ns.mode", ok[i], NULL);
		cr_assert_eq(settings(), 0, "%s", err);
		cr_assert(eff.mode_set);
		cr_assert_eq(eff.mode, want[i]);
	}
	mkstate("", "b4ns.mode", "fast", NULL);
	settings_bad(-EINVAL, "b4ns.mode: 'fast'");
}

Test(oci_settings, network)
{
	mkstate("", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_not(eff.network_set);

	mkstate("", "b4ns.network", "prod-1.a_b", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert(eff.network_set);
	cr_assert_str_eq(eff.network, "prod-1.a_b");

	/* from the section, replaced by the annotation, as b4ns.mode */
	mkstate("b4ns.config=blue", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_str_eq(eff.network, "blue");
	mkstate("b4ns.config=blue;b4ns.network=red", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_str_eq(eff.network, "red");
	mkstate("b4ns.network=red", "b4ns.network", "green", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_str_eq(eff.network, "green");

	mkstate("", "b4ns.network", "no way", NULL);
	settings_bad(-EINVAL, "container ctr1: annotation b4ns.network: "
		     "network name 'no way' must match [A-Za-z0-9_.-]{1,63}");
	mkstate("b4ns.network=a/b", NULL);
	settings_bad(-EINVAL, "listenerMetadata b4ns.network: network name "
		     "'a/b'");
	mkstate("", "b4ns.network", "", NULL);
	settings_bad(-EINVAL, "network name ''");
}

Test(oci_settings, egress)
{
	mkstate("", "b4ns.egress.allow", "0.0.0.0/0:443/tcp, [fd00::/8]:53/udp",
		"b4ns.egress.deny", "192.168.0.0/16", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_eq(eff.n_egress_allow, 2);
	cr_assert_str_eq(eff.egress_allow[0].spec, "0.0.0.0/0:443/tcp");
	cr_assert_str_eq(eff.egress_allow[1].spec, "[fd00::/8]:53/udp");
	cr_assert_eq(eff.egress_allow[1].proto, IPPROTO_UDP);
	cr_assert_eq(eff.n_egress_deny, 1);
	cr_assert_eq(eff.egress_deny[0].net.prefix, 16);

	/* appended to the section's */
	mkstate("b4ns.config=blue;b4ns.egress.deny=fd00::/8", NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_eq(eff.n_egress_deny, 2);
	cr_assert_str_eq(eff.egress_deny[0].spec, "10.0.0.0/8");
	cr_assert_str_eq(eff.egress_deny[1].spec, "fd00::/8");
	cr_assert_eq(eff.n_egress_allow, 0);

	mkstate("", "b4ns.egress.allow", "10.0.0.0/8:0", NULL);
	settings_bad(-EINVAL, "container ctr1: annotation b4ns.egress.allow: "
		     "egress rule '10.0.0.0/8:0': port out of range");
	mkstate("", "b4ns.egress.deny", "10.0.0.0/8,bogus", NULL);
	settings_bad(-EINVAL, "annotation b4ns.egress.deny: egress rule "
		     "'bogus': invalid CIDR");
	cr_assert_eq(eff.n_egress_deny, 1);
	mkstate("b4ns.egress.deny=10.0.0.0/8/icmp", NULL);
	settings_bad(-EINVAL, "listenerMetadata b4ns.egress.deny: egress rule "
		     "'10.0.0.0/8/icmp': unknown protocol 'icmp'");
	mkstate("", "b4ns.egress.allow", "10.0.0.0/8,,11.0.0.0/8", NULL);
	settings_bad(-EINVAL, "b4ns.egress.allow: empty or overlong entry");
	mkstate("", "b4ns.egress.allow", "10.0.0.0/8,", NULL);
	cr_assert_eq(settings(), 0, "trailing comma: %s", err);
	cr_assert_eq(eff.n_egress_allow, 1);
}

Test(oci_settings, egress_too_many)
{
	char list[OCI_ANN_VALUE_MAX];
	size_t len = 0;

	/* the section brings one deny rule: 32 more overflow */
	for (int i = 0; i < CFG_MAX_EGRESS; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
					"%s1.1.%d.1", i ? "," : "", i);
	cr_assert_lt(len, sizeof(list) - 1);
	mkstate("", "b4ns.config", "blue", "b4ns.egress.deny", list, NULL);
	settings_bad(-E2BIG, "b4ns.egress.deny: more than 32 rules in all");
	mkstate("", "b4ns.egress.allow", list, NULL);
	cr_assert_eq(settings(), 0, "%s", err);
	cr_assert_eq(eff.n_egress_allow, CFG_MAX_EGRESS);
}

Test(oci_settings, unknown_keys)
{
	mkstate("", "b4ns.egress", "10.0.0.0/8", NULL);
	settings_bad(-EINVAL, "unknown key 'b4ns.egress' (expected "
		     "b4ns.config, b4ns.publish, b4ns.ignore, b4ns.mode, "
		     "b4ns.network, b4ns.egress.allow or b4ns.egress.deny)");
	mkstate("", "b4ns.pubilsh", "8080:80", NULL);
	settings_bad(-EINVAL, "unknown key 'b4ns.pubilsh'");
	mkstate("foo=bar", NULL);
	settings_bad(-EINVAL, "unknown key 'foo'");
	mkstate("b4ns.config", NULL);
	settings_bad(-EINVAL, "is not KEY=VALUE");
}

Test(oci_settings, from_parsed_message)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	cr_assert_eq(readall_file(RUNC_STATE, PROFILE_FILE_MAX, &text, &len), 0);
	cr_assert_eq(oci_state_parse(text, len, &st, &oerr), 0, "%s", err);
	/* b4ns.config=web and b4ns.publish=8080:80: the section has 8080:80 */
	cr_assert_eq(settings(), -EINVAL);
	cr_assert(strstr(err, "conflicts"), "%s", err);
	cr_assert(strstr(err, st.id), "%s", err);
}
