/* Unit tests for the template engine's JSON reader (common/vtl_json.c,
 * vtl_json_parse; vtl_map_from_pairs in vtl_value.c): the values it makes
 * (their Java types, map order and repeated keys), its errors and their
 * byte offsets, the depth bound, every prefix of documents (each parsed
 * from a buffer of exactly its length, so that a sanitizer build sees any
 * read past the end), long strings and large objects, the memory bound.
 * The expected values and messages of the tables were produced by the
 * reader before its rewrite (recursive, main at e541770). Includes the
 * engine's internal header: the values are checked as the engine holds
 * them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vtl_int.h"

/* ---- a render state for the reader alone ---- */
typedef struct fixture {
    arena_t *arena;
    char *text; /* the document parsed last: its strings point into it */
    vtl_rs_t rs;
    vtl_error_t err;
} fixture_t;

static void reset(fixture_t *f, size_t max_memory)
{
    if (f->arena)
        arena_destroy(f->arena);
    free(f->text);
    f->text = NULL;
    f->arena = arena_create(64 * 1024);
    memset(&f->rs, 0, sizeof(f->rs));
    memset(&f->err, 0, sizeof(f->err));
    f->rs.lim.max_memory = max_memory;
    f->rs.al = vtl_arena_alloc(f->arena);
    f->rs.err = &f->err;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    *state = f;
    return f ? 0 : -1;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    if (f->arena)
        arena_destroy(f->arena);
    free(f->text);
    free(f);
    return 0;
}

/* ---- values written out with their types: I Integer, L Long, D Double
 * (C's %a), 'string', [list], {key:value} ---- */
typedef struct out {
    char p[16384];
    size_t n;
} out_t;

static void add(out_t *o, const char *s, size_t n)
{
    if (o->n + n < sizeof(o->p)) {
        memcpy(o->p + o->n, s, n);
        o->n += n;
    }
}

static void addf(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(out_t *o, const char *fmt, ...)
{
    char t[64];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t, sizeof(t), fmt, ap);
    va_end(ap);
    add(o, t, (size_t)k);
}

static void dump(out_t *o, const vtl_value_t *v)
{
    switch (v->type) {
    case V_NULL:
        add(o, "null", 4);
        break;
    case V_BOOL:
        add(o, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
        break;
    case V_INT:
        addf(o, "I%lld", (long long)v->u.i);
        break;
    case V_LONG:
        addf(o, "L%lld", (long long)v->u.i);
        break;
    case V_DOUBLE:
        addf(o, "D%a", v->u.d);
        break;
    case V_STR:
        add(o, "'", 1);
        add(o, v->u.str, v->len);
        add(o, "'", 1);
        break;
    case V_LIST:
        assert_int_equal(v->u.l->kind, L_JSON);
        add(o, "[", 1);
        for (size_t k = 0; k < v->u.l->n; k++) {
            if (k)
                add(o, ",", 1);
            dump(o, &v->u.l->v[k]);
        }
        add(o, "]", 1);
        break;
    case V_MAP:
        add(o, "{", 1);
        for (size_t k = 0; k < v->u.m->n; k++) {
            if (k)
                add(o, ",", 1);
            dump(o, &v->u.m->keys[k]);
            add(o, ":", 1);
            dump(o, &v->u.m->vals[k]);
            /* every key is found where it is */
            assert_int_equal(vtl_map_find(v->u.m, v->u.m->keys[k]), (long)k);
        }
        add(o, "}", 1);
        break;
    default:
        fail_msg("unexpected type %d", v->type);
    }
}

/* parses n bytes copied to a buffer of exactly n bytes (kept until the
 * next reset); o receives the values or "ERR " and the message; returns
 * the render's code */
static int parse(fixture_t *f, const char *text, size_t n, out_t *o, vtl_value_t *val)
{
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, text, n);
    free(f->text);
    f->text = copy;
    o->n = 0;
    int code = setjmp(f->rs.fail);
    if (code == 0) {
        vtl_value_t v = vtl_json_parse(&f->rs, copy, n, "the body");
        dump(o, &v);
        if (val)
            *val = v;
    } else {
        add(o, "ERR ", 4);
        add(o, f->err.message, strlen(f->err.message));
    }
    o->p[o->n] = 0;
    return code;
}

