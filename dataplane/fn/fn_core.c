/* fn_core: pools, the invocation queue, slots, timeouts (see fn_core.h). */
#include "fn_core.h"
#include "fn_sup.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "fn_code.h"

uint64_t fn_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* ---- configs and invocations ---------------------------------------------------- */

fn_config_t *fn_config_dup(const fn_config_t *c)
{
    fn_config_t *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    *d = *c;
    d->name = strdup(c->name);
    d->version = strdup(c->version);
    d->arn = strdup(c->arn);
    d->runtime = strdup(c->runtime);
    d->handler = strdup(c->handler);
    d->revision_id = strdup(c->revision_id != NULL ? c->revision_id : "");
    size_t n = 0;
    while (c->env != NULL && c->env[n] != NULL)
        n++;
    d->env = calloc(n + 1, sizeof(char *));
    int bad = d->env == NULL;
    for (size_t i = 0; !bad && i < n; i++)
        bad = (d->env[i] = strdup(c->env[i])) == NULL;
    if (bad || !d->name || !d->version || !d->arn || !d->runtime || !d->handler ||
        !d->revision_id) {
        fn_config_free(d);
        return NULL;
    }
    return d;
}

void fn_config_free(fn_config_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; c->env != NULL && c->env[i] != NULL; i++)
        free(c->env[i]);
    free(c->env);
    free(c->name), free(c->version), free(c->arn), free(c->runtime), free(c->handler);
    free(c->revision_id);
    free(c);
}

int fn_config_key(const fn_config_t *c, char *out, size_t out_len)
{
    char hex[65];
    crypto_hex(c->code_sha256, 32, hex);
    int n = snprintf(out, out_len, "%s\n%s\n%s\n%s", c->arn, c->version,
                     c->revision_id != NULL ? c->revision_id : "", hex);
    return n > 0 && (size_t)n < out_len ? 0 : -1;
}

void fn_inv_free(fn_inv_t *inv)
{
    free(inv->payload);
    free(inv->trace_id), free(inv->log_tag), free(inv->client_context);
    free(inv->cognito_identity);
    inv->payload = inv->trace_id = inv->log_tag = inv->client_context = NULL;
    inv->cognito_identity = NULL;
}

/* ---- notes in the execution log -------------------------------------------------- */

void fn_core_note(fn_core_t *core, const char *tag, const char *fmt, ...)
{
    char line[1024];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02dZ function (%s) ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     tag != NULL ? tag : "-");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(line))
        n = (int)sizeof(line) - 1;
    if (core->conf.log != NULL)
        core->conf.log(core->conf.ctx, line, (size_t)n);
}

/* ---- completing ------------------------------------------------------------------- */

void fn_core_complete(fn_inv_t *inv, fnhost_status_t status, const char *payload, size_t len)
{
    fn_pool_t *pool = inv->pool;
    if (h2o_linklist_is_linked(&inv->link)) {
        h2o_linklist_unlink(&inv->link);
        pool->nwaiting--;
        pool->core->nwaiting--;
    }
    if (inv->proc != NULL) {
        inv->proc->inv = NULL;
        if (inv->proc->state == FN_PROC_BUSY) {
            inv->proc->state = FN_PROC_BETWEEN;
            pool->nsoon++;
        }
        pool->nbusy--;
        inv->proc = NULL;
    }
    fnhost_result_t r = {.status = status,
                         .payload = payload != NULL ? payload : "",
                         .len = len,
                         .function_error = status == FNHOST_FUNCTION_ERROR ? "Unhandled" : NULL,
                         .executed_version = pool->cfg->version};
    inv->done(inv, &r);
}

static void complete_text(fn_inv_t *inv, fnhost_status_t status, const char *text)
{
    fn_core_complete(inv, status, text, strlen(text));
}

void fn_core_fail_waiting(fn_pool_t *pool, fnhost_status_t status, const char *reason)
{
    while (!h2o_linklist_is_empty(&pool->waiting)) {
        fn_inv_t *inv = H2O_STRUCT_FROM_MEMBER(fn_inv_t, link, pool->waiting.next);
        complete_text(inv, status, reason);
    }
}

/* ---- pools ------------------------------------------------------------------------- */

