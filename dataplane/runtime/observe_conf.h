/* observe_conf: the observability part of a stage, compiled from its
 * StageBinding — tracingEnabled, the access log (destination and format
 * segments) and, per method setting, metricsEnabled and loggingLevel. */
#ifndef PORTICO_OBSERVE_CONF_H
#define PORTICO_OBSERVE_CONF_H

#include "portico.pb-c.h"
#include "rt.h"

/* Fills s's observability fields from b (memory from a). 0, or -1 with a
 * reason in err (an invalid access log format or destination). */
int observe_conf_stage(arena_t *a, const Portico__StageBinding *b, rt_stage_t *s, char *err,
                       size_t err_len);

/* The setting that applies to method m of stage s (m NULL: no method matched). */
const rt_obs_setting_t *observe_conf_method(const rt_stage_t *s, const rt_method_t *m);

#endif
