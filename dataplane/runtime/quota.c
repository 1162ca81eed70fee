/* quota: see quota.h for the word's layout. */
#include "quota.h"

static inline uint32_t word_period(uint64_t w)
{
    return (uint32_t)(w >> QUOTA_PERIOD_SHIFT);
}

static inline uint64_t word_make(uint32_t period_start, int dry, uint64_t held)
{
    return ((uint64_t)period_start << QUOTA_PERIOD_SHIFT) | (dry ? QUOTA_DRY : 0) |
           (held > QUOTA_HELD_MAX ? QUOTA_HELD_MAX : held);
}

uint64_t quota_held(_Atomic uint64_t *word, uint32_t period_start)
{
    uint64_t w = atomic_load_explicit(word, memory_order_relaxed);
    return word_period(w) == period_start ? w & QUOTA_HELD_MAX : 0;
}

uint32_t quota_period(_Atomic uint64_t *word)
{
    return word_period(atomic_load_explicit(word, memory_order_relaxed));
}

int quota_dry(_Atomic uint64_t *word, uint32_t period_start)
{
    uint64_t w = atomic_load_explicit(word, memory_order_relaxed);
    return word_period(w) == period_start && (w & QUOTA_DRY) != 0;
}

int quota_take(_Atomic uint64_t *word, uint32_t period_start)
{
    uint64_t old = atomic_load_explicit(word, memory_order_relaxed);
    for (;;) {
        if (word_period(old) != period_start || (old & QUOTA_HELD_MAX) == 0)
            return 0;
        if (atomic_compare_exchange_weak_explicit(word, &old, old - 1, memory_order_relaxed,
                                                  memory_order_relaxed))
            return 1;
    }
}

void quota_grant(_Atomic uint64_t *word, uint32_t period_start, uint64_t n)
{
    uint64_t old = atomic_load_explicit(word, memory_order_relaxed);
    for (;;) {
        uint32_t p = word_period(old);
        if (p > period_start)
            return;
        uint64_t held = p == period_start ? old & QUOTA_HELD_MAX : 0;
        uint64_t w = word_make(period_start, n == 0, held + n);
        if (atomic_compare_exchange_weak_explicit(word, &old, w, memory_order_relaxed,
                                                  memory_order_relaxed))
            return;
    }
}

uint64_t quota_reclaim(_Atomic uint64_t *word, uint32_t period_start, int dry)
{
    uint64_t old = atomic_load_explicit(word, memory_order_relaxed);
    for (;;) {
        if (word_period(old) > period_start)
            return 0;
        uint64_t held = word_period(old) == period_start ? old & QUOTA_HELD_MAX : 0;
        int keep_dry = word_period(old) == period_start && (old & QUOTA_DRY);
        if (atomic_compare_exchange_weak_explicit(word, &old,
                                                  word_make(period_start, dry || keep_dry, 0),
                                                  memory_order_relaxed, memory_order_relaxed))
            return held;
    }
}

void quota_undry(_Atomic uint64_t *word, uint32_t period_start)
{
    uint64_t old = atomic_load_explicit(word, memory_order_relaxed);
    while (word_period(old) == period_start && (old & QUOTA_DRY) != 0)
        if (atomic_compare_exchange_weak_explicit(word, &old, old & ~QUOTA_DRY,
                                                  memory_order_relaxed, memory_order_relaxed))
            return;
}

uint64_t quota_move(_Atomic uint64_t *word)
{
    uint64_t old = atomic_load_explicit(word, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(word, &old, word_make(word_period(old), 0, 0),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
    return old;
}
