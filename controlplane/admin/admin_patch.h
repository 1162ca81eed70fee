/* admin_patch: the reference service's PATCH body ({"patchOperations": [{op, path,
 * value, from}]}) — parsing, and applying operations to a JSON document
 * through a table of patchable paths. */
#ifndef PORTICO_ADMIN_PATCH_H
#define PORTICO_ADMIN_PATCH_H

#include <jansson.h>

#include "admin.h"

enum patch_opcode {
    PATCH_ADD = 1,
    PATCH_REMOVE = 2,
    PATCH_REPLACE = 4,
    PATCH_MOVE = 8,
    PATCH_COPY = 16,
    PATCH_TEST = 32
};

typedef struct {
    enum patch_opcode op;
    const char *path;
    const char *value; /* NULL when absent */
    const char *from;  /* NULL when absent */
} patch_op_t;

/* Reads c->body's patchOperations into a pool-allocated array; replies 400
 * and returns -1 when malformed. */
int patch_parse(admin_call_t *c, patch_op_t **ops, size_t *n);

enum patch_kind {
    PATCH_STRING,      /* value stored as a string */
    PATCH_BOOL,        /* "true" / "false" */
    PATCH_INT,         /* integer within [min, max] */
    PATCH_NUMBER,      /* number within [min, max] */
    PATCH_JSON_STRING, /* a string that must itself parse as JSON (policies) */
    PATCH_MAP_ENTRY,   /* path is a prefix; the rest names a key of the map field */
};

typedef struct {
    const char *path; /* "/name", or for MAP_ENTRY a prefix such as "/variables/" */
    unsigned ops;     /* allowed patch_opcode bits */
    enum patch_kind kind;
    const char *field;          /* JSON member of the document */
    double min, max;            /* bounds for numbers, for strings the max length (0 = none) */
    const char *const *choices; /* strings: allowed values, NULL-terminated */
} patch_rule_t;

/* Applies op to doc using rules (terminated by {NULL}). Returns 1 when applied,
 * 0 when no rule covers op->path (the caller may handle it), -1 after replying
 * 400 for a value or operation the rule refuses. */
int patch_apply(admin_call_t *c, json_t *doc, const patch_op_t *op, const patch_rule_t *rules);

/* Replies 400 "Invalid patch path <path>" and returns -1. */
int patch_invalid_path(admin_call_t *c, const patch_op_t *op);

/* Decodes "~1" to "/" and "~0" to "~" in a path segment into the pool. */
char *patch_unescape(admin_call_t *c, const char *seg, size_t len);

const char *patch_op_name(enum patch_opcode op);

#endif
