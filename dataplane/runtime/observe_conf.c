/* observe_conf: method settings keyed "resourcePath VERB" for one lookup per
 * request; a stage without per-method entries skips the lookup entirely. */
#include "observe_conf.h"

#include <stdio.h>
#include <string.h>

#include "accesslog.h"
#include "logfmt.h"

static const struct {
    const char *name;
    enum rt_log_level level;
} observe_log_levels[] = {
    {"OFF", RT_LOG_OFF},
    {"ERROR", RT_LOG_ERROR},
    {"INFO", RT_LOG_INFO},
};

static enum rt_log_level observe_log_level(const char *name)
{
    for (size_t i = 0; i < sizeof(observe_log_levels) / sizeof(observe_log_levels[0]); i++)
        if (strcmp(observe_log_levels[i].name, name) == 0)
            return observe_log_levels[i].level;
    return RT_LOG_OFF;
}

static rt_obs_setting_t observe_setting(const Portico__MethodSetting *m)
{
    return (rt_obs_setting_t){.metrics_enabled = m->metrics_enabled,
                              .log_level = observe_log_level(m->logging_level),
                              .data_trace = m->data_trace_enabled};
}

typedef struct {
    arena_t *a;
    struct rt_log_segment *segs;
    size_t n, cap;
} observe_fmt_t;

static int observe_add_segment(void *ctx, const logfmt_seg_t *seg)
{
    observe_fmt_t *f = ctx;
    if (f->n == f->cap) {
        size_t cap = f->cap == 0 ? 16 : f->cap * 2;
        struct rt_log_segment *bigger = arena_alloc(f->a, cap * sizeof(*bigger));
        if (bigger == NULL)
            return -1;
        if (f->n > 0)
            memcpy(bigger, f->segs, f->n * sizeof(*bigger));
        f->segs = bigger;
        f->cap = cap;
    }
    f->segs[f->n++] = (struct rt_log_segment){seg->var, seg->text, seg->len};
    return 0;
}

static int observe_access_log(arena_t *a, const Portico__AccessLogSettings *in, rt_stage_t *s,
                              char *err, size_t err_len)
{
    char why[256];
    if (in->destination[0] == '\0' && in->format[0] == '\0')
        return 0;
    rt_access_log_t *al = arena_alloc(a, sizeof(*al));
    observe_fmt_t f = {.a = a};
    if (logfmt_validate(in->format, strlen(in->format), why, sizeof(why)) != 0 ||
        logfmt_parse(in->format, strlen(in->format), observe_add_segment, &f, why, sizeof(why)) !=
            0) {
        snprintf(err, err_len, "stage %s/%s: access log format: %s", s->api_id, s->name, why);
        return -1;
    }
    al->dest = accesslog_dest(in->destination);
    if (al->dest < 0) {
        snprintf(err, err_len, "stage %s/%s: invalid access log destination %s", s->api_id, s->name,
                 in->destination);
        return -1;
    }
    al->segs = f.segs;
    al->nsegs = f.n;
    s->access_log = al;
    return 0;
}

static int observe_methods(arena_t *a, const Portico__StageBinding *b, rt_stage_t *s)
{
    size_t per_method = 0;
    s->obs_default = (rt_obs_setting_t){0, RT_LOG_OFF};
    for (size_t i = 0; i < b->n_method_settings; i++) {
        const Portico__MethodSetting *m = b->method_settings[i];
        if (strcmp(m->resource_path, "*") == 0)
            s->obs_default = observe_setting(m);
        else
            per_method++;
    }
    if (per_method == 0)
        return 0;
    s->obs_methods = strmap_create(a, per_method);
    for (size_t i = 0; i < b->n_method_settings; i++) {
        const Portico__MethodSetting *m = b->method_settings[i];
        if (strcmp(m->resource_path, "*") == 0)
            continue;
        rt_obs_setting_t *o = arena_alloc(a, sizeof(*o));
        *o = observe_setting(m);
        char key[2048];
        int n = snprintf(key, sizeof(key), "%s %s", m->resource_path, m->http_method);
        if (n >= (int)sizeof(key) || strmap_put(s->obs_methods, key, (size_t)n, o) != 0)
            return -1;
    }
    return 0;
}

int observe_conf_stage(arena_t *a, const Portico__StageBinding *b, rt_stage_t *s, char *err,
                       size_t err_len)
{
    s->tracing_enabled = b->tracing_enabled;
    if (b->access_log != NULL && observe_access_log(a, b->access_log, s, err, err_len) != 0)
        return -1;
    if (observe_methods(a, b, s) != 0) {
        snprintf(err, err_len, "stage %s/%s: invalid method settings", s->api_id, s->name);
        return -1;
    }
    return 0;
}

const rt_obs_setting_t *observe_conf_method(const rt_stage_t *s, const rt_method_t *m)
{
    if (s->obs_methods == NULL || m == NULL)
        return &s->obs_default;
    char key[2048];
    int n = snprintf(key, sizeof(key), "%s %s", m->resource_path, m->verb);
    const rt_obs_setting_t *o =
        n < (int)sizeof(key) ? strmap_get(s->obs_methods, key, (size_t)n) : NULL;
    return o != NULL ? o : &s->obs_default;
}
