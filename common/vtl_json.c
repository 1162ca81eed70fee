/* vtl_json: JSON text read straight into template values (the body for
 * $input.path/$input.json, and $util.parseJson): objects become
 * insertion-ordered maps (a repeated key keeps its first place and its last
 * value), arrays JSON-printing lists, integers Integer or Long (Double past
 * Long), other numbers Double. Depth is bounded; a bad document fails the
 * render.
 *
 * One loop without recursion: the cursor is a pointer kept in a register,
 * the values of the open objects and arrays wait on a scratch stack and
 * each object or array is made at its exact size when it closes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "vtl_int.h"

#define JSON_MAX_DEPTH 512

typedef struct jp {
    vtl_rs_t *rs;
    const char *base, *end;
    const char *what;
} jp_t;

/* the memory of the objects, arrays and escaped strings of one document:
 * cut from blocks of the render's memory (vtl_alloc_raw, which counts it
 * and does not clear it: each is written whole) */
typedef struct jmem {
    char *p;
    size_t left, block;
} jmem_t;

#define JMEM_BLOCK_MAX 2048

/* a new block (what is left of the last one stays unused) */
static void jmem_refill(vtl_rs_t *rs, jmem_t *m)
{
    m->p = vtl_alloc_raw(rs, m->block);
    m->left = m->block;
    m->block = JMEM_BLOCK_MAX;
}

__attribute__((noinline)) static void *jalloc_slow(vtl_rs_t *rs, jmem_t *m, size_t n)
{
    if (n > m->block / 2) /* large: alone */
        return vtl_alloc_raw(rs, n);
    jmem_refill(rs, m);
    m->p += n;
    m->left -= n;
    return m->p - n;
}

static inline void *jalloc(vtl_rs_t *rs, jmem_t *m, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n > m->left)
        return jalloc_slow(rs, m, n);
    m->p += n;
    m->left -= n;
    return m->p - n;
}

_Noreturn __attribute__((noinline, cold)) static void jfail(const jp_t *c, const char *at,
                                                            const char *why)
{
    vtl_fail(c->rs, VTL_ERUNTIME, "%s: invalid JSON at byte %zu: %s", c->what,
             (size_t)(at - c->base), why);
}

/* JSON's whitespace: space, \n, \r, \t */
static const unsigned char json_ws[256] = {['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1};

/* past the whitespace at p: none and one space are the common cases */
static inline const char *jws(const char *p, const char *e)
{
    if (p < e && (unsigned char)*p <= ' ') {
        if (*p == ' ') {
            p++;
            if (p >= e || (unsigned char)*p > ' ')
                return p;
        }
        while (p < e && json_ws[(unsigned char)*p])
            p++;
    }
    return p;
}

/* the first '"' or '\\' at or after p (e when none) */
static inline const char *scan_plain(const char *p, const char *e)
{
#ifdef __SSE2__
    const __m128i quotes = _mm_set1_epi8('"'), slashes = _mm_set1_epi8('\\');
    while (e - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned hit = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, quotes), _mm_cmpeq_epi8(v, slashes)));
        if (hit)
            return p + __builtin_ctz(hit);
        p += 16;
    }
#endif
    /* eight bytes at a time (on little-endian machines the lowest flagged
     * byte of a word is exact: the false flags of this test only follow a
     * true one, as the borrows run to higher addresses) */
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    const uint64_t quotes8 = ones * '"', slashes8 = ones * '\\';
    for (; e - p >= 8; p += 8) {
        uint64_t v, q, s, hit;
        memcpy(&v, p, 8);
        q = v ^ quotes8;
        s = v ^ slashes8;
        hit = ((q - ones) & ~q & highs) | ((s - ones) & ~s & highs);
        if (hit) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return p + __builtin_ctzll(hit) / 8;
#else
            break;
#endif
        }
    }
    while (p < e && *p != '"' && *p != '\\')
        p++;
    return p;
}

static int hexval(char h)
{
    return h >= '0' && h <= '9'   ? h - '0'
           : h >= 'a' && h <= 'f' ? h - 'a' + 10
           : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                  : -1;
}

