/* strmap: open addressing with linear probing; capacity is a power of two
 * fixed at creation, sized so probes stay short. */
#include "strmap.h"

#include <string.h>

struct strmap_slot {
    const void *key; /* NULL = empty */
    size_t len;
    uint64_t hash;
    void *value;
};

struct strmap {
    arena_t *arena;
    struct strmap_slot *slots;
    size_t mask;
    size_t count;
};

uint64_t strmap_hash(const void *key, size_t len)
{
    /* FNV-1a, then a final avalanche so low bits are usable as an index */
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

strmap_t *strmap_create(arena_t *a, size_t expected)
{
    size_t cap = 8;
    while (cap < expected * 2)
        cap <<= 1;
    strmap_t *m = arena_alloc(a, sizeof(*m));
    if (m == NULL)
        return NULL;
    m->slots = arena_alloc(a, cap * sizeof(*m->slots));
    if (m->slots == NULL)
        return NULL;
    m->arena = a;
    m->mask = cap - 1;
    return m;
}

static struct strmap_slot *strmap_find(const strmap_t *m, const void *key, size_t len, uint64_t h)
{
    for (size_t i = h & m->mask, n = 0; n <= m->mask; i = (i + 1) & m->mask, n++) {
        struct strmap_slot *s = &m->slots[i];
        if (s->key == NULL || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
    return NULL;
}

int strmap_put(strmap_t *m, const void *key, size_t len, void *value)
{
    uint64_t h = strmap_hash(key, len);
    struct strmap_slot *s = strmap_find(m, key, len, h);
    if (s == NULL)
        return -1;
    if (s->key == NULL) {
        if ((m->count + 1) * 2 > m->mask + 1)
            return -1;
        s->key = arena_memdup(m->arena, key, len);
        if (s->key == NULL)
            return -1;
        s->len = len;
        s->hash = h;
        m->count++;
    }
    s->value = value;
    return 0;
}

void *strmap_get(const strmap_t *m, const void *key, size_t len)
{
    struct strmap_slot *s = strmap_find(m, key, len, strmap_hash(key, len));
    return s != NULL && s->key != NULL ? s->value : NULL;
}

size_t strmap_count(const strmap_t *m)
{
    return m->count;
}
