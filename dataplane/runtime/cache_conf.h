/* cache_conf: what the cache step needs from a snapshot, compiled with the
 * runtime into its arena — each stage's cache cluster and caching method
 * settings, each method's cache key (namespace and cacheKeyParameters) and
 * whether its callers are authorized to control the cache. */
#ifndef PORTICO_CACHE_CONF_H
#define PORTICO_CACHE_CONF_H

#include <stdint.h>

#include "arena.h"
#include "params.h"
#include "portico.pb-c.h"
#include "strmap.h"

/* unauthorizedCacheControlHeaderStrategy */
enum cache_control_strategy {
    CACHE_CONTROL_FAIL_WITH_403,
    CACHE_CONTROL_SUCCEED_WITH_RESPONSE_HEADER,
    CACHE_CONTROL_SUCCEED_WITHOUT_RESPONSE_HEADER,
};

/* One method setting entry's caching part. */
typedef struct {
    int enabled;
    uint32_t ttl_seconds;
    int require_authorization; /* requireAuthorizationForCacheControl */
    enum cache_control_strategy strategy;
} cache_setting_t;

typedef struct cache_stage_conf {
    int cluster_enabled;
    double size_gb;
    uint64_t flush_generation;
    int canary_own_cache;       /* a canary with useStageCache false */
    const cache_setting_t *all; /* the stage-wide entry, NULL when absent */
    strmap_t *methods;          /* "VERB /resource/path" → cache_setting_t */
} cache_stage_conf_t;

typedef struct {
    enum params_loc loc; /* PATH, QUERYSTRING, HEADER or their multi-value forms */
    const char *name;
    size_t name_len;
} cache_key_param_t;

typedef struct cache_method_conf {
    const char *ns; /* cacheNamespace, else the resource id */
    size_t ns_len;
    const cache_key_param_t *params; /* cacheKeyParameters */
    size_t nparams;
    /* The method requires authorization (authorizationType other than NONE,
     * or apiKeyRequired): a request reaching the cache step has passed it,
     * so its caller may ask for a fresh answer with Cache-Control. */
    int caller_authorized;
} cache_method_conf_t;

/* Compiles a stage binding's cache fields; -1 with a reason in err. */
int cache_conf_stage(arena_t *a, const Portico__StageBinding *b, const cache_stage_conf_t **out,
                     char *err, size_t err_len);

/* Compiles a method's cache key; -1 with a reason in err. */
int cache_conf_method(arena_t *a, const Portico__Resource *res, const Portico__Method *m,
                      const cache_method_conf_t **out, char *err, size_t err_len);

/* The setting under which a request with verb req_verb to the method
 * (resource_path, method_verb — "ANY" for ANY methods) is cached, or NULL
 * when it is not: the method's own entry when there is one (any verb), else
 * the stage-wide entry, which caches GET only; either must be enabled with
 * a TTL above 0. */
const cache_setting_t *cache_conf_setting(const cache_stage_conf_t *s, const char *resource_path,
                                          const char *method_verb, const char *req_verb,
                                          size_t req_verb_len);

#endif
