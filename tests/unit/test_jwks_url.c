/* Unit tests for controlplane/cluster/jwks_url.h: the URLs JWT keys are fetched from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jwks_url.h"

static void allowed_urls(void **state)
{
    static const struct {
        const char *url;
        int ok;
    } rows[] = {
        {"https://id.example/.well-known/jwks.json", 1},
        {"https://id.example:8443/x", 1},
        {"http://127.0.0.1:8080/x", 1},
        {"http://127.9.9.9/x", 1},
        {"http://localhost/x", 1},
        {"http://[::1]:9/x", 1},
        {"HTTP://127.0.0.1/x", 1},
        /* user information hides the real host from naive checks */
        {"http://127.0.0.1:1@evil.example/x", 0},
        {"http://localhost@evil.example/x", 0},
        {"http://[::1]@evil.example/x", 0},
        {"https://user:pw@id.example/x", 0},
        {"http://evil.example/x", 0},
        {"http://127.0.0.1.evil.example/x", 0},
        {"http://localhost.evil.example/x", 0},
        {"http://128.0.0.1/x", 0},
        {"http://[::2]/x", 0},
        {"http://0.0.0.0/x", 0},
        {"https://id.example/x#frag", 0},
        {"ftp://127.0.0.1/x", 0},
        {"file:///etc/passwd", 0},
        {"gopher://127.0.0.1/", 0},
        {"https://", 0},
        {"not a url", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (jwks_url_allowed(rows[i].url) != rows[i].ok)
            fail_msg("%s: want %d", rows[i].url, rows[i].ok);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(allowed_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
