/* cluster_client: one loop polls the SUB socket in short slices and, between
 * them, fetches (REQ) when behind and reports (PUSH) once a second. */
#include "ws_peer.h"
#include "cluster_client.h"

#include <errno.h>
#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_registry.h"
#include "clock.h"
#include "clustertls.h"
#include "crypto.h"
#include "fresh.h"
#include "keytab.h"
#include "log.h"
#include "netaddr.h"
#include "observe.h"
#include "qlease.h"
#include "runtime.h"
#include "statefile.h"

#define CC_POLL_MS 50 /* also how soon a lease ask leaves */
#define CC_REPORT_MS 1000
#define CC_FETCH_RETRY_MS 1000
#define CC_FETCH_TIMEOUT_MS 10000
#define CC_SILENCE_MS 3000
#define CC_STOP_WAIT_S 2
#define CC_MAX_SNAPSHOT ((size_t)2 * 1024 * 1024 * 1024 - 1)
/* metrics: a series goes in the reports of the CC_METRICS_RECENT collects
 * after it changed, and every series in every CC_METRICS_FULL_EVERY-th
 * report and in the first after the control plane was silent. Values are
 * cumulative, so any one of those reports that arrives is enough. */
#define CC_METRICS_RECENT 5
#define CC_METRICS_FULL_EVERY 10

struct cluster_client {
    dp_t *dp;
    nng_socket sub, req, push;
    pthread_t thread;
    int started;
    atomic_int stopping;
    uint64_t applied_version;
    char applied_store_id[64];
    uint64_t rejected_version;
    char reject_reason[512];
    int want_fetch;
    uint64_t started_at_ms;
    uint64_t seq;
    uint64_t last_report_ms;
    uint64_t last_fetch_ms;
    uint64_t last_heard_ms;
    int silent_logged;
    /* ---- metrics */
    reqmetrics_agg_t *metrics;
    reqmetrics_thread_t **metric_threads;
    uint64_t metrics_tick;
    int metrics_full; /* send every series in the next report */
    /* API keys and usage plans */
    runtime_t *current;    /* the runtime last installed (one reference) */
    int fetch_full;        /* a fetched delta did not apply: ask for the snapshot */
    dpusage_t *unreported; /* usage collected from workers, not yet sent */
    uint64_t received_us;  /* when the message being applied arrived */
    /* freshness: the control plane's messages on SUB, and this node's own
     * envelope sequence (incarnation: started_at_ms) */
    fresh_peer_t cp_fresh;
    uint64_t env_seq;
    char cp_store_id[64];  /* the store the control plane last announced, "" before */
    qlease_book_t *leases; /* exact quotas */
};

/* Seals a message from this node (sender, incarnation and sequence filled in). */
static int cc_seal(cluster_client_t *c, envelope_t *env, uint8_t **out, size_t *out_len)
{
    env->sender = c->dp->node_id;
    env->incarnation = c->started_at_ms;
    env->seq = ++c->env_seq;
    return envelope_seal(&c->dp->secret, env, out, out_len);
}

/* ---- applying snapshots ------------------------------------------------- */

static void cc_send_report(cluster_client_t *c);
static void cc_make_current(cluster_client_t *c, runtime_t *rt);

static void cc_reject(cluster_client_t *c, uint64_t version, const char *reason)
{
    log_warn("refused snapshot version %llu: %s (still serving version %llu)",
             (unsigned long long)version, reason, (unsigned long long)c->applied_version);
    c->rejected_version = version;
    snprintf(c->reject_reason, sizeof(c->reject_reason), "%s", reason);
    cc_send_report(c);
}

/* Newer, or from a different store (the control plane's database was replaced). */
static int cc_is_news(cluster_client_t *c, uint64_t version, const char *store_id)
{
    if (c->applied_store_id[0] == '\0')
        return 1;
    if (store_id != NULL && strcmp(store_id, c->applied_store_id) != 0)
        return 1;
    return version > c->applied_version;
}

