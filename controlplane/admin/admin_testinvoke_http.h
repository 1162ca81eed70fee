/* admin_testinvoke_http: the one HTTP exchange TestInvokeMethod makes for an
 * HTTP integration, and Invoke for its data-plane node (libcurl, http/https
 * only, no redirects, a timeout, the answer bounded). It blocks: callers run
 * it on a worker thread (admin_defer.h). */
#ifndef PORTICO_ADMIN_TESTINVOKE_HTTP_H
#define PORTICO_ADMIN_TESTINVOKE_HTTP_H

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

/* Once on the admin loop before any thread may call ti_http_call. */
void ti_http_global_init(void);

#endif
