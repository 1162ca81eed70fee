/* Unit tests for dataplane/core/payload.c: the reference's content type
 * conversion tables (request: Content-Type, binaryMediaTypes, the
 * integration's contentHandling; response: Accept, binaryMediaTypes, the
 * integration response's contentHandling), row by row as the reference's
 * "Content type conversions in API Gateway" page lists them; media type
 * matching; base64 and the UTF-8 reading of text payloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "payload.h"
#include "rt.h"

enum want { TEXT, DECODE, ENCODE, BINARY };

static enum want outcome(payload_plan_t p)
{
    return p.in_binary ? (p.out_binary ? BINARY : ENCODE) : (p.out_binary ? DECODE : TEXT);
}

#define NONE 0
#define TO_TEXT RT_CONVERT_TO_TEXT
#define TO_BIN RT_CONVERT_TO_BINARY

typedef struct {
    int types_set;
    int ct_binary;
    int convert;
    enum want want;
} req_row_t;

/* Method request payload | Content-Type | binaryMediaTypes | contentHandling → integration request
 */
static const req_row_t req_rows[] = {
    {0, 0, NONE, TEXT},      /* text, any, undefined, undefined: UTF8-encoded string */
    {0, 0, TO_BIN, DECODE},  /* text, any, undefined, CONVERT_TO_BINARY: base64-decoded blob */
    {0, 0, TO_TEXT, TEXT},   /* text, any, undefined, CONVERT_TO_TEXT: UTF8-encoded string */
    {0, 1, NONE, TEXT},      /* "any data type": a binary Content-Type without the list is text */
    {0, 1, TO_BIN, DECODE},  /*   likewise */
    {1, 0, NONE, TEXT},      /* text, text type, set, undefined: text */
    {1, 0, TO_BIN, DECODE},  /* text, text type, set, CONVERT_TO_BINARY: base64-decoded blob */
    {1, 0, TO_TEXT, TEXT},   /* text, text type, set, CONVERT_TO_TEXT: text */
    {1, 1, NONE, BINARY},    /* binary, binary type, set, undefined: binary */
    {1, 1, TO_BIN, BINARY},  /* binary, binary type, set, CONVERT_TO_BINARY: binary */
    {1, 1, TO_TEXT, ENCODE}, /* binary, binary type, set, CONVERT_TO_TEXT: base64-encoded */
};

typedef struct {
    int types_set;
    int answer_binary;
    int accept_binary;
    int convert;
    enum want want;
} resp_row_t;

/* Integration response payload | Accept | binaryMediaTypes | contentHandling → method response */
static const resp_row_t resp_rows[] = {
    {0, 0, 0, NONE, TEXT},      /* text or binary, text type, undefined, undefined: UTF8 string */
    {0, 1, 0, NONE, TEXT},      /*   (binary data too: read as UTF-8) */
    {0, 0, 0, TO_BIN, DECODE},  /* text or binary, text, undefined, CONVERT_TO_BINARY: decoded */
    {0, 0, 0, TO_TEXT, TEXT},   /* text or binary, text, undefined, CONVERT_TO_TEXT: UTF8 string */
    {1, 0, 0, NONE, TEXT},      /* text, text type, set, undefined: text */
    {1, 0, 0, TO_BIN, DECODE},  /* text, text type, set, CONVERT_TO_BINARY: decoded blob */
    {1, 0, 0, TO_TEXT, TEXT},   /* text, text type, set, CONVERT_TO_TEXT: UTF8 string */
    {1, 0, 1, NONE, DECODE},    /* text, binary type, set, undefined: decoded blob */
    {1, 0, 1, TO_BIN, DECODE},  /* text, binary type, set, CONVERT_TO_BINARY: decoded blob */
    {1, 0, 1, TO_TEXT, TEXT},   /* text, binary type, set, CONVERT_TO_TEXT: UTF8 string */
    {1, 1, 0, NONE, ENCODE},    /* binary, text type, set, undefined: base64-encoded */
    {1, 1, 0, TO_BIN, BINARY},  /* binary, text type, set, CONVERT_TO_BINARY: binary */
    {1, 1, 0, TO_TEXT, ENCODE}, /* binary, text type, set, CONVERT_TO_TEXT: base64-encoded */
    {1, 1, 1, NONE, BINARY},    /* binary, binary type, set, undefined: binary */
    {1, 1, 1, TO_BIN, BINARY},  /* binary, binary type, set, CONVERT_TO_BINARY: binary */
    {1, 1, 1, TO_TEXT, ENCODE}, /* binary, binary type, set, CONVERT_TO_TEXT: base64-encoded */
};

