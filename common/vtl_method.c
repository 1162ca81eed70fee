/* vtl_method: the Java methods templates call on strings, lists, maps,
 * entries and numbers, resolved as Velocity's introspection would (by name,
 * argument count and argument types; an Integer fits an int parameter, a
 * Long does not). A method Velocity would not find sets *found to 0; a Java
 * exception (bad index, bad regex) fails the render. Regular expressions are
 * Java's, read by PCRE2. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vtl_int.h"

#define NAME(s) (nlen == sizeof(s) - 1 && memcmp(name, s, nlen) == 0)

static vtl_value_t nf(int *found)
{
    *found = 0;
    return vtl_null();
}

/* ---- regular expressions ---- */
typedef struct rx {
    pcre2_code *code;
    pcre2_match_data *md;
    int cached; /* owned by rs->rx_cache */
} rx_t;

static void rx_free(vtl_rs_t *rs, rx_t *r)
{
    if (!r->cached) {
        if (r->md)
            pcre2_match_data_free(r->md);
        if (r->code)
            pcre2_code_free(r->code);
        rs->rx_code = rs->rx_md = NULL;
    }
    r->md = NULL;
    r->code = NULL;
}

void vtl_rx_release(vtl_rs_t *rs)
{
    for (int k = 0; k < rs->rx_cached; k++) {
        pcre2_match_data_free(rs->rx_cache[k].md);
        pcre2_code_free(rs->rx_cache[k].code);
    }
    rs->rx_cached = 0;
    if (rs->rx_md)
        pcre2_match_data_free(rs->rx_md);
    if (rs->rx_code)
        pcre2_code_free(rs->rx_code);
    rs->rx_code = rs->rx_md = NULL;
}

/* a pattern compiled once per render (the same pattern in a #foreach is
 * compiled once) */
static void rx_compile(vtl_rs_t *rs, rx_t *r, const vtl_value_t *re)
{
    for (int k = 0; k < rs->rx_cached; k++) {
        if (rs->rx_cache[k].n == re->len && memcmp(rs->rx_cache[k].pat, re->u.str, re->len) == 0) {
            r->code = rs->rx_cache[k].code;
            r->md = rs->rx_cache[k].md;
            r->cached = 1;
            return;
        }
    }
    int ec;
    PCRE2_SIZE eo;
    r->code = pcre2_compile((PCRE2_SPTR)re->u.str, re->len, PCRE2_UTF | PCRE2_NO_UTF_CHECK, &ec,
                            &eo, NULL);
    if (!r->code) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        vtl_fail(rs, VTL_ERUNTIME, "PatternSyntaxException: %s", (char *)msg);
    }
    rs->rx_code = r->code;
    r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
    if (!r->md)
        vtl_fail(rs, VTL_ENOMEM, "out of memory");
    rs->rx_md = r->md;
    if (rs->rx_cached < (int)(sizeof(rs->rx_cache) / sizeof(rs->rx_cache[0]))) {
        int k = rs->rx_cached++;
        rs->rx_cache[k].pat = re->u.str;
        rs->rx_cache[k].n = re->len;
        rs->rx_cache[k].code = r->code;
        rs->rx_cache[k].md = r->md;
        rs->rx_code = rs->rx_md = NULL;
        r->cached = 1;
    }
}

/* next match at or after off, Java's find(): after an empty match the
 * search resumes one character later. Returns 1 with ov set. */
static int rx_find(vtl_rs_t *rs, rx_t *r, const vtl_value_t *s, size_t off, PCRE2_SIZE **ov)
{
    if (off > s->len)
        return 0;
    int rc =
        pcre2_match(r->code, (PCRE2_SPTR)s->u.str, s->len, off, PCRE2_NO_UTF_CHECK, r->md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0) {
        rx_free(rs, r);
        vtl_fail(rs, VTL_ERUNTIME, "regular expression failed (%d)", rc);
    }
    *ov = pcre2_get_ovector_pointer(r->md);
    return 1;
}

static size_t next_char(const vtl_value_t *s, size_t k)
{
    if (k >= s->len)
        return k + 1;
    unsigned char c = (unsigned char)s->u.str[k];
    return k + (c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4);
}

