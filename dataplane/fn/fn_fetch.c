/* fn_fetch: code by hash from the control plane (see fn_fetch.h). */
#include "fn_fetch.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "clustertls.h"
#include "crypto.h"
#include "envelope.h"
#include "fn_code.h"
#include "fresh.h"
#include "log.h"
#include "netaddr.h"

#define FN_FETCH_QUEUE 64
#define FN_FETCH_TIMEOUT_MS 60000
#define FN_FETCH_MAX_REPLY ((size_t)64 * 1024 * 1024) /* a 50 MB zip and its envelope */

struct fn_fetch {
    dp_t *dp;
    char *code_root;
    char sender[300];
    uint64_t incarnation, seq;
    nng_socket req;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    uint8_t queue[FN_FETCH_QUEUE][32];
    size_t nqueue;
    int stopping;
    fn_fetch_done_fn done;
    void *ctx;
};

void fn_fetch_want(fn_fetch_t *f, const uint8_t sha[32])
{
    pthread_mutex_lock(&f->mu);
    int have = 0;
    for (size_t i = 0; i < f->nqueue && !have; i++)
        have = memcmp(f->queue[i], sha, 32) == 0;
    if (!have && f->nqueue < FN_FETCH_QUEUE)
        memcpy(f->queue[f->nqueue++], sha, 32);
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->mu);
    if (!have && f->nqueue >= FN_FETCH_QUEUE)
        f->done(f->ctx, sha, 0, "too many code fetches at once");
}

/* One round trip: 0 with the code installed, or -1 with a reason. */
static int fetch_one(fn_fetch_t *f, const uint8_t sha[32], char *why, size_t why_len)
{
    Portico__CodeFetch cf = PORTICO__CODE_FETCH__INIT;
    cf.node_id = (char *)f->dp->node_id;
    cf.code_sha256.data = (uint8_t *)sha;
    cf.code_sha256.len = 32;
    uint8_t payload[512], nonce[16], *sealed;
    size_t plen = portico__code_fetch__get_packed_size(&cf), slen;
    if (plen > sizeof(payload))
        return snprintf(why, why_len, "node id too long"), -1;
    portico__code_fetch__pack(&cf, payload);
    crypto_random(nonce, sizeof(nonce));
    envelope_t env = {.kind = PORTICO__MESSAGE_KIND__KIND_CODE_FETCH,
                      .sent_at_ms = clock_wall_ms(),
                      .nonce = nonce,
                      .nonce_len = sizeof(nonce),
                      .payload = payload,
                      .payload_len = plen,
                      .sender = f->sender,
                      .incarnation = f->incarnation,
                      .seq = ++f->seq};
    if (envelope_seal(&f->dp->secret, &env, &sealed, &slen) != ENVELOPE_OK)
        return snprintf(why, why_len, "could not seal the request"), -1;
    int rv = nng_send(f->req, sealed, slen, 0);
    free(sealed);
    void *buf = NULL;
    size_t len = 0;
    if (rv != 0 || (rv = nng_recv(f->req, &buf, &len, NNG_FLAG_ALLOC)) != 0)
        return snprintf(why, why_len, "control plane: %s", nng_strerror(rv)), -1;
    envelope_t reply;
    Portico__Envelope *owner = NULL;
    int rc = -1;
    rv = envelope_open(&f->dp->secret, buf, len, &reply, &owner);
    if (rv != ENVELOPE_OK)
        snprintf(why, why_len, "reply refused: %s", envelope_strerror(rv));
    else if (reply.nonce_len != sizeof(nonce) || memcmp(reply.nonce, nonce, sizeof(nonce)) != 0)
        snprintf(why, why_len, "reply does not answer the request");
    else if (!fresh_in_window(reply.sent_at_ms, clock_wall_ms()))
        snprintf(why, why_len, "reply refused: %s", fresh_strerror(FRESH_ESTALE));
    else if (reply.kind == PORTICO__MESSAGE_KIND__KIND_ERROR)
        snprintf(why, why_len, "control plane: %.*s",
                 (int)(reply.payload_len < 200 ? reply.payload_len : 200), reply.payload);
    else if (reply.kind != PORTICO__MESSAGE_KIND__KIND_CODE || reply.payload_len > FN_CODE_MAX_ZIP)
        snprintf(why, why_len, "unexpected reply");
    else
        rc = fn_code_install(f->code_root, sha, reply.payload, reply.payload_len,
                             FN_CODE_MAX_UNPACKED, why, why_len);
    envelope_free(owner);
    nng_free(buf, len);
    return rc;
}