/* Verifies, compiles and installs an envelope (raw bytes kept for the state file). */
static int cc_apply(cluster_client_t *c, const envelope_t *env, const uint8_t *raw, size_t raw_len,
                    int persist)
{
    char err[512];
    uint64_t started = clock_mono_us();
    runtime_t *rt =
        runtime_compile_from(env->payload, env->payload_len, c->current, err, sizeof(err));
    if (rt == NULL) {
        cc_reject(c, env->version, err);
        return -1;
    }
    if (rt->version != env->version) {
        runtime_release(rt);
        cc_reject(c, env->version, "the envelope and snapshot versions differ");
        return -1;
    }
    if (!cc_is_news(c, rt->version, rt->store_id)) {
        runtime_release(rt);
        return 0;
    }
    if (c->cp_store_id[0] != '\0' && strcmp(rt->store_id, c->cp_store_id) != 0) {
        /* not the store the control plane announces now: an old capture, or
         * a new store not announced yet (the next announcement fetches it) */
        log_warn("ignored snapshot version %llu of store %s: the control plane announces %s",
                 (unsigned long long)rt->version, rt->store_id, c->cp_store_id);
        runtime_release(rt);
        c->want_fetch = 1;
        return 0;
    }
    if (c->applied_store_id[0] != '\0' && strcmp(rt->store_id, c->applied_store_id) != 0)
        log_warn("the control plane's store changed (%s → %s); following it", c->applied_store_id,
                 rt->store_id);
    uint64_t version = rt->version;
    runtime_hold(rt);
    cc_make_current(c, rt);
    c->fetch_full = 0;
    /* a rejection is reported until a good snapshot replaces it */
    c->rejected_version = 0;
    c->reject_reason[0] = '\0';
    snprintf(c->applied_store_id, sizeof(c->applied_store_id), "%s", rt->store_id);
    c->applied_version = version;
    log_info("serving snapshot version %llu (%zu stages, %zu keys, %zu KiB compiled in %.1f ms, "
             "%.1f ms after it arrived)",
             (unsigned long long)version, rt->nstages, keytab_count(rt->keys), rt->memory / 1024,
             (double)(clock_mono_us() - started) / 1000.0,
             (double)(clock_mono_us() - c->received_us) / 1000.0);
    dp_install_runtime(c->dp, rt);
    if (persist) {
        int rc = statefile_write(c->dp->state_dir, raw, raw_len);
        if (rc == 0)
            rc = statefile_clear_deltas(c->dp->state_dir);
        if (rc != 0)
            log_warn("could not write the state file: %s", strerror(-rc));
    }
    cc_send_report(c);
    return 0;
}

/* ---- key deltas and usage status ------------------------------ */

/* Applies a KeyDelta envelope on top of the current runtime. 0 applied,
 * 1 not for us (older, or another epoch: fetch), -1 refused. */
static int cc_apply_delta(cluster_client_t *c, const envelope_t *env, const uint8_t *raw,
                          size_t raw_len, int persist)
{
    char err[512];
    if (c->current == NULL)
        return 1;
    Portico__KeyDelta *d = portico__key_delta__unpack(NULL, env->payload_len, env->payload);
    if (d == NULL || d->version != env->version) {
        if (d != NULL)
            portico__key_delta__free_unpacked(d, NULL);
        cc_reject(c, env->version, "a key delta does not decode");
        return -1;
    }
    int rc = 1;
    if (d->version <= c->applied_version && strcmp(d->store_id, c->applied_store_id) == 0)
        rc = 0; /* already there (a no-op answer to a fetch) */
    else if (d->epoch == c->current->epoch && strcmp(d->store_id, c->applied_store_id) == 0 &&
             d->from_version <= c->applied_version) {
        runtime_t *rt = runtime_apply_delta(c->current, d, err, sizeof(err));
        if (rt == NULL) {
            cc_reject(c, d->version, err);
            rc = -1;
        } else {
            runtime_hold(rt);
            cc_make_current(c, rt);
            c->applied_version = rt->version;
            c->rejected_version = 0;
            c->reject_reason[0] = '\0';
            log_info("serving version %llu: key delta of %zu keys (%zu keys changed since the "
                     "snapshot)",
                     (unsigned long long)rt->version, d->changed.len / KEYREC_SHA_LEN,
                     keytab_overlay_count(rt->keys));
            dp_install_runtime(c->dp, rt);
            int wrc = persist ? statefile_append_delta(c->dp->state_dir, raw, raw_len) : 0;
            if (wrc != 0)
                log_warn("could not append to the key log: %s", strerror(-wrc));
            cc_send_report(c);
            rc = 0;
        }
    }
    portico__key_delta__free_unpacked(d, NULL);
    return rc;
}

