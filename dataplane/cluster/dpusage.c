/* dpusage: open addressing keyed by (usage id, day), doubled when half full. */
#include "dpusage.h"

#include <stdlib.h>
#include <string.h>

#define DPUSAGE_MIN_SLOTS 64

struct dpusage_slot {
    uint8_t id[KEYREC_USAGE_ID_LEN];
    uint32_t day;
    uint64_t count; /* 0 = empty slot */
};

struct dpusage {
    struct dpusage_slot *slots;
    size_t mask, count;
    dpusage_t *next; /* in an inbox */
};

static uint64_t dpusage_hash(const uint8_t *id, uint32_t day)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ day;
    for (size_t i = 0; i < KEYREC_USAGE_ID_LEN; i++) {
        h ^= id[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

dpusage_t *dpusage_create(void)
{
    dpusage_t *u = calloc(1, sizeof(*u));
    if (u == NULL)
        return NULL;
    u->slots = calloc(DPUSAGE_MIN_SLOTS, sizeof(*u->slots));
    if (u->slots == NULL) {
        free(u);
        return NULL;
    }
    u->mask = DPUSAGE_MIN_SLOTS - 1;
    return u;
}

void dpusage_destroy(dpusage_t *u)
{
    if (u == NULL)
        return;
    free(u->slots);
    free(u);
}

static struct dpusage_slot *dpusage_find(struct dpusage_slot *slots, size_t mask, const uint8_t *id,
                                         uint32_t day)
{
    for (size_t i = dpusage_hash(id, day) & mask;; i = (i + 1) & mask) {
        struct dpusage_slot *s = &slots[i];
        if (s->count == 0 || (s->day == day && memcmp(s->id, id, KEYREC_USAGE_ID_LEN) == 0))
            return s;
    }
}

static int dpusage_grow(dpusage_t *u)
{
    size_t cap = (u->mask + 1) * 2;
    struct dpusage_slot *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i <= u->mask; i++)
        if (u->slots[i].count != 0)
            *dpusage_find(slots, cap - 1, u->slots[i].id, u->slots[i].day) = u->slots[i];
    free(u->slots);
    u->slots = slots;
    u->mask = cap - 1;
    return 0;
}

int dpusage_add(dpusage_t *u, const uint8_t *usage_id, uint32_t day, uint64_t n)
{
    if ((u->count + 1) * 2 > u->mask + 1 && dpusage_grow(u) != 0)
        return -1;
    struct dpusage_slot *s = dpusage_find(u->slots, u->mask, usage_id, day);
    if (s->count == 0) {
        memcpy(s->id, usage_id, KEYREC_USAGE_ID_LEN);
        s->day = day;
        u->count++;
    }
    s->count += n;
    return 0;
}

size_t dpusage_count(const dpusage_t *u)
{
    return u->count;
}

int dpusage_merge(dpusage_t *dst, const dpusage_t *src)
{
    for (size_t i = 0; i <= src->mask; i++)
        if (src->slots[i].count != 0 &&
            dpusage_add(dst, src->slots[i].id, src->slots[i].day, src->slots[i].count) != 0)
            return -1;
    return 0;
}

void dpusage_visit(const dpusage_t *u, dpusage_visit_fn fn, void *ctx)
{
    for (size_t i = 0; i <= u->mask; i++)
        if (u->slots[i].count != 0)
            fn(ctx, u->slots[i].id, u->slots[i].day, u->slots[i].count);
}

void dpusage_push(dpusage_inbox_t *in, dpusage_t *u)
{
    dpusage_t *old = atomic_load_explicit(&in->head, memory_order_relaxed);
    do
        u->next = old;
    while (!atomic_compare_exchange_weak_explicit(&in->head, &old, u, memory_order_release,
                                                  memory_order_relaxed));
}

int dpusage_drain(dpusage_inbox_t *in, dpusage_t *dst)
{
    /* taking the whole list at once leaves no ABA window */
    dpusage_t *u = atomic_exchange_explicit(&in->head, NULL, memory_order_acquire);
    int rc = 0;
    while (u != NULL) {
        dpusage_t *next = u->next;
        if (dpusage_merge(dst, u) != 0)
            rc = -1;
        dpusage_destroy(u);
        u = next;
    }
    return rc;
}
