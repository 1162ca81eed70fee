/* router: a trie of path segments per deployment. Literal segments beat
 * {param} beats {proxy+}; within a resource the exact verb beats ANY; a
 * branch that matches the path but has no method for the verb is abandoned
 * and the next candidate tried. Built once in an arena, then read-only. */
#ifndef PORTICO_ROUTER_H
#define PORTICO_ROUTER_H

#include <stddef.h>

#include "arena.h"

#define ROUTER_MAX_PARAMS 16
#define ROUTER_MAX_SEGMENTS 64

typedef struct router router_t;

typedef struct {
    const char *name; /* variable name, not NUL-terminated */
    size_t name_len;
    const char *value; /* raw (still percent-encoded) bytes of the request path */
    size_t value_len;
} router_param_t;

typedef struct {
    void *value;
    router_param_t params[ROUTER_MAX_PARAMS];
    int nparams;
} router_match_t;

router_t *router_create(arena_t *a);

/* Adds verb on path ("/", "/pets/{petId}", "/files/{proxy+}"). Returns 0, or
 * -1 for an invalid path, a duplicate verb, or out of memory. */
int router_add(router_t *r, const char *path, const char *verb, void *value);

/* Finishes building (sorts literal children for binary search). */
void router_seal(router_t *r);

/* Matches path (without query) and verb; 0 and *m filled, or -1 for no route. */
int router_match(const router_t *r, const char *verb, size_t verb_len, const char *path,
                 size_t path_len, router_match_t *m);

#endif
