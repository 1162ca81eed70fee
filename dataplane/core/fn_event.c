/* fn_event: events are built with jansson (insertion order is the order
 * written); strings that are not valid UTF-8 become "" (jansson refuses
 * them, the reference replaces them). Base64 is written here (RFC 4648,
 * standard alphabet, padded). */
#include "fn_event.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "httpval.h"
#include "pctdecode.h"
#include "b64.h"

/* ---- small helpers ------------------------------------------------------- */

static json_t *jstrn(const char *s, size_t len)
{
    json_t *v = s != NULL ? json_stringn(s, len) : NULL;
    return v != NULL ? v : json_string("");
}

static json_t *jstr_or_null(const char *s)
{
    return s != NULL ? jstrn(s, strlen(s)) : json_null();
}

/* Percent-decoded (and '+' as a space when plus is set) as a JSON string. */
static json_t *decoded(const char *s, size_t len, int plus)
{
    char *out = malloc(len + 1);
    if (out == NULL)
        return json_string("");
    json_t *v = jstrn(out, pct_decode(s, len, plus, out));
    free(out);
    return v;
}

/* A NUL-terminated copy of a name (jansson keys are C strings). */
static char *key_dup(const char *s, size_t len, int lower)
{
    char *k = malloc(len + 1);
    if (k == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        k[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
    k[len] = '\0';
    return k;
}

static json_t *base64_json(const char *s, size_t len)
{
    char *out = malloc(B64_ENCODED_LEN(len) + 1);
    if (out == NULL)
        return json_string("");
    json_t *j = json_stringn(out, b64_encode(s, len, out));
    free(out);
    return j;
}

/* Standard base64 (padding optional, whitespace refused) into a malloc'd
 * buffer; -1 when malformed. */
static int base64_decode(const char *s, size_t len, char **out, size_t *out_len)
{
    while (len > 0 && s[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return -1;
    char *buf = malloc(len / 4 * 3 + 3);
    if (buf == NULL)
        return -1;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) {
            free(buf);
            return -1;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    *out = buf;
    *out_len = n;
    return 0;
}

void fn_event_time(uint64_t epoch_ms, char *buf, size_t cap)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, cap, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, months[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Request headers that never reach a function (hop-by-hop, and the length
 * of a body the event carries itself). */
static int header_dropped(const fn_pair_t *h)
{
    static const char *const names[] = {"connection",        "keep-alive", "proxy-connection",
                                        "transfer-encoding", "te",         "upgrade",
                                        "content-length",    NULL};
    for (const char *const *n = names; *n != NULL; n++)
        if (strlen(*n) == h->name_len && strncasecmp(*n, h->name, h->name_len) == 0)
            return 1;
    return 0;
}

static json_t *pairs_object(const fn_pair_t *p, size_t n, int decode)
{
    if (n == 0)
        return json_null();
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++) {
        char *k = key_dup(p[i].name, p[i].name_len, 0);
        if (k == NULL)
            continue;
        json_object_set_new(o, k,
                            decode ? decoded(p[i].value, p[i].value_len, 0)
                                   : jstrn(p[i].value, p[i].value_len));
        free(k);
    }
    return o;
}

/* ---- the query ------------------------------------------------------------ */

typedef void (*query_fn)(void *ctx, json_t *name, json_t *value);

/* Each name=value pair of a raw query, decoded as the reference does
 * ('+' is a space); pairs with an empty name are skipped. */
static void query_each(const char *q, size_t len, query_fn fn, void *ctx)
{
    const char *p = q, *end = q + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        const char *nend = eq != NULL ? eq : stop;
        if (nend > p) {
            json_t *name = decoded(p, (size_t)(nend - p), 1);
            json_t *value =
                eq != NULL ? decoded(eq + 1, (size_t)(stop - eq - 1), 1) : json_string("");
            if (json_string_length(name) > 0)
                fn(ctx, name, value);
            json_decref(name);
            json_decref(value);
        }
        p = stop + 1;
    }
}

typedef struct {
    json_t *single, *multi;
} v1_query_t;

static void v1_query_pair(void *ctx, json_t *name, json_t *value)
{
    v1_query_t *q = ctx;
    const char *k = json_string_value(name);
    json_object_set(q->single, k, value);
    json_t *list = json_object_get(q->multi, k);
    if (list == NULL)
        json_object_set_new(q->multi, k, list = json_array());
    json_array_append(list, value);
}

static void v2_query_pair(void *ctx, json_t *name, json_t *value)
{
    json_t *o = ctx;
    const char *k = json_string_value(name);
    json_t *old = json_object_get(o, k);
    if (old == NULL) {
        json_object_set(o, k, value);
        return;
    }
    size_t a = json_string_length(old), b = json_string_length(value);
    char *joined = malloc(a + b + 2);
    if (joined == NULL)
        return;
    memcpy(joined, json_string_value(old), a);
    joined[a] = ',';
    memcpy(joined + a + 1, json_string_value(value), b);
    json_object_set_new(o, k, jstrn(joined, a + b + 1));
    free(joined);
}

/* ---- payload 1.0 --------------------------------------------------------- */

static void v1_headers(const fn_event_in_t *in, json_t *ev)
{
    json_t *single = json_object(), *multi = json_object();
    for (size_t i = 0; i < in->nheaders; i++) {
        const fn_pair_t *h = &in->headers[i];
        if (header_dropped(h))
            continue;
        char *name = key_dup(h->name, h->name_len, 0);
        if (name == NULL)
            continue;
        json_object_set_new(single, name, jstrn(h->value, h->value_len));
        json_t *list = json_object_get(multi, name);
        if (list == NULL)
            json_object_set_new(multi, name, list = json_array());
        json_array_append_new(list, jstrn(h->value, h->value_len));
        free(name);
    }
    if (json_object_size(single) == 0) {
        json_decref(single);
        json_decref(multi);
        single = json_null();
        multi = json_null();
    }
    json_object_set_new(ev, "headers", single);
    json_object_set_new(ev, "multiValueHeaders", multi);
}

static void v1_query(const fn_event_in_t *in, json_t *ev)
{
    v1_query_t q = {json_object(), json_object()};
    if (in->query != NULL)
        query_each(in->query, in->query_len, v1_query_pair, &q);
    if (json_object_size(q.single) == 0) {
        json_decref(q.single);
        json_decref(q.multi);
        q.single = json_null();
        q.multi = json_null();
    }
    json_object_set_new(ev, "queryStringParameters", q.single);
    json_object_set_new(ev, "multiValueQueryStringParameters", q.multi);
}

/* JWT claims from the authorizer's pairs: "claims.X" → X. */
static json_t *jwt_claims(const fn_event_in_t *in)
{
    json_t *o = json_object();
    for (size_t i = 0; i < in->nauthorizer_ctx; i++) {
        const fn_pair_t *p = &in->authorizer_ctx[i];
        const char *name = p->name;
        size_t len = p->name_len;
        if (len > 7 && memcmp(name, "claims.", 7) == 0) {
            name += 7;
            len -= 7;
        } else {
            continue;
        }
        char *k = key_dup(name, len, 0);
        if (k != NULL)
            json_object_set_new(o, k, jstrn(p->value, p->value_len));
        free(k);
    }
    return o;
}

static json_t *scopes_json(const fn_event_in_t *in)
{
    if (in->scopes == NULL)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; i < in->nscopes; i++)
        json_array_append_new(a, jstr_or_null(in->scopes[i]));
    return a;
}

static json_t *v1_authorizer(const fn_event_in_t *in)
{
    switch (in->authorizer) {
    case FN_AUTHORIZER_LAMBDA: {
        json_t *o = json_object();
        for (size_t i = 0; i < in->nauthorizer_ctx; i++) {
            const fn_pair_t *p = &in->authorizer_ctx[i];
            char *k = key_dup(p->name, p->name_len, 0);
            if (k != NULL)
                json_object_set_new(o, k, jstrn(p->value, p->value_len));
            free(k);
        }
        return o;
    }
    case FN_AUTHORIZER_JWT:
        return json_pack("{s:o,s:o}", "claims", jwt_claims(in), "scopes", scopes_json(in));
    case FN_AUTHORIZER_IAM:
    case FN_AUTHORIZER_NONE:
        break;
    }
    return NULL;
}

static json_t *v1_identity(const fn_event_in_t *in)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                     "cognitoIdentityPoolId", json_null(), "accountId", json_null(),
                     "cognitoIdentityId", json_null(), "caller", jstr_or_null(in->caller),
                     "sourceIp", jstr_or_null(in->source_ip), "principalOrgId", json_null(),
                     "accessKey", jstr_or_null(in->access_key), "cognitoAuthenticationType",
                     json_null(), "cognitoAuthenticationProvider", json_null(), "userArn",
                     jstr_or_null(in->user_arn), "userAgent", jstr_or_null(in->user_agent), "user",
                     jstr_or_null(in->user), "apiKey", jstr_or_null(in->api_key), "apiKeyId",
                     jstr_or_null(in->api_key_id));
}

