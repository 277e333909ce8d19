// SPDX-License-Identifier: GPL-2.0-or-later
/* run.c - "b4ns run": its options and usage
 *
 * Theory of operation: options come from the config file's global settings
 * (--config, else the user's or the system's default file if there is one),
 * then its named section (--container), then the command line, each
 * overriding the one before; the merged settings go to launch_run()
 * (launch/launch.c), which starts the container and supervises it. With
 * --daemon, or with --network when a daemon answers at the default socket,
 * a running "b4ns daemon" serves the container instead: its own config
 * section (--container) then applies, and the run's settings that cannot
 * travel to it as annotations are refused (with --daemon) or keep the
 * container in-process (with --network alone). Bad options or
 * configuration exit 2, a container that cannot start (no daemon at the
 * socket included) 125, otherwise the container's first process's status
 * becomes ours.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli/cli.h"
#include "err.h"
#include "launch/launch.h"
#include "launch/netif.h"
#include "log.h"
#include "oci/daemon.h"
#include "paths.h"
#include "portmap.h"
#include "sockaddr.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"Usage: b4ns run [OPTIONS] -- CMD [ARG...]\n"
		"\n"
		"Run CMD in new user, network, PID and mount namespaces; its TCP\n"
		"and UDP connect()s to destinations outside the container are\n"
		"switched to host sockets. The container ends when CMD ends (what it\n"
		"left running is killed), and with b4ns if b4ns is killed.\n"
		"\n"
		"Options:\n"
		"      --net=MODE            none | slirp4netns | pasta: how traffic that\n"
		"                            is not switched leaves the namespace\n"
		"                            (default: slirp4netns if installed, else none)\n"
		"      --ignore=CIDR         never switch this destination (repeatable)\n"
		"  -p, --publish=SPEC        publish a container port on the host:\n"
		"                            [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp],\n"
		"                            ranges 8000-8009:80-89 (repeatable)\n"
		"      --mode=MODE           seccomp | preload | auto | off: how sockets are\n"
		"                            switched (default seccomp; auto: seccomp where\n"
		"                            the kernel has ADDFD, else preload; off:\n"
		"                            nothing switched, --net forwards -p)\n"
		"      --allow-host-loopback connect to the gateway address (10.0.2.2,\n"
		"                            fd00::2) reaches the host's loopback\n"
		"      --switch-udp          switch UDP sockets too (default: UDP stays\n"
		"                            on the slow path); needed for -p .../udp\n"
		"      --allow-io-uring      let the container use io_uring (default:\n"
		"                            denied, ENOSYS). Gives up the checks:\n"
		"                            io_uring operations act on switched host\n"
		"                            sockets without any check, so the container\n"
		"                            can reach the host's loopback through them\n"
		"      --ip=ADDR/LEN         the container's own address (IPv4 or IPv6,\n"
		"                            one of each), on interface b4ns0 inside it:\n"
		"                            other containers of its network reach its\n"
		"                            published ports there (with a daemon)\n"
		"      --network=NAME        the container's network: containers of one\n"
		"                            network served by one daemon connect to each\n"
		"                            other's --ip addresses (default: those whose\n"
		"                            own subnets are equal). If a daemon answers\n"
		"                            at the default socket, it serves the\n"
		"                            container (as --daemon), unless an option\n"
		"                            it cannot take is given\n"
		"      --egress-allow=RULE   the container may connect only to what the\n"
		"                            allow rules cover (repeatable; none: all)\n"
		"      --egress-deny=RULE    never to what a deny rule covers (repeatable;\n"
		"                            wins over allow). RULE: CIDR[:PORT[-PORT]]\n"
		"                            [/tcp|/udp], IPv6 with a port bracketed:\n"
		"                            [fd00::/8]:443/tcp\n"
		"      --dns=host|off|IP[,IP...]  name servers: host (default) keeps\n"
		"                            the host's resolv.conf and reaches its\n"
		"                            loopback name servers (127.0.0.53) on\n"
		"                            port 53 (TCP switched, UDP forwarded);\n"
		"                            off: not those; IP list: the container\n"
		"                            sees a resolv.conf naming them\n"
		"      --add-host=NAME:IP    the container's /etc/hosts is the host's\n"
		"                            with \"IP NAME\" added (repeatable)\n"
		"      --daemon[=SOCKET]     a running \"b4ns daemon\" serves the container\n"
		"                            (default socket $XDG_RUNTIME_DIR/b4ns/b4ns.sock);\n"
		"                            seccomp mode only. --container=NAME then\n"
		"                            names the daemon's config section, which\n"
		"                            alone can set --switch-udp,\n"
		"                            --allow-host-loopback, --allow-io-uring\n"
		"                            (refused here, as is --config)\n"
		"      --config=FILE         libconfig file with defaults and sections\n"
		"                            (default: $XDG_CONFIG_HOME/b4ns/b4ns.conf,\n"
		"                            else /etc/b4ns/b4ns.conf, if there is one)\n"
		"      --container=NAME      apply the config file's section NAME\n"
		"      --userns=MODE         root | keep-id: uid 0 inside is you (default),\n"
		"                            or your uid and HOME are your own inside;\n"
		"                            your /etc/subuid range maps the other ids\n"
		"  -e, --env=VAR[=VAL]       set VAR in CMD's environment (repeatable;\n"
		"                            VAR alone: keep its current value)\n"
		"  -w, --workdir=DIR         run CMD in DIR\n"
		"      --hostname=NAME       CMD's host name (its own UTS namespace)\n"
		"  -v, --verbose             log every switching decision (debug)\n"
		"      --log-level=LEVEL     error | warn | info | debug (default warn)\n"
		"  -h, --help                this text\n"
		"\n"
		"Exit status: CMD's, 128+N if CMD was killed by signal N, 2 for bad\n"
		"options or configuration, 125 if the container could not start\n"
		"(with --daemon: also if no daemon answers or it does not take the\n"
		"container).\n");
}

enum {
	OPT_NET = 256,
	OPT_IGNORE,
	OPT_CONFIG,
	OPT_CONTAINER,
	OPT_ALLOW_HOST_LOOPBACK,
	OPT_LOG_LEVEL,
	OPT_MODE,
	OPT_SWITCH_UDP,
	OPT_ALLOW_IO_URING,
	OPT_IP,
	OPT_NETWORK,
	OPT_DAEMON,
	OPT_EGRESS_ALLOW,
	OPT_EGRESS_DENY,
	OPT_DNS,
	OPT_ADD_HOST,
	OPT_USERNS,
	OPT_HOSTNAME,
};

static const struct option run_opts[] = {
	{ "net", required_argument, NULL, OPT_NET },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "publish", required_argument, NULL, 'p' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "allow-host-loopback", no_argument, NULL, OPT_ALLOW_HOST_LOOPBACK },
	{ "switch-udp", no_argument, NULL, OPT_SWITCH_UDP },
	{ "allow-io-uring", no_argument, NULL, OPT_ALLOW_IO_URING },
	{ "ip", required_argument, NULL, OPT_IP },
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "daemon", optional_argument, NULL, OPT_DAEMON },
	{ "egress-allow", required_argument, NULL, OPT_EGRESS_ALLOW },
	{ "egress-deny", required_argument, NULL, OPT_EGRESS_DENY },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "add-host", required_argument, NULL, OPT_ADD_HOST },
	{ "userns", required_argument, NULL, OPT_USERNS },
	{ "env", required_argument, NULL, 'e' },
	{ "workdir", required_argument, NULL, 'w' },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "verbose", no_argument, NULL, 'v' },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	CLI_OPT_HELP_END,
};

/**
 * struct run_args - "b4ns run"'s command line
 * @cli:	its settings
 * @config:	--config, or NULL
 * @section:	--container, or NULL
 * @addrs:	--ip addresses
 * @n_addrs:	entries in @addrs
 * @daemon:	--daemon was given
 * @daemon_sock: its SOCKET, or NULL for the default
 * @proc:	--userns, -e, -w, --hostname
 */
