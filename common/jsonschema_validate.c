/* jsonschema_validate: walks a document against a compiled schema. In
 * collecting mode (an error buffer, outside anyOf/oneOf/allOf/not branches)
 * every keyword is checked and each failure appends the message the
 * reference's validator (a Java draft-4 validator) writes; otherwise the
 * first failure ends the walk. */
#include "jsonschema_int.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 1024

typedef struct {
    char *buf;
    size_t cap, len; /* cap: room for messages, ']' and NUL kept aside */
    int nerr;
    int quiet; /* > 0 inside a branch whose failures are not reported */
    int depth;
    pcre2_match_data *md; /* created on the first pattern, freed at the end */
    size_t budget;        /* schema evaluations left (see jsonschema_validate) */
} vctx_t;

static int collecting(const vctx_t *c)
{
    return c->buf != NULL && c->quiet == 0;
}

static void put(vctx_t *c, const char *s, size_t n)
{
    size_t room = c->cap - c->len;
    if (n > room)
        n = room;
    memcpy(c->buf + c->len, s, n);
    c->len += n;
}

#define put_lit(c, s) put((c), (s), sizeof(s) - 1)

static void putf(vctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(vctx_t *c, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(c, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Starts a message; 0 when messages are not being collected. */
static int msg(vctx_t *c)
{
    if (!collecting(c))
        return 0;
    if (c->nerr++ > 0)
        put_lit(c, ", ");
    return 1;
}

static void put_json(vctx_t *c, const json_t *v)
{
    size_t room = c->cap - c->len;
    size_t n = json_dumpb(v, c->buf + c->len, room, JSON_COMPACT | JSON_ENCODE_ANY);
    c->len += n < room ? n : room;
}

static void put_quoted(vctx_t *c, const char *s)
{
    put_lit(c, "\"");
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            put_lit(c, "\\");
        put(c, s, 1);
    }
    put_lit(c, "\"");
}

static void put_num(vctx_t *c, const js_num_t *n)
{
    if (n->is_int) {
        putf(c, "%lld", n->i);
        return;
    }
    char tmp[40];
    snprintf(tmp, sizeof(tmp), "%.15g", n->d);
    if (strtod(tmp, NULL) != n->d)
        snprintf(tmp, sizeof(tmp), "%.17g", n->d);
    if (strpbrk(tmp, ".eEin") == NULL)
        strcat(tmp, ".0"); /* a Java double prints 2.0 */
    put(c, tmp, strlen(tmp));
}

/* ---- values --------------------------------------------------------------- */

static const char *const type_names[] = {"array",  "boolean", "integer", "null",
                                         "number", "object",  "string"};

static int type_of(const json_t *x)
{
    switch (json_typeof(x)) {
    case JSON_OBJECT:
        return JS_OBJECT;
    case JSON_ARRAY:
        return JS_ARRAY;
    case JSON_STRING:
        return JS_STRING;
    case JSON_INTEGER:
        return JS_INTEGER;
    case JSON_REAL:
        return JS_NUMBER;
    case JSON_TRUE:
    case JSON_FALSE:
        return JS_BOOLEAN;
    default:
        return JS_NULL;
    }
}

static const char *type_name(int bit)
{
    for (int i = 0; i < 7; i++)
        if (bit == 1 << i)
            return type_names[i];
    return "?";
}

static js_num_t num_of(const json_t *x)
{
    js_num_t n = {0};
    if (json_is_integer(x)) {
        n.is_int = 1;
        n.i = json_integer_value(x);
        n.d = (double)n.i;
    } else {
        n.d = json_real_value(x);
    }
    return n;
}

static int num_cmp(const js_num_t *a, const js_num_t *b)
{
    if (a->is_int && b->is_int)
        return (a->i > b->i) - (a->i < b->i);
    long double x = a->is_int ? (long double)a->i : a->d;
    long double y = b->is_int ? (long double)b->i : b->d;
    return (x > y) - (x < y);
}

static int json_eq(const json_t *a, const json_t *b)
{
    int ta = type_of(a), tb = type_of(b);
    if ((ta & (JS_INTEGER | JS_NUMBER)) && (tb & (JS_INTEGER | JS_NUMBER))) {
        js_num_t x = num_of(a), y = num_of(b);
        return num_cmp(&x, &y) == 0;
    }
    if (ta != tb)
        return 0;
    size_t i;
    const char *k;
    json_t *v;
    switch (ta) {
    case JS_INTEGER:
    case JS_NUMBER: {
        js_num_t x = num_of(a), y = num_of(b);
        return num_cmp(&x, &y) == 0;
    }
    case JS_BOOLEAN:
        return json_is_true(a) == json_is_true(b);
    case JS_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JS_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return 0;
        json_array_foreach(a, i, v) if (!json_eq(v, json_array_get(b, i))) return 0;
        return 1;
    case JS_OBJECT:
        if (json_object_size(a) != json_object_size(b))
            return 0;
        json_object_foreach((json_t *)a, k, v)
        {
            const json_t *w = json_object_get(b, k);
            if (w == NULL || !json_eq(v, w))
                return 0;
        }
        return 1;
    }
    return 1; /* null */
}

static int const_eq(const js_const_t *k, const json_t *x)
{
    int t = type_of(x);
    if ((k->type & (JS_INTEGER | JS_NUMBER)) && (t & (JS_INTEGER | JS_NUMBER))) {
        js_num_t n = num_of(x);
        return num_cmp(&k->num, &n) == 0;
    }
    if (k->type != t)
        return 0;
    switch (t) {
    case JS_BOOLEAN:
        return k->num.i == json_is_true(x);
    case JS_STRING:
        return k->len == json_string_length(x) && memcmp(k->s, json_string_value(x), k->len) == 0;
    case JS_ARRAY:
        if (k->len != json_array_size(x))
            return 0;
        for (size_t i = 0; i < k->len; i++)
            if (!const_eq(&k->items[i], json_array_get(x, i)))
                return 0;
        return 1;
    case JS_OBJECT:
        if (k->len != json_object_size(x))
            return 0;
        for (size_t i = 0; i < k->len; i++) {
            const json_t *v = json_object_getn(x, k->keys[i], k->key_lens[i]);
            if (v == NULL || !const_eq(&k->items[i], v))
                return 0;
        }
        return 1;
    }
    return 1;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 31;
    h *= 0x7fb5d329728ea185ULL;
    h ^= h >> 27;
    return h;
}

/* Equal values (json_eq) hash equal: numbers by their double value. */
static uint64_t json_hash(const json_t *x)
{
    size_t i;
    const char *k;
    json_t *v;
    uint64_t h = (uint64_t)type_of(x);
    switch (type_of(x)) {
    case JS_INTEGER:
    case JS_NUMBER: {
        double d = json_number_value(x);
        if (d == 0)
            d = 0; /* -0.0 */
        memcpy(&h, &d, sizeof(h));
        return mix(h ^ 0x9e37);
    }
    case JS_BOOLEAN:
        return mix(h + json_is_true(x));
    case JS_STRING: {
        const unsigned char *s = (const unsigned char *)json_string_value(x);
        h = 1469598103934665603ULL;
        for (i = 0; i < json_string_length(x); i++)
            h = (h ^ s[i]) * 1099511628211ULL;
        return mix(h);
    }
    case JS_ARRAY:
        json_array_foreach(x, i, v) h = mix(h * 31 + json_hash(v));
        return h;
    case JS_OBJECT: {
        uint64_t sum = h;
        json_object_foreach((json_t *)x, k, v)
        {
            uint64_t kh = 1469598103934665603ULL;
            for (const unsigned char *p = (const unsigned char *)k; *p; p++)
                kh = (kh ^ *p) * 1099511628211ULL;
            sum += mix(kh ^ json_hash(v));
        }
        return mix(sum);
    }
    }
    return mix(h);
}

typedef struct {
    uint64_t h;
    size_t i;
} hidx_t;

static int hidx_cmp(const void *a, const void *b)
{
    const hidx_t *x = a, *y = b;
    return (x->h > y->h) - (x->h < y->h);
}

/* 1 when the array holds no two equal items: O(n log n) by hash. */
static int unique(const json_t *arr)
{
    size_t n = json_array_size(arr);
    hidx_t *hs = n > 1 ? malloc(n * sizeof(*hs)) : NULL;
    if (hs == NULL) {
        for (size_t i = 0; i + 1 < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (json_eq(json_array_get(arr, i), json_array_get(arr, j)))
                    return 0;
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        hs[i] = (hidx_t){json_hash(json_array_get(arr, i)), i};
    qsort(hs, n, sizeof(*hs), hidx_cmp);
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++)
        for (size_t j = i + 1; ok && j < n && hs[j].h == hs[i].h; j++)
            if (json_eq(json_array_get(arr, hs[i].i), json_array_get(arr, hs[j].i)))
                ok = 0;
    free(hs);
    return ok;
}

/* ---- regular expressions ---------------------------------------------------- */

/* Bounds on one match, so that a pattern that backtracks badly costs a
 * request milliseconds, not seconds; reaching one counts as no match. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000

static pcre2_match_context *match_ctx;
static pthread_once_t match_ctx_once = PTHREAD_ONCE_INIT;

static void match_ctx_init(void)
{
    match_ctx = pcre2_match_context_create(NULL);
    if (match_ctx != NULL) {
        pcre2_set_match_limit(match_ctx, MATCH_LIMIT);
        pcre2_set_depth_limit(match_ctx, DEPTH_LIMIT);
    }
}

/* 1 when re matches somewhere in the len bytes at s (RegExp.test). */
static int re_search(vctx_t *c, pcre2_code *re, const char *s, size_t len)
{
    if (c->md == NULL) {
        pthread_once(&match_ctx_once, match_ctx_init);
        c->md = pcre2_match_data_create(1, NULL);
        if (c->md == NULL)
            return 0;
    }
    return pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, c->md, match_ctx) >= 0;
}

/* ---- keywords -------------------------------------------------------------- */

static int v_node(vctx_t *c, const jsonschema_t *s, const json_t *x);

static int quiet(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    c->quiet++;
    int ok = v_node(c, s, x);
    c->quiet--;
    return ok;
}

static int v_type(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    int t = type_of(x);
    if (s->types == 0 || (s->types & t) || (t == JS_INTEGER && (s->types & JS_NUMBER)))
        return 1;
    if (msg(c)) {
        putf(c, "instance type (%s) does not match any allowed primitive type (allowed: [",
             type_name(t));
        unsigned allowed = s->types & JS_NUMBER ? s->types | JS_INTEGER : s->types;
        int first = 1;
        for (int i = 0; i < 7; i++) {
            if (allowed & (1u << i)) {
                putf(c, "%s\"%s\"", first ? "" : ",", type_names[i]);
                first = 0;
            }
        }
        put_lit(c, "])");
    }
    return 0;
}

static int v_enum(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    for (size_t i = 0; i < s->n_enums; i++)
        if (const_eq(&s->enums[i], x))
            return 1;
    if (msg(c)) {
        put_lit(c, "instance value (");
        put_json(c, x);
        putf(c, ") not found in enum (possible values: %s)", s->enum_text);
    }
    return 0;
}

static int multiple(const js_num_t *x, const js_num_t *m)
{
    if (x->is_int && m->is_int)
        return m->i == -1 || x->i % m->i == 0;
    double q = x->d / m->d;
    if (!isfinite(q))
        return 0;
    return fabs(q - nearbyint(q)) <= 1e-9 * (fabs(q) > 1 ? fabs(q) : 1);
}

static int v_number(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    js_num_t n = num_of(x);
    int ok = 1;
    if (s->flags & JS_HAS_MIN) {
        int cmp = num_cmp(&n, &s->minimum);
        if (cmp < 0 || (cmp == 0 && (s->flags & JS_EXCL_MIN))) {
            ok = 0;
            if (msg(c)) {
                putf(c, "%s",
                     cmp < 0 ? "numeric instance is lower than the required minimum (minimum: "
                             : "numeric instance is not strictly greater than the required "
                               "minimum (minimum: ");
                put_num(c, &s->minimum);
                put_lit(c, ", found: ");
                put_num(c, &n);
                put_lit(c, ")");
            }
        }
    }
    if (s->flags & JS_HAS_MAX) {
        int cmp = num_cmp(&n, &s->maximum);
        if (cmp > 0 || (cmp == 0 && (s->flags & JS_EXCL_MAX))) {
            ok = 0;
            if (msg(c)) {
                putf(c, "%s",
                     cmp > 0 ? "numeric instance is greater than the required maximum "
                               "(maximum: "
                             : "numeric instance is not strictly lower than the "
                               "required maximum (maximum: ");
                put_num(c, &s->maximum);
                put_lit(c, ", found: ");
                put_num(c, &n);
                put_lit(c, ")");
            }
        }
    }
    if ((s->flags & JS_HAS_MULT) && !multiple(&n, &s->multiple_of)) {
        ok = 0;
        if (msg(c)) {
            put_lit(c, "remainder of division is not zero (");
            put_num(c, &n);
            put_lit(c, " / ");
            put_num(c, &s->multiple_of);
            put_lit(c, ")");
        }
    }
    return ok;
}

static int v_string(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    const char *str = json_string_value(x);
    size_t bytes = json_string_length(x);
    long long chars = 0;
    for (size_t i = 0; i < bytes; i++)
        chars += ((unsigned char)str[i] & 0xC0) != 0x80;
    int ok = 1;
    if (s->min_length >= 0 && chars < s->min_length) {
        ok = 0;
        if (msg(c)) {
            put_lit(c, "string ");
            put_json(c, x);
            putf(c, " is too short (length: %lld, required minimum: %lld)", chars, s->min_length);
        }
    }
    if (s->max_length >= 0 && chars > s->max_length) {
        ok = 0;
        if (msg(c)) {
            put_lit(c, "string ");
            put_json(c, x);
            putf(c, " is too long (length: %lld, maximum allowed: %lld)", chars, s->max_length);
        }
    }
    if (s->pattern != NULL) {
        if (!re_search(c, s->pattern, str, bytes)) {
            ok = 0;
            if (msg(c)) {
                put_lit(c, "ECMA 262 regex ");
                put_quoted(c, s->pattern_src);
                put_lit(c, " does not match input string ");
                put_json(c, x);
            }
        }
    }
    return ok;
}

static int v_items(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    size_t n = json_array_size(x);
    int ok = 1;
    if (!(s->flags & JS_ITEMS_LIST)) {
        for (size_t i = 0; s->items != NULL && i < n; i++)
            if (!v_node(c, s->items, json_array_get(x, i)) && (ok = 0, !collecting(c)))
                return 0;
        return ok;
    }
    for (size_t i = 0; i < n; i++) {
        const jsonschema_t *it = i < s->items_list.n ? s->items_list.v[i] : s->addl_items;
        if (i >= s->items_list.n && (s->flags & JS_NO_ADDL_ITEMS)) {
            if (msg(c))
                putf(c,
                     "array has too many elements (at most %zu allowed by the schema, found: "
                     "%zu)",
                     s->items_list.n, n);
            return 0;
        }
        if (it != NULL && !v_node(c, it, json_array_get(x, i)) && (ok = 0, !collecting(c)))
            return 0;
    }
    return ok;
}

static int v_array(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    long long n = (long long)json_array_size(x);
    int ok = 1;
    if (s->min_items >= 0 && n < s->min_items) {
        ok = 0;
        if (msg(c))
            putf(c,
                 "array is too short: must have at least %lld elements but instance has %lld "
                 "elements",
                 s->min_items, n);
    }
    if (s->max_items >= 0 && n > s->max_items) {
        ok = 0;
        if (msg(c))
            putf(c,
                 "array is too long: must have at most %lld elements but instance has %lld "
                 "elements",
                 s->max_items, n);
    }
    if (!ok && !collecting(c))
        return 0;
    if ((s->flags & JS_UNIQUE) && !unique(x)) {
        ok = 0;
        if (msg(c))
            putf(c, "array must not contain duplicate elements");
        if (!collecting(c))
            return 0;
    }
    return v_items(c, s, x) && ok;
}

static const js_prop_t *find_prop(const jsonschema_t *s, const char *k, size_t len)
{
    size_t lo = 0, hi = s->n_props;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const js_prop_t *p = &s->props[mid];
        size_t n = p->len < len ? p->len : len;
        int cmp = memcmp(p->name, k, n);
        if (cmp == 0)
            cmp = (p->len > len) - (p->len < len);
        if (cmp == 0)
            return p;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* properties, patternProperties, additionalProperties */
static int v_members(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    const char *k;
    json_t *v;
    int ok = 1, extra = 0;
    json_object_foreach((json_t *)x, k, v)
    {
        size_t len = strlen(k);
        const js_prop_t *p = find_prop(s, k, len);
        int matched = p != NULL;
        if (p != NULL && !v_node(c, p->schema, v) && (ok = 0, !collecting(c)))
            return 0;
        for (size_t i = 0; i < s->n_pprops; i++) {
            if (!re_search(c, s->pprops[i].re, k, len))
                continue;
            matched = 1;
            if (!v_node(c, s->pprops[i].schema, v) && (ok = 0, !collecting(c)))
                return 0;
        }
        if (matched)
            continue;
        if (s->flags & JS_NO_ADDL_PROPS) {
            ok = 0;
            if (!collecting(c))
                return 0;
            extra++;
        } else if (s->addl_props != NULL && !v_node(c, s->addl_props, v) &&
                   (ok = 0, !collecting(c))) {
            return 0;
        }
    }
    if (extra > 0 && msg(c)) {
        put_lit(c, "object instance has properties which are not allowed by the schema: [");
        int first = 1;
        json_object_foreach((json_t *)x, k, v)
        {
            int matched = find_prop(s, k, strlen(k)) != NULL;
            for (size_t i = 0; !matched && i < s->n_pprops; i++)
                matched = re_search(c, s->pprops[i].re, k, strlen(k));
            if (matched)
                continue;
            if (!first)
                put_lit(c, ",");
            put_quoted(c, k);
            first = 0;
        }
        put_lit(c, "]");
    }
    return ok;
}

static int v_required(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    int missing = 0;
    for (size_t i = 0; i < s->n_required; i++) {
        if (json_object_get(x, s->required[i]) != NULL)
            continue;
        if (missing++ == 0 && !msg(c))
            return 0;
        putf(c, "%s", missing == 1 ? "object has missing required properties ([" : ",");
        put_quoted(c, s->required[i]);
    }
    if (missing > 0)
        put_lit(c, "])");
    return missing == 0;
}

static int v_deps(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    int ok = 1;
    for (size_t i = 0; i < s->n_deps; i++) {
        const js_dep_t *d = &s->deps[i];
        if (json_object_get(x, d->name) == NULL)
            continue;
        if (d->schema != NULL) {
            if (!v_node(c, d->schema, x) && (ok = 0, !collecting(c)))
                return 0;
            continue;
        }
        int missing = 0;
        for (size_t j = 0; j < d->n; j++) {
            if (json_object_get(x, d->names[j]) != NULL)
                continue;
            if (missing++ == 0) {
                ok = 0;
                if (!msg(c))
                    return 0;
                put_lit(c, "property ");
                put_quoted(c, d->name);
                put_lit(c, " of object has missing property dependencies (requires [");
                for (size_t r = 0; r < d->n; r++) {
                    if (r > 0)
                        put_lit(c, ",");
                    put_quoted(c, d->names[r]);
                }
                put_lit(c, "]; missing: [");
            } else {
                put_lit(c, ",");
            }
            put_quoted(c, d->names[j]);
        }
        if (missing > 0)
            put_lit(c, "])");
    }
    return ok;
}

static int v_object(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    long long n = (long long)json_object_size(x);
    int ok = 1;
    if (s->min_props >= 0 && n < s->min_props) {
        ok = 0;
        if (msg(c))
            putf(c, "object has too few properties (found %lld but schema requires at least %lld)",
                 n, s->min_props);
    }
    if (s->max_props >= 0 && n > s->max_props) {
        ok = 0;
        if (msg(c))
            putf(c, "object has too many properties (found %lld but schema requires at most %lld)",
                 n, s->max_props);
    }
    if (!ok && !collecting(c))
        return 0;
    if (!v_required(c, s, x) && (ok = 0, !collecting(c)))
        return 0;
    if (!v_members(c, s, x) && (ok = 0, !collecting(c)))
        return 0;
    return v_deps(c, s, x) && ok;
}

static int v_logic(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    int ok = 1;
    size_t matched = 0;
    for (size_t i = 0; i < s->all_of.n; i++)
        matched += quiet(c, s->all_of.v[i], x);
    if (matched < s->all_of.n) {
        ok = 0;
        if (msg(c))
            putf(c, "instance failed to match all required schemas (matched only %zu out of %zu)",
                 matched, s->all_of.n);
        if (!collecting(c))
            return 0;
    }
    matched = 0;
    for (size_t i = 0; matched == 0 && i < s->any_of.n; i++)
        matched += quiet(c, s->any_of.v[i], x);
    if (s->any_of.n > 0 && matched == 0) {
        ok = 0;
        if (msg(c))
            putf(c, "instance failed to match at least one required schema among %zu", s->any_of.n);
        if (!collecting(c))
            return 0;
    }
    matched = 0;
    for (size_t i = 0; i < s->one_of.n; i++)
        matched += quiet(c, s->one_of.v[i], x);
    if (s->one_of.n > 0 && matched != 1) {
        ok = 0;
        if (msg(c))
            putf(c, "instance failed to match exactly one schema (matched %zu out of %zu)", matched,
                 s->one_of.n);
        if (!collecting(c))
            return 0;
    }
    if (s->not_schema != NULL && quiet(c, s->not_schema, x)) {
        ok = 0;
        if (msg(c))
            putf(c, "instance matched a schema which it should not have");
    }
    return ok;
}

static int v_node(vctx_t *c, const jsonschema_t *s, const json_t *x)
{
    while (s->ref != NULL)
        s = s->ref;
    if (c->budget == 0) /* once out of budget, everything fails quickly */
        return 0;
    if (c->depth >= MAX_DEPTH) {
        if (msg(c))
            putf(c, "instance nested too deeply for the schema");
        return 0;
    }
    c->budget--;
    c->depth++;
    int ok = v_type(c, s, x);
    if (ok || collecting(c)) {
        if (s->n_enums > 0)
            ok = v_enum(c, s, x) && ok;
        int t = type_of(x);
        int (*fn)(vctx_t *, const jsonschema_t *, const json_t *) =
            t == JS_INTEGER || t == JS_NUMBER ? v_number
            : t == JS_STRING                  ? v_string
            : t == JS_ARRAY                   ? v_array
            : t == JS_OBJECT                  ? v_object
                                              : NULL;
        if ((ok || collecting(c)) && fn != NULL)
            ok = fn(c, s, x) && ok;
        if (ok || collecting(c))
            ok = v_logic(c, s, x) && ok;
    }
    c->depth--;
    return ok;
}

/* Values in doc (recursion bounded by jansson's parse depth). */
static size_t count_values(const json_t *x)
{
    size_t n = 1, i;
    const char *k;
    json_t *v;
    if (json_is_array(x))
        json_array_foreach(x, i, v) n += count_values(v);
    else if (json_is_object(x))
        json_object_foreach((json_t *)x, k, v) n += count_values(v);
    return n;
}

/* Evaluations allowed per value of the document: compile keeps one value's
 * in-place fan-out under 4096; anyOf/oneOf over recursive branches could
 * still multiply it level by level, and this bounds the whole walk. */
#define BUDGET_BASE 100000
#define BUDGET_PER_VALUE 1024

int jsonschema_validate(const jsonschema_t *s, const json_t *doc, char *errors, size_t errors_len)
{
    vctx_t c = {0};
    c.budget = BUDGET_BASE + BUDGET_PER_VALUE * count_values(doc);
    if (errors != NULL && errors_len >= 3) {
        c.buf = errors;
        c.cap = errors_len - 2;
        c.buf[c.len++] = '[';
    }
    int ok = v_node(&c, s, doc);
    pcre2_match_data_free(c.md);
    if (c.budget == 0) {
        ok = 0;
        if (msg(&c))
            putf(&c, "validation took too many steps");
    }
    if (c.buf != NULL) {
        if (ok)
            c.len = 0;
        else
            c.buf[c.len++] = ']';
        c.buf[c.len] = '\0';
    } else if (errors != NULL && errors_len > 0) {
        errors[0] = '\0';
    }
    return ok ? 0 : 1;
}
