/* vtl: the mapping-template engine (Velocity Template Language, as Apache
 * Velocity 1.7 renders it, which is what the reference service runs).
 *
 * A template is compiled once (vtl_compile) into an AST that lives in the
 * caller's arena; the compiled template is immutable and may be rendered
 * from any number of threads at once. Each render (vtl_render) allocates
 * through the caller's allocator (a request pool on the data plane) and
 * stops with VTL_ELIMIT when a counter passes its bound: output bytes,
 * evaluation steps, allocated bytes, nesting depth. #foreach stops silently
 * after max_foreach iterations, as Velocity does with directive.foreach.
 * maxloops. There is never a timer.
 *
 * The built-in objects come from the caller: $input (body, json(path),
 * path(path), params()) and $context / $stageVariables through a provider
 * (vtl_provider_t); $util is the engine's own. vtl_jsonprov_* is a provider
 * backed by one JSON document (used by tests and by tools). */
#ifndef PORTICO_VTL_H
#define PORTICO_VTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "arena.h"

enum {
    VTL_OK = 0,
    VTL_EPARSE = -1,   /* syntax error; line and column in vtl_error_t */
    VTL_ERUNTIME = -2, /* a method failed (bad index, bad regex, bad JSON...) */
    VTL_ELIMIT = -3,   /* output, steps, memory or depth over its bound */
    VTL_ENOMEM = -4,
};

typedef struct vtl_error {
    int code;
    int line, column; /* 1-based; 0 when unknown */
    char message[200];
} vtl_error_t;

typedef struct vtl_template vtl_template_t;

/* Allocation for one render: alloc returns zeroed-or-not memory that the
 * allocator's owner frees all at once (h2o_mem_alloc_pool, arena_alloc). */
typedef struct vtl_alloc {
    void *(*alloc)(void *ud, size_t size);
    void *ud;
} vtl_alloc_t;

typedef struct vtl_limits {
    size_t max_output;    /* bytes written */
    uint64_t max_steps;   /* nodes evaluated */
    size_t max_memory;    /* bytes requested from the allocator */
    unsigned max_foreach; /* iterations of one #foreach (1000) */
    unsigned max_depth;   /* macro / #evaluate / #define nesting */
} vtl_limits_t;

/* The reference's limits: 1,000 iterations; the rest bounded generously. */
extern const vtl_limits_t vtl_default_limits;

/* The request the template sees. Every callback may be NULL (then the
 * object is empty). Returned JSON stays owned by the provider and must live
 * until the render ends. */
typedef struct vtl_provider {
    void *ud;
    /* $input.body: raw bytes (not NUL-terminated). */
    void (*body)(void *ud, const char **data, size_t *len);
    /* {"path": {..}, "querystring": {..}, "header": {..}}, string values. */
    const json_t *(*params)(void *ud);
    /* $context: an object (nested objects for authorizer, identity,
     * requestOverride...). */
    const json_t *(*context)(void *ud);
    /* $stageVariables: an object of strings. */
    const json_t *(*stage_variables)(void *ud);
    /* Called once after a successful render that used $context, with the
     * final $context (what #set changed in requestOverride and
     * responseOverride included); the JSON is freed when it returns. */
    void (*context_out)(void *ud, const json_t *context);
} vtl_provider_t;

/* Compiles src (len bytes) into *out, allocated in arena. #include and
 * #parse are refused. Returns VTL_OK or VTL_EPARSE / VTL_ENOMEM with err
 * filled (err may be NULL). */
int vtl_compile(const char *src, size_t len, arena_t *arena, vtl_template_t **out,
                vtl_error_t *err);

/* Renders t. On VTL_OK, *out / *out_len hold the output (allocated through
 * al, not NUL-terminated). On failure returns VTL_ERUNTIME, VTL_ELIMIT or
 * VTL_ENOMEM with err filled; the caller answers 500. lim NULL means
 * vtl_default_limits. */
int vtl_render(const vtl_template_t *t, const vtl_provider_t *prov, const vtl_limits_t *lim,
               const vtl_alloc_t *al, char **out, size_t *out_len, vtl_error_t *err);

const char *vtl_strerror(int code);

/* What of $context t can read, known from its AST: 1 when it may read
 * anything (a bare $context, a method or index on it, #evaluate, a macro or
 * loop variable named context); else 0 with *names the first-level
 * properties it names ("stage", "identity", "requestOverride"...), which
 * are all a provider needs to build. */
int vtl_context_names(const vtl_template_t *t, const char *const **names, size_t *n);

/* A provider over one JSON document {"body": "...", "params": {...},
 * "context": {...}, "stageVariables": {...}}; doc must outlive renders. */
typedef struct vtl_jsonprov {
    const json_t *doc;
} vtl_jsonprov_t;
void vtl_jsonprov_init(vtl_jsonprov_t *jp, const json_t *doc, vtl_provider_t *out);

/* An allocator over an arena (for tools and tests). */
vtl_alloc_t vtl_arena_alloc(arena_t *a);

#endif