struct run_args {
	struct cfg_container *cli;
	const char *config;
	const char *section;
	struct netif_addr addrs[NETIF_MAX_ADDRS];
	int n_addrs;
	bool daemon;
	const char *daemon_sock;
	struct sandbox_proc proc;
};

/* run_proc_opt() - --userns, -e, -w, --hostname into @p */
static int run_proc_opt(int c, const char *arg, struct sandbox_proc *p,
			struct b4_error *err)
{
	switch (c) {
	case OPT_USERNS:
		if (idmap_mode_parse(arg, &p->userns))
			return b4_error_set(err, -EINVAL, "--userns=%s: expected "
					    "root or keep-id", arg);
		return 0;
	case 'e':
		if (!*arg || *arg == '=')
			return b4_error_set(err, -EINVAL, "-e %s: no variable "
					    "name before '='", arg);
		if (p->n_env >= SANDBOX_MAX_ENV)
			return b4_error_set(err, -EINVAL, "too many -e (max %d)",
					    SANDBOX_MAX_ENV);
		p->env[p->n_env++] = arg;
		return 0;
	case 'w':
		if (!*arg)
			return b4_error_set(err, -EINVAL, "-w: empty directory");
		p->workdir = arg;
		return 0;
	default: /* OPT_HOSTNAME */
		if (!*arg || strlen(arg) > HOST_NAME_MAX)
			return b4_error_set(err, -EINVAL, "--hostname=%s: expected "
					    "1 to %d bytes", arg, HOST_NAME_MAX);
		p->hostname = arg;
		return 0;
	}
}

