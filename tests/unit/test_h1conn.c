/* Unit tests for the pure parts of the data plane's HTTP/1.1 server
 * (dataplane/core/h1frame.h, used by h1conn.c): request heads and their
 * limits, entity framing, chunked decoding fed in pieces, and response heads
 * compared with the sprintf format of h2o 2.2.5's flatten_headers. Tables of
 * named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h1frame.h"

/* ---- request heads --------------------------------------------------------------------- */

struct head_case {
    const char *name;
    const char *in;
    int want; /* > 0: the head's length is strlen(in) minus want_rest; else a code */
    size_t want_rest;
    const char *method, *path;
    int minor;
    size_t nheaders;
};

static const struct head_case head_cases[] = {
    {"GET HTTP/1.1", "GET /pets HTTP/1.1\r\nHost: a\r\n\r\n", 1, 0, "GET", "/pets", 1, 1},
    {"HTTP/1.0 no headers", "GET / HTTP/1.0\r\n\r\n", 1, 0, "GET", "/", 0, 0},
    {"pipelined: only the first", "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", 1, 19, "GET",
     "/a", 1, 0},
    {"body follows the head", "POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 1, 3, "POST",
     "/p", 1, 1},
    {"incomplete request line", "GET /pe", H1FRAME_INCOMPLETE},
    {"incomplete headers", "GET / HTTP/1.1\r\nHost: a\r\n", H1FRAME_INCOMPLETE},
    {"bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", 1, 0, "GET", "/", 1, 1},
    {"garbage", "\x01\x02\x03 nonsense\r\n\r\n", H1FRAME_BROKEN},
    {"space in the header name", "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", H1FRAME_BROKEN},
    {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", H1FRAME_BROKEN},
};

static void head_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(head_cases) / sizeof(head_cases[0]); i++) {
        const struct head_case *c = &head_cases[i];
        h1frame_head_t h;
        size_t len = strlen(c->in);
        int r = h1frame_parse_head(c->in, len, 0, &h);
        print_message("%s\n", c->name);
        if (c->want <= 0) {
            assert_int_equal(r, c->want);
            continue;
        }
        assert_int_equal(r, (int)(len - c->want_rest));
        assert_int_equal(h.method.len, strlen(c->method));
        assert_memory_equal(h.method.base, c->method, h.method.len);
        assert_int_equal(h.path.len, strlen(c->path));
        assert_memory_equal(h.path.base, c->path, h.path.len);
        assert_int_equal(h.minor_version, c->minor);
        assert_int_equal(h.num_headers, c->nheaders);
    }
}

/* A head fed one byte at a time completes exactly at its last byte. */
static void head_byte_by_byte(void **state)
{
    (void)state;
    const char *in = "POST /x?y=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n";
    size_t len = strlen(in), prev = 0;
    h1frame_head_t h;
    for (size_t n = 1; n < len; n++) {
        assert_int_equal(h1frame_parse_head(in, n, prev, &h), H1FRAME_INCOMPLETE);
        prev = n;
    }
    assert_int_equal(h1frame_parse_head(in, len, prev, &h), (int)len);
    assert_int_equal(h.num_headers, 3);
}

/* h2o's limits: a head must complete within 8192 bytes, and 100 headers. */
static void head_limits(void **state)
{
    (void)state;
    h1frame_head_t h;
    size_t big = H1FRAME_MAX_REQLEN + 100;
    char *in = malloc(big);
    assert_non_null(in);
    int n = snprintf(in, big, "GET / HTTP/1.1\r\nX-Big: ");
    memset(in + n, 'a', big - (size_t)n);
    assert_int_equal(h1frame_parse_head(in, H1FRAME_MAX_REQLEN - 1, 0, &h), H1FRAME_INCOMPLETE);
    assert_int_equal(h1frame_parse_head(in, big, 0, &h), H1FRAME_TOO_LARGE);
    /* 100 headers fit, 101 do not */
    for (int count = 100; count <= 101; count++) {
        size_t off = (size_t)snprintf(in, big, "GET / HTTP/1.1\r\n");
        for (int i = 0; i < count; i++)
            off += (size_t)snprintf(in + off, big - off, "h%d: v\r\n", i);
        off += (size_t)snprintf(in + off, big - off, "\r\n");
        int r = h1frame_parse_head(in, off, 0, &h);
        if (count == 100)
            assert_int_equal(r, (int)off);
        else
            assert_int_equal(r, H1FRAME_BROKEN);
    }
    free(in);
}