/* the four hex digits at p (fewer than four before e: -1) */
static int hex4(const char *p, const char *e, unsigned *out)
{
    if (e - p < 4)
        return -1;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int d = hexval(p[k]);
        if (d < 0)
            return -1;
        v = v * 16 + (unsigned)d;
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* the escape whose letter is ch written at o (*pp past the letter; for
 * 'u', at four hex digits the caller checked); *pp moves past the digits,
 * and past the low half of a surrogate pair read with them. Returns o past
 * what it wrote (at most four bytes). */
static char *put_escape(char ch, const char **pp, const char *e, char *o)
{
    const char *p = *pp;
    switch (ch) {
    case 'b':
        *o++ = '\b';
        break;
    case 'f':
        *o++ = '\f';
        break;
    case 'n':
        *o++ = '\n';
        break;
    case 'r':
        *o++ = '\r';
        break;
    case 't':
        *o++ = '\t';
        break;
    case 'u': {
        unsigned cp = 0, lo;
        (void)hex4(p, e, &cp);
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && e - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
            hex4(p + 2, e, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
            o = put_utf8(o, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
            p += 6;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) { /* a lone surrogate prints as '?' in Java */
            *o++ = '?';
        } else {
            o = put_utf8(o, cp);
        }
        break;
    }
    default: /* \" \\ \/ and, leniently, any other character */
        *o++ = ch;
        break;
    }
    *pp = p;
    return o;
}

/* a string with escapes decoded in one pass into dst (cap bytes), failing
 * at its first bad \u escape or at the end of the text, as the two passes
 * below do: st is past the opening quote, p at its first backslash.
 * Returns the position past the closing quote, NULL when cap is too small
 * (the escaped length plus sixteen is enough: the text never grows) */
static const char *jdecode(const jp_t *c, const char *st, const char *p, char *dst, size_t cap,
                           vtl_value_t *out)
{
    const char *e = c->end;
    if ((size_t)(p - st) + 16 > cap)
        return NULL;
#ifdef __SSE2__
    if (p - st <= 16 && e - st >= 16) /* the common short run: one store */
        _mm_storeu_si128((__m128i *)(void *)dst,
                         _mm_loadu_si128((const __m128i *)(const void *)st));
    else
#endif
        memcpy(dst, st, (size_t)(p - st));
    char *o = dst + (p - st);
    for (;;) { /* p at a quote, a backslash or e */
        if (p >= e)
            jfail(c, e, "unexpected end");
        if (*p == '"')
            break;
        if (e - p < 2)
            jfail(c, e, "unexpected end");
        if ((size_t)(p - st) + 16 > cap) /* room for what an escape writes */
            return NULL;
        char ch = p[1];
        p += 2;
        unsigned digits;
        if (ch == 'u' && hex4(p, e, &digits) != 0)
            jfail(c, p, "bad \\u escape");
        o = put_escape(ch, &p, e, o);
        /* the run up to the next quote or backslash (o - dst <= p - st) */
        for (;;) {
            if ((size_t)(p - st) + 16 > cap)
                return NULL;
#ifdef __SSE2__
            if (e - p >= 16) {
                const __m128i quotes = _mm_set1_epi8('"'), slashes = _mm_set1_epi8('\\');
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
                _mm_storeu_si128((__m128i *)(void *)o, v);
                unsigned hit = (unsigned)_mm_movemask_epi8(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quotes), _mm_cmpeq_epi8(v, slashes)));
                if (hit) {
                    o += __builtin_ctz(hit);
                    p += __builtin_ctz(hit);
                    break;
                }
                o += 16;
                p += 16;
                continue;
            }
#endif
            const char *q = scan_plain(p, e); /* fewer than sixteen bytes */
            memcpy(o, p, (size_t)(q - p));
            o += q - p;
            p = q;
            break;
        }
    }
    *out = vtl_str(dst, (size_t)(o - dst));
    return p + 1;
}

/* a string with escapes: st is past the opening quote, p at its first
 * backslash. First the closing quote is found, checking the escapes in
 * order (the first bad \u escape or the end of the text fails, as reading
 * it would); then the text is decoded into one allocation of the escaped
 * length, which it never exceeds. *out receives the value; returns the
 * position past the closing quote. */
__attribute__((noinline)) static const char *jstring_esc(const jp_t *c, jmem_t *mem, const char *st,
                                                         const char *p, vtl_value_t *out)
{
    const char *e = c->end;
    /* one pass into what is left of the current block, when enough (a
     * new block when little is left) */
    if (mem->left < 128 && (size_t)(p - st) + 16 <= mem->block / 4)
        jmem_refill(c->rs, mem);
    const char *r = jdecode(c, st, p, mem->p, mem->left, out);
    if (r) {
        size_t used = (out->len + 15) & ~(size_t)15;
        mem->p += used;
        mem->left -= used;
        return r;
    }
    for (;;) {
        p = scan_plain(p, e);
        if (p >= e)
            jfail(c, e, "unexpected end");
        if (*p == '"')
            break;
        if (e - p < 2)
            jfail(c, e, "unexpected end");
        if (p[1] == 'u') {
            unsigned cp;
            if (hex4(p + 2, e, &cp) != 0)
                jfail(c, p + 2, "bad \\u escape");
            p += 6;
        } else {
            p += 2;
        }
    }
    const char *end = p;
    /* room for sixteen bytes more: the runs are copied sixteen at a time */
    char *dst = jalloc(c->rs, mem, (size_t)(end - st) + 16), *o = dst;
    p = st;
    while (p < end) {
#ifdef __SSE2__
        const __m128i slashes = _mm_set1_epi8('\\');
        while (e - p >= 16) { /* loads within the text, stores within dst */
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            _mm_storeu_si128((__m128i *)(void *)o, v);
            unsigned hit = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, slashes));
            size_t k = hit ? (size_t)__builtin_ctz(hit) : 16;
            if (k > (size_t)(end - p))
                k = (size_t)(end - p);
            o += k;
            p += k;
            if (k < 16)
                break;
        }
