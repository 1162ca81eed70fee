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

/* One step of the word loop: xor in, multiply (low bits into high ones),
 * fold the high bits back down. */
static uint64_t strmap_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

uint64_t strmap_hash(const void *key, size_t len)
{
    /* eight bytes at a time (the length seeds it, so a short tail padded
     * with zeros stays apart from real zeros), then murmur3's avalanche so
     * that the low bits are usable as an index */
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)len * 0xff51afd7ed558ccdULL), w;
    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8);
        h = strmap_mix(h, w);
    }
    if (len > 0) {
        w = 0;
        memcpy(&w, p, len);
        h = strmap_mix(h, w);
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
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