typedef struct jcase {
    const char *json;
    const char *expect;
} jcase_t;

static const jcase_t cases[] = {
    {"{}", "{}"},
    {"[]", "[]"},
    {" {\x09"
     "}",
     "{}"},
    {"[ ]", "[]"},
    {"{\"a\":1,\"b\":2,\"a\":3}", "{'a':I3,'b':I2}"},
    {"{\"k\":[],\"l\":{},\"m\":[{}],\"n\":[[]]}", "{'k':[],'l':{},'m':[{}],'n':[[]]}"},
    {"[0,-0,1,-1,2147483647,2147483648,-2147483648,-2147483649,123456789012345678,-"
     "12345678901234567,1234567890123456789,-1234567890123456789,9223372036854775807,"
     "9223372036854775808,-9223372036854775808,-9223372036854775809,99999999999999999999,-"
     "99999999999999999999]",
     "[I0,I0,I1,I-1,I2147483647,L2147483648,I-2147483648,L-2147483649,L123456789012345678,L-"
     "12345678901234567,L1234567890123456789,L-1234567890123456789,L9223372036854775807,D0x1p+63,L-"
     "9223372036854775808,D-0x1p+63,D0x1.5af1d78b58c4p+66,D-0x1.5af1d78b58c4p+66]"},
    {"[1.5,-0.0,0.0,1e5,1E+5,1e-5,.5,-.5,1.,01,-01,007,1e400,-1e400,1e-400,0.1,123456789012345678."
     "0,1234567890123456789e0]",
     "[D0x1.8p+0,D-0x0p+0,D0x0p+0,D0x1.86ap+16,D0x1.86ap+16,D0x1.4f8b588e368f1p-17,D0x1p-1,D-0x1p-"
     "1,D0x1p+0,I1,I-1,I7,Dinf,D-inf,D0x0p+0,D0x1.999999999999ap-4,D0x1.b69b4ba630f35p+56,D0x1."
     "12210f47de981p+60]"},
    {"\"\\b\\f\\n\\r\\t\\\"\\\\\\/\\x\\q\\u0041\\u00e9\\u20ac\\uFFFF\"", "'\x08"
                                                                         "\x0c"
                                                                         "\x0a"
                                                                         "\x0d"
                                                                         "\x09"
                                                                         "\"\\/xqA\xc3"
                                                                         "\xa9"
                                                                         "\xe2"
                                                                         "\x82"
                                                                         "\xac"
                                                                         "\xef"
                                                                         "\xbf"
                                                                         "\xbf"
                                                                         "'"},
    {"\"\\ud83d\\ude00|\\uD83D\\uDE00|\\ud800|\\udc00|\\ud800\\u0041|\\ud800\\ud800\\udc00|"
     "\\udbff\\udfff|\\udfff\\ud800\"",
     "'\xf0"
     "\x9f"
     "\x98"
     "\x80"
     "|\xf0"
     "\x9f"
     "\x98"
     "\x80"
     "|?|?|?A|?\xf0"
     "\x90"
     "\x80"
     "\x80"
     "|\xf4"
     "\x8f"
     "\xbf"
     "\xbf"
     "|?\?'"},
    {"\"0123456789abcdef\\\"0123456789abcdef0123456789abcdef\\\\0123456789abcdef\\n\"",
     "'0123456789abcdef\"0123456789abcdef0123456789abcdef\\0123456789abcdef\x0a"
     "'"},
    {"[true,false,null]", "[true,false,null]"},
    {"true", "true"},
    {"false", "false"},
    {"null", "null"},
    {" \x09"
     "{ \x09"
     "\"a\" \x09"
     ": \x09"
     "[ \x09"
     "1 \x09"
     ", \x09"
     "\"x\" \x09"
     "] \x09"
     ", \x09"
     "\"b\" \x09"
     ": \x09"
     "{ \x09"
     "} \x09"
     "} \x09"
     "",
     "{'a':[I1,'x'],'b':{}}"},
    {"\"caf\\u00e9 raw:\xc3"
     "\xa9"
     " \\x\"",
     "'caf\xc3"
     "\xa9"
     " raw:\xc3"
     "\xa9"
     " x'"},
    {"{\"\":1,\"\":2}", "{'':I2}"},
    {" \t\n\r{ \t\n\r\"a\" \t\n\r: \t\n\r[ \t\n\r1 \t\n\r, \t\n\r\"x\" \t\n\r] \t\n\r, \t\n\r\"b\" "
     "\t\n\r: \t\n\r{ \t\n\r} \t\n\r} \t\n\r",
     "{'a':[I1,'x'],'b':{}}"},
    {"", "ERR the body: invalid JSON at byte 0: unexpected end"},
    {" ", "ERR the body: invalid JSON at byte 1: unexpected end"},
    {"{", "ERR the body: invalid JSON at byte 1: unexpected end"},
    {"[", "ERR the body: invalid JSON at byte 1: unexpected end"},
    {"{\"a\"", "ERR the body: invalid JSON at byte 4: unexpected end"},
    {"{\"a\":", "ERR the body: invalid JSON at byte 5: unexpected end"},
    {"{\"a\":1", "ERR the body: invalid JSON at byte 6: unexpected end"},
    {"{\"a\":1,", "ERR the body: invalid JSON at byte 7: unexpected end"},
    {"{\"a\":1,}", "ERR the body: invalid JSON at byte 7: expected a key"},
    {"[1,]", "ERR the body: invalid JSON at byte 3: bad value"},
    {"[1 2]", "ERR the body: invalid JSON at byte 4: expected ',' or ']'"},
    {"{\"a\" 1}", "ERR the body: invalid JSON at byte 5: expected ':'"},
    {"{1:2}", "ERR the body: invalid JSON at byte 1: expected a key"},
    {"{\"a\":1]", "ERR the body: invalid JSON at byte 7: expected ',' or '}'"},
    {"[1}", "ERR the body: invalid JSON at byte 3: expected ',' or ']'"},
    {"tru", "ERR the body: invalid JSON at byte 0: bad value"},
    {"nul", "ERR the body: invalid JSON at byte 0: bad value"},
    {"fals", "ERR the body: invalid JSON at byte 0: bad value"},
    {"truex", "ERR the body: invalid JSON at byte 4: trailing data"},
    {"nulls", "ERR the body: invalid JSON at byte 4: trailing data"},
    {"-", "ERR the body: invalid JSON at byte 1: bad value"},
    {"+1", "ERR the body: invalid JSON at byte 0: bad value"},
    {"1e", "ERR the body: invalid JSON at byte 2: bad number"},
    {"1e+", "ERR the body: invalid JSON at byte 3: bad number"},
    {"1.e", "ERR the body: invalid JSON at byte 3: bad number"},
    {"--1", "ERR the body: invalid JSON at byte 1: bad value"},
    {"1-", "ERR the body: invalid JSON at byte 1: trailing data"},
    {".", "ERR the body: invalid JSON at byte 1: bad number"},
    {"e5", "ERR the body: invalid JSON at byte 2: bad number"},
    {"1 2", "ERR the body: invalid JSON at byte 2: trailing data"},
    {"\"abc", "ERR the body: invalid JSON at byte 4: unexpected end"},
    {"\"a\\", "ERR the body: invalid JSON at byte 3: unexpected end"},
    {"\"\\u12\"", "ERR the body: invalid JSON at byte 3: bad \\u escape"},
    {"\"\\u12", "ERR the body: invalid JSON at byte 3: bad \\u escape"},
    {"\"\\uZZZZ\"", "ERR the body: invalid JSON at byte 3: bad \\u escape"},
    {"\"\\ud800\\u12\"", "ERR the body: invalid JSON at byte 9: bad \\u escape"},
    {"\"x\\ud800\\uZZ\"", "ERR the body: invalid JSON at byte 10: bad \\u escape"},
    {"[\"\\u00e9\", \"\\uXYZW\"]", "ERR the body: invalid JSON at byte 14: bad \\u escape"},
    {"{\"a\":1}x", "ERR the body: invalid JSON at byte 7: trailing data"},
    {"[]]", "ERR the body: invalid JSON at byte 2: trailing data"},
    {"0x10", "ERR the body: invalid JSON at byte 1: trailing data"},
    {"NaN", "ERR the body: invalid JSON at byte 0: bad value"},
    {"Infinity", "ERR the body: invalid JSON at byte 0: bad value"},
    {"-Infinity", "ERR the body: invalid JSON at byte 1: bad value"},
    {"{\"a\":[1,{\"b\":\"c\\", "ERR the body: invalid JSON at byte 16: unexpected end"},
    {"[1,2,3,{\"x\":[true,fals]}]", "ERR the body: invalid JSON at byte 18: bad value"},
    /* long runs before the first escape (read in two passes) */
    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\naaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "ERR the body: invalid JSON at byte 143: unexpected end"},
    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\naaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\",
     "ERR the body: invalid JSON at byte 144: unexpected end"},
    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\n\\u12\"",
     "ERR the body: invalid JSON at byte 75: bad \\u escape"},
    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\u12",
     "ERR the body: invalid JSON at byte 73: bad \\u escape"},
    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\uZZZZ\"",
     "ERR the body: invalid JSON at byte 73: bad \\u escape"},
    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\ud800\\u12\"",
     "ERR the body: invalid JSON at byte 79: bad \\u escape"},
    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\ud800\\udc0",
     "ERR the body: invalid JSON at byte 79: bad \\u escape"},
    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\ud83d\\ude00\\ud800"
     "|\\udc00\\ud800\\u0041\\x\\\"",
     "ERR the body: invalid JSON at byte 112: unexpected end"},
    /* after a first escaped string */
    {"[\"\\n\", \"abc", "ERR the body: invalid JSON at byte 11: unexpected end"},
    {"[\"\\n\", \"a\\", "ERR the body: invalid JSON at byte 10: unexpected end"},
    {"[\"\\n\", \"\\u12\"]", "ERR the body: invalid JSON at byte 10: bad \\u escape"},
    {"[\"\\n\", \"\\u12", "ERR the body: invalid JSON at byte 10: bad \\u escape"},
    {"[\"\\n\", \"\\uZZZZ\"]", "ERR the body: invalid JSON at byte 10: bad \\u escape"},
    {"[\"\\n\", \"\\ud800\\u12\"]", "ERR the body: invalid JSON at byte 16: bad \\u escape"},
    {"[\"\\n\", \"x\\ud800\\uZZ\"]", "ERR the body: invalid JSON at byte 17: bad \\u escape"},
    {"[\"\\n\", \"\\ud800\\udc0", "ERR the body: invalid JSON at byte 16: bad \\u escape"},
    {"[\"\\n\", \"\\ud83d\\ude00\\ud800|\\udc00\\ud800\\u0041\\x\"]", "['\x0a"
                                                                      "','\xf0"
                                                                      "\x9f"
                                                                      "\x98"
                                                                      "\x80"
                                                                      "?|?\?Ax']"},
};

