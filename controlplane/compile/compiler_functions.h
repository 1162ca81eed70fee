/* compiler_functions: the snapshot's part for functions — one FunctionVersion
 * per $LATEST and per published version (configuration, code hash and size,
 * reserved concurrency, remote endpoint; never the code itself) and one
 * FunctionAlias per alias. */
#ifndef PORTICO_COMPILER_FUNCTIONS_H
#define PORTICO_COMPILER_FUNCTIONS_H

#include "arena.h"
#include "portico.pb-c.h"
#include "store.h"

/* Fills snap->functions and snap->function_aliases inside the caller's read
 * transaction; everything comes from arena a. Returns a store_err. */
int compiler_functions_add(store_t *s, arena_t *a, Portico__Snapshot *snap);

#endif
