/* observe: runs from the request's pool dispose, which h2o calls exactly once
 * per request after the response was written or the client went away. At
 * that point the pool's chunks are still alive (h2o releases shared entries
 * before it frees chunks), so the $context getters may still allocate from
 * it; nothing allocated here outlives the call. */
#include "observe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "clock.h"
#include "gwresp_case.h"
#include "mapping.h"
#include "observe_conf.h"

#define OBSERVE_CLIENT_GONE 499 /* answered nothing: the client left first */
#define OBSERVE_TRACE_BODY 512  /* request body bytes a data trace shows */

/* ---- the line buffer ---------------------------------------------------------- */

typedef struct {
    observe_thread_t *o;
    size_t len;
} observe_line_t;

static void line_put(observe_line_t *l, const char *s, size_t n)
{
    observe_thread_t *o = l->o;
    if (l->len + n > ACCESSLOG_MAX_LINE)
        n = ACCESSLOG_MAX_LINE - l->len;
    if (l->len + n > o->line_cap) {
        size_t cap = o->line_cap * 2 > l->len + n ? o->line_cap * 2 : l->len + n;
        char *bigger = realloc(o->line, cap);
        if (bigger == NULL)
            h2o_fatal("out of memory");
        o->line = bigger;
        o->line_cap = cap;
    }
    memcpy(o->line + l->len, s, n);
    l->len += n;
}

/* Values may come from the client: they are escaped as JSON string contents
 * (\" \\ and \u00XX for control characters), so that a line stays one line
 * and the reference's usual JSON formats ({"requestId":"$context.requestId"})
 * stay valid JSON. */
static int line_needs_escape(unsigned char ch)
{
    return ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\';
}

static void line_put_escaped(observe_line_t *l, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!line_needs_escape(ch))
            continue;
        line_put(l, s + run, i - run);
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            line_put(l, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            line_put(l, esc, 6);
        }
        run = i + 1;
    }
    line_put(l, s + run, n - run);
}

/* ---- access log ----------------------------------------------------------------- */

static void observe_access_log(dp_request_t *r, const rt_access_log_t *al)
{
    observe_line_t l = {r->thread->obs, 0};
    for (size_t i = 0; i < al->nsegs; i++) {
        const struct rt_log_segment *seg = &al->segs[i];
        if (seg->var < 0) {
            line_put(&l, seg->text, seg->len);
            continue;
        }
        size_t vlen = 0;
        const char *v = mapping_context_value(r, (enum ctxvar)seg->var, &vlen);
        if (seg->var == CTXVAR_ERROR_MESSAGE_STRING) {
            /* always a quoted JSON string, for formats that use it unquoted:
             * escaped inside its quotes, "-" when there is no error */
            line_put(&l, "\"", 1);
            if (v != NULL && vlen > 1)
                line_put_escaped(&l, v + 1, vlen - 2);
            else
                line_put(&l, "-", 1);
            line_put(&l, "\"", 1);
        } else if (v != NULL && vlen > 0) {
            line_put_escaped(&l, v, vlen);
        } else {
            line_put(&l, "-", 1); /* the reference writes absent values as "-" */
        }
    }
    accesslog_write(&r->thread->obs->log, al->dest, l.o->line, l.len);
}

/* ---- execution log ---------------------------------------------------------------- */

static void exec_log(dp_request_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "2026-11-21T08:42:34.123Z api/stage (requestId) message" */
static void exec_log(dp_request_t *r, const char *fmt, ...)
{
    char line[1024];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s/%s (%s) ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (long)(tv.tv_usec / 1000), r->stage->api_id, r->stage->name, r->request_id);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(line))
        n = (int)sizeof(line) - 1;
    observe_line_t l = {r->thread->obs, 0};
    line_put_escaped(&l, line, (size_t)n);
    accesslog_write(&r->thread->obs->log, r->thread->dp->exec_log_dest, l.o->line, l.len);
}

/* Credentials never reach a log, data trace or not. */
static int observe_header_secret(const h2o_iovec_t *name)
{
    static const char *const secret[] = {"authorization", "proxy-authorization", "cookie",
                                         "set-cookie",    "x-api-key",           NULL};
    for (const char *const *s = secret; *s != NULL; s++)
        if (h2o_lcstris(name->base, name->len, *s, strlen(*s)))
            return 1;
    return 0;
}

