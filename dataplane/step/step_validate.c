/* step_validate: the method's request validator, in the reference's order —
 * required request parameters first (400 BAD_REQUEST_PARAMETERS "Missing
 * required request parameters: [a, b]", names in the order of their full
 * keys), then the body against the model its Content-Type selects (missing
 * Content-Type = application/json, else "$default"; an empty body is
 * validated as {}), 400 BAD_REQUEST_BODY "Invalid request body" with the
 * validator's messages in $context.error.validationErrorString. A body
 * whose Content-Type has no model is not validated. The schemas were
 * compiled with the snapshot (validate_conf.c); the body is parsed here,
 * once, and freed before the step returns. */
#include <jansson.h>
#include <string.h>

#include "gwresp.h"
#include "steps.h"
#include "validate_conf.h"

#define VALIDATION_ERROR_MAX 1024

static int param_present(dp_request_t *r, const rt_required_param_t *p)
{
    size_t vlen;
    switch (p->loc) {
    case PARAMS_LOC_PATH:
        return request_path_param(r, p->name, p->len, &vlen) != NULL;
    case PARAMS_LOC_QUERYSTRING:
    case PARAMS_LOC_MULTIVALUEQUERYSTRING:
        return request_query_param(r, p->name, p->len, &vlen) != NULL;
    case PARAMS_LOC_HEADER:
    case PARAMS_LOC_MULTIVALUEHEADER:
        return request_header(r, p->name, p->len, &vlen) != NULL;
    default:
        return 1;
    }
}

/* 0 when every required parameter is there; else answers 400. */
static int check_params(dp_request_t *r, const rt_validate_t *v)
{
    size_t cap = sizeof("Missing required request parameters: []");
    for (size_t i = 0; i < v->nrequired; i++)
        cap += v->required[i].len + 2;
    char *msg = NULL;
    size_t len = 0;
    for (size_t i = 0; i < v->nrequired; i++) {
        const rt_required_param_t *p = &v->required[i];
        if (param_present(r, p))
            continue;
        if (msg == NULL) {
            msg = h2o_mem_alloc_pool(&r->req->pool, cap);
            len = (size_t)snprintf(msg, cap, "Missing required request parameters: [");
        } else {
            memcpy(msg + len, ", ", 2);
            len += 2;
        }
        memcpy(msg + len, p->name, p->len);
        len += p->len;
    }
    if (msg == NULL)
        return 0;
    memcpy(msg + len, "]", 2);
    r->validation_error = msg;
    gwresp_send_message(r, GW_BAD_REQUEST_PARAMETERS, msg);
    return -1;
}

/* The media type of the request (before any ';', spaces trimmed). */
static h2o_iovec_t media_type(dp_request_t *r)
{
    size_t len;
    const char *ct = request_header(r, H2O_STRLIT("content-type"), &len);
    if (ct == NULL)
        return h2o_iovec_init(H2O_STRLIT("application/json"));
    const char *semi = memchr(ct, ';', len);
    if (semi != NULL)
        len = (size_t)(semi - ct);
    while (len > 0 && (*ct == ' ' || *ct == '\t'))
        ct++, len--;
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
        len--;
    return h2o_iovec_init(ct, len);
}

/* 0 when the body fits its model (or has none); else answers 400. */
static int check_body(dp_request_t *r, const rt_validate_t *v)
{
    h2o_iovec_t type = media_type(r);
    const jsonschema_t *schema = validate_conf_model(v, type.base, type.len);
    if (schema == NULL)
        return 0;
    h2o_iovec_t body = r->req->entity;
    json_error_t jerr;
    json_t *doc = body.len == 0
                      ? json_object()
                      : json_loadb(body.base, body.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    /* the quick walk stops at the first failure; only a failing body is
     * walked again to collect every message */
    if (doc != NULL && jsonschema_validate(schema, doc, NULL, 0) == 0) {
        json_decref(doc);
        return 0;
    }
    char *errors = h2o_mem_alloc_pool(&r->req->pool, VALIDATION_ERROR_MAX);
    if (doc == NULL) {
        snprintf(errors, VALIDATION_ERROR_MAX, "[Invalid JSON in the request body: %s]", jerr.text);
    } else {
        jsonschema_validate(schema, doc, errors, VALIDATION_ERROR_MAX);
        json_decref(doc);
    }
    r->validation_error = errors;
    gwresp_send(r, GW_BAD_REQUEST_BODY);
    return -1;
}

enum step_result step_validate(dp_request_t *r)
{
    const rt_validate_t *v = r->method != NULL ? r->method->validate : NULL;
    if (v == NULL)
        return STEP_CONTINUE;
    if (v->params && check_params(r, v) != 0)
        return STEP_DONE;
    if (v->body && check_body(r, v) != 0)
        return STEP_DONE;
    return STEP_CONTINUE;
}
