/* fnhost: the function host's threads and its invoke API (fnhost.h,
 * fnhost_life.h). Workers resolve a function reference against the runtime
 * they serve and hand the call to the host's own event loop by message; the
 * host's loop (one thread: the supervisor fn_core, the Runtime API listeners
 * and the processes' output pipes) runs it and sends the answer back to the
 * worker's receiver, where the callback runs. The Runtime API has its own
 * loop rather than the workers' so that a worker never holds process state
 * (a runtime's /next may be parked for minutes) and so that every record of
 * the supervisor has one owner thread and no lock. */
#include "fnhost.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accesslog.h"
#include "fn_conf.h"
#include "fn_core.h"
#include "fn_fetch.h"
#include "fn_remote.h"
#include "fnhost_life.h"
#include "log.h"
#include "request.h"
#include "runtime.h"

#define FN_LOG_FLUSH_MS 100

struct fnhost_call {
    h2o_multithread_message_t super; /* to the host, then back to the worker */
    dp_thread_t *t;
    runtime_t *rt; /* held while the call lives: entry points into it */
    const fn_entry_t *entry;
    atomic_int cancelled;
    int async;
    fnhost_cb cb;
    void *arg;
    fn_inv_t inv;
    /* the answer */
    fnhost_status_t status;
    char *payload;
    size_t len;
    int function_error;
    char executed_version[24];
};

typedef struct {
    h2o_multithread_message_t super;
    uint8_t sha[32];
    int ok;
    char reason[256];
} code_msg_t;

typedef struct {
    h2o_multithread_message_t super;
    char **keys;
    size_t n;
} retain_msg_t;

typedef struct {
    dp_t *dp;
    fnhost_conf_t conf;
    char code_root[4096];
    pthread_t thread;
    h2o_evloop_t *loop;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t calls, codes, retains, stop;
    fn_core_t *core;
    fn_fetch_t *fetch;
    accesslog_buf_t log;
    h2o_timeout_t log_timeout;
    h2o_timeout_entry_t log_entry;
    atomic_int stopping;
    atomic_int started;
} fnhost_t;

static fnhost_t g_host;

/* ---- the worker's side ------------------------------------------------------------ */

static void call_free(fnhost_call_t *c)
{
    fn_inv_free(&c->inv);
    free(c->payload);
    runtime_release(c->rt);
    free(c);
}

static void on_answer(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        fnhost_call_t *c = H2O_STRUCT_FROM_MEMBER(fnhost_call_t, super.link, messages->next);
        h2o_linklist_unlink(&c->super.link);
        if (!atomic_load(&c->cancelled)) {
            fnhost_result_t r = {.status = c->status,
                                 .payload = c->payload != NULL ? c->payload : "",
                                 .len = c->len,
                                 .function_error = c->function_error ? "Unhandled" : NULL,
                                 .executed_version =
                                     c->executed_version[0] != '\0' ? c->executed_version : NULL};
            c->cb(c->arg, &r);
        }
        call_free(c);
    }
}

/* The workers' dp, known from the first worker's initialisation on (before
 * fnhost_start: an invocation then answers FAILED rather than nothing). */
static dp_t *_Atomic g_workers_dp;

void fnhost_worker_init(dp_thread_t *t)
{
    h2o_multithread_register_receiver(t->ctx.queue, &t->fn_receiver, on_answer);
    atomic_store(&g_workers_dp, t->dp);
}

static dp_thread_t *thread_of(h2o_loop_t *loop)
{
    dp_t *dp = atomic_load(&g_workers_dp);
    for (int i = 0; dp != NULL && i < dp->nthreads; i++)
        if (dp->threads[i].loop == loop)
            return &dp->threads[i];
    return NULL;
}

