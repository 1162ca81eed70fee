/* integ_conf: a method's integration compiled from the snapshot — type,
 * endpoint URI, timeout, request parameter mappings, request templates
 * (compiled with common/vtl.h into the runtime arena), passthrough
 * behaviour, and the integration responses with their selection patterns
 * (PCRE2, freed with the runtime) and response templates. The integration
 * steps (step/integ_*.c) run it; nothing here runs per request except the
 * response selection. */
#ifndef PORTICO_INTEG_CONF_H
#define PORTICO_INTEG_CONF_H

#include "rt_build.h"

/* The compiled integration, or NULL with b->err set. */
const rt_integration_t *integ_conf_integration(rt_build_t *b, Portico__Integration *in);

/* The integration response for an answer whose selection subject (the
 * status code as text) is s: the first whose pattern matches the whole of
 * s, else the default (empty pattern); NULL when none. */
const rt_int_response_t *integ_conf_select(const rt_integration_t *in, const char *s, size_t len);

/* Of templates keyed by content type: the one for the media type ct (its
 * parameters ignored, any case), or -1. */
int integ_conf_template_for(const rt_kv_t *templates, size_t n, const char *ct, size_t ct_len);

#endif
