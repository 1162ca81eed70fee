/* status: one request at a time on its own loop; each /metrics sums the
 * workers' tables in the server's own reqmetrics aggregate. */
#include "status.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h1conn.h"
#include "log.h"
#include "netaddr.h"
#include "observe.h"
#include "promtext.h"

struct status_server {
    dp_t *dp;
    h2o_globalconf_t globalconf;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_evloop_t *loop;
    int listen_fd;
    h2o_socket_t *listener;
    reqmetrics_agg_t *agg;
    uint64_t ticks;
    pthread_t thread;
    atomic_int stopping;
};

typedef struct {
    h2o_handler_t super;
    status_server_t *server;
} status_handler_t;

static uint64_t status_resident_bytes(void)
{
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void status_gauge(promtext_t *p, const char *name, const char *type, const char *help,
                         uint64_t value)
{
    promtext_family(p, name, type, help);
    promtext_u64(p, name, NULL, 0, value);
}

static void status_process(status_server_t *s, promtext_t *p)
{
    dp_t *dp = s->dp;
    uint64_t inflight = 0, conns = 0, dropped = 0, overflow = 0;
    for (int i = 0; i < dp->nthreads; i++) {
        observe_thread_t *o = dp->threads[i].obs;
        inflight += atomic_load_explicit(&o->inflight, memory_order_relaxed);
        conns += atomic_load_explicit(&o->connections, memory_order_relaxed);
        dropped += atomic_load_explicit(&o->log.dropped, memory_order_relaxed);
        overflow += o->metrics != NULL ? reqmetrics_overflow(o->metrics) : 0;
    }
    promtext_label_t info[] = {{"node_id", dp->node_id}, {"version", "0.1.0"}};
    promtext_family(p, "portico_dp_info", "gauge", "This data plane node.");
    promtext_u64(p, "portico_dp_info", info, 2, 1);
    status_gauge(p, "portico_dp_requests_in_flight", "gauge", "Requests being served.", inflight);
    status_gauge(p, "portico_dp_connections", "gauge", "Open client connections.", conns);
    status_gauge(p, "portico_dp_threads", "gauge", "Worker threads.", (uint64_t)dp->nthreads);
    status_gauge(p, "portico_dp_snapshot_version", "gauge", "Configuration version served.",
                 atomic_load(&dp->applied_version));
    status_gauge(p, "portico_dp_runtime_bytes", "gauge",
                 "Memory of the compiled configuration served.", atomic_load(&dp->runtime_memory));
    status_gauge(p, "portico_dp_resident_memory_bytes", "gauge", "Resident memory of the process.",
                 status_resident_bytes());
    status_gauge(p, "portico_dp_start_time_seconds", "gauge", "When the process started (epoch).",
                 dp->started_at_ms / 1000);
    status_gauge(p, "portico_dp_access_log_lines_written_total", "counter",
                 "Access and execution log lines written.", accesslog_lines_written());
    status_gauge(p, "portico_dp_access_log_lines_dropped_total", "counter",
                 "Log lines dropped because the writer was behind.", dropped);
    status_gauge(p, "portico_dp_access_log_write_errors_total", "counter",
                 "Log lines lost to failed writes or unopenable files.", accesslog_write_errors());
    status_gauge(p, "portico_dp_metric_series_overflow_total", "counter",
                 "Requests not counted per series because a worker's table was full.", overflow);
}

static int status_requests(status_server_t *s, promtext_t *p)
{
    dp_t *dp = s->dp;
    reqmetrics_thread_t *threads[256];
    for (int i = 0; i < dp->nthreads; i++)
        threads[i] = dp->threads[i].obs->metrics;
    if (reqmetrics_agg_collect(s->agg, threads, dp->nthreads, ++s->ticks) != 0)
        return -1;
    size_t n = reqmetrics_agg_count(s->agg);
    promtext_series_t *series = calloc(n + 1, sizeof(*series));
    if (series == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const reqmetrics_entry_t *e = reqmetrics_agg_entry(s->agg, i);
        series[i] = (promtext_series_t){e->key->api_id, e->key->stage,  e->key->resource,
                                        e->key->method, e->key->canary, &e->sum};
    }
    promtext_requests(p, series, n);
    free(series);
    return 0;
}

static void status_reply(h2o_req_t *req, int status, const char *type, const char *body, size_t len)
{
    req->res.status = status;
    req->res.reason = status == 200 ? "OK" : "Error";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    h2o_iovec_t copy = h2o_strdup(&req->pool, body, len);
    req->res.content_length = copy.len;
    h2o_send_inline(req, copy.base, copy.len);
}

static void status_metrics(status_server_t *s, h2o_req_t *req)
{
    promtext_t p = {0};
    status_process(s, &p);
    int rc = s->dp->metrics_off ? 0 : status_requests(s, &p);
    size_t len;
    char *text = promtext_finish(&p, &len);
    if (rc != 0 || text == NULL) {
        free(text);
        status_reply(req, 500, "text/plain", H2O_STRLIT("out of memory\n"));
        return;
    }
    status_reply(req, 200, PROMTEXT_CONTENT_TYPE, text, len);
    free(text);
}

static int status_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    status_server_t *s = ((status_handler_t *)self)->server;
    h2o_iovec_t path = req->path_normalized;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")))
        status_reply(req, 405, "text/plain", H2O_STRLIT("only GET\n"));
    else if (h2o_memis(path.base, path.len, H2O_STRLIT("/metrics")))
        status_metrics(s, req);
    else if (h2o_memis(path.base, path.len, H2O_STRLIT("/healthz")))
        status_reply(req, 200, "application/json", H2O_STRLIT("{\"status\":\"ok\"}"));
    else
        status_reply(req, 404, "text/plain", H2O_STRLIT("GET /metrics or /healthz\n"));
    return 0;
}