static json_t *v1_context(const fn_event_in_t *in)
{
    char when[32];
    fn_event_time(in->time_epoch_ms, when, sizeof(when));
    json_t *ctx = json_pack(
        "{s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "resourceId",
        jstr_or_null(in->resource_id), "resourcePath", jstr_or_null(in->resource), "httpMethod",
        jstr_or_null(in->method), "extendedRequestId",
        jstr_or_null(in->extended_request_id != NULL ? in->extended_request_id : in->request_id),
        "requestTime", when, "path",
        jstr_or_null(in->context_path != NULL ? in->context_path : in->path), "accountId",
        jstr_or_null(in->account_id), "protocol", jstr_or_null(in->protocol), "stage",
        jstr_or_null(in->stage), "domainPrefix", jstr_or_null(in->domain_prefix),
        "requestTimeEpoch", (json_int_t)in->time_epoch_ms, "requestId",
        jstr_or_null(in->request_id), "identity", v1_identity(in), "domainName",
        jstr_or_null(in->domain_name), "apiId", jstr_or_null(in->api_id));
    json_t *auth = ctx != NULL ? v1_authorizer(in) : NULL;
    if (auth != NULL)
        json_object_set_new(ctx, "authorizer", auth);
    return ctx;
}

static json_t *event_body(const fn_event_in_t *in)
{
    if (in->body == NULL || in->body_len == 0)
        return json_null();
    return in->body_binary ? base64_json(in->body, in->body_len) : jstrn(in->body, in->body_len);
}

