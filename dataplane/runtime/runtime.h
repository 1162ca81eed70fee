/* runtime: a snapshot compiled into the immutable structure requests run
 * against — stages by (api, name), each deployment's router, methods with
 * their integrations prepared (URI templates split, mappings parsed, response
 * selection compiled). Everything lives in one arena and is freed when the
 * last reference goes (runtime_release); nothing in it changes after
 * runtime_compile returns, so every worker thread reads it without locks. */
#ifndef PORTICO_RUNTIME_H
#define PORTICO_RUNTIME_H

#include "rt.h"

/* Decodes and compiles a Snapshot payload. On failure returns NULL with a
 * reason in err (the caller NACKs that version). The result holds one
 * reference. */
runtime_t *runtime_compile(const uint8_t *payload, size_t len, char *err, size_t err_len);

/* The same, carrying limiter state (buckets, quota counters) from prev,
 * the runtime being replaced (may be NULL). */
runtime_t *runtime_compile_from(const uint8_t *payload, size_t len, const runtime_t *prev,
                                char *err, size_t err_len);

/* A runtime for a KeyDelta on top of rt; NULL with err when the
 * delta does not apply or is malformed. The result holds one reference. */
runtime_t *runtime_apply_delta(const runtime_t *rt, const Portico__KeyDelta *delta, char *err,
                               size_t err_len);

void runtime_hold(runtime_t *rt);
void runtime_release(runtime_t *rt);

#endif
