/* admin_function_conf: the shared part of the Lambda management API
 * (admin_function_int.h) — errors, references, ARNs, configuration checks. */
#include "admin_function_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "fnenv.h"

#define FN_TIMEOUT_MAX 900
#define FN_MEMORY_MIN 128
#define FN_MEMORY_MAX 10240
#define FN_ENV_MAX 4096 /* the reference's 4 KB for all variables together */
#define FN_HANDLER_MAX 128
#define FN_DESCRIPTION_MAX 256
#define FN_ROLE_MAX 2048

static const char *const fn_runtimes[] = {"provided.al2023", "provided", "nodejs20.x", "nodejs22.x",
                                          NULL};
#define FN_RUNTIME_LIST "provided.al2023, provided, nodejs20.x, nodejs22.x"

void fn_fail(admin_call_t *c, int status, const char *type, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (unsigned char *p = (unsigned char *)msg; *p != '\0'; p++)
        if (*p >= 0x80 || *p < 0x20)
            *p = '?'; /* messages quote what the client sent */
    json_t *body = json_pack("{s:s,s:s}", "Type", "User", "Message", msg);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    h2o_add_header_by_str(&c->req->pool, &c->req->res.headers, H2O_STRLIT("x-amzn-errortype"), 0,
                          NULL, type, strlen(type));
    if (text == NULL)
        admin_fail(c, 500, "ServiceException", "out of memory");
    else
        admin_reply_text(c, status, "application/json", text, strlen(text));
}

void fn_store_fail(admin_call_t *c, int rc, const char *name, const char *qualifier)
{
    if (rc == STORE_ENOTFOUND)
        fn_not_found(c, "Function not found: %s", fn_arn(c, name, qualifier));
    else if (rc == STORE_ECONFLICT)
        fn_conflict(c, "The operation cannot be performed at this time: the resource is in use");
    else
        admin_store_fail(c, rc, NULL);
}

const char *fn_arn(admin_call_t *c, const char *name, const char *qualifier)
{
    int q = qualifier != NULL && qualifier[0] != '\0';
    const char *region = c->cp->region != NULL ? c->cp->region : "us-east-1";
    size_t cap = 64 + strlen(region) + strlen(name) + (q ? strlen(qualifier) : 0);
    char *out = h2o_mem_alloc_pool(&c->req->pool, cap);
    snprintf(out, cap, "arn:aws:lambda:%s:" FN_ACCOUNT_ID ":function:%s%s%s", region, name,
             q ? ":" : "", q ? qualifier : "");
    return out;
}

/* ---- references --------------------------------------------------------- */

static int fn_chars_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    return 1;
}

int fn_is_version(const char *s)
{
    if (strcmp(s, STORE_FN_LATEST) == 0)
        return 1;
    size_t n = strlen(s);
    return n > 0 && n <= 10 && strspn(s, "0123456789") == n && s[0] != '0';
}

int fn_check_alias_name(admin_call_t *c, const char *s)
{
    if (fn_chars_ok(s, FN_QUALIFIER_MAX) && strspn(s, "0123456789") != strlen(s))
        return 0;
    fn_validation(c,
                  "1 validation error detected: Value '%.200s' at 'name' failed to satisfy "
                  "constraint: Member must satisfy regular expression pattern: "
                  "(?!^[0-9]+$)([a-zA-Z0-9-_]+)",
                  s);
    return -1;
}

/* Splits "arn:aws:lambda:R:A:function:N[:Q]", "A:function:N[:Q]" or "N[:Q]". */
static int fn_ref_split(const char *raw, const char **name, size_t *nlen, const char **qual)
{
    const char *p = raw;
    const char *fn = strstr(raw, ":function:");
    if (strncmp(raw, "arn:", 4) == 0) {
        static const char prefix[] = "arn:aws:lambda:";
        if (strncmp(raw, prefix, sizeof(prefix) - 1) != 0 || fn == NULL)
            return -1;
        p = fn + 10;
    } else if (fn != NULL) {
        if ((size_t)(fn - raw) != 12 || strspn(raw, "0123456789") != 12)
            return -1;
        p = fn + 10;
    }
    const char *colon = strchr(p, ':');
    *name = p;
    *nlen = colon != NULL ? (size_t)(colon - p) : strlen(p);
    *qual = colon != NULL ? colon + 1 : "";
    return 0;
}

