/* validate_conf: a deployment's models are compiled lazily, each once, the
 * first time a validating method names one; a model's "$ref" to another
 * model (its URL form) is answered from the same deployment's models, so a
 * deployment only ever sees the models frozen with it. */
#include "validate_conf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modelurl.h"

struct rt_models {
    const Portico__ApiDefinition *def;
    const jsonschema_t **compiled; /* by index in def->models; NULL until needed */
};

/* What a compile needs: the arena and where a failure's reason goes. */
typedef struct {
    arena_t *a;
    char *err;
    size_t err_len;
} vbuild_t;

static int fail(vbuild_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(vbuild_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, b->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

int validate_conf_deployment(arena_t *a, const Portico__ApiDefinition *def, struct rt_models **out,
                             char *err, size_t err_len)
{
    vbuild_t vb = {a, err, err_len}, *b = &vb;
    struct rt_models *ms = arena_alloc(b->a, sizeof(*ms));
    if (ms == NULL)
        return fail(b, "out of memory");
    ms->def = def;
    ms->compiled = arena_alloc(b->a, sizeof(*ms->compiled) * (def->n_models + 1));
    if (ms->compiled == NULL)
        return fail(b, "out of memory");
    *out = ms;
    return 0;
}

static long model_index(const Portico__ApiDefinition *def, const char *name)
{
    for (size_t i = 0; i < def->n_models; i++)
        if (strcmp(def->models[i]->name, name) == 0)
            return (long)i;
    return -1;
}

static json_t *resolve_model(void *arg, const char *uri)
{
    const Portico__ApiDefinition *def = arg;
    const char *name = modelurl_name(uri, def->api_id);
    long i = name != NULL ? model_index(def, name) : -1;
    return i >= 0 ? json_loads(def->models[i]->schema, JSON_ALLOW_NUL, NULL) : NULL;
}

static const jsonschema_t *model_schema(vbuild_t *b, struct rt_models *ms, const char *name)
{
    long i = model_index(ms->def, name);
    if (i < 0) {
        fail(b, "deployment %s: unknown model %s", ms->def->deployment_id, name);
        return NULL;
    }
    if (ms->compiled[i] != NULL)
        return ms->compiled[i];
    char url[512], err[512];
    json_error_t jerr;
    json_t *schema = json_loads(ms->def->models[i]->schema, JSON_ALLOW_NUL, &jerr);
    if (schema == NULL) {
        fail(b, "model %s: %s", name, jerr.text);
        return NULL;
    }
    int rc = modelurl_format(url, sizeof(url), ms->def->api_id, name) == 0
                 ? jsonschema_compile(b->a, schema, url, resolve_model, (void *)ms->def,
                                      &ms->compiled[i], err, sizeof(err))
                 : (snprintf(err, sizeof(err), "name too long"), -1);
    json_decref(schema);
    if (rc != 0) {
        fail(b, "model %s: %s", name, err);
        return NULL;
    }
    return ms->compiled[i];
}

static const Portico__RequestValidator *find_validator(const Portico__ApiDefinition *def,
                                                       const char *id)
{
    for (size_t i = 0; i < def->n_request_validators; i++)
        if (strcmp(def->request_validators[i]->id, id) == 0)
            return def->request_validators[i];
    return NULL;
}

static int flag_cmp(const void *a, const void *b)
{
    return strcmp((*(Portico__ParamFlag *const *)a)->name, (*(Portico__ParamFlag *const *)b)->name);
}

static int compile_required(vbuild_t *b, const Portico__Method *m, rt_validate_t *v)
{
    Portico__ParamFlag **flags = arena_alloc(b->a, sizeof(*flags) * (m->n_request_parameters + 1));
    rt_required_param_t *req = arena_alloc(b->a, sizeof(*req) * (m->n_request_parameters + 1));
    if (flags == NULL || req == NULL)
        return fail(b, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < m->n_request_parameters; i++)
        if (m->request_parameters[i]->required)
            flags[n++] = m->request_parameters[i];
    qsort(flags, n, sizeof(*flags), flag_cmp);
    for (size_t i = 0; i < n; i++) {
        params_expr_t e;
        if (params_parse_source(flags[i]->name, &e) != 0 || e.kind != PARAMS_SRC_METHOD_REQUEST ||
            e.loc == PARAMS_LOC_BODY || e.loc == PARAMS_LOC_NONE)
            return fail(b, "invalid request parameter %s", flags[i]->name);
        req[i] = (rt_required_param_t){e.loc, e.name, e.name_len};
    }
    v->required = req;
    v->nrequired = n;
    return 0;
}

static int compile_models(vbuild_t *b, struct rt_models *ms, const Portico__Method *m,
                          rt_validate_t *v)
{
    rt_body_model_t *bm = arena_alloc(b->a, sizeof(*bm) * (m->n_request_models + 1));
    if (bm == NULL)
        return fail(b, "out of memory");
    for (size_t i = 0; i < m->n_request_models; i++) {
        bm[i].content_type = m->request_models[i]->key;
        bm[i].len = strlen(bm[i].content_type);
        bm[i].schema = model_schema(b, ms, m->request_models[i]->value);
        if (bm[i].schema == NULL)
            return -1;
    }
    v->models = bm;
    v->nmodels = m->n_request_models;
    return 0;
}

int validate_conf_method(arena_t *a, struct rt_models *ms, const Portico__Method *m,
                         const struct rt_validate **out, char *err, size_t err_len)
{
    vbuild_t vb = {a, err, err_len}, *b = &vb;
    *out = NULL;
    if (m->request_validator_id[0] == '\0')
        return 0;
    const Portico__RequestValidator *pv = find_validator(ms->def, m->request_validator_id);
    if (pv == NULL)
        return fail(b, "deployment %s: unknown request validator %s", ms->def->deployment_id,
                    m->request_validator_id);
    if (!pv->validate_request_body && !pv->validate_request_parameters)
        return 0;
    rt_validate_t *v = arena_alloc(b->a, sizeof(*v));
    if (v == NULL)
        return fail(b, "out of memory");
    v->params = pv->validate_request_parameters;
    v->body = pv->validate_request_body;
    if ((v->params && compile_required(b, m, v) != 0) ||
        (v->body && compile_models(b, ms, m, v) != 0))
        return -1;
    *out = v;
    return 0;
}

const jsonschema_t *validate_conf_model(const rt_validate_t *v, const char *type, size_t len)
{
    const jsonschema_t *fallback = NULL;
    for (size_t i = 0; i < v->nmodels; i++) {
        const rt_body_model_t *m = &v->models[i];
        if (m->len == len && strncasecmp(m->content_type, type, len) == 0)
            return m->schema;
        if (strcmp(m->content_type, "$default") == 0)
            fallback = m->schema;
    }
    return fallback;
}
