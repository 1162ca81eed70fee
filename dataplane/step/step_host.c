/* step_host: which API and stage a request is for, from
 *   Host {api_id}.execute-api.{invoke-domain}, path /{stage}/{resource path}
 *   any Host, path /restapis/{api_id}/{stage}/_user_request_/{resource path}
 *   Host a custom domain name, by the longest base path mapping
 *   Host {api_id}.execute-api..., any path, an HTTP API's `$default` stage
 * and, on canary stages, which deployment serves it. */
#include <string.h>

#include "gwresp.h"
#include "steps.h"
#include "tls.h"
#include "ws_sock.h"

#define EXECUTE_API ".execute-api."
#define API_ID_LEN 10

typedef struct {
    h2o_iovec_t api_id;
    h2o_iovec_t stage;
    h2o_iovec_t rest;  /* the resource path, starting with '/' (or empty) */
    int via_domain;    /* reached through a custom domain name */
    h2o_iovec_t whole; /* execute-api host: the path with no stage taken off ($default) */
} host_target_t;

static h2o_iovec_t host_without_port(h2o_iovec_t authority)
{
    if (authority.len > 0 && authority.base[0] == '[') {
        const char *close = memchr(authority.base, ']', authority.len);
        return close != NULL ? h2o_iovec_init(authority.base, (size_t)(close - authority.base) + 1)
                             : authority;
    }
    const char *colon = memchr(authority.base, ':', authority.len);
    return colon != NULL ? h2o_iovec_init(authority.base, (size_t)(colon - authority.base))
                         : authority;
}

/* Takes the next "/segment" off *path; returns it without the slash. */
static h2o_iovec_t next_segment(h2o_iovec_t *path)
{
    size_t i = 0;
    while (i < path->len && path->base[i] == '/')
        i++;
    size_t start = i;
    while (i < path->len && path->base[i] != '/')
        i++;
    h2o_iovec_t seg = h2o_iovec_init(path->base + start, i - start);
    *path = h2o_iovec_init(path->base + i, path->len - i);
    return seg;
}

static int host_is_execute_api(dp_request_t *r, h2o_iovec_t host, h2o_iovec_t *api_id)
{
    const dp_t *dp = r->thread->dp;
    size_t suffix = sizeof(EXECUTE_API) - 1 + dp->invoke_domain_len;
    if (host.len != API_ID_LEN + suffix)
        return 0;
    const char *s = host.base + API_ID_LEN;
    /* clients send host names in lower case: memcmp first, case folding when it differs */
    if ((memcmp(s, EXECUTE_API, sizeof(EXECUTE_API) - 1) != 0 &&
         !h2o_lcstris(s, sizeof(EXECUTE_API) - 1, EXECUTE_API, sizeof(EXECUTE_API) - 1)) ||
        (memcmp(s + sizeof(EXECUTE_API) - 1, dp->invoke_domain, dp->invoke_domain_len) != 0 &&
         !h2o_lcstris(s + sizeof(EXECUTE_API) - 1, dp->invoke_domain_len, dp->invoke_domain,
                      dp->invoke_domain_len)))
        return 0;
    *api_id = h2o_iovec_init(host.base, API_ID_LEN);
    return 1;
}

/* The longest base path that is a whole-segment prefix of path. */
static int host_custom_domain(const rt_domain_t *d, h2o_iovec_t path, host_target_t *t)
{
    h2o_iovec_t rel =
        path.len > 0 && path.base[0] == '/' ? h2o_iovec_init(path.base + 1, path.len - 1) : path;
    for (size_t i = 0; i < d->nmappings; i++) {
        const rt_mapping_route_t *m = &d->mappings[i];
        if (m->base_path_len > rel.len || memcmp(rel.base, m->base_path, m->base_path_len) != 0)
            continue;
        if (m->base_path_len > 0 && m->base_path_len < rel.len && rel.base[m->base_path_len] != '/')
            continue;
        h2o_iovec_t rest = h2o_iovec_init(rel.base + m->base_path_len, rel.len - m->base_path_len);
        t->api_id = h2o_iovec_init(m->api_id, strlen(m->api_id));
        t->stage =
            m->stage[0] != '\0' ? h2o_iovec_init(m->stage, strlen(m->stage)) : next_segment(&rest);
        t->rest = rest;
        return 0;
    }
    return -1;
}