static void test_values_and_errors(void **state)
{
    fixture_t *f = *state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        out_t o;
        reset(f, 1 << 20);
        parse(f, cases[k].json, strlen(cases[k].json), &o, NULL);
        if (o.n != strlen(cases[k].expect) || memcmp(o.p, cases[k].expect, o.n) != 0)
            fail_msg("case %zu [%s]\n got  %s\n want %s", k, cases[k].json, o.p, cases[k].expect);
    }
    out_t o; /* \u0000 is a character like any other */
    vtl_value_t v;
    reset(f, 1 << 20);
    assert_int_equal(parse(f, "\"a\\u0000b\"", 10, &o, &v), 0);
    assert_int_equal(v.len, 3);
    assert_memory_equal(v.u.str, "a\0b", 3);
}

/* every proper prefix fails with an offset within it, the whole document
 * parses; every byte replaced by each of a few others fails or parses
 * cleanly */
static void test_prefixes(void **state)
{
    fixture_t *f = *state;
    static const char *const docs[] = {
        "{\"items\": [{\"name\": \"item \\\"0\\\" o'clock/\", \"qty\": 0, \"tags\": [\"a\", "
        "\"b\"]}, "
        "{\"name\": \"x\", \"qty\": -12345678901234567890, \"tags\": []}], \"note\": "
        "\"padpadpadpadpadpadpadpadpadpadpadpadpadpad\"}",
        "[\"\\b\\f\\n\\r\\t\\\"\\\\\\/\\x\\u0041\\u00e9\\ud83d\\ude00\\ud800\\udc00x\\ud800\", "
        "true, false, null, 1.5e-3, -0, 18446744073709551616, {}, [], {\"\": \"\"}]",
        " \t\n\r{ \"a\" : [ 1 , 2 ] , \"b\" : { \"c\" : \"0123456789abcdef0123456789abcdef\\n\" } "
        "}",
    };
    static const char swaps[] = "{}[]\":,\\u0-.eE tfn\x01\xff";
    for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
        size_t len = strlen(docs[d]);
        out_t o;
        for (size_t k = 0; k < len; k++) {
            reset(f, 1 << 20);
            /* a prefix ending in whitespace after the document is not one */
            int code = parse(f, docs[d], k, &o, NULL);
            if (code == 0)
                fail_msg("doc %zu: the prefix of %zu bytes parsed: %s", d, k, o.p);
            assert_int_equal(code, VTL_ERUNTIME);
            size_t at = 0;
            char why[64];
            if (sscanf(f->err.message, "the body: invalid JSON at byte %zu: %63[^\n]", &at, why) !=
                2)
                fail_msg("doc %zu, prefix %zu: %s", d, k, f->err.message);
            assert_true(at <= k);
        }
        reset(f, 1 << 20);
        assert_int_equal(parse(f, docs[d], len, &o, NULL), 0);
        char *t = malloc(len);
        assert_non_null(t);
        for (size_t k = 0; k < len; k++)
            for (size_t s = 0; s < sizeof(swaps) - 1; s++) {
                memcpy(t, docs[d], len);
                t[k] = swaps[s];
                reset(f, 1 << 20);
                int code = parse(f, t, len, &o, NULL);
                assert_true(code == 0 || code == VTL_ERUNTIME);
            }
        free(t);
    }
}