int fn_ref(admin_call_t *c, const char *raw, int query_qualifier, fn_ref_t *out)
{
    const char *name, *qual;
    size_t nlen;
    if (raw == NULL || strlen(raw) > 170 || fn_ref_split(raw, &name, &nlen, &qual) != 0 ||
        nlen == 0 || nlen > FN_NAME_MAX || strlen(qual) > FN_QUALIFIER_MAX) {
        fn_validation(c,
                      "1 validation error detected: Value '%.200s' at 'functionName' failed to "
                      "satisfy constraint: Member must satisfy regular expression pattern: "
                      "(arn:aws:lambda:)?([a-z0-9-]+:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)"
                      "(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
                      raw != NULL ? raw : "");
        return -1;
    }
    memcpy(out->name, name, nlen);
    out->name[nlen] = '\0';
    snprintf(out->qualifier, sizeof(out->qualifier), "%s", qual);
    const char *q = query_qualifier ? admin_query(c, "Qualifier") : NULL;
    if (q != NULL && out->qualifier[0] != '\0' && strcmp(q, out->qualifier) != 0) {
        fn_invalid(c, "The derived qualifier from the function name does not match the specified "
                      "qualifier.");
        return -1;
    }
    if (q != NULL && strlen(q) <= FN_QUALIFIER_MAX)
        snprintf(out->qualifier, sizeof(out->qualifier), "%s", q);
    int qual_ok = out->qualifier[0] == '\0' || fn_is_version(out->qualifier) ||
                  fn_chars_ok(out->qualifier, FN_QUALIFIER_MAX);
    if (!fn_chars_ok(out->name, FN_NAME_MAX) || !qual_ok || (q != NULL && q[0] == '\0') ||
        (q != NULL && strlen(q) > FN_QUALIFIER_MAX)) {
        fn_validation(c,
                      "1 validation error detected: Value '%.200s' at 'functionName' or "
                      "'qualifier' failed to satisfy constraint: names are [a-zA-Z0-9-_]{1,64}, "
                      "qualifiers $LATEST, a version number or an alias name",
                      raw);
        return -1;
    }
    return 0;
}

int fn_ref_unqualified(admin_call_t *c, fn_ref_t *out)
{
    if (fn_ref(c, admin_arg(c, "FunctionName"), 0, out) != 0)
        return -1;
    if (out->qualifier[0] == '\0')
        return 0;
    fn_invalid(c, "This operation does not take a qualified function name: %s:%s", out->name,
               out->qualifier);
    return -1;
}

int fn_resolve(admin_call_t *c, const fn_ref_t *ref, char out[FN_QUALIFIER_MAX + 1])
{
    if (ref->qualifier[0] == '\0' || fn_is_version(ref->qualifier)) {
        snprintf(out, FN_QUALIFIER_MAX + 1, "%s",
                 ref->qualifier[0] != '\0' ? ref->qualifier : STORE_FN_LATEST);
        return 0;
    }
    json_t *alias = NULL;
    int rc = store_fn_alias_get(c->store, ref->name, ref->qualifier, &alias);
    if (rc != STORE_OK) {
        fn_store_fail(c, rc, ref->name, ref->qualifier);
        return -1;
    }
    snprintf(out, FN_QUALIFIER_MAX + 1, "%s",
             json_string_value(json_object_get(alias, "FunctionVersion")));
    json_decref(alias);
    return 0;
}

/* ---- configuration ------------------------------------------------------ */

static int fn_check_runtime(admin_call_t *c, json_t *v)
{
    for (const char *const *r = fn_runtimes; *r != NULL; r++)
        if (strcmp(*r, json_string_value(v)) == 0)
            return 0;
    fn_invalid(c,
               "The runtime parameter of %.64s is not supported by Portico. Supported runtimes: "
               "[" FN_RUNTIME_LIST "]",
               json_string_value(v));
    return -1;
}