typedef struct {
    const char *plan_id;
    _Atomic uint64_t *word;
    uint8_t *usage_id;
} cc_word_t;

static int cc_word_visit(void *ctx, const keytab_hit_t *hit)
{
    cc_word_t *w = ctx;
    if (memcmp(hit->record + KEYREC_PLAN_ID_AT, w->plan_id, KEYREC_PLAN_ID_LEN) != 0 ||
        hit->nstate <= KEYTAB_STATE_QUOTA)
        return 0;
    w->word = &hit->state[KEYTAB_STATE_QUOTA];
    memcpy(w->usage_id, hit->record + KEYREC_KEY_ID_AT, KEYREC_USAGE_ID_LEN);
    return 1;
}

/* qlease_word_fn: the quota word of (key, plan) in the runtime installed last. */
static _Atomic uint64_t *cc_lease_word(void *ctx, const uint8_t *sha, const char *plan_id,
                                       uint8_t *usage_id)
{
    cluster_client_t *c = ctx;
    cc_word_t w = {plan_id, NULL, usage_id};
    if (c->current != NULL)
        keytab_find(c->current->keys, sha, cc_word_visit, &w);
    return w.word;
}

/* qlease_word_fn over a given runtime (ctx). */
static _Atomic uint64_t *cc_runtime_word(void *ctx, const uint8_t *sha, const char *plan_id,
                                         uint8_t *usage_id)
{
    runtime_t *rt = ctx;
    cc_word_t w = {plan_id, NULL, usage_id};
    if (rt != NULL)
        keytab_find(rt->keys, sha, cc_word_visit, &w);
    return w.word;
}

/* Makes rt current (taking the caller's reference); leased quota budget
 * moves to its words before any worker sees it. */
static void cc_make_current(cluster_client_t *c, runtime_t *rt)
{
    runtime_t *old = c->current;
    c->current = rt;
    qlease_move(c->leases, cc_runtime_word, old);
    runtime_release(old);
}

static void cc_on_grants(cluster_client_t *c, const envelope_t *env)
{
    Portico__LeaseGrants *g = portico__lease_grants__unpack(NULL, env->payload_len, env->payload);
    if (g == NULL) {
        log_warn("a lease grant does not decode");
        return;
    }
    if (strcmp(g->node_id, c->dp->node_id) == 0 && g->incarnation == c->started_at_ms)
        qlease_on_grants(c->leases, g, clock_mono_ms());
    portico__lease_grants__free_unpacked(g, NULL);
}

/* This node's part of the rate limits: its own share when the status names
 * this incarnation, else an even split. */
static uint32_t cc_rate_share(const cluster_client_t *c, const Portico__UsageStatus *st)
{
    for (size_t i = 0; i < st->n_node_shares; i++) {
        const Portico__NodeShare *s = st->node_shares[i];
        if (strcmp(s->node_id, c->dp->node_id) == 0 && s->incarnation == c->started_at_ms &&
            s->share_ppm > 0 && s->share_ppm <= THROTTLE_SHARE_ALL)
            return s->share_ppm;
    }
    return THROTTLE_SHARE_ALL / (st->live_nodes > 0 ? st->live_nodes : 1);
}

static void cc_on_status(cluster_client_t *c, const envelope_t *env)
{
    Portico__UsageStatus *st = portico__usage_status__unpack(NULL, env->payload_len, env->payload);
    if (st == NULL) {
        log_warn("a usage status does not decode");
        return;
    }
    /* quota figures are for /usage only now: nodes spend leases */
    atomic_store(&c->dp->rate_share_ppm, cc_rate_share(c, st));
    portico__usage_status__free_unpacked(st, NULL);
}