static char *dump(json_t *ev, size_t *len)
{
    char *text = ev != NULL ? json_dumps(ev, JSON_COMPACT) : NULL;
    json_decref(ev);
    if (text != NULL)
        *len = strlen(text);
    return text;
}

char *fn_event_v1(const fn_event_in_t *in, size_t *len)
{
    json_t *ev = json_object();
    if (ev == NULL)
        return NULL;
    if (in->version != NULL)
        json_object_set_new(ev, "version", jstr_or_null(in->version));
    json_object_set_new(ev, "resource", jstr_or_null(in->resource));
    json_object_set_new(ev, "path", jstr_or_null(in->path));
    json_object_set_new(ev, "httpMethod", jstr_or_null(in->method));
    v1_headers(in, ev);
    v1_query(in, ev);
    json_object_set_new(ev, "pathParameters", pairs_object(in->path_params, in->npath_params, 1));
    json_object_set_new(ev, "stageVariables", pairs_object(in->stage_vars, in->nstage_vars, 0));
    json_t *ctx = v1_context(in);
    json_object_set_new(ev, "requestContext", ctx != NULL ? ctx : json_object());
    json_object_set_new(ev, "body", event_body(in));
    json_object_set_new(ev, "isBase64Encoded",
                        json_boolean(in->body_binary && in->body != NULL && in->body_len > 0));
    return dump(ev, len);
}