#endif
        while (p < end && *p != '\\')
            *o++ = *p++;
        if (p >= end)
            break;
        char ch = p[1]; /* checked above: every escape is complete */
        p += 2;
        o = put_escape(ch, &p, end, o);
    }
    *out = vtl_str(dst, (size_t)(o - dst));
    return end + 1;
}

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/* any number but an integer of up to 18 characters (the caller's fast
 * path): p at its first character; returns the position past it */
__attribute__((noinline)) static const char *jnumber(const jp_t *c, const char *p, vtl_value_t *out)
{
    const char *e = c->end, *st = p;
    int frac = 0;
    if (p < e && *p == '-')
        p++;
    while (p < e && is_digit((unsigned char)*p))
        p++;
    if (p < e && *p == '.') {
        frac = 1;
        p++;
        while (p < e && is_digit((unsigned char)*p))
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        frac = 1;
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        while (p < e && is_digit((unsigned char)*p))
            p++;
    }
    size_t len = (size_t)(p - st);
    if (len == 0 || (len == 1 && *st == '-') || len > 400)
        jfail(c, p, "bad value");
    char buf[401], *end;
    memcpy(buf, st, len);
    buf[len] = 0;
    if (!frac) {
        int digits = 0;
        for (size_t k = 0; k < len; k++)
            digits += is_digit((unsigned char)buf[k]);
        if (digits == 0)
            jfail(c, p, "bad number");
        errno = 0;
        long long v = strtoll(buf, &end, 10);
        if (*end == 0 && errno != ERANGE) {
            *out = vtl_int(v);
            return p;
        }
        /* past Long: a Double, as the reference's parser gives */
    }
    double d = strtod(buf, &end);
    if (*end != 0 || (len > 0 && (buf[len - 1] == 'e' || buf[len - 1] == 'E' ||
                                  buf[len - 1] == '+' || buf[len - 1] == '-')))
        jfail(c, p, "bad number");
    *out = vtl_double(d);
    return p;
}

/* the scratch stack twice as large (in the render's memory); *sp and *lim
 * follow it */
__attribute__((noinline)) static vtl_value_t *stack_grow(vtl_rs_t *rs, vtl_value_t *base,
                                                         vtl_value_t **sp, vtl_value_t **lim)
{
    size_t cap = (size_t)(*lim - base);
    vtl_value_t *ns = vtl_alloc(rs, cap * 2 * sizeof(*ns));
    memcpy(ns, base, cap * sizeof(*ns));
    *sp = ns + (*sp - base);
    *lim = ns + cap * 2;
    return ns;
}

/* a JSON list of the n values at v (n > 0) */
static vtl_list_t *make_list(vtl_rs_t *rs, jmem_t *mem, const vtl_value_t *v, size_t n)
{
    vtl_list_t *l = jalloc(rs, mem, sizeof(*l) + n * sizeof(*v));
    *l = (vtl_list_t){
        .kind = L_JSON, .v = (vtl_value_t *)(l + 1), .n = n, .cap = n, .mods = (unsigned)n};
    memcpy(l->v, v, n * sizeof(*v));
    return l;
}

/* a string's value into *out, p past its opening quote; returns the
 * position past its closing quote */
static inline const char *jstring(const jp_t *c, jmem_t *mem, const char *p, vtl_value_t *out)
{
    const char *st = p;
    p = scan_plain(p, c->end);
    if (p < c->end && *p == '"') { /* no escapes: the bytes as they are */
        out->type = V_STR;
        out->u.str = st;
        out->len = (size_t)(p - st);
        return p + 1;
    }
    if (p >= c->end)
        jfail(c, p, "unexpected end");
    return jstring_esc(c, mem, st, p, out);
}

