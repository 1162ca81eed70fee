/* Unit tests for dataplane/core/upstream.h: pools nobody uses any more are freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "upstream.h"

static void on_connect(h2o_socket_t *sock, const char *err, void *data)
{
    (void)err;
    (void)data;
    if (sock != NULL)
        h2o_socket_close(sock);
}

/* A loopback port that accepts connections (never answered). */
static int listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void idle_pools_are_freed_busy_ones_kept(void **state)
{
    h2o_evloop_t *loop = h2o_evloop_create();
    upstream_pool_t u;
    upstream_init(&u, loop, NULL);
    uint16_t port;
    int lfd = listener(&port);
    h2o_socketpool_t *a = upstream_socketpool(&u, h2o_iovec_init(H2O_STRLIT("10.0.0.1")), 80, 0);
    upstream_socketpool(&u, h2o_iovec_init(H2O_STRLIT("10.0.0.2")), 80, 0);
    h2o_socketpool_t *busy =
        upstream_socketpool(&u, h2o_iovec_init(H2O_STRLIT("127.0.0.1")), port, 0);
    assert_int_equal(upstream_pool_count(&u), 3);
    /* the same host and port is the same pool while it is in use */
    assert_ptr_equal(upstream_socketpool(&u, h2o_iovec_init(H2O_STRLIT("10.0.0.1")), 80, 0), a);
    upstream_sweep(&u);
    assert_int_equal(upstream_pool_count(&u), 3); /* all used just now */
    h2o_socketpool_connect_request_t *req = NULL;
    h2o_socketpool_connect(&req, busy, loop, NULL, on_connect, NULL);
    u.sweep_idle_ms = 0; /* everything counts as unused from now on */
    upstream_sweep(&u);
    assert_int_equal(upstream_pool_count(&u), 1); /* the pool with a connection stays */
    for (int i = 0; i < 20 && req != NULL; i++)
        h2o_evloop_run(loop, 10);
    upstream_dispose(&u);
    close(lfd);
    h2o_evloop_destroy(loop);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(idle_pools_are_freed_busy_ones_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