/* ---- WebSocket APIs ------------------------------------------------------ */

char *fn_event_ws(const fn_event_in_t *in, size_t *len)
{
    char when[32];
    fn_event_time(in->time_epoch_ms, when, sizeof(when));
    int connect = in->ws_event_type != NULL && strcmp(in->ws_event_type, "CONNECT") == 0;
    json_t *identity = json_pack("{s:o}", "sourceIp", jstr_or_null(in->source_ip));
    if (identity != NULL && connect)
        json_object_set_new(identity, "userAgent", jstr_or_null(in->user_agent));
    json_t *ctx = json_pack(
        "{s:o,s:o,s:o,s:s,s:s,s:o,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "routeKey",
        jstr_or_null(in->route_key), "eventType", jstr_or_null(in->ws_event_type),
        "extendedRequestId",
        jstr_or_null(in->extended_request_id != NULL ? in->extended_request_id : in->request_id),
        "requestTime", when, "messageDirection", "IN", "stage", jstr_or_null(in->stage),
        "connectedAt", (json_int_t)in->connected_at_ms, "requestTimeEpoch",
        (json_int_t)in->time_epoch_ms, "identity", identity != NULL ? identity : json_object(),
        "requestId", jstr_or_null(in->request_id), "domainName", jstr_or_null(in->domain_name),
        "connectionId", jstr_or_null(in->connection_id), "apiId", jstr_or_null(in->api_id));
    if (ctx == NULL)
        return NULL;
    if (in->message_id != NULL)
        json_object_set_new(ctx, "messageId", jstr_or_null(in->message_id));
    json_t *auth = in->ws_authorizer != NULL ? json_loads(in->ws_authorizer, 0, NULL) : NULL;
    if (json_is_object(auth))
        json_object_set_new(ctx, "authorizer", auth);
    else
        json_decref(auth);
    json_t *ev = json_pack("{s:o,s:b}", "requestContext", ctx, "isBase64Encoded", 0);
    if (ev == NULL)
        return NULL;
    if (connect) {
        v1_headers(in, ev);
        v1_query(in, ev);
        static const char *const keys[] = {"headers", "multiValueHeaders", "queryStringParameters",
                                           "multiValueQueryStringParameters"};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (json_is_null(json_object_get(ev, keys[i])))
                json_object_del(ev, keys[i]);
    }
    if (in->body != NULL)
        json_object_set_new(ev, "body", jstrn(in->body, in->body_len));
    return dump(ev, len);
}

/* ---- payload 2.0 --------------------------------------------------------- */

static void add_cookies(json_t *cookies, const char *v, size_t len)
{
    const char *p = v, *end = v + len;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi != NULL ? semi : end;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        const char *e = stop;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > p)
            json_array_append_new(cookies, jstrn(p, (size_t)(e - p)));
        p = stop + 1;
    }
}

static void v2_headers(const fn_event_in_t *in, json_t *ev, json_t *cookies)
{
    json_t *o = json_object();
    for (size_t i = 0; i < in->nheaders; i++) {
        const fn_pair_t *h = &in->headers[i];
        if (header_dropped(h))
            continue;
        if (h->name_len == 6 && strncasecmp(h->name, "cookie", 6) == 0) {
            add_cookies(cookies, h->value, h->value_len);
            continue;
        }
        char *name = key_dup(h->name, h->name_len, 1);
        if (name == NULL)
            continue;
        json_t *old = json_object_get(o, name);
        if (old == NULL) {
            json_object_set_new(o, name, jstrn(h->value, h->value_len));
        } else {
            size_t a = json_string_length(old);
            char *joined = malloc(a + h->value_len + 2);
            if (joined != NULL) {
                memcpy(joined, json_string_value(old), a);
                joined[a] = ',';
                memcpy(joined + a + 1, h->value, h->value_len);
                json_object_set_new(o, name, jstrn(joined, a + 1 + h->value_len));
                free(joined);
            }
        }
        free(name);
    }
    json_object_set_new(ev, "headers", o);
}

