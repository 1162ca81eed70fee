/* gwresp_conf: overrides are validated as the admin API validated them. */
#include "gwresp_conf.h"

#include <stdlib.h>
#include <string.h>

#include "gwtmpl.h"
#include "vtl.h"

#define GW_HEADER_PREFIX "gatewayresponse.header."

static int compile_params(rt_build_t *b, rt_gwresp_t *out, const Portico__GatewayResponse *in)
{
    rt_mapping_t *maps = arena_alloc(b->a, sizeof(*maps) * (in->n_response_parameters + 1));
    for (size_t i = 0; i < in->n_response_parameters; i++) {
        const Portico__KeyValue *kv = in->response_parameters[i];
        size_t plen = sizeof(GW_HEADER_PREFIX) - 1;
        if (strncmp(kv->key, GW_HEADER_PREFIX, plen) != 0 || kv->key[plen] == '\0')
            return rt_build_fail(b, "gateway response %s: invalid parameter %s", in->response_type,
                                 kv->key);
        maps[i].target = (params_expr_t){
            .loc = PARAMS_LOC_HEADER, .name = kv->key + plen, .name_len = strlen(kv->key + plen)};
        if (params_parse_source(kv->value, &maps[i].source) != 0 ||
            maps[i].source.kind == PARAMS_SRC_INTEGRATION_RESPONSE)
            return rt_build_fail(b, "gateway response %s: invalid mapping %s", in->response_type,
                                 kv->value);
    }
    out->params = maps;
    out->nparams = in->n_response_parameters;
    return 0;
}

static int compile_templates(rt_build_t *b, rt_gwresp_t *out, const Portico__GatewayResponse *in)
{
    rt_kv_t *t = arena_alloc(b->a, sizeof(*t) * (in->n_response_templates + 1));
    const vtl_template_t **ct = arena_alloc(b->a, sizeof(*ct) * (in->n_response_templates + 1));
    for (size_t i = 0; i < in->n_response_templates; i++) {
        const Portico__KeyValue *kv = in->response_templates[i];
        char err[256];
        t[i] = (rt_kv_t){kv->key, strlen(kv->key), kv->value, strlen(kv->value)};
        if (gwtmpl_check(kv->value, err, sizeof(err)) == 0)
            continue;
        vtl_template_t *c;
        vtl_error_t e = {0};
        if (vtl_compile(kv->value, t[i].value_len, b->a, &c, &e) != VTL_OK)
            return rt_build_fail(b, "gateway response %s: line %d, column %d: %s",
                                 in->response_type, e.line, e.column, e.message);
        ct[i] = c;
    }
    out->templates = t;
    out->compiled = ct;
    out->ntemplates = in->n_response_templates;
    return 0;
}

int gwresp_conf_deployment(rt_build_t *b, rt_deployment_t *d, const Portico__ApiDefinition *def)
{
    for (size_t i = 0; i < def->n_gateway_responses; i++) {
        const Portico__GatewayResponse *in = def->gateway_responses[i];
        enum gwtype type = gwtype_find(in->response_type);
        if (type == GWT_NONE || d->gwresponses[type] != NULL)
            return rt_build_fail(b, "deployment %s: invalid or duplicate gateway response %s",
                                 d->id, in->response_type);
        rt_gwresp_t *g = arena_alloc(b->a, sizeof(*g));
        if (in->status_code[0] != '\0') {
            g->status = atoi(in->status_code);
            if (g->status < 100 || g->status > 599)
                return rt_build_fail(b, "gateway response %s: invalid status %s", in->response_type,
                                     in->status_code);
        }
        if (compile_params(b, g, in) != 0 || compile_templates(b, g, in) != 0)
            return -1;
        d->gwresponses[type] = g;
    }
    return 0;
}
