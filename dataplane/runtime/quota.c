/* quota: see quota.h for the word's layout. */
#include "quota.h"

static inline uint32_t word_period(uint64_t w)
{
    return (uint32_t)(w >> QUOTA_USED_BITS);
}

static inline uint64_t word_make(uint32_t period_start, uint64_t used)
{
    return ((uint64_t)period_start << QUOTA_USED_BITS) |
           (used > QUOTA_USED_MAX ? QUOTA_USED_MAX : used);
}

uint64_t quota_used(_Atomic uint64_t *word, uint32_t period_start)
{
    uint64_t w = atomic_load_explicit(word, memory_order_relaxed);
    return word_period(w) == period_start ? w & QUOTA_USED_MAX : 0;
}

int quota_take(_Atomic uint64_t *word, uint32_t period_start, uint64_t limit)
{
    uint64_t old = atomic_load_explicit(word, memory_order_relaxed);
    for (;;) {
        uint64_t used = word_period(old) == period_start ? old & QUOTA_USED_MAX : 0;
        if (used >= limit)
            return 0;
        if (atomic_compare_exchange_weak_explicit(word, &old, word_make(period_start, used + 1),
                                                  memory_order_relaxed, memory_order_relaxed))
            return 1;
    }
}

void quota_merge(_Atomic uint64_t *word, uint32_t period_start, uint64_t used)
{
    uint64_t old = atomic_load_explicit(word, memory_order_relaxed);
    for (;;) {
        uint32_t p = word_period(old);
        if (p > period_start || (p == period_start && (old & QUOTA_USED_MAX) >= used))
            return;
        if (atomic_compare_exchange_weak_explicit(word, &old, word_make(period_start, used),
                                                  memory_order_relaxed, memory_order_relaxed))
            return;
    }
}
