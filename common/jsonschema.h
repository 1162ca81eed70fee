/* jsonschema: JSON Schema draft 4 over jansson, the validator behind the
 * reference service's models. A schema is compiled once (every $ref resolved,
 * every pattern compiled) into memory owned by an arena, then validates any
 * number of documents from any number of threads (the compiled form is
 * immutable; validation allocates only PCRE2 match data).
 *
 * References: "#/json/pointer", "#anchor" ids, ids that change the base URI,
 * the draft-04 meta-schema (built in), and any other absolute URI through a
 * resolver callback (the reference's model URLs,
 * https://apigateway.amazonaws.com/restapis/{api}/models/{name}).
 *
 * Regular expressions (pattern, patternProperties) run on PCRE2 with UTF-8,
 * unanchored as ECMA-262's RegExp.test; differences from ECMA-262: \d, \w and
 * \s are ASCII-only as in ECMA but PCRE2's \s also matches \v; lookbehind and
 * possessive/atomic groups are accepted (ECMA rejects or lacks them); \cX,
 * \uXXXX work (PCRE2_ALT_BSUX), \u{...} does not; "$" matches only at the
 * very end (PCRE2_DOLLAR_ENDONLY, as ECMA without the m flag).
 * "format" is an annotation only (not asserted), as draft 4 allows. */
#ifndef PORTICO_JSONSCHEMA_H
#define PORTICO_JSONSCHEMA_H

#include <jansson.h>
#include <stddef.h>

#include "arena.h"

typedef struct jsonschema jsonschema_t;

/* Returns a new reference to the document named by uri (absolute, without a
 * fragment), or NULL when unknown. Called only during jsonschema_compile. */
typedef json_t *(*jsonschema_resolve_fn)(void *arg, const char *uri);

/* The draft-04 meta-schema's URI (without the empty fragment). */
#define JSONSCHEMA_DRAFT4_URI "http://json-schema.org/draft-04/schema"

/* Compiles schema whose own URI is uri ("" when it has none) into a; resolve
 * (may be NULL) is asked for documents that are neither schema nor the
 * meta-schema. Returns 0 with *out set, or -1 with a reason in err. The
 * caller keeps its references to schema; nothing of it is kept after the
 * call. Single-threaded on a (see arena.h). */
int jsonschema_compile(arena_t *a, json_t *schema, const char *uri, jsonschema_resolve_fn resolve,
                       void *arg, const jsonschema_t **out, char *err, size_t err_len);

/* Validates doc: 0 when valid, 1 when not. When errors is not NULL it gets
 * the reference's validationErrorString, "[message, message]" (NUL
 * terminated, cut to errors_len); with errors NULL the first failure ends the
 * walk. Any thread. */
int jsonschema_validate(const jsonschema_t *s, const json_t *doc, char *errors, size_t errors_len);

/* Checks that schema is a draft-4 schema: valid against the meta-schema, and
 * compilable (patterns compile, references resolve through resolve/arg).
 * Returns 0, or -1 with the reason in err. */
int jsonschema_check(json_t *schema, const char *uri, jsonschema_resolve_fn resolve, void *arg,
                     char *err, size_t err_len);

#endif
