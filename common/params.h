/* params: the reference service's parameter mapping expressions —
 * `method.request.path.petId`, `integration.request.header.X-Tenant`,
 * `'static value'`, `stageVariables.name`, `context.authorizer.sub`,
 * `integration.response.header.X`, `method.response.header.X`,
 * `method.request.body[.a.b]`, `integration.response.body[.a.b]` — parsed into
 * (kind, location, name) for validation (control plane) and evaluation
 * (data plane). */
#ifndef PORTICO_PARAMS_H
#define PORTICO_PARAMS_H

#include <stddef.h>

enum params_loc {
    PARAMS_LOC_NONE,
    PARAMS_LOC_PATH,
    PARAMS_LOC_QUERYSTRING,
    PARAMS_LOC_HEADER,
    PARAMS_LOC_MULTIVALUEQUERYSTRING,
    PARAMS_LOC_MULTIVALUEHEADER,
    PARAMS_LOC_BODY,
};

enum params_source_kind {
    PARAMS_SRC_INVALID,
    PARAMS_SRC_METHOD_REQUEST,       /* method.request.<loc>.<name> */
    PARAMS_SRC_STATIC,               /* 'value' */
    PARAMS_SRC_STAGE_VARIABLE,       /* stageVariables.<name> */
    PARAMS_SRC_CONTEXT,              /* context.<path> */
    PARAMS_SRC_INTEGRATION_RESPONSE, /* integration.response.<header|body>... */
};

typedef struct {
    enum params_source_kind kind;
    enum params_loc loc;
    const char *name; /* points into the expression; name_len bytes */
    size_t name_len;
} params_expr_t;

/* `method.request.<loc>.<name>` as declared in a method's requestParameters. */
int params_check_method_request(const char *key);
/* `method.response.header.<name>` as declared in a method response. */
int params_check_method_response(const char *key);

/* Target of an integration request mapping:
 * integration.request.<path|querystring|header|...>.<name>. */
int params_parse_integration_target(const char *key, params_expr_t *out);
/* Target of an integration response mapping: method.response.header.<name>. */
int params_parse_response_target(const char *key, params_expr_t *out);
/* Source expression of either mapping. */
int params_parse_source(const char *expr, params_expr_t *out);

#endif