/* 512 levels below the document's value, not one more */
static void test_depth(void **state)
{
    fixture_t *f = *state;
    static char doc[8 * 1024];
    out_t o;
    for (int depth = 512; depth <= 514; depth++) {
        size_t n = 0; /* depth arrays: the innermost (empty) one at depth - 1 */
        for (int k = 0; k < depth; k++)
            doc[n++] = '[';
        for (int k = 0; k < depth; k++)
            doc[n++] = ']';
        reset(f, 1 << 20);
        int code = parse(f, doc, n, &o, NULL);
        if (depth <= 513) {
            assert_int_equal(code, 0);
        } else {
            assert_int_equal(code, VTL_ERUNTIME);
            assert_string_equal(f->err.message,
                                "the body: invalid JSON at byte 513: nested too deeply");
        }
        n = 0; /* depth objects: the innermost value at depth */
        for (int k = 0; k < depth; k++) {
            memcpy(doc + n, "{\"a\": ", 6);
            n += 6;
        }
        doc[n++] = '1';
        for (int k = 0; k < depth; k++)
            doc[n++] = '}';
        reset(f, 1 << 20);
        code = parse(f, doc, n, &o, NULL);
        if (depth <= 512) {
            assert_int_equal(code, 0);
        } else {
            char want[96];
            snprintf(want, sizeof(want), "the body: invalid JSON at byte %d: nested too deeply",
                     6 * 513);
            assert_int_equal(code, VTL_ERUNTIME);
            assert_string_equal(f->err.message, want);
        }
    }
    /* cut anywhere inside: unexpected end, not a deeper read */
    reset(f, 1 << 20);
    assert_int_equal(parse(f, doc, 6 * 300, &o, NULL), VTL_ERUNTIME);
    assert_string_equal(f->err.message, "the body: invalid JSON at byte 1800: unexpected end");
}

