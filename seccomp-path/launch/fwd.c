// SPDX-License-Identifier: GPL-2.0-or-later
/* fwd.c - published ports through slirp4netns or pasta (b4ns mode "off")
 *
 * Theory of operation: with switching on, b4ns publishes a port by binding
 * a host socket for the container (switch_bind()). With mode "off" nothing
 * is trapped, so `-p` is handed to the fallback network instead, as
 * rootless Podman does: pasta gets one -t/-u option per mapping on its
 * command line; slirp4netns gets an --api-socket, and once it is ready one
 * add_hostfwd request per port (its API has no ranges), built and read
 * with json-c. slirp4netns serves one request per connection and answers
 * after the client shuts its side down.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "fwd.h"
#include "log.h"
#include "oci/oci.h"
#include "sockaddr.h"
#include "unixsock.h"

#define FWD_REPLY_MAX 4096
#define FWD_TIMEOUT_MS 5000

int fwd_check(enum cfg_net net, bool allow_host_loopback,
	      const struct portmap_entry *tab, int n, struct b4_error *err)
{
	if (!n)
		return 0;
	if (net != CFG_NET_SLIRP4NETNS && net != CFG_NET_PASTA)
		return b4_error_set(err, -EINVAL, "published ports with mode "
				    "\"off\" need --net=slirp4netns or "
				    "--net=pasta to forward them");
	for (int i = 0; net == CFG_NET_SLIRP4NETNS && i < n; i++) {
		if (tab[i].host_ip_set && tab[i].host.sa.sa_family != AF_INET)
			return b4_error_set(err, -EINVAL, "publish of container "
					    "port %u: slirp4netns forwards IPv4 "
					    "host addresses only (use "
					    "--net=pasta, or switching)",
					    tab[i].container_port);
	}
	for (int i = 0; net == CFG_NET_PASTA && !allow_host_loopback && i < n; i++) {
		if (tab[i].proto != IPPROTO_UDP)
			continue;
		/* pasta shows forwarded host clients as its gateway address;
		 * with --no-map-gw the replies then leave for the real one */
		b4_warn("pasta forwards published UDP ports, but replies to "
			"host clients are lost unless --allow-host-loopback is "
			"set (pasta maps them to its gateway address)");
		break;
	}
	return 0;
}

/* host_ip() - the mapping's host address as text, "" for all addresses */
static void host_ip(const struct portmap_entry *e, char *buf, size_t len)
{
	const struct sockaddr *a = &e->host.sa;

	buf[0] = '\0';
	if (e->host_ip_set && !sa_is_unspecified(a))
		sa_format_ip(a, buf, len);
}

const char *fwd_pasta_spec(const struct portmap_entry *e, char *buf,
			   size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned int last = e->count - 1U;

	host_ip(e, ip, sizeof(ip));
	if (last)
		snprintf(buf, len, "%s%s%u-%u:%u-%u", ip, *ip ? "/" : "",
			 e->host_port, e->host_port + last, e->container_port,
			 e->container_port + last);
	else
		snprintf(buf, len, "%s%s%u:%u", ip, *ip ? "/" : "",
			 e->host_port, e->container_port);
	return e->proto == IPPROTO_UDP ? "-u" : "-t";
}

/* api_call() - send one request, read the whole reply; 0 or -errno */
static int api_call(const char *api, const char *req, char *reply,
		    size_t len)
{
	_cleanup_close_ int s = unixsock_connect(api, SOCK_STREAM);
	size_t got = 0;

	if (s < 0)
		return s;
	/* requests are < 4096 bytes: one send on a fresh stream socket */
	if (send(s, req, strlen(req), MSG_NOSIGNAL) < 0 || shutdown(s, SHUT_WR))
		return -errno;
	while (got < len - 1) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, FWD_TIMEOUT_MS) != 1)
			return -ETIMEDOUT;
		r = read(s, reply + got, len - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		got += (size_t)r;
	}
	reply[got] = '\0';
	return 0;
}

/* add_one() - add_hostfwd for one port; 0 or negative errno (logged) */
static int add_one(const char *api, const struct portmap_entry *e,
		   unsigned int host_port, unsigned int container_port)
{
	struct json_object *req = json_object_new_object();
	struct json_object *args = json_object_new_object();
	_cleanup_json_ struct json_object *rep = NULL;
	struct json_object *v, *desc;
	const char *proto = e->proto == IPPROTO_UDP ? "udp" : "tcp";
	char ip[INET6_ADDRSTRLEN], reply[FWD_REPLY_MAX];
	int ret;

	host_ip(e, ip, sizeof(ip));
	json_object_object_add(req, "execute",
			       json_object_new_string("add_hostfwd"));
	json_object_object_add(args, "proto", json_object_new_string(proto));
	json_object_object_add(args, "host_addr",
			       json_object_new_string(*ip ? ip : "0.0.0.0"));
	json_object_object_add(args, "host_port",
			       json_object_new_int((int)host_port));
	json_object_object_add(args, "guest_port",
			       json_object_new_int((int)container_port));
	json_object_object_add(req, "arguments", args);
	ret = api_call(api, json_object_to_json_string_ext(req,
				JSON_C_TO_STRING_PLAIN), reply, sizeof(reply));
	json_object_put(req);
	if (ret) {
		b4_err("publish %s %s:%u -> %u: slirp4netns API: %s", proto,
		       *ip ? ip : "*", host_port, container_port,
		       strerror(-ret));
		return ret;
	}
	rep = json_tokener_parse(reply);
	if (rep && json_object_object_get_ex(rep, "return", &v))
		return 0;
	if (rep && json_object_object_get_ex(rep, "error", &v) &&
	    json_object_object_get_ex(v, "desc", &desc))
		b4_err("publish %s %s:%u -> %u: slirp4netns refused: %s", proto,
		       *ip ? ip : "*", host_port, container_port,
		       json_object_get_string(desc));
	else
		b4_err("publish %s %s:%u -> %u: slirp4netns API: unexpected "
		       "reply '%.200s'", proto, *ip ? ip : "*", host_port,
		       container_port, reply);
	return -EIO;
}

int fwd_slirp_add(const char *api, const struct portmap_entry *tab, int n)
{
	for (int i = 0; i < n; i++) {
		for (unsigned int k = 0; k < tab[i].count; k++) {
			int ret = add_one(api, &tab[i], tab[i].host_port + k,
					  tab[i].container_port + k);

			if (ret)
				return ret;
		}
	}
	return 0;
}
