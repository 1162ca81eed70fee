/* ws_http: an HTTP/1.1 exchange through upstream_call, its answer read
 * whole into memory (at most WS_HTTP_MAX_ANSWER bytes). */
#include "ws_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpval.h"
#include "upstream_call.h"

typedef struct {
    upstream_call_t http;
    ws_http_cb cb;
    void *arg;
    int status;
    char *head, *body;
    char *answer;
    size_t answer_len;
} ws_http_t;

static void ws_http_finish(ws_http_t *w, int status, const char *err)
{
    w->cb(w->arg, status, w->answer != NULL ? w->answer : "", w->answer_len, err);
    free(w->head);
    free(w->body);
    free(w->answer);
    free(w);
}

static int ws_http_on_body(h2o_http1client_t *client, const char *errstr)
{
    ws_http_t *w = ((upstream_call_t *)client->data)->data;
    h2o_buffer_t *in = client->sock->input;
    if (w->answer_len + in->size > WS_HTTP_MAX_ANSWER) {
        w->http.client = NULL;
        ws_http_finish(w, 0, "the answer is too large");
        return -1;
    }
    if (in->size > 0) {
        char *bigger = realloc(w->answer, w->answer_len + in->size + 1);
        if (bigger == NULL)
            h2o_fatal("out of memory");
        memcpy(bigger + w->answer_len, in->bytes, in->size);
        w->answer = bigger;
        w->answer_len += in->size;
        w->answer[w->answer_len] = '\0';
        h2o_buffer_consume(&client->sock->input, in->size);
    }
    if (errstr == NULL)
        return 0;
    w->http.client = NULL;
    if (upstream_call_is_eos(errstr))
        ws_http_finish(w, w->status, NULL);
    else
        ws_http_finish(w, 0, errstr);
    return 0;
}

static h2o_http1client_body_cb ws_http_on_head(upstream_call_t *c, int status, h2o_iovec_t msg,
                                               h2o_header_t *headers, size_t nheaders, int eos)
{
    ws_http_t *w = c->data;
    w->status = status;
    if (eos) {
        ws_http_finish(w, status, NULL);
        return NULL;
    }
    return ws_http_on_body;
}

static void ws_http_on_fail(upstream_call_t *c, enum upstream_call_error e, const char *errstr)
{
    ws_http_finish(c->data, 0, errstr != NULL ? errstr : "the endpoint failed");
}

int ws_http_call(dp_thread_t *t, const char *method, const char *url_s, const char *headers,
                 const char *body, size_t len, uint32_t timeout_ms, ws_http_cb cb, void *arg)
{
    return ws_http_call_host(t, method, url_s, NULL, 0, headers, body, len, timeout_ms, cb, arg);
}

int ws_http_call_host(dp_thread_t *t, const char *method, const char *url_s, const char *host,
                      size_t host_len, const char *headers, const char *body, size_t len,
                      uint32_t timeout_ms, ws_http_cb cb, void *arg)
{
    h2o_url_t url;
    if (h2o_url_parse(url_s, strlen(url_s), &url) != 0 ||
        httpval_target(url.path.base, url.path.len) != 0 ||
        httpval_authority(url.authority.base, url.authority.len) != 0 ||
        httpval_method(method, strlen(method)) != 0 ||
        (host != NULL && httpval_authority(host, host_len) != 0))
        return -1;
    if (host == NULL) {
        host = url.authority.base;
        host_len = url.authority.len;
    }
    ws_http_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        h2o_fatal("out of memory");
    /* headers that bring their own content-type keep it (a forwarded,
     * signed request) */
    int own_type = headers != NULL && (strncmp(headers, "content-type:", 13) == 0 ||
                                       strstr(headers, "\ncontent-type:") != NULL);
    int n = asprintf(&w->head,
                     "%s %.*s HTTP/1.1\r\nhost: %.*s\r\n%s"
                     "%scontent-length: %zu\r\nconnection: keep-alive\r\n\r\n",
                     method, (int)url.path.len, url.path.base, (int)host_len, host,
                     own_type ? "" : "content-type: application/json\r\n",
                     headers != NULL ? headers : "", len);
    w->body = len > 0 ? malloc(len) : NULL;
    if (n < 0 || (len > 0 && w->body == NULL))
        h2o_fatal("out of memory");
    if (len > 0)
        memcpy(w->body, body, len);
    w->cb = cb;
    w->arg = arg;
    w->http.bufs[0] = h2o_iovec_init(w->head, (size_t)n);
    w->http.bufs[1] = h2o_iovec_init(w->body, len);
    w->http.is_head = strcmp(method, "HEAD") == 0;
    w->http.on_head = ws_http_on_head;
    w->http.on_fail = ws_http_on_fail;
    w->http.data = w;
    upstream_call_start(&w->http, &t->upstream, &url, timeout_ms);
    return 0;
}
