/* ws_http: one HTTP exchange for WebSocket APIs — an HTTP / HTTP_PROXY
 * integration, a $connect REQUEST authorizer — on the worker's upstream
 * pools (upstream_call.h): a method, a URL, a JSON body, and a callback with
 * the status and the answer's body (bounded), or status 0 on failure. */
#ifndef PORTICO_WS_HTTP_H
#define PORTICO_WS_HTTP_H

#include "dp.h"

#define WS_HTTP_MAX_ANSWER (1024 * 1024)

/* status 0: the exchange failed (why in err). body is valid during the call. */
typedef void (*ws_http_cb)(void *arg, int status, const char *body, size_t len, const char *err);

/* Starts the exchange on t's loop; cb runs later, exactly once. headers
 * ("name: value\r\n" lines, already validated) may be NULL. Returns -1
 * (cb not called) when url or method is unusable. */
int ws_http_call(dp_thread_t *t, const char *method, const char *url, const char *headers,
                 const char *body, size_t len, uint32_t timeout_ms, ws_http_cb cb, void *arg);

/* The same with the Host header given (the URL's authority is only where
 * to connect). */
int ws_http_call_host(dp_thread_t *t, const char *method, const char *url, const char *host,
                      size_t host_len, const char *headers, const char *body, size_t len,
                      uint32_t timeout_ms, ws_http_cb cb, void *arg);

#endif
