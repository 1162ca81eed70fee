/* pathtmpl: the resource path grammar (`pets`, `{petId}`, `{proxy+}`) shared by
 * the control plane (validating pathPart) and the data plane (building routers),
 * and `{name}` / `${stageVariables.name}` expansion in integration URIs. */
#ifndef PORTICO_PATHTMPL_H
#define PORTICO_PATHTMPL_H

#include <stddef.h>

enum pathtmpl_kind {
    PATHTMPL_INVALID = -1,
    PATHTMPL_LITERAL = 0,
    PATHTMPL_PARAM = 1,  /* {name} */
    PATHTMPL_GREEDY = 2, /* {name+}, matching one or more segments */
};

/* Classifies one path part; for PARAM/GREEDY sets *name and *name_len to the
 * variable name inside the braces. */
enum pathtmpl_kind pathtmpl_classify(const char *part, size_t len, const char **name,
                                     size_t *name_len);

/* Looks a template variable up; returns its value or NULL (expands to ""). */
typedef const char *(*pathtmpl_lookup_fn)(void *ctx, const char *name, size_t name_len,
                                          size_t *value_len);

typedef struct {
    char *buf;
    size_t len;
    size_t cap;
} pathtmpl_buf_t;

/* Expands `{name}` through path_lookup and `${stageVariables.name}` through
 * var_lookup into out (which must have room for a NUL; truncation returns -1).
 * Either lookup may be NULL, leaving those placeholders untouched. */
int pathtmpl_expand(const char *tmpl, size_t tmpl_len, pathtmpl_lookup_fn path_lookup,
                    pathtmpl_lookup_fn var_lookup, void *ctx, pathtmpl_buf_t *out);

/* Nonzero when the authority of an http(s) URI template (between "://" and
 * the next '/', '?' or '#') holds a `{name}` placeholder: a request value
 * would choose the host the gateway connects to. `${stageVariables.name}`
 * is allowed there (the API's owner sets it). */
int pathtmpl_uri_host_has_param(const char *uri, size_t len);

#endif
