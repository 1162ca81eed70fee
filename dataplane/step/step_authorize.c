/* step_authorize: the method's authorization — a JWT checked here against
 * the issuer's keys from the snapshot, or a custom authorizer
 * (authz.c). Missing or invalid token → 401, valid without one of the
 * method's scopes → 403. A token verified for a method is remembered by
 * the worker (authz_token_cache) until it expires, at most 5 minutes,
 * or until the next snapshot: signature checks cost far more than the
 * rest of a request (OpenSSL 3 parses the PEM key on every libjwt call). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include "authz.h"
#include "clock.h"
#include "gwresp.h"
#include "log.h"
#include "steps.h"

#define TOKEN_CACHE_MAX_MS (300 * 1000)

/* An allow decision carrying $context.authorizer: principalId (sub) and
 * claims.X for each claim (JSON text for non-strings). */
static authz_decision_t *jwt_decision(json_t *claims)
{
    authz_decision_t *d = authz_decision_new(AUTHZ_ALLOW);
    if (d == NULL)
        h2o_fatal("out of memory");
    rt_kv_t *kv = arena_alloc(d->arena, sizeof(*kv) * (json_object_size(claims) + 1));
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    sub = arena_strdup(d->arena, sub != NULL ? sub : "");
    kv[d->nctx++] = (rt_kv_t){"principalId", 11, sub, strlen(sub)};
    const char *k;
    json_t *v;
    json_object_foreach(claims, k, v)
    {
        char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        const char *val = json_is_string(v) ? json_string_value(v) : text;
        size_t klen = strlen(k) + 7;
        char *key = arena_alloc(d->arena, klen + 1);
        memcpy(key, "claims.", 7);
        memcpy(key + 7, k, klen - 7 + 1);
        if (val != NULL)
            kv[d->nctx++] = (rt_kv_t){key, klen, arena_strdup(d->arena, val), strlen(val)};
        free(text);
    }
    d->ctx = kv;
    return d;
}

/* How long a verified token may be reused: until exp (plus the leeway the
 * check allows), five minutes at most. */
static uint64_t jwt_expiry(json_t *claims)
{
    double exp = json_number_value(json_object_get(claims, "exp"));
    double left_ms = (exp + JWTAUTH_LEEWAY_S - (double)time(NULL)) * 1000.0;
    uint64_t now = clock_mono_ms();
    if (left_ms <= 0)
        return now;
    return now + (left_ms < TOKEN_CACHE_MAX_MS ? (uint64_t)left_ms : TOKEN_CACHE_MAX_MS);
}

/* runtime version ‖ method ‖ token: a new snapshot (rotated keys) or
 * another method (other scopes) never reuses a verification. */
static h2o_iovec_t token_key(dp_request_t *r, const char *token, size_t len)
{
    size_t n = sizeof(uint64_t) + sizeof(void *) + len;
    char *key = h2o_mem_alloc_pool(&r->req->pool, n);
    memcpy(key, &r->rt->version, sizeof(uint64_t));
    memcpy(key + sizeof(uint64_t), &r->method, sizeof(void *));
    memcpy(key + sizeof(uint64_t) + sizeof(void *), token, len);
    return h2o_iovec_init(key, n);
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
    authz_cache_t *cache = authz_token_cache(r->thread);
    h2o_iovec_t key = token_key(r, token, len);
    authz_decision_t *d = authz_cache_get(cache, key.base, key.len, clock_mono_ms());
    if (d != NULL)
        return authz_apply(r, d);
    json_t *claims = NULL;
    int rc = jwtauth_verify(&a->jwt, token, len, (int64_t)time(NULL), &claims);
    if (rc != JWTAUTH_OK) {
        log_debug("request %s: JWT refused: %s", r->request_id, jwtauth_strerror(rc));
        return jwt_refuse(r, jwtauth_strerror(rc));
    }
    if (!jwtauth_has_scope(claims, r->method->scopes, r->method->nscopes)) {
        json_decref(claims);
        gwresp_send(r, GW_INSUFFICIENT_SCOPE);
        return STEP_DONE;
    }
    d = jwt_decision(claims);
    d->expires_ms = jwt_expiry(claims);
    json_decref(claims);
    authz_cache_put(cache, key.base, key.len, d);
    enum step_result res = authz_apply(r, d);
    authz_decision_release(d);
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
        return authz_custom_run(r, m->authorizer);
    case RT_AUTH_IAM:
        return step_iam(r);
    }
    return STEP_CONTINUE;
}
