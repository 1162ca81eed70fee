/* libFuzzer target: the canonical request path and the HTTP value checks.
 * Properties checked on every input the normalizer accepts: the result is
 * canonical (normalizing it again changes nothing), a valid request target,
 * free of "." / ".." / empty segments and of encoded slashes, and lies
 * within "/". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canonpath.h"
#include "httpval.h"
#include "pathtmpl.h"

static void check_canonical(const char *out, size_t len)
{
    size_t cap = canonpath_room(len), len2;
    char *again = malloc(cap); /* the room a path of len bytes needs, as any caller gives */
    if (again == NULL || canonpath_normalize(out, len, again, cap, &len2) != CANONPATH_OK ||
        len2 != len || memcmp(out, again, len) != 0)
        abort();
    free(again);
    if (httpval_target(out, len) != 0 || !canonpath_within(out, len, "/", 1))
        abort();
    if (memmem(out, len, "//", 2) != NULL || memmem(out, len, "/./", 3) != NULL ||
        memmem(out, len, "/../", 4) != NULL || memmem(out, len, "%2F", 3) != NULL)
        abort();
    if ((len >= 2 && memcmp(out + len - 2, "/.", 2) == 0) ||
        (len >= 3 && memcmp(out + len - 3, "/..", 3) == 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    const char *in = (const char *)data;
    size_t cap = canonpath_room(size), len;
    char *out = malloc(cap);
    if (canonpath_normalize(in, size, out, cap, &len) == CANONPATH_OK)
        check_canonical(out, len);
    free(out);
    (void)httpval_method(in, size);
    (void)httpval_header(in, size / 2, in + size / 2, size - size / 2);
    (void)httpval_target(in, size);
    (void)httpval_authority(in, size);
    (void)pathtmpl_uri_host_has_param(in, size);
    return 0;
}
