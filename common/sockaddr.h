/* SPDX-License-Identifier: GPL-2.0-or-later
 * sockaddr.h - parse, format, classify and compare socket addresses and CIDRs
 */
#ifndef B4NS_SOCKADDR_H
#define B4NS_SOCKADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Longest text sa_format() produces: "[v6%scope]:port" */
#define SA_STRLEN (INET6_ADDRSTRLEN + 24)

/**
 * struct sa_cidr - an IPv4 or IPv6 prefix
 * @family:	AF_INET or AF_INET6
 * @prefix:	prefix length in bits
 * @addr:	network address, host bits cleared (4 or 16 bytes used)
 */
struct sa_cidr {
	int family;
	int prefix;
	uint8_t addr[16];
};

/**
 * sa_cidr_parse() - parse "ADDR/LEN" or a bare address (host prefix)
 * @s:		text, IPv4 or IPv6, IPv6 optionally in brackets
 * @out:	result; host bits are cleared; an IPv4-mapped IPv6 prefix
 *		("::ffff:a.b.c.d/N", N >= 96) is the IPv4 prefix it denotes
 *		(a.b.c.d/N-96), as mapped addresses match IPv4 prefixes
 *
 * Return: 0, or -EINVAL if @s is not a valid CIDR
 */
int sa_cidr_parse(const char *s, struct sa_cidr *out);

/**
 * sa_cidr_make() - a CIDR from an address and a prefix length
 * @out:	result; host bits are cleared
 * @family:	AF_INET or AF_INET6
 * @addr:	4 or 16 bytes of address, in network order
 * @prefix:	prefix length in bits, 0 to 32 or 128 (clamped)
 *
 * Return: 0, or -EAFNOSUPPORT for another family
 */
int sa_cidr_make(struct sa_cidr *out, int family, const void *addr,
		 int prefix);

/**
 * sa_cidr_format() - print a CIDR as "ADDR/LEN"
 * @c:		prefix
 * @buf:	destination
 * @len:	size of @buf, at least SA_STRLEN
 *
 * Return: @buf
 */
char *sa_cidr_format(const struct sa_cidr *c, char *buf, size_t len);

/**
 * sa_cidr_contains() - does @c contain the IP address of @sa?
 * @c:	prefix
 * @sa:	AF_INET or AF_INET6 address; IPv4-mapped IPv6 addresses match IPv4
 *	prefixes
 *
 * Return: true if contained
 */
bool sa_cidr_contains(const struct sa_cidr *c, const struct sockaddr *sa);

/**
 * sa_valid_len() - is @len a complete address of @sa's family?
 * @sa:		address
 * @len:	its length as given by the caller
 *
 * Return: true for AF_INET with len >= sizeof(sockaddr_in), AF_INET6 with
 * len >= SIN6_LEN_RFC2133 (24, as the kernel accepts), false otherwise
 */
bool sa_valid_len(const struct sockaddr *sa, size_t len);

/**
 * sa_format_ip() - print only the IP of an address, "1.2.3.4" or "::1"
 * @sa:		AF_INET or AF_INET6 address (anything else prints "?")
 * @buf:	destination
 * @len:	size of @buf, INET6_ADDRSTRLEN is enough
 *
 * Return: @buf
 */
char *sa_format_ip(const struct sockaddr *sa, char *buf, size_t len);

/**
 * sa_format() - print an address as "1.2.3.4:80" or "[::1]:80"
 * @sa:		AF_INET or AF_INET6 address (anything else prints "family N")
 * @buf:	destination
 * @len:	size of @buf, at least SA_STRLEN
 *
 * Return: @buf
 */
char *sa_format(const struct sockaddr *sa, char *buf, size_t len);

/**
 * sa_port() - port of an AF_INET/AF_INET6 address in host order
 * @sa:	address
 *
 * Return: port, 0 for other families
 */
uint16_t sa_port(const struct sockaddr *sa);

/**
 * sa_set_port() - set the port of an AF_INET/AF_INET6 address
 * @sa:		address
 * @port:	port in host order
 */
void sa_set_port(struct sockaddr *sa, uint16_t port);

/**
 * sa_len() - length of an AF_INET/AF_INET6 address structure
 * @sa:	address
 *
 * Return: sizeof(struct sockaddr_in) or sizeof(struct sockaddr_in6), 0 else
 */
socklen_t sa_len(const struct sockaddr *sa);

/**
 * sa_unmap() - turn an IPv4-mapped IPv6 address into AF_INET
 * @sa:		address
 * @out:	receives @sa, or its IPv4 form if it was IPv4-mapped
 */
void sa_unmap(const struct sockaddr *sa, struct sockaddr_storage *out);

/**
 * sa_in_family() - an IP address as a socket of @family names it
 * @ip:		address and port, never IPv4-mapped
 * @family:	the socket's family
 * @out:	result: @ip itself, or IPv4-mapped for an AF_INET6 socket
 *
 * Return: false if @family cannot carry @ip
 */
bool sa_in_family(const struct sockaddr_storage *ip, int family,
		  struct sockaddr_storage *out);

/**
 * sa_is_loopback() - 127.0.0.0/8, ::1 or IPv4-mapped loopback
 * @sa:	address
 *
 * Return: true if loopback
 */
bool sa_is_loopback(const struct sockaddr *sa);

/**
 * sa_is_unspecified() - 0.0.0.0, :: or ::ffff:0.0.0.0
 * @sa:	address
 *
 * Return: true if unspecified
 */
bool sa_is_unspecified(const struct sockaddr *sa);

/**
 * sa_is_local_scope() - link-local, multicast or limited broadcast address,
 * whose meaning depends on the namespace's own interfaces
 * @sa:	address
 *
 * Return: true for 169.254/16, 224/4, 255.255.255.255, fe80::/10, ff00::/8
 */
bool sa_is_local_scope(const struct sockaddr *sa);

/**
 * sa_ip_equal() - same family and IP address (ports ignored, mapped unmapped)
 * @a:	first address
 * @b:	second address
 *
 * Return: true if equal
 */
bool sa_ip_equal(const struct sockaddr *a, const struct sockaddr *b);


/**
 * sa_port_parse() - parse a decimal port number, 1-65535
 * @s:		text, exactly the digits
 * @out:	result
 *
 * Return: 0, -EINVAL if @s is not a decimal number, -ERANGE if out of range
 */
int sa_port_parse(const char *s, uint16_t *out);

/**
 * sa_port_range_parse() - parse "PORT" or "FIRST-LAST"
 * @s:		text; its '-' is cut while parsing, then restored
 * @lo:		first port
 * @hi:		last port, @lo for a single port
 * @bad:	on -EINVAL or -ERANGE, the part at fault (inside @s)
 *
 * Return: 0, -EINVAL (not a number), -ERANGE (not 1-65535), -EDOM
 * (FIRST > LAST)
 */
int sa_port_range_parse(char *s, uint16_t *lo, uint16_t *hi, const char **bad);

#endif /* B4NS_SOCKADDR_H */
