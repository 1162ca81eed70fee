/* vtlreq: mapping templates on the data plane — the provider that gives
 * a compiled template (common/vtl.h) the request: $input (the body: the
 * client's for request templates, the endpoint's for response templates;
 * params() from the method request), $context (every variable mapping.c
 * knows, the authorizer's, requestOverride and responseOverride) and
 * $stageVariables; and the render into the request pool. What a template
 * #sets in $context.requestOverride.* and responseOverride.* is kept here
 * for the integration to apply. One per request, request pool memory. */
#ifndef PORTICO_VTLREQ_H
#define PORTICO_VTLREQ_H

#include <jansson.h>

#include "request.h"
#include "vtl.h"

enum vtlreq_override {
    VTLREQ_OVR_REQ_HEADER,
    VTLREQ_OVR_REQ_QUERY,
    VTLREQ_OVR_REQ_PATH,
    VTLREQ_OVR_RESP_HEADER,
    VTLREQ_OVR_COUNT,
};

typedef struct vtlreq {
    dp_request_t *r;
    h2o_iovec_t body; /* $input.body of the next render */
    /* built on first use in a render, freed when it ends */
    json_t *params, *context, *stage_variables;
    /* what the templates set (request pool); a later render adds to them */
    rt_kv_t *ovr[VTLREQ_OVR_COUNT];
    size_t novr[VTLREQ_OVR_COUNT];
    int status_override; /* $context.responseOverride.status, 0 when unset */
    /* the endpoint's answer headers (integration.response.header.X), request pool */
    const h2o_header_t *answer_headers;
    size_t nanswer_headers;
    const vtl_template_t *tmpl; /* the template being rendered */
    vtl_provider_t prov;
} vtlreq_t;

/* Sets v up for r, with the client's body as $input.body. */
void vtlreq_init(vtlreq_t *v, dp_request_t *r);

/* Renders t into the request pool. 0, or -1 after logging why (the
 * execution log gets the reference's line); the caller answers 500. */
int vtlreq_render(vtlreq_t *v, const vtl_template_t *t, h2o_iovec_t *out);

/* The value a template set for name in override kind k (any case for
 * headers), or NULL. */
const rt_kv_t *vtlreq_override(const vtlreq_t *v, enum vtlreq_override k, const char *name,
                               size_t len);

/* The value of an integration.response.header.X / integration.response.body
 * source, or NULL. */
const char *vtlreq_answer_value(const vtlreq_t *v, const params_expr_t *src, size_t *len);

/* Builds $input.params() for r: {"path": {..}, "querystring": {..}, "header": {..}}
 * (new reference; the caller decrefs). Query values are percent-decoded. */
json_t *vtlreq_params(dp_request_t *r);

/* Builds $context for r (new reference). */
json_t *vtlreq_context(dp_request_t *r);

/* Builds only the first-level names of $context given (vtl_context_names). */
json_t *vtlreq_context_of(dp_request_t *r, const char *const *names, size_t n);

#endif
