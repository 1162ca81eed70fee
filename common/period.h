/* period: UTC calendar days and the quota periods of usage plans.
 * Days are counted from 1970-01-01 (day 0). A DAY period is one day, a
 * WEEK starts on Monday, a MONTH on its first day, all at 00:00 UTC. Both
 * planes use these, so a data plane and the control plane always agree on
 * which period a request falls in. */
#ifndef PORTICO_PERIOD_H
#define PORTICO_PERIOD_H

#include <stdint.h>

enum period_kind { PERIOD_NONE, PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH };

/* "DAY" | "WEEK" | "MONTH" → kind; PERIOD_NONE for anything else. */
enum period_kind period_parse(const char *name);

static inline uint32_t period_day_of_ms(uint64_t wall_ms)
{
    return (uint32_t)(wall_ms / 86400000u);
}

/* First day of the period that contains day. */
uint32_t period_start(enum period_kind kind, uint32_t day);

/* The quota's limit in the period that contains day: limit - offset in the
 * period of initial_day (the plan's creation), limit afterwards. */
uint64_t period_limit(enum period_kind kind, uint64_t limit, uint64_t offset, uint32_t initial_day,
                      uint32_t day);

/* "YYYY-MM-DD" → day; -1 when malformed or out of range. */
int period_parse_date(const char *s, uint32_t *day);
/* day → "YYYY-MM-DD" (out holds at least 11 bytes). */
void period_format_date(uint32_t day, char *out);

#endif
