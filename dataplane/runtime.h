/* runtime: a snapshot compiled into the immutable structure requests run
 * against — stages by (api, name), each deployment's router, methods with
 * their integrations prepared (URI templates split, mappings parsed, response
 * selection compiled). Everything lives in one arena and is freed when the
 * last reference goes (runtime_release); nothing in it changes after
 * runtime_compile returns, so every worker thread reads it without locks. */
#ifndef PORTICO_RUNTIME_H
#define PORTICO_RUNTIME_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "keytab.h"
#include "params.h"
#include "period.h"
#include "portico.pb-c.h"
#include "router.h"
#include "strmap.h"
#include "throttle.h"

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

typedef struct {
    const char *status_code;
    int status;
    const char *selection_pattern; /* "" for the default response */
    const rt_mapping_t *params;
    size_t nparams;
    const rt_kv_t *templates; /* content type → static body */
    size_t ntemplates;
} rt_int_response_t;

enum rt_integration_type { RT_INTEG_MOCK, RT_INTEG_HTTP_PROXY };

typedef struct {
    enum rt_integration_type type;
    const char *http_method; /* NULL: the client's method (ANY) */
    const char *uri;         /* template: {name} and ${stageVariables.name} */
    size_t uri_len;
    uint32_t timeout_ms;
    const rt_mapping_t *request_params;
    size_t nrequest_params;
    const rt_int_response_t *responses;
    size_t nresponses;
    /* MOCK: the response is fixed by the request template's statusCode, so it
     * is selected once here; NULL means none matches (a configuration error). */
    const rt_int_response_t *mock_response;
} rt_integration_t;

/* ---- API keys, usage plans and throttling (issue 4) ---------------------- */

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
} rt_method_t;

typedef struct {
    const char *api_id;
    const char *id;
    router_t *router;
    int disable_execute_api_endpoint;
    /* API keys (issue 4): keys come from x-api-key (apiKeySource HEADER) */
    int api_key_from_header;
} rt_deployment_t;

typedef struct {
    const char *api_id;
    const char *name;
    const rt_deployment_t *deployment;
    const rt_deployment_t *canary; /* NULL when no canary */
    double canary_percent;
    rt_vars_t variables;
    rt_vars_t canary_variables; /* variables merged with the canary's overrides */
    /* throttling and usage plans (issue 4) */
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

typedef struct runtime {
    arena_t *arena;
    atomic_uint refs;
    uint64_t version;
    const char *store_id;
    strmap_t *stages; /* "api_id/stage" → rt_stage_t */
    size_t nstages;
    strmap_t *domains; /* lower-case host name → rt_domain_t */
    size_t memory;     /* arena bytes, for reports */
    /* API keys, usage plans and throttling (issue 4). A key delta makes a
     * new runtime_t that copies this struct (so it shares everything above,
     * which lives in root's arena), holds root, and has its own keys. */
    uint64_t epoch;
    const rt_plan_t *plans;
    size_t nplans;
    strmap_t *plans_by_id;
    const keytab_t *keys;
    rt_limit_t account;
    struct runtime *root; /* NULL when compiled from a snapshot */
} runtime_t;

/* Decodes and compiles a Snapshot payload. On failure returns NULL with a
 * reason in err (the caller NACKs that version). The result holds one
 * reference. */
runtime_t *runtime_compile(const uint8_t *payload, size_t len, char *err, size_t err_len);

/* The same, carrying limiter state (buckets, quota counters) from prev,
 * the runtime being replaced (may be NULL). */
runtime_t *runtime_compile_from(const uint8_t *payload, size_t len, const runtime_t *prev,
                                char *err, size_t err_len);

/* A runtime for a KeyDelta on top of rt (issue 4); NULL with err when the
 * delta does not apply or is malformed. The result holds one reference. */
runtime_t *runtime_apply_delta(const runtime_t *rt, const Portico__KeyDelta *delta, char *err,
                               size_t err_len);

void runtime_hold(runtime_t *rt);
void runtime_release(runtime_t *rt);

const rt_stage_t *runtime_stage(const runtime_t *rt, const char *api_id, size_t api_len,
                                const char *stage, size_t stage_len);

/* The custom domain for a host name (any case, no port), or NULL. */
const rt_domain_t *runtime_domain(const runtime_t *rt, const char *host, size_t len);

/* Value of a variable, or NULL. */
const char *rt_vars_get(const rt_vars_t *vars, const char *name, size_t len, size_t *value_len);

#endif
