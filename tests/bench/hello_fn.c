/* hello_fn: the handler both sides of tests/bench/functions_throughput.py
 * run, built there with cc. No arguments: a `provided` bootstrap that speaks
 * the Lambda Runtime API over one keep-alive connection to
 * $AWS_LAMBDA_RUNTIME_API (GET invocation/next, POST invocation/{id}/response
 * with {"statusCode":200,"body":"hello"}). `hello_fn serve PORT`: the same
 * loop as a plain HTTP/1.1 keep-alive server on 127.0.0.1:PORT answering
 * every request 200 "hello", one forked process per connection (as the
 * function host runs one process per concurrent invocation). Bench code,
 * not part of Portico. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    int fd;
    char buf[65536];
    size_t len;
} conn_t;

/* Reads one HTTP message (head + Content-Length body) into c->buf; returns
 * the head's length (body follows), or -1 on EOF/error. Leftover bytes of a
 * pipelined next message are kept. */
static long read_message(conn_t *c, size_t *body_len)
{
    for (;;) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (end != NULL) {
            size_t head = (size_t)(end - c->buf) + 4;
            size_t cl = 0;
            for (char *p = c->buf; p < end; p++) {
                if ((p == c->buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0)
                    cl = strtoul(p + 15, NULL, 10);
            }
            if (head + cl > sizeof(c->buf))
                return -1;
            while (c->len < head + cl) {
                ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
                if (n <= 0)
                    return -1;
                c->len += (size_t)n;
            }
            *body_len = cl;
            return (long)head;
        }
        if (c->len == sizeof(c->buf))
            return -1;
        ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
        if (n <= 0)
            return -1;
        c->len += (size_t)n;
    }
}

static void consume(conn_t *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int connect_to(const char *hostport)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host))
        return -1;
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static const char BODY[] = "{\"statusCode\":200,\"body\":\"hello\"}";

static int bootstrap(void)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    static conn_t c;
    char req[512];
    if (api == NULL)
        return 2;
    c.fd = -1;
    for (;;) {
        if (c.fd < 0) {
            c.fd = connect_to(api);
            c.len = 0;
            if (c.fd < 0)
                return 1;
        }
        int n =
            snprintf(req, sizeof(req),
                     "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
        size_t body_len;
        long head;
        if (write_all(c.fd, req, (size_t)n) != 0 || (head = read_message(&c, &body_len)) < 0) {
            close(c.fd);
            c.fd = -1;
            continue;
        }
        char id[128] = "";
        for (char *p = c.buf; p < c.buf + head; p++) {
            if ((p == c.buf || p[-1] == '\n') &&
                strncasecmp(p, "lambda-runtime-aws-request-id:", 30) == 0) {
                p += 30;
                while (*p == ' ')
                    p++;
                size_t k = strcspn(p, "\r\n");
                if (k < sizeof(id)) {
                    memcpy(id, p, k);
                    id[k] = '\0';
                }
                break;
            }
        }
        consume(&c, (size_t)head + body_len); /* the event: not needed for "hello" */
        n = snprintf(req, sizeof(req),
                     "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     id, api, sizeof(BODY) - 1, BODY);
        if (write_all(c.fd, req, (size_t)n) != 0 || (head = read_message(&c, &body_len)) < 0) {
            close(c.fd);
            c.fd = -1;
            continue;
        }
        consume(&c, (size_t)head + body_len);
    }
}

static void serve_conn(int fd)
{
    static conn_t c;
    static const char RESP[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               "Content-Length: 5\r\n\r\nhello";
    c.fd = fd;
    c.len = 0;
    for (;;) {
        size_t body_len;
        long head = read_message(&c, &body_len);
        if (head < 0)
            break;
        consume(&c, (size_t)head + body_len);
        if (write_all(fd, RESP, sizeof(RESP) - 1) != 0)
            break;
    }
    close(fd);
}

static int serve(int port)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 128) != 0) {
        perror("bind/listen");
        return 1;
    }
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        while (waitpid(-1, NULL, WNOHANG) > 0) /* reaped: their CPU goes to our cutime */
            ;
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        pid_t pid = fork();
        if (pid == 0) {
            close(ls);
            serve_conn(fd);
            _exit(0);
        }
        close(fd);
    }
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && strcmp(argv[1], "serve") == 0)
        return serve(atoi(argv[2]));
    return bootstrap();
}