static void cc_on_message(cluster_client_t *c, const uint8_t *buf, size_t len, const char *via)
{
    envelope_t env;
    Portico__Envelope *owner = NULL;
    int rc = envelope_open(&c->dp->secret, buf, len, &env, &owner);
    if (rc != ENVELOPE_OK) {
        char reason[160];
        snprintf(reason, sizeof(reason), "%s message refused: %s", via, envelope_strerror(rc));
        cc_reject(c, 0, reason);
        return;
    }
    if ((rc = fresh_accept(&c->cp_fresh, &env, clock_wall_ms())) != FRESH_OK) {
        log_warn("%s message refused: %s", via, fresh_strerror(rc));
        envelope_free(owner);
        return;
    }
    c->last_heard_ms = clock_mono_ms();
    if (c->silent_logged) {
        log_info("the control plane is reachable again");
        c->silent_logged = 0;
        c->metrics_full = 1; /* reports may have been lost meanwhile */
    }
    if (env.kind == PORTICO__MESSAGE_KIND__KIND_SNAPSHOT) {
        if (env.version != c->rejected_version)
            cc_apply(c, &env, buf, len, 1);
    } else if (env.kind == PORTICO__MESSAGE_KIND__KIND_ANNOUNCE) {
        Portico__Announce *a = portico__announce__unpack(NULL, env.payload_len, env.payload);
        if (a != NULL)
            snprintf(c->cp_store_id, sizeof(c->cp_store_id), "%s", a->store_id);
        if (a != NULL && cc_is_news(c, a->version, a->store_id) &&
            a->version != c->rejected_version)
            c->want_fetch = 1;
        if (a != NULL)
            portico__announce__free_unpacked(a, NULL);
    } else if (env.kind == PORTICO__MESSAGE_KIND__KIND_KEY_DELTA) {
        if (env.version != c->rejected_version && cc_apply_delta(c, &env, buf, len, 1) > 0 &&
            env.version > c->applied_version)
            c->want_fetch = 1;
    } else if (env.kind == PORTICO__MESSAGE_KIND__KIND_USAGE_STATUS) {
        cc_on_status(c, &env);
    } else if (env.kind == PORTICO__MESSAGE_KIND__KIND_LEASE_GRANTS) {
        cc_on_grants(c, &env);
    } else if (env.kind == PORTICO__MESSAGE_KIND__KIND_WS_DIRECTORY) {
        ws_peer_set_directory(env.payload, env.payload_len);
    }
    envelope_free(owner);
}

/* ---- fetch -------------------------------------------------------------- */

static void cc_fetch(cluster_client_t *c)
{
    Portico__FetchRequest fr = PORTICO__FETCH_REQUEST__INIT;
    fr.node_id = (char *)c->dp->node_id;
    fr.have_version = c->applied_version;
    fr.have_epoch = c->current != NULL && !c->fetch_full ? c->current->epoch : 0;
    fr.have_store_id = c->applied_store_id;
    uint8_t payload[512], nonce[16], *sealed;
    size_t plen = portico__fetch_request__get_packed_size(&fr), slen;
    if (plen > sizeof(payload))
        return;
    portico__fetch_request__pack(&fr, payload);
    crypto_random(nonce, sizeof(nonce));
    envelope_t env = {.kind = PORTICO__MESSAGE_KIND__KIND_FETCH,
                      .version = c->applied_version,
                      .sent_at_ms = clock_wall_ms(),
                      .nonce = nonce,
                      .nonce_len = sizeof(nonce),
                      .payload = payload,
                      .payload_len = plen};
    c->last_fetch_ms = clock_mono_ms();
    if (cc_seal(c, &env, &sealed, &slen) != ENVELOPE_OK)
        return;
    int rv = nng_send(c->req, sealed, slen, 0);
    free(sealed);
    if (rv != 0)
        return;
    void *buf;
    size_t len;
    if ((rv = nng_recv(c->req, &buf, &len, NNG_FLAG_ALLOC)) != 0) {
        log_debug("fetch: %s", nng_strerror(rv));
        return;
    }
    c->received_us = clock_mono_us();
    envelope_t reply;
    Portico__Envelope *owner = NULL;
    rv = envelope_open(&c->dp->secret, buf, len, &reply, &owner);
    if (rv != ENVELOPE_OK) {
        char reason[160];
        snprintf(reason, sizeof(reason), "fetch reply refused: %s", envelope_strerror(rv));
        cc_reject(c, 0, reason);
    } else if (reply.nonce_len != sizeof(nonce) || memcmp(reply.nonce, nonce, sizeof(nonce)) != 0) {
        cc_reject(c, reply.version, "fetch reply does not answer our request (nonce)");
    } else if (!fresh_in_window(reply.sent_at_ms, clock_wall_ms())) {
        log_warn("fetch reply refused: %s", fresh_strerror(FRESH_ESTALE));
    } else if (reply.kind == PORTICO__MESSAGE_KIND__KIND_SNAPSHOT) {
        c->last_heard_ms = clock_mono_ms();
        c->want_fetch = 0;
        cc_apply(c, &reply, buf, len, 1);
    } else if (reply.kind == PORTICO__MESSAGE_KIND__KIND_KEY_DELTA) {
        c->last_heard_ms = clock_mono_ms();
        c->want_fetch = 0;
        if (cc_apply_delta(c, &reply, buf, len, 1) != 0) {
            c->fetch_full = 1; /* the next fetch asks for the whole snapshot */
            c->want_fetch = 1;
        }
    }
    envelope_free(owner);
    nng_free(buf, len);
}