static int fn_check_handler(admin_call_t *c, json_t *v)
{
    const char *h = json_string_value(v);
    size_t n = strlen(h);
    int ok = n > 0 && n <= FN_HANDLER_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = h[i] > 0x20 && h[i] < 0x7f;
    if (ok)
        return 0;
    fn_validation(c,
                  "1 validation error detected: Value '%.128s' at 'handler' failed to satisfy "
                  "constraint: Member must satisfy regular expression pattern: [^\\s]+ "
                  "(printable ASCII, 1 to 128 characters)",
                  h);
    return -1;
}

/* arn:aws[-partition]:iam::{12 digits}:role/{path and name}, as the reference requires
 * (Portico stores the role and never assumes it). */
static int fn_check_role(admin_call_t *c, json_t *v)
{
    const char *r = json_string_value(v), *p = r;
    int ok = strncmp(p, "arn:aws", 7) == 0;
    if (ok) {
        p += 7;
        p += strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-");
        ok = strncmp(p, ":iam::", 6) == 0 && strspn(p + 6, "0123456789") == 12 &&
             strncmp(p + 18, ":role/", 6) == 0;
    }
    if (ok) {
        p += 24;
        size_t n = strlen(p);
        ok = n > 0 && strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                "+=,.@-_/") == n;
    }
    if (ok)
        return 0;
    fn_validation(c,
                  "1 validation error detected: Value '%.200s' at 'role' failed to satisfy "
                  "constraint: Member must satisfy regular expression pattern: "
                  "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
                  r);
    return -1;
}

