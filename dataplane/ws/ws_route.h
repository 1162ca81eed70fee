/* ws_route: what a WebSocket API does with a connection's events — the
 * $connect authorization and integration, each message's route (the
 * routeSelectionExpression, else $default, else the reference's Forbidden
 * frame) and its integration (MOCK, HTTP with request templates,
 * HTTP_PROXY) with the two-way route response sent back, and $disconnect.
 * Each message uses the stage's deployment current when it arrives. */
#ifndef PORTICO_WS_ROUTE_H
#define PORTICO_WS_ROUTE_H

#include "ws_conf.h"
#include "ws_conn.h"

/* $connect's verdict: status 0 accepts; else the handshake's answer
 * (401, 403, 500, ...) with a JSON body. */
typedef void (*ws_connect_cb)(void *arg, int status, const char *body);

/* Runs $connect for c (not yet registered) with the handshake request req,
 * which stays open until cb. cb may run before this returns. */
void ws_route_connect(ws_conn_t *c, const ws_stage_t *s, h2o_req_t *req, ws_connect_cb cb,
                      void *arg);

/* A data frame (text or binary) arrived on c. */
void ws_route_message(ws_conn_t *c, const char *data, size_t len);

/* c closed: its $disconnect integration, best effort. */
void ws_route_disconnect(ws_conn_t *c);

#endif