static void *fetch_main(void *arg)
{
    fn_fetch_t *f = arg;
    pthread_mutex_lock(&f->mu);
    while (!f->stopping) {
        if (f->nqueue == 0) {
            pthread_cond_wait(&f->cond, &f->mu);
            continue;
        }
        uint8_t sha[32];
        memcpy(sha, f->queue[0], 32);
        pthread_mutex_unlock(&f->mu);
        char why[512] = "";
        char dir[4200];
        int ok = fn_code_dir(f->code_root, sha, dir, sizeof(dir)) == 1 ||
                 fetch_one(f, sha, why, sizeof(why)) == 0;
        if (!ok) {
            char hex[65];
            crypto_hex(sha, 32, hex);
            log_warn("function code %s: %s", hex, why);
        }
        pthread_mutex_lock(&f->mu);
        memmove(f->queue[0], f->queue[1], (f->nqueue - 1) * 32);
        f->nqueue--;
        pthread_mutex_unlock(&f->mu);
        f->done(f->ctx, sha, ok, ok ? NULL : why);
        pthread_mutex_lock(&f->mu);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static int fetch_open(fn_fetch_t *f, char *err, size_t err_len)
{
    char url[512];
    const char *cp = f->dp->control_plane;
    if (netaddr_url_with_port_offset(cp, 1, url, sizeof(url)) != 0) {
        snprintf(err, err_len, "invalid control plane address '%s'", cp);
        return -1;
    }
    nng_tls_config *tls = NULL;
    clustertls_files_t files = {f->dp->cluster_tls_cert, f->dp->cluster_tls_key,
                                f->dp->cluster_tls_ca};
    if (clustertls_config(cp, &files, 0, &tls, err, err_len) != 0)
        return -1;
    int rv = nng_req0_open(&f->req);
    if (rv == 0) {
        nng_socket_set_size(f->req, NNG_OPT_RECVMAXSZ, FN_FETCH_MAX_REPLY);
        nng_socket_set_ms(f->req, NNG_OPT_RECVTIMEO, FN_FETCH_TIMEOUT_MS);
        nng_socket_set_ms(f->req, NNG_OPT_SENDTIMEO, FN_FETCH_TIMEOUT_MS);
        nng_socket_set_ms(f->req, NNG_OPT_RECONNMAXT, 1000);
        rv = clustertls_dial(f->req, url, tls, NNG_FLAG_NONBLOCK);
    }
    if (tls != NULL)
        nng_tls_config_free(tls);
    if (rv != 0) {
        snprintf(err, err_len, "code fetch socket: %s", nng_strerror(rv));
        return -1;
    }
    return 0;
}

fn_fetch_t *fn_fetch_start(dp_t *dp, const char *code_root, fn_fetch_done_fn done, void *ctx,
                           char *err, size_t err_len)
{
    fn_fetch_t *f = calloc(1, sizeof(*f));
    if (f == NULL || (f->code_root = strdup(code_root)) == NULL) {
        free(f);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    f->dp = dp;
    f->done = done;
    f->ctx = ctx;
    f->incarnation = clock_wall_ms();
    snprintf(f->sender, sizeof(f->sender), "%s/code", dp->node_id);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cond, NULL);
    if (fetch_open(f, err, err_len) != 0 || pthread_create(&f->thread, NULL, fetch_main, f) != 0) {
        free(f->code_root);
        free(f);
        return NULL;
    }
    return f;
}

void fn_fetch_stop(fn_fetch_t *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->mu);
    f->stopping = 1;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->mu);
    nng_close(f->req); /* ends a fetch under way */
    pthread_join(f->thread, NULL);
    free(f->code_root);
    free(f);
}