static void status_on_accept(h2o_socket_t *listener, const char *err)
{
    status_server_t *s = listener->data;
    h2o_socket_t *sock;
    if (err == NULL && (sock = h2o_evloop_socket_accept(listener)) != NULL)
        h1conn_accept(&s->accept_ctx, sock);
}

static void *status_main(void *arg)
{
    status_server_t *s = arg;
    /* the loop, context and listener are made here: h2o's socket buffers
     * come from a prototype local to the thread that creates the socket */
    s->loop = h2o_evloop_create();
    h2o_context_init(&s->ctx, s->loop, &s->globalconf);
    s->accept_ctx.ctx = &s->ctx;
    s->accept_ctx.hosts = s->globalconf.hosts;
    s->listener = h2o_evloop_socket_create(s->loop, s->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    s->listener->data = s;
    h2o_socket_read_start(s->listener, status_on_accept);
    while (!atomic_load(&s->stopping))
        h2o_evloop_run(s->loop, 100);
    return NULL;
}

int status_start(dp_t *dp, status_server_t **out, char *err, size_t err_len)
{
    int fd = netaddr_listen(dp->status_listen, 0, err, err_len);
    if (fd < 0)
        return -1;
    status_server_t *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->agg = reqmetrics_agg_create()) == NULL) {
        free(s);
        close(fd);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    s->dp = dp;
    h2o_config_init(&s->globalconf);
    s->globalconf.server_name = h2o_iovec_init(H2O_STRLIT("portico-dp-status"));
    h2o_hostconf_t *host =
        h2o_config_register_host(&s->globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    status_handler_t *h = (status_handler_t *)h2o_create_handler(path, sizeof(*h));
    h->super.on_req = status_on_req;
    h->server = s;
    s->listen_fd = fd;
    if (pthread_create(&s->thread, NULL, status_main, s) != 0) {
        snprintf(err, err_len, "cannot start the status thread");
        return -1;
    }
    *out = s;
    return 0;
}

void status_stop(status_server_t *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stopping, 1);
    pthread_join(s->thread, NULL);
    reqmetrics_agg_destroy(s->agg);
    free(s);
}
