/* runtime: compile = decode into the arena, validate everything a request
 * could trip over, and precompute what can be (routers, compiled templates
 * and patterns: integ_conf.c). A snapshot that fails any check is refused whole. */
#include "runtime.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_conf.h"
#include "cache_registry.h"
#include "fn_conf.h"
#include "authz_conf.h"
#include "gwresp_conf.h"
#include "integ_conf.h"
#include "observe_conf.h"
#include "iam_conf.h"
#include "keys_conf.h"
#include "rt_build.h"
#include "rt_build_v2.h"
#include "ws_conf.h"
#include "tls_conf.h"
#include "validate_conf.h"

#define RUNTIME_ARENA_CHUNK (1024 * 1024)

typedef struct {
    runtime_t *rt;
    arena_t *a;
    strmap_t *deployments; /* "api/deployment" → rt_deployment_t */
    char *err;
    size_t err_len;
} compile_t;

static int fail(compile_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(compile_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static rt_build_t build_of(compile_t *c)
{
    return (rt_build_t){c->rt, c->a, c->err, c->err_len};
}

static const char *const rt_verbs[] = {"GET",  "POST",    "PUT", "PATCH", "DELETE",
                                       "HEAD", "OPTIONS", "ANY", NULL};

static int verb_ok(const char *v)
{
    for (const char *const *p = rt_verbs; *p != NULL; p++)
        if (strcmp(*p, v) == 0)
            return 1;
    return 0;
}

static rt_vars_t compile_vars(compile_t *c, Portico__KeyValue **kv, size_t n)
{
    rt_kv_t *items = arena_alloc(c->a, sizeof(*items) * (n + 1));
    for (size_t i = 0; i < n; i++)
        items[i] = (rt_kv_t){kv[i]->key, strlen(kv[i]->key), kv[i]->value, strlen(kv[i]->value)};
    return (rt_vars_t){items, n};
}

/* Stage variables overlaid with the canary's overrides. */
static rt_vars_t compile_merged_vars(compile_t *c, rt_vars_t base, Portico__KeyValue **kv, size_t n)
{
    rt_kv_t *items = arena_alloc(c->a, sizeof(*items) * (base.n + n + 1));
    size_t count = 0;
    for (size_t i = 0; i < base.n; i++) {
        int overridden = 0;
        for (size_t k = 0; k < n && !overridden; k++)
            overridden = strcmp(kv[k]->key, base.items[i].key) == 0;
        if (!overridden)
            items[count++] = base.items[i];
    }
    for (size_t k = 0; k < n; k++)
        items[count++] =
            (rt_kv_t){kv[k]->key, strlen(kv[k]->key), kv[k]->value, strlen(kv[k]->value)};
    return (rt_vars_t){items, count};
}

/* ---- deployments -------------------------------------------------------- */

static int compile_method(compile_t *c, rt_deployment_t *d, Portico__Resource *res,
                          Portico__Method *m)
{
    if (!verb_ok(m->http_method))
        return fail(c, "deployment %s: invalid method %s", d->id, m->http_method);
    rt_method_t *rm = arena_alloc(c->a, sizeof(*rm));
    rm->verb = m->http_method;
    rm->resource_id = res->id;
    rm->resource_path = res->path;
    rm->api_key_required = m->api_key_required;
    if (cache_conf_method(c->a, res, m, &rm->cache_key, c->err, c->err_len) != 0)
        return -1;
    rt_build_t b = build_of(c);
    if (authz_conf_method(&b, d, m, rm) != 0 ||
        validate_conf_method(c->a, d->models, m, &rm->validate, c->err, c->err_len) != 0)
        return -1;
    if (m->integration != NULL) {
        rm->integration = integ_conf_integration(&b, m->integration);
        if (rm->integration == NULL)
            return -1;
    }
    if (router_add(d->router, res->path, m->http_method, rm) != 0)
        return fail(c, "deployment %s: invalid or duplicate route %s %s", d->id, m->http_method,
                    res->path);
    return 0;
}

static int compile_deployment(compile_t *c, Portico__ApiDefinition *def)
{
    if (def->api_id[0] == '\0' || def->deployment_id[0] == '\0')
        return fail(c, "a deployment lacks its identifiers");
    rt_deployment_t *d = arena_alloc(c->a, sizeof(*d));
    d->api_id = def->api_id;
    d->id = def->deployment_id;
    d->router = router_create(c->a);
    d->disable_execute_api_endpoint = def->disable_execute_api_endpoint;
    d->api_key_from_header = strcmp(def->api_key_source, "AUTHORIZER") != 0;
    d->binary_types = (const char *const *)def->binary_media_types;
    d->nbinary_types = def->n_binary_media_types;
    rt_build_t b = build_of(c);
    if (authz_conf_deployment(&b, d, def) != 0 || gwresp_conf_deployment(&b, d, def) != 0 ||
        validate_conf_deployment(c->a, def, &d->models, c->err, c->err_len) != 0)
        return -1;
    for (size_t i = 0; i < def->n_resources; i++) {
        Portico__Resource *res = def->resources[i];
        if (res->path[0] != '/')
            return fail(c, "deployment %s: invalid resource path %s", d->id, res->path);
        for (size_t k = 0; k < res->n_methods; k++)
            if (compile_method(c, d, res, res->methods[k]) != 0)
                return -1;
    }
    router_seal(d->router);
    char key[256];
    int n = snprintf(key, sizeof(key), "%s/%s", d->api_id, d->id);
    if (n >= (int)sizeof(key) || strmap_get(c->deployments, key, (size_t)n) != NULL)
        return fail(c, "duplicate deployment %s", key);
    return strmap_put(c->deployments, key, (size_t)n, d) == 0 ? 0 : fail(c, "out of memory");
}

/* ---- stages ------------------------------------------------------------- */

static const rt_deployment_t *find_deployment(compile_t *c, const char *api_id, const char *id)
{
    char key[256];
    int n = snprintf(key, sizeof(key), "%s/%s", api_id, id);
    return n < (int)sizeof(key) ? strmap_get(c->deployments, key, (size_t)n) : NULL;
}

static int compile_stage(compile_t *c, Portico__StageBinding *b)
{
    if (b->api_id[0] == '\0' || b->stage_name[0] == '\0')
        return fail(c, "a stage lacks its identifiers");
    rt_stage_t *s = arena_alloc(c->a, sizeof(*s));
    s->api_id = b->api_id;
    s->name = b->stage_name;
    s->deployment = find_deployment(c, b->api_id, b->deployment_id);
    if (s->deployment == NULL)
        return fail(c, "stage %s/%s: deployment %s missing", b->api_id, b->stage_name,
                    b->deployment_id);
    s->variables = compile_vars(c, b->variables, b->n_variables);
    s->canary_variables = s->variables;
    if (b->canary != NULL) {
        if (!(b->canary->percent_traffic >= 0 && b->canary->percent_traffic <= 100))
            return fail(c, "stage %s/%s: canary percentage out of range", b->api_id, b->stage_name);
        s->canary = find_deployment(c, b->api_id, b->canary->deployment_id);
        if (s->canary == NULL)
            return fail(c, "stage %s/%s: canary deployment %s missing", b->api_id, b->stage_name,
                        b->canary->deployment_id);
        s->canary_percent = b->canary->percent_traffic;
        s->canary_variables =
            compile_merged_vars(c, s->variables, b->canary->stage_variable_overrides,
                                b->canary->n_stage_variable_overrides);
    }
    if (cache_conf_stage(c->a, b, &s->cache_conf, c->err, c->err_len) != 0)
        return -1;
    if (observe_conf_stage(c->a, b, s, c->err, c->err_len) != 0)
        return -1;
    char key[512];
    int n = snprintf(key, sizeof(key), "%s/%s", b->api_id, b->stage_name);
    if (n >= (int)sizeof(key) || strmap_get(c->rt->stages, key, (size_t)n) != NULL)
        return fail(c, "duplicate stage %s", key);
    c->rt->stage_list[c->rt->nstages++] = s;
    return strmap_put(c->rt->stages, key, (size_t)n, s) == 0 ? 0 : fail(c, "out of memory");
}

/* ---- custom domains -------------------------------------------------------- */

static int mapping_longer_first(const void *a, const void *b)
{
    const rt_mapping_route_t *x = a, *y = b;
    return (x->base_path_len < y->base_path_len) - (x->base_path_len > y->base_path_len);
}

static int compile_domain(compile_t *c, Portico__DomainName *d)
{
    size_t len = strlen(d->name);
    if (len == 0 || len > 253)
        return fail(c, "invalid domain name %s", d->name);
    rt_mapping_route_t *ms = arena_alloc(c->a, sizeof(*ms) * (d->n_mappings + 1));
    for (size_t i = 0; i < d->n_mappings; i++) {
        Portico__BasePathMapping *m = d->mappings[i];
        if (m->api_id[0] == '\0' || m->base_path[0] == '/')
            return fail(c, "domain %s: invalid base path mapping %s", d->name, m->base_path);
        ms[i] = (rt_mapping_route_t){m->base_path, strlen(m->base_path), m->api_id, m->stage};
    }
    qsort(ms, d->n_mappings, sizeof(*ms), mapping_longer_first);
    rt_domain_t *dom = arena_alloc(c->a, sizeof(*dom));
    dom->mappings = ms;
    dom->nmappings = d->n_mappings;
    char *lower = arena_strndup(c->a, d->name, len);
    for (size_t i = 0; i < len; i++)
        lower[i] = (char)tolower((unsigned char)lower[i]);
    if (strmap_get(c->rt->domains, lower, len) != NULL)
        return fail(c, "duplicate domain %s", d->name);
    return strmap_put(c->rt->domains, lower, len, dom) == 0 ? 0 : fail(c, "out of memory");
}

runtime_t *runtime_compile(const uint8_t *payload, size_t len, char *err, size_t err_len)
{
    return runtime_compile_from(payload, len, NULL, err, err_len);
}

runtime_t *runtime_compile_from(const uint8_t *payload, size_t len, const runtime_t *prev,
                                char *err, size_t err_len)
{
    arena_t *a = arena_create(RUNTIME_ARENA_CHUNK);
    if (a == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    runtime_t *rt = arena_alloc(a, sizeof(*rt));
    compile_t c = {.rt = rt, .a = a, .err = err, .err_len = err_len};
    ProtobufCAllocator alloc = arena_protobuf_allocator(a);
    Portico__Snapshot *snap = portico__snapshot__unpack(&alloc, len, payload);
    if (snap == NULL) {
        fail(&c, "the snapshot does not decode");
        goto fail;
    }
    rt->arena = a;
    atomic_init(&rt->refs, 1);
    rt->version = snap->version;
    rt->store_id = snap->store_id;
    rt_build_t b = build_of(&c);
    /* HTTP API stages join the REST ones (rt_build_v2.h) */
    if (rt_build_v2_stages(&b, snap) != 0)
        goto fail;
    c.deployments = strmap_create(a, snap->n_deployments + snap->n_v2_deployments);
    rt->stages = strmap_create(a, snap->n_stages);
    rt->stage_list = arena_alloc(a, sizeof(*rt->stage_list) * (snap->n_stages + 1));
    if (authz_conf_jwks(&b, snap) != 0 || tls_conf_domains(&b, snap) != 0 ||
        iam_conf_keys(&b, snap) != 0 || fn_conf_compile(&b, snap) != 0)
        goto fail;
    for (size_t i = 0; i < snap->n_deployments; i++)
        if (compile_deployment(&c, snap->deployments[i]) != 0)
            goto fail;
    if (rt_build_v2_deployments(&b, snap, c.deployments) != 0)
        goto fail;
    for (size_t i = 0; i < snap->n_stages; i++)
        if (compile_stage(&c, snap->stages[i]) != 0)
            goto fail;
    rt->domains = strmap_create(a, snap->n_domains);
    for (size_t i = 0; i < snap->n_domains; i++)
        if (compile_domain(&c, snap->domains[i]) != 0)
            goto fail;
    if (ws_conf_compile(&b, snap) != 0)
        goto fail;
    if (keys_conf_compile(rt, a, snap, prev, err, err_len) != 0)
        goto fail;
    rt->memory = arena_used(a);
    static atomic_uint_fast64_t serials;
    rt->serial = atomic_fetch_add(&serials, 1) + 1;
    return rt;
fail:
    rt_build_run_cleanups(rt);
    arena_destroy(a);
    return NULL;
}

void runtime_hold(runtime_t *rt)
{
    atomic_fetch_add_explicit(&rt->refs, 1, memory_order_relaxed);
}

void runtime_release(runtime_t *rt)
{
    if (rt != NULL && atomic_fetch_sub_explicit(&rt->refs, 1, memory_order_acq_rel) == 1) {
        runtime_t *root = rt->root;
        if (root == NULL) {
            cache_registry_unbind(rt);
            rt_build_run_cleanups(rt);
        }
        /* a key delta's runtime shares root's config, caches and cleanups */
        arena_destroy(rt->arena);
        runtime_release(root);
    }
}

runtime_t *runtime_apply_delta(const runtime_t *rt, const Portico__KeyDelta *delta, char *err,
                               size_t err_len)
{
    arena_t *a = arena_create(RUNTIME_ARENA_CHUNK);
    if (a == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    runtime_t *next = arena_alloc(a, sizeof(*next));
    *next = *rt; /* everything but the keys is shared with the root */
    next->arena = a;
    atomic_init(&next->refs, 1);
    next->root = rt->root != NULL ? rt->root : (runtime_t *)rt;
    if (keys_conf_derive(next, a, rt, delta, err, err_len) != 0) {
        arena_destroy(a);
        return NULL;
    }
    runtime_hold(next->root);
    next->version = delta->version;
    next->memory = arena_used(a);
    return next;
}
