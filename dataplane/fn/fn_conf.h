/* fn_conf: the snapshot's function versions and aliases (Snapshot fields
 * 400/401) checked and compiled into the runtime: a table keyed
 * "name\nqualifier" ($LATEST, a version number, an alias) of fn_config_t in
 * the runtime's arena, and the resolution of a function reference ("name",
 * "name:qualifier", an unqualified or qualified function ARN). A function
 * that fails the checks (name, runtime, handler, sizes, environment names,
 * code hash, remote endpoint) refuses the whole snapshot, like any other
 * malformed part. */
#ifndef PORTICO_FN_CONF_H
#define PORTICO_FN_CONF_H

#include "fn_core.h"
#include "rt_build.h"

/* What a runtime knows of one function version. */
typedef struct {
    fn_config_t cfg;
    const char *remote_endpoint; /* NULL: runs on this node */
    const char *key;             /* "arn\nversion\nrevision\nsha": its pool's identity */
} fn_entry_t;

int fn_conf_compile(rt_build_t *b, const Portico__Snapshot *snap);

/* The entry `ref` names in rt, or NULL. */
const fn_entry_t *fn_conf_resolve(const runtime_t *rt, const char *ref);

/* Every entry's pool key (n of them) into keys (arena'd; valid while rt is held). */
char **fn_conf_keys(const runtime_t *rt, size_t *n);

/* Whether s is a function name (1-64 of [A-Za-z0-9_-]). */
int fn_conf_name_ok(const char *s, size_t len);

#endif