static json_t *v2_authorizer(const fn_event_in_t *in)
{
    switch (in->authorizer) {
    case FN_AUTHORIZER_JWT: {
        json_t *scopes = scopes_json(in);
        return json_pack("{s:{s:o,s:o}}", "jwt", "claims", jwt_claims(in), "scopes", scopes);
    }
    case FN_AUTHORIZER_LAMBDA: {
        json_t *o = json_object();
        for (size_t i = 0; i < in->nauthorizer_ctx; i++) {
            const fn_pair_t *p = &in->authorizer_ctx[i];
            if (p->name_len == 11 && memcmp(p->name, "principalId", 11) == 0)
                continue;
            char *k = key_dup(p->name, p->name_len, 0);
            if (k != NULL)
                json_object_set_new(o, k, jstrn(p->value, p->value_len));
            free(k);
        }
        return json_pack("{s:o}", "lambda", o);
    }
    case FN_AUTHORIZER_IAM:
        return json_pack("{s:{s:o,s:o,s:o,s:o,s:o}}", "iam", "accessKey",
                         jstr_or_null(in->access_key), "accountId", jstr_or_null(in->account_id),
                         "callerId", jstr_or_null(in->caller), "userArn",
                         jstr_or_null(in->user_arn), "userId", jstr_or_null(in->user));
    case FN_AUTHORIZER_NONE:
        break;
    }
    return NULL;
}

static json_t *v2_context(const fn_event_in_t *in)
{
    char when[32];
    fn_event_time(in->time_epoch_ms, when, sizeof(when));
    json_t *ctx = json_pack("{s:o,s:o}", "accountId", jstr_or_null(in->account_id), "apiId",
                            jstr_or_null(in->api_id));
    if (ctx == NULL)
        return NULL;
    json_t *auth = v2_authorizer(in);
    if (auth != NULL)
        json_object_set_new(ctx, "authorizer", auth);
    json_object_set_new(ctx, "domainName", jstr_or_null(in->domain_name));
    json_object_set_new(ctx, "domainPrefix", jstr_or_null(in->domain_prefix));
    json_object_set_new(
        ctx, "http",
        json_pack("{s:o,s:o,s:o,s:o,s:o}", "method", jstr_or_null(in->method), "path",
                  jstr_or_null(in->path), "protocol", jstr_or_null(in->protocol), "sourceIp",
                  jstr_or_null(in->source_ip), "userAgent", jstr_or_null(in->user_agent)));
    json_object_set_new(ctx, "requestId", jstr_or_null(in->request_id));
    json_object_set_new(ctx, "routeKey", jstr_or_null(in->route_key));
    json_object_set_new(ctx, "stage", jstr_or_null(in->stage));
    json_object_set_new(ctx, "time", json_string(when));
    json_object_set_new(ctx, "timeEpoch", json_integer((json_int_t)in->time_epoch_ms));
    return ctx;
}

char *fn_event_v2(const fn_event_in_t *in, size_t *len)
{
    json_t *ev =
        json_pack("{s:s,s:o,s:o,s:o}", "version", "2.0", "routeKey", jstr_or_null(in->route_key),
                  "rawPath", jstr_or_null(in->path), "rawQueryString",
                  in->query != NULL ? jstrn(in->query, in->query_len) : json_string(""));
    if (ev == NULL)
        return NULL;
    json_t *cookies = json_array();
    v2_headers(in, ev, cookies);
    if (json_array_size(cookies) > 0)
        json_object_set(ev, "cookies", cookies);
    json_decref(cookies);
    json_t *q = json_object();
    if (in->query != NULL)
        query_each(in->query, in->query_len, v2_query_pair, q);
    if (json_object_size(q) > 0)
        json_object_set(ev, "queryStringParameters", q);
    json_decref(q);
    json_t *ctx = v2_context(in);
    json_object_set_new(ev, "requestContext", ctx != NULL ? ctx : json_object());
    if (in->body != NULL && in->body_len > 0)
        json_object_set_new(ev, "body", event_body(in));
    if (in->npath_params > 0)
        json_object_set_new(ev, "pathParameters",
                            pairs_object(in->path_params, in->npath_params, 1));
    json_object_set_new(ev, "isBase64Encoded",
                        json_boolean(in->body_binary && in->body != NULL && in->body_len > 0));
    if (in->nstage_vars > 0)
        json_object_set_new(ev, "stageVariables", pairs_object(in->stage_vars, in->nstage_vars, 0));
    return dump(ev, len);
}

