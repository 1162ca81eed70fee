/* netaddr: listening sockets are created with SO_REUSEADDR (restart without
 * TIME_WAIT trouble) and, on request, SO_REUSEPORT (one listener per thread). */
#include "netaddr.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* 1..5 decimal digits and nothing else (strtol alone accepts signs and spaces). */
static int netaddr_all_digits(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++)
        if (s[n] < '0' || s[n] > '9')
            return 0;
    return n > 0 && n <= 5;
}

int netaddr_split(const char *spec, char *host, size_t host_len, uint16_t *port)
{
    const char *colon = strrchr(spec, ':');
    if (colon == NULL)
        return -1;
    const char *h = spec;
    size_t hlen = (size_t)(colon - spec);
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen >= host_len)
        return -1;
    if (!netaddr_all_digits(colon + 1))
        return -1;
    long p = strtol(colon + 1, NULL, 10);
    if (p > 65535)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)p;
    return 0;
}

int netaddr_listen(const char *spec, int reuseport, char *err, size_t err_len)
{
    char host[256], port_str[8];
    uint16_t port;
    if (netaddr_split(spec, host, sizeof(host), &port) != 0) {
        snprintf(err, err_len, "invalid address '%s' (expected HOST:PORT)", spec);
        return -1;
    }
    snprintf(port_str, sizeof(port_str), "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int gai = getaddrinfo(host[0] != '\0' ? host : NULL, port_str, &hints, &res);
    if (gai != 0) {
        snprintf(err, err_len, "cannot resolve '%s': %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
        goto fail;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0)
        goto fail;
    freeaddrinfo(res);
    return fd;
fail:
    snprintf(err, err_len, "cannot listen on %s: %s", spec, strerror(errno));
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return -1;
}

int netaddr_url_with_port_offset(const char *url, int delta, char *out, size_t out_len)
{
    const char *colon = strrchr(url, ':');
    if (colon == NULL || strstr(url, "://") == NULL || colon < strstr(url, "://") + 3)
        return -1;
    if (!netaddr_all_digits(colon + 1))
        return -1;
    long port = strtol(colon + 1, NULL, 10);
    if (port + delta <= 0 || port + delta > 65535)
        return -1;
    int n = snprintf(out, out_len, "%.*s:%ld", (int)(colon - url), url, port + delta);
    return n < 0 || (size_t)n >= out_len ? -1 : 0;
}
