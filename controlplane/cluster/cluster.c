/* cluster: the current snapshot is a reference-counted blob so the REP thread
 * can send it while a newer one is being published. */
#include "cluster.h"

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "fresh.h"
#include "log.h"
#include "netaddr.h"

/* NNG allocates a frame of the announced size before anything checks its
 * MAC, so each socket takes no more than its messages need: a fetch request
 * is a few hundred bytes; a report carries every metric series of the node
 * (69 numbers each) in every tenth report. */
#define CLUSTER_MAX_FETCH (64 * 1024)
#define CLUSTER_MAX_REPORT (16 * 1024 * 1024)
#define CLUSTER_POLL_MS 200

struct cluster_blob {
    atomic_int refs;
    uint64_t version;
    uint64_t epoch; /* the snapshot's config epoch */
    uint8_t *bytes;
    size_t len;
    uint8_t sha256[32];
};

struct cluster {
    nng_socket pub, rep, pull;
    envelope_secret_t secret;
    char store_id[64];
    cluster_report_fn on_report;
    void *ctx;
    pthread_mutex_t mu;
    pthread_mutex_t pub_mu; /* PUB's senders (admin loop, PULL thread's grants): seq in order */
    struct cluster_blob *current;
    struct cluster_blob *cumulative; /* KeyDelta since current, or NULL */
    pthread_t rep_thread, pull_thread;
    atomic_int stopping;
    int threads_started;
    /* freshness: this process's incarnation and sequence, and what each
     * node last sent on each socket (one table per receiving thread) */
    uint64_t incarnation;
    atomic_uint_fast64_t seq;
    atomic_int regressed; /* a node holds a version this store never published */
    fresh_table_t *fetch_fresh, *report_fresh;
    fresh_table_t *code_fresh; /* code fetches: a node may send them from another socket */
    codefetch_fn code_fetch;
    void *code_ctx;
};

#define CLUSTER_SENDER "portico-cp"
#define CLUSTER_MAX_NODES 4096

static void blob_release(struct cluster_blob *b)
{
    if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1) {
        free(b->bytes);
        free(b);
    }
}

/* The current snapshot and cumulative delta, held together. */
/* The store id, copied under the lock (the loop thread may change it). */
static void cluster_store_id(cluster_t *c, char out[64])
{
    pthread_mutex_lock(&c->mu);
    memcpy(out, c->store_id, 64);
    pthread_mutex_unlock(&c->mu);
}

static void cluster_hold_both(cluster_t *c, struct cluster_blob **snap, struct cluster_blob **cum)
{
    pthread_mutex_lock(&c->mu);
    *snap = c->current;
    *cum = c->cumulative;
    if (*snap != NULL)
        atomic_fetch_add(&(*snap)->refs, 1);
    if (*cum != NULL)
        atomic_fetch_add(&(*cum)->refs, 1);
    pthread_mutex_unlock(&c->mu);
}

static struct cluster_blob *blob_new(uint64_t version, uint64_t epoch, uint8_t *bytes, size_t len)
{
    struct cluster_blob *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        free(bytes);
        return NULL;
    }
    atomic_init(&b->refs, 1);
    b->version = version;
    b->epoch = epoch;
    b->bytes = bytes;
    b->len = len;
    crypto_sha256(bytes, len, b->sha256);
    return b;
}

int cluster_urls(const char *url, char *rep, char *pull, size_t len)
{
    if (netaddr_url_with_port_offset(url, 1, rep, len) != 0 ||
        netaddr_url_with_port_offset(url, 2, pull, len) != 0)
        return -1;
    return 0;
}

static int cluster_send_locked(cluster_t *c, nng_socket sock, const envelope_t *env, int flags);

/* Seals and sends; NNG takes the buffer on success. Messages on PUB are
 * numbered and sent under one lock, so receivers see their seq grow. */
static int cluster_send(cluster_t *c, nng_socket sock, const envelope_t *env, int flags)
{
    if (nng_socket_id(sock) != nng_socket_id(c->pub))
        return cluster_send_locked(c, sock, env, flags);
    pthread_mutex_lock(&c->pub_mu);
    int rc = cluster_send_locked(c, sock, env, flags);
    pthread_mutex_unlock(&c->pub_mu);
    return rc;
}