/* ---- reports ------------------------------------------------------------ */

/* The series this report carries (malloc'd array of pointers into the
 * aggregate and into *store), or 0 series when metrics are off or could not
 * be summed this time. */
static size_t cc_metric_series(cluster_client_t *c, Portico__NodeReport *r,
                               Portico__MetricSeries **store)
{
    dp_t *dp = c->dp;
    *store = NULL;
    if (c->metrics == NULL)
        return 0;
    for (int i = 0; i < dp->nthreads; i++)
        c->metric_threads[i] = dp->threads[i].obs->metrics;
    uint64_t tick = ++c->metrics_tick;
    if (reqmetrics_agg_collect(c->metrics, c->metric_threads, dp->nthreads, tick) != 0)
        return 0;
    const uint64_t *node = reqmetrics_agg_node(c->metrics);
    r->node_requests = node[REQMETRICS_NODE_REQUESTS];
    r->node_4xx = node[REQMETRICS_NODE_4XX];
    r->node_5xx = node[REQMETRICS_NODE_5XX];
    int full = c->metrics_full || tick % CC_METRICS_FULL_EVERY == 0;
    size_t total = reqmetrics_agg_count(c->metrics), n = 0;
    Portico__MetricSeries *ms = calloc(total + 1, sizeof(*ms));
    r->metric_series = calloc(total + 1, sizeof(*r->metric_series));
    if (ms == NULL || r->metric_series == NULL) {
        free(ms);
        free(r->metric_series);
        r->metric_series = NULL;
        return 0;
    }
    for (size_t i = 0; i < total; i++) {
        const reqmetrics_entry_t *e = reqmetrics_agg_entry(c->metrics, i);
        if (!full && e->changed_at + CC_METRICS_RECENT <= tick)
            continue;
        Portico__MetricSeries *m = &ms[n];
        portico__metric_series__init(m);
        m->api_id = (char *)e->key->api_id;
        m->stage = (char *)e->key->stage;
        m->resource = (char *)e->key->resource;
        m->method = (char *)e->key->method;
        m->canary = e->key->canary;
        m->n_values = MV_LEN;
        m->values = (uint64_t *)e->sum.v;
        r->metric_series[n++] = m;
    }
    c->metrics_full = 0;
    r->n_metric_series = n;
    *store = ms;
    return n;
}

/* ---- usage in reports ----------------------------------------- */

typedef struct {
    Portico__KeyUsage *items;
    Portico__KeyUsage **ptrs;
    char (*ids)[2][KEYREC_KEY_ID_LEN + 1];
    size_t n;
} cc_usage_t;

static void cc_usage_visit(void *ctx, const uint8_t *id, uint32_t day, uint64_t count)
{
    cc_usage_t *u = ctx;
    Portico__KeyUsage *k = &u->items[u->n];
    portico__key_usage__init(k);
    memcpy(u->ids[u->n][0], id, KEYREC_KEY_ID_LEN);
    u->ids[u->n][0][KEYREC_KEY_ID_LEN] = '\0';
    memcpy(u->ids[u->n][1], id + KEYREC_KEY_ID_LEN, KEYREC_PLAN_ID_LEN);
    u->ids[u->n][1][KEYREC_PLAN_ID_LEN] = '\0';
    k->key_id = u->ids[u->n][0];
    k->plan_id = u->ids[u->n][1];
    k->day = day;
    k->count = count;
    u->ptrs[u->n++] = k;
}

