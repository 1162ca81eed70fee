/* trace: parsing and formatting of the two trace headers; no allocation
 * except the started X-Amzn-Trace-Id, which lives in the request pool. */
#include "trace.h"

#include <stdio.h>
#include <string.h>

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

static uint64_t trace_nonzero(rng_t *rng)
{
    uint64_t v;
    while ((v = rng_next(rng)) == 0)
        ;
    return v;
}

/* The first value of a request header (h2o keeps names in lower case). */
static const char *trace_header(const h2o_headers_t *hs, const char *name, size_t len, size_t *vlen)
{
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *h = &hs->entries[i];
        if (h2o_memis(h->name->base, h->name->len, name, len)) {
            *vlen = h->value.len;
            return h->value.base;
        }
    }
    return NULL;
}

void trace_begin(trace_t *tr, rng_t *rng, const h2o_headers_t *headers)
{
    size_t len;
    uint64_t parent;
    const char *v = trace_header(headers, H2O_STRLIT("traceparent"), &len);
    tr->span = trace_nonzero(rng);
    if (v != NULL &&
        trace_parse_parent(v, len, &tr->trace_hi, &tr->trace_lo, &parent, &tr->flags) == 0) {
        tr->continued = 1;
    } else {
        tr->trace_hi = trace_nonzero(rng);
        tr->trace_lo = rng_next(rng);
        tr->flags = 0; /* Portico records no spans itself: not sampled */
    }
    v = trace_header(headers, H2O_STRLIT("x-amzn-trace-id"), &len);
    if (v != NULL && len > 0) {
        tr->amzn = h2o_iovec_init(v, len);
        tr->amzn_resolved = 1;
        tr->amzn_carried = 1;
    }
}

/* digits (even) lower-case hex digits of v (the low ones), at out; past
 * them. A byte at a time, from a table of the 256 two-digit pairs. */
static char *trace_put_hex(char *out, uint64_t v, int digits)
{
    static const char pairs[] = /* "00" "01" ... "ff" */
        "000102030405060708090a0b0c0d0e0f"
        "101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f"
        "303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f"
        "505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f"
        "707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f"
        "909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
        "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
        "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    for (int i = digits - 2; i >= 0; i -= 2) {
        memcpy(out + i, pairs + 2 * (v & 0xff), 2);
        v >>= 8;
    }
    return out + digits;
}

/* "00-{trace 32}-{span 16}-{flags 2}" without snprintf (every proxied
 * request formats one). */
void trace_format_parent(const trace_t *tr, char *out)
{
    char *p = out;
    *p++ = '0';
    *p++ = '0';
    *p++ = '-';
    p = trace_put_hex(p, tr->trace_hi, 16);
    p = trace_put_hex(p, tr->trace_lo, 16);
    *p++ = '-';
    p = trace_put_hex(p, tr->span, 16);
    *p++ = '-';
    p = trace_put_hex(p, tr->flags, 2);
    *p = '\0';
}

void trace_format_id(const trace_t *tr, char *out)
{
    trace_put_hex(trace_put_hex(out, tr->trace_hi, 16), tr->trace_lo, 16)[0] = '\0';
}

h2o_iovec_t trace_start_amzn(trace_t *tr, uint64_t wall_ms, rng_t *rng, h2o_mem_pool_t *pool)
{
    char *buf = h2o_mem_alloc_pool(pool, 48);
    uint64_t a = rng_next(rng), b = rng_next(rng);
    int n = snprintf(buf, 48, "Root=1-%08x-%08x%016llx", (unsigned)(wall_ms / 1000),
                     (unsigned)(a >> 32), (unsigned long long)b);
    tr->amzn = h2o_iovec_init(buf, (size_t)n);
    return tr->amzn;
}
