/* rt: lookups on a compiled runtime; no allocation, any thread. */
#include "rt.h"

#include <string.h>

const char *rt_vars_get(const rt_vars_t *vars, const char *name, size_t len, size_t *value_len)
{
    for (size_t i = 0; i < vars->n; i++) {
        if (vars->items[i].key_len == len && memcmp(vars->items[i].key, name, len) == 0) {
            *value_len = vars->items[i].value_len;
            return vars->items[i].value;
        }
    }
    return NULL;
}

const rt_stage_t *runtime_stage(const runtime_t *rt, const char *api_id, size_t api_len,
                                const char *stage, size_t stage_len)
{
    char key[512];
    if (api_len + stage_len + 1 > sizeof(key))
        return NULL;
    memcpy(key, api_id, api_len);
    key[api_len] = '/';
    memcpy(key + api_len + 1, stage, stage_len);
    return strmap_get(rt->stages, key, api_len + 1 + stage_len);
}

const rt_domain_t *runtime_domain(const runtime_t *rt, const char *host, size_t len)
{
    char lower[256];
    if (len == 0 || len >= sizeof(lower))
        return NULL;
    for (size_t i = 0; i < len; i++) /* ASCII, as tolower() in the C locale */
        lower[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + ('a' - 'A') : host[i]);
    return strmap_get(rt->domains, lower, len);
}