static int cluster_send_locked(cluster_t *c, nng_socket sock, const envelope_t *env, int flags)
{
    uint8_t *buf;
    size_t len;
    envelope_t e = *env;
    e.sender = CLUSTER_SENDER;
    e.incarnation = c->incarnation;
    e.seq = atomic_fetch_add(&c->seq, 1) + 1;
    if (envelope_seal(&c->secret, &e, &buf, &len) != ENVELOPE_OK)
        return -1;
    void *nbuf = nng_alloc(len);
    if (nbuf == NULL) {
        free(buf);
        return -1;
    }
    memcpy(nbuf, buf, len);
    free(buf);
    int rv = nng_send(sock, nbuf, len, NNG_FLAG_ALLOC | flags);
    if (rv != 0) {
        nng_free(nbuf, len);
        return -1;
    }
    return 0;
}

/* ---- REP: fetch -------------------------------------------------------- */

/* What a node that has (version, epoch, store) needs: the
 * cumulative delta when it applies on top of what the node has, an empty
 * delta when the node is current, else the whole snapshot. */
static struct cluster_blob *cluster_fetch_answer(cluster_t *c, const envelope_t *req,
                                                 Portico__MessageKind *kind, uint64_t *version,
                                                 uint8_t **scratch, size_t *scratch_len)
{
    struct cluster_blob *snap, *cum;
    char store_id[64];
    cluster_store_id(c, store_id);
    cluster_hold_both(c, &snap, &cum);
    Portico__FetchRequest *fr =
        portico__fetch_request__unpack(NULL, req->payload_len, req->payload);
    uint64_t latest = cum != NULL ? cum->version : snap != NULL ? snap->version : 0;
    int same = fr != NULL && snap != NULL && fr->have_epoch != 0 && fr->have_epoch == snap->epoch &&
               strcmp(fr->have_store_id, store_id) == 0;
    *kind = PORTICO__MESSAGE_KIND__KIND_SNAPSHOT;
    *version = snap != NULL ? snap->version : 0;
    if (same && fr->have_version == latest) {
        Portico__KeyDelta d = PORTICO__KEY_DELTA__INIT;
        d.epoch = snap->epoch;
        d.from_version = d.version = latest;
        d.store_id = store_id;
        *scratch_len = portico__key_delta__get_packed_size(&d);
        if ((*scratch = malloc(*scratch_len + 1)) != NULL) {
            portico__key_delta__pack(&d, *scratch);
            *kind = PORTICO__MESSAGE_KIND__KIND_KEY_DELTA;
            *version = latest;
        }
    } else if (same && cum != NULL && fr->have_version >= snap->version &&
               fr->have_version < cum->version) {
        *kind = PORTICO__MESSAGE_KIND__KIND_KEY_DELTA;
        *version = cum->version;
        blob_release(snap);
        snap = cum;
        cum = NULL;
    }
    if (fr != NULL)
        portico__fetch_request__free_unpacked(fr, NULL);
    blob_release(cum);
    return snap;
}

static void cluster_answer_fetch(cluster_t *c, const envelope_t *req)
{
    Portico__MessageKind kind;
    uint64_t version;
    uint8_t *scratch = NULL;
    size_t scratch_len = 0;
    struct cluster_blob *b = cluster_fetch_answer(c, req, &kind, &version, &scratch, &scratch_len);
    envelope_t reply = {
        .sent_at_ms = clock_wall_ms(), .nonce = req->nonce, .nonce_len = req->nonce_len};
    if (b != NULL && scratch != NULL) {
        reply.kind = kind;
        reply.version = version;
        reply.payload = scratch;
        reply.payload_len = scratch_len;
    } else if (b != NULL && kind == PORTICO__MESSAGE_KIND__KIND_KEY_DELTA) {
        reply.kind = kind;
        reply.version = b->version;
        reply.payload = b->bytes;
        reply.payload_len = b->len;
    } else if (b == NULL) {
        static const char msg[] = "no snapshot yet";
        reply.kind = PORTICO__MESSAGE_KIND__KIND_ERROR;
        reply.payload = (const uint8_t *)msg;
        reply.payload_len = sizeof(msg) - 1;
    } else {
        reply.kind = PORTICO__MESSAGE_KIND__KIND_SNAPSHOT;
        reply.version = b->version;
        reply.payload = b->bytes;
        reply.payload_len = b->len;
    }
    if (cluster_send(c, c->rep, &reply, 0) != 0)
        log_warn("cluster: could not answer a fetch");
    blob_release(b);
    free(scratch);
}

