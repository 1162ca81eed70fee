/* compiler_auth: JSON documents → protobuf, as compiler.c does for the rest. */
#include "compiler_auth.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "jwtauth.h"
#include "pbjson.h"
#include "store_auth.h"

int compiler_auth_tree(store_t *s, const char *api_id, json_t *tree)
{
    json_t *authorizers, *responses;
    int rc = store_authorizer_list(s, api_id, &authorizers);
    if (rc != STORE_OK)
        return rc;
    rc = store_gwresp_all(s, api_id, &responses);
    if (rc != STORE_OK) {
        json_decref(authorizers);
        return rc;
    }
    json_object_set_new(tree, "authorizers", authorizers);
    json_object_set_new(tree, "gatewayResponses", responses);
    return STORE_OK;
}

static Portico__JwtConfiguration *definition_jwt(arena_t *a, json_t *jwt)
{
    Portico__JwtConfiguration *j = arena_alloc(a, sizeof(*j));
    portico__jwt_configuration__init(j);
    j->issuer = pbjson_str(a, jwt, "issuer");
    j->jwks_uri = pbjson_str(a, jwt, "jwksUri");
    json_t *aud = json_object_get(jwt, "audience");
    j->n_audience = json_array_size(aud);
    j->audience = arena_alloc(a, sizeof(*j->audience) * (j->n_audience + 1));
    for (size_t i = 0; i < j->n_audience; i++) {
        const char *v = json_string_value(json_array_get(aud, i));
        j->audience[i] = arena_strdup(a, v != NULL ? v : "");
    }
    return j;
}

static Portico__Authorizer *definition_authorizer(arena_t *a, json_t *doc)
{
    Portico__Authorizer *au = arena_alloc(a, sizeof(*au));
    portico__authorizer__init(au);
    au->id = pbjson_str(a, doc, "id");
    au->name = pbjson_str(a, doc, "name");
    au->type = pbjson_str(a, doc, "type");
    au->authorizer_uri = pbjson_str(a, doc, "authorizerUri");
    au->identity_source = pbjson_str(a, doc, "identitySource");
    au->identity_validation_expression = pbjson_str(a, doc, "identityValidationExpression");
    au->auth_type = pbjson_str(a, doc, "authType");
    au->result_ttl_seconds =
        (int32_t)json_integer_value(json_object_get(doc, "authorizerResultTtlInSeconds"));
    json_t *jwt = json_object_get(doc, "jwtConfiguration");
    if (json_is_object(jwt))
        au->jwt = definition_jwt(a, jwt);
    return au;
}

void compiler_auth_definition(arena_t *a, json_t *tree, Portico__ApiDefinition *def)
{
    json_t *authorizers = json_object_get(tree, "authorizers");
    def->n_authorizers = json_array_size(authorizers);
    def->authorizers = arena_alloc(a, sizeof(*def->authorizers) * (def->n_authorizers + 1));
    for (size_t i = 0; i < def->n_authorizers; i++)
        def->authorizers[i] = definition_authorizer(a, json_array_get(authorizers, i));
    json_t *responses = json_object_get(tree, "gatewayResponses");
    def->n_gateway_responses = json_object_size(responses);
    def->gateway_responses =
        arena_alloc(a, sizeof(*def->gateway_responses) * (def->n_gateway_responses + 1));
    size_t i = 0;
    const char *type;
    json_t *doc;
    json_object_foreach(responses, type, doc)
    {
        Portico__GatewayResponse *g = arena_alloc(a, sizeof(*g));
        portico__gateway_response__init(g);
        g->response_type = arena_strdup(a, type);
        g->status_code = pbjson_str(a, doc, "statusCode");
        pbjson_kv_list(a, json_object_get(doc, "responseParameters"), &g->n_response_parameters,
                       &g->response_parameters);
        pbjson_kv_list(a, json_object_get(doc, "responseTemplates"), &g->n_response_templates,
                       &g->response_templates);
        def->gateway_responses[i++] = g;
    }
}