/* Collects the workers' counts and lists them in r (free with cc_usage_free). */
static int cc_usage_fill(cluster_client_t *c, Portico__NodeReport *r, cc_usage_t *u)
{
    if (c->unreported == NULL && (c->unreported = dpusage_create()) == NULL)
        return -1;
    if (dpusage_drain(&c->dp->usage_inbox, c->unreported) != 0)
        log_warn("out of memory while collecting usage counts; some are lost");
    size_t n = dpusage_count(c->unreported);
    if (n == 0)
        return 0;
    u->items = calloc(n, sizeof(*u->items));
    u->ptrs = calloc(n, sizeof(*u->ptrs));
    u->ids = calloc(n, sizeof(*u->ids));
    if (u->items == NULL || u->ptrs == NULL || u->ids == NULL)
        return -1;
    dpusage_visit(c->unreported, cc_usage_visit, u);
    r->usage = u->ptrs;
    r->n_usage = u->n;
    return 0;
}

static void cc_usage_free(cc_usage_t *u)
{
    free(u->items);
    free(u->ptrs);
    free(u->ids);
}

/* The report carried the counts: start afresh. */
static void cc_usage_sent(cluster_client_t *c, size_t n)
{
    if (n == 0)
        return;
    dpusage_destroy(c->unreported);
    c->unreported = NULL;
}

static void cc_send_report(cluster_client_t *c)
{
    Portico__NodeReport r = PORTICO__NODE_REPORT__INIT;
    cc_usage_t usage = {0};
    if (cc_usage_fill(c, &r, &usage) != 0)
        log_warn("out of memory while reporting usage");
    r.node_id = (char *)c->dp->node_id;
    r.listen_addr = (char *)c->dp->listen;
    r.ws_peer_url = (char *)ws_peer_self_url();
    r.applied_version = c->applied_version;
    r.applied_store_id = c->applied_store_id;
    int nack = c->rejected_version != 0 || c->reject_reason[0] != '\0';
    r.status = nack ? PORTICO__APPLY_STATUS__APPLY_NACK : PORTICO__APPLY_STATUS__APPLY_ACK;
    r.nack_reason = c->reject_reason;
    r.nack_version = c->rejected_version;
    r.started_at_ms = c->started_at_ms;
    r.seq = ++c->seq;
    r.threads = (uint32_t)c->dp->nthreads;
    if (c->dp->caches != NULL)
        cache_registry_stats(c->dp->caches, &r.caches, &r.n_caches);
    Portico__MetricSeries *series;
    cc_metric_series(c, &r, &series);
    uint64_t now = clock_mono_ms();
    if (c->leases != NULL)
        qlease_fill(c->leases, &r, now);
    size_t plen = portico__node_report__get_packed_size(&r), slen;
    uint8_t *payload = malloc(plen == 0 ? 1 : plen), *sealed;
    if (payload == NULL) {
        free(r.metric_series);
        free(series);
        cc_usage_free(&usage);
        if (c->leases != NULL)
            qlease_sent(c->leases, 0, now);
        return;
    }
    portico__node_report__pack(&r, payload);
    free(r.metric_series);
    envelope_t env = {.kind = PORTICO__MESSAGE_KIND__KIND_REPORT,
                      .version = c->applied_version,
                      .sent_at_ms = clock_wall_ms(),
                      .payload = payload,
                      .payload_len = plen};
    int sent = 0;
    if (cc_seal(c, &env, &sealed, &slen) == ENVELOPE_OK) {
        /* counts a report could not carry (no control plane) wait for the next */
        if ((sent = nng_send(c->push, sealed, slen, NNG_FLAG_NONBLOCK) == 0))
            cc_usage_sent(c, r.n_usage);
        free(sealed);
    }
    if (c->leases != NULL)
        qlease_sent(c->leases, sent, now);
    free(series);
    cc_usage_free(&usage);
    free(payload);
    c->last_report_ms = clock_mono_ms();
}

/* ---- the loop ----------------------------------------------------------- */

