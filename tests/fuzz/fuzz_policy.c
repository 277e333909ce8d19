// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_policy.c - libFuzzer harness of the switching policy (common/policy.c)
 * on raw container sockaddrs.
 *
 * Input: one byte choosing the socket's properties and the policy, then the
 * bytes of the sockaddr the container passed, copied as the supervisor
 * copies them (a zeroed sockaddr_storage, at most its size) and refused
 * the same way (not AF_INET/AF_INET6 or too short). Two policies, loaded
 * from configuration text through the real loader (cfg_load_string(),
 * cfg_policy()), with ignore CIDRs, published ports and ranges (TCP and
 * UDP), a network and egress rules; one allows the host's loopback, one
 * does not; the runtime state has an own subnet, a bound published port
 * and a registry with a local and a remote service.
 *
 * What must hold for every address:
 * - without allow_host_loopback, policy_connect() and
 *   policy_host_connect() never send a connect to the host's loopback;
 * - what policy_keep_by_address() keeps, policy_connect() keeps for any
 *   socket (unless a registry service or an own published port claims it
 *   first, as switch.c asks them first);
 * - policy_bind() switches only to a valid publish entry, with a host
 *   address in the socket's family (or none, the refused case).
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cfg.h"
#include "fuzz.h"
#include "peers.h"
#include "policy.h"
#include "sockaddr.h"

#define POLICY_TEXT(loopback)						\
	"switch_udp = true;\n"						\
	"udp_sendmsg = true;\n"						\
	"allow_host_loopback = " loopback ";\n"				\
	"ignore = [ \"10.10.0.0/16\", \"fd00:1::/64\" ];\n"		\
	"publish = [ \"8080:80\", \"127.0.0.1:9000-9009:9000-9009\",\n"	\
	"            \"[::1]:5353:53/udp\", \"0.0.0.0:6000:6000/udp\" ];\n" \
	"network = \"n1\";\n"						\
	"egress_deny = [ \"192.168.0.0/16:22/tcp\", \"[fd00::/8]:443\" ];\n"

static struct policy_cfg pol[2];	/* [1]: allow_host_loopback */
static struct policy_state pst;
static struct peers *reg;

/* load() - @text's global settings as a policy; aborts if it does not load */
static void load(const char *text, struct policy_cfg *out)
{
	struct b4_error err = { { 0 } };
	struct cfg cfg;

	if (cfg_load_string(text, "fuzz-policy", &cfg, &err) ||
	    cfg_policy(&cfg.global, out, &err)) {
		fprintf(stderr, "fuzz_policy: %s\n", err.msg);
		abort();
	}
	cfg_free(&cfg);
}

/* ip() - @s:@port into @ss; aborts if @s is not an address */
static void ip(const char *s, uint16_t port, struct sockaddr_storage *ss)
{
	struct sa_cidr c;

	FUZZ_ASSERT(sa_cidr_parse(s, &c) == 0);
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)c.family;
	if (c.family == AF_INET)
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, c.addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, c.addr, 16);
	sa_set_port((struct sockaddr *)ss, port);
}