struct broken_case {
    const char *name;
    const char *in;
    int want;
};

static const struct broken_case broken_cases[] = {
    {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 1},
    {"preface prefix only", "PRI * HTTP/1.1\r\n", 0},
    {"CRLF", "\r\n", 2},
    {"four CR/LF", "\r\n\r\n", 2},
    {"five CR/LF", "\r\n\r\n\n", 0},
    {"garbage", "\x01", 0},
};

static void broken_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(broken_cases) / sizeof(broken_cases[0]); i++) {
        print_message("%s\n", broken_cases[i].name);
        assert_int_equal(h1frame_classify_broken(broken_cases[i].in, strlen(broken_cases[i].in)),
                         broken_cases[i].want);
    }
}

/* ---- entity framing -------------------------------------------------------------------- */

struct entity_case {
    const char *name;
    const char *header, *value;
    int chunked;
    size_t length;
    int status;
    const char *body;
};

static const struct entity_case entity_cases[] = {
    {"content-length", "content-length", "12", 0, 12, 0, NULL},
    {"content-length zero", "content-length", "0", 0, 0, 0, NULL},
    {"content-length at the limit", "content-length", "1000", 0, 1000, 0, NULL},
    {"content-length over the limit", "content-length", "1001", 0, 0, 413,
     "request entity is too large"},
    {"content-length not a number", "content-length", "12a", 0, 0, 400,
     "broken content-length header"},
    {"content-length negative", "content-length", "-1", 0, 0, 400, "broken content-length header"},
    {"content-length empty", "content-length", "", 0, 0, 400, "broken content-length header"},
    {"chunked", "transfer-encoding", "chunked", 1, 0, 0, NULL},
    {"chunked in capitals", "transfer-encoding", "CHUNKED", 1, 0, 0, NULL},
    {"gzip", "transfer-encoding", "gzip", 0, 0, 400, "unknown transfer-encoding"},
    {"gzip, chunked", "transfer-encoding", "gzip, chunked", 0, 0, 400, "unknown transfer-encoding"},
};

static void entity_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(entity_cases) / sizeof(entity_cases[0]); i++) {
        const struct entity_case *c = &entity_cases[i];
        struct phr_header ph = {c->header, strlen(c->header), c->value, strlen(c->value)};
        h1frame_entity_t e;
        print_message("%s\n", c->name);
        h1frame_entity(&ph, 1000, &e);
        assert_int_equal(e.status, c->status);
        if (c->status != 0) {
            assert_string_equal(e.body, c->body);
            assert_string_equal(e.reason,
                                c->status == 413 ? "Request Entity Too Large" : "Invalid Request");
            continue;
        }
        assert_int_equal(e.chunked, c->chunked);
        assert_int_equal(e.content_length, c->length);
    }
}

/* ---- chunked entities ------------------------------------------------------------------ */

struct chunked_case {
    const char *name;
    const char *in; /* after a 4-byte stand-in head "HEAD" */
    size_t step;    /* bytes fed per call (0: all at once) */
    size_t max;
    int want; /* 1, 400 or 413 */
    const char *entity;
    const char *rest; /* the bytes left after the entity */
};

