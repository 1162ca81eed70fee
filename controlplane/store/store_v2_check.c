/* store_v2_check: apigatewayv2 string rules. */
#include "store_v2_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_v2_check_protocol(const char *name, enum store_v2_protocol *out)
{
    if (name != NULL && strcmp(name, "HTTP") == 0)
        *out = STORE_V2_HTTP;
    else if (name != NULL && strcmp(name, "WEBSOCKET") == 0)
        *out = STORE_V2_WEBSOCKET;
    else
        return -1;
    return 0;
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int path_char(char c)
{
    return is_alnum(c) || (c != '\0' && strchr("-._~!$&'()*+,;=:@%", c) != NULL);
}

/* "{name}" or, when last, "{name+}"; n is the segment length. */
static int path_variable(const char *seg, size_t n, int last)
{
    if (n < 3 || seg[0] != '{' || seg[n - 1] != '}')
        return 0;
    size_t end = n - 1;
    if (seg[end - 1] == '+') {
        if (!last)
            return 0;
        end--;
    }
    if (end <= 1)
        return 0;
    for (size_t i = 1; i < end; i++)
        if (!is_alnum(seg[i]) && seg[i] != '_' && seg[i] != '-' && seg[i] != '.')
            return 0;
    return 1;
}

static int http_path(const char *path)
{
    if (path[0] != '/')
        return 0;
    if (path[1] == '\0')
        return 1;
    const char *p = path + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (n == 0)
            return 0;
        if (p[0] == '{') {
            if (!path_variable(p, n, slash == NULL))
                return 0;
        } else {
            for (size_t i = 0; i < n; i++)
                if (!path_char(p[i]))
                    return 0;
        }
        if (slash == NULL)
            return 1;
        p = slash + 1;
    }
}

int store_v2_check_route_key(enum store_v2_protocol p, const char *key, char *err, size_t len)
{
    if (key == NULL || key[0] == '\0') {
        snprintf(err, len, "Route key must not be empty");
        return -1;
    }
    if (strlen(key) > 512) {
        snprintf(err, len, "Route key is too long");
        return -1;
    }
    if (strcmp(key, "$default") == 0)
        return 0;
    if (p == STORE_V2_WEBSOCKET) {
        if (strcmp(key, "$connect") == 0 || strcmp(key, "$disconnect") == 0)
            return 0;
        if (key[0] == '$' || strlen(key) > 128) {
            snprintf(err, len,
                     "Invalid route key: %s. Route keys starting with $ are reserved "
                     "($connect, $disconnect, $default); custom keys have 1 to 128 characters",
                     key);
            return -1;
        }
        for (const char *c = key; *c != '\0'; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                snprintf(err, len, "Invalid route key: control characters are not allowed");
                return -1;
            }
        return 0;
    }
    static const char *const verbs[] = {"GET",    "POST", "PUT",     "PATCH",
                                        "DELETE", "HEAD", "OPTIONS", "ANY"};
    const char *sp = strchr(key, ' ');
    int verb_ok = 0;
    for (size_t i = 0; sp != NULL && i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strlen(verbs[i]) == (size_t)(sp - key) && strncmp(key, verbs[i], strlen(verbs[i])) == 0)
            verb_ok = 1;
    if (!verb_ok || !http_path(sp + 1)) {
        snprintf(err, len,
                 "Invalid route key: %s. Route keys of HTTP APIs are $default or an HTTP method "
                 "(GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY), a space and a path such as "
                 "/pets/{id} or /{proxy+}",
                 key);
        return -1;
    }
    return 0;
}

/* "request.body.a.b" or "request.header.X" at s (after "$" or "${"); the
 * length it spans, 0 when it is not one. */
static size_t selection_token(const char *s, int braced)
{
    size_t n;
    if (strncmp(s, "request.body", 12) == 0)
        n = 12;
    else if (strncmp(s, "request.header", 14) == 0)
        n = 14;
    else
        return 0;
    size_t segments = 0;
    while (s[n] == '.') {
        size_t k = n + 1;
        while (is_alnum(s[k]) || s[k] == '_' || s[k] == '-')
            k++;
        if (k == n + 1)
            return 0;
        n = k;
        segments++;
    }
    if (segments == 0)
        return 0;
    if (braced) {
        if (s[n] != '}')
            return 0;
        n++;
    }
    return n;
}

int store_v2_check_route_selection(enum store_v2_protocol p, const char *expr, char *err,
                                   size_t len)
{
    if (p == STORE_V2_HTTP) {
        if (expr != NULL && strcmp(expr, "$request.method $request.path") == 0)
            return 0;
        snprintf(err, len,
                 "The route selection expression of HTTP APIs is $request.method $request.path");
        return -1;
    }
    if (expr == NULL || expr[0] == '\0' || strlen(expr) > 256) {
        snprintf(err, len, "Route selection expression is required for WebSocket APIs");
        return -1;
    }
    int tokens = 0;
    for (const char *c = expr; *c != '\0';) {
        if (*c == '$') {
            int braced = c[1] == '{';
            size_t n = selection_token(c + 1 + braced, braced);
            if (n == 0)
                goto bad;
            tokens++;
            c += 1 + braced + n;
        } else if ((unsigned char)*c < 0x20 || *c == '{' || *c == '}') {
            goto bad;
        } else {
            c++;
        }
    }
    if (tokens > 0)
        return 0;
bad:
    snprintf(err, len,
             "Invalid route selection expression: %s. Use $request.body.{path} or "
             "${request.body.{path}} (request.header.{name} likewise), e.g. $request.body.action",
             expr);
    return -1;
}

