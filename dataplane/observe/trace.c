/* trace: parsing and formatting of the two trace headers; no allocation
 * except the started X-Amzn-Trace-Id, which lives in the request pool. */
#include "trace.h"

#include <stdio.h>
#include <string.h>

#include "request.h"

static int trace_hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* n lower-case hex digits (n <= 16) into *out. */
static int trace_hex(const char *s, int n, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        int d = trace_hex_digit(s[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

int trace_parse_parent(const char *v, size_t len, uint64_t *hi, uint64_t *lo, uint64_t *parent,
                       uint8_t *flags)
{
    uint64_t version, f;
    if (len < TRACE_PARENT_LEN || v[2] != '-' || v[35] != '-' || v[52] != '-')
        return -1;
    if (trace_hex(v, 2, &version) != 0 || version == 0xff ||
        (version == 0 && len != TRACE_PARENT_LEN))
        return -1;
    if (len > TRACE_PARENT_LEN && v[TRACE_PARENT_LEN] != '-')
        return -1;
    if (trace_hex(v + 3, 16, hi) != 0 || trace_hex(v + 19, 16, lo) != 0 ||
        trace_hex(v + 36, 16, parent) != 0 || trace_hex(v + 53, 2, &f) != 0)
        return -1;
    if ((*hi == 0 && *lo == 0) || *parent == 0)
        return -1;
    *flags = (uint8_t)f;
    return 0;
}

static uint64_t trace_nonzero(dp_thread_t *t)
{
    uint64_t v;
    while ((v = dp_random(t)) == 0)
        ;
    return v;
}

void trace_begin(dp_request_t *r)
{
    trace_t *tr = &r->trace;
    size_t len;
    uint64_t parent;
    const char *v = request_header(r, H2O_STRLIT("traceparent"), &len);
    tr->span = trace_nonzero(r->thread);
    if (v != NULL &&
        trace_parse_parent(v, len, &tr->trace_hi, &tr->trace_lo, &parent, &tr->flags) == 0) {
        tr->continued = 1;
    } else {
        tr->trace_hi = trace_nonzero(r->thread);
        tr->trace_lo = dp_random(r->thread);
        tr->flags = 0; /* Portico records no spans itself: not sampled */
    }
    v = request_header(r, H2O_STRLIT("x-amzn-trace-id"), &len);
    if (v != NULL && len > 0) {
        tr->amzn = h2o_iovec_init(v, len);
        tr->amzn_resolved = 1;
        tr->amzn_carried = 1;
    }
}

void trace_format_parent(const dp_request_t *r, char *out)
{
    const trace_t *tr = &r->trace;
    snprintf(out, TRACE_PARENT_LEN + 1, "00-%016llx%016llx-%016llx-%02x",
             (unsigned long long)tr->trace_hi, (unsigned long long)tr->trace_lo,
             (unsigned long long)tr->span, tr->flags);
}

void trace_format_id(const dp_request_t *r, char *out)
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)r->trace.trace_hi,
             (unsigned long long)r->trace.trace_lo);
}

h2o_iovec_t trace_amzn(dp_request_t *r)
{
    trace_t *tr = &r->trace;
    if (tr->amzn_resolved || r->stage == NULL)
        return tr->amzn;
    tr->amzn_resolved = 1;
    if (!r->stage->tracing_enabled)
        return tr->amzn;
    char *buf = h2o_mem_alloc_pool(&r->req->pool, 48);
    uint64_t a = dp_random(r->thread), b = dp_random(r->thread);
    int n = snprintf(buf, 48, "Root=1-%08x-%08x%016llx", (unsigned)(r->started_wall_ms / 1000),
                     (unsigned)(a >> 32), (unsigned long long)b);
    tr->amzn = h2o_iovec_init(buf, (size_t)n);
    return tr->amzn;
}
