/* store_function: functions (the Lambda management API) in SQLite — one row
 * per function (reserved concurrency, tags, the last version number), one
 * per version (its FunctionConfiguration document; '$LATEST' is rewritten in
 * place, numbered versions never change), aliases, and the zips themselves,
 * stored once per SHA-256 and dropped by store_code_gc when no version
 * uses them any more. All static, prepared SQL; writes run inside the
 * caller's transaction (the admin commit path). Same thread rules as store.h. */
#ifndef PORTICO_STORE_FUNCTION_H
#define PORTICO_STORE_FUNCTION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_FN_LATEST "$LATEST"
/* The key of a version document that holds the remote endpoint of a function
 * that lives elsewhere (the Portico extension; never shown in answers). */
#define STORE_FN_DOC_REMOTE "x-portico-remote-endpoint"

/* ---- functions ---- */

/* A new function and its $LATEST version (doc: FunctionConfiguration;
 * sha256 NULL for a function without code here). STORE_ECONFLICT when
 * the name is taken. */
int store_fn_create(store_t *s, const char *name, json_t *tags, json_t *latest,
                    const uint8_t *sha256);
/* Removes the function, its versions and aliases. */
int store_fn_delete(store_t *s, const char *name);
/* Tags (a new object) and reserved concurrency (-1: none). */
int store_fn_info(store_t *s, const char *name, json_t **tags, int *reserved);
/* Reserved concurrency: n >= 0, or -1 to clear it. */
int store_fn_set_reserved(store_t *s, const char *name, int n);
/* The sum of every function's reserved concurrency but name's. */
int store_fn_reserved_others(store_t *s, const char *name, int64_t *sum);
/* Takes the next version number (last + 1, recorded). */
int store_fn_next_number(store_t *s, const char *name, int *number);

/* ---- versions ---- */

/* Inserts or (for $LATEST) rewrites a version; number 0 for $LATEST. */
int store_fn_version_put(store_t *s, const char *name, const char *version, int number, json_t *doc,
                         const uint8_t *sha256);
int store_fn_version_get(store_t *s, const char *name, const char *version, json_t **doc);
/* The highest numbered version's document; STORE_ENOTFOUND when none. */
int store_fn_version_last(store_t *s, const char *name, json_t **doc);
/* STORE_ECONFLICT while an alias points at it. */
int store_fn_version_delete(store_t *s, const char *name, const char *version);
/* The $LATEST documents ordered by name, after `after` (NULL: from the start). */
int store_fn_list(store_t *s, const char *after, int limit, json_t **items, int *more);
/* Every version's document (ALL) ordered by name, then $LATEST and numbers. */
int store_fn_list_all(store_t *s, const char *after_name, int after_number, int limit,
                      json_t **items, int *more);
/* A function's versions: $LATEST first, then by number, after number `after` (-1: all). */
int store_fn_versions(store_t *s, const char *name, int after, int limit, json_t **items,
                      int *more);

/* ---- aliases ---- */

/* Inserts (create != 0; STORE_ECONFLICT when it exists) or rewrites an alias. */
int store_fn_alias_put(store_t *s, const char *name, const char *alias, const char *version,
                       json_t *doc, int create);
int store_fn_alias_get(store_t *s, const char *name, const char *alias, json_t **doc);
int store_fn_alias_delete(store_t *s, const char *name, const char *alias);
/* Aliases ordered by name after `after` (NULL: from the start); version NULL: all. */
int store_fn_aliases(store_t *s, const char *name, const char *version, const char *after,
                     int limit, json_t **items, int *more);

/* ---- code ---- */

/* Stores a zip under its SHA-256 (nothing when it is there already). */
int store_code_put(store_t *s, const uint8_t sha256[32], const void *zip, size_t len);
/* A malloc'd copy of the zip; STORE_ENOTFOUND when unknown. */
int store_code_get(store_t *s, const uint8_t sha256[32], uint8_t **zip, size_t *len);
/* The bytes every stored zip takes. */
int store_code_total(store_t *s, int64_t *bytes);
/* Drops the zips no version uses; *dropped (may be NULL) counts them. */
int store_code_gc(store_t *s, int *dropped);

/* ---- the snapshot (inside the compiler's read transaction) ---- */

/* Calls fn for every version (doc: FunctionConfiguration; sha256 NULL for a
 * remote function; reserved: -1 none) and every alias; a non-zero return stops. */
typedef int (*store_fn_version_visit_fn)(void *ctx, json_t *doc, const uint8_t *sha256,
                                         int reserved);
typedef int (*store_fn_alias_visit_fn)(void *ctx, const char *name, const char *alias,
                                       const char *version);
int store_fn_visit_all(store_t *s, store_fn_version_visit_fn on_version,
                       store_fn_alias_visit_fn on_alias, void *ctx);

#endif