/* A function's zip by hash (codefetch.h). */
static void cluster_answer_code(cluster_t *c, const envelope_t *req)
{
    uint8_t *owned = NULL;
    envelope_t reply = {
        .sent_at_ms = clock_wall_ms(), .nonce = req->nonce, .nonce_len = req->nonce_len};
    if (codefetch_answer(req, c->code_fetch, c->code_ctx, &reply, &owned) != 0 ||
        cluster_send(c, c->rep, &reply, 0) != 0) {
        log_warn("cluster: could not answer a code fetch");
        nng_send(c->rep, "", 0, 0);
    }
    free(owned);
}

static void cluster_handle_fetch(cluster_t *c, const uint8_t *buf, size_t len)
{
    envelope_t env;
    Portico__Envelope *owner = NULL;
    int rc = envelope_open(&c->secret, buf, len, &env, &owner);
    const char *why = rc != ENVELOPE_OK ? envelope_strerror(rc) : NULL;
    int code = why == NULL && env.kind == PORTICO__MESSAGE_KIND__KIND_CODE_FETCH;
    if (why == NULL && env.kind != PORTICO__MESSAGE_KIND__KIND_FETCH && !code)
        why = "unexpected message kind";
    if (why == NULL && (rc = fresh_table_accept(code ? c->code_fresh : c->fetch_fresh, &env,
                                                clock_wall_ms())) != 0)
        why = fresh_strerror(rc);
    if (why != NULL) {
        log_warn("cluster: refused a fetch request: %s", why);
        /* REP must answer; an empty reply tells the peer nothing */
        nng_send(c->rep, "", 0, 0);
        envelope_free(owner);
        return;
    }
    if (code)
        cluster_answer_code(c, &env);
    else
        cluster_answer_fetch(c, &env);
    envelope_free(owner);
}

static void *cluster_rep_main(void *arg)
{
    cluster_t *c = arg;
    while (!atomic_load(&c->stopping)) {
        void *buf;
        size_t len;
        int rv = nng_recv(c->rep, &buf, &len, NNG_FLAG_ALLOC);
        if (rv == NNG_ETIMEDOUT)
            continue;
        if (rv != 0)
            break;
        cluster_handle_fetch(c, buf, len);
        nng_free(buf, len);
    }
    return NULL;
}

/* ---- PULL: reports ------------------------------------------------------ */

/* A node on this store incarnation with a version above the latest one
 * published: the database went back under the same epoch. */
static void cluster_check_regression(cluster_t *c, const Portico__NodeReport *r)
{
    struct cluster_blob *snap, *cum;
    char store_id[64];
    cluster_store_id(c, store_id);
    cluster_hold_both(c, &snap, &cum);
    uint64_t latest = cum != NULL ? cum->version : snap != NULL ? snap->version : 0;
    if (snap != NULL && strcmp(r->applied_store_id, store_id) == 0 && r->applied_version > latest &&
        !atomic_exchange(&c->regressed, 1))
        log_warn("cluster: node %s serves version %llu of this store, above %llu: the database "
                 "went back",
                 r->node_id, (unsigned long long)r->applied_version, (unsigned long long)latest);
    blob_release(snap);
    blob_release(cum);
}

int cluster_take_regression(cluster_t *c)
{
    return atomic_exchange(&c->regressed, 0);
}

void cluster_set_store_id(cluster_t *c, const char *store_id)
{
    pthread_mutex_lock(&c->mu);
    snprintf(c->store_id, sizeof(c->store_id), "%s", store_id);
    pthread_mutex_unlock(&c->mu);
}

static void cluster_handle_report(cluster_t *c, const uint8_t *buf, size_t len)
{
    envelope_t env;
    Portico__Envelope *owner = NULL;
    int rc = envelope_open(&c->secret, buf, len, &env, &owner);
    const char *why = rc != ENVELOPE_OK ? envelope_strerror(rc) : NULL;
    if (why == NULL && env.kind != PORTICO__MESSAGE_KIND__KIND_REPORT)
        why = "unexpected message kind";
    if (why == NULL && (rc = fresh_table_accept(c->report_fresh, &env, clock_wall_ms())) != 0)
        why = fresh_strerror(rc);
    if (why != NULL) {
        log_warn("cluster: refused a node report: %s", why);
        envelope_free(owner);
        return;
    }
    Portico__NodeReport *r = portico__node_report__unpack(NULL, env.payload_len, env.payload);
    if (r == NULL || r->node_id == NULL || r->node_id[0] == '\0')
        log_warn("cluster: refused a node report: it does not decode");
    else if (strcmp(r->node_id, env.sender) != 0 || r->started_at_ms != env.incarnation)
        log_warn("cluster: refused a node report: its envelope names another sender");
    else {
        cluster_check_regression(c, r);
        c->on_report(c->ctx, r);
    }
    if (r != NULL)
        portico__node_report__free_unpacked(r, NULL);
    envelope_free(owner);
}

