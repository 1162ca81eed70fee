/* pathtmpl: part names follow the reference service: [A-Za-z0-9._-] and for
 * variables a name of those characters inside braces, `+` before the closing
 * brace for the greedy form. */
#include "pathtmpl.h"

#include <string.h>

static int pathtmpl_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

static int pathtmpl_literal_char(char c)
{
    return pathtmpl_name_char(c) || c == ':' || c == '@' || c == '~' || c == '$' || c == '!' ||
           c == '\'' || c == '*' || c == ',' || c == ';' || c == '=';
}

enum pathtmpl_kind pathtmpl_classify(const char *part, size_t len, const char **name,
                                     size_t *name_len)
{
    if (len == 0)
        return PATHTMPL_INVALID;
    if (part[0] != '{') {
        for (size_t i = 0; i < len; i++)
            if (!pathtmpl_literal_char(part[i]))
                return PATHTMPL_INVALID;
        return PATHTMPL_LITERAL;
    }
    if (len < 3 || part[len - 1] != '}')
        return PATHTMPL_INVALID;
    enum pathtmpl_kind kind = PATHTMPL_PARAM;
    size_t end = len - 1;
    if (part[end - 1] == '+') {
        kind = PATHTMPL_GREEDY;
        end--;
    }
    if (end <= 1)
        return PATHTMPL_INVALID;
    for (size_t i = 1; i < end; i++)
        if (!pathtmpl_name_char(part[i]))
            return PATHTMPL_INVALID;
    if (name != NULL) {
        *name = part + 1;
        *name_len = end - 1;
    }
    return kind;
}

static int pathtmpl_put(pathtmpl_buf_t *out, const char *s, size_t n)
{
    if (out->len + n + 1 > out->cap)
        return -1;
    memcpy(out->buf + out->len, s, n);
    out->len += n;
    out->buf[out->len] = '\0';
    return 0;
}

static int pathtmpl_put_lookup(pathtmpl_buf_t *out, pathtmpl_lookup_fn fn, void *ctx,
                               const char *name, size_t name_len)
{
    size_t vlen = 0;
    const char *v = fn(ctx, name, name_len, &vlen);
    return v == NULL ? 0 : pathtmpl_put(out, v, vlen);
}

#define STAGEVAR_PREFIX "${stageVariables."

int pathtmpl_uri_host_has_param(const char *uri, size_t len)
{
    const char *end = uri + len, *p = memmem(uri, len, "://", 3);
    p = p != NULL ? p + 3 : uri;
    for (; p < end && *p != '/' && *p != '?' && *p != '#'; p++)
        if (*p == '{' && (p == uri || p[-1] != '$'))
            return 1;
    return 0;
}

/* Length of the literal run at s: at least its first byte (which the caller
 * found not to open a placeholder), then up to the next '{' or '$'. */
static size_t pathtmpl_literal_run(const char *s, size_t len)
{
    size_t n = 1;
    while (n < len && s[n] != '{' && s[n] != '$')
        n++;
    return n;
}

int pathtmpl_expand(const char *tmpl, size_t tmpl_len, pathtmpl_lookup_fn path_lookup,
                    pathtmpl_lookup_fn var_lookup, void *ctx, pathtmpl_buf_t *out)
{
    const size_t plen = sizeof(STAGEVAR_PREFIX) - 1;
    size_t i = 0;
    out->len = 0;
    if (out->cap == 0)
        return -1;
    out->buf[0] = '\0';
    while (i < tmpl_len) {
        const char *close;
        if (tmpl_len - i > plen && memcmp(tmpl + i, STAGEVAR_PREFIX, plen) == 0 &&
            (close = memchr(tmpl + i + plen, '}', tmpl_len - i - plen)) != NULL) {
            const char *name = tmpl + i + plen;
            size_t next = (size_t)(close - tmpl) + 1;
            int rc = var_lookup != NULL
                         ? pathtmpl_put_lookup(out, var_lookup, ctx, name, (size_t)(close - name))
                         : pathtmpl_put(out, tmpl + i, next - i);
            if (rc != 0)
                return -1;
            i = next;
            continue;
        }
        if (path_lookup != NULL && tmpl[i] == '{' &&
            (close = memchr(tmpl + i + 1, '}', tmpl_len - i - 1)) != NULL) {
            const char *name = tmpl + i + 1;
            if (pathtmpl_put_lookup(out, path_lookup, ctx, name, (size_t)(close - name)) != 0)
                return -1;
            i = (size_t)(close - tmpl) + 1;
            continue;
        }
        /* literal text: up to the next character that may open a placeholder */
        size_t run = pathtmpl_literal_run(tmpl + i, tmpl_len - i);
        if (pathtmpl_put(out, tmpl + i, run) != 0)
            return -1;
        i += run;
    }
    return 0;
}
