/* rt: the compiled runtime's data model — stages by (api, name), each
 * deployment's router, methods with their integrations prepared — and the
 * read-side lookups requests make on it (stage, custom domain, stage
 * variable). runtime.h compiles and releases it; the *_conf modules build
 * their parts of it (rt_build.h). Nothing in it changes once compiled, so
 * every worker thread reads it without locks. */
#ifndef PORTICO_RT_H
#define PORTICO_RT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "gwtypes.h"
#include "keytab.h"
#include "params.h"
#include "period.h"
#include "portico.pb-c.h"
#include "router.h"
#include "strmap.h"
#include "throttle.h"

/* response caching (cache_conf.h, cache.h) */
struct cache;
struct cache_stage_conf;
struct cache_method_conf;

typedef struct {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} rt_kv_t;

typedef struct {
    const rt_kv_t *items;
    size_t n;
} rt_vars_t;

/* A mapping "target <- source" (integration request or response parameters). */
typedef struct {
    params_expr_t target;
    params_expr_t source;
} rt_mapping_t;

/* mapping templates (common/vtl.h) and selection patterns (common/pattern.h),
 * compiled with the snapshot by integ_conf.c */
struct vtl_template;
struct pattern;

typedef struct {
    const char *status_code;
    int status;
    const char *selection_pattern; /* "" for the default response */
    const struct pattern *re;      /* the compiled selection pattern; NULL for the default */
    const rt_mapping_t *params;
    size_t nparams;
    const rt_kv_t *templates;                   /* content type → template source */
    const struct vtl_template *const *compiled; /* templates[i] compiled */
    size_t ntemplates;
    int convert; /* contentHandling: 0 none, RT_CONVERT_TO_TEXT, RT_CONVERT_TO_BINARY */
} rt_int_response_t;

/* HTTP APIs (rt_v2.h) */
struct rt_v2_integ;
struct rt_v2_route;
struct rt_v2_api;

enum rt_integration_type {
    RT_INTEG_MOCK,
    RT_INTEG_HTTP_PROXY,
    RT_INTEG_HTTP,
    RT_INTEG_AWS_PROXY, /* a function, proxy event 1.0 (integ_fn.c) */
    RT_INTEG_AWS,       /* a function, request/response templates (integ_fn.c) */
};
enum rt_passthrough { RT_PASS_WHEN_NO_MATCH, RT_PASS_WHEN_NO_TEMPLATES, RT_PASS_NEVER };
enum { RT_CONVERT_TO_TEXT = 1, RT_CONVERT_TO_BINARY = 2 };

typedef struct {
    enum rt_integration_type type;
    const char *http_method; /* NULL: the client's method (ANY) */
    const char *uri;         /* template: {name} and ${stageVariables.name} */
    size_t uri_len;
    /* HTTP(S): when uri has no placeholder (no '{'), the URL every request
     * would build from it (parsed, its path canonical); else NULL */
    const struct st_h2o_url_t *target;
    uint32_t timeout_ms;
    const rt_mapping_t *request_params;
    size_t nrequest_params;
    const rt_int_response_t *responses;
    size_t nresponses;
    /* request templates by content type (MOCK and HTTP) */
    const rt_kv_t *request_templates;
    const struct vtl_template *const *request_compiled; /* request_templates[i] compiled */
    size_t nrequest_templates;
    enum rt_passthrough passthrough;
    int convert; /* contentHandling, as in rt_int_response_t */
    /* AWS_PROXY and AWS: the function reference of the Lambda invocation
     * URI (fnuri.h), ${stageVariables.x} substituted per request */
    const char *function;
    size_t function_len;
    const struct rt_v2_integ *v2; /* HTTP APIs: parameter mappings (rt_v2.h); NULL for REST */
} rt_integration_t;

/* authorization: compiled in authz_conf.c and gwresp_conf.c */
struct rt_authorizer;
struct rt_gwresp;
struct policy;

