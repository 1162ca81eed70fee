/* step_authorize: the method's authorization — a JWT checked here against
 * the issuer's keys from the snapshot, or a custom authorizer
 * (authorizer.c). Missing or invalid token → 401, valid without one of the
 * method's scopes → 403. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include "authorizer.h"
#include "gwresp.h"
#include "log.h"
#include "steps.h"

/* $context.authorizer: principalId (sub) and claims.X for scalar claims. */
static void jwt_context(dp_request_t *r, json_t *claims)
{
    h2o_mem_pool_t *pool = &r->req->pool;
    rt_kv_t *kv = h2o_mem_alloc_pool(pool, sizeof(*kv) * (json_object_size(claims) + 1));
    size_t n = 0;
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    sub = sub != NULL ? h2o_strdup(pool, sub, strlen(sub)).base : "";
    kv[n++] = (rt_kv_t){"principalId", 11, sub, strlen(sub)};
    const char *k;
    json_t *v;
    json_object_foreach(claims, k, v)
    {
        char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        const char *s = json_is_string(v) ? json_string_value(v) : text;
        size_t klen = strlen(k) + 7;
        char *key = h2o_mem_alloc_pool(pool, klen + 1);
        memcpy(key, "claims.", 7);
        memcpy(key + 7, k, klen - 7 + 1);
        if (s != NULL)
            kv[n++] = (rt_kv_t){key, klen, h2o_strdup(pool, s, strlen(s)).base, strlen(s)};
        free(text);
    }
    r->authorizer_ctx = kv;
    r->nauthorizer_ctx = n;
}

static enum step_result jwt_refuse(dp_request_t *r, const char *why)
{
    static const char prefix[] = "Bearer error=\"invalid_token\", error_description=\"";
    size_t len = sizeof(prefix) - 1 + strlen(why) + 1;
    char *v = h2o_mem_alloc_pool(&r->req->pool, len + 1);
    snprintf(v, len + 1, "%s%s\"", prefix, why);
    request_add_response_header(r, H2O_STRLIT("www-authenticate"), v, len);
    gwresp_send(r, GW_UNAUTHORIZED);
    return STEP_DONE;
}

static enum step_result step_jwt(dp_request_t *r, const rt_authorizer_t *a)
{
    size_t len;
    const char *token = request_header(r, a->header, a->header_len, &len);
    if (token != NULL && len > 7 && strncasecmp(token, "Bearer ", 7) == 0) {
        token += 7;
        len -= 7;
    }
    if (token == NULL || len == 0) {
        gwresp_send(r, GW_UNAUTHORIZED);
        return STEP_DONE;
    }
    json_t *claims = NULL;
    int rc = jwtauth_verify(&a->jwt, token, len, (int64_t)time(NULL), &claims);
    if (rc != JWTAUTH_OK) {
        log_debug("request %s: JWT refused: %s", r->request_id, jwtauth_strerror(rc));
        return jwt_refuse(r, jwtauth_strerror(rc));
    }
    enum step_result res = STEP_CONTINUE;
    if (!jwtauth_has_scope(claims, r->method->scopes, r->method->nscopes)) {
        gwresp_send(r, GW_INSUFFICIENT_SCOPE);
        res = STEP_DONE;
    } else {
        jwt_context(r, claims);
    }
    json_decref(claims);
    return res;
}

enum step_result step_authorize(dp_request_t *r)
{
    const rt_method_t *m = r->method;
    switch (m->auth_kind) {
    case RT_AUTH_NONE:
        return STEP_CONTINUE;
    case RT_AUTH_JWT:
        return step_jwt(r, m->authorizer);
    case RT_AUTH_CUSTOM:
        return authorizer_run(r, m->authorizer);
    }
    return STEP_CONTINUE;
}
