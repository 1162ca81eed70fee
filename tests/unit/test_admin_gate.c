/* Unit tests for controlplane/admin/admin_gate.h: the verdict on a request head. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "admin_gate.h"

#define TOKEN "secret-token-0123456789"

static int known_key(void *ctx, const char *id, size_t len)
{
    return len == strlen("AKIDEXAMPLE") && memcmp(id, "AKIDEXAMPLE", len) == 0;
}

static void verdicts(void **state)
{
    static const admin_gate_keys_t keys = {known_key, NULL};
    static const struct {
        const char *name, *head;
        int want;
    } rows[] = {
        {"right token", "POST /restapis HTTP/1.1\r\nAuthorization: Bearer " TOKEN "\r\n\r\n",
         ADMIN_GATE_PASS},
        {"any case, spaces", "GET / HTTP/1.1\r\nauthorization:   bearer " TOKEN "  \r\n\r\n",
         ADMIN_GATE_PASS},
        {"no token", "POST /restapis HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n",
         ADMIN_GATE_DENY},
        {"wrong token", "GET / HTTP/1.1\r\nAuthorization: Bearer secret-token-012345678\r\n\r\n",
         ADMIN_GATE_DENY_TOKEN},
        {"longer token", "GET / HTTP/1.1\r\nAuthorization: Bearer " TOKEN "x\r\n\r\n",
         ADMIN_GATE_DENY_TOKEN},
        {"not bearer", "GET / HTTP/1.1\r\nAuthorization: Basic " TOKEN "\r\n\r\n",
         ADMIN_GATE_DENY_TOKEN},
        {"first header counts",
         "GET / HTTP/1.1\r\nAuthorization: Bearer x\r\nAuthorization: Bearer " TOKEN "\r\n\r\n",
         ADMIN_GATE_DENY_TOKEN},
        {"token in another header",
         "GET /restapis HTTP/1.1\r\nX-Authorization: Bearer " TOKEN "\r\n\r\n", ADMIN_GATE_DENY},
        {"health", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", ADMIN_GATE_HEALTH},
        {"health with query", "GET /healthz?x=1 HTTP/1.1\r\n\r\n", ADMIN_GATE_HEALTH},
        {"POST health", "POST /healthz HTTP/1.1\r\n\r\n", ADMIN_GATE_DENY},
        {"health prefix", "GET /healthzz HTTP/1.1\r\n\r\n", ADMIN_GATE_DENY},
        {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ADMIN_GATE_DENY},
        {"incomplete", "GET / HTTP/1.1\r\nAuthorization: Bearer " TOKEN "\r\n", ADMIN_GATE_MORE},
        {"empty", "", ADMIN_GATE_MORE},
        {"console page", "GET /console/ HTTP/1.1\r\nHost: x\r\n\r\n", ADMIN_GATE_PASS},
        {"console file", "HEAD /console/js/app.js?v=1 HTTP/1.1\r\n\r\n", ADMIN_GATE_PASS},
        {"console bare", "GET /console HTTP/1.1\r\n\r\n", ADMIN_GATE_PASS},
        {"root redirect", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", ADMIN_GATE_PASS},
        {"console with a body", "GET /console/ HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
         ADMIN_GATE_DENY},
        {"console chunked", "GET /console/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
         ADMIN_GATE_DENY},
        {"console POST (answered 405)", "POST /console/ HTTP/1.1\r\n\r\n", ADMIN_GATE_PASS},
        {"root POST", "POST / HTTP/1.1\r\n\r\n", ADMIN_GATE_DENY},
        {"console prefix", "GET /consolex HTTP/1.1\r\n\r\n", ADMIN_GATE_DENY},
        {"API without token", "GET /restapis HTTP/1.1\r\n\r\n", ADMIN_GATE_DENY},
        {"SigV4, known key",
         "POST /restapis HTTP/1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
         "20240101/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=00\r\n\r\n",
         ADMIN_GATE_PASS},
        {"SigV4, unknown key",
         "POST /restapis HTTP/1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDOTHER/"
         "20240101/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=00\r\n\r\n",
         ADMIN_GATE_DENY_KEY},
        {"SigV4 without a credential",
         "POST /restapis HTTP/1.1\r\nAuthorization: AWS4-HMAC-SHA256 Signature=00\r\n\r\n",
         ADMIN_GATE_DENY_SIG},
        {"SigV4 without a signature",
         "POST /restapis HTTP/1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
         "20240101/us-east-1/apigateway\r\n\r\n",
         ADMIN_GATE_DENY_SIG},
        {"presigned, known key",
         "GET /restapis?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240101"
         "%2Fus-east-1%2Fapigateway%2Faws4_request HTTP/1.1\r\n\r\n",
         ADMIN_GATE_PASS},
        {"presigned, unknown key",
         "GET /restapis?X-Amz-Credential=AKIDOTHER%2F20240101 HTTP/1.1\r\n\r\n",
         ADMIN_GATE_DENY_KEY},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int got = admin_gate_check(rows[i].head, strlen(rows[i].head), TOKEN, strlen(TOKEN), &keys);
        if (got != rows[i].want)
            fail_msg("%s: %d, want %d", rows[i].name, got, rows[i].want);
    }
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
