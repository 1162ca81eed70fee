/* Unit tests for dataplane/cache_conf.h and cache_registry.h: which requests
 * a stage's method settings cache, cache keys compiled from methods, and how
 * installing runtimes keeps, empties, replaces and drops stage caches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cache.h"
#include "cache_conf.h"
#include "cache_registry.h"
#include "portico.pb-c.h"
#include "runtime.h"

#define GB 1048576 /* bytes per GB of cacheClusterSize in these cases */

/* ---- snapshot builder: api1/d1 with GET /pets (MOCK), stage prod on d1 ------ */

typedef struct {
    arena_t *a;
    Portico__Snapshot *snap;
    Portico__ApiDefinition *def;
    Portico__Resource *pets;
    Portico__Method *get_pets;
    Portico__StageBinding *prod;
} fixture_t;

static void *alloc(fixture_t *f, size_t size)
{
    void *p = arena_alloc(f->a, size);
    assert_non_null(p);
    return p;
}

static void push(fixture_t *f, void *arr_ptr, size_t *n, void *item)
{
    void ***arr = arr_ptr;
    void **bigger = arena_alloc(f->a, sizeof(void *) * (*n + 1));
    assert_non_null(bigger);
    if (*n > 0)
        memcpy(bigger, *arr, sizeof(void *) * *n);
    bigger[(*n)++] = item;
    *arr = bigger;
}

static Portico__Method *add_method(fixture_t *f, Portico__Resource *r, const char *verb)
{
    Portico__Method *m = alloc(f, sizeof(*m));
    portico__method__init(m);
    m->http_method = (char *)verb;
    m->authorization_type = "NONE";
    m->integration = alloc(f, sizeof(*m->integration));
    portico__integration__init(m->integration);
    m->integration->type = "MOCK";
    push(f, &r->methods, &r->n_methods, m);
    return m;
}

static Portico__MethodSetting *add_setting(fixture_t *f, const char *path, const char *verb,
                                           int enabled, uint32_t ttl)
{
    Portico__MethodSetting *ms = alloc(f, sizeof(*ms));
    portico__method_setting__init(ms);
    ms->key = "key";
    ms->resource_path = (char *)path;
    ms->http_method = (char *)verb;
    ms->caching_enabled = enabled;
    ms->cache_ttl_seconds = ttl;
    ms->require_authorization_for_cache_control = 1;
    ms->unauthorized_cache_control_header_strategy = "SUCCEED_WITH_RESPONSE_HEADER";
    push(f, &f->prod->method_settings, &f->prod->n_method_settings, ms);
    return ms;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->a = arena_create(64 * 1024);
    f->snap = alloc(f, sizeof(*f->snap));
    portico__snapshot__init(f->snap);
    f->snap->version = 1;
    f->snap->store_id = "store-1";
    f->def = alloc(f, sizeof(*f->def));
    portico__api_definition__init(f->def);
    f->def->api_id = "api1";
    f->def->deployment_id = "d1";
    push(f, &f->snap->deployments, &f->snap->n_deployments, f->def);
    f->pets = alloc(f, sizeof(*f->pets));
    portico__resource__init(f->pets);
    f->pets->id = "res1";
    f->pets->path = "/pets";
    push(f, &f->def->resources, &f->def->n_resources, f->pets);
    f->get_pets = add_method(f, f->pets, "GET");
    f->prod = alloc(f, sizeof(*f->prod));
    portico__stage_binding__init(f->prod);
    f->prod->api_id = "api1";
    f->prod->stage_name = "prod";
    f->prod->deployment_id = "d1";
    f->prod->cache_cluster_enabled = 1;
    f->prod->cache_cluster_size_gb = 0.5;
    push(f, &f->snap->stages, &f->snap->n_stages, f->prod);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    arena_destroy(f->a);
    free(f);
    return 0;
}

static runtime_t *compile(fixture_t *f, char *err, size_t err_len)
{
    size_t len = portico__snapshot__get_packed_size(f->snap);
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    portico__snapshot__pack(f->snap, buf);
    err[0] = '\0';
    runtime_t *rt = runtime_compile(buf, len, err, err_len);
    free(buf);
    return rt;
}

