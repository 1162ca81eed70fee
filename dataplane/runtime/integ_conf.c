/* integ_conf: every template and pattern is compiled here, so a snapshot
 * that carries a bad one is refused whole and requests never parse. */
#include "integ_conf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <h2o.h>

#include "canonpath.h"
#include "fnuri.h"
#include "pathtmpl.h"
#include "pattern.h"
#include "vtl.h"

static const char *const integ_verbs[] = {"GET",  "POST",    "PUT", "PATCH", "DELETE",
                                          "HEAD", "OPTIONS", "ANY", NULL};

static int integ_verb_ok(const char *v)
{
    for (const char *const *p = integ_verbs; *p != NULL; p++)
        if (strcmp(*p, v) == 0)
            return 1;
    return 0;
}

static int integ_convert_of(const char *s)
{
    if (strcmp(s, "CONVERT_TO_TEXT") == 0)
        return RT_CONVERT_TO_TEXT;
    return strcmp(s, "CONVERT_TO_BINARY") == 0 ? RT_CONVERT_TO_BINARY : 0;
}

/* Templates {content type: source} into kv rows and their compiled forms. */
static int integ_templates(rt_build_t *b, Portico__KeyValue **kv, size_t n, const rt_kv_t **items,
                           const vtl_template_t *const **compiled)
{
    rt_kv_t *rows = arena_alloc(b->a, sizeof(*rows) * (n + 1));
    const vtl_template_t **ts = arena_alloc(b->a, sizeof(*ts) * (n + 1));
    if (rows == NULL || ts == NULL)
        return rt_build_fail(b, "out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(kv[i]->value);
        vtl_template_t *t;
        vtl_error_t err = {0};
        rows[i] = (rt_kv_t){kv[i]->key, strlen(kv[i]->key), kv[i]->value, len};
        if (vtl_compile(kv[i]->value, len, b->a, &t, &err) != VTL_OK)
            return rt_build_fail(b, "template for %s: line %d, column %d: %s", kv[i]->key, err.line,
                                 err.column, err.message);
        ts[i] = t;
    }
    *items = rows;
    *compiled = ts;
    return 0;
}

static void integ_pattern_free(void *p)
{
    pattern_free(p);
}

static int integ_pattern(rt_build_t *b, const char *src, const struct pattern **out)
{
    char err[256];
    *out = NULL;
    if (src[0] == '\0')
        return 0;
    pattern_t *re = pattern_compile(src, err, sizeof(err));
    if (re == NULL)
        return rt_build_fail(b, "invalid selection pattern %s: %s", src, err);
    if (rt_build_cleanup(b, integ_pattern_free, re) != 0)
        return -1;
    *out = re;
    return 0;
}

static int integ_request_params(rt_build_t *b, Portico__Integration *in, rt_integration_t *out)
{
    rt_mapping_t *maps = arena_alloc(b->a, sizeof(*maps) * (in->n_request_parameters + 1));
    for (size_t i = 0; i < in->n_request_parameters; i++) {
        Portico__KeyValue *kv = in->request_parameters[i];
        if (params_parse_integration_target(kv->key, &maps[i].target) != 0)
            return rt_build_fail(b, "invalid integration request parameter %s", kv->key);
        if (params_parse_source(kv->value, &maps[i].source) != 0 ||
            maps[i].source.kind == PARAMS_SRC_INTEGRATION_RESPONSE)
            return rt_build_fail(b, "invalid mapping expression %s", kv->value);
    }
    out->request_params = maps;
    out->nrequest_params = in->n_request_parameters;
    return 0;
}

static int integ_response(rt_build_t *b, Portico__IntegrationResponse *r, rt_int_response_t *out)
{
    int status = atoi(r->status_code);
    if (status < 100 || status > 599)
        return rt_build_fail(b, "invalid integration response status %s", r->status_code);
    rt_mapping_t *maps = arena_alloc(b->a, sizeof(*maps) * (r->n_response_parameters + 1));
    for (size_t k = 0; k < r->n_response_parameters; k++) {
        Portico__KeyValue *kv = r->response_parameters[k];
        if (params_parse_response_target(kv->key, &maps[k].target) != 0 ||
            params_parse_source(kv->value, &maps[k].source) != 0)
            return rt_build_fail(b, "invalid response parameter mapping %s", kv->key);
    }
    *out = (rt_int_response_t){
        .status_code = r->status_code,
        .status = status,
        .selection_pattern = r->selection_pattern,
        .params = maps,
        .nparams = r->n_response_parameters,
        .ntemplates = r->n_response_templates,
        .convert = integ_convert_of(r->content_handling),
    };
    if (integ_pattern(b, r->selection_pattern, &out->re) != 0)
        return -1;
    return integ_templates(b, r->response_templates, r->n_response_templates, &out->templates,
                           &out->compiled);
}

static int integ_responses(rt_build_t *b, Portico__Integration *in, rt_integration_t *out)
{
    rt_int_response_t *rs = arena_alloc(b->a, sizeof(*rs) * (in->n_responses + 1));
    for (size_t i = 0; i < in->n_responses; i++)
        if (integ_response(b, in->responses[i], &rs[i]) != 0)
            return -1;
    out->responses = rs;
    out->nresponses = in->n_responses;
    return 0;
}

