/* params: prefix tables turn expressions into (kind, location, name). */
#include "params.h"

#include <string.h>

static const struct {
    const char *word;
    enum params_loc loc;
} params_locs[] = {
    {"path", PARAMS_LOC_PATH},
    {"querystring", PARAMS_LOC_QUERYSTRING},
    {"header", PARAMS_LOC_HEADER},
    {"multivaluequerystring", PARAMS_LOC_MULTIVALUEQUERYSTRING},
    {"multivalueheader", PARAMS_LOC_MULTIVALUEHEADER},
};

static int params_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > 256)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch <= ' ' || ch >= 0x7f || (ch == '.' && i == 0))
            return 0;
    }
    return 1;
}

/* Parses "<prefix><loc>.<name>"; returns 0 and fills out. */
static int params_parse_located(const char *s, const char *prefix, params_expr_t *out)
{
    size_t plen = strlen(prefix);
    if (strncmp(s, prefix, plen) != 0)
        return -1;
    s += plen;
    for (size_t i = 0; i < sizeof(params_locs) / sizeof(params_locs[0]); i++) {
        size_t wlen = strlen(params_locs[i].word);
        if (strncmp(s, params_locs[i].word, wlen) == 0 && s[wlen] == '.') {
            const char *name = s + wlen + 1;
            if (!params_name_ok(name, strlen(name)))
                return -1;
            out->loc = params_locs[i].loc;
            out->name = name;
            out->name_len = strlen(name);
            return 0;
        }
    }
    return -1;
}

int params_check_method_request(const char *key)
{
    params_expr_t e;
    return params_parse_located(key, "method.request.", &e);
}

int params_check_method_response(const char *key)
{
    params_expr_t e;
    return params_parse_response_target(key, &e);
}

int params_parse_integration_target(const char *key, params_expr_t *out)
{
    out->kind = PARAMS_SRC_INVALID;
    return params_parse_located(key, "integration.request.", out);
}

int params_parse_response_target(const char *key, params_expr_t *out)
{
    static const char prefix[] = "method.response.header.";
    if (strncmp(key, prefix, sizeof(prefix) - 1) != 0)
        return -1;
    const char *name = key + sizeof(prefix) - 1;
    if (!params_name_ok(name, strlen(name)))
        return -1;
    *out = (params_expr_t){.kind = PARAMS_SRC_INVALID,
                           .loc = PARAMS_LOC_HEADER,
                           .name = name,
                           .name_len = strlen(name)};
    return 0;
}

static int params_parse_prefixed(const char *expr, const char *prefix, enum params_source_kind kind,
                                 params_expr_t *out)
{
    size_t plen = strlen(prefix);
    if (strncmp(expr, prefix, plen) != 0 || !params_name_ok(expr + plen, strlen(expr + plen)))
        return -1;
    *out = (params_expr_t){.kind = kind, .name = expr + plen, .name_len = strlen(expr + plen)};
    return 0;
}

/* "<prefix>body" (the whole body) or "<prefix>body.<JSONPath>" (a.b[0].c). */
static int params_parse_body(const char *expr, const char *prefix, enum params_source_kind kind,
                             params_expr_t *out)
{
    size_t plen = strlen(prefix);
    if (strncmp(expr, prefix, plen) != 0 || strncmp(expr + plen, "body", 4) != 0)
        return -1;
    const char *rest = expr + plen + 4;
    if (*rest == '\0') {
        *out = (params_expr_t){.kind = kind, .loc = PARAMS_LOC_BODY};
        return 0;
    }
    if (*rest != '.' || !params_name_ok(rest + 1, strlen(rest + 1)))
        return -1;
    *out = (params_expr_t){
        .kind = kind, .loc = PARAMS_LOC_BODY, .name = rest + 1, .name_len = strlen(rest + 1)};
    return 0;
}

int params_parse_source(const char *expr, params_expr_t *out)
{
    size_t len = strlen(expr);
    if (len >= 2 && expr[0] == '\'' && expr[len - 1] == '\'') {
        *out = (params_expr_t){.kind = PARAMS_SRC_STATIC, .name = expr + 1, .name_len = len - 2};
        return 0;
    }
    if (params_parse_body(expr, "method.request.", PARAMS_SRC_METHOD_REQUEST, out) == 0 ||
        params_parse_body(expr, "integration.response.", PARAMS_SRC_INTEGRATION_RESPONSE, out) == 0)
        return 0;
    if (params_parse_located(expr, "method.request.", out) == 0) {
        out->kind = PARAMS_SRC_METHOD_REQUEST;
        return 0;
    }
    if (params_parse_prefixed(expr, "stageVariables.", PARAMS_SRC_STAGE_VARIABLE, out) == 0 ||
        params_parse_prefixed(expr, "context.", PARAMS_SRC_CONTEXT, out) == 0)
        return 0;
    if (params_parse_prefixed(expr, "integration.response.header.", PARAMS_SRC_INTEGRATION_RESPONSE,
                              out) == 0) {
        out->loc = PARAMS_LOC_HEADER;
        return 0;
    }
    out->kind = PARAMS_SRC_INVALID;
    return -1;
}
