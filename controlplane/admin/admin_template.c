/* admin_template: compiles each template into a scratch arena that is
 * thrown away; the data plane compiles it again from the snapshot. */
#include "admin_template.h"

#include <stdio.h>
#include <string.h>

#include "vtl.h"

int admin_template_check(const char *content_type, const char *tmpl, size_t len, char *err,
                         size_t err_len)
{
    if (content_type[0] == '\0' || strpbrk(content_type, "\r\n") != NULL ||
        strlen(content_type) > 256) {
        snprintf(err, err_len, "Invalid content type specified: %s", content_type);
        return -1;
    }
    if (len > ADMIN_TEMPLATE_MAX_BYTES) {
        snprintf(err, err_len,
                 "Invalid mapping template for %s: its size %zu exceeds the limit of %d bytes",
                 content_type, len, ADMIN_TEMPLATE_MAX_BYTES);
        return -1;
    }
    arena_t *a = arena_create(64 * 1024);
    if (a == NULL) {
        snprintf(err, err_len, "Out of memory");
        return -1;
    }
    vtl_template_t *t;
    vtl_error_t e = {0};
    int rc = vtl_compile(tmpl, len, a, &t, &e);
    arena_destroy(a);
    if (rc == VTL_OK)
        return 0;
    if (e.line > 0)
        snprintf(err, err_len,
                 "Invalid mapping template for %s: syntax error at line %d, column %d: %s",
                 content_type, e.line, e.column, e.message);
    else
        snprintf(err, err_len, "Invalid mapping template for %s: %s", content_type,
                 e.message[0] != '\0' ? e.message : vtl_strerror(rc));
    return -1;
}

int admin_template_check_map(admin_call_t *c, json_t *templates)
{
    const char *k;
    json_t *v;
    json_object_foreach(templates, k, v)
    {
        char err[512];
        const char *s = json_string_value(v);
        if (s == NULL) {
            admin_bad_request(c, "Invalid mapping template for %s: expected a string", k);
            return -1;
        }
        if (admin_template_check(k, s, json_string_length(v), err, sizeof(err)) != 0) {
            admin_bad_request(c, "%s", err);
            return -1;
        }
    }
    return 0;
}
