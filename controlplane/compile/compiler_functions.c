/* compiler_functions: stored version documents (FunctionConfiguration JSON)
 * into FunctionVersion messages (compiler_functions.h). */
#include "compiler_functions.h"

#include <stdlib.h>
#include <string.h>

#include "store_function.h"

typedef struct {
    arena_t *a;
    Portico__FunctionVersion **versions;
    size_t nversions, cap_versions;
    Portico__FunctionAlias **aliases;
    size_t naliases, cap_aliases;
} fn_ctx_t;

static int fn_grow(arena_t *a, void ***arr, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap != 0 ? *cap * 2 : 16;
    void **bigger = arena_alloc(a, sizeof(void *) * ncap);
    if (bigger == NULL)
        return -1;
    if (n > 0)
        memcpy(bigger, *arr, sizeof(void *) * n);
    *arr = bigger;
    *cap = ncap;
    return 0;
}

static char *fn_str(arena_t *a, json_t *doc, const char *key)
{
    const char *v = json_string_value(json_object_get(doc, key));
    return arena_strdup(a, v != NULL ? v : "");
}

/* The function's unqualified ARN: a published version's FunctionArn ends with ":N". */
static char *fn_unqualified_arn(arena_t *a, json_t *doc)
{
    char *arn = fn_str(a, doc, "FunctionArn");
    char *fn = strstr(arn, ":function:");
    char *q = fn != NULL ? strchr(fn + 10, ':') : NULL;
    if (q != NULL)
        *q = '\0';
    return arn;
}

static int fn_env(arena_t *a, json_t *doc, Portico__FunctionVersion *v)
{
    json_t *vars = json_object_get(json_object_get(doc, "Environment"), "Variables"), *val;
    const char *k;
    size_t n = json_object_size(vars), i = 0;
    if (n == 0)
        return 0;
    v->environment = arena_alloc(a, sizeof(*v->environment) * n);
    if (v->environment == NULL)
        return -1;
    json_object_foreach(vars, k, val)
    {
        Portico__KeyValue *kv = arena_alloc(a, sizeof(*kv));
        if (kv == NULL)
            return -1;
        portico__key_value__init(kv);
        kv->key = arena_strdup(a, k);
        kv->value = arena_strdup(a, json_string_value(val) != NULL ? json_string_value(val) : "");
        v->environment[i++] = kv;
    }
    v->n_environment = i;
    return 0;
}

static int fn_on_version(void *ctx, json_t *doc, const uint8_t *sha256, int reserved)
{
    fn_ctx_t *x = ctx;
    Portico__FunctionVersion *v = arena_alloc(x->a, sizeof(*v));
    if (v == NULL || fn_grow(x->a, (void ***)&x->versions, x->nversions, &x->cap_versions) != 0)
        return -1;
    portico__function_version__init(v);
    v->name = fn_str(x->a, doc, "FunctionName");
    v->version = fn_str(x->a, doc, "Version");
    v->arn = fn_unqualified_arn(x->a, doc);
    v->runtime = fn_str(x->a, doc, "Runtime");
    v->handler = fn_str(x->a, doc, "Handler");
    v->timeout_s = (uint32_t)json_integer_value(json_object_get(doc, "Timeout"));
    v->memory_mb = (uint32_t)json_integer_value(json_object_get(doc, "MemorySize"));
    if (sha256 != NULL) {
        uint8_t *copy = arena_alloc(x->a, 32);
        if (copy == NULL)
            return -1;
        memcpy(copy, sha256, 32);
        v->code_sha256.data = copy;
        v->code_sha256.len = 32;
    }
    v->code_size = (uint64_t)json_integer_value(json_object_get(doc, "CodeSize"));
    v->reserved_concurrency = reserved;
    v->revision_id = fn_str(x->a, doc, "RevisionId");
    v->remote_endpoint = fn_str(x->a, doc, STORE_FN_DOC_REMOTE);
    if (fn_env(x->a, doc, v) != 0)
        return -1;
    x->versions[x->nversions++] = v;
    return 0;
}

static int fn_on_alias(void *ctx, const char *name, const char *alias, const char *version)
{
    fn_ctx_t *x = ctx;
    Portico__FunctionAlias *al = arena_alloc(x->a, sizeof(*al));
    if (al == NULL || fn_grow(x->a, (void ***)&x->aliases, x->naliases, &x->cap_aliases) != 0)
        return -1;
    portico__function_alias__init(al);
    al->function_name = arena_strdup(x->a, name);
    al->name = arena_strdup(x->a, alias);
    al->function_version = arena_strdup(x->a, version);
    x->aliases[x->naliases++] = al;
    return 0;
}

int compiler_functions_add(store_t *s, arena_t *a, Portico__Snapshot *snap)
{
    fn_ctx_t x = {.a = a};
    int rc = store_fn_visit_all(s, fn_on_version, fn_on_alias, &x);
    if (rc != STORE_OK)
        return rc;
    snap->functions = x.versions;
    snap->n_functions = x.nversions;
    snap->function_aliases = x.aliases;
    snap->n_function_aliases = x.naliases;
    return STORE_OK;
}
