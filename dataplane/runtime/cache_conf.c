/* cache_conf: parsing apart from running — method settings become a map the
 * step probes once per request; cacheKeyParameters become (location, name)
 * pairs. */
#include "cache_conf.h"

#include <stdio.h>
#include <string.h>

#define CACHE_MAX_TTL 3600

static const struct {
    const char *name;
    enum cache_control_strategy strategy;
} cache_strategies[] = {
    {"FAIL_WITH_403", CACHE_CONTROL_FAIL_WITH_403},
    {"SUCCEED_WITH_RESPONSE_HEADER", CACHE_CONTROL_SUCCEED_WITH_RESPONSE_HEADER},
    {"SUCCEED_WITHOUT_RESPONSE_HEADER", CACHE_CONTROL_SUCCEED_WITHOUT_RESPONSE_HEADER},
    {"", CACHE_CONTROL_SUCCEED_WITH_RESPONSE_HEADER}, /* the reference's default */
};

static int strategy_of(const char *name, enum cache_control_strategy *out)
{
    for (size_t i = 0; i < sizeof(cache_strategies) / sizeof(cache_strategies[0]); i++) {
        if (strcmp(cache_strategies[i].name, name) == 0) {
            *out = cache_strategies[i].strategy;
            return 0;
        }
    }
    return -1;
}

/* "VERB /path" (a space cannot occur in either part). */
static size_t setting_key(char *buf, size_t cap, const char *verb, size_t verb_len,
                          const char *path)
{
    size_t plen = strlen(path);
    if (verb_len + 1 + plen > cap)
        return 0;
    memcpy(buf, verb, verb_len);
    buf[verb_len] = ' ';
    memcpy(buf + verb_len + 1, path, plen);
    return verb_len + 1 + plen;
}

static int compile_setting(arena_t *a, const Portico__MethodSetting *ms, cache_setting_t **out,
                           char *err, size_t err_len)
{
    cache_setting_t *s = arena_alloc(a, sizeof(*s));
    if (ms->cache_ttl_seconds > CACHE_MAX_TTL) {
        snprintf(err, err_len, "method setting %s: cache TTL %u s above %d", ms->key,
                 ms->cache_ttl_seconds, CACHE_MAX_TTL);
        return -1;
    }
    if (strategy_of(ms->unauthorized_cache_control_header_strategy, &s->strategy) != 0) {
        snprintf(err, err_len, "method setting %s: unknown cache control strategy %s", ms->key,
                 ms->unauthorized_cache_control_header_strategy);
        return -1;
    }
    s->enabled = ms->caching_enabled;
    s->ttl_seconds = ms->cache_ttl_seconds;
    s->require_authorization = ms->require_authorization_for_cache_control;
    *out = s;
    return 0;
}

int cache_conf_stage(arena_t *a, const Portico__StageBinding *b, const cache_stage_conf_t **out,
                     char *err, size_t err_len)
{
    cache_stage_conf_t *conf = arena_alloc(a, sizeof(*conf));
    conf->cluster_enabled = b->cache_cluster_enabled;
    conf->size_gb = b->cache_cluster_size_gb > 0 ? b->cache_cluster_size_gb : 0.5;
    conf->flush_generation = b->cache_flush_generation;
    conf->canary_own_cache = b->canary != NULL && !b->canary->use_stage_cache;
    conf->methods = strmap_create(a, b->n_method_settings);
    for (size_t i = 0; i < b->n_method_settings; i++) {
        const Portico__MethodSetting *ms = b->method_settings[i];
        cache_setting_t *s;
        if (compile_setting(a, ms, &s, err, err_len) != 0)
            return -1;
        if (strcmp(ms->resource_path, "*") == 0 && strcmp(ms->http_method, "*") == 0) {
            conf->all = s;
            continue;
        }
        char key[1024];
        size_t n = setting_key(key, sizeof(key), ms->http_method, strlen(ms->http_method),
                               ms->resource_path);
        if (n == 0 || strmap_put(conf->methods, key, n, s) != 0) {
            snprintf(err, err_len, "method setting %s: key too long or out of memory", ms->key);
            return -1;
        }
    }
    *out = conf;
    return 0;
}

/* method.request.{path,querystring,header,multivalue...}.NAME */
static int compile_key_param(const char *expr, cache_key_param_t *out)
{
    params_expr_t e;
    if (params_parse_source(expr, &e) != 0 || e.kind != PARAMS_SRC_METHOD_REQUEST)
        return -1;
    *out = (cache_key_param_t){e.loc, e.name, e.name_len};
    return 0;
}

int cache_conf_method(arena_t *a, const Portico__Resource *res, const Portico__Method *m,
                      const cache_method_conf_t **out, char *err, size_t err_len)
{
    cache_method_conf_t *conf = arena_alloc(a, sizeof(*conf));
    const Portico__Integration *in = m->integration;
    const char *ns = in != NULL && in->cache_namespace[0] != '\0' ? in->cache_namespace : res->id;
    conf->ns = ns;
    conf->ns_len = strlen(ns);
    size_t n = in != NULL ? in->n_cache_key_parameters : 0;
    cache_key_param_t *params = arena_alloc(a, sizeof(*params) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        if (compile_key_param(in->cache_key_parameters[i], &params[i]) != 0) {
            snprintf(err, err_len, "%s %s: invalid cache key parameter %s", m->http_method,
                     res->path, in->cache_key_parameters[i]);
            return -1;
        }
    }
    conf->params = params;
    conf->nparams = n;
    conf->caller_authorized =
        (m->authorization_type[0] != '\0' && strcmp(m->authorization_type, "NONE") != 0) ||
        m->api_key_required;
    *out = conf;
    return 0;
}

static int setting_on(const cache_setting_t *s)
{
    return s != NULL && s->enabled && s->ttl_seconds > 0;
}

const cache_setting_t *cache_conf_setting(const cache_stage_conf_t *s, const char *resource_path,
                                          const char *method_verb, const char *req_verb,
                                          size_t req_verb_len)
{
    /* a HEAD answer has no body to store for a later GET, nor a GET's for a HEAD */
    if (req_verb_len == 4 && memcmp(req_verb, "HEAD", 4) == 0)
        return NULL;
    if (strmap_count(s->methods) > 0) {
        char key[1024];
        size_t n = setting_key(key, sizeof(key), method_verb, strlen(method_verb), resource_path);
        const cache_setting_t *own = n > 0 ? strmap_get(s->methods, key, n) : NULL;
        if (own != NULL)
            return setting_on(own) ? own : NULL;
    }
    int is_get = req_verb_len == 3 && memcmp(req_verb, "GET", 3) == 0;
    return is_get && setting_on(s->all) ? s->all : NULL;
}
