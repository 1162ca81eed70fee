/* sigv4_canon: builds the canonical request of AWS Signature Version 4 for
 * services other than S3 (the rules botocore's SigV4Auth signs with):
 *   METHOD \n URI \n QUERY \n (name:value \n)* \n SIGNED-HEADERS \n PAYLOAD-HASH
 * into one growing buffer. */
#include "sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIGV4_MAX_PATH_SEGMENTS 128
#define SIGV4_MAX_QUERY_PARAMS 128

typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 512;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void sb_str(sbuf_t *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static int unreserved(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

/* AWS URI encoding: every byte but the unreserved ones (and '/' when
 * keep_slash) as %XX in upper case. */
static void sb_encode(sbuf_t *b, const char *s, size_t n, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (unreserved(ch) || (keep_slash && ch == '/')) {
            sb_put(b, (const char *)&s[i], 1);
        } else {
            char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            sb_put(b, esc, 3);
        }
    }
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

long sigv4_decode(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
                return -1;
            ch = (char)(hi * 16 + lo);
            i += 2;
        }
        if (ch == '\0' || n + 1 >= cap)
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    return (long)n;
}

/* The path with "." and ".." segments and empty segments removed, encoded
 * once more (RFC 3986 5.2.4 plus AWS's slash collapsing, as botocore does). */
static int canon_path(sbuf_t *b, const char *path, size_t len)
{
    const char *seg[SIGV4_MAX_PATH_SEGMENTS];
    size_t seg_len[SIGV4_MAX_PATH_SEGMENTS];
    int n = 0;
    if (len == 0) {
        sb_str(b, "/");
        return 0;
    }
    for (size_t i = 0; i < len;) {
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        size_t l = i - start;
        if (i < len)
            i++;
        if (l == 0 || (l == 1 && path[start] == '.'))
            continue;
        if (l == 2 && path[start] == '.' && path[start + 1] == '.') {
            if (n > 0)
                n--;
            continue;
        }
        if (n == SIGV4_MAX_PATH_SEGMENTS)
            return -1;
        seg[n] = path + start;
        seg_len[n++] = l;
    }
    if (path[0] == '/')
        sb_str(b, "/");
    for (int k = 0; k < n; k++) {
        if (k > 0)
            sb_str(b, "/");
        sb_encode(b, seg[k], seg_len[k], 0);
    }
    if (path[len - 1] == '/' && n > 0)
        sb_str(b, "/");
    return 0;
}

typedef struct {
    char *key, *value; /* AWS-encoded, malloc'd */
} qparam_t;

static int qparam_cmp(const void *a, const void *b)
{
    const qparam_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : strcmp(x->value, y->value);
}

/* Decodes s[0..len) and AWS-encodes it into a malloc'd string. */
static char *reencode(const char *s, size_t len)
{
    char *plain = malloc(len + 1);
    sbuf_t b = {0};
    if (plain == NULL || sigv4_decode(s, len, plain, len + 1) < 0) {
        free(plain);
        return NULL;
    }
    sb_encode(&b, plain, strlen(plain), 0);
    if (b.data == NULL && !b.failed)
        sb_str(&b, "");
    free(plain);
    if (b.failed) {
        free(b.data);
        return NULL;
    }
    return b.data;
}

static void qparams_free(qparam_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].key);
        free(p[i].value);
    }
}

/* Sorted "k=v&k=v" of every parameter but X-Amz-Signature (presigned). */
static int canon_query(sbuf_t *b, const char *q, size_t len)
{
    qparam_t p[SIGV4_MAX_QUERY_PARAMS];
    size_t n = 0;
    int rc = -1;
    for (size_t i = 0; q != NULL && i < len;) {
        size_t start = i;
        while (i < len && q[i] != '&')
            i++;
        size_t l = i - start;
        i++;
        if (l == 0)
            continue;
        const char *eq = memchr(q + start, '=', l);
        size_t klen = eq != NULL ? (size_t)(eq - (q + start)) : l;
        if (klen == 15 && memcmp(q + start, "X-Amz-Signature", 15) == 0)
            continue;
        if (n == SIGV4_MAX_QUERY_PARAMS)
            goto out;
        p[n].key = reencode(q + start, klen);
        p[n].value = eq != NULL ? reencode(eq + 1, l - klen - 1) : reencode("", 0);
        n++;
        if (p[n - 1].key == NULL || p[n - 1].value == NULL)
            goto out;
    }
    qsort(p, n, sizeof(p[0]), qparam_cmp);
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            sb_str(b, "&");
        sb_str(b, p[k].key);
        sb_str(b, "=");
        sb_str(b, p[k].value);
    }
    rc = 0;
out:
    qparams_free(p, n);
    return rc;
}

/* Trimmed value with inner runs of spaces and tabs collapsed to one space. */
static void sb_trimall(sbuf_t *b, const char *v, size_t len)
{
    size_t i = 0;
    int pending_space = 0, any = 0;
    for (; i < len; i++) {
        char ch = v[i];
        if (ch == ' ' || ch == '\t') {
            pending_space = any;
            continue;
        }
        if (pending_space)
            sb_str(b, " ");
        pending_space = 0;
        sb_put(b, &v[i], 1);
        any = 1;
    }
}

/* "name:v1,v2\n" for one signed header; -1 when the request lacks it. */
static int canon_header(sbuf_t *b, const sigv4_request_t *r, const char *name, size_t len)
{
    int found = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        const sigv4_header_t *h = &r->headers[i];
        if (h->name_len != len || strncasecmp(h->name, name, len) != 0)
            continue;
        if (!found) {
            sb_put(b, name, len);
            sb_str(b, ":");
        } else {
            sb_str(b, ",");
        }
        sb_trimall(b, h->value, h->value_len);
        found = 1;
    }
    if (found)
        sb_str(b, "\n");
    return found ? 0 : -1;
}

static int canon_headers(sbuf_t *b, const sigv4_request_t *r, const char *list)
{
    const char *p = list;
    while (*p != '\0') {
        const char *semi = strchr(p, ';');
        size_t l = semi != NULL ? (size_t)(semi - p) : strlen(p);
        if (canon_header(b, r, p, l) != 0)
            return -1;
        p += l;
        if (*p == ';')
            p++;
    }
    return 0;
}

char *sigv4_canonical_request(const sigv4_request_t *r, const sigv4_auth_t *a,
                              const char *payload_hash)
{
    sbuf_t b = {0};
    sb_put(&b, r->method, r->method_len);
    sb_str(&b, "\n");
    if (canon_path(&b, r->path, r->path_len) != 0)
        goto fail;
    sb_str(&b, "\n");
    if (canon_query(&b, r->query, r->query != NULL ? r->query_len : 0) != 0)
        goto fail;
    sb_str(&b, "\n");
    if (canon_headers(&b, r, a->signed_headers) != 0)
        goto fail;
    sb_str(&b, "\n");
    sb_str(&b, a->signed_headers);
    sb_str(&b, "\n");
    sb_str(&b, payload_hash);
    if (b.failed)
        goto fail;
    return b.data;
fail:
    free(b.data);
    return NULL;
}
