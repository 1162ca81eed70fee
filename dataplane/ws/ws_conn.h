/* ws_conn: the node's WebSocket connections — the connection record, its
 * id and the node-wide registry (id → connection) that @connections reads.
 *
 * A connection id is 16 characters of base64url over 12 bytes: the node's
 * tag (2 bytes, from its node id), the owning worker thread (1 byte), a
 * per-thread counter (3 bytes) and 6 random bytes. Any node tells from an
 * id which node holds the connection without a lookup table.
 *
 * The registry lives outside the runtime, so a snapshot swap never closes a
 * connection. A connection belongs to the worker thread whose loop runs its
 * socket: only that thread writes to it and frees it. The registry's lock
 * guards the table; the fields @connections GET reads from another thread
 * are set before the connection is registered and never change, except
 * last_active_ms (atomic). */
#ifndef PORTICO_WS_CONN_H
#define PORTICO_WS_CONN_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
#include <wslay/wslay.h>

#include "dp.h"

#define WS_CONN_ID_LEN 16

typedef struct ws_conn {
    char id[WS_CONN_ID_LEN + 1];
    dp_thread_t *thread;
    h2o_socket_t *sock; /* NULL once closed */
    wslay_event_context_ptr ctx;
    h2o_buffer_t *wbuf; /* bytes wslay produced, being written or about to be */
    char *api_id, *stage;
    char *source_ip, *user_agent;
    json_t *authorizer; /* $context.authorizer from $connect, or NULL */
    uint64_t connected_at_ms;
    _Atomic uint64_t last_active_ms;
    uint64_t message_seq;
    h2o_timeout_entry_t idle_entry, life_entry;
    unsigned refs;                 /* the socket + integration calls in flight */
    int frame_too_big;             /* a frame over the limit began: close 1009 */
    int closing;                   /* a close was queued: no more messages are handled */
    int disconnect_done;           /* $disconnect was started (or not needed) */
    int in_proceed;                /* ws_proceed is running: a nested call leaves it to the loop */
    struct ws_call *fn_calls;      /* messages waiting for a function (ws_route.c) */
    struct ws_conn *hnext;         /* registry bucket chain */
    struct ws_conn *tprev, *tnext; /* the owning thread's list */
} ws_conn_t;

/* What @connections GET answers. */
typedef struct {
    uint64_t connected_at_ms, last_active_ms;
    char source_ip[64];
    char user_agent[256];
} ws_conn_info_t;

/* Sets the node's tag from its id (once, before workers start). */
void ws_registry_init(const char *node_id);

/* A fresh id for a connection on thread t (NUL-terminated, 16 chars). */
void ws_conn_new_id(dp_thread_t *t, char out[WS_CONN_ID_LEN + 1]);

/* Decodes an id: 0 with the node tag and thread, -1 when it is not one. */
int ws_conn_parse_id(const char *id, size_t len, uint16_t *node_tag, unsigned *thread);

/* The tag of a node id. */
uint16_t ws_registry_tag_of(const char *node_id);

/* This node's tag. */
uint16_t ws_registry_node_tag(void);

void ws_registry_add(ws_conn_t *c);
void ws_registry_remove(ws_conn_t *c);

/* Copies the info of a registered connection: 0, or -1 when unknown. */
int ws_registry_info(const char *id, size_t len, ws_conn_info_t *out);

/* The registered connection on the calling thread t, or NULL. Only its
 * owner may use the pointer. */
ws_conn_t *ws_registry_find_own(dp_thread_t *t, const char *id, size_t len);

/* 1 when id is registered on this node (any thread). */
int ws_registry_has(const char *id, size_t len);

/* Number of open connections on this node. */
size_t ws_registry_count(void);

#endif