/* ---- the answer ---------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

/* A header value as text: strings as they are, booleans "true"/"false"
 * (the reference's serialisation); numbers as JSON writes them in 1.0
 * multiValueHeaders lists only when allow_number. NULL: not a value. */
static char *header_text(const json_t *v, int allow_number)
{
    if (json_is_string(v))
        return strndup(json_string_value(v), json_string_length(v));
    if (json_is_boolean(v))
        return strdup(json_is_true(v) ? "true" : "false");
    if (allow_number && json_is_number(v))
        return json_dumps(v, JSON_ENCODE_ANY);
    return NULL;
}

static int answer_add_header(fn_answer_t *a, const char *name, char *value)
{
    fn_pair_t *bigger = realloc(a->headers, sizeof(*bigger) * (a->nheaders + 1));
    char *n = strdup(name);
    if (bigger == NULL || n == NULL) {
        free(n);
        free(value);
        if (bigger != NULL)
            a->headers = bigger;
        return -1;
    }
    a->headers = bigger;
    a->headers[a->nheaders++] = (fn_pair_t){n, strlen(n), value, strlen(value)};
    return 0;
}

static char *join2(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 3);
    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, ", ", 2);
    memcpy(s + la + 2, b, lb + 1);
    return s;
}

static const json_t *object_get_nocase(const json_t *o, const char *name)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) if (strcasecmp(k, name) == 0) return v;
    return NULL;
}

/* multiValueHeaders first (each name's values ", "-joined, set-cookie as
 * separate headers), then headers' value appended to a name already there,
 * else on its own. */
static int answer_headers(const json_t *headers, const json_t *multi, int v2, fn_answer_t *a,
                          char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    if (headers != NULL && !json_is_null(headers) && !json_is_object(headers))
        return fail(err, errlen, "headers is not an object");
    if (multi != NULL && !json_is_null(multi) && !json_is_object(multi))
        return fail(err, errlen, "multiValueHeaders is not an object");
    if (json_is_object(multi))
        json_object_foreach((json_t *)multi, k, v)
        {
            if (!json_is_array(v))
                return fail(err, errlen, "a multiValueHeaders entry is not a list");
            int cookie = strcasecmp(k, "set-cookie") == 0;
            char *joined = NULL;
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
            {
                char *t = header_text(item, 1);
                if (t == NULL) {
                    free(joined);
                    return fail(err, errlen, "a multiValueHeaders value is not a string");
                }
                if (cookie) {
                    if (answer_add_header(a, k, t) != 0)
                        return fail(err, errlen, "out of memory");
                    continue;
                }
                char *next = joined == NULL ? t : join2(joined, t);
                if (joined != NULL) {
                    free(joined);
                    free(t);
                }
                if ((joined = next) == NULL)
                    return fail(err, errlen, "out of memory");
            }
            const json_t *solo = json_is_object(headers) ? object_get_nocase(headers, k) : NULL;
            if (solo != NULL && !cookie) {
                char *t = header_text(solo, 0);
                if (t == NULL) {
                    free(joined);
                    return fail(err, errlen, "a header value is not a string");
                }
                char *next = joined == NULL ? t : join2(joined, t);
                if (joined != NULL) {
                    free(joined);
                    free(t);
                }
                if ((joined = next) == NULL)
                    return fail(err, errlen, "out of memory");
            }
            if (joined != NULL && answer_add_header(a, k, joined) != 0)
                return fail(err, errlen, "out of memory");
        }
    if (json_is_object(headers))
        json_object_foreach((json_t *)headers, k, v)
        {
            char *t = header_text(v, v2);
            if (t == NULL)
                return fail(err, errlen, "a header value is not a string");
            if (json_is_object(multi) && object_get_nocase(multi, k) != NULL &&
                strcasecmp(k, "set-cookie") != 0) {
                free(t);
                continue; /* merged above */
            }
            if (answer_add_header(a, k, t) != 0)
                return fail(err, errlen, "out of memory");
        }
    return 0;
}

