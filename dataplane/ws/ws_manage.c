/* ws_manage: the @connections API on the data plane's listeners. */
#include "ws_manage.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gwresp.h"
#include "iam_conf.h"
#include "log.h"
#include "policy.h"
#include "sigv4_h2o.h"
#include "ws_peer.h"
#include "ws_frame.h"

#define WS_MANAGE_MAX_HEADERS 100

static void ws_gone(h2o_req_t *req)
{
    gwresp_send_plain(req, 410, "{\"message\":null}", "GoneException");
}

static void ws_forbidden(h2o_req_t *req, const char *message, const char *type)
{
    char body[800];
    snprintf(body, sizeof(body), "{\"message\":\"%s\"}", message);
    gwresp_send_plain(req, 403, body, type);
}

/* SigV4 by a key allowed execute-api:ManageConnections. 0, or -1 answered. */
static int ws_manage_auth(dp_request_t *r, const ws_stage_t *s, h2o_iovec_t id)
{
    h2o_req_t *req = r->req;
    sigv4_header_t *headers =
        h2o_mem_alloc_pool(&req->pool, sizeof(*headers) * WS_MANAGE_MAX_HEADERS);
    sigv4_request_t sr;
    sigv4_auth_t a;
    char msg[256];
    if (sigv4_from_h2o(req, headers, WS_MANAGE_MAX_HEADERS, &sr) != 0) {
        ws_forbidden(req, "Too many request headers", "IncompleteSignatureException");
        return -1;
    }
    int rc = sigv4_parse(&sr, &a);
    if (rc == SIGV4_ENONE) {
        ws_forbidden(req, "Missing Authentication Token", "MissingAuthenticationTokenException");
        return -1;
    }
    if (rc != SIGV4_OK || strcmp(a.service, "execute-api") != 0) {
        ws_forbidden(req,
                     "Authorization header requires 'Credential', 'SignedHeaders', "
                     "'Signature' and 'X-Amz-Date'.",
                     "IncompleteSignatureException");
        return -1;
    }
    if (sigv4_check_time(&a, (int64_t)time(NULL), msg, sizeof(msg)) != SIGV4_OK) {
        ws_forbidden(req, "Signature expired", "InvalidSignatureException");
        return -1;
    }
    const rt_iam_key_t *k = iam_conf_key(r->rt, a.access_key, a.date, a.region);
    if (k == NULL) {
        ws_forbidden(req, "The security token included in the request is invalid.",
                     "UnrecognizedClientException");
        return -1;
    }
    h2o_iovec_t body = req->entity;
    rc = sigv4_verify(&sr, &a, k->key, body.base, body.base != NULL ? body.len : 0,
                      body.base == NULL || body.len == 0);
    if (rc != SIGV4_OK) {
        ws_forbidden(req,
                     "The request signature we calculated does not match the signature you "
                     "provided.",
                     "InvalidSignatureException");
        return -1;
    }
    char arn[512];
    int n = snprintf(arn, sizeof(arn), "arn:aws:execute-api:%s:%s:%s/%s/%.*s/@connections/%.*s",
                     POLICY_REGION, POLICY_ACCOUNT, s->api_id, s->name, (int)req->method.len,
                     req->method.base, (int)id.len, id.base);
    policy_request_t pr = {arn, n > 0 && (size_t)n < sizeof(arn) ? (size_t)n : 0,
                           request_source_ip(r), "execute-api:ManageConnections"};
    if (pr.arn_len == 0 || policy_evaluate(k->policy, &pr) != POLICY_ALLOW) {
        char m[700];
        snprintf(m, sizeof(m),
                 "User: arn:aws:iam::000000000000:user/%s is not authorized to perform: "
                 "execute-api:ManageConnections on resource: %s",
                 k->access_key_id, arn);
        ws_forbidden(req, m, "AccessDeniedException");
        return -1;
    }
    return 0;
}

static void ws_iso8601(uint64_t ms, char *out, size_t cap)
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    size_t n = strlen(out);
    snprintf(out + n, cap - n, ".%03uZ", (unsigned)(ms % 1000));
}

static void ws_manage_get(h2o_req_t *req, h2o_iovec_t id)
{
    ws_conn_info_t info;
    if (ws_registry_info(id.base, id.len, &info) != 0) {
        ws_gone(req);
        return;
    }
    char at[40], last[40];
    ws_iso8601(info.connected_at_ms, at, sizeof(at));
    ws_iso8601(info.last_active_ms, last, sizeof(last));
    json_t *doc = json_pack("{s:s, s:{s:s, s:s}, s:s}", "connectedAt", at, "identity", "sourceIp",
                            info.source_ip, "userAgent", info.user_agent, "lastActiveAt", last);
    char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text == NULL) {
        gwresp_send_plain(req, 500, "{\"message\":\"Internal server error\"}", NULL);
        return;
    }
    gwresp_send_plain(req, 200, h2o_strdup(&req->pool, text, SIZE_MAX).base, NULL);
    free(text);
}

void ws_manage_handle(dp_request_t *r, const ws_stage_t *s, h2o_iovec_t id)
{
    h2o_req_t *req = r->req;
    int is_post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
    int is_get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
    int is_delete = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("DELETE"));
    if (!is_post && !is_get && !is_delete) {
        ws_forbidden(req, "Missing Authentication Token", "MissingAuthenticationTokenException");
        return;
    }
    if (ws_manage_auth(r, s, id) != 0)
        return;
    uint16_t tag;
    unsigned thread;
    if (ws_conn_parse_id(id.base, id.len, &tag, &thread) != 0) {
        ws_gone(req);
        return;
    }
    h2o_iovec_t body = req->entity.base != NULL ? req->entity : h2o_iovec_init("", 0);
    if (is_post && body.len > ws_limits.message_max) {
        gwresp_send_plain(req, 413, "{\"message\":\"Message too long\"}",
                          "PayloadTooLargeException");
        return;
    }
    if (tag != ws_registry_node_tag()) {
        ws_peer_forward(r, tag, id, is_post ? WS_OP_SEND : is_delete ? WS_OP_CLOSE : -1, body);
        return;
    }
    if (is_get) {
        ws_manage_get(req, id);
        return;
    }
    if (ws_deliver_local(r->thread, id.base, id.len, is_post ? WS_OP_SEND : WS_OP_CLOSE, body.base,
                         body.len) != 0) {
        ws_gone(req);
        return;
    }
    if (is_post)
        gwresp_send_plain(req, 200, "", NULL);
    else
        gwresp_send_plain(req, 204, "", NULL);
}
