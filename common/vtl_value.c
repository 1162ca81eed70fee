/* vtl_value: the Java values templates compute with (Integer, Long, Double,
 * String, Boolean, ArrayList, LinkedHashMap, the reference's JSON lists) and
 * how Java prints them (toString), compares them (equals) and counts string
 * positions (UTF-16 units). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "vtl_int.h"

_Noreturn void vtl_fail(vtl_rs_t *rs, int code, const char *fmt, ...)
{
    if (rs->err) {
        va_list ap;
        rs->err->code = code;
        va_start(ap, fmt);
        vsnprintf(rs->err->message, sizeof(rs->err->message), fmt, ap);
        va_end(ap);
    }
    longjmp(rs->fail, code);
}

/* memory from the caller's allocator (zeroed when zero is set): n bytes
 * alone, or a chunk the small allocations that follow are cut from */
static void *alloc_from_caller(vtl_rs_t *rs, size_t n, int zero)
{
    size_t get = n > VTL_CHUNK / 4 ? n : VTL_CHUNK;
    char *p = rs->al.alloc(rs->al.ud, get);
    if (!p)
        vtl_fail(rs, VTL_ENOMEM, "out of memory");
    if (zero)
        memset(p, 0, n);
    if (get == VTL_CHUNK) {
        rs->chunk = p + n;
        rs->chunk_left = VTL_CHUNK - n;
        rs->chunk_zeroed = 0;
    }
    return p;
}

static void count_memory(vtl_rs_t *rs, size_t n)
{
    if (rs->mem + n > rs->lim.max_memory)
        vtl_fail(rs, VTL_ELIMIT, "template used more than %zu bytes of memory", rs->lim.max_memory);
    rs->mem += n;
}

/* The chunk is zeroed ahead of the allocations, VTL_ZERO_RUN bytes at a
 * time: one memset for many small values, and a small render does not
 * zero a whole chunk. */
#define VTL_ZERO_RUN 1024

void *vtl_alloc_slow(vtl_rs_t *rs, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    count_memory(rs, n);
    if (n > rs->chunk_left)
        return alloc_from_caller(rs, n, 1);
    if (n > rs->chunk_zeroed) {
        size_t run = n - rs->chunk_zeroed + VTL_ZERO_RUN;
        run = run < rs->chunk_left - rs->chunk_zeroed ? run : rs->chunk_left - rs->chunk_zeroed;
        memset(rs->chunk + rs->chunk_zeroed, 0, run);
        rs->chunk_zeroed += run;
    }
    void *p = rs->chunk;
    rs->chunk += n;
    rs->chunk_left -= n;
    rs->chunk_zeroed -= n;
    return p;
}

void *vtl_alloc_raw(vtl_rs_t *rs, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    count_memory(rs, n);
    if (n > rs->chunk_left)
        return alloc_from_caller(rs, n, 0);
    void *p = rs->chunk;
    rs->chunk += n;
    rs->chunk_left -= n;
    rs->chunk_zeroed = rs->chunk_zeroed > n ? rs->chunk_zeroed - n : 0;
    return p;
}

char *vtl_strndup(vtl_rs_t *rs, const char *s, size_t n)
{
    char *p = vtl_alloc(rs, n + 1);
    if (n)
        memcpy(p, s, n);
    return p;
}

vtl_value_t vtl_cstr(vtl_rs_t *rs, const char *p, size_t n)
{
    return vtl_str(vtl_strndup(rs, p, n), n);
}

vtl_value_t vtl_list_new(vtl_rs_t *rs, int kind, size_t cap)
{
    cap = cap ? cap : 4; /* the list and its first items in one allocation */
    vtl_list_t *l = vtl_alloc(rs, sizeof(*l) + cap * sizeof(vtl_value_t));
    l->kind = kind;
    l->cap = cap;
    l->v = (vtl_value_t *)(l + 1);
    return (vtl_value_t){.type = V_LIST, .u.l = l};
}

void vtl_list_grow(vtl_rs_t *rs, vtl_list_t *l)
{
    size_t cap = l->cap * 2 + 4;
    vtl_value_t *nv = vtl_alloc(rs, cap * sizeof(*nv));
    memcpy(nv, l->v, l->n * sizeof(*nv));
    l->v = nv;
    l->cap = cap;
}

