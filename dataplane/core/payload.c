/* payload: content type conversions (see payload.h for the rules). */
#include "payload.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "rt.h"
#include "b64.h"

/* ---- media types --------------------------------------------------------- */

static int glob_match(const char *p, size_t plen, const char *s, size_t slen)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < slen) {
        if (pi < plen && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < plen && tolower((unsigned char)p[pi]) == tolower((unsigned char)s[si])) {
            pi++, si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}

static h2o_iovec_t bare_type(const char *s, size_t len)
{
    const char *semi = memchr(s, ';', len);
    size_t n = semi != NULL ? (size_t)(semi - s) : len;
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return h2o_iovec_init(s, n);
}

int payload_media_matches(const char *const *types, size_t ntypes, const char *mt, size_t len)
{
    if (mt == NULL)
        return 0;
    h2o_iovec_t t = bare_type(mt, len);
    if (t.len == 0)
        return 0;
    for (size_t i = 0; i < ntypes; i++) {
        h2o_iovec_t p = bare_type(types[i], strlen(types[i]));
        if (p.len > 0 && glob_match(p.base, p.len, t.base, t.len))
            return 1;
    }
    return 0;
}

h2o_iovec_t payload_first_accept(const char *accept, size_t len)
{
    if (accept == NULL)
        return h2o_iovec_init("", 0);
    const char *comma = memchr(accept, ',', len);
    return bare_type(accept, comma != NULL ? (size_t)(comma - accept) : len);
}

/* ---- the tables ---------------------------------------------------------- */

payload_plan_t payload_request_plan(int have_types, int content_type_binary, int convert)
{
    payload_plan_t p = {.in_binary = have_types && content_type_binary};
    p.out_binary = convert == RT_CONVERT_TO_BINARY || (convert == 0 && p.in_binary);
    return p;
}

payload_plan_t payload_response_plan(int have_types, int answer_binary, int accept_binary,
                                     int convert)
{
    payload_plan_t p = {.in_binary = have_types && answer_binary};
    p.out_binary = convert == RT_CONVERT_TO_BINARY || (convert == 0 && have_types && accept_binary);
    return p;
}

/* ---- base64 and UTF-8 ---------------------------------------------------- */

h2o_iovec_t payload_base64_encode(h2o_mem_pool_t *pool, const void *src, size_t n)
{
    char *o = h2o_mem_alloc_pool(pool, B64_ENCODED_LEN(n) + 1);
    size_t k = b64_encode(src, n, o);
    o[k] = '\0';
    return h2o_iovec_init(o, k);
}

int payload_base64_decode(h2o_mem_pool_t *pool, const char *s, size_t len, h2o_iovec_t *out)
{
    char *o = h2o_mem_alloc_pool(pool, len / 4 * 3 + 3);
    size_t k = 0, digits = 0, pad = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad > 0) /* a digit after padding is malformed */
            return -1;
        digits++;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (char)((acc >> bits) & 0xFF);
        }
    }
    if (digits % 4 == 1 || pad > 2 || (pad > 0 && (digits + pad) % 4 != 0))
        return -1;
    *out = h2o_iovec_init(o, k);
    return 0;
}

/* The length of the valid UTF-8 sequence at s (1..4), or 0 with *bad the
 * length of its maximal invalid prefix (at least 1). */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i <= need; i++) {
        unsigned char lo_i = i == 1 ? lo : 0x80, hi_i = i == 1 ? hi : 0xBF;
        if (i >= n || s[i] < lo_i || s[i] > hi_i) {
            *bad = i;
            return 0;
        }
    }
    return need + 1;
}

/* How many leading bytes of s are valid UTF-8. */
static size_t utf8_valid_prefix(const unsigned char *p, size_t len)
{
    size_t i = 0, bad = 0;
    for (uint64_t w; i + 8 <= len; i += 8) { /* ASCII eight bytes at a time */
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    while (i < len) {
        size_t n = utf8_seq(p + i, len - i, &bad);
        if (n == 0)
            break;
        i += n;
    }
    return i;
}

int payload_is_utf8(const char *s, size_t len)
{
    return utf8_valid_prefix((const unsigned char *)s, len) == len;
}

h2o_iovec_t payload_utf8(h2o_mem_pool_t *pool, h2o_iovec_t s)
{
    const unsigned char *p = (const unsigned char *)s.base;
    size_t i = utf8_valid_prefix(p, s.len), bad = 0;
    if (i == s.len)
        return s;
    /* at most 3 bytes out for each byte in */
    char *o = h2o_mem_alloc_pool(pool, s.len * 3 + 1);
    memcpy(o, s.base, i);
    size_t k = i;
    while (i < s.len) {
        size_t n = utf8_seq(p + i, s.len - i, &bad);
        if (n > 0) {
            memcpy(o + k, p + i, n);
            k += n;
            i += n;
        } else {
            memcpy(o + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i += bad;
        }
    }
    return h2o_iovec_init(o, k);
}

/* ---- applying a plan ----------------------------------------------------- */

h2o_iovec_t payload_before(h2o_mem_pool_t *pool, payload_plan_t p, h2o_iovec_t body, int templated)
{
    if (p.in_binary)
        return p.out_binary ? body : payload_base64_encode(pool, body.base, body.len);
    /* a template reads its $input.body as UTF-8 itself */
    return templated ? body : payload_utf8(pool, body);
}

int payload_after(h2o_mem_pool_t *pool, payload_plan_t p, h2o_iovec_t *body)
{
    if (p.in_binary || !p.out_binary)
        return 0;
    return payload_base64_decode(pool, body->base, body->len, body);
}
