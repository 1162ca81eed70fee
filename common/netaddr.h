/* netaddr: HOST:PORT parsing and listening sockets for both planes. */
#ifndef PORTICO_NETADDR_H
#define PORTICO_NETADDR_H

#include <stddef.h>
#include <stdint.h>

/* Splits "host:port", "[v6]:port" or ":port" (host "" = any). host gets a
 * NUL-terminated copy (without brackets). Returns 0 or -1. */
int netaddr_split(const char *spec, char *host, size_t host_len, uint16_t *port);

/* Opens a non-blocking TCP listener on spec. reuseport lets several threads
 * bind the same address (the kernel spreads connections over them).
 * Returns the fd, or -1 with a reason in err. */
int netaddr_listen(const char *spec, int reuseport, char *err, size_t err_len);

/* Replaces the port of a "scheme://host:port" URL with port + delta into out. */
int netaddr_url_with_port_offset(const char *url, int delta, char *out, size_t out_len);

/* An IPv4 or IPv6 network (or one address: prefix = 32 / 128). IPv4-mapped
 * IPv6 addresses (::ffff:a.b.c.d) are stored as IPv4. */
typedef struct {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned prefix;
} netaddr_cidr_t;

/* "10.0.0.0/8", "2001:db8::/32" or a bare address. 0, or -1 when malformed
 * (including host bits set beyond the prefix, as IAM refuses them too). */
int netaddr_cidr_parse(const char *s, netaddr_cidr_t *out);

/* The address of a peer; 0, or -1 for a family other than IPv4/IPv6. */
int netaddr_cidr_from_sockaddr(const void *sockaddr, netaddr_cidr_t *out);

/* 1 when ip (an address) lies inside net. */
int netaddr_cidr_contains(const netaddr_cidr_t *net, const netaddr_cidr_t *ip);

#endif
