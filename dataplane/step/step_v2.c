/* step_v2: what HTTP APIs do differently at routing time — the CORS
 * preflight answered by the gateway itself when the API has a
 * corsConfiguration, the route match with `$default` as the catch-all, and
 * 404 {"message":"Not Found"} when nothing matches — plus the CORS headers
 * every answer of such an API carries (v2_cors_on_response, from the
 * pipeline's response hook). The router's priority is the reference's for
 * HTTP APIs: literal segments over {param} over {proxy+}, the exact method
 * over ANY, then `$default`. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gwresp.h"
#include "rt_v2.h"
#include "step_v2.h"

static int cors_origin_allowed(const rt_v2_cors_t *c, const char *origin, size_t len, int *star)
{
    *star = 0;
    for (size_t i = 0; i < c->norigins; i++) {
        if (strcmp(c->allow_origins[i], "*") == 0) {
            *star = 1;
            return 1;
        }
        if (strlen(c->allow_origins[i]) == len &&
            strncasecmp(c->allow_origins[i], origin, len) == 0)
            return 1;
    }
    return 0;
}

static int list_has(const char *list, const char *item, size_t len)
{
    const char *p = list;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n == len && strncasecmp(p, item, len) == 0)
            return 1;
        p += n + (end != NULL);
    }
    return 0;
}

static void add_header(dp_request_t *r, const char *name, const char *v, size_t len)
{
    request_add_response_header(r, name, strlen(name), v, len);
}

/* Access-Control-Allow-Origin (and Credentials) for an allowed origin. */
static void cors_origin_headers(dp_request_t *r, const rt_v2_cors_t *c, const char *origin,
                                size_t len, int star)
{
    if (star && !c->allow_credentials)
        add_header(r, "access-control-allow-origin", "*", 1);
    else
        add_header(r, "access-control-allow-origin", origin, len);
    if (c->allow_credentials)
        add_header(r, "access-control-allow-credentials", "true", 4);
    if (!star || c->allow_credentials)
        add_header(r, "vary", "Origin", 6);
}

/* A preflight: OPTIONS with Origin and Access-Control-Request-Method. The
 * gateway answers it (204) whether or not the API has an OPTIONS route;
 * a request the configuration does not allow gets no CORS headers, which
 * the browser takes as a refusal. */
static enum step_result cors_preflight(dp_request_t *r, const rt_v2_cors_t *c, const char *origin,
                                       size_t olen, const char *method, size_t mlen)
{
    int star;
    if (cors_origin_allowed(c, origin, olen, &star) &&
        (c->any_method || list_has(c->allow_methods, method, mlen))) {
        cors_origin_headers(r, c, origin, olen, star);
        if (c->any_method)
            add_header(r, "access-control-allow-methods", method, mlen);
        else
            add_header(r, "access-control-allow-methods", c->allow_methods,
                       strlen(c->allow_methods));
        size_t hlen;
        const char *hs = request_header(r, H2O_STRLIT("access-control-request-headers"), &hlen);
        if (c->any_header && hs != NULL)
            add_header(r, "access-control-allow-headers", hs, hlen);
        else if (!c->any_header && c->allow_headers[0] != '\0')
            add_header(r, "access-control-allow-headers", c->allow_headers,
                       strlen(c->allow_headers));
        if (c->max_age >= 0) { /* header values are not copied: pool memory */
            char *age = h2o_mem_alloc_pool(&r->req->pool, 16);
            int n = snprintf(age, 16, "%d", c->max_age);
            add_header(r, "access-control-max-age", age, (size_t)n);
        }
    }
    r->req->res.status = 204;
    r->req->res.reason = "No Content";
    r->req->res.content_length = 0;
    h2o_send_inline(r->req, "", 0);
    return STEP_DONE;
}

enum step_result step_route_v2(dp_request_t *r)
{
    const rt_v2_api_t *api = r->deployment->v2;
    h2o_req_t *req = r->req;
    size_t olen, mlen;
    const char *origin, *method;
    if (api->cors != NULL && h2o_memis(req->method.base, req->method.len, H2O_STRLIT("OPTIONS")) &&
        (origin = request_header(r, H2O_STRLIT("origin"), &olen)) != NULL &&
        (method = request_header(r, H2O_STRLIT("access-control-request-method"), &mlen)) != NULL)
        return cors_preflight(r, api->cors, origin, olen, method, mlen);
    if (router_match(r->deployment->router, req->method.base, req->method.len, r->path.base,
                     r->path.len, &r->match) == 0) {
        r->method = r->match.value;
    } else if (api->default_route != NULL) {
        r->match.nparams = 0;
        r->method = api->default_route;
    } else {
        gwresp_send(r, GW_NOT_FOUND);
        return STEP_DONE;
    }
    if (r->method->integration == NULL) {
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return STEP_DONE;
    }
    return STEP_CONTINUE;
}

/* The reference ignores the backend's own CORS headers when the API has a
 * corsConfiguration: they are dropped, then the configuration's added. */
static void v2_cors_on_response(dp_request_t *r, const rt_v2_cors_t *c)
{
    h2o_headers_t *hs = &r->req->res.headers;
    for (size_t i = 0; i < hs->size;) {
        const h2o_iovec_t *n = hs->entries[i].name;
        if (n->len > 15 && h2o_lcstris(n->base, 15, "access-control-", 15))
            h2o_delete_header(hs, (ssize_t)i);
        else
            i++;
    }
    size_t olen;
    int star;
    const char *origin = request_header(r, H2O_STRLIT("origin"), &olen);
    if (origin == NULL || !cors_origin_allowed(c, origin, olen, &star))
        return;
    cors_origin_headers(r, c, origin, olen, star);
    if (c->expose_headers[0] != '\0')
        add_header(r, "access-control-expose-headers", c->expose_headers,
                   strlen(c->expose_headers));
}

void v2_on_response(dp_request_t *r)
{
    add_header(r, "apigw-requestid", r->request_id, strlen(r->request_id));
    if (r->method != NULL && r->deployment->v2->cors != NULL)
        v2_cors_on_response(r, r->deployment->v2->cors);
}