static runtime_t *compile_ok(fixture_t *f)
{
    char err[256];
    runtime_t *rt = compile(f, err, sizeof(err));
    if (rt == NULL)
        fail_msg("the snapshot was refused: %s", err);
    f->snap->version++;
    return rt;
}

static rt_stage_t *prod_of(runtime_t *rt)
{
    return (rt_stage_t *)runtime_stage(rt, "api1", 4, "prod", 4);
}

static void wake_nothing(cache_waiter_t *w) {}

/* Stores one entry under "k" in c. */
static void put_entry(cache_t *c)
{
    cache_key_t k = {"k", 1, cache_key_hash("k", 1)};
    cache_entry_t *hit = NULL;
    cache_fill_t *fill = NULL;
    assert_int_equal(cache_lookup(c, &k, 1, 1000, 0, &hit, &fill, NULL), CACHE_LEAD);
    cache_response_t res = {200, "OK", NULL, 0, "body", 4};
    cache_fill_finish(c, fill, &res, 1, 1000);
}

static uint64_t entries_of(cache_t *c)
{
    cache_stats_t s;
    cache_stats(c, &s);
    return s.entries;
}

/* ---- which requests are cached ------------------------------------------------ */

static const cache_setting_t *setting(runtime_t *rt, const char *path, const char *method_verb,
                                      const char *req_verb)
{
    return cache_conf_setting(prod_of(rt)->cache_conf, path, method_verb, req_verb,
                              strlen(req_verb));
}

static void stage_wide_setting_caches_get_only(void **state)
{
    fixture_t *f = *state;
    add_setting(f, "*", "*", 1, 300);
    runtime_t *rt = compile_ok(f);
    const cache_setting_t *s = setting(rt, "/pets", "GET", "GET");
    assert_non_null(s);
    assert_int_equal(s->ttl_seconds, 300);
    assert_int_equal(s->strategy, CACHE_CONTROL_SUCCEED_WITH_RESPONSE_HEADER);
    assert_non_null(setting(rt, "/pets/{id}", "ANY", "GET"));
    assert_null(setting(rt, "/pets/{id}", "ANY", "POST"));
    assert_null(setting(rt, "/pets", "POST", "POST"));
    assert_null(setting(rt, "/pets", "HEAD", "HEAD"));
    runtime_release(rt);
}

static void method_setting_overrides_the_stage_wide_one(void **state)
{
    fixture_t *f = *state;
    add_setting(f, "*", "*", 1, 300);
    add_setting(f, "/pets", "GET", 0, 300);
    add_setting(f, "/pets", "POST", 1, 60);
    add_setting(f, "/orders", "GET", 1, 0);
    runtime_t *rt = compile_ok(f);
    assert_null(setting(rt, "/pets", "GET", "GET"));
    const cache_setting_t *post = setting(rt, "/pets", "POST", "POST");
    assert_non_null(post);
    assert_int_equal(post->ttl_seconds, 60);
    assert_null(setting(rt, "/orders", "GET", "GET")); /* TTL 0 is off */
    assert_non_null(setting(rt, "/users", "GET", "GET"));
    runtime_release(rt);
}

static void no_settings_cache_nothing(void **state)
{
    fixture_t *f = *state;
    runtime_t *rt = compile_ok(f);
    assert_null(setting(rt, "/pets", "GET", "GET"));
    runtime_release(rt);
}

static void bad_settings_refused(void **state)
{
    fixture_t *f = *state;
    char err[256];
    Portico__MethodSetting *ms = add_setting(f, "*", "*", 1, 3601);
    assert_null(compile(f, err, sizeof(err)));
    assert_non_null(strstr(err, "TTL"));
    ms->cache_ttl_seconds = 10;
    ms->unauthorized_cache_control_header_strategy = "SOMETIMES";
    assert_null(compile(f, err, sizeof(err)));
    assert_non_null(strstr(err, "strategy"));
}

/* ---- method cache keys --------------------------------------------------------- */

