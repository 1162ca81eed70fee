/* fn_remote: remote functions through the Lambda Invoke API (see fn_remote.h). */
#include "fn_remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpval.h"
#include "sigv4_sign.h"
#include "upstream_call.h"

#define FN_REMOTE_MAX_ANSWER ((size_t)6 * 1024 * 1024 + 65536)
#define FN_REMOTE_MARGIN_MS 5000

static char *cred_id, *cred_secret, *cred_token;

void fn_remote_init(void)
{
    const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY"),
               *token = getenv("AWS_SESSION_TOKEN");
    if (id != NULL && *id != '\0' && secret != NULL && *secret != '\0') {
        cred_id = strdup(id);
        cred_secret = strdup(secret);
        cred_token = token != NULL && *token != '\0' ? strdup(token) : NULL;
    }
}

typedef struct {
    upstream_call_t http;
    fn_remote_done_fn done;
    void *arg;
    char *head, *url, *body;
    size_t body_len;
    int status, function_error;
    char version[24];
    char *answer;
    size_t answer_len;
} remote_t;

static void finish(remote_t *r, fnhost_status_t status, const char *text)
{
    char *payload = r->answer;
    size_t len = r->answer_len;
    if (text != NULL) {
        free(payload);
        payload = strdup(text);
        len = payload != NULL ? strlen(payload) : 0;
    }
    r->done(r->arg, status, payload, len, r->version);
    free(r->head), free(r->url), free(r->body);
    free(r);
}

static void complete(remote_t *r)
{
    switch (r->status) {
    case 200:
        finish(r, r->function_error ? FNHOST_FUNCTION_ERROR : FNHOST_OK, NULL);
        return;
    case 202:
    case 204:
        finish(r, FNHOST_OK, NULL);
        return;
    case 404:
        finish(r, FNHOST_NOT_FOUND, NULL);
        return;
    case 429:
        finish(r, FNHOST_THROTTLED, NULL);
        return;
    default:
        finish(r, FNHOST_FAILED, NULL);
    }
}

static int on_body(h2o_http1client_t *client, const char *errstr)
{
    remote_t *r = ((upstream_call_t *)client->data)->data;
    h2o_buffer_t *in = client->sock->input;
    if (r->answer_len + in->size > FN_REMOTE_MAX_ANSWER) {
        r->http.client = NULL;
        finish(r, FNHOST_FAILED, "the remote function's answer is too large");
        return -1;
    }
    if (in->size > 0) {
        char *bigger = realloc(r->answer, r->answer_len + in->size + 1);
        if (bigger == NULL)
            h2o_fatal("out of memory");
        memcpy(bigger + r->answer_len, in->bytes, in->size);
        r->answer = bigger;
        r->answer_len += in->size;
        h2o_buffer_consume(&client->sock->input, in->size);
    }
    if (errstr == NULL)
        return 0;
    r->http.client = NULL;
    if (upstream_call_is_eos(errstr))
        complete(r);
    else
        finish(r, FNHOST_FAILED, "the remote function's answer could not be read");
    return 0;
}

static h2o_http1client_body_cb on_head(upstream_call_t *c, int status, h2o_iovec_t msg,
                                       h2o_header_t *headers, size_t nheaders, int eos)
{
    remote_t *r = c->data;
    r->status = status;
    for (size_t i = 0; i < nheaders; i++) {
        h2o_iovec_t *n = headers[i].name;
        if (h2o_lcstris(n->base, n->len, H2O_STRLIT("x-amz-function-error")))
            r->function_error = 1;
        else if (h2o_lcstris(n->base, n->len, H2O_STRLIT("x-amz-executed-version")) &&
                 headers[i].value.len < sizeof(r->version))
            snprintf(r->version, sizeof(r->version), "%.*s", (int)headers[i].value.len,
                     headers[i].value.base);
    }
    if (eos) {
        complete(r);
        return NULL;
    }
    return on_body;
}

static void on_fail(upstream_call_t *c, enum upstream_call_error e, const char *errstr)
{
    finish(c->data, e == UPSTREAM_CALL_TIMEOUT ? FNHOST_TIMEOUT : FNHOST_FAILED,
           e == UPSTREAM_CALL_TIMEOUT ? "{\"errorMessage\":\"the remote function timed out\"}"
                                      : "the remote function could not be reached");
}