/* Java's Matcher.appendReplacement syntax: $n and \x */
static void add_replacement(vtl_rs_t *rs, rx_t *r, vtl_buf_t *b, const vtl_value_t *s,
                            PCRE2_SIZE *ov, const vtl_value_t *rep)
{
    uint32_t groups = pcre2_get_ovector_count(r->md);
    uint32_t ncap;
    pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &ncap);
    (void)groups;
    for (size_t k = 0; k < rep->len; k++) {
        char c = rep->u.str[k];
        if (c == '\\') {
            k++;
            if (k >= rep->len) {
                rx_free(rs, r);
                vtl_fail(rs, VTL_ERUNTIME, "character to be escaped is missing");
            }
            vtl_buf_add(rs, b, rep->u.str + k, 1);
        } else if (c == '$') {
            k++;
            if (k >= rep->len || rep->u.str[k] < '0' || rep->u.str[k] > '9') {
                rx_free(rs, r);
                vtl_fail(rs, VTL_ERUNTIME, "Illegal group reference");
            }
            uint32_t g = (uint32_t)(rep->u.str[k] - '0');
            if (g > ncap) {
                rx_free(rs, r);
                vtl_fail(rs, VTL_ERUNTIME, "No group %u", g);
            }
            /* Java keeps reading digits while the group number stays valid */
            while (k + 1 < rep->len && rep->u.str[k + 1] >= '0' && rep->u.str[k + 1] <= '9' &&
                   g * 10 + (uint32_t)(rep->u.str[k + 1] - '0') <= ncap) {
                g = g * 10 + (uint32_t)(rep->u.str[++k] - '0');
            }
            if (ov[2 * g] != PCRE2_UNSET)
                vtl_buf_add(rs, b, s->u.str + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
        } else {
            vtl_buf_add(rs, b, &c, 1);
        }
    }
}

static vtl_value_t replace_re(vtl_rs_t *rs, const vtl_value_t *s, const vtl_value_t *re,
                              const vtl_value_t *rep, int all)
{
    rx_t r = {0};
    rx_compile(rs, &r, re);
    vtl_buf_t b = {0};
    size_t last = 0, from = 0;
    PCRE2_SIZE *ov;
    while (rx_find(rs, &r, s, from, &ov)) {
        vtl_buf_add(rs, &b, s->u.str + last, ov[0] - last);
        add_replacement(rs, &r, &b, s, ov, rep);
        last = ov[1];
        from = ov[1] == ov[0] ? next_char(s, ov[1]) : ov[1];
        if (!all)
            break;
    }
    if (last < s->len)
        vtl_buf_add(rs, &b, s->u.str + last, s->len - last);
    rx_free(rs, &r);
    return vtl_str(b.p ? b.p : "", b.n);
}

static vtl_value_t matches(vtl_rs_t *rs, const vtl_value_t *s, const vtl_value_t *re)
{
    rx_t r = {0};
    rx_compile(rs, &r, re);
    int rc = pcre2_match(r.code, (PCRE2_SPTR)s->u.str, s->len, 0,
                         PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_NO_UTF_CHECK, r.md, NULL);
    rx_free(rs, &r);
    return vtl_bool(rc >= 0);
}

static vtl_value_t split(vtl_rs_t *rs, const vtl_value_t *s, const vtl_value_t *re, int64_t limit)
{
    rx_t r = {0};
    rx_compile(rs, &r, re);
    vtl_value_t out = vtl_list_new(rs, L_ARRAY, 8);
    vtl_list_t *l = out.u.l;
    size_t index = 0, from = 0;
    PCRE2_SIZE *ov;
    int limited = limit > 0;
    while (rx_find(rs, &r, s, from, &ov)) {
        from = ov[1] == ov[0] ? next_char(s, ov[1]) : ov[1];
        if (!limited || (int64_t)l->n < limit - 1) {
            if (index == 0 && ov[0] == 0 && ov[1] == 0)
                continue;
            vtl_list_push(rs, l, vtl_str(s->u.str + index, ov[0] - index));
            index = ov[1];
        } else {
            break;
        }
    }
    rx_free(rs, &r);
    if (index == 0 && l->n == 0) {
        vtl_list_push(rs, l, *s);
        return out;
    }
    vtl_list_push(rs, l, vtl_str(s->u.str + index, s->len - index));
    if (limit == 0)
        while (l->n > 0 && l->v[l->n - 1].len == 0)
            l->n--;
    return out;
}

/* ---- strings ---- */
static int is_str(const vtl_value_t *v)
{
    return v->type == V_STR;
}
static int is_int(const vtl_value_t *v)
{
    return v->type == V_INT;
}

static const char *find_bytes(const char *h, size_t hn, const char *nd, size_t nn, size_t from)
{
    if (nn == 0)
        return from <= hn ? h + from : NULL;
    for (size_t k = from; k + nn <= hn; k++)
        if (memcmp(h + k, nd, nn) == 0)
            return h + k;
    return NULL;
}

static vtl_value_t u16_index(const vtl_value_t *s, const char *at)
{
    if (!at)
        return vtl_int(-1);
    return vtl_int((int64_t)vtl_u16_len(s->u.str, (size_t)(at - s->u.str)));
}

