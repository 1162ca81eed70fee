/* libFuzzer target: the router with host and path parsing — a request's
 * Host, method and path (with its query string) through the host and route
 * steps, as the pipeline runs them, against a fixed runtime with every kind
 * of route (literal, {param}, {proxy+}, ANY, root), custom domains with and
 * without base paths, and the path-style form. The input is
 * "HOST\nMETHOD\nPATH"; the request fixture (tests/unit/reqfixture.c)
 * provides the worker and the h2o request. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reqfixture.h"

#define FIELD_MAX 4096

static reqfix_t fixture;

static runtime_t *router_runtime(void)
{
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    Portico__ApiDefinition *d = reqfix_snap_deployment(&s, "abcdefghij", "dep001");
    static const char *const routes[][2] = {
        {"/", "GET"},
        {"/pets", "GET"},
        {"/pets", "POST"},
        {"/pets/{id}", "GET"},
        {"/pets/{id}/toys", "ANY"},
        {"/pets/mine", "GET"},
        {"/files/{proxy+}", "ANY"},
        {"/a/{b}/c/{d}", "PUT"},
    };
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        reqfix_snap_method(&s, d, routes[i][0], routes[i][1], "{}");
    reqfix_snap_stage(&s, "abcdefghij", "prod", "dep001");
    reqfix_snap_stage(&s, "abcdefghij", "beta", "dep001");
    reqfix_snap_domain(&s, "api.example.com", "v1", "abcdefghij", "prod");
    reqfix_snap_domain(&s, "shop.example.com", "", "abcdefghij", "");
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    return rt;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    reqfix_init(&fixture, router_runtime());
    return 0;
}

/* The next '\n'-separated field of the input, NUL-terminated (NULs inside
 * end it early: h2o never hands such a name on). */
static void next_field(const uint8_t **p, const uint8_t *end, char *out)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    const uint8_t *stop = nl != NULL ? nl : end;
    size_t n = (size_t)(stop - *p) < FIELD_MAX ? (size_t)(stop - *p) : FIELD_MAX;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p = nl != NULL ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char host[FIELD_MAX + 1], method[FIELD_MAX + 1], path[FIELD_MAX + 1];
    static const step_fn steps[] = {step_canon, step_host, step_route};
    const uint8_t *p = data, *end = data + size;
    next_field(&p, end, host);
    next_field(&p, end, method);
    next_field(&p, end, path);
    reqfix_request(&fixture, method, host, path);
    reqfix_t *f = &fixture;
    enum step_result res = reqfix_run(f, steps, sizeof(steps) / sizeof(steps[0]));
    int status = reqfix_status(f);
    if (res == STEP_DONE && status != 400 && status != 403 && status != 421 && status != 500)
        abort(); /* the only refusals these steps give */
    if (res != STEP_CONTINUE)
        return 0;
    const router_match_t *m = &f->r.match;
    for (int i = 0; i < m->nparams; i++) {
        size_t vlen;
        if (request_path_param(&f->r, m->params[i].name, m->params[i].name_len, &vlen) == NULL)
            abort(); /* a parameter the route matched cannot be read back */
    }
    size_t vlen;
    request_query_param(&f->r, "a", 1, &vlen);
    return 0;
}
