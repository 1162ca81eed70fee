/* gwresp_conf: a deployment's gateway response overrides, compiled: status,
 * header mappings (gatewayresponse.header.X ← source) and templates by
 * content type (compiled with the full VTL engine when they need more than
 * gwtmpl.h's references). gwresp.c applies them. */
#ifndef PORTICO_GWRESP_CONF_H
#define PORTICO_GWRESP_CONF_H

#include "rt_build.h"

typedef struct rt_gwresp {
    int status; /* 0: the answer's own status */
    const rt_mapping_t *params;
    size_t nparams;
    const rt_kv_t *templates; /* content type → template */
    /* templates[i] compiled with the VTL engine; NULL when it uses only the
     * references gwtmpl.h renders (the same output, without the engine) */
    const struct vtl_template *const *compiled;
    size_t ntemplates;
} rt_gwresp_t;

int gwresp_conf_deployment(rt_build_t *b, rt_deployment_t *d, const Portico__ApiDefinition *def);

#endif