enum rt_auth_kind { RT_AUTH_NONE, RT_AUTH_CUSTOM, RT_AUTH_JWT, RT_AUTH_IAM };
/* ---- API keys, usage plans and throttling ---------------------- */

/* A node-wide token bucket: the limit and its state, shared by every worker
 * (the state word lives in the runtime that compiled it and is carried to
 * the next one). */
typedef struct {
    throttle_limit_t limit;
    _Atomic uint64_t *tat;
} rt_limit_t;

/* A stage's methodSettings throttling for one method ("/pets/GET"). */
typedef struct {
    const char *resource_path;
    const char *verb;
    rt_limit_t limit;
} rt_method_limit_t;

/* A usage plan's per-method throttle; each key has its own bucket for it,
 * state word `slot` of the key's membership. */
typedef struct {
    const char *resource_path;
    const char *verb;
    throttle_limit_t limit;
    uint32_t slot;
} rt_plan_method_t;

typedef struct {
    const char *id;
    uint32_t index;
    int has_throttle;
    throttle_limit_t throttle;
    int has_quota;
    enum period_kind period;
    uint64_t quota_limit, quota_offset;
    uint32_t initial_day;
    uint32_t nstate; /* state words per key membership (keytab.h) */
} rt_plan_t;

/* A plan as it serves one stage. */
typedef struct {
    const rt_plan_t *plan;
    const rt_plan_method_t *methods;
    size_t nmethods;
} rt_plan_stage_t;

/* ---- compiled API definitions -------------------------------------------- */

typedef struct {
    const char *verb;
    const char *resource_id;
    const char *resource_path;
    int api_key_required;
    const rt_integration_t *integration; /* NULL: the method answers 500 */
    /* response caching: namespace and cacheKeyParameters */
    const struct cache_method_conf *cache_key;
    /* authorization */
    enum rt_auth_kind auth_kind;
    const struct rt_authorizer *authorizer; /* CUSTOM and JWT */
    const char *const *scopes;              /* JWT authorizationScopes */
    size_t nscopes;
    /* request validation (validate_conf.h); NULL: none */
    const struct rt_validate *validate;
    /* HTTP APIs (rt_v2.h): the route's key and mappings; NULL for REST */
    const struct rt_v2_route *v2;
} rt_method_t;

typedef struct {
    const char *api_id;
    const char *id;
    router_t *router;
    int disable_execute_api_endpoint;
    /* authorization */
    const struct policy *policy; /* the resource policy; NULL when none */
    const struct rt_authorizer *authorizers;
    size_t nauthorizers;
    const struct rt_gwresp *gwresponses[GWT_COUNT]; /* overrides; NULL = default */
    /* API keys: keys come from x-api-key (apiKeySource HEADER) */
    int api_key_from_header;
    /* request validation: the deployment's models (validate_conf.h) */
    struct rt_models *models;
    /* HTTP APIs (rt_v2.h): CORS, the $default route; NULL for REST */
    const struct rt_v2_api *v2;
    /* binaryMediaTypes (core/payload.h); bodies of these types reach functions base64-encoded */
    const char *const *binary_types;
    size_t nbinary_types;
} rt_deployment_t;

/* ---- observability: compiled by observe_conf.c ---- */
enum rt_log_level { RT_LOG_OFF, RT_LOG_ERROR, RT_LOG_INFO };

/* The parts of a method setting the data plane's observability reads. */
typedef struct {
    int metrics_enabled; /* detailed (per resource and method) metrics */
    enum rt_log_level log_level;
    int data_trace; /* execution logs carry headers and the request body */
} rt_obs_setting_t;

/* A stage's access log: the destination (accesslog.h id) and the format's
 * segments (logfmt.h). */
typedef struct {
    int dest;
    const struct rt_log_segment *segs;
    size_t nsegs;
} rt_access_log_t;

struct rt_log_segment {
    int var; /* enum ctxvar, or -1 for literal text */
    const char *text;
    size_t len;
};

