/* resetguard: a fixed table of counters per worker thread; shutting the
 * socket down (rather than closing it) lets h2o see the end of the
 * connection on its next read and tear it down through its own path. */
#include "resetguard.h"

#include <sys/socket.h>

#include "clock.h"
#include "log.h"

#define RESETGUARD_SLOTS 1024

typedef struct {
    uint64_t conn_id;
    uint32_t closed;
    uint32_t premature;
} resetguard_slot_t;

static __thread resetguard_slot_t resetguard_slots[RESETGUARD_SLOTS];

/* Per request, in its pool: the prefilter and ostream mark the final
 * chunk; the pool's dispose counts the stream. */
typedef struct {
    h2o_req_t *req;
    uint64_t started_us;
    int answered;
} resetguard_watch_t;

typedef struct {
    h2o_req_prefilter_t super;
    resetguard_watch_t *watch;
} resetguard_prefilter_t;

typedef struct {
    h2o_ostream_t super;
    resetguard_watch_t *watch;
} resetguard_ostream_t;

static void resetguard_shutdown(h2o_conn_t *conn)
{
    h2o_socket_t *sock =
        conn->callbacks->get_socket != NULL ? conn->callbacks->get_socket(conn) : NULL;
    if (sock != NULL)
        shutdown(h2o_socket_get_fd(sock), SHUT_RDWR);
}

static void resetguard_count(h2o_conn_t *conn, int premature)
{
    uint64_t id = conn->id;
    resetguard_slot_t *s = &resetguard_slots[id % RESETGUARD_SLOTS];
    if (s->conn_id != id)
        *s = (resetguard_slot_t){.conn_id = id};
    s->closed++;
    s->premature += premature != 0;
    if ((s->closed < RESETGUARD_MIN_STREAMS && s->premature < RESETGUARD_MIN_STREAMS / 2) ||
        s->premature * 2 < s->closed)
        return;
    log_warn("HTTP/2 connection %llu shut down: %u of its %u streams reset early by the client",
             (unsigned long long)id, s->premature, s->closed);
    resetguard_shutdown(conn);
    *s = (resetguard_slot_t){.conn_id = id};
}

static void resetguard_on_dispose(void *p)
{
    resetguard_watch_t *w = p;
    int premature =
        !w->answered && clock_mono_us() - w->started_us < RESETGUARD_PREMATURE_MS * 1000ULL;
    resetguard_count(w->req->conn, premature);
}

static void resetguard_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t n,
                               h2o_send_state_t state)
{
    if (state == H2O_SEND_STATE_FINAL)
        ((resetguard_ostream_t *)self)->watch->answered = 1;
    h2o_ostream_send_next(self, req, bufs, n, state);
}

static void resetguard_on_setup(h2o_req_prefilter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    resetguard_ostream_t *o = (void *)h2o_add_ostream(req, sizeof(*o), slot);
    o->super.do_send = resetguard_do_send;
    o->watch = ((resetguard_prefilter_t *)self)->watch;
    h2o_setup_next_prefilter(self, req, &o->super.next);
}

void resetguard_watch(h2o_req_t *req)
{
    if (req->version < 0x200)
        return;
    resetguard_watch_t *w = h2o_mem_alloc_shared(&req->pool, sizeof(*w), resetguard_on_dispose);
    *w = (resetguard_watch_t){req, clock_mono_us(), 0};
    resetguard_prefilter_t *p = (void *)h2o_add_prefilter(req, sizeof(*p));
    p->super.on_setup_ostream = resetguard_on_setup;
    p->watch = w;
}
