/* integ: the integrations a method can have — MOCK (integ_mock.c),
 * HTTP_PROXY (integ_proxy.c), HTTP (integ_http.c), and AWS_PROXY and AWS
 * calling functions (integ_fn.c) — the endpoint
 * request builder HTTP and HTTP_PROXY share, and the integration-response
 * writer (integ_response.c). step_integration.c picks one. */
#ifndef PORTICO_INTEG_H
#define PORTICO_INTEG_H

#include "payload.h"
#include "steps.h"

enum step_result integ_mock_run(dp_request_t *r);
enum step_result integ_proxy_run(dp_request_t *r);
enum step_result integ_http_run(dp_request_t *r);
enum step_result integ_fn_run(dp_request_t *r);

/* The proxy event's input (fn_event.h) for r, in r's pool: what a REST
 * request (and an HTTP API request through the same dp_request_t) gives. */
struct fn_event_in;
void integ_fn_event_in(dp_request_t *r, struct fn_event_in *in);

struct vtlreq;

/* What goes to an HTTP endpoint besides the URI, method and mappings. */
typedef struct integ_http_req {
    int pass_client;          /* HTTP_PROXY: the client's headers and query go too */
    h2o_iovec_t body;         /* base NULL: none */
    h2o_iovec_t content_type; /* len 0: none set here */
    const struct vtlreq *vtl; /* requestOverride.{header,querystring,path}; NULL: none */
} integ_http_req_t;

/* Builds the request to r's integration endpoint in the request pool: its
 * URL, method and head (request line and headers; the body is spec->body).
 * -1 when built, else the gateway case to answer (enum gwresp_case). */
int integ_http_build(dp_request_t *r, const integ_http_req_t *spec, h2o_url_t *url,
                     h2o_iovec_t *method, h2o_iovec_t *head);

/* The request template for the client's Content-Type (index into the
 * integration's request_templates, or -1: the body passes through). -1
 * when passthroughBehavior refuses the request (answered 415). */
int integ_select_request_template(dp_request_t *r, int *idx);

/* The content type conversion of r's integration request (payload.h):
 * binaryMediaTypes against Content-Type, and the integration's contentHandling. */
payload_plan_t integ_request_plan(dp_request_t *r);

/* Answers the gateway's 500 for a payload that does not convert; -1. */
int integ_convert_failed(dp_request_t *r);

/* The body an integration sends and its Content-Type: the request template
 * chosen by Content-Type rendered with vtl, or the client's body as it came
 * (passthroughBehavior). -1 when the request was answered (415, 500). */
int integ_request_body(dp_request_t *r, struct vtlreq *vtl, integ_http_req_t *spec);

/* 1 when a request with this method may be sent twice. */
int integ_method_is_idempotent(h2o_iovec_t m);

/* Sets status, method.response.header.* mappings and the template body of an
 * integration response, then sends it. The response template chosen by
 * Accept is rendered with vtl (whose body is then the endpoint's answer);
 * responseOverride.{status,header} apply. vtl NULL: a fresh one. */
void integ_response_send(dp_request_t *r, const rt_int_response_t *resp, struct vtlreq *vtl);

#endif
