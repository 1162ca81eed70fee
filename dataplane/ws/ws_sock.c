/* ws_sock: the WebSocket handshake on a stage's path — the checks, the
 * new-connection rate, $connect, then the 101 and the upgraded socket
 * handed to ws_frame — and the dispatch of a WebSocket stage's requests. */
#include "ws_sock.h"

#include <h2o/http1.h>
#include <netdb.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "gwresp.h"
#include "h1conn.h"
#include "park.h"
#include "ws_manage.h"
#include "ws_peer.h"
#include "ws_route.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* ---- the handshake ------------------------------------------------------------ */

/* The handshake waits parked (park.h) while $connect runs: the client may
 * go away meanwhile. */
typedef struct {
    park_t park;
    ws_conn_t *c;
    char accept[32];
    int status;
    char *body;
} ws_hs_t;

static void ws_answer(h2o_req_t *req, int status, const char *body)
{
    gwresp_send_plain(req, status, body, NULL);
}

static void ws_hs_wake(park_t *p, dp_request_t *r)
{
    ws_hs_t *hs = (ws_hs_t *)p;
    ws_conn_t *c = hs->c;
    int status = hs->status;
    if (r == NULL || status != 0) {
        c->disconnect_done = 1; /* never connected: no $disconnect */
        if (r != NULL)
            ws_answer(r->req, status,
                      hs->body != NULL ? h2o_strdup(&r->req->pool, hs->body, SIZE_MAX).base
                                       : "{\"message\":\"Forbidden\"}");
        ws_conn_release(c);
        free(hs->body);
        free(hs);
        return;
    }
    h2o_req_t *req = r->req;
    req->res.status = 101;
    req->res.reason = "Switching Protocols";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_UPGRADE, NULL, H2O_STRLIT("websocket"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("sec-websocket-accept"), 0,
                          NULL, h2o_strdup(&req->pool, hs->accept, SIZE_MAX).base,
                          strlen(hs->accept));
    free(hs->body);
    free(hs);
    h1conn_upgrade(req, ws_frame_start, c);
}

static void ws_on_connect_verdict(void *arg, int status, const char *body)
{
    ws_hs_t *hs = arg;
    hs->status = status;
    hs->body = body != NULL ? strdup(body) : NULL;
    park_wake(&hs->park, hs->park.owner);
}

static int ws_connect_allowed(void)
{
    static _Atomic uint64_t window, count;
    if (ws_limits.connects_per_s == 0)
        return 1;
    uint64_t now_s = clock_mono_ms() / 1000, w = atomic_load(&window);
    if (w != now_s && atomic_compare_exchange_strong(&window, &w, now_s))
        atomic_store(&count, 0);
    return atomic_fetch_add(&count, 1) < ws_limits.connects_per_s;
}