/* repeated keys keep their first place and their last value, in small
 * maps and in maps past 16 keys (which have an index) */
static void test_repeated_keys(void **state)
{
    fixture_t *f = *state;
    static const struct {
        int distinct, repeats, indexed;
    } shapes[] = {{3, 2, 0}, {15, 5, 0}, {16, 0, 1}, {16, 20, 1}, {40, 40, 1}, {1, 30, 0}};
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        char doc[4096];
        size_t n = 0;
        int total = shapes[s].distinct + shapes[s].repeats;
        doc[n++] = '{';
        for (int k = 0; k < total; k++) /* key k % distinct, value k */
            n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s\"k%d\": %d", k ? ", " : "",
                                  k % shapes[s].distinct, k);
        doc[n++] = '}';
        out_t o;
        vtl_value_t v;
        reset(f, 1 << 20);
        assert_int_equal(parse(f, doc, n, &o, &v), 0);
        assert_int_equal(v.type, V_MAP);
        vtl_map_t *m = v.u.m;
        assert_int_equal(m->n, (size_t)shapes[s].distinct);
        assert_int_equal(m->idx != NULL, shapes[s].indexed);
        for (int k = 0; k < shapes[s].distinct; k++) {
            char key[16];
            int kl = snprintf(key, sizeof(key), "k%d", k);
            assert_int_equal(m->keys[k].len, (size_t)kl);
            assert_memory_equal(m->keys[k].u.str, key, (size_t)kl);
            int last = k; /* the last value written under key k */
            while (last + shapes[s].distinct < total)
                last += shapes[s].distinct;
            vtl_value_t got = vtl_map_get(m, key, (size_t)kl);
            assert_int_equal(got.type, V_INT);
            assert_int_equal(got.u.i, last);
        }
        /* the map goes on as vtl_map_put maps do */
        for (int k = 0; k < 40; k++) {
            char key[16];
            int kl = snprintf(key, sizeof(key), "new%d", k);
            vtl_map_put(&f->rs, m, vtl_cstr(&f->rs, key, (size_t)kl), vtl_int(k));
        }
        assert_int_equal(m->n, (size_t)shapes[s].distinct + 40);
        for (int k = 0; k < 40; k++) {
            char key[16];
            int kl = snprintf(key, sizeof(key), "new%d", k);
            vtl_value_t got = vtl_map_get(m, key, (size_t)kl);
            assert_int_equal(got.u.i, k);
        }
        vtl_value_t got = vtl_map_get(m, "k0", 2);
        assert_int_equal(got.type, V_INT);
    }
}