/* add_peer() - a registry entry of network "n1" */
static void add_peer(const char *addr, const char *host, bool remote)
{
	struct peer_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.key.network, sizeof(e.key.network), "n1");
	ip(addr, 80, &e.key.addr);
	e.key.proto = IPPROTO_TCP;
	ip(host, 18080, &e.host);
	e.remote = remote;
	e.family = AF_INET;
	snprintf(e.container, sizeof(e.container), "c");
	FUZZ_ASSERT(peers_put(reg, &e) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FUZZ_QUIET();
	load(POLICY_TEXT("false"), &pol[0]);
	load(POLICY_TEXT("true"), &pol[1]);
	FUZZ_ASSERT(sa_cidr_parse("10.77.0.0/16", &pst.local[0]) == 0);
	FUZZ_ASSERT(sa_cidr_parse("10.77.0.5/32", &pst.own[0]) == 0);
	FUZZ_ASSERT(sa_cidr_parse("fd77::/64", &pst.local[1]) == 0);
	FUZZ_ASSERT(sa_cidr_parse("fd77::5/128", &pst.own[1]) == 0);
	pst.n_local = 2;
	pst.given = 3;
	pst.pub[0] = (struct policy_listener){ .entry = 0,
		.proto = IPPROTO_TCP, .family = AF_INET6, .port = 80 };
	pst.pub[1] = (struct policy_listener){ .entry = 3,
		.proto = IPPROTO_UDP, .family = AF_INET, .port = 6000 };
	pst.n_pub = 2;
	FUZZ_ASSERT(peers_new(&reg) == 0);
	add_peer("10.77.0.3", "0.0.0.0", false);
	add_peer("10.77.3.2", "192.168.9.3", true);
	add_peer("fd77::9", "2001:db8::9", true);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW,
				     SOCK_SEQPACKET };
	struct sockaddr_storage ss = { 0 }, out, host;
	const struct sockaddr *dst = (const struct sockaddr *)&ss;
	const struct policy_state *st;
	const struct policy_cfg *cfg;
	struct policy_sock sock;
	enum policy_verdict v;
	const char *reason, *rule;
	bool keep;
	int entry, i;
	uint8_t fl;

	if (size < 1 || size - 1 > sizeof(ss))
		return 0;
	fl = data[0];
	memcpy(&ss, data + 1, size - 1);
	if ((ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
	    !sa_valid_len(dst, size - 1))
		return 0;
	cfg = &pol[fl >> 7];
	pst.peers = fl & 0x40 ? reg : NULL;
	st = fl & 0x20 ? &pst : NULL;
	sock = (struct policy_sock){
		.family = fl & 1 ? AF_INET6 : AF_INET,
		.type = types[(fl >> 1) & 3],
		.protocol = 0,
		.connected = fl & 0x08,
		.foreign_ns = fl & 0x10,
		.bound_dev = (fl & 0x18) == 0x18,
	};

	keep = policy_keep_by_address(cfg, st, dst, &reason);
	v = policy_connect(cfg, st, &sock, dst, &out, &reason);
	FUZZ_ASSERT(reason);
	if (v == POLICY_SWITCH) {
		FUZZ_ASSERT(out.ss_family == AF_INET ||
			    out.ss_family == AF_INET6);
		if (!cfg->allow_host_loopback)
			FUZZ_ASSERT(!sa_is_loopback((const struct sockaddr *)&out));
	}
	if (keep && !policy_peer(cfg, st, 0, 0, dst, NULL))
		FUZZ_ASSERT(v == POLICY_KEEP);
	if (policy_host_connect(cfg, st, IPPROTO_TCP, dst, &out, &reason) &&
	    !cfg->allow_host_loopback)
		FUZZ_ASSERT(!sa_is_loopback((const struct sockaddr *)&out));

	if (st)
		for (i = 0; i < st->n_pub; i++)
			if (policy_self(cfg, st, &sock, dst, &st->pub[i], &out))
				FUZZ_ASSERT(out.ss_family == AF_INET ||
					    out.ss_family == AF_INET6);
	(void)policy_peer(cfg, st, sock.family, policy_proto(&sock), dst, &out);
	(void)policy_egress(cfg, dst, IPPROTO_TCP, &rule);
	(void)policy_egress(cfg, dst, IPPROTO_UDP, &rule);

	entry = -1;
	if (policy_bind(cfg, &sock, dst, &host, &entry, &reason) ==
	    POLICY_SWITCH) {
		FUZZ_ASSERT(entry >= 0 && entry < cfg->n_publish);
		FUZZ_ASSERT(host.ss_family == AF_UNSPEC ||
			    host.ss_family == sock.family);
	}
	return 0;
}
