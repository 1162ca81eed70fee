/* ws_frame: a WebSocket connection's frames on its worker's loop — wslay
 * on the socket h2o_http1_upgrade hands over (h2o's own websocket layer
 * does not let the frame size, the outbound bound or the close be
 * controlled), the limits, the timers, closing, and the worker's inbox for
 * @connections sends and closes coming from other threads. */
#include "ws_frame.h"

#include <h2o/http1.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define WS_WBUF_MAX (64 * 1024) /* bytes staged for one socket write */
#define WS_CLOSE_MS 5000        /* a close that cannot be written in this time drops the socket */

ws_frame_hooks_t ws_frame_hooks;

ws_limits_t ws_limits = {
    .frame_max = 32 * 1024,
    .message_max = 128 * 1024,
    .outbound_max = 1024 * 1024,
    .idle_ms = 10 * 60 * 1000,
    .lifetime_ms = 2 * 60 * 60 * 1000,
};

typedef struct ws_thread {
    dp_thread_t *t;
    h2o_timeout_t idle, life;
    h2o_timeout_t closing; /* a close frame's last chance to leave (WS_CLOSE_MS) */
    ws_conn_t *conns;      /* this thread's open connections */
    h2o_multithread_receiver_t inbox;
} ws_thread_t;

typedef struct {
    h2o_multithread_message_t super;
    enum ws_op op;
    char id[WS_CONN_ID_LEN + 1];
    size_t len;
    char data[];
} ws_inbox_msg_t;

static void ws_proceed(ws_conn_t *c);

static uint64_t ws_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void ws_conn_hold(ws_conn_t *c)
{
    c->refs++;
}

void ws_conn_release(ws_conn_t *c)
{
    if (--c->refs > 0)
        return;
    if (c->ctx != NULL)
        wslay_event_context_free(c->ctx);
    if (c->wbuf != NULL)
        h2o_buffer_dispose(&c->wbuf);
    json_decref(c->authorizer);
    free(c->api_id);
    free(c->stage);
    free(c->source_ip);
    free(c->user_agent);
    free(c);
}

/* ---- closing ---------------------------------------------------------------- */

static void ws_unlink_thread(ws_conn_t *c)
{
    ws_thread_t *wt = c->thread->ws;
    if (c->tprev != NULL)
        c->tprev->tnext = c->tnext;
    else if (wt->conns == c)
        wt->conns = c->tnext;
    if (c->tnext != NULL)
        c->tnext->tprev = c->tprev;
    c->tprev = c->tnext = NULL;
}

/* The socket goes: the id stops resolving, $disconnect runs. */
static void ws_finish(ws_conn_t *c)
{
    if (c->sock == NULL)
        return;
    ws_registry_remove(c);
    ws_unlink_thread(c);
    h2o_timeout_unlink(&c->idle_entry);
    h2o_timeout_unlink(&c->life_entry);
    h2o_socket_close(c->sock);
    c->sock = NULL;
    c->closing = 1;
    if (!c->disconnect_done) {
        c->disconnect_done = 1;
        ws_frame_hooks.on_closed(c);
    }
    ws_conn_release(c); /* the socket's reference */
}

static void ws_on_close_deadline(h2o_timeout_entry_t *e)
{
    ws_finish(H2O_STRUCT_FROM_MEMBER(ws_conn_t, idle_entry, e));
}

void ws_conn_close(ws_conn_t *c, uint16_t code, const char *reason)
{
    if (c->sock == NULL || c->closing)
        return;
    c->closing = 1;
    /* a client that does not read would hold the close (and the socket) forever */
    h2o_timeout_unlink(&c->idle_entry);
    c->idle_entry.cb = ws_on_close_deadline;
    h2o_timeout_link(c->thread->loop, &c->thread->ws->closing, &c->idle_entry);
    wslay_event_queue_close(c->ctx, code, (const uint8_t *)reason,
                            reason != NULL ? strlen(reason) : 0);
    wslay_event_shutdown_read(c->ctx);
    ws_proceed(c);
}

/* ---- wslay's I/O on the socket -------------------------------------------- */

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                          void *ud)
{
    ws_conn_t *c = ud;
    if (c->sock == NULL || c->sock->input->size == 0 || c->frame_too_big) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    h2o_buffer_t *in = c->sock->input;
    size_t n = in->size < len ? in->size : len;
    memcpy(buf, in->bytes, n);
    h2o_buffer_consume(&c->sock->input, n);
    return (ssize_t)n;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                          void *ud)
{
    ws_conn_t *c = ud;
    if (c->sock == NULL || h2o_socket_is_writing(c->sock) || c->wbuf->size >= WS_WBUF_MAX) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = WS_WBUF_MAX - c->wbuf->size;
    if (n > len)
        n = len;
    h2o_iovec_t room = h2o_buffer_reserve(&c->wbuf, n);
    if (room.base == NULL) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    memcpy(room.base, data, n);
    c->wbuf->size += n;
    return (ssize_t)n;
}

