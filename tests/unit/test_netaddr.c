/* Unit tests for common/netaddr.h: HOST:PORT splitting and URL port offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "netaddr.h"

/* ---- helpers ------------------------------------------------------------ */

static void expect_split(const char *spec, const char *want_host, uint16_t want_port)
{
    char host[64];
    uint16_t port = 0;
    int rc = netaddr_split(spec, host, sizeof(host), &port);
    if (rc != 0)
        fail_msg("split(\"%s\") = %d, want 0", spec, rc);
    if (strcmp(host, want_host) != 0 || port != want_port)
        fail_msg("split(\"%s\") = (\"%s\", %u), want (\"%s\", %u)", spec, host, port, want_host,
                 want_port);
}

static void expect_split_refused(const char *const *specs)
{
    for (; *specs != NULL; specs++) {
        char host[64];
        uint16_t port = 0;
        if (netaddr_split(*specs, host, sizeof(host), &port) == 0)
            fail_msg("split(\"%s\") accepted as (\"%s\", %u), want -1", *specs, host, port);
    }
}

static void expect_offset(const char *url, int delta, const char *want)
{
    char out[128];
    int rc = netaddr_url_with_port_offset(url, delta, out, sizeof(out));
    if (want == NULL) {
        if (rc == 0)
            fail_msg("offset(\"%s\", %d) = \"%s\", want -1", url, delta, out);
        return;
    }
    if (rc != 0)
        fail_msg("offset(\"%s\", %d) = %d, want \"%s\"", url, delta, rc, want);
    if (strcmp(out, want) != 0)
        fail_msg("offset(\"%s\", %d) = \"%s\", want \"%s\"", url, delta, out, want);
}

/* ---- netaddr_split ------------------------------------------------------ */

static void split_host_port(void **state)
{
    expect_split("127.0.0.1:8080", "127.0.0.1", 8080);
    expect_split("localhost:80", "localhost", 80);
    expect_split("example.com:65535", "example.com", 65535);
    expect_split("h:0", "h", 0);
}

static void split_bracketed_ipv6(void **state)
{
    expect_split("[::1]:80", "::1", 80);
    expect_split("[fe80::1%eth0]:9000", "fe80::1%eth0", 9000);
    expect_split("[::]:443", "::", 443);
}

static void split_any_host(void **state)
{
    expect_split(":80", "", 80);
}

static void split_bad_ports(void **state)
{
    static const char *const specs[] = {
        "h:", "h:abc", "h:80x", "h:65536", "h:-1", "h:99999999999999999999", "h:8 0", NULL,
    };
    expect_split_refused(specs);
}

static void split_missing_port(void **state)
{
    static const char *const specs[] = {"localhost", "", "[::1]", "127.0.0.1", NULL};
    expect_split_refused(specs);
}

static void split_host_too_long(void **state)
{
    char host[8];
    uint16_t port;
    assert_int_equal(netaddr_split("abcdefg:80", host, sizeof(host), &port), 0);
    assert_string_equal(host, "abcdefg");
    assert_int_equal(netaddr_split("abcdefgh:80", host, sizeof(host), &port), -1);
}

/* ---- netaddr_url_with_port_offset --------------------------------------- */

static void offset_port(void **state)
{
    expect_offset("tcp://127.0.0.1:9000", 1, "tcp://127.0.0.1:9001");
    expect_offset("http://localhost:8080", -80, "http://localhost:8000");
    expect_offset("tcp://h:1", 0, "tcp://h:1");
    expect_offset("tcp://h:65534", 1, "tcp://h:65535");
}

static void offset_ipv6(void **state)
{
    expect_offset("tcp://[::1]:9000", 2, "tcp://[::1]:9002");
}

static void offset_out_of_range(void **state)
{
    expect_offset("tcp://h:65535", 1, NULL);
    expect_offset("tcp://h:1", -1, NULL);
    expect_offset("tcp://h:10", -20, NULL);
}

static void offset_malformed(void **state)
{
    static const char *const urls[] = {
        "tcp://h", "127.0.0.1:9000", "tcp://h:", "tcp://h:x", "tcp://h:80/path", "", "tcp://[::1]",
    };
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
        expect_offset(urls[i], 1, NULL);
}

static void offset_output_too_small(void **state)
{
    char out[16];
    /* "tcp://h:9001" is 12 bytes: 13 fit, 12 do not */
    assert_int_equal(netaddr_url_with_port_offset("tcp://h:9000", 1, out, 13), 0);
    assert_string_equal(out, "tcp://h:9001");
    assert_int_equal(netaddr_url_with_port_offset("tcp://h:9000", 1, out, 12), -1);
}

/* ---- netaddr_listen ----------------------------------------------------- */

static void listen_on_ephemeral_port(void **state)
{
    char err[256] = "";
    int fd = netaddr_listen("127.0.0.1:0", 0, err, sizeof(err));
    if (fd < 0)
        fail_msg("listen: %s", err);
    close(fd);
}

static void listen_refuses_bad_spec(void **state)
{
    char err[256] = "";
    assert_int_equal(netaddr_listen("no-port", 0, err, sizeof(err)), -1);
    assert_true(err[0] != '\0');
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_host_port),
        cmocka_unit_test(split_bracketed_ipv6),
        cmocka_unit_test(split_any_host),
        cmocka_unit_test(split_bad_ports),
        cmocka_unit_test(split_missing_port),
        cmocka_unit_test(split_host_too_long),
        cmocka_unit_test(offset_port),
        cmocka_unit_test(offset_ipv6),
        cmocka_unit_test(offset_out_of_range),
        cmocka_unit_test(offset_malformed),
        cmocka_unit_test(offset_output_too_small),
        cmocka_unit_test(listen_on_ephemeral_port),
        cmocka_unit_test(listen_refuses_bad_spec),
    };
    return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