vtl_value_t vtl_json_parse(vtl_rs_t *rs, const char *text, size_t n, const char *what)
{
    const jp_t c = {.rs = rs, .base = text, .end = text + n, .what = what};
    const char *p = text, *e = text + n;
    /* the first block: about what the document's values take */
    jmem_t mem = {.block = n * 4 < 128 ? 128 : n * 4 > JMEM_BLOCK_MAX ? JMEM_BLOCK_MAX : n * 4};
    /* the values (objects: key, value, key, value...) of the open objects
     * and arrays, the document's at the bottom; where each open one starts
     * (times two, plus one for an object) */
    vtl_value_t local[64], *base = local, *sp = local, *lim = local + 64;
    size_t open[JSON_MAX_DEPTH + 2];
    size_t depth = 0;

    p = jws(p, e);
value:
    if (depth > JSON_MAX_DEPTH)
        jfail(&c, p, "nested too deeply");
    if (p >= e)
        jfail(&c, p, "unexpected end");
    if (sp == lim)
        base = stack_grow(rs, base, &sp, &lim);
    switch (*p) {
    case '"':
        p = jstring(&c, &mem, p + 1, sp++);
        goto have_value;
    case '{':
        p = jws(p + 1, e);
        if (p >= e)
            jfail(&c, p, "unexpected end");
        if (*p == '}') {
            p++;
            *sp++ = vtl_map_new(rs, 0);
            goto have_value;
        }
        open[depth++] = (size_t)(sp - base) * 2 + 1;
        goto key;
    case '[':
        p = jws(p + 1, e);
        if (p >= e)
            jfail(&c, p, "unexpected end");
        if (*p == ']') {
            p++;
            *sp++ = vtl_list_new(rs, L_JSON, 0);
            goto have_value;
        }
        open[depth++] = (size_t)(sp - base) * 2;
        goto value;
    case 't':
        if (e - p >= 4 && memcmp(p, "true", 4) == 0) {
            p += 4;
            *sp++ = vtl_bool(1);
            goto have_value;
        }
        break;
    case 'f':
        if (e - p >= 5 && memcmp(p, "false", 5) == 0) {
            p += 5;
            *sp++ = vtl_bool(0);
            goto have_value;
        }
        break;
    case 'n':
        if (e - p >= 4 && memcmp(p, "null", 4) == 0) {
            p += 4;
            *sp++ = vtl_null();
            goto have_value;
        }
        break;
    default: { /* an integer of up to 18 characters (a Long whatever its
                  digits) in one pass */
        const char *q = p + (*p == '-');
        if (q < e && (unsigned char)(*q - '0') < 10) {
            uint64_t u = (unsigned char)(*q++ - '0'); /* wraps past 18 digits, unused then */
            while (q < e && (unsigned char)(*q - '0') < 10)
                u = u * 10 + (unsigned char)(*q++ - '0');
            if (q - p <= 18 && (q >= e || (*q != '.' && (*q | 0x20) != 'e'))) {
                if (*p != '-') {
                    sp->type = u <= INT32_MAX ? V_INT : V_LONG;
                    sp++->u.i = (int64_t)u;
                } else {
                    sp->type = u <= (uint64_t)INT32_MAX + 1 ? V_INT : V_LONG;
                    sp++->u.i = -(int64_t)u;
                }
                p = q;
                goto have_value;
            }
        }
        break;
    }
    }
    p = jnumber(&c, p, sp++);

have_value:
    if (depth == 0)
        goto done;
    p = jws(p, e);
    if (p >= e)
        jfail(&c, p, "unexpected end");
    {
        char ch = *p++;
        size_t st = open[depth - 1];
        if (ch == ',') {
            if (st & 1)
                goto key;
            p = jws(p, e);
            goto value;
        }
        vtl_value_t *first = base + (st >> 1); /* the container's first value */
        if (st & 1) {
            if (ch != '}')
                jfail(&c, p, "expected ',' or '}'");
            size_t np = (size_t)(sp - first) / 2;
            vtl_map_t *m = vtl_map_from_pairs(
                rs, jalloc(rs, &mem, sizeof(vtl_map_t) + 2 * np * sizeof(vtl_value_t)), first, np);
            first->type = V_MAP;
            first->u.m = m;
        } else {
            if (ch != ']')
                jfail(&c, p, "expected ',' or ']'");
            vtl_list_t *l = make_list(rs, &mem, first, (size_t)(sp - first));
            first->type = V_LIST;
            first->u.l = l;
        }
        sp = first + 1;
        depth--;
        goto have_value;
    }

key:
    p = jws(p, e);
    if (p >= e)
        jfail(&c, p, "unexpected end");
    if (*p != '"')
        jfail(&c, p, "expected a key");
    if (sp == lim)
        base = stack_grow(rs, base, &sp, &lim);
    p = jstring(&c, &mem, p + 1, sp++);
    p = jws(p, e);
    if (p >= e)
        jfail(&c, p, "unexpected end");
    if (*p != ':')
        jfail(&c, p, "expected ':'");
    p = jws(p + 1, e);
    goto value;

done:
    p = jws(p, e);
    if (p != e)
        jfail(&c, p, "trailing data");
    return base[0];
}