/* "{name=value, ...}" of a header list, cut at the buffer's size. */
static void observe_headers_text(const h2o_headers_t *hs, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "{");
    for (size_t i = 0; i < hs->size && n < cap; i++) {
        const h2o_header_t *h = &hs->entries[i];
        int secret = observe_header_secret(h->name);
        n += (size_t)snprintf(out + n, cap - n, "%s%.*s=%.*s", i > 0 ? ", " : "", (int)h->name->len,
                              h->name->base, secret ? 4 : (int)h->value.len,
                              secret ? "****" : h->value.base);
    }
    if (n < cap)
        snprintf(out + n, cap - n, "}");
}

/* logging/dataTrace: the request's headers and body, the answer's headers. */
static void observe_data_trace(dp_request_t *r)
{
    char text[768];
    observe_headers_text(&r->req->headers, text, sizeof(text));
    exec_log(r, "Method request headers: %s", text);
    h2o_iovec_t body = r->req->entity;
    size_t shown = body.len < OBSERVE_TRACE_BODY ? body.len : OBSERVE_TRACE_BODY;
    exec_log(r, "Method request body before transformations: %.*s%s", (int)shown,
             body.base != NULL ? body.base : "", body.len > shown ? " [TRUNCATED]" : "");
    observe_headers_text(&r->req->res.headers, text, sizeof(text));
    exec_log(r, "Method response headers: %s", text);
}

static void observe_exec_log(dp_request_t *r, const rt_obs_setting_t *setting, uint64_t latency_us)
{
    enum rt_log_level level = setting->log_level;
    const char *resource = r->method != NULL ? r->method->resource_path : "-";
    int failed = r->gw_case != 0 && gwresp_case_status((enum gwresp_case)(r->gw_case - 1)) >= 500;
    if (level >= RT_LOG_INFO) {
        exec_log(r, "Starting execution for request: %s", r->request_id);
        exec_log(r, "HTTP Method: %.*s, Resource Path: %s", (int)r->req->method.len,
                 r->req->method.base, resource);
        if (r->integ_started_us != 0)
            exec_log(r, "Received response. Status: %d, Integration latency: %llu ms",
                     r->integ_status,
                     (unsigned long long)((r->integ_ended_us > r->integ_started_us
                                               ? r->integ_ended_us - r->integ_started_us
                                               : 0) /
                                          1000));
    }
    if (setting->data_trace && (level >= RT_LOG_INFO || failed))
        observe_data_trace(r);
    if (r->exec_error != NULL && level >= RT_LOG_ERROR)
        exec_log(r, "Execution failed due to configuration error: %s", r->exec_error);
    if (r->gw_case != 0 && (failed || level >= RT_LOG_INFO)) {
        enum gwresp_case c = (enum gwresp_case)(r->gw_case - 1);
        size_t mlen = 0;
        const char *msg = gwresp_case_message(c, &mlen);
        const char *type = gwresp_case_response_type(c);
        exec_log(r, "%s: %.*s (%s)", failed ? "Execution failed" : "Gateway response", (int)mlen,
                 msg != NULL ? msg : "", type != NULL ? type : "-");
    }
    if (level >= RT_LOG_INFO)
        exec_log(r, "Method completed with status: %d (%llu ms)", r->final_status,
                 (unsigned long long)(latency_us / 1000));
}

/* ---- the end of a request ----------------------------------------------------------- */

/* The series for r's key, through the worker's memo. */
static reqmetrics_series_t *observe_series(dp_request_t *r, int detailed)
{
    observe_thread_t *o = r->thread->obs;
    const void *method = detailed ? (const void *)r->method : NULL;
    unsigned flags = (unsigned)r->is_canary | (unsigned)detailed << 1;
    uintptr_t h = ((uintptr_t)r->stage >> 4) ^ ((uintptr_t)method >> 4) * 31 ^ flags;
    observe_series_slot_t *slot = &o->series_cache[h % OBSERVE_SERIES_CACHE];
    if (slot->serial == r->rt->serial && slot->stage == r->stage && slot->method == method &&
        slot->flags == flags)
        return slot->series;
    reqmetrics_key_t key = {r->stage->api_id, r->stage->name,
                            detailed ? r->method->resource_path : "*",
                            detailed ? r->method->verb : "*", r->is_canary};
    reqmetrics_series_t *s = reqmetrics_series(o->metrics, &key);
    if (s != NULL)
        *slot = (observe_series_slot_t){r->rt->serial, r->stage, method, flags, s};
    return s;
}

