/* rt_build: what a compile step needs while a snapshot becomes a runtime —
 * the runtime being built, its arena, the error buffer — and the helpers
 * every *_conf module uses to fail with a reason or to register cleanup of
 * something outside the arena. runtime.c makes one per compile. */
#ifndef PORTICO_RT_BUILD_H
#define PORTICO_RT_BUILD_H

#include "rt.h"

/* What a compile step needs (runtime.c builds one per compile). */
typedef struct {
    runtime_t *rt;
    arena_t *a;
    char *err;
    size_t err_len;
} rt_build_t;

/* Formats a compile error into b->err; returns -1. */
int rt_build_fail(rt_build_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Registers fn(arg) to run when the runtime is released (or its compile fails). */
int rt_build_cleanup(rt_build_t *b, void (*fn)(void *), void *arg);

/* Runs the cleanups registered on rt (its release, or a failed compile). */
void rt_build_run_cleanups(runtime_t *rt);

#endif