static char *dup_opt(const char *s)
{
    return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

static void answer_now(fnhost_call_t *c, fnhost_status_t status, const char *text)
{
    c->status = status;
    c->payload = strdup(text);
    c->len = c->payload != NULL ? strlen(c->payload) : 0;
    h2o_multithread_send_message(&c->t->fn_receiver, &c->super);
}

/* A remote function's answer, on the worker: still sent as a message, so the
 * callback never runs inside fnhost_invoke whatever upstream_call does. */
static void on_remote_done(void *arg, fnhost_status_t status, char *payload, size_t len,
                           const char *version)
{
    fnhost_call_t *c = arg;
    c->status = status;
    c->payload = payload;
    c->len = len;
    c->function_error = status == FNHOST_FUNCTION_ERROR;
    snprintf(c->executed_version, sizeof(c->executed_version), "%s",
             version != NULL && version[0] != '\0' ? version : "$LATEST");
    h2o_multithread_send_message(&c->t->fn_receiver, &c->super);
}

fnhost_call_t *fnhost_invoke(h2o_loop_t *loop, const char *ref, const void *payload, size_t len,
                             const fnhost_opts_t *opts, fnhost_cb cb, void *arg)
{
    dp_thread_t *t = thread_of(loop);
    fnhost_call_t *c = calloc(1, sizeof(*c));
    if (t == NULL)
        h2o_fatal("fnhost_invoke: not called on a data-plane worker's loop");
    if (c == NULL)
        h2o_fatal("out of memory");
    c->t = t;
    c->cb = cb;
    c->arg = arg;
    atomic_init(&c->cancelled, 0);
    static const fnhost_opts_t none;
    if (opts == NULL)
        opts = &none;
    c->async = opts->async;
    c->inv.deadline_ms = opts->deadline_ms;
    c->inv.trace_id = dup_opt(opts->trace_id);
    c->inv.log_tag = dup_opt(opts->log_tag);
    c->inv.client_context = dup_opt(opts->client_context);
    c->inv.cognito_identity = dup_opt(opts->cognito_identity);
    if ((c->inv.payload = malloc(len + 1)) == NULL)
        h2o_fatal("out of memory");
    if (len > 0)
        memcpy(c->inv.payload, payload, len);
    c->inv.payload[len] = '\0';
    c->inv.len = len;
    if (t->lease != NULL) {
        c->rt = t->lease->rt;
        runtime_hold(c->rt);
        c->entry = fn_conf_resolve(c->rt, ref);
    }
    if (c->entry == NULL) {
        answer_now(c, FNHOST_NOT_FOUND, "Function not found");
    } else if (c->entry->remote_endpoint != NULL && len <= FN_MAX_PAYLOAD_BYTES) {
        fn_remote_start(t, c->entry, c->inv.payload, len, opts, on_remote_done, c);
    } else if (len > FN_MAX_PAYLOAD_BYTES) {
        answer_now(c, FNHOST_FAILED, "the request payload is larger than 6 MB");
    } else if (!g_host.started) {
        answer_now(c, FNHOST_FAILED, "the function host is not running");
    } else {
        h2o_multithread_send_message(&g_host.calls, &c->super);
    }
    return c;
}

void fnhost_cancel(fnhost_call_t *call)
{
    if (call != NULL)
        atomic_store(&call->cancelled, 1);
}

/* ---- the host's side --------------------------------------------------------------- */

static void on_sync_done(fn_inv_t *inv, const fnhost_result_t *r)
{
    fnhost_call_t *c = H2O_STRUCT_FROM_MEMBER(fnhost_call_t, inv, inv);
    c->status = r->status;
    c->function_error = r->function_error != NULL;
    if (r->executed_version != NULL)
        snprintf(c->executed_version, sizeof(c->executed_version), "%s", r->executed_version);
    if (r->len > 0 && (c->payload = malloc(r->len)) != NULL) {
        memcpy(c->payload, r->payload, r->len);
        c->len = r->len;
    }
    h2o_multithread_send_message(&c->t->fn_receiver, &c->super);
}

static void on_async_done(fn_inv_t *inv, const fnhost_result_t *r)
{
    if (r->status != FNHOST_OK)
        log_info("asynchronous invocation %s ended: status %d", inv->request_id, (int)r->status);
    fn_inv_free(inv);
    free(inv);
}

static void on_call(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        fnhost_call_t *c = H2O_STRUCT_FROM_MEMBER(fnhost_call_t, super.link, messages->next);
        h2o_linklist_unlink(&c->super.link);
        snprintf(c->executed_version, sizeof(c->executed_version), "%s", c->entry->cfg.version);
        if (atomic_load(&c->cancelled)) {
            h2o_multithread_send_message(&c->t->fn_receiver, &c->super);
            continue;
        }
        if (!c->async) {
            c->inv.done = on_sync_done;
            fn_core_submit(g_host.core, &c->entry->cfg, &c->inv);
            continue;
        }
        /* Event: the invocation goes on alone; the caller hears it was queued */
        fn_inv_t *inv = malloc(sizeof(*inv));
        if (inv != NULL) {
            *inv = c->inv;
            memset(&c->inv, 0, sizeof(c->inv));
            inv->done = on_async_done;
        }
        c->status = inv != NULL ? FNHOST_OK : FNHOST_FAILED;
        if (inv != NULL) /* before the answer: the worker frees c, entry's runtime with it */
            fn_core_submit(g_host.core, &c->entry->cfg, inv);
        h2o_multithread_send_message(&c->t->fn_receiver, &c->super);
    }
}

static void on_code(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        code_msg_t *m = H2O_STRUCT_FROM_MEMBER(code_msg_t, super.link, messages->next);
        h2o_linklist_unlink(&m->super.link);
        fn_core_code_ready(g_host.core, m->sha, m->ok, m->reason[0] != '\0' ? m->reason : NULL);
        free(m);
    }
}