static fn_pool_t *pool_find(fn_core_t *core, const char *key)
{
    for (h2o_linklist_t *l = core->pools.next; l != &core->pools; l = l->next) {
        fn_pool_t *p = H2O_STRUCT_FROM_MEMBER(fn_pool_t, link, l);
        if (strcmp(p->key, key) == 0)
            return p;
    }
    return NULL;
}

static fn_pool_t *pool_create(fn_core_t *core, const fn_config_t *cfg, const char *key)
{
    fn_pool_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    if ((p->cfg = fn_config_dup(cfg)) == NULL || (p->key = strdup(key)) == NULL) {
        fn_config_free(p->cfg);
        free(p);
        return NULL;
    }
    p->core = core;
    h2o_linklist_init_anchor(&p->waiting);
    h2o_linklist_init_anchor(&p->procs);
    h2o_linklist_insert(&core->pools, &p->link);
    return p;
}

static void pool_free(fn_pool_t *p)
{
    h2o_linklist_unlink(&p->link);
    fn_config_free(p->cfg);
    free(p->key);
    free(p);
}

/* A retired pool goes once nothing is left in it. */
static void pool_maybe_free(fn_pool_t *p)
{
    if (p->retired && p->nprocs == 0 && p->nwaiting == 0)
        pool_free(p);
}

/* Whether the code is on disk; starts a fetch when it is not. */
static int pool_code(fn_pool_t *pool)
{
    fn_core_t *core = pool->core;
    if (pool->code == FN_CODE_READY || pool->code == FN_CODE_FETCHING)
        return pool->code == FN_CODE_READY;
    if (pool->code == FN_CODE_FAILED && fn_now_ms() - pool->code_failed_ms < FN_CODE_RETRY_MS)
        return 0;
    int have = fn_code_dir(core->conf.code_root, pool->cfg->code_sha256, pool->code_dir,
                           sizeof(pool->code_dir));
    if (have == 1) {
        pool->code = FN_CODE_READY;
        return 1;
    }
    if (have < 0 || core->conf.fetch == NULL) {
        pool->code = FN_CODE_FAILED;
        pool->code_failed_ms = fn_now_ms();
        snprintf(pool->code_error, sizeof(pool->code_error), "the code cannot be had here");
        return 0;
    }
    pool->code = FN_CODE_FETCHING;
    core->conf.fetch(core->conf.ctx, core, pool->cfg->code_sha256);
    return 0;
}

void fn_core_code_ready(fn_core_t *core, const uint8_t sha[32], int ok, const char *reason)
{
    h2o_linklist_t *next;
    for (h2o_linklist_t *l = core->pools.next; l != &core->pools; l = next) {
        next = l->next;
        fn_pool_t *p = H2O_STRUCT_FROM_MEMBER(fn_pool_t, link, l);
        if (memcmp(p->cfg->code_sha256, sha, 32) != 0 || p->code != FN_CODE_FETCHING)
            continue;
        p->code = FN_CODE_NONE;
        if (ok && pool_code(p)) {
            fn_core_dispatch(p);
            continue;
        }
        p->code = FN_CODE_FAILED;
        p->code_failed_ms = fn_now_ms();
        snprintf(p->code_error, sizeof(p->code_error), "code unavailable: %s",
                 reason != NULL ? reason : "not on disk after the fetch");
        fn_core_note(core, "-", "function %s:%s: %s", p->cfg->name, p->cfg->version, p->code_error);
        fn_core_fail_waiting(p, FNHOST_FAILED, p->code_error);
        pool_maybe_free(p);
    }
}

/* ---- slots ------------------------------------------------------------------------- */

/* Kills the longest-idle process of another pool to free a node-wide slot
 * (one at a time: none while a killed one is not reaped yet). */
static int evict_idle(fn_core_t *core, fn_pool_t *except)
{
    fn_proc_t *victim = NULL;
    for (h2o_linklist_t *l = core->pools.next; l != &core->pools; l = l->next) {
        fn_pool_t *p = H2O_STRUCT_FROM_MEMBER(fn_pool_t, link, l);
        for (h2o_linklist_t *m = p->procs.next; m != &p->procs; m = m->next) {
            fn_proc_t *pr = H2O_STRUCT_FROM_MEMBER(fn_proc_t, link, m);
            if (pr->state == FN_PROC_DEAD)
                return 0; /* a slot frees when it is reaped */
            if (p != except && pr->state == FN_PROC_IDLE &&
                (victim == NULL || pr->idle_since_ms < victim->idle_since_ms))
                victim = pr;
        }
    }
    if (victim == NULL)
        return 0;
    fn_proc_kill(victim);
    /* its slot counts until it is reaped: the next tick starts ours */
    return 0;
}

