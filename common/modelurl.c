/* modelurl: formatting and matching the model URL form. */
#include "modelurl.h"

#include <stdio.h>
#include <string.h>

int modelurl_format(char *out, size_t cap, const char *api_id, const char *name)
{
    int n = snprintf(out, cap, MODELURL_PREFIX "%s/models/%s", api_id, name);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

const char *modelurl_name(const char *uri, const char *api_id)
{
    size_t plen = strlen(MODELURL_PREFIX), alen = strlen(api_id);
    static const char mid[] = "/models/";
    if (strncmp(uri, MODELURL_PREFIX, plen) != 0 || strncmp(uri + plen, api_id, alen) != 0 ||
        strncmp(uri + plen + alen, mid, sizeof(mid) - 1) != 0)
        return NULL;
    const char *name = uri + plen + alen + sizeof(mid) - 1;
    return *name != '\0' && strpbrk(name, "/?#") == NULL ? name : NULL;
}