vtl_value_t vtl_map_new(vtl_rs_t *rs, size_t cap)
{
    cap = cap ? cap : 4; /* the map, its first keys and values in one allocation */
    vtl_map_t *m = vtl_alloc(rs, sizeof(*m) + 2 * cap * sizeof(vtl_value_t));
    m->cap = cap;
    m->keys = (vtl_value_t *)(m + 1);
    m->vals = m->keys + cap;
    return (vtl_value_t){.type = V_MAP, .u.m = m};
}

static size_t key_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t k = 0; k < n; k++)
        h = (h ^ (unsigned char)p[k]) * 16777619u;
    return h;
}

static void idx_insert(vtl_map_t *m, size_t pos)
{
    size_t h = key_hash(m->keys[pos].u.str, m->keys[pos].len) & (m->idx_cap - 1);
    while (m->idx[h])
        h = (h + 1) & (m->idx_cap - 1);
    m->idx[h] = (uint32_t)pos + 1;
}

static void idx_build(vtl_rs_t *rs, vtl_map_t *m)
{
    size_t cap = 64;
    while (cap < m->n * 2 + 2)
        cap *= 2;
    m->idx = vtl_alloc(rs, cap * sizeof(uint32_t));
    m->idx_cap = cap;
    for (size_t k = 0; k < m->n; k++)
        if (m->keys[k].type == V_STR)
            idx_insert(m, k);
}

long vtl_map_find(const vtl_map_t *m, vtl_value_t key)
{
    if (m->idx && key.type == V_STR) {
        size_t h = key_hash(key.u.str, key.len) & (m->idx_cap - 1);
        for (; m->idx[h]; h = (h + 1) & (m->idx_cap - 1)) {
            const vtl_value_t *k = &m->keys[m->idx[h] - 1];
            if (k->len == key.len && memcmp(k->u.str, key.u.str, key.len) == 0)
                return (long)m->idx[h] - 1;
        }
        return -1;
    }
    if (key.type == V_STR) { /* what vtl_equals does for strings, inline */
        size_t n = key.len;
        const char *p = key.u.str;
        for (size_t k = 0; k < m->n; k++) {
            const vtl_value_t *mk = &m->keys[k];
            if (mk->type == V_STR && mk->len == n &&
                (n == 0 || (mk->u.str[0] == p[0] && memcmp(mk->u.str, p, n) == 0)))
                return (long)k;
        }
        return -1;
    }
    for (size_t k = 0; k < m->n; k++)
        if (vtl_equals(&m->keys[k], &key))
            return (long)k;
    return -1;
}

vtl_value_t vtl_map_get(const vtl_map_t *m, const char *k, size_t n)
{
    long at = vtl_map_find(m, vtl_str(k, n));
    return at < 0 ? vtl_null() : m->vals[at];
}

vtl_value_t vtl_map_put(vtl_rs_t *rs, vtl_map_t *m, vtl_value_t key, vtl_value_t v)
{
    long at = vtl_map_find(m, key);
    if (at >= 0) {
        vtl_value_t old = m->vals[at];
        m->vals[at] = v;
        return old;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap * 2 + 4;
        vtl_value_t *nk = vtl_alloc(rs, cap * sizeof(*nk));
        vtl_value_t *nv = vtl_alloc(rs, cap * sizeof(*nv));
        memcpy(nk, m->keys, m->n * sizeof(*nk));
        memcpy(nv, m->vals, m->n * sizeof(*nv));
        m->keys = nk;
        m->vals = nv;
        m->cap = cap;
    }
    m->keys[m->n] = key;
    m->vals[m->n] = v;
    m->n++;
    m->mods++;
    if (m->n >= 16 && m->n <= UINT32_MAX / 2) {
        if (!m->idx || m->n * 2 > m->idx_cap)
            idx_build(rs, m);
        else if (key.type == V_STR)
            idx_insert(m, m->n - 1);
    }
    return vtl_null();
}

/* vtl_map_from_pairs when keys may repeat, are not strings or are many:
 * the pairs put one by one into m (empty, with room for all of them), so
 * repeats and the index are vtl_map_put's own */
__attribute__((noinline)) static vtl_map_t *
map_from_pairs_slow(vtl_rs_t *rs, vtl_map_t *m, const vtl_value_t *kv, size_t npairs)
{
    for (size_t k = 0; k < npairs; k++)
        vtl_map_put(rs, m, kv[2 * k], kv[2 * k + 1]);
    return m;
}

