/* authz: the flow is
 *   authz_custom_run (requester) → own cache hit: apply
 *                                → else park a waiter + ASK → home_handle (home)
 *   home_handle → home cache hit | join call in flight | call_start
 *   call ends (home) → cache, then wake each waiter (park.h: at once on the
 *   home, by message elsewhere) → waiter_on_wake (requester) → own cache,
 *   apply, resume.
 * A waiter outlives its request if the client goes away (park.h wakes it
 * with no request); waiters and calls count in their worker's in-flight
 * total, so a draining worker stays up until they end. The HTTP exchange is
 * upstream_call.h's; an authorizer whose URI is a function's is invoked
 * through the function host (fnhost.h) on the home's loop instead, its
 * reference resolved (stage variables) by the requester. A function error
 * whose errorMessage is "Unauthorized" is the reference's 401; any other
 * error, a timeout or a throttled function is its 500. */
#include "authz.h"

#include <stdlib.h>
#include <string.h>

#include "authz_cache.h"
#include "authz_event.h"
#include "authz_v2.h"
#include "clock.h"
#include "fn_event.h"
#include "fnhost.h"
#include "fnuri.h"
#include "gwresp.h"
#include "httpval.h"
#include "log.h"
#include "park.h"
#include "pipeline.h"
#include "strmap.h"
#include "upstream_call.h"

#define AUTHZ_TIMEOUT_MS 10000
#define AUTHZ_MAX_ANSWER (64 * 1024)
#define AUTHZ_CACHE_CAPACITY 10000
#define AUTHZ_INFLIGHT_BUCKETS 256

/* A request waiting for a decision (park.h: it outlives its request when
 * the client goes away). */
typedef struct authz_waiter {
    park_t park;
    struct authz_waiter *next;
    authz_decision_t *d; /* the decision, held, once delivered */
    char *key;           /* NULL when not cached (TTL 0) */
    size_t key_len;
} authz_waiter_t;

typedef struct authz_call {
    struct authz_call *next; /* in the home's in-flight bucket */
    dp_thread_t *home;
    char *key;
    size_t key_len;
    uint64_t hash;
    uint32_t ttl_s;
    const rt_authorizer_t *auth;
    runtime_t *rt; /* held while the call runs: auth and api_id live in it */
    const char *api_id;
    authz_waiter_t *waiters;
    upstream_call_t http;
    char *ref; /* a function authorizer's function, else NULL */
    char *event;
    char *answer;
    size_t answer_len;
    int status;
} authz_call_t;

struct authz_thread {
    authz_cache_t *cache;
    authz_cache_t *tokens; /* verified JWTs (step_authorize.c) */
    authz_call_t *inflight[AUTHZ_INFLIGHT_BUCKETS];
};

/* An ask for a decision, sent to the key's home worker. */
typedef struct {
    h2o_multithread_message_t super;
    authz_waiter_t *w;
    char *key; /* owned by the message until handled */
    size_t key_len;
    uint32_t ttl_s;
    const rt_authorizer_t *auth;
    runtime_t *rt;
    const char *api_id;
    char *ref; /* owned by the message until handled; NULL: HTTP */
    char *event;
} authz_msg_t;

static void call_start(dp_thread_t *home, authz_msg_t *ask);

static void inflight_dec(dp_thread_t *t)
{
    if (--t->inflight == 0 && t->draining)
        t->done = 1;
}

/* ---- applying a decision to a request ------------------------------------ */

static void copy_context(dp_request_t *r, const authz_decision_t *d)
{
    h2o_mem_pool_t *pool = &r->req->pool;
    rt_kv_t *kv = h2o_mem_alloc_pool(pool, sizeof(*kv) * (d->nctx + 1));
    for (size_t i = 0; i < d->nctx; i++) {
        const rt_kv_t *s = &d->ctx[i];
        kv[i] = (rt_kv_t){h2o_strdup(pool, s->key, s->key_len).base, s->key_len,
                          h2o_strdup(pool, s->value, s->value_len).base, s->value_len};
    }
    r->authorizer_ctx = kv;
    r->nauthorizer_ctx = d->nctx;
    if (d->usage_key != NULL)
        r->usage_identifier_key = h2o_strdup(pool, d->usage_key, strlen(d->usage_key)).base;
}

