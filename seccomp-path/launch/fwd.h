/* SPDX-License-Identifier: GPL-2.0-or-later
 * fwd.h - published ports through slirp4netns or pasta (b4ns mode "off")
 */
#ifndef B4NS_FWD_H
#define B4NS_FWD_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"
#include "err.h"
#include "portmap.h"

/* pasta arguments for one mapping: "-t" and "[ADDR/]H[-H2]:C[-C2]" */
#define FWD_PASTA_SPEC_MAX 80

/**
 * fwd_check() - can the fallback network publish these mappings?
 * @net:	CFG_NET_NONE, CFG_NET_SLIRP4NETNS or CFG_NET_PASTA
 * @allow_host_loopback: pasta maps its gateway address (no --no-map-gw)
 * @tab:	mappings
 * @n:		entries in @tab
 * @err:	on failure, what is wrong; may be NULL
 *
 * Warns (and accepts) published UDP through pasta without
 * @allow_host_loopback: its replies to host clients would be lost.
 *
 * Return: 0, or -EINVAL (no fallback network, or an IPv6 host address with
 * slirp4netns, whose API forwards IPv4 only)
 */
int fwd_check(enum cfg_net net, bool allow_host_loopback,
	      const struct portmap_entry *tab, int n, struct b4_error *err);

/**
 * fwd_pasta_spec() - pasta's port spec for one mapping
 * @e:		mapping
 * @buf:	result, e.g. "127.0.0.1/8080:80" or "8000-8009:80-89"
 * @len:	size of @buf, FWD_PASTA_SPEC_MAX is enough
 *
 * Return: "-t" or "-u", the option the spec goes with
 */
const char *fwd_pasta_spec(const struct portmap_entry *e, char *buf,
			   size_t len);

/**
 * fwd_slirp_add() - publish mappings through a slirp4netns API socket
 * @api:	path of slirp4netns' --api-socket
 * @tab:	mappings (IPv4 or unspecified host addresses: see fwd_check())
 * @n:		entries in @tab
 *
 * One add_hostfwd request per port; errors slirp4netns reports (a host
 * port in use, say) are logged with the mapping.
 *
 * Return: 0, or negative errno (logged)
 */
int fwd_slirp_add(const char *api, const struct portmap_entry *tab, int n);

#endif /* B4NS_FWD_H */
