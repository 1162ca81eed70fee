/* ws_frame: a WebSocket connection's frames on its worker — wslay on the
 * upgraded socket, the limits (frame and message size: close 1009; idle
 * time and lifetime: close 1001; the outbound buffer: a client that does
 * not read is closed, never buffered without bound), closing, and the
 * worker's inbox for @connections sends and closes from other threads.
 * What a message or a close means is the hooks' business (ws_route.h, set
 * by ws_sock.h's ws_configure). */
#ifndef PORTICO_WS_FRAME_H
#define PORTICO_WS_FRAME_H

#include "ws_conn.h"

/* The node's WebSocket limits (set from the options before workers start). */
typedef struct {
    uint64_t frame_max, message_max, outbound_max;
    uint64_t idle_ms, lifetime_ms;
    unsigned connects_per_s; /* 0: no limit */
} ws_limits_t;
extern ws_limits_t ws_limits;

typedef struct {
    void (*on_message)(ws_conn_t *c, const char *data, size_t len); /* a data frame */
    void (*on_closed)(ws_conn_t *c); /* the socket went ($disconnect) */
} ws_frame_hooks_t;
extern ws_frame_hooks_t ws_frame_hooks;

/* Per worker (dp_thread_t.ws). */
int ws_thread_init(dp_thread_t *t);
/* Node shutdown: every connection is closed (1001) and told to $disconnect. */
void ws_thread_drain(dp_thread_t *t);

/* h2o_http1_upgrade's callback (ud: the connection, one reference): the
 * connection is registered and its frames start. */
void ws_frame_start(void *ud, h2o_socket_t *sock, size_t reqsize);

/* Queues a text frame to c (on its thread). -1 when c is closing or the
 * frame would pass the outbound bound (then c is closed). */
int ws_conn_send(ws_conn_t *c, const char *data, size_t len);

/* Closes c with a close frame (code, reason), then the socket. */
void ws_conn_close(ws_conn_t *c, uint16_t code, const char *reason);

void ws_conn_hold(ws_conn_t *c);
void ws_conn_release(ws_conn_t *c);

enum ws_op { WS_OP_SEND, WS_OP_CLOSE };
/* From any worker: sends data to (or closes) connection id held by this
 * node, on its owner's loop. 0 when the id was registered at the time (the
 * send then happens at most once), -1 (410) when not. */
int ws_deliver_local(dp_thread_t *from, const char *id, size_t id_len, enum ws_op op,
                     const char *data, size_t len);

#endif