static const enum gwresp_case outcome_answers[] = {
    [AUTHZ_UNAUTHORIZED] = GW_UNAUTHORIZED,
    [AUTHZ_FAILURE] = GW_AUTHORIZER_FAILURE,
    [AUTHZ_CONFIG_ERROR] = GW_AUTHORIZER_CONFIGURATION_ERROR,
};

/* The cached policy is evaluated against this request's method ARN, as the
 * reference does: one answer may allow some methods and not others. */
static enum step_result apply(dp_request_t *r, const authz_decision_t *d)
{
    if (d->outcome == AUTHZ_ALLOW) {
        copy_context(r, d);
        return STEP_CONTINUE;
    }
    if (d->outcome != AUTHZ_POLICY) {
        gwresp_send(r, outcome_answers[d->outcome]);
        return STEP_DONE;
    }
    h2o_iovec_t arn = request_method_arn(r);
    policy_request_t pr = {arn.base, arn.len, request_source_ip(r)};
    enum policy_result res = policy_evaluate(d->policy, &pr);
    if (res == POLICY_ALLOW) {
        copy_context(r, d);
        return STEP_CONTINUE;
    }
    gwresp_send(r, res == POLICY_DENY ? GW_ACCESS_DENIED : GW_ACCESS_NOT_ALLOWED);
    return STEP_DONE;
}

/* ---- waiters ------------------------------------------------------------- */

/* On the waiter's own worker. */
static void waiter_on_wake(park_t *p, dp_request_t *r)
{
    authz_waiter_t *w = H2O_STRUCT_FROM_MEMBER(authz_waiter_t, park, p);
    authz_decision_t *d = w->d;
    dp_thread_t *t = p->owner;
    if (w->key != NULL && d->expires_ms != 0 &&
        authz_cache_get(t->authz->cache, w->key, w->key_len, clock_mono_ms()) == NULL)
        authz_cache_put(t->authz->cache, w->key, w->key_len, d);
    free(w->key);
    free(w);
    if (r != NULL && apply(r, d) == STEP_CONTINUE)
        pipeline_resume(r);
    authz_decision_release(d);
}

static authz_waiter_t *waiter_new(dp_request_t *r, const char *key, size_t key_len)
{
    authz_waiter_t *w = calloc(1, sizeof(*w));
    if (w == NULL || (key != NULL && (w->key = malloc(key_len)) == NULL))
        h2o_fatal("out of memory");
    if (key != NULL)
        memcpy(w->key, key, key_len);
    w->key_len = key_len;
    park_init(&w->park, r, waiter_on_wake, NULL);
    park_request(&w->park);
    return w;
}

static void deliver(dp_thread_t *home, authz_waiter_t *w, authz_decision_t *d)
{
    authz_decision_hold(d);
    w->d = d;
    park_wake(&w->park, home);
}

/* ---- calls in flight (home worker) --------------------------------------- */

static authz_call_t **inflight_slot(dp_thread_t *t, uint64_t hash, const char *key, size_t len)
{
    authz_call_t **p = &t->authz->inflight[hash % AUTHZ_INFLIGHT_BUCKETS];
    while (*p != NULL &&
           ((*p)->hash != hash || (*p)->key_len != len || memcmp((*p)->key, key, len) != 0))
        p = &(*p)->next;
    return p;
}

static void call_finish(authz_call_t *call, authz_decision_t *d)
{
    dp_thread_t *home = call->home;
    if (call->key != NULL) {
        authz_call_t **slot = inflight_slot(home, call->hash, call->key, call->key_len);
        *slot = call->next;
        if (d->outcome == AUTHZ_POLICY) {
            d->expires_ms = clock_mono_ms() + (uint64_t)call->ttl_s * 1000;
            authz_cache_put(home->authz->cache, call->key, call->key_len, d);
        }
    }
    authz_waiter_t *w = call->waiters;
    while (w != NULL) {
        authz_waiter_t *next = w->next;
        deliver(home, w, d);
        w = next;
    }
    authz_decision_release(d);
    runtime_release(call->rt);
    free(call->key);
    free(call->ref);
    free(call->event);
    free(call->http.bufs[0].base);
    free(call->answer);
    free(call);
    inflight_dec(home);
}