/* run_ip() - one --ip=ADDR/LEN into @a: at most one of each family */
static int run_ip(struct run_args *a, const char *arg, struct b4_error *err)
{
	struct netif_addr n;

	if (netif_addr_parse(arg, &n, err))
		return b4_error_prefix(err, -EINVAL, "--ip");
	for (int i = 0; i < a->n_addrs; i++) {
		if (a->addrs[i].family == n.family)
			return b4_error_set(err, -EINVAL, "--ip=%s: one %s "
					    "address only", arg, n.family ==
					    AF_INET ? "IPv4" : "IPv6");
	}
	a->addrs[a->n_addrs++] = n;
	return 0;
}

/* run_opt() - one option of "b4ns run" into @ctx (struct run_args) */
static int run_opt(int c, const char *arg, void *ctx, struct b4_error *err)
{
	struct run_args *a = ctx;
	struct cfg_container *cli = a->cli;

	switch (c) {
	case OPT_USERNS:
	case 'e':
	case 'w':
	case OPT_HOSTNAME:
		return run_proc_opt(c, arg, &a->proc, err);
	case OPT_NET:
		if (cfg_net_parse(arg, &cli->net) || cli->net == CFG_NET_AUTO)
			return b4_error_set(err, -EINVAL, "--net=%s: expected none, "
					    "slirp4netns or pasta", arg);
		cli->net_set = true;
		return 0;
	case OPT_IGNORE:
		if (cli->n_ignore >= CFG_MAX_CIDRS)
			return b4_error_set(err, -EINVAL, "too many --ignore (max %d)",
					    CFG_MAX_CIDRS);
		if (sa_cidr_parse(arg, &cli->ignore[cli->n_ignore]))
			return b4_error_set(err, -EINVAL, "--ignore=%s: not a CIDR "
					    "(e.g. 10.1.0.0/16, fd00::/64)", arg);
		cli->n_ignore++;
		return 0;
	case 'p':
		if (cli->n_publish >= CFG_MAX_PUBLISH)
			return b4_error_set(err, -EINVAL, "too many --publish (max %d)",
					    CFG_MAX_PUBLISH);
		return cfg_publish_add(cli, arg, err) ?
		       b4_error_prefix(err, -EINVAL, "--publish") : 0;
	case OPT_MODE:
		if (cfg_mode_parse(arg, &cli->mode))
			return b4_error_set(err, -EINVAL, "--mode=%s: expected seccomp, "
					    "preload, auto or off", arg);
		cli->mode_set = true;
		return 0;
	case OPT_IP:
		return run_ip(a, arg, err);
	case OPT_NETWORK:
		return cfg_network_set(cli, arg, err) ?
		       b4_error_prefix(err, -EINVAL, "--network") : 0;
	case OPT_EGRESS_ALLOW:
	case OPT_EGRESS_DENY:
		return cfg_egress_add(cli, c == OPT_EGRESS_DENY, arg, err) ?
		       b4_error_prefix(err, -EINVAL, "--egress-%s",
				       c == OPT_EGRESS_DENY ? "deny" : "allow") :
		       0;
	case OPT_DNS:
		return cfg_dns_set(cli, arg, err) ?
		       b4_error_prefix(err, -EINVAL, "--dns") : 0;
	case OPT_ADD_HOST:
		return cfg_host_add(cli, arg, err) ?
		       b4_error_prefix(err, -EINVAL, "--add-host") : 0;
	case OPT_DAEMON:
		if (arg && *arg != '/')
			return b4_error_set(err, -EINVAL, "--daemon=%s: not an "
					    "absolute path", arg);
		a->daemon = true;
		a->daemon_sock = arg;
		return 0;
	case OPT_CONFIG:
		a->config = arg;
		return 0;
	case OPT_CONTAINER:
		a->section = arg;
		return 0;
	case OPT_ALLOW_HOST_LOOPBACK:
		CFG_SET(cli, allow_host_loopback, true);
		return 0;
	case OPT_SWITCH_UDP:
		CFG_SET(cli, switch_udp, true);
		return 0;
	case OPT_ALLOW_IO_URING:
		CFG_SET(cli, allow_io_uring, true);
		return 0;
	case 'v':
		CFG_SET(cli, log_level, LOG_LVL_DEBUG);
		return 0;
	default: /* OPT_LOG_LEVEL */
		if (cli_log_level(arg, &cli->log_level, err))
			return -EINVAL;
		cli->log_level_set = true;
		return 0;
	}
}