static void ws_on_frame_start(wslay_event_context_ptr ctx,
                              const struct wslay_event_on_frame_recv_start_arg *arg, void *ud)
{
    ws_conn_t *c = ud;
    if (arg->payload_length > ws_limits.frame_max)
        c->frame_too_big = 1;
}

static void ws_touch(ws_conn_t *c)
{
    atomic_store(&c->last_active_ms, ws_now_ms());
    h2o_timeout_unlink(&c->idle_entry);
    h2o_timeout_link(c->thread->loop, &c->thread->ws->idle, &c->idle_entry);
}

static void ws_on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                      void *ud)
{
    ws_conn_t *c = ud;
    if (c->closing || wslay_is_ctrl_frame(arg->opcode))
        return;
    ws_touch(c);
    ws_frame_hooks.on_message(c, (const char *)arg->msg, arg->msg_length);
}

static void ws_on_write_done(h2o_socket_t *sock, const char *err)
{
    ws_conn_t *c = sock->data;
    h2o_buffer_consume(&c->wbuf, c->wbuf->size);
    if (err != NULL) {
        ws_finish(c);
        return;
    }
    ws_proceed(c);
}

static void ws_on_read(h2o_socket_t *sock, const char *err)
{
    ws_conn_t *c = sock->data;
    if (err != NULL) {
        ws_finish(c);
        return;
    }
    ws_proceed(c);
}

/* An idle connection keeps no buffers: the socket's input buffer (8 KB
 * from the handshake on) goes back to the loop's recycle list when empty. */
static void ws_shrink(ws_conn_t *c)
{
    if (c->sock->input->size == 0 && c->sock->input->capacity != 0) {
        h2o_buffer_dispose(&c->sock->input);
        h2o_buffer_init(&c->sock->input, &h2o_socket_buffer_prototype);
    }
    if (c->wbuf->size == 0 && c->wbuf->capacity != 0 && !h2o_socket_is_writing(c->sock)) {
        h2o_buffer_dispose(&c->wbuf);
        h2o_buffer_init(&c->wbuf, &h2o_socket_buffer_prototype);
    }
}

/* Runs wslay until nothing moves, then writes, reads or closes. */
static void ws_proceed(ws_conn_t *c)
{
    if (c->sock == NULL || c->in_proceed) /* a nested call: the running loop sees the change */
        return;
    ws_conn_hold(c);
    c->in_proceed = 1;
    int moved;
    do {
        moved = 0;
        if (!h2o_socket_is_writing(c->sock) && wslay_event_want_write(c->ctx)) {
            size_t before = c->wbuf->size;
            if (wslay_event_send(c->ctx) != 0)
                goto Close;
            moved = c->wbuf->size != before && c->wbuf->size < WS_WBUF_MAX;
        }
        if (c->sock->input->size > 0 && wslay_event_want_read(c->ctx) && !c->frame_too_big) {
            if (wslay_event_recv(c->ctx) != 0)
                goto Close;
            if (c->sock == NULL) /* a message's handling closed it */
                goto Done;
            moved = 1;
        }
        if (c->frame_too_big && !c->closing) {
            ws_conn_close(c, WSLAY_CODE_MESSAGE_TOO_BIG, "Frame too big"); /* nested: queued */
            moved = 1;
        }
    } while (moved && c->sock != NULL);
    if (c->sock == NULL)
        goto Done;
    ws_shrink(c);
    if (c->wbuf->size > 0 && !h2o_socket_is_writing(c->sock)) {
        h2o_iovec_t buf = h2o_iovec_init(c->wbuf->bytes, c->wbuf->size);
        h2o_socket_write(c->sock, &buf, 1, ws_on_write_done);
    }
    if (wslay_event_want_read(c->ctx) && !c->frame_too_big)
        h2o_socket_read_start(c->sock, ws_on_read);
    else if (h2o_socket_is_writing(c->sock) || wslay_event_want_write(c->ctx))
        h2o_socket_read_stop(c->sock);
    else
        goto Close;
    goto Done;
Close:
    ws_finish(c);
Done:
    c->in_proceed = 0;
    ws_conn_release(c);
}

int ws_conn_send(ws_conn_t *c, const char *data, size_t len)
{
    if (c->sock == NULL || c->closing)
        return -1;
    size_t queued = wslay_event_get_queued_msg_length(c->ctx) + c->wbuf->size;
    if (queued + len > ws_limits.outbound_max) {
        log_info("websocket %s: closed, %zu bytes wait for a client that does not read", c->id,
                 queued);
        ws_finish(c);
        return -1;
    }
    struct wslay_event_msg msg = {WSLAY_TEXT_FRAME, (const uint8_t *)data, len};
    if (wslay_event_queue_msg(c->ctx, &msg) != 0)
        return -1;
    ws_proceed(c);
    return 0;
}

/* ---- timers ------------------------------------------------------------------ */

static void ws_on_idle(h2o_timeout_entry_t *e)
{
    ws_conn_t *c = H2O_STRUCT_FROM_MEMBER(ws_conn_t, idle_entry, e);
    ws_conn_close(c, 1001, "Going away");
}