/* long strings with escapes, many of them: the reader's blocks run out in
 * the middle of strings */
static void test_long_strings(void **state)
{
    fixture_t *f = *state;
    size_t cap = 300 * 1024, n = 0;
    char *doc = malloc(cap), *want = malloc(cap);
    assert_non_null(doc);
    assert_non_null(want);
    size_t lens[] = {1, 15, 16, 17, 31, 100, 1000, 3000, 5000};
    doc[n++] = '[';
    for (int rep = 0; rep < 8; rep++)
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
            if (n > 1)
                doc[n++] = ',';
            doc[n++] = '"';
            for (size_t k = 0; k < lens[l]; k++) {
                if (k % 37 == 36) {
                    memcpy(doc + n, "\\u00e9", 6);
                    n += 6;
                } else if (k % 11 == 10) {
                    memcpy(doc + n, "\\n", 2);
                    n += 2;
                } else {
                    doc[n++] = (char)('a' + (k + (size_t)rep) % 26);
                }
            }
            doc[n++] = '"';
        }
    doc[n++] = ']';
    out_t o;
    vtl_value_t v;
    reset(f, 64 << 20);
    assert_int_equal(parse(f, doc, n, &o, &v), 0);
    assert_int_equal(v.type, V_LIST);
    size_t at = 0;
    for (int rep = 0; rep < 8; rep++)
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
            size_t wn = 0;
            for (size_t k = 0; k < lens[l]; k++) {
                if (k % 37 == 36) {
                    memcpy(want + wn, "\xc3\xa9", 2);
                    wn += 2;
                } else if (k % 11 == 10) {
                    want[wn++] = '\n';
                } else {
                    want[wn++] = (char)('a' + (k + (size_t)rep) % 26);
                }
            }
            const vtl_value_t *s = &v.u.l->v[at++];
            assert_int_equal(s->type, V_STR);
            assert_int_equal(s->len, wn);
            assert_memory_equal(s->u.str, want, wn);
        }
    assert_int_equal(at, v.u.l->n);
    free(doc);
    free(want);
}