static int can_spawn(fn_pool_t *pool)
{
    fn_core_t *core = pool->core;
    if (pool->cfg->reserved_concurrency >= 0 &&
        pool->nprocs >= (unsigned)pool->cfg->reserved_concurrency)
        return 0;
    if (core->nprocs < core->conf.slots)
        return 1;
    return evict_idle(core, pool);
}

static fn_proc_t *idle_proc(fn_pool_t *pool)
{
    for (h2o_linklist_t *l = pool->procs.next; l != &pool->procs; l = l->next) {
        fn_proc_t *p = H2O_STRUCT_FROM_MEMBER(fn_proc_t, link, l);
        if (p->state == FN_PROC_IDLE && p->next_req != NULL)
            return p;
    }
    return NULL;
}

static void assign(fn_proc_t *p, fn_inv_t *inv)
{
    fn_pool_t *pool = p->pool;
    h2o_linklist_unlink(&inv->link);
    pool->nwaiting--;
    pool->core->nwaiting--;
    inv->proc = p;
    p->inv = inv;
    p->state = FN_PROC_BUSY;
    pool->nbusy++;
    uint64_t now = fn_now_ms();
    uint64_t limit = (uint64_t)pool->cfg->timeout_s * 1000;
    if (inv->deadline_ms != 0 && inv->deadline_ms < limit)
        limit = inv->deadline_ms;
    inv->started_ms = now;
    inv->deadline_at_ms = now + limit;
    snprintf(p->last_tag, sizeof(p->last_tag), "%s", inv->log_tag != NULL ? inv->log_tag : "-");
    snprintf(p->last_request_id, sizeof(p->last_request_id), "%s", inv->request_id);
    fn_rtapi_deliver(p);
}

void fn_core_dispatch(fn_pool_t *pool)
{
    while (!h2o_linklist_is_empty(&pool->waiting) && pool->code == FN_CODE_READY) {
        fn_inv_t *inv = H2O_STRUCT_FROM_MEMBER(fn_inv_t, link, pool->waiting.next);
        fn_proc_t *p = idle_proc(pool);
        if (p != NULL) {
            assign(p, inv);
            continue;
        }
        if (pool->nsoon >= pool->nwaiting || !can_spawn(pool))
            break;
        char err[512];
        if (fn_proc_spawn(pool, err, sizeof(err)) != 0) {
            fn_core_note(pool->core, inv->log_tag, "function %s:%s could not start: %s",
                         pool->cfg->name, pool->cfg->version, err);
            fn_core_fail_waiting(pool, FNHOST_FAILED, err);
            break;
        }
    }
    fn_core_arm_tick(pool->core);
}

void fn_core_submit(fn_core_t *core, const fn_config_t *cfg, fn_inv_t *inv)
{
    char key[1024];
    inv->link.next = inv->link.prev = NULL;
    inv->proc = NULL;
    inv->arrived_ms = fn_now_ms();
    crypto_uuid4(inv->request_id);
    fn_pool_t *pool = NULL;
    if (fn_config_key(cfg, key, sizeof(key)) == 0 && (pool = pool_find(core, key)) == NULL)
        pool = pool_create(core, cfg, key);
    if (pool == NULL) {
        fnhost_result_t r = {.status = FNHOST_FAILED, .payload = "out of memory", .len = 13};
        inv->done(inv, &r);
        return;
    }
    inv->pool = pool;
    pool->retired = 0;
    /* PutFunctionConcurrency keeps the RevisionId: the newest snapshot's figure counts */
    pool->cfg->reserved_concurrency = cfg->reserved_concurrency;
    int32_t reserved = pool->cfg->reserved_concurrency;
    if ((reserved >= 0 && pool->nbusy + pool->nwaiting >= (unsigned)reserved) ||
        core->nwaiting >= core->conf.wait_max) {
        complete_text(inv, FNHOST_THROTTLED, "Rate Exceeded.");
        return;
    }
    h2o_linklist_insert(&pool->waiting, &inv->link);
    pool->nwaiting++;
    core->nwaiting++;
    if (!pool_code(pool)) {
        if (pool->code == FN_CODE_FAILED)
            complete_text(inv, FNHOST_FAILED, pool->code_error);
        fn_core_arm_tick(core);
        return;
    }
    fn_core_dispatch(pool);
}