static Portico__JwkKey *snapshot_key(arena_t *a, json_t *k)
{
    Portico__JwkKey *key = arena_alloc(a, sizeof(*key));
    portico__jwk_key__init(key);
    key->kid = pbjson_str(a, k, "kid");
    key->kty = pbjson_str(a, k, "kty");
    key->alg = pbjson_str(a, k, "alg");
    key->crv = pbjson_str(a, k, "crv");
    const char *pem = json_string_value(json_object_get(k, "pem"));
    const char *secret = json_string_value(json_object_get(k, "k"));
    if (pem != NULL) {
        key->key.len = strlen(pem);
        key->key.data = arena_memdup(a, pem, key->key.len);
    } else if (secret != NULL) {
        size_t len;
        unsigned char *raw = jwtauth_b64url_decode(secret, strlen(secret), &len);
        if (raw != NULL) {
            key->key.data = arena_memdup(a, raw, len);
            key->key.len = len;
            OPENSSL_clear_free(raw, len);
        }
    }
    return key;
}

static int jwks_listed(Portico__JwksKeySet **sets, size_t n, const Portico__JwtConfiguration *j)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(sets[i]->issuer, j->issuer) == 0 && strcmp(sets[i]->jwks_uri, j->jwks_uri) == 0)
            return 1;
    return 0;
}

static Portico__JwksKeySet *snapshot_set(arena_t *a, const Portico__JwtConfiguration *j,
                                         json_t *keys, int64_t fetched_at)
{
    Portico__JwksKeySet *set = arena_alloc(a, sizeof(*set));
    portico__jwks_key_set__init(set);
    set->issuer = arena_strdup(a, j->issuer);
    set->jwks_uri = arena_strdup(a, j->jwks_uri);
    set->fetched_at_ms = (uint64_t)fetched_at;
    set->n_keys = json_array_size(keys);
    set->keys = arena_alloc(a, sizeof(*set->keys) * (set->n_keys + 1));
    for (size_t i = 0; i < set->n_keys; i++)
        set->keys[i] = snapshot_key(a, json_array_get(keys, i));
    return set;
}

static int jwks_add(store_t *s, arena_t *a, const Portico__JwtConfiguration *j,
                    Portico__JwksKeySet **sets, size_t *count)
{
    if (j == NULL || jwks_listed(sets, *count, j))
        return STORE_OK;
    json_t *keys = NULL;
    int64_t fetched = 0;
    int rc = store_jwks_keys(s, j->issuer, j->jwks_uri, &keys, &fetched);
    if (rc != STORE_OK && rc != STORE_ENOTFOUND)
        return rc;
    /* a source not fetched yet travels without keys: its tokens get 401 */
    sets[(*count)++] = snapshot_set(a, j, keys, fetched);
    json_decref(keys);
    return STORE_OK;
}

int compiler_auth_jwks(store_t *s, arena_t *a, Portico__ApiDefinition **defs, size_t ndefs,
                       Portico__V2ApiDefinition **v2, size_t nv2, Portico__JwksKeySet ***out,
                       size_t *n)
{
    size_t cap = 0;
    for (size_t d = 0; d < ndefs; d++)
        cap += defs[d]->n_authorizers;
    for (size_t d = 0; d < nv2; d++)
        cap += v2[d]->n_authorizers;
    Portico__JwksKeySet **sets = arena_alloc(a, sizeof(*sets) * (cap + 1));
    size_t count = 0;
    int rc = STORE_OK;
    for (size_t d = 0; rc == STORE_OK && d < ndefs; d++)
        for (size_t i = 0; rc == STORE_OK && i < defs[d]->n_authorizers; i++)
            rc = jwks_add(s, a, defs[d]->authorizers[i]->jwt, sets, &count);
    for (size_t d = 0; rc == STORE_OK && d < nv2; d++)
        for (size_t i = 0; rc == STORE_OK && i < v2[d]->n_authorizers; i++)
            rc = jwks_add(s, a, v2[d]->authorizers[i]->jwt, sets, &count);
    if (rc != STORE_OK)
        return rc;
    *out = sets;
    *n = count;
    return STORE_OK;
}