static void cc_tick(cluster_client_t *c)
{
    uint64_t now = clock_mono_ms();
    if (c->want_fetch && now - c->last_fetch_ms >= CC_FETCH_RETRY_MS)
        cc_fetch(c);
    now = clock_mono_ms(); /* a fetch above may have taken a while, and heard the control plane */
    uint64_t silent = now > c->last_heard_ms ? now - c->last_heard_ms : 0;
    atomic_store_explicit(&c->dp->quota_open_now, c->dp->quota_away_open && silent > CC_SILENCE_MS,
                          memory_order_relaxed);
    atomic_store_explicit(&c->dp->lease_cp_away, silent >= QLEASE_AWAY_MS, memory_order_relaxed);
    qlease_tick(c->leases, &c->dp->lease_queue, now, silent);
    /* a lease ask goes at once (a request may be waiting for it) */
    if (now - c->last_report_ms >= CC_REPORT_MS ||
        (qlease_ask_due(c->leases) && now - c->last_report_ms >= CC_POLL_MS / 2))
        cc_send_report(c);
    if (!c->silent_logged && clock_mono_ms() - c->last_heard_ms > CC_SILENCE_MS) {
        log_warn("no word from the control plane for %d s; serving version %llu",
                 CC_SILENCE_MS / 1000, (unsigned long long)c->applied_version);
        c->silent_logged = 1;
        c->want_fetch = 1;
    }
}

static void *cc_main(void *arg)
{
    cluster_client_t *c = arg;
    while (!atomic_load(&c->stopping)) {
        void *buf;
        size_t len;
        int rv = nng_recv(c->sub, &buf, &len, NNG_FLAG_ALLOC);
        if (rv == 0) {
            c->received_us = clock_mono_us();
            cc_on_message(c, buf, len, "published");
            nng_free(buf, len);
        } else if (rv != NNG_ETIMEDOUT) {
            break;
        }
        cc_tick(c);
    }
    return NULL;
}

