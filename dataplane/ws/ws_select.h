/* ws_select: the selection expressions of WebSocket APIs — a route's
 * routeSelectionExpression and an integration's templateSelectionExpression:
 * literal text with references to the message, `$request.body.a.b` or
 * `${request.body.a.b}` (a JSON path into the frame's JSON object; "\$" is a
 * literal dollar). Parsed once when the snapshot compiles, evaluated per
 * message. A reference that does not resolve (a non-JSON frame, a missing
 * member, an object or array) makes the whole expression unresolved: the
 * caller falls back to $default as the reference does. */
#ifndef PORTICO_WS_SELECT_H
#define PORTICO_WS_SELECT_H

#include <jansson.h>
#include <stddef.h>

#include "arena.h"

typedef struct ws_select ws_select_t;

/* Parses expr into a. Returns NULL with a reason in err for an expression
 * the reference would refuse (an unknown source, an empty path). */
ws_select_t *ws_select_parse(arena_t *a, const char *expr, char *err, size_t err_len);

/* Evaluates sel against body (a JSON value or NULL for a non-JSON frame)
 * into out (NUL-terminated). Returns the length, or -1 when a reference did
 * not resolve or out is too small. */
int ws_select_eval(const ws_select_t *sel, const json_t *body, char *out, size_t cap);

/* 1 when sel has no references (its value does not depend on the message). */
int ws_select_is_literal(const ws_select_t *sel);

#endif
