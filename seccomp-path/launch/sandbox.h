/* SPDX-License-Identifier: GPL-2.0-or-later
 * sandbox.h - start a rootless container process with a notify filter
 */
#ifndef B4NS_SANDBOX_H
#define B4NS_SANDBOX_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "cfg.h"
#include "err.h"
#include "launch/idmap.h"
#include "launch/netif.h"
#include "portmap.h"

/* most name servers the DNS forwarder serves (resolv.h's RESOLV_MAX_NS) */
#define SANDBOX_MAX_DNS 8

/* -e entries "b4ns run" takes */
#define SANDBOX_MAX_ENV 128

/**
 * struct sandbox_proc - who the command runs as, and where (b4ns run's
 * --userns, -e, -w, --hostname)
 * @userns:	root (uid 0 inside is the caller) or keep-id
 * @env:	-e VAR=VAL entries, set in the command's environment (which is
 *		otherwise the caller's)
 * @n_env:	entries in @env
 * @workdir:	-w: the command's working directory, or NULL (the caller's)
 * @hostname:	--hostname: the container gets a UTS namespace of its own
 *		with this name, or NULL (the host's, shared)
 */
struct sandbox_proc {
	enum idmap_mode userns;
	const char *env[SANDBOX_MAX_ENV];
	int n_env;
	const char *workdir;
	const char *hostname;
};

/**
 * struct sandbox_opts - how to start the container process
 * @argv:		command and arguments
 * @net:		fallback network (CFG_NET_AUTO already resolved)
 * @allow_host_loopback: let the fallback network reach host loopback too
 * @trap:		install the notify filter (false: b4ns mode off)
 * @trap_sendmsg:	trap every sendmsg(), not only TCP Fast Open (config
 *			udp_sendmsg with switch_udp)
 * @trap_names:		trap getsockname()/getpeername() (addresses may be
 *			rewritten: published ports or host loopback allowed)
 * @trap_accept:	trap accept()/accept4() (a daemon serves the
 *			container in a named network: its services see which
 *			container connected)
 * @allow_io_uring:	do not deny io_uring (config allow_io_uring): its
 *			operations act on host sockets without any check
 * @preload_lib:	preload path: libb4ns.so to put in LD_PRELOAD, or NULL
 * @preload_fd:		preload path: request channel the container inherits
 * @preload_sock:	preload path: request socket path, or NULL
 * @fwd:		published ports the fallback network forwards (mode
 *			"off": nothing is switched), checked by fwd_check()
 * @n_fwd:		entries in @fwd
 * @run_dir:		private directory for helper sockets, or NULL
 * @slirp_api_sock:	name of slirp4netns' API socket in @run_dir (needed
 *			when slirp4netns forwards @fwd)
 * @addrs:		the container's own addresses (--ip), put on a veth
 *			pair inside its namespace (netif_setup()) once the
 *			fallback network is attached
 * @n_addrs:		entries in @addrs, 0 for none
 * @resolv_conf:	text the container sees as /etc/resolv.conf (--dns
 *			IP list), or NULL for the host's file
 * @hosts:		text the container sees as /etc/hosts (--add-host), or
 *			NULL for the host's file
 * @dns_fwd:		name server addresses (loopback, port 53) the child
 *			binds UDP sockets to in its namespace before anything
 *			runs there, for the DNS forwarder (sandbox.dns_fd)
 * @n_dns_fwd:		entries in @dns_fwd (at most SANDBOX_MAX_DNS)
 * @proc:		user namespace mode, environment, working directory,
 *			host name of the command, or NULL for the defaults
 * @idmap:		the user namespace's maps (idmap_plan()), or NULL:
 *			the caller's ids only, mapped to 0
 * @hold:		with @trap: sandbox_start() returns with the listener
 *			taken but the child still waiting before exec; it
 *			runs the command once sandbox_release() is called
 */
