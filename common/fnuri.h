/* fnuri: function invocation URIs — the reference's Lambda form
 *   arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function}/invocations
 * where {function} is a function reference:
 *   NAME | NAME:QUALIFIER | arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
 * NAME is [A-Za-z0-9_-]{1,64}; QUALIFIER is $LATEST, a version (digits) or
 * an alias [A-Za-z0-9_-]{1,128}. ${stageVariables.NAME} may stand for all or
 * part of the function's name or qualifier: it is substituted per request
 * (fnuri_expand) and the result checked again (fnuri_check_ref).
 * Used by the control plane (admin validation) and the data plane
 * (snapshot compile, integration and authorizer steps). Pure functions. */
#ifndef PORTICO_FNURI_H
#define PORTICO_FNURI_H

#include <stddef.h>

/* 1 when uri is an AWS service integration URI (arn:aws:apigateway:...). */
int fnuri_is_aws(const char *uri, size_t len);

/* The {function} part of a Lambda invocation URI (pointing into uri), 0;
 * -1 when uri is not of that form. */
int fnuri_function(const char *uri, size_t len, const char **fn, size_t *fn_len);

/* 0 when ref is a valid function reference (no placeholders left). */
int fnuri_check_ref(const char *ref, size_t len);

/* 0 when tmpl is a valid function reference once each well-formed
 * ${stageVariables.NAME} is substituted (placeholders only in the name or
 * qualifier). */
int fnuri_check_template(const char *tmpl, size_t len);

/* 1 when tmpl holds a ${stageVariables.NAME} placeholder. */
int fnuri_has_vars(const char *tmpl, size_t len);

/* The value of stage variable name, or NULL when unset (expands empty). */
typedef const char *(*fnuri_lookup_fn)(void *ctx, const char *name, size_t len, size_t *vlen);

/* tmpl with each ${stageVariables.NAME} replaced by its value, into out
 * (cap bytes, NUL-terminated); -1 when it does not fit. */
int fnuri_expand(const char *tmpl, size_t len, fnuri_lookup_fn lookup, void *ctx, char *out,
                 size_t cap, size_t *out_len);

#endif