static void method_keys_compiled(void **state)
{
    fixture_t *f = *state;
    static char *params[] = {"method.request.querystring.type", "method.request.header.X-Tenant",
                             "method.request.multivalueheader.Accept"};
    f->get_pets->integration->cache_key_parameters = params;
    f->get_pets->integration->n_cache_key_parameters = 3;
    Portico__Method *post = add_method(f, f->pets, "POST");
    post->integration->cache_namespace = "shared";
    post->api_key_required = 1;
    Portico__Method *put = add_method(f, f->pets, "PUT");
    put->authorization_type = "CUSTOM";
    put->authorizer_id = "auth01";
    Portico__Authorizer *authorizer = alloc(f, sizeof(*authorizer));
    portico__authorizer__init(authorizer);
    authorizer->id = "auth01";
    authorizer->name = "tokens";
    authorizer->type = "TOKEN";
    authorizer->authorizer_uri = "http://127.0.0.1:9/auth";
    authorizer->identity_source = "method.request.header.Authorization";
    authorizer->result_ttl_seconds = 300;
    Portico__Authorizer **list = alloc(f, sizeof(*list));
    list[0] = authorizer;
    f->def->authorizers = list;
    f->def->n_authorizers = 1;
    runtime_t *rt = compile_ok(f);
    router_match_t m;
    const rt_deployment_t *d = prod_of(rt)->deployment;
    assert_int_equal(router_match(d->router, "GET", 3, "/pets", 5, &m), 0);
    const cache_method_conf_t *k = ((const rt_method_t *)m.value)->cache_key;
    assert_memory_equal(k->ns, "res1", 4);
    assert_int_equal(k->nparams, 3);
    assert_int_equal(k->params[0].loc, PARAMS_LOC_QUERYSTRING);
    assert_memory_equal(k->params[1].name, "X-Tenant", 8);
    assert_int_equal(k->params[2].loc, PARAMS_LOC_MULTIVALUEHEADER);
    assert_false(k->caller_authorized);
    assert_int_equal(router_match(d->router, "POST", 4, "/pets", 5, &m), 0);
    k = ((const rt_method_t *)m.value)->cache_key;
    assert_memory_equal(k->ns, "shared", 6);
    assert_true(k->caller_authorized);
    assert_int_equal(router_match(d->router, "PUT", 3, "/pets", 5, &m), 0);
    assert_true(((const rt_method_t *)m.value)->cache_key->caller_authorized);
    runtime_release(rt);
}

static void bad_cache_key_parameter_refused(void **state)
{
    fixture_t *f = *state;
    static char *params[] = {"querystring.type"};
    f->get_pets->integration->cache_key_parameters = params;
    f->get_pets->integration->n_cache_key_parameters = 1;
    char err[256];
    assert_null(compile(f, err, sizeof(err)));
    assert_non_null(strstr(err, "cache key parameter"));
}

/* ---- the registry ------------------------------------------------------------- */

static void same_settings_keep_the_cache(void **state)
{
    fixture_t *f = *state;
    cache_registry_t *reg = cache_registry_create(GB, wake_nothing);
    runtime_t *rt1 = compile_ok(f);
    cache_registry_bind(reg, rt1);
    cache_t *c = prod_of(rt1)->cache;
    assert_non_null(c);
    assert_int_equal(cache_capacity(c), GB / 2);
    assert_null(prod_of(rt1)->canary_cache);
    put_entry(c);
    runtime_t *rt2 = compile_ok(f); /* a new version, nothing changed for prod */
    cache_registry_bind(reg, rt2);
    runtime_release(rt1);
    assert_ptr_equal(prod_of(rt2)->cache, c);
    assert_int_equal(entries_of(c), 1);
    Portico__CacheStats **stats;
    size_t n;
    cache_registry_stats(reg, &stats, &n);
    assert_int_equal(n, 1);
    assert_string_equal(stats[0]->stage_name, "prod");
    assert_int_equal(stats[0]->entries, 1);
    assert_int_equal(stats[0]->capacity_bytes, GB / 2);
    runtime_release(rt2);
    cache_registry_destroy(reg);
}

