/* ws_peer: forwarding @connections calls to the connection's node. */
#include "ws_peer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwresp.h"
#include "httpval.h"
#include "park.h"
#include "portico.pb-c.h"
#include "ws_http.h"

#define WS_PEER_MAX 256
#define WS_PEER_TIMEOUT_MS 5000
#define WS_PEER_URL_MAX 256

typedef struct {
    uint16_t tag;
    char url[WS_PEER_URL_MAX];
} ws_peer_t;

/* --ws-peers (fixed at start) and the control plane's directory (replaced
 * whole by the cluster thread); workers copy a URL out under the lock. */
static pthread_mutex_t ws_peer_lock = PTHREAD_MUTEX_INITIALIZER;
static ws_peer_t ws_static[WS_PEER_MAX], ws_dir[WS_PEER_MAX];
static size_t ws_nstatic, ws_ndir;
static char ws_self_url[WS_PEER_URL_MAX];

static int ws_peer_url_ok(const char *url)
{
    return strncmp(url, "http://", 7) == 0 && strlen(url) > 7 && strlen(url) < WS_PEER_URL_MAX &&
           httpval_authority(url + 7, strcspn(url + 7, "/")) == 0;
}

static void ws_peer_put(ws_peer_t *p, const char *node_id, const char *url)
{
    p->tag = ws_registry_tag_of(node_id);
    snprintf(p->url, sizeof(p->url), "%s", url);
    size_t ul = strlen(p->url);
    if (ul > 0 && p->url[ul - 1] == '/')
        p->url[ul - 1] = '\0';
}

int ws_peer_configure(const char *list, char *err, size_t err_len)
{
    ws_nstatic = 0;
    if (list == NULL || list[0] == '\0')
        return 0;
    char *copy = strdup(list), *save = NULL;
    if (copy == NULL)
        return -1;
    for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (eq == NULL || eq == item || ws_nstatic == WS_PEER_MAX || !ws_peer_url_ok(eq + 1)) {
            snprintf(err, err_len, "--ws-peers: expected NODEID=http://HOST:PORT, got %s", item);
            free(copy);
            return -1;
        }
        *eq = '\0';
        ws_peer_put(&ws_static[ws_nstatic++], item, eq + 1);
    }
    free(copy);
    return 0;
}

int ws_peer_set_self(const char *advertise, const char *listen, char *err, size_t err_len)
{
    ws_self_url[0] = '\0';
    if (advertise != NULL) {
        if (!ws_peer_url_ok(advertise)) {
            snprintf(err, err_len, "--ws-advertise must be http://HOST:PORT");
            return -1;
        }
        snprintf(ws_self_url, sizeof(ws_self_url), "%s", advertise);
        return 0;
    }
    /* a listener on a wildcard address does not say where peers reach it */
    if (listen == NULL || strncmp(listen, "0.0.0.0:", 8) == 0 || strncmp(listen, "[::]:", 5) == 0 ||
        listen[0] == ':')
        return 0;
    snprintf(ws_self_url, sizeof(ws_self_url), "http://%s", listen);
    return 0;
}

const char *ws_peer_self_url(void)
{
    return ws_self_url;
}

void ws_peer_set_directory(const uint8_t *payload, size_t len)
{
    Portico__WsDirectory *d = portico__ws_directory__unpack(NULL, len, payload);
    if (d == NULL)
        return;
    pthread_mutex_lock(&ws_peer_lock);
    ws_ndir = 0;
    for (size_t i = 0; i < d->n_peers && ws_ndir < WS_PEER_MAX; i++)
        if (ws_peer_url_ok(d->peers[i]->url))
            ws_peer_put(&ws_dir[ws_ndir++], d->peers[i]->node_id, d->peers[i]->url);
    pthread_mutex_unlock(&ws_peer_lock);
    portico__ws_directory__free_unpacked(d, NULL);
}

/* The owner's URL (--ws-peers first, then the directory): 0, or -1. */
static int ws_peer_lookup(uint16_t tag, char *url, size_t cap)
{
    int rc = -1;
    for (size_t i = 0; i < ws_nstatic && rc != 0; i++)
        if (ws_static[i].tag == tag) {
            snprintf(url, cap, "%s", ws_static[i].url);
            rc = 0;
        }
    pthread_mutex_lock(&ws_peer_lock);
    for (size_t i = 0; i < ws_ndir && rc != 0; i++)
        if (ws_dir[i].tag == tag) {
            snprintf(url, cap, "%s", ws_dir[i].url);
            rc = 0;
        }
    pthread_mutex_unlock(&ws_peer_lock);
    return rc;
}

/* The request waits parked (park.h): an HTTP/2 client may reset it while
 * the owner answers. */
typedef struct {
    park_t park;
    int status;
    char *body;
} ws_fwd_t;

static void ws_fwd_wake(park_t *p, dp_request_t *r)
{
    ws_fwd_t *f = (ws_fwd_t *)p;
    if (r != NULL) {
        h2o_req_t *req = r->req;
        int status = f->status;
        if (status == 0 || status == 502 || status == 503 || status == 504 || f->body == NULL)
            gwresp_send_plain(req, 410, "{\"message\":null}", "GoneException");
        else
            gwresp_send_plain(req, status, h2o_strdup(&req->pool, f->body, SIZE_MAX).base,
                              status == 410   ? "GoneException"
                              : status == 403 ? "ForbiddenException"
                                              : NULL);
    }
    free(f->body);
    free(f);
}

static void ws_on_forwarded(void *arg, int status, const char *body, size_t len, const char *err)
{
    ws_fwd_t *f = arg;
    f->status = status;
    f->body = strndup(body, len);
    park_wake(&f->park, f->park.owner);
}

void ws_peer_forward(dp_request_t *r, uint16_t tag, h2o_iovec_t id, int op, h2o_iovec_t body)
{
    h2o_req_t *req = r->req;
    char peer[WS_PEER_URL_MAX];
    if (ws_peer_lookup(tag, peer, sizeof(peer)) != 0 ||
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
            h2o_lcstris(h->name->base, h->name->len, H2O_STRLIT("connection")) ||
            h2o_lcstris(h->name->base, h->name->len, H2O_STRLIT("host")) ||
            httpval_header(h->name->base, h->name->len, h->value.base, h->value.len) != 0)
            continue;
        w += sprintf(w, "%.*s: %.*s\r\n", (int)h->name->len, h->name->base, (int)h->value.len,
                     h->value.base);
    }
    *w = '\0';
    char url[512];
    snprintf(url, sizeof(url), "%s%.*s", peer, (int)req->path.len, req->path.base);
    char method[16];
    snprintf(method, sizeof(method), "%.*s", (int)req->method.len, req->method.base);
    ws_fwd_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        h2o_fatal("out of memory");
    (void)op;
    (void)id;
    park_init(&f->park, r, ws_fwd_wake, NULL);
    park_request(&f->park);
    if (ws_http_call_host(r->thread, method, url, req->authority.base, req->authority.len, headers,
                          body.base, body.len, WS_PEER_TIMEOUT_MS, ws_on_forwarded, f) != 0)
        park_wake(&f->park, r->thread); /* status 0: 410 */
}
