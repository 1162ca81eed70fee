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

#endif