/* ---- the tick: timeouts, reaping, idle processes --------------------------------- */

static void timeout_busy(fn_proc_t *p, uint64_t now)
{
    fn_inv_t *inv = p->inv;
    if (inv == NULL || now < inv->deadline_at_ms)
        return;
    char msg[256];
    char date[32];
    time_t t = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    double secs = (double)(inv->deadline_at_ms - inv->started_ms) / 1000.0;
    int n =
        snprintf(msg, sizeof(msg), "{\"errorMessage\":\"%s %s Task timed out after %.2f seconds\"}",
                 date, inv->request_id, secs);
    fn_core_note(p->pool->core, inv->log_tag, "%s Task timed out after %.2f seconds",
                 inv->request_id, secs);
    p->killed_for_timeout = 1;
    fn_proc_kill(p);
    fn_core_complete(inv, FNHOST_TIMEOUT, msg, (size_t)n);
}

static void exited(fn_proc_t *p)
{
    fn_pool_t *pool = p->pool;
    char why[96];
    if (WIFSIGNALED(p->wstatus))
        snprintf(why, sizeof(why), "signal: %s", strsignal(WTERMSIG(p->wstatus)));
    else
        snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(p->wstatus));
    if (p->inv != NULL) {
        char msg[320];
        int n = snprintf(msg, sizeof(msg),
                         "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: %s "
                         "Error: Runtime exited with error: %s\"}",
                         p->inv->request_id, why);
        fn_core_note(pool->core, p->inv->log_tag, "%s Runtime exited with error: %s",
                     p->inv->request_id, why);
        fn_core_complete(p->inv, FNHOST_FUNCTION_ERROR, msg, (size_t)n);
    } else if (p->state == FN_PROC_STARTING && pool->nprocs == 1 && pool->nwaiting > 0) {
        char msg[160];
        snprintf(msg, sizeof(msg), "Runtime exited before init completed: %s", why);
        fn_core_note(pool->core, "-", "function %s:%s: %s", pool->cfg->name, pool->cfg->version,
                     msg);
        fn_core_fail_waiting(pool, FNHOST_FAILED, msg);
    }
}

static void tick_pool(fn_pool_t *pool, uint64_t now)
{
    fn_core_t *core = pool->core;
    h2o_linklist_t *next;
    for (h2o_linklist_t *l = pool->procs.next; l != &pool->procs; l = next) {
        next = l->next;
        fn_proc_t *p = H2O_STRUCT_FROM_MEMBER(fn_proc_t, link, l);
        timeout_busy(p, now);
        if (p->state == FN_PROC_IDLE &&
            ((core->conf.idle_s != 0 && now - p->idle_since_ms >= core->conf.idle_s * 1000ull) ||
             pool->retired))
            fn_proc_kill(p);
        if (fn_proc_reap(p)) {
            exited(p);
            fn_proc_free(p);
        }
    }
    /* waiting too long: the caller's deadline, or the timeout plus the init phase */
    for (h2o_linklist_t *l = pool->waiting.next; l != &pool->waiting; l = next) {
        next = l->next;
        fn_inv_t *inv = H2O_STRUCT_FROM_MEMBER(fn_inv_t, link, l);
        uint64_t budget = inv->deadline_ms != 0
                              ? inv->deadline_ms
                              : (uint64_t)pool->cfg->timeout_s * 1000 + FN_INIT_BUDGET_MS;
        if (now - inv->arrived_ms >= budget)
            complete_text(inv, FNHOST_TIMEOUT,
                          "{\"errorMessage\":\"Task timed out while "
                          "waiting for a runtime\"}");
    }
    if (pool->code == FN_CODE_FAILED && !h2o_linklist_is_empty(&pool->waiting))
        fn_core_fail_waiting(pool, FNHOST_FAILED, pool->code_error);
    fn_core_dispatch(pool);
}

static void on_tick(h2o_timeout_entry_t *entry)
{
    fn_core_t *core = H2O_STRUCT_FROM_MEMBER(fn_core_t, tick_entry, entry);
    uint64_t now = fn_now_ms();
    h2o_linklist_t *next;
    for (h2o_linklist_t *l = core->pools.next; l != &core->pools; l = next) {
        next = l->next;
        fn_pool_t *p = H2O_STRUCT_FROM_MEMBER(fn_pool_t, link, l);
        tick_pool(p, now);
        pool_maybe_free(p);
    }
    fn_core_arm_tick(core);
}

