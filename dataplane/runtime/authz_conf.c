/* authz_conf: everything is checked again here (the snapshot is refused
 * whole if anything is off), so a data plane never trusts what it did not
 * validate itself. */
#include "authz_conf.h"

#include <stdio.h>
#include <string.h>

#include "fnuri.h"
#include "policy.h"

typedef struct {
    jwtauth_key_t *keys;
    size_t nkeys;
} rt_jwks_t;

static int jwks_key(const char *issuer, const char *uri, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s\n%s", issuer, uri);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int authz_conf_jwks(rt_build_t *b, const Portico__Snapshot *snap)
{
    b->rt->jwks = strmap_create(b->a, snap->n_jwks);
    for (size_t i = 0; i < snap->n_jwks; i++) {
        const Portico__JwksKeySet *set = snap->jwks[i];
        rt_jwks_t *j = arena_alloc(b->a, sizeof(*j));
        j->keys = arena_alloc(b->a, sizeof(*j->keys) * (set->n_keys + 1));
        for (size_t k = 0; k < set->n_keys; k++) {
            const Portico__JwkKey *src = set->keys[k];
            jwtauth_algs_t algs = jwtauth_key_algs(src->kty, src->crv, src->alg);
            if (algs == 0 || src->key.len == 0)
                continue; /* unusable: no token can name it */
            jwtauth_key_t *key = &j->keys[j->nkeys++];
            *key = (jwtauth_key_t){src->kid, algs, src->key.data, src->key.len, NULL};
            /* parsed once here, freed with the runtime; a key that does not
             * parse stays unloaded and verifies nothing */
            if (jwtauth_key_load(key) == 0 && key->pkey != NULL &&
                rt_build_cleanup(b, (void (*)(void *))jwtauth_key_unload, key) != 0)
                return -1;
        }
        char key[8192];
        int n = jwks_key(set->issuer, set->jwks_uri, key, sizeof(key));
        if (n < 0 || strmap_put(b->rt->jwks, key, (size_t)n, j) != 0)
            return rt_build_fail(b, "JWKS source %s does not fit", set->issuer);
    }
    return 0;
}

/* ---- authorizers -------------------------------------------------------- */

static int compile_jwt(rt_build_t *b, rt_authorizer_t *out, const Portico__Authorizer *in)
{
    const Portico__JwtConfiguration *j = in->jwt;
    if (j == NULL || j->issuer[0] == '\0' || j->n_audience == 0)
        return rt_build_fail(b, "authorizer %s: incomplete jwtConfiguration", in->id);
    static const char http_api[] = "$request.header.";
    const char *src = in->identity_source;
    params_expr_t e;
    if (strncmp(src, http_api, sizeof(http_api) - 1) == 0)
        out->header = src + sizeof(http_api) - 1;
    else if (params_parse_source(src, &e) == 0 && e.kind == PARAMS_SRC_METHOD_REQUEST &&
             e.loc == PARAMS_LOC_HEADER)
        out->header = e.name;
    else
        return rt_build_fail(b, "authorizer %s: invalid identity source %s", in->id, src);
    out->header_len = strlen(out->header);
    char key[8192];
    int n = jwks_key(j->issuer, j->jwks_uri, key, sizeof(key));
    const rt_jwks_t *keys = n > 0 ? strmap_get(b->rt->jwks, key, (size_t)n) : NULL;
    out->jwt = (jwtauth_config_t){
        .issuer = j->issuer,
        .audience = (const char *const *)j->audience,
        .naudience = j->n_audience,
        .keys = keys != NULL ? keys->keys : NULL,
        .nkeys = keys != NULL ? keys->nkeys : 0,
    };
    return 0;
}

static int compile_sources(rt_build_t *b, rt_authorizer_t *out, const Portico__Authorizer *in)
{
    size_t cap = 1;
    for (const char *p = in->identity_source; *p != '\0'; p++)
        cap += *p == ',';
    params_expr_t *src = arena_alloc(b->a, sizeof(*src) * cap);
    char *list = arena_strdup(b->a, in->identity_source), *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        tok += strspn(tok, " ");
        size_t len = strlen(tok);
        while (len > 0 && tok[len - 1] == ' ')
            tok[--len] = '\0';
        params_expr_t *e = &src[out->nsources];
        if (params_parse_source(tok, e) != 0 ||
            (e->kind == PARAMS_SRC_METHOD_REQUEST && e->loc != PARAMS_LOC_HEADER &&
             e->loc != PARAMS_LOC_QUERYSTRING) ||
            e->kind == PARAMS_SRC_STATIC || e->kind == PARAMS_SRC_INTEGRATION_RESPONSE)
            return rt_build_fail(b, "authorizer %s: invalid identity source %s", in->id, tok);
        out->nsources++;
    }
    out->sources = src;
    if (out->type == RT_AUTHORIZER_TOKEN &&
        (out->nsources != 1 || src[0].kind != PARAMS_SRC_METHOD_REQUEST))
        return rt_build_fail(b, "authorizer %s: a TOKEN authorizer reads one header", in->id);
    if (out->ttl_s > 0 && out->nsources == 0)
        return rt_build_fail(b, "authorizer %s: caching needs identity sources", in->id);
    return 0;
}