static void new_flush_generation_empties_the_cache(void **state)
{
    fixture_t *f = *state;
    cache_registry_t *reg = cache_registry_create(GB, wake_nothing);
    runtime_t *rt1 = compile_ok(f);
    cache_registry_bind(reg, rt1);
    cache_t *c = prod_of(rt1)->cache;
    put_entry(c);
    f->prod->cache_flush_generation = 42;
    runtime_t *rt2 = compile_ok(f);
    cache_registry_bind(reg, rt2);
    assert_ptr_equal(prod_of(rt2)->cache, c);
    assert_int_equal(entries_of(c), 0); /* emptied as soon as the runtime is bound */
    put_entry(c);
    f->snap->store_id = "store-2"; /* the control plane's database was replaced */
    runtime_t *rt3 = compile_ok(f);
    cache_registry_bind(reg, rt3);
    assert_int_equal(entries_of(c), 0);
    runtime_release(rt1);
    runtime_release(rt2);
    runtime_release(rt3);
    cache_registry_destroy(reg);
}

static void new_size_makes_a_new_cache(void **state)
{
    fixture_t *f = *state;
    cache_registry_t *reg = cache_registry_create(GB, wake_nothing);
    runtime_t *rt1 = compile_ok(f);
    cache_registry_bind(reg, rt1);
    cache_t *c = prod_of(rt1)->cache;
    put_entry(c);
    f->prod->cache_cluster_size_gb = 1.6;
    runtime_t *rt2 = compile_ok(f);
    cache_registry_bind(reg, rt2);
    assert_ptr_not_equal(prod_of(rt2)->cache, c);
    assert_int_equal(cache_capacity(prod_of(rt2)->cache), (size_t)(1.6 * GB));
    assert_int_equal(entries_of(c), 0); /* the old one, still held by rt1, is emptied */
    runtime_release(rt1);
    runtime_release(rt2);
    cache_registry_destroy(reg);
}

static void disabled_or_gone_stages_drop_their_cache(void **state)
{
    fixture_t *f = *state;
    cache_registry_t *reg = cache_registry_create(GB, wake_nothing);
    runtime_t *rt1 = compile_ok(f);
    cache_registry_bind(reg, rt1);
    f->prod->cache_cluster_enabled = 0;
    runtime_t *rt2 = compile_ok(f);
    cache_registry_bind(reg, rt2);
    assert_null(prod_of(rt2)->cache);
    Portico__CacheStats **stats;
    size_t n;
    cache_registry_stats(reg, &stats, &n);
    assert_int_equal(n, 0);
    runtime_release(rt2);
    runtime_release(rt1); /* the last reference on the old cache */
    cache_registry_destroy(reg);
}

static void canary_own_or_shared_cache(void **state)
{
    fixture_t *f = *state;
    Portico__Canary *canary = alloc(f, sizeof(*canary));
    portico__canary__init(canary);
    canary->deployment_id = "d1";
    canary->percent_traffic = 50;
    f->prod->canary = canary;
    cache_registry_t *reg = cache_registry_create(GB, wake_nothing);
    runtime_t *rt1 = compile_ok(f);
    cache_registry_bind(reg, rt1);
    rt_stage_t *s = prod_of(rt1);
    assert_non_null(s->canary_cache);
    assert_ptr_not_equal(s->canary_cache, s->cache);
    canary->use_stage_cache = 1;
    runtime_t *rt2 = compile_ok(f);
    cache_registry_bind(reg, rt2);
    assert_ptr_equal(prod_of(rt2)->canary_cache, prod_of(rt2)->cache);
    assert_ptr_equal(prod_of(rt2)->cache, s->cache);
    Portico__CacheStats **stats;
    size_t n;
    cache_registry_stats(reg, &stats, &n);
    assert_int_equal(n, 1);
    runtime_release(rt1);
    runtime_release(rt2);
    cache_registry_destroy(reg);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CASE(stage_wide_setting_caches_get_only),
        CASE(method_setting_overrides_the_stage_wide_one),
        CASE(no_settings_cache_nothing),
        CASE(bad_settings_refused),
        CASE(method_keys_compiled),
        CASE(bad_cache_key_parameter_refused),
        CASE(same_settings_keep_the_cache),
        CASE(new_flush_generation_empties_the_cache),
        CASE(new_size_makes_a_new_cache),
        CASE(disabled_or_gone_stages_drop_their_cache),
        CASE(canary_own_or_shared_cache),
    };
    return cmocka_run_group_tests_name("cache_conf", tests, NULL, NULL);
}