static int fn_env_name_ok(const char *k)
{
    if (!isalpha((unsigned char)k[0]) || k[1] == '\0')
        return 0;
    for (const char *p = k; *p != '\0'; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return 0;
    return 1;
}

static int fn_check_env(admin_call_t *c, json_t *env)
{
    json_t *vars = json_object_get(env, "Variables"), *v;
    const char *k;
    size_t total = 0;
    if (!json_is_object(env) || (vars != NULL && !json_is_object(vars))) {
        fn_validation(c, "Environment must be an object {\"Variables\": {NAME: VALUE}}");
        return -1;
    }
    json_object_foreach(vars, k, v)
    {
        if (!fn_env_name_ok(k)) {
            fn_validation(c,
                          "1 validation error detected: Value '%.100s' at "
                          "'environment.variables' failed to satisfy constraint: Map keys must "
                          "satisfy constraint: [Member must satisfy regular expression pattern: "
                          "[a-zA-Z]([a-zA-Z0-9_])+]",
                          k);
            return -1;
        }
        if (fnenv_reserved(k)) {
            fn_invalid(c,
                       "Lambda was unable to configure your environment variables because the "
                       "environment variables you have provided contains reserved keys that "
                       "are currently not supported for modification. Reserved keys used in "
                       "this request: %s",
                       k);
            return -1;
        }
        if (!json_is_string(v) || memchr(json_string_value(v), '\0', json_string_length(v))) {
            fn_validation(c, "Environment variable %s must be a string without NUL", k);
            return -1;
        }
        total += strlen(k) + json_string_length(v);
    }
    if (total > FN_ENV_MAX) {
        fn_invalid(c,
                   "Lambda was unable to configure your environment variables because the "
                   "environment variables you have provided exceeded the 4KB limit. String "
                   "measured: %zu bytes",
                   total);
        return -1;
    }
    return 0;
}

static int fn_check_int(admin_call_t *c, json_t *v, const char *what, long min, long max)
{
    if (json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max)
        return 0;
    fn_validation(c,
                  "1 validation error detected: Value at '%s' failed to satisfy constraint: "
                  "Member must be an integer between %ld and %ld",
                  what, min, max);
    return -1;
}

static int fn_check_string(admin_call_t *c, json_t *v, const char *what, size_t max)
{
    if (json_is_string(v) && json_string_length(v) <= max &&
        memchr(json_string_value(v), '\0', json_string_length(v)) == NULL)
        return 0;
    fn_validation(c,
                  "1 validation error detected: Value at '%s' failed to satisfy constraint: "
                  "Member must be a string of at most %zu characters",
                  what, max);
    return -1;
}

/* Checks every present field; 0 when all are acceptable. */
static int fn_config_check(admin_call_t *c, json_t *body)
{
    json_t *v;
    if ((v = json_object_get(body, "Runtime")) != NULL &&
        (fn_check_string(c, v, "runtime", 64) != 0 || fn_check_runtime(c, v) != 0))
        return -1;
    if ((v = json_object_get(body, "Handler")) != NULL &&
        (fn_check_string(c, v, "handler", FN_HANDLER_MAX) != 0 || fn_check_handler(c, v) != 0))
        return -1;
    if ((v = json_object_get(body, "Role")) != NULL &&
        (fn_check_string(c, v, "role", FN_ROLE_MAX) != 0 || fn_check_role(c, v) != 0))
        return -1;
    if ((v = json_object_get(body, "Description")) != NULL &&
        fn_check_string(c, v, "description", FN_DESCRIPTION_MAX) != 0)
        return -1;
    if ((v = json_object_get(body, "Timeout")) != NULL &&
        fn_check_int(c, v, "timeout", 1, FN_TIMEOUT_MAX) != 0)
        return -1;
    if ((v = json_object_get(body, "MemorySize")) != NULL &&
        fn_check_int(c, v, "memorySize", FN_MEMORY_MIN, FN_MEMORY_MAX) != 0)
        return -1;
    if ((v = json_object_get(body, "Environment")) != NULL && fn_check_env(c, v) != 0)
        return -1;
    return 0;
}

int fn_config_apply(admin_call_t *c, json_t *doc, json_t *body)
{
    static const char *const copied[] = {"Runtime", "Handler",    "Role", "Description",
                                         "Timeout", "MemorySize", NULL};
    if (fn_config_check(c, body) != 0)
        return -1;
    for (const char *const *k = copied; *k != NULL; k++) {
        json_t *v = json_object_get(body, *k);
        if (v != NULL)
            json_object_set(doc, *k, v);
    }
    json_t *env = json_object_get(body, "Environment");
    if (env != NULL) {
        json_t *vars = json_object_get(env, "Variables");
        json_object_set_new(
            doc, "Environment",
            json_pack("{s:o}", "Variables", vars != NULL ? json_deep_copy(vars) : json_object()));
    }
    return 0;
}

void fn_touch(json_t *doc)
{
    char when[40], rev[37];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S.000+0000", &tm);
    crypto_uuid4(rev);
    json_object_set_new(doc, "LastModified", json_string(when));
    json_object_set_new(doc, "RevisionId", json_string(rev));
}

int fn_revision_ok(admin_call_t *c, json_t *body, json_t *doc)
{
    json_t *want = json_object_get(body, "RevisionId");
    if (want == NULL || json_equal(want, json_object_get(doc, "RevisionId")))
        return 0;
    fn_fail(c, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/"
            "GetAlias API to retrieve the latest Revision Id");
    return -1;
}

json_t *fn_public(json_t *doc)
{
    json_t *out = json_copy(doc);
    json_object_del(out, FN_DOC_REMOTE);
    return out;
}

void fn_reply_doc(admin_call_t *c, int status, json_t *doc)
{
    admin_reply(c, status, fn_public(doc));
}

int fn_page(admin_call_t *c, int *limit, const char **marker)
{
    const char *m = admin_query(c, "MaxItems");
    *limit = 50;
    *marker = admin_query(c, "Marker");
    if (m == NULL)
        return 0;
    char *end;
    long v = strtol(m, &end, 10);
    if (*m == '\0' || *end != '\0' || v < 1 || v > 10000) {
        fn_validation(c,
                      "1 validation error detected: Value '%.20s' at 'maxItems' failed to "
                      "satisfy constraint: Member must be between 1 and 10000",
                      m);
        return -1;
    }
    *limit = (int)v;
    return 0;
}