/* what npairs vtl_map_put calls on a new map would give (a repeated key
 * keeps its first place and its last value): the map and its entries in
 * mem (NULL: allocated here), the index (past 16 entries) built once */
vtl_map_t *vtl_map_from_pairs(vtl_rs_t *rs, void *mem, const vtl_value_t *kv, size_t npairs)
{
    if (npairs == 0)
        return vtl_map_new(rs, 0).u.m;
    vtl_map_t *m = mem ? mem : vtl_alloc(rs, sizeof(*m) + 2 * npairs * sizeof(vtl_value_t));
    *m = (vtl_map_t){.keys = (vtl_value_t *)(m + 1), .cap = npairs};
    m->vals = m->keys + npairs;
    if (npairs >= 16)
        return map_from_pairs_slow(rs, m, kv, npairs);
    /* a few string keys, copied as they are unless two may be equal: a bit
     * per key's length and first byte tells */
    uint64_t seen = 0, again = 0;
    for (size_t k = 0; k < npairs; k++) {
        const vtl_value_t *key = &kv[2 * k];
        if (key->type != V_STR)
            return map_from_pairs_slow(rs, m, kv, npairs);
        unsigned h = (unsigned)key->len * 8 + (key->len ? (unsigned char)key->u.str[0] : 0);
        uint64_t bit = (uint64_t)1 << (h & 63);
        again |= seen & bit;
        seen |= bit;
        m->keys[k] = *key;
        m->vals[k] = key[1];
    }
    if (again)
        return map_from_pairs_slow(rs, m, kv, npairs);
    m->n = npairs;
    m->mods = (unsigned)npairs;
    return m;
}

/* ---- printing ---- */
void vtl_buf_reserve(vtl_rs_t *rs, vtl_buf_t *b, size_t n)
{
    if (b->n + n <= b->cap)
        return;
    size_t cap = b->n + n;
    char *np = vtl_alloc(rs, cap);
    if (b->n)
        memcpy(np, b->p, b->n);
    b->p = np;
    b->cap = cap;
}

void vtl_buf_grow(vtl_rs_t *rs, vtl_buf_t *b, size_t n)
{
    size_t cap = b->cap * 2 + n + 64;
    char *np = vtl_alloc(rs, cap);
    if (b->n)
        memcpy(np, b->p, b->n);
    b->p = np;
    b->cap = cap;
}

static void add_s(vtl_rs_t *rs, vtl_buf_t *b, const char *s)
{
    vtl_buf_add(rs, b, s, strlen(s));
}

size_t vtl_fmt_double(double d, char *buf, size_t cap)
{
    if (isnan(d))
        return (size_t)snprintf(buf, cap, "NaN");
    if (isinf(d))
        return (size_t)snprintf(buf, cap, d > 0 ? "Infinity" : "-Infinity");
    if (d == 0)
        return (size_t)snprintf(buf, cap, signbit(d) ? "-0.0" : "0.0");
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* tmp: [-]d[.ddd]e[+-]xx */
    char digits[24];
    size_t nd = 0;
    const char *q = tmp;
    int neg = *q == '-';
    if (neg)
        q++;
    for (; *q && *q != 'e'; q++)
        if (*q != '.')
            digits[nd++] = *q;
    int e10 = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    size_t o = 0;
    char out[64];
    if (neg)
        out[o++] = '-';
    double a = fabs(d);
    if (a >= 1e-3 && a < 1e7) {
        if (e10 >= 0) {
            for (int k = 0; k <= e10; k++)
                out[o++] = (size_t)k < nd ? digits[k] : '0';
            out[o++] = '.';
            if ((size_t)e10 + 1 < nd)
                for (size_t k = (size_t)e10 + 1; k < nd; k++)
                    out[o++] = digits[k];
            else
                out[o++] = '0';
        } else {
            out[o++] = '0';
            out[o++] = '.';
            for (int k = 0; k < -e10 - 1; k++)
                out[o++] = '0';
            for (size_t k = 0; k < nd; k++)
                out[o++] = digits[k];
        }
    } else {
        out[o++] = digits[0];
        out[o++] = '.';
        if (nd > 1)
            for (size_t k = 1; k < nd; k++)
                out[o++] = digits[k];
        else
            out[o++] = '0';
        o += (size_t)snprintf(out + o, sizeof(out) - o, "E%d", e10);
    }
    out[o] = 0;
    return (size_t)snprintf(buf, cap, "%s", out);
}