static const struct cli_cmd run_cmd = {
	.name = "run", .shortopts = "+vhp:e:w:", .longopts = run_opts,
	.flags = CLI_COMMAND, .usage = run_usage, .opt = run_opt,
};

/* the run options of "b4ns trace", its messages naming it */
static const struct cli_cmd trace_run_cmd = {
	.name = "trace", .shortopts = "+vhp:e:w:", .longopts = run_opts,
	.flags = CLI_COMMAND, .usage = run_usage, .opt = run_opt,
};

/**
 * struct run_settings - the settings of "b4ns run", on the heap (each
 * struct cfg_container holds every publish spec: a few KiB)
 * @cli:	from the command line
 * @eff:	effective: config file, its section, then @cli
 * @cfg:	the config file while it is read
 * @config:	the default config file read without --config, or ""
 */
struct run_settings {
	struct cfg_container cli;
	struct cfg_container eff;
	struct cfg cfg;
	char config[PATH_MAX];
};

/* resolve_settings() - config file (--config, else the default one if
 * there is one), its section, then the command line, into @rs->eff.
 * Return: 0, or -EINVAL with the reason in @err */
static int resolve_settings(const char *config, const char *section,
			    struct run_settings *rs, struct b4_error *err)
{
	int ret = 0;

	memset(&rs->eff, 0, sizeof(rs->eff));
	if (!config) {
		int found = paths_config_default(rs->config, sizeof(rs->config),
						 err);

		if (found && found != -ENOENT)
			return b4_error_prefix(err, -EINVAL, "config file");
		if (!found)
			config = rs->config;
	}
	if (!config && section)
		return b4_error_set(err, -EINVAL, "--container=%s: no config "
				    "file (--config, $XDG_CONFIG_HOME/"
				    PATHS_CONFIG_REL " or " PATHS_CONFIG_SYSTEM
				    ")", section);
	if (config) {
		ret = cfg_load(config, &rs->cfg, err);
		if (!ret) {
			const struct cfg_container *s =
				section ? cfg_find(&rs->cfg, section) : NULL;

			rs->eff = rs->cfg.global;
			if (section && !s)
				ret = b4_error_set(err, -EINVAL, "%s: no container "
						   "section '%s'", config, section);
			else if (s && cfg_merge(&rs->eff, s))
				ret = b4_error_set(err, -EINVAL, "%s: section '%s' "
						   "has too many entries", config,
						   section);
		}
		cfg_free(&rs->cfg);
		if (ret)
			return ret;
	}
	if (cfg_merge(&rs->eff, &rs->cli))
		return b4_error_set(err, -EINVAL, "too many --ignore entries");
	return 0;
}

/* daemon_unfit() - the first option given that a daemon cannot take (it
 * has no annotation: the daemon's own section sets it), or NULL */
static const char *daemon_unfit(const struct run_args *a)
{
	const struct cfg_container *c = a->cli;

	if (a->config)
		return "--config";
	if (c->switch_udp_set)
		return "--switch-udp";
	if (c->allow_host_loopback_set)
		return "--allow-host-loopback";
	if (c->allow_io_uring_set)
		return "--allow-io-uring";
	if (c->dns_set && c->dns == CFG_DNS_OFF)
		return "--dns=off";	/* the daemon's section decides */
	return NULL;
}

/**
 * pick_daemon() - does a daemon serve the container, and at which socket?
 * @a:		the command line
 * @sock:	result, PATHS_SOCK_MAX bytes; "" for none (in-process)
 * @err:	with --daemon: an option it cannot take, or no default socket
 *
 * --daemon[=SOCKET]: that socket (whether a daemon answers there is
 * launch_run()'s to find out: exit 125). --network alone: the default
 * socket if a daemon answers there and every option can go to it.
 *
 * Return: 0, or -EINVAL (b4ns exits 2)
 */
static int pick_daemon(const struct run_args *a, char *sock,
		       struct b4_error *err)
{
	const struct cfg_container *c = a->cli;
	const char *unfit = daemon_unfit(a);