static void request_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(req_rows) / sizeof(req_rows[0]); i++) {
        const req_row_t *w = &req_rows[i];
        payload_plan_t p = payload_request_plan(w->types_set, w->ct_binary, w->convert);
        if (outcome(p) != w->want)
            fail_msg("request row %zu: got %d, want %d", i, outcome(p), w->want);
        assert_int_equal(payload_template_applies(p), w->want != BINARY);
    }
}

static void response_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(resp_rows) / sizeof(resp_rows[0]); i++) {
        const resp_row_t *w = &resp_rows[i];
        payload_plan_t p =
            payload_response_plan(w->types_set, w->answer_binary, w->accept_binary, w->convert);
        if (outcome(p) != w->want)
            fail_msg("response row %zu: got %d, want %d", i, outcome(p), w->want);
    }
}

typedef struct {
    const char *type;
    int want;
} media_case_t;

static void media_types(void **state)
{
    (void)state;
    static const char *const types[] = {"image/png", "application/vnd.*", "audio/*"};
    static const media_case_t cases[] = {
        {"image/png", 1},
        {"IMAGE/PNG", 1},
        {"image/png; charset=binary", 1},
        {" image/png ", 1},
        {"image/jpeg", 0},
        {"image/pngx", 0},
        {"application/vnd.ms-excel", 1},
        {"application/json", 0},
        {"audio/ogg", 1},
        {"", 0},
        {"text/plain", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (payload_media_matches(types, 3, cases[i].type, strlen(cases[i].type)) != cases[i].want)
            fail_msg("%s: want %d", cases[i].type, cases[i].want);
    static const char *const all[] = {"*/*"};
    assert_true(payload_media_matches(all, 1, "text/html", 9));
    assert_false(payload_media_matches(all, 0, "text/html", 9));
    assert_false(payload_media_matches(types, 3, NULL, 0));
}

static void first_accept(void **state)
{
    (void)state;
    static const struct {
        const char *accept, *want;
    } cases[] = {
        {"image/webp,image/*,*/*;q=0.8", "image/webp"},
        {"image/png;q=0.9, text/html", "image/png"},
        {"  application/json  ", "application/json"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h2o_iovec_t t = payload_first_accept(cases[i].accept, strlen(cases[i].accept));
        assert_int_equal(t.len, strlen(cases[i].want));
        assert_memory_equal(t.base, cases[i].want, t.len);
    }
    assert_int_equal(payload_first_accept(NULL, 0).len, 0);
}

static void base64_both_ways(void **state)
{
    (void)state;
    h2o_mem_pool_t pool;
    h2o_mem_init_pool(&pool);
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)(255 - i);
    for (size_t n = 0; n <= 256; n += 1 + n / 3) {
        h2o_iovec_t enc = payload_base64_encode(&pool, bytes, n), dec;
        assert_int_equal(enc.len, (n + 2) / 3 * 4);
        assert_int_equal(payload_base64_decode(&pool, enc.base, enc.len, &dec), 0);
        assert_int_equal(dec.len, n);
        assert_memory_equal(dec.base, bytes, n);
    }
    static const struct {
        const char *in;
        const char *want; /* NULL: malformed */
    } cases[] = {
        {"aGk=", "hi"},   {"aGk", "hi"}, {"aGVs\r\nbG8=", "hello"},
        {"aGk=a", NULL},  {"a", NULL},   {"a$==", NULL},
        {"aGk===", NULL}, {"", ""},      {"AAEC", "\x00\x01\x02"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h2o_iovec_t out;
        int rc = payload_base64_decode(&pool, cases[i].in, strlen(cases[i].in), &out);
        if (cases[i].want == NULL) {
            if (rc != -1)
                fail_msg("%s: accepted", cases[i].in);
            continue;
        }
        size_t wl = i == 8 ? 3 : strlen(cases[i].want);
        assert_int_equal(rc, 0);
        assert_int_equal(out.len, wl);
        assert_memory_equal(out.base, cases[i].want, wl);
    }
    h2o_mem_clear_pool(&pool);
}

static void utf8_reading(void **state)
{
    (void)state;
    h2o_mem_pool_t pool;
    h2o_mem_init_pool(&pool);
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"caf\xC3\xA9", "caf\xC3\xA9"},
        {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
        {"a\xFF"
         "b",
         "a\xEF\xBF\xBD"
         "b"},
        {"\x89PNG", "\xEF\xBF\xBDPNG"},
        {"\xE2\x82", "\xEF\xBF\xBD"},                             /* truncated: one replacement */
        {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},                 /* overlong */
        {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* surrogate */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h2o_iovec_t out = payload_utf8(&pool, h2o_iovec_init(cases[i].in, strlen(cases[i].in)));
        if (out.len != strlen(cases[i].want) || memcmp(out.base, cases[i].want, out.len) != 0)
            fail_msg("case %zu: got %.*s", i, (int)out.len, out.base);
    }
    h2o_mem_clear_pool(&pool);
}

static void plans_applied(void **state)
{
    (void)state;
    h2o_mem_pool_t pool;
    h2o_mem_init_pool(&pool);
    const char png[] = "\x89PNG\r\n\x1a\n\x00\x01";
    h2o_iovec_t bin = h2o_iovec_init(png, sizeof(png) - 1);
    /* binary in, text out: the template sees base64 */
    payload_plan_t enc = payload_request_plan(1, 1, TO_TEXT);
    h2o_iovec_t b = payload_before(&pool, enc, bin, 1);
    assert_int_equal(b.len, 16);
    assert_memory_equal(b.base, "iVBORw0KGgoAAQ==", 16);
    assert_int_equal(payload_after(&pool, enc, &b), 0);
    assert_memory_equal(b.base, "iVBORw0KGgoAAQ==", 16);
    /* text in, binary out: decoded after the template */
    payload_plan_t dec = payload_request_plan(0, 0, TO_BIN);
    h2o_iovec_t t = payload_before(&pool, dec, h2o_iovec_init("iVBORw0KGgoAAQ==", 16), 0);
    assert_int_equal(payload_after(&pool, dec, &t), 0);
    assert_int_equal(t.len, bin.len);
    assert_memory_equal(t.base, png, bin.len);
    h2o_iovec_t bad = h2o_iovec_init("not base64!", 11);
    assert_int_equal(payload_after(&pool, dec, &bad), -1);
    /* binary both ways: untouched */
    payload_plan_t pass = payload_request_plan(1, 1, NONE);
    h2o_iovec_t p = payload_before(&pool, pass, bin, 0);
    assert_ptr_equal(p.base, bin.base);
    assert_int_equal(payload_after(&pool, pass, &p), 0);
    assert_ptr_equal(p.base, bin.base);
    /* text: made UTF-8 when it passes, left to the engine when templated */
    payload_plan_t text = payload_request_plan(0, 0, NONE);
    assert_ptr_equal(payload_before(&pool, text, bin, 1).base, bin.base);
    h2o_iovec_t clean = payload_before(&pool, text, bin, 0);
    assert_memory_equal(clean.base, "\xEF\xBF\xBDPNG", 6);
    h2o_mem_clear_pool(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_table),    cmocka_unit_test(response_table),
        cmocka_unit_test(media_types),      cmocka_unit_test(first_accept),
        cmocka_unit_test(base64_both_ways), cmocka_unit_test(utf8_reading),
        cmocka_unit_test(plans_applied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
