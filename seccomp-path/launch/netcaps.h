/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netcaps.h - the container's network capabilities, dropped where a
 * network helper's tap is attached */
#ifndef B4NS_LAUNCH_NETCAPS_H
#define B4NS_LAUNCH_NETCAPS_H

/**
 * netcaps_drop() - give up CAP_NET_ADMIN and CAP_NET_RAW for good, in the
 * calling process and everything it will exec
 * @what:	on failure, the step that failed
 *
 * Called in the container's first process (root of its user namespace,
 * owner of its network namespace) once its network is set up and before
 * the command runs. ICMP echo sockets stay usable: the namespace's
 * net.ipv4.ping_group_range is opened to every group first, as Podman does.
 *
 * Return: 0, or negative errno with @what naming the step
 */
int netcaps_drop(const char **what);

#endif /* B4NS_LAUNCH_NETCAPS_H */
