/* gwresp_conf: a deployment's gateway response overrides, compiled: status,
 * header mappings (gatewayresponse.header.X ← source) and templates by
 * content type. gwresp.c applies them. */
#ifndef PORTICO_GWRESP_CONF_H
#define PORTICO_GWRESP_CONF_H

#include "rt_build.h"

typedef struct rt_gwresp {
    int status; /* 0: the answer's own status */
    const rt_mapping_t *params;
    size_t nparams;
    const rt_kv_t *templates; /* content type → template */
    size_t ntemplates;
} rt_gwresp_t;

int gwresp_conf_deployment(rt_build_t *b, rt_deployment_t *d, const Portico__ApiDefinition *def);

#endif