void fn_core_arm_tick(fn_core_t *core)
{
    if (core->destroying || h2o_timeout_is_linked(&core->tick_entry))
        return;
    if (core->nprocs > 0 || core->nwaiting > 0)
        h2o_timeout_link(core->loop, &core->tick, &core->tick_entry);
}

void fn_core_retain(fn_core_t *core, char **keep, size_t n)
{
    for (h2o_linklist_t *l = core->pools.next; l != &core->pools; l = l->next) {
        fn_pool_t *p = H2O_STRUCT_FROM_MEMBER(fn_pool_t, link, l);
        int kept = 0;
        for (size_t i = 0; i < n && !kept; i++)
            kept = strcmp(keep[i], p->key) == 0;
        p->retired = !kept;
    }
    if (!h2o_timeout_is_linked(&core->tick_entry) && !core->destroying)
        h2o_timeout_link(core->loop, &core->tick, &core->tick_entry);
}

unsigned fn_core_processes(const fn_core_t *core)
{
    return core->nprocs;
}

unsigned fn_core_waiting(const fn_core_t *core)
{
    return core->nwaiting;
}

/* ---- life -------------------------------------------------------------------------- */

fn_core_t *fn_core_create(h2o_evloop_t *loop, const fn_core_conf_t *conf, char *err, size_t err_len)
{
    fn_core_t *core = calloc(1, sizeof(*core));
    if (core == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    core->loop = loop;
    core->conf = *conf;
    if (core->conf.slots == 0)
        core->conf.slots = 1;
    if (core->conf.wait_max == 0)
        core->conf.wait_max = core->conf.slots * 4;
    h2o_linklist_init_anchor(&core->pools);
    h2o_config_init(&core->globalconf);
    core->globalconf.max_request_entity_size = FN_MAX_PAYLOAD + 65536;
    core->hostconf =
        h2o_config_register_host(&core->globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    fn_rtapi_register(core);
    h2o_context_init(&core->ctx, loop, &core->globalconf);
    core->accept_ctx.ctx = &core->ctx;
    core->accept_ctx.hosts = core->globalconf.hosts;
    h2o_timeout_init(loop, &core->tick, FN_TICK_MS);
    core->tick_entry = (h2o_timeout_entry_t){.cb = on_tick};
    return core;
}

void fn_core_shutdown(fn_core_t *core)
{
    for (h2o_linklist_t *l = core->pools.next; l != &core->pools; l = l->next) {
        fn_pool_t *pool = H2O_STRUCT_FROM_MEMBER(fn_pool_t, link, l);
        pool->retired = 1;
        fn_core_fail_waiting(pool, FNHOST_FAILED, "the function host is stopping");
        for (h2o_linklist_t *m = pool->procs.next; m != &pool->procs; m = m->next) {
            fn_proc_t *p = H2O_STRUCT_FROM_MEMBER(fn_proc_t, link, m);
            if (p->inv != NULL)
                complete_text(p->inv, FNHOST_FAILED, "the function host is stopping");
            fn_proc_kill(p);
        }
    }
    fn_core_arm_tick(core);
}

void fn_core_destroy(fn_core_t *core)
{
    core->destroying = 1;
    if (h2o_timeout_is_linked(&core->tick_entry))
        h2o_timeout_unlink(&core->tick_entry);
    while (!h2o_linklist_is_empty(&core->pools)) {
        fn_pool_t *pool = H2O_STRUCT_FROM_MEMBER(fn_pool_t, link, core->pools.next);
        fn_core_fail_waiting(pool, FNHOST_FAILED, "the function host is stopping");
        while (!h2o_linklist_is_empty(&pool->procs)) {
            fn_proc_t *p = H2O_STRUCT_FROM_MEMBER(fn_proc_t, link, pool->procs.next);
            if (p->inv != NULL)
                complete_text(p->inv, FNHOST_FAILED, "the function host is stopping");
            fn_proc_kill(p);
            while (!fn_proc_reap(p))
                usleep(1000);
            fn_proc_free(p);
        }
        pool_free(pool);
    }
    h2o_context_dispose(&core->ctx);
    h2o_config_dispose(&core->globalconf);
    free(core);
}