static vtl_value_t case_map(vtl_rs_t *rs, const vtl_value_t *s, int upper)
{
    char *o = vtl_alloc(rs, s->len * 2 + 1);
    size_t k = 0;
    for (size_t j = 0; j < s->len; j++) {
        unsigned char c = (unsigned char)s->u.str[j];
        if (c < 0x80) {
            if (upper && c >= 'a' && c <= 'z')
                c -= 32;
            else if (!upper && c >= 'A' && c <= 'Z')
                c += 32;
            o[k++] = (char)c;
        } else if (c == 0xC3 && j + 1 < s->len) { /* Latin-1 letters */
            unsigned char d = (unsigned char)s->u.str[j + 1];
            unsigned cp = 0xC0 + (d & 0x3F);
            j++;
            if (upper && cp == 0xDF) { /* ß -> SS */
                o[k++] = 'S';
                o[k++] = 'S';
                continue;
            }
            if (upper && cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
                cp -= 0x20;
            else if (!upper && cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
                cp += 0x20;
            o[k++] = (char)0xC3;
            o[k++] = (char)(0x80 | (cp & 0x3F));
        } else {
            o[k++] = (char)c;
        }
    }
    return vtl_str(o, k);
}

static int32_t java_hash(const vtl_value_t *s)
{
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s->u.str;
    size_t n = s->len;
    for (size_t k = 0; k < n;) {
        uint32_t cp;
        size_t len;
        if (p[k] < 0x80) {
            cp = p[k];
            len = 1;
        } else if (p[k] < 0xE0 && k + 1 < n) {
            cp = ((p[k] & 0x1Fu) << 6) | (p[k + 1] & 0x3F);
            len = 2;
        } else if (p[k] < 0xF0 && k + 2 < n) {
            cp = ((p[k] & 0x0Fu) << 12) | ((p[k + 1] & 0x3Fu) << 6) | (p[k + 2] & 0x3F);
            len = 3;
        } else if (k + 3 < n) {
            cp = ((p[k] & 0x07u) << 18) | ((p[k + 1] & 0x3Fu) << 12) | ((p[k + 2] & 0x3Fu) << 6) |
                 (p[k + 3] & 0x3F);
            len = 4;
        } else {
            cp = 0xFFFD;
            len = 1;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = 31 * h + (0xD800 + (cp >> 10));
            h = 31 * h + (0xDC00 + (cp & 0x3FF));
        } else {
            h = 31 * h + cp;
        }
        k += len;
    }
    return (int32_t)h;
}

/* Object.hashCode of Java's classes */
static int32_t java_hash_value(const vtl_value_t *v, int depth)
{
    uint32_t h = 0;
    if (depth > 50)
        return 0;
    switch (v->type) {
    case V_STR:
        return java_hash(v);
    case V_INT:
        return (int32_t)v->u.i;
    case V_LONG:
        return (int32_t)(uint32_t)((uint64_t)v->u.i ^ ((uint64_t)v->u.i >> 32));
    case V_DOUBLE: {
        uint64_t bits;
        double d = v->u.d;
        if (d != d)
            bits = 0x7ff8000000000000ULL;
        else
            memcpy(&bits, &d, sizeof(bits));
        return (int32_t)(uint32_t)(bits ^ (bits >> 32));
    }
    case V_BOOL:
        return v->u.b ? 1231 : 1237;
    case V_LIST:
        h = 1;
        for (size_t k = 0; k < v->u.l->n; k++)
            h = 31 * h + (uint32_t)java_hash_value(&v->u.l->v[k], depth + 1);
        return (int32_t)h;
    case V_MAP:
        for (size_t k = 0; k < v->u.m->n; k++)
            h += (uint32_t)(java_hash_value(&v->u.m->keys[k], depth + 1) ^
                            java_hash_value(&v->u.m->vals[k], depth + 1));
        return (int32_t)h;
    case V_ENTRY:
        return java_hash_value(&v->u.e->key, depth + 1) ^ java_hash_value(&v->u.e->val, depth + 1);
    default:
        return 0;
    }
}

/* UTF-16 units [b, e) of s. A surrogate pair cut in half leaves a lone
 * surrogate, which Java prints as "?". */
static vtl_value_t u16_slice(vtl_rs_t *rs, const vtl_value_t *s, size_t b, size_t e)
{
    const char *p = s->u.str;
    size_t n = s->len, u = 0, k = 0, start = n, stop = n;
    int lone_start = 0, lone_end = 0;
    while (k < n) {
        unsigned char c = (unsigned char)p[k];
        size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        size_t w = l == 4 ? 2 : 1;
        if (start == n && u + w > b) {
            start = k;
            lone_start = u < b; /* b is the pair's low half */
        }
        if (u + w > e) {
            stop = k;
            lone_end = u < e; /* e cuts the pair after its high half */
            break;
        }
        u += w;
        k += l;
    }
    if (start == n)
        start = stop = n;
    if (b == e)
        return vtl_str("", 0);
    if (!lone_start && !lone_end)
        return vtl_str(p + start, stop - start);
    if (lone_start && lone_end && start == stop) /* both halves' cut: one lone unit */
        return vtl_str("?", 1);
    vtl_buf_t o = {0};
    if (lone_start) {
        vtl_buf_add(rs, &o, "?", 1);
        start += 4;
    }
    if (stop > start)
        vtl_buf_add(rs, &o, p + start, stop - start);
    if (lone_end)
        vtl_buf_add(rs, &o, "?", 1);
    return vtl_str(o.p ? o.p : "", o.n);
}

static vtl_value_t str_method(vtl_rs_t *rs, vtl_value_t *self, const char *name, size_t nlen,
                              vtl_value_t *a, size_t n, int *found)
{
    const char *p = self->u.str;
    size_t len = self->len;
    if (n == 0) {
        if (NAME("length"))
            return vtl_int((int64_t)vtl_u16_len(p, len));
        if (NAME("isEmpty"))
            return vtl_bool(len == 0);
        if (NAME("toString") || NAME("intern"))
            return *self;
        if (NAME("toLowerCase"))
            return case_map(rs, self, 0);
        if (NAME("toUpperCase"))
            return case_map(rs, self, 1);
        if (NAME("hashCode"))
            return vtl_int(java_hash(self));
        if (NAME("trim")) {
            size_t b = 0, e = len;
            while (b < e && (unsigned char)p[b] <= ' ')
                b++;
            while (e > b && (unsigned char)p[e - 1] <= ' ')
                e--;
            return vtl_str(p + b, e - b);
        }
        return nf(found);
    }
    if (n == 1) {
        if (NAME("equals"))
            return vtl_bool(vtl_equals(self, &a[0]));
        if (NAME("equalsIgnoreCase")) {
            if (a[0].type == V_NULL)
                return vtl_bool(0);
            if (!is_str(&a[0]))
                return nf(found);
            vtl_value_t x = case_map(rs, self, 1), y = case_map(rs, &a[0], 1);
            return vtl_bool(vtl_equals(&x, &y));
        }
        if (NAME("substring") && is_int(&a[0])) {
            size_t u = vtl_u16_len(p, len);
            if (a[0].u.i < 0 || (size_t)a[0].u.i > u)
                vtl_fail(rs, VTL_ERUNTIME, "StringIndexOutOfBoundsException: %lld",
                         (long long)a[0].u.i);
            return u16_slice(rs, self, (size_t)a[0].u.i, u);
        }
        if (NAME("charAt") && is_int(&a[0])) {
            size_t u = vtl_u16_len(p, len);
            if (a[0].u.i < 0 || (size_t)a[0].u.i >= u)
                vtl_fail(rs, VTL_ERUNTIME, "StringIndexOutOfBoundsException: %lld",
                         (long long)a[0].u.i);
            return u16_slice(rs, self, (size_t)a[0].u.i, (size_t)a[0].u.i + 1);
        }
        if (a[0].type == V_NULL &&
            (NAME("indexOf") || NAME("contains") || NAME("startsWith") || NAME("endsWith") ||
             NAME("concat") || NAME("lastIndexOf") || NAME("split") || NAME("matches")))
            vtl_fail(rs, VTL_ERUNTIME, "NullPointerException in %.*s", (int)nlen, name);
        char cbuf[4];
        vtl_value_t chv;
        if ((NAME("indexOf") || NAME("lastIndexOf")) && is_int(&a[0])) {
            /* indexOf(int ch): the character with that code */
            int64_t cp = a[0].u.i;
            size_t cn = 0;
            if (cp < 0 || cp > 0x10FFFF)
                return vtl_int(-1);
            if (cp < 0x80) {
                cbuf[cn++] = (char)cp;
            } else if (cp < 0x800) {
                cbuf[cn++] = (char)(0xC0 | (cp >> 6));
                cbuf[cn++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                cbuf[cn++] = (char)(0xE0 | (cp >> 12));
                cbuf[cn++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                cbuf[cn++] = (char)(0x80 | (cp & 0x3F));
            } else {
                cbuf[cn++] = (char)(0xF0 | (cp >> 18));
                cbuf[cn++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                cbuf[cn++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                cbuf[cn++] = (char)(0x80 | (cp & 0x3F));
            }
            chv = vtl_str(cbuf, cn);
            a = &chv;
        }
        if (!is_str(&a[0]))
            return nf(found);
        const vtl_value_t *x = &a[0];
        if (NAME("indexOf"))
            return u16_index(self, find_bytes(p, len, x->u.str, x->len, 0));
        if (NAME("lastIndexOf")) {
            const char *best = NULL;
            for (const char *at = find_bytes(p, len, x->u.str, x->len, 0); at;
                 at = (size_t)(at - p) + 1 <= len
                          ? find_bytes(p, len, x->u.str, x->len, (size_t)(at - p) + 1)
                          : NULL)
                best = at;
            return u16_index(self, best);
        }
        if (NAME("contains"))
            return vtl_bool(find_bytes(p, len, x->u.str, x->len, 0) != NULL);
        if (NAME("startsWith"))
            return vtl_bool(x->len <= len && memcmp(p, x->u.str, x->len) == 0);
        if (NAME("endsWith"))
            return vtl_bool(x->len <= len && memcmp(p + len - x->len, x->u.str, x->len) == 0);
        if (NAME("concat")) {
            char *o = vtl_alloc(rs, len + x->len + 1);
            memcpy(o, p, len);
            memcpy(o + len, x->u.str, x->len);
            return vtl_str(o, len + x->len);
        }
        if (NAME("matches"))
            return matches(rs, self, x);
        if (NAME("split"))
            return split(rs, self, x, 0);
        return nf(found);
    }
    if (n == 2) {
        if (NAME("substring") && is_int(&a[0]) && is_int(&a[1])) {
            size_t u = vtl_u16_len(p, len);
            if (a[0].u.i < 0 || a[1].u.i > (int64_t)u || a[0].u.i > a[1].u.i)
                vtl_fail(rs, VTL_ERUNTIME, "StringIndexOutOfBoundsException: begin %lld, end %lld",
                         (long long)a[0].u.i, (long long)a[1].u.i);
            return u16_slice(rs, self, (size_t)a[0].u.i, (size_t)a[1].u.i);
        }
        if ((NAME("indexOf") || NAME("startsWith") || NAME("lastIndexOf")) && a[0].type == V_NULL &&
            is_int(&a[1]))
            vtl_fail(rs, VTL_ERUNTIME, "NullPointerException in %.*s", (int)nlen, name);
        char cb[4];
        vtl_value_t a2[2];
        if ((NAME("indexOf") || NAME("lastIndexOf")) && is_int(&a[0]) && is_int(&a[1])) {
            /* indexOf(int ch, int from): the character with that code */
            int64_t cp = a[0].u.i;
            if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return vtl_int(-1);
            size_t cn = 0;
            if (cp < 0x80) {
                cb[cn++] = (char)cp;
            } else if (cp < 0x800) {
                cb[cn++] = (char)(0xC0 | (cp >> 6));
                cb[cn++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                cb[cn++] = (char)(0xE0 | (cp >> 12));
                cb[cn++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                cb[cn++] = (char)(0x80 | (cp & 0x3F));
            } else {
                cb[cn++] = (char)(0xF0 | (cp >> 18));
                cb[cn++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                cb[cn++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                cb[cn++] = (char)(0x80 | (cp & 0x3F));
            }
            a2[0] = vtl_str(cb, cn);
            a2[1] = a[1];
            a = a2;
        }
        if ((NAME("indexOf") || NAME("startsWith")) && is_str(&a[0]) && is_int(&a[1])) {
            int64_t from = a[1].u.i < 0 ? 0 : a[1].u.i;
            size_t u = vtl_u16_len(p, len);
            if (NAME("startsWith")) {
                if (a[1].u.i < 0 || (size_t)a[1].u.i > u)
                    return vtl_bool(0);
                size_t off = vtl_u16_off(p, len, (size_t)from);
                return vtl_bool(a[0].len <= len - off &&
                                memcmp(p + off, a[0].u.str, a[0].len) == 0);
            }
            if ((size_t)from >= u) /* Java: the length for "", else -1 */
                return vtl_int(a[0].len == 0 ? (int64_t)u : -1);
            size_t off = vtl_u16_off(p, len, (size_t)from);
            return u16_index(self, find_bytes(p, len, a[0].u.str, a[0].len, off));
        }
        if (NAME("split") && is_str(&a[0]) && is_int(&a[1]))
            return split(rs, self, &a[0], a[1].u.i);
        if ((!is_str(&a[0]) && a[0].type != V_NULL) || (!is_str(&a[1]) && a[1].type != V_NULL))
            return nf(found);
        if (!is_str(&a[0]) || !is_str(&a[1])) {
            if ((a[0].type == V_NULL || a[1].type == V_NULL) &&
                (NAME("replace") || NAME("replaceAll") || NAME("replaceFirst")))
                vtl_fail(rs, VTL_ERUNTIME, "NullPointerException in %.*s", (int)nlen, name);
            return nf(found);
        }
        if (NAME("replaceAll"))
            return replace_re(rs, self, &a[0], &a[1], 1);
        if (NAME("replaceFirst"))
            return replace_re(rs, self, &a[0], &a[1], 0);
        if (NAME("replace")) {
            const vtl_value_t *t = &a[0], *r = &a[1];
            vtl_buf_t b = {0};
            if (t->len == 0) { /* "abc".replace("", "-") is "-a-b-c-" */
                vtl_buf_add(rs, &b, r->u.str, r->len);
                for (size_t k = 0; k < len;) {
                    size_t nk = next_char(self, k);
                    vtl_buf_add(rs, &b, p + k, nk - k);
                    vtl_buf_add(rs, &b, r->u.str, r->len);
                    k = nk;
                }
                return vtl_str(b.p ? b.p : "", b.n);
            }
            size_t k = 0;
            for (const char *at; (at = find_bytes(p, len, t->u.str, t->len, k));) {
                vtl_buf_add(rs, &b, p + k, (size_t)(at - p) - k);
                vtl_buf_add(rs, &b, r->u.str, r->len);
                k = (size_t)(at - p) + t->len;
            }
            vtl_buf_add(rs, &b, p + k, len - k);
            return vtl_str(b.p ? b.p : "", b.n);
        }
    }
    return nf(found);
}

/* ---- lists ---- */
static vtl_value_t list_method(vtl_rs_t *rs, vtl_value_t *self, const char *name, size_t nlen,
                               vtl_value_t *a, size_t n, int *found)
{
    vtl_list_t *l = self->u.l;
    if (n == 0) {
        if (NAME("size"))
            return vtl_int((int64_t)l->n);
        if (NAME("isEmpty"))
            return vtl_bool(l->n == 0);
        if (NAME("toString"))
            return vtl_stringify(rs, self);
        if (NAME("clear") && l->kind != L_ARRAY) {
            l->n = 0;
            l->mods++;
            return vtl_null();
        }
        return nf(found);
    }
    if (n == 1) {
        if (NAME("get") && is_int(&a[0])) {
            if (a[0].u.i < 0 || (size_t)a[0].u.i >= l->n)
                vtl_fail(rs, VTL_ERUNTIME, "IndexOutOfBoundsException: Index %lld out of bounds",
                         (long long)a[0].u.i);
            return l->v[a[0].u.i];
        }
        if (NAME("lastIndexOf")) {
            for (size_t k = l->n; k > 0; k--)
                if (vtl_equals(&l->v[k - 1], &a[0]))
                    return vtl_int((int64_t)k - 1);
            return vtl_int(-1);
        }
        if (NAME("contains") || NAME("indexOf")) {
            int64_t at = -1;
            for (size_t k = 0; k < l->n && at < 0; k++)
                if (vtl_equals(&l->v[k], &a[0]))
                    at = (int64_t)k;
            return NAME("contains") ? vtl_bool(at >= 0) : vtl_int(at);
        }
        if (NAME("equals"))
            return vtl_bool(vtl_equals(self, &a[0]));
        if (NAME("remove") && l->kind != L_ARRAY) {
            size_t at = l->n;
            if (is_int(&a[0])) {
                if (a[0].u.i < 0 || (size_t)a[0].u.i >= l->n)
                    vtl_fail(rs, VTL_ERUNTIME, "IndexOutOfBoundsException: Index %lld",
                             (long long)a[0].u.i);
                at = (size_t)a[0].u.i;
            } else {
                for (size_t k = 0; k < l->n && at == l->n; k++)
                    if (vtl_equals(&l->v[k], &a[0]))
                        at = k;
                if (at == l->n)
                    return vtl_bool(0);
            }
            vtl_value_t old = l->v[at];
            memmove(l->v + at, l->v + at + 1, (l->n - at - 1) * sizeof(vtl_value_t));
            l->n--;
            l->mods++;
            return is_int(&a[0]) ? old : vtl_bool(1);
        }
        if (NAME("add")) {
            if (l->kind == L_ARRAY)
                vtl_fail(rs, VTL_ERUNTIME, "UnsupportedOperationException: add");
            vtl_list_push(rs, l, a[0]);
            return vtl_bool(1);
        }
        if (NAME("addAll") && a[0].type == V_LIST && l->kind != L_ARRAY) {
            vtl_list_t *o = a[0].u.l;
            size_t cnt = o->n;
            for (size_t k = 0; k < cnt; k++)
                vtl_list_push(rs, l, o->v[k]);
            return vtl_bool(cnt > 0);
        }
        return nf(found);
    }
    if (n == 2) {
        if (NAME("set") && is_int(&a[0])) {
            if (a[0].u.i < 0 || (size_t)a[0].u.i >= l->n)
                vtl_fail(rs, VTL_ERUNTIME, "IndexOutOfBoundsException: Index %lld out of bounds",
                         (long long)a[0].u.i);
            vtl_value_t old = l->v[a[0].u.i];
            l->v[a[0].u.i] = a[1];
            return old;
        }
        if (NAME("subList") && is_int(&a[0]) && is_int(&a[1])) {
            if (a[0].u.i < 0 || a[1].u.i > (int64_t)l->n || a[0].u.i > a[1].u.i)
                vtl_fail(rs, VTL_ERUNTIME, "IndexOutOfBoundsException in subList");
            vtl_value_t s = vtl_list_new(rs, L_ARRAYLIST, (size_t)(a[1].u.i - a[0].u.i));
            for (int64_t k = a[0].u.i; k < a[1].u.i; k++)
                vtl_list_push(rs, s.u.l, l->v[k]);
            return s;
        }
    }
    return nf(found);
}

/* ---- maps ---- */
static vtl_value_t key_list(vtl_rs_t *rs, vtl_map_t *m, int what)
{
    vtl_value_t l = vtl_list_new(rs, L_ARRAYLIST, m->n);
    l.u.l->view_of = m;
    for (size_t k = 0; k < m->n; k++) {
        if (what == 0) {
            vtl_list_push(rs, l.u.l, m->keys[k]);
        } else if (what == 1) {
            vtl_list_push(rs, l.u.l, m->vals[k]);
        } else {
            vtl_entry_t *e = vtl_alloc(rs, sizeof(*e));
            e->key = m->keys[k];
            e->val = m->vals[k];
            vtl_list_push(rs, l.u.l, (vtl_value_t){.type = V_ENTRY, .u.e = e});
        }
    }
    return l;
}

static vtl_value_t map_method(vtl_rs_t *rs, vtl_value_t *self, const char *name, size_t nlen,
                              vtl_value_t *a, size_t n, int *found)
{
    vtl_map_t *m = self->u.m;
    if (n == 0) {
        if (NAME("size"))
            return vtl_int((int64_t)m->n);
        if (NAME("isEmpty"))
            return vtl_bool(m->n == 0);
        if (NAME("keySet"))
            return key_list(rs, m, 0);
        if (NAME("values"))
            return key_list(rs, m, 1);
        if (NAME("entrySet"))
            return key_list(rs, m, 2);
        if (NAME("toString"))
            return vtl_stringify(rs, self);
        if (NAME("clear")) {
            m->n = 0;
            m->mods++;
            m->idx = NULL;
            m->idx_cap = 0;
            return vtl_null();
        }
        return nf(found);
    }
    if (n == 1) {
        long at = vtl_map_find(m, a[0]);
        if (NAME("get"))
            return at < 0 ? vtl_null() : m->vals[at];
        if (NAME("containsKey"))
            return vtl_bool(at >= 0);
        if (NAME("containsValue")) {
            for (size_t k = 0; k < m->n; k++)
                if (vtl_equals(&m->vals[k], &a[0]))
                    return vtl_bool(1);
            return vtl_bool(0);
        }
        if (NAME("remove")) {
            if (at < 0)
                return vtl_null();
            vtl_value_t old = m->vals[at];
            memmove(m->keys + at, m->keys + at + 1, (m->n - (size_t)at - 1) * sizeof(vtl_value_t));
            memmove(m->vals + at, m->vals + at + 1, (m->n - (size_t)at - 1) * sizeof(vtl_value_t));
            m->n--;
            m->mods++;
            m->idx = NULL; /* positions moved: rebuilt by the next put */
            m->idx_cap = 0;
            return old;
        }
        if (NAME("equals"))
            return vtl_bool(vtl_equals(self, &a[0]));
        if (NAME("putAll") && a[0].type == V_MAP) {
            vtl_map_t *o = a[0].u.m;
            size_t cnt = o->n;
            for (size_t k = 0; k < cnt; k++)
                vtl_map_put(rs, m, o->keys[k], o->vals[k]);
            return vtl_null();
        }
        return nf(found);
    }
    if (n == 2 && NAME("put"))
        return vtl_map_put(rs, m, a[0], a[1]);
    return nf(found);
}

static vtl_value_t foreach_prop(vtl_foreach_t *fe, const char *name, size_t nlen)
{
    if (NAME("index"))
        return vtl_int(fe->index);
    if (NAME("count"))
        return vtl_int(fe->index + 1);
    if (NAME("hasNext"))
        return vtl_bool(fe->has_next);
    if (NAME("first"))
        return vtl_bool(fe->index == 0);
    if (NAME("last"))
        return vtl_bool(!fe->has_next);
    if (NAME("parent"))
        return fe->parent;
    return vtl_null();
}

/* Integer.parseInt / Long.parseLong: a sign, then decimal digits, in range */
static vtl_value_t parse_integral(vtl_rs_t *rs, const vtl_value_t *s, int64_t lo, int64_t hi,
                                  int as_long)
{
    const char *p = s->u.str;
    size_t n = s->len, k = 0;
    int neg = 0;
    uint64_t v = 0, lim;
    if (k < n && (p[k] == '-' || p[k] == '+'))
        neg = p[k++] == '-';
    lim = neg ? (uint64_t)(-(lo + 1)) + 1 : (uint64_t)hi;
    if (k == n)
        goto bad;
    for (; k < n; k++) {
        if (p[k] < '0' || p[k] > '9')
            goto bad;
        v = v * 10 + (uint64_t)(p[k] - '0');
        if (v > lim)
            goto bad;
    }
    int64_t r = neg ? (int64_t)(0 - v) : (int64_t)v;
    return as_long ? vtl_long(r) : vtl_int(r);
bad:
    vtl_fail(rs, VTL_ERUNTIME, "NumberFormatException: For input string: \"%.*s\"",
             (int)(n > 60 ? 60 : n), p);
}

/* Double.parseDouble */
static vtl_value_t parse_double(vtl_rs_t *rs, const vtl_value_t *s)
{
    const char *p = s->u.str;
    size_t n = s->len;
    while (n && (unsigned char)*p <= ' ') {
        p++;
        n--;
    }
    while (n && (unsigned char)p[n - 1] <= ' ')
        n--;
    char buf[128];
    if (n == 0 || n >= sizeof(buf))
        goto bad;
    memcpy(buf, p, n);
    buf[n] = 0;
    const char *q = buf + (buf[0] == '-' || buf[0] == '+');
    if (strcmp(q, "Infinity") == 0)
        return vtl_double(buf[0] == '-' ? -INFINITY : INFINITY);
    if (strcmp(q, "NaN") == 0)
        return vtl_double(NAN);
    if (strchr("dDfF", buf[n - 1]) && n > 1)
        buf[--n] = 0;
    for (size_t k = 0; k < n; k++)
        if (!strchr("0123456789.eE+-", buf[k]))
            goto bad;
    char *end;
    double d = strtod(buf, &end);
    if (*end == 0 && end != buf)
        return vtl_double(d);
bad:
    vtl_fail(rs, VTL_ERUNTIME, "NumberFormatException: For input string: \"%.*s\"",
             (int)(s->len > 60 ? 60 : s->len), s->u.str);
}

vtl_value_t vtl_call(vtl_rs_t *rs, vtl_value_t *self, const char *name, size_t nlen,
                     vtl_value_t *args, size_t nargs, int *found)
{
    *found = 1;
    if (nargs == 0 && NAME("hashCode") && self->type != V_OBJ)
        return vtl_int(java_hash_value(self, 0));
    switch (self->type) {
    case V_STR:
        return str_method(rs, self, name, nlen, args, nargs, found);
    case V_LIST:
        return list_method(rs, self, name, nlen, args, nargs, found);
    case V_MAP:
        return map_method(rs, self, name, nlen, args, nargs, found);
    case V_ENTRY:
        if (nargs == 0 && NAME("getKey"))
            return self->u.e->key;
        if (nargs == 0 && NAME("getValue"))
            return self->u.e->val;
        if (nargs == 0 && NAME("toString"))
            return vtl_stringify(rs, self);
        return nf(found);
    case V_INT:
    case V_LONG:
    case V_DOUBLE:
    case V_BOOL:
        if (nargs == 0 && NAME("toString"))
            return vtl_stringify(rs, self);
        if (nargs == 1 && NAME("equals"))
            return vtl_bool(vtl_equals(self, &args[0]));
        if (self->type != V_BOOL && nargs == 0) {
            if (NAME("intValue"))
                return vtl_int((int32_t)(self->type == V_DOUBLE ? (int64_t)self->u.d : self->u.i));
            if (NAME("longValue"))
                return vtl_long(self->type == V_DOUBLE ? (int64_t)self->u.d : self->u.i);
            if (NAME("doubleValue"))
                return vtl_double(vtl_num_double(self));
        }
        if (self->type == V_BOOL && nargs == 0 && NAME("booleanValue"))
            return *self;
        /* static methods through an instance: #set($Integer = 0)
         * $Integer.parseInt("42") */
        if (nargs == 1 && (args[0].type == V_STR || args[0].type == V_NULL)) {
            static const vtl_value_t null_str = {.type = V_STR, .len = 4, .u.str = "null"};
            const vtl_value_t *a = args[0].type == V_STR ? &args[0] : &null_str;
            if (self->type == V_INT && (NAME("parseInt") || NAME("valueOf")))
                return parse_integral(rs, a, INT32_MIN, INT32_MAX, 0);
            if (self->type == V_LONG && (NAME("parseLong") || NAME("valueOf")))
                return parse_integral(rs, a, INT64_MIN, INT64_MAX, 1);
            if (self->type == V_DOUBLE && (NAME("parseDouble") || NAME("valueOf"))) {
                if (args[0].type == V_NULL)
                    vtl_fail(rs, VTL_ERUNTIME, "NullPointerException in parseDouble");
                return parse_double(rs, a);
            }
        }
        return nf(found);
    case V_OBJ:
        if (self->kind == O_FOREACH) {
            /* getIndex(), getCount(), hasNext() ... */
            if (nargs == 0 && NAME("hasNext"))
                return vtl_bool(self->u.fe->has_next);
            if (nargs == 0 && nlen > 3 && memcmp(name, "get", 3) == 0) {
                char low[32];
                size_t k = nlen - 3 < sizeof(low) ? nlen - 3 : sizeof(low) - 1;
                memcpy(low, name + 3, k);
                low[0] = (char)(low[0] >= 'A' && low[0] <= 'Z' ? low[0] + 32 : low[0]);
                vtl_value_t v = foreach_prop(self->u.fe, low, k);
                if (v.type != V_NULL)
                    return v;
            }
            if (nargs == 0 && (NAME("isFirst") || NAME("isLast")))
                return foreach_prop(self->u.fe, NAME("isFirst") ? "first" : "last",
                                    NAME("isFirst") ? 5 : 4);
        }
        return nf(found);
    default:
        return nf(found);
    }
}

vtl_value_t vtl_property(vtl_rs_t *rs, vtl_value_t *self, const char *name, size_t nlen)
{
    int found;
    switch (self->type) {
    case V_MAP:
        return vtl_map_get(self->u.m, name, nlen);
    case V_STR:
    case V_LIST:
        if (NAME("empty"))
            return vtl_call(rs, self, "isEmpty", 7, NULL, 0, &found);
        return vtl_null();
    case V_ENTRY:
        if (NAME("key"))
            return self->u.e->key;
        if (NAME("value"))
            return self->u.e->val;
        return vtl_null();
    case V_OBJ:
        if (self->kind == O_FOREACH)
            return foreach_prop(self->u.fe, name, nlen);
        if (self->kind == O_INPUT && NAME("body"))
            return vtl_builtin_call(rs, self, "getBody", 7, NULL, 0, &found);
        return vtl_null();
    default:
        return vtl_null();
    }
}