static int host_target(dp_request_t *r, h2o_iovec_t path, host_target_t *t)
{
    h2o_iovec_t host = host_without_port(r->req->authority);
    const rt_domain_t *domain = runtime_domain(r->rt, host.base, host.len);
    t->via_domain = domain != NULL;
    enum tls_domain_check tc =
        domain != NULL ? tls_conn_serves_domain(r->req->conn, r->rt, host.base, host.len)
                       : TLS_DOMAIN_SERVE;
    if (tc != TLS_DOMAIN_SERVE) /* a certificate's domain this handshake did not select */
        return tc == TLS_DOMAIN_MISDIRECTED ? -2 : -1;
    if (domain != NULL)
        return host_custom_domain(domain, path, t);
    if (host_is_execute_api(r, host, &t->api_id)) {
        t->whole = path;
        t->stage = next_segment(&path);
        t->rest = path;
        return 0;
    }
    static const char prefix[] = "/restapis/";
    if (path.len > sizeof(prefix) - 1 && memcmp(path.base, prefix, sizeof(prefix) - 1) == 0) {
        h2o_iovec_t rest = h2o_iovec_init(path.base + 9, path.len - 9);
        t->api_id = next_segment(&rest);
        t->stage = next_segment(&rest);
        h2o_iovec_t marker = next_segment(&rest);
        if (!h2o_memis(marker.base, marker.len, H2O_STRLIT("_user_request_")))
            return -1;
        t->rest = rest;
        return 0;
    }
    return -1;
}

/* The canary takes each request independently with probability percent/100. */
static int choose_canary(dp_request_t *r, const rt_stage_t *s)
{
    if (s->canary == NULL || s->canary_percent <= 0)
        return 0;
    double u = (double)(rng_next(&r->thread->rng) >> 11) * (1.0 / 9007199254740992.0);
    return u * 100.0 < s->canary_percent;
}

enum step_result step_host(dp_request_t *r)
{
    host_target_t t = {0};
    const rt_stage_t *s = NULL;
    int rc = host_target(r, r->canon_path, &t);
    if (rc == -2) {
        gwresp_send(r, GW_MISDIRECTED);
        return STEP_DONE;
    }
    if (rc == 0 && t.stage.len > 0)
        s = runtime_stage(r->rt, t.api_id.base, t.api_id.len, t.stage.base, t.stage.len);
    const ws_stage_t *ws;
    if (s == NULL && rc == 0 && t.stage.len > 0 &&
        (ws = ws_conf_stage(r->rt, t.api_id.base, t.api_id.len, t.stage.base, t.stage.len)) !=
            NULL) {
        ws_handle(r, ws, t.rest); /* a WebSocket API: the handshake or @connections */
        return STEP_DONE;
    }
    /* HTTP APIs: a `$default` stage serves every path no named stage takes */
    if (rc == 0 && s == NULL && t.whole.base != NULL &&
        (s = runtime_stage(r->rt, t.api_id.base, t.api_id.len, H2O_STRLIT("$default"))) != NULL)
        t.rest = t.whole;
    if (s == NULL && rc == 0 && r->rt->v2_apis != NULL &&
        (r->deployment = strmap_get(r->rt->v2_apis, t.api_id.base, t.api_id.len)) != NULL) {
        gwresp_send(r, GW_NOT_FOUND); /* an HTTP API without that stage (nor `$default`) */
        return STEP_DONE;
    }
    if (s == NULL || (s->deployment->disable_execute_api_endpoint && !t.via_domain)) {
        gwresp_send(r, GW_FORBIDDEN_STAGE);
        return STEP_DONE;
    }
    r->stage = s;
    r->is_canary = choose_canary(r, s);
    r->deployment = r->is_canary ? s->canary : s->deployment;
    r->variables = r->is_canary ? &s->canary_variables : &s->variables;
    r->path = t.rest.len > 0 ? t.rest : h2o_iovec_init(H2O_STRLIT("/"));
    return STEP_CONTINUE;
}