static int answer_status(const json_t *sc, fn_answer_t *a, char *err, size_t errlen)
{
    if (sc == NULL || json_is_null(sc)) {
        a->status = 200;
        return 0;
    }
    long long v;
    if (json_is_integer(sc)) {
        v = json_integer_value(sc);
    } else if (json_is_string(sc)) {
        const char *s = json_string_value(sc);
        char *end;
        while (*s == ' ')
            s++;
        if (*s == '\0')
            return fail(err, errlen, "statusCode is not a number");
        v = strtoll(s, &end, 10);
        while (*end == ' ')
            end++;
        if (*end != '\0')
            return fail(err, errlen, "statusCode is not a number");
    } else {
        return fail(err, errlen, "statusCode is not a number");
    }
    if (v < 100 || v > 599 || httpval_status((int)v) != 0)
        return fail(err, errlen, "statusCode is not an HTTP status");
    a->status = (int)v;
    return 0;
}

static int answer_body(const json_t *body, const json_t *b64, fn_answer_t *a, char *err,
                       size_t errlen)
{
    if (b64 != NULL && !json_is_null(b64) && !json_is_boolean(b64))
        return fail(err, errlen, "isBase64Encoded is not a boolean");
    if (body == NULL || json_is_null(body)) {
        a->body = strdup("");
        a->body_len = 0;
        return a->body == NULL ? fail(err, errlen, "out of memory") : 0;
    }
    if (!json_is_string(body))
        return fail(err, errlen, "body is not a string");
    if (json_is_true(b64)) {
        if (base64_decode(json_string_value(body), json_string_length(body), &a->body,
                          &a->body_len) != 0)
            return fail(err, errlen, "body is not valid base64");
        a->encoded_len = json_string_length(body);
        if ((a->encoded = malloc(a->encoded_len + 1)) == NULL)
            return fail(err, errlen, "out of memory");
        memcpy(a->encoded, json_string_value(body), a->encoded_len + 1);
        return 0;
    }
    a->body_len = json_string_length(body);
    a->body = malloc(a->body_len + 1);
    if (a->body == NULL)
        return fail(err, errlen, "out of memory");
    memcpy(a->body, json_string_value(body), a->body_len + 1);
    return 0;
}

static int answer_cookies(const json_t *cookies, fn_answer_t *a, char *err, size_t errlen)
{
    if (cookies == NULL || json_is_null(cookies))
        return 0;
    if (!json_is_array(cookies))
        return fail(err, errlen, "cookies is not a list");
    a->cookies = calloc(json_array_size(cookies) + 1, sizeof(*a->cookies));
    if (a->cookies == NULL)
        return fail(err, errlen, "out of memory");
    size_t i;
    json_t *c;
    json_array_foreach(cookies, i, c)
    {
        if (!json_is_string(c))
            return fail(err, errlen, "a cookie is not a string");
        if ((a->cookies[a->ncookies] = strdup(json_string_value(c))) == NULL)
            return fail(err, errlen, "out of memory");
        a->ncookies++;
        if (httpval_header_value(json_string_value(c), json_string_length(c)) != 0)
            return fail(err, errlen, "a cookie is not a valid header value");
    }
    return 0;
}

static int answer_check_headers(fn_answer_t *a, char *err, size_t errlen)
{
    for (size_t i = 0; i < a->nheaders; i++) {
        const fn_pair_t *h = &a->headers[i];
        if (httpval_header(h->name, h->name_len, h->value, h->value_len) != 0) {
            snprintf(err, errlen, "header %.64s is not valid HTTP", h->name);
            return -1;
        }
    }
    return 0;
}