/* The region of arn:aws:lambda:REGION:... into out. */
static void arn_region(const char *arn, char *out, size_t out_len)
{
    const char *p = arn;
    for (int i = 0; i < 3 && p != NULL; i++)
        p = strchr(p, ':') != NULL ? strchr(p, ':') + 1 : NULL;
    size_t n = p != NULL ? strcspn(p, ":") : 0;
    snprintf(out, out_len, "%.*s", (int)n, n > 0 && n < out_len ? p : "us-east-1");
}

static int request_head(remote_t *r, const h2o_url_t *url, const fn_entry_t *e,
                        const fnhost_opts_t *opts)
{
    char amz_date[17], auth[512] = "", region[64];
    sigv4_amz_date((int64_t)time(NULL), amz_date);
    arn_region(e->cfg.arn, region, sizeof(region));
    sigv4_header_t hs[3] = {{"host", 4, url->authority.base, url->authority.len},
                            {"x-amz-date", 10, amz_date, 16}};
    size_t nh = 2;
    if (cred_token != NULL)
        hs[nh++] = (sigv4_header_t){"x-amz-security-token", 20, cred_token, strlen(cred_token)};
    sigv4_request_t sr = {"POST", 4, url->path.base, url->path.len, NULL, 0, hs, nh};
    if (cred_id != NULL && sigv4_sign(&sr, amz_date, cred_id, cred_secret, cred_token, region,
                                      "lambda", r->body, r->body_len, auth, sizeof(auth)) != 0)
        return -1;
    const char *trace =
        opts->trace_id != NULL && httpval_header_value(opts->trace_id, strlen(opts->trace_id)) == 0
            ? opts->trace_id
            : NULL;
    int n = asprintf(&r->head,
                     "POST %.*s HTTP/1.1\r\nhost: %.*s\r\ncontent-type: application/json\r\n"
                     "content-length: %zu\r\nx-amz-date: %s\r\nx-amz-invocation-type: %s\r\n"
                     "%s%s%s%s%s%s%s%s%sconnection: keep-alive\r\n\r\n",
                     (int)url->path.len, url->path.base, (int)url->authority.len,
                     url->authority.base, r->body_len, amz_date,
                     opts->async ? "Event" : "RequestResponse", auth[0] ? "authorization: " : "",
                     auth, auth[0] ? "\r\n" : "", cred_token ? "x-amz-security-token: " : "",
                     cred_token ? cred_token : "", cred_token ? "\r\n" : "",
                     trace ? "x-amzn-trace-id: " : "", trace ? trace : "", trace ? "\r\n" : "");
    return n < 0 ? -1 : 0;
}

void fn_remote_start(dp_thread_t *t, const fn_entry_t *e, const char *payload, size_t len,
                     const fnhost_opts_t *opts, fn_remote_done_fn done, void *arg)
{
    remote_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        h2o_fatal("out of memory");
    r->done = done;
    r->arg = arg;
    snprintf(r->version, sizeof(r->version), "%s", "");
    size_t elen = strlen(e->remote_endpoint);
    while (elen > 0 && e->remote_endpoint[elen - 1] == '/')
        elen--;
    h2o_url_t url;
    if (asprintf(&r->url, "%.*s/2015-03-31/functions/%s/invocations", (int)elen, e->remote_endpoint,
                 e->cfg.name) < 0 ||
        (r->body = malloc(len + 1)) == NULL) {
        finish(r, FNHOST_FAILED, "out of memory");
        return;
    }
    memcpy(r->body, payload, len);
    r->body_len = len;
    if (h2o_url_parse(r->url, strlen(r->url), &url) != 0 ||
        httpval_target(url.path.base, url.path.len) != 0 ||
        httpval_authority(url.authority.base, url.authority.len) != 0 ||
        request_head(r, &url, e, opts) != 0) {
        finish(r, FNHOST_FAILED, "the remote endpoint cannot be called");
        return;
    }
    r->http.bufs[0] = h2o_iovec_init(r->head, strlen(r->head));
    r->http.bufs[1] = h2o_iovec_init(r->body, r->body_len);
    r->http.on_head = on_head;
    r->http.on_fail = on_fail;
    r->http.data = r;
    uint32_t timeout = e->cfg.timeout_s * 1000 + FN_REMOTE_MARGIN_MS;
    if (opts->deadline_ms != 0 && opts->deadline_ms < timeout)
        timeout = opts->deadline_ms;
    upstream_call_start(&r->http, &t->upstream, &url, timeout);
}
