/* keys_conf: the parsing side of API keys, usage plans and throttling
 * — compiles a snapshot's usage plans, the stages' methodSettings
 * throttling, the account-wide limit and the key table into a runtime, and
 * applies KeyDelta messages. The hot path is step_api_key.c and
 * step_throttle.c. Runs on the cluster thread. */
#ifndef PORTICO_KEYS_CONF_H
#define PORTICO_KEYS_CONF_H

#include "rt.h"

/* Fills rt's issue-4 fields (its stages are compiled already); limiter
 * state is carried from prev when given. 0, or -1 with err. */
int keys_conf_compile(runtime_t *rt, arena_t *a, const Portico__Snapshot *snap,
                      const runtime_t *prev, char *err, size_t err_len);

/* Builds next->keys from rt's keys and delta (next is a copy of rt that
 * owns arena a). 0, or -1 with err when the delta does not apply to rt. */
int keys_conf_derive(runtime_t *next, arena_t *a, const runtime_t *rt,
                     const Portico__KeyDelta *delta, char *err, size_t err_len);

/* Splits "<resourcePath>/<VERB>" (leading '/' of the path optional; "//GET"
 * and "/GET" name the root) into a resource path that starts with '/' and a
 * verb, both allocated in a. 0, or -1 when malformed. */
int keys_conf_method_key(arena_t *a, const char *key, const char **path, const char **verb);

#endif
