/* policy: parsing checks the whole document before anything is used; the
 * evaluation is a loop over statements with no allocation. */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define POLICY_MAX_STATEMENTS 1000
#define POLICY_MAX_VALUES 1000
#define POLICY_ACTION "execute-api:Invoke"

typedef struct {
    const char *s;
    size_t len;
} policy_str_t;

typedef struct {
    const netaddr_cidr_t *nets;
    size_t n;
    int present;
} policy_ipcond_t;

typedef struct {
    int deny;
    int not_action, not_resource;
    const policy_str_t *actions, *resources;
    size_t nactions, nresources;
    policy_ipcond_t ip_in, ip_not_in;
} policy_stmt_t;

struct policy {
    const policy_stmt_t *stmts;
    size_t n;
};

typedef struct {
    arena_t *a;
    enum policy_kind kind;
    const char *api_id;
    char *err;
    size_t err_len;
} parse_t;

static int perr(parse_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(parse_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- matching ------------------------------------------------------------ */

static int glob_char_eq(char a, char b, int nocase)
{
    if (nocase && a >= 'A' && a <= 'Z')
        a = (char)(a - 'A' + 'a');
    if (nocase && b >= 'A' && b <= 'Z')
        b = (char)(b - 'A' + 'a');
    return a == b;
}

int policy_glob(const char *pat, size_t pat_len, const char *s, size_t len, int nocase)
{
    /* iterative with one backtrack point: linear enough for policy sizes */
    size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;
    while (si < len) {
        if (pi < pat_len && pat[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pat_len && (pat[pi] == '?' || glob_char_eq(pat[pi], s[si], nocase))) {
            pi++;
            si++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < pat_len && pat[pi] == '*')
        pi++;
    return pi == pat_len;
}

int policy_method_arn(char *buf, size_t cap, const char *api_id, const char *stage,
                      const char *verb, size_t verb_len, const char *path, size_t path_len)
{
    int n = snprintf(buf, cap, "arn:aws:execute-api:%s:%s:%s/%s/%.*s%.*s", POLICY_REGION,
                     POLICY_ACCOUNT, api_id, stage, (int)verb_len, verb, (int)path_len, path);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* ---- parsing ------------------------------------------------------------- */

/* A string or a list of strings as an array of policy_str_t. */
static int parse_strings(parse_t *p, json_t *v, const char *what, const policy_str_t **out,
                         size_t *n)
{
    size_t count = json_is_array(v) ? json_array_size(v) : 1;
    if (!json_is_string(v) && !json_is_array(v))
        return perr(p, "%s must be a string or a list of strings", what);
    if (count == 0 || count > POLICY_MAX_VALUES)
        return perr(p, "%s must list between 1 and %d values", what, POLICY_MAX_VALUES);
    policy_str_t *items = arena_alloc(p->a, sizeof(*items) * count);
    if (items == NULL)
        return perr(p, "out of memory");
    for (size_t i = 0; i < count; i++) {
        json_t *s = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(s))
            return perr(p, "%s must be a string or a list of strings", what);
        items[i].len = json_string_length(s);
        items[i].s = arena_strndup(p->a, json_string_value(s), items[i].len);
        if (items[i].s == NULL)
            return perr(p, "out of memory");
    }
    *out = items;
    *n = count;
    return 0;
}

/* Resources: "*", full execute-api ARNs, or "execute-api:/stage/VERB/path". */
static int parse_resources(parse_t *p, json_t *v, const char *what, policy_stmt_t *st)
{
    const policy_str_t *items;
    size_t n;
    if (parse_strings(p, v, what, &items, &n) != 0)
        return -1;
    policy_str_t *res = arena_alloc(p->a, sizeof(*res) * n);
    if (res == NULL)
        return perr(p, "out of memory");
    for (size_t i = 0; i < n; i++) {
        res[i] = items[i];
        static const char short_form[] = "execute-api:/";
        if (strncmp(items[i].s, short_form, sizeof(short_form) - 1) == 0) {
            if (p->api_id == NULL)
                return perr(p, "%s %s: the short form needs an API", what, items[i].s);
            char buf[4096];
            int len = snprintf(buf, sizeof(buf), "arn:aws:execute-api:*:*:%s/%s", p->api_id,
                               items[i].s + sizeof(short_form) - 1);
            if (len < 0 || (size_t)len >= sizeof(buf))
                return perr(p, "%s is too long", what);
            res[i].s = arena_strndup(p->a, buf, (size_t)len);
            res[i].len = (size_t)len;
        } else if (strcmp(items[i].s, "*") != 0 &&
                   strncmp(items[i].s, "arn:aws:execute-api:", 20) != 0) {
            return perr(p, "%s %s is not an execute-api resource", what, items[i].s);
        }
    }
    st->resources = res;
    st->nresources = n;
    return 0;
}

static int parse_principal(parse_t *p, json_t *v)
{
    if (json_is_string(v) && strcmp(json_string_value(v), "*") == 0)
        return 0;
    json_t *aws = json_object_get(v, "AWS");
    if (json_is_object(v) && json_object_size(v) == 1 && aws != NULL) {
        if (json_is_string(aws) && strcmp(json_string_value(aws), "*") == 0)
            return 0;
        if (json_is_array(aws) && json_array_size(aws) == 1 &&
            json_is_string(json_array_get(aws, 0)) &&
            strcmp(json_string_value(json_array_get(aws, 0)), "*") == 0)
            return 0;
    }
    return perr(p, "Principal: only \"*\" is supported (there are no IAM identities here)");
}

static int parse_ip_values(parse_t *p, json_t *v, const char *op, policy_ipcond_t *out)
{
    const policy_str_t *items;
    size_t n;
    if (parse_strings(p, v, op, &items, &n) != 0)
        return -1;
    netaddr_cidr_t *nets = arena_alloc(p->a, sizeof(*nets) * n);
    if (nets == NULL)
        return perr(p, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (netaddr_cidr_parse(items[i].s, &nets[i]) != 0)
            return perr(p, "%s: %s is not an IP address or CIDR block", op, items[i].s);
    out->nets = nets;
    out->n = n;
    out->present = 1;
    return 0;
}

static int parse_condition(parse_t *p, json_t *cond, policy_stmt_t *st)
{
    if (!json_is_object(cond))
        return perr(p, "Condition must be an object");
    const char *op;
    json_t *keys;
    json_object_foreach(cond, op, keys)
    {
        policy_ipcond_t *target = strcmp(op, "IpAddress") == 0      ? &st->ip_in
                                  : strcmp(op, "NotIpAddress") == 0 ? &st->ip_not_in
                                                                    : NULL;
        if (target == NULL)
            return perr(p, "Condition operator %s is not supported (IpAddress, NotIpAddress)", op);
        if (!json_is_object(keys) || json_object_size(keys) != 1)
            return perr(p, "Condition %s must name exactly one key", op);
        const char *key = json_object_iter_key(json_object_iter(keys));
        if (strcasecmp(key, "aws:SourceIp") != 0)
            return perr(p, "Condition key %s is not supported (aws:SourceIp)", key);
        if (parse_ip_values(p, json_object_iter_value(json_object_iter(keys)), op, target) != 0)
            return -1;
    }
    return 0;
}

static const char *const stmt_keys[] = {"Sid",       "Effect",    "Action",
                                        "NotAction", "Resource",  "NotResource",
                                        "Principal", "Condition", NULL};

static int parse_known_keys(parse_t *p, json_t *stmt)
{
    const char *k;
    json_t *v;
    json_object_foreach(stmt, k, v)
    {
        int known = 0;
        for (const char *const *s = stmt_keys; *s != NULL && !known; s++)
            known = strcmp(*s, k) == 0;
        if (!known)
            return perr(p, "Statement element %s is not supported", k);
    }
    return 0;
}

static int parse_statement(parse_t *p, json_t *stmt, policy_stmt_t *st)
{
    if (!json_is_object(stmt))
        return perr(p, "each Statement must be an object");
    if (parse_known_keys(p, stmt) != 0)
        return -1;
    const char *effect = json_string_value(json_object_get(stmt, "Effect"));
    if (effect == NULL || (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0))
        return perr(p, "Effect must be Allow or Deny");
    st->deny = strcmp(effect, "Deny") == 0;
    json_t *action = json_object_get(stmt, "Action"),
           *not_action = json_object_get(stmt, "NotAction");
    if ((action == NULL) == (not_action == NULL))
        return perr(p, "a Statement needs exactly one of Action and NotAction");
    st->not_action = action == NULL;
    if (parse_strings(p, action != NULL ? action : not_action, "Action", &st->actions,
                      &st->nactions) != 0)
        return -1;
    json_t *res = json_object_get(stmt, "Resource"),
           *not_res = json_object_get(stmt, "NotResource");
    if ((res == NULL) == (not_res == NULL))
        return perr(p, "a Statement needs exactly one of Resource and NotResource");
    st->not_resource = res == NULL;
    if (parse_resources(p, res != NULL ? res : not_res, "Resource", st) != 0)
        return -1;
    json_t *principal = json_object_get(stmt, "Principal");
    if (principal == NULL && p->kind == POLICY_RESOURCE)
        return perr(p, "a resource policy Statement needs a Principal");
    if (principal != NULL && parse_principal(p, principal) != 0)
        return -1;
    json_t *cond = json_object_get(stmt, "Condition");
    return cond != NULL ? parse_condition(p, cond, st) : 0;
}

int policy_parse_json(json_t *doc, enum policy_kind kind, const char *api_id, arena_t *a,
                      policy_t **out, char *err, size_t err_len)
{
    parse_t p = {.a = a, .kind = kind, .api_id = api_id, .err = err, .err_len = err_len};
    if (!json_is_object(doc))
        return perr(&p, "the policy must be a JSON object");
    json_t *version = json_object_get(doc, "Version");
    if (version != NULL && !json_is_string(version))
        return perr(&p, "Version must be a string");
    json_t *stmts = json_object_get(doc, "Statement");
    size_t n = json_is_array(stmts) ? json_array_size(stmts) : 1;
    if (stmts == NULL || (!json_is_array(stmts) && !json_is_object(stmts)))
        return perr(&p, "Statement must be an object or a list of objects");
    if (n > POLICY_MAX_STATEMENTS)
        return perr(&p, "a policy holds at most %d statements", POLICY_MAX_STATEMENTS);
    policy_t *pol = arena_alloc(a, sizeof(*pol));
    policy_stmt_t *st = arena_alloc(a, sizeof(*st) * (n + 1));
    if (pol == NULL || st == NULL)
        return perr(&p, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (parse_statement(&p, json_is_array(stmts) ? json_array_get(stmts, i) : stmts, &st[i]) !=
            0)
            return -1;
    pol->stmts = st;
    pol->n = n;
    *out = pol;
    return 0;
}

int policy_parse(const char *text, size_t len, enum policy_kind kind, const char *api_id,
                 arena_t *a, policy_t **out, char *err, size_t err_len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        snprintf(err, err_len, "the policy is not valid JSON: %s", jerr.text);
        return -1;
    }
    int rc = policy_parse_json(doc, kind, api_id, a, out, err, err_len);
    json_decref(doc);
    return rc;
}

/* ---- evaluation ---------------------------------------------------------- */

static int any_glob(const policy_str_t *pats, size_t n, const char *s, size_t len, int nocase)
{
    for (size_t i = 0; i < n; i++)
        if (policy_glob(pats[i].s, pats[i].len, s, len, nocase))
            return 1;
    return 0;
}

static int ip_in_any(const policy_ipcond_t *c, const netaddr_cidr_t *ip)
{
    for (size_t i = 0; i < c->n; i++)
        if (netaddr_cidr_contains(&c->nets[i], ip))
            return 1;
    return 0;
}

static int statement_applies(const policy_stmt_t *st, const policy_request_t *req)
{
    const char *act = req->action != NULL ? req->action : POLICY_ACTION;
    int action = any_glob(st->actions, st->nactions, act, strlen(act), 1);
    if (action == st->not_action)
        return 0;
    int resource = any_glob(st->resources, st->nresources, req->arn, req->arn_len, 0);
    if (resource == st->not_resource)
        return 0;
    if (st->ip_in.present && (req->source_ip == NULL || !ip_in_any(&st->ip_in, req->source_ip)))
        return 0;
    if (st->ip_not_in.present &&
        (req->source_ip == NULL || ip_in_any(&st->ip_not_in, req->source_ip)))
        return 0;
    return 1;
}

enum policy_result policy_evaluate(const policy_t *p, const policy_request_t *req)
{
    enum policy_result result = POLICY_NO_MATCH;
    for (size_t i = 0; i < p->n; i++) {
        if (!statement_applies(&p->stmts[i], req))
            continue;
        if (p->stmts[i].deny)
            return POLICY_DENY;
        result = POLICY_ALLOW;
    }
    return result;
}