static int integ_type(rt_build_t *b, const char *type, rt_integration_t *out)
{
    static const struct {
        const char *name;
        enum rt_integration_type type;
    } types[] = {{"MOCK", RT_INTEG_MOCK},
                 {"HTTP_PROXY", RT_INTEG_HTTP_PROXY},
                 {"HTTP", RT_INTEG_HTTP},
                 {"AWS_PROXY", RT_INTEG_AWS_PROXY},
                 {"AWS", RT_INTEG_AWS}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(type, types[i].name) == 0) {
            out->type = types[i].type;
            return 0;
        }
    return rt_build_fail(b, "unsupported integration type %s", type);
}

/* The URL of a URI without placeholders, as integ_proxy.c's
 * proxy_target_url would build it for every request (expansion leaves such
 * a URI as it is; it has no fixed prefix to stay under): parsed, its path
 * made canonical, its query kept. NULL when a step fails, so that requests
 * fail (and log) as they always did. */
static const h2o_url_t *integ_static_target(arena_t *a, const char *uri, size_t len)
{
    h2o_url_t *url = arena_alloc(a, sizeof(*url));
    if (url == NULL || memchr(uri, '{', len) != NULL || h2o_url_parse(uri, len, url) != 0 ||
        url->host.len == 0)
        return NULL;
    size_t cap = canonpath_target_room(url->path.len), plen, all;
    char *canon = arena_alloc(a, cap);
    if (canon == NULL || canonpath_normalize_target(url->path.base, url->path.len, canon, cap,
                                                    &plen, &all) != CANONPATH_OK)
        return NULL;
    url->path = h2o_iovec_init(canon, all);
    return url;
}

static int integ_endpoint(rt_build_t *b, Portico__Integration *in, rt_integration_t *out)
{
    out->http_method =
        in->http_method[0] == '\0' || strcmp(in->http_method, "ANY") == 0 ? NULL : in->http_method;
    if (out->http_method != NULL && !integ_verb_ok(out->http_method))
        return rt_build_fail(b, "invalid integration method %s", in->http_method);
    out->uri = in->uri;
    out->uri_len = strlen(in->uri);
    if (out->type == RT_INTEG_MOCK)
        return 0;
    if (out->type == RT_INTEG_AWS_PROXY || out->type == RT_INTEG_AWS) {
        if (fnuri_function(in->uri, out->uri_len, &out->function, &out->function_len) != 0 ||
            fnuri_check_template(out->function, out->function_len) != 0)
            return rt_build_fail(b, "integration uri is not a function invocation URI: %s",
                                 in->uri);
        return 0;
    }
    if (strncmp(in->uri, "http://", 7) != 0 && strncmp(in->uri, "https://", 8) != 0)
        return rt_build_fail(b, "integration uri must be http(s): %s", in->uri);
    if (pathtmpl_uri_host_has_param(in->uri, out->uri_len))
        return rt_build_fail(b, "integration uri has a path parameter in its host: %s", in->uri);
    out->target = integ_static_target(b->a, in->uri, out->uri_len);
    return 0;
}

const rt_integration_t *integ_conf_integration(rt_build_t *b, Portico__Integration *in)
{
    rt_integration_t *out = arena_alloc(b->a, sizeof(*out));
    if (out == NULL)
        return rt_build_fail(b, "out of memory"), NULL;
    if (integ_type(b, in->type, out) != 0 || integ_endpoint(b, in, out) != 0)
        return NULL;
    out->timeout_ms = in->timeout_ms == 0 ? 29000 : in->timeout_ms;
    if (out->timeout_ms < 50 || out->timeout_ms > 29000)
        return rt_build_fail(b, "integration timeout %u ms out of range", in->timeout_ms), NULL;
    out->passthrough = strcmp(in->passthrough_behavior, "NEVER") == 0 ? RT_PASS_NEVER
                       : strcmp(in->passthrough_behavior, "WHEN_NO_TEMPLATES") == 0
                           ? RT_PASS_WHEN_NO_TEMPLATES
                           : RT_PASS_WHEN_NO_MATCH;
    out->convert = integ_convert_of(in->content_handling);
    if (integ_request_params(b, in, out) != 0 || integ_responses(b, in, out) != 0 ||
        integ_templates(b, in->request_templates, in->n_request_templates, &out->request_templates,
                        &out->request_compiled) != 0)
        return NULL;
    out->nrequest_templates = in->n_request_templates;
    return out;
}

const rt_int_response_t *integ_conf_select(const rt_integration_t *in, const char *s, size_t len)
{
    const rt_int_response_t *def = NULL;
    for (size_t i = 0; i < in->nresponses; i++) {
        const rt_int_response_t *r = &in->responses[i];
        if (r->re == NULL) {
            if (def == NULL)
                def = r;
        } else if (pattern_matches(r->re, s, len)) {
            return r;
        }
    }
    return def;
}

int integ_conf_template_for(const rt_kv_t *templates, size_t n, const char *ct, size_t ct_len)
{
    const char *semi = memchr(ct, ';', ct_len);
    size_t len = semi != NULL ? (size_t)(semi - ct) : ct_len;
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
        len--;
    while (len > 0 && (*ct == ' ' || *ct == '\t'))
        ct++, len--;
    for (size_t i = 0; i < n; i++)
        if (templates[i].key_len == len && strncasecmp(templates[i].key, ct, len) == 0)
            return (int)i;
    return -1;
}
