/* libFuzzer target: the request framing of the data plane's HTTP/1.1 server
 * (dataplane/core/h1frame.h) as h1conn.c drives it. The first input byte
 * picks how the rest arrives (in pieces of 1..16 bytes, or whole); the rest
 * is the client's bytes: heads are parsed as they grow, the entity is framed
 * from the head's Content-Length / Transfer-Encoding, a chunked entity is
 * decoded in place, and the requests that follow are parsed the same way.
 * A response head is then written from the last head's method as reason and
 * checked against its size bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h1frame.h"

#define MAX_ENTITY 4096

/* what h1conn.c looks for: the first content-length, the last transfer-encoding */
static ssize_t entity_index(const h1frame_head_t *h)
{
    ssize_t idx = -1;
    for (size_t i = 0; i < h->num_headers; i++) {
        const struct phr_header *p = h->headers + i;
        if (h2o_lcstris(p->name, p->name_len, H2O_STRLIT("transfer-encoding")))
            idx = (ssize_t)i;
        else if (idx == -1 && h2o_lcstris(p->name, p->name_len, H2O_STRLIT("content-length")))
            idx = (ssize_t)i;
    }
    return idx;
}

static void check_response_head(const h1frame_head_t *h)
{
    char reason[64];
    size_t n = h->method.len < sizeof(reason) - 1 ? h->method.len : sizeof(reason) - 1;
    memcpy(reason, h->method.base, n);
    reason[n] = '\0';
    h2o_header_t hdr = {&H2O_TOKEN_VARY->buf, NULL, h2o_iovec_init(h->path.base, h->path.len)};
    h1frame_res_t res = {.status = 200 + (int)(h->path.len % 700),
                         .reason = reason,
                         .date = "Mon, 30 Nov 2026 16:00:00 GMT",
                         .connection = h2o_iovec_init(H2O_STRLIT("keep-alive")),
                         .content_length = h->num_headers % 2 ? SIZE_MAX : h->path.len,
                         .server_name = h2o_iovec_init(H2O_STRLIT("Portico")),
                         .headers = &hdr,
                         .num_headers = 1,
                         .msie = (int)(h->num_headers % 3 == 0)};
    size_t bound = h1frame_head_size(&res);
    char *buf = malloc(bound);
    if (buf == NULL)
        return;
    if (h1frame_write_head(buf, &res) > bound)
        abort();
    free(buf);
}

/* One request from buf[0, *size) with *avail bytes arrived in total; returns
 * its length (head and entity), 0 when more bytes are needed, -1 on error. */
static ssize_t one_request(char *buf, size_t *size, size_t step, const uint8_t *src, size_t srclen,
                           size_t *fed)
{
    h1frame_head_t h;
    size_t prev = 0;
    int r;
    for (;;) {
        r = h1frame_parse_head(buf, *size, prev, &h);
        prev = *size < H1FRAME_MAX_REQLEN ? *size : H1FRAME_MAX_REQLEN;
        if (r != H1FRAME_INCOMPLETE || *fed == srclen)
            break;
        size_t n = step < srclen - *fed ? step : srclen - *fed;
        memcpy(buf + *size, src + *fed, n);
        *size += n;
        *fed += n;
    }
    if (r < 0) {
        (void)h1frame_classify_broken(buf, *size);
        return -1;
    }
    check_response_head(&h);
    ssize_t idx = entity_index(&h);
    if (idx == -1)
        return r;
    h1frame_entity_t e;
    h1frame_entity(h.headers + idx, MAX_ENTITY, &e);
    if (e.status != 0)
        return -1;
    if (!e.chunked) {
        size_t want = (size_t)r + e.content_length;
        while (*size < want && *fed < srclen) {
            size_t n = step < srclen - *fed ? step : srclen - *fed;
            memcpy(buf + *size, src + *fed, n);
            *size += n;
            *fed += n;
        }
        return *size >= want ? (ssize_t)want : 0;
    }
    h1frame_chunked_t ch;
    size_t end = 0;
    h1frame_chunked_init(&ch, (size_t)r);
    for (;;) {
        int c = h1frame_chunked_feed(&ch, buf, size, (size_t)r, MAX_ENTITY, &end);
        if (c == 1)
            return end >= (size_t)r && end <= *size ? (ssize_t)end : (abort(), -1);
        if (c != 0)
            return -1;
        if (*fed == srclen)
            return 0;
        size_t n = step < srclen - *fed ? step : srclen - *fed;
        memcpy(buf + *size, src + *fed, n);
        *size += n;
        *fed += n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (len < 1)
        return 0;
    size_t step = data[0] & 0x10 ? len : (size_t)(data[0] & 0x0f) + 1;
    const uint8_t *src = data + 1;
    size_t srclen = len - 1, fed = 0, size = 0;
    char *buf = malloc(srclen + 1);
    if (buf == NULL)
        return 0;
    for (;;) {
        /* the next request starts at the buffer's start */
        if (size == 0 && fed < srclen) {
            size_t n = step < srclen - fed ? step : srclen - fed;
            memcpy(buf, src + fed, n);
            size = n;
            fed += n;
        }
        if (size == 0)
            break;
        ssize_t r = one_request(buf, &size, step, src, srclen, &fed);
        if (r <= 0)
            break;
        memmove(buf, buf + r, size - (size_t)r);
        size -= (size_t)r;
    }
    free(buf);
    return 0;
}