/* an escaped string read in one pass at the end of a block never writes
 * past it (into the empty object made just after the block): escaped
 * strings of one byte use the block up 16 bytes at a time until a string
 * whose escape writes more bytes than it has room for comes at its end */
static void test_block_end(void **state)
{
    fixture_t *f = *state;
    char doc[8192], want[512];
    for (int run = 110; run <= 142; run += 16)
        for (int shorts = 0; shorts < 140; shorts++) {
            size_t n = 0;
            n += (size_t)snprintf(doc + n, sizeof(doc) - n, "[\"\\n\", {}");
            for (int k = 0; k < shorts; k++)
                n += (size_t)snprintf(doc + n, sizeof(doc) - n, ", \"\\n\"");
            n += (size_t)snprintf(doc + n, sizeof(doc) - n,
                                  ", \"%*s\\nxxxxxxxxxxxxxxx\\u20ac\\u20ac\", {}]", run, "");
            out_t o;
            vtl_value_t v;
            reset(f, 64 << 20);
            assert_int_equal(parse(f, doc, n, &o, &v), 0);
            const vtl_map_t *m = v.u.l->v[1].u.m; /* untouched */
            assert_int_equal(m->n, 0);
            assert_ptr_equal(m->keys, (const vtl_value_t *)(m + 1));
            assert_ptr_equal(m->vals, m->keys + m->cap);
            size_t wn = (size_t)snprintf(want, sizeof(want), "%*s\nxxxxxxxxxxxxxxx%s", run, "",
                                         "\xe2\x82\xac\xe2\x82\xac");
            const vtl_value_t *sv = &v.u.l->v[2 + shorts];
            assert_int_equal(sv->len, wn);
            assert_memory_equal(sv->u.str, want, wn);
        }
}

/* many values: the scratch stack grows; the memory bound holds */
static void test_large_and_memory_bound(void **state)
{
    fixture_t *f = *state;
    size_t cap = 200 * 1024, n = 0;
    char *doc = malloc(cap);
    assert_non_null(doc);
    doc[n++] = '[';
    for (int k = 0; k < 3000; k++)
        n += (size_t)snprintf(doc + n, cap - n, "%s{\"id\": %d, \"v\": [%d, \"s\\t%d\"]}",
                              k ? ", " : "", k, k * 3, k);
    doc[n++] = ']';
    out_t o;
    vtl_value_t v;
    reset(f, 64 << 20);
    assert_int_equal(parse(f, doc, n, &o, &v), 0);
    assert_int_equal(v.u.l->n, 3000);
    for (int k = 0; k < 3000; k += 499) {
        const vtl_map_t *m = v.u.l->v[k].u.m;
        assert_int_equal(vtl_map_get(m, "id", 2).u.i, k);
        vtl_value_t l = vtl_map_get(m, "v", 1);
        assert_int_equal(l.u.l->v[0].u.i, k * 3);
        char s[32];
        int sl = snprintf(s, sizeof(s), "s\t%d", k);
        assert_int_equal(l.u.l->v[1].len, (size_t)sl);
        assert_memory_equal(l.u.l->v[1].u.str, s, (size_t)sl);
    }
    reset(f, 64 * 1024);
    assert_int_equal(parse(f, doc, n, &o, NULL), VTL_ELIMIT);
    assert_string_equal(f->err.message, "template used more than 65536 bytes of memory");
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefixes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_and_memory_bound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