static void add_scalar(vtl_rs_t *rs, vtl_buf_t *b, const vtl_value_t *v)
{
    char num[64];
    switch (v->type) {
    case V_NULL:
        add_s(rs, b, "null");
        break;
    case V_BOOL:
        add_s(rs, b, v->u.b ? "true" : "false");
        break;
    case V_INT:
    case V_LONG: { /* the digits from the end of num, as %lld writes them */
        uint64_t u = v->u.i < 0 ? 0 - (uint64_t)v->u.i : (uint64_t)v->u.i;
        char *e = num + sizeof(num), *d = e;
        do
            *--d = (char)('0' + u % 10);
        while ((u /= 10) != 0);
        if (v->u.i < 0)
            *--d = '-';
        vtl_buf_add(rs, b, d, (size_t)(e - d));
        break;
    }
    case V_DOUBLE:
        vtl_fmt_double(v->u.d, num, sizeof(num));
        add_s(rs, b, num);
        break;
    default:
        break;
    }
}

static void json_quote(vtl_rs_t *rs, vtl_buf_t *b, const char *p, size_t n)
{
    vtl_buf_add(rs, b, "\"", 1);
    for (size_t k = 0; k < n; k++) {
        size_t run = k; /* what needs no escape, at once */
        while (k < n && (unsigned char)p[k] >= 0x20 && p[k] != '"' && p[k] != '\\')
            k++;
        vtl_buf_add(rs, b, p + run, k - run);
        if (k == n)
            break;
        unsigned char c = (unsigned char)p[k];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof(u), "\\u%04x", c);
                esc = u;
            }
        }
        add_s(rs, b, esc); /* the run took every byte that needs none */
    }
    vtl_buf_add(rs, b, "\"", 1);
}

static void to_string_d(vtl_rs_t *rs, vtl_buf_t *b, const vtl_value_t *v, int depth);

static void to_json_d(vtl_rs_t *rs, vtl_buf_t *b, const vtl_value_t *v, int depth)
{
    if (depth > 1000)
        vtl_fail(rs, VTL_ERUNTIME, "value nested too deeply to print");
    switch (v->type) {
    case V_STR:
        json_quote(rs, b, v->u.str, v->len);
        return;
    case V_MAP:
        vtl_buf_add(rs, b, "{", 1);
        for (size_t k = 0; k < v->u.m->n; k++) {
            if (k)
                vtl_buf_add(rs, b, ",", 1);
            vtl_value_t ks = vtl_stringify(rs, &v->u.m->keys[k]);
            json_quote(rs, b, ks.u.str, ks.len);
            vtl_buf_add(rs, b, ":", 1);
            to_json_d(rs, b, &v->u.m->vals[k], depth + 1);
        }
        vtl_buf_add(rs, b, "}", 1);
        return;
    case V_LIST:
        vtl_buf_add(rs, b, "[", 1);
        for (size_t k = 0; k < v->u.l->n; k++) {
            if (k)
                vtl_buf_add(rs, b, ",", 1);
            to_json_d(rs, b, &v->u.l->v[k], depth + 1);
        }
        vtl_buf_add(rs, b, "]", 1);
        return;
    case V_ENTRY:
    case V_OBJ: {
        vtl_buf_t t = {0};
        to_string_d(rs, &t, v, depth + 1);
        json_quote(rs, b, t.p, t.n);
        return;
    }
    default:
        add_scalar(rs, b, v);
    }
}