static const struct chunked_case chunked_cases[] = {
    {"one chunk", "5\r\nhello\r\n0\r\n\r\n", 0, 1000, 1, "hello", ""},
    {"two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 0, 1000, 1, "hello world", ""},
    {"byte by byte", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 1, 1000, 1, "hello world", ""},
    {"three bytes at a time", "a\r\n0123456789\r\n0\r\n\r\n", 3, 1000, 1, "0123456789", ""},
    {"with a trailer", "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", 0, 1000, 1, "abc", ""},
    {"chunk extension", "3;ext=1\r\nabc\r\n0\r\n\r\n", 0, 1000, 1, "abc", ""},
    {"empty entity", "0\r\n\r\n", 0, 1000, 1, "", ""},
    {"a pipelined request follows", "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n", 0, 1000, 1,
     "abc", "GET / HTTP/1.1\r\n\r\n"},
    {"bad size", "zz\r\nabc\r\n0\r\n\r\n", 0, 1000, 400, NULL, NULL},
    {"over the limit", "a\r\n0123456789\r\n0\r\n\r\n", 0, 8, 413, NULL, NULL},
    {"over the limit in pieces", "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 2, 8, 413, NULL, NULL},
};

static void chunked_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(chunked_cases) / sizeof(chunked_cases[0]); i++) {
        const struct chunked_case *c = &chunked_cases[i];
        char buf[256];
        size_t total = 4 + strlen(c->in), size = 4, end = 0;
        memcpy(buf, "HEAD", 4);
        memcpy(buf + 4, c->in, total - 4);
        h1frame_chunked_t ch;
        h1frame_chunked_init(&ch, 4);
        print_message("%s\n", c->name);
        int r = 0;
        /* bytes arrive: the buffer holds what is decoded plus what is new */
        size_t fed = 4;
        while (r == 0 && fed < total) {
            size_t n = c->step == 0 ? total - fed : c->step;
            if (n > total - fed)
                n = total - fed;
            memmove(buf + size, c->in + (fed - 4), n);
            size += n;
            fed += n;
            r = h1frame_chunked_feed(&ch, buf, &size, 4, c->max, &end);
        }
        assert_int_equal(r, c->want);
        if (r != 1)
            continue;
        assert_int_equal(end - 4, strlen(c->entity));
        assert_memory_equal(buf + 4, c->entity, end - 4);
        assert_int_equal(size - end, strlen(c->rest));
        assert_memory_equal(buf + end, c->rest, size - end);
    }
}

/* ---- response heads -------------------------------------------------------------------- */

#define DATE "Mon, 30 Nov 2026 16:00:00 GMT"

struct resp_case {
    const char *name;
    int status;
    const char *reason;
    const char *connection;
    size_t content_length;
    const char *server;
    int nheaders; /* from resp_headers */
    int msie;
    const char *want;
};

static h2o_header_t resp_headers[3];

static const struct resp_case resp_cases[] = {
    {"200 with length", 200, "OK", "keep-alive", 5, "", 0, 0,
     "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n"},
    {"no length (chunked or close)", 200, "OK", "close", SIZE_MAX, "", 0, 0,
     "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nConnection: close\r\n\r\n"},
    {"length zero", 204, "No Content", "keep-alive", 0, "", 0, 0,
     "HTTP/1.1 204 No Content\r\nDate: " DATE "\r\nConnection: keep-alive\r\nContent-Length: "
     "0\r\n\r\n"},
    {"large length", 200, "OK", "keep-alive", 18446744073709551614ULL, "", 0, 0,
     "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nConnection: keep-alive\r\nContent-Length: "
     "18446744073709551614\r\n\r\n"},
    {"server name and headers", 404, "Not Found", "keep-alive", 2, "Portico", 3, 0,
     "HTTP/1.1 404 Not Found\r\nDate: " DATE "\r\nConnection: keep-alive\r\nContent-Length: "
     "2\r\nServer: Portico\r\ncontent-type: application/json\r\nX-Amzn-RequestId: r-1\r\nvary: "
     "Origin\r\n\r\n"},
    {"MSIE: Vary becomes Cache-Control", 200, "OK", "keep-alive", 2, "", 3, 1,
     "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nConnection: keep-alive\r\nContent-Length: "
     "2\r\ncontent-type: application/json\r\nX-Amzn-RequestId: r-1\r\ncache-control: "
     "private\r\n\r\n"},
    {"101 upgrade", 101, "Switching Protocols", "upgrade", SIZE_MAX, "", 0, 0,
     "HTTP/1.1 101 Switching Protocols\r\nDate: " DATE "\r\nConnection: upgrade\r\n\r\n"},
    {"status 999", 999, "X", "close", SIZE_MAX, "", 0, 0,
     "HTTP/1.1 999 X\r\nDate: " DATE "\r\nConnection: close\r\n\r\n"},
    {"status 100", 100, "Continue", "keep-alive", SIZE_MAX, "", 0, 0,
     "HTTP/1.1 100 Continue\r\nDate: " DATE "\r\nConnection: keep-alive\r\n\r\n"},
};