static void call_fail(authz_call_t *call, const char *why)
{
    log_warn("authorizer %s: %s", call->auth->id, why);
    authz_decision_t *d = authz_decision_new(AUTHZ_FAILURE);
    if (d == NULL)
        h2o_fatal("out of memory");
    call_finish(call, d);
}

static void call_complete(authz_call_t *call)
{
    authz_decision_t *d;
    char err[256];
    if (call->status == 200) {
        d = (call->auth->simple_responses ? authz_v2_simple_parse : authz_decision_parse)(
            call->answer != NULL ? call->answer : "", call->answer_len, call->api_id, err,
            sizeof(err));
        if (d != NULL && d->outcome == AUTHZ_CONFIG_ERROR)
            log_warn("authorizer %s: malformed answer: %s", call->auth->id, err);
    } else {
        d = authz_decision_new(call->status == 401 ? AUTHZ_UNAUTHORIZED : AUTHZ_FAILURE);
        if (call->status != 401)
            log_warn("authorizer %s answered HTTP %d", call->auth->id, call->status);
    }
    if (d == NULL)
        h2o_fatal("out of memory");
    call_finish(call, d);
}

/* ---- the HTTP exchange --------------------------------------------------- */

static int on_body(h2o_http1client_t *client, const char *errstr)
{
    authz_call_t *call = ((upstream_call_t *)client->data)->data;
    h2o_buffer_t *in = client->sock->input;
    if (call->answer_len + in->size > AUTHZ_MAX_ANSWER) {
        call->http.client = NULL;
        call_fail(call, "the answer is too large");
        return -1;
    }
    if (in->size > 0) {
        char *bigger = realloc(call->answer, call->answer_len + in->size + 1);
        if (bigger == NULL)
            h2o_fatal("out of memory");
        memcpy(bigger + call->answer_len, in->bytes, in->size);
        call->answer = bigger;
        call->answer_len += in->size;
        h2o_buffer_consume(&client->sock->input, in->size);
    }
    if (errstr == NULL)
        return 0;
    call->http.client = NULL;
    if (upstream_call_is_eos(errstr))
        call_complete(call);
    else
        call_fail(call, errstr);
    return 0;
}

static h2o_http1client_body_cb on_head(upstream_call_t *c, int status, h2o_iovec_t msg,
                                       h2o_header_t *headers, size_t num_headers, int eos)
{
    authz_call_t *call = c->data;
    call->status = status;
    if (eos) {
        call_complete(call);
        return NULL;
    }
    return on_body;
}

static void on_fail(upstream_call_t *c, enum upstream_call_error e, const char *errstr)
{
    call_fail(c->data, errstr);
}

static int call_request(authz_call_t *call, const h2o_url_t *url, size_t event_len)
{
    char *head = NULL;
    if (httpval_target(url->path.base, url->path.len) != 0 ||
        httpval_authority(url->authority.base, url->authority.len) != 0)
        return -1;
    int n = asprintf(&head,
                     "POST %.*s HTTP/1.1\r\nhost: %.*s\r\ncontent-type: application/json\r\n"
                     "content-length: %zu\r\nconnection: keep-alive\r\n\r\n",
                     (int)url->path.len, url->path.base, (int)url->authority.len,
                     url->authority.base, event_len);
    if (n < 0)
        return -1;
    call->http.bufs[0] = h2o_iovec_init(head, (size_t)n);
    call->http.bufs[1] = h2o_iovec_init(call->event, event_len);
    return 0;
}

/* ---- a function authorizer ------------------------------------------------- */

static void on_function(void *arg, const fnhost_result_t *res)
{
    authz_call_t *call = arg;
    switch (res->status) {
    case FNHOST_OK:
        call->status = 200;
        if (res->len > AUTHZ_MAX_ANSWER) {
            call_fail(call, "the answer is too large");
            return;
        }
        call->answer = malloc(res->len + 1);
        if (call->answer == NULL)
            h2o_fatal("out of memory");
        memcpy(call->answer, res->payload, res->len);
        call->answer[res->len] = '\0';
        call->answer_len = res->len;
        call_complete(call);
        return;
    case FNHOST_FUNCTION_ERROR: {
        size_t len = 0;
        char *msg = fn_error_message(res->payload, res->len, &len);
        int unauthorized = msg != NULL && len == 12 && memcmp(msg, "Unauthorized", 12) == 0;
        free(msg);
        if (unauthorized) {
            call->status = 401;
            call_complete(call);
        } else {
            call_fail(call, "the function failed");
        }
        return;
    }
    case FNHOST_TIMEOUT:
        call_fail(call, "the function timed out");
        return;
    case FNHOST_THROTTLED:
        call_fail(call, "the function was throttled");
        return;
    case FNHOST_NOT_FOUND:
        call_fail(call, "no such function");
        return;
    case FNHOST_FAILED:
        break;
    }
    call_fail(call, "the function could not run");
}

