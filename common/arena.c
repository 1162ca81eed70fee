/* arena: chunked bump allocation; see arena.h for the ownership contract. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct arena_chunk {
    struct arena_chunk *next;
    size_t size;
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
    struct arena_chunk *head;
    size_t chunk_size;
    size_t total;
};

arena_t *arena_create(size_t chunk_size)
{
    arena_t *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->chunk_size = chunk_size < 4096 ? 4096 : chunk_size;
    return a;
}

void arena_destroy(arena_t *a)
{
    if (a == NULL)
        return;
    struct arena_chunk *c = a->head;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

static struct arena_chunk *arena_grow(arena_t *a, size_t need)
{
    size_t size = need > a->chunk_size ? need : a->chunk_size;
    if (size > SIZE_MAX - sizeof(struct arena_chunk))
        return NULL;
    struct arena_chunk *c = malloc(sizeof(*c) + size);
    if (c == NULL)
        return NULL;
    c->size = size;
    c->used = 0;
    /* an oversized block goes behind the head so the head keeps its free space */
    if (need > a->chunk_size && a->head != NULL) {
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    return c;
}

void *arena_alloc(arena_t *a, size_t size)
{
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded < size)
        return NULL;
    struct arena_chunk *c = a->head;
    if (c == NULL || c->size - c->used < rounded) {
        c = arena_grow(a, rounded);
        if (c == NULL)
            return NULL;
    }
    void *p = c->data + c->used;
    c->used += rounded;
    a->total += rounded;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(arena_t *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void *arena_memdup(arena_t *a, const void *src, size_t len)
{
    void *p = arena_alloc(a, len == 0 ? 1 : len);
    if (p != NULL && len != 0)
        memcpy(p, src, len);
    return p;
}

size_t arena_used(const arena_t *a)
{
    return a->total;
}

static void *arena_pb_alloc(void *data, size_t size)
{
    return arena_alloc(data, size);
}

static void arena_pb_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

ProtobufCAllocator arena_protobuf_allocator(arena_t *a)
{
    return (ProtobufCAllocator){
        .alloc = arena_pb_alloc, .free = arena_pb_free, .allocator_data = a};
}
