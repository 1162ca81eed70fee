/* fnuri: hand-written scanners (no regex): each part of a reference is
 * checked by its own character class and length. */
#include "fnuri.h"

#include <string.h>

#define FNURI_PREFIX "arn:aws:apigateway:"
#define FNURI_LAMBDA ":lambda:path/2015-03-31/functions/"
#define FNURI_SUFFIX "/invocations"
#define FNURI_VAR "${stageVariables."

int fnuri_is_aws(const char *uri, size_t len)
{
    return len >= sizeof(FNURI_PREFIX) - 1 &&
           memcmp(uri, FNURI_PREFIX, sizeof(FNURI_PREFIX) - 1) == 0;
}

static int is_region_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static int all_of(const char *s, size_t len, int (*ok)(char))
{
    for (size_t i = 0; i < len; i++)
        if (!ok(s[i]))
            return 0;
    return 1;
}

int fnuri_function(const char *uri, size_t len, const char **fn, size_t *fn_len)
{
    const size_t pre = sizeof(FNURI_PREFIX) - 1, lam = sizeof(FNURI_LAMBDA) - 1,
                 suf = sizeof(FNURI_SUFFIX) - 1;
    if (!fnuri_is_aws(uri, len))
        return -1;
    const char *p = uri + pre, *end = uri + len;
    const char *region_end = p;
    while (region_end < end && is_region_char(*region_end))
        region_end++;
    if (region_end == p || (size_t)(end - region_end) < lam + suf + 1 ||
        memcmp(region_end, FNURI_LAMBDA, lam) != 0 || memcmp(end - suf, FNURI_SUFFIX, suf) != 0)
        return -1;
    *fn = region_end + lam;
    *fn_len = (size_t)(end - suf - *fn);
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int name_ok(const char *s, size_t len)
{
    return len >= 1 && len <= 64 && all_of(s, len, is_name_char);
}

static int qualifier_ok(const char *s, size_t len)
{
    if (len == 7 && memcmp(s, "$LATEST", 7) == 0)
        return 1;
    return len >= 1 && len <= 128 && all_of(s, len, is_name_char);
}

/* NAME[:QUALIFIER] */
static int short_ref_ok(const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);
    if (colon == NULL)
        return name_ok(s, len);
    return name_ok(s, (size_t)(colon - s)) &&
           qualifier_ok(colon + 1, (size_t)(s + len - colon - 1));
}

int fnuri_check_ref(const char *ref, size_t len)
{
    static const char arn[] = "arn:aws:lambda:";
    if (len == 0 || len > 256 || memchr(ref, '\0', len) != NULL)
        return -1;
    if (len < sizeof(arn) - 1 || memcmp(ref, arn, sizeof(arn) - 1) != 0)
        return short_ref_ok(ref, len) ? 0 : -1;
    const char *p = ref + sizeof(arn) - 1, *end = ref + len;
    const char *c = memchr(p, ':', (size_t)(end - p)); /* region */
    if (c == NULL || c == p || !all_of(p, (size_t)(c - p), is_region_char))
        return -1;
    p = c + 1;
    c = memchr(p, ':', (size_t)(end - p)); /* account */
    if (c == NULL || c - p != 12 || !all_of(p, 12, is_digit))
        return -1;
    p = c + 1;
    if ((size_t)(end - p) < 9 || memcmp(p, "function:", 9) != 0)
        return -1;
    p += 9;
    return short_ref_ok(p, (size_t)(end - p)) ? 0 : -1;
}

/* The length of a well-formed placeholder at s, else 0. */
static size_t var_at(const char *s, size_t len, const char **name, size_t *name_len)
{
    const size_t v = sizeof(FNURI_VAR) - 1;
    if (len <= v || memcmp(s, FNURI_VAR, v) != 0)
        return 0;
    size_t i = v;
    while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                       (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
        i++;
    if (i == v || i >= len || s[i] != '}')
        return 0;
    *name = s + v;
    *name_len = i - v;
    return i + 1;
}

int fnuri_has_vars(const char *tmpl, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const char *n;
        size_t nl;
        if (tmpl[i] == '$' && var_at(tmpl + i, len - i, &n, &nl) > 0)
            return 1;
    }
    return 0;
}

int fnuri_expand(const char *tmpl, size_t len, fnuri_lookup_fn lookup, void *ctx, char *out,
                 size_t cap, size_t *out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const char *name, *v = NULL;
        size_t name_len, vlen = 0,
                         skip = tmpl[i] == '$' ? var_at(tmpl + i, len - i, &name, &name_len) : 0;
        if (skip > 0) {
            v = lookup != NULL ? lookup(ctx, name, name_len, &vlen) : NULL;
            if (v == NULL)
                vlen = 0;
            i += skip;
        } else {
            v = tmpl + i;
            vlen = 1;
            i++;
        }
        if (n + vlen >= cap)
            return -1;
        if (vlen > 0)
            memcpy(out + n, v, vlen);
        n += vlen;
    }
    if (n >= cap)
        return -1;
    out[n] = '\0';
    *out_len = n;
    return 0;
}

static const char *lookup_x(void *ctx, const char *name, size_t len, size_t *vlen)
{
    *vlen = 1;
    return "x";
}

int fnuri_check_template(const char *tmpl, size_t len)
{
    char buf[512];
    size_t n;
    if (len > 256 || fnuri_expand(tmpl, len, lookup_x, NULL, buf, sizeof(buf), &n) != 0)
        return -1;
    if (fnuri_check_ref(buf, n) != 0)
        return -1;
    /* placeholders may not stand for the ARN's region or account: the
     * expansion's prefix up to ":function:" must be the template's own */
    const char *f = strstr(buf, ":function:");
    if (f != NULL) {
        size_t fixed = (size_t)(f - buf) + 10;
        if (fixed > len || memcmp(tmpl, buf, fixed) != 0)
            return -1;
    }
    return 0;
}