static const char *var_lookup(void *ctx, const char *name, size_t len, size_t *vlen)
{
    return rt_vars_get(ctx, name, len, vlen);
}

/* A function authorizer's reference for r (stage variables substituted),
 * malloc'd; NULL when it is not a valid one. */
static char *function_ref(dp_request_t *r, const rt_authorizer_t *a)
{
    char buf[512];
    size_t n;
    if (fnuri_expand(a->function, a->function_len, var_lookup, (void *)r->variables, buf,
                     sizeof(buf), &n) != 0 ||
        fnuri_check_ref(buf, n) != 0)
        return NULL;
    char *ref = strdup(buf);
    if (ref == NULL)
        h2o_fatal("out of memory");
    return ref;
}

/* Takes over the ask's key, event and runtime reference. */
static void call_start(dp_thread_t *home, authz_msg_t *ask)
{
    authz_call_t *call = calloc(1, sizeof(*call));
    if (call == NULL)
        h2o_fatal("out of memory");
    *call = (authz_call_t){.home = home,
                           .key = ask->key,
                           .key_len = ask->key_len,
                           .ttl_s = ask->ttl_s,
                           .auth = ask->auth,
                           .rt = ask->rt,
                           .api_id = ask->api_id,
                           .waiters = ask->w,
                           .ref = ask->ref,
                           .event = ask->event};
    home->inflight++;
    if (call->key != NULL) {
        call->hash = strmap_hash(call->key, call->key_len);
        *inflight_slot(home, call->hash, call->key, call->key_len) = call;
    }
    if (call->ref != NULL) {
        fnhost_opts_t opts = {.deadline_ms = AUTHZ_TIMEOUT_MS};
        fnhost_invoke(home->loop, call->ref, call->event, strlen(call->event), &opts, on_function,
                      call);
        return;
    }
    h2o_url_t url;
    if (h2o_url_parse(call->auth->uri, call->auth->uri_len, &url) != 0 ||
        call_request(call, &url, strlen(call->event)) != 0) {
        call_fail(call, "invalid authorizer URI");
        return;
    }
    call->http.may_retry = 1;
    call->http.on_head = on_head;
    call->http.on_fail = on_fail;
    call->http.data = call;
    upstream_call_start(&call->http, &home->upstream, &url, AUTHZ_TIMEOUT_MS);
}

/* On the key's home: answer from the cache, join the call in flight, or call. */
static void home_handle(dp_thread_t *home, authz_msg_t *ask)
{
    authz_decision_t *d =
        authz_cache_get(home->authz->cache, ask->key, ask->key_len, clock_mono_ms());
    authz_call_t *call = d == NULL ? *inflight_slot(home, strmap_hash(ask->key, ask->key_len),
                                                    ask->key, ask->key_len)
                                   : NULL;
    if (d == NULL && call == NULL) {
        call_start(home, ask);
        return;
    }
    if (d != NULL) {
        deliver(home, ask->w, d);
    } else {
        ask->w->next = call->waiters;
        call->waiters = ask->w;
    }
    runtime_release(ask->rt);
    free(ask->key);
    free(ask->ref);
    free(ask->event);
}

static void on_message(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    dp_thread_t *t = H2O_STRUCT_FROM_MEMBER(dp_thread_t, authz_receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        authz_msg_t *m = H2O_STRUCT_FROM_MEMBER(authz_msg_t, super.link, messages->next);
        h2o_linklist_unlink(&m->super.link);
        home_handle(t, m);
        free(m);
    }
}

/* ---- the step ------------------------------------------------------------ */