static int compile_validation(rt_build_t *b, rt_authorizer_t *out, const Portico__Authorizer *in)
{
    if (in->identity_validation_expression[0] == '\0')
        return 0;
    char err[256];
    pattern_t *p = pattern_compile(in->identity_validation_expression, err, sizeof(err));
    if (p == NULL)
        return rt_build_fail(b, "authorizer %s: %s", in->id, err);
    out->validation = p;
    return rt_build_cleanup(b, (void (*)(void *))pattern_free, p);
}

static int compile_custom(rt_build_t *b, rt_authorizer_t *out, const Portico__Authorizer *in)
{
    if (in->result_ttl_seconds < 0 || in->result_ttl_seconds > 3600)
        return rt_build_fail(b, "authorizer %s: TTL out of range", in->id);
    out->ttl_s = (uint32_t)in->result_ttl_seconds;
    out->uri = in->authorizer_uri;
    out->uri_len = strlen(in->authorizer_uri);
    if (fnuri_function(out->uri, out->uri_len, &out->function, &out->function_len) == 0) {
        if (fnuri_check_template(out->function, out->function_len) != 0)
            return rt_build_fail(b, "authorizer %s: invalid function %s", in->id, out->uri);
    } else if (strncmp(out->uri, "http://", 7) != 0 && strncmp(out->uri, "https://", 8) != 0) {
        return rt_build_fail(b, "authorizer %s: the URI must be http(s) or a function's", in->id);
    }
    return compile_sources(b, out, in) != 0 ? -1 : compile_validation(b, out, in);
}

static const struct {
    const char *name;
    enum rt_authorizer_type type;
} authorizer_types[] = {
    {"TOKEN", RT_AUTHORIZER_TOKEN},
    {"REQUEST", RT_AUTHORIZER_REQUEST},
    {"JWT", RT_AUTHORIZER_JWT},
};

static int compile_authorizer(rt_build_t *b, const rt_deployment_t *d, rt_authorizer_t *out,
                              const Portico__Authorizer *in)
{
    size_t t = 0;
    while (t < sizeof(authorizer_types) / sizeof(authorizer_types[0]) &&
           strcmp(authorizer_types[t].name, in->type) != 0)
        t++;
    if (t == sizeof(authorizer_types) / sizeof(authorizer_types[0]))
        return rt_build_fail(b, "authorizer %s: unsupported type %s", in->id, in->type);
    out->id = in->id;
    out->type = authorizer_types[t].type;
    char key[512];
    int n = snprintf(key, sizeof(key), "%s/%s/%s", d->api_id, d->id, in->id);
    if (n < 0 || (size_t)n >= sizeof(key))
        return rt_build_fail(b, "authorizer %s: identifiers too long", in->id);
    out->cache_key = arena_strndup(b->a, key, (size_t)n);
    out->cache_key_len = (size_t)n;
    return out->type == RT_AUTHORIZER_JWT ? compile_jwt(b, out, in) : compile_custom(b, out, in);
}

static int compile_policy(rt_build_t *b, rt_deployment_t *d, const Portico__ApiDefinition *def)
{
    if (def->policy[0] == '\0')
        return 0;
    char err[512];
    policy_t *p;
    if (policy_parse(def->policy, strlen(def->policy), POLICY_RESOURCE, d->api_id, b->a, &p, err,
                     sizeof(err)) != 0)
        return rt_build_fail(b, "deployment %s: resource policy: %s", d->id, err);
    d->policy = p;
    return 0;
}

int authz_conf_deployment(rt_build_t *b, rt_deployment_t *d, const Portico__ApiDefinition *def)
{
    rt_authorizer_t *list = arena_alloc(b->a, sizeof(*list) * (def->n_authorizers + 1));
    for (size_t i = 0; i < def->n_authorizers; i++)
        if (compile_authorizer(b, d, &list[i], def->authorizers[i]) != 0)
            return -1;
    d->authorizers = list;
    d->nauthorizers = def->n_authorizers;
    return compile_policy(b, d, def);
}

int authz_conf_method(rt_build_t *b, const rt_deployment_t *d, const Portico__Method *m,
                      rt_method_t *rm)
{
    const char *type = m->authorization_type;
    if (type[0] == '\0' || strcmp(type, "NONE") == 0)
        return 0;
    if (strcmp(type, "AWS_IAM") == 0) {
        rm->auth_kind = RT_AUTH_IAM; /* SigV4 with the snapshot's signing keys (step_iam.c) */
        return 0;
    }
    int jwt = strcmp(type, "JWT") == 0;
    if (!jwt && strcmp(type, "CUSTOM") != 0)
        return rt_build_fail(b, "method %s: unsupported authorization type %s", m->http_method,
                             type);
    for (size_t i = 0; i < d->nauthorizers; i++) {
        const rt_authorizer_t *a = &d->authorizers[i];
        if (strcmp(a->id, m->authorizer_id) != 0)
            continue;
        if (jwt != (a->type == RT_AUTHORIZER_JWT))
            break;
        rm->auth_kind = jwt ? RT_AUTH_JWT : RT_AUTH_CUSTOM;
        rm->authorizer = a;
        rm->scopes = (const char *const *)m->authorization_scopes;
        rm->nscopes = m->n_authorization_scopes;
        return 0;
    }
    return rt_build_fail(b, "method %s: authorizer %s missing or of the wrong type", m->http_method,
                         m->authorizer_id);
}