static void *cluster_pull_main(void *arg)
{
    cluster_t *c = arg;
    while (!atomic_load(&c->stopping)) {
        void *buf;
        size_t len;
        int rv = nng_recv(c->pull, &buf, &len, NNG_FLAG_ALLOC);
        if (rv == NNG_ETIMEDOUT)
            continue;
        if (rv != 0)
            break;
        cluster_handle_report(c, buf, len);
        nng_free(buf, len);
    }
    return NULL;
}

/* ---- lifecycle ---------------------------------------------------------- */

static int cluster_open_sockets(cluster_t *c, const char *url, const clustertls_files_t *tls,
                                char *err, size_t err_len)
{
    char rep_url[512], pull_url[512];
    if (cluster_urls(url, rep_url, pull_url, sizeof(rep_url)) != 0) {
        snprintf(err, err_len,
                 "invalid cluster address '%s' (expected tcp://HOST:PORT or tls+tcp://HOST:PORT)",
                 url);
        return -1;
    }
    int rv;
    const char *what = url;
    nng_tls_config *cfg = NULL;
    if (clustertls_config(url, tls, 1, &cfg, err, err_len) != 0)
        return -1;
    if ((rv = nng_pub0_open(&c->pub)) != 0 || (rv = nng_rep0_open(&c->rep)) != 0 ||
        (rv = nng_pull0_open(&c->pull)) != 0)
        goto fail;
    nng_socket_set_size(c->rep, NNG_OPT_RECVMAXSZ, CLUSTER_MAX_FETCH);
    nng_socket_set_size(c->pull, NNG_OPT_RECVMAXSZ, CLUSTER_MAX_REPORT);
    nng_socket_set_ms(c->rep, NNG_OPT_RECVTIMEO, CLUSTER_POLL_MS);
    nng_socket_set_ms(c->pull, NNG_OPT_RECVTIMEO, CLUSTER_POLL_MS);
    nng_socket_set_ms(c->rep, NNG_OPT_SENDTIMEO, 10000);
    if ((rv = clustertls_listen(c->pub, url, cfg)) != 0)
        goto fail;
    what = rep_url;
    if ((rv = clustertls_listen(c->rep, rep_url, cfg)) != 0)
        goto fail;
    what = pull_url;
    if ((rv = clustertls_listen(c->pull, pull_url, cfg)) != 0)
        goto fail;
    if (cfg != NULL)
        nng_tls_config_free(cfg);
    return 0;
fail:
    if (cfg != NULL)
        nng_tls_config_free(cfg);
    snprintf(err, err_len, "cluster socket %s: %s", what, nng_strerror(rv));
    return -1;
}

int cluster_start(const cluster_config_t *cfg, cluster_t **out, char *err, size_t err_len)
{
    cluster_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->pub_mu, NULL);
    c->secret = cfg->secret;
    snprintf(c->store_id, sizeof(c->store_id), "%s", cfg->store_id);
    c->on_report = cfg->on_report;
    c->ctx = cfg->ctx;
    c->incarnation = clock_wall_ms();
    c->fetch_fresh = fresh_table_create(CLUSTER_MAX_NODES);
    c->report_fresh = fresh_table_create(CLUSTER_MAX_NODES);
    c->code_fresh = fresh_table_create(CLUSTER_MAX_NODES);
    c->code_fetch = cfg->code_fetch;
    c->code_ctx = cfg->code_ctx;
    if (c->fetch_fresh == NULL || c->report_fresh == NULL || c->code_fresh == NULL) {
        snprintf(err, err_len, "out of memory");
        goto fail;
    }
    if (cluster_open_sockets(c, cfg->url, &cfg->tls, err, err_len) != 0)
        goto fail;
    if (pthread_create(&c->rep_thread, NULL, cluster_rep_main, c) != 0 ||
        pthread_create(&c->pull_thread, NULL, cluster_pull_main, c) != 0) {
        snprintf(err, err_len, "cannot start cluster threads");
        goto fail;
    }
    c->threads_started = 1;
    *out = c;
    return 0;
fail:
    cluster_stop(c);
    return -1;
}

void cluster_stop(cluster_t *c)
{
    if (c == NULL)
        return;
    atomic_store(&c->stopping, 1);
    if (c->threads_started) {
        pthread_join(c->rep_thread, NULL);
        pthread_join(c->pull_thread, NULL);
    }
    nng_close(c->pub);
    nng_close(c->rep);
    nng_close(c->pull);
    blob_release(c->current);
    blob_release(c->cumulative);
    fresh_table_destroy(c->fetch_fresh);
    fresh_table_destroy(c->report_fresh);
    fresh_table_destroy(c->code_fresh);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->pub_mu);
    free(c);
}

