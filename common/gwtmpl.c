/* gwtmpl: one scanner serves both checking and rendering. */
#include "gwtmpl.h"

#include <stdio.h>
#include <string.h>

static const char *const gwtmpl_context_names[] = {
    "error.message",
    "error.messageString",
    "error.responseType",
    "error.validationErrorString",
    "requestId",
    "extendedRequestId",
    "apiId",
    "stage",
    "resourcePath",
    "resourceId",
    "httpMethod",
    "path",
    "identity.sourceIp",
    "identity.userAgent",
    "requestTimeEpoch",
    "deploymentId",
    "domainName",
    NULL,
};

static const char *const gwtmpl_directives[] = {"set",     "if",       "elseif", "else",  "end",
                                                "foreach", "break",    "stop",   "macro", "parse",
                                                "include", "evaluate", "define", NULL};

typedef struct {
    const char *start; /* the whole reference, "$" included */
    size_t len;
    const char *name; /* "context.x.y" */
    size_t name_len;
} gwtmpl_ref_t;

static int ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static int ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Reads a reference at s ('$'); 0 and *ref, or -1 when s is literal text. */
static int scan_ref(const char *s, const char *end, gwtmpl_ref_t *ref)
{
    const char *p = s + 1;
    if (p < end && *p == '!')
        p++;
    int braced = p < end && *p == '{';
    p += braced;
    const char *name = p;
    while (p < end && ident_start(*p)) {
        while (p < end && ident_char(*p))
            p++;
        if (p + 1 < end && *p == '.' && ident_start(p[1]))
            p++;
        else
            break;
    }
    if (p == name || (braced && (p >= end || *p != '}')))
        return -1;
    *ref = (gwtmpl_ref_t){s, (size_t)(p + braced - s), name, (size_t)(p - name)};
    return 0;
}

static int name_is(const gwtmpl_ref_t *r, const char *prefix)
{
    size_t n = strlen(prefix);
    return r->name_len > n && memcmp(r->name, prefix, n) == 0;
}

static int context_known(const char *name, size_t len)
{
    if (len > 11 && memcmp(name, "authorizer.", 11) == 0)
        return 1;
    for (const char *const *k = gwtmpl_context_names; *k != NULL; k++)
        if (strlen(*k) == len && memcmp(*k, name, len) == 0)
            return 1;
    return 0;
}

static int directive_at(const char *s, const char *end)
{
    const char *p = s + 1;
    if (p < end && (*p == '#' || *p == '*'))
        return 1; /* a VTL comment */
    p += p < end && *p == '{';
    for (const char *const *d = gwtmpl_directives; *d != NULL; d++) {
        size_t n = strlen(*d);
        if ((size_t)(end - p) >= n && memcmp(p, *d, n) == 0 && (p + n == end || !ident_char(p[n])))
            return 1;
    }
    return 0;
}

int gwtmpl_check(const char *tmpl, char *err, size_t err_len)
{
    const char *end = tmpl + strlen(tmpl);
    for (const char *s = tmpl; s < end; s++) {
        gwtmpl_ref_t r;
        if (*s == '#' && directive_at(s, end)) {
            snprintf(err, err_len,
                     "VTL directives are not supported in gateway response templates");
            return -1;
        }
        if (*s != '$' || scan_ref(s, end, &r) != 0)
            continue;
        if (name_is(&r, "stageVariables.") ||
            (name_is(&r, "context.") && context_known(r.name + 8, r.name_len - 8))) {
            s += r.len - 1;
            continue;
        }
        snprintf(err, err_len, "$%.*s is not supported in gateway response templates",
                 (int)r.name_len, r.name);
        return -1;
    }
    return 0;
}

static void put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
    if (*n < cap)
        memcpy(out + *n, s, *n + len <= cap ? len : cap - *n);
    *n += len;
}

size_t gwtmpl_render(const char *tmpl, size_t len, gwtmpl_lookup_fn lookup, void *ctx, char *out,
                     size_t cap)
{
    const char *end = tmpl + len, *lit = tmpl;
    size_t n = 0;
    for (const char *s = tmpl; s < end; s++) {
        gwtmpl_ref_t r;
        if (*s != '$' || scan_ref(s, end, &r) != 0)
            continue;
        put(out, cap, &n, lit, (size_t)(s - lit));
        size_t vlen = 0;
        const char *v = lookup(ctx, r.name, r.name_len, &vlen);
        if (v != NULL)
            put(out, cap, &n, v, vlen);
        s += r.len - 1;
        lit = s + 1;
    }
    put(out, cap, &n, lit, (size_t)(end - lit));
    return n;
}