static void on_retain(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        retain_msg_t *m = H2O_STRUCT_FROM_MEMBER(retain_msg_t, super.link, messages->next);
        h2o_linklist_unlink(&m->super.link);
        fn_core_retain(g_host.core, m->keys, m->n);
        for (size_t i = 0; i < m->n; i++)
            free(m->keys[i]);
        free(m->keys);
        free(m);
    }
}

static void on_stop(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_linklist_t *l = messages->next;
        h2o_linklist_unlink(l);
        free(l);
    }
    atomic_store(&g_host.stopping, 1);
}

void fnhost_on_runtime(struct runtime *rt)
{
    if (!g_host.started)
        return;
    retain_msg_t *m = calloc(1, sizeof(*m));
    size_t n;
    char **keys = fn_conf_keys(rt, &n);
    if (m == NULL || (m->keys = calloc(n + 1, sizeof(char *))) == NULL) {
        free(m);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if ((m->keys[m->n] = strdup(keys[i])) != NULL)
            m->n++;
    h2o_multithread_send_message(&g_host.retains, &m->super);
}

/* fetch thread → host loop */
static void fetch_done(void *ctx, const uint8_t sha[32], int ok, const char *reason)
{
    (void)ctx;
    code_msg_t *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return;
    memcpy(m->sha, sha, 32);
    m->ok = ok;
    snprintf(m->reason, sizeof(m->reason), "%s", reason != NULL ? reason : "");
    h2o_multithread_send_message(&g_host.codes, &m->super);
}

/* core (host loop) → fetch thread */
static void core_fetch(void *ctx, fn_core_t *core, const uint8_t sha[32])
{
    (void)ctx, (void)core;
    if (g_host.fetch != NULL)
        fn_fetch_want(g_host.fetch, sha);
    else
        fetch_done(NULL, sha, 0, "no control plane to fetch code from");
}

static void core_log(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    accesslog_write(&g_host.log, g_host.dp->exec_log_dest, line, len);
    if (!h2o_timeout_is_linked(&g_host.log_entry))
        h2o_timeout_link(g_host.loop, &g_host.log_timeout, &g_host.log_entry);
}

static void on_log_flush(h2o_timeout_entry_t *entry)
{
    (void)entry;
    accesslog_flush(&g_host.log);
}

static void *host_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_host.stopping))
        h2o_evloop_run(g_host.loop, INT32_MAX);
    /* processes killed and reaped, their connections closed, within a second */
    fn_core_shutdown(g_host.core);
    for (int i = 0; i < 100 && fn_core_processes(g_host.core) > 0; i++)
        h2o_evloop_run(g_host.loop, 10);
    for (int i = 0; i < 20;
         i++) /* the 410s to parked /next requests fail, their connections close */
        h2o_evloop_run(g_host.loop, 10);
    fn_core_destroy(g_host.core);
    accesslog_flush(&g_host.log);
    return NULL;
}

int fnhost_start(dp_t *dp, const fnhost_conf_t *conf, char *err, size_t err_len)
{
    g_host.dp = dp;
    g_host.conf = *conf;
    fn_remote_init();
    snprintf(g_host.code_root, sizeof(g_host.code_root), "%s/functions", dp->state_dir);
    g_host.loop = h2o_evloop_create();
    g_host.queue = h2o_multithread_create_queue(g_host.loop);
    h2o_multithread_register_receiver(g_host.queue, &g_host.calls, on_call);
    h2o_multithread_register_receiver(g_host.queue, &g_host.codes, on_code);
    h2o_multithread_register_receiver(g_host.queue, &g_host.retains, on_retain);
    h2o_multithread_register_receiver(g_host.queue, &g_host.stop, on_stop);
    h2o_timeout_init(g_host.loop, &g_host.log_timeout, FN_LOG_FLUSH_MS);
    g_host.log_entry.cb = on_log_flush;
    fn_core_conf_t cc = {.code_root = g_host.code_root,
                         .slots = conf->slots,
                         .idle_s = conf->idle_s,
                         .region = conf->region,
                         .ric_dir = conf->ric_dir,
                         .node_bin = "/usr/bin/node",
                         .fetch = core_fetch,
                         .log = core_log};
    if ((g_host.core = fn_core_create(g_host.loop, &cc, err, err_len)) == NULL)
        return -1;
    g_host.fetch = fn_fetch_start(dp, g_host.code_root, fetch_done, NULL, err, err_len);
    if (g_host.fetch == NULL)
        log_warn("function code cannot be fetched: %s", err);
    if (pthread_create(&g_host.thread, NULL, host_main, NULL) != 0) {
        snprintf(err, err_len, "cannot start the function host's thread");
        return -1;
    }
    g_host.started = 1;
    return 0;
}

void fnhost_stop(void)
{
    if (!g_host.started)
        return;
    h2o_multithread_message_t *m = calloc(1, sizeof(*m));
    if (m != NULL)
        h2o_multithread_send_message(&g_host.stop, m);
    pthread_join(g_host.thread, NULL);
    fn_fetch_stop(g_host.fetch);
    g_host.started = 0;
}
