// SPDX-License-Identifier: GPL-2.0-or-later
/* netcaps.c - the container's network capabilities, dropped where a
 * network helper's tap is attached
 *
 * Theory of operation: the container's first process is root in a user
 * namespace that owns the container's network namespace, so by default it
 * may reconfigure that namespace: send raw frames onto the tap of
 * slirp4netns or pasta (CAP_NET_RAW), or set route_localnet, delete the
 * local 127/8 routes and route loopback destinations out of the tap
 * (CAP_NET_ADMIN). Both helpers then open host sockets to those loopback
 * destinations: the host's loopback, reached without any trapped call.
 * netcaps_drop() removes both capabilities from the bounding, inheritable,
 * ambient, permitted and effective sets of the calling process, so
 * neither it nor anything it execs (uid 0 included) gets them back.
 * Capabilities gained in a nested user namespace do not count for a
 * network namespace owned by this one. Before that it opens
 * net.ipv4.ping_group_range of the namespace, so ping keeps working
 * through ICMP echo sockets.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "launch/netcaps.h"

static const int netcaps[] = { CAP_NET_ADMIN, CAP_NET_RAW };

/* top_gid() - the highest group id mapped in our user namespace */
static unsigned long top_gid(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/gid_map", "re");
	unsigned long top = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		unsigned long in = strtoul(p, &end, 10), count;

		if (end == p)
			continue;
		p = end;
		(void)strtoul(p, &end, 10);	/* the outside id */
		if (end == p)
			continue;
		p = end;
		count = strtoul(p, &end, 10);
		if (end != p && count && in + count - 1 > top)
			top = in + count - 1;
	}
	return top;
}

/* ping_open() - every group of the namespace may open ICMP echo sockets
 * (the kernel takes only mapped group ids) */
static int ping_open(void)
{
	_cleanup_close_ int fd = open("/proc/sys/net/ipv4/ping_group_range",
				      O_WRONLY | O_CLOEXEC);
	char range[32];
	int len;

	if (fd < 0)
		return -errno;
	len = snprintf(range, sizeof(range), "0 %lu", top_gid());
	if (write(fd, range, (size_t)len) != len)
		return -errno;
	return 0;
}

int netcaps_drop(const char **what)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int ret;

	*what = "net.ipv4.ping_group_range";
	ret = ping_open();
	if (ret && ret != -ENOENT)
		return ret;
	*what = "prctl(PR_CAPBSET_DROP)";
	for (size_t i = 0; i < sizeof(netcaps) / sizeof(netcaps[0]); i++) {
		if (prctl(PR_CAPBSET_DROP, netcaps[i], 0, 0, 0))
			return -errno;
	}
	*what = "prctl(PR_CAP_AMBIENT_CLEAR_ALL)";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return -errno;
	*what = "capget";
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	for (size_t i = 0; i < sizeof(netcaps) / sizeof(netcaps[0]); i++) {
		unsigned int w = (unsigned int)netcaps[i] / 32;
		unsigned int bit = 1U << ((unsigned int)netcaps[i] % 32);

		data[w].effective &= ~bit;
		data[w].permitted &= ~bit;
		data[w].inheritable &= ~bit;
	}
	*what = "capset";
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}
