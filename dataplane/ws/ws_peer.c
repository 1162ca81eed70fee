/* ws_peer: forwarding @connections calls to the connection's node. */
#include "ws_peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwresp.h"
#include "httpval.h"
#include "ws_http.h"

#define WS_PEER_MAX 64
#define WS_PEER_TIMEOUT_MS 5000

typedef struct {
    uint16_t tag;
    char url[256];
} ws_peer_t;

static ws_peer_t ws_peers[WS_PEER_MAX];
static size_t ws_npeers;

int ws_peer_configure(const char *list, char *err, size_t err_len)
{
    ws_npeers = 0;
    if (list == NULL || list[0] == '\0')
        return 0;
    char *copy = strdup(list), *save = NULL;
    if (copy == NULL)
        return -1;
    for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (eq == NULL || eq == item || ws_npeers == WS_PEER_MAX ||
            strncmp(eq + 1, "http://", 7) != 0 || strlen(eq + 1) >= sizeof(ws_peers[0].url)) {
            snprintf(err, err_len, "--ws-peers: expected NODEID=http://HOST:PORT, got %s", item);
            free(copy);
            return -1;
        }
        *eq = '\0';
        ws_peers[ws_npeers].tag = ws_registry_tag_of(item);
        snprintf(ws_peers[ws_npeers].url, sizeof(ws_peers[0].url), "%s", eq + 1);
        size_t ul = strlen(ws_peers[ws_npeers].url);
        if (ul > 0 && ws_peers[ws_npeers].url[ul - 1] == '/')
            ws_peers[ws_npeers].url[ul - 1] = '\0';
        ws_npeers++;
    }
    free(copy);
    return 0;
}

typedef struct {
    h2o_req_t *req;
} ws_fwd_t;

static void ws_on_forwarded(void *arg, int status, const char *body, size_t len, const char *err)
{
    ws_fwd_t *f = arg;
    h2o_req_t *req = f->req;
    if (status == 0 || status == 502 || status == 503 || status == 504) {
        gwresp_send_plain(req, 410, "{\"message\":null}", "GoneException");
        return;
    }
    const char *type = status == 410   ? "GoneException"
                       : status == 403 ? "ForbiddenException"
                                       : NULL;
    gwresp_send_plain(req, status, h2o_strdup(&req->pool, body, len).base, type);
}

void ws_peer_forward(dp_request_t *r, uint16_t tag, h2o_iovec_t id, int op, h2o_iovec_t body)
{
    h2o_req_t *req = r->req;
    const ws_peer_t *p = NULL;
    for (size_t i = 0; i < ws_npeers && p == NULL; i++)
        if (ws_peers[i].tag == tag)
            p = &ws_peers[i];
    if (p == NULL ||
        h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-portico-ws-forwarded"), -1) >= 0) {
        gwresp_send_plain(req, 410, "{\"message\":null}", "GoneException");
        return;
    }
    /* the same target and the signed headers, to the owner's listener */
    size_t cap = 1024;
    for (size_t i = 0; i < req->headers.size; i++)
        cap += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    char *headers = h2o_mem_alloc_pool(&req->pool, cap), *w = headers;
    w += sprintf(w, "x-portico-ws-forwarded: 1\r\n");
    for (size_t i = 0; i < req->headers.size; i++) {
        const h2o_header_t *h = &req->headers.entries[i];
        if (h2o_lcstris(h->name->base, h->name->len, H2O_STRLIT("content-length")) ||
            h2o_lcstris(h->name->base, h->name->len, H2O_STRLIT("content-type")) ||
            h2o_lcstris(h->name->base, h->name->len, H2O_STRLIT("connection")) ||
            h2o_lcstris(h->name->base, h->name->len, H2O_STRLIT("host")) ||
            httpval_header(h->name->base, h->name->len, h->value.base, h->value.len) != 0)
            continue;
        w += sprintf(w, "%.*s: %.*s\r\n", (int)h->name->len, h->name->base, (int)h->value.len,
                     h->value.base);
    }
    *w = '\0';
    char url[512];
    snprintf(url, sizeof(url), "%s%.*s", p->url, (int)req->path.len, req->path.base);
    char method[16];
    snprintf(method, sizeof(method), "%.*s", (int)req->method.len, req->method.base);
    ws_fwd_t *f = h2o_mem_alloc_pool(&req->pool, sizeof(*f));
    f->req = req;
    (void)op;
    (void)id;
    if (ws_http_call_host(r->thread, method, url, req->authority.base, req->authority.len, headers,
                          body.base, body.len, WS_PEER_TIMEOUT_MS, ws_on_forwarded, f) != 0)
        gwresp_send_plain(req, 410, "{\"message\":null}", "GoneException");
}
