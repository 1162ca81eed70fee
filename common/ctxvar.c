/* ctxvar: a linear scan over ~40 names (lengths compared first); callers
 * resolve names once (when a snapshot or a format is compiled) where they can. */
#include "ctxvar.h"

#include <string.h>

#define CTXVAR_NAME(id, name) [CTXVAR_##id] = {name, sizeof(name) - 1},
static const struct {
    const char *name;
    size_t len;
} ctxvar_names[CTXVAR_COUNT] = {CTXVAR_TABLE(CTXVAR_NAME)};
#undef CTXVAR_NAME

int ctxvar_find(const char *name, size_t len)
{
    for (int i = 0; i < CTXVAR_COUNT; i++)
        if (ctxvar_names[i].len == len && memcmp(ctxvar_names[i].name, name, len) == 0)
            return i;
    return -1;
}

const char *ctxvar_name(enum ctxvar id)
{
    return ctxvar_names[id].name;
}
