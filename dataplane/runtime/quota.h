/* quota: a (key, plan) quota word in 64 bits — the period it belongs to
 * (its first day, 24 bits), a "dry" flag and the budget this node holds for
 * that period (39 bits): what the control plane leased it and it has not
 * spent yet. Workers spend with compare-and-swap; the cluster thread adds
 * grants and takes back unspent budget. A word of another period holds
 * nothing. Dry: the control plane said nothing is left (or cannot be asked),
 * so a request finding no budget is refused at once instead of waiting for a
 * lease. */
#ifndef PORTICO_QUOTA_H
#define PORTICO_QUOTA_H

#include <stdatomic.h>
#include <stdint.h>

#define QUOTA_HELD_BITS 39
#define QUOTA_HELD_MAX ((UINT64_C(1) << QUOTA_HELD_BITS) - 1)
#define QUOTA_DRY (UINT64_C(1) << QUOTA_HELD_BITS)
#define QUOTA_PERIOD_SHIFT 40

/* Budget held for period_start. */
uint64_t quota_held(_Atomic uint64_t *word, uint32_t period_start);

/* The period the word belongs to. */
uint32_t quota_period(_Atomic uint64_t *word);

/* 1 when the word is of period_start and marked dry. */
int quota_dry(_Atomic uint64_t *word, uint32_t period_start);

/* Spends one unit of budget: 1, or 0 when none is held. */
int quota_take(_Atomic uint64_t *word, uint32_t period_start);

/* Adds a grant of n for period_start (a word of an older period starts from
 * 0; a grant for an older period than the word's is ignored). n == 0 marks
 * the word dry; n > 0 clears it. */
void quota_grant(_Atomic uint64_t *word, uint32_t period_start, uint64_t n);

/* Takes back everything held for period_start; returns it. dry 1 also
 * marks the word dry. */
uint64_t quota_reclaim(_Atomic uint64_t *word, uint32_t period_start, int dry);

/* Empties the word (its period kept) and returns what it held, flags and
 * all: the budget moves to a new key table. */
uint64_t quota_move(_Atomic uint64_t *word);

/* Clears the dry mark (a new ask may succeed). */
void quota_undry(_Atomic uint64_t *word, uint32_t period_start);

#endif
