/* h1frame: request framing and the response head of the HTTP/1.1 server
 * (see h1frame.h); the behaviour of h2o 2.2.5's lib/http1.c, without its
 * sprintf. */
#include "h1frame.h"

#include <string.h>

int h1frame_parse_head(const char *buf, size_t len, size_t prevlen, h1frame_head_t *head)
{
    size_t inlen = len < H1FRAME_MAX_REQLEN ? len : H1FRAME_MAX_REQLEN;
    head->num_headers = H1FRAME_MAX_HEADERS;
    int r = phr_parse_request(buf, inlen, (const char **)&head->method.base, &head->method.len,
                              (const char **)&head->path.base, &head->path.len,
                              &head->minor_version, head->headers, &head->num_headers, prevlen);
    if (r == -2 && inlen == H1FRAME_MAX_REQLEN)
        return H1FRAME_TOO_LARGE;
    return r;
}

int h1frame_classify_broken(const char *buf, size_t len)
{
    static const char preface[] = "PRI * HTTP/2";
    if (len >= sizeof(preface) - 1 && memcmp(buf, preface, sizeof(preface) - 1) == 0)
        return 1;
    if (len > 4)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (buf[i] != '\r' && buf[i] != '\n')
            return 0;
    return 2;
}

static void h1frame_entity_error(h1frame_entity_t *out, int status, const char *body)
{
    out->status = status;
    out->reason = status == 413 ? "Request Entity Too Large" : "Invalid Request";
    out->body = body;
}

void h1frame_entity(const struct phr_header *entity_header, size_t max_entity,
                    h1frame_entity_t *out)
{
    *out = (h1frame_entity_t){0};
    /* the two names differ in length: the length tells them apart (as h2o) */
    if (entity_header->name_len == sizeof("transfer-encoding") - 1) {
        if (!h2o_lcstris(entity_header->value, entity_header->value_len, H2O_STRLIT("chunked")))
            h1frame_entity_error(out, 400, "unknown transfer-encoding");
        else
            out->chunked = 1;
        return;
    }
    out->content_length = h2o_strtosize(entity_header->value, entity_header->value_len);
    if (out->content_length == SIZE_MAX)
        h1frame_entity_error(out, 400, "broken content-length header");
    else if (out->content_length > max_entity)
        h1frame_entity_error(out, 413, "request entity is too large");
}

void h1frame_chunked_init(h1frame_chunked_t *c, size_t head_len)
{
    memset(c, 0, sizeof(*c));
    c->decoder.consume_trailer = 1;
    c->decoded = head_len;
}

int h1frame_chunked_feed(h1frame_chunked_t *c, char *buf, size_t *size, size_t head_len,
                         size_t max_entity, size_t *entity_end)
{
    size_t n = *size - c->decoded;
    if (n == 0)
        return 0;
    ssize_t r = phr_decode_chunked(&c->decoder, buf + c->decoded, &n);
    *size = c->decoded + n;
    c->decoded = *size;
    if (r != -1 && *size - head_len >= max_entity)
        return 413;
    if (r == -2)
        return 0;
    if (r < 0)
        return 400;
    *entity_end = *size;
    *size += (size_t)r; /* the bytes after the entity stay */
    return 1;
}

static const char h1frame_digits[] = "0123456789";

static char *h1frame_put(char *dst, const char *s, size_t len)
{
    if (len != 0) /* s may be NULL then (an empty header value) */
        memcpy(dst, s, len);
    return dst + len;
}

#define H1FRAME_PUTLIT(dst, lit) h1frame_put((dst), (lit), sizeof(lit) - 1)

static char *h1frame_put_size(char *dst, size_t v)
{
    char tmp[sizeof(H2O_UINT64_LONGEST_STR)];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = h1frame_digits[v % 10];
        v /= 10;
    } while (v != 0);
    return h1frame_put(dst, tmp + i, sizeof(tmp) - i);
}

size_t h1frame_head_size(const h1frame_res_t *res)
{
    size_t len =
        sizeof("HTTP/1.1  \r\ndate: \r\nserver: \r\nconnection: \r\ncontent-length: \r\n\r\n") + 3 +
        strlen(res->reason) + H2O_TIMESTR_RFC1123_LEN + res->server_name.len + res->connection.len +
        sizeof(H2O_UINT64_LONGEST_STR) - 1 + sizeof("cache-control: private") - 1;
    for (size_t i = 0; i < res->num_headers; i++)
        len += res->headers[i].name->len + res->headers[i].value.len + 4;
    return len;
}

static char *h1frame_put_header(char *dst, const h2o_header_t *h)
{
    dst = h1frame_put(dst, h->orig_name != NULL ? h->orig_name : h->name->base, h->name->len);
    *dst++ = ':';
    *dst++ = ' ';
    dst = h1frame_put(dst, h->value.base, h->value.len);
    *dst++ = '\r';
    *dst++ = '\n';
    return dst;
}

/* "HTTP/1.1 200 OK\r\nDate: ...\r\nConnection: ...\r\n[Content-Length: n\r\n]" */
static char *h1frame_put_status(char *dst, const h1frame_res_t *res)
{
    assert(res->status >= 0 && res->status <= 999);
    dst = H1FRAME_PUTLIT(dst, "HTTP/1.1 ");
    *dst++ = h1frame_digits[res->status / 100];
    *dst++ = h1frame_digits[res->status / 10 % 10];
    *dst++ = h1frame_digits[res->status % 10];
    *dst++ = ' ';
    dst = h1frame_put(dst, res->reason, strlen(res->reason));
    dst = H1FRAME_PUTLIT(dst, "\r\nDate: ");
    dst = h1frame_put(dst, res->date, H2O_TIMESTR_RFC1123_LEN);
    dst = H1FRAME_PUTLIT(dst, "\r\nConnection: ");
    dst = h1frame_put(dst, res->connection.base, res->connection.len);
    dst = H1FRAME_PUTLIT(dst, "\r\n");
    if (res->content_length != SIZE_MAX) {
        dst = H1FRAME_PUTLIT(dst, "Content-Length: ");
        dst = h1frame_put_size(dst, res->content_length);
        dst = H1FRAME_PUTLIT(dst, "\r\n");
    }
    return dst;
}

size_t h1frame_write_head(char *dst, const h1frame_res_t *res)
{
    static const h2o_header_t cache_control_private = {
        &H2O_TOKEN_CACHE_CONTROL->buf, NULL, {H2O_STRLIT("private")}};
    char *p = h1frame_put_status(dst, res);
    if (res->server_name.len != 0) {
        p = H1FRAME_PUTLIT(p, "Server: ");
        p = h1frame_put(p, res->server_name.base, res->server_name.len);
        p = H1FRAME_PUTLIT(p, "\r\n");
    }
    for (size_t i = 0; i < res->num_headers; i++) {
        const h2o_header_t *h = res->headers + i;
        /* h2o's answer to MSIE's caching of Vary (lib/http1.c, #72) */
        if (res->msie && h->name == &H2O_TOKEN_VARY->buf)
            h = &cache_control_private;
        p = h1frame_put_header(p, h);
    }
    p = H1FRAME_PUTLIT(p, "\r\n");
    return (size_t)(p - dst);
}