typedef struct {
    const char *api_id;
    const char *name;
    const rt_deployment_t *deployment;
    const rt_deployment_t *canary; /* NULL when no canary */
    double canary_percent;
    rt_vars_t variables;
    rt_vars_t canary_variables; /* variables merged with the canary's overrides */
    /* response caching: the settings compiled here; the caches themselves
     * outlive runtimes (cache_registry.h) and are bound by
     * cache_registry_bind before the runtime is handed to workers, never
     * written afterwards. NULL: the stage (or canary) does not cache. */
    const struct cache_stage_conf *cache_conf;
    struct cache *cache;
    struct cache *canary_cache; /* == cache when the canary uses the stage cache */
    /* ---- observability */
    int tracing_enabled;
    const rt_access_log_t *access_log; /* NULL: no access log */
    rt_obs_setting_t obs_default;      /* the stage-wide setting, else the defaults */
    strmap_t *obs_methods;             /* "resourcePath VERB" → rt_obs_setting_t; NULL: none */
    /* throttling and usage plans */
    const rt_limit_t *stage_limit; /* the stage default (every method), NULL when unset */
    const rt_method_limit_t *method_limits;
    size_t nmethod_limits;
    const rt_plan_stage_t *plans; /* usage plans serving this stage */
    size_t nplans;
} rt_stage_t;

typedef struct {
    const char *base_path; /* "" for "(none)" */
    size_t base_path_len;
    const char *api_id;
    const char *stage; /* "" when the client names the stage in the path */
} rt_mapping_route_t;

/* A custom domain: mappings sorted longest base path first. */
typedef struct {
    const rt_mapping_route_t *mappings;
    size_t nmappings;
} rt_domain_t;
/* Something outside the arena that goes with the runtime (a compiled regex). */
typedef struct rt_cleanup {
    struct rt_cleanup *next;
    void (*fn)(void *);
    void *arg;
} rt_cleanup_t;

typedef struct runtime {
    arena_t *arena;
    atomic_uint refs;
    uint64_t version;
    const char *store_id;
    strmap_t *stages; /* "api_id/stage" → rt_stage_t */
    size_t nstages;
    rt_stage_t **stage_list; /* the same stages in snapshot order */
    strmap_t *domains;       /* lower-case host name → rt_domain_t */
    size_t memory;           /* arena bytes, for reports */
    /* authorization */
    strmap_t *jwks;         /* "issuer\njwks_uri" → rt_jwks_t */
    rt_cleanup_t *cleanups; /* run by runtime_release before the arena goes */
    strmap_t *tls_domains;  /* lower-case domain → SSL_CTX (tls_conf.c) */
    strmap_t *iam_keys;     /* "id\ndate\nregion" → rt_iam_key_t (iam_conf.c) */
    uint64_t serial;        /* unique among this process's runtimes (caches key on it) */
    /* functions (fn_conf.c): "name\nqualifier" → fn_entry_t, and every
     * version's pool key */
    strmap_t *functions;
    char **function_keys;
    size_t nfunctions;
    /* API keys, usage plans and throttling. A key delta makes a
     * new runtime_t that copies this struct (so it shares everything above,
     * which lives in root's arena), holds root, and has its own keys. */
    uint64_t epoch;
    const rt_plan_t *plans;
    size_t nplans;
    strmap_t *plans_by_id;
    const keytab_t *keys;
    rt_limit_t account;
    struct runtime *root; /* NULL when compiled from a snapshot */
    strmap_t *v2_apis;    /* HTTP API id → one of its deployments (rt_build_v2.c) */
    /* WebSocket APIs: "api_id/stage" → ws_stage_t (ws_conf.h) */
    strmap_t *ws_stages;
} runtime_t;

const rt_stage_t *runtime_stage(const runtime_t *rt, const char *api_id, size_t api_len,
                                const char *stage, size_t stage_len);

/* The custom domain for a host name (any case, no port), or NULL. */
const rt_domain_t *runtime_domain(const runtime_t *rt, const char *host, size_t len);

/* Value of a variable, or NULL. */
const char *rt_vars_get(const rt_vars_t *vars, const char *name, size_t len, size_t *value_len);

#endif