static void ws_handshake(dp_request_t *r, const ws_stage_t *s)
{
    h2o_req_t *req = r->req;
    ssize_t ki = h2o_find_header_by_str(&req->headers, H2O_STRLIT("sec-websocket-key"), -1);
    ssize_t vi = h2o_find_header_by_str(&req->headers, H2O_STRLIT("sec-websocket-version"), -1);
    if (req->version >= 0x200 || !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
        ki < 0 || req->upgrade.base == NULL ||
        !h2o_lcstris(req->upgrade.base, req->upgrade.len, H2O_STRLIT("websocket"))) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_UPGRADE, NULL,
                       H2O_STRLIT("websocket"));
        ws_answer(req, 426, "{\"message\":\"Upgrade Required\"}");
        return;
    }
    h2o_iovec_t key = req->headers.entries[ki].value;
    if (vi < 0 ||
        !h2o_memis(req->headers.entries[vi].value.base, req->headers.entries[vi].value.len,
                   H2O_STRLIT("13")) ||
        key.len != 24) {
        ws_answer(req, 400, "{\"message\":\"Bad Request\"}");
        return;
    }
    if (!ws_connect_allowed()) {
        ws_answer(req, 429, "{\"message\":\"Too Many Requests\"}");
        return;
    }
    ws_conn_t *c = calloc(1, sizeof(*c));
    ws_hs_t *hs = calloc(1, sizeof(*hs));
    if (c == NULL || hs == NULL)
        h2o_fatal("out of memory");
    c->refs = 1;
    c->thread = r->thread;
    ws_conn_new_id(r->thread, c->id);
    c->api_id = strdup(s->api_id);
    c->stage = strdup(s->name);
    struct sockaddr_storage ss;
    char ipbuf[NI_MAXHOST] = "";
    socklen_t sslen = req->conn->callbacks->get_peername(req->conn, (void *)&ss);
    if (sslen > 0 && h2o_socket_getnumerichost((void *)&ss, sslen, ipbuf) == SIZE_MAX)
        ipbuf[0] = '\0';
    c->source_ip = strdup(ipbuf);
    ssize_t ua = h2o_find_header(&req->headers, H2O_TOKEN_USER_AGENT, -1);
    c->user_agent = ua >= 0 ? strndup(req->headers.entries[ua].value.base,
                                      req->headers.entries[ua].value.len < 255
                                          ? req->headers.entries[ua].value.len
                                          : 255)
                            : strdup("");
    c->connected_at_ms = clock_wall_ms();
    atomic_store(&c->last_active_ms, c->connected_at_ms);
    if (c->api_id == NULL || c->stage == NULL || c->source_ip == NULL || c->user_agent == NULL)
        h2o_fatal("out of memory");
    /* Sec-WebSocket-Accept: base64(SHA-1(key + GUID)) */
    char cat[24 + sizeof(WS_GUID)];
    uint8_t digest[SHA_DIGEST_LENGTH];
    memcpy(cat, key.base, 24);
    memcpy(cat + 24, WS_GUID, sizeof(WS_GUID) - 1);
    SHA1((const uint8_t *)cat, 24 + sizeof(WS_GUID) - 1, digest);
    h2o_base64_encode(hs->accept, digest, sizeof(digest), 0);
    hs->c = c;
    park_init(&hs->park, r, ws_hs_wake, NULL);
    park_request(&hs->park);
    ws_route_connect(c, s, req, ws_on_connect_verdict, hs);
}

void ws_handle(dp_request_t *r, const ws_stage_t *s, h2o_iovec_t rest)
{
    static const char prefix[] = "/@connections/";
    if (rest.len == 0 || (rest.len == 1 && rest.base[0] == '/')) {
        ws_handshake(r, s);
        return;
    }
    if (rest.len > sizeof(prefix) - 1 && memcmp(rest.base, prefix, sizeof(prefix) - 1) == 0) {
        ws_manage_handle(
            r, s, h2o_iovec_init(rest.base + sizeof(prefix) - 1, rest.len - sizeof(prefix) + 1));
        return;
    }
    gwresp_send_plain(r->req, 403, "{\"message\":\"Forbidden\"}", "ForbiddenException");
}

int ws_configure(dp_t *dp, char *err, size_t err_len)
{
    ws_limits.frame_max = dp->ws_frame_max;
    ws_limits.message_max = dp->ws_message_max;
    ws_limits.outbound_max = dp->ws_outbound_max;
    ws_limits.idle_ms = dp->ws_idle_ms;
    ws_limits.lifetime_ms = dp->ws_lifetime_ms;
    ws_limits.connects_per_s = dp->ws_connects_per_s;
    if (dp->ws_reference_limits && ws_limits.connects_per_s == 0)
        ws_limits.connects_per_s = 500; /* the reference's account default */
    ws_frame_hooks.on_message = ws_route_message;
    ws_frame_hooks.on_closed = ws_route_disconnect;
    ws_registry_init(dp->node_id);
    if (ws_peer_set_self(dp->ws_advertise, dp->listen, err, err_len) != 0)
        return -1;
    return ws_peer_configure(dp->ws_peers, err, err_len);
}
