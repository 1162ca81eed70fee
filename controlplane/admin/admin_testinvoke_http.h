/* admin_testinvoke_http: the one HTTP exchange TestInvokeMethod makes for an
 * HTTP integration (libcurl, http/https only, no redirects, the
 * integration's timeout, the answer bounded). ti_http_start runs it on a
 * thread of its own and calls back on the admin loop, so the admin API goes
 * on serving while an endpoint is slow; at most TI_HTTP_MAX_CALLS at once. */
#ifndef PORTICO_ADMIN_TESTINVOKE_HTTP_H
#define PORTICO_ADMIN_TESTINVOKE_HTTP_H

#include <h2o.h>
#include <jansson.h>
#include <stddef.h>

#define TI_HTTP_MAX_CALLS 8

typedef struct {
    const char *method;
    const char *url;
    json_t *headers; /* {name: value} */
    const char *body;
    size_t body_len;
    long timeout_ms;
} ti_http_req_t;

typedef struct {
    int status;
    json_t *headers; /* {name: value}, owned */
    char *body;      /* malloc'd, NUL-terminated */
    size_t body_len;
} ti_http_res_t;

/* 0 with res filled (the caller frees with ti_http_res_dispose), or -1
 * with a reason in err (a timeout says so). */
int ti_http_call(const ti_http_req_t *req, ti_http_res_t *res, char *err, size_t err_len);
void ti_http_res_dispose(ti_http_res_t *res);

/* rc and err as ti_http_call's; res is the callee's to dispose. */
typedef void (*ti_http_done_fn)(void *arg, int rc, ti_http_res_t *res, const char *err);

/* Calls ti_http_call(req) on a new thread; done(arg, ...) runs later on
 * loop, never inside this call. req and what it points to must live until
 * then. -1 when TI_HTTP_MAX_CALLS are under way or no thread could start
 * (done is not called). */
int ti_http_start(h2o_evloop_t *loop, const ti_http_req_t *req, ti_http_done_fn done, void *arg);

#endif