/* api/deployment/authorizer, NUL, the identity; and for a function whose
 * reference names stage variables, NUL and the resolved reference (two
 * stages of one deployment may call different functions). */
static h2o_iovec_t cache_key(dp_request_t *r, const rt_authorizer_t *a, h2o_iovec_t identity,
                             const char *ref)
{
    size_t rlen = ref != NULL && fnuri_has_vars(a->function, a->function_len) ? strlen(ref) + 1 : 0;
    size_t len = a->cache_key_len + 1 + identity.len + rlen;
    char *key = h2o_mem_alloc_pool(&r->req->pool, len);
    memcpy(key, a->cache_key, a->cache_key_len);
    key[a->cache_key_len] = '\0';
    memcpy(key + a->cache_key_len + 1, identity.base, identity.len);
    if (rlen > 0) {
        key[a->cache_key_len + 1 + identity.len] = '\0';
        memcpy(key + a->cache_key_len + 2 + identity.len, ref, rlen - 1);
    }
    return h2o_iovec_init(key, len);
}

enum step_result authz_custom_run(dp_request_t *r, const rt_authorizer_t *a)
{
    dp_thread_t *t = r->thread;
    h2o_iovec_t identity = {NULL, 0}, key = {NULL, 0};
    if (a->nsources > 0 && authz_identity(r, a, &identity) != 0) {
        gwresp_send(r, GW_UNAUTHORIZED);
        return STEP_DONE;
    }
    authz_msg_t ask = {
        .ttl_s = a->ttl_s, .auth = a, .rt = (runtime_t *)r->rt, .api_id = r->stage->api_id};
    if (a->function != NULL && (ask.ref = function_ref(r, a)) == NULL) {
        log_warn("authorizer %s: invalid function reference %.*s", a->id, (int)a->function_len,
                 a->function);
        gwresp_send(r, GW_AUTHORIZER_CONFIGURATION_ERROR);
        return STEP_DONE;
    }
    if (a->ttl_s > 0) {
        key = cache_key(r, a, identity, ask.ref);
        authz_decision_t *d = authz_cache_get(t->authz->cache, key.base, key.len, clock_mono_ms());
        if (d != NULL) {
            free(ask.ref);
            return apply(r, d);
        }
    }
    size_t event_len;
    ask.event = authz_event_build(r, a, identity, &event_len);
    if (ask.event == NULL)
        h2o_fatal("out of memory");
    ask.w = waiter_new(r, key.base, key.len);
    runtime_hold(ask.rt);
    if (key.base != NULL && (ask.key = malloc(key.len)) == NULL)
        h2o_fatal("out of memory");
    if (key.base != NULL)
        memcpy(ask.key, key.base, key.len);
    ask.key_len = key.len;
    dp_thread_t *home =
        key.base != NULL
            ? &t->dp->threads[strmap_hash(key.base, key.len) % (uint64_t)t->dp->nthreads]
            : t;
    if (key.base == NULL) {
        call_start(t, &ask);
    } else if (home == t) {
        home_handle(t, &ask);
    } else {
        authz_msg_t *m = malloc(sizeof(*m));
        if (m == NULL)
            h2o_fatal("out of memory");
        *m = ask;
        h2o_multithread_send_message(&home->authz_receiver, &m->super);
    }
    return STEP_PENDING;
}

enum step_result authz_apply(dp_request_t *r, const authz_decision_t *d)
{
    return apply(r, d);
}

authz_cache_t *authz_token_cache(dp_thread_t *t)
{
    return t->authz->tokens;
}

int authz_thread_init(dp_thread_t *t)
{
    t->authz = calloc(1, sizeof(*t->authz));
    if (t->authz == NULL || (t->authz->cache = authz_cache_create(AUTHZ_CACHE_CAPACITY)) == NULL ||
        (t->authz->tokens = authz_cache_create(AUTHZ_CACHE_CAPACITY)) == NULL)
        return -1;
    h2o_multithread_register_receiver(t->ctx.queue, &t->authz_receiver, on_message);
    return 0;
}

void authz_thread_dispose(dp_thread_t *t)
{
    if (t->authz == NULL)
        return;
    authz_cache_destroy(t->authz->cache);
    authz_cache_destroy(t->authz->tokens);
    free(t->authz);
    t->authz = NULL;
}
