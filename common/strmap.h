/* strmap: a build-once, read-many hash map from byte-string keys to pointers,
 * allocated in an arena. Lookups never write, so any number of threads may
 * read a finished map without locks. */
#ifndef PORTICO_STRMAP_H
#define PORTICO_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct strmap strmap_t;

/* Room for `expected` entries at a load factor of at most 1/2. */
strmap_t *strmap_create(arena_t *a, size_t expected);

/* Inserts or replaces; the key bytes are copied into the arena. 0 or -1 (full/oom). */
int strmap_put(strmap_t *m, const void *key, size_t len, void *value);
void *strmap_get(const strmap_t *m, const void *key, size_t len);
size_t strmap_count(const strmap_t *m);

uint64_t strmap_hash(const void *key, size_t len);

#endif
