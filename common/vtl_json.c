/* vtl_json: JSON text read straight into template values (the body for
 * $input.path/$input.json, and $util.parseJson): objects become
 * insertion-ordered maps (a repeated key keeps its first place and its last
 * value), arrays JSON-printing lists, integers Integer or Long (Double past
 * Long), other numbers Double. Depth is bounded; a bad document fails the
 * render. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vtl_int.h"

#define JSON_MAX_DEPTH 512

typedef struct jcur {
    vtl_rs_t *rs;
    const char *p;
    size_t n, i;
    const char *what;
} jcur_t;

_Noreturn static void jfail(jcur_t *c, const char *why)
{
    vtl_fail(c->rs, VTL_ERUNTIME, "%s: invalid JSON at byte %zu: %s", c->what, c->i, why);
}

/* JSON's whitespace: space, \n, \r, \t */
static const unsigned char json_ws[256] = {['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1};

static void jws(jcur_t *c)
{
    const char *p = c->p;
    size_t i = c->i, n = c->n;
    while (i < n && json_ws[(unsigned char)p[i]])
        i++;
    c->i = i;
}

static int jpeek(jcur_t *c)
{
    if (c->i >= c->n)
        jfail(c, "unexpected end");
    return (unsigned char)c->p[c->i];
}

static void put_utf8(vtl_rs_t *rs, vtl_buf_t *b, unsigned cp)
{
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    vtl_buf_add(rs, b, o, n);
}

static int hex4(jcur_t *c, unsigned *out)
{
    if (c->i + 4 > c->n)
        return -1;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char h = c->p[c->i + k];
        int d = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + (unsigned)d;
    }
    c->i += 4;
    *out = v;
    return 0;
}

/* the position of the first '"' or '\\' at or after i (n when none): eight
 * bytes at a time (on little-endian machines the lowest flagged byte of a
 * word is exact: the false flags of this test only follow a true one, as
 * the borrows run to higher addresses) */
static size_t scan_plain(const char *p, size_t i, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    const uint64_t quotes = ones * '"', slashes = ones * '\\';
    for (; i + 8 <= n; i += 8) {
        uint64_t v, q, s, hit;
        memcpy(&v, p + i, 8);
        q = v ^ quotes;
        s = v ^ slashes;
        hit = ((q - ones) & ~q & highs) | ((s - ones) & ~s & highs);
        if (hit) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)__builtin_ctzll(hit) / 8;
#else
            break;
#endif
        }
    }
    while (i < n && p[i] != '"' && p[i] != '\\')
        i++;
    return i;
}

static vtl_value_t jstring(jcur_t *c)
{
    c->i++; /* the opening quote */
    size_t st = c->i;
    c->i = scan_plain(c->p, c->i, c->n);
    if (c->i < c->n && c->p[c->i] == '"') { /* no escapes: the bytes as they are */
        c->i++;
        return vtl_str(c->p + st, c->i - 1 - st);
    }
    vtl_buf_t b = {0};
    vtl_buf_add(c->rs, &b, c->p + st, c->i - st);
    for (;;) {
        int ch = jpeek(c);
        c->i++;
        if (ch == '"')
            return vtl_str(b.p ? b.p : "", b.n);
        if (ch != '\\') { /* the run up to the next quote or escape at once */
            size_t run = c->i - 1;
            c->i = scan_plain(c->p, c->i, c->n);
            vtl_buf_add(c->rs, &b, c->p + run, c->i - run);
            continue;
        }
        int e = jpeek(c);
        c->i++;
        const char *lit = NULL;
        switch (e) {
        case 'b':
            lit = "\b";
            break;
        case 'f':
            lit = "\f";
            break;
        case 'n':
            lit = "\n";
            break;
        case 'r':
            lit = "\r";
            break;
        case 't':
            lit = "\t";
            break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(c, &cp) != 0)
                jfail(c, "bad \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF && c->i + 6 <= c->n && c->p[c->i] == '\\' &&
                c->p[c->i + 1] == 'u') {
                size_t save = c->i;
                c->i += 2;
                if (hex4(c, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                    put_utf8(c->rs, &b, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
                    continue;
                }
                c->i = save;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) /* a lone surrogate prints as '?' in Java */
                vtl_buf_add(c->rs, &b, "?", 1);
            else
                put_utf8(c->rs, &b, cp);
            continue;
        }
        default: /* \" \\ \/ and, leniently, any other character */
            vtl_buf_add(c->rs, &b, c->p + c->i - 1, 1);
            continue;
        }
        vtl_buf_add(c->rs, &b, lit, 1);
    }
}

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/* an integer of up to 18 characters (a Long whatever its digits), read in
 * one pass; 0 when the number is anything else */