static void to_string_d(vtl_rs_t *rs, vtl_buf_t *b, const vtl_value_t *v, int depth)
{
    if (depth > 1000)
        vtl_fail(rs, VTL_ERUNTIME, "value nested too deeply to print");
    switch (v->type) {
    case V_STR:
        vtl_buf_add(rs, b, v->u.str, v->len);
        return;
    case V_LIST:
        if (v->u.l->kind == L_JSON) {
            to_json_d(rs, b, v, depth);
            return;
        }
        vtl_buf_add(rs, b, "[", 1);
        for (size_t k = 0; k < v->u.l->n; k++) {
            if (k)
                vtl_buf_add(rs, b, ", ", 2);
            if (v->u.l->v[k].type == V_LIST && v->u.l->v[k].u.l == v->u.l)
                add_s(rs, b, "(this Collection)");
            else
                to_string_d(rs, b, &v->u.l->v[k], depth + 1);
        }
        vtl_buf_add(rs, b, "]", 1);
        return;
    case V_MAP:
        vtl_buf_add(rs, b, "{", 1);
        for (size_t k = 0; k < v->u.m->n; k++) {
            if (k)
                vtl_buf_add(rs, b, ", ", 2);
            to_string_d(rs, b, &v->u.m->keys[k], depth + 1);
            vtl_buf_add(rs, b, "=", 1);
            if (v->u.m->vals[k].type == V_MAP && v->u.m->vals[k].u.m == v->u.m)
                add_s(rs, b, "(this Map)");
            else
                to_string_d(rs, b, &v->u.m->vals[k], depth + 1);
        }
        vtl_buf_add(rs, b, "}", 1);
        return;
    case V_ENTRY:
        to_string_d(rs, b, &v->u.e->key, depth + 1);
        vtl_buf_add(rs, b, "=", 1);
        to_string_d(rs, b, &v->u.e->val, depth + 1);
        return;
    case V_OBJ:
        if (v->kind == O_BLOCK) {
            vtl_render_block(rs, b, v->u.body);
            return;
        }
        add_s(rs, b, v->kind == O_INPUT ? "$input" : v->kind == O_UTIL ? "$util" : "$foreach");
        return;
    default:
        add_scalar(rs, b, v);
    }
}

void vtl_to_string(vtl_rs_t *rs, vtl_buf_t *b, const vtl_value_t *v)
{
    to_string_d(rs, b, v, 0);
}
void vtl_to_json(vtl_rs_t *rs, vtl_buf_t *b, const vtl_value_t *v)
{
    to_json_d(rs, b, v, 0);
}

vtl_value_t vtl_stringify(vtl_rs_t *rs, const vtl_value_t *v)
{
    if (v->type == V_STR)
        return *v;
    vtl_buf_t b = {0};
    vtl_to_string(rs, &b, v);
    return vtl_str(b.p, b.n);
}

/* ---- equality (Object.equals) ---- */
int vtl_equals(const vtl_value_t *a, const vtl_value_t *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case V_NULL:
        return 1;
    case V_BOOL:
        return a->u.b == b->u.b;
    case V_INT:
    case V_LONG:
        return a->u.i == b->u.i;
    case V_DOUBLE: /* Double.equals compares bits */
        return memcmp(&a->u.d, &b->u.d, sizeof(double)) == 0 || (isnan(a->u.d) && isnan(b->u.d));
    case V_STR:
        return a->len == b->len && memcmp(a->u.str, b->u.str, a->len) == 0;
    case V_LIST:
        if (a->u.l == b->u.l)
            return 1;
        if (a->u.l->n != b->u.l->n)
            return 0;
        for (size_t k = 0; k < a->u.l->n; k++)
            if (!vtl_equals(&a->u.l->v[k], &b->u.l->v[k]))
                return 0;
        return 1;
    case V_MAP:
        if (a->u.m == b->u.m)
            return 1;
        if (a->u.m->n != b->u.m->n)
            return 0;
        for (size_t k = 0; k < a->u.m->n; k++) {
            long j = vtl_map_find(b->u.m, a->u.m->keys[k]);
            if (j < 0 || !vtl_equals(&a->u.m->vals[k], &b->u.m->vals[j]))
                return 0;
        }
        return 1;
    case V_ENTRY:
        return vtl_equals(&a->u.e->key, &b->u.e->key) && vtl_equals(&a->u.e->val, &b->u.e->val);
    case V_OBJ:
        return a->kind == b->kind && a->u.fe == b->u.fe;
    }
    return 0;
}

/* ---- JSON to values ---- */
vtl_value_t vtl_from_json(vtl_rs_t *rs, const json_t *j)
{
    if (!j)
        return vtl_null();
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        vtl_value_t m = vtl_map_new(rs, json_object_size(j));
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            vtl_map_put(rs, m.u.m, vtl_cstr(rs, k, strlen(k)), vtl_from_json(rs, v));
        }
        return m;
    }
    case JSON_ARRAY: {
        vtl_value_t l = vtl_list_new(rs, L_JSON, json_array_size(j));
        size_t idx;
        json_t *v;
        json_array_foreach(j, idx, v)
        {
            vtl_list_push(rs, l.u.l, vtl_from_json(rs, v));
        }
        return l;
    }
    case JSON_STRING:
        return vtl_cstr(rs, json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        return vtl_int(json_integer_value(j));
    case JSON_REAL:
        return vtl_double(json_real_value(j));
    case JSON_TRUE:
        return vtl_bool(1);
    case JSON_FALSE:
        return vtl_bool(0);
    default:
        return vtl_null();
    }
}