static void ws_on_life(h2o_timeout_entry_t *e)
{
    ws_conn_t *c = H2O_STRUCT_FROM_MEMBER(ws_conn_t, life_entry, e);
    ws_conn_close(c, 1001, "Going away");
}

void ws_frame_start(void *ud, h2o_socket_t *sock, size_t reqsize)
{
    ws_conn_t *c = ud;
    if (sock == NULL) { /* the 101 could not be written */
        c->disconnect_done = 1;
        ws_conn_release(c);
        return;
    }
    dp_thread_t *t = c->thread;
    c->sock = sock;
    sock->data = c;
    h2o_buffer_consume(&sock->input, reqsize);
    h2o_buffer_init(&c->wbuf, &h2o_socket_buffer_prototype);
    struct wslay_event_callbacks cbs = {
        .recv_callback = ws_recv_cb,
        .send_callback = ws_send_cb,
        .on_frame_recv_start_callback = ws_on_frame_start,
        .on_msg_recv_callback = ws_on_msg,
    };
    if (wslay_event_context_server_init(&c->ctx, &cbs, c) != 0)
        h2o_fatal("out of memory");
    wslay_event_config_set_max_recv_msg_length(c->ctx, ws_limits.message_max);
    c->idle_entry.cb = ws_on_idle;
    c->life_entry.cb = ws_on_life;
    h2o_timeout_link(t->loop, &t->ws->idle, &c->idle_entry);
    h2o_timeout_link(t->loop, &t->ws->life, &c->life_entry);
    c->tnext = t->ws->conns;
    if (c->tnext != NULL)
        c->tnext->tprev = c;
    t->ws->conns = c;
    ws_registry_add(c);
    ws_proceed(c);
}

/* ---- the worker's inbox ---------------------------------------------------------- */

static void ws_apply(dp_thread_t *t, enum ws_op op, const char *id, size_t id_len, const char *data,
                     size_t len)
{
    ws_conn_t *c = ws_registry_find_own(t, id, id_len);
    if (c == NULL) /* gone since: at most once */
        return;
    if (op == WS_OP_SEND)
        ws_conn_send(c, data, len);
    else
        ws_conn_close(c, 1000, "");
}

static void ws_on_inbox(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    ws_thread_t *wt = H2O_STRUCT_FROM_MEMBER(ws_thread_t, inbox, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        ws_inbox_msg_t *m = H2O_STRUCT_FROM_MEMBER(ws_inbox_msg_t, super.link, messages->next);
        h2o_linklist_unlink(&m->super.link);
        ws_apply(wt->t, m->op, m->id, WS_CONN_ID_LEN, m->data, m->len);
        free(m);
    }
}

int ws_deliver_local(dp_thread_t *from, const char *id, size_t id_len, enum ws_op op,
                     const char *data, size_t len)
{
    uint16_t tag;
    unsigned thread;
    if (ws_conn_parse_id(id, id_len, &tag, &thread) != 0 || tag != ws_registry_node_tag() ||
        thread >= (unsigned)from->dp->nthreads || !ws_registry_has(id, id_len))
        return -1;
    dp_thread_t *owner = &from->dp->threads[thread];
    if (owner == from) {
        ws_apply(from, op, id, id_len, data, len);
        return 0;
    }
    ws_inbox_msg_t *m = malloc(sizeof(*m) + len);
    if (m == NULL)
        return -1;
    memset(&m->super, 0, sizeof(m->super));
    m->op = op;
    memcpy(m->id, id, WS_CONN_ID_LEN);
    m->id[WS_CONN_ID_LEN] = '\0';
    m->len = len;
    if (len > 0)
        memcpy(m->data, data, len);
    h2o_multithread_send_message(&owner->ws->inbox, &m->super);
    return 0;
}

/* ---- the worker's part ----------------------------------------------------------- */

int ws_thread_init(dp_thread_t *t)
{
    ws_thread_t *wt = calloc(1, sizeof(*wt));
    if (wt == NULL)
        return -1;
    wt->t = t;
    h2o_timeout_init(t->loop, &wt->idle, ws_limits.idle_ms);
    h2o_timeout_init(t->loop, &wt->life, ws_limits.lifetime_ms);
    h2o_timeout_init(t->loop, &wt->closing, WS_CLOSE_MS);
    h2o_multithread_register_receiver(t->ctx.queue, &wt->inbox, ws_on_inbox);
    t->ws = wt;
    return 0;
}

void ws_thread_drain(dp_thread_t *t)
{
    if (t->ws == NULL)
        return;
    while (t->ws->conns != NULL) {
        ws_conn_t *c = t->ws->conns;
        if (c->sock != NULL && !c->closing) {
            wslay_event_queue_close(c->ctx, 1001, (const uint8_t *)"Going away", 10);
            wslay_event_send(c->ctx); /* into wbuf, written below when the socket takes it */
            if (c->wbuf->size > 0 && !h2o_socket_is_writing(c->sock) && c->sock->ssl == NULL) {
                /* a best-effort close frame: the socket goes right after */
                ssize_t rc = write(h2o_socket_get_fd(c->sock), c->wbuf->bytes, c->wbuf->size);
                (void)rc;
            }
        }
        ws_finish(c);
    }
}