static int cc_open(cluster_client_t *c, char *err, size_t err_len)
{
    char rep_url[512], pull_url[512];
    const char *url = c->dp->control_plane;
    if (netaddr_url_with_port_offset(url, 1, rep_url, sizeof(rep_url)) != 0 ||
        netaddr_url_with_port_offset(url, 2, pull_url, sizeof(pull_url)) != 0) {
        snprintf(err, err_len, "invalid control plane address '%s' (expected tcp://HOST:PORT)",
                 url);
        return -1;
    }
    int rv;
    nng_tls_config *tls = NULL;
    clustertls_files_t files = {c->dp->cluster_tls_cert, c->dp->cluster_tls_key,
                                c->dp->cluster_tls_ca};
    if (clustertls_config(url, &files, 0, &tls, err, err_len) != 0)
        return -1;
    if ((rv = nng_sub0_open(&c->sub)) != 0 || (rv = nng_req0_open(&c->req)) != 0 ||
        (rv = nng_push0_open(&c->push)) != 0)
        goto fail;
    nng_socket_set(c->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
    nng_socket_set_size(c->sub, NNG_OPT_RECVMAXSZ, CC_MAX_SNAPSHOT);
    nng_socket_set_size(c->req, NNG_OPT_RECVMAXSZ, CC_MAX_SNAPSHOT);
    nng_socket_set_ms(c->sub, NNG_OPT_RECVTIMEO, CC_POLL_MS);
    nng_socket_set_ms(c->req, NNG_OPT_RECVTIMEO, CC_FETCH_TIMEOUT_MS);
    nng_socket_set_ms(c->req, NNG_OPT_SENDTIMEO, CC_FETCH_TIMEOUT_MS);
    nng_socket_set_ms(c->sub, NNG_OPT_RECONNMAXT, 1000);
    nng_socket_set_ms(c->req, NNG_OPT_RECONNMAXT, 1000);
    nng_socket_set_ms(c->push, NNG_OPT_RECONNMAXT, 1000);
    /* non-blocking dials keep retrying in the background while the control plane is away */
    if ((rv = clustertls_dial(c->sub, url, tls, NNG_FLAG_NONBLOCK)) != 0 ||
        (rv = clustertls_dial(c->req, rep_url, tls, NNG_FLAG_NONBLOCK)) != 0 ||
        (rv = clustertls_dial(c->push, pull_url, tls, NNG_FLAG_NONBLOCK)) != 0)
        goto fail;
    if (tls != NULL)
        nng_tls_config_free(tls);
    return 0;
fail:
    if (tls != NULL)
        nng_tls_config_free(tls);
    snprintf(err, err_len, "cluster sockets: %s", nng_strerror(rv));
    return -1;
}

int cluster_client_create(dp_t *dp, cluster_client_t **out, char *err, size_t err_len)
{
    cluster_client_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    c->dp = dp;
    c->want_fetch = 1;
    c->started_at_ms = dp->started_at_ms;
    if (!dp->metrics_off) {
        c->metrics = reqmetrics_agg_create();
        c->metric_threads = calloc((size_t)dp->nthreads, sizeof(*c->metric_threads));
        if (c->metrics == NULL || c->metric_threads == NULL) {
            reqmetrics_agg_destroy(c->metrics);
            free(c->metric_threads);
            free(c);
            snprintf(err, err_len, "out of memory");
            return -1;
        }
    }
    c->last_heard_ms = clock_mono_ms();
    if ((c->leases = qlease_book_create(cc_lease_word, c)) == NULL) {
        reqmetrics_agg_destroy(c->metrics);
        free(c->metric_threads);
        free(c);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    *out = c;
    return 0;
}

/* A key delta from the state directory's log, verified like any message. */
static void cc_load_delta(void *ctx, const uint8_t *raw, size_t len)
{
    cluster_client_t *c = ctx;
    envelope_t env;
    Portico__Envelope *owner = NULL;
    if (envelope_open(&c->dp->secret, raw, len, &env, &owner) == ENVELOPE_OK &&
        env.kind == PORTICO__MESSAGE_KIND__KIND_KEY_DELTA)
        cc_apply_delta(c, &env, raw, len, 0);
    envelope_free(owner);
}

int cluster_client_load_state(dp_t *dp, cluster_client_t *c)
{
    uint8_t *raw;
    size_t len;
    int rc = statefile_read(dp->state_dir, &raw, &len);
    if (rc != 0) {
        if (rc != -ENOENT)
            log_warn("cannot read the state file: %s", strerror(-rc));
        return -1;
    }
    envelope_t env;
    Portico__Envelope *owner = NULL;
    rc = envelope_open(&dp->secret, raw, len, &env, &owner);
    if (rc != ENVELOPE_OK || env.kind != PORTICO__MESSAGE_KIND__KIND_SNAPSHOT) {
        log_warn("ignoring the state file: %s",
                 rc != ENVELOPE_OK ? envelope_strerror(rc) : "not a snapshot");
        rc = -1;
    } else {
        log_info("starting from the state file's snapshot version %llu",
                 (unsigned long long)env.version);
        rc = cc_apply(c, &env, raw, len, 0);
    }
    envelope_free(owner);
    free(raw);
    if (rc == 0)
        statefile_read_deltas(dp->state_dir, cc_load_delta, c);
    return rc;
}

int cluster_client_start(cluster_client_t *c, char *err, size_t err_len)
{
    if (cc_open(c, err, err_len) != 0)
        return -1;
    if (pthread_create(&c->thread, NULL, cc_main, c) != 0) {
        snprintf(err, err_len, "cannot start the cluster thread");
        return -1;
    }
    c->started = 1;
    return 0;
}

void cluster_client_stop(cluster_client_t *c)
{
    if (c == NULL)
        return;
    atomic_store(&c->stopping, 1);
    if (c->started) {
        /* a fetch from a control plane that went away can hold the thread
         * for its timeout: wait a little, then leave it to the exit */
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += CC_STOP_WAIT_S;
        if (pthread_timedjoin_np(c->thread, NULL, &deadline) != 0) {
            log_warn("the cluster thread is still busy; exiting without it");
            return;
        }
        /* the workers are done: one last report with every series and their
         * last usage counts, then a moment for NNG to deliver it */
        c->metrics_full = 1;
        qlease_release_all(c->leases); /* unspent leases go back */
        cc_send_report(c);
        nng_msleep(200);
    }
    /* The sockets are not closed: the process is exiting, and NNG 1.5's
     * nng_close can wait forever for a dialer still reconnecting to a control
     * plane that is gone (seen on a SUB socket at shutdown). */
    qlease_book_destroy(c->leases);
    runtime_release(c->current);
    dpusage_destroy(c->unreported);
    reqmetrics_agg_destroy(c->metrics);
    free(c->metric_threads);
    free(c);
}