json_t *vtl_to_jansson(const vtl_value_t *v, int depth)
{
    json_t *j = NULL;
    if (depth > 1000)
        return json_null();
    switch (v->type) {
    case V_BOOL:
        return json_boolean(v->u.b);
    case V_INT:
    case V_LONG:
        return json_integer(v->u.i);
    case V_DOUBLE:
        return json_real(v->u.d);
    case V_STR:
        return json_stringn_nocheck(v->u.str, v->len);
    case V_LIST:
        j = json_array();
        for (size_t k = 0; j && k < v->u.l->n; k++)
            json_array_append_new(j, vtl_to_jansson(&v->u.l->v[k], depth + 1));
        return j;
    case V_MAP:
        j = json_object();
        for (size_t k = 0; j && k < v->u.m->n; k++) {
            if (v->u.m->keys[k].type != V_STR)
                continue;
            json_t *val = vtl_to_jansson(&v->u.m->vals[k], depth + 1);
            json_object_setn_new_nocheck(j, v->u.m->keys[k].u.str, v->u.m->keys[k].len,
                                         val ? val : json_null());
        }
        return j;
    default:
        return json_null();
    }
}

/* ---- UTF-8 validity ---- */
size_t vtl_utf8_seq(const unsigned char *p, size_t n, size_t *bad_len)
{
    unsigned c = p[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else {
        *bad_len = 1;
        return 0;
    }
    if (c == 0xED && n > 1 && p[1] >= 0xA0 && p[1] <= 0xBF) {
        /* an encoded surrogate: Java replaces it whole */
        *bad_len = n > 2 && (p[2] & 0xC0) == 0x80 ? 3 : 2;
        return 0;
    }
    for (size_t k = 1; k < len; k++) {
        unsigned b = k < n ? p[k] : 0x100;
        unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) {
            *bad_len = k;
            return 0;
        }
    }
    return len;
}

/* the end of the ASCII run at u[k]: sixteen bytes at a time (SSE2), then
 * eight, then one */
static size_t ascii_run_end(const unsigned char *u, size_t k, size_t n)
{
#ifdef __SSE2__
    while (k + 16 <= n && _mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(u + k))) == 0)
        k += 16;
#endif
    for (uint64_t w; k + 8 <= n; k += 8) {
        memcpy(&w, u + k, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    while (k < n && u[k] < 0x80)
        k++;
    return k;
}

const char *vtl_utf8_clean(vtl_rs_t *rs, const vtl_alloc_t *al, const char *p, size_t n,
                           size_t *out_n)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t k = 0, bad;
    while (k < n) {
        k = ascii_run_end(u, k, n);
        if (k == n)
            break;
        size_t l = vtl_utf8_seq(u + k, n - k, &bad);
        if (!l)
            break;
        k += l;
    }
    *out_n = n;
    if (k == n)
        return p;
    char *o = rs ? vtl_alloc(rs, n * 3 + 1) : al->alloc(al->ud, n * 3 + 1);
    if (!o)
        return NULL;
    size_t m = 0;
    for (k = 0; k < n;) {
        size_t l = vtl_utf8_seq(u + k, n - k, &bad);
        if (l) {
            memcpy(o + m, p + k, l);
            m += l;
            k += l;
        } else {
            memcpy(o + m, "\xEF\xBF\xBD", 3);
            m += 3;
            k += bad;
        }
    }
    *out_n = m;
    return o;
}

/* ---- UTF-16 positions ---- */
size_t vtl_u16_len(const char *p, size_t n)
{
    size_t u = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)p[k];
        if ((c & 0xC0) != 0x80)
            u += (c >= 0xF0) ? 2 : 1;
    }
    return u;
}

size_t vtl_u16_off(const char *p, size_t n, size_t i)
{
    size_t u = 0, k = 0;
    while (k < n && u < i) {
        unsigned char c = (unsigned char)p[k];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        u += len == 4 ? 2 : 1;
        k += len;
    }
    return k > n ? n : k;
}