	sock[0] = '\0';
	if (a->daemon) {
		if (unfit)
			return b4_error_set(err, -EINVAL, "%s cannot go with "
					    "--daemon: the daemon takes it from its "
					    "own config section (--container=NAME)",
					    unfit);
		if (c->mode_set && (c->mode == CFG_MODE_PRELOAD ||
				    c->mode == CFG_MODE_OFF))
			return b4_error_set(err, -EINVAL, "--mode=%s: a daemon "
					    "serves seccomp listeners only",
					    cfg_mode_name(c->mode));
		if (paths_daemon_socket(a->daemon_sock, PATHS_XDG, sock, err)) {
			sock[0] = '\0';
			return b4_error_prefix(err, -EINVAL, "--daemon");
		}
		return 0;
	}
	if (!c->network_set)
		return 0;
	if (paths_daemon_socket(NULL, PATHS_XDG, sock, NULL) ||
	    daemon_probe(sock)) {
		b4_debug("--network=%s: no daemon at the default socket; "
			 "supervising in-process", c->network);
		sock[0] = '\0';
		return 0;
	}
	if (unfit || (c->mode_set && c->mode != CFG_MODE_SECCOMP)) {
		b4_info("--network=%s: the daemon at %s cannot take %s; "
			"supervising in-process", c->network, sock,
			unfit ? unfit : "--mode");
		sock[0] = '\0';
		return 0;
	}
	b4_info("--network=%s: the daemon at %s serves the container",
		c->network, sock);
	return 0;
}

/* run() - cmd_run() with its settings allocated */
static int run(int argc, char **argv, struct run_settings *rs)
{
	struct run_args a = { .cli = &rs->cli };
	struct b4_error err = { "" };
	struct launch_opts lo = { 0 };
	char sock[PATHS_SOCK_MAX];
	bool bad_settings;
	int ret;

	ret = cli_parse(&run_cmd, argc, argv, &a, NULL);
	if (ret != CLI_GO)
		return ret;
	if (rs->cli.log_level_set)
		log_level = rs->cli.log_level;
	if (pick_daemon(&a, sock, &err))
		return cli_fail("run", &err);
	if (sock[0]) {
		/* the daemon applies its config and the section itself */
		rs->eff = rs->cli;
		lo.daemon = sock;
		lo.section = a.section;
	} else if (resolve_settings(a.config, a.section, rs, &err)) {
		return cli_fail("run", &err);
	}
	if (rs->eff.log_level_set)
		log_level = rs->eff.log_level;

	lo.argv = argv + optind;
	lo.settings = &rs->eff;
	lo.addrs = a.addrs;
	lo.n_addrs = a.n_addrs;
	lo.proc = &a.proc;
	ret = launch_run(&lo, &bad_settings, &err);
	if (ret >= 0)
		return ret;
	if (bad_settings)
		return cli_fail("run", &err);
	if (err.msg[0])
		b4_err("%s", err.msg);
	return EXIT_START;
}

int cli_run_settings(int argc, char **argv, bool daemon_ok,
		     struct cfg_container *eff)
{
	struct run_settings *rs = calloc(1, sizeof(*rs));
	struct b4_error err = { "" };
	struct run_args a = { 0 };
	int ret;

	if (!rs) {
		fprintf(stderr, "b4ns trace: %s\n", strerror(ENOMEM));
		return EXIT_START;
	}
	a.cli = &rs->cli;
	ret = cli_parse(&trace_run_cmd, argc, argv, &a, NULL);
	if (ret == CLI_GO && a.daemon && !daemon_ok) {
		b4_error_set(&err, -EINVAL, "--daemon: a trace judges by the "
			     "run's own settings; start the container without it");
		ret = cli_fail("trace", &err);
	} else if (ret == CLI_GO &&
		   resolve_settings(a.config, a.section, rs, &err)) {
		ret = cli_fail("trace", &err);
	}
	if (ret == CLI_GO) {
		*eff = rs->eff;
		if (eff->log_level_set)
			log_level = eff->log_level;
	}
	free(rs);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run_settings *rs = calloc(1, sizeof(*rs));
	int ret;

	if (!rs) {
		fprintf(stderr, "b4ns run: %s\n", strerror(ENOMEM));
		return EXIT_START;
	}
	ret = run(argc, argv, rs);
	free(rs);
	return ret;
}

const struct cli_cmd *cli_run_cmd(void)
{
	return &run_cmd;
}