int store_v2_check_api_key_selection(const char *expr, char *err, size_t len)
{
    if (expr != NULL && (strcmp(expr, "$request.header.x-api-key") == 0 ||
                         strcmp(expr, "$context.authorizer.usageIdentifierKey") == 0))
        return 0;
    snprintf(err, len,
             "Invalid API key selection expression. Supported: $request.header.x-api-key, "
             "$context.authorizer.usageIdentifierKey");
    return -1;
}

int store_v2_is_id(const char *id, size_t len)
{
    if (id == NULL || strlen(id) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
            return 0;
    return 1;
}

int store_v2_check_stage_name(const char *name, char *err, size_t len)
{
    if (name != NULL && strcmp(name, "$default") == 0)
        return 0;
    size_t n = name != NULL ? strlen(name) : 0;
    int ok = n >= 1 && n <= 128;
    for (size_t i = 0; ok && i < n; i++)
        ok = is_alnum(name[i]) || name[i] == '_' || name[i] == '-';
    if (ok)
        return 0;
    snprintf(err, len, "Stage name only allows a-zA-Z0-9_- (1 to 128 characters), or $default");
    return -1;
}

int store_v2_check_integration(enum store_v2_protocol p, const char *type, const char *pfv,
                               const char **pfv_out, long timeout, long *timeout_out, char *err,
                               size_t len)
{
    static const char *const http_types[] = {"AWS_PROXY", "HTTP_PROXY", NULL};
    static const char *const ws_types[] = {"AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK", NULL};
    const char *const *types = p == STORE_V2_HTTP ? http_types : ws_types;
    int ok = 0;
    for (size_t i = 0; type != NULL && types[i] != NULL; i++)
        ok |= strcmp(type, types[i]) == 0;
    if (!ok) {
        snprintf(err, len, "Invalid integration type %s for %s APIs (allowed: %s)",
                 type != NULL ? type : "(none)", p == STORE_V2_HTTP ? "HTTP" : "WebSocket",
                 p == STORE_V2_HTTP ? "AWS_PROXY, HTTP_PROXY"
                                    : "AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK");
        return -1;
    }
    if (p == STORE_V2_HTTP && strcmp(type, "AWS_PROXY") == 0) {
        if (pfv == NULL) {
            snprintf(err, len, "PayloadFormatVersion is required for AWS_PROXY integrations");
            return -1;
        }
        if (strcmp(pfv, "1.0") != 0 && strcmp(pfv, "2.0") != 0) {
            snprintf(err, len, "Invalid payload format version %s (1.0 or 2.0)", pfv);
            return -1;
        }
    } else if (pfv != NULL && strcmp(pfv, "1.0") != 0) {
        snprintf(err, len,
                 "Payload format version %s is only supported for AWS_PROXY "
                 "integrations of HTTP APIs; use 1.0",
                 pfv);
        return -1;
    }
    *pfv_out = pfv != NULL ? pfv : "1.0";
    long max = p == STORE_V2_HTTP ? 30000 : 29000;
    if (timeout >= 0 && (timeout < 50 || timeout > max)) {
        snprintf(err, len, "Timeout must be between 50 and %ld milliseconds", max);
        return -1;
    }
    *timeout_out = timeout >= 0 ? timeout : max;
    return 0;
}

static int header_name(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!is_alnum(*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
            return 0;
    return 1;
}

static const char *after_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

int store_v2_check_request_parameter(enum store_v2_protocol p, const char *key, char *err,
                                     size_t len)
{
    const char *rest = NULL;
    if (key == NULL)
        goto bad;
    if (p == STORE_V2_WEBSOCKET) {
        const char *k = after_prefix(key, "integration.request.");
        if (k != NULL &&
            ((rest = after_prefix(k, "header.")) != NULL ||
             (rest = after_prefix(k, "querystring.")) != NULL ||
             (rest = after_prefix(k, "path.")) != NULL) &&
            header_name(rest))
            return 0;
        goto bad;
    }
    if (strcmp(key, "overwrite:path") == 0)
        return 0;
    const char *k = after_prefix(key, "append:");
    if (k == NULL)
        k = after_prefix(key, "overwrite:");
    if (k == NULL)
        k = after_prefix(key, "remove:");
    if (k != NULL &&
        ((rest = after_prefix(k, "header.")) != NULL ||
         (rest = after_prefix(k, "querystring.")) != NULL) &&
        header_name(rest))
        return 0;
bad:
    snprintf(err, len, "Invalid mapping expression specified: %s", key != NULL ? key : "(none)");
    return -1;
}

int store_v2_check_response_parameter(const char *status, const char *key, char *err, size_t len)
{
    char *end;
    long code = status != NULL ? strtol(status, &end, 10) : 0;
    if (status == NULL || *end != '\0' || code < 200 || code > 599 || strlen(status) != 3) {
        snprintf(err, len, "Invalid status code %s (200-599)", status != NULL ? status : "");
        return -1;
    }
    if (key != NULL && strcmp(key, "overwrite:statuscode") == 0)
        return 0;
    const char *k = key != NULL ? after_prefix(key, "append:") : NULL;
    if (k == NULL && key != NULL)
        k = after_prefix(key, "overwrite:");
    if (k == NULL && key != NULL)
        k = after_prefix(key, "remove:");
    const char *rest = k != NULL ? after_prefix(k, "header.") : NULL;
    if (rest != NULL && header_name(rest))
        return 0;
    snprintf(err, len, "Invalid mapping expression specified: %s", key != NULL ? key : "(none)");
    return -1;
}