static int has_header(const fn_answer_t *a, const char *name)
{
    for (size_t i = 0; i < a->nheaders; i++)
        if (strcasecmp(a->headers[i].name, name) == 0)
            return 1;
    return 0;
}

static int structured(enum fn_answer_format fmt, json_t *doc, fn_answer_t *out, char *err,
                      size_t errlen)
{
    static const char *const v1_keys[] = {"statusCode", "headers",         "multiValueHeaders",
                                          "body",       "isBase64Encoded", NULL};
    const char *k;
    json_t *v;
    if (fmt == FN_ANSWER_V1)
        json_object_foreach(doc, k, v)
        {
            const char *const *p = v1_keys;
            while (*p != NULL && strcmp(*p, k) != 0)
                p++;
            if (*p == NULL) {
                snprintf(err, errlen, "unexpected key %.64s in the answer", k);
                return -1;
            }
        }
    if (answer_status(json_object_get(doc, "statusCode"), out, err, errlen) != 0 ||
        answer_headers(json_object_get(doc, "headers"), json_object_get(doc, "multiValueHeaders"),
                       fmt == FN_ANSWER_V2, out, err, errlen) != 0 ||
        answer_body(json_object_get(doc, "body"), json_object_get(doc, "isBase64Encoded"), out, err,
                    errlen) != 0)
        return -1;
    if (fmt == FN_ANSWER_V2 &&
        answer_cookies(json_object_get(doc, "cookies"), out, err, errlen) != 0)
        return -1;
    return 0;
}

int fn_answer_parse(enum fn_answer_format fmt, const char *payload, size_t len, fn_answer_t *out,
                    char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *doc = json_loadb(payload, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    int rc = -1;
    if (doc == NULL) {
        fail(err, errlen, "the answer is not JSON");
        goto done;
    }
    if (fmt == FN_ANSWER_V2 &&
        (!json_is_object(doc) || json_object_get(doc, "statusCode") == NULL)) {
        /* the simplified form: the answer itself is the body */
        out->status = 200;
        out->body = malloc(len + 1);
        if (out->body == NULL) {
            fail(err, errlen, "out of memory");
            goto done;
        }
        memcpy(out->body, payload, len);
        out->body[len] = '\0';
        out->body_len = len;
        rc = 0;
    } else if (!json_is_object(doc)) {
        fail(err, errlen, "the answer is not a JSON object");
        goto done;
    } else {
        rc = structured(fmt, doc, out, err, errlen);
    }
    if (rc == 0 && !has_header(out, "content-type"))
        rc = answer_add_header(out, "Content-Type", strdup("application/json")) != 0
                 ? fail(err, errlen, "out of memory")
                 : 0;
    if (rc == 0)
        rc = answer_check_headers(out, err, errlen);
done:
    json_decref(doc);
    if (rc != 0)
        fn_answer_free(out);
    return rc;
}

void fn_answer_free(fn_answer_t *a)
{
    for (size_t i = 0; i < a->nheaders; i++) {
        free((char *)a->headers[i].name);
        free((char *)a->headers[i].value);
    }
    free(a->headers);
    for (size_t i = 0; i < a->ncookies; i++)
        free(a->cookies[i]);
    free(a->cookies);
    free(a->body);
    free(a->encoded);
    memset(a, 0, sizeof(*a));
}

char *fn_error_message(const char *payload, size_t len, size_t *msg_len)
{
    json_t *doc = json_loadb(payload, len, 0, NULL);
    const json_t *m = json_is_object(doc) ? json_object_get(doc, "errorMessage") : NULL;
    char *out;
    if (json_is_string(m)) {
        *msg_len = json_string_length(m);
        out = malloc(*msg_len + 1);
        if (out != NULL)
            memcpy(out, json_string_value(m), *msg_len + 1);
    } else {
        *msg_len = len;
        out = malloc(len + 1);
        if (out != NULL) {
            memcpy(out, payload, len);
            out[len] = '\0';
        }
    }
    json_decref(doc);
    return out;
}
