/* arena: a bump allocator that owns every allocation made from it until
 * arena_destroy(). Used for a data plane's compiled config (one arena per
 * snapshot) and for decoding protobuf messages without per-field frees.
 * Not thread-safe: one thread allocates; any thread may destroy once no one
 * else uses it. */
#ifndef PORTICO_ARENA_H
#define PORTICO_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct arena arena_t;

/* Returns NULL on allocation failure. */
arena_t *arena_create(size_t chunk_size);
void arena_destroy(arena_t *a);

/* Zeroed, 16-byte aligned memory; NULL when out of memory. */
void *arena_alloc(arena_t *a, size_t size);
char *arena_strndup(arena_t *a, const char *s, size_t len);
char *arena_strdup(arena_t *a, const char *s);
void *arena_memdup(arena_t *a, const void *p, size_t len);

/* Bytes handed out so far (for reporting memory use). */
size_t arena_used(const arena_t *a);

/* A protobuf-c allocator whose frees are no-ops: everything goes with the arena. */
ProtobufCAllocator arena_protobuf_allocator(arena_t *a);

#endif