static void observe_count(dp_request_t *r, const rt_obs_setting_t *setting, uint64_t latency_us)
{
    reqmetrics_series_t *series = NULL;
    if (r->stage != NULL)
        series = observe_series(r, setting->metrics_enabled && r->method != NULL);
    int64_t integ_us = -1;
    if (r->integ_started_us != 0) {
        uint64_t end = r->integ_ended_us != 0 ? r->integ_ended_us : clock_mono_us();
        integ_us = end > r->integ_started_us ? (int64_t)(end - r->integ_started_us) : 0;
    }
    int cache = r->cache_status == REQUEST_CACHE_HIT    ? 1
                : r->cache_status == REQUEST_CACHE_MISS ? 2
                                                        : 0;
    reqmetrics_count(r->thread->obs->metrics, series, r->final_status, latency_us, integ_us, cache);
}

void observe_request_close(dp_request_t *r)
{
    r->latency_us = clock_mono_us() - r->started_us;
    r->final_status = r->req->res.status != 0 ? r->req->res.status : OBSERVE_CLIENT_GONE;
    r->obs_setting = r->stage != NULL ? observe_conf_method(r->stage, r->method) : NULL;
}

void observe_request_count(dp_request_t *r)
{
    if (r->thread->obs->metrics != NULL)
        observe_count(r, r->obs_setting, r->latency_us);
}

void observe_request_log(dp_request_t *r)
{
    if (r->stage == NULL)
        return;
    if (r->stage->access_log != NULL)
        observe_access_log(r, r->stage->access_log);
    if (r->obs_setting->log_level != RT_LOG_OFF)
        observe_exec_log(r, r->obs_setting, r->latency_us);
}

/* ---- the worker's tick -------------------------------------------------------------- */

static unsigned observe_count_list(h2o_linklist_t *list)
{
    unsigned n = 0;
    for (h2o_linklist_t *l = list->next; l != list; l = l->next)
        n++;
    return n;
}

static void observe_on_tick(h2o_timeout_entry_t *entry)
{
    observe_thread_t *o = H2O_STRUCT_FROM_MEMBER(observe_thread_t, tick_entry, entry);
    dp_thread_t *t = o->thread;
    accesslog_flush(&o->log);
    atomic_store_explicit(&o->inflight, t->inflight, memory_order_relaxed);
    atomic_store_explicit(&o->connections,
                          observe_count_list(&t->ctx.http1._conns) +
                              observe_count_list(&t->ctx.http2._conns),
                          memory_order_relaxed);
    h2o_timeout_link(t->loop, &o->tick_timeout, entry);
}

int observe_thread_init(dp_thread_t *t)
{
    observe_thread_t *o = calloc(1, sizeof(*o));
    if (o == NULL)
        return -1;
    o->thread = t;
    if (!t->dp->metrics_off && (o->metrics = reqmetrics_thread_create()) == NULL) {
        free(o);
        return -1;
    }
    h2o_timeout_init(t->loop, &o->tick_timeout, OBSERVE_TICK_MS);
    o->tick_entry.cb = observe_on_tick;
    h2o_timeout_link(t->loop, &o->tick_timeout, &o->tick_entry);
    t->obs = o;
    return 0;
}

void observe_thread_flush(dp_thread_t *t)
{
    accesslog_flush(&t->obs->log);
}

void observe_thread_dispose(dp_thread_t *t)
{
    observe_thread_t *o = t->obs;
    if (o == NULL)
        return;
    h2o_timeout_unlink(&o->tick_entry);
    reqmetrics_thread_destroy(o->metrics);
    free(o->line);
    free(o);
    t->obs = NULL;
}