struct sandbox_opts {
	char **argv;
	enum cfg_net net;
	bool allow_host_loopback;
	bool trap;
	bool trap_sendmsg;
	bool trap_names;
	bool trap_accept;
	bool allow_io_uring;
	const char *preload_lib;
	int preload_fd;
	const char *preload_sock;
	const struct portmap_entry *fwd;
	int n_fwd;
	const char *run_dir;
	const char *slirp_api_sock;
	const struct netif_addr *addrs;
	int n_addrs;
	const char *resolv_conf;
	const char *hosts;
	const struct sockaddr_storage *dns_fwd;
	int n_dns_fwd;
	const struct sandbox_proc *proc;
	const struct idmap *idmap;
	bool hold;
};

/**
 * struct sandbox - a started container process
 * @pid:	the container's first process: its PID namespace's init
 * @net_pid:	slirp4netns/pasta, or 0
 * @notify_fd:	seccomp listener of the container, or -1
 * @nl_fd:	address monitor in the container's namespace, or -1
 * @exit_fd:	closing it tells slirp4netns to exit, or -1
 * @hold_fd:	with sandbox_opts.hold: the channel to the child waiting
 *		before exec (sandbox_release()), else -1
 * @dns_fd:	per sandbox_opts.dns_fwd entry, the UDP socket bound to it
 *		in the container's namespace, or -1 (not bound there)
 */
struct sandbox {
	pid_t pid;
	pid_t net_pid;
	int notify_fd;
	int nl_fd;
	int exit_fd;
	int hold_fd;
	int dns_fd[SANDBOX_MAX_DNS];
};

/**
 * sandbox_start() - fork the container process and receive its listener
 * @o:		options
 * @sb:		result, filled only on success (emptied first)
 * @err:	why the start failed, for the user ("child exited early", the
 *		child's own "/proc/self/uid_map: reason", "clone(...):
 *		reason", "slirp4netns did not start", ...)
 *
 * The child enters new user (maps written by us: @o->idmap, idmap_apply()),
 * PID and mount namespaces (pid 1 there, with its own /proc), a new network
 * namespace with loopback up (and a UTS namespace with @o->proc->hostname),
 * changes to @o->proc->workdir, waits until the fallback network is
 * attached, puts its own addresses on a veth pair (if any), loads the
 * seccomp filter, hands the listener and an address monitor to us, and
 * runs the command (with @o->proc->env added) as the namespace's init
 * (ctrinit_run(); with @o->hold, only once sandbox_release() is called):
 * it exits with the command's status, and the kernel kills the rest of the
 * namespace. A failed start leaves nothing behind: the child and the
 * network helper are killed and reaped, every descriptor is closed.
 *
 * Return: 0, or negative errno (the child's errno where it failed, -EIO when
 * it exited without saying why)
 */
int sandbox_start(const struct sandbox_opts *o, struct sandbox *sb,
		  struct b4_error *err);

/**
 * sandbox_release() - let a child started with sandbox_opts.hold exec its
 * command
 * @sb:		the started container; @sb->hold_fd is closed
 * @err:	why not ("child exited early")
 *
 * Return: 0, or -EIO if the child is gone (the caller kills and reaps it)
 */
int sandbox_release(struct sandbox *sb, struct b4_error *err);

/**
 * sandbox_stop_net() - stop the fallback network helper
 * @sb:	sandbox
 */
void sandbox_stop_net(struct sandbox *sb);

/**
 * sandbox_join_monitor() - open an address monitor in the network namespace
 * of another process (a container started by an OCI runtime)
 * @pid:	a process of the container
 *
 * A short-lived child joins the process's user and network namespaces
 * (we own them, or an ancestor of them), opens the monitor there and hands
 * it back; it is waited for before returning. Its error is logged at
 * debug level only: callers decide what a missing monitor means.
 *
 * Return: the monitor socket, or negative errno (the child's errno where
 * it failed, -EIO when it exited without saying why)
 */
int sandbox_join_monitor(pid_t pid);

/**
 * sandbox_have() - is a program found in PATH?
 * @prog:	name
 *
 * Return: true if an executable file of that name is in PATH
 */
bool sandbox_have(const char *prog);

#endif /* B4NS_SANDBOX_H */