void cluster_publish(cluster_t *c, uint64_t version, uint8_t *snapshot, size_t len)
{
    cluster_publish_snapshot(c, version, version, snapshot, len, 1);
}

void cluster_publish_snapshot(cluster_t *c, uint64_t version, uint64_t epoch, uint8_t *snapshot,
                              size_t len, int broadcast)
{
    struct cluster_blob *b = blob_new(version, epoch, snapshot, len);
    if (b == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    struct cluster_blob *old = c->current, *cum = c->cumulative;
    c->current = b;
    c->cumulative = NULL;
    atomic_fetch_add(&b->refs, 1);
    pthread_mutex_unlock(&c->mu);
    blob_release(old);
    blob_release(cum);
    envelope_t env = {.kind = PORTICO__MESSAGE_KIND__KIND_SNAPSHOT,
                      .version = version,
                      .sent_at_ms = clock_wall_ms(),
                      .payload = b->bytes,
                      .payload_len = b->len};
    if (broadcast && cluster_send(c, c->pub, &env, 0) != 0)
        log_warn("cluster: could not publish snapshot %llu", (unsigned long long)version);
    blob_release(b);
}

void cluster_publish_delta(cluster_t *c, uint64_t version, uint64_t epoch, uint8_t *inc,
                           size_t inc_len, uint8_t *cum, size_t cum_len)
{
    struct cluster_blob *b = blob_new(version, epoch, cum, cum_len);
    if (b != NULL) {
        pthread_mutex_lock(&c->mu);
        struct cluster_blob *old = c->cumulative;
        c->cumulative = b;
        pthread_mutex_unlock(&c->mu);
        blob_release(old);
    }
    envelope_t env = {.kind = PORTICO__MESSAGE_KIND__KIND_KEY_DELTA,
                      .version = version,
                      .sent_at_ms = clock_wall_ms(),
                      .payload = inc,
                      .payload_len = inc_len};
    if (cluster_send(c, c->pub, &env, 0) != 0)
        log_warn("cluster: could not publish key delta %llu", (unsigned long long)version);
    free(inc);
}

void cluster_publish_status(cluster_t *c, const uint8_t *payload, size_t len)
{
    envelope_t env = {.kind = PORTICO__MESSAGE_KIND__KIND_USAGE_STATUS,
                      .sent_at_ms = clock_wall_ms(),
                      .payload = payload,
                      .payload_len = len};
    cluster_send(c, c->pub, &env, 0);
}

void cluster_publish_ws_directory(cluster_t *c, const uint8_t *payload, size_t len)
{
    envelope_t env = {.kind = PORTICO__MESSAGE_KIND__KIND_WS_DIRECTORY,
                      .sent_at_ms = clock_wall_ms(),
                      .payload = payload,
                      .payload_len = len};
    cluster_send(c, c->pub, &env, 0);
}

void cluster_publish_grants(cluster_t *c, const uint8_t *payload, size_t len)
{
    envelope_t env = {.kind = PORTICO__MESSAGE_KIND__KIND_LEASE_GRANTS,
                      .sent_at_ms = clock_wall_ms(),
                      .payload = payload,
                      .payload_len = len};
    cluster_send(c, c->pub, &env, 0);
}

void cluster_announce(cluster_t *c)
{
    struct cluster_blob *b, *cum;
    cluster_hold_both(c, &b, &cum);
    if (b == NULL) {
        blob_release(cum);
        return;
    }
    Portico__Announce a = PORTICO__ANNOUNCE__INIT;
    /* after key deltas the cluster is at the latest delta's version */
    a.version = cum != NULL ? cum->version : b->version;
    blob_release(cum);
    a.snapshot_sha256 = (ProtobufCBinaryData){.len = 32, .data = b->sha256};
    a.store_id = c->store_id;
    uint8_t buf[256];
    size_t len = portico__announce__pack(&a, buf);
    envelope_t env = {.kind = PORTICO__MESSAGE_KIND__KIND_ANNOUNCE,
                      .version = a.version,
                      .sent_at_ms = clock_wall_ms(),
                      .payload = buf,
                      .payload_len = len};
    cluster_send(c, c->pub, &env, 0);
    blob_release(b);
}

const envelope_secret_t *cluster_secret(const cluster_t *c)
{
    return &c->secret;
}