static void resp_headers_init(void)
{
    static h2o_iovec_t xreq = {H2O_STRLIT("x-amzn-requestid")};
    resp_headers[0] =
        (h2o_header_t){&H2O_TOKEN_CONTENT_TYPE->buf, NULL, {H2O_STRLIT("application/json")}};
    resp_headers[1] = (h2o_header_t){&xreq, "X-Amzn-RequestId", {H2O_STRLIT("r-1")}};
    resp_headers[2] = (h2o_header_t){&H2O_TOKEN_VARY->buf, NULL, {H2O_STRLIT("Origin")}};
}

/* h2o 2.2.5's flatten_headers, sprintf and all: the reference */
static size_t resp_reference(char *dst, const h1frame_res_t *res)
{
    char *p = dst;
    if (res->content_length != SIZE_MAX)
        p +=
            sprintf(p, "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: %s\r\nContent-Length: %zu\r\n",
                    res->status, res->reason, res->date, res->connection.base, res->content_length);
    else
        p += sprintf(p, "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: %s\r\n", res->status,
                     res->reason, res->date, res->connection.base);
    if (res->server_name.len)
        p += sprintf(p, "Server: %s\r\n", res->server_name.base);
    for (size_t i = 0; i < res->num_headers; i++) {
        const h2o_header_t *h = res->headers + i;
        if (res->msie && h->name == &H2O_TOKEN_VARY->buf)
            p += sprintf(p, "cache-control: private\r\n");
        else
            p += sprintf(p, "%.*s: %.*s\r\n", (int)h->name->len,
                         h->orig_name ? h->orig_name : h->name->base, (int)h->value.len,
                         h->value.base);
    }
    p += sprintf(p, "\r\n");
    return (size_t)(p - dst);
}

static void resp_table(void **state)
{
    (void)state;
    resp_headers_init();
    for (size_t i = 0; i < sizeof(resp_cases) / sizeof(resp_cases[0]); i++) {
        const struct resp_case *c = &resp_cases[i];
        h1frame_res_t res = {
            .status = c->status,
            .reason = c->reason,
            .date = DATE,
            .connection = h2o_iovec_init(c->connection, strlen(c->connection)),
            .content_length = c->content_length,
            .server_name = h2o_iovec_init(c->server, strlen(c->server)),
            .headers = resp_headers,
            .num_headers = (size_t)c->nheaders,
            .msie = c->msie,
        };
        print_message("%s\n", c->name);
        size_t bound = h1frame_head_size(&res);
        char *buf = malloc(bound), ref[1024];
        assert_non_null(buf);
        size_t len = h1frame_write_head(buf, &res);
        assert_true(len <= bound);
        assert_int_equal(len, strlen(c->want));
        assert_memory_equal(buf, c->want, len);
        assert_int_equal(resp_reference(ref, &res), len);
        assert_memory_equal(ref, buf, len);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(head_table),   cmocka_unit_test(head_byte_by_byte),
        cmocka_unit_test(head_limits),  cmocka_unit_test(broken_table),
        cmocka_unit_test(entity_table), cmocka_unit_test(chunked_table),
        cmocka_unit_test(resp_table),
    };
    return cmocka_run_group_tests_name("h1conn", tests, NULL, NULL);
}