static int jinteger(jcur_t *c, vtl_value_t *out)
{
    const char *p = c->p;
    size_t i = c->i, n = c->n, digits;
    int neg = i < n && p[i] == '-';
    int64_t v = 0;
    i += (size_t)neg;
    for (digits = i; i < n && is_digit((unsigned char)p[i]); i++)
        v = v * 10 + (p[i] - '0');
    digits = i - digits;
    if (digits == 0 || digits + (size_t)neg > 18 ||
        (i < n && (p[i] == '.' || p[i] == 'e' || p[i] == 'E')))
        return 0;
    v = neg ? -v : v;
    c->i = i;
    *out = (vtl_value_t){.type = v >= INT32_MIN && v <= INT32_MAX ? V_INT : V_LONG, .u.i = v};
    return 1;
}

static vtl_value_t jnumber(jcur_t *c)
{
    vtl_value_t fast;
    if (jinteger(c, &fast))
        return fast;
    size_t st = c->i;
    int frac = 0;
    if (c->i < c->n && c->p[c->i] == '-')
        c->i++;
    while (c->i < c->n && is_digit((unsigned char)c->p[c->i]))
        c->i++;
    if (c->i < c->n && c->p[c->i] == '.') {
        frac = 1;
        c->i++;
        while (c->i < c->n && is_digit((unsigned char)c->p[c->i]))
            c->i++;
    }
    if (c->i < c->n && (c->p[c->i] == 'e' || c->p[c->i] == 'E')) {
        frac = 1;
        c->i++;
        if (c->i < c->n && (c->p[c->i] == '+' || c->p[c->i] == '-'))
            c->i++;
        while (c->i < c->n && is_digit((unsigned char)c->p[c->i]))
            c->i++;
    }
    size_t len = c->i - st;
    if (len == 0 || (len == 1 && c->p[st] == '-') || len > 400)
        jfail(c, "bad value");
    char buf[401], *end;
    memcpy(buf, c->p + st, len);
    buf[len] = 0;
    if (!frac) {
        int digits = 0;
        for (size_t k = 0; k < len; k++)
            digits += is_digit((unsigned char)buf[k]);
        if (digits == 0)
            jfail(c, "bad number");
        errno = 0;
        long long v = strtoll(buf, &end, 10);
        if (*end == 0 && errno != ERANGE)
            return vtl_int(v);
        /* past Long: a Double, as the reference's parser gives */
    }
    double d = strtod(buf, &end);
    if (*end != 0 || (len > 0 && (buf[len - 1] == 'e' || buf[len - 1] == 'E' ||
                                  buf[len - 1] == '+' || buf[len - 1] == '-')))
        jfail(c, "bad number");
    return vtl_double(d);
}

static vtl_value_t jvalue(jcur_t *c, int depth)
{
    if (depth > JSON_MAX_DEPTH)
        jfail(c, "nested too deeply");
    int ch = jpeek(c);
    if (ch == '{') {
        vtl_value_t m = vtl_map_new(c->rs, 4);
        c->i++;
        jws(c);
        if (jpeek(c) == '}') {
            c->i++;
            return m;
        }
        for (;;) {
            jws(c);
            if (jpeek(c) != '"')
                jfail(c, "expected a key");
            vtl_value_t k = jstring(c);
            jws(c);
            if (jpeek(c) != ':')
                jfail(c, "expected ':'");
            c->i++;
            jws(c);
            vtl_value_t v = jvalue(c, depth + 1);
            vtl_map_put(c->rs, m.u.m, k, v);
            jws(c);
            ch = jpeek(c);
            c->i++;
            if (ch == ',')
                continue;
            if (ch != '}')
                jfail(c, "expected ',' or '}'");
            return m;
        }
    }
    if (ch == '[') {
        vtl_value_t l = vtl_list_new(c->rs, L_JSON, 4);
        c->i++;
        jws(c);
        if (jpeek(c) == ']') {
            c->i++;
            return l;
        }
        for (;;) {
            jws(c);
            vtl_list_push(c->rs, l.u.l, jvalue(c, depth + 1));
            jws(c);
            ch = jpeek(c);
            c->i++;
            if (ch == ',')
                continue;
            if (ch != ']')
                jfail(c, "expected ',' or ']'");
            return l;
        }
    }
    if (ch == '"')
        return jstring(c);
    if (c->n - c->i >= 4 && memcmp(c->p + c->i, "true", 4) == 0) {
        c->i += 4;
        return vtl_bool(1);
    }
    if (c->n - c->i >= 5 && memcmp(c->p + c->i, "false", 5) == 0) {
        c->i += 5;
        return vtl_bool(0);
    }
    if (c->n - c->i >= 4 && memcmp(c->p + c->i, "null", 4) == 0) {
        c->i += 4;
        return vtl_null();
    }
    return jnumber(c);
}

vtl_value_t vtl_json_parse(vtl_rs_t *rs, const char *p, size_t n, const char *what)
{
    jcur_t c = {.rs = rs, .p = p, .n = n, .what = what};
    jws(&c);
    vtl_value_t v = jvalue(&c, 0);
    jws(&c);
    if (c.i != n)
        jfail(&c, "trailing data");
    return v;
}
