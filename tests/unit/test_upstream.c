/* Unit tests for dataplane/core/upstream.h: pools nobody uses any more are
 * freed; idle connections stay on the loop and go when the peer closes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "upstream.h"

static int connected;

static void on_connect(h2o_socket_t *sock, const char *err)
{
    connected = err == NULL ? 1 : -1;
}

/* A connection to 127.0.0.1:port, adopted by t, once connected. */
static h2o_socket_t *connect_to(h2o_evloop_t *loop, upstream_target_t *t, uint16_t port)
{
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    connected = 0;
    h2o_socket_t *sock = h2o_socket_connect(loop, (struct sockaddr *)&a, sizeof(a), on_connect);
    assert_non_null(sock);
    upstream_adopt(t, sock);
    for (int i = 0; i < 50 && connected == 0; i++)
        h2o_evloop_run(loop, 10);
    assert_int_equal(connected, 1);
    return sock;
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
    upstream_target_t *a = upstream_target(&u, h2o_iovec_init(H2O_STRLIT("10.0.0.1")), 80, 0);
    upstream_target(&u, h2o_iovec_init(H2O_STRLIT("10.0.0.2")), 80, 0);
    upstream_target_t *busy = upstream_target(&u, h2o_iovec_init(H2O_STRLIT("127.0.0.1")), port, 0);
    assert_int_equal(upstream_pool_count(&u), 3);
    /* the same host and port is the same pool while it is in use */
    assert_ptr_equal(upstream_target(&u, h2o_iovec_init(H2O_STRLIT("10.0.0.1")), 80, 0), a);
    upstream_sweep(&u);
    assert_int_equal(upstream_pool_count(&u), 3); /* all used just now */
    h2o_socket_t *sock = connect_to(loop, busy, port);
    u.sweep_idle_ms = 0; /* everything counts as unused from now on */
    upstream_sweep(&u);
    assert_int_equal(upstream_pool_count(&u), 1); /* the pool with a connection stays */
    upstream_give_back(busy, sock);
    upstream_sweep(&u);
    assert_int_equal(upstream_pool_count(&u), 1); /* an idle connection counts too */
    upstream_dispose(&u);
    close(lfd);
    h2o_evloop_destroy(loop);
}

static void idle_connections_stay_until_the_peer_closes(void **state)
{
    h2o_evloop_t *loop = h2o_evloop_create();
    upstream_pool_t u;
    upstream_init(&u, loop, NULL);
    uint16_t port;
    int lfd = listener(&port);
    upstream_target_t *t = upstream_target(&u, h2o_iovec_init(H2O_STRLIT("127.0.0.1")), port, 0);
    assert_true(t->has_addr);
    assert_null(upstream_take(t));
    h2o_socket_t *s1 = connect_to(loop, t, port), *s2 = connect_to(loop, t, port);
    int p1 = accept(lfd, NULL, NULL), p2 = accept(lfd, NULL, NULL);
    assert_true(p1 >= 0 && p2 >= 0);
    upstream_give_back(t, s1);
    upstream_give_back(t, s2);
    assert_int_equal(t->nidle, 2);
    for (int i = 0; i < 5; i++)
        h2o_evloop_run(loop, 10);
    /* the most recently returned first; the same socket object, no re-import */
    assert_ptr_equal(upstream_take(t), s2);
    upstream_give_back(t, s2);
    assert_int_equal(t->nsockets, 2);
    /* the endpoint closes one, and sends garbage on the other: both go */
    close(p1);
    assert_int_equal(write(p2, "x", 1), 1);
    for (int i = 0; i < 50 && t->nsockets > 0; i++)
        h2o_evloop_run(loop, 10);
    assert_int_equal(t->nsockets, 0);
    assert_int_equal(t->nidle, 0);
    assert_null(upstream_take(t));
    close(p2);
    upstream_dispose(&u);
    close(lfd);
    h2o_evloop_destroy(loop);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(idle_pools_are_freed_busy_ones_kept),
        cmocka_unit_test(idle_connections_stay_until_the_peer_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
